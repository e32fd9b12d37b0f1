"""The optional numba kernels give what the NumPy paths give (those are tested against PyTorch)."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
from deepstep.autograd.activation_kernels import flat
from deepstep.functional import batch_norm_kernels
from kernel_paths import KERNEL_USERS, compiled_available, numpy_paths


def _relu_grad(monkeypatch, x: np.ndarray, g: np.ndarray, compiled: bool) -> np.ndarray:
    if not compiled:
        numpy_paths(monkeypatch)
    t = ds.Tensor(x, requires_grad=True)
    ds.relu(t).backward(ds.Tensor(g))
    monkeypatch.undo()
    return t.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_compiled_equals_numpy_in_every_layout(monkeypatch, dtype):
    if not compiled_available():
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
        padded = np.zeros((4, 6, 7, 5), dtype)
        padded[:, :, 1:-1, 1:-1] = g
        nhwc = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        for gradient in (g, nhwc, padded[:, :, 1:-1, 1:-1]):  # (the last two: copied into x's layout)
            expected = _relu_grad(monkeypatch, x, gradient, compiled=False)
            np.testing.assert_array_equal(_relu_grad(monkeypatch, x, gradient, compiled=True), expected, name)
            np.testing.assert_array_equal(expected, gradient * (x > 0))


def test_flat_views_only_dense_arrays():
    a = np.arange(24.0).reshape(2, 3, 4)
    assert np.shares_memory(flat(a), a)
    assert np.shares_memory(flat(a.transpose(2, 0, 1)), a)
    assert flat(a[:, :, ::2]) is None


def test_switched_off_by_the_environment():
    """DEEPSTEP_NUMBA=0 keeps every kernel module's kernels() at None, in a fresh process (each
    module builds its kernels once, on first use)."""
    modules = [module.__name__ for module, _ in KERNEL_USERS]
    script = (
        "import importlib, sys; "
        f"users = [importlib.import_module(m) for m in {modules!r}]; "
        f"names = {[name for _, name in KERNEL_USERS]!r}; "
        "print(sum(getattr(u, n)() is not None for u, n in zip(users, names)))"
    )
    for value, expected in (("0", "0"), ("1", str(len(modules)))):
        if value == "1":
            pytest.importorskip("numba")
        env = {**os.environ, "DEEPSTEP_NUMBA": value}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert result.stdout.strip() == expected, result.stderr


def _batch_norm_run(monkeypatch, x, g, training, compiled):
    if not compiled:
        numpy_paths(monkeypatch)
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
    if not compiled_available():
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
    compiled = batch_norm_kernels.kernels()
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
    if not compiled_available():
        pytest.skip("numba not installed")
    x = np.random.default_rng(3).normal(size=(4, 3, 5, 5)).astype(np.float32)
    results = []
    for compiled in (True, False):
        if not compiled:
            numpy_paths(monkeypatch)
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


@pytest.mark.parametrize("compiled", [True, False])
def test_gelu_backward_holds_to_the_formula_in_float32(monkeypatch, compiled):
    """∂GELU/∂x = Φ(x) + x·φ(x): the compiled pass and the NumPy formula, against float64."""
    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.standard_normal(4_000) * 3, [0.0, -0.0, -1e4, 1e4, -5.7, 5.7]]).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    t = ds.tensor(x.reshape(2, -1), requires_grad=True)
    F.gelu(t).backward(ds.tensor(g.reshape(2, -1)))
    x64 = x.astype(np.float64)
    cdf = 0.5 * (1 + np.vectorize(math.erf)(x64 / math.sqrt(2)))
    expected = g * (cdf + x64 * np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi))
    assert t.grad.dtype == np.float32
    np.testing.assert_allclose(t.grad.numpy().reshape(-1), expected, rtol=2e-6, atol=1e-6)


def test_gelu_backward_exp_is_within_a_few_ulps_of_float64():
    """The compiled backward's own e^y (y = −x²/2, vectorised where NumPy's exp would be a pass of its
    own): x·φ(x) within a few float32 ulps of float64's over φ's whole normal range, 0 below it,
    and NaN for NaN."""
    from deepstep.functional import activation_kernels

    compiled = activation_kernels.kernels()
    if compiled is None:
        pytest.skip("numba is not installed")
    x = np.concatenate([np.linspace(-13.19, 13.19, 200_001), [13.3, -20.0, 1e4, np.nan]]).astype(np.float32)
    out = np.empty_like(x)
    compiled.gelu_backward(np.ones_like(x), x, np.zeros_like(x), out)  # g = 1, Φ = 0: out = x·φ(x)
    exponent = np.float32(-0.5) * x * x  # y rounded to float32, as in the kernel (and in PyTorch's)
    exact = x.astype(np.float64) * np.exp(exponent.astype(np.float64)) / math.sqrt(2 * math.pi)
    normal = np.abs(exact) > 1e-37
    ulps = np.abs(out[normal] - exact[normal]) / np.spacing(np.abs(exact[normal]).astype(np.float32))
    assert ulps.max() <= 4  # e^y's error, then the products by x and 1/√(2π)
    np.testing.assert_array_equal(out[[-4, -3, -2]], 0.0)
    assert np.isnan(out[-1])


# ----- fused and compiled ops of the MLP step ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("compiled", [True, False])
def test_linear_relu_equals_linear_then_relu_bit_for_bit(monkeypatch, dtype, with_bias, compiled):
    """Values and all three gradients, for a batch of rows and a batch of sequences, with exact zeros
    and NaN among the pre-activations (NaN passes its gradient through ReLU, as in PyTorch)."""
    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    rng = np.random.default_rng(4)
    w, b = rng.normal(size=(5, 4)).astype(dtype), rng.normal(size=5).astype(dtype)
    for shape in ((7, 4), (3, 2, 4)):
        x = rng.normal(size=shape).astype(dtype)
        x.reshape(-1, 4)[0] = 0.0  # exact zeros: ReLU'(0) = 0
        x.reshape(-1, 4)[1, 2] = np.nan
        g = rng.normal(size=(*shape[:-1], 5)).astype(dtype)
        results = []
        for fused in (True, False):
            tensors = [ds.Tensor(a, requires_grad=True) for a in ((x, w, b) if with_bias else (x, w))]
            args = (*tensors, None) if not with_bias else tensors
            out = F.linear_relu(*args) if fused else F.relu(F.linear(*args))
            out.backward(ds.Tensor(g))
            results.append([out.numpy(), *(t.grad.numpy() for t in tensors)])
        for ours, reference in zip(*results, strict=True):
            assert ours.dtype == reference.dtype == dtype
            np.testing.assert_array_equal(ours, reference)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_plus_equals_residual_plus_linear_bit_for_bit(dtype, with_bias):
    """r + linear(x, W, b) as one op (the sum made in oneDNN's product for float32 operands large enough
    to go there, in NumPy's otherwise): the output and all four gradients are the two ops', bit for bit,
    for a batch of sequences and a batch of rows; a residual of another shape takes the two ops."""
    rng = np.random.default_rng(9)
    w, b = rng.normal(size=(96, 128)).astype(dtype), rng.normal(size=96).astype(dtype)
    for shape in ((6, 20, 128), (150, 128)):  # (1.5M and 1.8M multiply-adds: oneDNN's, in float32)
        x = rng.normal(size=shape).astype(dtype)
        r = rng.normal(size=(*shape[:-1], 96)).astype(dtype)
        g = rng.normal(size=(*shape[:-1], 96)).astype(dtype)
        results = []
        for fused in (True, False):
            arrays = (r, x, w, b) if with_bias else (r, x, w)
            tensors = [ds.Tensor(a, requires_grad=True) for a in arrays]
            if fused:
                out = F.linear_plus(*tensors)
                assert type(out.grad_fn).__name__ == "LinearPlus"
            else:
                out = tensors[0] + F.linear(*tensors[1:])
            out.backward(ds.Tensor(g))
            results.append([out.numpy(), *(t.grad.numpy() for t in tensors)])
        for ours, reference in zip(*results, strict=True):
            assert ours.dtype == reference.dtype == dtype
            assert ours.tobytes() == reference.tobytes()
    row = ds.Tensor(rng.normal(size=96).astype(dtype))  # (broadcast: not the op's)
    out = F.linear_plus(row, ds.Tensor(x), ds.Tensor(w))
    np.testing.assert_array_equal(out.numpy(), row.numpy() + F.linear(ds.Tensor(x), ds.Tensor(w)).numpy())


def test_linear_plus_passes_gradcheck():
    rng = np.random.default_rng(10)
    arrays = [rng.normal(size=s) for s in ((2, 6, 4), (2, 6, 3), (4, 3), (4,))]
    assert ds.autograd.gradcheck(F.linear_plus, *(ds.Tensor(a, requires_grad=True) for a in arrays))


def test_linear_relu_passes_gradcheck_and_equals_torch(torch):
    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=s) for s in ((6, 3), (4, 3), (4,))]
    tensors = [ds.Tensor(a, requires_grad=True) for a in arrays]
    assert ds.autograd.gradcheck(F.linear_relu, *tensors)
    out = F.linear_relu(*tensors)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = torch.relu(torch.nn.functional.linear(*theirs))
    g = rng.normal(size=out.shape)
    out.backward(ds.Tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    for ours, reference in zip(tensors, theirs, strict=True):
        np.testing.assert_allclose(ours.grad.numpy(), reference.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("classes", [5, 67])
def test_compiled_cross_entropy_equals_the_numpy_path(monkeypatch, dtype, reduction, classes):
    """Loss and gradient to rounding (the sums run in another order, float32's exp is jit_math's), with
    logits as large as 1e4, a row of −inf and a NaN giving NaN as on the NumPy path; rows shorter than
    a SIMD vector and longer (67 classes: whole vectors and a remainder)."""
    if not compiled_available():
        pytest.skip("numba not installed")
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(9, classes)).astype(dtype) * 3
    logits[1, :5] = [1e4, -1e4, 0, 5, 1e4]
    labels = rng.integers(0, classes, 9)
    results = []
    for compiled in (True, False):
        if not compiled:
            numpy_paths(monkeypatch)
        x = ds.Tensor(logits, requires_grad=True)
        loss = F.cross_entropy(x, labels, reduction=reduction)
        loss.backward(ds.ones(loss.shape))
        results.append((loss.numpy(), x.grad.numpy()))
    tolerance = {"rtol": 2e-6, "atol": 1e-7} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}
    for ours, reference in zip(*results, strict=True):
        assert ours.dtype == reference.dtype == dtype
        np.testing.assert_allclose(ours, reference, **tolerance)
    monkeypatch.undo()
    for bad in (np.full(classes, -np.inf), np.array([0, np.nan, 1, 2, 3] * classes)[:classes]):
        edge = logits.copy()
        edge[2] = bad
        x = ds.Tensor(edge, requires_grad=True)
        losses = F.cross_entropy(x, labels, reduction="none")
        losses.sum().backward()
        assert np.isnan(losses.numpy()[2]) and np.isnan(x.grad.numpy()[2]).all()
        assert np.isfinite(np.delete(losses.numpy(), 2)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_lstm_steps_equal_the_numpy_path(monkeypatch, dtype):
    """A 2-layer LSTM with lengths (the masked steps too): outputs, final states and every gradient
    are the NumPy path's to the bit, and so are one forward step and one backward step alone."""
    from deepstep import nn
    from deepstep.functional import recurrent

    if recurrent.lstm_kernels() is None:
        pytest.skip("numba is not installed or DEEPSTEP_NUMBA=0")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 4, 5)).astype(dtype)
    lengths = np.array([9, 7, 3, 1])

    def run():
        ds.manual_seed(0)
        lstm = nn.LSTM(5, 6, 2, dtype=dtype)
        inputs = ds.tensor(x, requires_grad=True)
        out, (h, c) = lstm(inputs, lengths=lengths)
        (out.sum() + (h * h).sum() + c.sum()).backward()
        return [out.data, h.data, c.data, inputs.grad.data, *(p.grad.data for p in lstm.parameters())]

    fast = run()
    monkeypatch.setattr(recurrent, "lstm_kernels", lambda: None)
    reference = run()
    for a, b in zip(fast, reference, strict=True):
        np.testing.assert_array_equal(a, b)

    kind = recurrent._LSTMKind()
    acts = rng.uniform(0.05, 0.95, (4, 30)).astype(dtype)
    c, dh, dc = (rng.standard_normal((4, 6)).astype(dtype) for _ in range(3))
    monkeypatch.undo()
    compiled = kind.step_backward((dh, dc), acts, (None, c))
    monkeypatch.setattr(recurrent, "lstm_kernels", lambda: None)
    numpy = kind.step_backward((dh, dc), acts, (None, c))
    np.testing.assert_array_equal(compiled[0], numpy[0])
    np.testing.assert_array_equal(compiled[2][1], numpy[2][1])

    xw, hw = (rng.standard_normal((4, 24)).astype(dtype) for _ in range(2))
    numpy_acts, compiled_acts = np.empty((4, 30), dtype), np.empty((4, 30), dtype)
    numpy = kind.step(xw, hw.copy(), (None, c), numpy_acts)
    monkeypatch.undo()
    compiled = kind.step(xw, hw.copy(), (None, c), compiled_acts)
    for a, b in zip((*compiled, compiled_acts), (*numpy, numpy_acts), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask", ["none", "causal", "boolean with a blind query", "additive"])
def test_compiled_attention_softmax_equals_the_numpy_path(monkeypatch, dtype, mask):
    """Output, weights and the gradients of q, k, v: the compiled softmax passes give the NumPy path's
    numbers, packed or not (an additive mask keeps the NumPy path on both runs): to the bit in
    float64; in float32, whose forward takes its own exp (jit_math.exp_nonpositive), within a few
    ulps of the weights' and outputs' size."""
    from deepstep.functional import attention

    if attention.attention_kernels() is None:
        pytest.skip("numba is not installed or DEEPSTEP_NUMBA=0")
    rng = np.random.default_rng(0)
    qkv = rng.standard_normal((3, 2, 3, 7, 5)).astype(dtype)
    g = rng.standard_normal((2, 3, 7, 5)).astype(dtype)
    options: dict = {"is_causal": mask == "causal", "scale": 0.37}
    if mask == "boolean with a blind query":
        allowed = rng.random((7, 7)) < 0.6
        allowed[3] = False  # query 3 sees no key: zeros out, zero gradient
        options["attn_mask"] = allowed
    elif mask == "additive":
        options["attn_mask"] = rng.standard_normal((7, 7)).astype(dtype)

    def run():
        q, k, v = (ds.tensor(a, requires_grad=True) for a in qkv)
        out = F.scaled_dot_product_attention(q, k, v, **options)
        out.backward(ds.tensor(g))
        weights = F.attention_weights(qkv[0], qkv[1], **options)
        results = [out.data, weights.data, q.grad.data, k.grad.data, v.grad.data]
        if mask in ("none", "causal"):
            packed = ds.tensor(qkv, requires_grad=True)
            out = F.packed_attention(packed, is_causal=options["is_causal"], scale=options["scale"])
            out.backward(ds.tensor(g))
            results += [out.data, packed.grad.data]
        return results

    fast = run()
    numpy_paths(monkeypatch)
    reference = run()
    for a, b in zip(fast, reference, strict=True):
        if dtype == np.float64 or mask == "additive":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=0, atol=8 * np.finfo(np.float32).eps * np.abs(b).max())
    if dtype == np.float32 and mask != "additive":
        assert not np.array_equal(fast[1], reference[1])  # (the float32 forward did take its own exp)
    if mask == "boolean with a blind query":
        np.testing.assert_array_equal(fast[0][:, :, 3], 0)


