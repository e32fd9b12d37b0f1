"""Ops that change a tensor's shape but not its elements: reshape, permute, expand, squeeze,
slicing along one dim (narrow, select), splitting (split, chunk, unbind) and joining (cat, stack).

Their backward moves the gradient back the same way: reshape it back, permute it back, sum
it over the copies an expand made, put each slice back where it came from. Most of them
return views of their input's memory, as in PyTorch (`is_view`); `reshape` and `view` copy
only when the memory cannot be seen in the new shape (a deliberate difference: `view` never
fails, since deepstep's memory layout is not always PyTorch's, e.g. a convolution's output).

Dims follow PyTorch: negative dims count from the end, a dim out of range raises IndexError,
shapes that do not fit raise ShapeError (a RuntimeError, as in PyTorch, and a ValueError).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from .dims import normalize_dim, shape_arg
from .dtypes import result_type
from .function import Function
from .ops_index import getitem
from .tensor import Tensor

__all__ = [
    "broadcast_to",
    "cat",
    "chunk",
    "concat",
    "concatenate",
    "expand",
    "flatten",
    "moveaxis",
    "movedim",
    "narrow",
    "permute",
    "ravel",
    "reshape",
    "select",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
    "unbind",
    "unflatten",
    "unsqueeze",
    "view",
]

TENSOR_METHODS = (
    "reshape",
    "view",
    "transpose",
    "permute",
    "swapaxes",
    "swapdims",
    "movedim",
    "moveaxis",
    "flatten",
    "ravel",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "expand",
    "broadcast_to",
    "narrow",
    "select",
    "split",
    "chunk",
    "unbind",
)


def _as_tensor(a: Any) -> Tensor:
    return a if isinstance(a, Tensor) else Tensor(a)


def _distinct_dims(dims: Sequence[Any], ndim: int, what: str = "dim") -> tuple[int, ...]:
    """Each dim normalized; one named twice is PyTorch's RuntimeError."""
    normalized = tuple(normalize_dim(d, ndim) for d in dims)
    for d in normalized:
        if normalized.count(d) > 1:
            raise ShapeError(f"{what} {d} appears multiple times in the list of dims")
    return normalized


# ----- the ops ------------------------------------------------------------------------------
class Reshape(Function):
    """z = a viewed with another shape;   ∂L/∂a = ∂L/∂z reshaped back."""

    saved_inputs = ()
    is_view = True

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        self.input_shape = a.shape
        return a.reshape(self.shape)

    def backward(self, g):
        return (g.reshape(self.input_shape),)


class Permute(Function):
    """z = a with its axes in the order `dims`;   ∂L/∂a = ∂L/∂z with the inverse permutation."""

    saved_inputs = ()
    is_view = True

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims
        self.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))  # argsort, minus NumPy's µs

    def forward(self, a):
        return a.transpose(self.dims)

    def backward(self, g):
        return (g.transpose(self.inverse),)


class BroadcastTo(Function):
    """z = a repeated along broadcast axes (a read-only view);   ∂L/∂a = the sum over the copies."""

    saved_inputs = ()
    is_view = True

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        return np.broadcast_to(a, self.shape)

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


