"""The training commands: what they write, and resuming after Ctrl-C."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import deepstep as ds
from deepstep.cli import main
from deepstep.cli.resume import INTERRUPTED, EpochCheckpoint


def _interrupt_after_first_epoch(monkeypatch):
    original = EpochCheckpoint.on_epoch_end

    def once(self, epoch, logs=None):
        original(self, epoch, logs)
        raise KeyboardInterrupt  # as if Ctrl-C came right after the first epoch

    monkeypatch.setattr(EpochCheckpoint, "on_epoch_end", once)
    return lambda: monkeypatch.setattr(EpochCheckpoint, "on_epoch_end", original)


def test_train_is_interrupted_then_resumes(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    command = [
        "train",
        "--epochs",
        "2",
        "--hidden",
        "16",
        "--limit",
        "2000",
        "--output",
        str(out),
        "--quiet",
        "--no-plot",
    ]
    undo = _interrupt_after_first_epoch(monkeypatch)
    assert main(command) == INTERRUPTED
    assert "run the same command again to resume" in capsys.readouterr().out
    assert (out / "checkpoint.npz").exists() and not (out / "model.npz").exists()
    undo()
    assert main(command) == 0
    text = capsys.readouterr().out
    assert "resuming from" in text and "after epoch 1" in text
    with open(out / "history.csv", newline="") as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["1", "2"]  # as the console counts
    assert main(command) == 0 and "already trained for 2 epochs" in capsys.readouterr().out
    with pytest.raises(SystemExit, match=r"other settings \(lr\).*--restart.*--output DIR to keep it"):
        main([*command, "--lr", "0.01"])
    assert main([*command, "--lr", "0.01", "--restart"]) == 0


def test_a_finished_run_started_again_says_so_and_rewrites_no_history(tmp_path, capsys):
    out = tmp_path / "run"
    command = ["train", "--epochs", "1", "--hidden", "16", "--limit", "600", "--output", str(out)]
    assert main([*command, "--quiet", "--no-plot"]) == 0
    first = capsys.readouterr().out
    assert "epoch 1/1:" in first and f"wrote {out / 'model.npz'} and {out / 'history.csv'}" in first
    with open(out / "history.csv", newline="") as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["1"]  # the console's epoch 1/1
    history, checkpoint = out / "history.csv", out / "checkpoint.npz"
    before = [(path.read_bytes(), path.stat().st_mtime_ns) for path in (history, checkpoint)]
    assert main([*command, "--quiet", "--no-plot"]) == 0
    again = capsys.readouterr().out
    message = f"already trained for 1 epoch: the run is complete; nothing retrained, {history} unchanged"
    assert message in again
    assert "trained in" not in again and "epoch 1/1" not in again and "resuming" not in again
    wrote = [line for line in again.splitlines() if line.startswith("wrote ")]
    assert wrote == [f"wrote {out / 'model.npz'}"]  # the model (from the checkpoint), not the history
    assert [(path.read_bytes(), path.stat().st_mtime_ns) for path in (history, checkpoint)] == before


def test_train_cnn_writes_model_and_filters(tmp_path, capsys):
    out = tmp_path / "cnn"
    assert (
        main(["train", "--model", "cnn", "--epochs", "1", "--limit", "1500", "--output", str(out), "--quiet"])
        == 0
    )
    assert "test accuracy" in capsys.readouterr().out
    assert (out / "filters.png").exists() and (out / "curves.png").exists()
    assert isinstance(ds.load(out / "model.npz"), ds.models.SmallCNN)


def test_mlp_and_cnn_get_their_own_folders_and_never_load_each_others_checkpoint(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    quick = ["--epochs", "1", "--limit", "600", "--quiet", "--no-plot"]
    assert main(["train", "--hidden", "16", *quick]) == 0
    assert main(["train", "--model", "cnn", *quick]) == 0  # default folders: runs/mnist-mlp, runs/mnist-cnn
    assert (tmp_path / "runs" / "mnist-mlp" / "model.npz").exists()
    assert isinstance(ds.load(tmp_path / "runs" / "mnist-cnn" / "model.npz"), ds.models.SmallCNN)
    capsys.readouterr()
    # an explicit shared folder: the settings are compared before any weights are loaded
    with pytest.raises(SystemExit, match=r"other settings.*model"):
        main(["train", "--model", "cnn", "--output", "runs/mnist-mlp", *quick, "--epochs", "2"])


def test_autoencoder_command_compares_with_pca(tmp_path, capsys):
    out = tmp_path / "ae"
    assert main(["autoencoder", "--epochs", "1", "--limit", "3000", "--output", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "test reconstruction MSE" in text and "PCA with 32 components" in text
    # the lines `deepstep train` starts and ends with
    model = (
        "model: dense autoencoder (784-256-32-256-784), 419,120 parameters, adam lr=0.001, batch 128, 1 epoch"
    )
    assert model in text.splitlines()
    assert f"wrote {out / 'model.npz'} and {out / 'history.csv'}" in text.splitlines()
    for name in ("model.npz", "reconstructions.png", "latent.png"):
        assert (out / name).exists(), name


def test_gan_command_resumes_and_draws(tmp_path, monkeypatch, capsys):
    out = tmp_path / "gan"
    command = ["gan", "--epochs", "2", "--limit", "1280", "--latent", "16", "--output", str(out), "--quiet"]
    import deepstep.cli.resume as resume

    original = resume.Resumable.add_epoch

    def stop(self, logs):
        original(self, logs)
        raise KeyboardInterrupt

    monkeypatch.setattr(resume.Resumable, "add_epoch", stop)
    assert main(command) == INTERRUPTED
    monkeypatch.setattr(resume.Resumable, "add_epoch", original)
    assert main(command) == 0
    text = capsys.readouterr().out
    assert "after epoch 1" in text and "epoch 2/2" in text
    assert "model: GAN (generator 16-256-512-784, discriminator 784-512-256-1)" in text
    assert f"wrote {out / 'model.npz'} and {out / 'history.csv'}" in text.splitlines()
    for name in ("model.npz", "samples.png", "losses.png"):
        assert (out / name).exists(), name


def test_autoencoder_kinds_get_their_own_folders_and_each_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    quick = ["--epochs", "1", "--limit", "600", "--latent", "8", "--quiet", "--no-plot"]
    assert main(["autoencoder", "--kind", "conv", *quick]) == 0
    assert main(["autoencoder", *quick]) == 0  # dense: not refused for the conv run's settings
    for kind in ("conv", "dense"):
        assert ds.load(tmp_path / "runs" / f"autoencoder-{kind}" / "model.npz").kind == kind
    assert not (tmp_path / "runs" / "autoencoder").exists()
    capsys.readouterr()
    assert main(["autoencoder", "--kind", "conv", *quick, "--epochs", "2"]) == 0  # the last --epochs
    text = capsys.readouterr().out
    assert f"resuming from {Path('runs/autoencoder-conv/checkpoint.npz')} after epoch 1" in text
    assert "epoch 2/2" in text and "epoch 1/2" not in text


def test_gan_losses_of_a_short_run_get_a_running_mean():
    """A run of fewer steps than the window (50) still gets its mean curves, over a quarter of its
    steps; one too short for any mean has its losses drawn plainly."""
    pytest.importorskip("matplotlib")
    import numpy as np

    from deepstep import viz

    rng = np.random.default_rng(0)
    steps = {"d_loss": list(1.3 + 0.2 * rng.random(20)), "g_loss": list(0.7 + 0.2 * rng.random(20))}
    lines = viz.plot_gan_losses(steps).axes[0].get_lines()
    assert [line.get_label() for line in lines] == [
        "discriminator", "discriminator (mean of 5)", "generator", "generator (mean of 5)",
    ]  # fmt: skip
    assert len(lines[1].get_xdata()) == 16
    few = {name: values[:5] for name, values in steps.items()}
    lines = viz.plot_gan_losses(few).axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["discriminator", "generator"]
    assert all(line.get_alpha() == 1.0 for line in lines)
