"""Windows over N-C-spatial arrays: the argument checks and the window arithmetic shared by convolution
and pooling (sliding-window views, output sizes, col2im — the one that adds window gradients back —,
padding, a batch axis for unbatched input).

A window of kernel size k and dilation d reads k entries d apart, so it spans d·(k − 1) + 1 pixels;
windows start `stride` apart. Without ceil_mode the number of windows along an axis of size n with p
zeros on each side is ⌊(n + 2p − d·(k − 1) − 1)/stride⌋ + 1, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .windows_kernels import kernels

__all__ = [
    "adaptive_output_size",
    "adaptive_taps",
    "adaptive_windows",
    "add_batch",
    "check_adaptive_input",
    "check_image",
    "check_pool_args",
    "col2im",
    "conv_output_size",
    "conv_padding",
    "ntuple",
    "pair",
    "pool_output_size",
    "span",
    "unpad",
    "window_view",
]


def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """(value,)·n for an int; a sequence of n ints checked and returned as a tuple."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    values = tuple(value) if isinstance(value, (tuple, list)) else None
    if values is None or len(values) != n or any(not isinstance(v, (int, np.integer)) for v in values):
        raise ShapeError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def pair(value: Any, name: str) -> tuple[int, int]:
    """(value, value) for an int; a pair of ints checked and returned as one."""
    return ntuple(value, 2, name)  # type: ignore[return-value]


def span(kernel: int, dilation: int) -> int:
    """The pixels a window covers: k entries d apart."""
    return dilation * (kernel - 1) + 1


def check_image(x: np.ndarray, what: str, spatial: int = 2) -> None:
    if x.ndim != spatial + 2:
        names = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[spatial]
        raise ShapeError(f"{what} expects input of shape {names}, got shape {x.shape}")


def add_batch(x: Any, spatial: int, what: str) -> tuple[Any, bool]:
    """(x as a batch, whether x came without one): PyTorch takes one sample as (C, *spatial), the
    batch of one it stands for as (1, C, *spatial)."""
    ndim = len(x.shape) if isinstance(x, Tensor) else np.ndim(x)
    if ndim == spatial + 2:
        return x, False
    if ndim == spatial + 1:
        return reshape(x, 1, *x.shape) if isinstance(x, Tensor) else np.asarray(x)[None], True
    raise ShapeError(
        f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {what}, but got "
        f"input of size: {list(np.shape(x))}"
    )


def as_images(a: Any) -> Any:
    """(N, C, L) as (N, C, 1, L): a 1-D signal as an image one pixel high (what 1-D ops run on)."""
    return reshape(a, a.shape[0], a.shape[1], 1, a.shape[2])


def as_signals(a: Any) -> Any:
    """(N, C, 1, L) back to (N, C, L): the result of a 2-D op run on signals."""
    return reshape(a, a.shape[0], a.shape[1], a.shape[3])


def window_view(
    xp: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...] = (1, 1)
) -> np.ndarray:
    """A strided view (N, C, Ho, Wo, kh, kw) of every window of the padded NCHW input: no copy."""
    spans = tuple(span(k, d) for k, d in zip(kernel, dilation, strict=True))
    windows = sliding_window_view(xp, spans, axis=(2, 3))
    return windows[:, :, :: stride[0], :: stride[1], :: dilation[0], :: dilation[1]]


