"""Catalogue cases: reductions and order statistics; the sorting and scan cases of cases_scan join them.

Ops that return (values, indices) appear twice: their values (differentiable, on "distinct" inputs
so that no tie makes the gradient ambiguous) and their indices (not differentiable). Integer and
bool inputs check dtypes only (differentiable=False).
"""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from . import cases_scan
from .case import OpCase

_NAN = float("nan")
_HOLES = np.random.default_rng(7).random((3, 5)) < 0.3  # where NaNs are put for nansum and friends
_HOLES[:, 0] = False  # every row keeps a number: a NaN output would make the gradient check NaN
_HOLES[1, 1] = True
_NAN_ROW = _HOLES.copy()
_NAN_ROW[2] = True  # a row of NaNs only (nansum gives 0 there)


def _holes(a, holes=_HOLES):
    """a with NaNs put in (the same in deepstep and torch: where keeps a's dtype)."""
    return ag.where(holes, _NAN, a)


def _torch_holes(t, a, holes=_HOLES):
    return t.where(t.from_numpy(holes), _NAN, a)


def _case(name, fn, shapes, domain="real", torch=None, **options):
    return OpCase(name, fn, shapes, domain, torch=torch, **options)


def _indices(name, fn, shapes, torch, domain="distinct"):
    return OpCase(name, fn, shapes, domain, torch=torch, differentiable=False)


SUMS = (
    _case("sum_dim_neg", lambda a: a.sum(-1), ((3, 4),), torch=lambda t, a: a.sum(-1)),
    _case(
        "sum_tuple_keepdim",
        lambda a: a.sum((0, -1), keepdim=True),
        ((2, 3, 4),),
        torch=lambda t, a: a.sum((0, -1), keepdim=True),
    ),
    _case("sum_empty_tuple_is_all", lambda a: a.sum(dim=()), ((2, 3),), torch=lambda t, a: a.sum(dim=())),
    _case("sum_0d", lambda a: a.sum(-1), ((),), torch=lambda t, a: a.sum(-1)),
    _case("sum_empty_dim", lambda a: a.sum(0), ((0, 3),), torch=lambda t, a: a.sum(0)),
    _case(
        "sum_dtype_float64",
        lambda a: a.sum(1, dtype=np.float64),
        ((3, 4),),
        torch=lambda t, a: a.sum(1, dtype=t.float64),
    ),
    _case("sum_int", lambda a: a.sum(0), ((3, 4),), "int", torch=lambda t, a: a.sum(0), differentiable=False),
    _case("sum_bool", lambda a: a.sum(), ((3, 4),), "bool", torch=lambda t, a: a.sum(), differentiable=False),
    _case(
        "sum_int_dtype_float",
        lambda a: a.sum(1, dtype=np.float32),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.sum(1, dtype=t.float32),
        differentiable=False,
    ),
    _case(
        "nansum",
        lambda a: _holes(a, _NAN_ROW).nansum(1),
        ((3, 5),),
        torch=lambda t, a: _torch_holes(t, a, _NAN_ROW).nansum(1),
    ),
    _case(
        "nansum_all", lambda a: _holes(a).nansum(), ((3, 5),), torch=lambda t, a: _torch_holes(t, a).nansum()
    ),
    _case(
        "mean_dim_neg_keepdim",
        lambda a: a.mean(-2, keepdim=True),
        ((2, 3, 4),),
        torch=lambda t, a: a.mean(-2, keepdim=True),
    ),
    _case("mean_tuple", lambda a: a.mean((0, 2)), ((2, 3, 4),), torch=lambda t, a: a.mean((0, 2))),
    _case("mean_empty_dim_is_nan", lambda a: a.mean(0), ((0, 3),), torch=lambda t, a: a.mean(0)),
    _case(
        "mean_dtype_float64",
        lambda a: a.mean(dtype=np.float64),
        ((3, 4),),
        torch=lambda t, a: a.mean(dtype=t.float64),
    ),
    # PyTorch refuses the mean of integers; deepstep gives the default float dtype, as its div does
    _case(
        "mean_int",
        lambda a: a.mean(1),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.to(t.get_default_dtype()).mean(1),
        differentiable=False,
    ),
    _case(
        "nanmean", lambda a: _holes(a).nanmean(1), ((3, 5),), torch=lambda t, a: _torch_holes(t, a).nanmean(1)
    ),
    _case(
        "nanmean_all",
        lambda a: _holes(a).nanmean(),
        ((3, 5),),
        torch=lambda t, a: _torch_holes(t, a).nanmean(),
    ),
    _case("prod_all", lambda a: a.prod(), ((3, 4),), "nonzero", torch=lambda t, a: a.prod()),
    _case(
        "prod_dim_keepdim", lambda a: a.prod(-1, keepdim=True), ((3, 4),), torch=lambda t, a: a.prod(-1, True)
    ),
    _case("prod_empty_dim", lambda a: a.prod(0), ((0, 3),), torch=lambda t, a: a.prod(0)),
    _case(
        "prod_int", lambda a: a.prod(1), ((3, 4),), "int", torch=lambda t, a: a.prod(1), differentiable=False
    ),
    _case(
        "prod_dtype",
        lambda a: a.prod(0, dtype=np.float64),
        ((3, 4),),
        torch=lambda t, a: a.prod(0, dtype=t.float64),
    ),
    _case(
        "count_nonzero",
        lambda a: a.count_nonzero((0, 1)),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.count_nonzero((0, 1)),
        differentiable=False,
    ),
    _case(
        "count_nonzero_dim",
        lambda a: a.count_nonzero(-1),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.count_nonzero(-1),
        differentiable=False,
    ),
    _case(
        "any_dim_keepdim",
        lambda a: a.any(1, keepdim=True),
        ((3, 4),),
        "bool",
        torch=lambda t, a: a.any(1, keepdim=True),
        differentiable=False,
    ),
    _case(
        "all_tuple",
        lambda a: a.all((0, 1)),
        ((3, 4),),
        "bool",
        torch=lambda t, a: a.all((0, 1)),
        differentiable=False,
    ),
    _case("any_int", lambda a: a.any(0), ((3, 4),), "int", torch=lambda t, a: a.any(0), differentiable=False),
)

