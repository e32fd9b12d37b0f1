"""deepstep.distributions against torch.distributions: values of log_prob, cdf, icdf, entropy, mean,
variance, mode and kl_divergence in float64 (to 1e-11) and their gradients with respect to every
parameter, over broadcast batch shapes; rsample as a function of the noise (rebuilt in torch from
the same ε); sample moments on many draws with fixed seeds (bounds of 6 standard errors); shapes,
reprs, validation errors and expand; a VAE's loss back-propagated to μ and log σ²."""

from __future__ import annotations

import re

import numpy as np
import pytest

import deepstep as ds
from deepstep import distributions as D
from deepstep.distributions.gamma import standard_gamma_grad
from deepstep.special_gamma import regularized_gamma_p

RTOL, ATOL = 1e-11, 1e-12
# Gradients through ψ (digamma) need ψ′: PyTorch's trigamma is good to about 5e-10 relatively (against
# mpmath), deepstep's (SciPy's polygamma) to 2e-16; those gradients are compared to 5e-9.
# (and to 1e-9 absolutely, for gradients that are differences of such terms).
TRIGAMMA_RTOL, TRIGAMMA_ATOL = 5e-8, 1e-9
TRIGAMMA = {"Gamma", "Beta", "Dirichlet"}


# ----- helpers -----------------------------------------------------------------------------------
def ours_and_theirs(torch, params: dict, grad: bool = True) -> tuple[dict, dict]:
    """The same parameters as deepstep and torch tensors (float ones wanting gradients); Python
    numbers stay numbers."""
    ours, theirs = {}, {}
    for k, v in params.items():
        if isinstance(v, np.ndarray):
            wants = grad and v.dtype.kind == "f" and k != "total_count"
            ours[k] = ds.tensor(v, requires_grad=wants)
            theirs[k] = torch.tensor(v, requires_grad=wants)
        else:
            ours[k] = theirs[k] = v
    return ours, theirs


