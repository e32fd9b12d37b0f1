"""Convolutions and LSTM layers on oneDNN (deepstep.onednn): convolutions against the im2col path
beside them and against PyTorch (forward, input, weight and bias gradients, on strided, padded,
dilated, grouped, 1-D and transposed problems), LSTM layers against the loop over time and
torch.nn.LSTM; the fallbacks (float64, masks, DEEPSTEP_ONEDNN=0, a missing library); and the
hand-over of the cores between oneDNN's threads and OpenBLAS's, caused for real."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
from deepstep import backend, onednn
from deepstep.onednn import convolutions as conv_plans
from deepstep.onednn import lstm as lstm_plans
from deepstep.onednn import products as matmul_plans

needs_onednn = pytest.mark.skipif(
    not onednn.available(), reason="oneDNN is not installed (pip install 'deepstep[fast]') or is off"
)


def _run(kind: str, x, w, b, g, fast: bool, **kw):
    """Output and gradients of conv2d / conv_transpose2d / conv1d on one path."""
    os.environ["DEEPSTEP_ONEDNN"] = "1" if fast else "0"
    try:
        tx, tw = ds.tensor(x, requires_grad=True), ds.tensor(w, requires_grad=True)
        tb = None if b is None else ds.tensor(b, requires_grad=True)
        fn = {"conv2d": F.conv2d, "conv_transpose2d": F.conv_transpose2d, "conv1d": F.conv1d}[kind]
        y = fn(tx, tw, tb, **kw)
        y.backward(ds.tensor(g(y.shape)))
        grads = [tx.grad.numpy(), tw.grad.numpy()] + ([] if tb is None else [tb.grad.numpy()])
        return [y.detach().numpy(), *grads]
    finally:
        os.environ.pop("DEEPSTEP_ONEDNN", None)


def _torch(kind: str, x, w, b, g, **kw):
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    y = getattr(torch.nn.functional, kind)(tx, tw, tb, **kw)
    y.backward(torch.tensor(g(tuple(y.shape))))
    grads = [tx.grad.numpy(), tw.grad.numpy()] + ([] if tb is None else [tb.grad.numpy()])
    return [y.detach().numpy(), *grads]


CONV_CASES = [
    # (n, c, h, w, f, kernel, stride, padding, dilation, groups, bias)
    ((3, 1, 28, 28, 8, 5, 1, 2, 1, 1, True)),  # SmallCNN's first layer: one input channel
    ((4, 16, 14, 14, 32, 5, 1, 2, 1, 1, True)),
    ((4, 16, 14, 14, 32, 3, 2, 1, 1, 1, False)),  # strided, no bias
    ((2, 6, 11, 10, 6, 3, 1, 2, 2, 3, True)),  # dilated and grouped
    ((2, 8, 9, 7, 4, (3, 1), (2, 1), (0, 1), 1, 1, True)),  # rectangular
    ((2, 8, 9, 8, 8, 4, 1, "same", 1, 1, True)),  # 'same' with an even kernel: one more zero after
    ((2, 8, 8, 8, 8, 3, 1, 1, 1, 8, True)),  # depthwise
]


def _arrays(rng, n, c, h, w, f, k, groups, bias, transposed=False):
    k = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    shape = (c, f // groups, *k) if transposed else (f, c // groups, *k)
    weight = (rng.standard_normal(shape) / np.sqrt(c * k[0] * k[1])).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32) if bias else None
    return x, weight, b, lambda s: rng.standard_normal(s).astype(np.float32)


@needs_onednn
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_on_onednn_equals_im2col_and_torch(case):
    n, c, h, w, f, k, stride, padding, dilation, groups, bias = case
    rng = np.random.default_rng(0)
    x, weight, b, _ = _arrays(rng, n, c, h, w, f, k, groups, bias)
    g = np.random.default_rng(1)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    before = conv_plans._cached.cache_info().currsize
    fast = _run("conv2d", x, weight, b, lambda s: g.standard_normal(s).astype(np.float32), True, **kw)
    assert conv_plans._cached.cache_info().currsize > before or conv_plans._cached.cache_info().hits
    g = np.random.default_rng(1)
    slow = _run("conv2d", x, weight, b, lambda s: g.standard_normal(s).astype(np.float32), False, **kw)
    g = np.random.default_rng(1)
    oracle = _torch("conv2d", x, weight, b, lambda s: g.standard_normal(s).astype(np.float32), **kw)
    for ours, reference, theirs in zip(fast, slow, oracle, strict=True):
        scale = 1 + np.abs(theirs).max()
        assert ours.shape == theirs.shape and ours.dtype == np.float32
        assert np.abs(ours - reference).max() / scale < 2e-5
        assert np.abs(ours - theirs).max() / scale < 2e-5


@needs_onednn
@pytest.mark.parametrize(
    "case",
    [
        # (n, c, h, w, f, kernel, stride, padding, output_padding, groups, bias)
        (4, 32, 7, 7, 16, 3, 2, 1, 1, 1, True),  # the conv autoencoder's decoder
        (4, 16, 14, 14, 1, 3, 2, 1, 1, 1, True),
        (2, 4, 5, 6, 6, 3, 1, 0, 0, 2, False),
        (2, 4, 5, 6, 3, 4, 3, 1, 2, 1, True),
    ],
)
def test_conv_transpose2d_on_onednn_equals_im2col_and_torch(case):
    n, c, h, w, f, k, stride, padding, output_padding, groups, bias = case
    rng = np.random.default_rng(2)
    x, weight, b, _ = _arrays(rng, n, c, h, w, f, k, groups, bias, transposed=True)
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups)
    results = []
    for path in ("fast", "slow", "torch"):
        g = np.random.default_rng(3)
        draw = lambda s, g=g: g.standard_normal(s).astype(np.float32)  # noqa: E731
        if path == "torch":
            results.append(_torch("conv_transpose2d", x, weight, b, draw, **kw))
        else:
            results.append(_run("conv_transpose2d", x, weight, b, draw, path == "fast", **kw))
    for ours, reference, theirs in zip(*results, strict=True):
        scale = 1 + np.abs(theirs).max()
        assert np.abs(ours - reference).max() / scale < 2e-5
        assert np.abs(ours - theirs).max() / scale < 2e-5


@needs_onednn
def test_conv1d_and_layouts_on_onednn():
    """conv1d (images one pixel high), and inputs in either memory layout, give the same numbers."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 40)).astype(np.float32)
    w = rng.standard_normal((7, 5, 3)).astype(np.float32)
    b = rng.standard_normal(7).astype(np.float32)
    g = lambda s: np.ones(s, np.float32)  # noqa: E731
    fast = _run("conv1d", x, w, b, g, True, stride=2, padding=1)
    oracle = _torch("conv1d", x, w, b, g, stride=2, padding=1)
    for ours, theirs in zip(fast, oracle, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    # an NCHW-contiguous input and the same values in NHWC memory
    x4 = rng.standard_normal((2, 8, 6, 6)).astype(np.float32)
    w4 = rng.standard_normal((4, 8, 3, 3)).astype(np.float32)
    x4_nhwc = np.ascontiguousarray(x4.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    a = F.conv2d(ds.tensor(x4), ds.tensor(w4), padding=1).numpy()
    c = F.conv2d(ds.tensor(x4_nhwc), ds.tensor(w4), padding=1).numpy()
    np.testing.assert_array_equal(a, c)


def test_other_dtypes_and_the_switch_take_the_im2col_path():
    """float64 (and mixed) problems never reach oneDNN, nor anything with DEEPSTEP_ONEDNN=0."""
    shape = ((2, 3, 8, 8), (4, 3, 3, 3), (2, 4, 6, 6), (1, 1), (1, 1), ((0, 0), (0, 0)), 1, True)
    x64, x32 = np.zeros(shape[0]), np.zeros(shape[0], np.float32)
    assert onednn.convolution(*shape, x64, np.zeros(shape[1])) is None
    assert onednn.convolution(*shape, x32, np.zeros(shape[1])) is None  # float32 with float64
    os.environ["DEEPSTEP_ONEDNN"] = "0"
    try:
        assert not onednn.available()
        assert onednn.convolution(*shape, x32, np.zeros(shape[1], np.float32)) is None
    finally:
        os.environ.pop("DEEPSTEP_ONEDNN")


def test_a_missing_library_leaves_convolution_working(tmp_path):
    """With oneDNN's library not found, conv2d runs on im2col and equals PyTorch (a fresh process)."""
    script = (
        "import numpy as np, deepstep as ds, deepstep.nn.functional as F\n"
        "from deepstep import onednn\n"
        "assert not onednn.available()\n"
        "x = np.arange(2 * 3 * 5 * 5, dtype=np.float32).reshape(2, 3, 5, 5) / 10\n"
        "w = np.ones((4, 3, 3, 3), np.float32)\n"
        "print(float(F.conv2d(ds.tensor(x), ds.tensor(w), padding=1).sum()))\n"
    )
    env = {**os.environ, "DEEPSTEP_ONEDNN_LIBRARY": str(tmp_path / "libdnnl.so.3")}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5) / 10
    expected = float(torch.nn.functional.conv2d(x, torch.ones(4, 3, 3, 3), padding=1).sum())
    assert float(out.stdout) == pytest.approx(expected, rel=1e-6)


@needs_onednn
def test_cores_go_to_onednn_and_come_back(monkeypatch):
    """A convolution on oneDNN puts OpenBLAS on one thread; a linear layer run on NumPy (float64) after
    the idle time with nothing on oneDNN gives the threads back (the clock moves, not mocked)."""
    monkeypatch.setattr(onednn.library.Cores, "IDLE_SECONDS", 0.5)
    time.sleep(0.6)
    onednn.release_idle_cores()  # (earlier tests' convolutions)
    threads = backend.get_num_threads()
    if threads < 2:
        pytest.skip("OpenBLAS runs on one thread here")
    x = ds.tensor(np.ones((2, 4, 8, 8), np.float32))
    F.conv2d(x, ds.tensor(np.ones((4, 4, 3, 3), np.float32)))
    assert backend.get_num_threads() == 1
    layer = ds.nn.Linear(4, 4).double()
    layer(ds.tensor(np.ones((2, 4))))  # right after: still oneDNN's
    assert backend.get_num_threads() == 1
    time.sleep(0.6)
    layer(ds.tensor(np.ones((2, 4))))
    assert backend.get_num_threads() == threads


@needs_onednn
def test_smallcnn_learns_with_convolutions_on_onednn():
    """Real data, a threshold a broken kernel cannot pass: SmallCNN on 2,000 MNIST digits, one epoch
    of Adam, then above 85% on 1,000 others."""
    (x, y), _ = ds.datasets.load_mnist()
    x = x[:, None].astype(np.float32)
    ds.manual_seed(0)
    model = ds.models.SmallCNN()
    opt = ds.optim.Adam(model.parameters(), lr=2e-3)
    for start in range(0, 2000, 64):
        loss = F.cross_entropy(model(ds.tensor(x[start : start + 64])), ds.tensor(y[start : start + 64]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert conv_plans._cached.cache_info().currsize > 0
    model.eval()
    with ds.no_grad():
        predicted = model(ds.tensor(x[2000:3000])).numpy().argmax(axis=1)
    assert (predicted == y[2000:3000]).mean() > 0.85


@needs_onednn
@pytest.mark.parametrize(
    "layers, bidirectional, batch_first, bias, with_state",
    [(2, False, True, True, False), (1, True, False, True, True), (2, True, True, False, True)],
)
def test_lstm_on_onednn_equals_the_loop_and_torch(layers, bidirectional, batch_first, bias, with_state):
    """nn.LSTM in float32 with PyTorch's weights: outputs, final states, the input's, the initial
    states' and every parameter's gradient, on oneDNN, on the loop over time, and in torch."""
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(5, 8, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    ours = ds.nn.LSTM(5, 8, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 7, 5) if batch_first else (7, 3, 5)).astype(np.float32)
    directions = layers * (2 if bidirectional else 1)
    h0 = rng.standard_normal((directions, 3, 8)).astype(np.float32)
    c0 = rng.standard_normal((directions, 3, 8)).astype(np.float32)
    weights = rng.standard_normal(3).astype(np.float32)

    def run(fast: bool) -> list[np.ndarray]:
        os.environ["DEEPSTEP_ONEDNN"] = "1" if fast else "0"
        try:
            ours.zero_grad()
            tx, th, tc = (ds.tensor(a, requires_grad=True) for a in (x, h0, c0))
            out, (h, c) = ours(tx, (th, tc)) if with_state else ours(tx)
            loss = (out * out).sum() + (h * float(weights[0])).sum() + (c * float(weights[1])).sum()
            loss.backward()
            grads = [tx.grad.numpy()] + ([th.grad.numpy(), tc.grad.numpy()] if with_state else [])
            return [out.numpy(), h.numpy(), c.numpy(), *grads] + [p.grad.numpy() for p in ours.parameters()]
        finally:
            os.environ.pop("DEEPSTEP_ONEDNN")

    before = lstm_plans._cached.cache_info()
    fast = run(True)
    after = lstm_plans._cached.cache_info()
    assert after.currsize > before.currsize or after.hits > before.hits  # oneDNN ran
    slow = run(False)
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    out, (h, c) = theirs(tx, (th, tc)) if with_state else theirs(tx)
    ((out * out).sum() + (h * float(weights[0])).sum() + (c * float(weights[1])).sum()).backward()
    grads = [tx.grad.numpy()] + ([th.grad.numpy(), tc.grad.numpy()] if with_state else [])
    oracle = [out.detach().numpy(), h.detach().numpy(), c.detach().numpy(), *grads]
    oracle += [p.grad.numpy() for p in theirs.parameters()]
    for ours_fast, ours_slow, expected in zip(fast, slow, oracle, strict=True):
        assert ours_fast.shape == expected.shape and ours_fast.dtype == np.float32
        np.testing.assert_allclose(ours_fast, expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours_fast, ours_slow, rtol=1e-4, atol=1e-5)


@needs_onednn
def test_lstm_with_lengths_and_in_float64_keeps_the_loop():
    """Variable-length batches (masks) and float64 never reach oneDNN's layer."""
    before = lstm_plans._cached.cache_info()
    layer = ds.nn.LSTM(3, 4)
    x = ds.tensor(np.ones((5, 2, 3), np.float32))
    packed = ds.nn.utils.rnn.pack_padded_sequence(x, [5, 3])
    layer(packed)
    ds.nn.LSTM(3, 4).double()(ds.tensor(np.ones((5, 2, 3))))
    after = lstm_plans._cached.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)


def _convolve_in_child(queue) -> None:
    x = ds.tensor(np.ones((2, 4, 8, 8), np.float32))
    y = F.conv2d(x, ds.tensor(np.ones((4, 4, 3, 3), np.float32)), padding=1)
    queue.put((onednn.available(), float(y.sum())))


@needs_onednn
def test_a_process_forked_after_onednn_ran_convolves_without_it():
    """A real fork after a convolution on oneDNN: the child's convolution finishes (GNU OpenMP's pool
    would hang it) on the im2col path, with the parent's result."""
    import multiprocessing

    x = ds.tensor(np.ones((2, 4, 8, 8), np.float32))
    expected = float(F.conv2d(x, ds.tensor(np.ones((4, 4, 3, 3), np.float32)), padding=1).sum())
    assert onednn.available()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_convolve_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "the forked child did not finish its convolution"
    available_in_child, total = queue.get(timeout=5)
    assert not available_in_child and total == expected
    assert onednn.available()  # the parent keeps oneDNN


def _products_run(monkeypatch) -> list:
    """The plans that run oneDNN's products from now on (until monkeypatch.undo), in call order."""
    ran: list = []
    for plan_class in (matmul_plans.MatrixProduct, matmul_plans.Gemm):
        call = plan_class.__call__
        monkeypatch.setattr(
            plan_class, "__call__", lambda plan, *args, call=call: ran.append(plan) or call(plan, *args)
        )
    return ran


@needs_onednn
@pytest.mark.parametrize("shape, bias", [((12, 64, 128), True), ((256, 200), False), ((3, 5, 9, 100), True)])
def test_linear_on_onednn_equals_numpy_and_torch(shape, bias, monkeypatch):
    """F.linear in float32, large enough for oneDNN's matrix products (forward with the bias inside,
    both gradients), against NumPy's products and torch."""
    rng = np.random.default_rng(6)
    out_features = 96
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((out_features, shape[-1])) / np.sqrt(shape[-1])).astype(np.float32)
    b = rng.standard_normal(out_features).astype(np.float32) if bias else None
    g = rng.standard_normal((*shape[:-1], out_features)).astype(np.float32)
    assert np.prod(shape) * out_features >= matmul_plans.SMALL_PRODUCT

    def run(fast: bool) -> list[np.ndarray]:
        os.environ["DEEPSTEP_ONEDNN"] = "1" if fast else "0"
        try:
            tx, tw = ds.tensor(x, requires_grad=True), ds.tensor(w, requires_grad=True)
            tb = None if b is None else ds.tensor(b, requires_grad=True)
            y = F.linear(tx, tw, tb)
            y.backward(ds.tensor(g))
            return [y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()] + (
                [] if b is None else [tb.grad.numpy()]
            )
        finally:
            os.environ.pop("DEEPSTEP_ONEDNN")

    ran = _products_run(monkeypatch)
    fast = run(True)
    monkeypatch.undo()
    forward = "Gemm" if b is None else "MatrixProduct"  # (the primitive adds the bias in the product)
    assert [type(plan).__name__ for plan in ran] == [forward, "Gemm", "Gemm"]  # and both gradients
    slow = run(False)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    y = torch.nn.functional.linear(tx, tw, tb)
    y.backward(torch.tensor(g))
    oracle = [y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()] + ([] if b is None else [tb.grad.numpy()])
    for ours, reference, theirs in zip(fast, slow, oracle, strict=True):
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        scale = 1 + np.abs(theirs).max()
        assert np.abs(ours - reference).max() / scale < 1e-5
        assert np.abs(ours - theirs).max() / scale < 1e-5


def test_small_float64_and_odd_layouts_keep_numpy_products():
    """Small products, float64, and strided operands without a contiguous axis stay with NumPy."""
    a32 = np.ones((2048, 64), np.float32)
    assert onednn.matmul(np.ones((4, 4), np.float32), np.ones((4, 4), np.float32)) is None
    assert onednn.matmul(np.ones((2048, 64)), np.ones((64, 64))) is None
    assert onednn.matmul(a32[:, ::2], np.ones((32, 64), np.float32)) is None


@needs_onednn
def test_stacks_of_products_as_attention_makes_them_run_on_onednn():
    """Heads of a permuted (B, T, 3, H, E) projection, their transposes, a product into a slice of a
    larger array: oneDNN's batched products equal np.matmul; broadcasting and float64 stay with NumPy."""
    rng = np.random.default_rng(8)
    qkv = np.moveaxis(rng.standard_normal((12, 64, 3, 4, 32)).astype(np.float32), (2, 0, 3, 1), (0, 1, 2, 3))
    q, k, v = qkv  # (12, 4, 64, 32) each, strided views
    weights = np.abs(rng.standard_normal((12, 4, 64, 64))).astype(np.float32)
    grads = np.empty((3, 12, 4, 64, 32), np.float32)
    for a, b, out in [
        (k, np.swapaxes(q, -1, -2), None),
        (np.swapaxes(weights, -1, -2), v, None),
        (weights, q, grads[1]),
    ]:
        ours = matmul_plans.matmul(a, b, out=out)
        assert ours is not None and ours.dtype == np.float32
        assert out is None or ours is out
        reference = np.matmul(a.astype(np.float64), b.astype(np.float64))
        assert np.abs(ours - reference).max() < 1e-4 * (1 + np.abs(reference).max())
    assert matmul_plans.matmul(weights, q[0]) is None  # broadcast over the batch: NumPy's
    assert matmul_plans.matmul(weights.astype(np.float64), q.astype(np.float64)) is None
    assert np.array_equal(
        matmul_plans.product(weights[:1, :1, :2], q[:1, :1]), weights[:1, :1, :2] @ q[:1, :1]
    )


@needs_onednn
def test_packed_attention_on_onednn_equals_numpy_and_torch(monkeypatch):
    """A GPT layer's causal self-attention in float32 (output and the packed gradient) with its
    products on oneDNN, against DEEPSTEP_ONEDNN=0 and torch's scaled_dot_product_attention."""
    rng = np.random.default_rng(9)
    projected = rng.standard_normal((12, 64, 3, 4, 32)).astype(np.float32)
    g = rng.standard_normal((12, 4, 64, 32)).astype(np.float32)

    def run(fast: bool) -> list[np.ndarray]:
        os.environ["DEEPSTEP_ONEDNN"] = "1" if fast else "0"
        try:
            t = ds.tensor(projected, requires_grad=True)
            y = F.packed_attention(t.permute(2, 0, 3, 1, 4), is_causal=True)
            y.backward(ds.tensor(g))
            return [y.detach().numpy(), t.grad.numpy()]
        finally:
            os.environ.pop("DEEPSTEP_ONEDNN")

    ran = _products_run(monkeypatch)
    fast = run(True)
    monkeypatch.undo()
    assert (
        len([plan for plan in ran if len(plan.shape) == 4]) == 6
    )  # the heads' products: 2 forward, 4 backward
    slow = run(False)
    t = torch.tensor(projected, requires_grad=True)
    q, k, v = t.permute(2, 0, 3, 1, 4)
    y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    y.backward(torch.tensor(g))
    for ours, reference, theirs in zip(fast, slow, [y.detach().numpy(), t.grad.numpy()], strict=True):
        scale = 1 + np.abs(theirs).max()
        assert np.abs(ours - reference).max() / scale < 1e-5
        assert np.abs(ours - theirs).max() / scale < 1e-5


@needs_onednn
@pytest.mark.parametrize(
    "transpose_a, transpose_b", [(False, False), (True, False), (False, True), (True, True)]
)
def test_two_dimensional_products_without_bias_run_on_dnnl_sgemm(transpose_a, transpose_b):
    """Row-major operands, transposed views and slices of wider arrays (a leading dimension larger
    than the row), into a new array and into a given one: dnnl_sgemm's results equal float64 NumPy's."""
    rng = np.random.default_rng(10)
    m, k, n = 300, 170, 260
    wide_a = rng.standard_normal((k, m + 7) if transpose_a else (m, k + 7)).astype(np.float32)
    wide_b = rng.standard_normal((n, k + 5) if transpose_b else (k, n + 5)).astype(np.float32)
    a = wide_a[:, :m].T if transpose_a else wide_a[:, :k]
    b = wide_b[:, :k].T if transpose_b else wide_b[:, :n]
    reference = a.astype(np.float64) @ b.astype(np.float64)
    plan = matmul_plans._plan(a, b, None, None)
    assert isinstance(plan, matmul_plans.Gemm)
    for out in (None, np.empty((m, n), np.float32)):
        ours = matmul_plans.matmul(a, b, out=out)
        assert ours is not None and ours.shape == (m, n) and (out is None or ours is out)
        assert np.abs(ours - reference).max() < 1e-4 * (1 + np.abs(reference).max())
    column_major = np.empty((n, m), np.float32).T  # not for dnnl_sgemm: the primitive's, or NumPy's
    assert not isinstance(matmul_plans._plan(a, b, None, column_major), matmul_plans.Gemm)
    ours = matmul_plans.product(a, b, out=column_major)
    assert np.abs(ours - reference).max() < 1e-4 * (1 + np.abs(reference).max())
