"""deepstep.distributions' transforms, constraint registry, TransformedDistribution and the families
built on them (LogNormal, HalfNormal, Gumbel), StudentT, Chi2, Cauchy, Geometric, MixtureSameFamily and
their KL rules, against torch.distributions: values in float64 (to 1e-11) and gradients with respect to
every parameter and input, shapes and dtypes, reprs, exception types; rsample rebuilt in torch from
the same noise; sample moments on many draws with fixed seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepstep as ds
from deepstep import distributions as D

RTOL, ATOL = 1e-11, 1e-12
# PyTorch's trigamma is good to about 5e-10 relatively (see test_distributions.py)
TRIGAMMA_RTOL, TRIGAMMA_ATOL = 5e-8, 1e-9


def close(ours, theirs, rtol: float = RTOL, atol: float = ATOL) -> None:
    a = ours.detach().numpy() if isinstance(ours, ds.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(a.dtype) == str(b.dtype), (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def pair(torch, value, grad: bool = True):
    """The same float64 array as a deepstep and a torch tensor (both wanting gradients)."""
    value = np.asarray(value, dtype=np.float64)
    return ds.tensor(value, requires_grad=grad), torch.tensor(value, requires_grad=grad)


def backward_both(torch, ours, theirs, seed: int = 0) -> None:
    """Σ w·out for a fixed random w (0 where torch's value is not finite), in both libraries."""
    finite = np.isfinite(theirs.detach().numpy())
    w = np.where(finite, np.random.default_rng(seed).uniform(0.5, 1.5, size=tuple(theirs.shape)), 0.0)
    (ds.where(ds.tensor(finite), ours, 0.0) * ds.tensor(w)).sum().backward()
    (torch.where(torch.tensor(finite), theirs, 0.0) * torch.tensor(w)).sum().backward()


def same_grads(pairs, rtol: float = RTOL, atol: float = ATOL) -> None:
    for i, (o, t) in enumerate(pairs):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(t.shape) if o.grad is None else o.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=str(i))


# ----- transforms ------------------------------------------------------------------------------------
# Each case: (name, builder from (lib, params), params as arrays, an input x of the domain)
def _transform_cases():
    r = np.random.default_rng(0)
    pos = lambda *s: r.uniform(0.5, 2.0, size=s)  # noqa: E731
    return [
        ("Exp", lambda T, p: T.ExpTransform(), {}, r.normal(size=(2, 3))),
        ("AffineNumber", lambda T, p: T.AffineTransform(0.5, -2.0), {}, r.normal(size=(2, 3))),
        (
            "AffineTensor",
            lambda T, p: T.AffineTransform(p["loc"], p["scale"]),
            {"loc": r.normal(size=(3,)), "scale": r.normal(size=(2, 1))},
            r.normal(size=(4, 2, 3)),
        ),
        (
            "AffineEvent",
            lambda T, p: T.AffineTransform(p["loc"], p["scale"], event_dim=1),
            {"loc": r.normal(size=(3,)), "scale": r.normal(size=(3,))},
            r.normal(size=(2, 3)),
        ),
        ("Sigmoid", lambda T, p: T.SigmoidTransform(), {}, r.normal(scale=3, size=(2, 3))),
        ("Tanh", lambda T, p: T.TanhTransform(), {}, r.normal(scale=2, size=(5,))),
        ("Power", lambda T, p: T.PowerTransform(p["exponent"]), {"exponent": r.normal(size=(3,))}, pos(2, 3)),
        ("StickBreaking", lambda T, p: T.StickBreakingTransform(), {}, r.normal(size=(2, 4))),
        (
            "Compose",
            lambda T, p: T.ComposeTransform([T.AffineTransform(p["loc"], p["scale"]), T.ExpTransform()]),
            {"loc": r.normal(size=(3,)), "scale": pos(3)},
            r.normal(size=(2, 3)),
        ),
        (
            "ComposeEvent",
            lambda T, p: T.ComposeTransform([T.ExpTransform(), T.StickBreakingTransform()]),
            {},
            r.normal(size=(2, 3)),
        ),
        (
            "Independent",
            lambda T, p: T.IndependentTransform(T.SigmoidTransform(), 1),
            {},
            r.normal(size=(2, 3)),
        ),
        (
            "Stack",
            lambda T, p: T.StackTransform(
                [T.ExpTransform(), T.AffineTransform(p["loc"], p["scale"]), T.SigmoidTransform()], dim=1
            ),
            {"loc": r.normal(size=(4,)), "scale": pos(4)},
            r.normal(size=(4, 3)),
        ),
        ("InverseExp", lambda T, p: T.ExpTransform().inv, {}, pos(2, 3)),
        ("InverseSigmoid", lambda T, p: T.SigmoidTransform().inv, {}, r.uniform(0.05, 0.95, size=(4,))),
    ]


TRANSFORMS = _transform_cases()


def _build_transform(torch, case):
    _, make, params, _ = case
    ours_p, theirs_p = {}, {}
    for k, v in params.items():
        ours_p[k], theirs_p[k] = pair(torch, v)
    return make(D, ours_p), make(torch.distributions.transforms, theirs_p), ours_p, theirs_p


