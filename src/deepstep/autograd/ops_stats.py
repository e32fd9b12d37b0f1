"""Statistics of samples: covariance and correlation, quantiles, the mode; differences and the
trapezoid rule. (Counting, binning and searching, which have no gradient, are in ops_count.)

All but the mode are compositions of differentiable ops, written to follow PyTorch's own formulas
step for step, so that values, gradients and dtypes are PyTorch's: a quantile is a sorted slice read
at rank q·(n − 1) and interpolated (its gradient goes back through the interpolation and the sort to
the one or two elements it read); a covariance is a weighted product of centred rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError, ValueRangeError
from .dims import normalize_dim, pick_dim, pick_keepdim
from .dtypes import float_type
from .ops_binary import clamp, lerp
from .ops_elementwise import matmul, sqrt
from .ops_identity import complex as complex_from
from .ops_identity import imag_part, real_part
from .ops_linalg import diagonal
from .ops_order import OrderStatistic
from .ops_reduce import sum as _sum
from .ops_scan import cumsum, sort
from .ops_scatter import take_along_dim
from .ops_shape import _as_tensor, cast, cat, flatten, movedim, narrow, reshape, squeeze
from .reduction import ValuesIndices
from .tensor import Tensor

__all__ = [
    "corrcoef",
    "cov",
    "cumulative_trapezoid",
    "diff",
    "mode",
    "nanquantile",
    "quantile",
    "trapezoid",
    "trapz",
]

TENSOR_METHODS = ("corrcoef", "cov", "diff", "mode", "nanquantile", "quantile")


# ----- covariance and correlation ------------------------------------------------------------------
def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
    """The covariance of the rows of input (variables × observations; one variable for a vector):
    C = (X − x̄)·diag(w)·(X − x̄)ᵀ / (Σw − correction·Σ(w·a)/Σw), with w = fweights·aweights and
    x̄ the w-weighted mean (a = aweights; without them the denominator is Σw − correction)."""
    x = _as_tensor(input)
    if x.ndim > 2:
        raise ShapeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} dimensions"
        )
    vector = x.ndim < 2
    if vector:
        x = reshape(x, (1, -1))
    x = cast(x, float_type(x.dtype))
    observations = x.shape[1]
    weights = None
    for name, w, integral in (("fweights", fweights, True), ("aweights", aweights, False)):
        if w is None:
            continue
        w = w.data if isinstance(w, Tensor) else np.asarray(w)
        if w.ndim > 1:
            raise ShapeError(
                f"cov(): expected {name} to have one or fewer dimensions but got {name} with {w.ndim} "
                "dimensions"
            )
        if w.size != observations:
            raise ShapeError(
                f"cov(): expected {name} to have the same numel as there are observations in the input but "
                f"got {w.size} != {observations}"
            )
        if integral and w.dtype.kind not in "iu":
            raise DTypeError(
                f"cov(): expected fweights to have integral dtype but got fweights with {w.dtype} dtype"
            )
        if not integral and w.dtype.kind != "f":
            raise DTypeError(
                f"cov(): expected aweights to have floating point dtype but got aweights with {w.dtype} dtype"
            )
        if (w < 0).any():
            raise ValueRangeError(f"cov(): {name} cannot be negative")
        weights = w if weights is None else weights * w
    if weights is None:
        total = observations
        mean = _sum(x, 1, keepdim=True) / total
        denominator = total - correction
    else:
        weights = weights.astype(x.dtype)
        total = weights.sum()
        mean = _sum(x * weights, 1, keepdim=True) / total
        if aweights is None or correction == 0:
            denominator = total - correction
        else:
            a = (aweights.data if isinstance(aweights, Tensor) else np.asarray(aweights)).astype(x.dtype)
            denominator = total - correction * (weights * a).sum() / total
    centred = x - mean
    spread = centred if weights is None else centred * weights
    denominator = max(float(denominator), 0.0)  # PyTorch's clamp: a zero denominator gives inf or nan
    with np.errstate(divide="ignore", invalid="ignore"):
        c = matmul(spread, centred.mH) / np.asarray(denominator, dtype=x.dtype)
    return squeeze(c) if vector else c


def corrcoef(input: Any) -> Tensor:
    """Pearson's correlation of the rows: Rᵢⱼ = Cᵢⱼ / √(Cᵢᵢ·Cⱼⱼ) of C = cov(input), clipped to [−1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    deviation = sqrt(diagonal(c))
    r = c / reshape(deviation, (-1, 1)) / deviation
    if r.dtype.kind == "c":  # complex numbers have no order: PyTorch clips the two parts apart
        return complex_from(clamp(real_part(r), -1, 1), clamp(imag_part(r), -1, 1))
    return clamp(r, -1, 1)


