"""Compiled kernels (numba, when installed) for attention's softmax, forward and backward.

Between its matrix products, attention's NumPy path makes about ten passes over the scores of every
head: scale, mask, max, subtract, (exp,) sum, divide forward; multiply, sum, subtract, multiply
backward. For a small GPT's heads (48 of 64 × 64 per layer) each pass is a few hundred microseconds
of call and memory overhead. These kernels do the same arithmetic in the same order, each head's
passes while its scores are in cache. In float32 the forward is one kernel (softmax_columns), its
exp computed in the loop (jit_math.exp_nonpositive, within 1 ulp as NumPy's is): the
weights are the NumPy path's within a few ulps (tests/test_compiled.py). In float64 NumPy's exp
stays between two kernels (shifted_scores, normalised_columns), and every result, forward and
backward, is the NumPy path's to the bit. DEEPSTEP_NUMBA=0 keeps that path.

Each head is one iteration of a numba.prange loop: where oneDNN runs the products, the heads are
shared among its threads (jit.serial_and_parallel), to the same bits.

The scores are kept transposed, Sᵀ (N, S, L) with N the flattened batch and heads (see
ScaledDotProductAttention): the reductions over the keys run down the columns, across the
contiguous query axis, which LLVM vectorises.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled, serial_and_parallel

__all__ = ["kernels"]


@compiled
def kernels(numba: Any) -> Any:
    # module globals, not closure variables: numba's on-disk cache does not find again the kernels
    # whose closures hold another compiled function
    global exp_nonpositive, scaled_scores, divided_by_sums
    from ..jit_math import exp_nonpositive

    @numba.njit(inline="always", cache=True, error_model="numpy")
    def scaled_scores(head, scale, allowed_t, masked):  # pragma: no cover - compiled
        """In place on one head's Sᵀ (S, L): s·scale, −inf where allowed_t (S, L) is False (when
        masked). Returns each query's largest score (0 where that is not finite: a query that sees no
        key must not give inf − inf), and whether none was +inf or NaN."""
        keys, queries = head.shape
        minus_inf = -np.inf
        peak = np.full(queries, minus_inf, head.dtype)
        for j in range(keys):
            for i in range(queries):
                s = head[j, i] * scale
                if masked and not allowed_t[j, i]:
                    s = minus_inf
                head[j, i] = s
                peak[i] = max(peak[i], s)
        bounded = True
        for i in range(queries):
            if not np.isfinite(peak[i]):
                bounded = bounded and peak[i] == minus_inf
                peak[i] = 0
        return peak, bounded

    @numba.njit(inline="always", cache=True, error_model="numpy")
    def divided_by_sums(head, total):  # pragma: no cover - compiled
        """In place on one head's exp(Sᵀ − peak) (S, L): each query's column divided by its sum over
        the keys, `total` (by 1 where that is 0: a query that sees no key gets zeros)."""
        keys, queries = head.shape
        for i in range(queries):
            if total[i] == 0:
                total[i] = 1
        for j in range(keys):
            for i in range(queries):
                head[j, i] /= total[i]

    def softmax_columns(scores_t, scale, allowed_t, masked):  # pragma: no cover - compiled
        """In place on float32 Sᵀ (N, S, L): Pᵀ = softmax over the keys of Sᵀ·scale, −inf where
        allowed_t (S, L) is False (when masked): shifted_scores, e^(s − peak) and normalised_columns
        in one pass over each head, the exp in the loop (exp_nonpositive: s − peak ≤ 0). A query whose
        largest score is +inf or NaN takes NumPy's route through e^(s − 0) = inf or NaN."""
        heads, keys, queries = scores_t.shape
        for n in numba.prange(heads):
            head = scores_t[n]
            peak, bounded = scaled_scores(head, scale, allowed_t, masked)
            total = np.zeros(queries, np.float32)
            for j in range(keys):
                for i in range(queries):
                    shifted = head[j, i] - peak[i]
                    e = exp_nonpositive(shifted) if bounded else np.exp(shifted)
                    head[j, i] = e
                    total[i] += e
            divided_by_sums(head, total)

    def shifted_scores(scores_t, scale, allowed_t, masked):  # pragma: no cover - compiled
        """In place on Sᵀ (N, S, L): s·scale, −inf where allowed_t (S, L) is False (when masked),
        then minus each query's largest score (0 for a query whose scores are all −inf)."""
        heads, keys, queries = scores_t.shape
        for n in numba.prange(heads):
            peak, _ = scaled_scores(scores_t[n], scale, allowed_t, masked)
            for j in range(keys):
                for i in range(queries):
                    scores_t[n, j, i] -= peak[i]

    def normalised_columns(weights_t):  # pragma: no cover - compiled
        """In place on exp(Sᵀ − peak) (N, S, L): each query's column divided by its sum over the keys
        (by 1 where that is 0: a query that sees no key gets zeros)."""
        heads, keys, queries = weights_t.shape
        for n in numba.prange(heads):
            total = np.zeros(queries, weights_t.dtype)
            for j in range(keys):
                for i in range(queries):
                    total[i] += weights_t[n, j, i]
            divided_by_sums(weights_t[n], total)

    def softmax_backward_columns(d_weights_t, weights_t, scale):  # pragma: no cover - compiled
        """In place on ∂L/∂Pᵀ (N, S, L): ∂L/∂Sᵀ = (∂L/∂Pᵀ − Σ_keys ∂L/∂Pᵀ ⊙ Pᵀ) ⊙ Pᵀ, times `scale`
        (the scores' factor s, which ∂L/∂q and ∂L/∂k then take with them; 1 for ∂L/∂Sᵀ itself)."""
        heads, keys, queries = weights_t.shape
        for n in numba.prange(heads):
            dot = np.zeros(queries, weights_t.dtype)
            for j in range(keys):
                for i in range(queries):
                    dot[i] += d_weights_t[n, j, i] * weights_t[n, j, i]
            for j in range(keys):
                for i in range(queries):
                    d_weights_t[n, j, i] = (d_weights_t[n, j, i] - dot[i]) * weights_t[n, j, i] * scale

    options = {"cache": True, "nogil": True, "error_model": "numpy"}
    return SimpleNamespace(
        # (exp_nonpositive vectorises with these; see jit_math)
        softmax_columns=serial_and_parallel(numba, softmax_columns, **options, fastmath={"nsz", "contract"}),
        **{
            kernel.__name__: serial_and_parallel(numba, kernel, **options)
            for kernel in (shifted_scores, normalised_columns, softmax_backward_columns)
        },
    )
