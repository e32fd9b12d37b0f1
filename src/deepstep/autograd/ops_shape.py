"""Ops that move elements without changing them: reshape, transpose, indexing, joining.

Their backward moves the gradient back the same way: reshape it back, transpose it
back, scatter it back (adding where an index repeats).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .function import Function
from .ops_index import getitem
from .tensor import Tensor

__all__ = [
    "broadcast_to",
    "cat",
    "chunk",
    "concatenate",
    "expand",
    "flatten",
    "permute",
    "reshape",
    "split",
    "squeeze",
    "stack",
    "transpose",
    "unsqueeze",
    "view",
]

TENSOR_METHODS = (
    "reshape",
    "view",
    "transpose",
    "permute",
    "flatten",
    "squeeze",
    "unsqueeze",
    "expand",
    "broadcast_to",
    "split",
    "chunk",
)


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Reshape(Function):
    """z = a viewed with another shape;   ∂L/∂a = ∂L/∂z reshaped back."""

    saved_inputs = ()
    is_view = True

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        self.input_shape = a.shape
        try:
            return a.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"cannot reshape a tensor of shape {a.shape} ({a.size} elements) into {self.shape}"
            ) from None

    def backward(self, g):
        return (g.reshape(self.input_shape),)


class Transpose(Function):
    """z = a with its axes permuted;   ∂L/∂a = ∂L/∂z with the inverse permutation."""

    saved_inputs = ()
    is_view = True

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, a):
        axes = tuple(reversed(range(a.ndim))) if self.axes is None else self.axes
        if sorted(ax % max(a.ndim, 1) for ax in axes) != list(range(a.ndim)):
            raise ValueError(f"axes {axes} are not a permutation of the {a.ndim} axes of shape {a.shape}")
        self.inverse = tuple(np.argsort([ax % a.ndim for ax in axes]))
        return a.transpose(axes)

    def backward(self, g):
        return (g.transpose(self.inverse),)


class BroadcastTo(Function):
    """z = a repeated along broadcast axes;   ∂L/∂a = the sum over the copies."""

    saved_inputs = ()
    is_view = True

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        try:
            return np.broadcast_to(a, self.shape)
        except ValueError:
            raise ValueError(f"cannot expand a tensor of shape {a.shape} to {self.shape}") from None

    def backward(self, g):
        return self.to_inputs(g)


class Cast(Function):
    """z = a converted to another dtype;   ∂L/∂a = ∂L/∂z converted back."""

    saved_inputs = ()
    is_view = True

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)

    def forward(self, a):
        self.input_dtype = a.dtype
        return a.astype(self.dtype, copy=False)

    def backward(self, g):
        return (g.astype(self.input_dtype, copy=False),)


class Concatenate(Function):
    """z = [a₁ a₂ …] along an axis;   each aᵢ gets its own slice of ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays):
        self.sizes = [a.shape[self.axis] if a.ndim else 0 for a in arrays]
        try:
            return np.concatenate(arrays, axis=self.axis)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"cannot concatenate shapes {shapes} along axis {self.axis}") from None

    def backward(self, g):
        return self.to_inputs(*np.split(g, np.cumsum(self.sizes)[:-1], axis=self.axis))


