"""The numerically stable formulas on arrays, each written once: every layer that needs one (autograd's
ops, functional's losses, the linear models, word2vec) imports it from here.

The trick is always the same: never exponentiate a large positive number. σ and softplus are
written with e^(−|x|) ≤ 1; log-sum-exp and log-softmax subtract the maximum first. Each gives
PyTorch's answer on the edges (tested against torch and SciPy in tests/test_stable.py):

- a row of −inf: logsumexp is −inf, log_softmax and softmax are NaN (−inf − (−inf));
- ±inf: σ(∞) = 1, σ(−∞) = 0, softplus(∞) = ∞, softplus(−∞) = 0, log σ(−∞) = −∞;
- NaN stays NaN; |x| = 1e4 stays finite where the exact answer is (softplus(1e4) = 1e4,
  log σ(−1e4) = −1e4).

NumPy only, no Tensors: this module sits on the ground floor, beside the backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    *("flush_subnormal", "log_sigmoid", "log_softmax", "logaddexp", "logcumsumexp", "logsumexp"),
    *("sigmoid", "softmax", "softplus"),
]

Axis = int | tuple[int, ...] | None


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ), written with e^(−|x|) ≤ 1 so that nothing overflows: (1 or e)/(1 + e).
    (For complex x, |x| would break σ's analyticity: 1/(1 + e⁻ˣ) as written, as PyTorch computes it.)"""
    if x.dtype.kind == "c":
        with np.errstate(over="ignore", invalid="ignore"):
            return 1 / (1 + np.exp(-x))
    e = np.asarray(np.exp(-np.abs(x)))  # (an array even for a 0-d x, to be written into)
    numerator = np.where(x >= 0, 1, e)  # one division for both signs, into fresh arrays (3 passes fewer)
    return np.divide(numerator, np.add(e, 1, out=e), out=numerator).astype(x.dtype, copy=False)


def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^(−|x|)), which never overflows."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """ln σ(x) = −softplus(−x): the log-likelihood of a logit, never ln of a rounded-off 0."""
    return -softplus(-x)


def logsumexp(x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    """ln Σ eˣ = m + ln Σ e^(x − m), m = max x: the log-sum-exp trick.

    An empty axis or a row of −inf gives −inf; a row holding +inf gives +inf (m is then taken as 0,
    so that no inf − inf appears)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        peak = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        peak = np.where(np.isfinite(peak), peak, 0)
        z = peak + np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True))
    return z if keepdims else np.squeeze(z, axis=axis)


def logaddexp(x: Any, y: Any) -> np.ndarray:
    """ln(eˣ + eʸ) = M + ln(1 + e^(m − M)), M the larger operand: NumPy's for reals. NumPy has none for
    complex numbers; PyTorch's, here, takes M as the operand of larger real part (y on ties), gives NaN
    if either has a NaN, the smaller where both real parts are −inf and ln(eˣ + eʸ) where both are +inf."""
    if np.result_type(x, y).kind != "c":
        return np.logaddexp(x, y)
    x, y = np.broadcast_arrays(x, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        x_lower = x.real < y.real
        low, high = np.where(x_lower, x, y), np.where(x_lower, y, x)
        z = np.log1p(np.exp(low - high)) + high
        infinite = ~np.isfinite(low.real) & (low.real == high.real)
        if infinite.any():
            z = np.where(infinite, np.where(low.real < 0, low, np.log(np.exp(low) + np.exp(high))), z)
    return np.where(np.isnan(x) | np.isnan(y), np.array(complex(np.nan, np.nan), z.dtype), z)


def logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    """ln Σ_{j ≤ i} e^(xⱼ) along axis, a running logaddexp (NumPy's accumulate for reals). For complex
    x, PyTorch's scan, zᵢ = logaddexp(xᵢ, zᵢ₋₁), one step per position (each over the other dims): its
    imaginary parts are not wrapped into (−π, π] as ln of the sum would be."""
    if x.dtype.kind != "c":
        return np.logaddexp.accumulate(x, axis=axis)
    z = np.moveaxis(x.copy(), axis, 0)
    for i in range(1, z.shape[0]):
        z[i] = logaddexp(z[i], z[i - 1])
    return np.moveaxis(z, 0, axis)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """ln softmax(x) = (x − m) − ln Σ e^(x − m), m = max x: the one log-softmax every cross-entropy
    in deepstep goes through. A row of −inf (or one holding +inf) gives NaN, as in PyTorch."""
    with np.errstate(invalid="ignore", divide="ignore"):  # (an empty row sums to 0)
        shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)ᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m): exp of the stable log-softmax."""
    return np.exp(log_softmax(x, axis))


def flush_subnormal(a: Any) -> Any:
    """Set the values below the smallest normal float to 0, in place (and return the array).

    Arithmetic with subnormal operands runs many times slower on x86, and such values carry no
    information here: Adam's moments decaying geometrically (m ← βm) towards 0, probabilities of
    1e-40, weights that L-BFGS left at 1e-45 instead of 0."""
    if a.dtype.kind == "f":
        np.copyto(a, 0, where=np.abs(a) < np.finfo(a.dtype).tiny)
    return a