# ----- quantiles -------------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(
    name: str, input: Any, q: Any, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool
) -> Tensor:
    """Each slice sorted (NaN last), read at rank r = q·(n − 1) (n counting the non-NaN values for
    nanquantile; a slice with NaN reads its last element, NaN, for quantile), between the neighbours
    ⌊r⌋ and ⌈r⌉ by the interpolation; q's dim, if q is a vector, comes first."""
    x = _as_tensor(input)
    if x.dtype.kind != "f":
        raise DTypeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor) and q.dtype != x.dtype:
        raise DTypeError(f"{name}() q tensor must be same dtype as the input tensor")
    qs = np.asarray(q.data if isinstance(q, Tensor) else q, dtype=x.dtype)
    if qs.ndim > 1:
        raise ShapeError(f"{name}() q must be a scalar or 1D tensor")
    if ((qs < 0) | (qs > 1)).any():
        raise ValueRangeError(
            f"{name}() q must be in the range [0, 1] but got {qs.min() if (qs < 0).any() else qs.max()}"
        )
    if interpolation not in _INTERPOLATIONS:
        raise ValueRangeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but got "
            f"{interpolation}"
        )
    if x.data.size == 0:
        raise ShapeError(f"{name}() input tensor must be non-empty")
    shape = x.shape
    if dim is None:
        lines, d = flatten(x), 0
    else:
        d = normalize_dim(dim, x.ndim)
        lines = reshape(x, (1,)) if x.ndim == 0 else x
    ordered = movedim(sort(lines, d).values, d, -1)  # (…, n), NaN last
    data, n = ordered.data, ordered.shape[-1]
    if ignore_nan:
        count = (~np.isnan(data)).sum(axis=-1, keepdims=True)
        ranks = np.maximum(qs.reshape(-1) * (count - 1).astype(x.dtype), 0)
    else:
        ranks = np.broadcast_to(qs.reshape(-1) * x.dtype.type(n - 1), (*data.shape[:-1], qs.size))
        ranks = np.where(np.isnan(data[..., -1:]), x.dtype.type(n - 1), ranks)
    if interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as PyTorch's round
    below = np.floor(ranks) if interpolation != "higher" else np.ceil(ranks)
    out = take_along_dim(ordered, below.astype(np.int64), -1)
    if interpolation in ("linear", "midpoint"):
        above = take_along_dim(ordered, np.ceil(ranks).astype(np.int64), -1)
        weight = (
            np.asarray(0.5, dtype=x.dtype) if interpolation == "midpoint" else (ranks - below).astype(x.dtype)
        )
        out = lerp(out, above, weight)
    out = movedim(out, -1, 0)  # (len q, …)
    if keepdim:
        kept = [1] * len(shape) if dim is None else [1 if i == d else s for i, s in enumerate(shape)]
        out = reshape(out, (qs.size, *kept))
    return reshape(out, out.shape[1:]) if qs.ndim == 0 else out


