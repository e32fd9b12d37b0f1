"""Catalogue cases: sorting and scans (part of the reductions' family: cases_reduce gathers them).

Ops that return (values, indices) appear twice: their values (differentiable, on "distinct" inputs
so that no tie makes the gradient ambiguous) and their indices (not differentiable, ties included
where PyTorch's choice is documented: stable sorts, cummax's latest index).
"""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .case import OpCase


def _case(name, fn, shapes, domain="real", torch=None, **options):
    return OpCase(name, fn, shapes, domain, torch=torch, **options)


def _indices(name, fn, shapes, torch, domain="distinct"):
    return OpCase(name, fn, shapes, domain, torch=torch, differentiable=False)


SORTING = (
    _case(
        "sort_values", lambda a: a.sort().values, ((3, 5),), "distinct", torch=lambda t, a: a.sort().values
    ),
    _case(
        "sort_dim0_descending",
        lambda a: a.sort(0, descending=True)[0],
        ((4, 3),),
        "distinct",
        torch=lambda t, a: a.sort(0, descending=True)[0],
    ),
    _indices(
        "sort_indices",
        lambda a: a.sort(-1, True).indices,
        ((3, 5),),
        torch=lambda t, a: a.sort(-1, True).indices,
    ),
    _case("sort_0d", lambda a: a.sort().values, ((),), torch=lambda t, a: a.sort().values),
    _case("sort_empty", lambda a: a.sort(0).values, ((0, 3),), torch=lambda t, a: a.sort(0).values),
    _indices(
        "sort_int_stable",
        lambda a: a.sort(stable=True).indices,
        ((3, 6),),
        domain="int",
        torch=lambda t, a: a.sort(stable=True).indices,
    ),
    _indices(
        "sort_int_stable_descending",
        lambda a: a.sort(descending=True, stable=True).indices,
        ((3, 6),),
        domain="int",
        torch=lambda t, a: a.sort(descending=True, stable=True).indices,
    ),
    _indices("argsort", lambda a: a.argsort(0), ((4, 3),), torch=lambda t, a: a.argsort(0)),
    _indices(
        "argsort_descending",
        lambda a: ag.argsort(a, descending=True),
        ((3, 4),),
        torch=lambda t, a: t.argsort(a, descending=True),
    ),
    _case("msort", lambda a: ag.msort(a), ((4, 3),), "distinct", torch=lambda t, a: t.msort(a)),
    _case(
        "topk_values", lambda a: a.topk(2).values, ((3, 5),), "distinct", torch=lambda t, a: a.topk(2).values
    ),
    _case(
        "topk_smallest_dim0",
        lambda a: a.topk(3, 0, largest=False)[0],
        ((4, 3),),
        "distinct",
        torch=lambda t, a: a.topk(3, 0, largest=False)[0],
    ),
    _indices(
        "topk_indices", lambda a: a.topk(2, -1).indices, ((3, 5),), torch=lambda t, a: a.topk(2, -1).indices
    ),
    _case("topk_zero", lambda a: a.topk(0).values, ((3, 5),), torch=lambda t, a: a.topk(0).values),
    _case(
        "kthvalue",
        lambda a: a.kthvalue(2).values,
        ((3, 5),),
        "distinct",
        torch=lambda t, a: a.kthvalue(2).values,
    ),
    _case(
        "kthvalue_dim_keepdim",
        lambda a: a.kthvalue(4, 0, True).values,
        ((4, 3),),
        "distinct",
        torch=lambda t, a: a.kthvalue(4, 0, True).values,
    ),
    _indices(
        "kthvalue_indices",
        lambda a: a.kthvalue(3, -1).indices,
        ((3, 5),),
        torch=lambda t, a: a.kthvalue(3, -1).indices,
    ),
    _indices("unique", lambda a: ag.unique(a), ((3, 5),), domain="int", torch=lambda t, a: t.unique(a)),
    _indices(
        "unique_inverse",
        lambda a: ag.unique(a, return_inverse=True)[1],
        ((3, 5),),
        domain="int",
        torch=lambda t, a: t.unique(a, return_inverse=True)[1],
    ),
    _indices(
        "unique_counts",
        lambda a: a.unique(return_counts=True)[1],
        ((3, 5),),
        domain="int",
        torch=lambda t, a: a.unique(return_counts=True)[1],
    ),
    _indices(
        "unique_dim",
        lambda a: ag.unique(a.sum(1, keepdim=True) > 0, dim=0),
        ((6, 2),),
        domain="int",
        torch=lambda t, a: t.unique(a.sum(1, keepdim=True) > 0, dim=0),
    ),
)

