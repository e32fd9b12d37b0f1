"""Matrix products on oneDNN: C = A·B (+ bias along the rows) for float32 matrices in any of the
layouts NumPy hands over (row-major, or a transposed view), one primitive per shape and layout."""

from __future__ import annotations

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
        arguments = [(ARG_SRC, self.memory[0]), (ARG_WEIGHTS, self.memory[1]), (ARG_DST, self.memory[2])]
        if bias:
            self.memory.append(dnnl.memory(bias_md))
            arguments.append((ARG_BIAS, self.memory[3]))
        self.packed = dnnl.arguments(arguments)  # (the same memory objects every call: built once)

    def __call__(self, a: np.ndarray, b: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        out = np.empty(self.shape, np.float32)
        arrays = (a, b, out) if bias is None else (a, b, out, np.ascontiguousarray(bias))
        with self.dnnl.lock:
            self.dnnl.execute(self.primitive, self.packed, list(zip(self.memory, arrays, strict=True)))
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


def _plan(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None) -> MatrixProduct | None:
    """The plan for operands like these, or None where oneDNN does not take them."""
    a_layout, b_layout = _layout(a), _layout(b)
    if a_layout is None or b_layout is None or a.shape[1] != b.shape[0]:
        return None
    if bias is not None and (bias.dtype != np.float32 or bias.shape != (b.shape[1],)):
        return None
    dnnl = library()
    try:
        plan = None if dnnl is None else MatrixProduct(dnnl, a_layout, b_layout, bias is not None)
    except RuntimeError:
        return None
    return None if plan is None or plan.kernel.startswith("ref") else plan  # (reference loops: slow)


#: Plans by the operands' shapes, strides and dtypes (a dictionary looked up before any other check:
#: a call costs about 10 µs, a third of what it did with the checks first; MLP: 5 products a step).
_plans: dict[tuple, MatrixProduct | None] = {}
MAX_PLANS = 512


def matmul(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray | None:
    """a·b (+ bias) on oneDNN, as a new row-major float32 array; None (for NumPy to do it) when
    oneDNN is missing or off, or the operands are not float32 matrices with contiguous rows or
    columns."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] * a.shape[1] * b.shape[1] < SMALL_PRODUCT or not available():
        return None
    key = (a.shape, a.strides, a.dtype, b.shape, b.strides, b.dtype)
    if bias is not None:
        key += (bias.shape, bias.dtype)
    plan: Any = _plans.get(key, _plans)
    if plan is _plans:
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        plan = _plans[key] = _plan(a, b, bias)
    return None if plan is None else plan(a, b, bias)
