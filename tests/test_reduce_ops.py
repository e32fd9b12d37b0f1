"""Reductions and order statistics against PyTorch where the op catalogue can't look: namedtuple
returns, gradients on ties, NaN, empty and 0-d tensors, dtypes, and the exception types."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds

NAN, INF = float("nan"), float("inf")

# torch warns where n − correction ≤ 0; those values (inf, NaN) are what the tests compare
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")


def _pair(torch, data, requires_grad=True):
    """The same float64 data as a deepstep and a torch leaf."""
    data = np.asarray(data, dtype=np.float64)
    return ds.Tensor(data, requires_grad=requires_grad), torch.tensor(data, requires_grad=requires_grad)


def _same(ours, theirs):
    """Equal values, shape and dtype (NaN equal to NaN)."""
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


def _grads(torch, fn, data, upstream_seed=0):
    """fn's value and input gradient, in deepstep and in torch."""
    x, t = _pair(torch, data)
    out, ref = fn(x), fn(t)
    _same(out, ref)
    upstream = np.random.default_rng(upstream_seed).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    return x.grad.numpy(), t.grad.numpy()


def _raises_like_torch(torch, fn, data):
    """fn raises in torch; deepstep raises an exception of the same type."""
    with pytest.raises(Exception) as theirs:
        fn(torch.tensor(np.asarray(data)))
    with pytest.raises(type(theirs.value)):
        fn(ds.Tensor(np.asarray(data)))


# ----- (values, indices) --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min", "median", "nanmedian"])
def test_dim_variants_return_values_and_indices(name, torch):
    data = np.random.default_rng(0).permutation(12).reshape(3, 4).astype(np.float64)
    ours = getattr(ds.Tensor(data), name)(dim=1)
    theirs = getattr(torch.tensor(data), name)(dim=1)
    values, indices = ours
    assert isinstance(ours, tuple) and ours.values is values and ours.indices is indices
    _same(values, theirs.values)
    _same(indices, theirs.indices)
    kept = getattr(ds.Tensor(data), name)(1, keepdim=True)
    _same(kept.indices, getattr(torch.tensor(data), name)(1, keepdim=True).indices)


def test_max_without_dim_is_a_value_and_with_a_tensor_is_maximum(torch):
    x, t = _pair(torch, [[1.0, 5.0], [3.0, -2.0]])
    _same(x.max(), t.max())
    _same(x.min(), t.min())
    y, u = _pair(torch, [2.0, 0.0])
    _same(x.max(y), t.max(u))
    _same(x.min(y), t.min(u))
    _same(ds.max(x, y), torch.max(t, u))


def test_aminmax_returns_min_and_max(torch):
    data = np.arange(6.0).reshape(2, 3)
    ours, theirs = (
        ds.aminmax(ds.Tensor(data), dim=-1, keepdim=True),
        torch.aminmax(torch.tensor(data), dim=-1, keepdim=True),
    )
    low, high = ours
    assert low is ours.min and high is ours.max
    _same(ours.min, theirs.min)
    _same(ours.max, theirs.max)


# ----- gradients on ties --------------------------------------------------------------------------
TIES = [[1.0, 3.0, 3.0, 2.0], [0.0, 0.0, -1.0, 0.0]]


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.max(),  # shared among ties
        lambda a: a.min(),
        lambda a: a.amax(),
        lambda a: a.amax(dim=1),
        lambda a: a.amin(dim=(0, 1), keepdim=True),
        lambda a: a.max(dim=1).values,  # to the returned (first) index only
        lambda a: a.min(dim=1).values,
        lambda a: a.median(),  # shared among ties
        lambda a: a.nanmedian(),
        lambda a: a.aminmax().max,
    ],
    ids=[
        "max",
        "min",
        "amax",
        "amax_dim",
        "amin_tuple",
        "max_dim",
        "min_dim",
        "median",
        "nanmedian",
        "aminmax",
    ],
)
def test_gradients_on_ties_are_pytorchs(fn, torch):
    ours, theirs = _grads(torch, fn, TIES)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_max_dim_picks_the_first_of_tied_maxima(torch):
    data = [[1, 3, 3, 2], [7, 7, 7, 7]]
    for name in ("max", "min"):
        _same(getattr(ds.Tensor(data), name)(1).indices, getattr(torch.tensor(data), name)(1).indices)
    _same(ds.Tensor(data).argmax(1), torch.tensor(data).argmax(1))
    _same(ds.Tensor(data).argmin(), torch.tensor(data).argmin())


