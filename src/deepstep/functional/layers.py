"""Layers as functions: the affine map, dropout, and the perceptron's step."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor

__all__ = ["dropout", "linear", "step"]


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


class Step(Function):
    """The perceptron's threshold: 1 where x ≥ 0, else 0;   its derivative is 0 almost everywhere."""

    def forward(self, x):
        return (x >= 0).astype(x.dtype if x.dtype.kind == "f" else backend.get_default_dtype())

    def backward(self, g):
        return (np.zeros_like(g),)


def step(x: Any) -> Tensor:
    """Heaviside step h(x) = 1[x ≥ 0] (no gradient flows through it, as the notes warn)."""
    return Step()(x)


class Dropout(Function):
    """Inverted dropout: z = x·m/(1 − p), m ~ Bernoulli(1 − p);   ∂z/∂x = m/(1 − p)."""

    saved_inputs = ()

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, x):
        return x * self.mask

    def backward(self, g):
        return (g * self.mask,)


def dropout(
    x: Any, p: float = 0.5, training: bool = True, seed: int | np.random.Generator | None = None
) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p) (identity when not training)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must lie in [0, 1], got {p}")
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if not training or p == 0:
        return x if isinstance(x, Tensor) else Tensor(data)
    if p == 1:
        return Dropout(np.zeros(data.shape, dtype=data.dtype))(x)
    keep = backend.as_generator(seed).random(data.shape) >= p
    return Dropout((keep / (1 - p)).astype(data.dtype))(x)
