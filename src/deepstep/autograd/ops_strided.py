"""Views by explicit strides, and copies and pieces PyTorch spells apart: as_strided (with its
in-place and scatter forms), narrow_copy, the unsafe_ splits and chunks, and the legacy Tensor.new.

as_strided reads the memory behind a tensor as PyTorch's storage: the elements of the array the
tensor views, from its first one on, with sizes, strides and the storage offset counted in
elements. Element (i₀, i₁, …) of the result is storage[offset + Σₖ iₖ·strideₖ]. Its gradient is
PyTorch's (as_strided_backward): scatter ∂L/∂z into a gradient of the storage (adding where the
result's elements overlap), divide by how often the input itself covers each place (an expanded
input), and read the input's elements from there.

deepstep's arrays are NumPy's, so the storage is the NumPy array a view was taken of. Where an op's
output is laid out differently from PyTorch's (a convolution's output is channels-last, DESIGN.md),
the same strides read other elements; on tensors made by the user, by views of them and by
elementwise ops, the layouts agree. A tensor that shares a NumPy view's memory (from_numpy(a[1:]))
has the whole array a as its storage, where PyTorch's storage starts at the view's first element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError, ValueRangeError
from .function import Function
from .grad_mode import is_grad_enabled
from .ops_join import chunk, split
from .ops_pieces import split_with_sizes
from .ops_shape import _as_tensor, narrow, reshape
from .tensor import Tensor, as_array

__all__ = [
    "as_strided",
    "as_strided_",
    "as_strided_scatter",
    "narrow_copy",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
]

TENSOR_METHODS = (
    "as_strided",
    "as_strided_",
    "as_strided_scatter",
    "narrow_copy",
    "new",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
)


# ----- the storage behind an array ------------------------------------------------------------------
def _storage(a: np.ndarray) -> tuple[np.ndarray, int]:
    """(the elements of the memory a views, as a flat array; a's offset in it, in elements).

    The memory is that of the first array up a's chain of bases; an array whose memory is not one
    contiguous block (or holds another dtype) is its own storage, as a fresh copy would be."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root is not a and (root.flags.c_contiguous or root.flags.f_contiguous) and root.dtype == a.dtype:
        flat = root.reshape(-1, order="A")
        offset = (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // a.itemsize
        return flat, offset
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return a.reshape(-1, order="A"), 0
    # a gapped array that owns no view chain we can follow (rare): its own elements, row-major
    return np.ascontiguousarray(a).reshape(-1), 0


def _geometry_of(a: np.ndarray, offset: int) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    return a.shape, tuple(step // a.itemsize for step in a.strides), offset


def _positions(size: Sequence[int], stride: Sequence[int], offset: int) -> np.ndarray:
    """offset + Σₖ iₖ·strideₖ for every index (i₀, i₁, …) of the shape `size`."""
    positions = np.full(tuple(size), offset, dtype=np.intp)
    for k, (n, step) in enumerate(zip(size, stride, strict=True)):
        positions += (np.arange(n, dtype=np.intp) * step).reshape((n,) + (1,) * (len(size) - k - 1))
    return positions


def _check_geometry(size: Any, stride: Any, offset: Any, storage_size: int, itemsize: int) -> tuple:
    """PyTorch's checks on as_strided's arguments, its words; returns them as tuples of ints."""
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise ShapeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise ShapeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}"
        )
    if any(n < 0 for n in size):
        raise ShapeError(
            f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}"
        )
    offset = int(offset)
    if offset < 0:
        raise ShapeError(f"Tensor: invalid storage offset {offset}")
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if needed > storage_size:
        raise ShapeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
            f"{itemsize} requiring a storage size of {needed * itemsize} are out of bounds for storage of "
            f"size {storage_size * itemsize}"
        )
    return size, stride, offset


class AsStrided(Function):
    """z[i] = storage[offset + Σₖ iₖ·strideₖ];   ∂L/∂a = (Σ of ∂L/∂z over the places it lands) at
    each of a's places, divided by how many of a's elements share that place (module doc)."""

    saved_inputs = ()
    is_view = True

    def __init__(self, size: Any, stride: Any, offset: Any) -> None:
        self.size, self.stride, self.offset = size, stride, offset

    def forward(self, a):
        flat, own_offset = _storage(a)
        offset = own_offset if self.offset is None else self.offset
        size, stride, offset = _check_geometry(self.size, self.stride, offset, flat.size, a.itemsize)
        if not hasattr(self, "out"):  # (an in-place write into the view replays forward on positions)
            self.out, self.inp = (size, stride, offset), _geometry_of(a, own_offset)
        # an ndarray on flat's buffer keeps flat (and so the storage) as its base: storage_offset()
        # and a further as_strided find the same memory
        out = np.ndarray(
            size,
            dtype=a.dtype,
            buffer=flat,
            offset=offset * a.itemsize if 0 not in size else 0,  # an empty result may start anywhere
            strides=[s * a.itemsize for s in stride],
        )
        if not a.flags.writeable:
            out.flags.writeable = False
        return out

    def backward(self, g):
        out_places = _positions(*self.out).reshape(-1)
        in_places = _positions(*self.inp).reshape(-1)
        length = int(max(out_places.max(initial=-1), in_places.max(initial=-1))) + 1
        storage = np.zeros(length, dtype=g.dtype)
        np.add.at(storage, out_places, g.reshape(-1))
        counts = np.bincount(in_places, minlength=length)
        if in_places.size and counts.max() > 1:  # an input that repeats memory (expanded)
            storage = storage / np.maximum(counts, 1).astype(storage.real.dtype)
        return (storage[in_places].reshape(self.inp[0]),)


