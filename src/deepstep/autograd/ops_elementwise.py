"""Arithmetic and the first functions of one variable, each with its derivative beside it; the front
of the elementwise family (its binary functions, maximum to xlogy, live in ops_binary, and the powers,
pow and float_power, in ops_power).

Binary ops broadcast like NumPy and promote their operands as PyTorch does (dtypes.result_type:
an int tensor times 2.5 is float32, int32 with float32 is float32); `Function.to_inputs` sums
gradients back over the broadcast axes. Python numbers and arrays may stand on either side. The
functions of one variable have their in-place twins here (`exp_`…); those of the arithmetic
(`add_`, `+=`…) are in ops_inplace, and the operators (`+`, `//`…) in operators.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DTypeError, IntegerDivisionByZero, ShapeError, ValueRangeError
from . import ops_binary, ops_power, sum_kernels
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
from .ops_power import float_power, pow  # noqa: A004, F401  (exported and bound as methods here)
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
    "floor_divide",
    "ldexp",
    "log",
    "matmul",
    "mul",
    "multiply",
    "neg",
    "negative",
    "positive",
    "sin",
    "sqrt",
    "sub",
    "subtract",
    "true_divide",
]
__all__ = [*_OWN, "rsub", *ops_power.__all__, *ops_binary.__all__]

TENSOR_METHODS = (
    *_OWN,
    *(name + "_" for name in ("abs", "absolute", "cos", "exp", "log", "neg", "negative", "sin", "sqrt")),
    *ops_power.TENSOR_METHODS,
    *ops_binary.TENSOR_METHODS,
)


# ----- arithmetic -------------------------------------------------------------------------
class Add(Binary):
    """z = a + α·b;   ∂z/∂a = 1, ∂z/∂b = α."""

    symbol = "+"
    saved_inputs = ()
    alpha: Any = 1

    def forward(self, a, b):
        return sum_kernels.add(a, b) if self.alpha == 1 else a + self.alpha * b

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
        self.real_only = f"div(rounding_mode={rounding_mode!r})"  # complex numbers are not rounded

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


def _matmul_mismatch(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """PyTorch's words for shapes (each at least 1-D) that matmul cannot multiply: its 1-D·1-D,
    matrix·vector, ·matrix (the batch of a folded into rows) and batched cases."""
    rows = math.prod(a[:-1])
    if len(a) == 1 and len(b) == 1:
        return (
            f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the same "
            f"number of elements, but got {a[0]} and {b[0]} elements respectively"
        )
    if len(b) == 1:
        return f"size mismatch, got input ({rows}), mat ({rows}x{a[-1]}), vec ({b[0]})"
    if len(b) == 2:
        return f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a[-1]} and {b[0]}x{b[1]})"
    batch_a, batch_b = a[:-2], b[:-2]
    n = max(len(batch_a), len(batch_b))
    for i in range(1, n + 1):  # the batch dims broadcast from the right
        x = batch_a[-i] if i <= len(batch_a) else 1
        y = batch_b[-i] if i <= len(batch_b) else 1
        if x != y and 1 not in (x, y):
            return (
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                f"dimension {n - i}"
            )
    batch = math.prod(np.broadcast_shapes(batch_a, batch_b))
    return (
        f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {a[-1]}] but got: "
        f"[{batch}, {b[-2]}]."
    )


class MatMul(Binary):
    """Z = A·B (NumPy matmul: 1-D and batched too);   ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G."""

    symbol = "@"

    def forward(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            shapes = f"{np.shape(a)} and {np.shape(b)}"
            raise ShapeError(f"both arguments to matmul need to be at least 1-D, got shapes {shapes}")
        self.a, self.b = a, b
        return a @ b

    def explain(self, error: ValueError, arrays: list[Any]) -> ValueError:
        """Shapes matmul cannot take: PyTorch's error (a RuntimeError, here a ShapeError), not NumPy's
        gufunc signature."""
        if type(error) is not ValueError:
            return error
        return ShapeError(_matmul_mismatch(np.shape(arrays[0]), np.shape(arrays[1])))

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

    holomorphic = True
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

    holomorphic = True
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

    holomorphic = True
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

    holomorphic = True
    promote = staticmethod(float_input)

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return (g * np.cos(self.a),)


class Cos(Function):
    """z = cos a;   ∂z/∂a = −sin a."""

    holomorphic = True
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
abs, _abs_into = public_pair(Abs, "abs")


def abs_(input: Tensor) -> Tensor:
    """|x| written into x: refused for complex x, whose |x| is real (PyTorch's RuntimeError)."""
    if input.dtype.kind == "c":
        raise DTypeError(f"In-place abs is not supported for complex tensors (got {input.dtype})")
    return _abs_into(input)


# PyTorch's other spellings of the same ops (those of the in-place arithmetic are in ops_inplace)
absolute, absolute_ = abs, abs_
divide = div
multiply = mul
negative, negative_ = neg, neg_
subtract = sub