@pytest.mark.parametrize("case", TRANSFORMS, ids=[c[0] for c in TRANSFORMS])
def test_transform_forward_inverse_and_jacobian_equal_torchs(torch, case):
    t_ours, t_theirs, ours_p, theirs_p = _build_transform(torch, case)
    x, tx = pair(torch, case[3])
    y, ty = t_ours(x), t_theirs(tx)
    close(y, ty)
    back, tback = t_ours.inv(y), t_theirs.inv(ty)
    close(back, tback, rtol=1e-9, atol=1e-10)
    jac, tjac = t_ours.log_abs_det_jacobian(x, y), t_theirs.log_abs_det_jacobian(tx, ty)
    close(jac, tjac, rtol=1e-10, atol=1e-11)
    backward_both(torch, y * 1.5 + jac.sum(), ty * 1.5 + tjac.sum())
    same_grads([(x, tx), *[(ours_p[k], theirs_p[k]) for k in ours_p]], rtol=1e-10, atol=1e-11)
    # the properties that TransformedDistribution reads
    assert repr(t_ours.domain) == repr(t_theirs.domain)
    assert repr(t_ours.codomain) == repr(t_theirs.codomain)
    assert t_ours.domain.event_dim == t_theirs.domain.event_dim
    assert t_ours.codomain.event_dim == t_theirs.codomain.event_dim
    assert t_ours.bijective == t_theirs.bijective
    assert repr(t_ours) == repr(t_theirs)
    shape = tuple(case[3].shape)
    assert tuple(t_ours.forward_shape(shape)) == tuple(t_theirs.forward_shape(shape))
    assert tuple(t_ours.inverse_shape(tuple(ty.shape))) == tuple(t_theirs.inverse_shape(ty.shape))
    try:
        sign = t_theirs.sign
    except NotImplementedError:  # a transform of vectors has no sign
        with pytest.raises(NotImplementedError):
            _ = t_ours.sign
        return
    ours_sign = t_ours.sign
    if isinstance(sign, int):
        assert ours_sign == sign
    else:
        close(ours_sign, sign)


def test_non_bijective_transforms_equal_torchs(torch):
    T, TT = D.transforms, torch.distributions.transforms
    x, tx = pair(torch, np.random.default_rng(1).normal(size=(3, 4)))
    for ours, theirs in [
        (T.AbsTransform(), TT.AbsTransform()),
        (T.SoftmaxTransform(), TT.SoftmaxTransform()),
    ]:
        y, ty = ours(x), theirs(tx)
        close(y, ty)
        close(ours.inv(y), theirs.inv(ty))
        assert ours.bijective is theirs.bijective is False
        assert repr(ours.codomain) == repr(theirs.codomain)
        with pytest.raises(NotImplementedError):
            ours.log_abs_det_jacobian(x, y)
    with pytest.raises(ValueError):
        T.SoftmaxTransform().forward_shape(())
    with pytest.raises(ValueError):
        TT.SoftmaxTransform().forward_shape(())


def test_transform_cache_equality_and_event_dim_like_torchs(torch):
    T, TT = D.transforms, torch.distributions.transforms
    for lib, tensor in ((T, ds.tensor), (TT, torch.tensor)):
        with pytest.raises(ValueError):
            lib.ExpTransform(cache_size=2)
        cached, plain = lib.SigmoidTransform(cache_size=1), lib.SigmoidTransform()
        x = tensor([40.0, 0.0], dtype=ds.float64 if lib is T else torch.float64)
        # with the cache the inverse returns x itself, even where σ(x) rounds to 1
        assert cached.inv(cached(x)) is x
        assert plain.inv(plain(x)) is not x
        assert plain.with_cache(1)._cache_size == 1 and plain.with_cache(0) is plain
        assert plain == lib.SigmoidTransform() and plain != lib.ExpTransform()
        assert plain.inv.inv is plain and plain.inv == lib.SigmoidTransform().inv
        assert lib.AffineTransform(1.0, 2.0) == lib.AffineTransform(1.0, 2.0)
        assert lib.AffineTransform(1.0, 2.0) != lib.AffineTransform(1.0, 3.0)
        assert lib.ComposeTransform([lib.ExpTransform()]) == lib.ComposeTransform([lib.ExpTransform()])
        assert lib.AffineTransform(0.0, 1.0, event_dim=2).event_dim == 2
        with pytest.raises(NotImplementedError):
            lib.ExpTransform().sign + lib.Transform().sign
        assert lib.ComposeTransform([lib.ExpTransform(), lib.AffineTransform(0.0, -1.0)]).sign == -1
    # a StackTransform needs one part per slice; its constraint checks each slice with its own part
    for lib, tensor in ((T, ds.zeros), (TT, torch.zeros)):
        with pytest.raises(AssertionError):
            lib.StackTransform([lib.ExpTransform(), lib.ExpTransform()], dim=1)(tensor(2, 3))
    value = np.array([[1.0, -3.0, 0.5], [-1.0, 2.0, 1.5], [0.0, np.nan, 0.0]])
    ours = D.constraints.stack([D.constraints.positive, D.constraints.real, D.constraints.unit_interval], 1)
    tc = torch.distributions.constraints
    theirs = tc.stack([tc.positive, tc.real, tc.unit_interval], 1)
    assert np.array_equal(ours.check(ds.tensor(value)).numpy(), theirs.check(torch.tensor(value)).numpy())
    assert ours.event_dim == theirs.event_dim and repr(ours) == repr(theirs)
    np.testing.assert_allclose(
        T.SigmoidTransform().inv(T.SigmoidTransform()(ds.tensor([40.0], dtype=ds.float64))).numpy(),
        TT.SigmoidTransform().inv(TT.SigmoidTransform()(torch.tensor([40.0], dtype=torch.float64))).numpy(),
    )


