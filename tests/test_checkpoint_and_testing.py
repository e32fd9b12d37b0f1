"""Activation checkpointing (deepstep.utils.checkpoint) and deepstep.testing (assert_close, make_tensor),
held to PyTorch 2.13: the same values, gradients, warnings, exception types and messages."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tcp

import deepstep as ds
from deepstep.utils.checkpoint import checkpoint, checkpoint_sequential

# ---------------------------------------------------------------------------------------------
# checkpoint: the same gradients as without it, and as PyTorch's
# ---------------------------------------------------------------------------------------------


def _mlp(lib, sizes, seed=0, dropout=0.0):
    """The same weights in both libraries: Linear, tanh, (dropout) … as a Sequential."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        linear = lib.nn.Linear(n_in, n_out)
        with lib.no_grad():
            linear.weight.copy_(lib.tensor(rng.normal(0, 0.5, (n_out, n_in))))
            linear.bias.copy_(lib.tensor(rng.normal(0, 0.5, n_out)))
        layers += [linear, lib.nn.Tanh()]
        if dropout:
            layers.append(lib.nn.Dropout(dropout))
    return lib.nn.Sequential(*layers)


def _grads(model):
    return [p.grad.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_matches_the_plain_call_and_torch(reentrant):
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    ours, theirs = _mlp(ds, [4, 8, 8, 3]), _mlp(torch, [4, 8, 8, 3])
    xd, xt = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yd = checkpoint(ours, xd, use_reentrant=reentrant)
    yt = tcp.checkpoint(theirs, xt, use_reentrant=reentrant)
    assert yd.requires_grad and yd.grad_fn is not None
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    (yd**2).sum().backward()
    (yt**2).sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    for a, b in zip(_grads(ours), _grads(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("reentrant", [True, False])
def test_dropout_draws_the_same_mask_when_recomputed(reentrant):
    x = np.random.default_rng(2).normal(size=(16, 6)).astype(np.float32)
    model = _mlp(ds, [6, 32, 32, 2], dropout=0.5)
    results = []
    for checkpointed in (False, True):
        model.zero_grad()
        xd = ds.tensor(x, requires_grad=True)
        ds.manual_seed(7)
        y = checkpoint(model, xd, use_reentrant=reentrant) if checkpointed else model(xd)
        ds.randn(3)  # draws between forward and backward must not change the recomputed mask
        after_forward = ds.get_rng_state()
        y.sum().backward()
        # backward puts the generator back where it was
        np.testing.assert_array_equal(ds.get_rng_state().numpy(), after_forward.numpy())
        results.append((y.detach().numpy(), xd.grad.numpy(), _grads(model)))
    (y0, gx0, gp0), (y1, gx1, gp1) = results
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-6, atol=1e-7)
    for a, b in zip(gp1, gp0, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert (gx0 != 0).any()


def test_without_preserved_rng_state_the_mask_changes():
    """preserve_rng_state=False: the recomputation draws a new mask, so the gradient differs (as in
    PyTorch), which shows that the preserved state is what makes them equal above."""
    x = np.ones((64, 8), dtype=np.float32)
    model = _mlp(ds, [8, 64, 1], dropout=0.5)
    grads = []
    for preserve in (True, False):
        xd = ds.tensor(x, requires_grad=True)
        ds.manual_seed(3)
        checkpoint(model, xd, use_reentrant=False, preserve_rng_state=preserve).sum().backward()
        grads.append(xd.grad.numpy())
    ds.manual_seed(3)
    xd = ds.tensor(x, requires_grad=True)
    model(xd).sum().backward()
    np.testing.assert_allclose(grads[0], xd.grad.numpy(), rtol=1e-6)
    assert not np.allclose(grads[1], xd.grad.numpy())


def _block(lib):
    def block(a, b, scale, *, shift=0.0):
        """Two tensors, a number and (non-reentrant only) a keyword in; two tensors and an int out."""
        h = (a @ b).sin() * scale
        return h + shift, (h * a.sum()).exp(), 3

    return block


@pytest.mark.parametrize("reentrant", [True, False])
def test_several_inputs_and_outputs_and_non_tensor_arguments(reentrant):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)) * 0.3
    kwargs = {} if reentrant else {"shift": 0.5}
    outs = []
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        h, e, n = cp(_block(lib), ta, tb, 2.0, use_reentrant=reentrant, **kwargs)
        assert n == 3
        (h.sum() + (e * e).sum()).backward()
        outs.append([h.detach().numpy(), e.detach().numpy(), ta.grad.numpy(), tb.grad.numpy()])
    for ours, theirs in zip(*outs, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_an_output_that_is_not_used_gets_no_gradient_and_the_other_does():
    a = np.arange(6.0).reshape(2, 3) / 5
    grads = []
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        x = lib.tensor(a, requires_grad=True)
        _, e, _ = cp(_block(lib), x, lib.tensor(a.T), 1.5, use_reentrant=True)
        e.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


def test_non_reentrant_works_with_grad_and_with_inputs_that_want_none():
    """Parameters get gradients through the non-reentrant op even when the input wants none, and
    autograd.grad reaches them, as in PyTorch."""
    x = np.random.default_rng(5).normal(size=(4, 3)).astype(np.float32)
    ours, theirs = _mlp(ds, [3, 5, 2]), _mlp(torch, [3, 5, 2])
    yd = checkpoint(ours, ds.tensor(x), use_reentrant=False)
    yt = tcp.checkpoint(theirs, torch.tensor(x), use_reentrant=False)
    gd = ds.autograd.grad(yd.sum(), list(ours.parameters()))
    gt = torch.autograd.grad(yt.sum(), list(theirs.parameters()))
    for a, b in zip(gd, gt, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert all(p.grad is None for p in ours.parameters())  # grad() stores nothing


def test_non_reentrant_reaches_tensors_made_outside_the_block():
    """A tensor the block reads through a closure, made by ops before it, passes its gradient on to
    the leaves behind it; hooks on a parameter fire once."""
    w0 = np.array([[0.5, -1.0], [2.0, 0.3]])
    x0 = np.array([[1.0, 2.0], [3.0, -1.0]])
    results = []
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        w = lib.tensor(w0, requires_grad=True)
        calls = []
        w.register_hook(lambda g, calls=calls: calls.append(1))
        w2 = w * 3  # made outside the block
        x = lib.tensor(x0, requires_grad=True)
        y = cp(lambda x, w2=w2: (x @ w2).tanh() * w2.sum(), x, use_reentrant=False)
        y.sum().backward()
        results.append((w.grad.numpy(), x.grad.numpy(), len(calls)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    assert results[0][2] == results[1][2] == 1


def test_reentrant_refuses_grad_and_backward_inputs():
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = cp(lambda t: t.exp(), x, use_reentrant=True)
        with pytest.raises(
            RuntimeError, match=r"use_reentrant=True, torch\.utils\.checkpoint is incompatible"
        ):
            lib.autograd.grad(y.sum(), [x])
        y = cp(lambda t: t.exp(), x, use_reentrant=True)
        with pytest.raises(RuntimeError, match=r"incompatible with \.grad"):
            y.sum().backward(inputs=[x])


def test_reentrant_with_no_input_wanting_grad_warns_and_records_nothing():
    model = _mlp(ds, [2, 2])
    for lib, cp, m in ((ds, checkpoint, model), (torch, tcp.checkpoint, _mlp(torch, [2, 2]))):
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            y = cp(m, lib.ones(1, 2), use_reentrant=True)
        assert not y.requires_grad


def test_use_reentrant_not_given_warns_and_means_reentrant():
    for lib, cp, cps in (
        (ds, checkpoint, checkpoint_sequential),
        (torch, tcp.checkpoint, tcp.checkpoint_sequential),
    ):
        x = lib.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
            y = cp(lambda t: t * 2, x)
        with pytest.raises(RuntimeError, match="incompatible"):  # the reentrant variant
            lib.autograd.grad(y.sum(), [x])
        with pytest.warns(UserWarning, match="checkpoint_sequential: the use_reentrant parameter"):
            cps([lambda t: t * 2, lambda t: t + 1], 2, x)


def test_keyword_arguments_are_refused_by_the_reentrant_variant():
    for cp in (checkpoint, tcp.checkpoint):
        with pytest.raises(ValueError, match="Unexpected keyword arguments: shift,other"):
            cp(lambda t, shift, other: t, ds.ones(1), use_reentrant=True, shift=1, other=2)
    for cps, lib in ((checkpoint_sequential, ds), (tcp.checkpoint_sequential, torch)):
        with pytest.raises(ValueError, match="Unexpected keyword arguments: extra"):
            cps([lambda t: t], 1, lib.ones(1), use_reentrant=False, extra=1)


def test_an_input_written_in_place_before_backward_is_refused():
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = w * 1
        y = cp(lambda t: t.exp(), x, use_reentrant=True)
        with lib.no_grad():
            x.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_sequential_matches_torch(reentrant):
    sizes = [5, 7, 7, 7, 7, 3]
    x = np.random.default_rng(6).normal(size=(4, 5)).astype(np.float32)
    ours, theirs = _mlp(ds, sizes), _mlp(torch, sizes)
    xd, xt = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yd = checkpoint_sequential(ours, 3, xd, use_reentrant=reentrant)
    yt = tcp.checkpoint_sequential(theirs, 3, xt, use_reentrant=reentrant)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yd.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    for a, b in zip(_grads(ours), _grads(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_non_reentrant_returns_lists_and_dicts_and_no_grad_tensors_as_they_came():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    out = checkpoint(lambda t: {"y": [t * 2, t.argmax()], "n": "s"}, x, use_reentrant=False)
    assert out["n"] == "s" and out["y"][0].requires_grad and not out["y"][1].requires_grad
    assert out["y"][1].item() == 1
    out["y"][0].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_the_recomputation_must_give_the_same_shapes():
    calls = []

    def changing(t):
        calls.append(1)
        return t[: len(calls)] * 2

    x = ds.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = checkpoint(changing, x, use_reentrant=False)
    with pytest.raises(RuntimeError, match="Recomputed values"):
        y.sum().backward()


# ---------------------------------------------------------------------------------------------
# checkpoint saves memory: what the graph keeps after forward
# ---------------------------------------------------------------------------------------------


def _retained_after_forward(run):
    """Bytes still allocated (NumPy's arrays are traced) after a forward whose output is kept."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = run()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return kept, out


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpointing_keeps_a_fraction_of_the_activations(reentrant):
    """A 24-layer MLP of 256 units on 256 rows: plain, the graph keeps ~2 arrays of 256 KB per layer
    (the linear's input and tanh's output); checkpointed in 6 segments, the 5 segment inputs and the
    last segment's graph. The test fails if the checkpointed forward kept its graph."""
    model = _mlp(ds, [256] * 25)
    x = ds.tensor(np.random.default_rng(7).normal(size=(256, 256)).astype(np.float32), requires_grad=True)
    activation = 256 * 256 * 4
    plain, y_plain = _retained_after_forward(lambda: model(x))
    saved, y_saved = _retained_after_forward(
        lambda: checkpoint_sequential(model, 6, x, use_reentrant=reentrant)
    )
    assert plain > 40 * activation
    assert saved < 20 * activation
    assert saved < plain / 3
    y_plain.sum().backward()
    plain_grads = [x.grad.numpy().copy(), *_grads(model)]
    x.grad = None
    model.zero_grad()
    y_saved.sum().backward()
    for a, b in zip([x.grad.numpy(), *_grads(model)], plain_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------------------------
# deepstep.testing.assert_close: torch.testing.assert_close's verdicts and messages
# ---------------------------------------------------------------------------------------------

_CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.5, 3.1], {}),
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]], {}),
    (1.0, 2.0, {}),
    ([1.0, 2.0, 3.0], [1.0, float("inf"), 3.0], {}),
    ([1.0, 2.0, 3.0], [1.0, float("nan"), 3.0], {}),
    ([1.0, float("nan")], [1.0, float("nan")], {}),
    ([1.0, float("nan")], [1.0, float("nan")], {"equal_nan": True}),
    ([0.0, 1.0], [1e-6, 2.0], {}),
    ([0.0, 1.0], [1e-6, 1.0 + 1e-7], {}),
    ([1.0], [1.5], {"rtol": 0.1, "atol": 0.0}),
    ([1.0], [1.5], {"rtol": 0.5, "atol": 0.0}),
    ([1.0, 2.0], [1.0, 2.1], {"msg": "custom"}),
]


def _torch_message(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as error:  # the type and message are compared
        return type(error), str(error)
    return None, None


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(("a", "e", "options"), _CASES)
def test_assert_close_matches_torch_on_floats(a, e, options, dtype):
    ours = _torch_message(
        ds.testing.assert_close,
        ds.tensor(a, dtype=getattr(ds, dtype)),
        ds.tensor(e, dtype=getattr(ds, dtype)),
        **options,
    )
    theirs = _torch_message(
        torch.testing.assert_close,
        torch.tensor(a, dtype=getattr(torch, dtype)),
        torch.tensor(e, dtype=getattr(torch, dtype)),
        **options,
    )
    assert ours == theirs


@pytest.mark.parametrize(
    ("a", "e", "dtype"),
    [
        ([1, 2], [1, 3], "int64"),
        ([5, 2, 7], [5, 2, 7], "int32"),
        ([True, False], [True, True], "bool"),
        ([3], [0], "int8"),
    ],
)
def test_assert_close_compares_integers_and_booleans_exactly(a, e, dtype):
    ours = _torch_message(
        ds.testing.assert_close,
        ds.tensor(a, dtype=getattr(ds, dtype)),
        ds.tensor(e, dtype=getattr(ds, dtype)),
    )
    theirs = _torch_message(
        torch.testing.assert_close,
        torch.tensor(a, dtype=getattr(torch, dtype)),
        torch.tensor(e, dtype=getattr(torch, dtype)),
    )
    assert ours == theirs


def test_assert_close_on_complex_tensors_matches_torch():
    a, e = [1 + 1j, 2 - 1j], [1 + 2j, 2 - 1j]
    assert _torch_message(ds.testing.assert_close, ds.tensor(a), ds.tensor(e)) == _torch_message(
        torch.testing.assert_close, torch.tensor(a), torch.tensor(e)
    )


@pytest.mark.parametrize(
    ("a", "e", "options"),
    [
        (1.0, 1.5, {}),
        (1, 2, {}),
        (1.0, 1, {}),
        (1.0, 1, {"check_dtype": False}),
        (2.0, 0.0, {}),
        (1 + 1j, 1 + 1.5j, {}),
        (np.float32(1.0), np.float32(1.0 + 1e-6), {}),
        (True, False, {}),
        (None, None, {}),
        ([1.0, [2.0, 3.0]], [1.0, [2.0, 3.5]], {}),
        ({"a": 1.0, "b": [2.0]}, {"a": 1.0, "b": [2.5]}, {}),
        ({"a": 1.0}, {"b": 1.0}, {}),
        ([1.0], [1.0, 2.0], {}),
        ("a", "a", {}),
        (1.0, 1.5, {"rtol": 1.0}),
        (1.0, 1.5, {"atol": 1.0}),
        (1.0, 1.5, {"msg": lambda m: "prefix: " + m}),
        (np.array([1.0, 2.0]), np.array([1.0, 2.5]), {}),
        (np.array([1, 2]), np.array([1, 2]), {}),
    ],
)
def test_assert_close_on_python_values_numpy_arrays_and_containers_matches_torch(a, e, options):
    assert _torch_message(ds.testing.assert_close, a, e, **options) == _torch_message(
        torch.testing.assert_close, a, e, **options
    )


def test_assert_close_attribute_mismatches():
    with pytest.raises(AssertionError, match="attribute 'shape' do not match"):
        ds.testing.assert_close(ds.ones(2), ds.ones(3))
    with pytest.raises(AssertionError, match=r"attribute 'dtype' do not match: float32 != int64\."):
        ds.testing.assert_close(ds.ones(2), ds.ones(2, dtype=ds.int64))
    ds.testing.assert_close(
        ds.ones(2), ds.ones(2, dtype=ds.float64), check_dtype=False
    )  # promoted, then equal
    with pytest.raises(AssertionError, match=r"'stride\(\)' do not match: \(3, 2\) != \(2, 1\)"):
        ds.testing.assert_close(ds.zeros(2, 3)[:, ::2], ds.zeros(2, 2), check_stride=True)
    ds.testing.assert_close(ds.zeros(2, 3)[:, ::2], ds.zeros(2, 2))
    with pytest.raises(
        TypeError, match="No comparison pair"
    ):  # as torch: a Tensor and an ndarray are not related
        ds.testing.assert_close(ds.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="No comparison pair"):
        torch.testing.assert_close(torch.ones(2), np.ones(2))


def test_assert_close_default_tolerances_are_torchs():
    """Just inside and just outside rtol·|e| + atol for each floating dtype."""
    for dtype, (rtol, atol) in {
        "float32": (1.3e-6, 1e-5),
        "float64": (1e-7, 1e-7),
        "float16": (1e-3, 1e-5),
    }.items():
        for factor, passes in ((0.5, True), (3.0, False)):
            e = np.array([100.0], dtype=dtype)
            a = e + np.array(factor * (rtol * 100 + atol), dtype=dtype)
            ok_ours = _torch_message(ds.testing.assert_close, ds.tensor(a), ds.tensor(e))[0] is None
            ok_torch = _torch_message(torch.testing.assert_close, torch.tensor(a), torch.tensor(e))[0] is None
            assert ok_ours == ok_torch == passes, (dtype, factor)


# ---------------------------------------------------------------------------------------------
# deepstep.testing.make_tensor
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "low", "high"),
    [
        ("float32", -9, 9),
        ("float64", -9, 9),
        ("int64", -9, 10),
        ("uint8", 0, 10),
        ("int8", -9, 10),
        ("bool", 0, 2),
    ],
)
def test_make_tensor_draws_in_torchs_default_range(dtype, low, high):
    ds.manual_seed(0)
    t = ds.testing.make_tensor(40, 50, dtype=getattr(ds, dtype))
    r = torch.testing.make_tensor(40, 50, dtype=getattr(torch, dtype), device="cpu")
    assert tuple(t.shape) == tuple(r.shape) == (40, 50)
    assert str(t.dtype) == str(r.dtype).removeprefix("torch.")
    values = t.numpy().astype(np.float64)
    assert values.min() >= low and values.max() < high
    assert values.min() < low + 1 and values.max() > high - 2  # the whole range is used
    ds.manual_seed(0)
    np.testing.assert_array_equal(
        ds.testing.make_tensor((40, 50), dtype=getattr(ds, dtype)).numpy(), t.numpy()
    )


def test_make_tensor_options():
    t = ds.testing.make_tensor(
        3, 4, dtype=ds.float32, low=0.5, high=0.75, noncontiguous=True, requires_grad=True
    )
    r = torch.testing.make_tensor(
        3, 4, dtype=torch.float32, device="cpu", low=0.5, high=0.75, noncontiguous=True
    )
    assert tuple(t.shape) == (3, 4) and t.is_contiguous() == r.is_contiguous() is False
    assert t.requires_grad and t.is_leaf
    assert (t.numpy() >= 0.5).all() and (t.numpy() < 0.75).all()
    assert ds.testing.make_tensor(1, dtype=ds.float32, noncontiguous=True).is_contiguous()  # one element
    z = ds.testing.make_tensor(500, dtype=ds.int64, low=-1, high=2, exclude_zero=True).numpy()
    assert set(np.unique(z)) <= {-1, 1}
    c = ds.testing.make_tensor(200, dtype=ds.complex64).numpy()
    assert c.dtype == np.complex64 and np.abs(c.real).max() < 9 and np.abs(c.imag).max() < 9 and c.imag.any()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"dtype": "int64", "requires_grad": True}, ValueError),
        ({"dtype": "float32", "low": 2.0, "high": 1.0}, ValueError),
        ({"dtype": "int64", "low": 3, "high": 3}, ValueError),
        ({"dtype": "float32", "low": float("nan")}, ValueError),
        ({"dtype": "uint8", "low": -20, "high": -10}, ValueError),
    ],
)
def test_make_tensor_errors_are_torchs(kwargs, error):
    dtype = kwargs.pop("dtype")
    with pytest.raises(error) as ours:
        ds.testing.make_tensor(2, dtype=getattr(ds, dtype), **kwargs)
    with pytest.raises(error) as theirs:
        torch.testing.make_tensor(2, dtype=getattr(torch, dtype), device="cpu", **kwargs)
    first = str(theirs.value).split(",")[0].replace("torch.", "")
    assert str(ours.value).split(",")[0] == first


