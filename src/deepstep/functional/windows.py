"""Windows over NCHW images: the argument checks and the window arithmetic shared by convolution
and pooling (a sliding-window view, output sizes, scattering window gradients back, padding)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["check_image", "conv_padding", "output_size", "pair", "scatter_windows", "unpad", "window_view"]


def pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """(value, value) for an int; a pair of ints checked and returned as one."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2 or any(not isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(values[0]), int(values[1])


def check_image(x: np.ndarray, what: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{what} expects images of shape (N, C, H, W), got shape {x.shape}")


def window_view(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """A strided view (N, C, Ho, Wo, kh, kw) of every kernel window of the padded input: no copy."""
    return sliding_window_view(xp, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def output_size(
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


def conv_padding(
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
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must not be negative, got {padding!r}")
    return (ph, ph), (pw, pw)


def scatter_windows(grad_windows: np.ndarray, padded_shape: tuple, stride: tuple[int, int]) -> np.ndarray:
    """col2im: add each window's gradient (N, C, Ho, Wo, kh, kw) back where the window was taken."""
    _, _, ho, wo, kh, kw = grad_windows.shape
    out = np.zeros(padded_shape, dtype=grad_windows.dtype)
    sh, sw = stride
    for i in range(kh):  # kh·kw kernel positions: each one a strided slice of the whole batch
        for j in range(kw):
            out[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] += grad_windows[:, :, :, :, i, j]
    return out


def unpad(x: np.ndarray, padding: tuple) -> np.ndarray:
    """x (N, C, H, W) without its padding: (ph, pw) on both sides, or ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = ((p, p) if isinstance(p, int) else p for p in padding)
    return x[:, :, top : x.shape[2] - bottom, left : x.shape[3] - right]