# ----- biject_to / transform_to ---------------------------------------------------------------------
REGISTRY_CASES = [
    ("positive", ()),
    ("nonnegative", ()),
    ("real", ()),
    ("unit_interval", ()),
    ("simplex", ()),
    ("real_vector", ()),
    ("greater_than", (2.0,)),
    ("greater_than_eq", (-1.0,)),
    ("less_than", (1.5,)),
    ("interval", (-1.0, 3.0)),
    ("half_open_interval", (0, 1)),
    ("stack", ([D.constraints.positive, D.constraints.real, D.constraints.unit_interval], -1)),
]


@pytest.mark.parametrize(("name", "args"), REGISTRY_CASES, ids=[c[0] for c in REGISTRY_CASES])
def test_biject_to_and_transform_to_equal_torchs(torch, name, args):
    ours_c = getattr(D.constraints, name)
    theirs_c = getattr(torch.distributions.constraints, name)
    if name == "stack":
        cseq, dim = args
        tc = torch.distributions.constraints
        ours_c, theirs_c = ours_c(cseq, dim), theirs_c([tc.positive, tc.real, tc.unit_interval], dim)
    elif args:
        ours_c, theirs_c = ours_c(*args), theirs_c(*args)
    for registry in ("biject_to", "transform_to"):
        ours, theirs = getattr(D, registry)(ours_c), getattr(torch.distributions, registry)(theirs_c)
        assert repr(ours) == repr(theirs)
        x, tx = pair(torch, np.random.default_rng(2).normal(size=(2, 3)))
        y, ty = ours(x), theirs(tx)
        close(y, ty)
        assert ours_c.check(y).numpy().all()
        if theirs.bijective:
            jac, tjac = ours.log_abs_det_jacobian(x, y), theirs.log_abs_det_jacobian(tx, ty)
            close(jac, tjac)
            assert jac.requires_grad == tjac.requires_grad
            if tjac.requires_grad:  # (the identity's is a constant 0)
                backward_both(torch, jac, tjac)
                same_grads([(x, tx)])


def test_registry_errors_like_torchs(torch):
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        D.biject_to(D.constraints.boolean)
    with pytest.raises(NotImplementedError):
        torch.distributions.biject_to(torch.distributions.constraints.boolean)
    with pytest.raises(TypeError):
        D.biject_to.register(int, lambda c: D.ExpTransform())
    registry = D.constraint_registry.ConstraintRegistry()
    registry.register(D.constraints.positive, lambda c: D.ExpTransform())
    assert registry(D.constraints.greater_than(3.0)) == D.ExpTransform()


# ----- the families ----------------------------------------------------------------------------------
def _pos(r, shape, low=0.5, high=3.0):
    return r.uniform(low, high, size=shape)