def close(ours, theirs, rtol: float = RTOL, atol: float = ATOL) -> None:
    a = ours.detach().numpy() if isinstance(ours, ds.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(a.dtype) == str(b.dtype), (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def same_grads(ours: dict, theirs: dict, rtol: float = RTOL, atol: float = ATOL) -> None:
    for k, t in theirs.items():
        if hasattr(t, "requires_grad") and t.requires_grad:
            expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            got = np.zeros(t.shape) if ours[k].grad is None else ours[k].grad.numpy()
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=k)


def as_tuples(text: str) -> str:
    """PyTorch's text with its shapes as deepstep writes them: torch.Size([2, 3]) as (2, 3)."""
    return re.sub(
        r"torch\.Size\(\[([^]]*)\]\)", lambda m: str(tuple(int(n) for n in m[1].split(",") if n)), text
    )


def backward_both(torch, ours, theirs, seed: int = 0) -> None:
    """Σ w·out for a fixed random w, back-propagated in both libraries."""
    w = np.random.default_rng(seed).uniform(0.5, 1.5, size=tuple(theirs.shape))
    (ours * ds.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


# ----- the families, with parameters and values of several shapes -----------------------------------
def _pos(rng, shape, low=0.5, high=3.0):
    return rng.uniform(low, high, size=shape)


def _simplex(rng, shape):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def _spd(rng, batch, n):
    a = rng.normal(size=(*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(rng, batch, n):
    low = np.tril(rng.normal(size=(*batch, n, n)), -1)
    return low + np.eye(n) * rng.uniform(0.5, 2.0, size=(*batch, 1, n))


# Each case: (family, parameters from a generator, a value of the support of broadcastable shape)
def _cases():
    cases = []
    shapes = [((), ()), ((3,), (3,)), ((2, 1), (3,)), ((4,), ())]

    def add(name, params, value):
        cases.append(pytest.param(name, params, value, id=f"{name}-{len(cases)}"))

    for a, b in shapes:
        batch = np.broadcast_shapes(a, b)
        add(
            "Normal",
            lambda r, a=a, b=b: {"loc": r.normal(size=a), "scale": _pos(r, b)},
            lambda r, s=batch: r.normal(size=(2, *s)),
        )
        add(
            "Laplace",
            lambda r, a=a, b=b: {"loc": r.normal(size=a), "scale": _pos(r, b)},
            lambda r, s=batch: r.normal(size=(2, *s)),
        )
        add(
            "Uniform",
            lambda r, a=a, b=b: {"low": r.uniform(-2, -1, size=a), "high": r.uniform(1, 2, size=b)},
            lambda r, s=batch: r.uniform(-0.9, 0.9, size=s),
        )
        add(
            "Gamma",
            lambda r, a=a, b=b: {"concentration": _pos(r, a), "rate": _pos(r, b)},
            lambda r, s=batch: _pos(r, (2, *s), 0.1, 4),
        )
        add(
            "Beta",
            lambda r, a=a, b=b: {"concentration1": _pos(r, a), "concentration0": _pos(r, b)},
            lambda r, s=batch: r.uniform(0.05, 0.95, size=s),
        )
        add("Exponential", lambda r, a=a: {"rate": _pos(r, a)}, lambda r, s=a: _pos(r, (3, *s), 0.0, 3))
        add(
            "Poisson",
            lambda r, a=a: {"rate": _pos(r, a)},
            lambda r, s=a: r.integers(0, 6, size=(2, *s)).astype(float),
        )
        add(
            "BernoulliP",
            lambda r, a=a: {"probs": r.uniform(0.05, 0.95, size=a)},
            lambda r, s=a: r.integers(0, 2, size=(2, *s)).astype(float),
        )
        add(
            "BernoulliL",
            lambda r, a=a: {"logits": r.normal(scale=3, size=a)},
            lambda r, s=a: r.integers(0, 2, size=s).astype(float),
        )
        add(
            "BinomialP",
            lambda r, a=a, b=b: {"total_count": np.full(a, 6.0), "probs": r.uniform(0.05, 0.95, size=b)},
            lambda r, s=batch: r.integers(0, 7, size=s).astype(float),
        )
        add(
            "BinomialL",
            lambda r, b=b: {"total_count": 5, "logits": r.normal(scale=2, size=b)},
            lambda r, s=b: r.integers(0, 6, size=(2, *s)).astype(float),
        )
    for batch in [(), (3,), (2, 3)]:
        add(
            "CategoricalP",
            lambda r, b=batch: {"probs": r.uniform(0.1, 1.0, size=(*b, 4))},
            lambda r, s=batch: r.integers(0, 4, size=(2, *s)),
        )
        add(
            "CategoricalL",
            lambda r, b=batch: {"logits": r.normal(size=(*b, 5))},
            lambda r, s=batch: r.integers(0, 5, size=s),
        )
        add(
            "OneHotCategoricalP",
            lambda r, b=batch: {"probs": r.uniform(0.1, 1.0, size=(*b, 4))},
            lambda r, s=batch: np.eye(4)[r.integers(0, 4, size=(2, *s))],
        )
        add(
            "OneHotCategoricalL",
            lambda r, b=batch: {"logits": r.normal(size=(*b, 3))},
            lambda r, s=batch: np.eye(3)[r.integers(0, 3, size=s)],
        )
        add(
            "Dirichlet",
            lambda r, b=batch: {"concentration": _pos(r, (*b, 4), 0.3, 3)},
            lambda r, s=batch: _simplex(r, (2, *s, 4)),
        )
        add(
            "MultivariateNormalCov",
            lambda r, b=batch: {"loc": r.normal(size=(*b, 3)), "covariance_matrix": _spd(r, b, 3)},
            lambda r, s=batch: r.normal(size=(2, *s, 3)),
        )
        add(
            "MultivariateNormalTril",
            lambda r, b=batch: {"loc": r.normal(size=(3,)), "scale_tril": _tril(r, b, 3)},
            lambda r, s=batch: r.normal(size=(*s, 3)),
        )
        add(
            "MultivariateNormalPrec",
            lambda r, b=batch: {"loc": r.normal(size=(*b, 2)), "precision_matrix": _spd(r, (), 2)},
            lambda r, s=batch: r.normal(size=(*s, 2)),
        )
        add(
            "IndependentNormal",
            lambda r, b=batch: {"loc": r.normal(size=(*b, 3)), "scale": _pos(r, (*b, 3))},
            lambda r, s=batch: r.normal(size=(2, *s, 3)),
        )
    return cases


CASES = _cases()


def build(lib, name: str, params: dict):
    """The family `name` of lib (deepstep.distributions or torch.distributions) on params."""
    if name.startswith("MultivariateNormal"):
        return lib.MultivariateNormal(**params)
    if name == "IndependentNormal":
        return lib.Independent(lib.Normal(params["loc"], params["scale"]), 1)
    for suffix in ("P", "L"):
        if name.endswith(suffix) and hasattr(lib, name[:-1]):
            return getattr(lib, name[:-1])(**params)
    return getattr(lib, name)(**params)


def _make(torch, name, params):
    ours, theirs = ours_and_theirs(torch, params)
    return ours, theirs, build(D, name, ours), build(torch.distributions, name, theirs)


def _value(torch, value):
    dtype_int = value.dtype.kind == "i"
    return ds.tensor(value), torch.tensor(value if not dtype_int else value.astype(np.int64))


HAS = {
    "cdf": {"Normal", "Laplace", "Uniform", "Gamma", "Exponential"},
    "icdf": {"Normal", "Laplace", "Uniform", "Exponential"},
    "no_entropy": {"Poisson"},
}


@pytest.mark.parametrize(("name", "params", "value"), CASES)
def test_log_prob_and_its_gradient_equal_torchs(torch, name, params, value):
    rng = np.random.default_rng(1)
    p = params(rng)
    ours, theirs, d, t = _make(torch, name, p)
    v_ours, v_theirs = _value(torch, value(rng))
    out, expected = d.log_prob(v_ours), t.log_prob(v_theirs)
    close(out, expected)
    backward_both(torch, out, expected)
    same_grads(ours, theirs)


@pytest.mark.parametrize(("name", "params", "value"), CASES)
@pytest.mark.parametrize("method", ["entropy", "mean", "variance", "stddev", "mode"])
def test_moments_entropy_and_mode_equal_torchs(torch, name, params, value, method):
    if method == "entropy" and name in HAS["no_entropy"]:
        return
    p = params(np.random.default_rng(2))
    ours, theirs, d, t = _make(torch, name, p)
    expected = getattr(t, method)
    expected = expected() if callable(expected) else expected
    out = getattr(d, method)
    out = out() if callable(out) else out
    close(out, expected)
    if expected.requires_grad and method != "mode":
        backward_both(torch, out, expected)
        trigamma = method == "entropy" and name in TRIGAMMA
        same_grads(ours, theirs, *((TRIGAMMA_RTOL, TRIGAMMA_ATOL) if trigamma else (RTOL, ATOL)))


@pytest.mark.parametrize(("name", "params", "value"), [c for c in CASES if c.values[0] in HAS["cdf"]])
def test_cdf_and_icdf_and_their_gradients_equal_torchs(torch, name, params, value):
    rng = np.random.default_rng(3)
    p = params(rng)
    ours, theirs, d, t = _make(torch, name, p)
    v_ours, v_theirs = _value(torch, value(rng))
    if name == "Gamma":  # neither library differentiates the cdf in the shape: no gradient asked for
        ours["concentration"].requires_grad = theirs["concentration"].requires_grad = False
        d, t = build(D, name, ours), build(torch.distributions, name, theirs)
    out, expected = d.cdf(v_ours), t.cdf(v_theirs)
    close(out, expected)
    backward_both(torch, out, expected)
    same_grads(ours, theirs)
    if name in HAS["icdf"]:
        ours, theirs, d, t = _make(torch, name, p)
        q = rng.uniform(0.02, 0.98, size=v_theirs.shape)
        out, expected = d.icdf(ds.tensor(q)), t.icdf(torch.tensor(q))
        close(out, expected)
        backward_both(torch, out, expected)
        same_grads(ours, theirs)


def test_gamma_cdf_has_no_gradient_in_the_concentration_as_in_torch(torch):
    a = ds.tensor([2.0], dtype=ds.float64, requires_grad=True)
    with pytest.raises(NotImplementedError):
        D.Gamma(a, 1.0).cdf(ds.tensor([1.0], dtype=ds.float64)).sum().backward()


def test_regularized_gamma_without_scipy_matches_scipy(monkeypatch):
    from deepstep import special

    a = np.array([0.1, 0.5, 1.0, 3.0, 10.0, 50.0, 400.0])[:, None]
    x = np.array([0.0, 1e-8, 0.3, 1.0, 2.5, 9.0, 45.0, 380.0, 500.0, np.inf])[None, :]
    expected = regularized_gamma_p(a, x)
    monkeypatch.setattr(special, "scipy_special", lambda: None)
    np.testing.assert_allclose(regularized_gamma_p(a, x), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "params", "value"), CASES)
def test_enumerate_support_and_shapes_equal_torchs(torch, name, params, value):
    p = params(np.random.default_rng(4))
    _, _, d, t = _make(torch, name, p)
    assert d.batch_shape == tuple(t.batch_shape)
    assert d.event_shape == tuple(t.event_shape)
    assert d.has_rsample == t.has_rsample
    assert d.has_enumerate_support == t.has_enumerate_support
    for sample_shape in [(), (5,), (2, 3)]:
        sample = d.sample(sample_shape, seed=0)
        expected = t.sample(sample_shape)
        assert sample.shape == tuple(expected.shape)
        assert str(sample.dtype) == str(expected.dtype).removeprefix("torch.")
        assert not sample.requires_grad
        assert d.log_prob(sample).shape == tuple(t.log_prob(expected).shape)
        if t.has_rsample:
            assert d.rsample(sample_shape, seed=0).shape == tuple(t.rsample(sample_shape).shape)
    if t.has_enumerate_support:
        for expand in (True, False):
            close(d.enumerate_support(expand), t.enumerate_support(expand))
    # expand to a larger batch: the same values, broadcast
    bigger = (2, *d.batch_shape)
    de, te = d.expand(bigger), t.expand(bigger)
    assert de.batch_shape == tuple(te.batch_shape)
    close(de.mean, te.mean)
    sample = de.sample(seed=1)
    v = sample.numpy()
    close(de.log_prob(sample), te.log_prob(torch.tensor(v)))


# ----- rsample: x = g(θ, ε), the gradient reaching θ ------------------------------------------------
def test_normal_rsample_is_loc_plus_scale_times_eps(torch):
    rng = np.random.default_rng(5)
    loc, scale = rng.normal(size=(3, 1)), _pos(rng, (4,))
    ours, theirs = ours_and_theirs(torch, {"loc": loc, "scale": scale})
    x = D.Normal(**ours).rsample((2,), seed=7)
    eps = np.random.default_rng(7).standard_normal((2, 3, 4))
    expected = theirs["loc"] + torch.tensor(eps) * theirs["scale"]
    close(x, expected)
    backward_both(torch, x, expected)
    same_grads(ours, theirs)
    # sample draws the same numbers, without a graph
    s = D.Normal(**ours).sample((2,), seed=7)
    assert not s.requires_grad and np.array_equal(s.numpy(), x.detach().numpy())


@pytest.mark.parametrize("family", ["Uniform", "Exponential", "Laplace", "MultivariateNormal"])
def test_rsample_is_torchs_formula_of_the_same_noise(torch, family):
    rng = np.random.default_rng(6)
    noise = np.random.default_rng(9)
    if family == "Uniform":
        params = {"low": rng.uniform(-2, -1, size=(3,)), "high": rng.uniform(1, 2, size=(2, 1))}
        u = torch.tensor(noise.random((4, 2, 3)))
        rebuild = lambda t: t["low"] + u * (t["high"] - t["low"])  # noqa: E731
    elif family == "Exponential":
        params = {"rate": _pos(rng, (3,))}
        e = torch.tensor(noise.standard_exponential((4, 3)))
        rebuild = lambda t: e / t["rate"]  # noqa: E731
    elif family == "Laplace":
        params = {"loc": rng.normal(size=(3,)), "scale": _pos(rng, (2, 1))}
        eps = np.finfo(np.float64).eps
        u = torch.tensor((eps - 1) + noise.random((4, 2, 3)) * (2 - eps))
        rebuild = lambda t: t["loc"] - t["scale"] * u.sign() * torch.log1p(-u.abs())  # noqa: E731
    else:
        params = {"loc": rng.normal(size=(2, 3)), "scale_tril": _tril(rng, (), 3)}
        z = torch.tensor(noise.standard_normal((4, 2, 3)))
        rebuild = lambda t: t["loc"] + (t["scale_tril"] @ z.unsqueeze(-1)).squeeze(-1)  # noqa: E731
    ours, theirs = ours_and_theirs(torch, params)
    x = getattr(D, family)(**ours).rsample((4,), generator=np.random.default_rng(9))
    expected = rebuild(theirs)
    close(x, expected)
    backward_both(torch, x, expected)
    same_grads(ours, theirs)


def test_gamma_rsample_gradient_is_the_implicit_one(torch):
    """∂x/∂α at a fixed quantile: equal to finite differences of SciPy's inverse cdf (exact), and to
    torch's _standard_gamma_grad on the same sample within torch's own approximation error."""
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(8)
    alpha, rate = np.array([0.05, 0.3, 1.0, 2.5, 7.0, 40.0, 900.0]), 1.7
    ours, _ = ours_and_theirs(torch, {"concentration": alpha, "rate": np.full(alpha.shape, rate)})
    x = D.Gamma(**ours).rsample((300,), generator=rng)
    x.sum().backward()
    standard = x.detach().numpy() * rate
    per_sample = standard_gamma_grad(np.broadcast_to(alpha, standard.shape), standard)
    np.testing.assert_allclose(ours["concentration"].grad.numpy(), per_sample.sum(0) / rate, rtol=1e-12)
    np.testing.assert_allclose(ours["rate"].grad.numpy(), -(standard / rate**2).sum(0), rtol=1e-12)
    # exact: finite differences of x(α) = P⁻¹(α, u) at fixed u
    a = np.broadcast_to(alpha, standard.shape)
    u = special.gammainc(a, standard)
    inner = (u > 1e-10) & (u < 1 - 1e-10)
    h = 1e-6 * a
    fd = (special.gammaincinv(a + h, u) - special.gammaincinv(a - h, u)) / (2 * h)
    np.testing.assert_allclose(per_sample[inner], fd[inner], rtol=1e-6)
    # torch's fitted approximation of the same derivative
    theirs_grad = torch._standard_gamma_grad(torch.tensor(a.copy()), torch.tensor(standard)).numpy()
    np.testing.assert_allclose(per_sample, theirs_grad, rtol=2e-3)


@pytest.mark.parametrize("family", ["Gamma", "Beta", "Dirichlet"])
def test_implicit_rsample_gradients_are_unbiased(family):
    """The mean of ∂x/∂θ over many samples is ∂E[x]/∂θ (E[x] known in closed form)."""
    n = 40_000
    if family == "Gamma":
        a = ds.tensor([0.4, 2.0, 9.0], dtype=ds.float64, requires_grad=True)
        b = ds.tensor([1.0, 0.5, 3.0], dtype=ds.float64, requires_grad=True)
        x = D.Gamma(a, b).rsample((n,), seed=3)
        exact_a, exact_b = 1 / b.detach().numpy(), -a.detach().numpy() / b.detach().numpy() ** 2
        x.mean(0).sum().backward()
        grads = [(a.grad.numpy(), exact_a), (b.grad.numpy(), exact_b)]
    elif family == "Beta":
        a = ds.tensor([0.5, 2.0, 6.0], dtype=ds.float64, requires_grad=True)
        b = ds.tensor([1.5, 0.7, 3.0], dtype=ds.float64, requires_grad=True)
        x = D.Beta(a, b).rsample((n,), seed=4)
        an, bn = a.detach().numpy(), b.detach().numpy()
        x.mean(0).sum().backward()
        grads = [(a.grad.numpy(), bn / (an + bn) ** 2), (b.grad.numpy(), -an / (an + bn) ** 2)]
    else:
        c = ds.tensor([0.5, 1.0, 2.0, 4.0], dtype=ds.float64, requires_grad=True)
        x = D.Dirichlet(c).rsample((n,), seed=5)
        cn = c.detach().numpy()
        x.mean(0)[0].backward()  # E[x₀] = c₀/Σc
        exact = -cn[0] / cn.sum() ** 2 * np.ones(4)
        exact[0] += 1 / cn.sum()
        grads = [(c.grad.numpy(), exact)]
    for got, exact in grads:
        np.testing.assert_allclose(got, exact, rtol=0.05, atol=0.01)


# ----- sampling: moments and frequencies ---------------------------------------------------------
MOMENT_CASES = [
    ("Normal", {"loc": [0.5, -2.0], "scale": [1.0, 3.0]}),
    ("Uniform", {"low": [0.0, -3.0], "high": [1.0, 5.0]}),
    ("Laplace", {"loc": [1.0, -1.0], "scale": [0.5, 2.0]}),
    ("Exponential", {"rate": [0.5, 4.0]}),
    ("Gamma", {"concentration": [0.3, 5.0], "rate": [2.0, 0.5]}),
    ("Beta", {"concentration1": [0.5, 4.0], "concentration0": [0.5, 2.0]}),
    ("Poisson", {"rate": [0.3, 12.0]}),
    ("Bernoulli", {"probs": [0.1, 0.7]}),
    ("Binomial", {"total_count": [10.0, 3.0], "probs": [0.3, 0.9]}),
    ("Dirichlet", {"concentration": [[0.5, 1.0, 3.0]]}),
    ("OneHotCategorical", {"probs": [[0.2, 0.5, 0.3]]}),
    ("MultivariateNormal", {"loc": [1.0, -1.0], "covariance_matrix": [[2.0, 0.6], [0.6, 1.0]]}),
]


@pytest.mark.parametrize(("family", "params"), MOMENT_CASES, ids=[c[0] for c in MOMENT_CASES])
def test_sample_moments_match_mean_and_variance(family, params):
    n = 100_000
    d = getattr(D, family)(**{k: ds.tensor(v, dtype=ds.float64) for k, v in params.items()})
    x = d.sample((n,), seed=11).numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    assert np.all(np.abs(x.mean(0) - mean) < 6 * np.sqrt(var / n))
    # the sample variance within 6 of its standard errors (√((μ₄ − σ⁴)/n), which is 0 for a fair coin:
    # then its error is the squared error of the mean, below 36σ²/n)
    fourth = np.mean((x - mean) ** 4, axis=0)
    assert np.all(np.abs(x.var(0) - var) < 6 * np.sqrt(np.maximum(fourth - var**2, 0) / n) + 36 * var / n)
    if family == "MultivariateNormal":
        np.testing.assert_allclose(np.cov(x.T), d.covariance_matrix.numpy(), atol=0.05)


def test_categorical_sample_frequencies_and_shapes(torch):
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    d = D.Categorical(ds.tensor(probs))
    x = d.sample((50_000,), seed=2).numpy()
    assert x.shape == (50_000, 2) and x.dtype == np.int64
    for row in range(2):
        freq = np.bincount(x[:, row], minlength=3) / x.shape[0]
        assert np.all(np.abs(freq - probs[row]) < 6 * np.sqrt(probs[row] * (1 - probs[row]) / x.shape[0]))
    assert D.Categorical(ds.tensor([0.2, 0.8])).sample().shape == ()


def test_sampling_is_reproducible_and_follows_the_library_generator():
    d = D.Gamma(ds.tensor([0.5, 2.0]), ds.tensor(1.0))
    assert np.array_equal(d.sample((3,), seed=4).numpy(), d.sample((3,), seed=4).numpy())
    assert np.array_equal(
        d.sample((3,), generator=np.random.default_rng(4)).numpy(), d.sample((3,), seed=4).numpy()
    )
    ds.manual_seed(123)
    first = D.Normal(0.0, 1.0).sample((4,)).numpy()
    ds.manual_seed(123)
    assert np.array_equal(D.Normal(0.0, 1.0).sample((4,)).numpy(), first)
    with pytest.raises(TypeError):
        D.Normal(0.0, 1.0).sample(seed=1, generator=np.random.default_rng(1))


# ----- KL divergences ----------------------------------------------------------------------------
def _kl_cases():
    r = np.random.default_rng(12)
    p2 = lambda low, high, s: r.uniform(low, high, size=s)  # noqa: E731
    return [
        (
            "Normal",
            {"loc": r.normal(size=(3,)), "scale": p2(0.5, 2, (3,))},
            {"loc": r.normal(size=(2, 1)), "scale": p2(0.5, 2, ())},
        ),
        ("Bernoulli", {"probs": p2(0.05, 0.95, (4,))}, {"logits": r.normal(size=(4,))}),
        ("Categorical", {"probs": p2(0.1, 1, (2, 4))}, {"logits": r.normal(size=(4,))}),
        ("OneHotCategorical", {"logits": r.normal(size=(3,))}, {"probs": p2(0.1, 1, (2, 3))}),
        (
            "Beta",
            {"concentration1": p2(0.5, 3, (3,)), "concentration0": p2(0.5, 3, (3,))},
            {"concentration1": p2(0.5, 3, (3,)), "concentration0": p2(0.5, 3, ())},
        ),
        (
            "Gamma",
            {"concentration": p2(0.5, 3, (2, 3)), "rate": p2(0.5, 3, (3,))},
            {"concentration": p2(0.5, 3, (3,)), "rate": p2(0.5, 3, (3,))},
        ),
        ("Exponential", {"rate": p2(0.5, 3, (3,))}, {"rate": p2(0.5, 3, (2, 1))}),
        (
            "Laplace",
            {"loc": r.normal(size=(3,)), "scale": p2(0.5, 2, (3,))},
            {"loc": r.normal(size=(3,)), "scale": p2(0.5, 2, (3,))},
        ),
        (
            "Uniform",
            {"low": p2(-1, -0.5, (3,)), "high": p2(0.5, 1, (3,))},
            {"low": np.array([-2.0, -0.7, -2.0]), "high": np.array([2.0, 2.0, 0.7])},
        ),
        ("Poisson", {"rate": p2(0.5, 3, (3,))}, {"rate": p2(0.5, 3, (3,))}),
        (
            "Binomial",
            {"total_count": np.full(3, 5.0), "probs": p2(0.1, 0.9, (3,))},
            {"total_count": np.array([5.0, 5.0, 3.0]), "probs": p2(0.1, 0.9, (3,))},
        ),
        ("Dirichlet", {"concentration": p2(0.5, 3, (2, 4))}, {"concentration": p2(0.5, 3, (4,))}),
        (
            "MultivariateNormal",
            {"loc": r.normal(size=(2, 3)), "scale_tril": _tril(r, (), 3)},
            {"loc": r.normal(size=(3,)), "covariance_matrix": _spd(r, (2,), 3)},
        ),
        (
            "Independent",
            {"loc": r.normal(size=(2, 3)), "scale": p2(0.5, 2, (2, 3))},
            {"loc": r.normal(size=(3,)), "scale": p2(0.5, 2, (2, 3))},
        ),
    ]


@pytest.mark.parametrize(("family", "p", "q"), _kl_cases(), ids=[c[0] for c in _kl_cases()])
def test_kl_divergence_and_its_gradients_equal_torchs(torch, family, p, q):
    op, tp = ours_and_theirs(torch, p)
    oq, tq = ours_and_theirs(torch, q)
    if family == "Independent":
        make = lambda lib, a: lib.Independent(lib.Normal(a["loc"], a["scale"]), 1)  # noqa: E731
    else:
        make = lambda lib, a: getattr(lib, family)(**a)  # noqa: E731
    out = D.kl_divergence(make(D, op), make(D, oq))
    expected = torch.distributions.kl_divergence(make(torch.distributions, tp), make(torch.distributions, tq))
    close(out, expected)
    finite = np.isfinite(expected.detach().numpy())
    w = np.where(finite, np.random.default_rng(0).uniform(0.5, 1.5, size=tuple(expected.shape)), 0.0)
    (ds.where(ds.tensor(finite), out, 0.0) * ds.tensor(w)).sum().backward()
    (torch.where(torch.tensor(finite), expected, 0.0) * torch.tensor(w)).sum().backward()
    tolerances = (TRIGAMMA_RTOL, TRIGAMMA_ATOL) if family in TRIGAMMA else (RTOL, ATOL)
    same_grads(op, tp, *tolerances)
    same_grads(oq, tq, *tolerances)


def test_kl_edge_values_equal_torchs(torch):
    # probabilities of exactly 0 and 1, and a uniform not covered by the other
    cases = [
        ("Bernoulli", {"probs": [0.0, 1.0, 0.3, 0.0]}, {"probs": [0.0, 0.5, 1.0, 0.7]}),
        (
            "Categorical",
            {"probs": [[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]},
            {"probs": [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]},
        ),
        ("Uniform", {"low": [0.0, 0.0], "high": [1.0, 1.0]}, {"low": [0.5, -1.0], "high": [2.0, 2.0]}),
    ]
    for family, p, q in cases:
        ours = D.kl_divergence(
            getattr(D, family)(**{k: ds.tensor(v, dtype=ds.float64) for k, v in p.items()}),
            getattr(D, family)(**{k: ds.tensor(v, dtype=ds.float64) for k, v in q.items()}),
        )
        theirs = torch.distributions.kl_divergence(
            getattr(torch.distributions, family)(
                **{k: torch.tensor(v, dtype=torch.float64) for k, v in p.items()}
            ),
            getattr(torch.distributions, family)(
                **{k: torch.tensor(v, dtype=torch.float64) for k, v in q.items()}
            ),
        )
        close(ours, theirs)


def test_kl_without_a_rule_raises_not_implemented_error(torch):
    with pytest.raises(NotImplementedError) as theirs:
        torch.distributions.kl_divergence(
            torch.distributions.Categorical(torch.ones(2)), torch.distributions.Normal(0.0, 1.0)
        )
    with pytest.raises(NotImplementedError) as ours:
        D.kl_divergence(D.Categorical(ds.ones(2)), D.Normal(0.0, 1.0))
    assert str(ours.value) == str(theirs.value)

    class MyNormal(D.Normal):
        pass

    # a subclass finds its base's rule; a registered rule for the subclass wins
    close(
        D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)),
        D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)),
    )

    @D.register_kl(MyNormal, D.Normal)
    def _zero(p, q):
        return ds.zeros(())

    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)).item() == 0.0
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


