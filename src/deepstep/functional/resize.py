"""Resampling N-C-spatial batches to a size: interpolate (nearest, nearest-exact, linear, bilinear,
bicubic, trilinear, area), adaptive average and max pooling, nearest upsampling by integer factors,
pixel (un)shuffle.

Every resampling here is separable: along one spatial axis, output i reads a few taps of the input,
    y[i] = Σ_t w[i, t]·x[idx[i, t]]
(nearest: one tap of weight 1; linear: two, 1 − λ and λ; cubic: four; an adaptive average: its
window, each tap 1/len). One op applies such a map along one axis, and its backward is the transposed
map ∂x[j] = Σ_{(i, t): idx[i, t] = j} w[i, t]·g[i]. The taps' positions idx[:, t] never decrease
with i, so that sum is an np.add.reduceat over runs of equal positions, not a scatter loop. A
2-D resampling is the map along W, then along H, which is the order of PyTorch's arithmetic too.

Source positions follow PyTorch's formulas in the input's float precision (float32 for float32, as
its kernels compute them): with align_corners, x = i·(in − 1)/(out − 1); without, x = (i + ½)·s − ½
with s = 1/scale_factor when a scale factor is given (and not recomputed), in/out otherwise; nearest
takes ⌊i·s⌋ (PyTorch's legacy rule) and nearest-exact ⌊(i + ½)·s⌋.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function, refuse_complex
from ..autograd.ops_shape import permute, reshape
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .pooling import avg_pool2d, check_pool_dtype, max_pool1d, max_pool2d, run_pool, window_argmax
from .windows import (
    adaptive_output_size,
    adaptive_taps,
    adaptive_windows,
    check_adaptive_input,
    check_image,
    pair,
)

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


class Taps(Function):
    """y[…, i, …] = Σ_t w[i, t]·x[…, idx[i, t], …] along one axis (w = 1 for a single tap);
    ∂L/∂x[…, j, …] = Σ_{(i, t): idx[i, t] = j} w[i, t]·g[…, i, …]."""

    saved_inputs = ()

    def __init__(self, axis: int, index: np.ndarray, weight: np.ndarray | None = None) -> None:
        self.axis, self.index, self.weight = axis, index, weight

    def _weight(self, t: int, ndim: int, dtype: Any) -> np.ndarray:
        """Tap t's weights shaped to broadcast along the axis."""
        shape = [1] * ndim
        shape[self.axis] = -1
        return self.weight[:, t].astype(dtype, copy=False).reshape(shape)

    def forward(self, x):
        self.size = x.shape[self.axis]
        out = np.take(x, self.index[:, 0], axis=self.axis)
        if self.weight is None:
            return out
        out *= self._weight(0, x.ndim, x.dtype)
        for t in range(1, self.index.shape[1]):
            out += np.take(x, self.index[:, t], axis=self.axis) * self._weight(t, x.ndim, x.dtype)
        return out

    def backward(self, g):
        shape = list(g.shape)
        shape[self.axis] = self.size
        grad = np.zeros(shape, dtype=g.dtype)
        if g.shape[self.axis] == 0:
            return (grad,)
        at = [slice(None)] * g.ndim
        for t in range(self.index.shape[1]):
            share = g if self.weight is None else g * self._weight(t, g.ndim, g.dtype)
            # each run of outputs reading the same input adds up into it
            positions, starts = np.unique(self.index[:, t], return_index=True)
            at[self.axis] = positions
            grad[tuple(at)] += np.add.reduceat(share, starts, axis=self.axis)
        return (grad,)


def _opmath(dtype: np.dtype) -> type:
    """The precision PyTorch's resampling kernels compute positions in."""
    return np.float64 if dtype == np.float64 else np.float32


def _scale(size: int, out: int, scale_factor: float | None, align_corners: bool, real: type) -> Any:
    """PyTorch's area_pixel_compute_scale: input pixels per output pixel."""
    if align_corners:
        return real(size - 1) / real(out - 1) if out > 1 else real(0)
    if scale_factor is not None and scale_factor > 0:
        return real(1.0 / scale_factor)
    return real(size) / real(out)


def _source(size: int, out: int, scale_factor: float | None, align_corners: bool, real: type, cubic: bool):
    """The input position each output pixel samples (PyTorch's area_pixel_compute_source_index)."""
    scale = _scale(size, out, scale_factor, align_corners, real)
    i = np.arange(out, dtype=real)
    if align_corners:
        return scale * i
    source = scale * (i + real(0.5)) - real(0.5)
    return source if cubic else np.maximum(source, real(0))