def conv_output_size(
    size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int, what: str, shape: tuple
) -> int:
    """Windows of a convolution along one axis, with (before, after) zeros of padding."""
    padded = size + padding[0] + padding[1]
    if padded < span(kernel, dilation):
        raise ShapeError(
            f"{what}: kernel of size {kernel} (dilation {dilation}) is larger than the padded input "
            f"({size} + {padding[0]} + {padding[1]}) for input of shape {shape}: Kernel size can't be "
            "greater than actual input size"
        )
    return (padded - span(kernel, dilation)) // stride + 1


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """Windows of a pooling along one axis, as PyTorch counts them: with ceil_mode a last partial
    window is kept, unless it would start in the padding after the input."""
    room = size + 2 * padding - span(kernel, dilation)
    out = (room + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def check_pool_args(
    x_shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool, what: str
) -> tuple[int, ...]:
    """PyTorch's checks of a pooling's arguments; the output's spatial sizes."""
    if min(kernel) <= 0:
        raise ShapeError(f"{what}: kernel size should be greater than zero, but got {kernel}")
    if min(stride) <= 0:
        raise ShapeError(f"{what}: stride should not be zero, got {stride}")
    if min(dilation) <= 0:
        raise ShapeError(f"{what}: dilation should be greater than zero, but got {dilation}")
    if min(padding) < 0:
        raise ShapeError(f"{what}: pad must be non-negative, but got pad: {padding}")
    if any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
        raise ShapeError(
            f"{what}: pad should be at most half of effective kernel size, but got pad={padding}, "
            f"kernel_size={kernel} and dilation={dilation}"
        )
    if any(n == 0 for n in x_shape[1:]):
        raise ShapeError(
            f"{what}: Expected a non-empty input with optional 0 dim batch size, but got: {list(x_shape)}"
        )
    sizes = tuple(
        pool_output_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(x_shape[2:], kernel, stride, padding, dilation, strict=True)
    )
    if min(sizes) < 1:
        raise ShapeError(
            f"{what}: Given input size: {tuple(x_shape[1:])}. Calculated output size: "
            f"{(x_shape[1], *sizes)}. Output size is too small"
        )
    return sizes


def conv_padding(
    padding: int | tuple | str, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """((before, after), …) per spatial axis from an int, a tuple, 'valid' (none) or 'same' (the output
    as large as the input: d·(k − 1) zeros per axis, the odd one at the end, as PyTorch places them)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ShapeError(
                    f"padding='same' is not supported for strided convolutions (PyTorch's rule), got stride "
                    f"{stride}: padding='same' needs stride 1"
                )
            totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ShapeError(
            f"Invalid padding string {padding!r}: padding must be an int, a tuple of ints, 'same' or 'valid'"
        )
    sizes = ntuple(padding, len(kernel), "padding")
    if min(sizes) < 0:
        raise ShapeError(f"negative padding is not supported: padding must not be negative, got {padding!r}")
    return tuple((p, p) for p in sizes)


def col2im(
    windows: np.ndarray, out: np.ndarray, stride: tuple[int, int], dilation: tuple[int, int] = (1, 1)
) -> np.ndarray:
    """im2col's transpose: out (N, Hp, Wp, C) += each window's values windows (N, Ho, Wo, kh, kw, C)
    where the window lies (windows `stride` apart, their taps `dilation` apart); returns out.

    The shapes are index orders, not memory orders: an NCHW batch is passed as its NHWC view
    (x.transpose(0, 2, 3, 1)). When the channels are innermost in memory (a convolution's
    channels-last batch) and numba is there, one compiled pass (windows_kernels); otherwise one
    strided add per kernel position (kh·kw of them, never a loop over pixels)."""
    _, ho, wo, kh, kw, _ = windows.shape
    (sh, sw), (dh, dw) = stride, dilation
    compiled = kernels()
    if (
        compiled is not None
        and out.dtype == windows.dtype
        and out.dtype in (np.float32, np.float64)
        and out.strides[-1] == out.itemsize
    ):
        compiled.col2im(windows, sh, sw, dh, dw, out)
        return out
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i * dh, i * dh + sh * ho, sh), slice(j * dw, j * dw + sw * wo, sw)
            out[:, rows, cols] += windows[:, :, :, i, j]
    return out


def unpad(x: np.ndarray, padding: tuple) -> np.ndarray:
    """x (N, C, H, W) without its padding: (ph, pw) on both sides, or ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = ((p, p) if isinstance(p, int) else p for p in padding)
    return x[:, :, top : x.shape[2] - bottom, left : x.shape[3] - right]


def adaptive_windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """(start, length) of PyTorch's adaptive windows along an axis: window i covers
    ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1 (neighbours may overlap and differ in length by one)."""
    i = np.arange(out)
    start, end = i * size // out, -(-(i + 1) * size // out)
    return start, end - start


def adaptive_taps(size: int, out: int) -> np.ndarray:
    """(out, longest window) input indices of the adaptive windows, each window's last index repeated
    to fill its row (so each column of taps never decreases along the windows)."""
    start, length = adaptive_windows(size, out)
    longest = int(length.max()) if out else 1
    return start[:, None] + np.minimum(np.arange(longest), length[:, None] - 1)


def check_adaptive_input(shape: tuple, spatial: int, what: str) -> None:
    if len(shape) not in (spatial + 1, spatial + 2) or 0 in shape[-spatial - 1 :]:
        raise ShapeError(
            f"{what}(): Expected {spatial + 1}D or {spatial + 2}D tensor with non-zero sizes (but for the "
            f"batch), but got {list(shape)}"
        )


def adaptive_output_size(output_size: Any, shape: tuple, spatial: int, what: str) -> tuple[int, ...]:
    """The output's spatial sizes: one int for every axis, or one per axis (None keeps the input's)."""
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * spatial
    if len(sizes) != spatial:
        raise ShapeError(f"{what}: output_size must be {spatial}, got {output_size!r}")
    sizes = tuple(shape[len(shape) - spatial + i] if s is None else int(s) for i, s in enumerate(sizes))
    if min(sizes) < 0:
        raise ShapeError(f"{what}: elements of output_size must be greater than or equal to 0, got {sizes}")
    return sizes
