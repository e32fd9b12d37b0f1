"""Random sampling: shapes, dtypes and errors as torch's; distributions checked by their moments and
frequencies on many draws with fixed seeds (bounds of 5 standard errors); reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds

N = 200_000  # draws for the statistical checks


def name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def like_torch(ours, theirs) -> None:
    """Same shape and dtype (the values are random)."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert name(ours.dtype) == name(theirs.dtype)


def raises_as_torch(torch_call, our_call) -> None:
    with pytest.raises(Exception) as theirs:
        torch_call()
    expected = RuntimeError if theirs.type is NotImplementedError else theirs.type
    with pytest.raises(expected):
        our_call()


def assert_mean(samples: np.ndarray, mean: float, std: float) -> None:
    """The sample mean within 5 standard errors of the true mean."""
    assert abs(samples.mean() - mean) < 5 * std / np.sqrt(samples.size)


def assert_frequencies(counts: np.ndarray, probabilities: np.ndarray) -> None:
    """Each observed frequency within 5 standard errors of its probability."""
    n = counts.sum()
    error = np.sqrt(probabilities * (1 - probabilities) / n)
    assert np.all(np.abs(counts / n - probabilities) <= 5 * error + 1e-12), (counts / n, probabilities)


# ----- uniform and normal -----------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_shapes_and_dtypes(fn, torch):
    ours, theirs = getattr(ds, fn), getattr(torch, fn)
    for args, kwargs in [((2, 3), {}), (((2, 3),), {}), ((), {"size": (4,)}), ((0, 2), {})]:
        like_torch(ours(*args, **kwargs, seed=0), theirs(*args, **kwargs))
    for dtype in ("float16", "float32", "float64"):
        like_torch(ours(3, dtype=dtype, seed=0), theirs(3, dtype=getattr(torch, dtype)))
    assert ours(2, requires_grad=True, seed=0).requires_grad
    raises_as_torch(lambda: theirs(2, dtype=torch.int64), lambda: ours(2, dtype=ds.int64, seed=0))
    raises_as_torch(lambda: theirs(-1), lambda: ours(-1, seed=0))
    raises_as_torch(lambda: theirs(2, device="cuda"), lambda: ours(2, device="cuda", seed=0))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_rand_is_uniform_on_the_half_open_interval(dtype):
    x = ds.rand(N, dtype=dtype, seed=1).numpy()
    assert x.dtype == dtype and x.min() >= 0 and x.max() < 1
    assert_mean(x.astype(np.float64), 0.5, np.sqrt(1 / 12))
    assert abs(x.astype(np.float64).var() - 1 / 12) < 5 * np.sqrt(1 / 180 / N)  # Var of (u − ½)² is 1/180
    counts = np.histogram(x, bins=10, range=(0, 1))[0]
    assert_frequencies(counts, np.full(10, 0.1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_randn_is_standard_normal(dtype):
    x = ds.randn(N, dtype=dtype, seed=2).numpy().astype(np.float64)
    assert_mean(x, 0.0, 1.0)
    assert abs(x.var() - 1) < 5 * np.sqrt(2 / N)
    assert_frequencies(
        np.array([(x < -1).sum(), (np.abs(x) <= 1).sum(), (x > 1).sum()]),
        np.array([0.15866, 0.68269, 0.15866]),
    )


def test_like_functions(torch):
    for dtype in ("float16", "float64"):
        x, t = ds.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, dtype))
        like_torch(ds.rand_like(x, seed=0), torch.rand_like(t))
        like_torch(ds.randn_like(x, seed=0), torch.randn_like(t))
        like_torch(ds.rand_like(x, dtype=ds.float32, seed=0), torch.rand_like(t, dtype=torch.float32))
    ints, torch_ints = ds.zeros(2, dtype=np.int64), torch.zeros(2, dtype=torch.int64)
    raises_as_torch(lambda: torch.rand_like(torch_ints), lambda: ds.rand_like(ints, seed=0))
    raises_as_torch(lambda: torch.randn_like(torch_ints), lambda: ds.randn_like(ints, seed=0))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: ((m.zeros(2, 1), m.ones(3)), {}),
        lambda m: ((m.zeros(2, dtype=m.float64), 1.0), {}),
        lambda m: ((0.0, m.ones(2, dtype=m.float64)), {}),
        lambda m: ((0.0, 1.0, (2, 3)), {}),
        lambda m: ((0.0, 1.0), {"size": (4,), "dtype": m.float64}),
        lambda m: ((m.zeros(3), m.ones(3)), {}),
    ],
)
def test_normal_shapes_and_dtypes(make, torch):
    args, kwargs = make(ds)
    theirs_args, theirs_kwargs = make(torch)
    like_torch(ds.normal(*args, **kwargs, seed=0), torch.normal(*theirs_args, **theirs_kwargs))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.normal(0.0, 1.0),
        lambda m: m.normal(m.zeros(2), m.ones(2), (3,)),
        lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0),
        lambda m: m.normal(m.zeros(2), -m.ones(2)),
        lambda m: m.normal(0.0, -1.0, (2,)),
    ],
)
def test_normal_errors(call, torch):
    raises_as_torch(lambda: call(torch), lambda: call(ds))


