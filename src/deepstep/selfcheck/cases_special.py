"""Catalogue cases: the special functions (lgamma, digamma, polygamma, mvlgamma, i0, and
deepstep.special's torch.special names: ndtr, ndtri, log_ndtr, erfcx, entr, xlog1py, expit…) and
the functions without gradient (gcd, lcm, heaviside, frexp, nextafter)."""

from __future__ import annotations

from .. import autograd as ag
from .. import special as S
from .case import OpCase

CASES: tuple[OpCase, ...] = (
    OpCase("lgamma", ag.lgamma, ((3, 4),), "positive", torch=lambda t, a: t.lgamma(a)),
    OpCase(
        "lgamma_negative", lambda a: (-a).lgamma(), ((3, 4),), "positive", torch=lambda t, a: (-a).lgamma()
    ),
    OpCase(
        "lgamma_inplace",
        lambda a: (a * 1).lgamma_(),
        ((4,),),
        "positive",
        torch=lambda t, a: (a * 1).lgamma_(),
    ),
    OpCase("digamma", lambda a: a.digamma(), ((3, 4),), "positive", torch=lambda t, a: a.digamma()),
    OpCase(
        "digamma_negative", lambda a: ag.digamma(-a), ((3, 4),), "positive", torch=lambda t, a: t.digamma(-a)
    ),
    *(
        OpCase(
            f"polygamma_{n}",
            lambda a, n=n: ag.polygamma(n, a),
            ((3, 4),),
            "positive",
            torch=lambda t, a, n=n: t.polygamma(n, a),
            rtol=1e-9,
        )
        for n in (1, 2, 3)
    ),
    OpCase(
        "polygamma_method",
        lambda a: a.polygamma(1),
        ((5,),),
        "above_one",
        torch=lambda t, a: a.polygamma(1),
        rtol=1e-9,
    ),
    OpCase(
        "mvlgamma",
        lambda a: ag.mvlgamma(a + 2, 3),
        ((3, 4),),
        "positive",
        torch=lambda t, a: t.mvlgamma(a + 2, 3),
    ),
    OpCase("i0", ag.i0, ((3, 4),), torch=lambda t, a: t.i0(a)),
    OpCase("i0_large", lambda a: (a * 10).i0(), ((6,),), "positive", torch=lambda t, a: (a * 10).i0()),
    OpCase("special_i0", S.i0, ((4,),), torch=lambda t, a: t.special.i0(a)),
    OpCase("special_ndtr", S.ndtr, ((3, 4),), torch=lambda t, a: t.special.ndtr(a)),
    OpCase(
        "special_ndtri",
        lambda a: S.ndtri(a.abs()),
        ((3, 4),),
        "unit",
        torch=lambda t, a: t.special.ndtri(a.abs()),
    ),
    OpCase(
        "special_log_ndtr",
        lambda a: S.log_ndtr(a * 10),
        ((3, 4),),
        torch=lambda t, a: t.special.log_ndtr(a * 10),
    ),
    OpCase("special_erfcx", S.erfcx, ((3, 4),), torch=lambda t, a: t.special.erfcx(a)),
    OpCase(
        "special_erfcx_tail",
        lambda a: S.erfcx(a * 15),
        ((5,),),
        "positive",
        torch=lambda t, a: t.special.erfcx(a * 15),
    ),
    OpCase("special_entr", S.entr, ((3, 4),), "positive", torch=lambda t, a: t.special.entr(a)),
    OpCase(
        "special_xlog1py",
        S.xlog1py,
        ((3, 4), (4,)),
        ("real", "positive"),
        torch=lambda t, a, b: t.special.xlog1py(a, b),
    ),
    OpCase("special_expit", S.expit, ((3, 4),), torch=lambda t, a: t.special.expit(a)),
    OpCase("special_gammaln", S.gammaln, ((3, 4),), "positive", torch=lambda t, a: t.special.gammaln(a)),
    OpCase("special_psi", S.psi, ((3, 4),), "positive", torch=lambda t, a: t.special.psi(a)),
    OpCase(
        "special_polygamma",
        lambda a: S.polygamma(2, a),
        ((4,),),
        "positive",
        torch=lambda t, a: t.special.polygamma(2, a),
        rtol=1e-9,
    ),
    OpCase(
        "special_multigammaln",
        lambda a: S.multigammaln(a + 2, 2),
        ((4,),),
        "positive",
        torch=lambda t, a: t.special.multigammaln(a + 2, 2),
    ),
    OpCase("special_erf", S.erf, ((3, 4),), torch=lambda t, a: t.special.erf(a)),
    OpCase(
        "special_logsumexp",
        lambda a: S.logsumexp(a, 1),
        ((3, 4),),
        torch=lambda t, a: t.special.logsumexp(a, 1),
    ),
    OpCase(
        "special_xlogy",
        S.xlogy,
        ((3, 4), (4,)),
        ("real", "positive"),
        torch=lambda t, a, b: t.special.xlogy(a, b),
    ),
    # no gradient
    OpCase("gcd", ag.gcd, ((3, 4), (4,)), "int", torch=lambda t, a, b: t.gcd(a, b), differentiable=False),
    OpCase(
        "lcm",
        lambda a, b: a.lcm(b),
        ((3, 4), (3, 1)),
        "int",
        torch=lambda t, a, b: a.lcm(b),
        differentiable=False,
    ),
    OpCase(
        "heaviside",
        ag.heaviside,
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.heaviside(a, b),
        differentiable=False,
    ),
    OpCase(
        "frexp_mantissa",
        lambda a: ag.frexp(a * 10).mantissa,
        ((3, 4),),
        torch=lambda t, a: t.frexp(a * 10).mantissa,
        differentiable=False,
    ),
    OpCase(
        "frexp_exponent",
        lambda a: a.frexp().exponent,
        ((3, 4),),
        torch=lambda t, a: a.frexp().exponent,
        differentiable=False,
    ),
    OpCase(
        "nextafter",
        ag.nextafter,
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.nextafter(a, b),
        differentiable=False,
    ),
)
