"""Pooling on N-C-spatial batches, as PyTorch's: max pooling (also fused with the ReLU before it) with
dilation, ceil_mode and PyTorch's indices, average pooling (count_include_pad, divisor_override),
power-average (LP) pooling (max unpooling with those indices is in unpooling.py). 1-D pooling
is 2-D pooling over images one pixel high; a (C, *spatial) input is one sample. Each op loops over
the kh·kw window positions at most, never over pixels or samples.

PyTorch's indices: the flat position i·W + j of each window's maximum within its (H, W) plane.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..backend import in_layout_of
from ..errors import DTypeNotImplementedError, ShapeError
from .pooling_kernels import NO_MAXIMUM, kernels
from .windows import (
    add_batch,
    as_images,
    as_signals,
    check_image,
    check_pool_args,
    col2im,
    ntuple,
    span,
    unpad,
    window_view,
)

__all__ = [
    "avg_pool1d",
    "avg_pool2d",
    "lp_pool1d",
    "lp_pool2d",
    "max_pool1d",
    "max_pool2d",
    "relu_max_pool2d",
]


def check_pool_dtype(x: np.ndarray, what: str) -> None:
    if x.dtype == np.bool_ or x.dtype.kind not in "iuf":
        raise DTypeNotImplementedError(f'"{what}" not implemented for dtype {x.dtype}')


def _trailing_pads(size: int, out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Zeros after the input along one axis: `padding`, or more where ceil_mode's last window reaches
    further."""
    return max(padding, (out - 1) * stride + span(kernel, dilation) - size - padding)


def window_argmax(flat: np.ndarray) -> np.ndarray:
    """The position of each window's maximum along the last axis, as PyTorch picks it: the first
    maximum, or the last NaN (a NaN replaces the running maximum, so the last one stays)."""
    argmax = flat.argmax(axis=-1)
    if flat.dtype.kind == "f":
        nan = np.isnan(np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0])
        if nan.any():
            argmax[nan] = flat.shape[-1] - 1 - np.isnan(flat[nan][:, ::-1]).argmax(axis=-1)
    return argmax