def test_normal_moments_with_broadcast_parameters():
    mean = ds.tensor([[-3.0], [0.0], [5.0]], dtype=np.float64)
    std = ds.tensor([0.5, 1.0, 2.0, 4.0], dtype=np.float64)
    draws = np.stack([ds.normal(mean, std, seed=seed).numpy() for seed in range(2000)])
    assert draws.shape == (2000, 3, 4)
    expected_std = np.broadcast_to(std.numpy(), (3, 4))
    error = expected_std / np.sqrt(2000)
    assert np.all(np.abs(draws.mean(0) - mean.numpy()) < 5 * error)
    assert np.all(np.abs(draws.std(0) / expected_std - 1) < 5 * np.sqrt(1 / (2 * 2000)))
    x = ds.normal(2.0, 3.0, size=(N,), seed=3).numpy().astype(np.float64)
    assert_mean(x, 2.0, 3.0)
    assert abs(x.std() / 3 - 1) < 5 * np.sqrt(1 / (2 * N))


# ----- integers and permutations ----------------------------------------------------------------
def test_randint_shapes_dtypes_and_range(torch):
    like_torch(ds.randint(10, (2, 3), seed=0), torch.randint(10, (2, 3)))
    like_torch(ds.randint(-5, 5, (4,), seed=0), torch.randint(-5, 5, (4,)))
    like_torch(ds.randint(0, 3, size=(2,), seed=0), torch.randint(0, 3, size=(2,)))
    like_torch(ds.randint(3, (2,), dtype=ds.float32, seed=0), torch.randint(3, (2,), dtype=torch.float32))
    like_torch(
        ds.randint(0, 255, (2,), dtype=ds.uint8, seed=0), torch.randint(0, 255, (2,), dtype=torch.uint8)
    )
    x = ds.randint(-3, 4, (N,), seed=4).numpy()
    assert x.min() == -3 and x.max() == 3
    assert_frequencies(np.bincount(x + 3), np.full(7, 1 / 7))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.randint(5, 5, (2,)),
        lambda m: m.randint(3.5, (2,)),
        lambda m: m.randint(-2, 3, (2,), dtype=m.uint8),
        lambda m: m.randint(0, 300, (2,), dtype=m.uint8),
        lambda m: m.randint(3, (-1,)),
    ],
)
def test_randint_errors(call, torch):
    raises_as_torch(lambda: call(torch), lambda: call(ds))


def test_randint_like_keeps_the_dtype(torch):
    for dtype in ("float32", "int32", "int64"):
        x, t = ds.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, dtype))
        like_torch(ds.randint_like(x, 10, seed=0), torch.randint_like(t, 10))
        like_torch(ds.randint_like(x, 2, 10, seed=0), torch.randint_like(t, 2, 10))
    values = ds.randint_like(ds.zeros(1000), 2, 5, seed=0).numpy()
    assert set(values.tolist()) == {2.0, 3.0, 4.0}


def test_randperm(torch):
    like_torch(ds.randperm(5, seed=0), torch.randperm(5))
    like_torch(ds.randperm(5, dtype=ds.float32, seed=0), torch.randperm(5, dtype=torch.float32))
    like_torch(ds.randperm(0, seed=0), torch.randperm(0))
    raises_as_torch(lambda: torch.randperm(-1), lambda: ds.randperm(-1, seed=0))
    rng = np.random.default_rng(5)
    firsts = np.array([ds.randperm(4, seed=rng).numpy() for _ in range(20_000)])
    assert np.all(np.sort(firsts, axis=1) == np.arange(4))
    for position in range(4):  # every value equally likely at every position
        assert_frequencies(np.bincount(firsts[:, position], minlength=4), np.full(4, 0.25))