def test_fused_float32_softmax_against_float64_and_at_its_edges():
    """attention_kernels.softmax_columns (float32 attention's forward, its exp in the loop): the
    weights within a few ulps of float64's softmax; a query that sees no key gets zeros; one whose
    largest score is +inf or NaN gets what NumPy's passes give (NaN), its neighbours unharmed."""
    from deepstep.functional import attention

    fast = attention.attention_kernels()
    if fast is None:
        pytest.skip("numba is not installed or DEEPSTEP_NUMBA=0")
    rng = np.random.default_rng(3)
    scores_t = (rng.standard_normal((6, 40, 33)) * 30).astype(np.float32)  # (heads, keys, queries)
    allowed_t = rng.random((40, 33)) < 0.7
    allowed_t[:, 5] = False  # query 5 sees no key
    scores_t[2, 7, 9] = np.inf
    scores_t[3, 1, 4] = np.nan
    weights_t = scores_t.copy()
    fast.softmax_columns(weights_t, np.float32(0.3), allowed_t, True)

    exact = np.where(allowed_t, scores_t.astype(np.float64) * np.float32(0.3), -np.inf)
    exact[np.isnan(exact) | np.isinf(exact) & (exact > 0)] = 0  # (those two queries are checked below)
    with np.errstate(invalid="ignore"):  # (query 5: −inf − −inf)
        exact = np.exp(exact - exact.max(axis=1, keepdims=True))
        exact /= exact.sum(axis=1, keepdims=True)
    regular = np.ones(weights_t.shape, bool)
    regular[:, :, 5] = False
    regular[2, :, 9] = regular[3, :, 4] = False
    ulps = np.abs(weights_t - exact) / np.spacing(np.float32(1))
    assert ulps[regular].max() <= 4  # (e^s within 1 ulp, its sum, the quotient)
    np.testing.assert_array_equal(weights_t[:, :, 5], 0)
    numpy_route = scores_t.copy()  # (the float64 kernels' route: NumPy's exp between two passes)
    fast.shifted_scores(numpy_route, np.float32(0.3), allowed_t, True)
    np.exp(numpy_route, out=numpy_route)
    fast.normalised_columns(numpy_route)
    np.testing.assert_array_equal(weights_t[2, :, 9], numpy_route[2, :, 9])
    np.testing.assert_array_equal(weights_t[3, :, 4], numpy_route[3, :, 4])
    assert np.isnan(weights_t[2, :, 9]).any() and np.isnan(weights_t[3, :, 4]).any()
    np.testing.assert_allclose(weights_t.sum(axis=1)[regular[:, 0]], 1, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_scatter_of_rows_is_the_sparse_products_bits(dtype):
    """ops_scatter.scatter_sum of rows (an embedding's gradient) through sum_kernels.scatter_rows: the
    bits of SciPy's Pᵀ·values (the same sums in the same order), repeated and unused positions, NaN
    and inf included; positions out of range are refused (the caller checks them)."""
    from deepstep.autograd import ops_scatter, sum_kernels

    if sum_kernels.kernels() is None or ops_scatter.scipy_sparse() is None:
        pytest.skip("numba or SciPy is not installed")
    rng = np.random.default_rng(8)
    for rows, size in [(768, 63), (5, 100), (0, 4)]:
        positions = rng.integers(0, size, rows)
        values = (rng.standard_normal((rows, 37)) * 10 ** rng.uniform(-3, 3, (rows, 1))).astype(dtype)
        if rows > 10:
            values[3, 4], values[7, 1] = np.nan, np.inf
        sparse = ops_scatter.scipy_sparse().csc_array(
            (np.ones(rows, dtype), positions, np.arange(rows + 1)), (size, rows)
        )
        expected = np.asarray(sparse @ values, dtype=dtype)
        ours = sum_kernels.scatter_rows(positions, values, size)
        assert ours is not None and ours.dtype == dtype
        assert ours.tobytes() == expected.tobytes()
        assert ops_scatter.scatter_sum(positions, values, size).tobytes() == expected.tobytes()
    for outside in ([0, 9], [-1, 0]):  # (left to the callers' checks, as SciPy's route does)
        assert sum_kernels.scatter_rows(np.array(outside), np.ones((2, 3), dtype), 9) is None