MOMENTS = (
    _case("var_default_correction", lambda a: a.var(1), ((3, 4),), torch=lambda t, a: a.var(1)),
    _case("var_all", lambda a: a.var(), ((3, 4),), torch=lambda t, a: a.var()),
    _case("var_unbiased_false", lambda a: a.var(0, False), ((3, 4),), torch=lambda t, a: a.var(0, False)),
    _case(
        "var_correction_tuple_keepdim",
        lambda a: a.var((0, 2), correction=0, keepdim=True),
        ((2, 3, 4),),
        torch=lambda t, a: a.var((0, 2), correction=0, keepdim=True),
    ),
    _case("var_ddof2", lambda a: a.var(-1, ddof=2), ((3, 5),), torch=lambda t, a: a.var(-1, correction=2)),
    _case(
        "var_int",
        lambda a: a.var(1),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.to(t.get_default_dtype()).var(1),
        differentiable=False,
    ),
    _case("std_default", lambda a: a.std(0), ((3, 4),), torch=lambda t, a: a.std(0)),
    _case(
        "std_all_correction0",
        lambda a: a.std(correction=0),
        ((3, 4),),
        torch=lambda t, a: a.std(correction=0),
    ),
    _case(
        "std_keepdim_neg",
        lambda a: a.std(-1, keepdim=True),
        ((2, 3, 4),),
        torch=lambda t, a: a.std(-1, keepdim=True),
    ),
    _case(
        "var_mean",
        lambda a: ag.stack(list(ag.var_mean(a, 1))),
        ((3, 4),),
        torch=lambda t, a: t.stack(t.var_mean(a, 1)),
    ),
    _case(
        "std_mean_correction",
        lambda a: ag.stack(list(ag.std_mean(a, (0, 1), correction=0, keepdim=True))),
        ((3, 4),),
        torch=lambda t, a: t.stack(t.std_mean(a, (0, 1), correction=0, keepdim=True)),
    ),
    _case(
        "logsumexp_tuple_keepdim",
        lambda a: a.logsumexp((0, 2), keepdim=True),
        ((2, 3, 4),),
        torch=lambda t, a: a.logsumexp((0, 2), keepdim=True),
    ),
    _case("logsumexp_neg", lambda a: ag.logsumexp(a, -1), ((3, 4),), torch=lambda t, a: t.logsumexp(a, -1)),
    _case("logsumexp_0d", lambda a: a.logsumexp(0), ((),), torch=lambda t, a: a.logsumexp(0)),
    # −inf outputs: Σ(weights · output) in the gradient check would be inf − inf
    _case(
        "logsumexp_empty_dim",
        lambda a: a.logsumexp(0),
        ((0, 3),),
        torch=lambda t, a: a.logsumexp(0),
        differentiable=False,
    ),
    _case(
        "logsumexp_int",
        lambda a: a.logsumexp(1),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.logsumexp(1),
        differentiable=False,
    ),
)

