"""Attention layers as PyTorch has them: MultiheadAttention and the Transformer's encoder and
decoder layers (post-norm or pre-norm), with PyTorch's parameter names and arguments.

Multi-head attention projects the inputs, splits the E channels into h heads of E/h, lets each
head attend on its own (`F.scaled_dot_product_attention`), then joins the heads and projects:
    MultiHead(Q, K, V) = concat(head₁ … head_h) W_oᵀ,  headᵢ = Attention(Q W_qᵢᵀ, K W_kᵢᵀ, V W_vᵢᵀ)
A Transformer block adds attention and a two-layer MLP to its input (residual connections),
each with layer normalisation after the sum (post-norm, the 2017 paper) or before (pre-norm).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd import ops_shape as shape
from ..autograd.ops_activation import softmax
from ..autograd.tensor import Tensor, as_array
from ..checks import positive_int
from ..errors import ShapeError
from . import init
from .layers import Dropout, Linear
from .module import Module, Parameter
from .normalization import LayerNorm
from .sequential import ModuleList

__all__ = [
    "MultiheadAttention",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(as_array(x))


def _merge_masks(
    attn_mask: Any, key_padding_mask: Any, batch: int, heads: int, length: int, source: int, dtype: Any
) -> Any:
    """PyTorch's two masks (True = may NOT attend, or a float added to the scores) as one additive
    mask of shape (N, h, L, S) (or a broadcastable part of it), or None."""
    merged = None
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if mask.shape not in ((length, source), (batch * heads, length, source)):
            raise ShapeError(
                f"attn_mask must have shape ({length}, {source}) or ({batch * heads}, {length}, {source}), "
                f"got {mask.shape}"
            )
        if mask.dtype == bool:
            mask = np.where(mask, -np.inf, 0).astype(dtype)
            additive = mask
        else:
            additive = attn_mask if isinstance(attn_mask, Tensor) else mask.astype(dtype)
        merged = (
            additive if mask.ndim == 2 else shape.reshape(_tensor(additive), batch, heads, length, source)
        )
    if key_padding_mask is not None:
        padding = (
            key_padding_mask.data if isinstance(key_padding_mask, Tensor) else np.asarray(key_padding_mask)
        )
        if padding.shape != (batch, source):
            raise ShapeError(f"key_padding_mask must have shape ({batch}, {source}), got {padding.shape}")
        padding = np.where(padding, -np.inf, 0) if padding.dtype == bool else padding
        padding = padding.astype(dtype).reshape(batch, 1, 1, source)
        merged = padding if merged is None else merged + padding
    return merged


class MultiheadAttention(Module):
    """Attention with h heads of embed_dim / h channels each, as torch.nn.MultiheadAttention:
    `in_proj_weight` (3E, E) stacks W_q, W_k, W_v (or q/k/v_proj_weight when kdim or vdim differ),
    `out_proj` is a Linear(E, E). Returns (output, weights averaged over heads, or None)."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.embed_dim = positive_int("MultiheadAttention", "embed_dim", embed_dim)
        self.num_heads = positive_int("MultiheadAttention", "num_heads", num_heads)
        if self.embed_dim % self.num_heads:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("add_bias_kv and add_zero_attn are not supported in deepstep")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
        self.head_dim = self.embed_dim // self.num_heads
        self.kdim = self.embed_dim if kdim is None else kdim
        self.vdim = self.embed_dim if vdim is None else vdim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        rng = backend.as_generator(seed)
        self._rng = rng
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = init.xavier_uniform_(Parameter(np.empty((3 * e, e), dtype)), seed=rng)
        else:
            self.q_proj_weight = init.xavier_uniform_(Parameter(np.empty((e, e), dtype)), seed=rng)
            self.k_proj_weight = init.xavier_uniform_(Parameter(np.empty((e, self.kdim), dtype)), seed=rng)
            self.v_proj_weight = init.xavier_uniform_(Parameter(np.empty((e, self.vdim), dtype)), seed=rng)
        self.in_proj_bias = Parameter(np.zeros(3 * e, dtype)) if bias else None
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype, seed=rng)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _projections(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        e = self.embed_dim
        bias = self.in_proj_bias
        biases = (None, None, None) if bias is None else (bias[:e], bias[e : 2 * e], bias[2 * e :])
        if self._qkv_same_embed_dim:
            if query is key and key is value:  # self-attention: one product for q, k and v
                qkv = F.linear(query, self.in_proj_weight, bias)
                return qkv[..., :e], qkv[..., e : 2 * e], qkv[..., 2 * e :]
            w = self.in_proj_weight
            weights = (w[:e], w[e : 2 * e], w[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        q, k, v = (F.linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases, strict=True))
        return q, k, v

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        query, key, value = _tensor(query), _tensor(key), _tensor(value)
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (shape.unsqueeze(x, 1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(_tensor(key_padding_mask).data)[None]
        elif self.batch_first:
            same = query is key and key is value
            query = shape.transpose(query, 0, 1)
            key, value = (
                (query, query) if same else (shape.transpose(key, 0, 1), shape.transpose(value, 0, 1))
            )
        if query.ndim != 3 or query.shape[-1] != self.embed_dim:
            raise ShapeError(f"query must end in embed_dim={self.embed_dim}, got shape {tuple(query.shape)}")
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint")
        length, batch = query.shape[0], query.shape[1]
        source = key.shape[0]
        q, k, v = self._projections(query, key, value)
        heads, d = self.num_heads, self.head_dim
        # (L, N, E) → (N, h, L, d): each head sees its own d channels
        q, k, v = (
            shape.permute(shape.reshape(x, x.shape[0], batch, heads, d), 1, 2, 0, 3) for x in (q, k, v)
        )
        mask = _merge_masks(attn_mask, key_padding_mask, batch, heads, length, source, q.dtype)
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q @ shape.transpose(k, -2, -1)) * (1 / math.sqrt(d))
            if mask is not None:
                scores = scores + mask
            weights = softmax(scores, dim=-1)
            out = F.dropout(weights, dropout_p, True, seed=self._rng) @ v if dropout_p else weights @ v
        else:
            weights = None
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p, seed=self._rng)
        out = shape.reshape(shape.permute(out, 2, 0, 1, 3), length, batch, self.embed_dim)
        out = self.out_proj(out)
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if unbatched:
            out = shape.squeeze(out, 1)
            weights = None if weights is None else shape.squeeze(weights, 0)
        elif self.batch_first:
            out = shape.transpose(out, 0, 1)
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"


def _activation(activation: Any) -> Any:
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: PyTorch's arguments, attention, the MLP and the
    norms, in PyTorch's order; the decoder's layer (cross = True) also attends to the memory."""

    cross = False

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        rng = backend.as_generator(seed)
        for name in ("self_attn", "multihead_attn") if self.cross else ("self_attn",):
            setattr(
                self,
                name,
                MultiheadAttention(
                    d_model, nhead, dropout, bias, batch_first=batch_first, dtype=dtype, seed=rng
                ),
            )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, seed=rng)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, seed=rng)
        self.norm_first = bool(norm_first)
        count = 3 if self.cross else 2  # one norm and one dropout per residual step
        for i in range(1, count + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for i in range(1, count + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)
        self._last_dropout = f"dropout{count}"

    def _self_attention(self, x: Tensor, mask: Any, padding: Any) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False)[0]
        return self.dropout1(out)

    def _feed_forward(self, x: Tensor) -> Tensor:
        """MLP(x) = W₂·act(W₁x + b₁) + b₂, with dropout inside and after."""
        return getattr(self, self._last_dropout)(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """x ← x + SelfAttention(x), x ← x + MLP(x), each followed (post-norm) or preceded (norm_first)
    by layer normalisation; MLP(x) = W₂ act(W₁x + b₁) + b₂ with dropout."""

    def forward(
        self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
    ) -> Tensor:
        x = _tensor(src)
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._self_attention(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._feed_forward(x))


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention on the target, attention from the target to the memory (the encoder's
    output), then the MLP; each a residual step with layer normalisation (post- or pre-norm)."""

    cross = True

    def _cross_attention(self, x: Tensor, memory: Tensor, mask: Any, padding: Any) -> Tensor:
        out = self.multihead_attn(
            x, memory, memory, attn_mask=mask, key_padding_mask=padding, need_weights=False
        )
        return self.dropout2(out[0])

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x, memory = _tensor(tgt), _tensor(memory)
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), tgt_mask, tgt_key_padding_mask)
            x = x + self._cross_attention(self.norm2(x), memory, memory_mask, memory_key_padding_mask)
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self._self_attention(x, tgt_mask, tgt_key_padding_mask))
        x = self.norm2(x + self._cross_attention(x, memory, memory_mask, memory_key_padding_mask))
        return self.norm3(x + self._feed_forward(x))


