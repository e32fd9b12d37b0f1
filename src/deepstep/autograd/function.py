"""Function: one differentiable op, its forward and its backward side by side.

A subclass writes `forward(*arrays) -> array` and `backward(grad) -> one gradient
per input`. Calling the instance on tensors runs forward and, when some input
requires grad, records the instance as the output's creator so `backward()` can
call it later. Constants (Python numbers, NumPy arrays) may be mixed with tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .grad_mode import _mode
from .tensor import Tensor

__all__ = ["Function", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo NumPy broadcasting: an operand copied along an axis gets the sum over its copies.

    This is the one place where broadcasting is undone; every op relies on it.
    """
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and grad.shape[leading + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=not leading)
    return grad if grad.shape == shape else grad.reshape(shape)


class Function:
    """Base of every op. Subclasses define `forward` and `backward`; see the module doc."""

    #: One entry per operand of the call: the tensor where it wants a gradient, else None.
    #: These are the graph's edges; the whole tuple is None once backward has freed the op.
    inputs: list[Tensor | None] | None = None

    def forward(self, *arrays: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Sequence[np.ndarray | None]:
        raise NotImplementedError

    def __call__(self, *inputs: Any) -> Tensor:
        record = False
        arrays = []
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                record = record or x.requires_grad
            else:
                arrays.append(x)
        out = self.forward(*arrays)
        if type(out) is not np.ndarray:
            # NumPy returns scalars from 0-d ufuncs; a Tensor always holds an ndarray.
            out = np.asarray(out)
        if record and _mode.enabled:
            self.inputs = [x if isinstance(x, Tensor) and x.requires_grad else None for x in inputs]
            return Tensor._from_op(out, self)
        return Tensor._from_op(out, None)

    def needs_grad(self, i: int) -> bool:
        """Whether input i is a tensor that wants a gradient (lets backward skip work)."""
        return self.inputs[i] is not None

    def to_inputs(self, *grads: np.ndarray | None) -> list[np.ndarray | None]:
        """Hand each input its gradient, summed back over broadcasting; None where unwanted."""
        out: list[np.ndarray | None] = []
        for x, g in zip(self.inputs, grads, strict=True):
            if x is None or g is None:
                out.append(None)
            else:
                shape = x.data.shape
                out.append(g if g.shape == shape else unbroadcast(g, shape))
        return out

    def release(self) -> None:
        """Free what forward saved; a second backward through this op then raises."""
        self.__dict__.clear()
        self.inputs = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"
