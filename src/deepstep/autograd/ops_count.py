"""Counting, binning and searching: histc, bincount, searchsorted, bucketize, unique_consecutive.
Their results are counts and positions, so none of them has a gradient (as in PyTorch)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import DTypeNotImplementedError, ShapeError, ValueRangeError
from .dims import normalize_dim
from .function import refuse_complex
from .tensor import Tensor, data_of

__all__ = ["bincount", "bucketize", "histc", "searchsorted", "unique_consecutive"]

TENSOR_METHODS = ("bincount", "histc", "unique_consecutive")


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of `bins` equal bins over [min, max] (the data's range when min = max, widened by
    1 on each side if that is one point); elements outside, and NaN, are not counted. Bin i holds
    the x with ⌊(x − min)·bins/(max − min)⌋ = i, x = max falling into the last bin."""
    x = data_of(input)
    if x.dtype.kind != "f":
        raise DTypeNotImplementedError(f'"histogram_cpu" not implemented for {x.dtype}')
    if bins <= 0:
        raise ValueRangeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low, high = x.dtype.type(min), x.dtype.type(max)
    if low == high and x.size:
        low, high = np.min(x), np.max(x)  # NaN if x holds one, refused below
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueRangeError(f"torch.histc: range of [{low}, {high}] is not finite")
    if low > high:
        raise ValueRangeError("torch.histc: max must be larger than min")
    inside = x[(x >= low) & (x <= high)]
    with np.errstate(over="ignore"):
        position = ((inside - low) * x.dtype.type(bins) / (high - low)).astype(np.int64)
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)
    return Tensor(counts.astype(x.dtype))


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    """How often each of 0, 1, …, max(input) occurs (at least minlength entries); with weights the sum
    of the weights instead (float64, or the weights' float dtype)."""
    x = data_of(input)
    if x.dtype.kind not in "iu":
        raise DTypeNotImplementedError(f'"bincount_cpu" not implemented for {x.dtype}')
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise ShapeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise ValueRangeError("minlength should be >= 0")
    if weights is None:
        return Tensor(np.bincount(x, minlength=minlength).astype(np.int64))
    w = data_of(weights)
    if w.shape != x.shape:
        raise ShapeError("weights should be 1-d and have the same length as input")
    if w.dtype.kind == "c":  # PyTorch casts complex weights to float64, with this warning
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=2)
        w = w.real.astype(np.float64)
    out = np.bincount(x, weights=w, minlength=minlength)
    return Tensor(out.astype(w.dtype if w.dtype.kind == "f" else np.float64))


def _side(right: bool, side: str | None) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise ValueRangeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise ValueRangeError(
            "torch.searchsorted(): side and right can't be set to opposites, got side of left while right "
            "was True"
        )
    return side


def searchsorted(
    sorted_sequence: Any,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """For each value, the index where it would be inserted to keep the sequence (its last dim) sorted:
    before equal elements (side='left'), or after them (right=True, side='right'). A sequence with more
    dims holds one sorted row per leading index of the values."""
    sequence, values = data_of(sorted_sequence), data_of(input)
    refuse_complex("searchsorted", sequence, values)  # complex numbers have no order
    how = _side(right, side)
    if sorter is not None:
        order = data_of(sorter)
        if order.shape != sequence.shape:
            raise ShapeError(
                f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
                f"{list(sequence.shape)}and got sorter tensor {list(order.shape)}"
            )
        sequence = np.take_along_axis(sequence, order.astype(np.int64), -1)
    if sequence.ndim == 0:
        raise ShapeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    dtype = np.int32 if out_int32 else np.int64
    if sequence.ndim == 1:
        return Tensor(np.searchsorted(sequence, values, side=how).astype(dtype))
    if values.ndim == 0:
        raise ShapeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension is 1, "
            f"but we got boundaries tensor dim({sequence.ndim}) and input value's dim(0) numel(1)"
        )
    if values.ndim != sequence.ndim or values.shape[:-1] != sequence.shape[:-1]:
        raise ShapeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            "boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(sequence.shape)} and input value tensor {list(values.shape)}"
        )
    rows, row_values = sequence.reshape(-1, sequence.shape[-1]), values.reshape(-1, values.shape[-1])
    out = np.empty(row_values.shape, dtype=dtype)
    for i, (row, wanted) in enumerate(zip(rows, row_values, strict=True)):  # one vectorised search a row
        out[i] = np.searchsorted(row, wanted, side=how)
    return Tensor(out.reshape(values.shape))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among sorted 1-D boundaries: i with b[i−1] < x ≤ b[i] (right=False)
    or b[i−1] ≤ x < b[i] (right=True)."""
    b = data_of(boundaries)
    if b.ndim != 1:
        raise ShapeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def unique_consecutive(
    input: Any, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Tensor | tuple[Tensor, ...]:
    """Each run of equal consecutive elements (or slices along dim) kept once; with return_inverse
    the run each element belongs to, with return_counts the runs' lengths (NaNs are never equal)."""
    x = data_of(input)
    refuse_complex("unique_consecutive", x)  # PyTorch's kernel, that of unique, has none
    if dim is None:
        lines, shape = x.reshape(-1, 1), x.shape
    else:
        if x.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = normalize_dim(dim, x.ndim)
        moved = np.moveaxis(x, d, 0)
        lines, shape = moved.reshape(moved.shape[0], -1), (x.shape[d],)
    starts = np.ones(lines.shape[0], dtype=bool)
    starts[1:] = (lines[1:] != lines[:-1]).any(axis=1)
    values = x.reshape(-1)[starts] if dim is None else np.moveaxis(moved[starts], 0, d)
    out = [Tensor(values)]
    if return_inverse:
        out.append(Tensor((np.cumsum(starts) - 1).reshape(shape).astype(np.int64)))
    if return_counts:
        edges = np.append(np.flatnonzero(starts), lines.shape[0])
        out.append(Tensor(np.diff(edges).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
