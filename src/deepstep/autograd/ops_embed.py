"""Writing into a part of a tensor, out of place and in place: select_scatter, slice_scatter,
diagonal_scatter (the adjoints of select, slicing and diagonal), put and put_ (flat indices),
index_reduce and index_reduce_, fill_diagonal_.

One op does the embeddings: z = a with the elements of a region (a basic index, or the diagonal of
two dims) replaced by s;   ∂L/∂a = ∂L/∂z with zeros in the region,  ∂L/∂s = ∂L/∂z read there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DTypeError, IndexRangeError, ShapeError, ValueRangeError
from .dims import normalize_dim
from .function import Function, refuse_complex
from .ops_diagonal import _diagonal_index
from .ops_scatter import scatter_reduce, scatter_reduce_
from .ops_shape import _along, _as_tensor, expand, reshape
from .tensor import Tensor

__all__ = ["diagonal_scatter", "index_reduce", "put", "select_scatter", "slice_scatter"]

TENSOR_METHODS = (*__all__, "fill_diagonal_", "index_reduce_", "put_")

#: A region of an array: region(x) gives (an array sharing x's memory, the index of the region in it).
Region = Callable[[np.ndarray], tuple[np.ndarray, Any]]


class Embed(Function):
    """z = a with region(z) = s (s cast to a's dtype);   ∂L/∂a = ḡ with region(ḡ) = 0, ∂L/∂s = region(ḡ)."""

    saved_inputs = ()

    def __init__(self, region: Region) -> None:
        self.region = region

    def forward(self, a, s):
        out = np.array(a, copy=True)
        self.source_dtype = np.asarray(s).dtype
        holder, key = self.region(out)
        holder[key] = s
        return out

    def backward(self, g):
        grad_a = grad_s = None
        if self.needs_grad(0):
            grad_a = np.array(g, copy=True)
            holder, key = self.region(grad_a)
            holder[key] = 0
        if self.needs_grad(1):
            holder, key = self.region(g)
            grad_s = np.array(holder[key], dtype=self.source_dtype)
        return self.to_inputs(grad_a, grad_s)


def _embed(name: str, input: Any, src: Any, region: Region) -> Tensor:
    a, s = _as_tensor(input), _as_tensor(src)
    holder, key = region(np.empty(a.shape, dtype=bool))
    expected = holder[key].shape
    if s.shape != expected:
        raise ShapeError(
            f"expected src to have a size equal to the slice of self. src size = {list(s.shape)}, "
            "slice size = "
            f"{list(expected)}"
        )
    return Embed(region)(a, s)


def select_scatter(input: Any, src: Any, dim: int, index: int) -> Tensor:
    """input with input.select(dim, index) replaced by src."""
    a = _as_tensor(input)
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, a.ndim)
    size = a.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(a.shape)} at dimension {dim}"
        )
    key = _along(d, int(index) % size)
    return _embed("select_scatter", a, src, lambda x: (x, key))


def slice_scatter(
    input: Any, src: Any, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
) -> Tensor:
    """input with input[…, start:end:step, …] (along dim) replaced by src."""
    a = _as_tensor(input)
    if step <= 0:
        raise ValueRangeError("slice step must be positive")
    key = _along(normalize_dim(dim, a.ndim), slice(start, end, step))
    return _embed("slice_scatter", a, src, lambda x: (x, key))


def diagonal_scatter(input: Any, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """input with its diagonal `offset` of dims dim1, dim2 replaced by src (the diagonal last in src)."""
    a = _as_tensor(input)
    d1, d2 = normalize_dim(dim1, a.ndim), normalize_dim(dim2, a.ndim)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diagonal_index(a.shape[d1], a.shape[d2], offset)

    def region(x: np.ndarray) -> tuple[np.ndarray, Any]:
        return np.moveaxis(x, (d1, d2), (-2, -1)), (Ellipsis, rows, cols)

    return _embed("diagonal_scatter", a, src, region)


# ----- flat indices: put ------------------------------------------------------------------------------
class Put(Function):
    """z = a with z.flat[index] = s (or += s with accumulate);
    ∂L/∂a = ḡ with ḡ.flat[index] = 0 (unchanged with accumulate),  ∂L/∂s = ḡ.flat[index]."""

    saved_inputs = ()

    def __init__(self, index: np.ndarray, accumulate: bool) -> None:
        self.index, self.accumulate = index, accumulate

    def forward(self, a, s):
        out = np.array(a, copy=True, order="C")
        flat, values = out.reshape(-1), np.asarray(s, dtype=a.dtype).reshape(-1)
        self.source_shape = np.shape(s)
        if self.accumulate:
            np.add.at(flat, self.index, values)
        else:
            flat[self.index] = values
        return out

    def backward(self, g):
        flat = g.reshape(-1)
        grad_a = None
        if self.needs_grad(0) and not self.accumulate:
            grad_a = flat.copy()
            grad_a[self.index] = 0
            grad_a = grad_a.reshape(g.shape)
        elif self.needs_grad(0):
            grad_a = g
        grad_s = flat[self.index].reshape(self.source_shape) if self.needs_grad(1) else None
        return grad_a, grad_s


def _put_op(a: Tensor, index: Any, source: Any, accumulate: bool) -> tuple[Put, Tensor]:
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    s = _as_tensor(source)
    if idx.dtype != np.int64:
        raise DTypeError(f"put_(): Expected a long tensor for index, but got {idx.dtype}")
    if s.dtype != a.dtype:
        raise DTypeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = {a.dtype} "
            f"and source.dtype = {s.dtype}"
        )
    if idx.size != s.data.size:
        raise IndexRangeError(
            "put_(): Expected source and index to have the same number of elements, but got "
            "source.numel() = "
            f"{s.data.size}, index.numel() = {idx.size}"
        )
    n = a.data.size
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexRangeError(
            f"out of range: tried to access index {idx[bad].flat[0]} on a tensor of {n} elements."
        )
    return Put(idx.reshape(-1) % max(n, 1), accumulate), s


