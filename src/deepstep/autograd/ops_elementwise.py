"""Arithmetic and the first functions of one variable, each with its derivative beside it; the front
of the elementwise family (its binary functions, maximum to xlogy, live in ops_binary).

Binary ops broadcast like NumPy and promote their operands as PyTorch does (dtypes.result_type:
an int tensor times 2.5 is float32, int32 with float32 is float32); `Function.to_inputs` sums
gradients back over the broadcast axes. Python numbers and arrays may stand on either side. The
in-place forms (`add_`, `+=`…) run the same op through `Function.inplace`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, IntegerDivisionByZero, ShapeError, ValueRangeError
from . import ops_binary
from .dtypes import float_input, promote_to_float, result_type
from .function import Function, unbroadcast
from .ops_binary import *  # noqa: F403  (this module fronts ops_binary: its names are exported here)
from .ops_binary import (  # noqa: F401  (and bound as Tensor methods through this TENSOR_METHODS)
    __imod__,
    __mod__,
    __rmod__,
    arctan2_,
    atan2_,
    clamp_,
    clamp_max_,
    clamp_min_,
    clip_,
    copysign_,
    fmod_,
    hypot_,
    lerp_,
    remainder_,
    xlogy_,
)
from .pointwise import Binary, data, ieee, operand_dtype, public_pair, refuse, sign_of, zero_grads
from .tensor import Tensor

_OWN = [
    "abs",
    "absolute",
    "add",
    "addcdiv",
    "addcmul",
    "cos",
    "div",
    "divide",
    "exp",
    "float_power",
    "floor_divide",
    "ldexp",
    "log",
    "matmul",
    "mul",
    "multiply",
    "neg",
    "negative",
    "positive",
    "pow",
    "sin",
    "sqrt",
    "sub",
    "subtract",
    "true_divide",
]
__all__ = [*_OWN, "rsub", *ops_binary.__all__]

TENSOR_METHODS = (
    *_OWN,
    *(name + "_" for name in _OWN if name not in ("matmul", "positive")),
    *("fill_", "zero_", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__ipow__"),
    *("__floordiv__", "__rfloordiv__"),
    *ops_binary.TENSOR_METHODS,
)


# ----- arithmetic -------------------------------------------------------------------------
class Add(Binary):
    """z = a + α·b;   ∂z/∂a = 1, ∂z/∂b = α."""

    symbol = "+"
    saved_inputs = ()
    alpha: Any = 1

    def forward(self, a, b):
        return a + b if self.alpha == 1 else a + self.alpha * b

    def backward(self, g):
        return self.to_inputs(g, g if self.alpha == 1 else g * self.alpha)


class Sub(Binary):
    """z = a − α·b;   ∂z/∂a = 1, ∂z/∂b = −α."""

    symbol = "-"
    saved_inputs = ()
    alpha: Any = 1

    def forward(self, a, b):
        return a - b if self.alpha == 1 else a - self.alpha * b

    def backward(self, g):
        return self.to_inputs(g, g * -self.alpha if self.needs_grad(1) else None)


class Mul(Binary):
    """z = a·b;   ∂z/∂a = b, ∂z/∂b = a."""

    symbol = "*"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return self.to_inputs(
            g * self.b if self.needs_grad(0) else None,
            g * self.a if self.needs_grad(1) else None,
        )


class Div(Binary):
    """z = a / b (integers give the default float dtype);   ∂z/∂a = 1/b, ∂z/∂b = −a/b² = −z/b."""

    symbol = "/"
    promote = staticmethod(promote_to_float)
    saved_inputs = (1,)
    saves_output = True

    @ieee
    def forward(self, a, b):
        self.b = b
        self.z = a / b
        return self.z

    @ieee
    def backward(self, g):
        g_over_b = g / self.b
        return self.to_inputs(g_over_b, -g_over_b * self.z if self.needs_grad(1) else None)


class RoundedDiv(Binary):
    """z = trunc(a / b) or ⌊a / b⌋ (rounding_mode 'trunc' or 'floor'; integers stay integers);
    ∂z/∂a = ∂z/∂b = 0 (a staircase), as PyTorch defines it."""

    symbol = "//"
    saved_inputs = ()

    def __init__(self, rounding_mode: str) -> None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueRangeError(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                f"but found {rounding_mode!r}"
            )
        self.mode = rounding_mode

    @ieee
    def forward(self, a, b):
        dtype = operand_dtype(a, b)
        if dtype.kind == "b":
            raise refuse(f"div_{self.mode}", dtype)
        if dtype == np.float16:  # PyTorch rounds the quotient of halves after, not before, truncating
            return self.forward(*(np.asarray(x, np.float32) for x in (a, b))).astype(np.float16)
        if dtype.kind in "iu":
            if np.any(b == 0):
                raise IntegerDivisionByZero("ZeroDivisionError: integer division by zero")
            z = np.floor_divide(a, b)
            if self.mode == "trunc":  # ⌊a/b⌋ + 1 where the exact quotient is negative and not whole
                z += (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
            return z
        return np.floor_divide(a, b) if self.mode == "floor" else np.trunc(a / b)

    def backward(self, g):
        return zero_grads(self, g)


class FloorDivide(RoundedDiv):
    """z = ⌊a / b⌋ (`//`, floor_divide): PyTorch gives it no derivative, so backward refuses (use
    div(a, b, rounding_mode='floor') for a zero gradient)."""

    def __init__(self) -> None:
        super().__init__("floor")

    def backward(self, g):
        raise RuntimeError("derivative for floor_divide is not implemented")


def integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """aᵇ on integers as PyTorch computes it: for b < 0, 1/aᵇ truncated (±1 where a = ±1, else 0)."""
    if not np.any(b < 0):
        return np.power(a, b)
    whole = np.power(a, np.maximum(b, 0))
    inverse = (a == 1) + (a == -1) * (1 - 2 * (b % 2))
    return np.where(b < 0, inverse, whole).astype(whole.dtype, copy=False)


# PyTorch computes a tensor to these number powers with the functions they stand for, which differ
# from pow at −0 and −inf (√−inf is nan where pow(−inf, ½) is inf): so does deepstep.
_NAMED_POWERS: dict[float, Any] = {
    0.5: np.sqrt,
    -0.5: lambda a: 1 / np.sqrt(a),
    2: np.square,
    3: lambda a: a * a * a,
    -1: np.reciprocal,
    -2: lambda a: 1 / (a * a),
}


def float_power_of(a: Any, b: Any) -> Any:
    """aᵇ on floats, as PyTorch computes it for a number exponent b."""
    named = None if isinstance(b, np.ndarray) or isinstance(a, (int, float)) else _NAMED_POWERS.get(b)
    return a**b if named is None else named(a)


class Pow(Binary):
    """z = aᵇ;   ∂z/∂a = b·aᵇ⁻¹ (0 where b = 0),  ∂z/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0)."""

    symbol = "**"
    saves_output = True

    @ieee
    def forward(self, a, b):
        dtype = operand_dtype(a, b)
        if dtype.kind == "b":
            raise refuse("pow", dtype)
        if dtype.kind in "iu":
            return integer_power(a, b)
        self.a, self.b = a, b
        self.z = float_power_of(a, b)
        return self.z

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        grad_a = grad_b = None
        if self.needs_grad(0):
            if np.ndim(b) == 0:
                grad_a = np.zeros_like(g) if b == 0 else g * (b * float_power_of(a, b - 1))
            else:
                grad_a = np.where(b == 0, 0.0, g * (b * a ** (b - 1)))
        if self.needs_grad(1):
            # a number base: ln a in double precision, kept a (weak) Python float, as PyTorch does
            log_a = np.log(a) if isinstance(a, np.ndarray) else float(np.log(np.float64(a)))
            grad_b = np.where((a == 0) & (b >= 0), 0.0, g * self.z * log_a)
        return self.to_inputs(grad_a, grad_b)


class Neg(Function):
    """z = −a;   ∂z/∂a = −1."""

    saved_inputs = ()

    def forward(self, a):
        if a.dtype == bool:
            raise DTypeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                "invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return -a

    def backward(self, g):
        return (-g,)


class MatMul(Binary):
    """Z = A·B (NumPy matmul: 1-D and batched too);   ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G."""

    symbol = "@"

    def forward(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            shapes = f"{np.shape(a)} and {np.shape(b)}"
            raise ShapeError(f"both arguments to matmul need to be at least 1-D, got shapes {shapes}")
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        a, b = self.a, self.b
        if a.ndim == 1 and b.ndim == 1:  # the dot product: z = Σ aᵢbᵢ
            grad_a = g * b if self.needs_grad(0) else None
            return self.to_inputs(grad_a, g * a if self.needs_grad(1) else None)
        # Treat vectors as matrices (a row for the left, a column for the right), as matmul does.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        grad_a = grad_b = None
        if self.needs_grad(0):
            grad_a = g2 @ np.swapaxes(b2, -1, -2)
            grad_a = unbroadcast(grad_a, a2.shape)
            if a.ndim == 1:
                grad_a = grad_a.reshape(a.shape)
        if self.needs_grad(1):
            grad_b = np.swapaxes(a2, -1, -2) @ g2
            grad_b = unbroadcast(grad_b, b2.shape)
            if b.ndim == 1:
                grad_b = grad_b.reshape(b.shape)
        return grad_a, grad_b


# ----- the first functions of one variable (the rest live in ops_math) ----------------------
class Exp(Function):
    """z = eᵃ;   ∂z/∂a = eᵃ = z."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    @ieee
    def forward(self, a):
        self.z = np.exp(a)
        return self.z

    def backward(self, g):
        return (g * self.z,)


