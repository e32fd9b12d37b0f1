"""Sorting and scans along a dim: sort, argsort, msort, topk, kthvalue, unique; the cumulative
sum, product, log-sum-exp, maximum and minimum.

Sorting permutes each slice, z = a[π]; its gradient undoes the permutation, ∂L/∂a[π] = g — the
backward every op that returns indices shares (`reduction.Selection`). Sorts are stable, and NaN
sorts as larger than every number, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import stable
from ..errors import ShapeError
from .dims import normalize_dim, pick_dim, pick_keepdim
from .dtypes import float_input, to_dtype
from .function import Function, real_if_cast, refuse_complex
from .ops_order import OrderStatistic, Rule
from .ops_reduce import sum_type
from .reduction import Selection, ValuesIndices
from .tensor import Tensor, as_array

__all__ = [
    "argsort",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "kthvalue",
    "logcumsumexp",
    "msort",
    "sort",
    "topk",
    "unique",
]

TENSOR_METHODS = (
    "sort",
    "argsort",
    "msort",
    "topk",
    "kthvalue",
    "unique",
    "cumsum",
    "cumprod",
    "cumsum_",
    "cumprod_",
    "logcumsumexp",
    "cummax",
    "cummin",
)


def stable_order(a: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    """The permutation that sorts each slice, equal elements in their original order.

    Descending order sorts the reversed slice ascending and reads it backwards (no negation, which
    would overflow for the smallest integer and treat NaN as the smallest)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


class Sort(Selection):
    """z = a[π] with π the permutation sorting each slice;   ∂L/∂a[π] = g (the gradient un-sorted)."""

    real_only = "sort"

    def __init__(self, dim: int, descending: bool) -> None:
        super().__init__(dim)
        self.descending = descending

    def select(self, a, axis):
        return stable_order(a, axis, self.descending)


class TopK(Sort):
    """z = the k largest (or smallest) of each slice, in order;   ∂L/∂a = g at the k indices, 0 elsewhere."""

    real_only = "topk"

    def __init__(self, k: int, dim: int, largest: bool) -> None:
        super().__init__(dim, descending=largest)
        self.k = k

    def select(self, a, axis):
        if not 0 <= self.k <= a.shape[axis]:
            raise ShapeError(f"selected index k out of range: k = {self.k} for a dim of size {a.shape[axis]}")
        return np.take(super().select(a, axis), np.arange(self.k), axis=axis)


def kth_index(k: int) -> Rule:
    """The rule of kthvalue: the index of the k-th smallest of each slice (k from 1, found in O(n))."""

    def rule(a: np.ndarray, axis: int) -> np.ndarray:
        if not 1 <= k <= a.shape[axis]:
            raise ShapeError(
                f"kthvalue(): selected number k = {k} out of range for a dim of size {a.shape[axis]}"
            )
        return np.take(np.argpartition(a, k - 1, axis=axis), [k - 1], axis=axis)

    return rule


class CumulativeExtreme(Selection):
    """zᵢ = max (or min) of a₀ … aᵢ, at the index of its latest occurrence (PyTorch's choice);
    ∂L/∂aⱼ = Σ of the gᵢ whose running extreme sits at j."""

    repeats = True

    def __init__(self, dim: int, running: np.ufunc) -> None:
        super().__init__(dim)
        self.running = running
        self.real_only = "cummax" if running is np.maximum else "cummin"

    def select(self, a, axis):
        value = self.running.accumulate(a, axis=axis)  # NaN, once met, stays: NaN is the extreme
        here = a == value
        if a.dtype.kind in "fc":
            here |= np.isnan(a)  # each new NaN becomes the running extreme's index
        position = np.arange(a.shape[axis]).reshape([-1 if d == axis else 1 for d in range(a.ndim)])
        return np.maximum.accumulate(np.where(here, position, 0), axis=axis)