# ----- Bernoulli --------------------------------------------------------------------------------
def test_bernoulli(torch):
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    probabilities = ds.tensor(np.tile(p, (N // 5, 1)), dtype=np.float64)
    x = ds.bernoulli(probabilities, seed=6)
    like_torch(x, torch.bernoulli(torch.tensor(probabilities.numpy())))
    assert set(np.unique(x.numpy()).tolist()) <= {0.0, 1.0}
    ones = x.numpy().sum(axis=0).astype(np.int64)
    assert ones[0] == 0 and ones[-1] == N // 5
    for count, probability in zip(ones[1:4], p[1:4], strict=True):
        assert_frequencies(np.array([count, N // 5 - count]), np.array([probability, 1 - probability]))
    y = ds.bernoulli(ds.zeros(N), 0.3, seed=7)
    like_torch(y, torch.bernoulli(torch.zeros(N), 0.3))
    assert_frequencies(np.array([y.numpy().sum(), N - y.numpy().sum()]), np.array([0.3, 0.7]))
    assert ds.zeros(3).bernoulli(seed=0).shape == (3,)  # as a method
    raises_as_torch(
        lambda: torch.bernoulli(torch.tensor([1.5])), lambda: ds.bernoulli(ds.tensor([1.5]), seed=0)
    )
    raises_as_torch(
        lambda: torch.bernoulli(torch.zeros(3, dtype=torch.int64)),
        lambda: ds.bernoulli(ds.zeros(3, dtype=ds.int64)),
    )


# ----- multinomial ------------------------------------------------------------------------------
WEIGHTS = np.array([0.0, 1.0, 2.0, 0.0, 5.0, 2.0])


def test_multinomial_shapes_and_dtypes(torch):
    for weights in (WEIGHTS, np.stack([WEIGHTS, WEIGHTS[::-1]])):
        for replacement, n in ((True, 10), (False, 3)):
            ours = ds.multinomial(ds.tensor(weights), n, replacement, seed=0)
            like_torch(ours, torch.multinomial(torch.tensor(weights), n, replacement))
    like_torch(ds.multinomial(ds.ones(0, 3), 1, seed=0), torch.multinomial(torch.ones(0, 3), 1))
    assert ds.ones(4).multinomial(2, seed=0).shape == (2,)  # as a method


def test_multinomial_with_replacement_follows_the_weights():
    rows = np.stack([WEIGHTS, WEIGHTS[::-1], np.ones(6)])
    draws = ds.multinomial(ds.tensor(rows), N // 3, replacement=True, seed=8).numpy()
    for row, weights in zip(draws, rows, strict=True):
        counts = np.bincount(row, minlength=6)
        assert np.all(counts[weights == 0] == 0)
        assert_frequencies(counts, weights / weights.sum())


def test_multinomial_without_replacement_draws_one_at_a_time():
    draws = ds.multinomial(ds.tensor(np.tile(WEIGHTS, (40_000, 1))), 2, seed=9).numpy()
    assert np.all(draws[:, 0] != draws[:, 1])
    p = WEIGHTS / WEIGHTS.sum()
    assert_frequencies(np.bincount(draws[:, 0], minlength=6), p)
    # the second draw: Σᵢ P(first = i) · P(j | i removed)
    second = sum(p[i] * np.where(np.arange(6) == i, 0, p / (1 - p[i])) for i in range(6) if p[i] > 0)
    assert_frequencies(np.bincount(draws[:, 1], minlength=6), second)
    # all categories with a weight drawn before any without: every positive one, in some order
    full = ds.multinomial(ds.tensor(WEIGHTS), 4, seed=10).numpy()
    assert set(full.tolist()) == {1, 2, 4, 5}


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1),
        lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1),
        lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1),
        lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
        lambda m: m.multinomial(m.ones(2, 2, 2), 1),
        lambda m: m.multinomial(m.ones(3), 0),
        lambda m: m.multinomial(m.ones(3), 4),
        lambda m: m.multinomial(m.ones(2, 0), 1),
        lambda m: m.multinomial(m.ones(3, dtype=m.int64), 2),
    ],
)
def test_multinomial_errors(call, torch):
    raises_as_torch(lambda: call(torch), lambda: call(ds))


# ----- in-place fills ---------------------------------------------------------------------------
def test_uniform_and_normal_in_place(torch):
    x = ds.empty(N, dtype=np.float64)
    assert x.uniform_(-2, 3, seed=11) is x and x.dtype == np.float64
    assert x.numpy().min() >= -2 and x.numpy().max() < 3
    assert_mean(x.numpy(), 0.5, 5 / np.sqrt(12))
    assert x.normal_(1.0, 2.0, seed=12) is x
    assert_mean(x.numpy(), 1.0, 2.0)
    assert abs(x.numpy().std() / 2 - 1) < 5 * np.sqrt(1 / (2 * N))
    y = ds.zeros(N, dtype=np.float32)
    assert y.bernoulli_(0.25, seed=13) is y and y.dtype == np.float32
    assert_frequencies(np.array([y.numpy().sum(), N - y.numpy().sum()]), np.array([0.25, 0.75]))
    raises_as_torch(lambda: torch.zeros(2).uniform_(1, 0), lambda: ds.zeros(2).uniform_(1, 0))
    raises_as_torch(lambda: torch.zeros(2).normal_(0, -1), lambda: ds.zeros(2).normal_(0, -1))
    leaf, torch_leaf = ds.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    raises_as_torch(torch_leaf.uniform_, leaf.uniform_)
    with ds.no_grad():
        leaf.normal_(seed=0)  # initialising a parameter
    assert leaf.is_leaf and leaf.requires_grad and np.all(leaf.numpy() != 0)


# ----- reproducibility and dtypes ---------------------------------------------------------------
DRAWS = [
    lambda **k: ds.rand(5, **k),
    lambda **k: ds.randn(5, **k),
    lambda **k: ds.randint(0, 100, (5,), **k),
    lambda **k: ds.randperm(10, **k),
    lambda **k: ds.normal(ds.zeros(5), 1.0, **k),
    lambda **k: ds.bernoulli(ds.full((20,), 0.5), **k),
    lambda **k: ds.multinomial(ds.ones(10), 5, **k),
    lambda **k: ds.multinomial(ds.ones(10), 5, True, **k),
    lambda **k: ds.rand_like(ds.zeros(5), **k),
    lambda **k: ds.randn_like(ds.zeros(5), **k),
    lambda **k: ds.randint_like(ds.zeros(5), 100, **k),
    lambda **k: ds.zeros(5).uniform_(**k),
    lambda **k: ds.zeros(5).normal_(**k),
]


@pytest.mark.parametrize("draw", DRAWS)
def test_seeds_make_draws_reproducible(draw):
    np.testing.assert_array_equal(draw(seed=3).numpy(), draw(seed=3).numpy())
    assert not np.array_equal(draw(seed=3).numpy(), draw(seed=4).numpy())
    first = draw(generator=np.random.default_rng(5)).numpy()
    np.testing.assert_array_equal(first, draw(generator=np.random.default_rng(5)).numpy())
    np.testing.assert_array_equal(first, draw(seed=np.random.default_rng(5)).numpy())
    ds.manual_seed(6)
    a = draw().numpy()
    ds.manual_seed(6)
    np.testing.assert_array_equal(a, draw().numpy())
    with pytest.raises(TypeError, match="either seed or generator"):
        draw(seed=1, generator=np.random.default_rng(1))


def test_float32_stays_float32():
    assert ds.rand(3, seed=0).dtype == np.float32 and ds.randn(3, seed=0).dtype == np.float32
    assert ds.normal(ds.zeros(3), ds.ones(3), seed=0).dtype == np.float32
    assert ds.normal(0.0, 1.0, (3,), seed=0).dtype == np.float32
    assert ds.bernoulli(ds.full((3,), 0.5), seed=0).dtype == np.float32
    assert ds.zeros(3).uniform_(seed=0).dtype == np.float32
    assert ds.zeros(3).normal_(seed=0).dtype == np.float32
    try:
        ds.set_default_dtype(np.float64)
        assert (
            ds.rand(3, seed=0).dtype == np.float64 and ds.normal(0.0, 1.0, (3,), seed=0).dtype == np.float64
        )
    finally:
        ds.set_default_dtype(np.float32)
