"""Normalisation layers as ONNX nodes: y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² over the axes each
layer names. ONNX's BatchNormalization (running statistics), InstanceNormalization and
LayerNormalization where they compute the same; written out (ReduceMean…) for statistics of the
batch itself, groups of channels and RMSNorm. Export is in evaluation mode: layers that track
running statistics use them, as deepstep does in eval()."""

from __future__ import annotations

import numpy as np

from ... import nn
from .graph import Graph, Value, unsupported


def _ones_zeros(g: Graph, m: nn.Module, path: str, size: tuple[int, ...], dtype: np.dtype) -> tuple[str, str]:
    """γ and β, ones and zeros where the layer has none (ONNX's operators want both)."""
    weight = g.param(m, path, "weight") if getattr(m, "weight", None) is not None else None
    bias = g.param(m, path, "bias") if getattr(m, "bias", None) is not None else None
    return (
        weight or g.array(np.ones(size, dtype), "ones"),
        bias or g.array(np.zeros(size, dtype), "zeros"),
    )


def _per_channel(g: Graph, vector: str, channels: int, ndim: int) -> str:
    """A (C,) vector as (C, 1, …, 1), to broadcast along dim 1 of an ndim-d tensor."""
    return vector if ndim <= 2 else g.reshape(vector, (channels,) + (1,) * (ndim - 2))


def standardize(g: Graph, x: str, axes: tuple[int, ...], eps: float, dtype: np.dtype) -> str:
    """(x − μ)/√(σ² + ε), μ and the biased σ² over axes."""
    centred = g.op("Sub", x, g.reduce("ReduceMean", x, axes))
    variance = g.reduce("ReduceMean", g.op("Mul", centred, centred), axes)
    return g.op("Div", centred, g.op("Sqrt", g.op("Add", variance, g.scalar(eps, dtype))))


def _affine(g: Graph, m: nn.Module, path: str, y: str, channels: int, ndim: int) -> str:
    """γ·y + β per channel (dim 1), where the layer has them."""
    if getattr(m, "weight", None) is not None:
        y = g.op("Mul", y, _per_channel(g, g.param(m, path, "weight"), channels, ndim))
    if getattr(m, "bias", None) is not None:
        y = g.op("Add", y, _per_channel(g, g.param(m, path, "bias"), channels, ndim))
    return y


def batch_norm(g: Graph, m: nn.BatchNorm2d, path: str, x: Value) -> str:
    """With running statistics: ONNX's BatchNormalization. Without: the batch's own, per channel."""
    if not m.track_running_stats:
        axes = (0, *range(2, x.ndim))
        return _affine(g, m, path, standardize(g, x.name, axes, m.eps, x.dtype), m.num_features, x.ndim)
    scale, bias = _ones_zeros(g, m, path, (m.num_features,), x.dtype)
    mean, var = g.param(m, path, "running_mean"), g.param(m, path, "running_var")
    return g.op("BatchNormalization", x.name, scale, bias, mean, var, epsilon=float(m.eps))


def instance_norm(g: Graph, m: nn.InstanceNorm2d, path: str, x: Value) -> str:
    """Each channel of each sample over its positions (ONNX's InstanceNormalization); with tracked
    statistics, those (BatchNormalization). Unbatched input gets a batch of one for the operator."""
    unbatched = x.ndim == m.spatial_dims + 1
    name = g.op("Unsqueeze", x.name, g.ints(0)) if unbatched else x.name
    scale, bias = _ones_zeros(g, m, path, (m.num_features,), x.dtype)
    if m.track_running_stats:
        mean, var = g.param(m, path, "running_mean"), g.param(m, path, "running_var")
        y = g.op("BatchNormalization", name, scale, bias, mean, var, epsilon=float(m.eps))
    else:
        y = g.op("InstanceNormalization", name, scale, bias, epsilon=float(m.eps))
    return g.op("Squeeze", y, g.ints(0)) if unbatched else y


def layer_norm(g: Graph, m: nn.LayerNorm, path: str, x: Value) -> str:
    """Over the last len(normalized_shape) dims: ONNX's LayerNormalization."""
    scale = (
        g.param(m, path, "weight")
        if m.weight is not None
        else g.array(np.ones(m.normalized_shape, x.dtype), "ones")
    )
    bias = g.param(m, path, "bias") if m.bias is not None else None
    axis = -len(m.normalized_shape)
    return g.op("LayerNormalization", x.name, scale, bias, axis=axis, epsilon=float(m.eps))


def rms_norm(g: Graph, m: nn.RMSNorm, path: str, x: Value) -> str:
    """x/√(mean(x²) + ε)·γ over the last dims; ε None is the dtype's machine epsilon."""
    axes = tuple(range(-len(m.normalized_shape), 0))
    eps = float(np.finfo(x.dtype).eps) if m.eps is None else m.eps
    mean_square = g.reduce("ReduceMean", g.op("Mul", x.name, x.name), axes)
    y = g.op("Div", x.name, g.op("Sqrt", g.op("Add", mean_square, g.scalar(eps, x.dtype))))
    return y if m.weight is None else g.op("Mul", y, g.param(m, path, "weight"))


def group_norm(g: Graph, m: nn.GroupNorm, path: str, x: Value) -> str:
    """Each sample's channels in num_groups groups, each normalised over its channels and positions:
    (N, C, …) seen as (N, G, rest), standardised over the last axis, seen as (N, C, …) again."""
    groups = g.reshape(x.name, (0, m.num_groups, -1))
    y = g.reshape(standardize(g, groups, (2,), m.eps, x.dtype), g.shape(x.name))
    return _affine(g, m, path, y, m.num_channels, x.ndim)


def local_response_norm(g: Graph, m: nn.LocalResponseNorm, path: str, x: Value) -> str:
    """x_c/(k + α/n·Σ x_c'²)^β over the n channels around c: ONNX's LRN, whose window is PyTorch's
    when n is odd (for an even n, ONNX puts the extra channel after c, PyTorch before)."""
    if m.size % 2 == 0:
        raise unsupported(m, path, f"size={m.size}: ONNX's LRN centres an even window differently")
    return g.op("LRN", x.name, size=m.size, alpha=float(m.alpha), beta=float(m.beta), bias=float(m.k))
