"""NumPy's protocols on Tensor: `np.exp(t)`, `ndarray * t`, `np.mean(t)`, `np.concatenate([t, t])`.

NumPy hands every ufunc call that involves a Tensor to `Tensor.__array_ufunc__` (NEP 13) and
every other overridable function to `Tensor.__array_function__` (NEP 18). Both end here:

- a ufunc with a deepstep op of the same meaning (np.add → add, np.power → pow …) runs that op,
  so the result is a Tensor that keeps the graph and gradients flow back through NumPy's API;
- a NumPy function with a deepstep op of compatible semantics (np.sum, np.mean, np.concatenate,
  np.where, np.linalg.norm …) runs that op through its handler in numpy_functions, its NumPy
  arguments translated (axis → dim …);
- everything else — ufuncs deepstep has no op for (np.cbrt, np.frexp …), ufunc methods
  (np.add.reduce, .accumulate, .outer, .at), NumPy-only keywords (where=, dtype=, casting=),
  functions with no counterpart (np.isclose, np.allclose, np.median …) — runs NumPy on the
  tensors' data and returns what NumPy returns: arrays, outside the graph.

The deepstep op is looked up by name when called, so ops added later are picked up without
touching this file; the table below only holds the ufunc names that differ, and numpy_functions
the handlers of the other functions.
A Tensor follows deepstep's (PyTorch's) type rules wherever a deepstep op computes the result:
`np.exp(int_tensor)` is float32, as `int_tensor.exp()` is, where NumPy's own answer is float64.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .grad_mode import is_grad_enabled
from .numpy_functions import _HANDLERS
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

# The handlers (numpy_functions._HANDLERS) with their signatures, read once per NumPy function.
_SIGNATURES: dict[Callable[..., Any], tuple[inspect.Signature, frozenset[str]]] = {}


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
