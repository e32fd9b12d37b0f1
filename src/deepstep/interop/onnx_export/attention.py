"""Attention and the Transformer's layers from ONNX's MatMul, Softmax and reshapes (the operators
every ONNX Runtime runs), written as deepstep computes them:

    Attention(Q, K, V) = softmax(Q Kᵀ/√d + mask) V,   per head on d = E/h channels,

with the heads split by a Reshape (…, h, d) and a Transpose. The Transformer layers are the
residual sums of their attention and MLP blocks, each child converted by its own converter.
Export takes the layers' tensors only: attention masks are not graph inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ... import functional as F
from ... import nn
from ...autograd.tensor import Tensor
from .graph import Graph, Value, join, names, unsupported


def scaled_dot_product(
    g: Graph, q: str, k_t: str, v: str, d: int, dtype: np.dtype, causal_length: str | None = None
) -> tuple[str, str]:
    """softmax(q kᵀ/√d) v for q (…, L, d), kᵀ (…, d, S), v (…, S, d); with causal_length (a scalar
    L read when the graph runs) position t sees positions ≤ t only. Returns (output, weights)."""
    scores = g.op("Mul", g.op("MatMul", q, k_t), g.scalar(1 / math.sqrt(d), dtype))
    if causal_length is not None:
        steps = g.op("Range", g.scalar(0, np.int64), causal_length, g.scalar(1, np.int64))
        later = g.op("Less", g.op("Unsqueeze", steps, g.ints(1)), g.op("Unsqueeze", steps, g.ints(0)))
        scores = g.op("Where", later, g.scalar(-np.inf, dtype), scores)
    weights = g.op("Softmax", scores, axis=-1)
    return g.op("MatMul", weights, v), weights


def _heads(g: Graph, x: str, heads: int, d: int, perm: list[int]) -> str:
    """(L, N, E) → (L, N, h, d) → transposed by perm."""
    return g.op("Transpose", g.reshape(x, (0, 0, heads, d)), perm=perm)


def _projections(
    g: Graph, m: nn.MultiheadAttention, path: str, q: str, k: str, v: str
) -> tuple[str, str, str]:
    """q W_qᵀ + b_q, k W_kᵀ + b_k, v W_vᵀ + b_v: one product and a Split when q, k, v are one tensor
    (self-attention), else in_proj_weight's three blocks (or q/k/v_proj_weight) one by one."""
    e = m.embed_dim
    bias = g.param(m, path, "in_proj_bias")
    if m._qkv_same_embed_dim:
        weight = g.param(m, path, "in_proj_weight")
        if q == k == v:
            return tuple(g.op("Split", g.linear(q, weight, bias, 3), g.ints(e, e, e), axis=-1, outputs=3))
        weights = g.op("Split", weight, g.ints(e, e, e), axis=0, outputs=3)
    else:
        weights = [g.param(m, path, f"{name}_proj_weight") for name in "qkv"]
    biases = [None] * 3 if bias is None else g.op("Split", bias, g.ints(e, e, e), axis=0, outputs=3)
    return tuple(g.linear(x, w, b, 3) for x, w, b in zip((q, k, v), weights, biases, strict=True))


def attention(
    g: Graph, m: nn.MultiheadAttention, path: str, query: Value, key: Value, value: Value, need_weights: bool
) -> tuple[str, str | None]:
    """MultiheadAttention's forward without masks: (output, weights averaged over heads or None)."""
    unbatched = query.ndim == 2
    q, k, v = query.name, key.name, value.name
    if unbatched:
        q, k, v = _once(lambda x: g.op("Unsqueeze", x, g.ints(1)), q, k, v)
    elif m.batch_first:
        q, k, v = _once(lambda x: g.op("Transpose", x, perm=[1, 0, 2]), q, k, v)
    q, k, v = _projections(g, m, path, q, k, v)
    h, d = m.num_heads, m.head_dim
    out, weights = scaled_dot_product(
        g,
        _heads(g, q, h, d, [1, 2, 0, 3]),
        _heads(g, k, h, d, [1, 2, 3, 0]),
        _heads(g, v, h, d, [1, 2, 0, 3]),
        d,
        query.dtype,
    )
    joined = g.reshape(g.op("Transpose", out, perm=[2, 0, 1, 3]), (0, 0, m.embed_dim))
    out = g.linear_layer(m.out_proj, join(path, "out_proj"), joined, 3)
    if unbatched:
        out = g.op("Squeeze", out, g.ints(1))
    elif m.batch_first:
        out = g.op("Transpose", out, perm=[1, 0, 2])
    if not need_weights:
        return out, None
    averaged = g.reduce("ReduceMean", weights, (1,), keepdims=False)
    return out, g.op("Squeeze", averaged, g.ints(0)) if unbatched else averaged


