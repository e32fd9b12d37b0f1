"""Convolutional layers: Conv2d, ConvTranspose2d, pooling, Upsample, and batch normalisation."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd.tensor import Tensor
from ..functional.windows import conv_padding, pair
from . import init
from .layers import ReLU, positive_int
from .module import Module, Parameter

__all__ = ["AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "Upsample"]

Seed = int | np.random.Generator | None


class _ConvBase(Module):
    """Weights initialised as PyTorch does: U[−1/√fan_in, 1/√fan_in] (Kaiming-uniform with a = √5)."""

    def _init(self, shape: tuple[int, ...], bias: bool, dtype: Any, seed: Seed, fan_in: int) -> None:
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        rng = backend.as_generator(seed)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), seed=rng)
        self.bias = None
        if bias:
            bound = 1 / math.sqrt(fan_in)
            self.bias = Parameter(rng.uniform(-bound, bound, self.out_channels).astype(dtype))


class Conv2d(_ConvBase):
    """2-D convolution over NCHW images; weight of shape (out_channels, in_channels, kh, kw).
    padding: zeros on each side (an int or a pair), 'valid' (none) or 'same' (stride 1 only)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: int | tuple | str = 0,
        bias: bool = True,
        dtype: Any = None,
        seed: Seed = None,
    ) -> None:
        self.in_channels = positive_int(type(self).__name__, "in_channels", in_channels)
        self.out_channels = positive_int(type(self).__name__, "out_channels", out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride, self.padding = stride, padding
        conv_padding(padding, self.kernel_size, pair(stride, "stride"))  # errors now, not later
        kh, kw = self.kernel_size
        self._init(
            (self.out_channels, self.in_channels, kh, kw), bias, dtype, seed, self.in_channels * kh * kw
        )

    def forward(self, x: Any) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r}"
        )


class ConvTranspose2d(_ConvBase):
    """Transposed convolution (decoders, generators); weight of shape (in_channels, out_channels, kh, kw)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: int | tuple = 0,
        output_padding: int | tuple = 0,
        bias: bool = True,
        dtype: Any = None,
        seed: Seed = None,
    ) -> None:
        self.in_channels = positive_int(type(self).__name__, "in_channels", in_channels)
        self.out_channels = positive_int(type(self).__name__, "out_channels", out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        kh, kw = self.kernel_size
        self._init(
            (self.in_channels, self.out_channels, kh, kw), bias, dtype, seed, self.out_channels * kh * kw
        )

    def forward(self, x: Any) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )


class MaxPool2d(Module):
    def __init__(
        self, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
    ) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def fused_with(self, previous: Module) -> Callable[[Any], Tensor] | None:
        """After a ReLU: F.relu_max_pool2d, the ReLU done on the pooled outputs only (exact, since
        max commutes with ReLU; a quarter of the work for 2×2 windows)."""
        if type(self) is MaxPool2d and type(previous) is ReLU:
            return lambda x: F.relu_max_pool2d(x, self.kernel_size, self.stride, self.padding)
        return None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    def forward(self, x: Any) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer scale factor."""

    def __init__(self, scale_factor: int | tuple = 2, mode: str = "nearest") -> None:
        if mode != "nearest":
            raise ValueError(f"only mode='nearest' is implemented, got {mode!r}")
        self.scale_factor, self.mode = scale_factor, mode

    def forward(self, x: Any) -> Tensor:
        return F.upsample_nearest(x, self.scale_factor)


class _BatchNorm(Module):
    """γ·(x − μ)/√(σ² + ε) + β per channel, with running statistics for evaluation."""

    expected_ndim: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        self.num_features = positive_int(type(self).__name__, "num_features", num_features)
        self.eps, self.momentum = eps, momentum
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype=dtype)) if affine else None
        self.track_running_stats = track_running_stats
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x: Any) -> Tensor:
        shape = x.shape if isinstance(x, Tensor) else np.shape(x)
        if len(shape) not in self.expected_ndim or shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expects input of {self.expected_ndim} "
                f"dimensions with {self.num_features} channels in dimension 1, got shape {tuple(shape)}"
            )
        running = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        if self.training and self.track_running_stats:
            self.num_batches_tracked = self.num_batches_tracked + 1
        return F.batch_norm(
            x,
            *running,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel over batch and space."""

    expected_ndim = (4,)
