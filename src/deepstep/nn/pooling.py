"""Pooling and resampling layers, as torch.nn's: max, average, power-average and adaptive pooling,
max unpooling, upsampling, pixel (un)shuffle, fold and unfold. Each holds its arguments under
PyTorch's names and calls the function of deepstep.functional; none has parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import functional as F
from ..autograd.tensor import Tensor
from ..functional.windows import ntuple
from .activation import ReLU
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "Fold",
    "LPPool1d",
    "LPPool2d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unfold",
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
]


def _window(kernel_size: Any, stride: Any, padding: Any, n: int) -> tuple[tuple[int, ...], ...]:
    """kernel_size, stride (the kernel's by default) and padding as n-tuples."""
    stride = kernel_size if stride is None else stride
    return ntuple(kernel_size, n, "kernel_size"), ntuple(stride, n, "stride"), ntuple(padding, n, "padding")


class MaxPool2d(Module):
    """Max pooling (PyTorch's arguments); with return_indices it returns (values, indices)."""

    def __init__(
        self,
        kernel_size: int | tuple,
        stride: int | tuple | None = None,
        padding: int | tuple = 0,
        dilation: int | tuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def _args(self) -> tuple:
        return self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode

    def forward(self, x: Any) -> Any:
        return F.max_pool2d(x, *self._args(), return_indices=self.return_indices)

    def fused_with(self, previous: Module) -> Callable[[Any], Tensor] | None:
        """After a ReLU: F.relu_max_pool2d, the ReLU done on the pooled outputs only (exact, since
        max commutes with ReLU; a quarter of the work for 2×2 windows)."""
        if type(self) is MaxPool2d and type(previous) is ReLU and not self.return_indices:
            return lambda x: F.relu_max_pool2d(x, *self._args())
        return None

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(MaxPool2d):
    """Max pooling of (N, C, L) signals."""

    def forward(self, x: Any) -> Any:
        return F.max_pool1d(x, *self._args(), return_indices=self.return_indices)


class MaxPool3d(MaxPool2d):
    """Max pooling of (N, C, D, H, W) volumes; indices are flat positions in each (D, H, W) volume."""

    def forward(self, x: Any) -> Any:
        return F.max_pool3d(x, *self._args(), return_indices=self.return_indices)


class AvgPool2d(Module):
    """Average pooling (PyTorch's arguments: ceil_mode, count_include_pad, divisor_override)."""

    def __init__(
        self,
        kernel_size: int | tuple,
        stride: int | tuple | None = None,
        padding: int | tuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """Average pooling of (N, C, D, H, W) volumes (PyTorch's arguments, as AvgPool2d's)."""

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool3d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool1d(Module):
    """Average pooling of (N, C, L) signals."""

    def __init__(
        self,
        kernel_size: int | tuple,
        stride: int | tuple | None = None,
        padding: int | tuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        self.kernel_size, self.stride, self.padding = _window(kernel_size, stride, padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Any) -> Tensor:
        args = (self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
        return F.avg_pool1d(x, *args)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool2d(Module):
    """Power-average pooling: (Σ_window x^p)^(1/p)."""

    def __init__(
        self,
        norm_type: float,
        kernel_size: int | tuple,
        stride: int | tuple | None = None,
        ceil_mode: bool = False,
    ) -> None:
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = (
            norm_type,
            kernel_size,
            stride,
            ceil_mode,
        )

    def forward(self, x: Any) -> Tensor:
        return F.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(LPPool2d):
    """Power-average pooling of signals."""

    def forward(self, x: Any) -> Tensor:
        return F.lp_pool1d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool2d(Module):
    """The inverse of MaxPool2d where its indices say: forward(x, indices, output_size=None)."""

    spatial = 2

    def __init__(
        self, kernel_size: int | tuple, stride: int | tuple | None = None, padding: int | tuple = 0
    ) -> None:
        self.kernel_size, self.stride, self.padding = _window(kernel_size, stride, padding, self.spatial)

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        function = F.max_unpool1d if self.spatial == 1 else F.max_unpool2d
        return function(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """The inverse of MaxPool1d where its indices say."""

    spatial = 1


class AdaptiveAvgPool2d(Module):
    """The mean over PyTorch's adaptive windows, to output_size (an int, a pair, None keeping a size)."""

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    def forward(self, x: Any) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """The mean over PyTorch's adaptive windows of (N, C, D, H, W) volumes, to output_size."""

    def forward(self, x: Any) -> Tensor:
        return F.adaptive_avg_pool3d(x, self.output_size)


class AdaptiveMaxPool2d(Module):
    """The maximum over PyTorch's adaptive windows; with return_indices, (values, indices)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x: Any) -> Any:
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    def forward(self, x: Any) -> Any:
        return F.adaptive_max_pool1d(x, self.output_size, self.return_indices)


def _as_float(value: Any) -> Any:
    if value is None:
        return None
    return tuple(float(v) for v in value) if isinstance(value, (tuple, list)) else float(value)


class Upsample(Module):
    """F.interpolate as a layer: to `size` or by `scale_factor`, mode 'nearest' (default), 'nearest-exact',
    'linear', 'bilinear', 'bicubic', 'trilinear' or 'area'."""

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        self.size, self.scale_factor, self.mode = size, _as_float(scale_factor), mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Any) -> Tensor:
        args = (self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor)
        return F.interpolate(x, *args)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor}" if self.scale_factor is not None else f"size={self.size}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of images."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of images, with aligned corners (as PyTorch's)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r)."""

    def __init__(self, upscale_factor: int) -> None:
        self.upscale_factor = upscale_factor

    def forward(self, x: Any) -> Tensor:
        return F.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W)."""

    def __init__(self, downscale_factor: int) -> None:
        self.downscale_factor = downscale_factor

    def forward(self, x: Any) -> Tensor:
        return F.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class Unfold(Module):
    """F.unfold as a layer: every window as a column, (N, C·kh·kw, L)."""

    def __init__(
        self,
        kernel_size: int | tuple,
        dilation: int | tuple = 1,
        padding: int | tuple = 0,
        stride: int | tuple = 1,
    ) -> None:
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Any) -> Tensor:
        return F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """F.fold as a layer: columns added back into images of output_size."""

    def __init__(
        self,
        output_size: int | tuple,
        kernel_size: int | tuple,
        dilation: int | tuple = 1,
        padding: int | tuple = 0,
        stride: int | tuple = 1,
    ) -> None:
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Any) -> Tensor:
        return F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
