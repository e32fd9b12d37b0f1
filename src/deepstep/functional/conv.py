"""Convolution, transposed convolution, pooling (max pooling also fused with the ReLU before it)
and upsampling on NCHW images.

Convolution is one matrix product over all windows at once (im2col through a strided view);
its input gradient adds each window's row of G·Wᵀ back where the window lies (col2im: one
compiled pass, or one product per kernel position), never a Python loop over pixels or samples.
A transposed convolution is the same two steps the other way round.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .._compiled import NO_MAXIMUM, kernels
from ..autograd.function import Function
from ..autograd.tensor import Tensor

__all__ = ["avg_pool2d", "conv2d", "conv_transpose2d", "max_pool2d", "relu_max_pool2d", "upsample_nearest"]


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_image(x: np.ndarray, what: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{what} expects images of shape (N, C, H, W), got shape {x.shape}")


def _windows(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """A strided view (N, C, Ho, Wo, kh, kw) of every kernel window of the padded input: no copy."""
    return sliding_window_view(xp, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def _output_size(
    size: int, kernel: int, stride: int, padding: int | tuple[int, int], what: str, shape: tuple
) -> int:
    """Windows along one axis; padding is one number for both sides or (before, after)."""
    before, after = (padding, padding) if isinstance(padding, int) else padding
    if size + before + after < kernel:
        padded = f"{size} + 2·{before}" if before == after else f"{size} + {before} + {after}"
        raise ValueError(
            f"{what}: kernel of size {kernel} is larger than the padded input ({padded}) "
            f"for input of shape {shape}"
        )
    return (size + before + after - kernel) // stride + 1


def _conv_padding(
    padding: int | tuple | str, kernel: tuple[int, int], stride: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from an int, a pair, 'valid' (none) or 'same' (the output as
    large as the input: k − 1 zeros per axis, the odd one at the end, as PyTorch and Keras place it)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
            top, left = (kernel[0] - 1) // 2, (kernel[1] - 1) // 2
            return (top, kernel[0] - 1 - top), (left, kernel[1] - 1 - left)
        raise ValueError(f"padding must be an int, a pair of ints, 'same' or 'valid', got {padding!r}")
    ph, pw = _pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must not be negative, got {padding!r}")
    return (ph, ph), (pw, pw)


def _scatter_windows(grad_windows: np.ndarray, padded_shape: tuple, stride: tuple[int, int]) -> np.ndarray:
    """col2im: add each window's gradient (N, C, Ho, Wo, kh, kw) back where the window was taken."""
    _, _, ho, wo, kh, kw = grad_windows.shape
    out = np.zeros(padded_shape, dtype=grad_windows.dtype)
    sh, sw = stride
    for i in range(kh):  # kh·kw kernel positions: each one a strided slice of the whole batch
        for j in range(kw):
            out[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] += grad_windows[:, :, :, :, i, j]
    return out


