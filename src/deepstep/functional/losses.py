"""Loss functions, as in PyTorch: each takes `reduction` = "mean" | "sum" | "none" (and the
deprecated `size_average` / `reduce` pair, where PyTorch still does). This file holds the
regression losses and the likelihoods of distributions; the classification losses (which take
logits, every cross-entropy through the one stable log-softmax) and the margin losses live in
their own files, and are re-exported here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import ops_elementwise as ew
from ..autograd.function import Function, refuse_complex
from ..autograd.tensor import Tensor
from ..errors import ValueRangeError
from . import losses_classification, losses_margin
from .checks import (
    REDUCTIONS,
    as_tensor,
    check_reduction,
    legacy_reduction,
    reduce_losses,
    same_shape,
    target_like,
)
from .losses_classification import *  # noqa: F403
from .losses_margin import *  # noqa: F403

__all__ = [
    "gaussian_nll_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "l1_penalty",
    "mse_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    *losses_classification.__all__,
    *losses_margin.__all__,
]


# ----- regression ---------------------------------------------------------------------
def _weighted(losses: Tensor, weight: Any, input: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    """PyTorch 2.13's per-element `weight` of the regression losses: the weighted mean divides by
    Σw for mse and l1, by the element count for Huber."""
    if weight is None:
        return reduce_losses(losses, reduction)
    weight = target_like(weight, input)
    if weight.shape != input.shape:
        raise ValueError(f"Weights and input must have the same size: {weight.shape} and {input.shape}")
    losses = losses * weight
    if reduction == "mean" and mean_by_weight:
        return losses.sum() / weight.sum()
    return reduce_losses(losses, reduction)


def _difference(name: str, input: Any, target: Any, complex_ok: bool = False) -> tuple[Tensor, Tensor]:
    input = as_tensor(input)
    target = target_like(target, input)
    same_shape(name, input, target)
    if not complex_ok:  # PyTorch has l1 only for complex (the mean of |d|); the others it refuses
        refuse_complex(name, input, target)
    return input, input - target


def mse_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """Mean squared error ℓ = (ŷ − y)²;   ∂ℓ/∂ŷ = 2(ŷ − y)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    # PyTorch's weighted mse is composite (no kernel to refuse complex input); its plain one is not
    input, diff = _difference("mse_loss", input, target, complex_ok=weight is not None)
    return _weighted(diff * diff, weight, input, reduction, mean_by_weight=True)


def l1_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """Mean absolute error ℓ = |ŷ − y|;   ∂ℓ/∂ŷ = sign(ŷ − y)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, diff = _difference("l1_loss", input, target, complex_ok=True)
    return _weighted(ew.abs(diff), weight, input, reduction, mean_by_weight=True)


def _smooth_l1(diff: Tensor, beta: float) -> Tensor:
    """½d²/β where |d| < β, else |d| − ½β: quadratic near 0, linear in the tails, slope ±1 beyond β."""
    size = ew.abs(diff)
    return ew.where(size.data < beta, 0.5 * diff * diff / beta, size - 0.5 * beta)


def smooth_l1_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1: ½d²/β where |d| < β, else |d| − ½β, d = ŷ − y (β = 0 is the L1 loss)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueRangeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    input, diff = _difference("smooth_l1_loss", input, target, complex_ok=beta == 0)  # β = 0: l1's
    losses = ew.abs(diff) if beta == 0 else _smooth_l1(diff, beta)
    return reduce_losses(losses, reduction)


def huber_loss(
    input: Any, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None
) -> Tensor:
    """Huber: ½d² where |d| < δ, else δ(|d| − ½δ), d = ŷ − y; that is δ·smooth_l1 with β = δ."""
    if delta <= 0:
        raise ValueRangeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    input, diff = _difference("huber_loss", input, target)
    return _weighted(delta * _smooth_l1(diff, delta), weight, input, reduction, mean_by_weight=False)


def l1_penalty(parameters: Iterable[Tensor]) -> Tensor:
    """Σ |θ| over the given parameters: add λ·l1_penalty(model.parameters()) to a loss for L1."""
    total: Tensor | float = 0.0
    for parameter in parameters:
        total = total + ew.abs(parameter).sum()
    return total if isinstance(total, Tensor) else Tensor(np.asarray(total))


# ----- likelihoods of distributions -----------------------------------------------------------
class KLDivergence(Function):
    """Pointwise KL divergence ℓ = y(ln y − x) of log-probabilities x from probabilities y (0 where
    y = 0);   ∂ℓ/∂x = −y,  ∂ℓ/∂y = ln y + 1 − x (NaN at y = 0, as in PyTorch).
    log_target (y given as ln y = t): ℓ = eᵗ(t − x);   ∂ℓ/∂x = −eᵗ,  ∂ℓ/∂t = eᵗ(t − x + 1)."""

    real_only = "kl_div"

    def __init__(self, log_target: bool) -> None:
        self.log_target = log_target

    def forward(self, x, y):
        self.x, self.y = x, y
        if self.log_target:
            self.p = np.exp(y)
            return self.p * (y - x)
        with np.errstate(divide="ignore", invalid="ignore"):  # y ln y → 0 as y → 0
            self.log_y = np.log(y)
            return np.where(y == 0, 0, y * (self.log_y - x)).astype(self.log_y.dtype, copy=False)

    def backward(self, g):
        x, y = self.x, self.y
        p = self.p if self.log_target else y
        grad_x = -g * p if self.needs_grad(0) else None
        grad_y = None
        if self.needs_grad(1):
            if self.log_target:
                grad_y = g * p * (y - x + 1)
            else:
                grad_y = g * np.where(y == 0, np.nan, self.log_y + 1 - x)
        return self.to_inputs(grad_x, grad_y)


def kl_div(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL(y ‖ q) summed pointwise, for log-probabilities `input` = ln q and probabilities `target`
    (log-probabilities with log_target=True). reduction="batchmean" divides the sum by the batch size,
    the KL divergence of the maths; "mean" divides by the number of elements (PyTorch warns)."""
    reduction = legacy_reduction(size_average, reduce, reduction, (*REDUCTIONS, "batchmean"))
    if reduction == "mean" and size_average is None and reduce is None:
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    input = as_tensor(input)
    losses = KLDivergence(log_target)(input, target_like(target, input))
    if reduction == "batchmean":
        total = losses.sum()
        return total / input.shape[0] if input.ndim else total
    return reduce_losses(losses, reduction)


