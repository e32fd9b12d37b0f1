"""NumPy's functions on tensors (NEP 18): the handlers that `np.sum(t)`, `np.concatenate([t, t])`,
`np.where(c, t, 0)`, `np.linalg.norm(t)` … reach through `Tensor.__array_function__`
(numpy_protocol.array_function), each running the deepstep op of compatible semantics, its NumPy
arguments translated (axis → dim, keepdims → keepdim …).

A handler takes `ops` (the autograd package) and NumPy's parameters by name, with NumPy's defaults;
a call that gives any parameter the handler does not take (out=, dtype= where not supported,
order=…), or that the handler turns down by returning NotImplemented, runs NumPy on the data instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .dims import normalize_dims
from .tensor import Tensor

__all__: list[str] = []

# NumPy function → the handler that runs the deepstep op (numpy_protocol.array_function reads it)
_HANDLERS: dict[Callable[..., Any], Callable[..., Any]] = {}


def _implements(*functions: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for function in functions:
            _HANDLERS[function] = handler
        return handler

    return register


def _array(a: Any) -> np.ndarray:
    """The data, for questions about shape and dtype (np.ndim(t) itself would come back here)."""
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _floating(a: Any, dtype: Any = None) -> bool:
    """Whether a mean-like op computes in floating point (NumPy averages integers as float64;
    deepstep, like PyTorch, asks for a float tensor or a float dtype)."""
    return np.dtype(dtype if dtype is not None else _array(a).dtype).kind in "fc"


def _ndim(a: Any) -> int:
    return _array(a).ndim


# Reductions: NumPy's axis/keepdims are deepstep's aliases of dim/keepdim.
@_implements(np.sum)
def _sum(ops, a, axis=None, dtype=None, keepdims=False):
    return ops.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


@_implements(np.nansum)
def _nansum(ops, a, axis=None, dtype=None, keepdims=False):
    return ops.nansum(a, axis=axis, dtype=dtype, keepdims=keepdims)


@_implements(np.prod)
def _prod(ops, a, axis=None, dtype=None, keepdims=False):
    if isinstance(axis, (tuple, list)):
        return NotImplemented  # deepstep's prod takes one dim
    return ops.prod(a, axis=axis, dtype=dtype, keepdims=keepdims)


@_implements(np.mean)
def _mean(ops, a, axis=None, dtype=None, keepdims=False):
    return ops.mean(a, axis=axis, dtype=dtype, keepdims=keepdims) if _floating(a, dtype) else NotImplemented


@_implements(np.nanmean)
def _nanmean(ops, a, axis=None, dtype=None, keepdims=False):
    if not _floating(a, dtype):
        return NotImplemented
    return ops.nanmean(a, axis=axis, dtype=dtype, keepdims=keepdims)


@_implements(np.var)
def _var(ops, a, axis=None, ddof=0, keepdims=False, correction=None):
    if not _floating(a):
        return NotImplemented
    return ops.var(a, axis=axis, correction=ddof if correction is None else correction, keepdims=keepdims)


@_implements(np.std)
def _std(ops, a, axis=None, ddof=0, keepdims=False, correction=None):
    if not _floating(a):
        return NotImplemented
    return ops.std(a, axis=axis, correction=ddof if correction is None else correction, keepdims=keepdims)


@_implements(np.max, np.amax)
def _max(ops, a, axis=None, keepdims=False):
    return ops.amax(a, axis=axis, keepdims=keepdims) if _array(a).size else NotImplemented


@_implements(np.min, np.amin)
def _min(ops, a, axis=None, keepdims=False):
    return ops.amin(a, axis=axis, keepdims=keepdims) if _array(a).size else NotImplemented


@_implements(np.cumsum)
def _cumsum(ops, a, axis=None, dtype=None):
    if axis is None:  # NumPy sums the flattened array
        return ops.cumsum(ops.ravel(a), 0, dtype=dtype)
    return ops.cumsum(a, axis, dtype=dtype)


@_implements(np.cumprod)
def _cumprod(ops, a, axis=None, dtype=None):
    if axis is None:
        return ops.cumprod(ops.ravel(a), 0, dtype=dtype)
    return ops.cumprod(a, axis, dtype=dtype)


@_implements(np.linalg.norm)
def _norm(ops, x, axis=None, keepdims=False):
    """ord=None: the 2-norm of a vector, the Frobenius norm of a matrix — deepstep's default."""
    return ops.norm(x, dim=axis, keepdim=keepdims) if _floating(x) else NotImplemented


@_implements(np.linalg.vector_norm)
def _vector_norm(ops, x, axis=None, keepdims=False, ord=2):
    if not _floating(x) or ord != 2:
        return NotImplemented
    return ops.norm(x, p=2, dim=axis, keepdim=keepdims)


# Joining and choosing
@_implements(np.concatenate)
def _concatenate(ops, arrays, axis=0):
    if axis is None:  # NumPy joins the flattened arrays
        return ops.cat([ops.ravel(a) for a in arrays], 0)
    return ops.cat(list(arrays), axis)


@_implements(np.stack)
def _stack(ops, arrays, axis=0):
    return ops.stack(list(arrays), axis)


def _joining(name: str) -> Callable[..., Any]:
    """The handler of np.<name>(tup), which joins a sequence of arrays: deepstep's op of that name."""

    def handler(ops, tup):
        return getattr(ops, name)(list(tup))

    return handler


for _name in ("vstack", "hstack", "dstack", "column_stack"):
    _implements(getattr(np, _name))(_joining(_name))


@_implements(np.where)
def _where(ops, condition, x=None, y=None):
    if x is None or y is None:
        return NotImplemented  # np.where(condition) lists indices: NumPy's arrays
    return ops.where(condition, x, y)


