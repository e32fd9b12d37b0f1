"""Comparisons, logical and bitwise ops, and the tests for nan and infinity: not differentiable,
their results are bool (or, bitwise, integer) tensors that never require grad.

Operands are promoted as PyTorch promotes them before they are compared (an int tensor with 1.5
compares in the default float dtype; uint8 with int8 in int16) and broadcast; nan compares unequal
to everything, itself included. Bitwise ops and shifts take integers and bools only (PyTorch's
NotImplementedError, here a DTypeError too, for floats). The in-place forms (`eq_`, `&=`,
`logical_not_`…) write the result into the input, cast to its dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError, ValueRangeError
from .dtypes import float_type, promote_arrays
from .function import Function, refuse_complex
from .pointwise import data, named, operand_dtype, refuse, zero_grads
from .tensor import Tensor

__all__ = [
    "allclose",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "isfinite",
    "isin",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
    "signbit",
]

_BINARY = ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal")
_BITWISE = ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift")
TENSOR_METHODS = (
    *(name for name in __all__ if name != "isin"),
    *(name + "_" for name in (*_BINARY, *_BITWISE, "bitwise_not")),
    *("logical_and_", "logical_or_", "logical_xor_", "logical_not_"),
    *("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__invert__"),
    *("__and__", "__or__", "__xor__", "__lshift__", "__rshift__"),
    *("__rand__", "__ror__", "__rxor__", "__rlshift__", "__rrshift__"),
    *("__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__"),
)


# Orderings complex numbers do not have: PyTorch refuses them (NumPy orders by real part first).
_ORDERINGS = ("lt", "le", "gt", "ge")


# ----- the one way an op of this family runs -------------------------------------------------
def _operands(operands: tuple[Any, ...], name: str, integral: bool) -> list[Any]:
    """The operands' arrays promoted to their common dtype; for bitwise ops, integers or bools."""
    arrays = promote_arrays([data(x) for x in operands])
    if integral:
        dtype = operand_dtype(*arrays)
        if dtype.kind not in "biu" or (dtype.kind == "b" and "shift" in name):
            raise refuse(f"{name}_cpu", dtype)
    elif name in _ORDERINGS:
        refuse_complex(name, *arrays)
    return arrays


def _apply(ufunc: Callable[..., Any], name: str, *operands: Any, integral: bool = False) -> Tensor:
    """ufunc on the promoted operands, as a tensor outside the graph."""
    arrays = _operands(operands, name, integral)
    try:
        return Tensor(np.asarray(ufunc(*arrays)))
    except ValueError as error:
        shapes = " and ".join(str(np.shape(x)) for x in arrays)
        raise ShapeError(f"cannot apply {name} to shapes {shapes}: {error}") from None


class Flat(Function):
    """z = f(a, b…) run in place (`eq_`, `&=`…), recorded in the graph: the gradient is 0."""

    saved_inputs = ()

    def __init__(self, f: Callable[..., Any], name: str, integral: bool = False) -> None:
        self.f, self.op_name, self.integral = f, name, integral

    def promote(self, arrays: list[Any]) -> list[Any]:
        return _operands(tuple(arrays), self.op_name, self.integral)

    def forward(self, *arrays):
        return self.f(*arrays)

    def backward(self, g):
        return zero_grads(self, g)


def _pair(
    ufunc: np.ufunc, name: str, doc: str | None = None, *, integral: bool = False, kernel: str | None = None
) -> tuple[Callable[..., Tensor], Callable[..., Tensor]]:
    """The public function name(input, other), or name(input) for a one-operand ufunc, and its
    in-place twin name_; errors name PyTorch's `kernel` (the name by default)."""
    kernel = kernel or name
    if ufunc.nin == 1:

        def function(input: Any) -> Tensor:
            return _apply(ufunc, kernel, input, integral=integral)

        def inplace(input: Tensor) -> Tensor:
            return Flat(ufunc, kernel, integral).inplace(input)

    else:

        def function(input: Any, other: Any) -> Tensor:
            return _apply(ufunc, kernel, input, other, integral=integral)

        def inplace(input: Tensor, other: Any) -> Tensor:
            return Flat(ufunc, kernel, integral).inplace(input, other)

    return named(function, name, doc), named(inplace, name + "_", doc)


