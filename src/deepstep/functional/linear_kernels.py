"""Compiled bias gradient of the linear layer (numba, when installed): ∂L/∂b = Σ_rows G, with NumPy's
order of additions (row after row into a running sum per column, in G's dtype: the same bits as
G.sum(axis=0)), the columns shared in blocks among oneDNN's threads where oneDNN runs the products
(jit.serial_and_parallel). NumPy's axis-0 sum runs on one thread: 0.9 ms of a small GPT's step.

Optional: without numba (or with DEEPSTEP_NUMBA=0) Linear keeps NumPy's sum; tests/test_parallel_loops.py
holds the two to the same bits.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled, serial_and_parallel

__all__ = ["COLUMN_BLOCK", "column_sums", "kernels"]

#: Columns a block: 64 float32 are four cache lines of each row.
COLUMN_BLOCK = 64


@compiled
def kernels(numba: Any) -> Any:
    def column_sums(g, block, out):  # pragma: no cover - compiled
        """out[c] = g[0, c] + g[1, c] + … (in that order), for g (R, N), block columns at a time."""
        rows, columns = g.shape
        for b in numba.prange((columns + block - 1) // block):
            first = b * block
            width = min(columns, first + block) - first
            total = np.zeros(width, g.dtype)  # (a fresh array: its loop vectorises, out's would not)
            for r in range(rows):
                row = g[r, first : first + width]
                for k in range(width):
                    total[k] += row[k]
            out[first : first + width] = total

    return SimpleNamespace(column_sums=serial_and_parallel(numba, column_sums, cache=True, nogil=True))


def column_sums(g: np.ndarray) -> np.ndarray:
    """g.sum(axis=0) for a matrix g (R, N), bit for bit; compiled for contiguous float32 and float64."""
    fast = kernels() if g.dtype in (np.float32, np.float64) and g.flags.c_contiguous and g.ndim == 2 else None
    if fast is None or g.shape[0] == 0 or g.shape[1] < 2:  # (one column: NumPy sums it pairwise)
        return g.sum(axis=0)
    out = np.empty(g.shape[1], g.dtype)
    fast.column_sums(g, COLUMN_BLOCK, out)
    return out
