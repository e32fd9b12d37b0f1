"""NumPy's protocols on Tensor: `np.exp(t)`, `ndarray * t`, `np.mean(t)`, `np.concatenate([t, t])`.

NumPy hands every ufunc call that involves a Tensor to `Tensor.__array_ufunc__` (NEP 13) and
every other overridable function to `Tensor.__array_function__` (NEP 18). Both end here:

- a ufunc with a deepstep op of the same meaning (np.add → add, np.power → pow …) runs that op,
  so the result is a Tensor that keeps the graph and gradients flow back through NumPy's API;
- a NumPy function with a deepstep op of compatible semantics (np.sum, np.mean, np.concatenate,
  np.where, np.linalg.norm …) runs that op, its NumPy arguments translated (axis → dim …);
- everything else — ufuncs deepstep has no op for (np.cbrt, np.frexp …), ufunc methods
  (np.add.reduce, .accumulate, .outer, .at), NumPy-only keywords (where=, dtype=, casting=),
  functions with no counterpart (np.isclose, np.allclose, np.median …) — runs NumPy on the
  tensors' data and returns what NumPy returns: arrays, outside the graph.

The deepstep op is looked up by name when called, so ops added later are picked up without
touching this file; the tables below only hold the names that differ and the argument maps.
A Tensor follows deepstep's (PyTorch's) type rules wherever a deepstep op computes the result:
`np.exp(int_tensor)` is float32, as `int_tensor.exp()` is, where NumPy's own answer is float64.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .dims import normalize_dims
from .grad_mode import is_grad_enabled
from .tensor import Tensor

__all__ = ["array_function", "array_ufunc", "deepstep_op"]

# ----- ufuncs --------------------------------------------------------------------------------

# NumPy's ufunc name → deepstep's, where they differ. np.equal is elementwise, deepstep.equal
# (torch.equal) answers one bool for the whole tensor: the elementwise op is eq.
_RENAMED = {
    "power": "pow",
    "equal": "eq",
    "invert": "bitwise_not",
    "left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift",
    "rint": "round",
    "degrees": "rad2deg",
    "radians": "deg2rad",
    "conjugate": "conj",
}


def _ops() -> Any:
    """The autograd package, where every op is exported (loaded by the time NumPy calls here; not
    imported at the top, since it imports this module)."""
    return sys.modules[__package__]


def deepstep_op(ufunc: np.ufunc) -> Callable[..., Any] | None:
    """The deepstep function that computes this ufunc, or None if there is none."""
    if ufunc.nout > 1:  # frexp, modf, divmod: NumPy's tuple of outputs (and out=) stays NumPy's
        return None
    op = getattr(_ops(), _RENAMED.get(ufunc.__name__, ufunc.__name__), None)
    return op if inspect.isfunction(op) else None


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Tensor.__array_ufunc__: the deepstep op for a plain call, NumPy on the data otherwise."""
    op = deepstep_op(ufunc) if method == "__call__" else None
    if op is not None and not kwargs:  # np.exp(t), ndarray * t: the common case first
        return op(*map(_operand, inputs))
    out = kwargs.get("out")
    if op is None or kwargs.keys() != {"out"} or not isinstance(out[0], Tensor):
        return _ufunc_on_data(ufunc, method, inputs, kwargs)
    operands = list(map(_operand, inputs))
    target = out[0]
    in_place = getattr(Tensor, op.__name__ + "_", None)
    if target is inputs[0] and in_place is not None:
        return in_place(*operands)  # np.add(t, x, out=t) is t.add_(x): PyTorch's in-place path
    result = op(*operands)
    if not np.can_cast(result.dtype, target.dtype, casting="same_kind"):
        raise TypeError(
            f"Cannot cast ufunc {ufunc.__name__!r} output from {result.dtype} to {target.dtype} "
            "with casting rule 'same_kind'"
        )
    return target.copy_(result)


def _operand(x: Any) -> Any:
    """Lists and tuples as arrays (NumPy's array-likes); numbers and arrays as they are."""
    return np.asarray(x) if isinstance(x, (list, tuple)) else x


