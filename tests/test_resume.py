"""Exact resumption, shown by causing the faults: real runs of the commands are interrupted (SIGINT
in the middle of an epoch and during the checkpoint's write, SIGKILL during the write), run again,
and must end with the very weights, bit for bit, of a run never interrupted; so must Module.fit with
BackupAndRestore (and its ModelCheckpoint files). A loss that becomes NaN stops a command with one
line, keeping the last good checkpoint.

The write is caught in the act through a test hook: $DEEPSTEP_TEST_PAUSE_IN_CHECKPOINT=E makes the
write of epoch E's checkpoint stop, its temporary file written but not yet renamed, after printing
"checkpoint write paused" (deepstep/io/checkpoint.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.io.checkpoint import read_record
from deepstep.train import BackupAndRestore, Callback, LearningRateScheduler, ModelCheckpoint

# one thread each: the runs must be comparable bit for bit, and the cores are shared
_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_ENV.pop("DEEPSTEP_TEST_PAUSE_IN_CHECKPOINT", None)
_PAUSE = "DEEPSTEP_TEST_PAUSE_IN_CHECKPOINT"
_TIMEOUT = 120
_MAIN = "import sys; from deepstep.cli import main; sys.exit(main())"  # the `deepstep` entry point

# the commands, tiny
MLP = "train --hidden 32 --limit 1000 --batch-size 32 --epochs 3 --validation-split 0.2"
CNN = "train --model cnn --limit 192 --batch-size 32 --epochs 2 --validation-split 0"
AUTOENCODER = "autoencoder --limit 512 --batch-size 32 --epochs 2 --latent 8"
GAN = "gan --limit 256 --batch-size 32 --epochs 2 --latent 8"
LM = (
    "lm {corpus} --model gpt --layers 1 --heads 2 --width 16 --block-size 16 --batch-size 4 "
    "--steps 24 --eval-every 8 --eval-batches 2 --dropout 0.2 --warmup 4"
)


def _argv(command: str, out: Path, corpus: Path | None = None, epochs: int | None = None) -> list[str]:
    """The command's arguments, with its output folder, a seed, and no progress bars or pictures."""
    common = ["--output", str(out), "--seed", "3", "--quiet", "--no-plot"]
    argv = [*command.format(corpus=corpus).split(), *common]
    if epochs is not None:
        argv[argv.index("--epochs") + 1] = str(epochs)
    return argv


