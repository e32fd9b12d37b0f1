"""Property tests over random shapes: elementwise ops and reductions agree with torch, values and
gradients, whatever the shapes (broadcasting included) and axes."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepstep as ds

SETTINGS = settings(max_examples=40, deadline=None)

UNARY = {
    "exp": (ds.exp, torch.exp, "real"),
    "log": (ds.log, torch.log, "positive"),
    "sqrt": (ds.sqrt, torch.sqrt, "positive"),
    "abs": (ds.abs, torch.abs, "real"),
    "sin": (ds.sin, torch.sin, "real"),
    "cos": (ds.cos, torch.cos, "real"),
    "sigmoid": (ds.sigmoid, torch.sigmoid, "real"),
    "tanh": (ds.tanh, torch.tanh, "real"),
    "relu": (ds.relu, torch.relu, "real"),
    "softplus": (ds.softplus, torch.nn.functional.softplus, "real"),
    "neg": (lambda a: -a, lambda a: -a, "real"),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b: (ds.maximum if isinstance(a, ds.Tensor) else torch.maximum)(a, b),
    "minimum": lambda a, b: (ds.minimum if isinstance(a, ds.Tensor) else torch.minimum)(a, b),
}


def _arrays(shape, positive, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape)
    return np.abs(data) + 0.5 if positive else data


def _compare(ours_fn, torch_fn, arrays, seed):
    ours = [ds.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-12)
    upstream = np.random.default_rng(seed).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for mine, oracle in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-6, atol=1e-12)


@SETTINGS
@given(
    name=st.sampled_from(sorted(UNARY)),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=5),
    seed=st.integers(0, 2**16),
)
def test_unary_ops_match_torch(name, shape, seed):
    ours, theirs, domain = UNARY[name]
    _compare(ours, theirs, [_arrays(shape, domain == "positive", seed)], seed)


@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_broadcasting_binary_ops_match_torch(name, shapes, seed):
    a = _arrays(shapes.input_shapes[0], False, seed)
    b = _arrays(shapes.input_shapes[1], name == "div", seed + 1)
    _compare(BINARY[name], BINARY[name], [a, b], seed)


@st.composite
def shape_and_axes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    axes = draw(st.none() | st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple))
    return shape, axes, draw(st.booleans())


@SETTINGS
@given(
    case=shape_and_axes(),
    op=st.sampled_from(["sum", "mean", "amax", "amin", "var", "logsumexp"]),
    seed=st.integers(0, 2**16),
)
def test_reductions_match_torch(case, op, seed):
    shape, axes, keepdims = case
    dims = tuple(range(len(shape))) if axes is None else axes

    def ours(a):
        return getattr(a, op)(axis=axes, keepdims=keepdims)

    def theirs(a):
        if op == "logsumexp":
            return torch.logsumexp(a, dim=dims, keepdim=keepdims)
        return getattr(a, op)(dim=dims, keepdim=keepdims)

    _compare(ours, theirs, [_arrays(shape, False, seed)], seed)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), seed=st.integers(0, 2**16))
def test_softmax_rows_are_distributions_and_gradients_sum_to_zero(shape, seed):
    x = ds.Tensor(_arrays(shape, False, seed) * 50, requires_grad=True)
    s = ds.softmax(x, axis=-1)
    np.testing.assert_allclose(s.numpy().sum(axis=-1), 1.0, rtol=1e-12)
    (s * ds.Tensor(_arrays(shape, False, seed + 1))).sum().backward()
    # softmax is invariant to adding a constant to a row, so its gradient sums to zero per row
    np.testing.assert_allclose(x.grad.numpy().sum(axis=-1), 0.0, atol=1e-10)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_unbroadcast_gives_back_the_operand_shape(shapes):
    out_shape = np.broadcast_shapes(*shapes.input_shapes)
    for shape in shapes.input_shapes:
        grad = ds.unbroadcast(np.ones(out_shape), shape)
        assert grad.shape == shape
        # each operand element was copied prod(out)/prod(in) times
        np.testing.assert_allclose(grad, np.prod(out_shape) / np.prod(shape))
