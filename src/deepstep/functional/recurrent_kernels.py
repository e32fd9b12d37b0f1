"""Compiled LSTM steps (numba, when installed): the backward step's gate derivatives in one pass,
where the NumPy step of recurrent.py makes about twenty passes over small (B, H) arrays.

A character LSTM (batch 12, 256 units, 64 steps, 2 layers) runs 128 such steps per training step;
each NumPy pass costs a few microseconds of call overhead on arrays this small, more than the
arithmetic: 12.5 against 85 µs per step. The formulas are _LSTMKind.step_backward's, in the same
order and in the arrays' dtype, so the result is the NumPy path's to the bit (tests/test_compiled.py):

    ∂c = ∂c' + ∂h'·o·(1 − tanh² c'),  ∂pre = (∂c·g·i(1 − i), ∂c·c·f(1 − f), ∂c·i(1 − g²),
    ∂h'·tanh c'·o(1 − o)),  ∂L/∂c = ∂c·f

The forward step keeps NumPy's SIMD tanh (over all four gates at once, then over c'): a scalar
compiled loop (libm's exp and tanh, one value at a time) was 2.7× slower (229 against 84 µs). What
lies around the two tanh calls, the gates' scaling and c' = f ⊙ c + i ⊙ g, is compiled: two passes
where NumPy made eight (44 → 24 µs a step), in _LSTMKind.step's order, so again to the bit.
DEEPSTEP_NUMBA=0 keeps NumPy for all of it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled

__all__ = ["kernels"]


@compiled
def kernels(numba: Any) -> Any:
    # a float32 constant: it keeps float32 arithmetic in float32 and widens exactly for float64
    one = np.float32(1.0)

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def lstm_step_backward(dh, dc_next, acts, c, d_pre, dc_prev):  # pragma: no cover - compiled
        """∂L/∂h', ∂L/∂c' (B, H), the step's acts and c → ∂pre (B, 4H), ∂L/∂c (B, H)."""
        n = c.shape[1]
        for b in range(c.shape[0]):
            for j in range(n):
                i, f, g = acts[b, j], acts[b, n + j], acts[b, 2 * n + j]
                o, tanh_c = acts[b, 3 * n + j], acts[b, 4 * n + j]
                dc = dc_next[b, j] + dh[b, j] * o * (one - tanh_c * tanh_c)
                d_pre[b, j] = dc * g * i * (one - i)
                d_pre[b, n + j] = dc * c[b, j] * f * (one - f)
                d_pre[b, 2 * n + j] = dc * i * (one - g * g)
                d_pre[b, 3 * n + j] = dh[b, j] * tanh_c * o * (one - o)
                dc_prev[b, j] = dc * f

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def lstm_pre_activations(hw, xw, halve):  # pragma: no cover - compiled
        """hw ← (hw + xw)·halve in place: each gate's pre-activation, halved for the σ gates."""
        for b in range(hw.shape[0]):
            for k in range(hw.shape[1]):
                hw[b, k] = (hw[b, k] + xw[b, k]) * halve[k]

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def lstm_gates_and_cell(tanh_pre, halve, shift, c, acts, c_new):  # pragma: no cover - compiled
        """From tanh of the scaled pre-activations (B, 4H): the gates i, f, g, o = tanh·halve + shift
        into acts[:, :4H], c' = f ⊙ c + i ⊙ g into c_new and into acts[:, 4H:] (tanh'd after)."""
        n = c.shape[1]
        for b in range(c.shape[0]):
            for k in range(4 * n):
                acts[b, k] = tanh_pre[b, k] * halve[k] + shift[k]
            for j in range(n):
                cell = acts[b, n + j] * c[b, j]
                cell += acts[b, j] * acts[b, 2 * n + j]
                c_new[b, j] = cell
                acts[b, 4 * n + j] = cell

    return SimpleNamespace(
        lstm_step_backward=lstm_step_backward,
        lstm_pre_activations=lstm_pre_activations,
        lstm_gates_and_cell=lstm_gates_and_cell,
    )