# Each case: (name, build(lib, params), params from a generator, a value of the support)
def _family_cases():
    cases = []

    def add(name, make, params, value):
        cases.append(pytest.param(name, make, params, value, id=f"{name}-{len(cases)}"))

    for a, b in [((), ()), ((3,), (3,)), ((2, 1), (3,))]:
        batch = np.broadcast_shapes(a, b)
        ls = lambda r, a=a, b=b: {"loc": r.normal(size=a), "scale": _pos(r, b)}  # noqa: E731
        add("LogNormal", lambda L, p: L.LogNormal(**p), ls, lambda r, s=batch: _pos(r, (2, *s), 0.1, 4))
        add("Gumbel", lambda L, p: L.Gumbel(**p), ls, lambda r, s=batch: r.normal(size=(2, *s)))
        add("Cauchy", lambda L, p: L.Cauchy(**p), ls, lambda r, s=batch: r.normal(scale=3, size=s))
        add(
            "HalfNormal",
            lambda L, p: L.HalfNormal(**p),
            lambda r, b=b: {"scale": _pos(r, b)},
            lambda r, s=b: _pos(r, (2, *s), 0.0, 3),
        )
        add(
            "StudentT",
            lambda L, p: L.StudentT(**p),
            lambda r, a=a, b=b: {"df": _pos(r, b, 0.5, 6), "loc": r.normal(size=a), "scale": _pos(r, b)},
            lambda r, s=batch: r.normal(scale=2, size=(2, *s)),
        )
        add(
            "Chi2",
            lambda L, p: L.Chi2(**p),
            lambda r, a=a: {"df": _pos(r, a, 0.5, 6)},
            lambda r, s=a: _pos(r, (2, *s), 0.1, 6),
        )
        add(
            "GeometricP",
            lambda L, p: L.Geometric(**p),
            lambda r, a=a: {"probs": r.uniform(0.05, 0.95, size=a)},
            lambda r, s=a: r.integers(0, 6, size=(2, *s)).astype(float),
        )
        add(
            "GeometricL",
            lambda L, p: L.Geometric(logits=p["logits"]),
            lambda r, a=a: {"logits": r.normal(scale=2, size=a)},
            lambda r, s=a: r.integers(0, 6, size=s).astype(float),
        )
        add(
            "RelaxedBernoulliP",
            lambda L, p: L.RelaxedBernoulli(p["temperature"], probs=p["probs"]),
            lambda r, a=a, b=b: {"temperature": _pos(r, (), 0.2, 2), "probs": r.uniform(0.05, 0.95, size=b)},
            lambda r, s=b: r.uniform(0.02, 0.98, size=(2, *s)),
        )
        add(
            "RelaxedBernoulliL",
            lambda L, p: L.RelaxedBernoulli(p["temperature"], logits=p["logits"]),
            lambda r, a=a: {"temperature": _pos(r, a, 0.2, 2), "logits": r.normal(size=a)},
            lambda r, s=a: r.uniform(0.02, 0.98, size=s),
        )
        add(
            "LogitRelaxedBernoulli",
            lambda L, p: L.relaxed_bernoulli.LogitRelaxedBernoulli(p["temperature"], logits=p["logits"]),
            lambda r, a=a: {"temperature": _pos(r, (), 0.2, 2), "logits": r.normal(size=a)},
            lambda r, s=a: r.normal(scale=3, size=(2, *s)),
        )
    for batch in [(), (3,), (2, 3)]:
        add(
            "LogisticNormal",
            lambda L, p: L.LogisticNormal(**p),
            lambda r, b=batch: {"loc": r.normal(size=(*b, 3)), "scale": _pos(r, (*b, 3))},
            lambda r, s=batch: np.random.default_rng(8).dirichlet(np.ones(4), size=(2, *s)),
        )
        add(
            "StickBreaking",
            lambda L, p: L.TransformedDistribution(
                L.Normal(p["loc"], p["scale"]), [L.StickBreakingTransform()]
            ),
            lambda r, b=batch: {"loc": r.normal(size=(*b, 3)), "scale": _pos(r, (*b, 3))},
            lambda r, s=batch: np.random.default_rng(7).dirichlet(np.ones(4), size=(2, *s)),
        )
        add(
            "AffineTanh",
            lambda L, p: L.TransformedDistribution(
                L.Normal(p["loc"], 1.0), [L.AffineTransform(0.0, p["scale"]), L.TanhTransform()]
            ),
            lambda r, b=batch: {"loc": r.normal(size=b), "scale": _pos(r, b)},
            lambda r, s=batch: r.uniform(-0.95, 0.95, size=(2, *s)),
        )
        add(
            "Decreasing",
            lambda L, p: L.TransformedDistribution(
                L.Normal(p["loc"], p["scale"]), [L.AffineTransform(1.0, -2.0), L.ExpTransform()]
            ),
            lambda r, b=batch: {"loc": r.normal(size=b), "scale": _pos(r, b)},
            lambda r, s=batch: _pos(r, s, 0.1, 5),
        )
        add(
            "MixtureNormal",
            lambda L, p: L.MixtureSameFamily(
                L.Categorical(logits=p["logits"]), L.Normal(p["loc"], p["scale"])
            ),
            lambda r, b=batch: {
                "logits": r.normal(size=(*b, 3)),
                "loc": r.normal(size=(*b, 3)),
                "scale": _pos(r, (*b, 3)),
            },
            lambda r, s=batch: r.normal(size=(2, *s)),
        )
        add(
            "MixtureIndependent",
            lambda L, p: L.MixtureSameFamily(
                L.Categorical(p["probs"]), L.Independent(L.Normal(p["loc"], p["scale"]), 1)
            ),
            lambda r, b=batch: {
                "probs": _pos(r, (*b, 3), 0.1, 1),
                "loc": r.normal(size=(*b, 3, 2)),
                "scale": _pos(r, (*b, 3, 2)),
            },
            lambda r, s=batch: r.normal(size=(*s, 2)),
        )
    return cases


CASES = _family_cases()
HAS_CDF = {"LogNormal", "Gumbel", "Cauchy", "HalfNormal", "Decreasing", "AffineTanh", "MixtureNormal"}
HAS_ICDF = {"LogNormal", "Gumbel", "Cauchy", "HalfNormal", "Decreasing", "AffineTanh"}
HAS_ENTROPY = {"LogNormal", "Gumbel", "Cauchy", "HalfNormal", "StudentT", "Chi2", "GeometricP", "GeometricL"}
HAS_MOMENTS = HAS_ENTROPY | {"MixtureNormal", "MixtureIndependent"}
TRIGAMMA = {"StudentT", "Chi2"}


def _make(torch, make, params):
    ours, theirs = {}, {}
    for k, v in params.items():
        ours[k], theirs[k] = pair(torch, v)
    return ours, theirs, make(D, ours), make(torch.distributions, theirs)


def _grads(ours, theirs):
    return [(ours[k], theirs[k]) for k in ours]


@pytest.mark.parametrize(("name", "make", "params", "value"), CASES)
def test_log_prob_and_its_gradient_equal_torchs(torch, name, make, params, value):
    rng = np.random.default_rng(1)
    ours, theirs, d, t = _make(torch, make, params(rng))
    v, tv = pair(torch, value(rng))
    out, expected = d.log_prob(v), t.log_prob(tv)
    close(out, expected, rtol=1e-10)
    backward_both(torch, out, expected)
    same_grads([*_grads(ours, theirs), (v, tv)], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("name", "make", "params", "value"), CASES)
@pytest.mark.parametrize("method", ["entropy", "mean", "variance", "stddev", "mode"])
def test_moments_entropy_and_mode_equal_torchs(torch, name, make, params, value, method):
    ours, theirs, d, t = _make(torch, make, params(np.random.default_rng(2)))
    if (method in ("entropy", "mode") and name not in HAS_ENTROPY) or name not in HAS_MOMENTS:
        # neither library has it (a transformed distribution's moments have no general formula)
        for dist in (t, d):
            with pytest.raises(NotImplementedError):
                out = getattr(dist, method)
                out() if callable(out) else out
        return
    expected = getattr(t, method)
    expected = expected() if callable(expected) else expected
    out = getattr(d, method)
    out = out() if callable(out) else out
    close(out, expected)
    if expected.requires_grad and method != "mode":
        backward_both(torch, out, expected)
        same_grads(
            _grads(ours, theirs), *((TRIGAMMA_RTOL, TRIGAMMA_ATOL) if name in TRIGAMMA else (RTOL, ATOL))
        )