def poisson_nll_loss(
    input: Any,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood of counts y at rate λ: ℓ = eˣ − y·x for log-rates x
    (log_input), else λ − y·ln(λ + ε); full=True adds Stirling's y ln y − y + ½ln(2πy) where y > 1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_tensor(input)
    target = target_like(target, input)
    losses = ew.exp(input) - target * input if log_input else input - target * ew.log(input + eps)
    if full:
        refuse_complex("poisson_nll_loss(full=True)", target)  # PyTorch compares y with 1
        counted = target.data > 1  # the approximation of ln y! is only used (and only defined) above 1
        y = ew.where(counted, target, 1.0)
        stirling = y * ew.log(y) - y + 0.5 * ew.log(2 * math.pi * y)
        losses = losses + ew.where(counted, stirling, 0.0)
    return reduce_losses(losses, reduction)


def _gaussian_variance(var: Any, input: Tensor) -> Tensor:
    """The variance as PyTorch accepts it: a number, input's shape, input's shape without its last
    dim (one variance per vector), or input's shape with one dim of size 1."""
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return Tensor(np.full(input.shape, var, dtype=input.dtype))
    var = target_like(var, input)
    if np.any(var.data < 0):
        raise ValueError("var has negative entry/entries")
    if var.shape == input.shape:
        return var
    if input.shape[:-1] == var.shape:
        return var.reshape(*var.shape, 1)
    mismatched = [v for i, v in zip(input.shape, var.shape, strict=False) if i != v]
    if var.ndim == input.ndim and sum(mismatched) == 1:
        return var
    raise ValueError(f"var is of incorrect size: {var.shape} for input of shape {input.shape}")


def gaussian_nll_loss(
    input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Tensor:
    """Gaussian negative log-likelihood ℓ = ½(ln σ² + (ŷ − y)²/σ²) (+ ½ln 2π when full), with σ²
    clamped at ε in the value only: the gradient flows to σ² as if unclamped, as in PyTorch."""
    input = as_tensor(input)
    var = _gaussian_variance(var, input)
    refuse_complex("gaussian_nll_loss", var)  # PyTorch checks var < 0, which complex numbers cannot be
    check_reduction(reduction)
    floor = np.maximum(var.data, eps) - var.data  # 0 unless σ² < ε: a constant, not differentiated
    var = var + floor.astype(var.dtype, copy=False)
    diff = input - target_like(target, input)
    losses = 0.5 * (ew.log(var) + diff * diff / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce_losses(losses, reduction)
