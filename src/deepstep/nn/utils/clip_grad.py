"""Gradient clipping: rescale all gradients together when their norm is too large."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """If ‖g‖ (over all gradients together) exceeds max_norm, scale every g by max_norm / (‖g‖ + 1e-6).
    Returns the norm before clipping as a 0-d tensor, as torch.nn.utils.clip_grad_norm_ does."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad.data for p in params if p.grad is not None]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    dtype = np.result_type(*grads)
    if norm_type == np.inf:
        total = max(float(np.max(np.abs(g), initial=0.0)) for g in grads)
    elif norm_type == 2:  # Σ g·g as one BLAS dot product per gradient, no temporary arrays
        total = float(np.sqrt(sum(float(np.dot(flat, flat)) for flat in (g.reshape(-1) for g in grads))))
    else:
        total = float(
            sum(np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in grads) ** (1.0 / norm_type)
        )
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for p in params:
            if p.grad is not None:
                g = p.grad.data
                if g.flags.writeable:  # in place, as PyTorch's g.mul_(c)
                    np.multiply(g, np.asarray(coefficient, dtype=g.dtype), out=g)
                else:
                    p.grad.data = g * np.asarray(coefficient, dtype=g.dtype)
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clip every gradient element into [−clip_value, clip_value]."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if p.grad is not None:
            p.grad.data = np.clip(p.grad.data, -clip_value, clip_value)
