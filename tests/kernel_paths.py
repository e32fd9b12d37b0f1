"""Switching the compiled kernels off inside one test, so that the NumPy reference paths run: each op
looks its kernels up by name in its own module at call time, and these are those names."""

from __future__ import annotations

import pytest

from deepstep.autograd import ops_activation
from deepstep.functional import (
    activations_smooth,
    attention,
    batchnorm,
    losses_classification,
    normalization,
    pooling,
    recurrent,
    windows,
)
from deepstep.optim import rules

#: (module, name of its kernels() function) for every op with a compiled twin
KERNEL_USERS = (
    (ops_activation, "kernels"),
    (windows, "kernels"),
    (pooling, "kernels"),
    (batchnorm, "batch_norm_kernels"),
    (normalization, "kernels"),
    (activations_smooth, "kernels"),
    (losses_classification, "kernels"),
    (rules, "kernels"),
    (recurrent, "lstm_kernels"),
    (attention, "attention_kernels"),
)


def compiled_available() -> bool:
    return all(getattr(module, name)() is not None for module, name in KERNEL_USERS)


def numpy_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every op above takes its NumPy path until the test ends (or monkeypatch.undo())."""
    for module, name in KERNEL_USERS:
        monkeypatch.setattr(module, name, lambda: None)