SCANS = (
    _case("cumsum", lambda a: a.cumsum(1), ((3, 4),), torch=lambda t, a: a.cumsum(1)),
    _case("cumsum_neg_dim", lambda a: ag.cumsum(a, -3), ((2, 3, 4),), torch=lambda t, a: t.cumsum(a, -3)),
    _case("cumsum_0d", lambda a: a.cumsum(0), ((),), torch=lambda t, a: a.cumsum(0)),
    _case("cumsum_empty", lambda a: a.cumsum(0), ((0, 3),), torch=lambda t, a: a.cumsum(0)),
    _case(
        "cumsum_dtype",
        lambda a: a.cumsum(0, dtype=np.float64),
        ((3, 4),),
        torch=lambda t, a: a.cumsum(0, dtype=t.float64),
    ),
    _case(
        "cumsum_int",
        lambda a: a.cumsum(1),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.cumsum(1),
        differentiable=False,
    ),
    _case(
        "cumsum_bool",
        lambda a: a.cumsum(0),
        ((3, 4),),
        "bool",
        torch=lambda t, a: a.cumsum(0),
        differentiable=False,
    ),
    _case("cumprod", lambda a: a.cumprod(1), ((3, 5),), torch=lambda t, a: a.cumprod(1)),
    _case(
        "cumprod_neg_dim",
        lambda a: ag.cumprod(a, -2),
        ((4, 3),),
        "nonzero",
        torch=lambda t, a: t.cumprod(a, -2),
    ),
    _case(
        "cumprod_int",
        lambda a: a.cumprod(0),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.cumprod(0),
        differentiable=False,
    ),
    _case("logcumsumexp", lambda a: a.logcumsumexp(1), ((3, 5),), torch=lambda t, a: a.logcumsumexp(1)),
    _case(
        "logcumsumexp_dim0_scaled",
        lambda a: ag.logcumsumexp(30 * a, 0),
        ((4, 3),),
        torch=lambda t, a: t.logcumsumexp(30 * a, 0),
    ),
    _case("logcumsumexp_0d", lambda a: a.logcumsumexp(-1), ((),), torch=lambda t, a: a.logcumsumexp(-1)),
    _case(
        "cummax_values",
        lambda a: a.cummax(1).values,
        ((3, 5),),
        "distinct",
        torch=lambda t, a: a.cummax(1).values,
    ),
    _indices(
        "cummax_indices", lambda a: a.cummax(0).indices, ((4, 3),), torch=lambda t, a: a.cummax(0).indices
    ),
    _indices(
        "cummax_int_ties",
        lambda a: a.cummax(1).indices,
        ((3, 6),),
        domain="int",
        torch=lambda t, a: a.cummax(1).indices,
    ),
    _case(
        "cummin_values",
        lambda a: ag.cummin(a, -1)[0],
        ((3, 5),),
        "distinct",
        torch=lambda t, a: t.cummin(a, -1)[0],
    ),
    _indices(
        "cummin_int_ties",
        lambda a: a.cummin(0).indices,
        ((6, 3),),
        domain="int",
        torch=lambda t, a: a.cummin(0).indices,
    ),
)

CASES: tuple[OpCase, ...] = (*SORTING, *SCANS)
