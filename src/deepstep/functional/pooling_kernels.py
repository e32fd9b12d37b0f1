"""Compiled max pooling (numba, when installed) over windows that tile a channels-last image: one pass
forward and one backward, where NumPy makes a dozen ufunc passes over the kh·kw strided slices (both
layers of the small CNN, forward and backward: 15 → 5.5 ms, BENCHMARKS.md).

The forward pass also applies the ReLU before the pooling when asked (pooling.MaxPool2d with
relu=True): max commutes with ReLU, so clipping only the pooled values is exact, and the windows
whose maximum is ≤ 0 are marked NO_MAXIMUM so that their gradient is dropped.

Optional: without numba (or with DEEPSTEP_NUMBA=0) pooling.py keeps its NumPy path, and
tests/test_conv.py holds both to PyTorch.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ..jit import compiled

__all__ = ["NO_MAXIMUM", "kernels"]

#: argmax entry of a max-pooling window whose gradient is dropped (positions are 0 … kh·kw−1 < 255)
NO_MAXIMUM = 255


@compiled
def kernels(numba: Any) -> Any:
    jit = numba.njit(cache=True, nogil=True)

    @jit
    def max_pool_forward(x, kh, kw, relu, out, argmax):  # pragma: no cover - compiled
        """x (N, H, W, C) → out, argmax (N, Ho, Wo, C): each window's maximum and the position
        (0 … kh·kw−1, row by row) of its first maximum; NaN wins (the last NaN, as in PyTorch, whose
        running maximum every NaN replaces). With relu, the maximum of ReLU(x): out = max(0, maximum),
        and argmax = NO_MAXIMUM where the maximum is ≤ 0 (ReLU passes no gradient there; through NaN
        it does, as PyTorch's)."""
        n, ho, wo, c = out.shape
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    for ch in range(c):
                        out[b, i, j, ch] = x[b, i * kh, j * kw, ch]
                        argmax[b, i, j, ch] = 0
                    for p in range(1, kh * kw):
                        di, dj = p // kw, p % kw
                        for ch in range(c):
                            value = x[b, i * kh + di, j * kw + dj, ch]
                            best = out[b, i, j, ch]
                            if value > best or value != value:
                                out[b, i, j, ch] = value
                                argmax[b, i, j, ch] = p
                    if relu:
                        for ch in range(c):
                            if out[b, i, j, ch] <= 0:  # (a NaN stays, and passes its gradient)
                                argmax[b, i, j, ch] = NO_MAXIMUM
                                out[b, i, j, ch] = 0

    @jit
    def max_pool_backward(g, argmax, kh, kw, grad):  # pragma: no cover - compiled
        """grad (N, H, W, C): each window's gradient at its recorded maximum, 0 elsewhere in it."""
        n, ho, wo, c = g.shape
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    for p in range(kh * kw):
                        di, dj = p // kw, p % kw
                        for ch in range(c):
                            hit = argmax[b, i, j, ch] == p
                            grad[b, i * kh + di, j * kw + dj, ch] = g[b, i, j, ch] if hit else 0

    return SimpleNamespace(max_pool_forward=max_pool_forward, max_pool_backward=max_pool_backward)
