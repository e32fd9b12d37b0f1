"""The `deepstep` command."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

from deepstep.cli import main
from deepstep.cli.lock import FOLDER_LOCK
from deepstep.cli.resume import INTERRUPTED
from deepstep.selfcheck import CASES


def test_selfcheck_prints_a_table_and_passes(capsys):
    assert main(["selfcheck"]) == 0
    out = capsys.readouterr().out
    differentiable = [case for case in CASES if case.differentiable]
    for case in differentiable:
        assert f"\n{case.name} " in out
    assert f"{len(differentiable)} passed, 0 failed" in out


def test_selfcheck_table_stays_aligned_with_long_shapes(monkeypatch):
    """The columns fit their widest entry (wider than the old fixed 26 characters), and a list of
    shapes longer than SHAPES_WIDTH is cut short, after a whole shape, with an ellipsis: every row ends at
    the same column."""
    import functools
    import io
    import operator

    from deepstep import selfcheck

    def add(*tensors):
        return functools.reduce(operator.add, tensors)

    wide, long, name = ((2, 3, 4), (2, 3, 4), (1, 3, 4)), ((2,),) * 12, "add_twelve_inputs_a_long_name"
    cases = (
        selfcheck.OpCase("neg", operator.neg, ((3,),)),
        selfcheck.OpCase("add_broadcast", add, wide),
        selfcheck.OpCase(name, add, long),
    )
    monkeypatch.setattr(selfcheck, "CASES", cases)
    out = io.StringIO()
    assert selfcheck.run_selfcheck(out)
    header, rule, *rows, _, summary = out.getvalue().splitlines()
    assert summary.startswith("3 passed, 0 failed") and len(rule) == len(header) and len(rows) == 3
    assert {len(row) for row in rows} == {header.index("result") + len("ok")}
    assert all(row.endswith("  ok") for row in rows)
    assert " (2, 3, 4) (2, 3, 4) (1, 3, 4) " in rows[1]  # whole: 29 characters fit
    assert len(" ".join(map(str, long))) > selfcheck.SHAPES_WIDTH
    clipped = " ".join(["(2,)"] * 7 + ["…"])  # whole shapes only: 7 × 5 + 1 characters fit in 40
    assert rows[2].startswith(f"{name} {clipped}   ") and header.index("input shapes") == len(name) + 1


def test_selfcheck_fails_with_an_impossible_tolerance(capsys):
    assert main(["selfcheck", "--atol", "0", "--rtol", "0"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "deepstep", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "deepstep" in done.stdout


def test_train_writes_model_history_and_curves(tmp_path, capsys):
    import deepstep as ds

    out = tmp_path / "run"
    code = main(["train", "--epochs", "1", "--hidden", "32", "--output", str(out), "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "test accuracy:" in text
    accuracy = float(text.split("test accuracy:")[1].split()[0])
    assert accuracy > 0.9
    assert (out / "curves.png").stat().st_size > 10_000
    model = ds.load(out / "model.npz")
    assert [p.shape for p in model.parameters()] == [(32, 784), (32,), (10, 32), (10,)]
    assert (out / "history.csv").read_text().startswith("epoch,loss,accuracy,val_loss,val_accuracy,lr")


# One run per folder, and nothing lost to a bad destination: real processes, real faults.


def _ctrl_c_as_at_a_terminal() -> None:
    """Run in the child before it starts: SIGINT's default action, which Python turns into
    KeyboardInterrupt. A shell starts a background job (`.ci/run &`) with SIGINT ignored, and every
    process it starts inherits that: the signals these tests send would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


TINY = ["--epochs", "1", "--limit", "300", "--hidden", "4", "--quiet", "--no-plot"]


