"""The arithmetic in place (PyTorch's trailing underscore: add_, mul_, pow_ …, and fill_, zero_), and
the augmented assignments `+=`, `-=`, `*=`, `/=`, `//=`, `**=`: input ← op(input, other), written
into input's memory, so that the tensor keeps its identity (a leaf stays a leaf). Each runs the op of
its out-of-place twin (ops_elementwise, ops_power) through `Function.inplace`, which records it in the
graph and counts the write in the tensor's version counter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .function import Function
from .ops_elementwise import Add, Div, FloorDivide, Mul, RoundedDiv, Sub, _refuse_bool_sub, _scaled, div, mul
from .ops_power import Pow, _refuse_negative_integer_power, pow  # noqa: A004  (PyTorch's name)
from .tensor import Tensor

__all__: list[str] = []  # methods only: bound on Tensor through TENSOR_METHODS

TENSOR_METHODS = (
    *("add_", "sub_", "mul_", "div_", "true_divide_", "floor_divide_", "pow_", "float_power_"),
    *("addcmul_", "addcdiv_", "ldexp_", "fill_", "zero_", "divide_", "multiply_", "subtract_"),
    *("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__ipow__"),
)


# ----- filling ------------------------------------------------------------------------------
class Fill(Function):
    """z = c everywhere;   ∂z/∂a = 0 (what was there before no longer matters), ∂L/∂c = Σ g."""

    saved_inputs = ()

    def forward(self, a, value):
        if np.ndim(value):
            raise ShapeError(f"fill_ takes a number or a 0-d tensor, got shape {np.shape(value)}")
        return np.full_like(a, value)

    def backward(self, g):
        return self.to_inputs(np.zeros_like(g), g)  # c, 0-d, was broadcast: to_inputs sums g


# ----- in place (PyTorch's trailing underscore; `+=` and friends keep the tensor object) ------
def add_(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """input ← input + alpha·other in input's memory (it keeps its identity: a leaf stays a leaf)."""
    return _scaled(Add(), alpha, input, other).inplace(input, other)


def sub_(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    _refuse_bool_sub(input, other)
    return _scaled(Sub(), alpha, input, other).inplace(input, other)


def mul_(input: Tensor, other: Any) -> Tensor:
    return Mul().inplace(input, other)


def div_(input: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input ← input / other (an integer tensor cannot hold a true quotient: a RuntimeError)."""
    return (Div() if rounding_mode is None else RoundedDiv(rounding_mode)).inplace(input, other)


def true_divide_(input: Tensor, other: Any) -> Tensor:
    return Div().inplace(input, other)


def floor_divide_(input: Tensor, other: Any) -> Tensor:
    return FloorDivide().inplace(input, other)


def pow_(input: Tensor, exponent: Any) -> Tensor:
    _refuse_negative_integer_power(input, exponent)
    return Pow().inplace(input, exponent)


def float_power_(input: Tensor, exponent: Any) -> Tensor:
    """input ← input^exponent, computed in float64 (input must be a float64 tensor, as in PyTorch)."""
    if input.dtype != np.float64:
        raise DTypeError(
            f"the base given to float_power_ has dtype {input.dtype} but the operation's result "
            "requires dtype float64"
        )
    return Pow().inplace(input, exponent)


def addcmul_(input: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    return add_(input, mul(tensor1, tensor2), alpha=value)


def addcdiv_(input: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    return add_(input, div(tensor1, tensor2), alpha=value)


def ldexp_(input: Tensor, other: Any) -> Tensor:
    return mul_(input, pow(2.0, other))


def fill_(input: Tensor, value: Any) -> Tensor:
    """Every element of input set to value, in input's memory."""
    return Fill().inplace(input, value)


def zero_(input: Tensor) -> Tensor:
    """Every element of input set to 0, in input's memory."""
    return Fill().inplace(input, 0)


# PyTorch's other spellings of the same ops
divide_, multiply_, subtract_ = div_, mul_, sub_

# the augmented assignments (the other operators are in operators.py; %= is remainder's, in ops_binary)
__iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, true_divide_
__ifloordiv__, __ipow__ = floor_divide_, pow_
