"""Compiled ReLU backward (numba, when installed): ∂L/∂x = g where z > 0, else 0, in one pass over the
memory of g and z whatever their axis order (an NCHW view of a convolution's channels-last output
included), where NumPy makes a comparison and a select (conv1 of the small CNN: 3.2 → 1.8 ms).

Where oneDNN runs the products, the elements are shared among its threads (jit.serial_and_parallel).

Optional: without numba (or with DEEPSTEP_NUMBA=0) ops_activation.ReLU keeps its NumPy path, and
tests/test_compiled.py holds the two to the same bits.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..jit import compiled, serial_and_parallel

__all__ = ["flat", "kernels"]


@compiled
def kernels(numba: Any) -> Any:
    def relu_backward(g, z, out):  # pragma: no cover - compiled
        """out = 0 where z ≤ 0, else g (flat arrays of one layout; NaN passes, as in PyTorch)."""
        for i in numba.prange(g.shape[0]):
            out[i] = 0 if z[i] <= 0 else g[i]

    return SimpleNamespace(relu_backward=serial_and_parallel(numba, relu_backward, cache=True, nogil=True))


def flat(a: np.ndarray) -> np.ndarray | None:
    """`a`'s memory as a 1-D view, in memory order, when it is one dense block (C, F or any axis
    order, as an NCHW view of NHWC memory); None when that would need a copy."""
    flat_view = a.ravel(order="K")
    return flat_view if flat_view.size == 0 or np.may_share_memory(flat_view, a) else None
