"""Indexing along one dimension and by mask: index_select, index_add, index_copy, index_fill,
masked_fill, masked_select, masked_scatter, nonzero.

index_select is t[:, …, index] and the other index_* ops are index_put along one axis, so their
gradients are those of GetItem and IndexPut (ops_index). The masked ops broadcast the mask as PyTorch
does; each puts the gradient back where the elements came from.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DTypeError, IndexRangeError, ShapeError
from .dims import normalize_dim
from .function import Function
from .ops_index import GetItem, Index, IndexPut, getitem, resolve
from .ops_scatter import check_range, index_array
from .tensor import Tensor

__all__ = [
    "argwhere",
    "index_add",
    "index_copy",
    "index_fill",
    "index_select",
    "masked_fill",
    "masked_scatter",
    "masked_select",
    "nonzero",
]

TENSOR_METHODS = (
    "argwhere",
    "index_add",
    "index_add_",
    "index_copy",
    "index_copy_",
    "index_fill",
    "index_fill_",
    "index_select",
    "masked_fill",
    "masked_fill_",
    "masked_scatter",
    "masked_scatter_",
    "masked_select",
    "nonzero",
)

_ALL = slice(None)
_INT_INDEX = (np.dtype(np.int32), np.dtype(np.int64))


def _shape(a: Any) -> tuple[int, ...]:
    return a.shape if isinstance(a, Tensor) else np.shape(a)


class MaskedFill(Function):
    """z = v where mask else a (mask broadcast);   ∂L/∂a = ∂L/∂z where ¬mask,   ∂L/∂v = Σ_mask ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, a, value):
        self.value_dtype = np.asarray(value).dtype
        return np.where(self.mask, np.asarray(value).astype(a.dtype), a)

    def backward(self, g):
        zero = np.zeros((), g.dtype)
        grad_a = np.where(self.mask, zero, g) if self.needs_grad(0) else None
        grad_v = np.where(self.mask, g, zero).sum().astype(self.value_dtype) if self.needs_grad(1) else None
        return self.to_inputs(grad_a, grad_v)


class MaskedSelect(Function):
    """z = the elements of a where mask holds, in row-major order (a and mask broadcast together);
    ∂L/∂a = zeros with ∂L/∂z put back where the mask holds (summed over a's broadcasting)."""

    saved_inputs = ()

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, a):
        shape = np.broadcast_shapes(a.shape, self.mask.shape)
        self.mask = np.broadcast_to(self.mask, shape)
        return np.broadcast_to(a, shape)[self.mask]

    def backward(self, g):
        grad = np.zeros(self.mask.shape, g.dtype)
        grad[self.mask] = g
        return self.to_inputs(grad)


class MaskedScatter(Function):
    """z = a with the first k elements of source written where mask holds, in row-major order
    (k = the number of True);   ∂L/∂a = ∂L/∂z where ¬mask,   ∂L/∂source = (∂L/∂z)[mask], then zeros."""

    saved_inputs = ()

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, a, source):
        shape = np.broadcast_shapes(a.shape, self.mask.shape)
        self.mask, self.source_shape = np.broadcast_to(self.mask, shape), source.shape
        count = int(self.mask.sum())
        if count > source.size:
            raise ShapeError("Number of elements of source < number of ones in mask")
        out = np.array(np.broadcast_to(a, shape))
        out[self.mask] = source.reshape(-1)[:count]
        return out

    def backward(self, g):
        grad_a = np.where(self.mask, np.zeros((), g.dtype), g) if self.needs_grad(0) else None
        grad_source = None
        if self.needs_grad(1):
            grad_source = np.zeros(math.prod(self.source_shape), g.dtype)
            picked = g[self.mask]
            grad_source[: picked.size] = picked
            grad_source = grad_source.reshape(self.source_shape)
        return self.to_inputs(grad_a, grad_source)


# ----- along one dimension: index_select, index_add, index_copy, index_fill ------------------------------
def _along(shape: tuple[int, ...], dim: int, index: np.ndarray) -> Index:
    """The index that picks `index` (0-d or 1-d) along dim and keeps that axis."""
    return resolve((*[_ALL] * dim, index.reshape(-1)), shape)