def _ctrl_c_as_at_a_terminal() -> None:
    """Run in the child before it starts: SIGINT's default action, which Python turns into
    KeyboardInterrupt. A shell starts a background job (`.ci/run &`) with SIGINT ignored, and every
    process it starts inherits that: the signals these tests send would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _MAIN, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**_ENV, **(env or {})},
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )


def _run(argv: list[str]) -> str:
    process = _start(argv)
    out, err = process.communicate(timeout=_TIMEOUT)
    assert process.returncode == 0, out + err
    return out


def _interrupt(
    argv: list[str], at: str, sig: int = signal.SIGINT, env: dict | None = None
) -> tuple[int, str]:
    """Run, send `sig` as soon as a line of its output starts with `at`; (exit status, stdout)."""
    process = _start(argv, env)
    lines = []
    timer = threading.Timer(_TIMEOUT, process.kill)
    timer.start()
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith(at):
                process.send_signal(sig)
                break
        lines.append(process.stdout.read())
        process.wait()
    finally:
        timer.cancel()
    output = "".join(lines)
    assert any(line.startswith(at) for line in lines), output + process.stderr.read()
    process.stderr.close()
    return process.returncode, output


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _assert_identical(a: Path, b: Path) -> None:
    """Every array of two files equal, bit for bit, and a checkpoint's JSON too (optimizer scalars,
    generators' states, history), but for the speeds measured."""
    first, second = _arrays(a), _arrays(b)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].dtype == second[name].dtype, name
        if name == "__record__":
            header = [json.loads(arrays[name].tobytes()) for arrays in (first, second)]
            for meta in header:
                meta["record"]["history"].pop("tokens_per_s", None)
            assert header[0] == header[1]
        else:
            assert np.array_equal(first[name], second[name]), f"{name} differs between {a} and {b}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    words = ["in", "the", "beginning", "was", "word", "and", "light", "darkness", "said", "let"]
    path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    path.write_text(" ".join(rng.choice(words, 1500)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def references(tmp_path_factory, corpus) -> dict[str, Path]:
    """Every command run once, uninterrupted, in one background process (one start-up for all)."""
    root = tmp_path_factory.mktemp("references")
    folders = {name: root / name for name in ("mlp", "cnn", "autoencoder", "gan", "lm")}
    commands = [
        _argv(MLP, folders["mlp"]),
        _argv(CNN, folders["cnn"]),
        _argv(AUTOENCODER, folders["autoencoder"]),
        _argv(GAN, folders["gan"]),
        _argv(LM, folders["lm"], corpus),
    ]
    script = "import sys\nfrom deepstep.cli import main\n" + "".join(
        f"assert main({argv!r}) == 0\n" for argv in commands
    )
    log = open(root / "log.txt", "w")  # noqa: SIM115 - closed below, once the process has ended
    process = subprocess.Popen([sys.executable, "-c", script], stdout=log, stderr=subprocess.STDOUT, env=_ENV)

    class Lazy(dict):
        """The folders, each given once the background process has made them all."""

        def __getitem__(self, name):
            if process.returncode is None:
                process.wait(timeout=4 * _TIMEOUT)
                assert process.returncode == 0, (root / "log.txt").read_text()
            return folders[name]

    yield Lazy()
    if process.returncode is None:
        process.kill()
        process.wait()
    log.close()


def test_train_mlp_survives_interruptions_during_the_checkpoint_write(tmp_path, references):
    """A 2-epoch run gets SIGINT during the write of its last checkpoint (the finished epoch is still
    written whole); raised to 3 epochs, it gets SIGKILL during the write of epoch 3's (the previous
    checkpoint survives, whole); run again, it ends where the uninterrupted 3-epoch run does, bit for
    bit, Adam's moments included, and its history.csv has each epoch once."""
    out = tmp_path / "run"
    status, output = _interrupt(_argv(MLP, out, epochs=2), at="checkpoint write paused", env={_PAUSE: "2"})
    assert status == 130 and "holds the state after epoch 2;" in output, output
    assert read_record(out / "checkpoint.npz")["epoch"] == 2

    kept = _arrays(out / "checkpoint.npz")
    status, _ = _interrupt(_argv(MLP, out), "checkpoint write paused", signal.SIGKILL, env={_PAUSE: "3"})
    assert status == -signal.SIGKILL
    assert list(out.glob(".checkpoint.npz.*.tmp"))  # killed in the write: its temporary file is left
    after = _arrays(out / "checkpoint.npz")
    assert after.keys() == kept.keys() and all(np.array_equal(after[k], kept[k]) for k in kept)
    assert read_record(out / "checkpoint.npz")["epoch"] == 2

    output = _run(_argv(MLP, out))
    assert "after epoch 2" in output and not list(out.glob("*.tmp"))  # the stale one cleared
    _assert_identical(out / "model.npz", references["mlp"] / "model.npz")
    _assert_identical(out / "checkpoint.npz", references["mlp"] / "checkpoint.npz")
    assert (out / "history.csv").read_text() == (references["mlp"] / "history.csv").read_text()


@pytest.mark.parametrize(
    ("name", "command", "at"),
    [
        # a finished 1-epoch run raised to 2 epochs, interrupted as it resumes (a CNN epoch is slow: early
        # in epoch 2), ends as the 2-epoch run does
        ("cnn", CNN, "resuming"),
        ("autoencoder", AUTOENCODER, "epoch 1/2"),
        ("gan", GAN, "epoch 1/2"),
        ("lm", LM, "step 8:"),  # as the second interval of steps starts, dropout on
    ],
)
def test_each_command_resumes_bit_identical_after_sigint(name, command, at, tmp_path, corpus, references):
    out = tmp_path / name
    if at == "resuming":
        _run(_argv(command, out, corpus, epochs=1))
        assert (out / "model.npz").exists()
    status, output = _interrupt(_argv(command, out, corpus), at=at)
    assert status == 130, output
    # the label holds: the state after the first epoch (`lm` counts steps: after the first 8)
    assert read_record(out / "checkpoint.npz")["epoch"] == (8 if name == "lm" else 1)
    output = _run(_argv(command, out, corpus))
    assert "resuming from" in output
    _assert_identical(out / "model.npz", references[name] / "model.npz")
    _assert_identical(out / "checkpoint.npz", references[name] / "checkpoint.npz")


def test_a_loss_that_becomes_nan_stops_with_one_line_and_keeps_the_last_good_checkpoint(tmp_path, capsys):
    """The command's training path (cli.jobs._fit) with a model whose loss turns NaN in epoch 2."""
    import argparse

    from deepstep.cli.jobs import _fit

    class Diverging(nn.Sequential):
        steps = 0

        def train_step(self, batch):
            logs = super().train_step(batch)
            Diverging.steps += 1
            return {**logs, "loss": float("nan")} if Diverging.steps == 20 else logs

    ds.manual_seed(0)
    X, y = ds.datasets.blobs(240, seed=0)
    model = Diverging(nn.Linear(2, 3))
    model.compile(optimizer="adam", loss="cross_entropy")
    args = argparse.Namespace(restart=False, epochs=3, batch_size=16, quiet=True, seed=0)
    _resumable, status = _fit(model, X, y, args, tmp_path, {"job": "train"}, {})
    assert status == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("deepstep train: the loss became nan at epoch 2, batch 5 of 15")
    assert f"{tmp_path / 'checkpoint.npz'} holds the state after epoch 1" in err
    assert read_record(tmp_path / "checkpoint.npz")["epoch"] == 1


# ----- Module.fit ------------------------------------------------------------------------------------
def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3))


