"""Sorting and scans against PyTorch beyond the op catalogue: namedtuples, stability and ties, NaN,
0-d and empty tensors, dtypes, errors; the written-out backwards of cumprod (zeros) and
logcumsumexp held to autograd through the composed formula and to PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds

NAN, INF = float("nan"), float("inf")


def _same(ours, theirs):
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


def _grads(torch, fn, data, upstream=None):
    """fn's values (checked equal) and input gradients in deepstep and torch (float64)."""
    data = np.asarray(data, dtype=np.float64)
    x, t = ds.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, ref = fn(x), fn(t)
    _same(out, ref)
    if upstream is None:
        upstream = np.random.default_rng(0).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(np.asarray(upstream, dtype=np.float64)))
    return x.grad.numpy(), t.grad.numpy()


def _raises_like_torch(torch, fn, data):
    with pytest.raises(Exception) as theirs:
        fn(torch.tensor(np.asarray(data)))
    with pytest.raises(type(theirs.value)):
        fn(ds.Tensor(np.asarray(data)))


# ----- sort, argsort, topk, kthvalue --------------------------------------------------------------
@pytest.mark.parametrize(
    "name, call",
    [
        ("sort", lambda a: a.sort(1, descending=True)),
        ("topk", lambda a: a.topk(2, 0)),
        ("kthvalue", lambda a: a.kthvalue(2, 1, True)),
        ("cummax", lambda a: a.cummax(1)),
        ("cummin", lambda a: a.cummin(0)),
    ],
)
def test_values_and_indices(name, call, torch):
    data = np.random.default_rng(0).permutation(12).reshape(3, 4).astype(np.float64)
    ours, theirs = call(ds.Tensor(data)), call(torch.tensor(data))
    values, indices = ours
    assert isinstance(ours, tuple) and ours.values is values and ours.indices is indices
    _same(values, theirs.values)
    _same(indices, theirs.indices)


TIED = [[1.0, 3.0, 3.0, 2.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_tied_elements_in_order_and_routes_gradients_like_torch(descending, torch):
    def fn(a):
        return a.sort(dim=-1, descending=descending, stable=True).values * ds_or_torch(a).arange(6.0)

    def ds_or_torch(a):
        return ds if isinstance(a, ds.Tensor) else torch

    ours, theirs = _grads(torch, fn, TIED)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    for call in (
        lambda a: a.sort(descending=descending, stable=True).indices,
        lambda a: a.argsort(stable=True),
    ):
        _same(call(ds.Tensor(TIED)), call(torch.tensor(TIED)))


NANS = [[1.0, NAN, -INF, 3.0, NAN, INF, 0.0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.sort().values,
        lambda a: a.sort(stable=True).indices,
        lambda a: a.sort(descending=True, stable=True).indices,
        lambda a: a.argsort(descending=True, stable=True),
        lambda a: a.topk(3).values,
        lambda a: a.topk(3, largest=False).indices,
        lambda a: a.kthvalue(6).values,
        lambda a: a.cummax(1).indices,
        lambda a: a.cummin(1).values,
        lambda a: a.cummin(1).indices,
        lambda a: a.cumsum(1),
        lambda a: a.logcumsumexp(1),
    ],
)
def test_nan_and_infinity_sort_as_in_pytorch(call, torch):
    _same(call(ds.Tensor(NANS)), call(torch.tensor(NANS)))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "bool"])
@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.sort(dim=0, stable=True).values,
        lambda a: a.sort(dim=1, descending=True, stable=True).indices,
        lambda a: a.argsort(dim=0, stable=True),
        lambda a: a.cumsum(1),
        lambda a: a.cumprod(0),
        lambda a: a.cummax(1).indices,
        lambda a: a.cummin(0).values,
        lambda a: a.unique(),
    ],
)
def test_integer_and_bool_inputs(call, dtype, torch):
    data = (np.arange(12).reshape(3, 4) * 7 % 5).astype(dtype)
    _same(call(ds.Tensor(data)), call(torch.from_numpy(data)))


