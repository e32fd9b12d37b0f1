"""Attention: every query looks at every key and takes the values in proportion to the match.

    O = softmax(q kᵀ · s + M) v,   s = 1/√E by default

One op with its backward written out: with P = softmax(S) the attention weights and
dP = ∂L/∂P = ∂L/∂O vᵀ, softmax's Jacobian–vector product gives ∂L/∂S = P ⊙ (dP − Σⱼ dP ⊙ P),
then ∂L/∂q = s·∂L/∂S k, ∂L/∂k = s·(∂L/∂S)ᵀ q and ∂L/∂v = Pᵀ ∂L/∂O. Nothing of size L × S is
kept but P itself (and the dropout mask when there is one).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_array
from ..errors import DTypeError, ShapeError

__all__ = ["scaled_dot_product_attention"]


class ScaledDotProductAttention(Function):
    """O = softmax(q kᵀ·s + M) v with dropout D on the weights;   ∂L/∂v = (P⊙D)ᵀ ∂L/∂O,
    ∂L/∂S = P ⊙ (dP − Σⱼ dP⊙P) with dP = (∂L/∂O vᵀ)⊙D, ∂L/∂q = s ∂L/∂S k, ∂L/∂k = s (∂L/∂S)ᵀ q,
    and ∂L/∂M = ∂L/∂S for an additive mask."""

    saved_inputs = (0, 1, 2)

    def __init__(self, scale: float, keep: np.ndarray | None, allowed: np.ndarray | None) -> None:
        self.scale, self.keep, self.allowed = scale, keep, allowed

    def forward(self, q, k, v, additive=None):
        scores = q @ np.swapaxes(k, -1, -2)
        scores *= self.scale
        if self.allowed is not None:
            scores = np.where(self.allowed, scores, -np.inf)
        if additive is not None:
            scores = scores + additive
        peak = scores.max(axis=-1, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)  # a row that is all −inf must not give inf − inf
        weights = np.exp(scores - peak, out=scores if scores.dtype == q.dtype else None)
        total = weights.sum(axis=-1, keepdims=True)
        weights /= np.where(total == 0, 1, total)  # a fully masked row attends to nothing: zeros, as PyTorch
        self.q, self.k, self.v, self.weights = q, k, v, weights
        return (weights if self.keep is None else weights * self.keep) @ v

    def backward(self, g):
        q, k, v, weights = self.q, self.k, self.v, self.weights
        dropped = weights if self.keep is None else weights * self.keep
        grad_v = np.swapaxes(dropped, -1, -2) @ g if self.needs_grad(2) else None
        d_weights = g @ np.swapaxes(v, -1, -2)
        if self.keep is not None:
            d_weights *= self.keep
        d_scores = weights * (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True))
        grad_q = d_scores @ k * self.scale if self.needs_grad(0) else None
        grad_k = np.swapaxes(d_scores, -1, -2) @ q * self.scale if self.needs_grad(1) else None
        grads = [grad_q, grad_k, grad_v]
        if len(self.inputs) == 4:
            grads.append(d_scores if self.needs_grad(3) else None)
        return self.to_inputs(*grads)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """softmax(q kᵀ·scale + mask) v over the last two dims, as torch's F.scaled_dot_product_attention:
    q (…, L, E), k (…, S, E), v (…, S, Ev) → (…, L, Ev). A boolean attn_mask marks with True the
    pairs that may attend; a float one is added to the scores; is_causal lets query i see keys
    0 … i. dropout_p drops attention weights (it applies whenever it is above 0, as in PyTorch:
    pass 0 in evaluation)."""
    q, k, v = (x if isinstance(x, Tensor) else Tensor(as_array(x)) for x in (query, key, value))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ShapeError(f"attention needs q, k, v of at least 2 dims, got {q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"attention needs q (…, L, E), k (…, S, E), v (…, S, Ev); got {q.shape}, {k.shape}, {v.shape}"
        )
    if q.dtype.kind != "f" or not q.dtype == k.dtype == v.dtype:
        raise DTypeError(
            f"expected query, key and value of one floating dtype, got {q.dtype}, {k.dtype}, {v.dtype}"
        )
    if enable_gqa:
        raise NotImplementedError("enable_gqa (grouped-query attention) is not supported")
    if not 0 <= dropout_p < 1:
        raise ValueError(f"dropout_p must lie in [0, 1), got {dropout_p}")
    length, source = q.shape[-2], k.shape[-2]
    allowed, additive = None, None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("pass either attn_mask or is_causal, not both")
        allowed = np.tril(np.ones((length, source), dtype=bool))
    elif attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if mask.dtype == bool:
            allowed = mask
        elif isinstance(attn_mask, Tensor) and attn_mask.requires_grad:
            additive = attn_mask
        else:
            additive = mask.astype(q.dtype, copy=False)
    keep = None
    if dropout_p > 0:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2])
        draw = backend.as_generator(seed).random((*batch, length, source))
        keep = ((draw >= dropout_p) / (1 - dropout_p)).astype(q.dtype)
    op = ScaledDotProductAttention(1 / math.sqrt(q.shape[-1]) if scale is None else scale, keep, allowed)
    return op(q, k, v) if additive is None else op(q, k, v, additive)