@pytest.mark.parametrize(("name", "make", "params", "value"), [c for c in CASES if c.values[0] in HAS_CDF])
def test_cdf_and_icdf_and_their_gradients_equal_torchs(torch, name, make, params, value):
    rng = np.random.default_rng(3)
    p = params(rng)
    ours, theirs, d, t = _make(torch, make, p)
    v, tv = pair(torch, value(rng))
    out, expected = d.cdf(v), t.cdf(tv)
    close(out, expected, rtol=1e-10)
    backward_both(torch, out, expected)
    same_grads([*_grads(ours, theirs), (v, tv)], rtol=1e-9, atol=1e-10)
    if name in HAS_ICDF:
        ours, theirs, d, t = _make(torch, make, p)
        q, tq = pair(torch, rng.uniform(0.02, 0.98, size=tuple(tv.shape)))
        out, expected = d.icdf(q), t.icdf(tq)
        close(out, expected, rtol=1e-10)
        backward_both(torch, out, expected)
        same_grads([*_grads(ours, theirs), (q, tq)], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("name", "make", "params", "value"), CASES)
def test_shapes_dtypes_support_and_expand_equal_torchs(torch, name, make, params, value):
    _, _, d, t = _make(torch, make, params(np.random.default_rng(4)))
    assert d.batch_shape == tuple(t.batch_shape)
    assert d.event_shape == tuple(t.event_shape)
    assert d.has_rsample == t.has_rsample
    assert repr(d.support) == repr(t.support)
    for sample_shape in [(), (5,), (2, 3)]:
        sample, expected = d.sample(sample_shape, seed=0), t.sample(sample_shape)
        assert sample.shape == tuple(expected.shape)
        assert str(sample.dtype) == str(expected.dtype).removeprefix("torch.")
        assert not sample.requires_grad
        assert d.support.check(sample).numpy().all()
        close(d.log_prob(sample), t.log_prob(torch.tensor(sample.numpy())), rtol=1e-9, atol=1e-10)
        if t.has_rsample:
            x = d.rsample(sample_shape, seed=0)
            assert x.shape == tuple(t.rsample(sample_shape).shape) and x.requires_grad
    bigger = (2, *d.batch_shape)
    de, te = d.expand(bigger), t.expand(bigger)
    assert type(de) is type(d)
    assert de.batch_shape == tuple(te.batch_shape) and de.event_shape == tuple(te.event_shape)
    sample = de.sample(seed=1)
    close(de.log_prob(sample), te.log_prob(torch.tensor(sample.numpy())), rtol=1e-9, atol=1e-10)


def test_student_t_mean_and_variance_for_small_df_equal_torchs(torch):
    df, tdf = pair(torch, [0.5, 1.0, 1.5, 2.0, 2.5, 8.0])
    scale, tscale = pair(torch, [1.0, 2.0, 0.5, 1.5, 3.0, 0.7])
    d, t = D.StudentT(df, 1.0, scale), torch.distributions.StudentT(tdf, 1.0, tscale)
    close(d.mean, t.mean)
    close(d.variance, t.variance)
    backward_both(torch, d.variance, t.variance)
    same_grads([(df, tdf), (scale, tscale)])
    assert np.all(np.isfinite(df.grad.numpy()))


def test_number_parameters_take_the_default_dtype_like_torchs(torch):
    tdist = torch.distributions
    for ours, theirs in [
        (D.LogNormal(0.0, 1.0), tdist.LogNormal(0.0, 1.0)),
        (D.Gumbel(0.0, 1.0), tdist.Gumbel(0.0, 1.0)),
        (D.HalfNormal(1.0), tdist.HalfNormal(1.0)),
        (D.StudentT(3.0), tdist.StudentT(3.0)),
        (D.Cauchy(0.0, 1.0), tdist.Cauchy(0.0, 1.0)),
        (D.Geometric(0.3), tdist.Geometric(0.3)),
        (D.Chi2(3.0), tdist.Chi2(3.0)),
    ]:
        assert ours.batch_shape == tuple(theirs.batch_shape) == ()
        sample, expected = ours.sample((4,), seed=0), theirs.sample((4,))
        assert str(sample.dtype) == str(expected.dtype).removeprefix("torch.")
        lp, tlp = ours.log_prob(sample), theirs.log_prob(torch.tensor(sample.numpy()))
        assert str(lp.dtype) == str(tlp.dtype).removeprefix("torch.")
        np.testing.assert_allclose(lp.numpy(), tlp.numpy(), rtol=1e-5)