def _floor_index(source: np.ndarray, size: int) -> np.ndarray:
    """⌊source⌋ within the input, rounded through float32 first as PyTorch's floorf does."""
    return np.minimum(np.floor(source.astype(np.float32)).astype(np.int64), size - 1)


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution weights (a = −0.75, PyTorch's) of the four taps around a position t
    past the second one."""
    a = t.dtype.type(-0.75)

    def near(x):  # |x| ≤ 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def _taps(
    mode: str, size: int, out: int, scale_factor: float | None, align_corners: bool, real: type, spatial: int
):
    """(idx, w) of one axis for a mode: w None for nearest (one tap of weight 1). PyTorch's kernels copy
    an axis whose size stays (linear modes, and nearest on images, which also halves the index for
    twice the size), whatever the scale factor says."""
    if out == size and (mode in ("linear", "bilinear", "trilinear") or (mode == "nearest" and spatial == 2)):
        return np.arange(out)[:, None], None
    if mode == "nearest":
        if spatial == 2:  # (PyTorch's nearest_idx, in float32 whatever the input)
            if out == 2 * size:
                return (np.arange(out) // 2)[:, None], None
            real = np.float32
        scale = _scale(size, out, scale_factor, False, real)
        return _floor_index(scale * np.arange(out, dtype=real), size)[:, None], None
    if mode == "nearest-exact":
        source = _source(size, out, scale_factor, False, real, cubic=False)
        return _floor_index(source + real(0.5), size)[:, None], None
    cubic = mode == "bicubic"
    source = _source(size, out, scale_factor, align_corners, real, cubic)
    index = _floor_index(source, size)
    fraction = np.clip(source - index, real(0), real(1))
    if cubic:
        taps = np.clip(index[:, None] + np.arange(-1, 3), 0, size - 1)
        return taps, _cubic_weights(fraction)
    upper = index + (index < size - 1)
    return np.stack([index, upper], axis=1), np.stack([1 - fraction, fraction], axis=1)


class UpsampleNearest(Function):
    """Each pixel repeated into an s×s block;   the gradient of a pixel is the sum over its block."""

    real_only = "upsample_nearest2d"
    saved_inputs = ()

    def __init__(self, scale: tuple[int, int]) -> None:
        self.scale = scale

    def forward(self, x):
        check_image(x, "upsample")
        sh, sw = self.scale
        return np.repeat(np.repeat(x, sh, axis=2), sw, axis=3)

    def backward(self, g):
        n, c, h, w = g.shape
        sh, sw = self.scale
        return (g.reshape(n, c, h // sh, sh, w // sw, sw).sum(axis=(3, 5)),)


def upsample_nearest(input: Any, size: Any = None, scale_factor: int | tuple | None = None) -> Tensor:
    """Nearest-neighbour upsampling (torch's F.upsample_nearest): to a size, or by an integer factor
    (each pixel an s×s block)."""
    if size is not None:
        return interpolate(input, size=size, mode="nearest")
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scale = pair(scale_factor, "scale_factor")
    if min(scale) < 1:
        raise ValueError(f"scale_factor must be a positive integer, got {scale_factor!r}")
    return UpsampleNearest(scale)(input)


_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_SPATIAL = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _per_axis(value: Any, spatial: int, name: str, kind: type) -> tuple:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * spatial
    if len(values) != spatial:
        raise ValueError(
            f"Input and {name} must have the same number of spatial dimensions, but got {spatial} spatial "
            f"dimensions and {name} of {value!r}"
        )
    if kind is int and any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"expected size to be ints, but got size with types {[type(v) for v in values]}")
    return values


def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample (N, C, *spatial) input to `size` or by `scale_factor`, as torch.nn.functional.interpolate
    (see the module's docstring for the formulas); 'area' is adaptive average pooling."""
    refuse_complex(f"interpolate(mode={mode!r})", input)  # PyTorch's kernels have none, in every mode
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    else:
        align_corners = bool(align_corners)
    shape = tuple(np.shape(input))
    spatial = len(shape) - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in deepstep")
    if spatial not in (1, 2, 3) or mode not in _MODES:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {len(shape)}D) for the modes: "
            f"{' | '.join(_MODES)} (got {mode})"
        )
    if _SPATIAL.get(mode, spatial) != spatial:
        raise NotImplementedError(
            f"Got {len(shape)}D input, but {mode} mode needs {_SPATIAL[mode] + 2}D input"
        )
    scales: tuple = (None,) * spatial
    if size is not None:
        sizes = tuple(int(v) for v in _per_axis(size, spatial, "output size", int))
    else:
        scales = tuple(float(s) for s in _per_axis(scale_factor, spatial, "scale_factor", float))
        sizes = tuple(math.floor(n * s) for n, s in zip(shape[2:], scales, strict=True))
        if recompute_scale_factor or mode == "area":
            scales = (None,) * spatial
    if min(sizes) <= 0 or min(shape[2:]) <= 0:
        raise ShapeError(
            f"Input and output sizes should be greater than 0, but got input {shape[2:]} output {sizes}"
        )
    if mode == "area":
        return _adaptive_avg(input, sizes)
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    real = _opmath(x.dtype)
    if mode not in ("nearest", "nearest-exact") and x.dtype.kind != "f":
        raise NotImplementedError(f"interpolate: mode {mode!r} needs floating-point input, got {x.dtype}")
    taps = [
        _taps(mode, n, o, s, bool(align_corners), real, spatial)
        for n, o, s in zip(shape[2:], sizes, scales, strict=True)
    ]
    factors = tuple(o // n for n, o in zip(shape[2:], sizes, strict=True))
    if (
        mode == "nearest"
        and spatial == 2
        and min(factors) >= 1
        and all(
            np.array_equal(idx[:, 0], np.arange(o) // f)
            for (idx, _), o, f in zip(taps, sizes, factors, strict=True)
        )
    ):
        return UpsampleNearest(factors)(x)  # whole blocks: the faster op for integer factors
    for axis in reversed(range(spatial)):  # the last axis first, as PyTorch's arithmetic goes
        index, weight = taps[axis]
        if not (weight is None and np.array_equal(index[:, 0], np.arange(shape[2 + axis]))):
            x = Taps(2 + axis, index, weight)(x)
    return x


def upsample(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """PyTorch's deprecated F.upsample: interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Bilinear upsampling with aligned corners (PyTorch's F.upsample_bilinear, nn.UpsamplingBilinear2d)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _adaptive_avg(x: Any, sizes: tuple[int, ...]) -> Tensor:
    """The mean over PyTorch's adaptive windows (⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1) along each spatial axis."""
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    shape, spatial = x.shape, len(sizes)
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"adaptive_avg_pool{spatial}d" not implemented for dtype {x.dtype}')
    if spatial == 2 and all(o and n % o == 0 for n, o in zip(shape[-2:], sizes, strict=True)):
        return avg_pool2d(x, tuple(n // o for n, o in zip(shape[-2:], sizes, strict=True)))  # tiling windows
    for axis in reversed(range(spatial)):
        size, out = shape[axis - spatial], sizes[axis]
        index = adaptive_taps(size, out)
        _, length = adaptive_windows(size, out)
        weight = np.where(
            np.arange(index.shape[1]) < length[:, None], 1.0 / np.maximum(length, 1)[:, None], 0.0
        )
        x = Taps(x.ndim - spatial + axis, index, weight)(x)
    return x


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """The mean over PyTorch's adaptive windows, to output_size (an int, a pair, None keeping a size)."""
    check_adaptive_input(np.shape(input), 2, "adaptive_avg_pool2d")
    return _adaptive_avg(input, adaptive_output_size(output_size, np.shape(input), 2, "adaptive_avg_pool2d"))


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """adaptive_avg_pool2d for (N, C, L) signals (or one (C, L))."""
    check_adaptive_input(np.shape(input), 1, "adaptive_avg_pool1d")
    return _adaptive_avg(input, adaptive_output_size(output_size, np.shape(input), 1, "adaptive_avg_pool1d"))


class AdaptiveMaxPool2d(Function):
    """y[i, j] = max of x over rows ⌊i·H/Ho⌋ … ⌈(i+1)·H/Ho⌉ − 1 and columns ⌊j·W/Wo⌋ … ⌈(j+1)·W/Wo⌉ − 1
    (PyTorch's windows: they may overlap and differ in size by one);   the gradient goes to each
    window's maximum (as in max_pool2d), added up where windows share it."""

    def __init__(self, out_hw: tuple[int, int]) -> None:
        self.out_hw = out_hw

    def forward(self, x):
        check_image(x, "adaptive_max_pool2d")
        check_pool_dtype(x, "adaptive_max_pool2d")
        n, c, h, w = self.x_shape = x.shape
        ho, wo = self.out_hw
        if ho == 0 or wo == 0:
            self.index = np.zeros((n, c, ho, wo), dtype=np.int64)
            return np.zeros((n, c, ho, wo), dtype=x.dtype)
        # each window's rows (and columns), its last one repeated up to the longest window: repeats
        # come after the entry they repeat, so neither the first maximum nor the last NaN changes
        rows, cols = adaptive_taps(h, ho), adaptive_taps(w, wo)
        windows = x[:, :, rows][..., cols].transpose(0, 1, 2, 4, 3, 5)  # (n, c, ho, wo, kh, kw)
        flat = windows.reshape(n, c, ho, wo, rows.shape[1] * cols.shape[1])
        argmax = window_argmax(flat)
        di, dj = np.divmod(argmax, cols.shape[1])
        self.index = rows[np.arange(ho)[:, None], di] * w + cols[np.arange(wo), dj]
        return np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]

    def indices(self) -> np.ndarray:
        """PyTorch's indices: i·W + j of each window's maximum in its plane (int64)."""
        return self.index

    def backward(self, g):
        return (scatter_planes(g, self.index, self.x_shape),)


def scatter_planes(g: np.ndarray, index: np.ndarray, shape: tuple) -> np.ndarray:
    """A zero array of `shape` (N, C, *spatial) with each g added at its flat index in its plane."""
    planes, plane = shape[0] * shape[1], int(np.prod(shape[2:]))
    if g.size == 0:
        return np.zeros(shape, dtype=g.dtype)
    where = (np.arange(planes).reshape(planes, 1) * plane + index.reshape(planes, -1)).ravel()
    summed = np.bincount(where, weights=g.ravel(), minlength=planes * plane)
    return summed.astype(g.dtype, copy=False).reshape(shape)


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """Max over PyTorch's adaptive windows (see AdaptiveMaxPool2d), to output_size (int, pair, or None
    entries keeping the input's size); with return_indices also the flat indices i·W + j."""
    check_adaptive_input(np.shape(input), 2, "adaptive_max_pool2d")
    ho, wo = adaptive_output_size(output_size, np.shape(input), 2, "adaptive_max_pool2d")
    h, w = np.shape(input)[-2:]
    if ho and wo and h % ho == 0 and w % wo == 0:  # windows that tile the image: max pooling
        return max_pool2d(input, (h // ho, w // wo), return_indices=return_indices)
    return run_pool(input, 2, "adaptive_max_pool2d", AdaptiveMaxPool2d((ho, wo)), return_indices)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool2d for (N, C, L) signals (or one (C, L))."""
    check_adaptive_input(np.shape(input), 1, "adaptive_max_pool1d")
    (lo,) = adaptive_output_size(output_size, np.shape(input), 1, "adaptive_max_pool1d")
    length = np.shape(input)[-1]
    if lo and length % lo == 0:
        return max_pool1d(input, length // lo, return_indices=return_indices)
    return run_pool(input, 1, "adaptive_max_pool1d", AdaptiveMaxPool2d((1, lo)), return_indices)


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r): each group of r² channels becomes an r×r block of pixels."""
    shape, r = tuple(np.shape(input)), int(upscale_factor)
    if len(shape) < 3 or shape[-3] % (r * r):
        raise ShapeError(
            f"pixel_shuffle expects input of at least 3 dimensions whose 'channel' dimension is divisible "
            f"by the square of upscale_factor, but got shape {shape} and upscale_factor={r}"
        )
    *lead, c, h, w = shape
    k = len(lead)
    x = reshape(input, *lead, c // (r * r), r, r, h, w)
    x = permute(x, *range(k), k, k + 3, k + 1, k + 4, k + 2)
    return reshape(x, *lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) → (*, C·r², H, W): the inverse of pixel_shuffle."""
    shape, r = tuple(np.shape(input)), int(downscale_factor)
    if len(shape) < 3 or shape[-2] % r or shape[-1] % r:
        raise ShapeError(
            f"pixel_unshuffle expects input of at least 3 dimensions whose height and width are divisible "
            f"by downscale_factor, but got shape {shape} and downscale_factor={r}"
        )
    *lead, c, h, w = shape
    k = len(lead)
    x = reshape(input, *lead, c, h // r, r, w // r, r)
    x = permute(x, *range(k), k, k + 2, k + 4, k + 1, k + 3)
    return reshape(x, *lead, c * r * r, h // r, w // r)
