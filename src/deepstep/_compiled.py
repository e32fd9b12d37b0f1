"""Compiled kernels (numba, when installed) for the memory-bound steps of a convolutional network:
max pooling over windows that tile a channels-last image, col2im (a convolution's input gradient),
ReLU's backward pass and batch normalisation — each one pass over memory where NumPy needs several.

Optional: without numba (or with DEEPSTEP_NUMBA=0 in the environment) every caller keeps its NumPy
path, and the tests hold the two to the same results. numba is imported on first use, so
`import deepstep` stays fast.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import numpy as np

__all__ = ["NO_MAXIMUM", "channel_blocks", "flat", "kernels"]

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

    @jit
    def col2im(grad_cols, sh, sw, dh, dw, out):  # pragma: no cover - compiled
        """out (N, Hp, Wp, C) += each window's gradient grad_cols (N, Ho, Wo, kh, kw, C) where the
        window was read (stride sh, sw; its taps dh, dw apart): the input gradient of a convolution,
        in one pass."""
        n, ho, wo, kh, kw, c = grad_cols.shape
        for b in range(n):
            for i in range(ho):
                for j in range(wo):
                    for di in range(kh):
                        for dj in range(kw):
                            row, col = i * sh + di * dh, j * sw + dj * dw
                            for ch in range(c):
                                out[b, row, col, ch] += grad_cols[b, i, j, di, dj, ch]

    @jit
    def relu_backward(g, z, out):  # pragma: no cover - compiled
        """out = 0 where z ≤ 0, else g (flat arrays of one layout; NaN passes, as in PyTorch)."""
        for i in range(g.shape[0]):
            out[i] = 0 if z[i] <= 0 else g[i]

    # Batch normalisation on (A, C, B) blocks: the channels in the middle, so that NCHW memory is
    # (N, C, H·W) and channels-last memory (N·H·W, C, 1). Each kernel has a loop for B = 1 of its own
    # (indexing [i, c, 0]): LLVM vectorises that one over the channels, and the general loop runs 10×
    # slower there. Sums run in float64; 'reassoc' lets LLVM vectorise them while NaN and inf keep
    # their meaning.
    sums = numba.njit(cache=True, nogil=True, fastmath={"reassoc"})

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
        max_pool_forward=max_pool_forward,
        max_pool_backward=max_pool_backward,
        col2im=col2im,
        relu_backward=relu_backward,
    )


def channel_blocks(a: Any) -> Any:
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


def flat(a: Any) -> Any:
    """`a`'s memory as a 1-D view, in memory order, when it is one dense block (C, F or any axis
    order, as an NCHW view of NHWC memory); None when that would need a copy."""
    flat_view = a.ravel(order="K")
    return flat_view if flat_view.size == 0 or np.may_share_memory(flat_view, a) else None
