"""Compiled sums (numba, when installed).

- add: out = a + b on flat views of one memory layout, the elements shared among oneDNN's threads
  where oneDNN runs the products (jit.serial_and_parallel). IEEE addition of the same pairs: the same
  bits as NumPy's. A residual connection's a + b and the engine's summing of two gradients are
  memory-bound, and NumPy's add runs on one core; a GPT's step has about 17 of them on 768 × 128
  activations.
- scatter_rows: out[p_k] += values[k] row by row, in the order of k, as ops_scatter.scatter_sum's
  sparse product Pᵀ·values adds them (the same bits): an embedding's gradient without building the
  sparse matrix, which cost more than the sums (59 → 19 µs for a GPT's 768 rows of 128).

Optional: without numba (or with DEEPSTEP_NUMBA=0, or below jit.PARALLEL_SIZE elements, or without
oneDNN's threads) NumPy adds; tests/test_parallel_loops.py holds the two to the same bits.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import PARALLEL_SIZE, compiled, serial_and_parallel

__all__ = ["add", "kernels", "scatter_rows"]


@compiled
def kernels(numba: Any) -> Any:
    def add(a, b, out):  # pragma: no cover - compiled
        """out = a + b on flat arrays."""
        for i in numba.prange(a.shape[0]):
            out[i] = a[i] + b[i]

    @numba.njit(cache=True, nogil=True)
    def scatter_rows(positions, values, out):  # pragma: no cover - compiled
        """out[positions[k]] += values[k] for k = 0, 1, … (rows of floats; positions in range)."""
        for k in range(positions.shape[0]):
            row = positions[k]
            for j in range(values.shape[1]):
                out[row, j] += values[k, j]

    return SimpleNamespace(
        add=serial_and_parallel(numba, add, cache=True, nogil=True), scatter_rows=scatter_rows
    )


def add(a: Any, b: Any) -> Any:
    """a + b as NumPy computes it, on several threads for large C-contiguous float arrays of one shape
    and dtype (where oneDNN's threads are there to share the work)."""
    if (
        not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray))
        or a.size < PARALLEL_SIZE
        or a.shape != b.shape
        or a.dtype != b.dtype
        or a.dtype not in (np.float32, np.float64)
        or not (a.flags.c_contiguous and b.flags.c_contiguous)
    ):
        return a + b
    from ..onednn.library import parallel_loops  # (here: onednn sits above autograd)

    fast = kernels() if parallel_loops() else None
    if fast is None:
        return a + b
    out = np.empty_like(a)
    fast.add.parallel(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


def scatter_rows(positions: np.ndarray, values: np.ndarray, size: int) -> np.ndarray | None:
    """out (size, n) with out[q] = Σ_{k : positions[k] = q} values[k] for float rows values (m, n), or
    None (for the caller's other route) without numba or for other operands, or positions out of range."""
    if (
        values.ndim != 2
        or values.dtype not in (np.float32, np.float64)
        or not values.flags.c_contiguous
        or positions.ndim != 1
        or positions.dtype.kind not in "iu"
        or positions.shape[0] != values.shape[0]
    ):
        return None
    fast = kernels()
    if fast is None or (positions.size and (positions.min() < 0 or positions.max() >= size)):
        return None
    out = np.zeros((size, values.shape[1]), values.dtype)
    fast.scatter_rows(positions, values, out)
    return out
