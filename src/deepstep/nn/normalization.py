"""Normalisation modules: LayerNorm, RMSNorm, GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm.

Each holds γ (`weight`, ones) and β (`bias`, zeros) where it is affine and calls its op in
`functional.normalization`; parameter and buffer names are PyTorch's, so a PyTorch state_dict loads.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd.ops_shape import squeeze, unsqueeze
from ..autograd.tensor import Tensor
from ..checks import positive_int
from .module import Module, Parameter

__all__ = [
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "LocalResponseNorm",
    "RMSNorm",
]


def _shape_tuple(normalized_shape: int | tuple[int, ...] | list[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def _affine(shape: tuple[int, ...], dtype: Any, weight: bool, bias: bool) -> tuple[Parameter | None, ...]:
    """γ = 1 and β = 0 of the given shape (None where not asked for)."""
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return (
        Parameter(np.ones(shape, dtype=dtype)) if weight else None,
        Parameter(np.zeros(shape, dtype=dtype)) if bias else None,
    )


class LayerNorm(Module):
    """y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² over the last dims of each sample (`normalized_shape`)."""

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        self.normalized_shape, self.eps = _shape_tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        self.weight, self.bias = _affine(
            self.normalized_shape, dtype, elementwise_affine, elementwise_affine and bias
        )

    def forward(self, x: Any) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class RMSNorm(Module):
    """y = γ·x/√(mean(x²) + ε) over the last dims (`normalized_shape`); eps=None is the dtype's epsilon."""

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float | None = None,
        elementwise_affine: bool = True,
        dtype: Any = None,
    ) -> None:
        self.normalized_shape, self.eps = _shape_tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        self.weight, _ = _affine(self.normalized_shape, dtype, elementwise_affine, False)

    def forward(self, x: Any) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise each sample over groups of num_channels/num_groups channels; γ, β per channel."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        self.num_groups = positive_int("GroupNorm", "num_groups", num_groups)
        self.num_channels = positive_int("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.eps, self.affine = eps, affine
        self.weight, self.bias = _affine((self.num_channels,), dtype, affine, affine and bias)

    def forward(self, x: Any) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    """Normalise each channel of each sample over its positions; running statistics if tracked."""

    spatial_dims = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        self.num_features = positive_int(type(self).__name__, "num_features", num_features)
        self.eps, self.momentum, self.affine = eps, momentum, affine
        self.track_running_stats = track_running_stats
        self.weight, self.bias = _affine((self.num_features,), dtype, affine, affine and bias)
        if track_running_stats:
            dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            # kept for PyTorch's state_dict; instance normalisation never counts (nor does PyTorch's)
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x: Any) -> Tensor:
        ndim = len(x.shape if isinstance(x, Tensor) else np.shape(x))
        unbatched = self.spatial_dims + 1
        if ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"expected {unbatched}D or {unbatched + 1}D input (got {ndim}D input)")
        channels_dim = ndim - unbatched
        channels = x.shape[channels_dim] if isinstance(x, Tensor) else np.shape(x)[channels_dim]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={channels_dim} to match num_features "
                    f"({self.num_features}), but got: {channels}."
                )
            warnings.warn(
                f"input's size at dim={channels_dim} does not match num_features. You can silence this "
                "warning by not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        batched = x if ndim == unbatched + 1 else unsqueeze(x, 0)
        running = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        out = F.instance_norm(
            batched,
            *running,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return out if ndim == unbatched + 1 else squeeze(out, 0)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) input."""

    spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) images."""

    spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W) volumes."""

    spatial_dims = 3


class LocalResponseNorm(Module):
    """x_c / (k + (α/n)·Σ x_c'²)^β over the `size` channels around each channel c (AlexNet's)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        self.size = positive_int("LocalResponseNorm", "size", size)
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, x: Any) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
