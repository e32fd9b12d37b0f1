"""Ops that rearrange or copy elements: flip, roll, repeat/tile, repeat_interleave, unfold (sliding
windows) and pad. (Those that take or give several tensors, broadcast_tensors, meshgrid, atleast_nd
and NumPy's stacks, are in ops_combine.py.)

Each backward sends every element of ∂L/∂z back to the element of the input it was copied from;
where one input element was copied several times (repeat, unfold's overlapping windows, the
borders of a reflect pad), the copies' gradients add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .dims import normalize_dim, shape_arg
from .function import Function
from .ops_shape import _along, _as_tensor, _distinct_dims, _keyword, flatten, reshape
from .tensor import Tensor

__all__ = [
    "flip",
    "fliplr",
    "flipud",
    "repeat",
    "repeat_interleave",
    "roll",
    "tile",
    "unfold",
]

TENSOR_METHODS = ("flip", "fliplr", "flipud", "roll", "repeat", "repeat_interleave", "tile", "unfold")


class Flip(Function):
    """z = a read backwards along dims (a copy, as in PyTorch);   ∂L/∂a = ∂L/∂z flipped back."""

    saved_inputs = ()

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims

    def forward(self, a):
        return np.flip(a, self.dims).copy()

    def backward(self, g):
        return (np.flip(g, self.dims),)


class Roll(Function):
    """z = a shifted cyclically along dims;   ∂L/∂a = ∂L/∂z shifted back."""

    saved_inputs = ()

    def __init__(self, shifts: tuple[int, ...], dims: tuple[int, ...]) -> None:
        self.shifts, self.dims = shifts, dims

    def forward(self, a):
        return np.roll(a, self.shifts, self.dims)

    def backward(self, g):
        return (np.roll(g, tuple(-s for s in self.shifts), self.dims),)


class Repeat(Function):
    """z = a tiled repeats[k] times along dim k (PyTorch's repeat, NumPy's tile);
    ∂L/∂a = the sum of ∂L/∂z over the tiles."""

    saved_inputs = ()

    def __init__(self, repeats: tuple[int, ...]) -> None:
        self.repeats = repeats

    def forward(self, a):
        self.input_shape = a.shape
        self.shape = (1,) * (len(self.repeats) - a.ndim) + a.shape
        return np.tile(a.reshape(self.shape), self.repeats)

    def backward(self, g):
        # z viewed as (r₀, n₀, r₁, n₁, …): tile k sits at index k of the r axes.
        tiles = g.reshape([m for r, n in zip(self.repeats, self.shape, strict=True) for m in (r, n)])
        grad = tiles.sum(axis=tuple(range(0, tiles.ndim, 2)))
        return (grad.reshape(self.input_shape),)


class RepeatInterleave(Function):
    """z = each element of a repeated repeats[i] times in place along dim;
    ∂L/∂aᵢ = the sum of ∂L/∂z over the copies of aᵢ."""

    saved_inputs = ()

    def __init__(self, repeats: np.ndarray | int, dim: int) -> None:
        self.repeats, self.dim = repeats, dim

    def forward(self, a):
        self.length = a.shape[self.dim]
        return np.repeat(a, self.repeats, axis=self.dim)

    def backward(self, g):
        d, repeats = self.dim, self.repeats
        if isinstance(repeats, int):
            shape = (*g.shape[:d], self.length, repeats, *g.shape[d + 1 :])
            return (g.reshape(shape).sum(axis=d + 1),)
        grad = np.zeros((*g.shape[:d], self.length, *g.shape[d + 1 :]), dtype=g.dtype)
        copied = repeats > 0  # reduceat needs non-empty groups
        starts = (np.cumsum(repeats) - repeats)[copied]
        if starts.size:
            grad[_along(d, copied)] = np.add.reduceat(g, starts, axis=d)
        return (grad,)


class Unfold(Function):
    """z[…, i, …, k] = a[…, i·step + k, …]: the windows of `size` along dim as a new last dim
    (a strided, read-only view);   ∂L/∂a = the windows' gradients added back where they overlap."""

    saved_inputs = ()
    is_view = True

    def __init__(self, dim: int, size: int, step: int) -> None:
        self.dim, self.size, self.step = dim, size, step

    def forward(self, a):
        self.shape = a.shape
        if a.ndim == 0:  # a 0-d tensor is one window of size 1 (or 0)
            return np.broadcast_to(a, (self.size,))
        d, count = self.dim, (a.shape[self.dim] - self.size) // self.step + 1
        shape = (*a.shape[:d], count, *a.shape[d + 1 :], self.size)
        strides = (*a.strides[:d], a.strides[d] * self.step, *a.strides[d + 1 :], a.strides[d])
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)

    def backward(self, g):
        if not self.shape:
            return (g.sum(),)
        d, count, step = self.dim, g.shape[self.dim], self.step
        grad = np.zeros(self.shape, dtype=g.dtype)
        for k in range(self.size):  # one pass per offset in the window, each a strided slice
            grad[_along(d, slice(k, k + (count - 1) * step + 1, step))] += g[..., k]
        return (grad,)