def _ufunc_on_data(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NumPy's own answer on the tensors' data. Tensors written to (out=, ufunc.at's first operand)
    must be outside the graph, since the graph does not see the write."""
    targets = [x for x in kwargs.get("out") or () if isinstance(x, Tensor)]
    if method == "at" and isinstance(inputs[0], Tensor):
        targets.append(inputs[0])
    _check_outside_graph(targets, f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
    result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
    for target in targets:
        target._bump_version()
    return _rewrap(result, targets)


def _check_outside_graph(targets: list[Tensor], call: str) -> None:
    """Refuse to let NumPy write into a tensor the graph would have to know about."""
    for target in targets:
        if target.requires_grad and is_grad_enabled():
            raise RuntimeError(
                f"{call} runs on the data (no deepstep op takes this call), so it would write into a tensor "
                "that requires grad behind the graph's back; compute it out of place, or inside "
                "`with deepstep.no_grad():`"
            )


# ----- other NumPy functions -----------------------------------------------------------------

# NumPy function → a handler that runs the deepstep op. A handler takes `ops` (the autograd
# package) and NumPy's parameters by name, with NumPy's defaults; a call that gives any parameter
# the handler does not take (out=, dtype= where not supported, order=…), or that the handler turns
# down by returning NotImplemented, runs NumPy on the data instead.
_HANDLERS: dict[Callable[..., Any], Callable[..., Any]] = {}
_SIGNATURES: dict[Callable[..., Any], tuple[inspect.Signature, frozenset[str]]] = {}


def _implements(*functions: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for function in functions:
            _HANDLERS[function] = handler
        return handler

    return register


def array_function(
    func: Callable[..., Any], types: Sequence[type], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Tensor.__array_function__: the deepstep op where one fits, NumPy on the data otherwise."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another library's array is involved: let NumPy ask it
    handler = _HANDLERS.get(func)
    arguments = _bind(func, handler, args, kwargs) if handler is not None else None
    if arguments is not None:
        result = handler(_ops(), **arguments)
        if result is not NotImplemented:
            return result
    return _function_on_data(func, args, kwargs)


def _bind(
    func: Callable[..., Any], handler: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any] | None:
    """The call's arguments by NumPy's parameter names, leaving out those at their default; None
    when the handler does not take one of them (or the call does not fit NumPy's signature)."""
    if func not in _SIGNATURES:
        taken = frozenset(inspect.signature(handler).parameters) - {"ops"}
        _SIGNATURES[func] = (inspect.signature(func), taken)
    signature, taken = _SIGNATURES[func]
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return None  # NumPy will say what is wrong with the call
    arguments = {
        name: value
        for name, value in bound.arguments.items()
        if not _is_default(signature.parameters[name], value)
    }
    return arguments if arguments.keys() <= taken else None


def _is_default(parameter: inspect.Parameter, value: Any) -> bool:
    default = parameter.default
    if parameter.kind is inspect.Parameter.VAR_KEYWORD:
        return not value
    return value is default or (
        isinstance(default, (bool, int, float, str)) and type(value) is type(default) and value == default
    )


def _function_on_data(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    out = kwargs.get("out")
    targets = [x for x in (out if isinstance(out, tuple) else (out,)) if isinstance(x, Tensor)]
    _check_outside_graph(targets, f"np.{func.__name__}")
    result = func(*_unwrap(args), **_unwrap(kwargs))
    for target in targets:
        target._bump_version()
    return _rewrap(result, targets)


def _unwrap(value: Any) -> Any:
    """Tensors replaced by their data, inside lists, tuples and dicts too."""
    if isinstance(value, Tensor):
        return value.data
    if type(value) in (list, tuple):
        return type(value)(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _rewrap(result: Any, targets: list[Tensor]) -> Any:
    """NumPy returns the out= arrays it wrote into: give back the tensors that hold them."""
    for target in targets:
        if result is target.data:
            return target
    if isinstance(result, tuple) and targets:
        return tuple(_rewrap(r, targets) for r in result)
    return result


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
