"""Elementwise functions of one variable beyond the first ones: powers, roots and logarithms,
trigonometric and hyperbolic functions and the error function, each with its derivative beside it.
Rounding, sign and nan_to_num, flat almost everywhere, live in ops_rounding.py and are exported
from here. (The binary math, atan2 to xlogy, is in ops_binary.)

A float function gives integer and bool inputs the default float dtype, as in PyTorch; rounding
keeps integers integers. At the edge of a domain (ln 0, √−1, artanh 1) the result is ±inf or nan,
silently, as in PyTorch (`ieee`). Each function has its in-place twin (`tan_`…).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import special
from . import ops_rounding
from .dtypes import float_input
from .function import Function
from .ops_rounding import *  # noqa: F403
from .pointwise import ieee, public_pair

__all__ = [
    "acos",
    "acosh",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cosh",
    "deg2rad",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "rad2deg",
    "reciprocal",
    "rsqrt",
    "sinc",
    "sinh",
    "square",
    "tan",
]

TENSOR_METHODS = (*__all__, *(name + "_" for name in __all__))
__all__ += ops_rounding.__all__  # (exported from here with the rest of the family; bound from there)

_LN2, _LN10 = math.log(2), math.log(10)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class OfInput(Function):
    """z = f(a) for floats, ∂z/∂a = f'(a) from the input: a subclass sets f and writes
    `derivative(a)`."""

    holomorphic = True
    promote = staticmethod(float_input)
    f: Callable[[np.ndarray], np.ndarray]

    @ieee
    def forward(self, a):
        self.a = a
        return self.f(a)

    @ieee
    def backward(self, g):
        return (g * self.derivative(self.a),)

    def derivative(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class OfOutput(Function):
    """z = f(a) for floats, ∂z/∂a from the output z (the input is not kept): a subclass sets f and
    writes `derivative(z)`."""

    holomorphic = True
    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True
    f: Callable[[np.ndarray], np.ndarray]

    @ieee
    def forward(self, a):
        self.z = self.f(a)
        return self.z

    @ieee
    def backward(self, g):
        return (g * self.derivative(self.z),)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError


# ----- powers, roots and logarithms ---------------------------------------------------------
def _square_input(arrays: list[Any]) -> list[Any]:
    """square is pow(a, 2) in PyTorch: integers stay integers, bools become int64."""
    return [arrays[0].astype(np.int64) if arrays[0].dtype == bool else arrays[0]]


class Square(OfInput):
    """z = a²;   ∂z/∂a = 2a."""

    promote = staticmethod(_square_input)
    f = staticmethod(np.square)

    def derivative(self, a):
        return 2 * a


class Reciprocal(OfOutput):
    """z = 1/a;   ∂z/∂a = −1/a² = −z²."""

    f = staticmethod(np.reciprocal)

    def derivative(self, z):
        return -(z * z)


class Rsqrt(OfOutput):
    """z = 1/√a;   ∂z/∂a = −½ a^(−3/2) = −½ z³."""

    f = staticmethod(lambda a: 1 / np.sqrt(a))

    def derivative(self, z):
        return -0.5 * z**3


class Exp2(OfOutput):
    """z = 2ᵃ;   ∂z/∂a = 2ᵃ ln 2 = z ln 2."""

    f = staticmethod(np.exp2)

    def derivative(self, z):
        return z * _LN2


class Expm1(OfOutput):
    """z = eᵃ − 1 (exact for small a);   ∂z/∂a = eᵃ = z + 1."""

    f = staticmethod(np.expm1)

    def derivative(self, z):
        return z + 1


class Log2(OfInput):
    """z = log₂ a;   ∂z/∂a = 1/(a ln 2)."""

    f = staticmethod(np.log2)

    def derivative(self, a):
        return 1 / (a * _LN2)


class Log10(OfInput):
    """z = log₁₀ a;   ∂z/∂a = 1/(a ln 10)."""

    f = staticmethod(np.log10)

    def derivative(self, a):
        return 1 / (a * _LN10)


class Log1p(OfInput):
    """z = ln(1 + a) (exact for small a);   ∂z/∂a = 1/(1 + a)."""

    f = staticmethod(np.log1p)

    def derivative(self, a):
        return 1 / (1 + a)


# ----- trigonometric and hyperbolic functions -----------------------------------------------
class Tan(OfOutput):
    """z = tan a;   ∂z/∂a = 1 + tan² a = 1 + z²."""

    f = staticmethod(np.tan)

    def derivative(self, z):
        return 1 + z * z


class Asin(OfInput):
    """z = arcsin a;   ∂z/∂a = 1/√(1 − a²)."""

    f = staticmethod(np.arcsin)

    def derivative(self, a):
        return 1 / np.sqrt(1 - a * a)


class Acos(OfInput):
    """z = arccos a;   ∂z/∂a = −1/√(1 − a²)."""

    f = staticmethod(np.arccos)

    def derivative(self, a):
        return -1 / np.sqrt(1 - a * a)


class Atan(OfInput):
    """z = arctan a;   ∂z/∂a = 1/(1 + a²)."""

    f = staticmethod(np.arctan)

    def derivative(self, a):
        return 1 / (1 + a * a)


class Sinh(OfInput):
    """z = sinh a;   ∂z/∂a = cosh a."""

    f = staticmethod(np.sinh)

    def derivative(self, a):
        return np.cosh(a)


class Cosh(OfInput):
    """z = cosh a;   ∂z/∂a = sinh a."""

    f = staticmethod(np.cosh)

    def derivative(self, a):
        return np.sinh(a)


class Asinh(OfInput):
    """z = arsinh a = ln(a + √(a² + 1));   ∂z/∂a = 1/√(a² + 1)."""

    f = staticmethod(np.arcsinh)

    def derivative(self, a):
        return 1 / np.sqrt(a * a + 1)


class Acosh(OfInput):
    """z = arcosh a = ln(a + √(a² − 1));   ∂z/∂a = 1/√(a² − 1)."""

    f = staticmethod(np.arccosh)

    def derivative(self, a):
        return 1 / np.sqrt(a * a - 1)


class Atanh(OfInput):
    """z = artanh a = ½ ln((1 + a)/(1 − a));   ∂z/∂a = 1/(1 − a²)."""

    f = staticmethod(np.arctanh)

    def derivative(self, a):
        return 1 / (1 - a * a)


class Sinc(OfInput):
    """z = sin(πa)/(πa), 1 at a = 0;   ∂z/∂a = (cos(πa) − z)/a, 0 at a = 0."""

    f = staticmethod(np.sinc)

    def derivative(self, a):
        return np.where(a == 0, 0.0, (np.cos(math.pi * a) - np.sinc(a)) / a)


class Deg2rad(OfOutput):
    """z = a·π/180;   ∂z/∂a = π/180."""

    real_only = "deg2rad"
    saves_output = False
    f = staticmethod(np.deg2rad)

    def derivative(self, z):
        return math.pi / 180


class Rad2deg(OfOutput):
    """z = a·180/π;   ∂z/∂a = 180/π."""

    real_only = "rad2deg"
    saves_output = False
    f = staticmethod(np.rad2deg)

    def derivative(self, z):
        return 180 / math.pi


# ----- the error function ----------------------------------------------------------------
class Erf(OfInput):
    """z = erf a = (2/√π) ∫₀ᵃ e^(−t²) dt;   ∂z/∂a = (2/√π) e^(−a²)."""

    f = staticmethod(special.erf)

    def derivative(self, a):
        return _TWO_OVER_SQRT_PI * np.exp(-a * a)


class Erfc(OfInput):
    """z = erfc a = 1 − erf a;   ∂z/∂a = −(2/√π) e^(−a²)."""

    f = staticmethod(special.erfc)

    def derivative(self, a):
        return -_TWO_OVER_SQRT_PI * np.exp(-a * a)


class Erfinv(OfOutput):
    """z = erf⁻¹ a;   ∂z/∂a = 1/erf'(z) = (√π/2) e^(z²)."""

    f = staticmethod(special.erfinv)

    def derivative(self, z):
        return (math.sqrt(math.pi) / 2) * np.exp(z * z)


