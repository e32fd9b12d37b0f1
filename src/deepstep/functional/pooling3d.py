"""Pooling of N-C-D-H-W volumes, as PyTorch's max_pool3d (dilation, ceil_mode, indices), avg_pool3d
(count_include_pad, divisor_override) and adaptive_avg_pool3d; a (C, D, H, W) input is one sample.

The windows are one strided view of the padded input (no copy until the reduction); the gradients go
back where each window was taken by col2im over 3-D windows, one strided add per window position
(kd·kh·kw of them), never a loop over voxels or samples.

PyTorch's indices: the flat position (i·H + j)·W + l of each window's maximum within its (D, H, W)
volume.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .conv3d import _col2im3
from .pooling import _trailing_pads, check_pool_dtype, run_pool, window_argmax, window_args
from .resize import _adaptive_avg
from .windows import adaptive_output_size, check_adaptive_input, check_image, check_pool_args, span

__all__ = ["adaptive_avg_pool3d", "avg_pool3d", "max_pool3d"]

Triple = tuple[int, int, int]


def _windows3(xp: np.ndarray, kernel: Triple, stride: Triple, dilation: Triple, out: Triple) -> np.ndarray:
    """A strided view (N, C, Do, Ho, Wo, kd, kh, kw) of the first `out` windows of the padded NCDHW
    input: no copy."""
    spans = tuple(span(k, d) for k, d in zip(kernel, dilation, strict=True))
    (sd, sh, sw), (dd, dh, dw), (do, ho, wo) = stride, dilation, out
    windows = sliding_window_view(xp, spans, axis=(2, 3, 4))
    return windows[:, :, ::sd, ::sh, ::sw, ::dd, ::dh, ::dw][:, :, :do, :ho, :wo]


def _add_windows3(windows: np.ndarray, padded_shape: tuple, stride: Triple, dilation: Triple) -> np.ndarray:
    """Each window's gradient (N, C, Do, Ho, Wo, kd, kh, kw) added back where it was taken, into a zero
    NCDHW batch of padded_shape (col2im, on the channels-last views of both)."""
    out = np.zeros(padded_shape, dtype=windows.dtype)
    _col2im3(windows.transpose(0, 2, 3, 4, 5, 6, 7, 1), out.transpose(0, 2, 3, 4, 1), stride, dilation)
    return out


def _pads(
    shape: tuple, out: Triple, kernel: Triple, stride: Triple, padding: Triple, dilation: Triple
) -> tuple:
    """(before, after) per spatial axis: `padding`, more after where ceil_mode's last window reaches."""
    return tuple(
        (p, _trailing_pads(n, o, k, s, p, d))
        for n, o, k, s, p, d in zip(shape[2:], out, kernel, stride, padding, dilation, strict=True)
    )


def _unpad3(x: np.ndarray, pads: tuple) -> np.ndarray:
    (a0, a1), (b0, b1), (c0, c1) = pads
    return x[:, :, a0 : x.shape[2] - a1, b0 : x.shape[3] - b1, c0 : x.shape[4] - c1]


