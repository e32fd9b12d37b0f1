"""The affine map, the layers that only move data (identity, dropout in evaluation, flatten,
unflatten), the embedding tables and the containers, as ONNX nodes."""

from __future__ import annotations

import math

from ... import nn
from .graph import Graph, Value, join, names, unsupported


def linear(g: Graph, m: nn.Linear, path: str, x: Value) -> str:
    """y = x Wᵀ + b."""
    return g.linear_layer(m, path, x.name, x.ndim)


def identity(g: Graph, m: nn.Module, path: str, x: Value) -> str:
    """Identity, and every dropout: export is in evaluation mode, where dropout passes x through."""
    return g.op("Identity", x.name)


def flatten(g: Graph, m: nn.Flatten, path: str, x: Value) -> str:
    """Merge dims start … end: ONNX's Flatten for the usual (N, everything else), else a Reshape to
    (sizes before, −1, sizes after), the sizes read when the graph runs."""
    if x.ndim == 0:
        return g.reshape(x.name, (1,))
    start, end = m.start_dim % x.ndim, m.end_dim % x.ndim
    if start == 1 and end == x.ndim - 1:
        return g.op("Flatten", x.name, axis=1)
    before = [g.shape(x.name, 0, start)] if start else []
    after = [g.shape(x.name, end + 1)] if end + 1 < x.ndim else []
    return g.reshape(x.name, *before, (-1,), *after)


def unflatten(g: Graph, m: nn.Unflatten, path: str, x: Value) -> str:
    """Split dim into unflattened_size; the other sizes are read when the graph runs."""
    dim = m.dim % x.ndim
    before = [g.shape(x.name, 0, dim)] if dim else []
    after = [g.shape(x.name, dim + 1)] if dim + 1 < x.ndim else []
    return g.reshape(x.name, *before, tuple(int(n) for n in m.unflattened_size), *after)


def embedding(g: Graph, m: nn.Embedding, path: str, ids: Value) -> str:
    """y = W[ids] (Gather). With max_norm, the rows looked up are scaled to at most that norm, as
    deepstep scales them in W: y·max_norm/(‖y‖ + 1e-7) where ‖y‖ > max_norm."""
    rows = g.op("Gather", g.param(m, path, "weight"), ids.name, axis=0)
    if m.max_norm is None:
        return rows
    p = float(m.norm_type)
    if not math.isfinite(p) or p <= 0:
        raise unsupported(m, path, f"max_norm with norm_type={m.norm_type} (a finite p > 0 is supported)")
    dtype = m.weight.dtype
    powers = g.op("Pow", g.op("Abs", rows), g.scalar(p, dtype))
    norm = g.op("Pow", g.reduce("ReduceSum", powers, (-1,)), g.scalar(1 / p, dtype))
    scale = g.op("Div", g.scalar(m.max_norm, dtype), g.op("Add", norm, g.scalar(1e-7, dtype)))
    too_long = g.op("Greater", norm, g.scalar(m.max_norm, dtype))
    return g.op("Mul", rows, g.op("Where", too_long, scale, g.scalar(1, dtype)))


def embedding_bag(g: Graph, m: nn.EmbeddingBag, path: str, ids: Value) -> str:
    """Bags of equal size, one per row of 2-D ids: the sum, mean or max of each row's vectors."""
    if ids.ndim != 2:
        raise unsupported(
            m, path, "EmbeddingBag with offsets (1-D ids); bags as rows of 2-D ids are supported"
        )
    if m.padding_idx is not None or m.max_norm is not None:
        raise unsupported(m, path, "EmbeddingBag with padding_idx or max_norm")
    rows = g.op("Gather", g.param(m, path, "weight"), ids.name, axis=0)
    reduce = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax"}[m.mode]
    return g.reduce(reduce, rows, (1,), keepdims=False)


def sequential(g: Graph, m: nn.Sequential, path: str, x: Value) -> str:
    """Each child applied to the previous one's output."""
    if len(m) == 0:
        return g.op("Identity", x.name)
    for name, child in m._named():
        if not isinstance(x, Value):
            raise unsupported(
                m,
                path,
                f"the module before {name!r} returns several tensors, which a Sequential cannot pass on",
            )
        x = g.module(child, join(path, name), x)
    return names(x)