# ----- the public functions (also bound as Tensor methods) and their in-place twins ------------
square, square_ = public_pair(Square, "square")
reciprocal, reciprocal_ = public_pair(Reciprocal, "reciprocal")
rsqrt, rsqrt_ = public_pair(Rsqrt, "rsqrt")
exp2, exp2_ = public_pair(Exp2, "exp2")
expm1, expm1_ = public_pair(Expm1, "expm1")
log2, log2_ = public_pair(Log2, "log2")
log10, log10_ = public_pair(Log10, "log10")
log1p, log1p_ = public_pair(Log1p, "log1p")
tan, tan_ = public_pair(Tan, "tan")
asin, asin_ = public_pair(Asin, "asin")
acos, acos_ = public_pair(Acos, "acos")
atan, atan_ = public_pair(Atan, "atan")
sinh, sinh_ = public_pair(Sinh, "sinh")
cosh, cosh_ = public_pair(Cosh, "cosh")
asinh, asinh_ = public_pair(Asinh, "asinh")
acosh, acosh_ = public_pair(Acosh, "acosh")
atanh, atanh_ = public_pair(Atanh, "atanh")
sinc, sinc_ = public_pair(Sinc, "sinc")
deg2rad, deg2rad_ = public_pair(Deg2rad, "deg2rad")
rad2deg, rad2deg_ = public_pair(Rad2deg, "rad2deg")
erf, erf_ = public_pair(Erf, "erf")
erfc, erfc_ = public_pair(Erfc, "erfc")
erfinv, erfinv_ = public_pair(Erfinv, "erfinv")


# PyTorch's other spellings (NumPy's names)
arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = asin, asin_, acos, acos_, atan, atan_
arcsinh, arcsinh_, arccosh, arccosh_, arctanh, arctanh_ = asinh, asinh_, acosh, acosh_, atanh, atanh_