def put(input: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """input seen as a flat vector, with the elements at `index` replaced by source (added with
    accumulate); negative indices count from the end."""
    a = _as_tensor(input)
    op, s = _put_op(a, index, source, accumulate)
    return op(a, s)


def put_(self: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """put written into self."""
    op, s = _put_op(self, index, source, accumulate)
    return op.inplace(self, s)


# ----- index_reduce: scatter_reduce with one index per slice --------------------------------------------
def _index_as_scatter(
    name: str, a: Tensor, dim: int, index: Any, source: Any, reduce: str
) -> tuple[int, Tensor]:
    """index_reduce(dim, index, source) is scatter_reduce(dim, index', source) with index' = index laid
    along dim and repeated over source's other dims."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueRangeError(
            f"{name}(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}."
        )
    s = _as_tensor(source)
    idx = _as_tensor(index)
    d = normalize_dim(dim, a.ndim)
    if idx.ndim > 1:
        raise ShapeError(f"{name}_(): Index is supposed to be a vector")
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"{name}_(): Expected dtype int32/int64 for index but got: {idx.dtype}")
    length = s.shape[d] if s.ndim else 1
    if idx.data.size != length:
        raise ShapeError(
            f"{name}_(): Index should have dimension 1 or the same size as the {d}th dim of source"
        )
    laid = reshape(idx, [-1 if i == d else 1 for i in range(max(s.ndim, 1))])
    return d, expand(laid, s.shape).long()


def index_reduce(
    input: Any, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True
) -> Tensor:
    """input with each slice source.select(dim, i) combined into input.select(dim, index[i]) by reduce:
    'prod', 'mean', 'amax' or 'amin' (input's own slice taking part unless include_self=False)."""
    a = _as_tensor(input)
    d, expanded = _index_as_scatter("index_reduce", a, dim, index, source, reduce)
    if not include_self:  # PyTorch's start without self's slice has no complex kernel
        refuse_complex("index_reduce(include_self=False)", a, source)
    return scatter_reduce(a, d, expanded, source, reduce, include_self=include_self)


def index_reduce_(
    self: Tensor, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True
) -> Tensor:
    """index_reduce written into self."""
    d, expanded = _index_as_scatter("index_reduce", self, dim, index, source, reduce)
    if not include_self:  # PyTorch's start without self's slice has no complex kernel
        refuse_complex("index_reduce_(include_self=False)", self, source)
    return scatter_reduce_(self, d, expanded, source, reduce, include_self=include_self)


# ----- fill_diagonal_ -------------------------------------------------------------------------------------
class FillDiagonal(Function):
    """z = a with its main diagonal (a[i, i, …, i]) set to v;   ∂L/∂a = ḡ with that diagonal zeroed."""

    saved_inputs = ()

    def __init__(self, value: Any, wrap: bool) -> None:
        self.value, self.wrap = value, wrap

    def forward(self, a):
        out = np.array(a, copy=True)
        np.fill_diagonal(out, self.value, wrap=self.wrap)
        return out

    def backward(self, g):
        grad = np.array(g, copy=True)
        np.fill_diagonal(grad, 0, wrap=self.wrap)
        return (grad,)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Set the main diagonal to fill_value, in place; a tall matrix restarts it every n + 1 rows when
    wrap=True. More than 2 dims must all have one length."""
    fill_value = _number(fill_value, self.dtype)
    if self.ndim < 2:
        raise ShapeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise ShapeError("all dimensions of input must be of equal length")
    return FillDiagonal(fill_value, wrap).inplace(self)


def _number(value: Any, dtype: np.dtype) -> Any:
    """fill_value as PyTorch's Number argument takes it: a Python or NumPy scalar, or a 0-d tensor (its
    item); a list, an array or a tensor with dims is a TypeError, a complex number on real data too big."""
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.data.item()
    if not isinstance(value, (bool, int, float, complex, np.number, np.bool_)):  # arrays are not numbers
        raise TypeError(
            f"fill_diagonal_(): argument 'fill_value' (position 1) must be Number, not {type(value).__name__}"
        )
    if isinstance(value, (complex, np.complexfloating)) and np.dtype(dtype).kind != "c":
        raise DTypeError(f"value cannot be converted to type {np.dtype(dtype)} without overflow")
    return value
