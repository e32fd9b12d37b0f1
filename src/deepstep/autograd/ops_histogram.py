"""Histograms with bin edges, PyTorch's torch.histogram and torch.histogramdd (histc, with its fixed
range and integer bins, is in ops_count).

An element x lands in bin k when eₖ ≤ x < eₖ₊₁, the last bin also taking x = its right edge; elements
outside the edges (and NaN) are not counted, and each counts its weight (1 without weights). With
density=True the histogram is divided by (total count · bin volume), so it integrates to 1. Given a
number of bins, the edges are spaced evenly over the range (the data's min and max when none is
given, widened by ½ each way when they are equal), computed as PyTorch's linspace computes them:
from the start for the first half, from the end for the second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeNotImplementedError, ShapeError, ValueRangeError
from .ops_shape import _as_tensor
from .tensor import Tensor

__all__ = ["histogram", "histogramdd"]

TENSOR_METHODS = ("histogram",)


class HistogramResult(NamedTuple):
    """torch.histogram's result."""

    hist: Tensor
    bin_edges: Tensor


class HistogramddResult(NamedTuple):
    """torch.histogramdd's result: the D-dimensional histogram and the edges along each dim."""

    hist: Tensor
    bin_edges: tuple[Tensor, ...]


def _linspace(start: np.generic, end: np.generic, steps: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's linspace: start + i·step for the first half, end − (n−1−i)·step for the second, so
    both ends are exact. Its compiled loop fuses each multiply-add (one rounding, not two), which a
    wider dtype reproduces (float32 in float64, float64 in long double): without it 186 of 300 random
    float32 linspaces differed from PyTorch's in some edge by an ulp, with it none."""
    start, end = dtype.type(start), dtype.type(end)
    if steps == 1:
        return np.array([start], dtype=dtype)
    step = (end - start) / dtype.type(steps - 1)
    wide = np.longdouble if dtype == np.float64 else np.float64
    i = np.arange(steps).astype(wide)
    halfway = steps // 2
    first = wide(start) + wide(step) * i
    second = wide(end) - wide(step) * (steps - 1 - i)
    return np.where(np.arange(steps) < halfway, first, second).astype(dtype)


def _edges(
    points: np.ndarray, bins: Any, ranges: Sequence[float] | None, dim: int, dtype: np.dtype
) -> np.ndarray:
    if isinstance(bins, Tensor):
        if bins.dtype != dtype:
            raise ShapeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input "
                f"with dtype {dtype} and bins for dimension {dim} with dtype {bins.dtype}"
            )
        if bins.ndim != 1:
            raise ShapeError(
                f"torch.histogramdd: bins tensor should have one dimension, but got {bins.ndim} dimensions "
                f"in the bins tensor for dimension {dim}"
            )
        if bins.shape[0] < 2:
            raise ValueRangeError(
                f"torch.histogram(): bins must be > 0, but got {bins.shape[0] - 1} for dimension {dim}"
            )
        return bins.data
    count = int(bins)
    if count <= 0:
        raise ValueRangeError(f"torch.histogram(): bins must be > 0, but got {count} for dimension {dim}")
    if ranges is not None:
        low, high = dtype.type(ranges[2 * dim]), dtype.type(ranges[2 * dim + 1])
    elif points.shape[0]:
        low, high = points[:, dim].min(), points[:, dim].max()
    else:
        low, high = dtype.type(0), dtype.type(1)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueRangeError(
            f"torch.histogramdd: dimension {dim}'s range [{_text(low)}, {_text(high)}] is not finite"
        )
    if low > high:
        raise ValueRangeError(
            f"torch.histogramdd: min should not exceed max, but got min {_text(low)} max {_text(high)} for "
            f"dimension {dim}"
        )
    if low == high:
        low, high = low - dtype.type(0.5), high + dtype.type(0.5)
    return _linspace(low, high, count + 1, dtype)


def _text(v: Any) -> str:
    return f"{float(v):g}"