def quantile(
    input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """The q-th quantiles along dim (of all elements when None); NaN where a slice holds NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(
    input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """quantile ignoring NaN (NaN only for a slice of NaNs)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


# ----- the mode ---------------------------------------------------------------------------------------
def mode_index(a: np.ndarray, axis: int) -> np.ndarray:
    """The index of the most frequent value of each slice: on ties the smallest value, at its last
    occurrence (PyTorch's choice). A stable sort makes equal values runs, each run's last element
    the last occurrence; the first run whose running count peaks is the smallest most frequent value."""
    order = np.argsort(a, axis=axis, kind="stable")
    s = np.moveaxis(np.take_along_axis(a, order, axis), axis, -1)
    position = np.arange(s.shape[-1])
    starts = np.ones(s.shape, dtype=bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]  # NaN ≠ NaN: each NaN is a run of its own
    count = position - np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    best = np.moveaxis(np.argmax(count, axis=-1)[..., None], -1, axis)
    return np.take_along_axis(order, best, axis)


def mode(
    input: Any,
    dim: int = -1,
    keepdim: bool | None = None,
    *,
    axis: int | None = None,
    keepdims: bool | None = None,
) -> ValuesIndices:
    """(values, indices) of the most frequent value along dim;   ∂L/∂a = g at that index."""
    return OrderStatistic("mode", mode_index, pick_dim(axis, dim, -1), pick_keepdim(keepdim, keepdims))(input)


# ----- differences and the trapezoid rule ---------------------------------------------------------------
def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The n-th forward difference along dim, aᵢ₊₁ − aᵢ applied n times (≠ for bools), after prepend and
    append are joined at the ends."""
    x = _as_tensor(input)
    if x.ndim == 0:
        raise ShapeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise ValueRangeError(f"order must be non-negative but got {n}")
    d = normalize_dim(dim, x.ndim)
    parts = []
    for extra in (prepend, x, append):
        if extra is None:
            continue
        extra = _as_tensor(extra)
        if extra.ndim != x.ndim:
            raise ShapeError("diff expects prepend or append to be the same dimension as input")
        parts.append(extra)
    if len(parts) > 1:
        x = cat(parts, d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        after, before = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = Tensor(after.data != before.data) if x.dtype == bool else after - before
    return x


def _integrand(name: str, y: Any, x: Any, dx: Any, dim: int, both: str) -> tuple[Tensor, int, int, Any, bool]:
    """y as a tensor, the dim d along which it is integrated, its length there, and the widths of the
    intervals (with whether they were sampled, from x); `both` is the complaint when x and dx are given."""
    y = _as_tensor(y)
    if x is not None and dx is not None:
        raise TypeError(both)
    d = _dim(y, dim)
    return (y, d, y.shape[d], *_spacing(name, y, x, dx, d))


def _spacing(name: str, y: Tensor, x: Any, dx: Any, d: int) -> tuple[Any, bool]:
    """The widths x[i + 1] − x[i] of the intervals, broadcast against y's (or dx alone, when x is None)."""
    if x is None:
        return (1 if dx is None else dx), False
    x = _as_tensor(x)
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise ShapeError(f"{name}: There must be one `x` value for each sample point")
        x = reshape(x, [-1 if i == d else 1 for i in range(y.ndim)])
        return diff(x, dim=d), True
    return diff(x, dim=d - y.ndim), True


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """∫ y by the trapezoid rule along dim: Σᵢ (xᵢ₊₁ − xᵢ)(yᵢ + yᵢ₊₁)/2, or dx·(Σ y − (y₀ + yₙ)/2)
    for equal spacing dx (1 by default)."""
    both = "trapezoid() received an invalid combination of arguments: pass x or dx, not both"
    y, d, n, width, sampled = _integrand("trapezoid", y, x, dx, dim, both)
    if n == 0:  # no interval: zeros, out of the graph as in PyTorch
        return Tensor(np.zeros(y.shape[:d] + y.shape[d + 1 :], dtype=float_type(y.dtype)))
    if sampled:
        pairs = narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)
        return _sum(width * pairs, d) / 2
    ends = squeeze(narrow(y, d, 0, 1), d) + squeeze(narrow(y, d, n - 1, 1), d)
    return (_sum(y, d) - ends * 0.5) * width


def trapz(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """trapezoid under its older name (torch.trapz)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoid-rule integral along dim (one element fewer): the cumulative sum of
    (xᵢ₊₁ − xᵢ)(yᵢ + yᵢ₊₁)/2."""
    both = "cumulative_trapezoid(): pass x or dx, not both"
    y, d, n, width, sampled = _integrand("cumulative_trapezoid", y, x, dx, dim, both)
    if n == 0:
        return cast(y, float_type(y.dtype))
    pairs = narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)
    return cumsum(width * pairs / 2 if sampled else pairs * (width / 2), d)


def _dim(y: Tensor, dim: int) -> int:
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, y.ndim)
