"""The in-place ReLUs F.relu_ and F.leaky_relu_, and the Gumbel-softmax, a differentiable sample of a
categorical law: y = softmax((logits + g)/τ) with g = −ln E, E ~ Exp(1) (Gumbel noise); hard=True
returns the one-hot of y's argmax, with y's gradient (the straight-through estimator)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd.ops_activation import leaky_relu, relu_, softmax  # relu_: F.relu_ is the autograd op
from ..autograd.tensor import Tensor
from .checks import as_tensor

__all__ = ["gumbel_softmax", "leaky_relu_", "relu_"]


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """leaky_relu written into the input."""
    return leaky_relu(input, negative_slope, inplace=True)


def gumbel_softmax(
    logits: Any,
    tau: float = 1.0,
    hard: bool = False,
    eps: float = 1e-10,
    dim: int = -1,
    *,
    generator: np.random.Generator | None = None,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """A sample of the Gumbel-softmax law over dim at temperature τ (eps is unused, as in PyTorch):
    soft, y = softmax((logits + g)/τ); hard, the one-hot of argmax y carrying y's gradient,
    one_hot − y.detach() + y."""
    x = as_tensor(logits)
    rng = backend.pick_generator(seed, generator)
    gumbels = -np.log(rng.exponential(size=x.shape)).astype(x.dtype if x.dtype.kind == "f" else np.float64)
    y = softmax((x + gumbels) / tau, dim)
    if not hard:
        return y
    one_hot = np.zeros(y.shape, dtype=y.dtype)
    np.put_along_axis(one_hot, np.argmax(y.data, axis=dim, keepdims=True), 1.0, axis=dim)
    return one_hot - y.detach() + y