# ----- NaN ----------------------------------------------------------------------------------------
NANS = [[1.0, NAN, 3.0, NAN], [2.0, 0.5, 1.0, 4.0], [NAN, NAN, NAN, NAN]]


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.max(dim=1).indices,
        lambda a: a.min(dim=1).values,
        lambda a: a.argmax(1),
        lambda a: a.argmin(),
        lambda a: a.amax(1),
        lambda a: a.median(1).indices,
        lambda a: a.median(),
        lambda a: a.nanmedian(1).values,
        lambda a: a[:2].nanmedian(1).indices,  # a row of NaNs only: PyTorch's index is arbitrary
        lambda a: a.nanmedian(),
        lambda a: a.nansum(1),
        lambda a: a.nanmean(1),
        lambda a: a.sum(0),
        lambda a: a.count_nonzero(1),
        lambda a: a.any(1),
    ],
)
def test_nan_as_in_pytorch(fn, torch):
    _same(fn(ds.Tensor(NANS)), fn(torch.tensor(NANS)))


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.max(),
        lambda a: a.amax(),
        lambda a: a.median(),
        lambda a: a.nansum(),
        lambda a: a.nanmean(1),
    ],
    ids=["max", "amax", "median", "nansum", "nanmean"],
)
def test_gradients_through_nan_are_pytorchs(fn, torch):
    ours, theirs = _grads(torch, fn, NANS[:2])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ----- empty and 0-d ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.sum(0),
        lambda a: a.sum(),
        lambda a: a.prod(0),
        lambda a: a.mean(0),
        lambda a: a.mean(),
        lambda a: a.var(0),
        lambda a: a.std(),
        lambda a: a.logsumexp(0),
        lambda a: a.nansum(0),
        lambda a: a.nanmean(0),
        lambda a: a.any(0),
        lambda a: a.all(),
        lambda a: a.count_nonzero(0),
        lambda a: a.median(),
        lambda a: a.amax(1),  # the reduced dim is not the empty one
        lambda a: a.max(1).indices,
        lambda a: a.argmin(1),
    ],
)
def test_reductions_of_empty_tensors_as_in_pytorch(fn, torch):
    _same(fn(ds.zeros(0, 3)), fn(torch.zeros(0, 3, dtype=torch.float32)))


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.max(),  # RuntimeError: no reduction dim given
        lambda a: a.amin(),
        lambda a: a.max(0),  # IndexError: the reduced dim is empty
        lambda a: a.min(dim=0),
        lambda a: a.amax(0),
        lambda a: a.amin((0, 1)),
        lambda a: a.argmax(),
        lambda a: a.argmin(0),
        lambda a: a.median(0),
        lambda a: a.nanmedian(0),
        lambda a: a.aminmax(),
        lambda a: a.aminmax(dim=0),
    ],
)
def test_extremes_of_nothing_raise_pytorchs_errors(fn, torch):
    _raises_like_torch(torch, fn, np.zeros((0, 3), dtype=np.float32))


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize(
    "name",
    ["sum", "mean", "prod", "amax", "amin", "logsumexp", "nansum", "any", "all", "count_nonzero", "std"],
)
def test_zero_dim_tensors_take_dim_0_and_minus_1(name, dim, torch):
    _same(getattr(ds.Tensor(2.5), name)(dim), getattr(torch.tensor(2.5), name)(dim))
    _raises_like_torch(torch, lambda a: getattr(a, name)(1), 2.5)


@pytest.mark.parametrize("name", ["max", "min", "median", "nanmedian"])
def test_zero_dim_values_and_indices(name, torch):
    ours, theirs = getattr(ds.Tensor(2.5), name)(-1), getattr(torch.tensor(2.5), name)(-1)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)
    _same(ds.Tensor(2.5).argmax(0, keepdim=True), torch.tensor(2.5).argmax(0, keepdim=True))


# ----- dims ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.sum(2),
        lambda a: a.mean((0, -3)),
        lambda a: a.var(dim=5),
        lambda a: a.amax(-3),
        lambda a: a.max(2),
        lambda a: a.argmax(2),
        lambda a: a.median(-3),
        lambda a: a.any(2),
        lambda a: a.count_nonzero(2),
        lambda a: a.logsumexp(2),
        lambda a: a.prod(2),
    ],
)
def test_dims_out_of_range_raise_index_error(fn, torch):
    _raises_like_torch(torch, fn, np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\]"):
        fn(ds.ones(2, 3))


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.max((0, 1)),
        lambda a: a.min(dim=(0,)),
        lambda a: a.argmax((0,)),
        lambda a: a.prod((0, 1)),
        lambda a: a.median((0,)),
        lambda a: a.sum(1.0),
    ],
)
def test_dims_of_the_wrong_type_raise_type_error(fn, torch):
    _raises_like_torch(torch, fn, np.ones((2, 3)))


