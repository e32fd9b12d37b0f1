"""Skip-gram with negative sampling, as derived in the notes, in vectorized NumPy.

For an input (centre) vector h = W₁[c], its true context's output vector W₂[o] and k sampled
"fake" output vectors W₂[n₁..n_k], the loss is binary cross-entropy with target 1 on the true
pair and 0 on the fakes:

    L = −log σ(hᵀW₂[o]) − Σᵢ log σ(−hᵀW₂[nᵢ])

and its gradients are

    ∂L/∂h      = (σ(hᵀW₂[o]) − 1)·W₂[o] + Σᵢ σ(hᵀW₂[nᵢ])·W₂[nᵢ]
    ∂L/∂W₂[o]  = (σ(hᵀW₂[o]) − 1)·h
    ∂L/∂W₂[nᵢ] = σ(hᵀW₂[nᵢ])·h

This function is the reference: the compiled trainer in `kernels.py` performs exactly the step
w ← w − α·∂L/∂w for each pair, and a test holds the two (and autograd, and central differences)
together.
"""

from __future__ import annotations

import numpy as np

from ..stable import log_sigmoid, sigmoid

__all__ = ["sgns_loss_and_grad"]


def sgns_loss_and_grad(
    w_in: np.ndarray, w_out_pos: np.ndarray, w_out_neg: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Loss summed over a batch of pairs, and its gradient for each row.

    w_in: (B, d) input vectors W₁[c]; w_out_pos: (B, d) output vectors of the true contexts W₂[o];
    w_out_neg: (B, k, d) output vectors of the k negatives of each pair.
    Returns (L, ∂L/∂w_in, ∂L/∂w_out_pos, ∂L/∂w_out_neg) with the shapes of the inputs.
    """
    w_in, w_out_pos, w_out_neg = (np.asarray(a) for a in (w_in, w_out_pos, w_out_neg))
    if w_in.ndim != 2 or w_out_pos.shape != w_in.shape:
        raise ValueError(
            f"w_in and w_out_pos must both be (pairs, dim); got {w_in.shape} and {w_out_pos.shape}"
        )
    if w_out_neg.ndim != 3 or w_out_neg.shape[0] != w_in.shape[0] or w_out_neg.shape[2] != w_in.shape[1]:
        raise ValueError(
            f"w_out_neg must be (pairs, negatives, dim) = ({w_in.shape[0]}, k, {w_in.shape[1]}); "
            f"got {w_out_neg.shape}"
        )
    score_pos = np.einsum("bd,bd->b", w_in, w_out_pos)  # hᵀW₂[o]
    score_neg = np.einsum("bd,bkd->bk", w_in, w_out_neg)  # hᵀW₂[nᵢ]
    loss = -(log_sigmoid(score_pos).sum() + log_sigmoid(-score_neg).sum())

    error_pos = sigmoid(score_pos) - 1.0  # σ − 1 on the true pair
    error_neg = sigmoid(score_neg)  # σ − 0 on the fakes
    grad_in = error_pos[:, None] * w_out_pos + np.einsum("bk,bkd->bd", error_neg, w_out_neg)
    grad_pos = error_pos[:, None] * w_in
    grad_neg = error_neg[:, :, None] * w_in[:, None, :]
    return float(loss), grad_in, grad_pos, grad_neg
