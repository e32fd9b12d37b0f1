"""Convolution and transposed convolution on NCHW images.

Convolution is one matrix product over all windows at once (im2col through a strided view);
its input gradient adds each window's row of G·Wᵀ back where the window lies (col2im: one
compiled pass, or one product per kernel position), never a Python loop over pixels or samples.
A transposed convolution is the same two steps the other way round.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .._compiled import kernels
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .windows import check_image, conv_padding, output_size, pair, unpad

__all__ = ["conv2d", "conv_transpose2d"]

#: An im2col matrix up to this size is built whole and kept for the backward pass; a larger one is
#: built a few images at a time, in the forward pass and again in the backward pass (and the
#: transposed convolution's backward pass, which does not keep it, always goes by chunks). glibc serves
#: blocks over 32 MB (the highest mmap threshold it allows, set by backend.tune_malloc) fresh from
#: the kernel, so every page of them faults on first touch, every step; chunks stay in cache too.
#: (SmallCNN's 5×5 second layer: 80 MB of columns; the forward and weight-gradient products 41 → 32
#: ms, the input gradient 46 → 14 ms.)
WHOLE_IM2COL_BYTES = 32 * 2**20
CHUNK_BYTES = 8 * 2**20


def _batch_chunks(n: int, bytes_per_image: int) -> list[slice]:
    """Slices of the batch whose share of a matrix stays within CHUNK_BYTES (one image at least)."""
    per = max(1, CHUNK_BYTES // max(1, bytes_per_image))
    return [slice(start, min(n, start + per)) for start in range(0, n, per)]


class Conv2d(Function):
    """y[n, f] = Σ_c w[f, c] ⋆ x[n, c] + b[f] (cross-correlation, as in every DL library);
    ∂L/∂W = Σ_windows G · windowᵀ, ∂L/∂x = the windows' gradients G·W scattered back."""

    def __init__(self, stride: tuple[int, int], padding: int | tuple | str) -> None:
        self.stride, self.padding_spec = stride, padding

    def forward(self, x, weight, bias=None):
        check_image(x, "conv2d")
        if weight.ndim != 4 or weight.shape[1] != x.shape[1]:
            raise ValueError(
                f"conv2d: input of shape {x.shape} has {x.shape[1]} channels, but the weight of shape "
                f"{weight.shape} expects {weight.shape[1] if weight.ndim == 4 else '?'}"
            )
        f, c, kh, kw = weight.shape
        self.padding = pad_h, pad_w = conv_padding(self.padding_spec, (kh, kw), self.stride)
        ho = output_size(x.shape[2], kh, self.stride[0], pad_h, "conv2d", x.shape)
        wo = output_size(x.shape[3], kw, self.stride[1], pad_w, "conv2d", x.shape)
        # Work channels-last: a convolution's output is produced in NHWC memory (below) and the
        # layers after it keep that layout, so here the channels of one pixel lie side by side and
        # im2col copies runs of c floats instead of gathering single ones.
        x_nhwc = x.transpose(0, 2, 3, 1)
        xp = np.pad(x_nhwc, ((0, 0), pad_h, pad_w, (0, 0))) if any(pad_h + pad_w) else x_nhwc
        self.padded_shape = xp.shape
        # with a bias, im2col appends a column of ones: y = [cols 1]·[W; b] adds the bias inside the
        # matrix product, and the same product's last column in the backward pass is Σ G, the bias
        # gradient (two passes over the output saved)
        self.has_bias = bias is not None
        self.weight = weight
        self.w_mat = weight.transpose(2, 3, 1, 0).reshape(kh * kw * c, f)  # rows match the columns
        w_full = np.concatenate([self.w_mat, bias.reshape(1, f)]) if self.has_bias else self.w_mat
        n, k = x.shape[0], kh * kw * c + self.has_bias
        self.image_bytes = ho * wo * k * xp.dtype.itemsize  # each image's share of the im2col matrix
        if n * self.image_bytes <= WHOLE_IM2COL_BYTES:
            self.cols, self.xp = _im2col(xp, (kh, kw), self.stride, ones=self.has_bias), None
            out = self.cols @ w_full
        else:
            self.cols, self.xp = None, xp  # the columns are built again, chunk by chunk, in backward
            out = np.empty((n * ho * wo, f), dtype=np.result_type(xp, w_full))
            for part in _batch_chunks(n, self.image_bytes):
                rows = slice(part.start * ho * wo, part.stop * ho * wo)
                np.matmul(_im2col(xp[part], (kh, kw), self.stride, ones=self.has_bias), w_full, out=out[rows])
        return out.reshape(n, ho, wo, f).transpose(0, 3, 1, 2)  # NCHW view of NHWC memory

    def backward(self, g):
        f, c, kh, kw = self.weight.shape
        ho, wo = g.shape[2:]
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, f)  # free when g is in NHWC memory, as it usually is
        k = kh * kw * c
        grad_w = grad_b = None
        if self.needs_grad(1):
            # (k, f) for W, and Σ G in the ones column for the bias (colsᵀ·G runs faster in OpenBLAS
            # than Gᵀ·cols, the same numbers transposed)
            if self.cols is not None:
                both = self.cols.T @ g2
            else:
                both = 0
                for part in _batch_chunks(g.shape[0], self.image_bytes):
                    cols = _im2col(self.xp[part], (kh, kw), self.stride, ones=self.has_bias)
                    both = both + cols.T @ g2[part.start * ho * wo : part.stop * ho * wo]
            grad_w = both[:k].reshape(kh, kw, c, f).transpose(3, 2, 0, 1)
            grad_b = both[k] if self.has_bias else None
        elif self.has_bias and self.needs_grad(2):
            grad_b = g2.sum(axis=0)
        grad_x = None
        if self.needs_grad(0):
            # each window's gradient G·Wᵀ, added back onto the pixels the window read
            grad_nhwc = _col2im(g2, self.w_mat.T, self.padded_shape, (ho, wo), (kh, kw), self.stride, g.dtype)
            grad_x = unpad(grad_nhwc.transpose(0, 3, 1, 2), self.padding)
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
        # with numba: one product for every window, then one compiled pass adding them back, a few
        # images at a time (the products are an im2col matrix's size: see WHOLE_IM2COL_BYTES)
        image_bytes = ho * wo * b.shape[1] * np.result_type(a, b).itemsize
        for part in _batch_chunks(n, image_bytes):
            cols = (a[part.start * ho * wo : part.stop * ho * wo] @ b).astype(dtype, copy=False)
            compiled.col2im(cols.reshape(-1, ho, wo, kh, kw, c), sh, sw, out[part])
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
    fn = Conv2d(pair(stride, "stride"), padding)
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
        check_image(x, "conv_transpose2d")
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
        h, w = self.in_hw
        grad_x = np.empty((n * h * w, c), dtype=np.result_type(g, self.w_mat)) if self.needs_grad(0) else None
        grad_w = grad_b = None
        image_bytes = h * w * kh * kw * f * gp.dtype.itemsize
        for part in _batch_chunks(n, image_bytes):  # (see WHOLE_IM2COL_BYTES)
            cols = _im2col(gp[part], (kh, kw), self.stride, ones=False)  # (images·h·w, kh·kw·f)
            rows = slice(part.start * h * w, part.stop * h * w)
            if grad_x is not None:
                np.matmul(cols, self.w_mat.T, out=grad_x[rows])
            if self.needs_grad(1):
                product = cols.T @ self.x2[rows]
                grad_w = product if grad_w is None else grad_w + product
        if grad_x is not None:
            grad_x = grad_x.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        if grad_w is not None:
            grad_w = grad_w.reshape(kh, kw, f, c).transpose(3, 2, 0, 1)
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
        pair(stride, "stride"), pair(padding, "padding"), pair(output_padding, "output_padding")
    )
    return fn(x, weight) if bias is None else fn(x, weight, bias)
