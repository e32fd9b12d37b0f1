"""Compiled batch normalisation (numba, when installed): five passes over the activations for forward
and backward — the mean, the variance, x̂ and y written together, Σg with Σg·x̂, and ∂L/∂x — where
NumPy makes about ten (BatchNorm2d of 32 channels on 28×28 images: 20 → 9 ms, BENCHMARKS.md).

The kernels see the activations as (A, C, B) blocks, the channels in the middle, so that NCHW memory
is (N, C, H·W) and channels-last memory (N·H·W, C, 1) (`channel_blocks`). Each kernel has a loop for
B = 1 of its own (indexing [i, c, 0]): LLVM vectorises that one over the channels, and the general
loop runs 10× slower there. Sums run in float64; 'reassoc' lets LLVM vectorise them while NaN and
inf keep their meaning.

Optional: without numba (or with DEEPSTEP_NUMBA=0) batchnorm.BatchNorm keeps its NumPy path, and
tests/test_compiled.py holds the two together in every layout.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled

__all__ = ["channel_blocks", "kernels"]


@compiled
def kernels(numba: Any) -> Any:
    jit = numba.njit(cache=True, nogil=True)
    sums = numba.njit(cache=True, nogil=True, fastmath={"reassoc"})  # (see the module's docstring)

    @jit
    def batch_norm_forward(x, mean, inv_std, gamma, beta, x_hat, out):  # pragma: no cover - compiled
        """x̂ = (x − μ)/√(σ² + ε) and y = γx̂ + β per channel, on blocks (A, C, B), in one pass."""
        blocks, channels, inner = x.shape
        if inner == 1:
            for i in range(blocks):
                for c in range(channels):
                    h = (x[i, c, 0] - mean[c]) * inv_std[c]
                    x_hat[i, c, 0] = h
                    out[i, c, 0] = h * gamma[c] + beta[c]
        else:
            for i in range(blocks):
                for c in range(channels):
                    mu, scale, weight, shift = mean[c], inv_std[c], gamma[c], beta[c]
                    for j in range(inner):
                        h = (x[i, c, j] - mu) * scale
                        x_hat[i, c, j] = h
                        out[i, c, j] = h * weight + shift

    @sums
    def batch_norm_sums(g, x_hat, sum_g, sum_g_x_hat):  # pragma: no cover - compiled
        """Σ g and Σ g·x̂ per channel of blocks (A, C, B), added into the float64 sums, in one pass."""
        blocks, channels, inner = g.shape
        if inner == 1:
            for i in range(blocks):
                for c in range(channels):
                    sum_g[c] += g[i, c, 0]
                    sum_g_x_hat[c] += g[i, c, 0] * x_hat[i, c, 0]
        else:
            for i in range(blocks):
                for c in range(channels):
                    s_g = s_gx = 0.0  # in registers: two arrays updated in the loop would not vectorise
                    for j in range(inner):
                        s_g += g[i, c, j]
                        s_gx += g[i, c, j] * x_hat[i, c, j]
                    sum_g[c] += s_g
                    sum_g_x_hat[c] += s_gx

    @sums
    def channel_moments(x, mean, var):  # pragma: no cover - compiled
        """Per-channel mean and biased variance of x (A, C, B), in two passes (no cancellation)."""
        blocks, channels, inner = x.shape
        total = np.zeros(channels)
        if inner == 1:
            for i in range(blocks):
                for c in range(channels):
                    total[c] += x[i, c, 0]
        else:
            for i in range(blocks):
                for c in range(channels):
                    for j in range(inner):
                        total[c] += x[i, c, j]
        count = blocks * inner
        for c in range(channels):
            mean[c] = total[c] / count
            total[c] = 0.0
        if inner == 1:
            for i in range(blocks):
                for c in range(channels):
                    d = x[i, c, 0] - mean[c]
                    total[c] += d * d
        else:
            for i in range(blocks):
                for c in range(channels):
                    mu = mean[c]
                    for j in range(inner):
                        d = x[i, c, j] - mu
                        total[c] += d * d
        for c in range(channels):
            var[c] = total[c] / count

    @jit
    def per_channel_affine(x, y, a, b, c_, out):  # pragma: no cover - compiled
        """out = a·x + b·y + c per channel, on blocks (A, C, B), in one pass."""
        blocks, channels, inner = x.shape
        if inner == 1:
            for i in range(blocks):
                for c in range(channels):
                    out[i, c, 0] = a[c] * x[i, c, 0] + b[c] * y[i, c, 0] + c_[c]
        else:
            for i in range(blocks):
                for c in range(channels):
                    ac, bc, cc = a[c], b[c], c_[c]
                    for j in range(inner):
                        out[i, c, j] = ac * x[i, c, j] + bc * y[i, c, j] + cc

    return SimpleNamespace(
        channel_moments=channel_moments,
        batch_norm_forward=batch_norm_forward,
        batch_norm_sums=batch_norm_sums,
        per_channel_affine=per_channel_affine,
    )


def channel_blocks(a: np.ndarray) -> np.ndarray | None:
    """`a` (N, C, ...) as an (A, C, B) view of its memory, the channels in the middle: (N, C, rest) for
    C order, (N·rest, C, 1) for channels-last memory; None when it is neither (a copy would be needed)."""
    if a.ndim < 2:
        return None
    if a.flags.c_contiguous:
        return a.reshape(a.shape[0], a.shape[1], -1)
    last = np.moveaxis(a, 1, -1)
    if last.flags.c_contiguous:
        return last.reshape(-1, a.shape[1], 1)
    return None
