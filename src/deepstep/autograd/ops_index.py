"""Indexing with PyTorch's semantics: t[index], t[index] = v and index_put (index_select, index_add,
index_copy, index_fill and the masked ops are in ops_select, gather and scatter in ops_scatter).

PyTorch reads an index in two steps, and so does `resolve`:

1. basic indexing, left to right: an integer selects (its axis goes), a slice narrows, None inserts
   an axis of length 1, Ellipsis stands for the axes nobody names. The result is a view.
2. advanced indexing of that view: integer arrays (lists, tuples, tensors), bool masks (read as the
   integer arrays of their True positions) and bool scalars (an inserted axis indexed by [0] or []).
   Their broadcast shape replaces the indexed axes where these are adjacent, else it comes first.

Integers are applied in step 1, so `x[0, :, [0, 1]]` on shape (2, 3, 4) has shape (3, 2); NumPy
counts the 0 as an advanced index, separated from [0, 1] by a slice, and answers (2, 3).
Each backward puts the gradient back where the elements came from, adding where an index repeats.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DTypeError, IndexRangeError, ShapeError
from .function import Function, unbroadcast
from .ops_scatter import check_range, last_writes, scatter_sum
from .tensor import Tensor

__all__ = ["index_put", "index_put_"]

TENSOR_METHODS = ("index_put", "index_put_")

_ALL = slice(None)
_INT_INDEX = (np.dtype(np.int32), np.dtype(np.int64))


class Index:
    """An index resolved against a shape: `basic` (integers, slices, None: a NumPy view), then
    `advanced` (integer arrays at `axes` of that view, full slices between them) or None."""

    __slots__ = ("advanced", "axes", "basic")

    def __init__(self, basic: list[Any], arrays: dict[int, np.ndarray]) -> None:
        self.basic = (*basic, Ellipsis)  # the Ellipsis keeps a 0-d result a view, not a NumPy scalar
        self.axes = sorted(arrays)
        self.advanced = tuple(arrays.get(d, _ALL) for d in range(self.axes[-1] + 1)) if arrays else None

    def take(self, a: np.ndarray) -> np.ndarray:
        view = a[self.basic]
        return view if self.advanced is None else view[self.advanced]

    def put(self, a: np.ndarray, values: Any) -> None:
        """a[index] = values in a's memory (where an element is named twice, the last value stays)."""
        view = a[self.basic]
        if self.advanced is None:
            view[...] = values
        else:
            view[self.advanced] = values

    def result_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        view = np.broadcast_to(np.zeros((), np.int8), shape)[self.basic]  # zero strides: no memory
        return view.shape if self.advanced is None else self._layout(view.shape)[-1]

    def _layout(self, view_shape: tuple[int, ...]):
        """The broadcast index arrays, the other axes, and where the picked axes sit in the result
        (in place of the indexed ones when these are adjacent, else first)."""
        arrays = np.broadcast_arrays(*(self.advanced[d] for d in self.axes))
        rest = [d for d in range(len(view_shape)) if d not in self.axes]
        adjacent = self.axes == list(range(self.axes[0], self.axes[-1] + 1))
        lead = self.axes[0] if adjacent else 0
        sizes = [view_shape[d] for d in rest]
        return arrays, rest, lead, (*sizes[:lead], *arrays[0].shape, *sizes[lead:])

    def last_writes(self, shape: tuple[int, ...]) -> np.ndarray | None:
        """Where a[index] = v (a of `shape`) leaves v's element in a, broadcastable to the indexed
        shape: False where the same place is named again later (the last write stays); None when
        no place is named twice."""
        if self.advanced is None:
            return None
        view_shape = np.broadcast_to(np.zeros((), np.int8), shape)[self.basic].shape
        arrays, _, lead, result = self._layout(view_shape)
        keep = last_writes(np.ravel_multi_index(arrays, [view_shape[d] for d in self.axes], mode="wrap"))
        if keep.all():
            return None
        return keep.reshape(*[1] * lead, *keep.shape, *[1] * (len(result) - lead - keep.ndim))

    def add(self, a: np.ndarray, values: Any) -> None:
        """a[index] += values in a's memory; an element named k times gets the sum of its k values."""
        view = a[self.basic]
        if self.advanced is None:
            np.add(view, values, out=view, casting="unsafe")
            return
        arrays, rest, lead, shape = self._layout(view.shape)
        if not math.prod(shape):
            return
        k = arrays[0].ndim
        values = np.broadcast_to(np.asarray(values, dtype=view.dtype), shape)
        # picked elements first, one row each: then the sum over repeats is Pᵀ·values
        values = values.transpose(*range(lead, lead + k), *range(lead), *range(lead + k, len(shape)))
        sizes = [view.shape[d] for d in self.axes]
        rows = np.ravel_multi_index(arrays, sizes, mode="wrap")  # wrap: negative indices count from the end
        sums = scatter_sum(rows, values.reshape(rows.size, -1), math.prod(sizes))
        view.transpose(*self.axes, *rest)[...] += sums.reshape(*sizes, *(view.shape[d] for d in rest))


