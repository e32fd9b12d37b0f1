"""Special functions on arrays: the error function and its inverse.

erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt is what the exact GELU, the normal CDF Φ(x) = ½(1 + erf(x/√2))
and the probit model are made of. NumPy has no erf; SciPy's (a compiled Cephes routine) is used
when SciPy is installed, and the Python standard library's math.erf, element by element,
otherwise: both are exact to double precision, the second about 50 times slower.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["erf", "erfc", "erfinv"]

try:  # SciPy is optional: the fast path
    from scipy import special as _scipy_special
except ImportError:  # pragma: no cover - exercised by the tests through the fallbacks directly
    _scipy_special = None

_python_erf = np.frompyfunc(math.erf, 1, 1)
_python_erfc = np.frompyfunc(math.erfc, 1, 1)
_STANDARD_NORMAL = NormalDist()


def _inverse_erf_scalar(y: float) -> float:
    """erfinv(y) = Φ⁻¹((y + 1)/2) / √2, with Φ⁻¹ from the standard library (Wichura's AS241)."""
    if math.isnan(y) or not -1.0 <= y <= 1.0:
        return math.nan
    if y == 1.0:
        return math.inf
    if y == -1.0:
        return -math.inf
    return _STANDARD_NORMAL.inv_cdf((y + 1.0) / 2.0) / math.sqrt(2.0)


_python_erfinv = np.frompyfunc(_inverse_erf_scalar, 1, 1)


def _keep_float(result: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.asarray(result, dtype=x.dtype)


def erf(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt, in x's (floating) dtype."""
    x = np.asarray(x)
    if use_scipy and _scipy_special is not None:
        return _keep_float(_scipy_special.erf(x), x)
    return _keep_float(_python_erf(x.astype(np.float64)).astype(np.float64), x)


def erfc(x: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """erfc(x) = 1 − erf(x), computed directly so that it keeps its digits for large x."""
    x = np.asarray(x)
    if use_scipy and _scipy_special is not None:
        return _keep_float(_scipy_special.erfc(x), x)
    return _keep_float(_python_erfc(x.astype(np.float64)).astype(np.float64), x)


def erfinv(y: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """The inverse of erf on (−1, 1): erf(erfinv(y)) = y; ±inf at ±1, NaN outside [−1, 1]."""
    y = np.asarray(y)
    if use_scipy and _scipy_special is not None:
        return _keep_float(_scipy_special.erfinv(y), y)
    return _keep_float(_python_erfinv(y.astype(np.float64)).astype(np.float64), y)
