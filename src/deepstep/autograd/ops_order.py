"""Order statistics over dims: max, min, amax, amin, aminmax, argmax, argmin, median, nanmedian.

Two gradients, as in PyTorch. A reduction to one value per slice (amax, amin, and max(), min(),
median() without a dim) shares ∂L/∂z evenly among the elements that tie for the value (`Extreme`).
One that also returns where the value is (max(dim), min(dim), median(dim)) sends it to that index
only (`OrderStatistic`). NaN counts as larger than every number for max and argmax and as smaller
for min and argmin, so a slice with a NaN has NaN as its max and its min, at its first NaN; its
median is NaN too, while nanmedian skips NaNs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DimError, DTypeError, ShapeError
from .dims import Dims, normalize_dim, numpy_dims
from .function import refuse_complex
from .ops_elementwise import maximum, minimum
from .reduction import MinMax, Reduction, Selection, ValuesIndices, check_nonempty
from .tensor import Tensor, as_array

__all__ = ["amax", "amin", "aminmax", "argmax", "argmin", "max", "median", "min", "nanmedian"]

TENSOR_METHODS = ("max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "median", "nanmedian")

Rule = Callable[[np.ndarray, int], np.ndarray]


# ----- where the order statistic of each slice sits (index arrays that keep `axis`) ---------
def first_max(a: np.ndarray, axis: int) -> np.ndarray:
    return np.argmax(a, axis=axis, keepdims=True)


def first_min(a: np.ndarray, axis: int) -> np.ndarray:
    return np.argmin(a, axis=axis, keepdims=True)


def median_index(a: np.ndarray, axis: int) -> np.ndarray:
    """The lower median, the ⌊(n − 1)/2⌋-th smallest (found in O(n)); the first NaN of a slice with one."""
    k = (a.shape[axis] - 1) // 2
    index = np.take(np.argpartition(a, k, axis=axis), [k], axis=axis)
    if a.dtype.kind in "fc":
        nan = np.isnan(a)
        if nan.any():
            index = np.where(
                nan.any(axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True), index
            )
    return index


def nanmedian_index(a: np.ndarray, axis: int) -> np.ndarray:
    """The lower median of the m values that are not NaN (sorting puts NaNs last); a slice of NaNs
    only gives its first."""
    if a.dtype.kind not in "fc":
        return median_index(a, axis)
    order = np.argsort(a, axis=axis, kind="stable")
    m = np.sum(~np.isnan(a), axis=axis, keepdims=True)
    return np.take_along_axis(order, np.maximum(m - 1, 0) // 2, axis=axis)


class OrderStatistic(Selection):
    """(values, indices) of one order statistic along a dim: the max, the min, the median, the k-th
    smallest, at the index `rule(a, axis)` finds;   ∂L/∂a = g at that index, 0 elsewhere."""

    def __init__(self, name: str, rule: Rule, dim: Any, keepdim: bool) -> None:
        super().__init__(dim, keepdim)
        self.op_name, self.rule = name, rule
        self.real_only = name  # complex numbers have no order

    def select(self, a, axis):
        check_nonempty(self.op_name, a.shape, (axis,))
        return self.rule(a, axis)


# ----- the value of each slice, with the reduced dims kept -----------------------------------
def largest(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    return np.max(a, axis=dims, keepdims=True)


def smallest(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    return np.min(a, axis=dims, keepdims=True)


def median_of_all(a: np.ndarray, dims: tuple[int, ...], rule: Rule = median_index) -> np.ndarray:
    """The median of every element (NaN for none)."""
    flat = a.reshape(-1)
    if flat.size == 0:
        if a.dtype.kind not in "fc":
            raise ShapeError(f"median() of an empty tensor of dtype {a.dtype} has no value")
        return np.full((1,) * a.ndim, np.nan, dtype=a.dtype)
    return flat[rule(flat, 0)].reshape((1,) * a.ndim)


def nanmedian_of_all(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    return median_of_all(a, dims, nanmedian_index)


class Extreme(Reduction):
    """z = the value `pick` chooses over the reduced dims (max, min, median);
    ∂z/∂aᵢ = 1/m for the m elements equal to z, 0 elsewhere.

    With `nan_ties`, a NaN result ties with the NaNs of its slice (PyTorch's max(), min(), median());
    without, as for PyTorch's amax and amin, a NaN result gives NaN gradients. Only a median has a
    value (NaN) over no elements (`empty_ok`)."""

    saves_output = True

    def __init__(
        self,
        name: str,
        pick: Callable[[np.ndarray, tuple[int, ...]], np.ndarray],
        dim: Dims = None,
        keepdim: bool = False,
        nan_ties: bool = False,
        empty_ok: bool = False,
    ) -> None:
        super().__init__(dim, keepdim)
        self.op_name, self.pick, self.nan_ties, self.empty_ok = name, pick, nan_ties, empty_ok
        self.real_only = name  # complex numbers have no order

    def reduce(self, a):
        if not self.empty_ok:
            check_nonempty(self.op_name, a.shape, None if self.dim is None else self.dims)
        self.a = a
        self.z = self.pick(a, self.dims)
        return self.dropped(self.z)

    def backward(self, g):
        ties = self.a == self.z
        if self.nan_ties and self.a.dtype.kind in "fc":
            ties |= np.isnan(self.a) & np.isnan(self.z)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = ties / np.sum(ties, axis=self.dims, keepdims=True, dtype=g.dtype)
        return (self.kept(g) * share,)


# ----- the public functions (also bound as Tensor methods; NumPy's axis/keepdims through numpy_dims) ----
def _one_dim(name: str, dim: Any, instead: str) -> None:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): dim must be an int{instead}, got {type(dim).__name__}")


def _extreme(
    name: str, pick: Any, rule: Rule, elementwise: Any, a: Any, dim: Any, keepdim: bool
) -> Tensor | ValuesIndices:
    """max or min: of all elements, (values, indices) along one dim, or elementwise with a tensor."""
    if isinstance(dim, (Tensor, np.ndarray)):
        return elementwise(a, dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim needs a dim")
        return Extreme(name, pick, nan_ties=True)(a)
    _one_dim(name, dim, f" (a{name} reduces several dims)")
    return OrderStatistic(name, rule, dim, keepdim)(a)


@numpy_dims
def max(a: Any, dim: Any, keepdim: bool) -> Tensor | ValuesIndices:
    """max(a): the largest element, its gradient shared among ties; max(a, dim): (values, indices) of
    the largest along dim, the gradient to those indices; max(a, b): the elementwise maximum(a, b)."""
    return _extreme("max", largest, first_max, maximum, a, dim, keepdim)


@numpy_dims
def min(a: Any, dim: Any, keepdim: bool) -> Tensor | ValuesIndices:
    """min(a): the smallest element; min(a, dim): (values, indices); min(a, b): minimum(a, b)."""
    return _extreme("min", smallest, first_min, minimum, a, dim, keepdim)


@numpy_dims
def amax(a: Any, dim: Dims, keepdim: bool) -> Tensor:
    """The largest value over `dim` (an int or a tuple; all by default), the gradient shared among ties."""
    return Extreme("amax", largest, dim, keepdim)(a)


@numpy_dims
def amin(a: Any, dim: Dims, keepdim: bool) -> Tensor:
    """The smallest value over `dim` (an int or a tuple; all by default), the gradient shared among ties."""
    return Extreme("amin", smallest, dim, keepdim)(a)


def aminmax(a: Any, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """(min, max) over one dim (all elements by default): amin and amax in one call."""
    if dim is None:
        if as_array(a).size == 0:
            raise ShapeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity"
            )
    else:
        _one_dim("aminmax", dim, "")
    return MinMax(amin(a, dim, keepdim), amax(a, dim, keepdim))


def _arg(name: str, rule: Rule, a: Any, dim: Any, keepdim: bool) -> Tensor:
    data = as_array(a)
    if data.dtype == bool:
        raise DTypeError(f"{name}(): does not support bool input")
    refuse_complex(name, data)
    if dim is None:
        if data.size == 0:
            raise DimError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        index = rule(data.reshape(-1), 0).reshape((1,) * data.ndim if keepdim else ())
        return Tensor(index.astype(np.int64, copy=False))
    _one_dim(name, dim, "")
    axis = normalize_dim(dim, data.ndim)
    if data.ndim == 0:
        return Tensor(np.zeros((), dtype=np.int64))
    check_nonempty(name, data.shape, (axis,))
    index = rule(data, axis)
    return Tensor((index if keepdim else np.squeeze(index, axis)).astype(np.int64, copy=False))


@numpy_dims
def argmax(a: Any, dim: int | None, keepdim: bool) -> Tensor:
    """The index of the (first) largest element along `dim`, or in the flattened tensor (int64)."""
    return _arg("argmax", first_max, a, dim, keepdim)


@numpy_dims
def argmin(a: Any, dim: int | None, keepdim: bool) -> Tensor:
    """The index of the (first) smallest element along `dim`, or in the flattened tensor (int64)."""
    return _arg("argmin", first_min, a, dim, keepdim)


def _median(name: str, of_all: Any, rule: Rule, a: Any, dim: Any, keepdim: bool) -> Tensor | ValuesIndices:
    """median or nanmedian: of all elements (keepdim unused), or (values, indices) along one dim."""
    if dim is None:
        return Extreme(name, of_all, nan_ties=True, empty_ok=True)(a)
    _one_dim(name, dim, "")
    return OrderStatistic(name, rule, dim, keepdim)(a)


@numpy_dims
def median(a: Any, dim: int | None, keepdim: bool) -> Tensor | ValuesIndices:
    """median(a): the lower median of all elements (gradient shared among ties); median(a, dim):
    (values, indices) of the lower median along dim. NaN wherever a slice has a NaN."""
    return _median("median", median_of_all, median_index, a, dim, keepdim)


@numpy_dims
def nanmedian(a: Any, dim: int | None, keepdim: bool) -> Tensor | ValuesIndices:
    """median that skips NaNs: NaN only for a slice of NaNs."""
    return _median("nanmedian", nanmedian_of_all, nanmedian_index, a, dim, keepdim)
