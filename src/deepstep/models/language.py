"""Language models that generate text one token at a time: CharRNN and GPT.

Both map ids (B, T) to logits (B, T, V) for the next token at every position and are trained
with cross-entropy against the ids shifted by one. `generate` samples: softmax(logits / τ),
optionally restricted to the k most likely tokens, one token at a time.

- CharRNN: embedding → LSTM or GRU → linear (Karpathy's char-rnn).
- GPT: token and position embeddings, n pre-norm blocks of causal self-attention and a GELU MLP
  (x ← x + Attn(LN(x)), x ← x + MLP(LN(x))), a final layer norm, and the output layer tied to the
  token embedding (nanoGPT's layout and initialisation).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend, nn
from .. import functional as F
from ..autograd import ops_shape as shape
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..nn.module import hooked, inference
from ..stable import softmax

__all__ = ["GPT", "CharRNN", "LanguageModel"]


def _ids(x: Any) -> np.ndarray:
    ids = np.asarray(x.data if isinstance(x, Tensor) else x)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"token ids must be integers, got dtype {ids.dtype}")
    return ids


def _sample_next(
    logits: np.ndarray, temperature: float, top_k: int | None, rng: np.random.Generator
) -> np.ndarray:
    """One id per row from softmax(logits / τ), among the top_k largest when given."""
    logits = logits.astype(np.float64) / temperature
    if top_k is not None:
        k = min(int(top_k), logits.shape[-1])
        kth = np.partition(logits, -k, axis=-1)[:, -k][:, None]
        logits = np.where(logits < kth, -np.inf, logits)
    p = softmax(logits, axis=-1)
    u = rng.random((p.shape[0], 1))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


def _check_sampling(max_new_tokens: int, temperature: float, top_k: int | None) -> None:
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be ≥ 0, got {max_new_tokens}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be ≥ 1, got {top_k}")


class LanguageModel(nn.Module):
    """What CharRNN and GPT share: sampling text one token at a time from next_logits."""

    def next_logits(self, new: np.ndarray, context: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def example_input(self) -> np.ndarray:
        """A batch of one context of token ids, for summary(): block_size long (a GPT's), or 8."""
        return np.zeros((1, getattr(self, "block_size", 8)), dtype=np.int64)

    def generate(
        self,
        prompt_ids: Any,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> np.ndarray:
        """The prompt followed by max_new_tokens sampled ids (B, T + n): each from softmax(logits / τ),
        among the top_k likeliest when given; the same seed gives the same text."""
        _check_sampling(max_new_tokens, temperature, top_k)
        ids = np.atleast_2d(_ids(prompt_ids)).astype(np.int64)
        if ids.shape[1] == 0:
            raise ValueError("generate needs a prompt of at least one token")
        rng = backend.as_generator(seed)
        with inference(self):
            new, state = ids, None
            for _ in range(max_new_tokens):
                logits, state = self.next_logits(new, ids, state)
                new = _sample_next(logits, temperature, top_k, rng)[:, None]
                ids = np.concatenate([ids, new], axis=1)
        return ids


class CharRNN(LanguageModel):
    """Embedding → LSTM/GRU (num_layers) → Linear: logits for the next character at each step."""

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 2,
        cell: str = "lstm",
        dropout: float = 0.0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
        rng = backend.as_generator(seed)
        self.vocab_size, self.cell = vocab_size, cell
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        nn.init.normal_(self.embedding.weight, 0.0, 1.0, seed=rng)
        recurrent = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = recurrent(
            embedding_dim, hidden_size, num_layers, batch_first=True, dropout=dropout, seed=rng
        )
        self.head = nn.Linear(hidden_size, vocab_size, seed=rng)

    def forward(self, idx: Any, state: Any = None) -> tuple[Tensor, Any]:
        """logits (B, T, V) and the final state, which the next call may continue from."""
        out, state = self.rnn(self.embedding(Tensor(_ids(idx))), state)
        return self.head(out), state

    def next_logits(self, new: np.ndarray, context: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        """The next token's logits from the ids not yet read (the state carries the rest)."""
        logits, state = self(new, state)
        return logits.data[:, -1], state


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t sees positions ≤ t: one Linear for q, k, v."""

    def __init__(
        self, n_embd: int, n_head: int, dropout: float, bias: bool, rng: np.random.Generator
    ) -> None:
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be divisible by n_head ({n_head})")
        self.n_head, self.dropout = n_head, dropout
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias, seed=rng)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias, seed=rng)
        self.resid_dropout = nn.Dropout(dropout)

    def heads(self, x: Tensor) -> Tensor:
        """q, k, v of every head, stacked: (3, B, h, T, d)."""
        batch, steps, channels = x.shape
        qkv = shape.reshape(self.c_attn(x), batch, steps, 3, self.n_head, channels // self.n_head)
        return shape.permute(qkv, 2, 0, 3, 1, 4)

    def mixed(self, x: Tensor) -> Tensor:
        """The heads' outputs, joined: (B, T, C), what c_proj projects."""
        y = F.packed_attention(
            self.heads(x), dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )
        return shape.reshape(shape.permute(y, 0, 2, 1, 3), *x.shape)

    def forward(self, x: Tensor) -> Tensor:
        return self.resid_dropout(self.c_proj(self.mixed(x)))

    def plus(self, residual: Tensor, x: Tensor) -> Tensor:
        """residual + self(x), the sum made in c_proj's product where nothing else would see c_proj's
        output (see _residual)."""
        return _residual(residual, self, x, self.mixed, self.c_proj, self.resid_dropout)


class MLPBlock(nn.Module):
    """Linear(C, 4C) → GELU → Linear(4C, C) → dropout."""

    def __init__(self, n_embd: int, dropout: float, bias: bool, rng: np.random.Generator) -> None:
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias, seed=rng)
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias, seed=rng)
        self.dropout = nn.Dropout(dropout)

    def hidden(self, x: Tensor) -> Tensor:
        """GELU(c_fc(x)): (…, 4C), what c_proj projects."""
        return F.gelu(self.c_fc(x))

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.hidden(x)))

    def plus(self, residual: Tensor, x: Tensor) -> Tensor:
        """residual + self(x), the sum made in c_proj's product where nothing else would see c_proj's
        output (see _residual)."""
        return _residual(residual, self, x, self.hidden, self.c_proj, self.dropout)


