"""Every bad input at the command line: one line on stderr, `deepstep <command>: …`, exit status 1,
no traceback, and nothing computed or created first. Each case runs the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


def deepstep(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "deepstep", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line(done: subprocess.CompletedProcess, command: str, *wanted: str) -> str:
    """Exit status 1, and stderr exactly one line `deepstep <command>: …` holding each wanted text."""
    err = done.stderr
    assert done.returncode == 1, (done.returncode, err)
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"deepstep {command}: "), err
    for text in wanted:
        assert text in err, (text, err)
    return err


@pytest.fixture
def place(tmp_path: Path) -> Path:
    (tmp_path / "vectors.txt").write_text("2 2\nking 1 0\nqueen 0 1\n", encoding="utf-8")
    (tmp_path / "a_file").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "corpus.txt").write_text("the king and the queen\n" * 50, encoding="utf-8")
    return tmp_path


CASES = [
    (["train", "--validation-split", "1.5"], ["--validation-split must be a number in [0, 1), got '1.5'"]),
    (["train", "--hidden", "0"], ["--hidden must be a positive integer, got '0'", "(default 256 128)"]),
    (["train", "--seed", "-1"], ["--seed must be a non-negative integer, got '-1'"]),
    (["train", "--lr", "nan"], ["--lr must be a finite number > 0, got 'nan'"]),
    (["train", "--epochs", "-1"], ["--epochs must be a positive integer, got '-1'", "(default 5)"]),
    (["train", "--epochs", "two"], ["--epochs must be a positive integer, got 'two'"]),
    (["train", "--dataset", "cifar"], ["--dataset: invalid choice: 'cifar'"]),
    (["train", "--frobnicate"], ["unrecognized arguments: --frobnicate", "deepstep train --help"]),
    (["autoencoder", "--latent", "0"], ["--latent must be a positive integer"]),
    (["gan", "--batch-size", "0"], ["--batch-size must be a positive integer"]),
    (["train", "--output", "a_file"], ["--output a_file is a file, not a folder"]),
    (["gan", "--output", "a_file"], ["--output a_file is a file, not a folder"]),
    (["train", "--output", "no/such/run"], ["its parent no/such does not exist", "mkdir -p no/such"]),
    (["similar", "vectors.txt", "king", "--topn", "0"], ["--topn must be a positive integer, got '0'"]),
    (["analogy", "vectors.txt", "a", "b", "c", "--topn", "0"], ["--topn must be a positive integer"]),
    (
        ["analogy", "missing.bin", "man", "woman", "king"],
        ["no vectors file at missing.bin", "deepstep word2vec"],
    ),
    (["similar", "missing.bin", "king"], ["no vectors file at missing.bin"]),
    (["similar", "vectors.txt", "xylophone"], ["'xylophone' not in vocabulary", "vectors.txt"]),
    (["word2vec", "missing.txt", "--quiet"], ["no corpus file at missing.txt"]),
    (
        ["word2vec", "corpus.txt", "-o", "no_dir/v.bin"],
        ["--output no_dir/v.bin: its folder no_dir does not exist"],
    ),
    (["word2vec", "corpus.txt", "-o", "a_file/v.bin"], ["its folder a_file is not a folder"]),
    (["word2vec", "corpus.txt", "-o", "."], ["is a folder; give a file name"]),
    (["word2vec", "corpus.txt", "--size", "0"], ["--size must be a positive integer", "(default 100)"]),
    (["word2vec", "corpus.txt", "--alpha", "inf"], ["--alpha must be a finite number > 0, got 'inf'"]),
    (["word2vec", "corpus.txt", "--min-count", "100000", "--quiet"], ["min_count=100000"]),
    (["lm", "missing.txt"], ["no corpus file at missing.txt", "UTF-8 text file"]),
    (["lm", "--dropout", "1"], ["--dropout must be a number in [0, 1), got '1'"]),
    (["lm", "--steps", "0"], ["--steps must be a positive integer"]),
    (["generate", "nowhere"], ["nowhere holds no trained language model", "deepstep lm"]),
    (["generate", "nowhere", "--temperature", "0"], ["--temperature must be a finite number > 0"]),
    (["export", "nowhere"], ["no folder nowhere", "the folder a training command wrote"]),
    (["selfcheck", "--atol", "-1"], ["--atol must be a finite number ≥ 0"]),
]


@pytest.mark.parametrize("args, wanted", CASES, ids=[" ".join(args) for args, _ in CASES])
def test_a_bad_input_is_one_line_and_exit_status_1(place, args, wanted):
    before = sorted(p.name for p in place.iterdir())
    assert_one_line(deepstep(*args, cwd=place), args[0], *wanted)
    assert sorted(p.name for p in place.iterdir()) == before  # no folder, file or lock left behind


def test_an_output_folder_with_missing_parents_is_not_created(tmp_path):
    started = time.perf_counter()
    assert_one_line(deepstep("gan", "--output", "deep/er/run", cwd=tmp_path), "gan", "does not exist")
    assert_one_line(
        deepstep("word2vec", "missing.txt", "-o", "nonexistent_dir/v.bin", cwd=tmp_path), "word2vec"
    )
    assert list(tmp_path.iterdir()) == []  # not deep/, not nonexistent_dir/
    assert time.perf_counter() - started < 30  # refused before any data is loaded or trained on


def test_a_corrupt_checkpoint_is_refused_before_work_and_names_restart(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.npz").write_bytes(b"PK\x03\x04 truncated")
    for command in ("train", "autoencoder", "gan"):
        done = deepstep(command, "--output", "run", cwd=tmp_path)
        assert_one_line(done, command, "checkpoint.npz", "--restart")
        assert done.stdout == ""  # no data loaded, nothing trained
    assert sorted(p.name for p in run.iterdir()) == ["checkpoint.npz"]  # kept as it was, lock removed
    tiny = ["--epochs", "1", "--limit", "300", "--hidden", "4", "--quiet", "--no-plot"]
    done = deepstep("train", "--output", "run", "--restart", *tiny, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the way out that the line names


def test_fashion_mnist_offline_says_where_to_put_it(tmp_path):
    data, home = tmp_path / "data", tmp_path / "home"
    data.mkdir(), home.mkdir()
    offline = {  # every download goes through a proxy that refuses at once
        "DEEPSTEP_DATA": str(data),
        "HOME": str(home),
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "no_proxy": "",
    }
    if Path("/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is installed here")
    done = deepstep("train", "--dataset", "fashion-mnist", "--output", "run", cwd=tmp_path, env=offline)
    assert_one_line(done, "train", "Fashion-MNIST", "$DEEPSTEP_DATA/fashion-mnist", "dataset-fashion-mnist")


def test_a_bug_is_not_dressed_as_a_bad_input(monkeypatch, tmp_path, capsys):
    """An exception deepstep does not raise for bad input shows its traceback and says "internal
    error"; DEEPSTEP_DEBUG=1 shows the traceback of a one-line error too."""
    import deepstep.cli.jobs as jobs
    from deepstep.cli import main

    def broken(args):
        raise AttributeError("'NoneType' object has no attribute 'step'")

    monkeypatch.setattr(jobs, "gan", broken)
    assert main(["gan", "--output", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "AttributeError" in err
    assert err.splitlines()[-1].startswith("deepstep gan: internal error (AttributeError: ")
    assert not (tmp_path / "run").exists()  # the folder made for the run, left empty, is removed

    def refuses(args):
        raise ValueError("a bad input")

    monkeypatch.setattr(jobs, "gan", refuses)
    assert main(["gan", "--output", str(tmp_path / "run")]) == 1
    assert capsys.readouterr().err == "deepstep gan: a bad input\n"
    monkeypatch.setenv("DEEPSTEP_DEBUG", "1")
    with pytest.raises(ValueError, match="a bad input"):
        main(["gan", "--output", str(tmp_path / "run")])