def test_make_tensor_low_equal_high_for_floats_warns_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FutureWarning, match="low==high"):
            ds.testing.make_tensor(2, dtype=ds.float32, low=1.0, high=1.0)


# ---------------------------------------------------------------------------------------------
# deepstep.autograd.graph.register_multi_grad_hook
# ---------------------------------------------------------------------------------------------


def _multi_hook_runs(lib):
    """PyTorch's documented example and a few more passes: which gradients reach an 'all' hook."""
    a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = lib.tensor([[0.5, -1.0], [2.0, 1.5]], requires_grad=True)
    c, d = a * b, a * b
    seen = []
    handle = lib.autograd.graph.register_multi_grad_hook(
        (a, b, c, d), lambda grads: seen.append([None if g is None else g.numpy().tolist() for g in grads])
    )
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    (c * 2 + d).sum().backward(retain_graph=True)
    lib.autograd.grad((d * 3).sum(), [d], retain_graph=True)  # a non-leaf only (PyTorch refuses leaves)
    handle.remove()
    c.sum().backward(retain_graph=True)  # removed: nothing more
    return seen


def test_multi_grad_hook_all_gets_what_each_pass_computes_as_torch():
    ours, theirs = _multi_hook_runs(ds), _multi_hook_runs(torch)
    assert len(ours) == 4
    assert ours == theirs


