"""3-D convolution of N-C-D-H-W volumes (videos, scans), as PyTorch's conv3d: strided, padded
('same', 'valid' or zeros), dilated and grouped; and its transpose, conv_transpose3d.

The same two steps as the 2-D convolution (conv.py), one axis deeper: the forward pass is one
matrix product over all windows at once (im2col through a strided view of the channels-last
volume); the input gradient adds each window's row of G·Wᵀ back where the window lies (col2im),
one strided add per kernel position (kd·kh·kw of them), never a loop over voxels or samples.
The transposed convolution is the same two steps the other way round.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function
from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .conv import (
    WHOLE_IM2COL_BYTES,
    _batch_chunks,
    _check_weight,
    _conv_args,
    _grouped,
)
from .conv_transpose import _transpose_args
from .windows import add_batch, check_image, conv_output_size, conv_padding, span

__all__ = ["conv3d", "conv_transpose3d"]

Triple = tuple[int, int, int]


def _im2col3(xp: np.ndarray, kernel: Triple, stride: Triple, dilation: Triple, groups: int) -> np.ndarray:
    """The im2col matrices (groups, rows, kd·kh·kw·cg) of a (padded) channels-last batch xp
    (N, Dp, Hp, Wp, C): one row per window position (n, i, j, l), its columns the window's entries of
    the group's cg = C/groups channels in (kd, kh, kw, c) order."""
    (kd, kh, kw), (sd, sh, sw), (dd, dh, dw) = kernel, stride, dilation
    spans = (span(kd, dd), span(kh, dh), span(kw, dw))
    windows = sliding_window_view(xp, spans, axis=(1, 2, 3))
    windows = windows[:, ::sd, ::sh, ::sw, :, ::dd, ::dh, ::dw]  # (n, do, ho, wo, c, kd, kh, kw): no copy
    n, do, ho, wo, c = windows.shape[:5]
    cg = c // groups
    windows = windows.reshape(n, do, ho, wo, groups, cg, kd, kh, kw)  # (splitting an axis: a view)
    cols = np.empty((groups, n, do, ho, wo, kd, kh, kw, cg), dtype=xp.dtype)
    np.copyto(cols, windows.transpose(4, 0, 1, 2, 3, 6, 7, 8, 5))
    return cols.reshape(groups, n * do * ho * wo, kd * kh * kw * cg)


def _col2im3(windows: np.ndarray, out: np.ndarray, stride: Triple, dilation: Triple) -> np.ndarray:
    """im2col's transpose: out (N, Dp, Hp, Wp, C) += each window's values windows (N, Do, Ho, Wo, kd,
    kh, kw, C) where the window lies (windows `stride` apart, taps `dilation` apart); returns out."""
    _, do, ho, wo, kd, kh, kw, _ = windows.shape
    (sd, sh, sw), (dd, dh, dw) = stride, dilation
    for a in range(kd):
        depth = slice(a * dd, a * dd + sd * do, sd)
        for b in range(kh):
            rows = slice(b * dh, b * dh + sh * ho, sh)
            for c in range(kw):
                cols = slice(c * dw, c * dw + sw * wo, sw)
                out[:, depth, rows, cols] += windows[:, :, :, :, a, b, c]
    return out


