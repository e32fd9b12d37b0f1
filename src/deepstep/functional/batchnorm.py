"""Batch normalisation: x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β, with μ and σ² each channel's, taken over
the batch (and the positions).

One op with its backward written out (the notes' formula, checked in the tests against the same
computation built from autograd ops, against PyTorch and numerically), in NumPy or, with numba, in
the kernels of batch_norm_kernels beside it. While training, the running statistics move toward the
batch's: r ← (1 − m)r + m·stat (the variance unbiased, as in PyTorch); in evaluation the running
statistics are used instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_array
from ..backend import in_layout_of
from ..errors import ShapeError, ValueRangeError
from .batch_norm_kernels import channel_blocks
from .batch_norm_kernels import kernels as batch_norm_kernels

__all__ = ["batch_norm"]


class BatchNorm(Function):
    """y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε) per channel;   ∂L/∂β = Σ g, ∂L/∂γ = Σ g·x̂, and
    ∂L/∂x = γ/√(σ² + ε) · (g − Σg/m − x̂·Σ(g·x̂)/m) when μ, σ² are the batch's m values' statistics
    (γ/√(σ² + ε) · g when they are fixed running statistics)."""

    real_only = "batch_norm"

    def __init__(self, statistics: tuple[np.ndarray, np.ndarray] | None, eps: float):
        self.statistics, self.eps = statistics, eps

    def forward(self, x, weight, bias):
        if x.dtype.kind != "f":  # integers normalise to floats, as NumPy would promote them
            x = x.astype(np.result_type(x.dtype, np.float32))
        self.batch_stats, self.gamma = self.statistics is None, weight
        if not self.batch_stats:
            self.mean, self.var = self.statistics
            self.inv_std = self._inv_std(x.dtype)
            self.x = x  # x̂ is only needed for ∂L/∂γ: made in backward when asked for
            scale = weight * self.inv_std
            out = x * scale
            out += bias - self.mean * scale
            return out
        compiled, blocks = _compiled_blocks(x)
        if compiled is not None:
            # one pass for the mean, one for the variance, one writing x̂ and y (see batch_norm_kernels)
            mean, var = np.empty(x.shape[1]), np.empty(x.shape[1])
            compiled.channel_moments(blocks, mean, var)
            self.mean, self.var = (_per_channel_shape(v, x).astype(x.dtype) for v in (mean, var))
            self.inv_std = self._inv_std(x.dtype)
            # the input's layout, as the blocks; the dtype that NumPy's γ·x̂ + β would have
            self.x_hat, out = np.empty_like(x), np.empty_like(x, dtype=np.result_type(x, weight, bias))
            vectors = (self.mean, self.inv_std, weight, bias)
            compiled.batch_norm_forward(
                blocks,
                *(v.ravel() for v in vectors),
                channel_blocks(self.x_hat),
                channel_blocks(out),
            )
            return out
        m = x.size // x.shape[1]
        self.mean = _channel_sum(x) / m
        centered = x - self.mean  # keeps the input's layout (NHWC memory after a convolution)
        self.var = _channel_sum(centered, centered) / m  # two passes: no cancellation
        self.inv_std = self._inv_std(x.dtype)
        self.x_hat = np.multiply(centered, self.inv_std, out=centered)
        out = self.x_hat * weight
        out += bias
        return out

    def _inv_std(self, dtype: Any) -> np.ndarray:
        return (1 / np.sqrt(self.var + self.eps)).astype(dtype, copy=False)

    def backward(self, g):
        x_hat = self.x_hat if self.batch_stats else (self.x - self.mean) * self.inv_std
        g = in_layout_of(g, x_hat)  # (ufuncs crawl on mixed layouts)
        need_x, need_gamma, need_beta = self.needs_grad(0), self.needs_grad(1), self.needs_grad(2)
        scale = self.gamma * self.inv_std
        compiled, g_blocks = _compiled_blocks(g) if self.batch_stats else (None, None)
        x_hat_blocks = channel_blocks(x_hat) if compiled is not None else None
        if x_hat_blocks is None or x_hat_blocks.shape != g_blocks.shape:
            compiled = None
        if compiled is not None:
            sum_g, sum_g_x_hat = np.zeros(g.shape[1]), np.zeros(g.shape[1])
            compiled.batch_norm_sums(g_blocks, x_hat_blocks, sum_g, sum_g_x_hat)
            sum_g, sum_g_x_hat = (_per_channel_shape(v, g).astype(g.dtype) for v in (sum_g, sum_g_x_hat))
        else:
            sum_g = _channel_sum(g)
            sum_g_x_hat = _channel_sum(g, x_hat) if need_gamma or self.batch_stats else None
        grad_x = None
        if need_x and not self.batch_stats:
            grad_x = g * scale
        elif need_x:
            # γ/√(σ²+ε)·(g − Σg/m − x̂·Σgx̂/m) = a·g + b·x̂ + c with per-channel a, b, c
            m = x_hat.size // x_hat.shape[1]
            b, c = -scale * sum_g_x_hat / m, -scale * sum_g / m
            if compiled is not None:
                grad_x = np.empty_like(x_hat, dtype=np.result_type(g, scale, x_hat))
                compiled.per_channel_affine(
                    g_blocks,
                    x_hat_blocks,
                    *(v.ravel() for v in (scale, b, c)),
                    channel_blocks(grad_x),
                )
            else:
                grad_x = g * scale
                grad_x += x_hat * b
                grad_x += c
        return grad_x, sum_g_x_hat if need_gamma else None, sum_g if need_beta else None


def _compiled_blocks(a: np.ndarray) -> tuple[Any, Any]:
    """The compiled kernels and a's (A, C, B) blocks, when numba is there and a is a dense float array."""
    compiled = batch_norm_kernels()
    if compiled is None or a.dtype not in (np.float32, np.float64):
        return None, None
    blocks = channel_blocks(a)
    return (compiled, blocks) if blocks is not None else (None, None)