EXTREMES = (
    _case("amax_tuple", lambda a: a.amax((0, 2)), ((2, 3, 4),), torch=lambda t, a: a.amax((0, 2))),
    _case(
        "amax_keepdim_neg", lambda a: a.amax(-1, keepdim=True), ((3, 4),), torch=lambda t, a: a.amax(-1, True)
    ),
    _case("amin_all", lambda a: a.amin(), ((3, 4),), torch=lambda t, a: a.amin()),
    _case(
        "amin_int", lambda a: a.amin(1), ((3, 4),), "int", torch=lambda t, a: a.amin(1), differentiable=False
    ),
    _case("max_all_function", lambda a: ag.max(a), ((3, 4),), torch=lambda t, a: t.max(a)),
    _case(
        "max_dim_values",
        lambda a: a.max(dim=1).values,
        ((3, 4),),
        "distinct",
        torch=lambda t, a: a.max(dim=1).values,
    ),
    _case(
        "max_dim_keepdim_neg",
        lambda a: a.max(-2, keepdim=True)[0],
        ((2, 3, 4),),
        "distinct",
        torch=lambda t, a: a.max(-2, keepdim=True)[0],
    ),
    _indices("max_dim_indices", lambda a: a.max(1).indices, ((3, 4),), torch=lambda t, a: a.max(1).indices),
    _case("max_other", lambda a, b: a.max(b), ((3, 4), (4,)), torch=lambda t, a, b: a.max(b)),
    _case("max_0d_dim", lambda a: a.max(-1).values, ((),), torch=lambda t, a: a.max(-1).values),
    _case("max_empty_kept_dim", lambda a: a.max(1).values, ((0, 3),), torch=lambda t, a: a.max(1).values),
    _case("min_all", lambda a: a.min(), ((3, 4),), torch=lambda t, a: a.min()),
    _case(
        "min_dim_values", lambda a: a.min(0).values, ((3, 4),), "distinct", torch=lambda t, a: a.min(0).values
    ),
    _indices(
        "min_dim_indices_keepdim",
        lambda a: a.min(-1, True).indices,
        ((3, 4),),
        torch=lambda t, a: a.min(-1, True).indices,
    ),
    _case(
        "min_int_dim",
        lambda a: a.min(1).values,
        ((3, 4),),
        "int",
        torch=lambda t, a: a.min(1).values,
        differentiable=False,
    ),
    _case(
        "aminmax",
        lambda a: ag.stack(list(ag.aminmax(a, dim=1))),
        ((3, 4),),
        "distinct",
        torch=lambda t, a: t.stack(t.aminmax(a, dim=1)),
    ),
    _case("aminmax_all", lambda a: ag.aminmax(a).max, ((3, 4),), torch=lambda t, a: t.aminmax(a).max),
    _indices("argmax_all", lambda a: a.argmax(), ((3, 4),), torch=lambda t, a: a.argmax()),
    _indices(
        "argmax_dim_keepdim",
        lambda a: a.argmax(-1, keepdim=True),
        ((3, 4),),
        torch=lambda t, a: a.argmax(-1, keepdim=True),
    ),
    _indices("argmin_dim", lambda a: a.argmin(0), ((3, 4),), torch=lambda t, a: a.argmin(0)),
    _indices(
        "argmin_int_first", lambda a: a.argmin(1), ((3, 4),), torch=lambda t, a: a.argmin(1), domain="int"
    ),
    _case("median_all_odd", lambda a: a.median(), ((3, 5),), "distinct", torch=lambda t, a: a.median()),
    _case(
        "median_all_even_lower", lambda a: a.median(), ((2, 4),), "distinct", torch=lambda t, a: a.median()
    ),
    _case(
        "median_dim_values",
        lambda a: a.median(1).values,
        ((3, 4),),
        "distinct",
        torch=lambda t, a: a.median(1).values,
    ),
    _case(
        "median_dim_keepdim",
        lambda a: a.median(0, keepdim=True).values,
        ((5, 3),),
        "distinct",
        torch=lambda t, a: a.median(0, keepdim=True).values,
    ),
    _indices(
        "median_dim_indices",
        lambda a: a.median(-1).indices,
        ((3, 4),),
        torch=lambda t, a: a.median(-1).indices,
    ),
    _case(
        "nanmedian_dim",
        lambda a: _holes(a).nanmedian(1).values,
        ((3, 5),),
        "distinct",
        torch=lambda t, a: _torch_holes(t, a).nanmedian(1).values,
    ),
    _case(
        "nanmedian_all",
        lambda a: _holes(a).nanmedian(),
        ((3, 5),),
        "distinct",
        torch=lambda t, a: _torch_holes(t, a).nanmedian(),
    ),
    _case(
        "median_with_nan_is_nan",
        lambda a: _holes(a).median(1).values,
        ((3, 5),),
        "distinct",
        torch=lambda t, a: _torch_holes(t, a).median(1).values,
        differentiable=False,  # NaN outputs: the gradient check would only see NaN
    ),
)

CASES: tuple[OpCase, ...] = (*SUMS, *MOMENTS, *EXTREMES, *cases_scan.CASES)
