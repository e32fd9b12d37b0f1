"""F.unfold and F.fold: im2col and col2im in PyTorch's layout, each the other's transpose.

unfold turns every window of an (N, C, H, W) batch into a column of an (N, C·kh·kw, L) array, the
column's rows in (c, i, j) order and the L windows row by row; fold adds such columns back where
their windows lie (overlapping windows add up). So ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩, and each op's
backward is the other op. (conv2d builds its own im2col, channels-last and by groups.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .windows import col2im, ntuple, span, unpad, window_view

__all__ = ["fold", "unfold"]


def _blocks(
    size: tuple[int, int], kernel: tuple, stride: tuple, padding: tuple, dilation: tuple
) -> tuple[int, int]:
    """Windows along each axis: ⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1, at least one each."""
    blocks = tuple(
        (n + 2 * p - span(k, d)) // s + 1
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation, strict=True)
    )
    if min(blocks) < 1:
        raise ShapeError(
            f"Given input with spatial size {tuple(size)}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, calculated shape of the array of sliding blocks as {blocks}, but its "
            "components must be at least one."
        )
    return blocks  # type: ignore[return-value]


def _columns(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """im2col of a padded batch (N, C, Hp, Wp): (N, C·kh·kw, L)."""
    windows = window_view(xp, kernel, stride, dilation)  # (n, c, ho, wo, kh, kw)
    n, c, ho, wo, kh, kw = windows.shape
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def _add_back(cols: np.ndarray, padded_shape: tuple, kernel: tuple, stride: tuple, dilation: tuple, blocks):
    """col2im: the columns (N, C·kh·kw, L) added where their windows lie in a zero padded batch."""
    n, c = padded_shape[:2]
    windows = cols.reshape(n, c, *kernel, *blocks).transpose(0, 4, 5, 2, 3, 1)  # (n, ho, wo, kh, kw, c)
    out = np.zeros(padded_shape, dtype=cols.dtype)
    col2im(windows, out.transpose(0, 2, 3, 1), stride, dilation)
    return out


class Unfold(Function):
    """y[n, (c, i, j), l] = x[n, c, tap (i, j) of window l] (zeros in the padding);   ∂L/∂x = fold(g)."""

    saved_inputs = ()

    def __init__(self, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> None:
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation

    def forward(self, x):
        self.blocks = _blocks(x.shape[2:], self.kernel, self.stride, self.padding, self.dilation)
        (ph, pw) = self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        self.padded_shape = xp.shape
        return _columns(xp, self.kernel, self.stride, self.dilation)

    def backward(self, g):
        padded = _add_back(g, self.padded_shape, self.kernel, self.stride, self.dilation, self.blocks)
        return (unpad(padded, self.padding),)


class Fold(Function):
    """y = the columns x[n, (c, i, j), l] added back at tap (i, j) of window l (overlaps add, the
    padding cropped);   ∂L/∂x = unfold(g)."""

    saved_inputs = ()

    def __init__(self, size: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> None:
        self.size, self.kernel, self.stride, self.padding, self.dilation = (
            size,
            kernel,
            stride,
            padding,
            dilation,
        )

    def forward(self, x):
        kh, kw = self.kernel
        if x.shape[1] % (kh * kw):
            raise ShapeError(
                "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                f"got input.size(1)={x.shape[1]} and kernel_size={self.kernel}."
            )
        self.blocks = ho, wo = _blocks(self.size, self.kernel, self.stride, self.padding, self.dilation)
        if x.shape[2] != ho * wo:
            raise ShapeError(
                f"Given output_size={self.size}, kernel_size={self.kernel}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}, expected size of input's dimension 2 to "
                f"match the calculated number of sliding blocks {ho} * {wo} = {ho * wo}, but got "
                f"input.size(2)={x.shape[2]}."
            )
        (ph, pw), (h, w) = self.padding, self.size
        padded_shape = (x.shape[0], x.shape[1] // (kh * kw), h + 2 * ph, w + 2 * pw)
        return unpad(
            _add_back(x, padded_shape, self.kernel, self.stride, self.dilation, self.blocks), self.padding
        )

    def backward(self, g):
        (ph, pw) = self.padding
        gp = np.pad(g, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else g
        return (_columns(gp, self.kernel, self.stride, self.dilation),)


def _args(kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    kernel, dilation = ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation")
    padding, stride = ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride")
    if min(kernel) <= 0 or min(dilation) <= 0 or min(stride) <= 0 or min(padding) < 0:
        raise ShapeError(
            f"kernel_size {kernel}, dilation {dilation} and stride {stride} must be positive and padding "
            f"{padding} non-negative"
        )
    return kernel, stride, padding, dilation


def unfold(
    input: Any,
    kernel_size: int | tuple,
    dilation: int | tuple = 1,
    padding: int | tuple = 0,
    stride: int | tuple = 1,
) -> Tensor:
    """Every kh×kw window of (N, C, H, W) images (or one (C, H, W)) as a column: (N, C·kh·kw, L)."""
    ndim = np.ndim(input)
    if ndim not in (3, 4):
        raise ShapeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {ndim}D)")
    x = reshape(input, 1, *np.shape(input)) if ndim == 3 else input
    out = Unfold(*_args(kernel_size, dilation, padding, stride))(x)
    return reshape(out, *out.shape[1:]) if ndim == 3 else out


def fold(
    input: Any,
    output_size: int | tuple,
    kernel_size: int | tuple,
    dilation: int | tuple = 1,
    padding: int | tuple = 0,
    stride: int | tuple = 1,
) -> Tensor:
    """Columns (N, C·kh·kw, L) (or (C·kh·kw, L)) added back into (N, C, *output_size) images where
    their windows lie: the transpose of unfold."""
    shape = tuple(np.shape(input))
    if len(shape) not in (2, 3) or 0 in shape[-2:]:
        raise ShapeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
            f"dimensions for input, but got: {list(shape)}"
        )
    x = reshape(input, 1, *shape) if len(shape) == 2 else input
    out = Fold(ntuple(output_size, 2, "output_size"), *_args(kernel_size, dilation, padding, stride))(x)
    return reshape(out, *out.shape[1:]) if len(shape) == 2 else out