class Log(Function):
    """z = ln a;   ∂z/∂a = 1/a."""

    promote = staticmethod(float_input)

    @ieee
    def forward(self, a):
        self.a = a
        return np.log(a)

    @ieee
    def backward(self, g):
        return (g / self.a,)


class Sqrt(Function):
    """z = √a;   ∂z/∂a = 1/(2√a)."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    @ieee
    def forward(self, a):
        self.z = np.sqrt(a)
        return self.z

    @ieee
    def backward(self, g):
        return (g / (2 * self.z),)


class Sin(Function):
    """z = sin a;   ∂z/∂a = cos a."""

    promote = staticmethod(float_input)

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return (g * np.cos(self.a),)


class Cos(Function):
    """z = cos a;   ∂z/∂a = −sin a."""

    promote = staticmethod(float_input)

    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return (-g * np.sin(self.a),)


class Abs(Function):
    """z = |a|;   ∂z/∂a = sign a (0 at a = 0, as in PyTorch)."""

    def forward(self, a):
        if a.dtype == bool:
            raise refuse("abs", a.dtype)
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return (g * sign_of(self.a),)


# ----- filling ------------------------------------------------------------------------------
class Fill(Function):
    """z = c everywhere;   ∂z/∂a = 0 (what was there before no longer matters)."""

    saved_inputs = ()

    def forward(self, a, value):
        if np.ndim(value):
            raise ShapeError(f"fill_ takes a number or a 0-d tensor, got shape {np.shape(value)}")
        return np.full_like(a, value)

    def backward(self, g):
        return self.to_inputs(np.zeros_like(g), None)


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def _scaled(op: Add | Sub, alpha: Any, input: Any, other: Any) -> Add | Sub:
    """The op with z = a ± α·b; a float α needs a floating result, as PyTorch checks."""
    if alpha != 1:
        if isinstance(alpha, float) and result_type(data(input), data(other)).kind not in "fc":
            raise DTypeError(
                "For integral input tensors, argument alpha must not be a floating point number."
            )
        op.alpha = alpha
    return op


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, (Tensor, np.ndarray)) and x.dtype.kind == "b")


def _refuse_bool_sub(input: Any, other: Any) -> None:
    if _is_bool(input) or _is_bool(other):
        raise DTypeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _refuse_negative_integer_power(input: Any, exponent: Any) -> None:
    """An integer tensor to a negative number is refused (a tensor of negative exponents is not)."""
    if (
        isinstance(exponent, (int, np.integer))
        and exponent < 0
        and isinstance(input, Tensor)
        and input.dtype.kind in "biu"
    ):
        raise DTypeError("Integers to negative integer powers are not allowed.")


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha·other."""
    return _scaled(Add(), alpha, input, other)(input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input − alpha·other (not on bool tensors: use ^ or logical_xor, as PyTorch says)."""
    _refuse_bool_sub(input, other)
    return _scaled(Sub(), alpha, input, other)(input, other)


def mul(input: Any, other: Any) -> Tensor:
    return Mul()(input, other)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other: true division (integers give the default float dtype), or rounded towards
    zero (rounding_mode='trunc') or down ('floor'), which keeps integers integers."""
    return (Div() if rounding_mode is None else RoundedDiv(rounding_mode))(input, other)


def true_divide(input: Any, other: Any) -> Tensor:
    return Div()(input, other)


def floor_divide(input: Any, other: Any) -> Tensor:
    """⌊input / other⌋ (the // operator)."""
    return FloorDivide()(input, other)


def pow(input: Any, exponent: Any) -> Tensor:
    """inputᵉˣᵖᵒⁿᵉⁿᵗ; either may be a number (torch.pow(2, t)); integers stay integers."""
    _refuse_negative_integer_power(input, exponent)
    return Pow()(input, exponent)


def float_power(input: Any, exponent: Any) -> Tensor:
    """inputᵉˣᵖᵒⁿᵉⁿᵗ computed in float64, whatever the dtypes (PyTorch's float_power)."""
    from .ops_shape import cast

    operands = [cast(x, np.float64) if isinstance(x, (Tensor, np.ndarray)) else x for x in (input, exponent)]
    return Pow()(*operands)


def matmul(input: Any, other: Any) -> Tensor:
    return MatMul()(input, other)


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """other − alpha·input (sub with its operands swapped)."""
    return sub(other, input, alpha=alpha)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value·tensor1·tensor2 (Adam's second moment is built so)."""
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value·tensor1/tensor2 (Adam's step is built so)."""
    return add(input, div(tensor1, tensor2), alpha=value)


def ldexp(input: Any, other: Any) -> Tensor:
    """input·2^other (floating, as in PyTorch)."""
    return mul(input, pow(2.0, other))


def positive(input: Any) -> Tensor:
    """input itself (+input), refused for bools as in PyTorch."""
    if _is_bool(input):
        raise DTypeError("The `+` operator, on a bool tensor is not supported.")
    return input


neg, neg_ = public_pair(Neg, "neg")
exp, exp_ = public_pair(Exp, "exp")
log, log_ = public_pair(Log, "log")
sqrt, sqrt_ = public_pair(Sqrt, "sqrt")
sin, sin_ = public_pair(Sin, "sin")
cos, cos_ = public_pair(Cos, "cos")
abs, abs_ = public_pair(Abs, "abs")


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
absolute, absolute_ = abs, abs_
divide, divide_ = div, div_
multiply, multiply_ = mul, mul_
negative, negative_ = neg, neg_
subtract, subtract_ = sub, sub_

# operators (the rest live in tensor.py; % is remainder's, in ops_binary)
__iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, true_divide_
__ifloordiv__, __ipow__, __floordiv__ = floor_divide_, pow_, floor_divide


def __rfloordiv__(input: Tensor, other: Any) -> Tensor:
    return FloorDivide()(other, input)