def _unpad(x: np.ndarray, padding: tuple) -> np.ndarray:
    """x (N, C, H, W) without its padding: (ph, pw) on both sides, or ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = ((p, p) if isinstance(p, int) else p for p in padding)
    return x[:, :, top : x.shape[2] - bottom, left : x.shape[3] - right]


class Conv2d(Function):
    """y[n, f] = Σ_c w[f, c] ⋆ x[n, c] + b[f] (cross-correlation, as in every DL library);
    ∂L/∂W = Σ_windows G · windowᵀ, ∂L/∂x = the windows' gradients G·W scattered back."""

    def __init__(self, stride: tuple[int, int], padding: int | tuple | str) -> None:
        self.stride, self.padding_spec = stride, padding

    def forward(self, x, weight, bias=None):
        _check_image(x, "conv2d")
        if weight.ndim != 4 or weight.shape[1] != x.shape[1]:
            raise ValueError(
                f"conv2d: input of shape {x.shape} has {x.shape[1]} channels, but the weight of shape "
                f"{weight.shape} expects {weight.shape[1] if weight.ndim == 4 else '?'}"
            )
        f, c, kh, kw = weight.shape
        self.padding = rows, cols = _conv_padding(self.padding_spec, (kh, kw), self.stride)
        ho = _output_size(x.shape[2], kh, self.stride[0], rows, "conv2d", x.shape)
        wo = _output_size(x.shape[3], kw, self.stride[1], cols, "conv2d", x.shape)
        # Work channels-last: a convolution's output is produced in NHWC memory (below) and the
        # layers after it keep that layout, so here the channels of one pixel lie side by side and
        # im2col copies runs of c floats instead of gathering single ones.
        x_nhwc = x.transpose(0, 2, 3, 1)
        xp = np.pad(x_nhwc, ((0, 0), rows, cols, (0, 0))) if any(rows + cols) else x_nhwc
        self.padded_shape = xp.shape
        # with a bias, im2col appends a column of ones: y = [cols 1]·[W; b] adds the bias inside the
        # matrix product, and the same product's last column in the backward pass is Σ G, the bias
        # gradient (two passes over the output saved)
        self.has_bias = bias is not None
        self.cols = _im2col(xp, (kh, kw), self.stride, ones=self.has_bias)
        self.weight = weight
        self.w_mat = weight.transpose(2, 3, 1, 0).reshape(kh * kw * c, f)  # rows match the columns
        w_full = np.concatenate([self.w_mat, bias.reshape(1, f)]) if self.has_bias else self.w_mat
        out = self.cols @ w_full
        return out.reshape(x.shape[0], ho, wo, f).transpose(0, 3, 1, 2)  # NCHW view of NHWC memory

    def backward(self, g):
        f, c, kh, kw = self.weight.shape
        ho, wo = g.shape[2:]
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, f)  # free when g is in NHWC memory, as it usually is
        k = kh * kw * c
        grad_w = grad_b = None
        if self.needs_grad(1):
            # (k, f) for W, and Σ G in the ones column for the bias (colsᵀ·G runs faster in OpenBLAS
            # than Gᵀ·cols, the same numbers transposed)
            both = self.cols.T @ g2
            grad_w = both[:k].reshape(kh, kw, c, f).transpose(3, 2, 0, 1)
            grad_b = both[k] if self.has_bias else None
        elif self.has_bias and self.needs_grad(2):
            grad_b = g2.sum(axis=0)
        grad_x = None
        if self.needs_grad(0):
            # each window's gradient G·Wᵀ, added back onto the pixels the window read
            grad_nhwc = _col2im(g2, self.w_mat.T, self.padded_shape, (ho, wo), (kh, kw), self.stride, g.dtype)
            grad_x = _unpad(grad_nhwc.transpose(0, 3, 1, 2), self.padding)
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b if self.needs_grad(2) else None


def _im2col(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], ones: bool) -> np.ndarray:
    """The im2col matrix of a (padded) channels-last batch xp (N, Hp, Wp, C): one row per window
    position (n, i, j), its columns the window's entries in (kh, kw, c) order, then a column of
    ones if asked."""
    (kh, kw), (sh, sw) = kernel, stride
    windows = sliding_window_view(xp, kernel, axis=(1, 2))[:, ::sh, ::sw]  # (n, ho, wo, c, kh, kw): no copy
    n, ho, wo, c = windows.shape[:4]
    k = kh * kw * c
    if c == 1:
        # one channel (a first layer): the matrix stored column by column, each column an
        # image-sized copy with contiguous runs (copying row by row would move one float at a time)
        cols_t = np.empty((k + ones, n, ho, wo), dtype=xp.dtype)
        np.copyto(cols_t[:k].reshape(kh, kw, n, ho, wo), windows[:, :, :, 0].transpose(3, 4, 0, 1, 2))
        cols = cols_t.reshape(k + ones, -1).T
    else:
        cols = np.empty((n * ho * wo, k + ones), dtype=xp.dtype)
        np.copyto(_window_rows(cols, n, ho, wo, kh, kw, c), windows.transpose(0, 1, 2, 4, 5, 3))
    if ones:
        cols[:, k] = 1
    return cols


