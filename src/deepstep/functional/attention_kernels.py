"""Compiled kernels (numba, when installed) for attention's softmax, forward and backward.

Between its matrix products, attention's NumPy path makes about ten passes over the scores of every
head: scale, mask, max, subtract, (exp,) sum, divide forward; multiply, sum, subtract, multiply
backward. For a small GPT's heads (48 of 64 × 64 per layer) each pass is a few hundred microseconds
of call and memory overhead. These kernels do the same arithmetic in the same order in two passes
forward and one backward; NumPy's SIMD exp stays between the two forward passes. So the results are
the NumPy path's to the bit (tests/test_compiled.py), and DEEPSTEP_NUMBA=0 keeps that path.

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
    def shifted_scores(scores_t, scale, allowed_t, masked):  # pragma: no cover - compiled
        """In place on Sᵀ (N, S, L): s·scale, −inf where allowed_t (S, L) is False (when masked),
        then minus each query's largest score (0 for a query whose scores are all −inf)."""
        heads, keys, queries = scores_t.shape
        minus_inf = -np.inf
        for n in numba.prange(heads):
            peak = np.full(queries, minus_inf, scores_t.dtype)
            for j in range(keys):
                for i in range(queries):
                    s = scores_t[n, j, i] * scale
                    if masked and not allowed_t[j, i]:
                        s = minus_inf
                    scores_t[n, j, i] = s
                    peak[i] = max(peak[i], s)
            for i in range(queries):
                if not np.isfinite(peak[i]):  # a query that sees no key must not give inf − inf
                    peak[i] = 0
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
            for i in range(queries):
                if total[i] == 0:
                    total[i] = 1
            for j in range(keys):
                for i in range(queries):
                    weights_t[n, j, i] /= total[i]

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
        **{
            kernel.__name__: serial_and_parallel(numba, kernel, **options)
            for kernel in (shifted_scores, normalised_columns, softmax_backward_columns)
        }
    )
