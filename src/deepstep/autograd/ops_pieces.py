"""More of the shape family, composed of the ops in ops_shape and ops_layout (so their gradients are
theirs): tensor_split, hsplit, vsplit, dsplit, split_with_sizes; rot90, diagflat, cartesian_prod,
vander, sum_to_size; unravel_index; new_empty_strided; and the shape ops in place, squeeze_,
unsqueeze_, t_, transpose_ (swapaxes_, swapdims_).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError, ValueRangeError
from .dims import normalize_dim, shape_arg
from .grad_mode import is_grad_enabled, no_grad
from .ops_combine import meshgrid
from .ops_index import getitem
from .ops_layout import flip
from .ops_linalg import diag
from .ops_reduce import sum as _sum
from .ops_scan import cumprod
from .ops_shape import (
    _along,
    _as_tensor,
    cat,
    expand,
    flatten,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    swapdims,
    t,
    unsqueeze,
)
from .tensor import Tensor

__all__ = [
    "cartesian_prod",
    "diagflat",
    "dsplit",
    "hsplit",
    "rot90",
    "split_with_sizes",
    "tensor_split",
    "unravel_index",
    "vander",
    "vsplit",
]

TENSOR_METHODS = (
    "diagflat",
    "dsplit",
    "hsplit",
    "new_empty_strided",
    "rot90",
    "split_with_sizes",
    "squeeze_",
    "sum_to_size",
    "swapaxes_",
    "swapdims_",
    "t_",
    "tensor_split",
    "transpose_",
    "unsqueeze_",
    "vsplit",
)


# ----- splitting ------------------------------------------------------------------------------------
def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """numpy.array_split's rule: an int n gives n pieces, the first (size mod n) of them one longer;
    a list of indices cuts before each (an index past the end gives empty pieces). Views."""
    a = _as_tensor(input)
    if a.ndim == 0:
        raise ShapeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    d = normalize_dim(dim, a.ndim)
    cuts = indices_or_sections
    if isinstance(cuts, Tensor):
        if cuts.dtype != np.int64:
            raise DTypeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                f"{cuts.dtype}"
            )
        if cuts.ndim > 1:
            raise ShapeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                "one-dimensional "
                f"tensor, but got a tensor with {cuts.ndim} dims"
            )
        cuts = cuts.data.item() if cuts.ndim == 0 else cuts.data.tolist()
    length = a.shape[d]
    if isinstance(cuts, (int, np.integer)):
        if cuts <= 0:
            raise ValueRangeError(f"number of sections must be larger than 0, got {cuts}")
        size, extra = divmod(length, int(cuts))
        sizes = [size + 1] * extra + [size] * (int(cuts) - extra)
        edges = [0, *np.cumsum(sizes).tolist()]
    else:  # cut before each index, as Python slices them (negative ones count from the end)
        edges = [0, *(int(i) for i in cuts), length]
    return tuple(getitem(a, _along(d, slice(s, e))) for s, e in itertools.pairwise(edges))


def _split_along(name: str, a: Tensor, sections: Any, dim: int, needs: int) -> tuple[Tensor, ...]:
    """hsplit, vsplit, dsplit: tensor_split, but an int must divide the dim's size."""
    if a.ndim < needs:
        raise ShapeError(
            f"torch.{name} requires a tensor with at least {needs} dimension, but got a tensor with {a.ndim} "
            f"dimension{'s' if a.ndim != 1 else ''}!"
        )
    if isinstance(sections, (int, np.integer)) and (sections <= 0 or a.shape[dim] % sections):
        raise ShapeError(
            f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
            f"{a.shape[dim]} is not divisible by the split_size {sections}!"
        )
    return tensor_split(a, sections, dim)


def hsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dim 1 (dim 0 of a vector)."""
    a = _as_tensor(input)
    return _split_along("hsplit", a, indices_or_sections, 1 if a.ndim > 1 else 0, 1)


def vsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dim 0 (of a tensor with at least 2 dims)."""
    return _split_along("vsplit", _as_tensor(input), indices_or_sections, 0, 2)


def dsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dim 2 (of a tensor with at least 3 dims)."""
    return _split_along("dsplit", _as_tensor(input), indices_or_sections, 2, 3)


def split_with_sizes(input: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of the given sizes along dim (which must add up to its size): split with a list."""
    return split(input, list(split_sizes), dim)