def _col2im(
    a: np.ndarray,
    b: np.ndarray,
    padded_shape: tuple[int, ...],
    windows: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dtype: Any,
) -> np.ndarray:
    """The reverse of im2col for the product a·b (one row per window position, its columns in
    (kh, kw, c) order): each window's row added back where the window lies, into a zero channels-last
    batch of padded_shape (N, Hp, Wp, C). A convolution's input gradient (a = G, b = Wᵀ) and a
    transposed convolution's output (a = x, b = W)."""
    n, c = padded_shape[0], padded_shape[3]
    (ho, wo), (kh, kw), (sh, sw) = windows, kernel, stride
    out = np.zeros(padded_shape, dtype=dtype)
    compiled = kernels()
    if compiled is not None and out.dtype in (np.float32, np.float64):
        # with numba: one product for every window, then one compiled pass adding them back
        cols = (a @ b).astype(dtype, copy=False)
        compiled.col2im(cols.reshape(n, ho, wo, kh, kw, c), sh, sw, out)
        return out
    # NumPy: one product per kernel position (i, j), added at once into the strided slice of pixels
    # that position reads (faster than the whole product and a NumPy col2im, which reads the product
    # with a stride)
    for i in range(kh):
        for j in range(kw):
            position = i * kw + j
            part = a @ b[:, position * c : (position + 1) * c]
            out[:, i : i + sh * ho : sh, j : j + sw * wo : sw, :] += part.reshape(n, ho, wo, c)
    return out


def _window_rows(cols: np.ndarray, n: int, ho: int, wo: int, kh: int, kw: int, c: int) -> np.ndarray:
    """The first kh·kw·c columns of the im2col matrix as an (n, ho, wo, kh, kw, c) view (a view, never
    a copy, so that writing into it fills the matrix)."""
    row, item = cols.strides
    return as_strided(
        cols,
        shape=(n, ho, wo, kh, kw, c),
        strides=(ho * wo * row, wo * row, row, kw * c * item, c * item, item),
    )


def conv2d(
    x: Any, weight: Any, bias: Any = None, stride: int | tuple = 1, padding: int | tuple | str = 0
) -> Tensor:
    """2-D convolution of NCHW images with weights (out_channels, in_channels, kh, kw); padding is
    zeros on each side (an int or a pair), 'valid' (none) or 'same' (stride 1: output size = input
    size)."""
    fn = Conv2d(_pair(stride, "stride"), padding)
    return fn(x, weight) if bias is None else fn(x, weight, bias)


