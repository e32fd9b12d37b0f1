"""Elementwise ops and the matrix product, each with its derivative beside it.

Binary ops broadcast like NumPy; `Function.to_inputs` sums gradients back over
the broadcast axes. Python numbers and arrays may stand on either side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from .dtypes import float_input, promote_arrays, promote_to_float
from .function import Function, unbroadcast
from .tensor import Tensor

__all__ = [
    "abs",
    "add",
    "clamp",
    "clip",
    "cos",
    "div",
    "exp",
    "log",
    "matmul",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "pow",
    "sin",
    "sqrt",
    "sub",
    "where",
]

TENSOR_METHODS = (
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "abs",
    "clip",
    "clamp",
    "maximum",
    "minimum",
    "pow",
    "matmul",
    "add_",
    "sub_",
    "mul_",
    "div_",
    "fill_",
    "zero_",
    "__iadd__",
    "__isub__",
    "__imul__",
    "__itruediv__",
)


def _shapes(a: Any, b: Any) -> str:
    return f"{np.shape(a)} and {np.shape(b)}"


class _Binary(Function):
    """A broadcasting binary op on operands promoted to their common dtype (PyTorch's rules);
    mismatched shapes raise a ShapeError naming both."""

    symbol = "?"
    promote = staticmethod(promote_arrays)

    def explain(self, error: ValueError, arrays: list[Any]) -> ValueError:
        if isinstance(error, ShapeError):
            return error
        return ShapeError(f"cannot apply '{self.symbol}' to shapes {_shapes(*arrays[:2])}: {error}")


# ----- arithmetic -------------------------------------------------------------------------
class Add(_Binary):
    """z = a + b;   ∂z/∂a = 1, ∂z/∂b = 1."""

    symbol = "+"
    saved_inputs = ()

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return self.to_inputs(g, g)


class Sub(_Binary):
    """z = a − b;   ∂z/∂a = 1, ∂z/∂b = −1."""

    symbol = "-"
    saved_inputs = ()

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return self.to_inputs(g, -g if self.needs_grad(1) else None)


class Mul(_Binary):
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


class Div(_Binary):
    """z = a / b;   ∂z/∂a = 1/b, ∂z/∂b = −a/b² = −z/b."""

    symbol = "/"
    promote = staticmethod(promote_to_float)
    saved_inputs = (1,)
    saves_output = True

    def forward(self, a, b):
        self.b = b
        self.z = a / b
        return self.z

    def backward(self, g):
        g_over_b = g / self.b
        return self.to_inputs(g_over_b, -g_over_b * self.z if self.needs_grad(1) else None)


class Pow(_Binary):
    """z = aᵇ;   ∂z/∂a = b·aᵇ⁻¹ (0 where b = 0),  ∂z/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0)."""

    symbol = "**"
    saves_output = True

    def forward(self, a, b):
        self.a, self.b = a, b
        self.z = a**b
        return self.z

    def backward(self, g):
        a, b = self.a, self.b
        grad_a = grad_b = None
        if self.needs_grad(0):
            if np.ndim(b) == 0:
                grad_a = np.zeros_like(g) if b == 0 else g * (b * a ** (b - 1))
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    grad_a = np.where(b == 0, 0.0, g * (b * a ** (b - 1)))
        if self.needs_grad(1):
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = np.where((a == 0) & (b >= 0), 0.0, g * self.z * np.log(a))
        return self.to_inputs(grad_a, grad_b)


class Neg(Function):
    """z = −a;   ∂z/∂a = −1."""

    saved_inputs = ()

    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class MatMul(_Binary):
    """Z = A·B (NumPy matmul: 1-D and batched too);   ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G."""

    symbol = "@"

    def forward(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ShapeError(f"both arguments to matmul need to be at least 1-D, got shapes {_shapes(a, b)}")
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


# ----- functions of one variable ------------------------------------------------------
class Exp(Function):
    """z = eᵃ;   ∂z/∂a = eᵃ = z."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def forward(self, a):
        self.z = np.exp(a)
        return self.z

    def backward(self, g):
        return (g * self.z,)


class Log(Function):
    """z = ln a;   ∂z/∂a = 1/a."""

    promote = staticmethod(float_input)

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return (g / self.a,)