# ----- reshaping ------------------------------------------------------------------------------
def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """The shape with its one −1 filled in, with PyTorch's checks."""
    for i, n in enumerate(shape):
        if n < -1:
            raise ShapeError(f"invalid shape dimension {n} at index {i} of shape {list(shape)}")
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1:
        raise ShapeError(f"only one dimension can be inferred, got shape {list(shape)}")
    known = math.prod(n for n in shape if n != -1)
    if unknown:
        if known == 0:
            raise ShapeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known == 0:
            return tuple(numel // known if n == -1 else n for n in shape)
    elif known == numel:
        return shape
    raise ShapeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _reshape_error(error: ShapeError, source: tuple[int, ...], target: tuple[int, ...]) -> ShapeError:
    return ShapeError(f"cannot reshape a tensor of shape {source} into {target}: {error}")


def reshape(a: Any, *shape: Any, **keyword: Any) -> Tensor:
    """The same elements in another shape (one entry may be −1); a view where the memory allows.
    reshape(2, 3), reshape((2, 3)) and reshape(shape=(2, 3)) alike (view(size=…) too)."""
    a = _as_tensor(a)
    if keyword:
        shape = (_keyword(keyword, "shape", "size"),)
    shape = shape_arg(shape)
    try:
        return Reshape(_infer_shape(shape, a.data.size))(a)
    except ShapeError as error:
        raise _reshape_error(error, a.shape, shape) from None


def _keyword(given: dict[str, Any], *names: str) -> Any:
    """The one keyword argument a PyTorch signature spells with one of `names`."""
    if len(given) != 1 or next(iter(given)) not in names:
        raise TypeError(f"unexpected keyword arguments {sorted(given)}; expected one of {names}")
    return next(iter(given.values()))


view = reshape


def flatten(a: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the dims start_dim … end_dim into one (all of them by default); a 0-d tensor gives (1,)."""
    a = _as_tensor(a)
    shape = a.shape
    start, end = normalize_dim(start_dim, a.ndim), normalize_dim(end_dim, a.ndim)
    if start > end:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if not shape:
        return Reshape((1,))(a)
    return Reshape((*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))(a)


def ravel(a: Any) -> Tensor:
    """All elements in one dim (flatten())."""
    return flatten(a)


def unflatten(a: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim into several dims of the given sizes (one may be −1): flatten's inverse."""
    a = _as_tensor(a)
    d = normalize_dim(dim, a.ndim)
    sizes = shape_arg((sizes,))
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    length = a.shape[d] if a.ndim else 1
    try:
        sizes = _infer_shape(sizes, length)
    except ShapeError as error:
        raise ShapeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({length}) in the input tensor ({error})"
        ) from None
    return Reshape((*a.shape[:d], *sizes, *a.shape[d + 1 :]))(a)


def squeeze(a: Any, dim: int | Sequence[int] | None = None, *, axis: Any = None) -> Tensor:
    """Drop dims of size 1: all of them, or those named (a named dim of another size stays)."""
    a = _as_tensor(a)
    dim = axis if dim is None else dim
    shape = a.shape
    if dim is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        named = _distinct_dims((dim,) if isinstance(dim, (int, np.integer)) else tuple(dim), a.ndim)
        drop = {d for d in named if shape and shape[d] == 1}
    return Reshape(tuple(n for i, n in enumerate(shape) if i not in drop))(a)


def unsqueeze(a: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Insert a dim of size 1 at position dim (in [−ndim−1, ndim])."""
    a = _as_tensor(a)
    dim = axis if dim is None else dim
    if dim is None:
        raise TypeError("unsqueeze() missing 1 required argument: 'dim'")
    d = normalize_dim(dim, a.ndim + 1)
    return Reshape((*a.shape[:d], 1, *a.shape[d:]))(a)


# ----- permuting dims ---------------------------------------------------------------------------
def permute(a: Any, *dims: Any, **keyword: Any) -> Tensor:
    """Put the dims in the given order (PyTorch's permute, NumPy's transpose(axes)); permute(2, 0, 1),
    permute((2, 0, 1)) and permute(dims=(2, 0, 1)) alike."""
    a = _as_tensor(a)
    dims = shape_arg((_keyword(keyword, "dims"),) if keyword else dims)
    if len(dims) != a.ndim:
        raise ShapeError(
            f"permute(): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {a.ndim} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    return Permute(_distinct_dims(dims, a.ndim))(a)


def swapdims(a: Any, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (PyTorch's transpose(dim0, dim1)); a view."""
    a = _as_tensor(a)
    order = list(range(a.ndim))
    i, j = normalize_dim(dim0, a.ndim), normalize_dim(dim1, a.ndim)
    if a.ndim:
        order[i], order[j] = order[j], order[i]
    return Permute(tuple(order))(a)


def swapaxes(a: Any, axis0: int, axis1: int) -> Tensor:
    """swapdims under NumPy's names (torch.swapaxes)."""
    return swapdims(a, axis0, axis1)


def transpose(a: Any, *dims: Any, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """PyTorch's transpose(dim0, dim1): swap two dims. NumPy's spellings stay where they cannot be
    confused with it: no dims reverses them all (`.T`), and a full permutation (one tuple, or
    three or more dims) orders them as permute does."""
    if dim0 is not None or dim1 is not None:
        dims = (*dims, *(d for d in (dim0, dim1) if d is not None))
    if not dims:
        a = _as_tensor(a)
        return Permute(tuple(reversed(range(a.ndim))))(a)
    if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
        return swapdims(a, *dims)
    if len(dims) == 1 and not isinstance(dims[0], (tuple, list)):
        raise TypeError("transpose() takes two dims to swap (or a full permutation), got one")
    return permute(a, *dims)


def t(a: Any) -> Tensor:
    """The transpose of a matrix; a vector or 0-d tensor comes back as it is (torch.t)."""
    a = _as_tensor(a)
    if a.ndim > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    return Permute(tuple(reversed(range(a.ndim))))(a)


def movedim(a: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Move the dims `source` to the positions `destination`, the others keeping their order."""
    a = _as_tensor(a)
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise ShapeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
            f"the same number of dims as destination ({list(dst)} dims)"
        )
    src, dst = _distinct_dims(src, a.ndim, "source dim"), _distinct_dims(dst, a.ndim, "destination dim")
    if not a.ndim:
        return Permute(())(a)
    rest = iter(d for d in range(a.ndim) if d not in src)
    placed = dict(zip(dst, src, strict=True))
    return Permute(tuple(placed[i] if i in placed else next(rest) for i in range(a.ndim)))(a)


moveaxis = movedim


# ----- broadcasting -----------------------------------------------------------------------------
def expand(a: Any, *sizes: Any) -> Tensor:
    """Broadcast to a larger shape without copying; −1 keeps a dimension (a read-only view)."""
    a = _as_tensor(a)
    sizes = shape_arg(sizes)
    own = a.shape
    if len(sizes) < len(own):
        raise ShapeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(own)})"
        )
    offset = len(sizes) - len(own)
    target = []
    for i, n in enumerate(sizes):
        if i < offset:
            if n < 0:
                raise ShapeError(
                    f"The expanded size of the tensor ({n}) isn't allowed in a leading, non-existing "
                    f"dimension {i}"
                )
            target.append(n)
            continue
        m = own[i - offset]
        if n == -1:
            n = m
        elif n != m and m != 1:
            raise ShapeError(
                f"The expanded size of the tensor ({n}) must match the existing size ({m}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(own)}"
            )
        target.append(n)
    return BroadcastTo(tuple(target))(a)


def broadcast_to(a: Any, shape: Sequence[int]) -> Tensor:
    """torch.broadcast_to: expand(shape)."""
    return expand(a, tuple(shape))


def cast(a: Any, dtype: Any) -> Tensor:
    """Convert to `dtype` (differentiable between float dtypes)."""
    dtype = np.dtype(dtype)
    if isinstance(a, Tensor) and a.dtype == dtype:
        return a
    if dtype.kind not in "fc":
        source = a.data if isinstance(a, Tensor) else np.asarray(a)
        return Tensor(source.astype(dtype))
    return Cast(dtype)(a)


# ----- slicing along one dim --------------------------------------------------------------------
def _along(dim: int, index: Any) -> tuple[Any, ...]:
    return (slice(None),) * dim + (index,)


def narrow(a: Any, dim: int, start: Any, length: int) -> Tensor:
    """The elements start … start+length−1 along dim (a view); start may be negative."""
    a = _as_tensor(a)
    if a.ndim == 0:
        raise ShapeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, a.ndim)
    size, start = a.shape[d], int(start)
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if length < 0:
        raise ShapeError("narrow(): length must be non-negative.")
    if start < 0:
        start += size
    if start + length > size:
        raise ShapeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(a, _along(d, slice(start, start + length)))


def select(a: Any, dim: int, index: int) -> Tensor:
    """The slice at `index` along dim, that dim removed (a view): a.select(1, i) is a[:, i]."""
    a = _as_tensor(a)
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, a.ndim)
    size, index = a.shape[d], int(index)
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(a.shape)} at dimension {dim}"
        )
    return getitem(a, _along(d, index % size))


def unbind(a: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Every slice along dim, that dim removed: a tuple of views."""
    a = _as_tensor(a)
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, a.ndim)
    return tuple(getitem(a, _along(d, i)) for i in range(a.shape[d]))


def split(
    a: Any, split_size_or_sections: int | Sequence[int], dim: int = 0, *, axis: int | None = None
) -> tuple[Tensor, ...]:
    """torch.split: an int is the size of each piece (the last one smaller if need be), a list gives
    the sizes, which must add up to the size of dim. The pieces are views."""
    a = _as_tensor(a)
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
    return f"(cat of shapes {', '.join(str(t.shape) for t in tensors)} along dim {dim})"


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


# ----- the identities of complex and lazy views, is_nonzero, is_same_size (ops_identity) --------------
from . import ops_identity  # noqa: E402  (ops_identity builds on _as_tensor above)

for _name in (*ops_identity.__all__, *ops_identity.TENSOR_METHODS):
    globals()[_name] = getattr(ops_identity, _name)
__all__ += ops_identity.__all__
TENSOR_METHODS += ops_identity.TENSOR_METHODS
del _name