class MaxPool2d(Function):
    """y = max over each window;   the gradient goes to the window's maximum (the first one, or the last
    NaN, which wins its window), as in PyTorch.

    With relu=True it is max pooling of ReLU(x) in one op: y = max(0, max over the window), the
    gradient reaching the maximum except where y ≤ 0. Max commutes with the monotone ReLU, so this
    equals ReLU then pooling, values and gradients, while clipping only the pooled outputs."""

    def __init__(
        self,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int] = (1, 1),
        ceil_mode: bool = False,
        relu: bool = False,
    ) -> None:
        self.kernel, self.stride, self.padding, self.relu = kernel, stride, padding, relu
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        out = self._pool(x)
        if self.relu and self.compiled is None:  # (the compiled pooling applies the ReLU itself)
            np.maximum(out, 0, out=out)
            self.out = out
        return out

    def _pool(self, x):
        check_image(x, "max_pool2d")
        check_pool_dtype(x, "max_pool2d")
        (kh, kw), (ph, pw) = self.kernel, self.padding
        args = (self.kernel, self.stride, self.padding, self.dilation, self.ceil_mode)
        ho, wo = check_pool_args(x.shape, *args, "max_pool2d")
        n, c, h, w = self.x_shape = x.shape
        self.out_hw = (ho, wo)
        # tiling windows, whose positions 0 … kh·kw−1 fit a uint8 beside NO_MAXIMUM
        self.tiled = (
            self.stride == self.kernel
            and not (ph or pw)
            and self.dilation == (1, 1)
            and (ho, wo) == (h // kh, w // kw)
            and kh * kw < NO_MAXIMUM
        )
        self.compiled = None
        channels_last = x.transpose(0, 2, 3, 1).flags.c_contiguous and x.dtype in (np.float32, np.float64)
        if self.tiled and channels_last and (compiled := kernels()) is not None:
            # channels-last input (after a convolution): one compiled pass (see pooling_kernels.py)
            out = np.empty((n, ho, wo, c), dtype=x.dtype)
            self.argmax = np.empty(out.shape, dtype=np.uint8)
            compiled.max_pool_forward(x.transpose(0, 2, 3, 1), kh, kw, self.relu, out, self.argmax)
            self.compiled = compiled
            return out.transpose(0, 3, 1, 2)
        if self.tiled:
            return self._pool_tiles(x)
        return self._pool_windows(x)

    def _pool_tiles(self, x):
        # windows that tile the image: the max is a running maximum over the kh·kw strided
        # slices, one per position in the window, with no copy of the windows
        # (and the position of each window's first maximum, 0 … kh·kw−1, for the backward pass)
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
        if out.dtype.kind == "f" and (nan := np.isnan(out)).any():
            # NaN wins its window, as in PyTorch, which keeps the last NaN it meets
            for position, (i, j) in enumerate(self._positions()):
                self.argmax[nan & np.isnan(self._slice(x, i, j))] = position
        return out

    def _pool_windows(self, x):
        # any windows: a strided view of them over the input padded with the dtype's lowest value
        # (padding never wins), the maximum's position within each window by argmax
        (kh, kw), (ph, pw), (ho, wo) = self.kernel, self.padding, self.out_hw
        h, w = x.shape[2:]
        after_h = _trailing_pads(h, ho, kh, self.stride[0], ph, self.dilation[0])
        after_w = _trailing_pads(w, wo, kw, self.stride[1], pw, self.dilation[1])
        self.pads = ((ph, after_h), (pw, after_w))
        padded = bool(ph or pw or after_h or after_w)
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = np.pad(x, ((0, 0), (0, 0), *self.pads), constant_values=lowest) if padded else x
        self.padded_shape = xp.shape
        windows = window_view(xp, self.kernel, self.stride, self.dilation)[:, :, :ho, :wo]
        flat = windows.reshape(*windows.shape[:4], kh * kw)
        self.argmax = window_argmax(flat)
        out = np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]
        if padded and (tie := out == lowest).any():
            # only a window whose input is all the lowest value can pick a padding entry: PyTorch's
            # maximum there is the first entry inside the input
            rows, cols = self._taps()
            outside = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
            if outside.any():
                first_i = np.maximum(0, -(-(ph - np.arange(ho) * self.stride[0]) // self.dilation[0]))
                first_j = np.maximum(0, -(-(pw - np.arange(wo) * self.stride[1]) // self.dilation[1]))
                first = first_i[:, None] * kw + first_j
                self.argmax = np.where(tie & outside, first, self.argmax)
        return out

    def _taps(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column (in the unpadded input) of each window's maximum, shaped like the output."""
        kw = self.kernel[1]
        argmax = self.argmax.transpose(0, 3, 1, 2) if self.compiled is not None else self.argmax
        di, dj = np.divmod(argmax.astype(np.int64), kw)
        ho, wo = self.out_hw
        rows = (np.arange(ho) * self.stride[0] - self.padding[0])[:, None] + di * self.dilation[0]
        cols = np.arange(wo) * self.stride[1] - self.padding[1] + dj * self.dilation[1]
        return rows, cols

    def indices(self) -> np.ndarray:
        """PyTorch's indices: i·W + j of each window's maximum in its plane (int64)."""
        rows, cols = self._taps()
        return np.ascontiguousarray(rows * self.x_shape[3] + cols)

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
            g = np.where(
                self.out <= 0, 0, g
            )  # ReLU's backward on the pooled outputs (NaN passes, as in PyTorch)
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
        return (unpad(_add_windows(grad_windows, self.padded_shape, self.stride, self.dilation), self.pads),)


class AvgPool2d(Function):
    """y = Σ window / divisor;   each input in a window gets the window's gradient / divisor. The
    divisor, as PyTorch's: the window's size within the padded input (count_include_pad, the
    default: zeros count, what ceil_mode adds past the padding does not), its size within the input
    (count_include_pad=False), or divisor_override."""

    def __init__(
        self,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        self.kernel, self.stride, self.padding, self.ceil_mode = kernel, stride, padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x):
        check_image(x, "avg_pool2d")
        check_pool_dtype(x, "avg_pool2d")
        if self.divisor_override is not None and self.divisor_override == 0:
            raise ShapeError("avg_pool2d: divisor must be not zero")
        args = (self.kernel, self.stride, self.padding, (1, 1), self.ceil_mode)
        ho, wo = check_pool_args(x.shape, *args, "avg_pool2d")
        (kh, kw), (ph, pw) = self.kernel, self.padding
        h, w = x.shape[2:]
        self.pads = (
            (ph, _trailing_pads(h, ho, kh, self.stride[0], ph, 1)),
            (
                pw,
                _trailing_pads(w, wo, kw, self.stride[1], pw, 1),
            ),
        )
        xp = np.pad(x, ((0, 0), (0, 0), *self.pads)) if np.any(self.pads) else x
        self.padded_shape = xp.shape
        windows = window_view(xp, self.kernel, self.stride)[:, :, :ho, :wo]
        self.divisor = self._divisor(h, w, ho, wo, x.dtype)
        if x.dtype.kind != "f":  # integers: PyTorch's integer division, rounding towards zero
            sums = windows.sum(axis=(-2, -1), dtype=x.dtype)
            return (np.sign(sums) * (np.abs(sums) // self.divisor)).astype(x.dtype)
        if isinstance(self.divisor, int) and self.divisor == kh * kw:
            return windows.mean(axis=(-2, -1))
        return windows.sum(axis=(-2, -1)) / self.divisor

    def _divisor(self, h: int, w: int, ho: int, wo: int, dtype: Any) -> int | np.ndarray:
        """divisor_override, kh·kw where every window is whole, else one divisor per output pixel."""
        if self.divisor_override is not None:
            return int(self.divisor_override)
        sizes = []
        for size, out, k, s, p in zip((h, w), (ho, wo), self.kernel, self.stride, self.padding, strict=True):
            start = np.arange(out) * s - p
            end = np.minimum(start + k, size + p)
            sizes.append(
                end - start if self.count_include_pad else np.minimum(end, size) - np.maximum(start, 0)
            )
        if (sizes[0] == self.kernel[0]).all() and (sizes[1] == self.kernel[1]).all():
            return self.kernel[0] * self.kernel[1]
        return np.outer(*sizes).astype(dtype if dtype.kind == "f" else np.int64)

    def backward(self, g):
        kh, kw = self.kernel
        share = np.broadcast_to((g / self.divisor)[..., None, None], (*g.shape, kh, kw))
        return (unpad(_add_windows(share, self.padded_shape, self.stride), self.pads),)


def _add_windows(
    windows: np.ndarray, padded_shape: tuple, stride: tuple[int, int], dilation: tuple[int, int] = (1, 1)
) -> np.ndarray:
    """Each window's gradient (N, C, Ho, Wo, kh, kw) added back where it was taken, into a zero NCHW
    batch of padded_shape (col2im, on NHWC views of both)."""
    out = np.zeros(padded_shape, dtype=windows.dtype)
    col2im(windows.transpose(0, 2, 3, 4, 5, 1), out.transpose(0, 2, 3, 1), stride, dilation)
    return out


def run_pool(x: Any, spatial: int, what: str, fn: Function, with_indices: bool = False) -> Any:
    """Run the 2-D op fn on x: batched or not, 1-D (as images one pixel high) or 2-D."""
    x, unbatched = add_batch(x, spatial, what)
    out = fn(as_images(x) if spatial == 1 else x)
    results = [out, Tensor(fn.indices())] if with_indices else [out]
    if spatial == 1:
        results = [as_signals(r) for r in results]
    if unbatched:
        results = [reshape(r, *r.shape[1:]) for r in results]
    return tuple(results) if with_indices else results[0]


def window_args(kernel_size: Any, stride: Any, padding: Any, dilation: Any, spatial: int) -> tuple:
    """(kernel, stride, padding, dilation) as pairs (height 1 first for 1-D); the stride defaults
    to the kernel size."""
    kernel = ntuple(kernel_size, spatial, "kernel_size")
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else ntuple(stride, spatial, "stride")
    padding, dilation = ntuple(padding, spatial, "padding"), ntuple(dilation, spatial, "dilation")
    if spatial == 1:
        return (1, *kernel), (1, *stride), (0, *padding), (1, *dilation)
    return kernel, stride, padding, dilation


def max_pool2d(
    input: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max pooling of (N, C, H, W) images (or one (C, H, W)); the stride defaults to the kernel size.
    With return_indices, also each maximum's flat index i·W + j in its plane (int64)."""
    args = window_args(kernel_size, stride, padding, dilation, 2)
    return run_pool(input, 2, "max_pool2d", MaxPool2d(*args, ceil_mode), return_indices)


def max_pool1d(
    input: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max pooling of (N, C, L) signals (or one (C, L)); indices are positions along L."""
    args = window_args(kernel_size, stride, padding, dilation, 1)
    return run_pool(input, 1, "max_pool1d", MaxPool2d(*args, ceil_mode), return_indices)


def relu_max_pool2d(
    x: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """max_pool2d(relu(x)) as one op, ReLU applied to the pooled outputs only (what nn.Sequential
    runs for ReLU followed by MaxPool2d)."""
    args = window_args(kernel_size, stride, padding, dilation, 2)
    return run_pool(x, 2, "max_pool2d", MaxPool2d(*args, ceil_mode, relu=True))


def avg_pool2d(
    input: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Average pooling of (N, C, H, W) images (or one (C, H, W)); the stride defaults to the kernel size."""
    kernel, stride, padding, _ = window_args(kernel_size, stride, padding, 1, 2)
    fn = AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return run_pool(input, 2, "avg_pool2d", fn)


def avg_pool1d(
    input: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Average pooling of (N, C, L) signals (or one (C, L))."""
    kernel, stride, padding, _ = window_args(kernel_size, stride, padding, 1, 1)
    return run_pool(input, 1, "avg_pool1d", AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad))


def lp_pool2d(
    input: Any,
    norm_type: float,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling: y = (Σ_window x^p)^(1/p), as PyTorch computes it (through avg_pool2d)."""
    kh, kw = ntuple(kernel_size, 2, "kernel_size")
    return (avg_pool2d(input**norm_type, kernel_size, stride, 0, ceil_mode) * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(
    input: Any, norm_type: float, kernel_size: int, stride: int | None = None, ceil_mode: bool = False
) -> Tensor:
    """Power-average pooling of signals: y = (Σ_window x^p)^(1/p)."""
    (k,) = ntuple(kernel_size, 1, "kernel_size")
    return (avg_pool1d(input**norm_type, kernel_size, stride, 0, ceil_mode) * k) ** (1.0 / norm_type)