# ----- comparisons -------------------------------------------------------------------------
eq, eq_ = _pair(np.equal, "eq", "input == other elementwise (nan equals nothing).")
ne, ne_ = _pair(np.not_equal, "ne", "input ≠ other elementwise (nan differs from everything).")
lt, lt_ = _pair(np.less, "lt", "input < other elementwise.")
le, le_ = _pair(np.less_equal, "le", "input ≤ other elementwise.")
gt, gt_ = _pair(np.greater, "gt", "input > other elementwise.")
ge, ge_ = _pair(np.greater_equal, "ge", "input ≥ other elementwise.")


def equal(input: Any, other: Any) -> bool:
    """True when both have the same shape and the same values (nan is unequal to itself)."""
    a, b = data(input), data(other)
    return np.shape(a) == np.shape(b) and bool(eq(a, b).data.all())


def isclose(
    input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """|input − other| ≤ atol + rtol·|other| elementwise, or equal (infinities are close only to
    themselves; nan to nan only with equal_nan). Both must have one dtype, as in PyTorch."""
    if rtol < 0 or atol < 0:
        which, value = ("rtol", rtol) if rtol < 0 else ("atol", atol)
        raise ValueRangeError(f"{which} must be greater than or equal to zero, but got {value}")
    a = np.asarray(data(input))
    b = data(other)
    b = np.asarray(b, dtype=a.dtype) if not isinstance(b, np.ndarray) else b
    if a.dtype != b.dtype:
        raise DTypeError(f"{a.dtype} did not match {b.dtype}")
    close = eq(a, b).data
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(b)
    if rtol == 0 and atol == 0:
        return Tensor(close)
    # as PyTorch: the errors of integers in the default float dtype (bools subtracted as floats)
    real = float_type(a.dtype)
    if a.dtype == bool:
        a, b = a.astype(real), b.astype(real)
    with np.errstate(all="ignore"):
        error = np.abs(a - b).astype(real, copy=False)
        close |= np.isfinite(error) & (error <= atol + np.abs(rtol * b.astype(real, copy=False)))
    return Tensor(close)


def allclose(
    input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether isclose holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


# ----- what kind of number -----------------------------------------------------------------
def _test(input: Any, test: Callable[[np.ndarray], np.ndarray], integer_answer: bool = False) -> Tensor:
    """A test of each element; integers and bools are finite, real, never nan (the fixed answer)."""
    a = np.asarray(data(input))
    if a.dtype.kind in "fc":
        return Tensor(test(a))
    return Tensor(np.full(a.shape, integer_answer))


def isnan(input: Any) -> Tensor:
    return _test(input, np.isnan)


def isinf(input: Any) -> Tensor:
    return _test(input, np.isinf)


def isposinf(input: Any) -> Tensor:
    refuse_complex("isposinf", data(input))
    return _test(input, lambda a: a == np.inf)


def isneginf(input: Any) -> Tensor:
    refuse_complex("isneginf", data(input))
    return _test(input, lambda a: a == -np.inf)


def isfinite(input: Any) -> Tensor:
    return _test(input, np.isfinite, integer_answer=True)


def isreal(input: Any) -> Tensor:
    """True where the imaginary part is 0 (everywhere for real dtypes)."""
    return _test(input, lambda a: np.imag(a) == 0 if a.dtype.kind == "c" else np.ones(a.shape, bool), True)


def signbit(input: Any) -> Tensor:
    """True where the sign bit is set (−0.0 included); for integers, where negative."""
    a = np.asarray(data(input))
    refuse_complex("signbit", a)
    return Tensor(np.signbit(a) if a.dtype.kind == "f" else a < 0)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of `elements` is among `test_elements`."""
    a, b = promote_arrays([np.asarray(data(elements)), np.asarray(data(test_elements))])
    refuse_complex("isin", a, b)  # PyTorch's sorts, which complex numbers cannot be
    return Tensor(np.isin(a, b, assume_unique=assume_unique, invert=invert))


# ----- logic --------------------------------------------------------------------------------
logical_and, logical_and_ = _pair(np.logical_and, "logical_and", "Both nonzero (nan counts as nonzero).")
logical_or, logical_or_ = _pair(np.logical_or, "logical_or", "Either nonzero.")
logical_xor, logical_xor_ = _pair(np.logical_xor, "logical_xor", "Exactly one of the two nonzero.")
logical_not, logical_not_ = _pair(np.logical_not, "logical_not", "True where input is zero.")


# ----- bits (integers and bools: on bools, and/or/xor/not are the logical ones) ------------------
bitwise_and, bitwise_and_ = _pair(np.bitwise_and, "bitwise_and", "input & other, bit by bit.", integral=True)
bitwise_or, bitwise_or_ = _pair(np.bitwise_or, "bitwise_or", "input | other, bit by bit.", integral=True)
bitwise_xor, bitwise_xor_ = _pair(np.bitwise_xor, "bitwise_xor", "input ^ other, bit by bit.", integral=True)
bitwise_not, bitwise_not_ = _pair(np.invert, "bitwise_not", "~input: every bit flipped.", integral=True)
bitwise_left_shift, bitwise_left_shift_ = _pair(
    np.left_shift,
    "bitwise_left_shift",
    """input·2^other in input's integer dtype (bits shifted out are lost; a shift by the width or
    more, or by a negative amount, gives 0), as PyTorch.""",
    integral=True,
    kernel="lshift",
)
bitwise_right_shift, bitwise_right_shift_ = _pair(
    np.right_shift,
    "bitwise_right_shift",
    "⌊input / 2^other⌋, the sign bit copied in (a shift by the width or more gives 0 or −1).",
    integral=True,
    kernel="rshift",
)


# ----- PyTorch's other spellings and the operators ----------------------------------------------
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_

# What a comparison may meet; anything else (None, a string, a list) is not ours to compare, and
# Python then answers == by identity, as for a PyTorch tensor.
_COMPARABLE = (Tensor, np.ndarray, np.generic, bool, int, float, complex)


def _operator(function: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Any]:
    def dunder(self: Tensor, other: Any) -> Any:
        return function(self, other) if isinstance(other, _COMPARABLE) else NotImplemented

    dunder.__name__ = dunder.__qualname__ = f"__{function.__name__}__"
    return dunder


__eq__, __ne__, __lt__, __le__, __gt__, __ge__ = (_operator(f) for f in (eq, ne, lt, le, gt, ge))
__and__, __or__, __xor__ = bitwise_and, bitwise_or, bitwise_xor
__lshift__, __rshift__ = bitwise_left_shift, bitwise_right_shift
__iand__, __ior__, __ixor__ = bitwise_and_, bitwise_or_, bitwise_xor_
__ilshift__, __irshift__ = bitwise_left_shift_, bitwise_right_shift_


def _reflected(function: Callable[[Any, Any], Tensor], name: str) -> Callable[[Tensor, Any], Tensor]:
    """The operator Python calls on the right operand (`2 & t` is t.__rand__(2)): function(other, self)."""

    def dunder(self: Tensor, other: Any) -> Tensor:
        return function(other, self)

    return named(dunder, name, None)


__rand__ = _reflected(bitwise_and, "__rand__")
__ror__ = _reflected(bitwise_or, "__ror__")
__rxor__ = _reflected(bitwise_xor, "__rxor__")
__rlshift__ = _reflected(bitwise_left_shift, "__rlshift__")
__rrshift__ = _reflected(bitwise_right_shift, "__rrshift__")


def __invert__(self: Tensor) -> Tensor:
    if self.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)