# PyTorch's name of each mode → NumPy's.
_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Function):
    """z = a with `before`/`after` elements added along each dim: a constant, the mirror image
    (reflect), copies of the edge (replicate) or the other end (circular); negative widths crop
    (circular crops first and wraps what is left, as PyTorch does; the others pad first).
    ∂L/∂a = the centre of ∂L/∂z plus, in the copying modes, each border added onto its source."""

    saved_inputs = ()

    def __init__(self, widths: tuple[tuple[int, int], ...], mode: str, value: float) -> None:
        self.mode, self.value = mode, value
        self.grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        self.cut = [(max(-lo, 0), max(-hi, 0)) for lo, hi in widths]

    def _crop(self, x: np.ndarray) -> np.ndarray:
        return x[tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.cut, x.shape, strict=True))]

    def _grow(self, x: np.ndarray) -> np.ndarray:
        if not any(map(any, self.grow)):
            return x
        kwargs = {"constant_values": self.value} if self.mode == "constant" else {}
        return np.pad(x, self.grow, mode=_PAD_MODES[self.mode], **kwargs)

    def forward(self, a):
        z = self._grow(self._crop(a)) if self.mode == "circular" else self._crop(self._grow(a))
        return z.copy() if np.may_share_memory(z, a) else z  # a copy, as in PyTorch

    def backward(self, g):
        if self.mode == "circular":
            return (self._uncrop(self._fold(g)),)
        return (self._fold(self._uncrop(g)),)

    def _uncrop(self, g: np.ndarray) -> np.ndarray:
        """Zeros back where the crop cut elements off: they did not reach the output."""
        return np.pad(g, self.cut) if any(map(any, self.cut)) else g

    def _fold(self, g: np.ndarray) -> np.ndarray:
        """Undo the growth dim by dim: the centre goes straight back, the borders onto their sources."""
        for d, (lo, hi) in enumerate(self.grow):
            if lo or hi:
                g = self._fold_dim(g, d, lo, hi)
        return g

    def _fold_dim(self, g: np.ndarray, d: int, lo: int, hi: int) -> np.ndarray:
        """The gradient of the input along dim d from that of its padded copy."""
        n = g.shape[d] - lo - hi
        grad = g[_along(d, slice(lo, lo + n))].copy()
        before, after = g[_along(d, slice(0, lo))], g[_along(d, slice(lo + n, None))]
        if self.mode == "reflect":  # before = a[lo] … a[1], after = a[n−2] … a[n−1−hi]
            grad[_along(d, slice(1, lo + 1))] += np.flip(before, d)
            grad[_along(d, slice(n - 1 - hi, n - 1))] += np.flip(after, d)
        elif self.mode == "replicate":  # before = a[0] … a[0], after = a[n−1] … a[n−1]
            grad[_along(d, slice(0, 1))] += before.sum(axis=d, keepdims=True)
            grad[_along(d, slice(n - 1, n))] += after.sum(axis=d, keepdims=True)
        elif self.mode == "circular":  # before = a[n−lo] … a[n−1], after = a[0] … a[hi−1]
            grad[_along(d, slice(n - lo, n))] += before
            grad[_along(d, slice(0, hi))] += after
        return grad