def _once(change: Callable[[str], str], *xs: str) -> tuple[str, ...]:
    """change(x) for each x, once per distinct tensor: self-attention's q, k, v stay one tensor."""
    done: dict[str, str] = {}
    for x in xs:
        if x not in done:
            done[x] = change(x)
    return tuple(done[x] for x in xs)


def multihead_attention(
    g: Graph, m: nn.MultiheadAttention, path: str, query: Value, key: Value, value: Value
) -> tuple[str, str]:
    """forward(query, key, value): the output and the attention weights averaged over the heads."""
    return attention(g, m, path, query, key, value, need_weights=True)


def _activation(g: Graph, m: nn.Module, path: str, x: Value) -> Value:
    """The feed-forward block's activation: F.relu, F.gelu, or a module."""
    if isinstance(m.activation, nn.Module):
        return g.child(m, path, "activation", x)
    if m.activation is F.relu:
        return g.value(g.op("Relu", x.name), F.relu(Tensor(x.example)))
    if m.activation is F.gelu:
        return g.value(g.gelu(x.name, x.dtype), F.gelu(Tensor(x.example)))
    raise unsupported(
        m, path, f"the activation {m.activation!r} (relu, gelu or a deepstep.nn module are supported)"
    )


def _feed_forward(g: Graph, m: nn.TransformerEncoderLayer, path: str, x: Value) -> Value:
    """linear2(activation(linear1(x))) (the dropouts pass x through in evaluation)."""
    return g.child(m, path, "linear2", _activation(g, m, path, g.child(m, path, "linear1", x)))


def _self_attention(g: Graph, m: nn.Module, path: str, x: Value) -> Value:
    name, _ = attention(g, m.self_attn, join(path, "self_attn"), x, x, x, need_weights=False)
    t = Tensor(x.example)
    return g.value(name, m.self_attn(t, t, t, need_weights=False)[0])


def _cross_attention(g: Graph, m: nn.TransformerDecoderLayer, path: str, x: Value, memory: Value) -> Value:
    name, _ = attention(
        g, m.multihead_attn, join(path, "multihead_attn"), x, memory, memory, need_weights=False
    )
    t, mem = Tensor(x.example), Tensor(memory.example)
    return g.value(name, m.multihead_attn(t, mem, mem, need_weights=False)[0])


def encoder_layer(g: Graph, m: nn.TransformerEncoderLayer, path: str, src: Value) -> str:
    """x + SelfAttention(x), then x + MLP(x), normalised after each sum or (norm_first) before."""
    x = src
    if m.norm_first:
        x = g.add(x, _self_attention(g, m, path, g.child(m, path, "norm1", x)))
        return g.add(x, _feed_forward(g, m, path, g.child(m, path, "norm2", x))).name
    x = g.child(m, path, "norm1", g.add(x, _self_attention(g, m, path, x)))
    return g.child(m, path, "norm2", g.add(x, _feed_forward(g, m, path, x))).name


def decoder_layer(g: Graph, m: nn.TransformerDecoderLayer, path: str, tgt: Value, memory: Value) -> str:
    """Self-attention on the target, attention to the memory, then the MLP; each a residual sum."""
    x = tgt
    if m.norm_first:
        x = g.add(x, _self_attention(g, m, path, g.child(m, path, "norm1", x)))
        x = g.add(x, _cross_attention(g, m, path, g.child(m, path, "norm2", x), memory))
        return g.add(x, _feed_forward(g, m, path, g.child(m, path, "norm3", x))).name
    x = g.child(m, path, "norm1", g.add(x, _self_attention(g, m, path, x)))
    x = g.child(m, path, "norm2", g.add(x, _cross_attention(g, m, path, x, memory)))
    return g.child(m, path, "norm3", g.add(x, _feed_forward(g, m, path, x))).name


def _stack(g: Graph, m: nn.Module, path: str, x: Value, *memory: Value) -> str:
    """The layers in turn, then the final norm if there is one."""
    for i, layer in enumerate(m.layers):
        x = g.module(layer, join(path, f"layers.{i}"), x, *memory)
    if m.norm is not None:
        x = g.child(m, path, "norm", x)
    return names(x)


def encoder(g: Graph, m: nn.TransformerEncoder, path: str, src: Value) -> str:
    return _stack(g, m, path, src)


def decoder(g: Graph, m: nn.TransformerDecoder, path: str, tgt: Value, memory: Value) -> str:
    return _stack(g, m, path, tgt, memory)


def transformer(g: Graph, m: nn.Transformer, path: str, src: Value, tgt: Value) -> str:
    """decoder(tgt, encoder(src))."""
    return names(g.child(m, path, "decoder", tgt, g.child(m, path, "encoder", src)))