# ----- arrangements ------------------------------------------------------------------------------------
def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90° k times in the plane of dims, from the first dim towards the second."""
    a = _as_tensor(input)
    dims = list(dims)
    if len(dims) != 2:
        raise ShapeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if a.ndim < 2:
        raise ShapeError(f"expected total dims >= 2, but got total dims = {a.ndim}")
    d0, d1 = normalize_dim(dims[0], a.ndim), normalize_dim(dims[1], a.ndim)
    if d0 == d1:
        raise ShapeError(
            f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}"
        )
    order = list(range(a.ndim))
    order[d0], order[d1] = d1, d0
    k %= 4
    if k == 1:
        return permute(flip(a, d1), order)
    if k == 2:
        return flip(a, d0, d1)
    if k == 3:
        return permute(flip(a, d0), order)
    return a.clone()


def diagflat(input: Any, offset: int = 0) -> Tensor:
    """A square matrix with the flattened input on its diagonal `offset`."""
    return diag(flatten(_as_tensor(input)), offset)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one element from each vector, one per row (itertools.product's order);
    a single vector comes back as it is."""
    vectors = [_as_tensor(x) for x in tensors]
    for x in vectors:
        if x.ndim != 1:
            raise ShapeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if len(vectors) == 1:
        return vectors[0]
    return stack([flatten(grid) for grid in meshgrid(*vectors, indexing="ij")], 1)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix: column j is x^(N−1−j) (x^j when increasing), N = len(x) by default.
    Powers as a running product, PyTorch's way, so the gradient is finite at x = 0."""
    v = _as_tensor(x)
    if v.ndim != 1:
        raise ShapeError("x must be a one-dimensional tensor.")
    n = v.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueRangeError("N must be non-negative.")
    if v.dtype == bool:
        v = v.long()
    ones = Tensor(np.ones((v.shape[0], min(n, 1)), dtype=v.dtype if v.dtype.kind in "fc" else np.int64))
    if n > 1:
        powers = cumprod(expand(reshape(v, (-1, 1)), v.shape[0], n - 1), 1)
        ones = cat([ones, powers], 1)
    return ones if increasing else flip(ones, 1)


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """The sum of self down to `size`, which must broadcast to self's shape (the gradient of a
    broadcast, in reverse): leading dims summed away, dims of size 1 summed with keepdim."""
    target = shape_arg(size)
    shape = self.shape
    fits = len(target) <= len(shape) and all(
        t in (s, 1) for t, s in zip(target, shape[len(shape) - len(target) :], strict=True)
    )
    if not fits:
        raise ShapeError(f"size {{{list(target)}}} is not expandable to size {{{list(shape)}}}.")
    leading = len(shape) - len(target)
    dims = [
        *range(leading),
        *(leading + i for i, t in enumerate(target) if t == 1 and shape[leading + i] != 1),
    ]
    out = _sum(self, dims, keepdim=True) if dims else self
    return reshape(out, target) if leading else out


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in an array of `shape` of each flat index (int64 tensors, one per dim); an index
    outside the array wraps, as in PyTorch."""
    flat = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {flat.dtype}")
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if any(n < 0 for n in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {dims}")
    coordinates, rest = [], flat.astype(np.int64)
    for n in reversed(dims):
        coordinates.append(rest % n if n else rest)
        rest = rest // n if n else rest
    return tuple(Tensor(c) for c in reversed(coordinates))


def new_empty_strided(
    self: Tensor,
    size: Sequence[int],
    stride: Sequence[int],
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor of `size` whose elements lie `stride` elements apart in memory."""
    size, stride = shape_arg((size,)), shape_arg((stride,))
    if len(size) != len(stride):
        raise ShapeError(f"mismatch in length of strides and shape: {len(size)} sizes, {len(stride)} strides")
    dtype = np.dtype(self.dtype if dtype is None else dtype)
    extent = 1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) if math.prod(size) else 0
    memory = np.empty(extent, dtype=dtype)
    data = np.lib.stride_tricks.as_strided(memory, size, [s * dtype.itemsize for s in stride])
    return Tensor(data, requires_grad=requires_grad)


# ----- shapes changed in place: squeeze_, unsqueeze_, t_, transpose_, swapaxes_, swapdims_ -----------------
def _reshaped_in_place(self: Tensor, view: Callable[[Tensor], Tensor]) -> Tensor:
    """self becomes view(self), in place: its data rebound to the view of its memory, its version
    bumped. PyTorch refuses it on a leaf that requires grad (outside no_grad); deepstep also on any
    tensor of a recorded graph, whose ops keep the old shape (use the out-of-place op there)."""
    if self.requires_grad and is_grad_enabled():
        if self._creator is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        raise RuntimeError(
            "deepstep cannot change the shape of a tensor of a recorded graph in place (the ops that used it "
            "keep its old shape): use the out-of-place op, e.g. x = x.t() for x.t_()"
        )
    with no_grad():
        out = view(self)
    self.data = out.data
    if self._view_of is not None:  # a view of a view: the chain grows by this op
        self._view_of = out._view_of
    self._bump_version()
    return self


def squeeze_(self: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """squeeze in place."""
    return _reshaped_in_place(self, lambda x: squeeze(x, dim))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """unsqueeze in place."""
    return _reshaped_in_place(self, lambda x: unsqueeze(x, dim))


def t_(self: Tensor) -> Tensor:
    """t in place (a matrix transposed; at most 2 dims)."""
    return _reshaped_in_place(self, t)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose(dim0, dim1) in place."""
    return _reshaped_in_place(self, lambda x: swapdims(x, dim0, dim1))


swapaxes_ = swapdims_ = transpose_
