"""Batch normalisation: x̂ = (x − μ_B)/√(σ²_B + ε), y = γx̂ + β, statistics over the batch (and space).

Built from autograd ops, so its gradient is derived, not hand-written. While training, the
running statistics move toward the batch's: r ← (1 − m)r + m·stat (the variance unbiased, as
in PyTorch); in evaluation the running statistics are used instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import ops_elementwise as ew
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor, as_array

__all__ = ["batch_norm"]


def batch_norm(
    x: Any,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise x of shape (N, C) or (N, C, ...) per channel C; the running arrays are updated in place."""
    x = x if isinstance(x, Tensor) else Tensor(as_array(x))
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects (N, C) or (N, C, ...) input, got shape {x.shape}")
    channels = x.shape[1]
    axes = (0, *range(2, x.ndim))
    shape = (1, channels) + (1,) * (x.ndim - 2)
    for name, array in (("running_mean", running_mean), ("running_var", running_var)):
        if array is not None and np.shape(array) != (channels,):
            raise ValueError(
                f"{name} must have shape ({channels},) for input of shape {x.shape}, got {np.shape(array)}"
            )
    if training or running_mean is None:
        count = x.numel() // channels
        if training and count <= 1:
            raise ValueError(
                f"batch_norm needs more than one value per channel when training, got input {x.shape}"
            )
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        if training and running_mean is not None:
            with no_grad():
                running_mean *= 1 - momentum
                running_mean += momentum * mean.data.reshape(channels)
                running_var *= 1 - momentum
                running_var += momentum * var.data.reshape(channels) * count / (count - 1)
    else:
        mean = running_mean.reshape(shape).astype(x.dtype)
        var = running_var.reshape(shape).astype(x.dtype)
    x_hat = (x - mean) / ew.sqrt(var + eps)
    if weight is not None:
        x_hat = x_hat * (weight.reshape(shape) if isinstance(weight, Tensor) else np.reshape(weight, shape))
    if bias is not None:
        x_hat = x_hat + (bias.reshape(shape) if isinstance(bias, Tensor) else np.reshape(bias, shape))
    return x_hat