@_implements(np.clip)
def _clip(ops, a, a_min=None, a_max=None, min=None, max=None):
    low, high = (a_min if min is None else min), (a_max if max is None else max)
    return NotImplemented if low is None and high is None else ops.clip(a, low, high)


# Products
@_implements(np.dot)
def _dot(ops, a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        return ops.mul(a, b)
    return ops.matmul(a, b) if _ndim(a) <= 2 and _ndim(b) <= 2 else NotImplemented


@_implements(np.inner)
def _inner(ops, a, b):
    return ops.inner(a, b)


@_implements(np.outer)
def _outer(ops, a, b):
    return ops.outer(ops.ravel(a), ops.ravel(b))  # NumPy flattens both


@_implements(np.tensordot)
def _tensordot(ops, a, b, axes=2):
    return ops.tensordot(a, b, axes)


@_implements(np.einsum)
def _einsum(ops, operands):
    return ops.einsum(*operands) if isinstance(operands[0], str) else NotImplemented


@_implements(np.trace)
def _trace(ops, a, offset=0, axis1=0, axis2=1, dtype=None):
    if _ndim(a) < 2:
        return NotImplemented
    return ops.sum(ops.diagonal(a, offset, axis1, axis2), -1, dtype=dtype)


# Shapes and layouts
@_implements(np.reshape)
def _reshape(ops, a, shape):
    return ops.reshape(a, shape)


@_implements(np.ravel)
def _ravel(ops, a):
    return ops.ravel(a)


@_implements(np.transpose)
def _transpose(ops, a, axes=None):
    return ops.permute(a, tuple(reversed(range(_ndim(a)))) if axes is None else tuple(axes))


@_implements(np.squeeze)
def _squeeze(ops, a, axis=None):
    shape = _array(a).shape
    if axis is not None and any(shape[d] != 1 for d in normalize_dims(axis, len(shape))):
        return NotImplemented  # NumPy refuses to squeeze a dim longer than 1; PyTorch keeps it
    return ops.squeeze(a, axis)


@_implements(np.expand_dims)
def _expand_dims(ops, a, axis):
    axes = normalize_dims(axis, _ndim(a) + (len(axis) if isinstance(axis, (tuple, list)) else 1))
    for d in axes:  # in increasing order, so each lands where NumPy puts it in the result
        a = ops.unsqueeze(a, d)
    return a


@_implements(np.moveaxis)
def _moveaxis(ops, a, source, destination):
    return ops.moveaxis(a, source, destination)


@_implements(np.swapaxes)
def _swapaxes(ops, a, axis1, axis2):
    return ops.swapaxes(a, axis1, axis2)


@_implements(np.flip)
def _flip(ops, m, axis=None):
    return ops.flip(m, tuple(range(_ndim(m))) if axis is None else axis)


@_implements(np.flipud)
def _flipud(ops, m):
    return ops.flipud(m)


@_implements(np.fliplr)
def _fliplr(ops, m):
    return ops.fliplr(m)


@_implements(np.roll)
def _roll(ops, a, shift, axis=None):
    return ops.roll(a, shift, axis)


@_implements(np.tile)
def _tile(ops, A, reps):
    return ops.tile(A, reps)


@_implements(np.repeat)
def _repeat(ops, a, repeats, axis=None):
    return ops.repeat_interleave(a, repeats, dim=axis)  # NumPy's repeat is PyTorch's repeat_interleave


@_implements(np.broadcast_to)
def _broadcast_to(ops, array, shape):
    return ops.broadcast_to(array, shape)


@_implements(np.diagonal)
def _diagonal(ops, a, offset=0, axis1=0, axis2=1):
    return ops.diagonal(a, offset, axis1, axis2) if _ndim(a) >= 2 else NotImplemented


@_implements(np.diag)
def _diag(ops, v, k=0):
    return ops.diag(v, k) if _ndim(v) in (1, 2) else NotImplemented


@_implements(np.tril)
def _tril(ops, m, k=0):
    return ops.tril(m, k) if _ndim(m) >= 2 else NotImplemented


@_implements(np.triu)
def _triu(ops, m, k=0):
    return ops.triu(m, k) if _ndim(m) >= 2 else NotImplemented


@_implements(np.take_along_axis)
def _take_along_axis(ops, arr, indices, axis=-1):
    return ops.take_along_dim(arr, indices, axis)


@_implements(np.sort)
def _sort(ops, a, axis=-1):
    return ops.sort(a, axis)[0] if axis is not None else ops.sort(ops.ravel(a), 0)[0]


# Elementwise functions that are not ufuncs
@_implements(np.round, np.around)
def _round(ops, a, decimals=0):
    return ops.round(a, decimals=decimals)


@_implements(np.fix)
def _fix(ops, x):
    return ops.fix(x)


@_implements(np.sinc)
def _sinc(ops, x):
    return ops.sinc(x)


@_implements(np.nan_to_num)
def _nan_to_num(ops, x, nan=0.0, posinf=None, neginf=None):
    return ops.nan_to_num(x, nan, posinf, neginf)


# New tensors shaped like one
def _constant_like(name: str) -> Callable[..., Any]:
    """The handler of np.zeros_like or np.ones_like: deepstep's op of that name."""

    def handler(ops, a, dtype=None):
        return getattr(ops, name)(a, dtype)

    return handler


for _name in ("zeros_like", "ones_like"):
    _implements(getattr(np, _name))(_constant_like(_name))


@_implements(np.empty_like)
def _empty_like(ops, prototype, dtype=None):
    return ops.empty_like(prototype, dtype)


@_implements(np.full_like)
def _full_like(ops, a, fill_value, dtype=None):
    return ops.full_like(a, fill_value, dtype)