def test_multi_grad_hook_all_runs_once_the_last_gradient_came():
    """The hook runs inside the pass, when the last of its tensors got its gradient: before the ops
    further down the graph run (their hooks come after it)."""
    for lib in (ds, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h1 = x * 2
        h2 = h1.exp()
        y = h2.sum()
        order = []
        lib.autograd.graph.register_multi_grad_hook((h2,), lambda grads, order=order: order.append("multi"))
        h1.register_hook(lambda g, order=order: order.append("h1"))
        y.backward()
        assert order == ["multi", "h1"]


def test_multi_grad_hook_any_runs_once_per_pass_with_the_first_gradient():
    results = []
    for lib in (ds, torch):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor([4.0, 5.0, 6.0], requires_grad=True)
        c = a * b
        got = []
        handle = lib.autograd.graph.register_multi_grad_hook(
            (a, b, c, lib.ones(1)), lambda g, got=got: got.append(g.numpy().tolist()), mode="any"
        )
        (c * 2).sum().backward(retain_graph=True)  # c's gradient comes first
        (a * 5).sum().backward()  # only a's
        handle.remove()
        (a * 5).sum().backward()
        results.append(got)
    assert results[0] == results[1] == [[2.0, 2.0, 2.0], [5.0, 5.0, 5.0]]


def test_multi_grad_hook_errors_are_torchs():
    for lib in (ds, torch):
        a = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match=r"Expects mode to be one of \('all', 'any'\) but got some"):
            lib.autograd.graph.register_multi_grad_hook((a,), print, mode="some")
        with pytest.raises(AssertionError, match="Expected gradient function to be set"):
            lib.autograd.graph.register_multi_grad_hook((a, lib.ones(2)), lambda grads: None)
        calls = []
        a.register_hook(lambda g, calls=calls: calls.append(1))
        (a * 2).sum().backward()
        assert calls == [1]  # the failed call above left no hook on a