def as_strided(
    input: Any, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """A view of input's memory with the given sizes and strides (in elements) from storage_offset
    (input's own offset when None): z[i] = storage[offset + Σₖ iₖ·strideₖ]. Differentiable."""
    return AsStrided(size, stride, storage_offset)(_as_tensor(input))


def as_strided_(
    self: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """as_strided in place: self becomes that view of its own memory. Like PyTorch, refused on a
    leaf that requires grad; a tensor in the graph becomes the (differentiable) view."""
    if self.requires_grad and self._creator is None and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    # the op's input is self's value from before (its own tensor, so the graph has no loop)
    before = Tensor._from_op(self.data, self._creator)
    before.requires_grad = self.requires_grad
    view = as_strided(before, size, stride, storage_offset)
    self.data = view.data
    if view._creator is not None:
        self._creator = view._creator
    return self


class AsStridedScatter(Function):
    """z = a copy of a whose places storage[offset + Σₖ iₖ·strideₖ] hold src[i];
    ∂L/∂a = ∂L/∂z with zeros at those places,  ∂L/∂src = ∂L/∂z read at them."""

    saved_inputs = ()

    def __init__(self, size: tuple[int, ...], stride: tuple[int, ...], offset: int) -> None:
        self.size, self.stride, self.offset = size, stride, offset

    def forward(self, a, src):
        out = np.array(a, copy=True, order="K")  # input's memory layout, as PyTorch's clone
        flat, _ = _storage(out)
        self.places = _positions(self.size, self.stride, self.offset)
        flat[self.places] = src
        # the dims from outermost to innermost in that memory, to lay the gradient out the same way
        self.order = tuple(sorted(range(out.ndim), key=lambda d: -out.strides[d]))
        return out

    def backward(self, g):
        order = self.order
        flat = np.ascontiguousarray(np.transpose(g, order)).reshape(-1)  # g in the output's memory order
        grad_src = flat[self.places] if self.needs_grad(1) else None
        grad_a = None
        if self.needs_grad(0):
            flat = flat.copy()
            flat[self.places] = 0
            inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
            grad_a = flat.reshape([g.shape[d] for d in order]).transpose(inverse)
        return grad_a, grad_src


def as_strided_scatter(
    input: Any, src: Any, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """A copy of input (in its memory layout) whose elements at as_strided(size, stride,
    storage_offset) of that copy are src's. Differentiable in both."""
    a, source = _as_tensor(input), _as_tensor(src)
    if source.dtype != a.dtype:
        raise DTypeError(f"expected src to have the dtype of input, {a.dtype}, got {source.dtype}")
    # The storage is the copy's own memory, input's number of elements; as in PyTorch, the offset
    # counts from where input starts in its storage (None: input's own start). PyTorch writes before
    # the copy for an offset below that; here it is refused as any offset out of the memory is.
    start = a.storage_offset()
    relative = 0 if storage_offset is None else int(storage_offset) - start
    size_, stride_, offset = _check_geometry(size, stride, relative, a.data.size, a.data.itemsize)
    if source.shape != size_:
        raise ShapeError(
            f"expected src to have a size equal to the slice of self. src size = {list(source.shape)}, "
            f"slice size = {list(size_)}"
        )
    return AsStridedScatter(size_, stride_, offset)(a, source)


# ----- copies and the unsafe_ spellings of the splits ----------------------------------------------
def narrow_copy(input: Any, dim: int, start: int, length: int) -> Tensor:
    """narrow(input, dim, start, length) as a new contiguous tensor (a copy, not a view)."""
    piece = narrow(input, dim, start, length)
    return piece.clone() if piece.data.flags.c_contiguous else piece.contiguous()


def unsafe_chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """chunk: PyTorch's unsafe_ form only skips autograd's checks on in-place writes into the pieces;
    the values and gradients are chunk's."""
    return chunk(input, chunks, dim)


def unsafe_split(tensor: Any, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """split with one size (see unsafe_chunk)."""
    if not isinstance(split_size, (int, np.integer)):
        raise TypeError(f"unsafe_split(): argument 'split_size' must be int, not {type(split_size).__name__}")
    return split(tensor, split_size, dim)


def unsafe_split_with_sizes(input: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """split_with_sizes (see unsafe_chunk)."""
    return split_with_sizes(input, split_sizes, dim)


# ----- the legacy constructor ------------------------------------------------------------------
def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """PyTorch's legacy Tensor.new, in self's dtype: new() is empty, new(*sizes) or new(torch.Size)
    uninitialised, new(data) a tensor of the data (a sequence or an array, cast to self's dtype),
    new(tensor) an alias of a tensor of the same dtype (a view, in the graph as PyTorch's)."""
    from .. import backend

    backend.check_device(device)
    dtype = self.data.dtype
    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if other.dtype != dtype:
            raise DTypeError(f"new(): expected a tensor of dtype {dtype}, got {other.dtype}")
        return reshape(other, other.shape) if other.requires_grad else other.detach()
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not _is_size(args[0]):
        data = args[0]
        if isinstance(data, (float, complex, bool, np.floating)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return Tensor(np.array(as_array(data), dtype=dtype, copy=True))
    sizes = tuple(args[0]) if len(args) == 1 and _is_size(args[0]) else args
    for n in sizes:
        if not isinstance(n, (int, np.integer)):
            raise TypeError(f"new(): argument 'size' must be a tuple of ints, but found {type(n).__name__}")
    if not sizes:
        sizes = (0,)
    if any(n < 0 for n in sizes):
        raise ValueRangeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
    return Tensor(np.empty(tuple(int(n) for n in sizes), dtype=dtype))


def _is_size(value: Any) -> bool:
    """A torch.Size-like shape (what .shape returns), as opposed to a tuple of data."""
    return type(value).__name__ == "Size" and isinstance(value, tuple)