# ----- reading an index the way PyTorch reads it ---------------------------------------------------
def _as_tuple(index: Any) -> tuple[Any, ...]:
    """A list holding slices, None, Ellipsis or sequences stands for a tuple (PyTorch's and old
    NumPy's rule for x[[0, slice(None)]] and x[[[0, 1], [1, 2]]]); anything else is one index."""
    if isinstance(index, tuple):
        return index
    if (
        isinstance(index, list)
        and len(index) < 32
        and any(
            i is None or i is Ellipsis or isinstance(i, (slice, list, tuple, np.ndarray, Tensor))
            for i in index
        )
    ):
        return tuple(index)
    return (index,)


def _index_data(item: Any) -> np.ndarray:
    """A tensor, array, list or tuple used as an index, as an array: tensors must be int32, int64,
    uint8 or bool (uint8 and bool are masks); Python data is read as PyTorch reads it (bool and
    uint8 stay masks, the rest becomes int64)."""
    if isinstance(item, Tensor):
        array = item.data
        if array.dtype not in _INT_INDEX and array.dtype.kind != "b" and array.dtype != np.uint8:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return array
    array = np.asarray(item)
    if array.dtype.kind == "b" or array.dtype == np.uint8:
        return array
    if array.dtype.kind not in "iuf":
        raise IndexError(
            f"tensors used as indices must be long, int, byte or bool tensors, got {array.dtype}"
        )
    return array.astype(np.int64)


def _classify(item: Any) -> tuple[str, Any]:
    """('none' | 'ellipsis' | 'bool' | 'int' | 'slice' | 'array', value) for one entry of an index."""
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, (bool, np.bool_)):
        return "bool", bool(item)
    if isinstance(item, slice):
        return "slice", item
    if isinstance(item, (int, np.integer)):
        return "int", int(item)
    if isinstance(item, (Tensor, np.ndarray, list, tuple)):
        array = _index_data(item)
        if array.ndim:
            return "array", array
        return (
            ("bool", bool(array))
            if array.dtype.kind == "b" or array.dtype == np.uint8
            else ("int", int(array))
        )
    if isinstance(item, (str, bytes)):
        raise TypeError(f"a string cannot index a tensor, got {item!r}")
    kind = "float" if isinstance(item, (float, np.floating)) else type(item).__name__
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
        f"(got {kind})"
    )


def _check_slice(s: slice) -> None:
    if s.step is not None:
        step = int(s.step)
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")


