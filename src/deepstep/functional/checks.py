"""Argument checks shared by the activations, distances and losses of `functional`, and the two
errors they raise beyond deepstep.errors' (each catchable the NumPy way and the PyTorch way)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor, as_array
from ..errors import ShapeError

__all__: list[str] = []


REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction: expected one of {allowed}")


def legacy_reduction(
    size_average: bool | None, reduce: bool | None, reduction: str, allowed: tuple[str, ...] = REDUCTIONS
) -> str:
    """The reduction a loss was asked for, checked against `allowed`: PyTorch's deprecated
    `size_average` / `reduce` pair as a reduction string (with its warning), or `reduction` itself
    when neither is given."""
    if size_average is None and reduce is None:
        check_reduction(reduction, allowed)
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
        stacklevel=3,
    )
    return reduction


# ----- the shared steps of every loss: inputs as tensors, targets as data, the reduction --------
def as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(as_array(x))


def target_like(target: Any, input: Tensor) -> Tensor:
    """Targets are data: they take the prediction's float dtype (unless they are being learned too,
    in which case they keep their graph and get their gradient)."""
    if isinstance(target, Tensor) and target.requires_grad:
        return target
    array = as_array(target)
    if input.dtype.kind == "f" and array.dtype != input.dtype:
        array = array.astype(input.dtype)
    return Tensor(array)


def reduce_losses(losses: Tensor, reduction: str) -> Tensor:
    """The losses themselves ("none"), their sum, or their mean (NaN for no losses, as in PyTorch)."""
    check_reduction(reduction)
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def same_shape(name: str, input: Tensor, target: Tensor) -> None:
    """Refuse targets of another shape (PyTorch broadcasts (N, 1) against (N,) with only a warning,
    a classic silent bug, for the regression losses; it raises for the others)."""
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input has shape {tuple(input.shape)} but target has shape {tuple(target.shape)}"
        )


def broadcasts_to(name: str, what: str, array: Tensor, shape: tuple[int, ...]) -> None:
    """Refuse an operand (a weight, a target) that does not broadcast to the input's shape."""
    try:
        fits = np.broadcast_shapes(array.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{name}: {what} of shape {array.shape} does not broadcast to the input's shape {shape}"
        )