def _vector(index: Any, dtypes: tuple[np.dtype, ...], op: str, error: type = DTypeError) -> np.ndarray:
    array = index_array(
        index,
        dtypes,
        f"{op}(): Expected dtype {'int32/int64' if len(dtypes) > 1 else 'int64'} for index",
        error,
    )
    if array.ndim > 1:
        raise IndexError(
            f"{op}(): Index is supposed to be a vector, but got dim: {array.ndim} "
            f"with size {list(array.shape)}"
        )
    return array


def index_select(a: Any, dim: int, index: Any) -> Tensor:
    """The slices of a along dim at the positions in index (1-d, int32 or int64; repeats allowed)."""
    shape = _shape(a)
    index = _vector(index, _INT_INDEX, "index_select")
    if not shape:  # a 0-d tensor has the one position 0
        if index.size != 1:
            raise ShapeError(
                f"index_select(): Index to scalar can have only 1 value, got {index.size} value(s)"
            )
        check_range(index, 1, 0)
        return getitem(getitem(a, (None, index.reshape(1))), 0)
    dim = normalize_dim(dim, len(shape))
    if index.size and (index.min() < 0 or index.max() >= shape[dim]):
        raise IndexRangeError("index out of range in self")
    return GetItem(_along(shape, dim, index))(a)


def _source_checks(a: Any, dim: int, index: np.ndarray, source: Any, op: str) -> int:
    """dim normalised after PyTorch's checks on the source of index_add/index_copy."""
    shape, source_shape = _shape(a), np.shape(source.data if isinstance(source, Tensor) else source)
    dim = normalize_dim(dim, len(shape))
    if len(source_shape) != len(shape) or any(
        n != m for d, (n, m) in enumerate(zip(shape, source_shape, strict=True)) if d != dim
    ):
        raise ShapeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(shape)} source.shape = {list(source_shape)}"
        )
    if source_shape and source_shape[dim] != index.size:
        raise ShapeError(
            f"{op}(): Number of indices ({index.size}) should be equal to "
            f"source.size(dim) ({source_shape[dim]})"
        )
    dtype = a.dtype if isinstance(a, Tensor) else np.asarray(a).dtype
    if isinstance(source, Tensor) and source.dtype != dtype:
        raise DTypeError(f"{op}(): self ({dtype}) and source ({source.dtype}) must have the same dtype")
    check_range(index, shape[dim] if shape else 1, dim, prefix="" if op == "index_add_" else f"{op}(): ")
    return dim


def _index_add(a: Any, dim: int, index: Any, source: Any, alpha: Any) -> tuple[IndexPut, Any]:
    index = _vector(index, _INT_INDEX, "index_add_")
    dim = _source_checks(a, dim, index, source, "index_add_")
    if alpha != 1:
        dtype = a.dtype if isinstance(a, Tensor) else np.asarray(a).dtype
        source = source * (int(alpha) if dtype.kind in "iu" else alpha)
    return IndexPut(_along(_shape(a), dim, index), accumulate=True), source


