"""Special functions as differentiable ops: ln Γ, ψ and ψ⁽ⁿ⁾, the multivariate ln Γ, I₀; the normal
distribution's Φ, Φ⁻¹ and ln Φ, the scaled erfc, the entropy term −x ln x and x·ln(1 + y) (the last
five as torch.special has them, through deepstep.special); and the integer and floating-point
functions gcd, lcm, heaviside, frexp, nextafter, which have no gradient (as in PyTorch).

The values come from the array routines of deepstep.special_gamma and deepstep.special (SciPy's when
installed); each derivative is again one of them: d ln Γ = ψ, dψ⁽ⁿ⁾ = ψ⁽ⁿ⁺¹⁾, dI₀ = I₁, dΦ = φ.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import special, special_gamma
from ..errors import DTypeError, ShapeError
from .dtypes import promote_arrays
from .function import refuse_complex
from .ops_math import OfInput, OfOutput
from .ops_matrix import compute_in_place
from .ops_reduce import sum as _sum
from .ops_shape import _as_tensor, unsqueeze
from .pointwise import Binary, float_operands, ieee, public_pair, refuse
from .tensor import Tensor

__all__ = [
    "digamma",
    "frexp",
    "gcd",
    "heaviside",
    "i0",
    "lcm",
    "lgamma",
    "mvlgamma",
    "nextafter",
    "polygamma",
]

TENSOR_METHODS = (
    *(name for name in __all__ if name != "frexp"),
    "frexp",
    *("digamma_", "gcd_", "heaviside_", "i0_", "lcm_", "lgamma_", "mvlgamma_", "nextafter_", "polygamma_"),
)

_INVERSE_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


class Lgamma(OfInput):
    """z = ln |Γ(a)|;   ∂z/∂a = ψ(a)."""

    f = staticmethod(special_gamma.gammaln)

    def derivative(self, a):
        return special_gamma.digamma(a)


class Polygamma(OfInput):
    """z = ψ⁽ⁿ⁾(a) (ψ = Γ′/Γ for n = 0);   ∂z/∂a = ψ⁽ⁿ⁺¹⁾(a)."""

    def __init__(self, n: int = 0) -> None:
        self.n = n

    def f(self, a):
        return special_gamma.polygamma(self.n, a)

    def derivative(self, a):
        return special_gamma.polygamma(self.n + 1, a)


class I0(OfInput):
    """z = I₀(a) = Σₖ (a/2)²ᵏ/(k!)²;   ∂z/∂a = I₁(a)."""

    real_only = "i0"
    f = staticmethod(special_gamma.i0)

    def derivative(self, a):
        return special_gamma.i1(a)


class Ndtr(OfInput):
    """z = Φ(a) = ½ erfc(−a/√2);   ∂z/∂a = φ(a) = e^(−a²/2)/√(2π)."""

    @staticmethod
    def f(a):
        return 0.5 * special.erfc(-a / np.asarray(math.sqrt(2), dtype=a.dtype))

    def derivative(self, a):
        return _INVERSE_SQRT_2PI * np.exp(-0.5 * a * a)


class Ndtri(OfOutput):
    """z = Φ⁻¹(a);   ∂z/∂a = 1/φ(z) = √(2π)·e^(z²/2)."""

    f = staticmethod(special_gamma.ndtri)

    def derivative(self, z):
        return np.exp(0.5 * z * z) / _INVERSE_SQRT_2PI


class LogNdtr(OfInput):
    """z = ln Φ(a);   ∂z/∂a = φ(a)/Φ(a) = e^(−a²/2 − z)/√(2π)."""

    f = staticmethod(special_gamma.log_ndtr)

    def derivative(self, a):
        return _INVERSE_SQRT_2PI * np.exp(-0.5 * a * a - special_gamma.log_ndtr(a))


class Erfcx(OfInput):
    """z = e^(a²)·erfc(a);   ∂z/∂a = 2a·z − 2/√π."""

    f = staticmethod(special_gamma.erfcx)

    def derivative(self, a):
        return 2 * a * special_gamma.erfcx(a) - 2 / math.sqrt(math.pi)


class Entr(OfInput):
    """z = −a·ln a (0 at a = 0, −inf for a < 0);   ∂z/∂a = −(1 + ln a)."""

    real_only = "entr"

    @staticmethod
    def f(a):
        return np.where(a > 0, -a * np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0.0, -np.inf)).astype(
            a.dtype
        )

    def derivative(self, a):
        return -(1 + np.log(a))


class Xlog1py(Binary):
    """z = a·ln(1 + b), 0 where a = 0 (unless b is NaN);   ∂z/∂a = ln(1 + b) (0 where a = 0),
    ∂z/∂b = a/(1 + b)."""

    symbol = "xlog1py"
    real_only = "xlog1py"
    promote = staticmethod(float_operands)

    @ieee
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.where((a == 0) & ~np.isnan(b), 0.0, a * np.log1p(b)).astype(a.dtype)

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        grad_a = np.where(a == 0, 0.0, g * np.log1p(b)) if self.needs_grad(0) else None
        return self.to_inputs(grad_a, g * a / (1 + b) if self.needs_grad(1) else None)


# ----- the public functions ----------------------------------------------------------------------------
lgamma, lgamma_ = public_pair(Lgamma, "lgamma")
digamma, digamma_ = public_pair(Polygamma, "digamma")
i0, i0_ = public_pair(I0, "i0")


def polygamma(n: int, input: Any) -> Tensor:
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function (n ≥ 0). Also Tensor.polygamma(n), whose
    tensor comes first: the two orders cannot be confused, n being an int."""
    if isinstance(n, Tensor) and not isinstance(input, Tensor):
        n, input = input, n
    if n < 0:
        raise ShapeError(f"polygamma(n, x) does not support negative n, got n = {n}")
    return Polygamma(int(n))(input)