# ----- the public functions ---------------------------------------------------------------------
def _dims_arg(dims: tuple[Any, ...]) -> tuple[Any, ...]:
    """f(0, 1), f((0, 1)) and f([0, 1]) alike."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return tuple(dims[0])
    return dims


def flip(a: Any, *dims: Any, **keyword: Any) -> Tensor:
    """Reverse the order of the elements along the given dims (a copy): flip(0, 1), flip((0, 1))
    and flip(dims=(0, 1)) alike."""
    a = _as_tensor(a)
    dims = _distinct_dims(_dims_arg((_keyword(keyword, "dims"),) if keyword else dims), a.ndim)
    return Flip(dims if a.ndim else ())(a)


def fliplr(a: Any) -> Tensor:
    """Flip dim 1 (left ↔ right); the input needs at least 2 dims."""
    a = _as_tensor(a)
    if a.ndim < 2:
        raise ShapeError("Input must be >= 2-d.")
    return Flip((1,))(a)


def flipud(a: Any) -> Tensor:
    """Flip dim 0 (up ↔ down); the input needs at least 1 dim."""
    a = _as_tensor(a)
    if a.ndim < 1:
        raise ShapeError("Input must be >= 1-d.")
    return Flip((0,))(a)


def roll(a: Any, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """Shift elements cyclically: shifts[k] places along dims[k]; without dims, the flattened tensor
    is rolled and its shape restored."""
    a = _as_tensor(a)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise ShapeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return reshape(Roll(shifts, (0,))(flatten(a)), a.shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims) or not shifts:
        raise ShapeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Roll(tuple(int(s) for s in shifts), tuple(normalize_dim(d, a.ndim) for d in dims))(a)


def repeat(a: Any, *repeats: Any, **keyword: Any) -> Tensor:
    """PyTorch's repeat: tile the tensor repeats[k] times along dim k (NumPy's tile); extra leading
    counts add new dims. There must be at least as many counts as dims."""
    a = _as_tensor(a)
    repeats = shape_arg((_keyword(keyword, "repeats", "sizes"),) if keyword else repeats)
    if len(repeats) < a.ndim:
        raise ShapeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    if any(r < 0 for r in repeats):
        raise ShapeError(f"Trying to create tensor with negative dimension: repeats {list(repeats)}")
    return Repeat(repeats)(a)


def tile(a: Any, *dims: Any, **keyword: Any) -> Tensor:
    """torch.tile: repeat, where fewer counts than dims are padded with leading 1s."""
    a = _as_tensor(a)
    dims = shape_arg((_keyword(keyword, "dims"),) if keyword else dims)
    return repeat(a, (1,) * (a.ndim - len(dims)) + dims)


def repeat_interleave(
    a: Any, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Repeat each element in place: repeats is an int or one count per element along dim; without
    dim the tensor is flattened first. repeat_interleave(counts) alone gives index i counts[i] times."""
    a = _as_tensor(a)
    if repeats is None:  # torch.repeat_interleave(repeats): the indices, repeated
        return repeat_interleave(Tensor(np.arange(a.data.size)), a)
    if dim is None:
        a, dim = flatten(a), 0
    d = normalize_dim(dim, a.ndim)
    if isinstance(repeats, (int, np.integer)):
        if repeats < 0:
            raise ShapeError("Repeats must be non-negative")
        counts: np.ndarray | int = int(repeats)
    else:
        counts = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
        if counts.dtype.kind not in "iu":
            raise DTypeError(f"repeat_interleave: repeats must be an integer tensor, got {counts.dtype}")
        if counts.ndim > 1:
            raise ShapeError("repeat_interleave only accept 1D vector as repeat")
        if (counts < 0).any():
            raise ShapeError("repeats can not be negative")
        if counts.size == 1:
            counts = int(counts.reshape(()))
        elif counts.size != (a.shape[d] if a.ndim else 1):
            raise ShapeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{counts.size} and input.size({d}) = {a.shape[d]}"
            )
    out = RepeatInterleave(counts, d)(reshape(a, 1) if a.ndim == 0 else a)
    if output_size is not None and out.shape[d] != output_size:
        raise ShapeError(f"repeat_interleave: output_size {output_size} does not match {out.shape[d]}")
    return out


