"""Convolutional layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
(strides, padding with zeros or the input's own border, dilation, groups), and batch normalisation.
The pooling and resampling layers are in pooling.py."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd.ops_layout import pad
from ..autograd.tensor import Tensor
from ..checks import positive_int
from ..functional.windows import conv_padding, ntuple
from . import init
from .module import Module, Parameter

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]

Seed = int | np.random.Generator | None

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution layer holds, with PyTorch's names and checks; weights initialised as
    PyTorch does: U[−1/√fan_in, 1/√fan_in] (Kaiming-uniform with a = √5), fan_in = weight.shape[1]·k."""

    spatial = 2
    transposed = False

    def _setup(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
        seed: Seed,
    ) -> None:
        name, n = type(self).__name__, self.spatial
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        groups = positive_int(name, "groups", groups)
        if self.in_channels % groups:
            raise ValueError(
                f"{name}: in_channels must be divisible by groups, got {in_channels} and {groups}"
            )
        if self.out_channels % groups:
            raise ValueError(
                f"{name}: out_channels must be divisible by groups, got {out_channels} and {groups}"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode={padding_mode!r}"
            )
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if device is not None and str(device) != "cpu":
            raise ValueError(f"{name}: deepstep runs on the CPU only, got device={device!r}")
        self.kernel_size = ntuple(kernel_size, n, "kernel_size")
        self.stride, self.dilation = ntuple(stride, n, "stride"), ntuple(dilation, n, "dilation")
        self.padding = padding if isinstance(padding, str) else ntuple(padding, n, "padding")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        conv_padding(padding, self.kernel_size, self.stride, self.dilation)  # errors now, not later
        self.groups, self.padding_mode = int(groups), padding_mode
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        rng = backend.as_generator(seed)
        first, second = (self.in_channels, self.out_channels)[:: 1 if self.transposed else -1]
        shape = (first, second // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), seed=rng)
        self.bias = None
        if bias:
            bound = 1 / math.sqrt(shape[1] * math.prod(self.kernel_size))
            self.bias = Parameter(rng.uniform(-bound, bound, self.out_channels).astype(dtype))

    def extra_repr(self) -> str:
        n = self.spatial
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if getattr(self, "output_padding", (0,) * n) != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) images; weight of shape (out_channels, in_channels/groups, kh, kw).
    padding: zeros on each side (an int or a pair), 'valid' (none) or 'same' (stride 1 only), or with
    padding_mode 'reflect', 'replicate' or 'circular' the input's own border instead of zeros."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: int | tuple | str = 0,
        dilation: int | tuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        seed: Seed = None,
    ) -> None:
        args = (stride, padding, dilation, groups, bias, padding_mode, device, dtype, seed)
        self._setup(in_channels, out_channels, kernel_size, *args)

    def _convolve(self, x: Any, padding: Any) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def forward(self, x: Any) -> Tensor:
        if self.padding_mode == "zeros":
            return self._convolve(x, self.padding)
        # the border first (F.pad's (left, right) pairs, last axis first), then a convolution without
        pads = conv_padding(self.padding, self.kernel_size, self.stride, self.dilation)
        widths = [width for pair in reversed(pads) for width in pair]
        return self._convolve(pad(x, widths, mode=self.padding_mode), 0)


class Conv1d(Conv2d):
    """1-D convolution over (N, C, L) signals; weight of shape (out_channels, in_channels/groups, k)."""

    spatial = 1

    def _convolve(self, x: Any, padding: Any) -> Tensor:
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv3d(Conv2d):
    """3-D convolution over (N, C, D, H, W) volumes; weight of shape (out_channels, in_channels/groups,
    kd, kh, kw); padding and padding_mode as Conv2d's."""

    spatial = 3

    def _convolve(self, x: Any, padding: Any) -> Tensor:
        return F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution (decoders, generators); weight of shape (in_channels, out_channels/groups,
    kh, kw). forward(x, output_size) picks the output_padding that gives that size, as PyTorch's."""

    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: int | tuple = 0,
        output_padding: int | tuple = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        seed: Seed = None,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple of ints, got {padding!r}"
            )
        args = (stride, padding, dilation, groups, bias, padding_mode, device, dtype, seed)
        self._setup(in_channels, out_channels, kernel_size, *args)
        self.output_padding = ntuple(output_padding, self.spatial, "output_padding")

    def _output_padding(self, x: Any, output_size: Any) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        n, shape = self.spatial, tuple(np.shape(x))
        sizes = tuple(output_size)[-n:] if len(output_size) in (len(shape), n) else None
        if sizes is None:
            raise ValueError(
                f"{type(self).__name__}: for {len(shape)}D input, output_size must have {n} or {len(shape)} "
                f"elements (got {len(output_size)})"
            )
        smallest = [
            (size - 1) * s - 2 * p + d * (k - 1) + 1
            for size, s, p, d, k in zip(
                shape[-n:], self.stride, self.padding, self.dilation, self.kernel_size, strict=True
            )
        ]
        largest = [low + s - 1 for low, s in zip(smallest, self.stride, strict=True)]
        if any(not low <= size <= high for size, low, high in zip(sizes, smallest, largest, strict=True)):
            raise ValueError(
                f"requested an output size of {list(sizes)}, but valid sizes range from {smallest} to "
                f"{largest} (for an input of {list(shape[-n:])})"
            )
        return tuple(size - low for size, low in zip(sizes, smallest, strict=True))

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        args = (self.stride, self.padding, self._output_padding(x, output_size), self.groups, self.dilation)
        function = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[self.spatial]
        return function(x, self.weight, self.bias, *args)


class ConvTranspose1d(ConvTranspose2d):
    """Transposed 1-D convolution; weight of shape (in_channels, out_channels/groups, k)."""

    spatial = 1


class ConvTranspose3d(ConvTranspose2d):
    """Transposed 3-D convolution of (N, C, D, H, W) volumes; weight of shape (in_channels,
    out_channels/groups, kd, kh, kw)."""

    spatial = 3


class _BatchNorm(Module):
    """γ·(x − μ)/√(σ² + ε) + β per channel, with running statistics for evaluation."""

    expected_ndim: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
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
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked = self.num_batches_tracked + 1
            if self.momentum is None:  # a cumulative average, as PyTorch's: batch n weighs 1/n
                momentum = 1.0 / float(self.num_batches_tracked)
        return F.batch_norm(
            x,
            *running,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            momentum,
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


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes, per channel over batch and space."""

    expected_ndim = (5,)
