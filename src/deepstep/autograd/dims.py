"""Dimension arguments as PyTorch takes them: `dim`/`keepdim` (NumPy's `axis`/`keepdims` too),
negative dims counted from the end, and an IndexError for a dim out of range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DimError, ShapeError

__all__ = ["Dims", "normalize_dim", "normalize_dims", "numpy_dims", "pick_dim", "pick_keepdim", "shape_arg"]

Dims = int | Sequence[int] | None


def normalize_dim(dim: Any, ndim: int) -> int:
    """dim in [−ndim, ndim) as a non-negative index; a 0-d tensor takes 0 and −1, as in PyTorch."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"a dim must be an integer, got {type(dim).__name__}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise DimError(
            f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
        )
    return int(dim) % bound


def normalize_dims(dims: Dims, ndim: int) -> tuple[int, ...]:
    """A dim, a sequence of dims or None (all dims) as a sorted tuple of distinct non-negative dims."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    normalized = [normalize_dim(d, ndim) for d in dims]
    if len(set(normalized)) != len(normalized):
        repeated = next(d for d in normalized if normalized.count(d) > 1)
        raise ShapeError(f"dim {repeated} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return tuple(sorted(normalized))


def pick_dim(axis: Any, dim: Any, default: Any = None) -> Any:
    """`dim` (PyTorch's word) or `axis` (NumPy's), not both."""
    if dim is not None and axis is not None:
        raise TypeError("pass either dim or axis, not both")
    if dim is not None:
        return dim
    return default if axis is None else axis


def pick_keepdim(keepdim: bool | None, keepdims: bool | None) -> bool:
    """`keepdim` (PyTorch) or `keepdims` (NumPy), not both; False when neither is given."""
    if keepdim is not None and keepdims is not None:
        raise TypeError("pass either keepdim or keepdims, not both")
    return bool(keepdim if keepdim is not None else keepdims)


def numpy_dims(body: Callable[[Any, Any, bool], Any]) -> Callable[..., Any]:
    """A reduction written as body(a, dim, keepdim), made public as
    f(a, dim=None, keepdim=None, *, axis=None, keepdims=None): PyTorch's words or NumPy's."""

    def reduction(
        a: Any,
        dim: Dims = None,
        keepdim: bool | None = None,
        *,
        axis: Dims = None,
        keepdims: bool | None = None,
    ) -> Any:
        return body(a, pick_dim(axis, dim), pick_keepdim(keepdim, keepdims))

    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(reduction, name, getattr(body, name))
    reduction.__annotations__["return"] = body.__annotations__.get("return", "Any")
    return reduction


def shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept f(2, 3), f((2, 3)) and f([2, 3]) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = []
    for n in shape:
        if hasattr(n, "__index__") and not isinstance(n, bool):
            out.append(int(n.__index__()))
        else:
            raise TypeError(f"a shape holds integers, got {shape}")
    return tuple(out)
