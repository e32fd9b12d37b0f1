"""Convolution on N-C-spatial batches: 1-D and 2-D, strided, padded, dilated and grouped, as
PyTorch's conv1d and conv2d (the transposed convolution, built on the same matrices, is in
conv_transpose.py).

Convolution is one matrix product over all windows at once (im2col through a strided view);
its input gradient adds each window's row of G·Wᵀ back where the window lies (windows.col2im),
never a Python loop over pixels or samples.
A transposed convolution is the same two steps the other way round. With groups, the channels
split into `groups` blocks, each convolved with its own block of filters: the matrices gain a
leading group axis and every product becomes one batched product. A 1-D convolution is the 2-D
one over images one pixel high.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .. import onednn
from ..autograd.function import Function
from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .fold import fold, unfold
from .windows import (
    add_batch,
    as_images,
    as_signals,
    check_image,
    col2im,
    conv_output_size,
    conv_padding,
    ntuple,
    span,
    unpad,
)

# (fold and unfold, im2col as PyTorch exposes it, live in fold.py and are exported from here)
__all__ = ["conv1d", "conv2d", "fold", "unfold"]

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


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """a (rows, g·m) as (g, rows, m), each group's columns one matrix: a view, so a product written
    into it fills a."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups).transpose(1, 0, 2)


def _check_weight(
    x_shape: tuple, weight: np.ndarray, bias: Any, groups: int, what: str, transposed: bool
) -> None:
    """PyTorch's checks of a convolution's weight and bias against its input (shapes as in conv2d's
    docs: weight (out, in/groups, kh, kw), or (in, out/groups, kh, kw) when transposed)."""
    if groups <= 0:
        raise ShapeError(f"{what}: non-positive groups is not supported, got groups={groups}")
    if weight.ndim != len(x_shape):
        raise ShapeError(
            f"{what}: expected a weight of {len(x_shape)} dimensions for input of shape {x_shape}, "
            f"got weight of shape {weight.shape}"
        )
    if not transposed and (weight.shape[0] % groups or weight.shape[0] == 0):
        raise ShapeError(
            f"{what}: Given groups={groups}, expected weight to be divisible by {groups} (and non-empty) at "
            f"dimension 0, but got weight of size {list(weight.shape)} instead"
        )
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if x_shape[1] != expected or (transposed and expected % groups):
        raise ShapeError(
            f"{what}: input of shape {x_shape} has {x_shape[1]} channels, but the weight of shape "
            f"{weight.shape} (groups={groups}{', transposed' if transposed else ''}) expects {expected}"
        )
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and np.shape(bias) != (out_channels,):
        raise ShapeError(
            f"{what}: Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(np.shape(bias))} instead"
        )


