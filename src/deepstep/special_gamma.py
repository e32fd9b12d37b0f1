"""Special functions on arrays beyond the error function: ln Γ, the digamma and polygamma functions,
the modified Bessel functions I₀ and I₁, and the normal distribution's log-CDF, quantile and the
scaled erfc. deepstep.special exports them (and gives them a Tensor form).

SciPy's compiled routines are used when SciPy is installed; otherwise NumPy formulas:
  ln Γ: the standard library's math.lgamma, element by element;
  ψ⁽ⁿ⁾: the recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) − (−1)ⁿ n!/xⁿ⁺¹ up to x ≥ 10, then the asymptotic series
        of ψ (n = 0) or the Euler–Maclaurin sum of the Hurwitz zeta, ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹ n! ζ(n + 1, x);
        ψ of a negative x by the reflection ψ(1 − x) − π/tan(πx);
  I₀: numpy.i0;  I₁: its power series for |x| ≤ 25 and the asymptotic series above;
  Φ⁻¹: the standard library's NormalDist;  ln Φ and e^(x²)·erfc(x): erfc, and asymptotic series in
        the tails where erfc underflows.
All return x's floating dtype; PyTorch's values at the poles (ψ(0) = −inf, ln Γ(−inf) = inf).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from .special import _python_erfc, elementwise, float_like, scipy_or
from .special import scipy_special as _scipy_special

__all__ = [
    "digamma", "erfcx", "gammaln", "i0", "i1", "log_ndtr", "ndtri", "polygamma", "regularized_gamma_p",
]  # fmt: skip

# Bernoulli numbers B₂, B₄, …, B₁₆ for the asymptotic series
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_SHIFT = 10  # the recurrence moves x up to at least this, where the series are exact in double precision


# ----- the gamma family ---------------------------------------------------------------------------
def _lgamma_scalar(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:  # a pole (0, −1, −2, …)
        return math.inf


_python_lgamma = elementwise(_lgamma_scalar)


def gammaln(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """ln |Γ(x)|: inf at the poles 0, −1, −2, … and at ±inf."""
    x = np.asarray(x)
    out = scipy_or("gammaln", _python_lgamma, x, use_scipy)
    return float_like(np.where(np.isneginf(x), np.inf, out), x)


def _digamma_fallback(x: np.ndarray) -> np.ndarray:
    """ψ(x) by reflection for x < 0, the recurrence to x ≥ 10 and ψ(y) ~ ln y − 1/2y − Σ B₂ₖ/(2k·y²ᵏ)."""
    with np.errstate(all="ignore"):
        negative = x < 0
        y = np.where(negative, 1 - x, x)
        shift = np.zeros_like(y)
        for _ in range(_SHIFT):
            small = y < _SHIFT
            shift = shift - np.where(small, 1 / y, 0)
            y = np.where(small, y + 1, y)
        series = np.log(y) - 0.5 / y
        for k, b in enumerate(_BERNOULLI, start=1):
            series = series - b / (2 * k * y ** (2 * k))
        out = series + shift
        out = np.where(negative, out - math.pi / np.tan(math.pi * x), out)
        out = np.where((x <= 0) & (x == np.floor(x)), np.nan, out)  # poles at −1, −2, …
        out = np.where(x == 0, np.copysign(np.inf, -x), out)  # ψ(0) = −inf, ψ(−0) = inf
        return np.where(x == np.inf, np.inf, out)


def _hurwitz_zeta(s: float, x: np.ndarray) -> np.ndarray:
    """ζ(s, x) = Σₖ (x + k)⁻ˢ for x > 0: ten terms, then Euler–Maclaurin's tail."""
    with np.errstate(all="ignore"):
        total = sum((x + k) ** -s for k in range(_SHIFT))
        y = x + _SHIFT
        total = total + y ** (1 - s) / (s - 1) + 0.5 * y**-s
        rising, power = s, y ** (-s - 1)
        for j, b in enumerate(_BERNOULLI, start=1):
            total = total + b / math.factorial(2 * j) * rising * power
            rising *= (s + 2 * j - 1) * (s + 2 * j)
            power = power / (y * y)
        return total