class Stack(Function):
    """z = the aᵢ stacked on a new axis;   each aᵢ gets its slice of ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays):
        try:
            return np.stack(arrays, axis=self.axis)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"cannot stack shapes {shapes}: they must all be equal") from None

    def backward(self, g):
        return self.to_inputs(*np.moveaxis(g, self.axis, 0))


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def reshape(a: Any, *shape: Any) -> Tensor:
    """The same elements in another shape (one entry may be −1)."""
    return Reshape(_shape_arg(shape))(a)


view = reshape


def transpose(a: Any, *axes: Any) -> Tensor:
    """Permute axes. No axes reverses them (NumPy); two axes of a tensor with more than two
    dimensions swap just those two (PyTorch's transpose(dim0, dim1))."""
    axes = _shape_arg(axes)
    ndim = np.ndim(a.data if isinstance(a, Tensor) else a)
    if not axes:
        return Transpose(None)(a)
    if len(axes) == 2 and ndim != 2:
        order = list(range(ndim))
        i, j = (ax % max(ndim, 1) for ax in axes)
        order[i], order[j] = order[j], order[i]
        axes = tuple(order)
    return Transpose(axes)(a)


def permute(a: Any, *axes: Any) -> Tensor:
    """Put the axes in the given order (PyTorch's permute, NumPy's transpose(axes))."""
    return Transpose(_shape_arg(axes))(a)


def flatten(a: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes start_dim … end_dim into one (all of them by default)."""
    shape = a.shape if isinstance(a, Tensor) else np.shape(a)
    if not shape:
        return Reshape((1,))(a)
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = int(np.prod(shape[start : end + 1]))
    return Reshape((*shape[:start], merged, *shape[end + 1 :]))(a)


def squeeze(a: Any, axis: int | tuple[int, ...] | None = None, *, dim: int | None = None) -> Tensor:
    """Drop axes of size 1: all of them, or those named (named axes of another size stay, as in torch)."""
    shape = a.shape if isinstance(a, Tensor) else np.shape(a)
    axis = dim if dim is not None else axis
    if axis is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        named = (axis,) if isinstance(axis, int) else axis
        drop = {ax % len(shape) for ax in named if shape and shape[ax % len(shape)] == 1}
    return Reshape(tuple(n for i, n in enumerate(shape) if i not in drop))(a)


def unsqueeze(a: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert an axis of size 1 at `axis`."""
    axis = dim if dim is not None else axis
    if axis is None:
        raise TypeError("unsqueeze needs an axis")
    shape = a.shape if isinstance(a, Tensor) else np.shape(a)
    position = axis % (len(shape) + 1)
    return Reshape((*shape[:position], 1, *shape[position:]))(a)


def expand(a: Any, *shape: Any) -> Tensor:
    """Broadcast to a larger shape without copying; −1 keeps a dimension (PyTorch's expand)."""
    shape = _shape_arg(shape)
    own = a.shape if isinstance(a, Tensor) else np.shape(a)
    offset = len(shape) - len(own)
    target = tuple(own[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(shape))
    return BroadcastTo(target)(a)


def broadcast_to(a: Any, shape: Sequence[int]) -> Tensor:
    """NumPy's broadcast_to, differentiable."""
    return BroadcastTo(tuple(shape))(a)


def cast(a: Any, dtype: Any) -> Tensor:
    """Convert to `dtype` (differentiable between float dtypes)."""
    dtype = np.dtype(dtype)
    if isinstance(a, Tensor) and a.dtype == dtype:
        return a
    if dtype.kind not in "fc":
        source = a.data if isinstance(a, Tensor) else np.asarray(a)
        return Tensor(source.astype(dtype))
    return Cast(dtype)(a)


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (PyTorch's cat)."""
    if len(tensors) == 0:
        raise ValueError("concatenate needs at least one tensor")
    return Concatenate(dim if dim is not None else axis)(*tensors)


cat = concatenate


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join equal-shaped tensors along a new axis."""
    if len(tensors) == 0:
        raise ValueError("stack needs at least one tensor")
    return Stack(dim if dim is not None else axis)(*tensors)


def split(
    a: Any, indices_or_sections: int | Sequence[int], axis: int = 0, *, dim: int | None = None
) -> list[Tensor]:
    """Split like numpy.split: an int gives that many equal parts, a list gives the cut points."""
    axis = dim if dim is not None else axis
    shape = a.shape if isinstance(a, Tensor) else np.shape(a)
    if not shape:
        raise ValueError("cannot split a 0-d tensor")
    length = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or length % sections:
            raise ValueError(f"cannot split an axis of length {length} into {sections} equal parts")
        cuts = list(range(0, length + 1, length // sections)) if length else [0] * (sections + 1)
    else:
        cuts = [0, *indices_or_sections, length]
    prefix = (slice(None),) * (axis % len(shape))
    return [getitem(a, (*prefix, slice(start, stop))) for start, stop in itertools.pairwise(cuts)]


def chunk(a: Any, chunks: int, axis: int = 0, *, dim: int | None = None) -> list[Tensor]:
    """Split into `chunks` parts of (nearly) equal size, as torch.chunk."""
    axis = dim if dim is not None else axis
    length = (a.shape if isinstance(a, Tensor) else np.shape(a))[axis]
    step = -(-length // chunks)
    return split(a, list(range(step, length, step)), axis)
