"""The ready models of deepstep.models, each written as its forward is: children converted by their
converters, the few reshapes between them as ONNX nodes. The autoencoder's encode and decode are
exported on their own too (`export(model.decode, z, …)` gives the generative half)."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...autograd.tensor import Tensor
from ...models import GAN, GPT, MLP, Autoencoder, CharRNN, SmallCNN
from ...models.language import Block, CausalSelfAttention, MLPBlock
from .attention import scaled_dot_product
from .graph import Graph, Value, join, names


def mlp(g: Graph, m: MLP, path: str, x: Value) -> str:
    return names(g.child(m, path, "layers", x))


def small_cnn(g: Graph, m: SmallCNN, path: str, x: Value) -> str:
    """(N, H, W) read as one channel, features, flatten, classifier."""
    if x.ndim == 3:
        x = g.value(g.op("Unsqueeze", x.name, g.ints(1)), x.example[:, None])
    features = g.child(m, path, "features", x)
    flat = g.value(
        g.op("Flatten", features.name, axis=1), features.example.reshape(len(features.example), -1)
    )
    return names(g.child(m, path, "classifier", flat))


def encode(g: Graph, m: Autoencoder, path: str, x: Value) -> str:
    """The input as the encoder wants it ((N, H·W) or (N, 1, H, W)), then the encoder."""
    size = m.image_size
    shape = (0, size * size) if m.kind == "dense" else (0, 1, size, size)
    example = x.example.reshape(len(x.example), *shape[1:])
    return names(g.child(m, path, "encoder", g.value(g.reshape(x.name, shape), example)))


def decode(g: Graph, m: Autoencoder, path: str, z: Value) -> str:
    """The decoder; the convolutional one starts from a Linear whose output is seen as (N, 32, H/4, W/4)."""
    if m.kind == "dense":
        return names(g.child(m, path, "decoder", z))
    quarter = m.image_size // 4
    h = g.child(m, path, "decoder_input", z)
    grid = g.value(g.reshape(h.name, (0, 32, quarter, quarter)), h.example.reshape(-1, 32, quarter, quarter))
    return names(g.child(m, path, "decoder", grid))


def autoencoder(g: Graph, m: Autoencoder, path: str, x: Value) -> str:
    code = encode(g, m, path, x)
    return decode(g, m, path, g.value(code, m.encode(Tensor(x.example))))


def gan(g: Graph, m: GAN, path: str, z: Value) -> str:
    """The generator: noise to images (in the tanh range [−1, 1])."""
    return names(g.child(m, path, "generator", z))


def char_rnn(g: Graph, m: CharRNN, path: str, ids: Value, state: Value | tuple | None = None) -> tuple:
    """Embedding → LSTM/GRU → Linear: (logits, the final state)."""
    x = g.child(m, path, "embedding", ids)
    out, final = g.child(m, path, "rnn", x, *(() if state is None else (state,)))
    return names(g.child(m, path, "head", out)), names(final)


def causal_self_attention(g: Graph, m: CausalSelfAttention, path: str, x: Value) -> str:
    """q, k, v from one Linear, seen as (3, B, h, T, d); causal attention; heads joined; projection."""
    channels = x.shape[-1]
    d = channels // m.n_head
    qkv = g.linear_layer(m.c_attn, join(path, "c_attn"), x.name, 3)
    stacked = g.op("Transpose", g.reshape(qkv, (0, 0, 3, m.n_head, d)), perm=[2, 0, 3, 1, 4])
    q, k, v = (g.op("Gather", stacked, g.scalar(i, np.int64), axis=0) for i in range(3))
    length = g.op("Squeeze", g.shape(x.name, 1, 2), g.ints(0))
    out, _ = scaled_dot_product(
        g, q, g.op("Transpose", k, perm=[0, 1, 3, 2]), v, d, x.dtype, causal_length=length
    )
    joined = g.reshape(g.op("Transpose", out, perm=[0, 2, 1, 3]), (0, 0, channels))
    return g.linear_layer(m.c_proj, join(path, "c_proj"), joined, 3)


def mlp_block(g: Graph, m: MLPBlock, path: str, x: Value) -> str:
    """c_proj(GELU(c_fc(x)))."""
    hidden = g.child(m, path, "c_fc", x)
    active = g.value(g.gelu(hidden.name, x.dtype), F.gelu(Tensor(hidden.example)))
    return names(g.child(m, path, "c_proj", active))


def block(g: Graph, m: Block, path: str, x: Value) -> str:
    """x ← x + Attn(LN(x)); x ← x + MLP(LN(x))."""
    x = g.add(x, g.child(m, path, "attn", g.child(m, path, "ln_1", x)))
    return g.add(x, g.child(m, path, "mlp", g.child(m, path, "ln_2", x))).name


def gpt(g: Graph, m: GPT, path: str, ids: Value) -> str:
    """Token plus position embeddings, the blocks, the final norm, and logits through the token
    table transposed (the tied weight is one initializer read twice)."""
    table = g.param(m.wte, join(path, "wte"), "weight")
    length = g.op("Squeeze", g.shape(ids.name, 1, 2), g.ints(0))
    positions = g.op("Range", g.scalar(0, np.int64), length, g.scalar(1, np.int64))
    tokens = g.op("Gather", table, ids.name, axis=0)
    summed = g.op(
        "Add", tokens, g.op("Gather", g.param(m.wpe, join(path, "wpe"), "weight"), positions, axis=0)
    )
    steps = ids.shape[1]
    x = g.value(summed, (m.wte(Tensor(ids.example)) + m.wpe(Tensor(np.arange(steps)))).data)
    for i, layer in enumerate(m.h):
        x = g.module(layer, join(path, f"h.{i}"), x)
    x = g.child(m, path, "ln_f", x)
    return g.op("MatMul", x.name, g.op("Transpose", table))
