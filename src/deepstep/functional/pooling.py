"""Pooling (max pooling also fused with the ReLU before it) and nearest-neighbour upsampling on
NCHW images: each a loop over the kh·kw window positions at most, never over pixels or samples."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._compiled import NO_MAXIMUM, kernels
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import in_layout_of
from .windows import check_image, output_size, pair, scatter_windows, unpad, window_view

__all__ = ["avg_pool2d", "max_pool2d", "relu_max_pool2d", "upsample_nearest"]


class MaxPool2d(Function):
    """y = max over each window;   the gradient goes to the window's (first) maximum, as in PyTorch.

    With relu=True it is max pooling of ReLU(x) in one op: y = max(0, max over the window), the
    gradient reaching the maximum only where y > 0. Max commutes with the monotone ReLU, so this
    equals ReLU then pooling, values and gradients, while clipping only the pooled outputs."""

    def __init__(
        self, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int], relu: bool = False
    ) -> None:
        self.kernel, self.stride, self.padding, self.relu = kernel, stride, padding, relu

    def forward(self, x):
        out = self._pool(x)
        if self.relu and self.compiled is None:  # (the compiled pooling applies the ReLU itself)
            np.maximum(out, 0, out=out)
            self.out = out
        return out

    def _pool(self, x):
        check_image(x, "max_pool2d")
        (kh, kw), (ph, pw) = self.kernel, self.padding
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError(
                f"max_pool2d: padding {self.padding} must be at most half the kernel {self.kernel}"
            )
        output_size(x.shape[2], kh, self.stride[0], ph, "max_pool2d", x.shape)
        output_size(x.shape[3], kw, self.stride[1], pw, "max_pool2d", x.shape)
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf) if ph or pw else x
        self.padded_shape = xp.shape
        # tiling windows, whose positions 0 … kh·kw−1 fit a uint8 beside NO_MAXIMUM
        self.tiled = self.stride == self.kernel and not (ph or pw) and kh * kw < NO_MAXIMUM
        self.compiled = None
        channels_last = x.transpose(0, 2, 3, 1).flags.c_contiguous and x.dtype in (np.float32, np.float64)
        if self.tiled and channels_last and (compiled := kernels()) is not None:
            # channels-last input (after a convolution): one compiled pass (see _compiled.py)
            n, c, h, w = x.shape
            out = np.empty((n, h // kh, w // kw, c), dtype=x.dtype)
            self.argmax = np.empty(out.shape, dtype=np.uint8)
            compiled.max_pool_forward(x.transpose(0, 2, 3, 1), kh, kw, self.relu, out, self.argmax)
            self.compiled, self.x_shape = compiled, x.shape
            return out.transpose(0, 3, 1, 2)
        if self.tiled:
            # windows that tile the image: the max is a running maximum over the kh·kw strided
            # slices, one per position in the window, with no copy of the windows
            # (and the position of each window's first maximum, 0 … kh·kw−1, for the backward pass)
            h, w = x.shape[2:]
            self.x_shape, self.out_hw = x.shape, (h // kh, w // kw)
            self.x_layout = x
            out = self._slice(x, 0, 0).copy(order="K")  # keep the input's layout (NHWC after a conv)
            self.argmax = np.zeros_like(out, dtype=np.uint8)  # *_like: the same layout, or ufuncs crawl
            larger = np.empty_like(out, dtype=bool)
            claim = np.empty_like(out, dtype=np.uint8)
            for position, (i, j) in enumerate(self._positions()[1:], start=1):
                candidate = self._slice(x, i, j)
                np.greater(candidate, out, out=larger)  # strictly: on ties the first maximum stays
                # positions only grow, so "argmax = position where larger" is a maximum (and a maximum
                # is ~50× faster than a masked copy)
                np.multiply(larger, np.uint8(position), out=claim)
                np.maximum(self.argmax, claim, out=self.argmax)
                np.maximum(out, candidate, out=out)
            nan = np.isnan(out)
            if nan.any():  # NaN wins its window, as in PyTorch: the first NaN is the maximum
                for position, (i, j) in reversed(list(enumerate(self._positions()))):
                    self.argmax[nan & np.isnan(self._slice(x, i, j))] = position
            return out
        windows = window_view(xp, self.kernel, self.stride)
        flat = windows.reshape(*windows.shape[:4], kh * kw)
        self.argmax = flat.argmax(axis=-1)  # the first maximum of each window, as PyTorch picks
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def _positions(self) -> list[tuple[int, int]]:
        """The window's positions (i, j), row by row: position p is the p-th of this list."""
        kh, kw = self.kernel
        return [(i, j) for i in range(kh) for j in range(kw)]

    def _slice(self, a: np.ndarray, i: int, j: int) -> np.ndarray:
        (kh, kw), (ho, wo) = self.kernel, self.out_hw
        return a[:, :, i : i + kh * ho : kh, j : j + kw * wo : kw]

    def backward(self, g):
        kh, kw = self.kernel
        if self.compiled is not None:  # (the compiled pooling has applied the ReLU itself)
            n, c, h, w = self.x_shape
            grad = (np.empty if h % kh == 0 and w % kw == 0 else np.zeros)((n, h, w, c), dtype=g.dtype)
            self.compiled.max_pool_backward(
                np.ascontiguousarray(g.transpose(0, 2, 3, 1)), self.argmax, kh, kw, grad
            )
            return (grad.transpose(0, 3, 1, 2),)
        if self.tiled:
            # e.g. NCHW from a Flatten after the pool: one reordering copy, rather than several
            # ufuncs that each read g across its strides
            g = in_layout_of(g, self.argmax)
        if self.relu:
            g = g * (self.out > 0)  # ReLU's backward, on the pooled outputs
        if self.tiled:
            # the input's layout (for the conv below); rows and columns no window covers get zero
            h, w = self.x_shape[2:]
            covered = h % kh == 0 and w % kw == 0
            grad = (np.empty_like if covered else np.zeros_like)(self.x_layout, dtype=g.dtype)
            for position, (i, j) in enumerate(self._positions()):
                np.multiply(g, self.argmax == position, out=self._slice(grad, i, j))
            self.x_layout = None
            return (grad,)
        onehot = (np.arange(kh * kw) == self.argmax[..., None]) * g[..., None]
        grad_windows = onehot.reshape(*g.shape, kh, kw)
        return (unpad(scatter_windows(grad_windows, self.padded_shape, self.stride), self.padding),)