def test_empty_and_non_contiguous_parameters_like_torchs(torch):
    tdist = torch.distributions
    for ours, theirs in [
        (D.LogNormal(ds.zeros(0), ds.ones(0)), tdist.LogNormal(torch.zeros(0), torch.ones(0))),
        (D.StudentT(ds.ones(0)), tdist.StudentT(torch.ones(0))),
        (D.Gumbel(ds.zeros(0, 2), 1.0), tdist.Gumbel(torch.zeros(0, 2), 1.0)),
    ]:
        assert ours.batch_shape == tuple(theirs.batch_shape)
        assert ours.sample((2,), seed=0).shape == tuple(theirs.sample((2,)).shape)
        assert ours.entropy().shape == tuple(theirs.entropy().shape)
    rng = np.random.default_rng(14)
    df, loc, scale = _pos(rng, (3, 2)), rng.normal(size=(3, 2)), _pos(rng, (3, 2))
    value = rng.normal(size=(2, 3))
    for family in ("StudentT", "Cauchy", "Gumbel"):
        args = (df, loc, scale) if family == "StudentT" else (loc, scale)
        ours = getattr(D, family)(*(ds.tensor(a).T for a in args))
        theirs = getattr(tdist, family)(*(torch.tensor(a).T for a in args))
        close(ours.log_prob(ds.tensor(value)), theirs.log_prob(torch.tensor(value)))


# ----- rsample: x = g(θ, ε) -----------------------------------------------------------------------
def test_rsample_is_torchs_formula_of_the_same_noise(torch):
    rng = np.random.default_rng(5)
    loc, tloc = pair(torch, rng.normal(size=(3,)))
    scale, tscale = pair(torch, _pos(rng, (2, 1)))
    # LogNormal: e^(μ + σε)
    x = D.LogNormal(loc, scale).rsample((4,), seed=9)
    eps = torch.tensor(np.random.default_rng(9).standard_normal((4, 2, 3)))
    expected = (tloc + eps * tscale).exp()
    close(x, expected)
    backward_both(torch, x, expected)
    same_grads([(loc, tloc), (scale, tscale)])
    # Gumbel: μ − β ln(−ln u), u uniform on [tiny, 1 − eps]
    for t in (loc, scale, tloc, tscale):
        t.grad = None
    x = D.Gumbel(loc, scale).rsample((4,), seed=9)
    finfo = np.finfo(np.float64)
    u = finfo.tiny + np.random.default_rng(9).random((4, 2, 3)) * (1 - finfo.eps - finfo.tiny)
    expected = tloc - tscale * (-torch.tensor(u).log()).log()
    close(x, expected)
    backward_both(torch, x, expected)
    same_grads([(loc, tloc), (scale, tscale)])
    # Cauchy: x₀ + γε with a standard Cauchy ε; HalfNormal: σ|ε|
    x = D.Cauchy(loc, scale).rsample((4,), seed=9)
    np.testing.assert_allclose(
        x.detach().numpy(), loc.numpy() + np.random.default_rng(9).standard_cauchy((4, 2, 3)) * scale.numpy()
    )
    x = D.HalfNormal(scale).rsample((4,), seed=9)
    np.testing.assert_allclose(
        x.detach().numpy(), np.abs(np.random.default_rng(9).standard_normal((4, 2, 1)) * scale.numpy())
    )
    # LogisticNormal: stick breaking of μ + σε
    for t in (loc, scale, tloc, tscale):
        t.grad = None
    x = D.LogisticNormal(loc, scale).rsample((4,), seed=9)
    expected = torch.distributions.StickBreakingTransform()(tloc + eps * tscale)
    close(x, expected)
    backward_both(torch, x, expected)
    same_grads([(loc, tloc), (scale, tscale)])
    # RelaxedBernoulli: σ((logit u + logit p)/τ), u and p clamped to [eps, 1 − eps]
    probs, tprobs = pair(torch, rng.uniform(0.05, 0.95, size=(3,)))
    temp, ttemp = pair(torch, 0.7)
    x = D.RelaxedBernoulli(temp, probs=probs).rsample((4,), seed=9)
    clamp = lambda v: v.clamp(min=finfo.eps, max=1 - finfo.eps)  # noqa: E731
    u, p = clamp(torch.tensor(np.random.default_rng(9).random((4, 3)))), clamp(tprobs)
    expected = ((u.log() - (-u).log1p() + p.log() - (-p).log1p()) / ttemp).sigmoid()
    close(x, expected)
    backward_both(torch, x, expected)
    same_grads([(probs, tprobs), (temp, ttemp)])


def test_student_t_rsample_gradients(torch):
    """x = μ + σY: ∂x/∂μ = 1, ∂x/∂σ = Y; and ∂E[(x − μ)²]/∂ν = ∂(σ²ν/(ν − 2))/∂ν = −2σ²/(ν − 2)², reached
    through χ²'s implicit gradient (unbiased on average)."""
    df = ds.tensor([6.0, 9.0], dtype=ds.float64, requires_grad=True)
    loc = ds.tensor([0.5, -1.0], dtype=ds.float64, requires_grad=True)
    scale = ds.tensor([1.5, 0.8], dtype=ds.float64, requires_grad=True)
    n = 200_000
    x = D.StudentT(df, loc, scale).rsample((n,), seed=11)
    x.sum().backward()
    y = (x.detach().numpy() - loc.numpy()) / scale.numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [n, n])
    np.testing.assert_allclose(scale.grad.numpy(), y.sum(0), rtol=1e-10)
    df.grad = None
    x = D.StudentT(df, loc.detach(), scale.detach()).rsample((n,), seed=12)
    ((x - loc.detach()) ** 2).mean(0).sum().backward()
    nu, s = df.detach().numpy(), scale.detach().numpy()
    np.testing.assert_allclose(df.grad.numpy(), -2 * s**2 / (nu - 2) ** 2, rtol=0.1)