def resolve(index: Any, shape: tuple[int, ...]) -> Index:
    """PyTorch's reading of `index` on a tensor of `shape` (see the module doc), with its errors."""
    if (type(index) is int and shape and -shape[0] <= index < shape[0]) or (
        type(index) is slice and shape and (index.step is None or index.step > 0)
    ):
        return Index([index], {})  # the common t[i] and t[a:b], read directly
    items = [_classify(item) for item in _as_tuple(index)]
    ndim = len(shape)
    named = sum(
        v.ndim if k == "array" and v.dtype.kind == "b" else 1
        for k, v in items
        if k in ("int", "slice", "array")
    )
    if named > ndim:
        if ndim == 0 and items[0][0] == "int":
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                "to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic: list[Any] = []
    arrays: dict[int, np.ndarray] = {}
    source = axis = 0  # the next axis of the indexed tensor, and of the view being built
    for kind, value in items:
        if kind == "none":
            basic.append(None)
            axis += 1
        elif kind == "bool":  # an inserted axis of length 1, kept ([0]) or emptied ([])
            basic.append(None)
            arrays[axis] = np.zeros(int(value), np.int64)
            axis += 1
        elif kind == "ellipsis":  # PyTorch lets each Ellipsis skip the unnamed axes
            skipped = ndim - named
            basic.extend([_ALL] * max(0, min(skipped, ndim - source)))
            source, axis = source + skipped, axis + skipped
        elif source >= ndim:
            raise IndexError(f"too many indices for tensor of dimension {ndim}")
        elif kind == "int":
            size = shape[source]
            if not -size <= value < size:
                raise IndexRangeError(
                    f"index {value} is out of bounds for dimension {source} with size {size}"
                )
            basic.append(value)
            source += 1
        elif kind == "slice":
            _check_slice(value)
            basic.append(value)
            source, axis = source + 1, axis + 1
        elif value.dtype.kind == "b" or value.dtype == np.uint8:  # a mask over the next value.ndim axes
            _check_mask(value, shape, source, basic, axis)
            basic.extend([_ALL] * value.ndim)
            for offset, positions in enumerate(np.nonzero(value)):
                arrays[axis + offset] = positions
            source, axis = source + value.ndim, axis + value.ndim
        else:
            check_range(value, shape[source], source, negative=True)
            basic.append(_ALL)
            arrays[axis] = value
            source, axis = source + 1, axis + 1
    if len(arrays) > 1:
        try:
            np.broadcast_shapes(*(a.shape for a in arrays.values()))
        except ValueError:
            shapes = ", ".join(str(list(a.shape)) for a in arrays.values())
            raise IndexError(
                f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
            ) from None
    return Index(basic, arrays)


def _check_mask(mask: np.ndarray, shape: tuple[int, ...], source: int, basic: list[Any], axis: int) -> None:
    covered = shape[source : source + mask.ndim]
    for offset, n in enumerate(mask.shape):
        if offset >= len(covered) or covered[offset] != n:
            current = np.broadcast_to(np.zeros((), np.int8), shape)[(*basic, Ellipsis)].shape
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {offset} does not match the shape of the "
                f"indexed tensor {list(current)} at index {axis + offset}"
            )


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of `shape` broadcasts to `target` without enlarging it."""
    return len(shape) <= len(target) and all(
        n in (1, m) for n, m in zip(shape[::-1], target[::-1], strict=False)
    )


# ----- the ops ---------------------------------------------------------------------------------------
class GetItem(Function):
    """z = a[index];   ∂L/∂a = zeros with ∂L/∂z added at index (repeats add up)."""

    saved_inputs = ()

    def __init__(self, index: Index) -> None:
        self.index = index
        self.is_view = index.advanced is None  # basic indexing gives a view, advanced a copy

    def forward(self, a):
        self.shape = a.shape
        return self.index.take(a)

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        self.index.add(grad, g)
        return (grad,)


class IndexPut(Function):
    """z = a with v written at index (added there when accumulate; v broadcast to the indexed shape);
    ∂L/∂a = ∂L/∂z, zero at index unless accumulating;   ∂L/∂v = (∂L/∂z)[index] summed over v's
    broadcasting (where a place is written twice, only the last write, the one z keeps, counts).
    `copy=False` writes into a itself (t[index] = v and the in-place ops)."""

    saved_inputs = ()

    def __init__(self, index: Index, accumulate: bool = False, copy: bool = False) -> None:
        self.index, self.accumulate, self.copy = index, accumulate, copy

    def forward(self, a, v):
        out = a.copy() if self.copy else a
        if not out.flags.writeable:
            raise RuntimeError(
                "unsupported operation: the written-to tensor is read-only (an expanded or broadcast "
                "view, where several elements share one memory location); clone() it first"
            )
        shape = self.index.result_shape(a.shape)
        self.v_shape, self.v_dtype = np.shape(v), np.asarray(v).dtype
        # PyTorch drops v's leading axes of length 1, then broadcasts v to the indexed shape
        self.fitted = self.v_shape[
            next((i for i, n in enumerate(self.v_shape) if n != 1), len(self.v_shape)) :
        ]
        if not _broadcasts_to(self.fitted, shape):
            raise ShapeError(
                f"shape mismatch: value tensor of shape {list(self.v_shape)} cannot be broadcast to indexing "
                f"result of shape {list(shape)}"
            )
        v = np.reshape(v, self.fitted)
        (self.index.add if self.accumulate else self.index.put)(out, v)
        return out

    def backward(self, g):
        grad_a = grad_v = None
        if self.needs_grad(0):
            grad_a = g
            if not self.accumulate:
                grad_a = g.copy()
                self.index.put(grad_a, 0)
        if self.needs_grad(1):
            picked = self.index.take(g)
            kept = None if self.accumulate else self.index.last_writes(g.shape)
            if kept is not None:  # an element overwritten by a later one has no effect on z
                picked = picked * kept
            grad_v = unbroadcast(picked, self.fitted).reshape(self.v_shape).astype(self.v_dtype)
        return grad_a, grad_v


# ----- t[index], t[index] = v, index_put ------------------------------------------------------------------
def _shape(a: Any) -> tuple[int, ...]:
    return a.shape if isinstance(a, Tensor) else np.shape(a)


def getitem(a: Any, index: Any) -> Tensor:
    """a[index] with PyTorch's semantics (see the module doc); a view when the index is basic."""
    return GetItem(resolve(index, _shape(a)))(a)