def test_descending_sort_of_the_smallest_integer_does_not_overflow(torch):
    data = np.array([0, np.iinfo(np.int64).min, 5, np.iinfo(np.int64).max], dtype=np.int64)
    call = lambda a: a.sort(descending=True)  # noqa: E731
    _same(call(ds.Tensor(data)).values, call(torch.from_numpy(data)).values)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.sort(),
        lambda a: a.topk(1),
        lambda a: a.kthvalue(1, 0),
        lambda a: a.cummax(-1),
        lambda a: a.cummin(0),
    ],
)
def test_zero_dim_tensors(call, torch):
    ours, theirs = call(ds.Tensor(2.5)), call(torch.tensor(2.5))
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.sort(0).values,
        lambda a: a.argsort(1),
        lambda a: a.topk(0, 1).values,
        lambda a: a.cumsum(0),
        lambda a: a.cumprod(1),
        lambda a: a.logcumsumexp(0),
        lambda a: a.cummax(0).indices,
        lambda a: a.unique(),
    ],
)
def test_empty_tensors(call, torch):
    _same(call(ds.zeros(0, 3)), call(torch.zeros(0, 3)))


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.topk(4),  # k > n
        lambda a: a.topk(-1),
        lambda a: a.kthvalue(0),
        lambda a: a.kthvalue(4),
        lambda a: a.sort(2),  # dim out of range: IndexError
        lambda a: a.cumsum(-3),
        lambda a: a.cummax(2),
        lambda a: a.cumsum(),  # dim is required: TypeError
        lambda a: a.cumprod(),
        lambda a: a.logcumsumexp(),
    ],
)
def test_errors_as_in_pytorch(call, torch):
    _raises_like_torch(torch, call, np.ones((2, 3)))


def test_kthvalue_of_an_empty_dim_raises_index_error(torch):
    _raises_like_torch(torch, lambda a: a.kthvalue(1, 0), np.ones((0, 3)))


def test_topk_and_kthvalue_gradients_go_to_the_picked_elements(torch):
    data = np.random.default_rng(1).permutation(20).reshape(4, 5) / 7
    for fn in (lambda a: a.topk(3, 0).values, lambda a: a.kthvalue(2, 1).values, lambda a: a.msort()):
        ours, theirs = _grads(torch, fn, data)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ----- cumulative sum and product -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "bool"])
def test_cumsum_and_cumprod_of_integers_give_int64(dtype, torch):
    data = np.array([[1, 0, 1], [1, 1, 1]], dtype=dtype)
    for call in (lambda a: a.cumsum(1), lambda a: a.cumprod(0)):
        _same(call(ds.Tensor(data)), call(torch.from_numpy(data)))


def test_dtype_arguments_of_scans(torch):
    ints = np.arange(6).reshape(2, 3)
    floats = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    for data, call in [
        (ints, lambda a, d: a.cumsum(1, dtype=d.float32)),
        (ints, lambda a, d: a.cumprod(0, dtype=d.float64)),
        (floats, lambda a, d: a.cumsum(0, dtype=d.float64)),
        (floats, lambda a, d: a.cumsum(0, dtype=d.int64)),
    ]:
        _same(call(ds.Tensor(data), ds), call(torch.from_numpy(data), torch))


@pytest.mark.parametrize(
    "data",
    [
        [[2.0, 0.0, 3.0, 0.5, 5.0]],  # one zero
        [[2.0, 0.0, 3.0, 0.0, 5.0]],  # two zeros
        [[0.0, 1.5, -2.0, 4.0, 1.0]],  # a leading zero
        [[1.0, 2.0, 3.0, 4.0, 0.0]],  # a trailing zero
        [[0.0, 0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 2.0, 0.5, 3.0]],
    ],
)
def test_cumprod_gradient_with_zeros(data, torch):
    ours, theirs = _grads(torch, lambda a: a.cumprod(1), data)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert ds.gradcheck(lambda a: a.cumprod(1), np.array(data))


