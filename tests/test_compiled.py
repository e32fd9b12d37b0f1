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


def _batch_norm_run(monkeypatch, x, g, training, compiled):
    if not compiled:
        monkeypatch.setattr(_compiled, "_kernels", False)
    rng = np.random.default_rng(1)
    channels = x.shape[1]
    t = ds.Tensor(x, requires_grad=True)
    w, b = (ds.Tensor(rng.normal(size=channels).astype(x.dtype), requires_grad=True) for _ in range(2))
    running = (rng.normal(size=channels), rng.uniform(0.5, 2, size=channels))
    out = ds.functional.batch_norm(t, *running, w, b, training=training)
    out.backward(ds.Tensor(g))
    monkeypatch.undo()
    return [a.numpy() for a in (out, t.grad, w.grad, b.grad)] + list(running)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_compiled_equals_numpy_in_every_layout(monkeypatch, dtype, training):
    """Output, the three gradients and the running statistics, for image input stored NCHW and
    channels-last (with gradients in either layout), sequences, plain (N, C) and a strided slice
    (not a dense block: the NumPy path)."""
    if _compiled.kernels() is None:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(0)
    base = (rng.normal(size=(6, 5, 4, 3)) * 3 + 2).astype(dtype)
    channels_last = np.ascontiguousarray(base.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    inputs = {
        "NCHW": base,
        "NCHW view of NHWC": channels_last,
        "sequence": base[:, :, :, 0].copy(),
        "(N, C)": base[:, :, 0, 0].copy(),
        "strided slice": rng.normal(size=(6, 5, 8, 3)).astype(dtype)[:, :, ::2],
    }
    tolerance = {"rtol": 2e-5, "atol": 2e-5} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-12}
    for name, x in inputs.items():
        g = rng.normal(size=x.shape).astype(dtype)
        for gradient in (
            g,
            np.ascontiguousarray(np.moveaxis(g, 1, -1)).transpose(0, -1, *range(1, g.ndim - 1)),
        ):
            expected = _batch_norm_run(monkeypatch, x, gradient, training, compiled=False)
            ours = _batch_norm_run(monkeypatch, x, gradient, training, compiled=True)
            for a, e in zip(ours, expected, strict=True):
                np.testing.assert_allclose(a, e, err_msg=name, **tolerance)


def test_batch_norm_uses_the_kernels_on_dense_blocks_only(monkeypatch):
    compiled = _compiled.kernels()
    if compiled is None:
        pytest.skip("numba not installed")
    calls = []
    kernel = compiled.batch_norm_forward
    monkeypatch.setattr(
        compiled, "batch_norm_forward", lambda *args: calls.append(args[0].shape) or kernel(*args)
    )
    x = np.random.default_rng(2).normal(size=(4, 3, 5, 6))
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    for a in (x, channels_last, x[:, :, ::2]):
        ds.functional.batch_norm(a, None, None, training=True)
    assert calls == [(4, 3, 30), (120, 3, 1)]


def test_batch_norm_of_mixed_precision_has_numpys_dtypes_on_both_paths(monkeypatch):
    """float32 images through float64 γ and β: the output and gradients promote as NumPy would."""
    if _compiled.kernels() is None:
        pytest.skip("numba not installed")
    x = np.random.default_rng(3).normal(size=(4, 3, 5, 5)).astype(np.float32)
    results = []
    for compiled in (True, False):
        if not compiled:
            monkeypatch.setattr(_compiled, "_kernels", False)
        t = ds.Tensor(x, requires_grad=True)
        w, b = ds.Tensor(np.full(3, 1.5), requires_grad=True), ds.Tensor(np.zeros(3), requires_grad=True)
        out = ds.functional.batch_norm(t, None, None, w, b, training=True)
        out.sum().backward()
        results.append([(a.dtype, a.numpy()) for a in (out, t.grad, w.grad, b.grad)])
        monkeypatch.undo()
    for (ours_dtype, ours), (numpy_dtype, expected) in zip(*results, strict=True):
        assert ours_dtype == numpy_dtype
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def test_compiled_gelu_holds_to_the_exact_erf_in_float32():
    from scipy import special

    from deepstep.functional import activation_kernels

    compiled = activation_kernels.kernels()
    if compiled is None:
        pytest.skip("numba is not installed")
    x = np.concatenate(
        [np.random.default_rng(0).standard_normal(10_000) * 3, [0.0, -0.0, 1e-30, -1e4, 1e4, -5.7, 5.7, 3.9]]
    ).astype(np.float32)
    out, cdf = np.empty_like(x), np.empty_like(x)
    compiled.gelu_forward(x, out, cdf)
    exact_cdf = 0.5 * (1 + special.erf(x.astype(np.float64) / np.sqrt(2)))
    assert np.abs(cdf - exact_cdf).max() < 2e-7 and cdf.min() >= 0 and cdf.max() <= 1
    exact = x * exact_cdf
    assert np.all(np.abs(out - exact) <= 1e-6 * np.abs(exact) + 2e-7 * np.abs(x))  # x·(Φ's error)
    np.testing.assert_array_equal(out[x <= -6], 0.0)  # Φ rounds to 0 far in the tail, as float32 erf does
