"""examples/outgrow_to_torch_ddp.py runs (with real PyTorch DDP processes and ONNX Runtime) and
shows what it claims."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_outgrow_to_torch_ddp(monkeypatch):
    # the spawned processes import the example by name: its folder must be on their sys.path
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(
        "outgrow_to_torch_ddp", EXAMPLES / "outgrow_to_torch_ddp.py"
    )
    example = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "outgrow_to_torch_ddp", example)
    spec.loader.exec_module(example)
    start = time.perf_counter()
    result = example.main()
    assert time.perf_counter() - start < 60, "an example must run in under a minute"
    assert result["deepstep_accuracy"] > 0.8
    assert result["handover_difference"] < 1e-4  # to_torch: the same outputs
    assert result["replicas_identical"]  # DDP averaged the gradients: both processes took the same steps
    assert result["torch_accuracy"] > result["deepstep_accuracy"]  # two more epochs, on two processes
    assert result["onnx_accuracy"] == result["deepstep_after_ddp_accuracy"] == result["torch_accuracy"]
    assert result["max_logit_difference"] < 1e-4
