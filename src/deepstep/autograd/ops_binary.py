"""Binary elementwise functions beyond arithmetic, each with its derivative beside it: the ones
that pick between their operands (maximum, minimum, fmax, fmin, clamp, where) and the binary math
(atan2, fmod, remainder, hypot, copysign, logaddexp, xlogy, lerp). ops_elementwise, the front of
the elementwise family, exports them.

Operands are promoted as PyTorch promotes them (dtypes.result_type) and broadcast; the float
functions (atan2, copysign, xlogy) give integers the default float dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import stable
from ..errors import DTypeError, IntegerDivisionByZero, ValueRangeError
from .dtypes import promote_arrays, result_type
from .pointwise import Binary, data, float_operands, floats_only, ieee, operand_dtype, refuse
from .tensor import Tensor

__all__ = [
    "arctan2",
    "atan2",
    "clamp",
    "clamp_max",
    "clamp_min",
    "clip",
    "copysign",
    "fmax",
    "fmin",
    "fmod",
    "hypot",
    "lerp",
    "logaddexp",
    "logaddexp2",
    "maximum",
    "minimum",
    "remainder",
    "where",
    "xlogy",
]

_NOT_IN_PLACE = ("fmax", "fmin", "logaddexp", "logaddexp2", "maximum", "minimum", "where")
TENSOR_METHODS = (
    *(name for name in __all__ if name != "where"),  # Tensor.where(condition, other) is another order
    *(name + "_" for name in __all__ if name not in _NOT_IN_PLACE),
    *("__mod__", "__rmod__", "__imod__"),
)


# ----- picking between operands: maximum, minimum, clamp, where ------------------------------
class Maximum(Binary):
    """z = max(a, b), nan if either is;   ∂z/∂a = 1 where a > b, ½ on ties, 0 where a < b (both
    get the whole gradient where a nan makes the comparison fail), and the mirror for b."""

    symbol = "maximum"
    real_only = "maximum"

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        shared = np.where(a == b, g * 0.5, g)
        return self.to_inputs(
            np.where(a < b, 0.0, shared) if self.needs_grad(0) else None,
            np.where(a > b, 0.0, shared) if self.needs_grad(1) else None,
        )


class Minimum(Binary):
    """z = min(a, b), nan if either is;   ∂z/∂a = 1 where a < b, ½ on ties (as maximum)."""

    symbol = "minimum"
    real_only = "minimum"

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        shared = np.where(a == b, g * 0.5, g)
        return self.to_inputs(
            np.where(a > b, 0.0, shared) if self.needs_grad(0) else None,
            np.where(a < b, 0.0, shared) if self.needs_grad(1) else None,
        )


class Fmax(Binary):
    """z = max(a, b) ignoring a nan (nan only where both are);   the whole gradient goes to a
    where a ≥ b or b is nan, else to b."""

    symbol = "fmax"
    real_only = "fmax"
    saved_inputs = ()  # backward reads the mask only

    def forward(self, a, b):
        self.a_wins = (a >= b) | np.isnan(b)
        return np.fmax(a, b)

    def backward(self, g):
        return self.to_inputs(np.where(self.a_wins, g, 0.0), np.where(self.a_wins, 0.0, g))


class Fmin(Binary):
    """z = min(a, b) ignoring a nan;   the gradient goes to a where a ≤ b or b is nan, else to b."""

    symbol = "fmin"
    real_only = "fmin"
    saved_inputs = ()

    def forward(self, a, b):
        self.a_wins = (a <= b) | np.isnan(b)
        return np.fmin(a, b)

    def backward(self, g):
        return self.to_inputs(np.where(self.a_wins, g, 0.0), np.where(self.a_wins, 0.0, g))


class Clamp(Binary):
    """z = min(max(a, lo), hi) (hi wins where lo > hi; nan stays nan);   ∂z/∂a = 1 where
    lo ≤ a ≤ hi, ∂z/∂lo = 1 where a < lo < hi, ∂z/∂hi = 1 where a > hi or hi < lo (PyTorch's rule)."""

    symbol = "clamp"
    real_only = "clamp"

    def forward(self, a, lo, hi):
        if a.dtype.kind == "b" and lo is not None and hi is not None:
            raise refuse("clamp", a.dtype)  # PyTorch clamps bools to one bound only
        self.a, self.lo, self.hi = a, lo, hi
        z = a if lo is None else np.maximum(a, lo)
        return z if hi is None else np.minimum(z, hi)

    def backward(self, g):
        a, lo, hi = self.a, self.lo, self.hi
        inside = np.ones((), dtype=bool)
        if lo is not None:
            inside = inside & (a >= lo)
        if hi is not None:
            inside = inside & (a <= hi)
        grad_lo = grad_hi = None
        if self.needs_grad(1):
            grad_lo = np.where((a < lo) & (lo < hi) if hi is not None else a < lo, g, 0.0)
        if self.needs_grad(2):
            grad_hi = np.where((a > hi) | (hi < lo) if lo is not None else a > hi, g, 0.0)
        return self.to_inputs(np.where(inside, g, 0.0) if self.needs_grad(0) else None, grad_lo, grad_hi)


class Where(Binary):
    """z = a where c else b;   ∂z/∂a = c, ∂z/∂b = ¬c."""

    symbol = "where"
    promote = None  # the condition stays bool; a and b are promoted in forward
    saved_inputs = ()

    def forward(self, cond, a, b):
        dtype = result_type(a, b)
        self.cond = cond
        z = np.where(cond, *promote_arrays([a, b]))
        return z if z.dtype == dtype else z.astype(dtype)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return self.to_inputs(None, np.where(self.cond, g, zero), np.where(self.cond, zero, g))


# ----- binary math ----------------------------------------------------------------------------
class Atan2(Binary):
    """z = atan2(a, b), the angle of the point (b, a);   ∂z/∂a = b/(a² + b²), ∂z/∂b = −a/(a² + b²),
    both 0 where a = b = 0 (PyTorch's choice)."""

    symbol = "atan2"
    real_only = "atan2"
    promote = staticmethod(float_operands)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.arctan2(a, b)

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        inverse = np.reciprocal(a * a + b * b)
        inverse = np.where(np.isinf(inverse), 0.0, inverse)
        return self.to_inputs(g * b * inverse, g * -a * inverse)


class Hypot(Binary):
    """z = √(a² + b²);   ∂z/∂a = a/z, ∂z/∂b = b/z."""

    symbol = "hypot"
    real_only = "hypot"
    promote = staticmethod(floats_only("hypot"))
    saves_output = True

    def forward(self, a, b):
        self.a, self.b = a, b
        self.z = np.hypot(a, b)
        return self.z

    @ieee
    def backward(self, g):
        g_over_z = g / self.z
        return self.to_inputs(g_over_z * self.a, g_over_z * self.b)


class Copysign(Binary):
    """z = |a| with the sign of b (−0 counts as negative);   ∂z/∂a = z/a (0 at a = 0), ∂z/∂b = 0."""

    symbol = "copysign"
    real_only = "copysign"
    promote = staticmethod(float_operands)
    saved_inputs = (0,)
    saves_output = True

    def forward(self, a, b):
        self.a = a
        self.z = np.copysign(a, b)
        return self.z

    @ieee
    def backward(self, g):
        ratio = np.where(self.a == 0, 0.0, self.z / self.a)
        return self.to_inputs(g * ratio, np.zeros_like(g) if self.needs_grad(1) else None)


class Logaddexp(Binary):
    """z = ln(eᵃ + eᵇ), without overflow;   ∂z/∂a = 1/(1 + e^(b − a)), ∂z/∂b = 1/(1 + e^(a − b))."""

    symbol = "logaddexp"
    holomorphic = True
    promote = staticmethod(floats_only("logaddexp"))

    def forward(self, a, b):
        self.a, self.b = a, b
        return stable.logaddexp(a, b)

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        return self.to_inputs(g / (1 + np.exp(b - a)), g / (1 + np.exp(a - b)))


class Logaddexp2(Binary):
    """z = log₂(2ᵃ + 2ᵇ);   ∂z/∂a = 1/(1 + 2^(b − a)), ∂z/∂b = 1/(1 + 2^(a − b))."""

    symbol = "logaddexp2"
    real_only = "logaddexp2"
    promote = staticmethod(floats_only("logaddexp2"))

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.logaddexp2(a, b)

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        return self.to_inputs(g / (1 + np.exp2(b - a)), g / (1 + np.exp2(a - b)))


class Xlogy(Binary):
    """z = a·ln b, 0 where a = 0 (unless b is nan);   ∂z/∂a = ln b (0 where a = 0 and b ≤ 0),
    ∂z/∂b = a/b."""

    symbol = "xlogy"
    real_only = "xlogy"
    promote = staticmethod(float_operands)

    @ieee
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.where((a == 0) & ~np.isnan(b), 0.0, a * np.log(b))

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        grad_a = None
        if self.needs_grad(0):
            grad_a = np.where(((g == 0) & ~np.isnan(b)) | ((a == 0) & (b <= 0)), 0.0, g * np.log(b))
        return self.to_inputs(grad_a, g * a / b if self.needs_grad(1) else None)


class Fmod(Binary):
    """z = a − b·trunc(a/b), the remainder with a's sign (C's fmod);   ∂z/∂a = 1, ∂z/∂b = −trunc(a/b)."""

    symbol = "fmod"
    real_only = "fmod"

    @ieee
    def forward(self, a, b):
        _check_divisor("fmod", a, b)
        self.a, self.b = a, b
        return np.fmod(a, b)

    @ieee
    def backward(self, g):
        grad_b = -g * np.trunc(self.a / self.b) if self.needs_grad(1) else None
        return self.to_inputs(g, grad_b)


class Remainder(Binary):
    """z = a − b·⌊a/b⌋, the remainder with b's sign (Python's %);   ∂z/∂a = 1, ∂z/∂b = −⌊a/b⌋."""

    symbol = "%"
    real_only = "remainder"

    @ieee
    def forward(self, a, b):
        _check_divisor("remainder", a, b)
        self.a, self.b = a, b
        return np.remainder(a, b)

    @ieee
    def backward(self, g):
        if not isinstance(self.a, np.ndarray):  # number % tensor: PyTorch has no derivative
            raise RuntimeError("derivative for aten::remainder is not implemented")
        grad_b = -g * np.floor_divide(self.a, self.b) if self.needs_grad(1) else None
        return self.to_inputs(g, grad_b)


def _check_divisor(name: str, a: Any, b: Any) -> None:
    dtype = operand_dtype(a, b)
    if dtype.kind == "b":
        raise refuse(name, dtype)
    if dtype.kind in "iu" and np.any(b == 0):
        raise IntegerDivisionByZero("ZeroDivisionError: integer division by zero")


class Lerp(Binary):
    """z = a + w·(b − a) (computed as b − (b − a)(1 − w) where w ≥ ½, as PyTorch, for accuracy);
    ∂z/∂a = 1 − w, ∂z/∂b = w, ∂z/∂w = b − a."""

    symbol = "lerp"
    promote = None  # PyTorch wants end (and a weight tensor) of input's dtype, not a promotion
    saved_inputs = (2,)  # the weight; b − a is computed in forward

    def forward(self, a, b, w):
        if a.dtype.kind not in "fc":
            raise refuse("lerp", a.dtype)
        for name, x, checked in (("end", b, True), ("weight", w, np.ndim(w) > 0)):
            if checked and isinstance(x, np.ndarray) and x.dtype != a.dtype:
                raise DTypeError(f"expected dtype {a.dtype} for `{name}` but got dtype {x.dtype}")
        w = np.asarray(w, dtype=a.dtype)
        self.w, self.diff = w, b - a
        return np.where(w < 0.5, a + w * self.diff, b - self.diff * (1 - w))

    def backward(self, g):
        w = self.w
        return self.to_inputs(g * (1 - w), g * w, g * self.diff if self.needs_grad(2) else None)


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def maximum(input: Any, other: Any) -> Tensor:
    return Maximum()(input, other)


def minimum(input: Any, other: Any) -> Tensor:
    return Minimum()(input, other)


def fmax(input: Any, other: Any) -> Tensor:
    return Fmax()(input, other)


def fmin(input: Any, other: Any) -> Tensor:
    return Fmin()(input, other)


def _bounds(min: Any, max: Any) -> tuple[Any, Any]:
    if min is None and max is None:
        raise ValueRangeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return min, max


def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:
    """Every element limited to [min, max]; the bounds may be numbers or tensors (broadcast)."""
    return Clamp()(input, *_bounds(min, max))


def clamp_min(input: Any, min: Any) -> Tensor:
    return Clamp()(input, min, None)


def clamp_max(input: Any, max: Any) -> Tensor:
    return Clamp()(input, None, max)


def where(condition: Any, input: Any = None, other: Any = None) -> Tensor | tuple[Tensor, ...]:
    """Elementwise choice: `input` where `condition` holds, else `other` (differentiable in both,
    promoted to their common dtype). With the condition alone: nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        from .ops_index import nonzero

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition and both input and other, or the condition alone")
    condition = np.asarray(data(condition))
    if condition.dtype != bool:
        raise DTypeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}"
        )
    return Where()(condition, input, other)


def atan2(input: Any, other: Any) -> Tensor:
    return Atan2()(input, other)


def hypot(input: Any, other: Any) -> Tensor:
    return Hypot()(input, other)


def copysign(input: Any, other: Any) -> Tensor:
    return Copysign()(input, other)


def logaddexp(input: Any, other: Any) -> Tensor:
    return Logaddexp()(input, other)


def logaddexp2(input: Any, other: Any) -> Tensor:
    return Logaddexp2()(input, other)


def xlogy(input: Any, other: Any) -> Tensor:
    return Xlogy()(input, other)


def fmod(input: Any, other: Any) -> Tensor:
    return Fmod()(input, other)


def remainder(input: Any, other: Any) -> Tensor:
    """input − other·⌊input/other⌋ (the % operator): the remainder takes the divisor's sign."""
    return Remainder()(input, other)


def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """input + weight·(end − input); weight a number or a tensor (broadcast)."""
    return Lerp()(input, end, weight)


# ----- in place ------------------------------------------------------------------------------
def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    return Clamp().inplace(input, *_bounds(min, max))


def clamp_min_(input: Tensor, min: Any) -> Tensor:
    return Clamp().inplace(input, min, None)


def clamp_max_(input: Tensor, max: Any) -> Tensor:
    return Clamp().inplace(input, None, max)


def atan2_(input: Tensor, other: Any) -> Tensor:
    return Atan2().inplace(input, other)


def hypot_(input: Tensor, other: Any) -> Tensor:
    return Hypot().inplace(input, other)


def copysign_(input: Tensor, other: Any) -> Tensor:
    return Copysign().inplace(input, other)


def xlogy_(input: Tensor, other: Any) -> Tensor:
    return Xlogy().inplace(input, other)


def fmod_(input: Tensor, other: Any) -> Tensor:
    return Fmod().inplace(input, other)


def remainder_(input: Tensor, other: Any) -> Tensor:
    return Remainder().inplace(input, other)


def lerp_(input: Tensor, end: Any, weight: Any) -> Tensor:
    return Lerp().inplace(input, end, weight)


# PyTorch's other spellings and the % operator
clip, clip_, arctan2, arctan2_ = clamp, clamp_, atan2, atan2_
__mod__, __imod__ = remainder, remainder_


def __rmod__(input: Tensor, other: Any) -> Tensor:
    return Remainder()(other, input)