# ----- sampling: moments ------------------------------------------------------------------------------
def test_sample_moments_match_the_distributions():
    n = 200_000
    cases = [
        (D.LogNormal(ds.tensor([0.0, 0.5]), ds.tensor([0.3, 0.6])), None),
        (D.Gumbel(ds.tensor([1.0, -2.0]), ds.tensor([0.5, 2.0])), None),
        (D.HalfNormal(ds.tensor([0.5, 3.0])), None),
        (D.StudentT(ds.tensor([9.0, 12.0]), ds.tensor([1.0, -1.0]), ds.tensor([2.0, 0.5])), None),
        (D.Chi2(ds.tensor([1.0, 7.0])), None),
        (D.Geometric(ds.tensor([0.2, 0.8])), None),
        (
            D.MixtureSameFamily(
                D.Categorical(ds.tensor([0.3, 0.7])), D.Normal(ds.tensor([-2.0, 3.0]), ds.tensor([0.5, 1.0]))
            ),
            None,
        ),
    ]
    for d, _ in cases:
        x = d.sample((n,), seed=3).numpy().astype(np.float64)
        mean, var = d.mean.numpy().astype(np.float64), d.variance.numpy().astype(np.float64)
        # six standard errors of the mean; the variance to 5 % (heavy tails make its error larger)
        np.testing.assert_allclose(x.mean(0), mean, atol=6 * np.sqrt(var / n).max(), err_msg=repr(d))
        np.testing.assert_allclose(x.var(0), var, rtol=0.05, err_msg=repr(d))
    # Cauchy has no moments: its quartiles are x₀ ± γ
    d = D.Cauchy(ds.tensor([1.0, -3.0]), ds.tensor([0.5, 2.0]))
    x = d.sample((n,), seed=4).numpy()
    np.testing.assert_allclose(
        np.quantile(x, [0.25, 0.5, 0.75], axis=0), [[0.5, -5.0], [1.0, -3.0], [1.5, -1.0]], atol=0.03
    )
    # the mixture picks each component with its weight
    mix = D.MixtureSameFamily(
        D.Categorical(ds.tensor([0.3, 0.7])), D.Normal(ds.tensor([-50.0, 50.0]), ds.ones(2))
    )
    assert abs((mix.sample((n,), seed=5).numpy() < 0).mean() - 0.3) < 6 * math.sqrt(0.21 / n)


# ----- KL divergences -------------------------------------------------------------------------------
def _kl_cases():
    r = np.random.default_rng(12)
    p3 = lambda lo, hi: r.uniform(lo, hi, size=(3,))  # noqa: E731
    ls = lambda: {"loc": r.normal(size=(3,)), "scale": p3(0.5, 2)}  # noqa: E731
    return [
        ("Cauchy", "Cauchy", ls(), ls()),
        ("Gumbel", "Gumbel", ls(), ls()),
        ("HalfNormal", "HalfNormal", {"scale": p3(0.5, 2)}, {"scale": p3(0.5, 2)}),
        ("LogNormal", "LogNormal", ls(), ls()),
        ("Geometric", "Geometric", {"probs": p3(0.1, 0.9)}, {"logits": r.normal(size=(3,))}),
        ("Exponential", "Gumbel", {"rate": p3(0.5, 2)}, ls()),
        ("Gamma", "Gumbel", {"concentration": p3(0.5, 3), "rate": p3(0.5, 2)}, ls()),
        ("Normal", "Gumbel", ls(), ls()),
        ("Uniform", "Gumbel", {"low": p3(-2, -1), "high": p3(1, 2)}, ls()),
        ("Gumbel", "Normal", ls(), ls()),
        ("Gumbel", "Exponential", ls(), {"rate": p3(0.5, 2)}),
        ("Gumbel", "Uniform", ls(), {"low": p3(-2, -1), "high": p3(1, 2)}),
    ]


KL_CASES = _kl_cases()


@pytest.mark.parametrize(("fp", "fq", "p", "q"), KL_CASES, ids=[f"{c[0]}-{c[1]}" for c in KL_CASES])
def test_kl_divergence_and_its_gradients_equal_torchs(torch, fp, fq, p, q):
    op, tp, dp, tdp = _make(torch, lambda L, a: getattr(L, fp)(**a), p)
    oq, tq, dq, tdq = _make(torch, lambda L, a: getattr(L, fq)(**a), q)
    out, expected = D.kl_divergence(dp, dq), torch.distributions.kl_divergence(tdp, tdq)
    close(out, expected)
    assert out.requires_grad == expected.requires_grad
    if not expected.requires_grad:  # inf: q has no density where p has mass
        return
    backward_both(torch, out, expected)
    tolerances = (TRIGAMMA_RTOL, TRIGAMMA_ATOL) if fp == "Gamma" else (RTOL, ATOL)
    same_grads([*_grads(op, tp), *_grads(oq, tq)], *tolerances)


def test_kl_between_different_transformed_distributions_is_not_implemented(torch):
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.LogNormal(0.0, 1.0), D.HalfNormal(1.0))
    with pytest.raises(NotImplementedError):
        torch.distributions.kl_divergence(
            torch.distributions.LogNormal(0.0, 1.0), torch.distributions.HalfNormal(1.0)
        )
    # the same transforms: the base's KL (invariance under a bijection)
    close(
        D.kl_divergence(
            D.TransformedDistribution(D.Normal(0.0, 1.0), D.TanhTransform()),
            D.TransformedDistribution(D.Normal(1.0, 2.0), D.TanhTransform()),
        ),
        D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)),
    )


