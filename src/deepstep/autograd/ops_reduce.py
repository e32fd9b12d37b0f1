"""Reductions: sums and moments over dims — sum, nansum, mean, nanmean, prod, var, std, var_mean,
std_mean, logsumexp, count_nonzero, any, all. The order statistics (max, min, amax, amin,
aminmax, argmax, argmin, median, nanmedian) live in ops_order.py and are re-exported here.

Each takes PyTorch's `dim` (None for all dims, an int or a tuple; NumPy's `axis` too) and `keepdim`
(`keepdims`). Backward spreads ∂L/∂z back over the reduced dims (`Reduction.spread`).

dtypes as in PyTorch: sum, nansum and prod of integers or bools give int64, `dtype=` casts the input
first. mean, nanmean, var and std of integers give the default float dtype, where PyTorch raises.
Over an empty dim: sum 0, prod 1, mean, var and std NaN, logsumexp −inf.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import stable
from ..errors import DTypeError
from . import ops_order
from .dims import Dims, numpy_dims, pick_dim, pick_keepdim
from .dtypes import float_input, float_type, to_dtype
from .function import real_if_cast
from .ops_order import *  # noqa: F403  (the order statistics are exported and bound from here)
from .pointwise import named
from .reduction import Reduction, reduced_dims
from .tensor import Tensor, as_array

__all__ = [
    "all",
    "any",
    "count_nonzero",
    "logsumexp",
    "mean",
    "nanmean",
    "nansum",
    "prod",
    "std",
    "std_mean",
    "sum",
    "var",
    "var_mean",
    *ops_order.__all__,
]

TENSOR_METHODS = (
    "sum",
    "nansum",
    "mean",
    "nanmean",
    "prod",
    "var",
    "std",
    "logsumexp",
    "count_nonzero",
    "any",
    "all",
    *ops_order.TENSOR_METHODS,
)


def sum_type(dtype: np.dtype) -> np.dtype:
    """The dtype of a sum or product: integers and bools add up in int64, as in PyTorch."""
    return np.dtype(np.int64) if dtype.kind in "biu" else dtype


class Sum(Reduction):
    """z = Σᵢ aᵢ;   ∂z/∂aᵢ = 1."""

    saved_inputs = ()

    def __init__(self, dim: Dims, keepdim: bool, dtype: np.dtype | None = None) -> None:
        super().__init__(dim, keepdim)
        self.dtype = dtype

    def reduce(self, a):
        dtype = sum_type(a.dtype) if self.dtype is None else self.dtype
        return np.sum(real_if_cast(a, dtype), axis=self.dims, keepdims=self.keepdim, dtype=dtype)

    def backward(self, g):
        return (self.spread(g),)


class NanSum(Sum):
    """z = Σ of the aᵢ that are not NaN;   ∂z/∂aᵢ = 1, and 0 where aᵢ is NaN."""

    real_only = "nansum"

    def reduce(self, a):
        self.nan = np.isnan(a) if a.dtype.kind in "fc" else None
        dtype = sum_type(a.dtype) if self.dtype is None else self.dtype
        return np.nansum(real_if_cast(a, dtype), axis=self.dims, keepdims=self.keepdim, dtype=dtype)

    def backward(self, g):
        grad = self.spread(g)
        return (grad if self.nan is None else np.where(self.nan, 0, grad),)


class Mean(Sum):
    """z = (1/n) Σᵢ aᵢ;   ∂z/∂aᵢ = 1/n  (n = 0 gives NaN, as in PyTorch)."""

    def reduce(self, a):
        dtype = float_type(a.dtype) if self.dtype is None else self.dtype
        total = np.sum(real_if_cast(a, dtype), axis=self.dims, keepdims=self.keepdim, dtype=dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            return total / self.count

    def backward(self, g):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.spread(g / self.count),)


class NanMean(Sum):
    """z = (1/m) Σ of the m aᵢ that are not NaN;   ∂z/∂aᵢ = 1/m, and 0 where aᵢ is NaN."""

    real_only = "nanmean"

    def reduce(self, a):
        dtype = float_type(a.dtype) if self.dtype is None else self.dtype
        a = real_if_cast(a, dtype).astype(dtype, copy=False)
        self.nan = np.isnan(a)
        self.m = np.sum(~self.nan, axis=self.dims, keepdims=True)
        total = np.nansum(a, axis=self.dims, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.dropped(total / self.m.astype(a.dtype))

    def backward(self, g):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (np.where(self.nan, 0, self.kept(g) / self.m.astype(g.dtype)),)


class Prod(Sum):
    """z = Πᵢ aᵢ;   ∂z/∂aₖ = Π_{i≠k} aᵢ: z/aₖ when no aᵢ is 0; with one zero only that zero's
    gradient survives (the product of the others), with two or more none does."""

    holomorphic = True
    saved_inputs = None

    def __init__(self, dim: Dims, keepdim: bool, dtype: np.dtype | None = None) -> None:
        if dim is not None and not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod(): dim must be an int or None, got {type(dim).__name__}")
        super().__init__(dim, keepdim, dtype)

    def reduce(self, a):
        dtype = sum_type(a.dtype) if self.dtype is None else self.dtype
        self.a = (
            a if self.dtype is None else real_if_cast(a, dtype).astype(dtype, copy=False)
        )  # as multiplied
        return np.prod(self.a, axis=self.dims, keepdims=self.keepdim, dtype=dtype)

    def backward(self, g):
        zero = self.a == 0
        zeros = np.sum(zero, axis=self.dims, keepdims=True)
        safe = np.where(zero, 1, self.a)
        others = np.prod(safe, axis=self.dims, keepdims=True)  # the product of the non-zero aᵢ
        at_zero = others * (zeros == 1)
        elsewhere = others * (zeros == 0) / safe
        return (self.kept(g) * np.where(zero, at_zero, elsewhere),)


class Var(Reduction):
    """z = Σᵢ |aᵢ − ā|² / (n − c), c = 1 by default (Bessel's correction);   ∂z/∂aᵢ = 2(aᵢ − ā)/(n − c)
    (for complex a, a real z, and the same formula: ∂L/∂Re + i·∂L/∂Im of |aᵢ − ā|² is 2(aᵢ − ā)).

    n − c ≤ 0 divides by 0 (PyTorch's inf or NaN)."""

    saved_inputs = ()

    def __init__(self, dim: Dims, keepdim: bool, correction: float) -> None:
        super().__init__(dim, keepdim)
        self.correction = correction

    def reduce(self, a):
        a = a.astype(float_type(a.dtype), copy=False)
        self.dof = np.asarray(self.count - self.correction, dtype=a.real.dtype)  # degrees of freedom
        with np.errstate(invalid="ignore", divide="ignore"):
            self.centered = c = a - np.sum(a, axis=self.dims, keepdims=True) / self.count
            squares = c.real * c.real + c.imag * c.imag if c.dtype.kind == "c" else c * c  # |aᵢ − ā|²
            return np.sum(squares, axis=self.dims, keepdims=self.keepdim) / np.maximum(self.dof, 0)

    def backward(self, g):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.kept(g) * self.centered * (2 / self.dof),)


class Std(Var):
    """σ = √var(a);   ∂σ/∂aᵢ = ∂var/∂aᵢ / 2σ = (aᵢ − ā)/((n − c)·σ), and 0 where σ = 0 (as PyTorch)."""

    saves_output = True

    def reduce(self, a):
        self.z = np.sqrt(super().reduce(a))
        return self.z

    def backward(self, g):
        with np.errstate(invalid="ignore", divide="ignore"):
            return super().backward(np.where(self.z == 0, 0, g / (2 * self.z)))


class LogSumExp(Reduction):
    """z = m + ln Σᵢ exp(aᵢ − m) with m = maxᵢ aᵢ (never overflows);   ∂z/∂aᵢ = exp(aᵢ − z) = softmax(a)ᵢ.

    An empty dim gives −inf; a row of −inf gives −inf (and a NaN gradient, as in PyTorch)."""

    holomorphic = True
    promote = staticmethod(float_input)
    saves_output = True

    def reduce(self, a):
        self.a = a
        self.z = stable.logsumexp(a, self.dims, keepdims=True)
        return self.dropped(self.z)

    def backward(self, g):
        with np.errstate(invalid="ignore"):
            return (self.kept(g) * np.exp(self.a - self.z),)


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def _dtype(name: str, dtype: Any) -> np.dtype | None:
    return None if dtype is None else to_dtype(dtype)


def _float_dtype(name: str, dtype: Any) -> np.dtype | None:
    dtype = _dtype(name, dtype)
    if dtype is not None and dtype.kind not in "fc":
        raise DTypeError(f"{name}(): dtype must be a floating-point or complex dtype, got {dtype}")
    return dtype


def _sum_like(name: str, op: type[Sum], dtype_rule: Any, doc: str) -> Any:
    """The public function of a sum-like op, with PyTorch's dim, keepdim and dtype (and NumPy's axis
    and keepdims); asked for an integer result (dtype=), it has nothing to differentiate."""

    def reduction(
        a: Any,
        dim: Dims = None,
        keepdim: bool | None = None,
        *,
        dtype: Any = None,
        axis: Dims = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        reduce = op(pick_dim(axis, dim), pick_keepdim(keepdim, keepdims), dtype_rule(name, dtype))
        if reduce.dtype is not None and reduce.dtype.kind not in "fc" and isinstance(a, Tensor):
            a = a.detach()
        return reduce(a)

    return named(reduction, name, doc)


sum = _sum_like("sum", Sum, _dtype, "Σ over `dim` (all by default); integers and bools sum to int64.")
nansum = _sum_like("nansum", NanSum, _dtype, "Σ over `dim` with NaNs counted as zero.")
mean = _sum_like("mean", Mean, _float_dtype, "The average over `dim`; integers give the default float dtype.")
nanmean = _sum_like("nanmean", NanMean, _float_dtype, "The mean of the values that are not NaN over `dim`.")
prod = _sum_like("prod", Prod, _dtype, "Π over one dim (all by default); integers and bools give int64.")


def _correction(unbiased: bool | None, correction: float | None, ddof: float | None) -> float:
    """PyTorch's `correction` (default 1), its older `unbiased` flag, or NumPy's `ddof`: one of them."""
    given = [x for x in (unbiased, correction, ddof) if x is not None]
    if len(given) > 1:
        raise TypeError("pass only one of unbiased, correction and ddof")
    if unbiased is not None:
        return 1 if unbiased else 0
    return given[0] if given else 1


def _spread_measure(name: str, op: type[Var], with_mean: bool, doc: str) -> Any:
    """The public function of var or std (with_mean: var_mean or std_mean, which add the mean over
    the same dims): PyTorch's dim, unbiased, keepdim and correction, NumPy's ddof, axis, keepdims."""

    def measure(
        a: Any,
        dim: Dims = None,
        unbiased: bool | None = None,
        keepdim: bool | None = None,
        *,
        correction: float | None = None,
        ddof: float | None = None,
        axis: Dims = None,
        keepdims: bool | None = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        if isinstance(dim, bool):  # var(False): PyTorch's positional `unbiased`
            dim, unbiased = None, dim
        spread = op(
            pick_dim(axis, dim), pick_keepdim(keepdim, keepdims), _correction(unbiased, correction, ddof)
        )
        return (spread(a), Mean(spread.dim, spread.keepdim)(a)) if with_mean else spread(a)

    return named(measure, name, doc)


var = _spread_measure(
    "var",
    Var,
    False,
    """The variance over `dim`, Σ(a − ā)²/(n − correction) with PyTorch's default correction=1
    (`unbiased=False` or NumPy's `ddof=0` give the population variance).""",
)
std = _spread_measure("std", Std, False, "The standard deviation √var over `dim`; takes var's arguments.")
var_mean = _spread_measure("var_mean", Var, True, "(var, mean) over the same dims; takes var's arguments.")
std_mean = _spread_measure("std_mean", Std, True, "(std, mean) over the same dims; takes std's arguments.")


@numpy_dims
def logsumexp(a: Any, dim: Dims, keepdim: bool) -> Tensor:
    """ln Σ exp(a) over `dim` (all dims by default, where PyTorch requires one), computed stably."""
    return LogSumExp(dim, keepdim)(a)


def count_nonzero(a: Any, dim: Dims = None, *, axis: Dims = None) -> Tensor:
    """How many elements are not zero over `dim` (int64; not differentiable)."""
    data = as_array(a)
    count = np.count_nonzero(data, axis=reduced_dims(pick_dim(axis, dim), data.ndim))
    return Tensor(np.asarray(count, dtype=np.int64))


def _truth(reduce: Any, a: Any, dim: Dims, keepdim: bool) -> Tensor:
    data = as_array(a)
    out = np.asarray(reduce(data, axis=reduced_dims(dim, data.ndim), keepdims=keepdim))
    return Tensor(out.astype(np.uint8) if data.dtype == np.uint8 else out)  # uint8 stays uint8, as torch


@numpy_dims
def any(a: Any, dim: Dims, keepdim: bool) -> Tensor:
    """Whether any element over `dim` is non-zero (bool; uint8 for uint8 input, as PyTorch)."""
    return _truth(np.any, a, dim, keepdim)


@numpy_dims
def all(a: Any, dim: Dims, keepdim: bool) -> Tensor:
    """Whether every element over `dim` is non-zero (bool; uint8 for uint8 input, as PyTorch)."""
    return _truth(np.all, a, dim, keepdim)