def _histogramdd(input: Any, bins: Any, ranges: Any, weight: Any, density: bool) -> tuple[np.ndarray, list]:
    x = _as_tensor(input)
    if x.dtype.kind != "f":
        name = {"i": "'Long'", "b": "'Bool'", "u": "'Byte'"}.get(x.dtype.kind, x.dtype)
        raise DTypeNotImplementedError(f'"histogramdd" not implemented for {name}')
    if x.ndim < 2:
        raise ShapeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    dims = x.shape[-1]
    points = x.data.reshape(-1, dims)
    per_dim = [bins] * dims if isinstance(bins, (int, np.integer)) else list(bins)
    if len(per_dim) != dims:
        raise ShapeError(
            "histogramdd: The size of bins must be equal to the innermost dimension of the input."
        )
    if ranges is not None and len(ranges) != 2 * dims:
        raise ShapeError(
            f"torch.histogramdd: for a {dims}-dimensional histogram range should have {2 * dims} elements, "
            f"but got {len(ranges)}"
        )
    weights = None
    if weight is not None:
        w = _as_tensor(weight)
        if w.shape != x.shape[:-1]:
            raise ShapeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as the input "
                f"tensor excluding its innermost dimension, but got input with shape {list(x.shape)} and "
                f"weight with shape {list(w.shape)}"
            )
        weights = w.data.reshape(-1)
    edges = [_edges(points, b, ranges, d, x.dtype) for d, b in enumerate(per_dim)]
    counts = [len(e) - 1 for e in edges]
    inside = np.ones(points.shape[0], dtype=bool)
    places = []
    for d, e in enumerate(edges):
        column = points[:, d]
        inside &= (column >= e[0]) & (column <= e[-1])  # NaN fails both
        places.append(np.minimum(np.searchsorted(e, column, side="right") - 1, max(counts[d] - 1, 0)))
    flat = (
        np.ravel_multi_index([np.clip(p[inside], 0, None) for p in places], counts) if points.shape[0] else []
    )
    hist = np.bincount(
        np.asarray(flat, dtype=np.intp),
        weights=None if weights is None else weights[inside],
        minlength=int(np.prod(counts)),
    ).astype(x.dtype)
    hist = hist.reshape(counts)
    if density:
        volume = np.ones(counts, dtype=x.dtype)
        for d, e in enumerate(edges):
            shape = [1] * dims
            shape[d] = counts[d]
            volume = volume * np.diff(e).reshape(shape)
        hist = hist / (hist.sum() * volume)
    return hist.astype(x.dtype, copy=False), edges


def histogramdd(
    input: Any,
    bins: Any,
    *,
    range: Sequence[float] | None = None,
    weight: Any = None,
    density: bool = False,
) -> HistogramddResult:
    """The D-dimensional histogram of the rows of input (…, D): bins an int (each dim), a list of ints
    or a list of D edge tensors; range [min₀, max₀, min₁, max₁, …]; weight one per row."""
    hist, edges = _histogramdd(input, bins, range, weight, density)
    return HistogramddResult(Tensor(hist), tuple(Tensor(e.copy()) for e in edges))


def histogram(
    input: Any,
    bins: Any,
    *,
    range: Sequence[float] | None = None,
    weight: Any = None,
    density: bool = False,
) -> HistogramResult:
    """(hist, bin_edges) of all of input's elements: bins an int (evenly spaced over range, or over the
    data's min and max) or a 1-d tensor of edges; weight one per element (module doc)."""
    if not isinstance(bins, (int, np.integer, Tensor)):
        raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
    x = _as_tensor(input)
    if range is not None and len(range) != 2:
        raise ShapeError(
            "torch.histogramdd: for a 1-dimensional histogram range should have 2 elements, but got "
            f"{len(range)}"
        )
    flat_weight = None if weight is None else _as_tensor(weight).data.reshape(-1)
    if weight is not None and _as_tensor(weight).shape != x.shape:
        raise ShapeError(
            "torch.histogram: weight should have the same shape as input, got input with shape "
            f"{list(x.shape)} and weight with shape {list(_as_tensor(weight).shape)}"
        )
    column = Tensor(x.data.reshape(-1, 1)) if x.dtype.kind == "f" else x
    hist, edges = _histogramdd(column, [bins], range, flat_weight, density)
    return HistogramResult(Tensor(hist), Tensor(edges[0].copy()))
