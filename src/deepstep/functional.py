"""Stateless math on tensors: activations and losses (losses take logits, never probabilities).

The activations are the autograd ops themselves; the losses are built here, each
through the single stable log-softmax of `deepstep.autograd.ops_activation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd.function import Function
from .autograd.ops_activation import (
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    stable_log_softmax,
    tanh,
)
from .autograd.tensor import Tensor

__all__ = [
    "cross_entropy",
    "leaky_relu",
    "linear",
    "log_softmax",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


class Linear(Function):
    """y = x Wᵀ + b (the notes' W̃ṽ for a batch of row vectors);
    ∂L/∂x = G W,  ∂L/∂W = Gᵀ x,  ∂L/∂b = Σ_batch G."""

    def forward(self, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            features = x.shape[-1] if x.ndim else "?"
            raise ValueError(
                f"linear: input of shape {x.shape} needs a weight of shape (out, {features}), "
                f"got {weight.shape}"
            )
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        self.x, self.weight = x, weight
        y = x @ weight.T
        if bias is not None:
            y += bias  # y is freshly made: adding in place saves a pass over memory
        return y

    def backward(self, g):
        x, weight = self.x, self.weight
        g2 = g.reshape(-1, g.shape[-1])
        grad_x = g @ weight if self.needs_grad(0) else None
        grad_w = g2.T @ x.reshape(-1, x.shape[-1]) if self.needs_grad(1) else None
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, g2.sum(axis=0) if self.needs_grad(2) else None


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """The affine map y = x Wᵀ + b with W of shape (out_features, in_features), as torch's F.linear."""
    if bias is None:
        return Linear()(x, weight)
    return Linear()(x, weight, bias)


def _check_class_labels(labels: np.ndarray, n_samples: int, n_classes: int) -> np.ndarray:
    if labels.dtype.kind not in "iu":
        raise TypeError(f"class labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (n_samples,):
        raise ValueError(f"expected {n_samples} labels (shape ({n_samples},)), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes - 1}] for {n_classes} classes, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


class CrossEntropyWithLabels(Function):
    """ℓᵢ = −log softmax(sᵢ)[yᵢ] from logits s;   ∂ℓᵢ/∂sᵢ = softmax(sᵢ) − onehot(yᵢ)."""

    def __init__(self, reduction: str) -> None:
        self.reduction = reduction

    def forward(self, logits, labels):
        if logits.ndim != 2:
            raise ValueError(f"cross_entropy expects logits of shape (N, C), got {logits.shape}")
        n = logits.shape[0]
        self.labels = _check_class_labels(np.asarray(labels), n, logits.shape[1])
        self.log_p = stable_log_softmax(logits, axis=1)
        losses = -self.log_p[np.arange(n), self.labels]
        if self.reduction == "mean":
            if n == 0:
                raise ValueError("cross_entropy of an empty batch")
            return losses.mean()
        return losses.sum() if self.reduction == "sum" else losses

    def backward(self, g):
        grad = np.exp(self.log_p)
        grad[np.arange(len(self.labels)), self.labels] -= 1
        if self.reduction == "mean":
            grad *= g / len(self.labels)
        elif self.reduction == "sum":
            grad *= g
        else:
            grad *= g[:, None]
        return (grad, None)


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy between logits (N, C) and integer class labels (N,)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if isinstance(target, Tensor):
        target = target.data
    return CrossEntropyWithLabels(reduction)(logits, target)