class Conv2d(Function):
    """y[n, f] = Σ_c w[f, c] ⋆ x[n, c] + b[f] (cross-correlation, as in every DL library), c running over
    the channels of f's group;   ∂L/∂W = Σ_windows G·windowᵀ, ∂L/∂x = the windows' gradients G·W
    scattered back."""

    holomorphic = True

    def __init__(
        self,
        stride: tuple[int, int],
        padding: int | tuple | str,
        dilation: tuple[int, int] = (1, 1),
        groups: int = 1,
    ) -> None:
        self.stride, self.padding_spec, self.dilation, self.groups = stride, padding, dilation, groups

    def forward(self, x, weight, bias=None):
        check_image(x, "conv2d")
        _check_weight(x.shape, weight, bias, self.groups, "conv2d", transposed=False)
        f, cg, kh, kw = weight.shape
        groups = self.groups
        self.padding = pad_h, pad_w = conv_padding(self.padding_spec, (kh, kw), self.stride, self.dilation)
        ho = conv_output_size(x.shape[2], kh, self.stride[0], pad_h, self.dilation[0], "conv2d", x.shape)
        wo = conv_output_size(x.shape[3], kw, self.stride[1], pad_w, self.dilation[1], "conv2d", x.shape)
        n = x.shape[0]
        self.weight = weight
        # float32 runs on oneDNN's direct kernels when they are installed (the onednn module)
        self.fast = onednn.convolution(
            x.shape, weight.shape, (n, f, ho, wo), self.stride, self.dilation, self.padding, groups,
            bias is not None, x, weight, bias,
        )  # fmt: skip
        if self.fast is not None:
            self.x_cl = onednn.channels_last(x)
            return self.fast.forward(self.x_cl, weight, bias)
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
        # per group, rows matching the columns of im2col: (groups, kh·kw·cg, f/groups)
        self.w_mat = (
            weight.reshape(groups, f // groups, cg, kh, kw)
            .transpose(0, 3, 4, 2, 1)
            .reshape(groups, kh * kw * cg, f // groups)
        )
        w_full = self.w_mat
        if self.has_bias:
            w_full = np.concatenate([self.w_mat, bias.reshape(groups, 1, f // groups)], axis=1)
        k = kh * kw * cg + self.has_bias
        self.image_bytes = ho * wo * groups * k * xp.dtype.itemsize  # each image's share of im2col
        out = np.empty((n * ho * wo, f), dtype=np.result_type(xp, w_full))
        if n * self.image_bytes <= WHOLE_IM2COL_BYTES:
            self.cols, self.xp = self._im2col(xp), None
            np.matmul(self.cols, w_full, out=_grouped(out, groups))
        else:
            self.cols, self.xp = None, xp  # the columns are built again, chunk by chunk, in backward
            for part in _batch_chunks(n, self.image_bytes):
                rows = out[part.start * ho * wo : part.stop * ho * wo]
                np.matmul(self._im2col(xp[part]), w_full, out=_grouped(rows, groups))
        return out.reshape(n, ho, wo, f).transpose(0, 3, 1, 2)  # NCHW view of NHWC memory

    def _im2col(self, xp: np.ndarray) -> np.ndarray:
        kernel = self.weight.shape[2:]
        return _im2col(xp, kernel, self.stride, self.dilation, self.groups, ones=self.has_bias)

    def backward(self, g):
        if self.fast is not None:
            return self._fast_backward(g)
        f, cg, kh, kw = self.weight.shape
        groups = self.groups
        ho, wo = g.shape[2:]
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, f)  # free when g is in NHWC memory, as it usually is
        k = kh * kw * cg
        grad_w = grad_b = None
        if self.needs_grad(1):
            # (k, f/groups) per group for W, and Σ G in the ones column for the bias (colsᵀ·G runs faster
            # in OpenBLAS than Gᵀ·cols, the same numbers transposed)
            g_groups = _grouped(g2, groups)
            if self.cols is not None:
                both = np.matmul(self.cols.transpose(0, 2, 1), g_groups)
            else:
                both = 0
                for part in _batch_chunks(g.shape[0], self.image_bytes):
                    cols = self._im2col(self.xp[part])
                    rows = slice(part.start * ho * wo, part.stop * ho * wo)
                    both = both + np.matmul(cols.transpose(0, 2, 1), g_groups[:, rows])
            grad_w = (
                both[:, :k]
                .reshape(groups, kh, kw, cg, f // groups)
                .transpose(0, 4, 3, 1, 2)
                .reshape(f, cg, kh, kw)
            )
            grad_b = both[:, k].reshape(f) if self.has_bias else None
        elif self.has_bias and self.needs_grad(2):
            grad_b = g2.sum(axis=0)
        grad_x = None
        if self.needs_grad(0):
            # each window's gradient G·Wᵀ, added back onto the pixels the window read
            w_t = self.w_mat.transpose(0, 2, 1)
            grad_nhwc = _product_col2im(
                g2, w_t, self.padded_shape, (ho, wo), (kh, kw), self.stride, self.dilation, g.dtype
            )
            grad_x = unpad(grad_nhwc.transpose(0, 3, 1, 2), self.padding)
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b if self.needs_grad(2) else None

    def _fast_backward(self, g):
        g_cl = onednn.channels_last(g)
        grad_x = self.fast.input_gradient(g_cl, self.weight) if self.needs_grad(0) else None
        grad_w = grad_b = None
        if self.needs_grad(1):
            grad_w, grad_b = self.fast.weight_gradients(self.x_cl, g_cl)
        elif len(self.inputs) == 3 and self.needs_grad(2):
            grad_b = g_cl.sum(axis=(0, 2, 3))
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b if self.needs_grad(2) else None


def _im2col(
    xp: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    ones: bool,
) -> np.ndarray:
    """The im2col matrices (groups, rows, kh·kw·cg [+ 1]) of a (padded) channels-last batch xp
    (N, Hp, Wp, C): one row per window position (n, i, j), its columns the window's entries of the
    group's cg = C/groups channels in (kh, kw, c) order, then a column of ones if asked."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    windows = sliding_window_view(xp, (span(kh, dh), span(kw, dw)), axis=(1, 2))
    windows = windows[:, ::sh, ::sw, :, ::dh, ::dw]  # (n, ho, wo, c, kh, kw): no copy
    n, ho, wo, c = windows.shape[:4]
    cg = c // groups
    windows = windows.reshape(n, ho, wo, groups, cg, kh, kw)  # (splitting an axis: still a view)
    k = kh * kw * cg
    if cg == 1:
        # one channel per group (a first layer, a depthwise one): the matrix stored column by column,
        # each column an image-sized copy with contiguous runs (copying row by row would move one
        # float at a time)
        cols_t = np.empty((groups, k + ones, n * ho * wo), dtype=xp.dtype)
        np.copyto(
            cols_t[:, :k].reshape(groups, kh, kw, n, ho, wo),
            windows[..., 0, :, :].transpose(3, 4, 5, 0, 1, 2),
        )
        cols = cols_t.transpose(0, 2, 1)
    else:
        cols = np.empty((groups, n * ho * wo, k + ones), dtype=xp.dtype)
        np.copyto(_window_rows(cols, n, ho, wo, kh, kw, cg), windows.transpose(3, 0, 1, 2, 5, 6, 4))
    if ones:
        cols[:, :, k] = 1
    return cols


def _product_col2im(
    a: np.ndarray,
    b: np.ndarray,
    padded_shape: tuple[int, ...],
    windows: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    dtype: Any,
) -> np.ndarray:
    """The products a_g·b_g of each group g (a: (rows, groups·m), one row per window position; b:
    (groups, m, kh·kw·cg), its columns in (kh, kw, c) order), each window's row added back where the
    window lies (col2im) into a zero channels-last batch of padded_shape (N, Hp, Wp, groups·cg). A
    convolution's input gradient (a = G, b = Wᵀ) and a transposed convolution's output (a = x, b = W).
    A few images at a time: the products are an im2col matrix's size (see WHOLE_IM2COL_BYTES)."""
    groups = b.shape[0]
    n, c = padded_shape[0], padded_shape[3]
    cg = c // groups
    (ho, wo), (kh, kw) = windows, kernel
    out = np.zeros(padded_shape, dtype=dtype)
    image_bytes = ho * wo * groups * b.shape[2] * np.result_type(a, b).itemsize
    for part in _batch_chunks(n, image_bytes):
        rows = a[part.start * ho * wo : part.stop * ho * wo]
        products = np.matmul(_grouped(rows, groups), b).astype(dtype, copy=False)
        windows_of = products.reshape(groups, part.stop - part.start, ho, wo, kh, kw, cg)
        for g in range(groups):  # (each group's channels: a strided view of the output, unless one)
            col2im(windows_of[g], out[part, :, :, g * cg : (g + 1) * cg], stride, dilation)
    return out


def _window_rows(cols: np.ndarray, n: int, ho: int, wo: int, kh: int, kw: int, cg: int) -> np.ndarray:
    """The first kh·kw·cg columns of the im2col matrices (groups, rows, k [+ 1]) as a (groups, n, ho,
    wo, kh, kw, cg) view (a view, never a copy, so that writing into it fills the matrices)."""
    group, row, item = cols.strides
    return as_strided(
        cols,
        shape=(cols.shape[0], n, ho, wo, kh, kw, cg),
        strides=(group, ho * wo * row, wo * row, row, kw * cg * item, cg * item, item),
    )


def _positive(values: tuple[int, ...], name: str, what: str) -> tuple[int, ...]:
    if min(values) <= 0:
        raise ShapeError(f"{what}: non-positive {name} is not supported, got {name}={values}")
    return values


def _convolve(x: Any, weight: Any, bias: Any, spatial: int, what: str, fn: Function) -> Tensor:
    """Run the 2-D op fn on x (batched or not, 1-D or 2-D), as PyTorch's conv functions do."""
    x, unbatched = add_batch(x, spatial, what)
    if np.ndim(weight) != spatial + 2:
        raise ShapeError(
            f"{what}: expected a weight of {spatial + 2} dimensions, got weight of shape {np.shape(weight)}"
        )
    if spatial == 1:
        x, weight = as_images(x), as_images(weight)
    out = fn(x, weight) if bias is None else fn(x, weight, bias)
    if spatial == 1:
        out = as_signals(out)
    return reshape(out, *out.shape[1:]) if unbatched else out


def _conv_args(stride: Any, padding: Any, dilation: Any, spatial: int, what: str) -> tuple:
    """stride, padding, dilation as 2-D tuples (a 1-D convolution's with height 1 in front)."""
    stride = _positive(ntuple(stride, spatial, "stride"), "stride", what)
    dilation = _positive(ntuple(dilation, spatial, "dilation"), "dilation", what)
    if not isinstance(padding, str):
        padding = ntuple(padding, spatial, "padding")
    if spatial == 1:
        stride, dilation = (1, *stride), (1, *dilation)
        padding = padding if isinstance(padding, str) else (0, *padding)
    return stride, padding, dilation


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple | str = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution of (N, C, H, W) images (or one (C, H, W) image) with weights (out_channels,
    in_channels/groups, kh, kw); padding is zeros on each side (an int or a pair), 'valid' (none) or
    'same' (stride 1: output size = input size)."""
    stride, padding, dilation = _conv_args(stride, padding, dilation, 2, "conv2d")
    return _convolve(input, weight, bias, 2, "conv2d", Conv2d(stride, padding, dilation, groups))


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple | str = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution of (N, C, L) signals (or one (C, L)) with weights (out_channels,
    in_channels/groups, k): conv2d over images one pixel high."""
    stride, padding, dilation = _conv_args(stride, padding, dilation, 1, "conv1d")
    return _convolve(input, weight, bias, 1, "conv1d", Conv2d(stride, padding, dilation, groups))