def test_repeated_dims_are_refused():
    for fn in (lambda a: a.sum((0, 0)), lambda a: a.amax((1, -1)), lambda a: a.any((0, 0))):
        with pytest.raises(ValueError, match="multiple times"):
            fn(ds.ones(2, 3))


def test_numpy_spellings_are_aliases():
    x = ds.Tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(
        x.sum(axis=(0, 2), keepdims=True).numpy(), x.sum(dim=(0, 2), keepdim=True).numpy()
    )
    np.testing.assert_array_equal(x.var(axis=1, ddof=0).numpy(), x.var(1, correction=0).numpy())
    np.testing.assert_array_equal(x.max(axis=1).indices.numpy(), x.max(dim=1).indices.numpy())
    np.testing.assert_array_equal(x.argmax(axis=-1, keepdims=True).numpy(), x.argmax(-1, True).numpy())
    with pytest.raises(TypeError, match="either dim or axis"):
        x.mean(axis=0, dim=1)
    with pytest.raises(TypeError, match="keepdim"):
        x.sum(0, keepdim=True, keepdims=True)


# ----- dtypes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "bool"])
@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.sum(),
        lambda a: a.sum(0, keepdim=True),
        lambda a: a.prod(1),
        lambda a: a.nansum(),
        lambda a: a.amax(0),
        lambda a: a.max(1).values,
        lambda a: a.min(),
        lambda a: a.any(1),
        lambda a: a.all(),
        lambda a: a.count_nonzero(),
    ],
)
def test_integer_and_bool_dtypes_as_in_pytorch(fn, dtype, torch):
    data = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    _same(fn(ds.Tensor(data)), fn(torch.from_numpy(data)))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_order_statistics_keep_their_dtype(dtype, torch):
    data = np.random.default_rng(1).permutation(12).reshape(3, 4).astype(dtype)
    for fn in (
        lambda a: a.median(),
        lambda a: a.median(0).values,
        lambda a: a.argmax(1),
        lambda a: a.argmin(),
    ):
        _same(fn(ds.Tensor(data)), fn(torch.from_numpy(data)))


@pytest.mark.parametrize("name", ["mean", "nanmean", "var", "std", "logsumexp"])
def test_floating_reductions_of_integers_give_the_default_float_dtype(name, torch):
    """PyTorch raises for mean, var and std of integers (and computes logsumexp); deepstep computes."""
    data = np.arange(12).reshape(3, 4)
    ours = getattr(ds.Tensor(data), name)(1)
    theirs = getattr(torch.tensor(data, dtype=torch.get_default_dtype()), name)(1)
    _same(ours, theirs)


def test_dtype_arguments(torch):
    ints = np.arange(12).reshape(3, 4)
    floats = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    cases = [
        (ints, lambda a, d: a.sum(1, dtype=d.float32)),
        (ints, lambda a, d: a.mean(dtype=d.float64)),
        (ints, lambda a, d: a.prod(0, dtype=d.float64)),
        (ints, lambda a, d: a.nansum(dtype=d.float32)),
        (floats, lambda a, d: a.sum(dtype=d.float64)),
        (floats, lambda a, d: a.sum(0, dtype=d.int64)),
        (floats, lambda a, d: a.mean(1, keepdim=True, dtype=d.float64)),
    ]
    for data, fn in cases:
        _same(fn(ds.Tensor(data), ds), fn(torch.from_numpy(data), torch))
    _raises_like_torch(
        torch, lambda a: a.mean(dtype=(ds if isinstance(a, ds.Tensor) else torch).int64), floats
    )


def test_uint8_any_and_all_stay_uint8(torch):
    data = np.array([[0, 2, 0], [1, 1, 0]], dtype=np.uint8)
    for fn in (lambda a: a.any(), lambda a: a.all(1), lambda a: a.any((0, 1), keepdim=True)):
        _same(fn(ds.Tensor(data)), fn(torch.from_numpy(data)))


def test_argmax_of_bool_is_refused_as_in_pytorch(torch):
    _raises_like_torch(torch, lambda a: a.argmax(), np.array([True, False]))