class ConvTranspose2d(Function):
    """The transpose of conv2d (its gradient with respect to the input, as a layer): each input
    pixel spreads x[n, c]·w[c, :] over a kh×kw patch of the output, patches `stride` apart,
    then the border is cropped by `padding`.   y = col2im(X·W);  ∂L/∂X = im2col(G)·Wᵀ,
    ∂L/∂W = Xᵀ·im2col(G), with X the pixels as rows and W as (c, kh·kw·f)."""

    def __init__(
        self, stride: tuple[int, int], padding: tuple[int, int], output_padding: tuple[int, int]
    ) -> None:
        self.stride, self.padding, self.output_padding = stride, padding, output_padding

    def forward(self, x, weight, bias=None):
        _check_image(x, "conv_transpose2d")
        if weight.ndim != 4 or weight.shape[0] != x.shape[1]:
            raise ValueError(
                f"conv_transpose2d: input of shape {x.shape} has {x.shape[1]} channels, but the weight of "
                f"shape {weight.shape} expects {weight.shape[0] if weight.ndim == 4 else '?'}"
            )
        for op, s in zip(self.output_padding, self.stride, strict=True):
            if op >= s:
                raise ValueError(
                    f"output_padding {self.output_padding} must be smaller than stride {self.stride}"
                )
        n, c, h, w = x.shape
        _, f, kh, kw = weight.shape
        sh, sw = self.stride
        self.in_hw = (h, w)
        full = ((h - 1) * sh + kh + self.output_padding[0], (w - 1) * sw + kw + self.output_padding[1])
        ph, pw = self.padding
        if full[0] - 2 * ph <= 0 or full[1] - 2 * pw <= 0:
            raise ValueError(
                f"conv_transpose2d: padding {self.padding} crops away the whole output for input {x.shape}"
            )
        # the pixels of x are the rows of a product x·W (one (kh, kw, f) patch per pixel), which
        # col2im adds, patches `stride` apart, into the full output (channels-last, as a conv's)
        self.x2 = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)
        self.weight = weight
        self.w_mat = weight.transpose(0, 2, 3, 1).reshape(c, kh * kw * f)
        dtype = np.result_type(x, weight)
        out = _col2im(self.x2, self.w_mat, (n, *full, f), (h, w), (kh, kw), self.stride, dtype)
        out = out[:, ph : full[0] - ph, pw : full[1] - pw]
        if bias is not None:
            out += bias  # along the channels, the last axis in memory
        return out.transpose(0, 3, 1, 2)

    def backward(self, g):
        c, f, kh, kw = self.weight.shape
        n = g.shape[0]
        ph, pw = self.padding
        # the gradient of the cropped border is zero; each input pixel's patch of the full gradient
        # is one window, so im2col gives them all, and both gradients are products with it
        g_nhwc = g.transpose(0, 2, 3, 1)
        gp = np.pad(g_nhwc, ((0, 0), (ph, ph), (pw, pw), (0, 0))) if ph or pw else g_nhwc
        cols = _im2col(gp, (kh, kw), self.stride, ones=False)  # (n·h·w, kh·kw·f)
        grad_x = grad_w = grad_b = None
        if self.needs_grad(0):
            h, w = self.in_hw
            grad_x = (cols @ self.w_mat.T).reshape(n, h, w, c).transpose(0, 3, 1, 2)
        if self.needs_grad(1):
            grad_w = (cols.T @ self.x2).reshape(kh, kw, f, c).transpose(3, 2, 0, 1)
        if len(self.inputs) == 3 and self.needs_grad(2):
            grad_b = g_nhwc.sum(axis=(0, 1, 2))
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple = 0,
    output_padding: int | tuple = 0,
) -> Tensor:
    """Transposed convolution with weights (in_channels, out_channels, kh, kw), as torch's."""
    fn = ConvTranspose2d(
        _pair(stride, "stride"), _pair(padding, "padding"), _pair(output_padding, "output_padding")
    )
    return fn(x, weight) if bias is None else fn(x, weight, bias)


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
        _check_image(x, "max_pool2d")
        (kh, kw), (ph, pw) = self.kernel, self.padding
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError(
                f"max_pool2d: padding {self.padding} must be at most half the kernel {self.kernel}"
            )
        _output_size(x.shape[2], kh, self.stride[0], ph, "max_pool2d", x.shape)
        _output_size(x.shape[3], kw, self.stride[1], pw, "max_pool2d", x.shape)
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
            for position, (i, j) in enumerate(self._positions(), start=1):
                candidate = self._slice(x, i, j)
                np.greater(candidate, out, out=larger)  # strictly: on ties the first maximum stays
                # positions only grow, so "argmax = position where larger" is a maximum (and a maximum
                # is ~50× faster than a masked copy)
                np.multiply(larger, np.uint8(position), out=claim)
                np.maximum(self.argmax, claim, out=self.argmax)
                np.maximum(out, candidate, out=out)
            nan = np.isnan(out)
            if nan.any():  # NaN wins its window, as in PyTorch: the first NaN is the maximum
                for position, (i, j) in reversed(list(enumerate([(0, 0), *self._positions()]))):
                    self.argmax[nan & np.isnan(self._slice(x, i, j))] = position
            return out
        windows = _windows(xp, self.kernel, self.stride)
        flat = windows.reshape(*windows.shape[:4], kh * kw)
        self.argmax = flat.argmax(axis=-1)  # the first maximum of each window, as PyTorch picks
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def _positions(self):
        kh, kw = self.kernel
        return [(i, j) for i in range(kh) for j in range(kw)][1:]

    def _slice(self, a: np.ndarray, i: int, j: int) -> np.ndarray:
        (kh, kw), (ho, wo) = self.kernel, self.out_hw
        return a[:, :, i : i + kh * ho : kh, j : j + kw * wo : kw]

    def backward(self, g):
        if self.relu and self.compiled is None:
            g = g * (self.out > 0)  # ReLU's backward, on the pooled outputs
        kh, kw = self.kernel
        if self.compiled is not None:
            n, c, h, w = self.x_shape
            grad = (np.empty if h % kh == 0 and w % kw == 0 else np.zeros)((n, h, w, c), dtype=g.dtype)
            self.compiled.max_pool_backward(
                np.ascontiguousarray(g.transpose(0, 2, 3, 1)), self.argmax, kh, kw, grad
            )
            return (grad.transpose(0, 3, 1, 2),)
        if self.tiled:
            # the input's layout (for the conv below); rows and columns no window covers get zero
            h, w = self.x_shape[2:]
            covered = h % kh == 0 and w % kw == 0
            grad = (np.empty_like if covered else np.zeros_like)(self.x_layout, dtype=g.dtype)
            if np.argsort(g.strides).tolist() != np.argsort(self.argmax.strides).tolist():
                # e.g. NCHW from a Flatten after the pool: one reordering copy, rather than four
                # multiplies that each read g across its strides
                reordered = np.empty_like(self.argmax, dtype=g.dtype)
                np.copyto(reordered, g)
                g = reordered
            for position, (i, j) in enumerate([(0, 0), *self._positions()]):
                np.multiply(g, self.argmax == position, out=self._slice(grad, i, j))
            self.x_layout = None
            return (grad,)
        onehot = (np.arange(kh * kw) == self.argmax[..., None]) * g[..., None]
        grad_windows = onehot.reshape(*g.shape, kh, kw)
        return (_unpad(_scatter_windows(grad_windows, self.padded_shape, self.stride), self.padding),)


