"""Catalogue cases: statistics (cov, corrcoef, quantile, nanquantile, mode, diff, trapezoid,
cumulative_trapezoid, cumsum_/cumprod_) and counting (histc, bincount, searchsorted, bucketize,
unique_consecutive, which have no gradient)."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .case import OpCase

_FWEIGHTS = np.array([1, 2, 1, 3, 1])
_AWEIGHTS = np.array([0.5, 1.5, 1.0, 0.7, 2.0])
_QS = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
_SEQUENCE = np.array([-1.5, -0.5, 0.0, 0.3, 1.2])
_INDICES = np.array([0, 3, 1, 1, 5, 3, 0, 2])


def _quantile_cases():
    cases = []
    for interpolation in ("linear", "lower", "higher", "midpoint", "nearest"):
        cases.append(
            OpCase(
                f"quantile_{interpolation}",
                lambda a, i=interpolation: ag.quantile(a, ag.tensor(_QS).to(a.dtype), dim=1, interpolation=i),
                ((3, 6),),
                "distinct",
                torch=lambda t, a, i=interpolation: t.quantile(
                    a, t.from_numpy(_QS).to(a.dtype), dim=1, interpolation=i
                ),
            )
        )
    return cases


CASES: tuple[OpCase, ...] = (
    OpCase("cov", ag.cov, ((3, 5),), torch=lambda t, a: t.cov(a)),
    OpCase("cov_vector", lambda a: a.cov(), ((6,),), torch=lambda t, a: a.cov()),
    OpCase(
        "cov_weights",
        lambda a: ag.cov(a, correction=2, fweights=_FWEIGHTS, aweights=ag.tensor(_AWEIGHTS).to(a.dtype)),
        ((2, 5),),
        torch=lambda t, a: t.cov(
            a, correction=2, fweights=t.from_numpy(_FWEIGHTS), aweights=t.from_numpy(_AWEIGHTS).to(a.dtype)
        ),
    ),
    OpCase("cov_int", ag.cov, ((2, 4),), "int", torch=lambda t, a: t.cov(a), differentiable=False),
    OpCase("corrcoef", ag.corrcoef, ((3, 5),), torch=lambda t, a: t.corrcoef(a)),
    OpCase("corrcoef_vector", lambda a: a.corrcoef(), ((4,),), torch=lambda t, a: a.corrcoef()),
    *_quantile_cases(),
    OpCase(
        "quantile_all", lambda a: a.quantile(0.3), ((3, 4),), "distinct", torch=lambda t, a: a.quantile(0.3)
    ),
    OpCase(
        "quantile_keepdim",
        lambda a: ag.quantile(a, ag.tensor([0.2, 0.7]).to(a.dtype), dim=-1, keepdim=True),
        ((2, 3, 5),),
        "distinct",
        torch=lambda t, a: t.quantile(a, t.tensor([0.2, 0.7]).to(a.dtype), dim=-1, keepdim=True),
    ),
    OpCase(
        "nanquantile",
        lambda a: ag.nanquantile(a, 0.6, dim=0),
        ((5, 3),),
        "distinct",
        torch=lambda t, a: t.nanquantile(a, 0.6, dim=0),
    ),
    OpCase(
        "mode",
        lambda a: ag.mode(a, 1).values,
        ((3, 7),),
        "int",
        torch=lambda t, a: t.mode(a, 1).values,
        differentiable=False,
    ),
    OpCase(
        "mode_indices",
        lambda a: a.mode(0, keepdim=True).indices,
        ((6, 3),),
        "int",
        torch=lambda t, a: a.mode(0, keepdim=True).indices,
        differentiable=False,
    ),
    OpCase(
        "mode_distinct",
        lambda a: a.mode(-1).values,
        ((2, 5),),
        "distinct",
        torch=lambda t, a: a.mode(-1).values,
    ),
    OpCase("diff", ag.diff, ((3, 5),), torch=lambda t, a: t.diff(a)),
    OpCase("diff_twice_dim0", lambda a: a.diff(2, 0), ((5, 3),), torch=lambda t, a: a.diff(2, 0)),
    OpCase(
        "diff_prepend_append",
        lambda a, b, c: ag.diff(a, 1, -1, prepend=b, append=c),
        ((2, 3), (2, 1), (2, 2)),
        torch=lambda t, a, b, c: t.diff(a, 1, -1, prepend=b, append=c),
    ),
    OpCase("diff_int", ag.diff, ((6,),), "int", torch=lambda t, a: t.diff(a), differentiable=False),
    OpCase("diff_bool", ag.diff, ((6,),), "bool", torch=lambda t, a: t.diff(a), differentiable=False),
    OpCase("trapezoid", ag.trapezoid, ((3, 5),), torch=lambda t, a: t.trapezoid(a)),
    OpCase(
        "trapezoid_dx",
        lambda y: ag.trapezoid(y, dx=0.5, dim=0),
        ((4, 3),),
        torch=lambda t, y: t.trapezoid(y, dx=0.5, dim=0),
    ),
    OpCase("trapezoid_x", ag.trapezoid, ((3, 5), (5,)), torch=lambda t, y, x: t.trapezoid(y, x)),
    OpCase("trapezoid_x_broadcast", ag.trapezoid, ((3, 5), (1, 5)), torch=lambda t, y, x: t.trapezoid(y, x)),
    OpCase(
        "trapezoid_empty", ag.trapezoid, ((2, 0),), torch=lambda t, y: t.trapezoid(y), differentiable=False
    ),
    OpCase(
        "trapz",
        lambda y, x: ag.trapz(y, x, dim=0),
        ((4, 2), (4,)),
        torch=lambda t, y, x: t.trapz(y, x, dim=0),
    ),
    OpCase(
        "cumulative_trapezoid",
        ag.cumulative_trapezoid,
        ((3, 5),),
        torch=lambda t, y: t.cumulative_trapezoid(y),
    ),
    OpCase(
        "cumulative_trapezoid_x",
        lambda y, x: ag.cumulative_trapezoid(y, x, dim=0),
        ((4, 3), (4,)),
        torch=lambda t, y, x: t.cumulative_trapezoid(y, x, dim=0),
    ),
    OpCase(
        "cumsum_inplace",
        lambda a: (a * 1).cumsum_(1),
        ((3, 4),),
        torch=lambda t, a: (a * 1).cumsum_(1),
    ),
    OpCase(
        "cumprod_inplace",
        lambda a: (a * 1).cumprod_(0),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: (a * 1).cumprod_(0),
    ),
    # counting: values and dtypes only
    OpCase(
        "histc", lambda a: ag.histc(a, 6), ((40,),), torch=lambda t, a: t.histc(a, 6), differentiable=False
    ),
    OpCase(
        "histc_range",
        lambda a: a.histc(4, -1, 1),
        ((5, 6),),
        torch=lambda t, a: a.histc(4, -1, 1),
        differentiable=False,
    ),
    OpCase(
        "bincount_weights",
        lambda w: ag.bincount(ag.tensor(_INDICES), w, minlength=8),
        ((8,),),
        torch=lambda t, w: t.bincount(t.from_numpy(_INDICES), w, minlength=8),
        differentiable=False,
    ),
    OpCase(
        "searchsorted",
        lambda v: ag.searchsorted(ag.tensor(_SEQUENCE), v),
        ((3, 4),),
        torch=lambda t, v: t.searchsorted(t.from_numpy(_SEQUENCE), v),
        differentiable=False,
    ),
    OpCase(
        "searchsorted_rows",
        lambda s, v: ag.searchsorted(s.sort(-1).values, v, side="right"),
        ((2, 5), (2, 3)),
        torch=lambda t, s, v: t.searchsorted(s.sort(-1).values, v, side="right"),
        differentiable=False,
    ),
    OpCase(
        "bucketize",
        lambda v: ag.bucketize(v, ag.tensor(_SEQUENCE), right=True),
        ((3, 4),),
        torch=lambda t, v: t.bucketize(v, t.from_numpy(_SEQUENCE), right=True),
        differentiable=False,
    ),
    OpCase(
        "unique_consecutive",
        lambda a: ag.unique_consecutive((a > 0).long()),
        ((12,),),
        torch=lambda t, a: t.unique_consecutive((a > 0).long()),
        differentiable=False,
    ),
)
