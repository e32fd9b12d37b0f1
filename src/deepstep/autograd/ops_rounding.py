"""Elementwise functions that are flat almost everywhere, so their gradient is 0 (as PyTorch defines
it): floor, ceil, trunc (fix), round, sign and sgn; with frac (gradient 1) and nan_to_num (1 where
the input is finite). Rounding keeps integers integers. Exported through ops_math, each with its
in-place twin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DTypeNotImplementedError
from .function import Function
from .pointwise import ieee, public_pair, refuse, sign_of, zero_grads
from .tensor import Tensor

__all__ = ["ceil", "fix", "floor", "frac", "nan_to_num", "round", "sgn", "sign", "trunc"]

TENSOR_METHODS = (*__all__, *(name + "_" for name in __all__))


# ----- rounding: flat almost everywhere, so the gradient is 0 (as PyTorch defines it) -----------
class Rounding(Function):
    """z = a rounded to a whole number by `whole` (integers pass unchanged; PyTorch refuses bools);
    ∂z/∂a = 0."""

    saved_inputs = ()
    op_name = real_only = "round"  # complex numbers are not rounded in PyTorch
    whole: Callable[[np.ndarray], np.ndarray] = staticmethod(np.round)

    def forward(self, a):
        if a.dtype == bool:
            raise refuse(self.op_name, a.dtype)
        return a.copy() if a.dtype.kind in "iu" else self.whole(a)

    def backward(self, g):
        return zero_grads(self, g)


class Floor(Rounding):
    """z = ⌊a⌋;   ∂z/∂a = 0."""

    op_name, whole = "floor", staticmethod(np.floor)
    real_only = "floor"


class Ceil(Rounding):
    """z = ⌈a⌉;   ∂z/∂a = 0."""

    op_name, whole = "ceil", staticmethod(np.ceil)
    real_only = "ceil"


class Trunc(Rounding):
    """z = a rounded towards 0;   ∂z/∂a = 0."""

    op_name, whole = "trunc", staticmethod(np.trunc)
    real_only = "trunc"


class Round(Rounding):
    """z = a rounded to `decimals` digits, halves to even (as NumPy and PyTorch);   ∂z/∂a = 0."""

    def __init__(self, decimals: int = 0) -> None:
        self.decimals = decimals

    def forward(self, a):
        if self.decimals and a.dtype.kind in "biu":
            raise refuse("round", a.dtype)
        return super().forward(a)

    @ieee
    def whole(self, a):
        if a.dtype == np.float16:  # PyTorch rounds halves in float32, then casts back
            return self.whole(a.astype(np.float32)).astype(np.float16)
        if not self.decimals:
            return np.round(a)
        # PyTorch's recipe, with 10^|d| in a's dtype: round(a·10^d)/10^d, or round(a/10^−d)·10^−d
        scale = np.asarray(10.0 ** abs(self.decimals), dtype=a.dtype)
        return np.round(a * scale) / scale if self.decimals > 0 else np.round(a / scale) * scale


class Frac(Function):
    """z = a − trunc(a), the fractional part, with a's sign;   ∂z/∂a = 1."""

    saved_inputs = ()
    real_only = "frac"

    @ieee
    def forward(self, a):
        if a.dtype.kind in "biu":
            raise refuse("frac", a.dtype)
        return a - np.trunc(a)

    def backward(self, g):
        return (g,)


class Sign(Function):
    """z = −1, 0 or 1 by the sign of a (0 for nan, as PyTorch; bools stay bools);   ∂z/∂a = 0."""

    saved_inputs = ()

    def forward(self, a):
        if a.dtype.kind == "c":
            raise DTypeNotImplementedError(
                "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                "torch.sgn instead."
            )
        return a.copy() if a.dtype == bool else sign_of(a)

    def backward(self, g):
        return zero_grads(self, g)


class Sgn(Sign):
    """z = a/|a| for complex a (0 at a = 0), sign a for reals (∂z/∂a = 0). Not holomorphic
    (∂z/∂a = 1/2|a|, ∂z/∂ā = −z²/2|a|): ∂L/∂a = (g − z²·ḡ)/2|a| = i·z·Im(z̄·g)/|a|, 0 at a = 0."""

    saved_inputs = None
    a: np.ndarray | None = None

    def forward(self, a):
        if a.dtype.kind != "c":
            return super().forward(a)
        self.a, self.z = a, sign_of(a)
        return self.z

    def backward(self, g):
        if self.a is None:
            return zero_grads(self, g)
        magnitude = np.abs(self.a)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = (1j * self.z) * (np.conj(self.z) * g).imag / magnitude
        return (np.where(magnitude == 0, 0, grad).astype(self.a.dtype, copy=False),)


class NanToNum(Function):
    """z = a with nan, +inf, −inf replaced (by default by 0 and the dtype's largest and smallest
    finite values);   ∂z/∂a = 1 where a is finite, else 0."""

    def __init__(self, nan: float | None, posinf: float | None, neginf: float | None) -> None:
        self.nan = 0.0 if nan is None else nan
        self.posinf, self.neginf = posinf, neginf

    @ieee
    def forward(self, a):
        self.a = a
        return np.nan_to_num(a, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, g):
        return (np.where(np.isfinite(self.a), g, 0.0),)


# ----- the public functions and their in-place twins --------------------------------------------
floor, floor_ = public_pair(Floor, "floor")
ceil, ceil_ = public_pair(Ceil, "ceil")
trunc, trunc_ = public_pair(Trunc, "trunc")
frac, frac_ = public_pair(Frac, "frac")
sign, sign_ = public_pair(Sign, "sign")
sgn, sgn_ = public_pair(Sgn, "sgn")


def round(input: Any, *, decimals: int = 0) -> Tensor:
    """input rounded to `decimals` digits (negative: to tens, hundreds…), halves to even."""
    return Round(decimals)(input)


def round_(input: Tensor, *, decimals: int = 0) -> Tensor:
    return Round(decimals).inplace(input)


def nan_to_num(
    input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """nan, +inf and −inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's
    largest and smallest finite values)."""
    return NanToNum(nan, posinf, neginf)(input)


def nan_to_num_(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    return NanToNum(nan, posinf, neginf).inplace(input)


fix, fix_ = trunc, trunc_  # NumPy's name