# ----- a VAE's loss --------------------------------------------------------------------------------
def test_vae_loss_backpropagates_to_mu_and_logvar(torch):
    rng = np.random.default_rng(13)
    mu_np, logvar_np, target = (
        rng.normal(size=(4, 3)),
        rng.normal(scale=0.5, size=(4, 3)),
        rng.normal(size=(4, 3)),
    )
    mu, logvar = ds.tensor(mu_np, requires_grad=True), ds.tensor(logvar_np, requires_grad=True)
    q = D.Normal(mu, (logvar / 2).exp())
    z = q.rsample(seed=21)
    loss = ((z - ds.tensor(target)) ** 2).sum() + D.kl_divergence(q, D.Normal(0.0, 1.0)).sum()
    loss.backward()
    # torch from the same ε
    eps = torch.tensor(np.random.default_rng(21).standard_normal((4, 3)))
    tmu, tlogvar = torch.tensor(mu_np, requires_grad=True), torch.tensor(logvar_np, requires_grad=True)
    tq = torch.distributions.Normal(tmu, (tlogvar / 2).exp())
    tz = tmu + eps * (tlogvar / 2).exp()
    tloss = ((tz - torch.tensor(target)) ** 2).sum() + torch.distributions.kl_divergence(
        tq, torch.distributions.Normal(0.0, 1.0)
    ).sum()
    tloss.backward()
    close(loss, tloss)
    np.testing.assert_allclose(mu.grad.numpy(), tmu.grad.numpy(), rtol=RTOL)
    np.testing.assert_allclose(logvar.grad.numpy(), tlogvar.grad.numpy(), rtol=RTOL)
    # the KL term alone: its closed-form gradients, μ and ½(e^(log σ²) − 1)
    mu.grad = logvar.grad = None
    D.kl_divergence(D.Normal(mu, (logvar / 2).exp()), D.Normal(0.0, 1.0)).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), mu_np, rtol=1e-12)
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * (np.exp(logvar_np) - 1), rtol=1e-10, atol=1e-14)


