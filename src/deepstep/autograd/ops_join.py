"""Joining tensors along a dim and cutting one into pieces: cat (concat, concatenate) and stack, and
their inverses split, chunk and unbind, whose pieces are views of the input (the views themselves,
reshape to narrow, are in ops_shape).

cat's backward gives each input its own slice of the gradient, stack's gives each input its index
along the new dim; a piece of split, chunk or unbind is a slice (ops_index.getitem), whose gradient
goes back where the piece came from. Dims and errors follow PyTorch, as in ops_shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from .dims import normalize_dim
from .dtypes import result_type
from .function import Function
from .ops_index import getitem
from .ops_shape import _along, _as_tensor
from .tensor import Tensor

__all__ = ["cat", "chunk", "concat", "concatenate", "split", "stack", "unbind"]

TENSOR_METHODS = ("split", "chunk", "unbind")


# ----- the ops ------------------------------------------------------------------------------
class Concatenate(Function):
    """z = [a₁ a₂ …] along a dim;   each aᵢ gets its own slice of ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, dim: int, skipped: tuple[bool, ...]) -> None:
        self.dim, self.skipped = dim, skipped

    def forward(self, *arrays):
        dtype = result_type(*arrays)
        joined = [a for a, skip in zip(arrays, self.skipped, strict=True) if not skip]
        self.sizes = [a.shape[self.dim] for a in joined]
        return np.concatenate(joined, axis=self.dim, dtype=dtype)

    def backward(self, g):
        pieces = iter(np.split(g, np.cumsum(self.sizes)[:-1], axis=self.dim))
        grads = [np.zeros(0, g.dtype) if skip else next(pieces) for skip in self.skipped]
        return self.to_inputs(*grads)


class Stack(Function):
    """z = the aᵢ stacked on a new dim;   each aᵢ gets its slice of ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, *arrays):
        return np.stack(arrays, axis=self.dim, dtype=result_type(*arrays))

    def backward(self, g):
        return self.to_inputs(*np.moveaxis(g, self.dim, 0))


# ----- splitting ----------------------------------------------------------------------------------
def unbind(a: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Every slice along dim, that dim removed: a tuple of views."""
    a = _as_tensor(a)
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, a.ndim)
    return tuple(getitem(a, _along(d, i)) for i in range(a.shape[d]))


def split(
    a: Any,
    split_size_or_sections: int | Sequence[int] | None = None,
    dim: int = 0,
    *,
    axis: int | None = None,
    split_size: int | Sequence[int] | None = None,
) -> tuple[Tensor, ...]:
    """torch.split: an int is the size of each piece (the last one smaller if need be), a list gives
    the sizes, which must add up to the size of dim. The pieces are views. (Tensor.split names the
    sizes split_size, as PyTorch's does.)"""
    a = _as_tensor(a)
    if split_size_or_sections is None:
        if split_size is None:
            raise TypeError("split() missing required argument 'split_size_or_sections'")
        split_size_or_sections = split_size
    if axis is not None:
        dim = axis
    if a.ndim == 0:
        raise ShapeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim(dim, a.ndim)
    length = a.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise ShapeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and length:
            raise ShapeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}"
            )
        sizes = [min(size, length - start) for start in range(0, length, size)] if length else [0]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != length or any(n < 0 for n in sizes):
            raise ShapeError(
                f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size at "
                f"dimension {dim}), but got split_sizes={sizes}"
            )
    starts = np.cumsum([0, *sizes[:-1]])
    return tuple(getitem(a, _along(d, slice(s, s + n))) for s, n in zip(starts, sizes, strict=True))


def chunk(a: Any, chunks: int, dim: int = 0, *, axis: int | None = None) -> tuple[Tensor, ...]:
    """torch.chunk: pieces of ⌈size/chunks⌉ along dim, so there may be fewer than `chunks`."""
    a = _as_tensor(a)
    if axis is not None:
        dim = axis
    if a.ndim == 0:
        raise ShapeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise ShapeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = a.shape[normalize_dim(dim, a.ndim)]
    if length == 0:  # as many empty pieces as asked for
        return split(a, [0] * chunks, dim)
    return split(a, -(-length // chunks), dim)


# ----- joining -------------------------------------------------------------------------------------
def _sequence(name: str, tensors: Any) -> list[Any]:
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(f"{name}() expects a sequence of tensors, got a single {type(tensors).__name__}")
    return list(tensors)


def concatenate(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """torch.cat: join along an existing dim, the dtypes promoted; 1-D empty tensors are skipped
    (PyTorch's legacy rule), every other tensor must match in all other dims."""
    if axis is not None:
        dim = axis
    tensors = [_as_tensor(x) for x in _sequence("cat", tensors)]
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise ShapeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    skipped = tuple(x.shape == (0,) for x in tensors)
    if all(skipped):  # nothing but empty vectors: their concatenation is one
        skipped = (False,) * len(tensors)
    first = next(x.shape for x, skip in zip(tensors, skipped, strict=True) if not skip)
    d = normalize_dim(dim, len(first))
    for i, x in enumerate(tensors):
        if skipped[i]:
            continue
        if x.ndim != len(first):
            raise ShapeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {x.ndim} "
                f"{_cat_shapes(tensors, d)}"
            )
        for k, (m, n) in enumerate(zip(first, x.shape, strict=True)):
            if k != d and m != n:
                raise ShapeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {m} but got "
                    f"size {n} for tensor number {i} in the list {_cat_shapes(tensors, d)}."
                )
    return Concatenate(d, skipped)(*tensors)


def _cat_shapes(tensors: list[Tensor], dim: int) -> str:
    return f"(cat of shapes {', '.join(str(t.data.shape) for t in tensors)} along dim {dim})"


cat = concat = concatenate


def stack(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join equal-shaped tensors along a new dim (in [−ndim−1, ndim]), the dtypes promoted."""
    if axis is not None:
        dim = axis
    tensors = [_as_tensor(x) for x in _sequence("stack", tensors)]
    if not tensors:
        raise ShapeError("stack expects a non-empty TensorList")
    first = tensors[0].shape
    for i, x in enumerate(tensors):
        if x.shape != first:
            raise ShapeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                f"{list(x.shape)} at entry {i}"
            )
    return Stack(normalize_dim(dim, len(first) + 1))(*tensors)
