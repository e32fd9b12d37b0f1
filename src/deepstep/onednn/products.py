"""Matrix products on oneDNN: C = A·B (+ bias along the rows) for float32 matrices in any of the
layouts NumPy hands over (row-major, or a transposed view), one primitive per shape and layout."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .library import ARG_BIAS, ARG_DST, ARG_SRC, ARG_WEIGHTS, OneDNN, available, library

#: Below this many multiply-adds a product stays with NumPy: a call into oneDNN costs about 10 µs
#: (ctypes, the lock), OpenBLAS's small kernels take 5–10 µs for an MLP's 128 × 128 · 128 × 10.
SMALL_PRODUCT = 2**20


class MatrixProduct:
    """out (M, N) = a (M, K) · b (K, N) [+ bias (N,)] for one shape and layout of a and b."""

    def __init__(self, dnnl: OneDNN, a: tuple, b: tuple, bias: bool) -> None:
        (m, k), a_strides = a
        (_, n), b_strides = b
        self.dnnl, self.shape = dnnl, (m, n)
        a_md, b_md = dnnl.layout((m, k), a_strides), dnnl.layout((k, n), b_strides)
        out_md = dnnl.layout((m, n), (n, 1))
        bias_md = dnnl.layout((1, n), (n, 1)) if bias else None
        pd = dnnl.new("dnnl_matmul_primitive_desc_create", dnnl.engine, a_md, b_md, bias_md, out_md, None)
        self.kernel = dnnl.implementation(pd)
        self.primitive = dnnl.new("dnnl_primitive_create", pd)
        self.memory = [dnnl.memory(md) for md in (a_md, b_md, out_md)]
        self.bias_memory = dnnl.memory(bias_md) if bias else None

    def __call__(self, a: np.ndarray, b: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        out = np.empty(self.shape, np.float32)
        a_mem, b_mem, out_mem = self.memory
        args = [(ARG_SRC, a_mem, a), (ARG_WEIGHTS, b_mem, b), (ARG_DST, out_mem, out)]
        if bias is not None:
            args.append((ARG_BIAS, self.bias_memory, bias))
        with self.dnnl.lock:
            self.dnnl.run(self.primitive, args)
        return out


def _layout(a: np.ndarray) -> tuple | None:
    """(shape, strides in elements) of a 2-D float32 array whose rows or columns are contiguous."""
    if a.ndim != 2 or a.dtype != np.float32 or 0 in a.shape:
        return None
    strides = tuple(s // a.itemsize for s in a.strides)
    if (
        min(strides) < 0
        or 1 not in strides
        or any(s * a.itemsize != t for s, t in zip(strides, a.strides, strict=True))
    ):
        return None
    return a.shape, strides


@functools.lru_cache(maxsize=512)
def _cached(a: tuple, b: tuple, bias: bool) -> MatrixProduct | None:
    dnnl = library()
    try:
        plan = None if dnnl is None else MatrixProduct(dnnl, a, b, bias)
    except RuntimeError:
        return None
    return None if plan is None or plan.kernel.startswith("ref") else plan  # (reference loops: slow)


def matmul(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray | None:
    """a·b (+ bias) on oneDNN, as a new row-major float32 array; None (for NumPy to do it) when
    oneDNN is missing or off, or the operands are not float32 matrices with contiguous rows or
    columns."""
    if a.shape[0] * a.shape[1] * b.shape[-1] < SMALL_PRODUCT or not available():
        return None
    a_layout, b_layout = _layout(a), _layout(b)
    if a_layout is None or b_layout is None or a.shape[1] != b.shape[0]:
        return None
    if bias is not None and (bias.dtype != np.float32 or bias.shape != (b.shape[1],)):
        return None
    plan: Any = _cached(a_layout, b_layout, bias is not None)
    return None if plan is None else plan(a, b, None if bias is None else np.ascontiguousarray(bias))