# ----- validation, reprs, errors ------------------------------------------------------------------
def _bad_calls(lib, T):
    return [
        lambda: lib.Normal(T.tensor([0.0, 1.0]), T.tensor([-1.0, 1.0])),
        lambda: lib.Normal(0.0, 1.0).log_prob(1.0),
        lambda: lib.Bernoulli(0.3).log_prob(T.tensor(0.5)),
        lambda: lib.Normal(T.zeros(2), 1.0).log_prob(T.zeros(3)),
        lambda: lib.Categorical(T.ones(3)).log_prob(T.tensor(3)),
        lambda: lib.Uniform(1.0, 0.0),
        lambda: lib.Categorical(T.tensor(1.0)),
        lambda: lib.Bernoulli(),
        lambda: lib.Bernoulli(probs=0.3, logits=0.1),
        lambda: lib.Bernoulli(T.tensor([1.5])),
        lambda: lib.Gamma(1.0, 1.0).log_prob(T.tensor(-1.0)),
        lambda: lib.Gamma(T.tensor([0.0]), 1.0),
        lambda: lib.Beta(1.0, -2.0),
        lambda: lib.Exponential(T.tensor([-1.0])),
        lambda: lib.Poisson(T.tensor([-1.0])),
        lambda: lib.Poisson(2.0).log_prob(T.tensor(1.5)),
        lambda: lib.Binomial(T.tensor([2.5]), T.tensor([0.5])),
        lambda: lib.Binomial(3, T.tensor(0.5)).log_prob(T.tensor(4.0)),
        lambda: lib.Dirichlet(T.tensor([1.0, -1.0])),
        lambda: lib.Dirichlet(T.tensor([1.0, 1.0])).log_prob(T.tensor([0.5, 0.6])),
        lambda: lib.Laplace(0.0, T.tensor([0.0])),
        lambda: lib.MultivariateNormal(T.zeros(2)),
        lambda: lib.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda: lib.MultivariateNormal(T.zeros(2), scale_tril=T.tensor([[1.0, 1.0], [0.0, 1.0]])),
        lambda: lib.MultivariateNormal(T.zeros(()), T.eye(2)),
        lambda: lib.OneHotCategorical(T.ones(3)).log_prob(T.tensor([1.0, 1.0, 0.0])),
        lambda: lib.Independent(lib.Normal(0.0, 1.0), 1),
        lambda: lib.Binomial(T.tensor([2.0, 3.0]), T.tensor([0.5, 0.5])).entropy(),
        lambda: lib.Poisson(2.0).entropy(),
    ]