class AvgPool2d(Function):
    """y = mean over each window (zero padding counted, as PyTorch's default);   each input in a window
    gets 1/(kh·kw) of the window's gradient."""

    def __init__(self, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]) -> None:
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        check_image(x, "avg_pool2d")
        (kh, kw), (ph, pw) = self.kernel, self.padding
        output_size(x.shape[2], kh, self.stride[0], ph, "avg_pool2d", x.shape)
        output_size(x.shape[3], kw, self.stride[1], pw, "avg_pool2d", x.shape)
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        self.padded_shape = xp.shape
        return window_view(xp, self.kernel, self.stride).mean(axis=(-2, -1))

    def backward(self, g):
        kh, kw = self.kernel
        share = np.broadcast_to((g / (kh * kw))[..., None, None], (*g.shape, kh, kw))
        return (unpad(scatter_windows(share, self.padded_shape, self.stride), self.padding),)


def _pool_args(kernel_size: Any, stride: Any, padding: Any) -> tuple[tuple[int, int], ...]:
    """(kernel, stride, padding) as pairs; the stride defaults to the kernel size."""
    kernel = pair(kernel_size, "kernel_size")
    return kernel, pair(stride, "stride") if stride is not None else kernel, pair(padding, "padding")


def max_pool2d(
    x: Any, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
) -> Tensor:
    """Max pooling; the stride defaults to the kernel size."""
    return MaxPool2d(*_pool_args(kernel_size, stride, padding))(x)


def relu_max_pool2d(
    x: Any, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
) -> Tensor:
    """max_pool2d(relu(x)) as one op, ReLU applied to the pooled outputs only (what nn.Sequential
    runs for ReLU followed by MaxPool2d)."""
    return MaxPool2d(*_pool_args(kernel_size, stride, padding), relu=True)(x)


def avg_pool2d(
    x: Any, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
) -> Tensor:
    """Average pooling; the stride defaults to the kernel size."""
    return AvgPool2d(*_pool_args(kernel_size, stride, padding))(x)


class UpsampleNearest(Function):
    """Each pixel repeated into an s×s block;   the gradient of a pixel is the sum over its block."""

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


def upsample_nearest(x: Any, scale_factor: int | tuple = 2) -> Tensor:
    """Nearest-neighbour upsampling by an integer factor."""
    scale = pair(scale_factor, "scale_factor")
    if min(scale) < 1:
        raise ValueError(f"scale_factor must be a positive integer, got {scale_factor!r}")
    return UpsampleNearest(scale)(x)
