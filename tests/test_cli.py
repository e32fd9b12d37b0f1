"""The `deepstep` command."""

from __future__ import annotations

import subprocess
import sys

from deepstep.cli import main
from deepstep.selfcheck import CASES


def test_selfcheck_prints_a_table_and_passes(capsys):
    assert main(["selfcheck"]) == 0
    out = capsys.readouterr().out
    for case in CASES:
        assert case.name in out
    assert f"{len(CASES)} passed, 0 failed" in out


def test_selfcheck_fails_with_an_impossible_tolerance(capsys):
    assert main(["selfcheck", "--atol", "0", "--rtol", "0"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "deepstep", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "deepstep" in done.stdout