def _per_channel_shape(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    return values.reshape((1, -1) + (1,) * (like.ndim - 2))


def _channel_sum(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Σ a (or Σ a·b) over every axis but the channels (axis 1), kept as size-1 axes. einsum sums
    without a temporary product and, over the batch axis, runs 2–3× faster than a.sum(axis=...)."""
    axes = "nc" + "hwdefg"[: a.ndim - 2]
    total = np.einsum(f"{axes}->c", a) if b is None else np.einsum(f"{axes},{axes}->c", a, b)
    return _per_channel_shape(total, a)


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise input of shape (N, C) or (N, C, ...) per channel C; the running statistics (tensors,
    as PyTorch's, or arrays) are updated in place while training, and needed in evaluation."""
    input = input if isinstance(input, Tensor) else Tensor(as_array(input))
    if input.numel() == 0:  # as ATen: nothing to normalise, no statistics to take, nothing checked
        out = input.clone()
        out = out if weight is None else out * weight[0]
        return out if bias is None else out + bias[0]
    # the running statistics' own memory, so that the updates below land in the caller's tensors
    running_mean, running_var = (
        None if r is None else r.data if isinstance(r, Tensor) else np.asarray(r)
        for r in (running_mean, running_var)
    )
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects (N, C) or (N, C, ...) input, got shape {input.shape}")
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    for name, array in (("running_mean", running_mean), ("running_var", running_var)):
        if array is not None and np.shape(array) != (channels,):
            raise ShapeError(
                f"{name} must have shape ({channels},) for input of shape {input.shape}, "
                f"got {np.shape(array)}"
            )
    if not training:  # evaluation normalises with the running statistics, never the batch's (ATen)
        for name, array in (("running_mean", running_mean), ("running_var", running_var)):
            if array is None:
                raise ValueRangeError(f"{name} must be defined in evaluation mode")
    elif (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    dtype = input.dtype if input.dtype.kind == "f" else np.result_type(input.dtype, np.float32)
    weight = _per_channel(weight, 1, shape, dtype)
    bias = _per_channel(bias, 0, shape, dtype)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm needs more than one value per channel when training, got input {input.shape}"
            )
        fn = BatchNorm(None, eps)
        out = fn(input, weight, bias)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * fn.mean.reshape(channels)
            running_var *= 1 - momentum
            running_var += momentum * fn.var.reshape(channels) * count / (count - 1)
        return out
    statistics = (running_mean.reshape(shape).astype(dtype), running_var.reshape(shape).astype(dtype))
    return BatchNorm(statistics, eps)(input, weight, bias)


def _per_channel(value: Any, default: float, shape: tuple[int, ...], dtype: Any) -> Any:
    """γ or β shaped to broadcast over (N, C, ...): a Tensor stays a Tensor (it may want a gradient)."""
    if value is None:
        return np.full(shape, default, dtype=dtype)
    if isinstance(value, Tensor):
        return value.reshape(shape)
    return np.reshape(as_array(value), shape)