class Sqrt(Function):
    """z = √a;   ∂z/∂a = 1/(2√a)."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def forward(self, a):
        self.z = np.sqrt(a)
        return self.z

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
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return (g * np.sign(self.a),)


class Clip(Function):
    """z = min(max(a, lo), hi);   ∂z/∂a = 1 where lo ≤ a ≤ hi, else 0."""

    def __init__(self, lo: float | None, hi: float | None) -> None:
        if lo is None and hi is None:
            raise ValueError("clip needs at least one of min and max")
        self.lo, self.hi = lo, hi

    def forward(self, a):
        self.a = a
        return np.clip(a, self.lo, self.hi)

    def backward(self, g):
        inside = np.ones(self.a.shape, dtype=bool)
        if self.lo is not None:
            inside &= self.a >= self.lo
        if self.hi is not None:
            inside &= self.a <= self.hi
        return (g * inside,)


class Maximum(_Binary):
    """z = max(a, b) elementwise;   the gradient goes to the larger, split in half on ties."""

    symbol = "maximum"

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        return _split_between(g, self.a > self.b, self.a == self.b, self)


class Minimum(_Binary):
    """z = min(a, b) elementwise;   the gradient goes to the smaller, split in half on ties."""

    symbol = "minimum"

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        return _split_between(g, self.a < self.b, self.a == self.b, self)


def _split_between(g: np.ndarray, a_wins: np.ndarray, tie: np.ndarray, fn: Function):
    share_a = np.where(tie, 0.5, a_wins.astype(g.dtype))
    return fn.to_inputs(g * share_a, g * (1 - share_a))


class Fill(Function):
    """z = c everywhere;   ∂z/∂a = 0 (what was there before no longer matters)."""

    saved_inputs = ()

    def forward(self, a, value):
        if np.ndim(value):
            raise ShapeError(f"fill_ takes a number or a 0-d tensor, got shape {np.shape(value)}")
        return np.full_like(a, value)

    def backward(self, g):
        return self.to_inputs(np.zeros_like(g), None)


class Where(Function):
    """z = a where cond else b;   ∂z/∂a = cond, ∂z/∂b = ¬cond."""

    saved_inputs = ()

    def forward(self, cond, a, b):
        a, b = promote_arrays([a, b])
        self.cond = np.asarray(cond, dtype=bool)
        return np.where(self.cond, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return self.to_inputs(None, np.where(self.cond, g, zero), np.where(self.cond, zero, g))


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def add(a: Any, b: Any) -> Tensor:
    return Add()(a, b)


def sub(a: Any, b: Any) -> Tensor:
    return Sub()(a, b)


def mul(a: Any, b: Any) -> Tensor:
    return Mul()(a, b)


def div(a: Any, b: Any) -> Tensor:
    return Div()(a, b)


def pow(a: Any, b: Any) -> Tensor:
    return Pow()(a, b)


def neg(a: Any) -> Tensor:
    return Neg()(a)


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul()(a, b)


def exp(a: Any) -> Tensor:
    return Exp()(a)


def log(a: Any) -> Tensor:
    return Log()(a)


def sqrt(a: Any) -> Tensor:
    return Sqrt()(a)


def sin(a: Any) -> Tensor:
    return Sin()(a)


def cos(a: Any) -> Tensor:
    return Cos()(a)


def abs(a: Any) -> Tensor:
    return Abs()(a)


def clip(a: Any, min: float | None = None, max: float | None = None) -> Tensor:
    return Clip(min, max)(a)


clamp = clip


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum()(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum()(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise choice: `a` where `condition` holds, else `b` (differentiable in a and b)."""
    if isinstance(condition, Tensor):
        condition = condition.data
    return Where()(condition, a, b)


# ----- in place (PyTorch's trailing underscore; `+=` and friends keep the tensor object) ------
def add_(a: Tensor, b: Any) -> Tensor:
    """a ← a + b in a's memory (a keeps its identity, so a leaf stays a leaf)."""
    return Add().inplace(a, b)


def sub_(a: Tensor, b: Any) -> Tensor:
    """a ← a − b in a's memory."""
    return Sub().inplace(a, b)


def mul_(a: Tensor, b: Any) -> Tensor:
    """a ← a·b in a's memory."""
    return Mul().inplace(a, b)


def div_(a: Tensor, b: Any) -> Tensor:
    """a ← a / b in a's memory (an integer tensor cannot hold the quotient: a RuntimeError)."""
    return Div().inplace(a, b)


def fill_(a: Tensor, value: Any) -> Tensor:
    """Every element of a set to value, in a's memory."""
    return Fill().inplace(a, value)


def zero_(a: Tensor) -> Tensor:
    """Every element of a set to 0, in a's memory."""
    return Fill().inplace(a, 0)


__iadd__ = add_
__isub__ = sub_
__imul__ = mul_
__itruediv__ = div_