class _Interrupt(Callback):
    """Ctrl-C, as fit sees it, at a given batch of a given epoch."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise KeyboardInterrupt


def _fit(folder: Path, seed, callbacks=(), epochs: int = 4) -> nn.Module:
    """The same script every time: seed, build, compile, fit with a backup and a checkpoint per epoch."""
    ds.manual_seed(0)
    X, y = ds.datasets.blobs(240, seed=0)
    model = _model()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    model.fit(
        X,
        y,
        epochs=epochs,
        batch_size=16,
        validation_split=0.25,
        verbose=0,
        seed=seed,
        callbacks=[
            ModelCheckpoint(folder / "epoch-{epoch}.npz"),
            BackupAndRestore(folder / "backup"),
            *callbacks,
        ],
    )
    return model


@pytest.mark.parametrize("seed", [None, 7])  # the library's generator, or fit's own from (seed, epoch)
def test_fit_with_backup_and_restore_resumes_bit_identical(tmp_path, seed):
    reference = _fit(tmp_path / "reference", seed)
    for epoch, batch in [(1, 4), (2, 0), (3, 10)]:  # interrupted again and again, mid-epoch
        with pytest.raises(KeyboardInterrupt):
            _fit(tmp_path / "run", seed, [_Interrupt(epoch, batch)])
        assert read_record(tmp_path / "run" / "backup" / "checkpoint.npz")["epoch"] == epoch
    resumed = _fit(tmp_path / "run", seed)
    for name, value in reference.state_dict().items():
        assert np.array_equal(resumed.state_dict()[name], value), name
    for epoch in range(1, 5):
        _assert_identical(
            tmp_path / "run" / f"epoch-{epoch}.npz", tmp_path / "reference" / f"epoch-{epoch}.npz"
        )
    assert not (tmp_path / "run" / "backup" / "checkpoint.npz").exists()  # deleted once fit ends well


def test_fit_with_more_epochs_continues_as_one_longer_fit(tmp_path):
    reference = _fit(tmp_path / "reference", 5, epochs=4)
    ds.manual_seed(0)
    X, y = ds.datasets.blobs(240, seed=0)
    model = _model()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    for epochs in (2, 4):
        backup = BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)
        model.fit(
            X, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0, seed=5, callbacks=[backup]
        )
    for name, value in reference.state_dict().items():
        assert np.array_equal(model.state_dict()[name], value), name


def test_fit_resumed_keeps_an_optim_scheduler_in_step(tmp_path):
    """A StepLR stepped by LearningRateScheduler: the resumed fit puts it at the resumed epoch."""

    def run(callbacks=()):
        ds.manual_seed(0)
        X, y = ds.datasets.blobs(160, seed=0)
        model = _model()
        optimizer = ds.optim.SGD(model.parameters(), lr=0.5)
        model.compile(optimizer=optimizer, loss="cross_entropy")
        schedule = LearningRateScheduler(ds.optim.StepLR(optimizer, 1, 0.5))
        history = model.fit(
            X,
            y,
            epochs=4,
            batch_size=16,
            verbose=0,
            seed=2,
            callbacks=[BackupAndRestore(tmp_path), schedule, *callbacks],
        )
        return model, history

    reference, _ = run()
    with pytest.raises(KeyboardInterrupt):
        run([_Interrupt(2, 3)])
    resumed, history = run()
    assert history.history["lr"] == [0.125, 0.0625]  # epochs 2 and 3 (from 0) of 0.5·½ⁿ
    for name, value in reference.state_dict().items():
        assert np.array_equal(resumed.state_dict()[name], value), name


_SCRIPT = """
import signal, sys
import numpy as np
import deepstep as ds
from deepstep import nn
from deepstep.train import BackupAndRestore, Callback

