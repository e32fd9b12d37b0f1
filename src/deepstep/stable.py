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

__all__ = ["flush_subnormal", "log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax", "softplus"]

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
