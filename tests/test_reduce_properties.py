"""Property tests for the reduction family: on random shapes (empty and 0-d ones too), dims (ints,
negative ones, tuples, None), keepdim and dtypes, every reduction, order statistic, sort and scan
equals PyTorch in values, dtypes, shapes, indices and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepstep as ds

SETTINGS = settings(max_examples=60, deadline=None)

# torch warns where n − correction ≤ 0; those values (inf, NaN) are what the tests compare
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")


@st.composite
def shape_dims_keepdim(draw, min_side=0, single=False):
    """A shape, the dims to reduce (None, one int or a tuple, any of them negative) and keepdim."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=min_side, max_side=4))
    ndim = max(len(shape), 1)  # a 0-d tensor takes dim 0 and −1
    one = st.integers(-ndim, ndim - 1)
    if single:
        dims = draw(one)
    else:
        tuples = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
            lambda ds_: tuple(
                d - ndim if i % 2 else d for i, d in enumerate(ds_)
            )  # some counted from the end
        )
        dims = draw(st.none() | one | (tuples if shape else st.just((0,))))
    return shape, dims, draw(st.booleans())


def _values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 4, shape).astype(dtype)
    return np.asarray(rng.standard_normal(shape), dtype=dtype)


def _distinct(shape, seed):
    """No ties: the gradient of max(dim), median(dim), sort… has one right answer."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) - n / 2) / 3


def _same(ours, theirs, rtol=1e-7, atol=1e-12):
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _values_and_gradients(fn, data, seed, pick=lambda out: out):
    """fn on the same float64 data in deepstep and torch: values equal, then gradients equal."""
    x, t = ds.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, ref = fn(x), fn(t)
    _same(pick(out), pick(ref))
    if isinstance(out, tuple):  # (values, indices): the indices equal too, the gradient is the values'
        _same(out[1], ref[1])
        out, ref = out[0], ref[0]
    upstream = np.random.default_rng(seed + 1).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-7, atol=1e-12)


def _dim_kwargs(dims, keepdim):
    """dims and keepdim as keywords; PyTorch takes no dim=None (nor keepdim without a dim): left out."""
    return {} if dims is None else {"dim": dims, "keepdim": keepdim}


REDUCTIONS = {
    "sum": lambda a, kw: a.sum(**kw),
    "nansum": lambda a, kw: a.nansum(**kw),
    "mean": lambda a, kw: a.mean(**kw),
    "nanmean": lambda a, kw: a.nanmean(**kw),
    "var": lambda a, kw: a.var(**kw),
    "var_unbiased_false": lambda a, kw: a.var(**kw, unbiased=False),
    "std": lambda a, kw: a.std(**kw),
    "std_correction0": lambda a, kw: a.std(**kw, correction=0),
    "logsumexp": lambda a, kw: a.logsumexp(**{**kw, "dim": kw.get("dim", tuple(range(a.ndim)) or 0)}),
}


@SETTINGS
@given(case=shape_dims_keepdim(), name=st.sampled_from(sorted(REDUCTIONS)), seed=st.integers(0, 2**16))
def test_reductions_match_torch(case, name, seed):
    shape, dims, keepdim = case
    kw = _dim_kwargs(dims, keepdim)
    _values_and_gradients(lambda a: REDUCTIONS[name](a, kw), _values(shape, "float64", seed), seed)


@SETTINGS
@given(
    case=shape_dims_keepdim(min_side=1),
    name=st.sampled_from(["amax", "amin"]),
    seed=st.integers(0, 2**16),
    ties=st.booleans(),
)
def test_amax_and_amin_match_torch_ties_included(case, name, seed, ties):
    shape, dims, keepdim = case
    data = np.round(_values(shape, "float64", seed)) if ties else _values(shape, "float64", seed)
    _values_and_gradients(lambda a: getattr(a, name)(**_dim_kwargs(dims, keepdim)), data, seed)


@SETTINGS
@given(case=shape_dims_keepdim(single=True), seed=st.integers(0, 2**16))
def test_prod_matches_torch_zeros_included(case, seed):
    shape, dim, keepdim = case
    data = np.round(_values(shape, "float64", seed))  # about a third of the elements are zero
    _values_and_gradients(lambda a: a.prod(dim, keepdim=keepdim), data, seed)


@SETTINGS
@given(
    case=shape_dims_keepdim(),
    dtype=st.sampled_from(["bool", "uint8", "int8", "int32", "int64", "float32"]),
    name=st.sampled_from(["sum", "nansum", "amax", "amin", "any", "all", "count_nonzero"]),
    seed=st.integers(0, 2**16),
)
def test_reductions_of_every_dtype_match_torch(case, dtype, name, seed):
    shape, dims, keepdim = case
    data = _values(shape, dtype, seed)
    if name in ("amax", "amin") and (data.size == 0 or dtype == "bool"):
        return  # no value over nothing; PyTorch's amax does not take bool
    kw = {} if dims is None else {"dim": dims} if name == "count_nonzero" else _dim_kwargs(dims, keepdim)
    _same(
        getattr(ds.Tensor(data), name)(**kw),
        getattr(torch.from_numpy(data), name)(**kw),
        rtol=2e-6,
        atol=1e-5,
    )


@SETTINGS
@given(
    case=shape_dims_keepdim(),
    dtype=st.sampled_from(["int32", "int64", "float32"]),
    seed=st.integers(0, 2**16),
)
def test_dtype_arguments_match_torch(case, dtype, seed):
    shape, dims, keepdim = case
    data = _values(shape, dtype, seed)
    kw = _dim_kwargs(dims, keepdim)
    _same(ds.Tensor(data).sum(**kw, dtype=ds.float64), torch.from_numpy(data).sum(**kw, dtype=torch.float64))
    _same(
        ds.Tensor(data).mean(**kw, dtype=ds.float64), torch.from_numpy(data).mean(**kw, dtype=torch.float64)
    )


ALONG_A_DIM = {
    "max": lambda a, d, k: a.max(d, keepdim=k),
    "min": lambda a, d, k: a.min(d, keepdim=k),
    "median": lambda a, d, k: a.median(d, keepdim=k),
    "nanmedian": lambda a, d, k: a.nanmedian(d, keepdim=k),
    "kthvalue": lambda a, d, k: a.kthvalue(max(a.shape[d] // 2, 1) if a.ndim else 1, d, keepdim=k),
    "sort": lambda a, d, k: a.sort(d, descending=k),
    "topk": lambda a, d, k: a.topk((a.shape[d] + 1) // 2 if a.ndim else 1, d, largest=k),
    "cummax": lambda a, d, k: a.cummax(d),
    "cummin": lambda a, d, k: a.cummin(d),
}


@SETTINGS
@given(
    case=shape_dims_keepdim(min_side=1, single=True),
    name=st.sampled_from(sorted(ALONG_A_DIM)),
    seed=st.integers(0, 2**16),
)
def test_values_and_indices_along_a_dim_match_torch(case, name, seed):
    shape, dim, flag = case
    fn = ALONG_A_DIM[name]
    _values_and_gradients(lambda a: fn(a, dim, flag), _distinct(shape, seed), seed, pick=lambda out: out[0])


@SETTINGS
@given(
    case=shape_dims_keepdim(min_side=1, single=True),
    name=st.sampled_from(["argmax", "argmin"]),
    seed=st.integers(0, 2**16),
    whole=st.booleans(),
)
def test_argmax_and_argmin_match_torch_ties_included(case, name, seed, whole):
    shape, dim, keepdim = case
    data = _values(shape, "int64", seed)  # values 0…3: many ties, the first one wins
    kw = {"keepdim": keepdim} if whole else {"dim": dim, "keepdim": keepdim}
    _same(getattr(ds.Tensor(data), name)(**kw), getattr(torch.from_numpy(data), name)(**kw))


SCANS = {
    "cumsum": lambda a, d: a.cumsum(d),
    "cumprod": lambda a, d: a.cumprod(d),
    "logcumsumexp": lambda a, d: a.logcumsumexp(d),
}


@SETTINGS
@given(
    case=shape_dims_keepdim(single=True),
    name=st.sampled_from(sorted(SCANS)),
    seed=st.integers(0, 2**16),
    zeros=st.booleans(),
)
def test_scans_match_torch(case, name, seed, zeros):
    shape, dim, _ = case
    data = _values(shape, "float64", seed)
    if zeros:
        data = np.round(data)  # zeros for cumprod's gradient, ties elsewhere
    _values_and_gradients(lambda a: SCANS[name](a, dim), data, seed)


@SETTINGS
@given(
    case=shape_dims_keepdim(single=True),
    dtype=st.sampled_from(["bool", "uint8", "int32", "int64", "float32"]),
    seed=st.integers(0, 2**16),
)
def test_scans_and_sorts_of_every_dtype_match_torch(case, dtype, seed):
    shape, dim, descending = case
    data = _values(shape, dtype, seed)
    for fn in (
        lambda a: a.cumsum(dim),
        lambda a: a.cumprod(dim),
        lambda a: a.cummax(dim).indices,
        lambda a: a.sort(dim=dim, descending=descending, stable=True).indices,
        lambda a: a.argsort(dim=dim, descending=descending, stable=True),
    ):
        _same(fn(ds.Tensor(data)), fn(torch.from_numpy(data)), rtol=2e-6, atol=1e-5)