def _residual(
    residual: Tensor, branch: nn.Module, x: Tensor, inner: Any, projection: nn.Linear, dropout: nn.Dropout
) -> Tensor:
    """residual + branch(x) for a branch that ends in dropout(projection(inner(x))): as one op,
    F.linear_plus (the sum made as the projection's product is written: a pass over memory fewer),
    unless dropout is active or a hook watches the branch, its projection or its dropout (then each
    runs as a module, as the hooks expect)."""
    if (dropout.training and dropout.p > 0) or any(map(hooked, (branch, projection, dropout))):
        return residual + branch(x)
    return F.linear_plus(residual, inner(x), projection.weight, projection.bias)


class Block(nn.Module):
    """x ← x + Attn(LN(x));  x ← x + MLP(LN(x))  (pre-norm)."""

    def __init__(
        self, n_embd: int, n_head: int, dropout: float, bias: bool, rng: np.random.Generator
    ) -> None:
        self.ln_1 = nn.LayerNorm(n_embd, bias=bias)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout, bias, rng)
        self.ln_2 = nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLPBlock(n_embd, dropout, bias, rng)

    def forward(self, x: Tensor) -> Tensor:
        x = self.attn.plus(x, self.ln_1(x))  # x + attn(ln_1(x))
        return self.mlp.plus(x, self.ln_2(x))  # x + mlp(ln_2(x))


class GPT(LanguageModel):
    """A decoder-only Transformer (GPT-2's layout as nanoGPT writes it), logits (B, T, V)."""

    def __init__(
        self,
        vocab_size: int,
        block_size: int = 64,
        n_layer: int = 4,
        n_head: int = 4,
        n_embd: int = 128,
        dropout: float = 0.0,
        bias: bool = True,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        rng = backend.as_generator(seed)
        self.vocab_size, self.block_size = vocab_size, block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout, bias, rng) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        # GPT-2's initialisation: N(0, 0.02) everywhere, the residual projections scaled by 1/√(2L)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer), seed=rng)
            elif name.endswith("weight") and p.ndim == 2:
                nn.init.normal_(p, 0.0, 0.02, seed=rng)
            elif name.endswith("bias") and not name.startswith("ln") and ".ln_" not in name:
                nn.init.zeros_(p)

    def forward(self, idx: Any) -> Tensor:
        """logits (B, T, V): the output layer is the token embedding, transposed (weight tying)."""
        ids = _ids(idx)
        if ids.ndim != 2:
            raise ValueError(f"GPT takes ids of shape (B, T), got {ids.shape}")
        steps = ids.shape[1]
        if steps > self.block_size:
            raise ValueError(f"cannot take a sequence of {steps} tokens: block_size is {self.block_size}")
        x = self.drop(self.wte(Tensor(ids)) + self.wpe(Tensor(np.arange(steps))))
        for block in self.h:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)

    def next_logits(self, new: np.ndarray, context: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        """The next token's logits from the last block_size ids (a Transformer rereads its context)."""
        return self(context[:, -self.block_size :]).data[:, -1], None

    def attention_weights(self, idx: Any, layer: int = 0) -> np.ndarray:
        """The causal attention weights (B, h, T, T) of one layer's heads for a batch of ids."""
        if not 0 <= layer < len(self.h):
            raise ValueError(f"layer must lie in [0, {len(self.h) - 1}], got {layer}")
        ids = _ids(idx)
        with no_grad():
            x = self.wte(Tensor(ids)) + self.wpe(Tensor(np.arange(ids.shape[1])))
            for block in list(self.h)[:layer]:
                x = block(x)
            block = self.h[layer]
            qkv = block.attn.heads(block.ln_1(x))
            return F.attention_weights(qkv[0], qkv[1], is_causal=True).data
