"""Property tests of the elementwise family: on random shapes that broadcast, random dtypes (bool,
integers, float32, float64) and random values, every op gives PyTorch's values and PyTorch's result
dtype, or PyTorch's exception; the float ops give PyTorch's gradients too."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepstep as ds

SETTINGS = settings(max_examples=60, deadline=None)
# uint8 is left to test_math_ops' grids, which know its one open case (a negative 0-d divisor)
DTYPES = ["bool", "int8", "int32", "int64", "float32", "float64"]

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: m.sub(a, b, alpha=2),
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "remainder": lambda m, a, b: a % b,
    "fmod": lambda m, a, b: m.fmod(a, b),
    "pow": lambda m, a, b: a**b,
    "atan2": lambda m, a, b: m.atan2(a, b),
    "copysign": lambda m, a, b: m.copysign(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "fmin": lambda m, a, b: m.fmin(a, b),
    "clamp": lambda m, a, b: m.clamp(a, min=b),
    "where": lambda m, a, b: m.where(a > b, a, b),
    "lt": lambda m, a, b: a < b,
    "eq": lambda m, a, b: a == b,
    "logical_xor": lambda m, a, b: m.logical_xor(a, b),
    "bitwise_and": lambda m, a, b: a & b,
    "shift": lambda m, a, b: a << b,
}
UNARY = [
    "neg",
    "abs",
    "exp",
    "sqrt",
    "tanh",
    "sigmoid",
    "floor",
    "round",
    "sign",
    "square",
    "erf",
    "atan",
    "isnan",
]


def _values(dtype: str) -> st.SearchStrategy:
    """Values that every op takes without dividing an integer by zero or overflowing a shift."""
    if dtype == "bool":
        return st.booleans()
    if dtype.startswith("float"):
        return st.floats(-20, 20, width=32)
    return st.integers(-6, 6).filter(lambda v: v != 0)  # nonzero: integer division by zero raises


@st.composite
def operands(draw, count: int):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, max_side=4))
    arrays = []
    for shape in shapes.input_shapes:
        dtype = draw(st.sampled_from(DTYPES))
        arrays.append(draw(hnp.arrays(dtype, shape, elements=_values(dtype))))
    return arrays


def _outcome(fn, lib, arrays):
    tensors = [ds.tensor(a) if lib is ds else torch.from_numpy(np.array(a)) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib, *tensors)
    except Exception as error:  # the oracle's error is part of what is compared
        return error


def _assert_same(ours, theirs) -> None:
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), (theirs, ours)
        return
    assert not isinstance(ours, Exception), (ours, theirs)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float), rtol=2e-6, atol=1e-5)


@SETTINGS
@given(name=st.sampled_from(sorted(BINARY)), arrays=operands(2))
def test_binary_ops_give_torchs_values_and_dtypes(name, arrays):
    _assert_same(_outcome(BINARY[name], ds, arrays), _outcome(BINARY[name], torch, arrays))


@SETTINGS
@given(name=st.sampled_from(UNARY), arrays=operands(1))
def test_unary_ops_give_torchs_values_and_dtypes(name, arrays):
    fn = lambda m, a: getattr(m, name)(a)  # noqa: E731
    _assert_same(_outcome(fn, ds, arrays), _outcome(fn, torch, arrays))


@SETTINGS
@given(arrays=operands(3))
def test_clamp_with_tensor_bounds_gives_torchs_values_and_dtypes(arrays):
    fn = lambda m, a, lo, hi: m.clamp(a, lo, hi)  # noqa: E731
    _assert_same(_outcome(fn, ds, arrays), _outcome(fn, torch, arrays))


DIFFERENTIABLE = {
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (b.abs() + 0.5),
    "pow": lambda m, a, b: (a.abs() + 0.5) ** b,
    "atan2": lambda m, a, b: m.atan2(a, b + 3),
    "hypot": lambda m, a, b: m.hypot(a, b + 3),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b.abs() + 0.5),
    "lerp": lambda m, a, b: m.lerp(a, b, 0.7),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "clamp": lambda m, a, b: m.clamp(a, max=b),
    "where": lambda m, a, b: m.where(a > 0, a, b),
    "remainder": lambda m, a, b: m.remainder(a, b.abs() + 0.5),
}


@SETTINGS
@given(
    name=st.sampled_from(sorted(DIFFERENTIABLE)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_float_ops_give_torchs_gradients_through_broadcasting(name, shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in shapes.input_shapes]
    results = []
    for lib in (ds, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = DIFFERENTIABLE[name](lib, *leaves)
        upstream = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(upstream) if lib is torch else upstream)
        results.append([out.detach().numpy(), *(leaf.grad.numpy() for leaf in leaves)])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