class Conv3d(Function):
    """y[n, f] = Σ_c w[f, c] ⋆ x[n, c] + b[f] over volumes, c running over the channels of f's group;
    ∂L/∂W = Σ_windows G·windowᵀ, ∂L/∂b = Σ G, ∂L/∂x = the windows' gradients G·W scattered back."""

    holomorphic = True

    def __init__(self, stride: Triple, padding: tuple | str, dilation: Triple, groups: int) -> None:
        self.stride, self.padding_spec, self.dilation, self.groups = stride, padding, dilation, groups

    def forward(self, x, weight, bias=None):
        check_image(x, "conv3d", spatial=3)
        _check_weight(x.shape, weight, bias, self.groups, "conv3d", transposed=False)
        f, cg, kd, kh, kw = weight.shape
        groups, kernel = self.groups, (kd, kh, kw)
        self.padding = conv_padding(self.padding_spec, kernel, self.stride, self.dilation)
        self.out_size = tuple(
            conv_output_size(
                x.shape[2 + i],
                kernel[i],
                self.stride[i],
                self.padding[i],
                self.dilation[i],
                "conv3d",
                x.shape,
            )
            for i in range(3)
        )
        # channels-last, as conv2d: im2col then copies runs of a voxel's channels, and the output is
        # produced in NDHWC memory, seen through an NCDHW view
        x_last = x.transpose(0, 2, 3, 4, 1)
        pads = ((0, 0), *self.padding, (0, 0))
        xp = np.pad(x_last, pads) if any(sum(self.padding, ())) else x_last
        self.padded_shape, self.weight = xp.shape, weight
        # per group, rows matching the columns of im2col: (groups, kd·kh·kw·cg, f/groups)
        self.w_mat = (
            weight.reshape(groups, f // groups, cg, kd, kh, kw)
            .transpose(0, 3, 4, 5, 2, 1)
            .reshape(groups, kd * kh * kw * cg, f // groups)
        )
        n, rows_per_image = x.shape[0], int(np.prod(self.out_size))
        self.image_bytes = rows_per_image * groups * kd * kh * kw * cg * xp.dtype.itemsize
        dtype = np.result_type(xp, weight) if bias is None else np.result_type(xp, weight, bias)
        out = np.empty((n * rows_per_image, f), dtype=dtype)
        if n * self.image_bytes <= WHOLE_IM2COL_BYTES:
            self.cols, self.xp = _im2col3(xp, kernel, self.stride, self.dilation, groups), None
            np.matmul(self.cols, self.w_mat, out=_grouped(out, groups))
        else:  # (see WHOLE_IM2COL_BYTES: the columns are built again, chunk by chunk, in backward)
            self.cols, self.xp = None, xp
            for part in _batch_chunks(n, self.image_bytes):
                rows = out[part.start * rows_per_image : part.stop * rows_per_image]
                cols = _im2col3(xp[part], kernel, self.stride, self.dilation, groups)
                np.matmul(cols, self.w_mat, out=_grouped(rows, groups))
        if bias is not None:
            out += bias  # along the channels, the last axis in memory
        return out.reshape(n, *self.out_size, f).transpose(0, 4, 1, 2, 3)  # NCDHW view of NDHWC memory

    def backward(self, g):
        f, cg, kd, kh, kw = self.weight.shape
        groups, kernel = self.groups, (kd, kh, kw)
        n, rows_per_image = g.shape[0], int(np.prod(self.out_size))
        g_last = g.transpose(0, 2, 3, 4, 1)
        g2 = g_last.reshape(-1, f)  # free when g is in NDHWC memory, as it usually is
        g_groups = _grouped(g2, groups)
        grad_x = grad_w = grad_b = None
        if self.needs_grad(1):
            if self.cols is not None:
                grad_w = np.matmul(self.cols.transpose(0, 2, 1), g_groups)
            else:
                grad_w = np.zeros(
                    (groups, kd * kh * kw * cg, f // groups), dtype=np.result_type(g, self.w_mat)
                )
                for part in _batch_chunks(n, self.image_bytes):
                    cols = _im2col3(self.xp[part], kernel, self.stride, self.dilation, groups)
                    rows = slice(part.start * rows_per_image, part.stop * rows_per_image)
                    grad_w += np.matmul(cols.transpose(0, 2, 1), g_groups[:, rows])
            grad_w = (
                grad_w.reshape(groups, kd, kh, kw, cg, f // groups)
                .transpose(0, 5, 4, 1, 2, 3)
                .reshape(f, cg, kd, kh, kw)
            )
        if len(self.inputs) == 3 and self.needs_grad(2):
            grad_b = g_last.sum(axis=(0, 1, 2, 3))
        if self.needs_grad(0):
            # each window's gradient G·Wᵀ, added back onto the voxels the window read, a few volumes
            # at a time (the products are an im2col matrix's size)
            w_t = self.w_mat.transpose(0, 2, 1)
            full = np.zeros(self.padded_shape, dtype=np.result_type(g, self.w_mat))
            for part in _batch_chunks(n, self.image_bytes):
                rows = g_groups[:, part.start * rows_per_image : part.stop * rows_per_image]
                products = np.matmul(rows, w_t)  # (groups, rows, kd·kh·kw·cg)
                windows = products.reshape(groups, part.stop - part.start, *self.out_size, kd, kh, kw, cg)
                # the channel of group g's entry j is g·cg + j: groups next to cg is the input's order
                windows = windows.transpose(1, 2, 3, 4, 5, 6, 7, 0, 8).reshape(*windows.shape[1:8], -1)
                _col2im3(windows, full[part], self.stride, self.dilation)
            (d0, d1), (h0, h1), (w0, w1) = self.padding
            dp, hp, wp = self.padded_shape[1:4]
            grad_x = full[:, d0 : dp - d1, h0 : hp - h1, w0 : wp - w1].transpose(0, 4, 1, 2, 3)
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b


class ConvTranspose3d(Function):
    """The transpose of conv3d (its gradient with respect to the input, as a layer): each input voxel
    spreads x[n, c]·w[c, :] over a kd×kh×kw patch of the output (taps `dilation` apart), patches
    `stride` apart, then the border is cropped by `padding`.   y = col2im(X·W);  ∂L/∂X = im2col(G)·Wᵀ,
    ∂L/∂W = Xᵀ·im2col(G), with X the voxels as rows and W as (c, kd·kh·kw·f), per group."""

    holomorphic = True

    def __init__(
        self, stride: Triple, padding: Triple, output_padding: Triple, dilation: Triple, groups: int
    ) -> None:
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        self.dilation, self.groups = dilation, groups

    def forward(self, x, weight, bias=None):
        check_image(x, "conv_transpose3d", spatial=3)
        _check_weight(x.shape, weight, bias, self.groups, "conv_transpose3d", transposed=True)
        if any(
            op >= s and op >= d
            for op, s, d in zip(self.output_padding, self.stride, self.dilation, strict=True)
        ):
            raise ShapeError(
                f"conv_transpose3d: output padding must be smaller than either stride or dilation, but got "
                f"output_padding {self.output_padding}, stride {self.stride} and dilation {self.dilation}"
            )
        n, c = x.shape[:2]
        _, fg, kd, kh, kw = weight.shape
        groups, kernel = self.groups, (kd, kh, kw)
        self.in_size = x.shape[2:]
        full = tuple(
            (size - 1) * s + span(k, d) + op
            for size, s, k, d, op in zip(
                self.in_size, self.stride, kernel, self.dilation, self.output_padding, strict=True
            )
        )
        if any(size - 2 * p <= 0 for size, p in zip(full, self.padding, strict=True)):
            raise ShapeError(
                f"conv_transpose3d: padding {self.padding} crops away the whole output for input {x.shape}"
            )
        # the voxels of x are the rows of a product x·W (one (kd, kh, kw, f) patch per voxel), which
        # col2im adds, patches `stride` apart, into the full output (channels-last, as a conv's)
        self.x2 = x.transpose(0, 2, 3, 4, 1).reshape(-1, c)
        self.weight = weight
        self.w_mat = (
            weight.reshape(groups, c // groups, fg, kd, kh, kw)
            .transpose(0, 1, 3, 4, 5, 2)
            .reshape(groups, c // groups, kd * kh * kw * fg)
        )
        dtype = np.result_type(x, weight) if bias is None else np.result_type(x, weight, bias)
        out = np.zeros((n, *full, fg * groups), dtype=dtype)
        rows_per_image = int(np.prod(self.in_size))
        image_bytes = rows_per_image * groups * kd * kh * kw * fg * dtype.itemsize
        for part in _batch_chunks(n, image_bytes):  # (see WHOLE_IM2COL_BYTES)
            rows = _grouped(self.x2[part.start * rows_per_image : part.stop * rows_per_image], groups)
            products = np.matmul(rows, self.w_mat).astype(dtype, copy=False)
            windows = products.reshape(groups, part.stop - part.start, *self.in_size, kd, kh, kw, fg)
            # the output channel of group g's entry j is g·fg + j
            windows = windows.transpose(1, 2, 3, 4, 5, 6, 7, 0, 8).reshape(*windows.shape[1:8], -1)
            _col2im3(windows, out[part], self.stride, self.dilation)
        (pd, ph, pw), (fd, fh, fw) = self.padding, full
        out = out[:, pd : fd - pd, ph : fh - ph, pw : fw - pw]
        if bias is not None:
            out += bias  # along the channels, the last axis in memory
        return out.transpose(0, 4, 1, 2, 3)

    def backward(self, g):
        c, fg, kd, kh, kw = self.weight.shape
        groups, kernel = self.groups, (kd, kh, kw)
        n = g.shape[0]
        # the gradient of the cropped border is zero; each input voxel's patch of the full gradient
        # is one window, so im2col gives them all, and both gradients are products with it (what
        # output_padding added lies beyond every window)
        g_last = g.transpose(0, 2, 3, 4, 1)
        pads = ((0, 0), *((p, p) for p in self.padding), (0, 0))
        gp = np.pad(g_last, pads) if any(self.padding) else g_last
        reach = tuple(
            (size - 1) * s + span(k, d)
            for size, s, k, d in zip(self.in_size, self.stride, kernel, self.dilation, strict=True)
        )
        gp = gp[:, : reach[0], : reach[1], : reach[2]]
        rows_per_image = int(np.prod(self.in_size))
        grad_x = None
        if self.needs_grad(0):
            grad_x = np.empty((n * rows_per_image, c), dtype=np.result_type(g, self.w_mat))
        w_t = self.w_mat.transpose(0, 2, 1)  # (groups, kd·kh·kw·f/groups, c/groups)
        grad_w = grad_b = None
        if self.needs_grad(1):
            grad_w = np.zeros((groups, kd * kh * kw * fg, c // groups), dtype=np.result_type(g, self.x2))
        image_bytes = rows_per_image * groups * kd * kh * kw * fg * gp.dtype.itemsize
        for part in _batch_chunks(n, image_bytes):  # (see WHOLE_IM2COL_BYTES)
            cols = _im2col3(gp[part], kernel, self.stride, self.dilation, groups)
            rows = slice(part.start * rows_per_image, part.stop * rows_per_image)
            if grad_x is not None:
                np.matmul(cols, w_t, out=_grouped(grad_x[rows], groups))
            if grad_w is not None:
                grad_w += np.matmul(cols.transpose(0, 2, 1), _grouped(self.x2[rows], groups))
        if grad_x is not None:
            grad_x = grad_x.reshape(n, *self.in_size, c).transpose(0, 4, 1, 2, 3)
        if grad_w is not None:
            grad_w = (
                grad_w.reshape(groups, kd, kh, kw, fg, c // groups)
                .transpose(0, 5, 4, 1, 2, 3)
                .reshape(c, fg, kd, kh, kw)
            )
        if len(self.inputs) == 2:
            return grad_x, grad_w
        if self.needs_grad(2):
            grad_b = g_last.sum(axis=(0, 1, 2, 3))
        return grad_x, grad_w, grad_b


def conv3d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple | str = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution of (N, C, D, H, W) volumes (or one (C, D, H, W) volume) with weights
    (out_channels, in_channels/groups, kd, kh, kw); padding is zeros on each side (an int or a
    triple), 'valid' (none) or 'same' (stride 1: output size = input size)."""
    stride, padding, dilation = _conv_args(stride, padding, dilation, 3, "conv3d")
    x, unbatched = add_batch(input, 3, "conv3d")
    if np.ndim(weight) != 5:
        raise ShapeError(f"conv3d: expected a weight of 5 dimensions, got weight of shape {np.shape(weight)}")
    fn = Conv3d(stride, padding, dilation, groups)
    out = fn(x, weight) if bias is None else fn(x, weight, bias)
    return reshape(out, *out.shape[1:]) if unbatched else out


def conv_transpose3d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple = 0,
    output_padding: int | tuple = 0,
    groups: int = 1,
    dilation: int | tuple = 1,
) -> Tensor:
    """Transposed 3-D convolution of (N, C, D, H, W) volumes with weights (in_channels,
    out_channels/groups, kd, kh, kw), as torch's (note its argument order: groups before dilation)."""
    stride, _, dilation = _conv_args(stride, 0, dilation, 3, "conv_transpose3d")
    padding, output_padding = _transpose_args(padding, output_padding, 3, "conv_transpose3d")
    x, unbatched = add_batch(input, 3, "conv_transpose3d")
    if np.ndim(weight) != 5:
        raise ShapeError(
            f"conv_transpose3d: expected a weight of 5 dimensions, got weight of shape {np.shape(weight)}"
        )
    fn = ConvTranspose3d(stride, padding, output_padding, dilation, groups)
    out = fn(x, weight) if bias is None else fn(x, weight, bias)
    return reshape(out, *out.shape[1:]) if unbatched else out