def test_multi_grad_hook_in_nested_passes_counts_each_pass_apart():
    """Reentrant checkpointing runs a pass inside the outer one: the parameter's gradient comes in the
    inner pass, the outer tensor's in the outer one, so the hook runs once in each, as in PyTorch."""
    results = []
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        w = lib.tensor([0.5, -2.0], requires_grad=True)
        x = lib.tensor([1.0, 3.0], requires_grad=True)
        h = x * 2
        seen = []
        lib.autograd.graph.register_multi_grad_hook(
            (w, h),
            lambda grads, seen=seen: seen.append([None if g is None else g.numpy().tolist() for g in grads]),
        )
        y = cp(lambda t, w=w: (t * w).tanh(), h, use_reentrant=True)
        y.sum().backward()
        results.append(seen)
    assert [[g is None for g in grads] for grads in results[0]] == [[False, True], [True, False]]
    for ours, theirs in zip(*results, strict=True):
        for a, b in zip(ours, theirs, strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-6)


def test_checkpointed_block_passes_gradcheck():
    a = ds.tensor(np.random.default_rng(8).normal(size=(3, 4)), requires_grad=True)
    b = ds.tensor(np.random.default_rng(9).normal(size=(4, 2)), requires_grad=True)
    assert ds.autograd.gradcheck(
        lambda a, b: checkpoint(_block(ds), a, b, 0.7, use_reentrant=False)[1], (a, b)
    )


def test_determinism_check_and_grad_mode_off():
    for lib, cp in ((ds, checkpoint), (torch, tcp.checkpoint)):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match="determinism_check should be one of"):
            cp(lambda t: t * 2, x, use_reentrant=False, determinism_check="strict")
        with lib.no_grad():
            assert not cp(lambda t: t * 2, x, use_reentrant=False).requires_grad
    calls = []

    def changing(t):
        calls.append(1)
        return t[: len(calls)] * 2

    x = ds.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = checkpoint(changing, x, use_reentrant=False, determinism_check="none")  # no check: ops decide
    with pytest.raises(RuntimeError):
        y.sum().backward()
