"""Ops that take or give several tensors: broadcast_shapes and broadcast_tensors, meshgrid,
atleast_1d/2d/3d, and NumPy's stacks (hstack, vstack/row_stack, dstack, column_stack). Each is built
from differentiable shape ops (expand, reshape, unsqueeze, cat), so its gradient comes from theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from .ops_shape import _as_tensor, cat, expand, reshape, unsqueeze
from .size import Size
from .tensor import Tensor

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "column_stack",
    "dstack",
    "hstack",
    "meshgrid",
    "row_stack",
    "vstack",
]

TENSOR_METHODS: tuple[str, ...] = ()


# ----- broadcasting, grids, and NumPy's stacks ------------------------------------------------------
def broadcast_shapes(*shapes: Any) -> Size:
    """The shape all the given shapes broadcast to (an int stands for a 1-D shape), a deepstep.Size."""
    try:
        return Size(np.broadcast_shapes(*((s,) if isinstance(s, int) else tuple(s) for s in shapes)))
    except ValueError:
        raise ShapeError(
            f"shapes {', '.join(str(tuple(np.atleast_1d(s))) for s in shapes)} cannot be broadcast together"
        ) from None


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """Each tensor expanded to the common broadcast shape (read-only views)."""
    tensors = tuple(_as_tensor(x) for x in tensors)
    shape = broadcast_shapes(*(x.shape for x in tensors))
    return tuple(expand(x, shape) for x in tensors)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: output k varies along dim k ('ij', matrix indexing) or with
    the first two dims swapped ('xy', Cartesian indexing); each is an expanded view of its input."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ShapeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    tensors = tuple(_as_tensor(x) for x in tensors)
    if any(x.ndim > 1 for x in tensors):
        shapes = [x.shape for x in tensors]
        raise ShapeError(f"meshgrid: expected 0D or 1D tensors, got shapes {shapes}")
    if len({x.dtype for x in tensors}) > 1:
        raise ShapeError("meshgrid expects all tensors to have the same dtype")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0
    shape = tuple(tensors[k].data.size for k in order)
    grids = []
    for k, x in enumerate(tensors):
        axis = order.index(k)
        grids.append(expand(reshape(x, tuple(-1 if i == axis else 1 for i in range(len(shape)))), shape))
    return tuple(grids)


def atleast_1d(*tensors: Any) -> Tensor | tuple[Tensor, ...]:
    """0-d tensors become shape (1,); others come back as they are."""
    return _atleast(tensors, lambda x: reshape(x, 1) if x.ndim == 0 else x)


def atleast_2d(*tensors: Any) -> Tensor | tuple[Tensor, ...]:
    """0-d → (1, 1), (n,) → (1, n); others come back as they are."""
    return _atleast(tensors, lambda x: reshape(x, (1, -1)) if x.ndim < 2 else x)


def atleast_3d(*tensors: Any) -> Tensor | tuple[Tensor, ...]:
    """0-d → (1, 1, 1), (n,) → (1, n, 1), (m, n) → (m, n, 1); others come back as they are."""

    def lift(x: Tensor) -> Tensor:
        if x.ndim == 0:
            return reshape(x, (1, 1, 1))
        if x.ndim == 1:
            return reshape(x, (1, -1, 1))
        return unsqueeze(x, -1) if x.ndim == 2 else x

    return _atleast(tensors, lift)


def _atleast(tensors: tuple[Any, ...], lift: Any) -> Tensor | tuple[Tensor, ...]:
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return lift(_as_tensor(tensors[0]))
    if len(tensors) == 1:
        tensors = tuple(tensors[0])
    return tuple(lift(_as_tensor(x)) for x in tensors)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors), after atleast_1d."""
    tensors = atleast_1d(list(tensors))
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dim 0, after atleast_2d (vectors become rows)."""
    return cat(atleast_2d(list(tensors)), 0)


row_stack = vstack


def dstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dim 2, after atleast_3d."""
    return cat(atleast_3d(list(tensors)), 2)


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """Join along dim 1, vectors (and 0-d tensors) becoming columns."""
    columns = [_as_tensor(x) for x in tensors]
    return cat([reshape(x, (-1, 1)) if x.ndim < 2 else x for x in columns], 1)