def _copies(layer: Module, num_layers: int, owner: str) -> ModuleList:
    """num_layers deep copies of layer (each with its own weights), the layers of a stack."""
    return ModuleList([copy.deepcopy(layer) for _ in range(positive_int(owner, "num_layers", num_layers))])


class TransformerEncoder(Module):
    """num_layers copies of an encoder layer applied in turn, then an optional final norm."""

    def __init__(
        self, encoder_layer: Module, num_layers: int, norm: Module | None = None, **_ignored: Any
    ) -> None:
        self.layers = _copies(encoder_layer, num_layers, "TransformerEncoder")
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self, src: Any, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool | None = None
    ) -> Tensor:
        x = _tensor(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """num_layers copies of a decoder layer applied in turn, then an optional final norm."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        self.layers = _copies(decoder_layer, num_layers, "TransformerDecoder")
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = _tensor(tgt)
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder–decoder Transformer of "Attention is all you need", as torch.nn.Transformer:
    an encoder stack and a decoder stack, each ending in a LayerNorm; every weight matrix starts
    Xavier-uniform."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        rng = backend.as_generator(seed)
        options = dict(
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            layer_norm_eps=layer_norm_eps,
            batch_first=batch_first,
            norm_first=norm_first,
            bias=bias,
            dtype=dtype,
        )
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **options, seed=rng),
            num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
        )
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **options, seed=rng),
            num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
        )
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p, seed=rng)

    def forward(
        self,
        src: Any,
        tgt: Any,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        src, tgt = _tensor(src), _tensor(tgt)
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
        """The causal mask for a sequence of sz: −inf above the diagonal (later positions), 0 elsewhere."""
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        return Tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dtype), 1))