def polygamma_(self: Tensor, n: int) -> Tensor:
    """polygamma(n, self) written into self (PyTorch's Tensor.polygamma_(n))."""
    return Polygamma(int(n)).inplace(self)


def mvlgamma(input: Any, p: int) -> Tensor:
    """The multivariate ln Γ: ln Γₚ(x) = p(p − 1)/4·ln π + Σⱼ₌₀ᵖ⁻¹ ln Γ(x − j/2)."""
    if p < 1:
        raise ShapeError("p has to be greater than or equal to 1")
    x = _as_tensor(input)
    if x.dtype.kind not in "fc":
        raise DTypeError(f"mvlgamma is not implemented for {x.dtype}: it needs a floating-point tensor")
    shifts = np.arange(p, dtype=x.dtype) / 2
    return _sum(lgamma(unsqueeze(x, -1) - shifts), -1) + p * (p - 1) / 4 * math.log(math.pi)


def mvlgamma_(self: Tensor, p: int) -> Tensor:
    """mvlgamma written into self."""
    return compute_in_place(self, lambda x: mvlgamma(x, p))


def entr(input: Any) -> Tensor:
    """−x·ln x elementwise (the terms of an entropy): 0 at 0, −inf below."""
    return Entr()(input)


def ndtr(input: Any) -> Tensor:
    """Φ(x), the standard normal CDF."""
    return Ndtr()(input)


def ndtri(input: Any) -> Tensor:
    """Φ⁻¹(p), the standard normal quantile."""
    return Ndtri()(input)


def log_ndtr(input: Any) -> Tensor:
    """ln Φ(x), finite far into the left tail."""
    return LogNdtr()(input)


def erfcx(input: Any) -> Tensor:
    """e^(x²)·erfc(x)."""
    return Erfcx()(input)


def xlog1py(input: Any, other: Any) -> Tensor:
    """x·ln(1 + y), 0 where x = 0."""
    return Xlog1py()(input, other)


# ----- integer and floating-point functions: no gradient ------------------------------------------------
def _integers(name: str, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = promote_arrays([_data(input), _data(other)])
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind not in "iu":
        raise refuse(f"{name}_cpu", a.dtype)
    return a, b


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def gcd(input: Any, other: Any) -> Tensor:
    """The greatest common divisor of integers, elementwise (≥ 0; gcd(0, 0) = 0)."""
    return Tensor(np.gcd(*_integers("gcd", input, other)))


def lcm(input: Any, other: Any) -> Tensor:
    """The least common multiple of integers, elementwise (≥ 0; 0 if either is 0)."""
    return Tensor(np.lcm(*_integers("lcm", input, other)))


def heaviside(input: Any, values: Any) -> Tensor:
    """The step: 0 where x < 0, 1 where x > 0, values where x = 0 (NaN counts as below, as in PyTorch)."""
    x, v = np.asarray(_data(input)), _data(values)
    refuse_complex("heaviside", x, v)
    v = np.asarray(v, dtype=x.dtype) if isinstance(v, (int, float)) else np.asarray(v)  # a number: x's dtype
    if x.dtype != v.dtype:
        raise DTypeError("heaviside is not yet implemented for tensors with different dtypes")
    return Tensor(np.where(x == 0, v, x > 0).astype(x.dtype))


def nextafter(input: Any, other: Any) -> Tensor:
    """The next floating-point number after x towards y."""
    a, b = promote_arrays([_data(input), _data(other)])
    a = np.asarray(a)
    if a.dtype.kind != "f":
        raise refuse("nextafter_cpu", a.dtype)
    return Tensor(np.nextafter(a, b))


class FrexpResult(NamedTuple):
    """torch.frexp's result: x = mantissa·2^exponent, 0.5 ≤ |mantissa| < 1."""

    mantissa: Tensor
    exponent: Tensor


def frexp(input: Any) -> FrexpResult:
    """(mantissa, exponent) with x = mantissa·2^exponent, |mantissa| in [0.5, 1) (exponent int32)."""
    x = np.asarray(_data(input))
    if x.dtype.kind != "f":
        raise DTypeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(x)
    return FrexpResult(Tensor(mantissa), Tensor(exponent.astype(np.int32)))


def _in_place(name: str, compute: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return compute_in_place(self, lambda x: compute(x, other))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{name[:-1]} written into self."
    return method


gcd_ = _in_place("gcd_", gcd)
lcm_ = _in_place("lcm_", lcm)
heaviside_ = _in_place("heaviside_", heaviside)
nextafter_ = _in_place("nextafter_", nextafter)


# ----- the incomplete gamma functions (ops_igamma), bound and exported through this module ----------
from . import ops_igamma  # noqa: E402

for _name in (*ops_igamma.__all__, *ops_igamma.TENSOR_METHODS):
    globals()[_name] = getattr(ops_igamma, _name)
__all__ += ops_igamma.__all__
TENSOR_METHODS += ops_igamma.TENSOR_METHODS
del _name