class MaxPool3d(Function):
    """y = max over each window;   the gradient goes to the window's maximum (the first one, or the last
    NaN, which wins its window), as in PyTorch."""

    def __init__(
        self, kernel: Triple, stride: Triple, padding: Triple, dilation: Triple, ceil_mode: bool
    ) -> None:
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        check_image(x, "max_pool3d", spatial=3)
        check_pool_dtype(x, "max_pool3d")
        args = (self.kernel, self.stride, self.padding, self.dilation, self.ceil_mode)
        self.out_size = check_pool_args(x.shape, *args, "max_pool3d")
        self.x_shape = x.shape
        self.pads = _pads(x.shape, self.out_size, self.kernel, self.stride, self.padding, self.dilation)
        padded = any(sum(self.pads, ()))
        # padded with the dtype's lowest value, which never wins a window (but see the ties below)
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = np.pad(x, ((0, 0), (0, 0), *self.pads), constant_values=lowest) if padded else x
        self.padded_shape = xp.shape
        windows = _windows3(xp, self.kernel, self.stride, self.dilation, self.out_size)
        flat = windows.reshape(*windows.shape[:5], int(np.prod(self.kernel)))
        self.argmax = window_argmax(flat)
        out = np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]
        if padded and (tie := out == lowest).any():
            # only a window whose input is all the lowest value can pick a padding entry: PyTorch's
            # maximum there is the window's first entry inside the input
            taps = self._taps()
            outside = np.zeros(out.shape, dtype=bool)
            for tap, size in zip(taps, x.shape[2:], strict=True):
                outside |= (tap < 0) | (tap >= size)
            if outside.any():
                first = [
                    np.maximum(0, -(-(p - np.arange(o) * s) // d))
                    for p, o, s, d in zip(
                        self.padding, self.out_size, self.stride, self.dilation, strict=True
                    )
                ]
                _, kh, kw = self.kernel
                position = (first[0][:, None, None] * kh + first[1][:, None]) * kw + first[2]
                self.argmax = np.where(tie & outside, position, self.argmax)
        return out

    def _taps(self) -> list[np.ndarray]:
        """Depth, row and column (in the unpadded input) of each window's maximum, shaped like the output."""
        _, kh, kw = self.kernel
        a, rest = np.divmod(self.argmax.astype(np.int64), kh * kw)
        b, c = np.divmod(rest, kw)
        starts = [
            np.arange(o) * s - p for o, s, p in zip(self.out_size, self.stride, self.padding, strict=True)
        ]
        d0, d1, d2 = self.dilation
        return [
            starts[0][:, None, None] + a * d0,
            starts[1][:, None] + b * d1,
            starts[2] + c * d2,
        ]

    def indices(self) -> np.ndarray:
        """PyTorch's indices: (i·H + j)·W + l of each window's maximum in its volume (int64)."""
        depth, rows, cols = self._taps()
        h, w = self.x_shape[3:]
        return np.ascontiguousarray((depth * h + rows) * w + cols)

    def backward(self, g):
        k = int(np.prod(self.kernel))
        # np.where rather than a product with a one-hot mask: a NaN gradient reaches the maximum only
        onehot = np.where(np.arange(k) == self.argmax[..., None], g[..., None], np.zeros((), g.dtype))
        grad = _add_windows3(
            onehot.reshape(*g.shape, *self.kernel), self.padded_shape, self.stride, self.dilation
        )
        return (_unpad3(grad, self.pads),)


class AvgPool3d(Function):
    """y = Σ window / divisor;   each input in a window gets the window's gradient / divisor. The
    divisor, as PyTorch's: the window's size within the padded input (count_include_pad, the
    default: zeros count, what ceil_mode adds past the padding does not), its size within the input
    (count_include_pad=False), or divisor_override."""

    def __init__(
        self,
        kernel: Triple,
        stride: Triple,
        padding: Triple,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int | None,
    ) -> None:
        self.kernel, self.stride, self.padding, self.ceil_mode = kernel, stride, padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x):
        check_image(x, "avg_pool3d", spatial=3)
        check_pool_dtype(x, "avg_pool3d")
        if self.divisor_override is not None and self.divisor_override == 0:
            raise ShapeError("avg_pool3d: divisor must be not zero")
        ones = (1, 1, 1)
        out = check_pool_args(
            x.shape, self.kernel, self.stride, self.padding, ones, self.ceil_mode, "avg_pool3d"
        )
        self.pads = _pads(x.shape, out, self.kernel, self.stride, self.padding, ones)
        xp = np.pad(x, ((0, 0), (0, 0), *self.pads)) if any(sum(self.pads, ())) else x
        self.padded_shape = xp.shape
        windows = _windows3(xp, self.kernel, self.stride, ones, out)
        self.divisor = self._divisor(x.shape[2:], out, x.dtype)
        axes = (-3, -2, -1)
        if x.dtype.kind != "f":  # integers: PyTorch's integer division, rounding towards zero
            sums = windows.sum(axis=axes, dtype=x.dtype)
            return (np.sign(sums) * (np.abs(sums) // self.divisor)).astype(x.dtype)
        return windows.sum(axis=axes) / self.divisor

    def _divisor(self, sizes_in: tuple, out: Triple, dtype: Any) -> int | np.ndarray:
        """divisor_override, kd·kh·kw where every window is whole, else one divisor per output voxel."""
        if self.divisor_override is not None:
            return int(self.divisor_override)
        sizes = []
        for size, o, k, s, p in zip(sizes_in, out, self.kernel, self.stride, self.padding, strict=True):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, size + p)
            sizes.append(
                end - start if self.count_include_pad else np.minimum(end, size) - np.maximum(start, 0)
            )
        if all((a == k).all() for a, k in zip(sizes, self.kernel, strict=True)):
            return int(np.prod(self.kernel))
        divisor = np.multiply.outer(np.multiply.outer(sizes[0], sizes[1]), sizes[2])
        return divisor.astype(dtype if dtype.kind == "f" else np.int64)

    def backward(self, g):
        share = np.broadcast_to((g / self.divisor)[..., None, None, None], (*g.shape, *self.kernel))
        return (_unpad3(_add_windows3(share, self.padded_shape, self.stride, (1, 1, 1)), self.pads),)


def max_pool3d(
    input: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max pooling of (N, C, D, H, W) volumes (or one (C, D, H, W)); the stride defaults to the kernel
    size. With return_indices, also each maximum's flat index (i·H + j)·W + l in its volume (int64)."""
    args = window_args(kernel_size, stride, padding, dilation, 3)
    return run_pool(input, 3, "max_pool3d", MaxPool3d(*args, ceil_mode), return_indices)


def avg_pool3d(
    input: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Average pooling of (N, C, D, H, W) volumes (or one (C, D, H, W)); the stride defaults to the
    kernel size."""
    kernel, stride, padding, _ = window_args(kernel_size, stride, padding, 1, 3)
    fn = AvgPool3d(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return run_pool(input, 3, "avg_pool3d", fn)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Tensor:
    """The mean over PyTorch's adaptive windows (⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1 along each axis), to
    output_size (an int, a triple, None keeping a size)."""
    check_adaptive_input(np.shape(input), 3, "adaptive_avg_pool3d")
    sizes = adaptive_output_size(output_size, np.shape(input), 3, "adaptive_avg_pool3d")
    return _adaptive_avg(input, sizes)