def test_validation_errors_raise_torchs_exception_types(torch):
    ours_calls, theirs_calls = _bad_calls(D, ds), _bad_calls(torch.distributions, torch)
    for i, (ours, theirs) in enumerate(zip(ours_calls, theirs_calls, strict=True)):
        with pytest.raises(Exception) as expected:
            theirs()
        with pytest.raises(expected.type) as got:
            ours()
        if expected.type is ValueError:  # PyTorch's message, shapes written as tuples
            text = as_tuples(str(expected.value))
            assert str(got.value).split(":")[0] == text.split(":")[0], i


def test_validation_can_be_turned_off():
    d = D.Normal(ds.tensor([0.0]), ds.tensor([-1.0]), validate_args=False)
    assert np.isnan(d.log_prob(ds.tensor([0.0])).item())
    D.Distribution.set_default_validate_args(False)
    try:
        D.Bernoulli(0.3).log_prob(ds.tensor(0.5))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Bernoulli(0.3).log_prob(ds.tensor(0.5))


MESSAGE = (
    r"^Expected parameter scale \(Tensor of shape \(2,\)\) of distribution "
    r"Normal\(loc: \(2,\), scale: \(2,\)\) to satisfy the constraint "
    r"GreaterThan\(lower_bound=0.0\), but found invalid values:\ntensor"
)


