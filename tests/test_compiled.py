"""The optional numba kernels give what the NumPy paths give (those are tested against PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep import _compiled


def _relu_grad(monkeypatch, x: np.ndarray, g: np.ndarray, compiled: bool) -> np.ndarray:
    if not compiled:
        monkeypatch.setattr(_compiled, "_kernels", False)
    t = ds.Tensor(x, requires_grad=True)
    ds.relu(t).backward(ds.Tensor(g))
    monkeypatch.undo()
    return t.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_compiled_equals_numpy_in_every_layout(monkeypatch, dtype):
    if _compiled.kernels() is None:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(0)
    base = rng.normal(size=(4, 6, 5, 3)).astype(dtype)
    layouts = {
        "C": base,
        "NCHW view of NHWC": np.ascontiguousarray(base.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),
        "Fortran": np.asfortranarray(base),
        "strided slice": rng.normal(size=(4, 6, 10, 3)).astype(dtype)[:, :, ::2],
    }
    for name, x in layouts.items():
        x[x.shape[0] // 2] = 0.0  # exact zeros: ReLU'(0) = 0
        g = rng.normal(size=x.shape).astype(dtype)
        for gradient in (g, np.ascontiguousarray(g.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)):
            expected = _relu_grad(monkeypatch, x, gradient, compiled=False)
            np.testing.assert_array_equal(_relu_grad(monkeypatch, x, gradient, compiled=True), expected, name)
            np.testing.assert_array_equal(expected, gradient * (x > 0))


def test_flat_views_only_dense_arrays():
    a = np.arange(24.0).reshape(2, 3, 4)
    assert np.shares_memory(_compiled.flat(a), a)
    assert np.shares_memory(_compiled.flat(a.transpose(2, 0, 1)), a)
    assert _compiled.flat(a[:, :, ::2]) is None


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setattr(_compiled, "_kernels", None)
    monkeypatch.setenv("DEEPSTEP_NUMBA", "0")
    assert _compiled.kernels() is None
    monkeypatch.setattr(_compiled, "_kernels", None)
    monkeypatch.delenv("DEEPSTEP_NUMBA")
    pytest.importorskip("numba")
    assert _compiled.kernels() is not None