def _polygamma_fallback(n: int, x: np.ndarray) -> np.ndarray:
    """ψ⁽ⁿ⁾(x), n ≥ 1: x moved above 0 by the recurrence, then (−1)ⁿ⁺¹ n! ζ(n + 1, x)."""
    sign, factorial = (-1.0) ** (n + 1), math.factorial(n)
    with np.errstate(all="ignore"):
        lowest = float(np.min(x[np.isfinite(x)], initial=0.0))
        steps = math.ceil(max(0.0, -lowest)) + 1
        y, correction = x.copy(), np.zeros_like(x)
        for _ in range(min(steps, 10_000)):  # ψ⁽ⁿ⁾(y) = ψ⁽ⁿ⁾(y + 1) + (−1)ⁿ⁺¹ n!/yⁿ⁺¹
            low = y <= 0
            correction = correction + np.where(low, sign * factorial / y ** (n + 1), 0)
            y = np.where(low, y + 1, y)
        out = sign * factorial * _hurwitz_zeta(n + 1, y) + correction
        out = np.where((x <= 0) & (x == np.floor(x)), np.inf if n % 2 else -np.inf, out)
        return np.where(np.isposinf(x), 0.0, np.where(np.isneginf(x), np.nan, out))


def digamma(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """ψ(x) = d ln Γ(x)/dx: −inf at 0, NaN at the negative integers."""
    x = np.asarray(x)
    return polygamma(0, x, use_scipy)


def polygamma(n: int, x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """ψ⁽ⁿ⁾(x) = dⁿψ(x)/dxⁿ, the (n + 1)-th derivative of ln Γ (n ≥ 0)."""
    if n == 0:
        return scipy_or("psi", _digamma_fallback, x, use_scipy)
    return scipy_or("polygamma", _polygamma_fallback, x, use_scipy, n)


# ----- the modified Bessel functions ------------------------------------------------------------------
def i0(x: np.ndarray) -> np.ndarray:
    """I₀(x) = Σₖ (x/2)²ᵏ/(k!)², the modified Bessel function of order 0 (numpy.i0)."""
    x = np.asarray(x)
    return float_like(np.i0(x.astype(np.float64, copy=False)), x)


def _i1_fallback(x: np.ndarray) -> np.ndarray:
    magnitude = np.abs(x)
    with np.errstate(all="ignore"):
        half = magnitude[..., None] / 2
        k = np.arange(80)
        log_terms = (2 * k + 1) * np.log(np.where(half > 0, half, 1)) - np.cumsum(np.log(np.maximum(k, 1)))
        log_terms = log_terms - np.cumsum(np.log(k + 1))  # − ln k! − ln (k + 1)!
        series = np.where(magnitude > 0, np.exp(log_terms).sum(axis=-1), 0.0)
        # I₁(x) ~ eˣ/√(2πx)·Σₖ (−1)ᵏ aₖ/xᵏ with aₖ = Πⱼ₌₁ᵏ (4 − (2j − 1)²)/(8j)
        term, total = np.ones_like(magnitude), np.ones_like(magnitude)
        for j in range(1, 12):
            term = term * -(4 - (2 * j - 1) ** 2) / (8 * j * magnitude)
            total = total + term
        asymptotic = np.exp(magnitude) / np.sqrt(2 * math.pi * magnitude) * total
        return np.sign(x) * np.where(magnitude <= 25, series, asymptotic)


def i1(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """I₁(x) = Σₖ (x/2)²ᵏ⁺¹/(k!(k + 1)!) = I₀′(x), the modified Bessel function of order 1."""
    return scipy_or("i1", _i1_fallback, x, use_scipy)


# ----- the normal distribution ---------------------------------------------------------------------------
_STANDARD_NORMAL = NormalDist()


def _ndtri_scalar(p: float) -> float:
    if math.isnan(p) or not 0.0 <= p <= 1.0:
        return math.nan
    if p in (0.0, 1.0):
        return math.copysign(math.inf, p - 0.5)
    return _STANDARD_NORMAL.inv_cdf(p)


_python_ndtri = elementwise(_ndtri_scalar)


def ndtri(p: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """Φ⁻¹(p), the standard normal quantile: Φ(ndtri(p)) = p; ±inf at 1 and 0, NaN outside [0, 1]."""
    return scipy_or("ndtri", _python_ndtri, p, use_scipy)


def _log_ndtr_fallback(v: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        # ln Φ(x) = ln(½ erfc(−x/√2)), or ln(1 − ½ erfc(x/√2)) for x > 0, where Φ(x) is near 1
        direct = np.where(
            v > 0,
            np.log1p(-0.5 * _python_erfc(v / math.sqrt(2))),
            np.log(0.5 * _python_erfc(-v / math.sqrt(2))),
        )
        # ln Φ(x) ~ −x²/2 − ln(−x) − ½ ln 2π + ln(1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸)
        z = 1 / (v * v)
        tail = (
            -0.5 * v * v
            - np.log(-v)
            - 0.5 * math.log(2 * math.pi)
            + np.log1p(z * (-1 + z * (3 + z * (-15 + 105 * z))))
        )
        return np.where(v < -35, tail, direct)


def log_ndtr(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """ln Φ(x), finite far into the left tail (where Φ itself underflows)."""
    return scipy_or("log_ndtr", _log_ndtr_fallback, x, use_scipy)


def _erfcx_fallback(v: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        direct = np.exp(v * v) * _python_erfc(v)
        z = 1 / (2 * v * v)  # e^(x²)erfc(x) ~ 1/(x√π)·(1 − z + 3z² − 15z³ + 105z⁴)
        tail = (1 + z * (-1 + z * (3 + z * (-15 + 105 * z)))) / (v * math.sqrt(math.pi))
        return np.where(v > 25, tail, direct)


def erfcx(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """e^(x²)·erfc(x), which stays finite for large x (where erfc underflows): ~ 1/(x√π)."""
    return scipy_or("erfcx", _erfcx_fallback, x, use_scipy)


# ----- the regularised incomplete gamma function P(α, x) = γ(α, x)/Γ(α) -------------------------
_EPS = np.finfo(np.float64).eps
_MAX_TERMS = 1_000_000  # the series needs about x − α + 10√x terms


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(α, x) = e⁻ˣ xᵅ/Γ(α+1) Σₙ rₙ (rₙ = rₙ₋₁·x/(α+n), r₀ = 1); converges fast for x < α + 1."""
    total, term, n = np.ones_like(x), np.ones_like(x), 0
    while n < _MAX_TERMS:
        n += 1
        term = term * x / (a + n)
        total = total + term
        if np.all(term <= _EPS * total):
            break
    return np.exp(a * np.log(x) - x - gammaln(a + 1)) * total


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(α, x) = 1 − P(α, x) by its continued fraction (modified Lentz); converges fast for x > α + 1."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full_like(x, 1 / tiny)
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1) <= _EPS):
            break
    return np.exp(a * np.log(x) - x - gammaln(a)) * h


def regularized_gamma_p(a: Any, x: Any) -> np.ndarray:
    """P(α, x) = γ(α, x)/Γ(α), the cdf of Gamma(α, 1): SciPy's gammainc when SciPy is installed, else
    the series below α + 1 and the continued fraction above it (Numerical Recipes' split)."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    scipy_special = _scipy_special()
    if scipy_special is not None:
        return scipy_special.gammainc(a, x)
    out = np.full(a.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        zero, infinite = (x == 0) & (a > 0), np.isposinf(x) & (a > 0)
        regular = (x > 0) & np.isfinite(x) & (a > 0)
        low = regular & (x < a + 1)
        high = regular & ~low
        out[zero], out[infinite] = 0.0, 1.0
        if low.any():
            out[low] = _lower_series(a[low], x[low])
        if high.any():
            out[high] = 1 - _upper_fraction(a[high], x[high])
    return out
