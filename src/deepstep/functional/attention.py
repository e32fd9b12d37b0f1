"""Attention: every query looks at every key and takes the values in proportion to the match.

    O = softmax(q kᵀ · s + M) v,   s = 1/√E by default

One op with its backward written out: with P = softmax(S) the attention weights and
dP = ∂L/∂P = ∂L/∂O vᵀ, softmax's Jacobian–vector product gives ∂L/∂S = P ⊙ (dP − Σⱼ dP ⊙ P),
then ∂L/∂q = s·∂L/∂S k, ∂L/∂k = s·(∂L/∂S)ᵀ q and ∂L/∂v = Pᵀ ∂L/∂O. Nothing of size L × S is
kept but P itself (and the dropout mask when there is one). With numba, the softmax's passes between
the products run compiled (attention_kernels.py): the NumPy passes here to the bit, but for float32's
forward, one kernel with its own exp (within a few ulps); with oneDNN, the products of float32 heads
run there, all heads in one call (onednn.products.product).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd.function import Function, refuse_complex
from ..autograd.tensor import Tensor, as_array
from ..errors import DTypeError, ShapeError
from ..onednn.products import product
from .attention_kernels import kernels as attention_kernels

__all__ = ["attention_weights", "packed_attention", "scaled_dot_product_attention", "sinusoidal_positions"]


class ScaledDotProductAttention(Function):
    """O = softmax(q kᵀ·s + M) v with dropout D on the weights;   ∂L/∂v = (P⊙D)ᵀ ∂L/∂O,
    ∂L/∂S = P ⊙ (dP − Σⱼ dP⊙P) with dP = (∂L/∂O vᵀ)⊙D, ∂L/∂q = s ∂L/∂S k, ∂L/∂k = s (∂L/∂S)ᵀ q,
    and ∂L/∂M = ∂L/∂S for an additive mask.

    The scores are kept transposed, Sᵀ = k qᵀ·s (…, S, L): the softmax then runs along the
    next-to-last axis, where NumPy's max and sum are vectorised across the contiguous one (3× faster
    than along the last, for GPT's 64 × 64 heads), and Pᵀ, the product Pᵀ·∂L/∂O needs, is the array
    kept. Every other product takes the transposed views as they are."""

    saved_inputs = (0, 1, 2)

    def __init__(
        self, scale: float, keep: np.ndarray | None, allowed: np.ndarray | None, packed: bool = False
    ) -> None:
        self.scale, self.keep, self.allowed, self.packed = scale, keep, allowed, packed
        if packed:  # one operand, q, k and v stacked: (3, …, L, E)
            self.saved_inputs = (0,)

    @property
    def weights(self) -> np.ndarray:
        """P (…, L, S), the attention weights of the last forward."""
        return np.swapaxes(self.weights_t, -1, -2)

    def forward(self, *operands):
        q, k, v, additive = (*operands[0], None) if self.packed else (*operands, None)[:4]
        self.qkv = operands[0] if self.packed else None
        scores_t = product(k, np.swapaxes(q, -1, -2))
        fast = _compiled(scores_t, self.allowed) if additive is None else None
        if fast is not None:  # the same passes, fused (attention_kernels)
            weights_t = _fused_softmax(fast, scores_t, self.scale, self.allowed)
        else:
            scores_t *= self.scale
            if self.allowed is not None:
                scores_t += np.where(np.swapaxes(self.allowed, -1, -2), 0, -np.inf).astype(scores_t.dtype)
            if additive is not None:
                scores_t = scores_t + np.swapaxes(additive, -1, -2)
            peak = scores_t.max(axis=-2, keepdims=True)
            peak[~np.isfinite(peak)] = 0  # a row that is all −inf must not give inf − inf
            scores_t -= peak
            weights_t = np.exp(scores_t, out=scores_t)
            total = weights_t.sum(axis=-2, keepdims=True)
            total[total == 0] = 1  # a fully masked row attends to nothing: zeros, as PyTorch gives
            weights_t /= total
        self.q, self.k, self.v, self.weights_t = q, k, v, weights_t
        dropped_t = weights_t if self.keep is None else weights_t * np.swapaxes(self.keep, -1, -2)
        weights = np.swapaxes(dropped_t, -1, -2)
        return product(weights, v, out=_like_query(q, (*weights.shape[:-1], v.shape[-1])))

    def backward(self, g):
        q, k, v, weights_t = self.q, self.k, self.v, self.weights_t
        keep_t = None if self.keep is None else np.swapaxes(self.keep, -1, -2)
        dropped_t = weights_t if keep_t is None else weights_t * keep_t
        grad_v = product(dropped_t, g) if not self.packed and self.needs_grad(2) else None
        d_weights_t = product(v, np.swapaxes(g, -1, -2))
        if keep_t is not None:
            d_weights_t *= keep_t
        fast = _compiled(d_weights_t, None, weights_t)
        # the scale s goes into ∂L/∂Sᵀ as it is made (a pass fewer over ∂L/∂q and ∂L/∂k), unless
        # ∂L/∂Sᵀ itself is wanted: the gradient of an additive mask
        mask_grad = len(self.inputs) == 4 and self.needs_grad(3)
        factor = 1 if mask_grad else self.scale
        if fast is not None:
            d_scores_t = d_weights_t
            fast.softmax_backward_columns(_heads(d_scores_t), _heads(weights_t), weights_t.dtype.type(factor))
        else:
            d_scores_t = d_weights_t - (d_weights_t * weights_t).sum(axis=-2, keepdims=True)
            d_scores_t *= weights_t
            if factor != 1:
                d_scores_t *= d_scores_t.dtype.type(factor)
        if self.packed:  # the three gradients written into one array: no stacking afterwards
            grad = np.empty_like(self.qkv)  # qkv's layout: its permute and reshape back are views
            product(dropped_t, g, out=grad[2])
            product(np.swapaxes(d_scores_t, -1, -2), k, out=grad[0])  # (s already in ∂L/∂Sᵀ)
            product(d_scores_t, q, out=grad[1])
            return (grad,)
        grad_q = product(np.swapaxes(d_scores_t, -1, -2), k) if self.needs_grad(0) else None
        grad_k = product(d_scores_t, q) if self.needs_grad(1) else None
        if mask_grad:  # (s not in ∂L/∂Sᵀ yet)
            grad_q = None if grad_q is None else grad_q * self.scale
            grad_k = None if grad_k is None else grad_k * self.scale
        grads = [grad_q, grad_k, grad_v]
        if len(self.inputs) == 4:
            grads.append(np.swapaxes(d_scores_t, -1, -2) if mask_grad else None)
        return self.to_inputs(*grads)


def _like_query(q: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """An output array of this shape in q's memory layout, as PyTorch's attention gives (for the heads
    of a permuted projection, (B, h, L, E) stored as (B, L, h, E): merging the heads back is then a
    view, not a copy); None (a new row-major array) when the shape is not q's (the dtype is: the
    operands share one, checked in _attention)."""
    return np.empty_like(q) if shape == q.shape else None


def _heads(a: np.ndarray) -> np.ndarray:
    """(…, S, L) as (N, S, L): a view of a contiguous array."""
    return a.reshape(-1, *a.shape[-2:])


def _compiled(scores_t: np.ndarray, allowed: np.ndarray | None, *others: np.ndarray) -> Any:
    """The compiled softmax passes when numba is on and they apply: contiguous float arrays of one
    shape, and a mask that is absent or one (L, S) matrix for all heads; else None (NumPy's passes)."""
    arrays = (scores_t, *others)
    if scores_t.dtype not in (np.float32, np.float64) or not all(
        a.dtype == scores_t.dtype and a.shape == scores_t.shape and a.flags.c_contiguous for a in arrays
    ):
        return None
    if allowed is not None and allowed.shape != scores_t.shape[-1:-3:-1]:
        return None
    return attention_kernels()


def _fused_softmax(fast: Any, scores_t: np.ndarray, scale: float, allowed: np.ndarray | None) -> np.ndarray:
    """Pᵀ = softmax over the keys of Sᵀ·scale (−inf where not allowed), in place in scores_t."""
    heads = _heads(scores_t)
    allowed_t = np.ones((1, 1), bool) if allowed is None else np.ascontiguousarray(allowed.T)
    if scores_t.dtype == np.float32:  # one kernel, its exp in the loop
        fast.softmax_columns(heads, np.float32(scale), allowed_t, allowed is not None)
        return scores_t
    fast.shifted_scores(heads, scores_t.dtype.type(scale), allowed_t, allowed is not None)
    np.exp(scores_t, out=scores_t)
    fast.normalised_columns(heads)
    return scores_t


def _attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any,
    dropout_p: float,
    is_causal: bool,
    scale: Any,
    seed: Any,
    packed: bool = False,
) -> tuple[ScaledDotProductAttention, tuple[Any, ...]]:
    """The op and its operands, after PyTorch's checks: masks turned into `allowed` or an additive term."""
    q, k, v = (x if isinstance(x, Tensor) else Tensor(as_array(x)) for x in (query, key, value))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ShapeError(f"attention needs q, k, v of at least 2 dims, got {q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"attention needs q (…, L, E), k (…, S, E), v (…, S, Ev); got {q.shape}, {k.shape}, {v.shape}"
        )
    refuse_complex("scaled_dot_product_attention", q, k, v)  # PyTorch's softmax has no complex kernel
    if q.dtype.kind != "f" or not q.dtype == k.dtype == v.dtype:
        raise DTypeError(
            f"expected query, key and value of one floating dtype, got {q.dtype}, {k.dtype}, {v.dtype}"
        )
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
    op = ScaledDotProductAttention(
        1 / math.sqrt(q.shape[-1]) if scale is None else scale, keep, allowed, packed
    )
    return op, (q, k, v) if additive is None else (q, k, v, additive)


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
    if enable_gqa:
        raise NotImplementedError("enable_gqa (grouped-query attention) is not supported")
    op, operands = _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, seed)
    return op(*operands)