class _Scan(Function):
    """A cumulative op along one dim; a 0-d input is a slice of one element."""

    holomorphic = True

    def __init__(self, dim: int, dtype: np.dtype | None = None) -> None:
        self.dim, self.dtype = dim, dtype

    def forward(self, a):
        self.shape = a.shape
        self.axis = normalize_dim(self.dim, a.ndim)
        if self.dtype is not None:
            a = real_if_cast(a, self.dtype)
        return self.scan(a.reshape(1) if a.ndim == 0 else a).reshape(a.shape)

    def scan(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def lines(self, x: np.ndarray) -> np.ndarray:
        """x (the output's gradient, or a saved array) laid out as the scan saw it."""
        return x.reshape(1) if x.ndim == 0 else x

    def reverse_cumsum(self, x: np.ndarray) -> np.ndarray:
        """Σⱼ≥ᵢ xⱼ along the scanned dim."""
        return np.flip(np.cumsum(np.flip(x, self.axis), axis=self.axis), self.axis)


class CumSum(_Scan):
    """zᵢ = Σⱼ≤ᵢ aⱼ;   ∂L/∂aⱼ = Σᵢ≥ⱼ gᵢ (the cumulative sum read backwards)."""

    saved_inputs = ()

    def scan(self, a):
        return np.cumsum(a, axis=self.axis, dtype=sum_type(a.dtype) if self.dtype is None else self.dtype)

    def backward(self, g):
        return (self.reverse_cumsum(self.lines(g)).reshape(self.shape),)


class CumProd(_Scan):
    """zᵢ = Πⱼ≤ᵢ aⱼ;   ∂L/∂aₖ = Σᵢ≥ₖ gᵢ Πⱼ≤ᵢ,ⱼ≠ₖ aⱼ, which is Σᵢ≥ₖ gᵢzᵢ / aₖ before the first
    zero of the slice, Σᵢ≥ₖ gᵢwᵢ at it (w: the cumulative product with that zero read as 1), 0 after."""

    saves_output = True

    def scan(self, a):
        self.a = a
        self.z = np.cumprod(a, axis=self.axis, dtype=sum_type(a.dtype) if self.dtype is None else self.dtype)
        return self.z

    def backward(self, g):
        a, g = self.a, self.lines(g)
        zeros_so_far = np.cumsum(a == 0, axis=self.axis)
        before = zeros_so_far == 0
        grad = np.where(before, self.reverse_cumsum(g * self.z) / np.where(before, a, 1), 0)
        first_zero = (zeros_so_far == 1) & (a == 0)
        if first_zero.any():
            w = np.cumprod(np.where(first_zero, 1, a), axis=self.axis)
            grad = np.where(first_zero, self.reverse_cumsum(g * w), grad)
        return (grad.reshape(self.shape),)


class LogCumSumExp(_Scan):
    """zᵢ = ln Σⱼ≤ᵢ exp(aⱼ) (a running log-sum-exp: never overflows);
    ∂L/∂aₖ = Σᵢ≥ₖ gᵢ exp(aₖ − zᵢ) = exp(aₖ + ln Σᵢ≥ₖ gᵢ e^(−zᵢ)), the sum split over g's positive
    and negative parts so that each logarithm is of a positive number (PyTorch's formula; complex
    logarithms need no split)."""

    promote = staticmethod(float_input)
    saves_output = True

    def scan(self, a):
        self.a = a
        with np.errstate(invalid="ignore"):  # inf + (−inf) and NaN give NaN, quietly as in PyTorch
            self.z = stable.logcumsumexp(a, self.axis)
        return self.z

    def backward(self, g):
        g = self.lines(g)
        if g.dtype.kind == "c":
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.flip(np.log(g) - self.z, self.axis)
                sums = np.flip(stable.logcumsumexp(terms, self.axis), self.axis)
                return (np.exp(self.a + sums).reshape(self.shape),)
        lowest = np.finfo(g.dtype).min  # ln 0, kept finite as PyTorch keeps it
        with np.errstate(divide="ignore", invalid="ignore"):
            log_size = np.log(np.abs(g))

            def through(part: np.ndarray) -> np.ndarray:
                """exp(aₖ + ln Σᵢ≥ₖ |gᵢ| e^(−zᵢ)) over the i where `part` holds."""
                terms = np.flip(np.where(part, log_size, lowest) - self.z, self.axis)
                return np.exp(self.a + np.flip(np.logaddexp.accumulate(terms, axis=self.axis), self.axis))

            return ((through(g > 0) - through(g < 0)).reshape(self.shape),)


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def sort(
    a: Any, dim: int = -1, descending: bool = False, *, stable: bool = False, axis: int | None = None
) -> ValuesIndices:
    """(values, indices) of each slice along `dim` sorted (ascending unless `descending`); always
    stable, which is one of the orders stable=False allows."""
    return Sort(pick_dim(axis, dim, -1), descending)(a)


def argsort(
    a: Any, dim: int = -1, descending: bool = False, *, stable: bool = False, axis: int | None = None
) -> Tensor:
    """The indices that sort each slice along `dim` (int64; stable)."""
    data = as_array(a)
    refuse_complex("sort", data)
    axis = normalize_dim(pick_dim(axis, dim, -1), data.ndim)
    if data.ndim == 0:
        return Tensor(np.zeros((), dtype=np.int64))
    return Tensor(stable_order(data, axis, descending).astype(np.int64, copy=False))


def msort(a: Any) -> Tensor:
    """The values sorted along dim 0."""
    return sort(a, 0).values


def topk(a: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """(values, indices) of the k largest (or smallest) along `dim`, largest first; always sorted,
    which is one of the orders sorted=False allows."""
    return TopK(k, dim, largest)(a)


def kthvalue(
    a: Any, k: int, dim: int = -1, keepdim: bool | None = None, *, keepdims: bool | None = None
) -> ValuesIndices:
    """(values, indices) of the k-th smallest along `dim` (k counts from 1)."""
    return OrderStatistic("kthvalue", kth_index(k), dim, pick_keepdim(keepdim, keepdims))(a)


def _scan_dim(name: str, axis: Any, dim: Any) -> int:
    dim = pick_dim(axis, dim)
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim'")
    return dim


def cumsum(a: Any, dim: int | None = None, *, dtype: Any = None, axis: int | None = None) -> Tensor:
    """The running sum along `dim`; integers and bools give int64, `dtype=` casts first."""
    dtype = None if dtype is None else to_dtype(dtype)
    if dtype is not None and dtype.kind not in "fc" and isinstance(a, Tensor):
        a = a.detach()  # an integer result has nothing to differentiate
    return CumSum(_scan_dim("cumsum", axis, dim), dtype)(a)


def cumprod(a: Any, dim: int | None = None, *, dtype: Any = None, axis: int | None = None) -> Tensor:
    """The running product along `dim`; integers and bools give int64, `dtype=` casts first."""
    dtype = None if dtype is None else to_dtype(dtype)
    if dtype is not None and dtype.kind not in "fc" and isinstance(a, Tensor):
        a = a.detach()
    return CumProd(_scan_dim("cumprod", axis, dim), dtype)(a)


def cumsum_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """cumsum written into self."""
    return CumSum(dim, None if dtype is None else to_dtype(dtype)).inplace(self)


def cumprod_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """cumprod written into self."""
    return CumProd(dim, None if dtype is None else to_dtype(dtype)).inplace(self)


def logcumsumexp(a: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """ln Σⱼ≤ᵢ exp(aⱼ) along `dim`, computed stably; integers give the default float dtype."""
    return LogCumSumExp(_scan_dim("logcumsumexp", axis, dim))(a)


def cummax(a: Any, dim: int | None = None, *, axis: int | None = None) -> ValuesIndices:
    """(values, indices) of the running maximum along `dim`."""
    return CumulativeExtreme(_scan_dim("cummax", axis, dim), np.maximum)(a)


def cummin(a: Any, dim: int | None = None, *, axis: int | None = None) -> ValuesIndices:
    """(values, indices) of the running minimum along `dim`."""
    return CumulativeExtreme(_scan_dim("cummin", axis, dim), np.minimum)(a)


def unique(
    a: Any,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Tensor | tuple[Tensor, ...]:
    """The distinct values (or slices along `dim`), sorted; with `return_inverse` where each element
    went, with `return_counts` how often each occurs (int64; not differentiable). NaNs stay distinct."""
    data = as_array(a)
    refuse_complex("unique", data)  # complex numbers have no order to sort them by
    axis = None if dim is None else normalize_dim(dim, data.ndim)
    values, inverse, counts = np.unique(
        data, return_inverse=True, return_counts=True, axis=axis, equal_nan=False
    )
    if axis is None:
        inverse = inverse.reshape(data.shape)
    out = [Tensor(values)]
    if return_inverse:
        out.append(Tensor(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(Tensor(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


# ----- statistics (ops_stats), counting (ops_count) and histograms with edges (ops_histogram): bound
# and exported through this module ----------------------------------------------------------------------
from . import ops_count, ops_histogram, ops_stats  # noqa: E402  (ops_stats builds on sort and cumsum above)

for _module in (ops_stats, ops_count, ops_histogram):
    for _name in (*_module.__all__, *_module.TENSOR_METHODS):
        globals()[_name] = getattr(_module, _name)
__all__ += [*ops_stats.__all__, *ops_count.__all__, *ops_histogram.__all__]
TENSOR_METHODS += ops_stats.TENSOR_METHODS + ops_count.TENSOR_METHODS + ops_histogram.TENSOR_METHODS
del _module, _name