def test_a_second_job_on_a_folder_in_use_is_refused_at_once(tmp_path):
    lock = tmp_path / "run" / FOLDER_LOCK
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(
        [sys.executable, "-m", "deepstep", "train", "--output", "run", *TINY, "--epochs", "10000"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    try:
        _wait_for(lambda: (tmp_path / "run" / "checkpoint.npz").exists())  # training, the lock held
        assert lock.read_text().split("\n")[0] == str(first.pid)
        second = subprocess.run(  # --restart: were it let in, it would overwrite the first run
            [sys.executable, "-m", "deepstep", "train", "--output", "run", *TINY, "--restart"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and second.stdout == ""
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert second.stderr.startswith(f"deepstep train: --output run is in use by process {first.pid}")
        assert lock.read_text().split("\n")[0] == str(first.pid)  # the first job's lock, untouched
        assert first.poll() is None  # and the first job runs on
    finally:
        first.send_signal(signal.SIGINT)  # Ctrl-C: the first job saves and ends, and its lock goes
        first.wait(timeout=60)
        log.close()
    assert first.returncode == INTERRUPTED, (tmp_path / "first.log").read_text()
    assert not lock.exists()


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from deepstep.cli.lock import claim_folder; "
            "claim_folder('run', '--output', 'deepstep train'); print('held', flush=True); time.sleep(120)",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "held\n"
    holder.kill()  # SIGKILL: no cleanup, the lock file stays behind
    holder.wait()
    lock = tmp_path / "run" / FOLDER_LOCK
    assert lock.read_text().split("\n")[0] == str(holder.pid)
    done = subprocess.run(
        [sys.executable, "-m", "deepstep", "train", "--output", "run", *TINY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"note: --output run was locked by process {holder.pid}" in done.stderr
    assert "epoch 1/1" in done.stdout, done.stderr
    assert done.returncode == 0, done.stderr
    assert not lock.exists()


def test_word2vec_output_in_use_is_refused_before_training(tmp_path):
    from deepstep.cli.lock import claim_file

    (tmp_path / "corpus.txt").write_text("a b c\n" * 100, encoding="utf-8")
    with claim_file(tmp_path / "v.bin", "--output", "deepstep word2vec"):  # this process holds it
        done = subprocess.run(
            [sys.executable, "-m", "deepstep", "word2vec", "corpus.txt", "-o", "v.bin", "--min-count", "1"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
        assert f"deepstep word2vec: --output v.bin is in use by process {os.getpid()}" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt"]  # lock released on leaving


def test_the_lock_is_released_when_a_command_fails(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.npz").write_bytes(b"garbage")
    for _ in range(2):  # the second time finds no lock of the first: it was released on the error
        assert main(["gan", "--output", str(run), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert "--restart" in err and "in use" not in err
    assert sorted(p.name for p in run.iterdir()) == ["checkpoint.npz"]


def _without_root_powers() -> list[str]:
    """A prefix that runs a command unable to override file permissions (root can write anywhere)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize(
    "args, wanted",
    [
        (["gan", "--output", "ro"], "cannot write to --output ro (Permission denied)"),
        (["gan", "--output", "ro/run"], "cannot create --output ro/run (Permission denied)"),
        (["word2vec", "corpus.txt", "-o", "ro/v.bin"], "cannot write to --output ro/v.bin"),
        (["word2vec", "corpus.txt", "--save-model", "ro/m.npz"], "cannot write to --save-model ro/m.npz"),
    ],
)
def test_an_unwritable_destination_is_refused_before_any_work(tmp_path, args, wanted):
    (tmp_path / "corpus.txt").write_text("a b c\n" * 100, encoding="utf-8")
    (tmp_path / "ro").mkdir(mode=0o555)
    try:
        done = subprocess.run(
            [*_without_root_powers(), sys.executable, "-m", "deepstep", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert done.returncode == 1 and done.stdout == "", done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"deepstep {args[0]}: {wanted}")
    assert list((tmp_path / "ro").iterdir()) == []
    assert not (tmp_path / "vectors.bin").exists()  # word2vec did not train, then write one of two


def test_written_files_get_the_umask_permissions(tmp_path):
    from deepstep.io import atomic_write

    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.bin", lambda file: file.write(b"a"))
        os.umask(0o027)
        atomic_write(tmp_path / "b.bin", lambda file: file.write(b"b"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.bin").stat().st_mode) == 0o640


def test_a_run_folder_written_under_umask_022_is_readable_by_all(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "deepstep", "train", "--output", "run", *TINY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert done.returncode == 0, done.stderr
    names = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "run").iterdir()}
    assert {"checkpoint.npz", "model.npz", "history.csv"} <= set(names)
    assert set(names.values()) == {0o644}, names


def test_quiet_prints_one_line_per_epoch_and_no_progress_bar(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "deepstep", "train", "--output", "run", *TINY, "--epochs", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # progress bars go to stderr: none
    epochs = [line for line in done.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["epoch 1/2", "epoch 2/2"]
    assert "\r" not in done.stdout
    (tmp_path / "corpus.txt").write_text("the king and the queen walk\n" * 200, encoding="utf-8")
    words = ["word2vec", "corpus.txt", "--min-count", "1", "--size", "8", "--epochs", "1", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-m", "deepstep", *words], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr  # word2vec --quiet: no progress bar
    summary, wrote = done.stdout.splitlines()  # what training did, and what was written
    assert summary.startswith("trained 1 epoch of skip-gram") and wrote.endswith(
        "to vectors.bin (binary format)"
    )


# tqdm made unimportable, as where only NumPy is installed
_WITHOUT_TQDM = """
import sys
sys.modules["tqdm"] = sys.modules["tqdm.auto"] = None
from deepstep.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_tqdm_each_epoch_is_one_line(tmp_path):
    """fit's own line per epoch (its fallback for the missing bar) is not printed next to the
    command's: one line per epoch, as with --quiet."""
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TQDM, "train", "--output", "run", *TINY[:-2], "--epochs", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "Epoch" not in done.stdout
    epochs = [line for line in done.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["epoch 1/2", "epoch 2/2"]


def test_every_option_with_a_default_shows_it_in_help():
    import argparse

    from deepstep.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {
        (name, action.option_strings[-1]): action.help or ""
        for name, parser in commands.choices.items()
        for action in parser._actions
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS)
    }
    assert ("train", "--optimizer") in options and ("word2vec", "--seed") in options
    assert [option for option, text in options.items() if "default" not in text] == []
    assert "(default runs/autoencoder-KIND, e.g. runs/autoencoder-dense)" in " ".join(
        commands.choices["autoencoder"].format_help().split()
    )


_RACER = """
import pathlib, sys, time
from deepstep.cli.lock import FolderInUseError, claim_folder
print("ready", flush=True)
while not pathlib.Path("go").exists():
    time.sleep(0.001)
try:
    lock = claim_folder("run", "--output", "racer")
except FolderInUseError:
    print("refused", flush=True)
    sys.exit(0)
print("won", flush=True)
while not pathlib.Path("done").exists():
    time.sleep(0.01)
lock.release()
"""


@pytest.mark.parametrize("stale", [False, True], ids=["fresh-folder", "stale-lock"])
def test_of_jobs_started_at_once_exactly_one_gets_the_folder(tmp_path, stale):
    if stale:  # a lock whose process is gone: every racer tries to take it over, one may
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / FOLDER_LOCK).write_text(f"{int(dead.stdout)}\ndeepstep train\n")
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        assert [racer.stdout.readline() for racer in racers] == ["ready\n"] * 3
        (tmp_path / "go").touch()
        results = [racer.stdout.readline().strip() for racer in racers]
    finally:
        (tmp_path / "done").touch()
        errors = [racer.communicate(timeout=60)[1] for racer in racers]
    assert sorted(results) == ["refused", "refused", "won"], errors
    assert not (tmp_path / "run" / FOLDER_LOCK).exists()  # the winner released it
