"""Transposed convolution on N-C-spatial batches, 1-D and 2-D, as PyTorch's conv_transpose1d and
conv_transpose2d: a convolution's two steps the other way round (each input pixel's row of X·W added
back by col2im; both gradients are products with the im2col matrix of the output gradient), on
conv.py's matrices; float32 on oneDNN, as the convolution's input gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import onednn
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .conv import (
    _batch_chunks,
    _check_weight,
    _conv_args,
    _convolve,
    _grouped,
    _im2col,
    _product_col2im,
)
from .windows import check_image, ntuple, span

__all__ = ["conv_transpose1d", "conv_transpose2d"]


class ConvTranspose2d(Function):
    """The transpose of conv2d (its gradient with respect to the input, as a layer): each input
    pixel spreads x[n, c]·w[c, :] over a kh×kw patch of the output (taps `dilation` apart), patches
    `stride` apart, then the border is cropped by `padding`.   y = col2im(X·W);  ∂L/∂X = im2col(G)·Wᵀ,
    ∂L/∂W = Xᵀ·im2col(G), with X the pixels as rows and W as (c, kh·kw·f), per group."""

    holomorphic = True

    def __init__(
        self,
        stride: tuple[int, int],
        padding: tuple[int, int],
        output_padding: tuple[int, int],
        dilation: tuple[int, int] = (1, 1),
        groups: int = 1,
    ) -> None:
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        self.dilation, self.groups = dilation, groups

    def forward(self, x, weight, bias=None):
        check_image(x, "conv_transpose2d")
        _check_weight(x.shape, weight, bias, self.groups, "conv_transpose2d", transposed=True)
        if any(
            op >= s and op >= d
            for op, s, d in zip(self.output_padding, self.stride, self.dilation, strict=True)
        ):
            raise ShapeError(
                f"conv_transpose2d: output padding must be smaller than either stride or dilation, but got "
                f"output_padding {self.output_padding}, stride {self.stride} and dilation {self.dilation}"
            )
        n, c, h, w = x.shape
        _, fg, kh, kw = weight.shape
        groups = self.groups
        (sh, sw), (dh, dw), (oph, opw) = self.stride, self.dilation, self.output_padding
        self.in_hw = (h, w)
        full = ((h - 1) * sh + span(kh, dh) + oph, (w - 1) * sw + span(kw, dw) + opw)
        ph, pw = self.padding
        if full[0] - 2 * ph <= 0 or full[1] - 2 * pw <= 0:
            raise ShapeError(
                f"conv_transpose2d: padding {self.padding} crops away the whole output for input {x.shape}"
            )
        self.weight = weight
        # float32 on oneDNN (the onednn module): this is the input gradient of the convolution that
        # maps an output-shaped image to x, and its input gradient is that convolution's forward pass
        out_shape = (n, fg * groups, full[0] - 2 * ph, full[1] - 2 * pw)
        self.fast = onednn.convolution(
            out_shape, weight.shape, x.shape, self.stride, self.dilation, ((ph, ph), (pw, pw)), groups,
            False, x, weight, bias,
        )  # fmt: skip
        if self.fast is not None:
            self.x_cl = onednn.channels_last(x)
            out = self.fast.input_gradient(self.x_cl, weight)
            if bias is not None:
                out += bias.reshape(-1, 1, 1)
            return out
        # the pixels of x are the rows of a product x·W (one (kh, kw, f) patch per pixel), which
        # col2im adds, patches `stride` apart, into the full output (channels-last, as a conv's)
        self.x2 = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)
        self.w_mat = (
            weight.reshape(groups, c // groups, fg, kh, kw)
            .transpose(0, 1, 3, 4, 2)
            .reshape(groups, c // groups, kh * kw * fg)
        )
        dtype = np.result_type(x, weight)
        out = _product_col2im(
            self.x2, self.w_mat, (n, *full, fg * groups), (h, w), (kh, kw), self.stride, self.dilation, dtype
        )
        out = out[:, ph : full[0] - ph, pw : full[1] - pw]
        if bias is not None:
            out += bias  # along the channels, the last axis in memory
        return out.transpose(0, 3, 1, 2)

    def backward(self, g):
        if self.fast is not None:
            g_cl = onednn.channels_last(g)
            grads = [
                self.fast.forward(g_cl, self.weight, None) if self.needs_grad(0) else None,
                self.fast.weight_gradients(g_cl, self.x_cl)[0] if self.needs_grad(1) else None,
            ]
            if len(self.inputs) == 3:
                grads.append(g_cl.sum(axis=(0, 2, 3)) if self.needs_grad(2) else None)
            return tuple(grads)
        c, fg, kh, kw = self.weight.shape
        groups = self.groups
        n = g.shape[0]
        (ph, pw), (sh, sw), (dh, dw) = self.padding, self.stride, self.dilation
        h, w = self.in_hw
        # the gradient of the cropped border is zero; each input pixel's patch of the full gradient
        # is one window, so im2col gives them all, and both gradients are products with it (the
        # rows output_padding added lie beyond every window)
        g_nhwc = g.transpose(0, 2, 3, 1)
        gp = np.pad(g_nhwc, ((0, 0), (ph, ph), (pw, pw), (0, 0))) if ph or pw else g_nhwc
        gp = gp[:, : (h - 1) * sh + span(kh, dh), : (w - 1) * sw + span(kw, dw)]
        grad_x = np.empty((n * h * w, c), dtype=np.result_type(g, self.w_mat)) if self.needs_grad(0) else None
        w_t = self.w_mat.transpose(0, 2, 1)  # (groups, kh·kw·f/groups, c/groups)
        grad_w = grad_b = None
        image_bytes = h * w * kh * kw * fg * groups * gp.dtype.itemsize
        for part in _batch_chunks(n, image_bytes):  # (see WHOLE_IM2COL_BYTES)
            cols = _im2col(gp[part], (kh, kw), self.stride, self.dilation, groups, ones=False)
            rows = slice(part.start * h * w, part.stop * h * w)
            if grad_x is not None:
                np.matmul(cols, w_t, out=_grouped(grad_x[rows], groups))
            if self.needs_grad(1):
                product = np.matmul(cols.transpose(0, 2, 1), _grouped(self.x2[rows], groups))
                grad_w = product if grad_w is None else grad_w + product
        if grad_x is not None:
            grad_x = grad_x.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        if self.needs_grad(1):
            if grad_w is None:  # an empty batch
                grad_w = np.zeros((groups, kh * kw * fg, c // groups), dtype=np.result_type(g, self.x2))
            grad_w = (
                grad_w.reshape(groups, kh, kw, fg, c // groups)
                .transpose(0, 4, 3, 1, 2)
                .reshape(c, fg, kh, kw)
            )
        if len(self.inputs) == 3 and self.needs_grad(2):
            grad_b = g_nhwc.sum(axis=(0, 1, 2))
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b


def _transpose_args(padding: Any, output_padding: Any, spatial: int, what: str) -> tuple:
    padding = ntuple(padding, spatial, "padding")
    output_padding = ntuple(output_padding, spatial, "output_padding")
    if min(padding) < 0 or min(output_padding) < 0:
        raise ShapeError(f"{what}: negative padding is not supported, got {padding} and {output_padding}")
    return ((0, *padding), (0, *output_padding)) if spatial == 1 else (padding, output_padding)


def _conv_transpose(
    spatial: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Tensor:
    """conv_transpose1d and 2d: the arguments checked, a 1-D problem run as a 2-D one of height 1."""
    what = f"conv_transpose{spatial}d"
    stride, _, dilation = _conv_args(stride, 0, dilation, spatial, what)
    padding, output_padding = _transpose_args(padding, output_padding, spatial, what)
    fn = ConvTranspose2d(stride, padding, output_padding, dilation, groups)
    return _convolve(input, weight, bias, spatial, what, fn)


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple = 0,
    output_padding: int | tuple = 0,
    groups: int = 1,
    dilation: int | tuple = 1,
) -> Tensor:
    """Transposed convolution with weights (in_channels, out_channels/groups, kh, kw), as torch's
    (note its argument order: groups before dilation)."""
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple = 1,
    padding: int | tuple = 0,
    output_padding: int | tuple = 0,
    groups: int = 1,
    dilation: int | tuple = 1,
) -> Tensor:
    """Transposed 1-D convolution with weights (in_channels, out_channels/groups, k)."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)