# ----- validation, reprs, errors ---------------------------------------------------------------------
def _bad_calls(lib, T):
    return [
        lambda: lib.LogNormal(0.0, T.tensor([-1.0])),
        lambda: lib.LogNormal(0.0, 1.0).log_prob(T.tensor([-1.0])),
        lambda: lib.Gumbel(T.tensor([0.0]), T.tensor([0.0])),
        lambda: lib.HalfNormal(T.tensor([-1.0])),
        lambda: lib.HalfNormal(1.0).log_prob(T.tensor([-1.0])),
        lambda: lib.StudentT(T.tensor([0.0])),
        lambda: lib.StudentT(2.0, 0.0, T.tensor([-1.0])),
        lambda: lib.Cauchy(0.0, T.tensor([-2.0])),
        lambda: lib.Chi2(T.tensor([-2.0])),
        lambda: lib.Geometric(T.tensor([0.0, 0.5])),
        lambda: lib.Geometric(T.tensor([1.5])),
        lambda: lib.Geometric(),
        lambda: lib.Geometric(T.tensor(0.5)).log_prob(T.tensor(1.5)),
        lambda: lib.TransformedDistribution(lib.Normal(0.0, 1.0), 3),
        lambda: lib.TransformedDistribution(lib.Normal(0.0, 1.0), [3]),
        lambda: lib.TransformedDistribution(lib.Normal(0.0, 1.0), lib.StickBreakingTransform()),
        lambda: lib.TransformedDistribution(lib.Normal(0.0, 1.0), lib.ExpTransform()).log_prob(
            T.tensor(-1.0)
        ),
        lambda: lib.MixtureSameFamily(lib.Normal(0.0, 1.0), lib.Normal(T.zeros(2), 1.0)),
        lambda: lib.MixtureSameFamily(lib.Categorical(T.ones(2)), 3),
        lambda: lib.MixtureSameFamily(lib.Categorical(T.ones(3)), lib.Normal(T.zeros(2), 1.0)),
        lambda: lib.MixtureSameFamily(lib.Categorical(T.ones(2, 2)), lib.Normal(T.zeros(3, 2), 1.0)),
        lambda: lib.MixtureSameFamily(lib.Categorical(T.ones(2, 2)), lib.Normal(T.zeros(2, 2), 1.0)).log_prob(
            T.zeros(3)
        ),
        lambda: lib.MixtureSameFamily(lib.Categorical(T.ones(2)), lib.Gamma(T.ones(2), 1.0)).log_prob(
            T.tensor(-1.0)
        ),
        lambda: lib.MixtureSameFamily(lib.Categorical(T.ones(2)), lib.Normal(0.0, 1.0)),
        lambda: lib.LogisticNormal(T.zeros(2), T.tensor([1.0, -1.0])),
        lambda: lib.LogisticNormal(T.zeros(2), 1.0).log_prob(T.tensor([0.5, 0.6, 0.2])),
        lambda: lib.RelaxedBernoulli(T.tensor(0.5), T.tensor([1.5])),
        lambda: lib.RelaxedBernoulli(T.tensor(0.5), T.tensor([0.5])).log_prob(T.tensor([1.5])),
        lambda: lib.RelaxedBernoulli(T.tensor(0.5)),
    ]


def test_validation_errors_raise_torchs_exception_types(torch):
    ours_calls, theirs_calls = _bad_calls(D, ds), _bad_calls(torch.distributions, torch)
    for i, (ours, theirs) in enumerate(zip(ours_calls, theirs_calls, strict=True)):
        with pytest.raises(Exception) as expected:
            theirs()
        with pytest.raises(expected.type) as got:
            ours()
        if expected.type is ValueError and i < 13:  # PyTorch's message up to the values
            assert str(got.value).split(":")[0] == str(expected.value).split(":")[0], i


def test_reprs_read_as_torchs(torch):
    tdist = torch.distributions
    pairs = [
        (D.LogNormal(0.0, 1.0), tdist.LogNormal(0.0, 1.0)),
        (D.HalfNormal(1.0), tdist.HalfNormal(1.0)),
        (D.Gumbel(0.0, 1.0), tdist.Gumbel(0.0, 1.0)),
        (D.StudentT(3.0), tdist.StudentT(3.0)),
        (D.Cauchy(0.0, 1.0), tdist.Cauchy(0.0, 1.0)),
        (D.Geometric(0.3), tdist.Geometric(0.3)),
        (D.Chi2(2.0), tdist.Chi2(2.0)),
        (D.LogisticNormal(0.0, 1.0), tdist.LogisticNormal(0.0, 1.0)),
        (D.RelaxedBernoulli(ds.tensor(0.5), 0.3), tdist.RelaxedBernoulli(torch.tensor(0.5), 0.3)),
        (
            D.TransformedDistribution(D.Normal(0.0, 1.0), D.ExpTransform()),
            tdist.TransformedDistribution(tdist.Normal(0.0, 1.0), tdist.ExpTransform()),
        ),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    mix = D.MixtureSameFamily(D.Categorical(ds.ones(2)), D.Normal(ds.zeros(2), 1.0))
    tmix = tdist.MixtureSameFamily(tdist.Categorical(torch.ones(2)), tdist.Normal(torch.zeros(2), 1.0))
    assert repr(mix) == repr(tmix).replace("torch.Size([2])", "(2,)")
    assert repr(mix.support) == repr(tmix.support)
