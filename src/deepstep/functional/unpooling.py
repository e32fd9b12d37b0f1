"""Max unpooling, as PyTorch's: each pooled value put back where max pooling's indices say (the flat
position i·W + j of its window's maximum within its (H, W) plane), zeros elsewhere. 1-D unpooling is
2-D unpooling of images one pixel high; a (C, *spatial) input is one sample."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .pooling import window_args
from .windows import add_batch, as_images, as_signals, check_image

__all__ = ["max_unpool1d", "max_unpool2d"]


class MaxUnpool2d(Function):
    """y.flat[indices] = x in each (H, W) plane, zeros elsewhere (max pooling undone where its indices
    say);   ∂L/∂x = g.flat[indices]."""

    real_only = "max_unpool2d"
    saved_inputs = (1,)

    def __init__(self, out_hw: tuple[int, int]) -> None:
        self.out_hw = out_hw

    def forward(self, x, indices):
        check_image(x, "max_unpool2d")
        indices = np.asarray(indices)
        if indices.shape != x.shape or indices.dtype.kind not in "iu":
            raise ShapeError(
                f"max_unpool2d: expected integer indices of the input's shape {x.shape}, got "
                f"{indices.dtype} indices of shape {indices.shape}"
            )
        n, c = x.shape[:2]
        self.x_shape, plane = x.shape, self.out_hw[0] * self.out_hw[1]
        self.index = indices.reshape(n * c, -1)
        if self.index.size and (self.index.min() < 0 or self.index.max() >= plane):
            bad = self.index[(self.index < 0) | (self.index >= plane)][0]
            raise ShapeError(
                f"max_unpool2d: Found an invalid max index: {bad} (output volumes are of size "
                f"{self.out_hw[0]}x{self.out_hw[1]})"
            )
        out = np.zeros((n * c, plane), dtype=x.dtype)
        np.put_along_axis(out, self.index, x.reshape(n * c, -1), axis=1)
        return out.reshape(n, c, *self.out_hw)

    def backward(self, g):
        n, c = g.shape[:2]
        return np.take_along_axis(g.reshape(n * c, -1), self.index, axis=1).reshape(self.x_shape), None


def _unpool_size(
    shape: tuple, kernel: tuple, stride: tuple, padding: tuple, output_size: Any, what: str
) -> tuple[int, ...]:
    """PyTorch's output size of max unpooling: (n − 1)·s − 2p + k per axis, or output_size (with or
    without the leading N, C) when it lies strictly within a stride of that."""
    spatial = len(kernel)
    default = tuple(
        (n - 1) * s + k - 2 * p for n, k, s, p in zip(shape[-spatial:], kernel, stride, padding, strict=True)
    )
    if output_size is None:
        return default
    sizes = tuple(output_size)
    if len(sizes) == spatial + 2:
        sizes = sizes[2:]
    if len(sizes) != spatial:
        raise ValueError(
            f"{what}: output_size should be a sequence containing {spatial} or {spatial + 2} elements, but "
            f"it has a length of '{len(sizes)}'"
        )
    for d, (size, s) in enumerate(zip(sizes, stride, strict=True)):
        if not default[d] - s < size < default[d] + s:
            raise ValueError(
                f'{what}: invalid output_size "{output_size}" (dim {d} must be between {default[d] - s} '
                f"and {default[d] + s})"
            )
    return tuple(int(v) for v in sizes)


def _unpool(
    input: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any, output_size: Any, spatial: int
) -> Tensor:
    """max_unpool1d or max_unpool2d: the output's size, then MaxUnpool2d on the batch (of images one
    pixel high for signals)."""
    what = f"max_unpool{spatial}d"
    kernel, stride, padding, _ = window_args(kernel_size, stride, padding, 1, spatial)
    # the spatial axes given (a 1-D window's pairs start with the height 1 of its images)
    axes = slice(2 - spatial, None)
    sizes = _unpool_size(np.shape(input), kernel[axes], stride[axes], padding[axes], output_size, what)
    x, unbatched = add_batch(input, spatial, what)
    index = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    index = index[None] if unbatched else index
    if spatial == 1:
        x = as_images(x)
        index = index.reshape(x.shape)
    out = MaxUnpool2d((1, *sizes) if spatial == 1 else sizes)(x, index)
    out = as_signals(out) if spatial == 1 else out
    return reshape(out, *out.shape[1:]) if unbatched else out


def max_unpool2d(
    input: Any,
    indices: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    output_size: Any = None,
) -> Tensor:
    """The inverse of max_pool2d where its indices say: each value put back at its flat index in a zero
    plane of the size the pooling came from."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool1d(
    input: Any,
    indices: Any,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    output_size: Any = None,
) -> Tensor:
    """max_unpool2d for signals: each value put back at its position along L."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 1)