def test_reprs_and_messages_read_as_torchs(torch):
    tdist = torch.distributions
    pairs = [
        (D.Normal(0.0, 1.0), tdist.Normal(0.0, 1.0)),
        (D.Normal(ds.tensor([0.0]), 1.0), tdist.Normal(torch.tensor([0.0]), 1.0)),
        (D.Bernoulli(0.3), tdist.Bernoulli(0.3)),
        (D.Categorical(ds.ones(3)), tdist.Categorical(torch.ones(3))),
        (D.Beta(1.0, 2.0), tdist.Beta(1.0, 2.0)),
        (
            D.Independent(D.Normal(ds.zeros(3), 1.0), 1),
            tdist.Independent(tdist.Normal(torch.zeros(3), 1.0), 1),
        ),
        (D.Binomial(3, ds.tensor(0.3)), tdist.Binomial(3, torch.tensor(0.3))),
        (
            D.MultivariateNormal(ds.zeros(2), ds.eye(2)),
            tdist.MultivariateNormal(torch.zeros(2), torch.eye(2)),
        ),
        (D.Dirichlet(ds.ones(2)), tdist.Dirichlet(torch.ones(2))),
        (D.OneHotCategorical(ds.ones(3)), tdist.OneHotCategorical(torch.ones(3))),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == as_tuples(repr(theirs))
    constraints = [
        "positive",
        "real",
        "unit_interval",
        "simplex",
        "real_vector",
        "nonnegative_integer",
        "boolean",
        "lower_cholesky",
        "positive_definite",
        "one_hot",
        "nonnegative",
    ]
    for name in constraints:
        assert repr(getattr(D.constraints, name)) == repr(getattr(tdist.constraints, name))
    assert repr(D.constraints.integer_interval(0, 3)) == repr(tdist.constraints.integer_interval(0, 3))
    with pytest.raises(ValueError, match=MESSAGE):
        D.Normal(ds.tensor([0.0, 1.0]), ds.tensor([-1.0, 1.0]))


def test_constraints_check_like_torchs(torch):
    C, TC = D.constraints, torch.distributions.constraints
    values = np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, np.nan], [0.2, 0.3, 0.5]])
    for name in [
        "positive",
        "real",
        "unit_interval",
        "nonnegative_integer",
        "boolean",
        "nonnegative",
        "simplex",
        "real_vector",
        "one_hot",
    ]:
        ours = getattr(C, name).check(ds.tensor(values)).numpy()
        theirs = getattr(TC, name).check(torch.tensor(values)).numpy()
        assert np.array_equal(ours, theirs), name
    mats = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]])
    for name in ["lower_cholesky", "positive_definite"]:
        assert np.array_equal(
            getattr(C, name).check(ds.tensor(mats)).numpy(),
            getattr(TC, name).check(torch.tensor(mats)).numpy(),
        )
    assert D.Normal.support is C.real and D.Uniform(0.0, 2.0).support.check(ds.tensor(2.0)).item()
    assert C.is_dependent(D.Uniform.support) and C.is_dependent(D.Binomial.support)


