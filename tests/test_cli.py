"""The `deepstep` command."""

from __future__ import annotations

import subprocess
import sys

from deepstep.cli import main
from deepstep.selfcheck import CASES


def test_selfcheck_prints_a_table_and_passes(capsys):
    assert main(["selfcheck"]) == 0
    out = capsys.readouterr().out
    differentiable = [case for case in CASES if case.differentiable]
    for case in differentiable:
        assert f"\n{case.name} " in out
    assert f"{len(differentiable)} passed, 0 failed" in out


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