def _check_value_dtype(a: Tensor, index: Index, value: Any) -> None:
    if isinstance(value, Tensor) and index.advanced is not None and value.dtype != a.dtype:
        raise DTypeError(
            f"Index put requires the source and destination dtypes match, got {a.dtype} for the destination "
            f"and {value.dtype} for the source."
        )


def setitem(a: Tensor, index: Any, value: Any) -> None:
    """a[index] = value in place (value broadcast to the indexed shape); recorded in the graph when
    value (or a) requires grad."""
    resolved = resolve(index, a.shape)
    _check_value_dtype(a, resolved, value)
    IndexPut(resolved).inplace(a, value)


def _put_index(indices: Any, shape: tuple[int, ...]) -> Index:
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}"
        )
    if any(not isinstance(i, (Tensor, np.ndarray)) for i in indices):
        raise TypeError("index_put(): expected a Tensor as every element of 'indices'")
    if len(indices) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {len(indices)})")
    return resolve(tuple(indices), shape)


def index_put(a: Any, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of a with a[indices] = values (indices: a tuple of index tensors, one per leading
    axis); accumulate=True adds instead, an element named twice getting both values."""
    resolved = _put_index(indices, _shape(a))
    _check_value_dtype(a, resolved, values)
    return IndexPut(resolved, accumulate, copy=True)(a, values)


def index_put_(a: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """index_put written into a's memory."""
    resolved = _put_index(indices, a.shape)
    _check_value_dtype(a, resolved, values)
    return IndexPut(resolved, accumulate).inplace(a, values)


# ----- the rest of the family: ops_select, ops_scatter, ops_embed, bound and exported through this module
from . import ops_embed, ops_scatter, ops_select  # noqa: E402  (ops_select builds on the ops above)

for _module in (ops_select, ops_scatter, ops_embed):
    for _name in (*_module.__all__, *_module.TENSOR_METHODS):
        globals()[_name] = getattr(_module, _name)
__all__ += [*ops_select.__all__, *ops_scatter.__all__, *ops_embed.__all__]
TENSOR_METHODS += ops_select.TENSOR_METHODS + ops_scatter.TENSOR_METHODS + ops_embed.TENSOR_METHODS
del _module, _name