def unfold(a: Any, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: every window of `size` elements along dimension, `step` apart, as a new last
    dim (a strided view sharing memory)."""
    a = _as_tensor(a)
    d = normalize_dim(dimension, a.ndim)
    length = a.shape[d] if a.ndim else 1
    if size < 0:
        raise ShapeError(f"size is {size} but must be >= 0")
    if size > length:
        raise ShapeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise ShapeError(f"step is {step} but must be > 0")
    return Unfold(d, size, step)(a)


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """F.pad: `pad` lists (before, after) widths from the last dim backwards, (left, right, top,
    bottom, …). mode 'constant' fills with value (0 by default) and pads any number of dims;
    'reflect' (width < size), 'replicate' and 'circular' (width ≤ size) pad the last 1, 2 or 3
    dims of a batched or unbatched input, as PyTorch does."""
    x = _as_tensor(input)
    widths = [int(p) for p in pad]
    if len(widths) % 2:
        raise ShapeError("Padding length must be divisible by 2")
    padded = len(widths) // 2
    if padded > x.ndim:
        raise ShapeError(
            f"Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(widths)} and input of dimension {x.ndim}"
        )
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        if value is not None and value != 0:
            raise ShapeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        _check_copying_pad(x.shape, widths, mode)
    pairs = [(0, 0)] * (x.ndim - padded) + [
        (widths[2 * k], widths[2 * k + 1]) for k in reversed(range(padded))
    ]
    for (lo, hi), n in zip(pairs, x.shape, strict=True):
        # constant and circular crop before they pad (PyTorch's narrow), the others after
        if n + lo + hi < 0 or (mode in ("constant", "circular") and max(-lo, 0) + max(-hi, 0) > n):
            raise ShapeError(f"padding {lo, hi} crops more than the {n} elements of a dim")
    return Pad(tuple(pairs), mode, 0 if value is None else value)(x)


def _check_copying_pad(shape: tuple[int, ...], widths: list[int], mode: str) -> None:
    """PyTorch's rules for reflect, replicate and circular padding."""
    padded = len(widths) // 2
    if len(shape) not in (padded + 1, padded + 2):
        raise NotImplementedError(
            f"Padding size {len(widths)} is not supported for {len(shape)}D input tensor: reflect, "
            "replicate and circular pad the last 1, 2 or 3 dims of a (batch of) (channels, …) tensor"
        )
    if 0 in shape[-padded - 1 :]:
        raise ShapeError(
            f"Expected a tensor with possibly 0 batch size and other non-zero dimensions, got {list(shape)}"
        )
    for k in range(padded):
        lo, hi, n = widths[2 * k], widths[2 * k + 1], shape[-1 - k]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ShapeError(
                f"Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {len(shape) - 1 - k} of input {list(shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise ShapeError("Padding value causes wrapping around more than once.")
    out = [shape[-1 - k] + widths[2 * k] + widths[2 * k + 1] for k in range(padded)]
    if mode != "circular" and max(out) < 1:  # PyTorch asks that one of them (not all) be non-empty
        raise ShapeError(f"input {list(shape)} is too small: calculated output sizes {out[::-1]}")


# ----- the rest of the shape family (ops_pieces; as_strided, the unsafe_ splits, Tensor.new in
# ops_strided; broadcasting, grids and stacks in ops_combine), bound and exported through this module --
from . import ops_combine, ops_pieces, ops_strided  # noqa: E402  (they build on the ops above)

for _module in (ops_pieces, ops_strided, ops_combine):
    for _name in (*_module.__all__, *_module.TENSOR_METHODS):
        globals()[_name] = getattr(_module, _name)
    __all__ += _module.__all__
    TENSOR_METHODS += _module.TENSOR_METHODS
del _module, _name