def test_probs_and_logits_convert_like_torchs(torch):
    logits = np.array([[-30.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    close(
        D.Categorical(logits=ds.tensor(logits)).probs,
        torch.distributions.Categorical(logits=torch.tensor(logits)).probs,
    )
    close(
        D.Categorical(logits=ds.tensor(logits)).logits,
        torch.distributions.Categorical(logits=torch.tensor(logits)).logits,
    )
    probs = np.array([0.0, 0.25, 1.0])
    close(D.Bernoulli(ds.tensor(probs)).logits, torch.distributions.Bernoulli(torch.tensor(probs)).logits)
    close(D.Bernoulli(ds.tensor(probs)).mode, torch.distributions.Bernoulli(torch.tensor(probs)).mode)
    # large logits stay finite
    d = D.Bernoulli(logits=ds.tensor([1e4, -1e4], dtype=ds.float64, requires_grad=True))
    out = d.log_prob(ds.tensor([0.0, 1.0], dtype=ds.float64))
    np.testing.assert_allclose(out.detach().numpy(), [-1e4, -1e4])
    out.sum().backward()
    assert np.all(np.isfinite(d._param.grad.numpy()))


def test_default_dtype_empty_and_non_contiguous_parameters(torch):
    tdist = torch.distributions
    # numbers take the default float dtype, tensors keep theirs
    for ours, theirs in [
        (D.Normal(0.0, 1.0), tdist.Normal(0.0, 1.0)),
        (
            D.Gamma(2.0, ds.tensor([1.0], dtype=ds.float64)),
            tdist.Gamma(2.0, torch.tensor([1.0], dtype=torch.float64)),
        ),
        (D.Bernoulli(0.3), tdist.Bernoulli(0.3)),
        (D.Poisson(2.0), tdist.Poisson(2.0)),
        (D.Categorical(ds.ones(3)), tdist.Categorical(torch.ones(3))),
    ]:
        sample, expected = ours.sample((2,), seed=0), theirs.sample((2,))
        assert str(sample.dtype) == str(expected.dtype).removeprefix("torch.")
        assert str(ours.log_prob(sample).dtype) == str(theirs.log_prob(expected).dtype).removeprefix("torch.")
    # an empty batch
    for ours, theirs in [
        (D.Normal(ds.zeros(0), ds.ones(0)), tdist.Normal(torch.zeros(0), torch.ones(0))),
        (D.Categorical(ds.ones(0, 3)), tdist.Categorical(torch.ones(0, 3))),
        (D.Gamma(ds.ones(0), 2.0), tdist.Gamma(torch.ones(0), 2.0)),
    ]:
        assert ours.batch_shape == tuple(theirs.batch_shape)
        assert ours.sample((2,), seed=0).shape == tuple(theirs.sample((2,)).shape)
        assert ours.entropy().shape == tuple(theirs.entropy().shape)
    # transposed (non-contiguous) parameters
    rng = np.random.default_rng(14)
    loc, scale = rng.normal(size=(3, 2)), _pos(rng, (3, 2))
    ours = D.Normal(ds.tensor(loc).T, ds.tensor(scale).T)
    theirs = tdist.Normal(torch.tensor(loc).T, torch.tensor(scale).T)
    value = rng.normal(size=(2, 3))
    close(ours.log_prob(ds.tensor(value)), theirs.log_prob(torch.tensor(value)))
    logits = rng.normal(size=(4, 3))
    ours, theirs = D.Categorical(logits=ds.tensor(logits).T), tdist.Categorical(logits=torch.tensor(logits).T)
    close(ours.entropy(), theirs.entropy())
    close(ours.log_prob(ds.tensor([0, 3, 1])), theirs.log_prob(torch.tensor([0, 3, 1])))
