"""Padding layers, PyTorch's modules over F.pad: zeros, a constant, the reflection (the edge not
repeated), the replication of the edge, and the circular wrap-around.

`padding` is one int for every side or a tuple (left, right[, top, bottom[, front, back]]), widths
from the last dim backwards as F.pad takes them; a negative width crops. The layer for N dims pads
the last N dims of a batched or unbatched input; F.pad checks the shapes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import functional as F
from ..autograd.tensor import Tensor
from .module import Module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


class _PadNd(Module):
    """What the padding layers share: the widths as a tuple (an int repeated for the 2·dims sides, a
    sequence taken as it is, as PyTorch's _ntuple does) and one F.pad mode."""

    dims = 1
    mode = "constant"

    def __init__(self, padding: int | Iterable[int]) -> None:
        if isinstance(padding, Iterable) and not isinstance(padding, str):
            self.padding = tuple(padding)
        else:
            self.padding = (padding,) * (2 * self.dims)

    def forward(self, input: Any) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Iterable[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Any) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim of (N, C, L) or (C, L) with `value`."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims of (N, C, H, W) or (C, H, W) with `value`."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims of (N, C, D, H, W) or (C, D, H, W) with `value`."""

    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding: int | Iterable[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dims with zeros."""

    def __init__(self, padding: int | Iterable[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dims with zeros."""

    def __init__(self, padding: int | Iterable[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Mirror the last dim about its edge elements (x₂ x₁ | x₀ x₁ x₂ …); each width < the size."""


class ReflectionPad2d(_ReflectionPadNd):
    """Mirror the last 2 dims about their edges; each width < the size of its dim."""

    dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Mirror the last 3 dims about their edges; each width < the size of its dim."""

    dims = 3


class _ReplicationPadNd(_PadNd):
    mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Repeat the edge elements of the last dim (x₀ x₀ | x₀ x₁ …)."""


class ReplicationPad2d(_ReplicationPadNd):
    """Repeat the edge elements of the last 2 dims."""

    dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Repeat the edge elements of the last 3 dims."""

    dims = 3


class _CircularPadNd(_PadNd):
    """Wrap around: the left padding is the end of the dim, the right one its start; each width ≤ the
    size. The input must have dims + 1 or dims + 2 dims (unbatched or batched)."""

    mode = "circular"

    def forward(self, input: Any) -> Tensor:
        ndim = input.ndim if isinstance(input, Tensor) else Tensor(input).ndim
        if ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got {ndim}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wrap the last dim around: (N, C, L) or (C, L)."""


class CircularPad2d(_CircularPadNd):
    """Wrap the last 2 dims around: (N, C, H, W) or (C, H, W)."""

    dims = 2


class CircularPad3d(_CircularPadNd):
    """Wrap the last 3 dims around: (N, C, D, H, W) or (C, D, H, W)."""

    dims = 3
