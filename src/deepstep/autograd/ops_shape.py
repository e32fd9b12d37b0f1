"""Ops that change a tensor's shape but not its elements: reshape, permute, expand, squeeze, and
slicing along one dim (narrow, select); joining and splitting (cat, stack, split, chunk, unbind) are
in ops_join, exported and bound as methods through this module.

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
from .function import Function, real_if_cast
from .ops_index import getitem
from .tensor import Tensor

__all__ = [
    "broadcast_to",
    "expand",
    "flatten",
    "moveaxis",
    "movedim",
    "narrow",
    "permute",
    "ravel",
    "reshape",
    "select",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
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
        return real_if_cast(a, self.dtype).astype(self.dtype, copy=False)

    def backward(self, g):
        return (g.astype(self.input_dtype, copy=False),)


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
    return ShapeError(f"cannot reshape a tensor of shape {tuple(source)} into {tuple(target)}: {error}")


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


# ----- joining and splitting (ops_join); the identities of complex and lazy views, is_nonzero,
# is_same_size (ops_identity); layout, resize_, apply_ and the other questions about memory (ops_storage)
from . import ops_identity, ops_join, ops_storage  # noqa: E402  (join and identity use _as_tensor, _along)

for _module in (ops_join, ops_identity, ops_storage):
    for _name in (*_module.__all__, *_module.TENSOR_METHODS):
        globals()[_name] = getattr(_module, _name)
    __all__ += _module.__all__
    TENSOR_METHODS += _module.TENSOR_METHODS
del _module, _name
