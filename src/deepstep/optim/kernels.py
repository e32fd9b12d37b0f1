"""Compiled Adam (numba, when installed): the whole update of rules.Adam in one pass over a parameter,
its gradient and its moments, where NumPy makes about ten (an MLP's 235,146 parameters: 850 → 320 µs
per step). The same operations in the same order, in the parameters' dtype, so the result is the
NumPy path's to the bit (tests/test_optim.py).

Tried and not kept: all parameters of a group in one flat array (the parameters views of it), for
one call per step. The gradients then have to be gathered into one array first, a copy that costs
what the calls save (MLP: 350 against 320 µs; 53 parameters of a small GPT: 1.81 against 1.86 ms).

Threads: the update runs between the matrix products. Where those run on oneDNN, it runs on oneDNN's
own OpenMP threads (jit.serial_and_parallel), each thread a slice of the parameter; elsewhere on one
thread, as OpenBLAS's spinning threads would fight a parallel kernel for the cores (it made an MLP's
epoch slower, BENCHMARKS.md). Each element's arithmetic is the same either way, so are the bits.

Optional: without numba (or with DEEPSTEP_NUMBA=0) rules.Adam keeps its NumPy path.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled, serial_and_parallel

__all__ = ["kernels"]


@compiled
def kernels(numba: Any) -> Any:
    # error_model="numpy": a division by zero gives inf or NaN, as NumPy's, instead of a check that keeps
    # LLVM from vectorising the loop (711 → 180 µs for an MLP's 235,146 parameters)
    def adam(param, grad, m, v, v_max, constants):  # pragma: no cover - compiled
        """On 1-D arrays; constants (λ, keep, β₂, 1 − β₁, 1 − β₂, root, δ, rate) in their dtype, as
        rules.Adam.update makes them (one array: each argument costs numba's dispatcher time):
        θ ← θ·keep (decoupled decay; keep = 1 without);  g ← g + λθ (L2 decay, if λ ≠ 0);
        m ← m + (1 − β₁)(g − m);  v ← β₂v + (1 − β₂)g²  (v_max ← max(v_max, v), read in v's place,
        if v_max has entries);  θ ← θ − rate·m / (√v / root + δ)."""
        decay, keep, beta2, one_minus_beta1, one_minus_beta2, root, eps, rate = constants
        amsgrad = v_max.size > 0
        for i in numba.prange(param.size):
            p, g = param[i] * keep, grad[i]
            if decay != 0:
                g = g + decay * p
            m_i = m[i] + (g - m[i]) * one_minus_beta1
            v_i = v[i] * beta2 + g * g * one_minus_beta2
            m[i], v[i] = m_i, v_i
            if amsgrad:
                highest = v_max[i]
                if not (highest >= v_i or highest != highest):  # (NaN wins, as in np.maximum)
                    highest = v_i
                v_max[i] = v_i = highest
            param[i] = p - m_i / (np.sqrt(v_i) / root + eps) * rate

    return SimpleNamespace(adam=serial_and_parallel(numba, adam, cache=True, nogil=True, error_model="numpy"))
