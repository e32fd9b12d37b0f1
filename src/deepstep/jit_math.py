"""Building blocks of compiled kernels: scalar functions that numba inlines into a kernel's loop, where
LLVM vectorises them with it (a call to NumPy there would be a pass over memory of its own).

This module imports numba: kernel modules import it inside their `build(numba)` (jit.compiled), never
at their top. Its functions are module globals, so that numba's on-disk cache finds the kernels that
use them again in the next process.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir

__all__ = ["EXP_POLYNOMIAL", "exp_nonpositive", "exp_shifted", "float32_from_bits", "float64_sum"]


@numba.extending.intrinsic
def float32_from_bits(typing_context, bits):
    """The float32 whose bits are the integer's low 32: LLVM's bitcast, which vectorises (NumPy's
    view of a scalar does not compile in a loop)."""
    if not isinstance(bits, numba.types.Integer):
        return None

    def codegen(context, builder, signature, args):
        value = args[0] if bits.bitwidth == 32 else builder.trunc(args[0], ir.IntType(32))
        return builder.bitcast(value, ir.FloatType())

    return numba.types.float32(bits), codegen


# e^r ≈ 1 + r + r²·(c₀r⁵ + … + c₅) for |r| ≤ ln2/2: Cephes' expf
EXP_POLYNOMIAL = (
    1.9875691500e-4,
    1.3981999507e-3,
    8.3334519073e-3,
    4.1665795894e-2,
    1.6666665459e-1,
    5.0000001201e-1,
)
_E0, _E1, _E2, _E3, _E4, _E5 = (np.float32(c) for c in EXP_POLYNOMIAL)
_HALF, _ONE, _LOWEST, _LOG2E = np.float32(0.5), np.float32(1.0), np.float32(-87.0), np.float32(np.log2(np.e))
_LN2_HIGH, _LN2_LOW = np.float32(0.693359375), np.float32(-2.12194440e-4)  # ln 2 = high + low


# The caller's loop must not reassociate (r's two-part reduction would lose its bits); it may contract
# (fused multiply-adds) and assume no signed zeros: numba's fastmath={"nsz", "contract"}.
@numba.njit(inline="always", cache=True, error_model="numpy")
def exp_nonpositive(y):  # pragma: no cover - compiled
    """e^y for float32 y ≤ 0 (NaN gives NaN), as NumPy's SIMD exp would: y = −k·ln 2 + r with
    |r| ≤ ln2/2 (ln 2 in two parts: r keeps its bits), e^r = 1 + r + r²·P(r) (Cephes' expf),
    2^−k = the float32 with exponent bits 127 − k; within 1 ulp of e^y, and 0 below float32's normal
    range (y < −87)."""
    clipped = _LOWEST if y < _LOWEST else y
    kf = np.floor(_HALF - clipped * _LOG2E)  # k = round(−y/ln 2), 0 … 126
    r = (clipped + kf * _LN2_HIGH) + kf * _LN2_LOW
    er = (((((_E0 * r + _E1) * r + _E2) * r + _E3) * r + _E4) * r + _E5) * (r * r) + r + _ONE
    power = float32_from_bits((np.int32(127) - np.int32(kf)) << 23)  # 2^−k, a normal number
    return np.float32(0.0) if y < _LOWEST else er * power


def exp_shifted(y):  # pragma: no cover - compiled (its overload below is what kernels run)
    """e^y for y ≤ 0 (a score minus its row's largest): exp_nonpositive in float32, np.exp otherwise."""
    return np.exp(y)


@numba.extending.overload(exp_shifted, inline="always")
def _exp_shifted(y):
    if y == numba.types.float32:
        return lambda y: exp_nonpositive(y)
    return lambda y: np.exp(y)


# Not inlined by numba: LLVM inlines it, keeping its own fast-math flags, so the sum vectorises inside a
# caller that must not reassociate (one that calls exp_nonpositive).
@numba.njit(cache=True, fastmath={"reassoc", "nsz", "contract"})
def float64_sum(a):  # pragma: no cover - compiled
    """Σ a (1-D) in float64, in SIMD lanes' order (within rounding of NumPy's pairwise sum)."""
    total = 0.0
    for i in range(a.size):
        total += a[i]
    return total
