"""What the elementwise families (ops_elementwise, ops_binary, ops_math, ops_logic) share: the
errors PyTorch raises there beyond deepstep.errors', the quiet IEEE arithmetic of their edges,
the base of binary ops, operand dtypes, the maker of a function's public pair (`tan`, `tan_`), and
`named`, which every factory of public functions uses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..errors import DTypeNotImplementedError, ShapeError
from .dtypes import promote_arrays, promote_to_float
from .function import Function
from .tensor import Tensor

__all__: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])


def refuse(op: str, dtype: np.dtype) -> DTypeNotImplementedError:
    """The error PyTorch raises for an op its kernels lack for a dtype (worded as PyTorch's)."""
    return DTypeNotImplementedError(f'"{op}" not implemented for {dtype}')


def ieee(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run an op's forward or backward with NumPy's floating-point warnings off: at the edge of a
    domain (ln 0, 0/0, √−1) the result is ±inf or nan, silently, as in PyTorch. (It costs ~2 µs, so
    the ops of hot loops, add, mul, sin, tanh, do without: they warn only on inf or nan input.)"""

    @functools.wraps(method)
    def quiet(self: Function, *args: Any) -> Any:
        with np.errstate(all="ignore"):
            return method(self, *args)

    return quiet


def zero_grads(fn: Function, g: np.ndarray) -> list[np.ndarray | None]:
    """A zero gradient for every input that wants one (ops flat almost everywhere: rounding)."""
    return [None if x is None else np.zeros(x.data.shape, g.dtype) for x in fn.inputs]


def sign_of(a: np.ndarray) -> np.ndarray:
    """−1, 0 or 1 by the sign of a, and 0 for nan (PyTorch's sign, not NumPy's nan)."""
    z = np.sign(a)
    return np.where(np.isnan(z), 0, z) if a.dtype.kind == "f" else z


def operand_dtype(*operands: Any) -> np.dtype:
    """The dtype of promoted operands: that of the first array among them (they all share it)."""
    return next((x.dtype for x in operands if isinstance(x, np.ndarray)), np.dtype(float))


def data(x: Any) -> Any:
    """A tensor's array; anything else as it is."""
    return x.data if isinstance(x, Tensor) else x


def float_operands(arrays: list[Any]) -> list[Any]:
    """Operands promoted to one floating dtype (integers give the default float dtype), numbers
    as 0-d arrays of that dtype, as PyTorch casts a number operand."""
    arrays = promote_to_float(arrays)
    dtype = operand_dtype(*arrays)
    return [x if isinstance(x, np.ndarray) or x is None else np.asarray(x, dtype=dtype) for x in arrays]


def floats_only(name: str) -> Callable[[list[Any]], list[Any]]:
    """The promotion of a function PyTorch defines on floating dtypes only (hypot, logaddexp)."""

    def promote(arrays: list[Any]) -> list[Any]:
        arrays = promote_arrays(arrays)
        dtype = operand_dtype(*arrays)
        if dtype.kind not in "fc":
            raise refuse(name, dtype)
        return [x if isinstance(x, np.ndarray) else np.asarray(x, dtype=dtype) for x in arrays]

    return promote


class Binary(Function):
    """A broadcasting binary op on operands promoted to their common dtype (PyTorch's rules);
    mismatched shapes raise a ShapeError naming both."""

    holomorphic = True  # arithmetic, pow, lerp and where are; PyTorch takes the others (maximum…) real only
    symbol = "?"
    promote = staticmethod(promote_arrays)

    def explain(self, error: ValueError, arrays: list[Any]) -> ValueError:
        if type(error) is not ValueError:  # deepstep's own errors pass as they are
            return error
        shapes = " and ".join(str(np.shape(x)) for x in arrays[:2])
        return ShapeError(f"cannot apply '{self.symbol}' to shapes {shapes}: {error}")


def named(function: F, name: str, doc: str | None) -> F:
    """A function made by a factory, given its public name (PyTorch's) and docstring."""
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


def public_pair(op: Callable[[], Function], name: str) -> tuple[Callable[..., Tensor], Callable[..., Tensor]]:
    """The public function z = op(input) of an op without options, and its in-place twin
    input ← op(input), named after PyTorch's and documented by the op's formula."""

    def function(input: Any) -> Tensor:
        return op()(input)

    def inplace(input: Tensor) -> Tensor:
        return op().inplace(input)

    return named(function, name, op.__doc__), named(inplace, name + "_", op.__doc__)