def test_float32_gradients_stay_float32_with_a_float64_dtype():
    x = ds.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = x.sum(1, dtype=np.float64)
    assert out.dtype == np.float64
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_an_integer_dtype_result_is_not_differentiable():
    x = ds.Tensor(np.ones((2, 3)), requires_grad=True)
    out = x.sum(dtype=np.int64)
    assert out.dtype == np.int64 and not out.requires_grad


# ----- var and std --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.var(),
        lambda a: a.var(1),
        lambda a: a.var(0, False),
        lambda a: a.var(False),
        lambda a: a.var(1, True, True),
        lambda a: a.var(dim=(0, 1), unbiased=False, keepdim=True),
        lambda a: a.var(-1, correction=2.5),
        lambda a: a.std(1, correction=0),
        lambda a: a.std(unbiased=True),
        lambda a: a.var(1, correction=4),  # n − c = 0: inf (or nan for constant rows)
        lambda a: a.std(1, correction=7),  # n − c < 0
    ],
)
def test_var_and_std_arguments(fn, torch):
    data = np.array([[1.0, 4.0, 2.0, 8.0], [3.0, 3.0, 3.0, 3.0]])
    _same(fn(ds.Tensor(data)), fn(torch.tensor(data)))


def test_var_mean_and_std_mean_are_tuples(torch):
    data = np.random.default_rng(2).standard_normal((3, 4))
    for name in ("var_mean", "std_mean"):
        ours = getattr(ds, name)(ds.Tensor(data), 1, correction=0, keepdim=True)
        theirs = getattr(torch, name)(torch.tensor(data), 1, correction=0, keepdim=True)
        assert type(ours) is tuple and len(ours) == 2
        for mine, oracle in zip(ours, theirs, strict=True):
            _same(mine, oracle)


def test_var_refuses_two_corrections(torch):
    _raises_like_torch(torch, lambda a: a.var(0, unbiased=False, correction=0), np.ones((2, 3)))
    with pytest.raises(TypeError, match="only one"):
        ds.ones(2, 3).var(ddof=0, correction=1)


@pytest.mark.parametrize(
    "fn, data",
    [
        (lambda a: a.std(), [2.0, 2.0, 2.0]),  # σ = 0: PyTorch's gradient is 0, not NaN
        (lambda a: a.std(1, correction=0), [[1.0, 1.0], [1.0, 3.0]]),
        (lambda a: a.var(), [2.0]),  # n − c = 0: NaN
        (lambda a: a.var(1, correction=2), [[1.0, 2.0], [0.0, 5.0]]),  # ±inf
    ],
)
def test_var_and_std_gradients_at_the_edges(fn, data, torch):
    ours, theirs = _grads(torch, fn, data)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ----- prod with zeros ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        [[2.0, 0.0, 3.0], [1.5, -2.0, 4.0]],  # one zero in a row
        [[0.0, 0.0, 3.0], [0.0, 2.0, 4.0]],  # two zeros, and one
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]],
    ],
)
@pytest.mark.parametrize("fn", [lambda a: a.prod(1), lambda a: a.prod(), lambda a: a.prod(0, keepdim=True)])
def test_prod_gradient_with_zeros_is_pytorchs(data, fn, torch):
    ours, theirs = _grads(torch, fn, data)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ds.gradcheck(fn, np.array(data))


# ----- logsumexp ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [[[-INF, -INF], [1.0, 2.0]], [[INF, 1.0], [-INF, 0.0]], [[1e4, -1e4], [-1e4, -1e4]]],
    ids=["minus_inf_row", "inf", "extreme"],
)
def test_logsumexp_at_the_edges(data, torch):
    ours, theirs = _grads(torch, lambda a: a.logsumexp(1), data)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_logsumexp_of_all_dims_when_no_dim_is_given(torch):
    data = np.random.default_rng(3).standard_normal((2, 3))
    _same(ds.Tensor(data).logsumexp(), torch.tensor(data).logsumexp((0, 1)))


# ----- the version counter: ops that read their input refuse it overwritten -----------------------
@pytest.mark.parametrize(
    "fn", [lambda a: a.prod(), lambda a: a.amax(0), lambda a: a.logsumexp(1), lambda a: a.median()]
)
def test_reading_ops_refuse_an_input_modified_in_place(fn):
    x = ds.Tensor(np.random.default_rng(4).standard_normal((3, 4)), requires_grad=True)
    y = x * 1
    out = fn(y)
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_sum_and_mean_do_not_read_their_input():
    x = ds.Tensor(np.ones((3, 4)), requires_grad=True)
    y = x * 1
    out = y.sum() + y.mean(0).sum()
    y.add_(1.0)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 + 1 / 3)
