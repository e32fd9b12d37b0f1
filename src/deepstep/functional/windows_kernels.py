"""Compiled col2im (numba, when installed): every window's values added back where the window lies, in
one pass over a channels-last batch (a convolution's input gradient: conv2 of the small CNN 8.0 →
4.9 ms, against one product and one strided add per kernel position, BENCHMARKS.md).

Optional: without numba (or with DEEPSTEP_NUMBA=0) windows.col2im adds the windows one kernel
position at a time with NumPy, and tests/test_conv.py holds both paths to PyTorch.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ..jit import compiled

__all__ = ["kernels"]


@compiled
def kernels(numba: Any) -> Any:
    @numba.njit(cache=True, nogil=True)
    def col2im(windows, sh, sw, dh, dw, out):  # pragma: no cover - compiled
        """out (N, Hp, Wp, C) += windows (N, Ho, Wo, kh, kw, C) where each window was read (stride sh,
        sw; its taps dh, dw apart)."""
        n, ho, wo, kh, kw, c = windows.shape
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    for di in range(kh):
                        for dj in range(kw):
                            row, col = i * sh + di * dh, j * sw + dj * dw
                            for ch in range(c):
                                out[b, row, col, ch] += windows[b, i, j, di, dj, ch]

    return SimpleNamespace(col2im=col2im)