class Say(Callback):
    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1} done", flush=True)

ds.manual_seed(0)
X, y = ds.datasets.blobs(2000, seed=0)
model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 3))
model.compile(optimizer="adam", loss="cross_entropy")
try:
    model.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[BackupAndRestore(sys.argv[1]), Say()])
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
np.savez(sys.argv[2], **model.state_dict())
"""


def test_fit_in_a_real_process_resumes_bit_identical_after_sigint(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(_SCRIPT))
    run = [sys.executable, str(script), str(tmp_path / "backup")]
    reference = subprocess.Popen(
        [*run[:2], str(tmp_path / "other"), str(tmp_path / "reference.npz")], env=_ENV
    )
    process = subprocess.Popen(
        [*run, str(tmp_path / "resumed.npz")],
        stdout=subprocess.PIPE,
        text=True,
        env=_ENV,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    assert process.stdout.readline() == "epoch 1 done\n"
    process.send_signal(signal.SIGINT)  # in epoch 2, one of 250 steps
    assert process.communicate(timeout=_TIMEOUT)[0] == "interrupted\n" and process.returncode == 130
    assert read_record(tmp_path / "backup" / "checkpoint.npz")["epoch"] == 1
    assert subprocess.run([*run, str(tmp_path / "resumed.npz")], env=_ENV, timeout=_TIMEOUT).returncode == 0
    assert reference.wait(timeout=_TIMEOUT) == 0
    _assert_identical(tmp_path / "resumed.npz", tmp_path / "reference.npz")


@pytest.mark.parametrize("bad", ["not a state", {"bit_generator": "MT19937", "state": {}}, ["x"]])
def test_a_checkpoint_with_a_generator_state_numpy_refuses_changes_nothing(tmp_path, bad):
    ds.manual_seed(0)
    model = _model()
    model.compile(optimizer="adam", loss="cross_entropy")
    path = ds.io.save_checkpoint(tmp_path / "c.npz", model, model.optimizers, {"epoch": 1})
    arrays = _arrays(path)
    meta = json.loads(arrays["__record__"].tobytes())
    meta["generators"] = bad if isinstance(bad, list) else {"deepstep": bad}
    arrays["__record__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    fresh = _model()
    fresh.compile(optimizer="adam", loss="cross_entropy")
    before, library = fresh.state_dict(), ds.backend.default_generator().bit_generator.state
    with pytest.raises(ValueError, match="generator"):
        ds.io.load_checkpoint(path, fresh, fresh.optimizers)
    assert all(np.array_equal(fresh.state_dict()[k], v) for k, v in before.items())
    assert ds.backend.default_generator().bit_generator.state == library