def packed_attention(
    qkv: Any, dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None, *, seed: Any = None
) -> Tensor:
    """scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], …) for q, k and v stacked in one tensor
    (3, …, L, E), as a self-attention layer's one projection makes them. One op: its gradient is one
    array (3, …, L, E), where three views of qkv would each send back a zero-filled copy to be summed
    (about 3 ms of a 4-layer GPT's 60 ms step)."""
    qkv = qkv if isinstance(qkv, Tensor) else Tensor(as_array(qkv))
    if qkv.ndim < 3 or qkv.shape[0] != 3:
        raise ShapeError(f"packed_attention needs q, k, v stacked as (3, …, L, E), got {tuple(qkv.shape)}")
    op, _ = _attention(*qkv.data, None, dropout_p, is_causal, scale, seed, packed=True)
    return op(qkv)


def attention_weights(
    query: Any, key: Any, attn_mask: Any = None, is_causal: bool = False, scale: float | None = None
) -> Tensor:
    """The weights softmax(q kᵀ·scale + mask) (…, L, S) that scaled_dot_product_attention uses
    (for pictures; no gradient)."""
    op, operands = _attention(query, key, key, attn_mask, 0.0, is_causal, scale, None)
    op.forward(*(x.data if isinstance(x, Tensor) else x for x in operands))
    return Tensor(op.weights)


def sinusoidal_positions(length: int, dim: int, base: float = 10000.0, dtype: Any = None) -> Tensor:
    """The fixed positional encoding of "Attention is all you need":
    PE[p, 2i] = sin(p / base^(2i/d)),  PE[p, 2i+1] = cos(p / base^(2i/d));  shape (length, dim)."""
    if length < 0 or dim <= 0:
        raise ValueError(f"sinusoidal_positions needs length ≥ 0 and dim > 0, got {length} and {dim}")
    positions = np.arange(length, dtype=np.float64)[:, None]
    frequencies = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
    table = np.zeros((length, dim))
    table[:, 0::2] = np.sin(positions * frequencies)
    table[:, 1::2] = np.cos(positions * frequencies[: dim // 2])
    return Tensor(table.astype(backend.get_default_dtype() if dtype is None else dtype))
