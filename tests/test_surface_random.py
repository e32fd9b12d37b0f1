"""The in-place random fills (random_, exponential_, geometric_, log_normal_, cauchy_) and
torch.poisson: PyTorch's ranges, dtypes and exception types; the laws checked on many samples
(means, quantiles) with bounds a wrong sampler cannot meet; seeds that repeat; zero gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepstep as ds
from torch_oracle import same_error as _same_error

N = 200_000


@pytest.mark.parametrize(
    "dtype, high",
    [
        ("float32", 2**24),
        ("float64", 2**53),
        ("float16", 2**11),
        ("int32", 2**31 - 1),
        ("uint8", 255),
        ("bool", 1),
    ],
)
def test_random_fills_the_range_of_the_dtype(dtype, high, torch):
    ours = ds.empty(N, dtype=dtype).random_(seed=0).data.astype(np.float64)
    assert ours.min() >= 0 and ours.max() <= high
    assert abs(ours.mean() / high - 0.5) < 0.01  # uniform over [0, high]
    theirs = torch.empty(5, dtype=getattr(torch, dtype)).random_()
    assert str(theirs.dtype).removeprefix("torch.") == dtype


def test_random_with_bounds(torch):
    assert set(np.unique(ds.empty(N).random_(10, seed=1).data)) == set(range(10))
    assert set(np.unique(ds.empty(N).random_(-3, 3, seed=1).data)) == set(range(-3, 3))
    low = ds.empty(1000, dtype=np.int64).random_(**{"from": 5}, seed=2).data
    assert low.min() >= 5
    a, b = ds.empty(100).random_(7, seed=3).data, ds.empty(100).random_(7, seed=3).data
    np.testing.assert_array_equal(a, b)


def test_continuous_laws():
    exponential = ds.empty(N, dtype=np.float64).exponential_(2.0, seed=0).data
    assert (
        exponential.min() >= 0
        and abs(exponential.mean() - 0.5) < 0.005
        and abs(exponential.std() - 0.5) < 0.005
    )
    log_normal = ds.empty(N, dtype=np.float64).log_normal_(1.0, 0.5, seed=1).data
    np.testing.assert_allclose([np.log(log_normal).mean(), np.log(log_normal).std()], [1.0, 0.5], atol=0.005)
    cauchy = ds.empty(N, dtype=np.float64).cauchy_(1.0, 2.0, seed=2).data
    np.testing.assert_allclose(np.quantile(cauchy, [0.25, 0.5, 0.75]), [-1.0, 1.0, 3.0], atol=0.05)
    geometric = ds.empty(N, dtype=np.int64).geometric_(0.25, seed=3).data
    assert geometric.min() == 1 and abs(geometric.mean() - 4.0) < 0.05
    assert ds.empty(3).exponential_(seed=0).dtype == np.float32


def test_poisson_draws_and_has_a_zero_gradient(torch):
    rates = ds.tensor(np.full(N, 3.5), requires_grad=True)
    draws = ds.poisson(rates, seed=0)
    assert (
        draws.dtype == np.float64
        and abs(draws.data.mean() - 3.5) < 0.02
        and abs(draws.data.var() - 3.5) < 0.05
    )
    draws.sum().backward()
    assert not rates.grad.data.any()
    np.testing.assert_array_equal(ds.poisson(ds.zeros(4)).data, np.zeros(4))
    reference = torch.tensor([1.0, 5.0], requires_grad=True)
    torch.poisson(reference).sum().backward()
    np.testing.assert_array_equal(reference.grad.numpy(), np.zeros(2))


ERRORS = [
    pytest.param(lambda lib: lib.empty(5).random_(3, 2), id="random_from_to"),
    pytest.param(lambda lib: lib.empty(5, dtype=lib.int8).random_(0, 300), id="random_out_of_dtype"),
    pytest.param(lambda lib: lib.empty(5).exponential_(-2.0), id="exponential_lambda"),
    pytest.param(lambda lib: lib.empty(5, dtype=lib.int64).exponential_(), id="exponential_int"),
    pytest.param(lambda lib: lib.empty(5).geometric_(0.0), id="geometric_p0"),
    pytest.param(lambda lib: lib.empty(5).geometric_(1.5), id="geometric_p"),
    pytest.param(lambda lib: lib.empty(5).log_normal_(0, -1), id="log_normal_std"),
    pytest.param(lambda lib: lib.empty(5, dtype=lib.int64).log_normal_(), id="log_normal_int"),
    pytest.param(lambda lib: lib.empty(5).cauchy_(1.0, -1.0), id="cauchy_sigma"),
    pytest.param(lambda lib: lib.empty(5, dtype=lib.int64).cauchy_(), id="cauchy_int"),
    pytest.param(lambda lib: lib.poisson(lib.tensor([-1.0])), id="poisson_negative"),
    pytest.param(lambda lib: lib.poisson(lib.tensor([1, 2])), id="poisson_int"),
    pytest.param(lambda lib: lib.ones(3, requires_grad=True).exponential_(), id="fill_leaf"),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_have_torch_types(call, torch):
    _same_error(lambda: call(ds), lambda: call(torch))


def test_a_fill_in_the_graph_cuts_the_old_values_off(torch):
    x = ds.ones(3, requires_grad=True)
    y = x * 2
    y.cauchy_(seed=0)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))
    assert math.isfinite(y.data.sum())
