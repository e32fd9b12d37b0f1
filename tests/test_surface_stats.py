"""Statistics and counting against PyTorch beyond the catalogue: exception types, dtypes, NaN and
empty inputs, result types, in-place scans, and hypothesis checks against NumPy's own quantile,
histogram, bincount, searchsorted and diff."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepstep as ds
from torch_oracle import same_error as _same_error


def _dtype(t) -> str:
    return str(t.dtype).removeprefix("torch.")


ERRORS = [
    pytest.param(lambda lib: lib.quantile(lib.ones(3), 1.5), id="quantile_q_range"),
    pytest.param(lambda lib: lib.quantile(lib.ones(3), lib.tensor([[0.5]])), id="quantile_q_2d"),
    pytest.param(
        lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.5], dtype=lib.float64)), id="quantile_q_dtype"
    ),
    pytest.param(lambda lib: lib.quantile(lib.arange(3), 0.5), id="quantile_int"),
    pytest.param(lambda lib: lib.quantile(lib.ones(0), 0.5), id="quantile_empty"),
    pytest.param(
        lambda lib: lib.quantile(lib.ones(3), 0.5, interpolation="foo"), id="quantile_interpolation"
    ),
    pytest.param(lambda lib: lib.quantile(lib.ones(3), 0.5, dim=1), id="quantile_dim"),
    pytest.param(lambda lib: lib.nanquantile(lib.ones(3), -0.1), id="nanquantile_q_range"),
    pytest.param(lambda lib: lib.cov(lib.ones(2, 3, 4)), id="cov_3d"),
    pytest.param(lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.ones(3)), id="cov_fweights_float"),
    pytest.param(
        lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.tensor([1, -1, 1])), id="cov_fweights_negative"
    ),
    pytest.param(
        lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.tensor([1.0, -1.0, 1.0])), id="cov_aweights_negative"
    ),
    pytest.param(lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.ones(4)), id="cov_aweights_size"),
    pytest.param(lambda lib: lib.mode(lib.zeros(0, 3), 0), id="mode_empty_dim"),
    pytest.param(lambda lib: lib.mode(lib.zeros(2, 3), 2), id="mode_dim"),
    pytest.param(lambda lib: lib.diff(lib.tensor(1.0)), id="diff_0d"),
    pytest.param(lambda lib: lib.diff(lib.ones(3), n=-1), id="diff_negative_n"),
    pytest.param(lambda lib: lib.diff(lib.ones(2, 3), prepend=lib.ones(3)), id="diff_prepend_ndim"),
    pytest.param(lambda lib: lib.trapezoid(lib.ones(2, 3), lib.ones(2)), id="trapezoid_x_size"),
    pytest.param(lambda lib: lib.trapezoid(lib.tensor(1.0)), id="trapezoid_0d"),
    pytest.param(lambda lib: lib.histc(lib.arange(3), 4), id="histc_int"),
    pytest.param(lambda lib: lib.histc(lib.ones(3), 0), id="histc_bins"),
    pytest.param(lambda lib: lib.histc(lib.ones(3), 4, min=3, max=1), id="histc_range"),
    pytest.param(lambda lib: lib.histc(lib.tensor([1.0, float("nan")]), 4), id="histc_nan_range"),
    pytest.param(lambda lib: lib.bincount(lib.tensor([-1, 1])), id="bincount_negative"),
    pytest.param(lambda lib: lib.bincount(lib.tensor([[1, 1]])), id="bincount_2d"),
    pytest.param(lambda lib: lib.bincount(lib.tensor([1.0, 1.0])), id="bincount_float"),
    pytest.param(lambda lib: lib.bincount(lib.tensor([1, 1]), minlength=-1), id="bincount_minlength"),
    pytest.param(
        lambda lib: lib.searchsorted(lib.tensor([1, 3]), 2, side="left", right=True), id="searchsorted_sides"
    ),
    pytest.param(lambda lib: lib.searchsorted(lib.tensor([1, 3]), 2, side="middle"), id="searchsorted_side"),
    pytest.param(
        lambda lib: lib.searchsorted(lib.tensor([[1, 3, 5, 7]]), lib.tensor([[3, 6, 9], [3, 6, 9]])),
        id="searchsorted_rows",
    ),
    pytest.param(lambda lib: lib.bucketize(lib.tensor([1, 2]), lib.tensor([[1, 3]])), id="bucketize_2d"),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_have_torch_types(call, torch):
    _same_error(lambda: call(ds), lambda: call(torch))


def test_mode_returns_values_and_indices_with_torch_ties(torch):
    data = np.array([[1.0, 2, 2, 3, 3, 0], [5, 5, 1, 1, 7, 7], [3, np.nan, np.nan, 1, 4, 4]])
    ours, theirs = ds.mode(ds.tensor(data), 1), torch.mode(torch.tensor(data), 1)
    values, indices = ours
    np.testing.assert_array_equal(values.data, theirs.values.numpy())
    np.testing.assert_array_equal(indices.data, theirs.indices.numpy())
    assert indices.dtype == np.int64
    scalar = ds.tensor(5.0).mode()
    assert scalar.values.item() == 5.0 and scalar.indices.item() == 0


def test_quantile_with_nan_and_nanquantile_of_all_nan_slices(torch):
    data = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4, [4.0, 1.0, 2.0, 3.0]])
    for fn in ("quantile", "nanquantile"):
        for q in (0.0, 0.3, 1.0):
            ours = getattr(ds, fn)(ds.tensor(data), q, dim=1)
            theirs = getattr(torch, fn)(torch.tensor(data), q, dim=1)
            np.testing.assert_allclose(ours.data, theirs.numpy(), equal_nan=True)


def test_bincount_and_histc_dtypes(torch):
    index = np.array([0, 1, 1, 3])
    for weights in (
        None,
        np.array([0.5, 1, 1, 2], np.float32),
        np.array([1.0, 2, 3, 4]),
        np.array([1, 1, 1, 2]),
    ):
        ours = ds.bincount(ds.tensor(index), None if weights is None else ds.tensor(weights))
        theirs = torch.bincount(torch.tensor(index), None if weights is None else torch.tensor(weights))
        assert str(ours.dtype) == _dtype(theirs)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    empty = ds.bincount(ds.tensor(np.zeros(0, np.int64)), minlength=3)
    assert empty.shape == (3,) and empty.dtype == np.int64
    for dtype in (np.float32, np.float64):
        x = np.array([1.0, 1.0, 1.0], dtype)
        np.testing.assert_array_equal(ds.histc(ds.tensor(x), 4).data, torch.histc(torch.tensor(x), 4).numpy())


def test_searchsorted_with_sorter_scalars_and_int32(torch):
    sequence, sorter = np.array([7, 3, 1, 5]), np.array([2, 1, 3, 0])
    ours = ds.searchsorted(ds.tensor(sequence), ds.tensor([4, 8]), sorter=ds.tensor(sorter))
    theirs = torch.searchsorted(torch.tensor(sequence), torch.tensor([4, 8]), sorter=torch.tensor(sorter))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    scalar = ds.searchsorted(ds.tensor([1, 3, 5, 7]), 5, side="right", out_int32=True)
    reference = torch.searchsorted(torch.tensor([1, 3, 5, 7]), 5, side="right", out_int32=True)
    assert scalar.shape == () and scalar.item() == reference.item() and scalar.dtype == np.int32
    assert (
        ds.bucketize(5, ds.tensor([1, 3, 5, 7])).item()
        == torch.bucketize(5, torch.tensor([1, 3, 5, 7])).item()
    )


def test_unique_consecutive_returns(torch):
    data = np.array([[1, 1], [1, 1], [2, 3], [2, 3], [1, 1]])
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True}, {"return_inverse": True, "dim": 0}):
        ours = ds.unique_consecutive(ds.tensor(data), **kwargs)
        theirs = torch.unique_consecutive(torch.tensor(data), **kwargs)
        ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a.data, b.numpy())


def test_cov_and_corrcoef_of_constant_rows_and_single_observations(torch):
    for data in (np.ones((2, 3)), np.array([[1.0, 2.0, 4.0]]), np.array([[3.0], [1.0]])):
        np.testing.assert_allclose(
            ds.cov(ds.tensor(data)).data, torch.cov(torch.tensor(data)).numpy(), equal_nan=True
        )
        np.testing.assert_allclose(
            ds.corrcoef(ds.tensor(data)).data, torch.corrcoef(torch.tensor(data)).numpy(), equal_nan=True
        )


def test_in_place_scans(torch):
    data = np.random.default_rng(0).standard_normal((3, 4))
    for name in ("cumsum_", "cumprod_"):
        ours, theirs = ds.tensor(data.copy()), torch.tensor(data.copy())
        assert getattr(ours, name)(1) is ours
        getattr(theirs, name)(1)
        np.testing.assert_allclose(ours.data, theirs.numpy())
        assert ours._version == theirs._version
        leaf, leaf_t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        _same_error(lambda n=name, x=leaf: getattr(x, n)(0), lambda n=name, x=leaf_t: getattr(x, n)(0))


_FLOATS = st.floats(-100, 100, allow_nan=False, width=64)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 30), elements=_FLOATS),
    st.floats(0, 1),
    st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]),
)
def test_quantile_equals_numpy(values, q, method):
    ours = ds.quantile(ds.tensor(values), q, interpolation=method).item()
    np.testing.assert_allclose(ours, np.quantile(values, q, method=method), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 40), elements=st.integers(0, 20)), st.integers(0, 25))
def test_bincount_counts_and_histc_keeps_every_element(values, minlength):
    counts = ds.bincount(ds.tensor(values), minlength=minlength).data
    np.testing.assert_array_equal(counts, np.bincount(values, minlength=minlength))
    if values.size:
        histogram = ds.histc(ds.tensor(values.astype(np.float64)), bins=7).data
        assert histogram.sum() == values.size


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 20), elements=_FLOATS),
    hnp.arrays(np.float64, st.integers(0, 20), elements=_FLOATS),
    st.booleans(),
)
def test_searchsorted_equals_numpy(sequence, values, right):
    sequence = np.sort(sequence)
    ours = ds.searchsorted(ds.tensor(sequence), ds.tensor(values), right=right).data
    np.testing.assert_array_equal(ours, np.searchsorted(sequence, values, side="right" if right else "left"))


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=_FLOATS),
    st.integers(0, 3),
)
def test_diff_equals_numpy(values, n):
    np.testing.assert_allclose(
        ds.diff(ds.tensor(values), n=n).data, np.diff(values, n=n), rtol=1e-12, atol=1e-9
    )
