"""Compiled kernels (numba, when installed) for normalisation within each sample (layer, RMS, group and
instance normalisation): each group's moments, then y = γ·x̂ + β, then the backward pass, each one or
two passes over memory where NumPy needs four to eight (see RowNorm in normalization.py).

The input is seen as blocks (A, P, S): P channels, along which γ and β act, of S positions each, in
G groups of P/G channels whose statistics are taken together. Layer and RMS normalisation are
(rows, n, 1) with G = 1, group normalisation (N, C, positions) with G groups, instance normalisation
the same with G = C. Layer and RMS normalisation's forward is one kernel (normalise_rows): each row's
moments, then its outputs, while the row is in cache. As in batch_norm_kernels, each kernel has a loop
for S = 1 of its own (LLVM vectorises that one over the channels), and sums run in float64 with only
'reassoc' relaxed, so that NaN and inf keep their meaning.

The kernels share their rows among oneDNN's threads where oneDNN runs the products
(jit.serial_and_parallel), to the same bits: the backward sums γ's and β's gradients over fixed
chunks of rows (CHUNK elements each, whatever the threads), then adds the chunks' sums in order.

Optional: without numba (or with DEEPSTEP_NUMBA=0 in the environment) normalization.py keeps its
NumPy path, and the tests hold the two to the same results. numba is imported on first use.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled, serial_and_parallel

__all__ = ["CHUNK", "kernels"]

#: The backward's chunks: this many elements of rows each (a number of the shapes, not of the threads).
CHUNK = 2**14


@compiled
def kernels(numba: Any) -> Any:
    options = {"cache": True, "nogil": True, "fastmath": {"reassoc"}}
    # a module global, not a closure variable: numba's on-disk cache does not find again the kernels
    # whose closures hold another compiled function (they were compiled afresh in every process)
    global moments

    @numba.njit(**options)
    def moments(rows, r, centred):  # pragma: no cover - compiled
        """Row r's mean (0 when not centred) and mean square deviation from it, in two passes (no
        cancellation), summed in float64."""
        n = rows.shape[1]
        m = 0.0
        if centred:
            for i in range(n):
                m += rows[r, i]
            m /= max(n, 1)
        v = 0.0
        for i in range(n):
            d = rows[r, i] - m
            v += d * d
        return m, v / max(n, 1)

    def row_moments(rows, centred, mean, var):  # pragma: no cover - compiled
        """Each row's moments (see moments); rows (R, n), mean and var (R,)."""
        for r in numba.prange(rows.shape[0]):
            mean[r], var[r] = moments(rows, r, centred)

    def normalise_rows(rows, centred, eps, gamma, beta, out, mean, inv_std):  # pragma: no cover
        """Layer (and RMS) normalisation in one pass over memory: each row's μ and σ² (see moments)
        and 1/σ = 1/√(σ² + ε), then out = γ·(x − μ)/σ + β, while the row is in cache; rows and out
        (R, n), γ and β (n,), mean and inv_std (R,) in the rows' dtype."""
        for r in numba.prange(rows.shape[0]):
            mean[r], var = moments(rows, r, centred)
            inv_std[r] = 1.0 / np.sqrt(var + eps)
            mu, inv = mean[r], inv_std[r]  # (in the rows' dtype, as the backward will read them)
            for i in range(rows.shape[1]):
                out[r, i] = (rows[r, i] - mu) * inv * gamma[i] + beta[i]

    def normalise(x, mean, inv_std, gamma, beta, out):  # pragma: no cover - compiled
        """out = γ·(x − μ)/σ + β on blocks x (A, P, S), μ and 1/σ per group (A, G), γ and β per channel."""
        blocks, channels, inner = x.shape
        groups = mean.shape[1]
        per_group = channels // groups
        for a in numba.prange(blocks):
            for group in range(groups):
                mu, inv = mean[a, group], inv_std[a, group]
                first = group * per_group
                if inner == 1:
                    for k in range(per_group):
                        c = first + k  # (a loop over range(first, last) would not vectorise)
                        out[a, c, 0] = (x[a, c, 0] - mu) * inv * gamma[c] + beta[c]
                else:
                    for k in range(per_group):
                        c = first + k
                        scale = inv * gamma[c]
                        shift = beta[c] - mu * scale
                        for j in range(inner):
                            out[a, c, j] = x[a, c, j] * scale + shift

    def normalise_rows_backward(
        g, x, mean, inv_std, gamma, centred, chunk, grad_x, partial_gamma, partial_beta
    ):  # pragma: no cover - compiled
        """normalise_backward for layer (and RMS) normalisation's rows (R, n), γ along each row: one
        pass over a row makes x̂ and its sums, a second ∂L/∂x, while the row is in cache."""
        rows, n = x.shape
        for chunk_index in numba.prange(partial_gamma.shape[0]):
            grad_gamma, grad_beta = partial_gamma[chunk_index], partial_beta[chunk_index]
            for r in range(chunk_index * chunk, min(rows, (chunk_index + 1) * chunk)):
                mu, inv = mean[r], inv_std[r]
                sum_g = sum_g_x_hat = 0.0
                for c in range(n):
                    centred_x = x[r, c] - mu
                    sum_g += gamma[c] * g[r, c]
                    sum_g_x_hat += gamma[c] * g[r, c] * centred_x
                    grad_beta[c] += g[r, c]
                    grad_gamma[c] += g[r, c] * (centred_x * inv)
                mean_g = sum_g / max(n, 1) if centred else 0.0
                mean_g_x_hat = sum_g_x_hat * inv / max(n, 1)
                for c in range(n):
                    x_hat = (x[r, c] - mu) * inv
                    grad_x[r, c] = inv * (gamma[c] * g[r, c] - mean_g - x_hat * mean_g_x_hat)

    def normalise_backward(
        g, x, mean, inv_std, gamma, centred, chunk, grad_x, partial_gamma, partial_beta
    ):  # pragma: no cover - compiled
        """∂L/∂x = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per group with ĝ = γ·g (no mean(ĝ) term when
        not centred), and Σ g·x̂, Σ g per channel over each chunk of `chunk` blocks, into the float64
        rows partial_gamma, partial_beta (chunks, P): each chunk writes its own row, so the chunks may
        run on several threads, and their number depends on the shapes alone (the same bits on any)."""
        blocks, channels, inner = x.shape
        groups = mean.shape[1]
        per_group = channels // groups
        n = max(per_group * inner, 1)
        for chunk_index in numba.prange(partial_gamma.shape[0]):
            grad_gamma, grad_beta = partial_gamma[chunk_index], partial_beta[chunk_index]
            for a in range(chunk_index * chunk, min(blocks, (chunk_index + 1) * chunk)):
                for group in range(groups):
                    mu, inv = mean[a, group], inv_std[a, group]
                    first = group * per_group
                    sum_g = sum_g_x_hat = 0.0
                    if inner == 1:  # three short loops over the channels: each one vectorises
                        for k in range(per_group):
                            c = first + k  # (a loop over range(first, last) would not vectorise)
                            sum_g += gamma[c] * g[a, c, 0]
                            sum_g_x_hat += gamma[c] * g[a, c, 0] * (x[a, c, 0] - mu)
                        sum_g_x_hat *= inv
                        for k in range(per_group):
                            c = first + k
                            grad_beta[c] += g[a, c, 0]
                            grad_gamma[c] += g[a, c, 0] * ((x[a, c, 0] - mu) * inv)
                    else:
                        for k in range(per_group):
                            c = first + k
                            s_g = s_gx = 0.0  # in registers: arrays updated in the loop would not vectorise
                            for j in range(inner):
                                s_g += g[a, c, j]
                                s_gx += g[a, c, j] * (x[a, c, j] - mu)
                            s_gx *= inv
                            grad_beta[c] += s_g
                            grad_gamma[c] += s_gx
                            sum_g += gamma[c] * s_g
                            sum_g_x_hat += gamma[c] * s_gx
                    mean_g = sum_g / n if centred else 0.0
                    mean_g_x_hat = sum_g_x_hat / n
                    if inner == 1:
                        for k in range(per_group):
                            c = first + k
                            h = (x[a, c, 0] - mu) * inv
                            grad_x[a, c, 0] = inv * (gamma[c] * g[a, c, 0] - mean_g - h * mean_g_x_hat)
                    else:
                        for k in range(per_group):
                            c = first + k
                            weight = gamma[c] * inv
                            for j in range(inner):
                                h = (x[a, c, j] - mu) * inv
                                grad_x[a, c, j] = weight * g[a, c, j] - inv * (mean_g + h * mean_g_x_hat)

    return SimpleNamespace(
        row_moments=serial_and_parallel(numba, row_moments, **options),
        normalise=serial_and_parallel(numba, normalise, **options),
        normalise_rows=serial_and_parallel(numba, normalise_rows, **options),
        normalise_backward=serial_and_parallel(numba, normalise_backward, **options),
        normalise_rows_backward=serial_and_parallel(numba, normalise_rows_backward, **options),
    )


def usable(*arrays: np.ndarray) -> bool:
    """Whether the kernels take these arrays: float32 or float64 alike (float16 stays with NumPy)."""
    return all(a.dtype == arrays[0].dtype and a.dtype in (np.float32, np.float64) for a in arrays)