def index_add(a: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """z = a, then z[..., index[i], ...] += alpha·source[..., i, ...] along dim (repeats add up)."""
    op, source = _index_add(a, dim, index, source, alpha)
    op.copy = True
    return op(a, source)


def index_add_(a: Tensor, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """index_add written into a's memory."""
    op, source = _index_add(a, dim, index, source, alpha)
    return op.inplace(a, source)


def _index_copy(a: Any, dim: int, index: Any, source: Any) -> Index:
    index = index_array(index, (np.dtype(np.int64),), "index_copy_(): Expected a long tensor for index")
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    return _along(_shape(a), _source_checks(a, dim, index, source, "index_copy_"), index)


def index_copy(a: Any, dim: int, index: Any, source: Any) -> Tensor:
    """z = a, then z[..., index[i], ...] = source[..., i, ...] along dim."""
    return IndexPut(_index_copy(a, dim, index, source), copy=True)(a, source)


def index_copy_(a: Tensor, dim: int, index: Any, source: Any) -> Tensor:
    """index_copy written into a's memory."""
    return IndexPut(_index_copy(a, dim, index, source)).inplace(a, source)


def _index_fill(a: Any, dim: int, index: Any, value: Any) -> Index:
    index = index_array(
        index, (np.dtype(np.int64),), "index_fill_(): Expected dtype int64 for index.", IndexError
    )
    if index.ndim > 1:
        raise ShapeError("Index has to be a vector/scalar")
    _scalar_value(value, "index_fill_")
    shape = _shape(a)
    dim = normalize_dim(dim, len(shape))
    size = shape[dim] if shape else 1
    check_range(index, size, dim, negative=True)
    # each position once: the value's gradient is the sum over the filled elements, however often named
    return _along(shape, dim, np.unique(index % max(size, 1)))


def index_fill(a: Any, dim: int, index: Any, value: Any) -> Tensor:
    """z = a with every slice along dim named in index set to value (a number or a 0-d tensor)."""
    return IndexPut(_index_fill(a, dim, index, value), copy=True)(a, value)


def index_fill_(a: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """index_fill written into a's memory."""
    return IndexPut(_index_fill(a, dim, index, value)).inplace(a, value)


# ----- masks -------------------------------------------------------------------------------------------
def _mask(mask: Any, message: str) -> np.ndarray:
    array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype.kind != "b":
        raise DTypeError(f"{message}, but got mask with dtype {array.dtype}")
    return array


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(
            f"the mask of shape {shapes[1]} does not broadcast with the tensor's shape {shapes[0]}"
        ) from None


def _scalar_value(value: Any, op: str) -> Any:
    """value, refused unless it is a number or a 0-d tensor (the fill ops)."""
    ndim = np.ndim(value.data if isinstance(value, Tensor) else value)
    if ndim:
        raise ShapeError(
            f"{op} only supports a 0-dimensional value tensor, but got tensor with {ndim} dimension(s)."
        )
    return value


def masked_fill(a: Any, mask: Any, value: Any) -> Tensor:
    """z = value where mask else a (mask bool, broadcast with a; value a number or a 0-d tensor)."""
    mask = _mask(mask, "masked_fill_ only supports boolean masks")
    _broadcast(_shape(a), mask.shape)
    return MaskedFill(mask)(a, _scalar_value(value, "masked_fill_"))


def masked_fill_(a: Tensor, mask: Any, value: Any) -> Tensor:
    """masked_fill written into a's memory (mask broadcast to a's shape)."""
    mask = _mask(mask, "masked_fill_ only supports boolean masks")
    _broadcast(a.shape, mask.shape)
    return MaskedFill(mask).inplace(a, _scalar_value(value, "masked_fill_"))


def masked_select(a: Any, mask: Any) -> Tensor:
    """The elements of a where mask holds (a and mask broadcast together), as a 1-d tensor."""
    mask = _mask(mask, "masked_select: expected BoolTensor for mask")
    _broadcast(_shape(a), mask.shape)
    return MaskedSelect(mask)(a)


def _masked_scatter(a: Any, mask: Any, source: Any) -> MaskedScatter:
    mask = _mask(mask, "masked_scatter_ only supports boolean masks")
    _broadcast(_shape(a), mask.shape)
    dtype = a.dtype if isinstance(a, Tensor) else np.asarray(a).dtype
    source_dtype = np.asarray(source.data if isinstance(source, Tensor) else source).dtype
    if source_dtype != dtype:
        raise DTypeError(
            f"masked_scatter: expected self and source to have same dtypes but got {dtype} and {source_dtype}"
        )
    return MaskedScatter(mask)


def masked_scatter(a: Any, mask: Any, source: Any) -> Tensor:
    """z = a with the elements of source, in order, written where mask holds."""
    return _masked_scatter(a, mask, source)(a, source)


def masked_scatter_(a: Tensor, mask: Any, source: Any) -> Tensor:
    """masked_scatter written into a's memory."""
    return _masked_scatter(a, mask, source).inplace(a, source)


# ----- where the nonzero elements are -------------------------------------------------------------------
def nonzero(a: Any, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The coordinates of the nonzero elements, one row each (int64, shape (n, ndim)), in row-major
    order; as_tuple=True gives one 1-d tensor per axis instead (a 0-d tensor counts as 1-d)."""
    data = a.data if isinstance(a, Tensor) else np.asarray(a)
    if as_tuple:
        return tuple(Tensor(c.astype(np.int64)) for c in np.nonzero(np.atleast_1d(data)))
    return Tensor(np.argwhere(data).astype(np.int64))


def argwhere(a: Any) -> Tensor:
    """nonzero(a): the coordinates of the nonzero elements, one row each."""
    return nonzero(a)
