"""Compiled cross-entropy from logits against labels (numba, when installed): each sample's loss and its
gradient softmax − onehot in one pass over its row, where NumPy makes about ten small passes (max,
subtract, exp, sum, log, subtract, pick, exp again, scatter, scale) that each cost more in calls than
in arithmetic on an MLP's (128, 10) logits.

The formulas are stable.log_softmax's: ℓᵢ = ln Σⱼ exp(sᵢⱼ − mᵢ) − (sᵢ,yᵢ − mᵢ) with mᵢ = maxⱼ sᵢⱼ, and
∂ℓᵢ/∂sᵢⱼ = exp(sᵢⱼ − mᵢ)/Σ − [j = yᵢ]. The sums run in another order than NumPy's, and float32's exp
is jit_math's (within 1 ulp, vectorised), so the results agree to rounding (tests/test_compiled.py; the
sum of exponentials is taken in float64); a NaN or a row of −inf gives NaN, as there. Where oneDNN runs
the products, the rows are shared among its threads (jit.serial_and_parallel), to the same bits.

Optional: without numba (or with DEEPSTEP_NUMBA=0) losses_classification keeps its NumPy path.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled, serial_and_parallel

__all__ = ["kernels"]


@compiled
def kernels(numba: Any) -> Any:
    global exp_shifted, float64_sum  # (module globals: see activation_kernels)
    from ..jit_math import exp_shifted, float64_sum

    def cross_entropy(logits, labels, losses, grad):  # pragma: no cover - compiled
        """losses[i] = −log softmax(logits[i])[labels[i]], grad[i] = softmax(logits[i]) − onehot(labels[i])
        for logits (N, C); each row's exponentials in one vectorised loop, then their sum."""
        n, c = logits.shape
        for i in numba.prange(n):
            row, out = logits[i], grad[i]
            highest = row[0]
            for j in range(1, c):
                if row[j] > highest or row[j] != row[j]:  # (a NaN wins, as in np.max)
                    highest = row[j]
            for j in range(c):
                out[j] = exp_shifted(row[j] - highest)
            total = float64_sum(out)
            for j in range(c):
                out[j] /= total
            label = labels[i]
            losses[i] = np.log(total) - (row[label] - highest)
            out[label] -= 1

    # (exp_shifted vectorises in float32 with these; see jit_math)
    options = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"nsz", "contract"}}
    return SimpleNamespace(cross_entropy=serial_and_parallel(numba, cross_entropy, **options))
