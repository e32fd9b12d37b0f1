"""Reductions over axes: sum, mean, max, min, var, logsumexp.

Each takes `axis` (None, an int or a tuple; `dim` is accepted as a PyTorch-style
alias) and `keepdims`. Backward spreads the output gradient back over the reduced axes.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .function import Function
from .tensor import Tensor

__all__ = ["logsumexp", "max", "mean", "min", "sum", "var"]

TENSOR_METHODS = ("sum", "mean", "max", "min", "var", "logsumexp")

Axis = int | tuple[int, ...] | None


def pick_axis(axis: Axis, dim: Axis) -> Axis:
    """`axis` (NumPy's word) or `dim` (PyTorch's), not both."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis or dim, not both")
        return dim
    return axis


def _normalize(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of {ndim} dimensions")
        normalized.append(int(a) % builtins.max(ndim, 1))
    if ndim == 0:
        return ()  # a 0-d tensor has nothing to reduce; axis 0 / -1 is accepted as in PyTorch
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axis {axis} repeats a dimension")
    return tuple(normalized)


class _Reduction(Function):
    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, a):
        self.shape = a.shape
        self.axes = _normalize(self.axis, a.ndim)
        return self.reduce(a, self.axes)

    def reduce(self, a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def kept(self, g: np.ndarray) -> np.ndarray:
        """The gradient with the reduced axes put back as size-1 axes (ready to broadcast)."""
        return g if self.keepdims else g.reshape(_kept_shape(self.shape, self.axes))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(_Reduction):
    """z = Σᵢ aᵢ;   ∂z/∂aᵢ = 1."""

    saved_inputs = ()

    def reduce(self, a, axes):
        return a.sum(axis=axes, keepdims=self.keepdims)

    def backward(self, g):
        return (np.broadcast_to(self.kept(g), self.shape),)


class Mean(_Reduction):
    """z = (1/n) Σᵢ aᵢ;   ∂z/∂aᵢ = 1/n."""

    saved_inputs = ()

    def reduce(self, a, axes):
        self.count = int(np.prod([a.shape[i] for i in axes]))
        if self.count == 0:
            raise ValueError(f"mean over an empty axis of a tensor of shape {a.shape}")
        return a.mean(axis=axes, keepdims=self.keepdims)

    def backward(self, g):
        return (np.broadcast_to(self.kept(g) / self.count, self.shape),)


class _Extreme(_Reduction):
    """Max or min; on ties the gradient is shared equally, as torch.amax/amin do."""

    saves_output = True

    pick = staticmethod(np.max)

    def reduce(self, a, axes):
        if a.size == 0:
            raise ValueError(f"{type(self).__name__.lower()} of an empty tensor of shape {a.shape}")
        self.a = a
        self.z = self.pick(a, axis=axes, keepdims=True)
        return (
            self.z if self.keepdims else self.z.reshape([n for i, n in enumerate(a.shape) if i not in axes])
        )

    def backward(self, g):
        winners = self.a == self.z
        share = winners / winners.sum(axis=self.axes, keepdims=True)
        return ((self.kept(g) * share).astype(g.dtype, copy=False),)


class Max(_Extreme):
    """z = maxᵢ aᵢ;   ∂z/∂aᵢ = 1 for the arg-max (shared on ties), else 0."""

    pick = staticmethod(np.max)


class Min(_Extreme):
    """z = minᵢ aᵢ;   ∂z/∂aᵢ = 1 for the arg-min (shared on ties), else 0."""

    pick = staticmethod(np.min)


class Var(_Reduction):
    """z = Σᵢ (aᵢ − ā)² / (n − ddof);   ∂z/∂aᵢ = 2(aᵢ − ā)/(n − ddof)."""

    saved_inputs = ()

    def __init__(self, axis: Axis, keepdims: bool, ddof: int) -> None:
        super().__init__(axis, keepdims)
        self.ddof = ddof

    def reduce(self, a, axes):
        count = int(np.prod([a.shape[i] for i in axes]))
        self.denominator = count - self.ddof
        if self.denominator <= 0:
            raise ValueError(f"var with ddof={self.ddof} needs more than {self.ddof} elements, got {count}")
        self.centered = a - a.mean(axis=axes, keepdims=True)
        return (self.centered**2).sum(axis=axes, keepdims=self.keepdims) / self.denominator

    def backward(self, g):
        return (self.kept(g) * (2 / self.denominator) * self.centered,)


class LogSumExp(_Reduction):
    """z = g' + ln Σᵢ exp(aᵢ − g') with g' = maxᵢ aᵢ (never overflows);   ∂z/∂aᵢ = softmax(a)ᵢ."""

    saves_output = True

    def reduce(self, a, axes):
        if a.size == 0:
            raise ValueError(f"logsumexp of an empty tensor of shape {a.shape}")
        self.a = a
        peak = np.max(a, axis=axes, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)  # all −inf (or an inf) must not give nan
        self.z = peak + np.log(np.sum(np.exp(a - peak), axis=axes, keepdims=True))
        return (
            self.z if self.keepdims else self.z.reshape([n for i, n in enumerate(a.shape) if i not in axes])
        )

    def backward(self, g):
        return (self.kept(g) * np.exp(self.a - self.z),)


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def sum(a: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """Σ over `axis` (all axes by default)."""
    return Sum(pick_axis(axis, dim), keepdims)(a)


def mean(a: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """The average over `axis` (all axes by default)."""
    return Mean(pick_axis(axis, dim), keepdims)(a)


def max(a: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """The largest value over `axis` (values only, like numpy.max and torch.amax)."""
    return Max(pick_axis(axis, dim), keepdims)(a)


def min(a: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """The smallest value over `axis` (values only, like numpy.min and torch.amin)."""
    return Min(pick_axis(axis, dim), keepdims)(a)


def var(a: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *, dim: Axis = None) -> Tensor:
    """The variance over `axis`, dividing by n − ddof (NumPy's default ddof=0; torch.var uses 1)."""
    return Var(pick_axis(axis, dim), keepdims, ddof)(a)


def logsumexp(a: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """ln Σ exp(a) over `axis`, computed with the max subtracted first."""
    return LogSumExp(pick_axis(axis, dim), keepdims)(a)
