"""Indexing with PyTorch's semantics and the gather/scatter family: each backward moves the
gradient back to where the elements came from (adding where an index repeats)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import Function
from .tensor import Tensor

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()


def plain_index(index: Any) -> Any:
    """An index with any tensors in it replaced by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _is_advanced(index: Any) -> bool:
    """True when the index holds an integer array, so one element may be picked twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype != bool for p in parts)


class GetItem(Function):
    """z = a[index];   ∂L/∂a = zeros with ∂L/∂z scatter-added at index (repeats add up)."""

    saved_inputs = ()
    is_view = True

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, a):
        self.shape = a.shape
        return a[self.index]

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        if _is_advanced(self.index):
            np.add.at(grad, self.index, g)
        else:
            grad[self.index] = g
        return (grad,)


class SetItem(Function):
    """a[index] = v, written into a's memory;   ∂L/∂a = ∂L/∂z with zeros at index,
    ∂L/∂v = (∂L/∂z)[index] summed back over v's broadcasting."""

    saved_inputs = ()

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, a, v):
        if not a.flags.writeable:
            raise RuntimeError(
                "unsupported operation: the written-to tensor is read-only (an expanded or broadcast "
                "view, where several elements share one memory location); clone() it first"
            )
        a[self.index] = v
        return a

    def backward(self, g):
        grad_a = None
        if self.needs_grad(0):
            grad_a = g.copy()
            grad_a[self.index] = 0
        return self.to_inputs(grad_a, g[self.index] if self.needs_grad(1) else None)


def getitem(a: Any, index: Any) -> Tensor:
    return GetItem(plain_index(index))(a)


def setitem(a: Tensor, index: Any, value: Any) -> None:
    """a[index] = value in place; recorded in the graph when value (or a) requires grad."""
    SetItem(plain_index(index)).inplace(a, value)
