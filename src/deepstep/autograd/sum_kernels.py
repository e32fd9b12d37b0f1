"""Compiled sum of two arrays (numba, when installed): out = a + b on flat views of one memory layout,
the elements shared among oneDNN's threads where oneDNN runs the products (jit.serial_and_parallel).
IEEE addition of the same pairs: the same bits as NumPy's. A residual connection's a + b and the
engine's summing of two gradients are memory-bound, and NumPy's add runs on one core; a GPT's step has
about 17 of them on 768 × 128 activations.

Optional: without numba (or with DEEPSTEP_NUMBA=0, or below jit.PARALLEL_SIZE elements, or without
oneDNN's threads) NumPy adds; tests/test_parallel_loops.py holds the two to the same bits.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import PARALLEL_SIZE, compiled, serial_and_parallel

__all__ = ["add", "kernels"]


@compiled
def kernels(numba: Any) -> Any:
    def add(a, b, out):  # pragma: no cover - compiled
        """out = a + b on flat arrays."""
        for i in numba.prange(a.shape[0]):
            out[i] = a[i] + b[i]

    return SimpleNamespace(add=serial_and_parallel(numba, add, cache=True, nogil=True))


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