def test_cumsum_gradient_is_the_reversed_cumulative_sum(torch):
    data = np.random.default_rng(2).standard_normal((3, 4))
    for dim in (0, 1, -1):
        ours, theirs = _grads(torch, lambda a, d=dim: a.cumsum(d), data)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ----- logcumsumexp: the written-out backward against the composed formula ------------------------
def _composed_logcumsumexp(a, dim):
    """ln(cumsum(exp(a))): the definition, differentiated by autograd op by op (the oracle)."""
    return a.exp().cumsum(dim).log()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_backward_equals_the_composed_formula(dim):
    data = np.random.default_rng(3).standard_normal((3, 5))
    upstream = np.random.default_rng(4).standard_normal((3, 5))  # negative parts too
    grads = []
    for fn in (lambda a: a.logcumsumexp(dim), lambda a: _composed_logcumsumexp(a, dim)):
        x = ds.Tensor(data, requires_grad=True)
        out = fn(x)
        out.backward(upstream)
        grads.append((out.numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10)
    assert ds.gradcheck(lambda a: a.logcumsumexp(dim), data)


@pytest.mark.parametrize(
    "data",
    [
        [[1000.0, -1000.0, 1.0, 999.0]],  # exp overflows: the composed formula would give inf
        [[-INF, -INF, 1.0, 2.0]],  # PyTorch's NaN gradient at −inf
        [[-1e4, -1e4, -1e4, -1e4]],
    ],
    ids=["huge", "minus_inf", "tiny"],
)
def test_logcumsumexp_at_the_edges_as_in_pytorch(data, torch):
    ours, theirs = _grads(torch, lambda a: a.logcumsumexp(1), data, upstream=[[1.0, -2.0, 0.5, 0.0]])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert np.isfinite(ours).all() or not np.isfinite(data).all()


def test_logcumsumexp_of_integers_gives_the_default_float(torch):
    data = np.arange(6).reshape(2, 3)
    ours, theirs = ds.Tensor(data).logcumsumexp(1), torch.tensor(data, dtype=torch.float32).logcumsumexp(1)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_float32_stays_float32_through_scans():
    x = ds.Tensor(np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4), requires_grad=True)
    out = x.logcumsumexp(1) + x.cumprod(1) + x.cumsum(0) + x.cummax(1).values + x.sort(0).values
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


# ----- cummax, cummin: ties and NaN ---------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [[[1.0, 3.0, 3.0, 2.0, 5.0, 5.0]], [[3.0, 1.0, 1.0, 2.0, 0.0, 0.0]], [[1.0, NAN, 3.0, NAN, 5.0, 0.0]]],
    ids=["rising_ties", "falling_ties", "nan"],
)
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extremes_with_ties_and_nan(data, name, torch):
    ours, theirs = getattr(ds.Tensor(data), name)(1), getattr(torch.tensor(data), name)(1)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)
    if np.isfinite(data).all():  # one element can be the running extreme of many: gradients add up
        mine, oracle = _grads(torch, lambda a: getattr(a, name)(1).values, data)
        np.testing.assert_allclose(mine, oracle, rtol=1e-12)


# ----- unique -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.unique(),
        lambda a: a.unique(return_inverse=True)[1],
        lambda a: a.unique(return_counts=True)[1],
        lambda a: a.unique(return_inverse=True, return_counts=True)[2],
        lambda a: a.unique(dim=0),
        lambda a: a.unique(dim=1, return_inverse=True)[1],
    ],
)
def test_unique(call, torch):
    data = np.array([[3, 1, 3], [2, 2, 2], [3, 1, 3]])
    _same(call(ds.Tensor(data)), call(torch.from_numpy(data)))


def test_unique_keeps_nans_distinct_and_takes_0d(torch):
    data = np.array([3.0, NAN, 1.0, NAN, 3.0])
    _same(ds.Tensor(data).unique(), torch.tensor(data).unique())
    _same(ds.Tensor(2.0).unique(return_inverse=True)[1], torch.tensor(2.0).unique(return_inverse=True)[1])