class AvgPool2d(Function):
    """y = mean over each window (zero padding counted, as PyTorch's default);   each input in a window
    gets 1/(kh·kw) of the window's gradient."""

    def __init__(self, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]) -> None:
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        _check_image(x, "avg_pool2d")
        (kh, kw), (ph, pw) = self.kernel, self.padding
        _output_size(x.shape[2], kh, self.stride[0], ph, "avg_pool2d", x.shape)
        _output_size(x.shape[3], kw, self.stride[1], pw, "avg_pool2d", x.shape)
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        self.padded_shape = xp.shape
        return _windows(xp, self.kernel, self.stride).mean(axis=(-2, -1))

    def backward(self, g):
        kh, kw = self.kernel
        share = np.broadcast_to((g / (kh * kw))[..., None, None], (*g.shape, kh, kw))
        return (_unpad(_scatter_windows(share, self.padded_shape, self.stride), self.padding),)


def max_pool2d(
    x: Any, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
) -> Tensor:
    """Max pooling; the stride defaults to the kernel size."""
    kernel = _pair(kernel_size, "kernel_size")
    return MaxPool2d(
        kernel, _pair(stride, "stride") if stride is not None else kernel, _pair(padding, "padding")
    )(x)


def relu_max_pool2d(
    x: Any, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
) -> Tensor:
    """max_pool2d(relu(x)) as one op, ReLU applied to the pooled outputs only (what nn.Sequential
    runs for ReLU followed by MaxPool2d)."""
    kernel = _pair(kernel_size, "kernel_size")
    return MaxPool2d(
        kernel,
        _pair(stride, "stride") if stride is not None else kernel,
        _pair(padding, "padding"),
        relu=True,
    )(x)


def avg_pool2d(
    x: Any, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
) -> Tensor:
    """Average pooling; the stride defaults to the kernel size."""
    kernel = _pair(kernel_size, "kernel_size")
    return AvgPool2d(
        kernel, _pair(stride, "stride") if stride is not None else kernel, _pair(padding, "padding")
    )(x)


class UpsampleNearest(Function):
    """Each pixel repeated into an s×s block;   the gradient of a pixel is the sum over its block."""

    def __init__(self, scale: tuple[int, int]) -> None:
        self.scale = scale

    def forward(self, x):
        _check_image(x, "upsample")
        sh, sw = self.scale
        return np.repeat(np.repeat(x, sh, axis=2), sw, axis=3)

    def backward(self, g):
        n, c, h, w = g.shape
        sh, sw = self.scale
        return (g.reshape(n, c, h // sh, sh, w // sw, sw).sum(axis=(3, 5)),)


def upsample_nearest(x: Any, scale_factor: int | tuple = 2) -> Tensor:
    """Nearest-neighbour upsampling by an integer factor."""
    scale = _pair(scale_factor, "scale_factor")
    if min(scale) < 1:
        raise ValueError(f"scale_factor must be a positive integer, got {scale_factor!r}")
    return UpsampleNearest(scale)(x)
