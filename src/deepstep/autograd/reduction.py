"""What the reductions, order statistics, sorts and scans share: the dims a reduction runs over,
the (values, indices) pair they return, and the one backward of every op that picks elements.

Two kinds of gradient, as in PyTorch. A reduction to a value (sum, mean, amax, median() without a
dim) spreads ∂L/∂z back over the reduced dims (`Reduction.spread`). An op that returns values
*with their indices* (max(dim), median(dim), sort, topk, kthvalue, cummax) picked each value from
one place: its gradient goes back to that place and nowhere else (`Selection`).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..errors import DimError, ShapeError
from .dims import normalize_dim, normalize_dims
from .function import Function
from .tensor import Tensor

__all__ = ["MinMax", "Reduction", "Selection", "ValuesIndices", "check_nonempty", "reduced_dims"]


class ValuesIndices(NamedTuple):
    """What max(dim), min(dim), median(dim), sort, topk, kthvalue, cummax, cummin return
    (torch.return_types.*): `v, i = t.max(dim=1)`, or `.values` and `.indices`."""

    values: Tensor
    indices: Tensor


class MinMax(NamedTuple):
    """What aminmax returns (torch.return_types.aminmax): `.min` and `.max`."""

    min: Tensor
    max: Tensor


def reduced_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """The dims a reduction runs over, sorted: None or an empty tuple means all (as in PyTorch)."""
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    elif not (dim is None or isinstance(dim, (int, np.integer, tuple, list))) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, a tuple of ints or None, got {type(dim).__name__}")
    return normalize_dims(dim, ndim)


def check_nonempty(name: str, shape: tuple[int, ...], dims: tuple[int, ...] | None) -> None:
    """Max, min, argmax, median… have no value over nothing: PyTorch's errors for an empty input."""
    if dims is None:
        if math.prod(shape) == 0:
            raise ShapeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return
    for d in dims:
        if shape[d] == 0:
            raise DimError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


class Reduction(Function):
    """An op that reduces `dim` (None: all dims) and keeps them as size-1 dims when `keepdim`.

    Subclasses write `reduce(a)` with `self.dims` set, and a backward that uses `spread`."""

    def __init__(self, dim: Any = None, keepdim: bool = False) -> None:
        self.dim = dim
        self.keepdim = keepdim

    def forward(self, a):
        self.shape = a.shape
        self.dims = reduced_dims(self.dim, a.ndim)
        self.count = math.prod(a.shape[d] for d in self.dims)  # elements reduced into each output
        return self.reduce(a)

    def reduce(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def kept(self, g: np.ndarray) -> np.ndarray:
        """The output (or its gradient) with the reduced dims put back as size-1 dims."""
        if self.keepdim:
            return g
        return g.reshape([1 if i in self.dims else n for i, n in enumerate(self.shape)])

    def dropped(self, x: np.ndarray) -> np.ndarray:
        """An array with the reduced dims kept, in the output's shape."""
        return x if self.keepdim else np.squeeze(x, axis=self.dims)

    def spread(self, g: np.ndarray) -> np.ndarray:
        """g copied to every element that was reduced into it (a read-only broadcast view)."""
        return np.broadcast_to(self.kept(g), self.shape)


class Selection(Function):
    """z = the elements of a at `indices` along one dim: zⱼ = a[…, iⱼ, …];
    ∂L/∂a[…, i, …] = Σ over the j with iⱼ = i of gⱼ (each gradient goes back where its value came from).

    Subclasses write `select(a, axis) -> indices` (an int array of a's rank: size 1 along `axis` for a
    reduction, which `keepdim=False` then drops). A 0-d input is treated as having one element."""

    saved_inputs = ()
    #: Whether one element can be picked for several outputs (cummax); the gradients then add up.
    repeats = False

    def __init__(self, dim: Any = -1, keepdim: bool = True) -> None:
        self.dim = dim
        self.keepdim = keepdim

    def select(self, a: np.ndarray, axis: int) -> np.ndarray:
        raise NotImplementedError

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        self.axis = normalize_dim(self.dim, a.ndim)
        lines = a.reshape(1) if a.ndim == 0 else a
        self.indices = self.select(lines, self.axis).astype(np.int64, copy=False)
        return self.shaped(np.take_along_axis(lines, self.indices, self.axis))

    def shaped(self, x: np.ndarray) -> np.ndarray:
        """An array laid out like `indices`, in the output's shape."""
        if not self.shape:
            return x.reshape(())
        return x if self.keepdim else np.squeeze(x, self.axis)

    def index_tensor(self) -> Tensor:
        """The picked indices, shaped like the values (not differentiable)."""
        return Tensor(self.shaped(self.indices))

    def backward(self, g):
        grad = np.zeros(self.shape or (1,), dtype=self.dtype)
        g = g.reshape(self.indices.shape)
        if self.repeats:
            at = list(np.indices(self.indices.shape, sparse=True))
            at[self.axis] = self.indices
            np.add.at(grad, tuple(at), g)
        else:
            np.put_along_axis(grad, self.indices, g, self.axis)
        return (grad.reshape(self.shape),)

    def __call__(self, *inputs: Any) -> ValuesIndices:  # type: ignore[override]
        values = super().__call__(*inputs)
        return ValuesIndices(values, self.index_tensor())
