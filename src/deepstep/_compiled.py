"""Compiled kernels (numba, when installed) for the memory-bound steps of a convolutional network:
max pooling over windows that tile a channels-last image, col2im (a convolution's input gradient)
and ReLU's backward pass — each one pass over memory where NumPy needs several.

Optional: without numba (or with DEEPSTEP_NUMBA=0 in the environment) every caller keeps its NumPy
path, and the tests hold the two to the same results. numba is imported on first use, so
`import deepstep` stays fast.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import numpy as np

__all__ = ["NO_MAXIMUM", "flat", "kernels"]

#: argmax entry of a max-pooling window whose gradient is dropped (positions are 0 … kh·kw−1 < 255)
NO_MAXIMUM = 255

_kernels: Any = None


def kernels() -> Any:
    """The compiled functions, or None when numba is missing or switched off."""
    global _kernels
    if _kernels is None:
        _kernels = _compile() if os.environ.get("DEEPSTEP_NUMBA", "1") != "0" else False
    return _kernels or None


def _compile() -> Any:
    try:
        import numba
    except ImportError:
        return False
    jit = numba.njit(cache=True, nogil=True)

    @jit
    def max_pool_forward(x, kh, kw, relu, out, argmax):  # pragma: no cover - compiled
        """x (N, H, W, C) → out, argmax (N, Ho, Wo, C): each window's maximum and the position
        (0 … kh·kw−1, row by row) of its first maximum; NaN wins, as in PyTorch. With relu, the
        maximum of ReLU(x): out = max(0, maximum), and argmax = NO_MAXIMUM where that is not > 0
        (ReLU passes no gradient there)."""
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
                            if value > best or (value != value and best == best):
                                out[b, i, j, ch] = value
                                argmax[b, i, j, ch] = p
                    if relu:
                        for ch in range(c):
                            best = out[b, i, j, ch]
                            if not best > 0:
                                argmax[b, i, j, ch] = NO_MAXIMUM
                                if best == best:  # NaN stays NaN, as np.maximum(NaN, 0)
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

    @jit
    def col2im(grad_cols, sh, sw, out):  # pragma: no cover - compiled
        """out (N, Hp, Wp, C) += each window's gradient grad_cols (N, Ho, Wo, kh, kw, C) where the
        window was read (stride sh, sw): the input gradient of a convolution, in one pass."""
        n, ho, wo, kh, kw, c = grad_cols.shape
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    for di in range(kh):
                        for dj in range(kw):
                            for ch in range(c):
                                out[b, i * sh + di, j * sw + dj, ch] += grad_cols[b, i, j, di, dj, ch]

    @jit
    def relu_backward(g, z, out):  # pragma: no cover - compiled
        """out = g where z > 0, else 0 (flat arrays of one layout)."""
        for i in range(g.shape[0]):
            out[i] = g[i] if z[i] > 0 else 0

    return SimpleNamespace(
        max_pool_forward=max_pool_forward,
        max_pool_backward=max_pool_backward,
        col2im=col2im,
        relu_backward=relu_backward,
    )


def flat(a: Any) -> Any:
    """`a`'s memory as a 1-D view, in memory order, when it is one dense block (C, F or any axis
    order, as an NCHW view of NHWC memory); None when that would need a copy."""
    flat_view = a.ravel(order="K")
    return flat_view if flat_view.size == 0 or np.may_share_memory(flat_view, a) else None
