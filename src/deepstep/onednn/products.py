"""Matrix products on oneDNN: C = A·B (+ bias along the rows) (+ R, an array of C's shape: a residual
connection's sum, made as the product is written) for float32 matrices, or stacks of them with the
same leading (batch) dims, in any of the layouts NumPy hands over (row-major, a transposed view, a head
of a permuted attention tensor), one primitive per shape and layout."""

from __future__ import annotations

from typing import Any

import numpy as np

from .library import (
    ARG_BIAS,
    ARG_DST,
    ARG_POST_OP_OPERAND,
    ARG_SRC,
    ARG_WEIGHTS,
    BINARY_ADD,
    OneDNN,
    available,
    cores,
    library,
    release_idle_cores,
    row_major_strides,
)

#: Below this many multiply-adds a product stays with NumPy: a call into oneDNN costs about 10 µs
#: (ctypes, the lock), OpenBLAS's small kernels take 5–10 µs for an MLP's 128 × 128 · 128 × 10.
SMALL_PRODUCT = 2**20


class MatrixProduct:
    """out (…, M, N) = a (…, M, K) · b (…, K, N) [+ bias (N,)] [+ residual (…, M, N)] for one shape and
    layout of a, b, out and residual (the leading dims a batch of products, the same in all). The
    residual is oneDNN's binary post-op: added to each tile of the product before it is stored,
    (a·b + bias) + residual, the sum NumPy makes of the product and the residual."""

    def __init__(
        self, dnnl: OneDNN, a: tuple, b: tuple, out: tuple, bias: bool, residual: tuple | None = None
    ) -> None:
        (a_shape, a_strides), (b_shape, b_strides), (out_shape, out_strides) = a, b, out
        self.dnnl, self.shape = dnnl, out_shape
        a_md, b_md = dnnl.layout(a_shape, a_strides), dnnl.layout(b_shape, b_strides)
        out_md = dnnl.layout(out_shape, out_strides)
        n = out_shape[-1]
        ones = (1,) * (len(out_shape) - 1)
        bias_md = dnnl.layout((*ones, n), (*(n for _ in ones), 1)) if bias else None
        attributes = None
        if residual is not None:
            residual_md = dnnl.layout(*residual)
            post_ops = dnnl.new("dnnl_post_ops_create")
            dnnl.check(dnnl.lib.dnnl_post_ops_append_binary(post_ops, BINARY_ADD, residual_md), "post-op")
            attributes = dnnl.new("dnnl_primitive_attr_create")
            dnnl.check(dnnl.lib.dnnl_primitive_attr_set_post_ops(attributes, post_ops), "attributes")
            dnnl.lib.dnnl_post_ops_destroy(post_ops)  # (the attributes keep a copy)
        try:
            pd = dnnl.new(
                "dnnl_matmul_primitive_desc_create", dnnl.engine, a_md, b_md, bias_md, out_md, attributes
            )
        finally:
            if attributes is not None:
                dnnl.lib.dnnl_primitive_attr_destroy(attributes)
        self.kernel = dnnl.implementation(pd)
        self.primitive = dnnl.new("dnnl_primitive_create", pd)
        self.memory = [dnnl.memory(md) for md in (a_md, b_md, out_md)]
        arguments = [(ARG_SRC, self.memory[0]), (ARG_WEIGHTS, self.memory[1]), (ARG_DST, self.memory[2])]
        if bias:
            self.memory.append(dnnl.memory(bias_md))
            arguments.append((ARG_BIAS, self.memory[-1]))
        if residual is not None:
            self.memory.append(dnnl.memory(residual_md))
            arguments.append((ARG_POST_OP_OPERAND, self.memory[-1]))
        self.packed = dnnl.arguments(arguments)  # (the same memory objects every call: built once)

    def __call__(
        self,
        a: np.ndarray,
        b: np.ndarray,
        bias: np.ndarray | None,
        out: np.ndarray | None,
        residual: np.ndarray | None = None,
    ) -> np.ndarray:
        out = np.empty(self.shape, np.float32) if out is None else out
        arrays = [a, b, out]
        if bias is not None:
            arrays.append(np.ascontiguousarray(bias))
        if residual is not None:
            arrays.append(residual)
        with self.dnnl.lock:
            self.dnnl.execute(self.primitive, self.packed, list(zip(self.memory, arrays, strict=True)))
        return out


class Gemm:
    """out (M, N) = a (M, K) · b (K, N) for 2-D operands without a bias, on oneDNN's BLAS-like
    dnnl_sgemm (its gemm:jit kernels, row-major): 8–21 % less time than the matmul primitive on the
    weight gradients (a transposed left operand) of the MLP and the GPT, and a few % on the input
    gradients (BENCHMARKS.md, seventh pass). A transposed operand is passed as its row-major storage."""

    kernel = "gemm:jit (dnnl_sgemm)"

    def __init__(self, dnnl: OneDNN, a: tuple, b: tuple) -> None:
        (self.m, self.k), a_strides = a
        (_, self.n), b_strides = b
        self.dnnl, self.shape = dnnl, (self.m, self.n)
        self.a = self._operand(a_strides, self.k, self.m)
        self.b = self._operand(b_strides, self.n, self.k)

    @staticmethod
    def _operand(strides: tuple[int, int], columns: int, rows: int) -> tuple[bytes, int]:
        """(transpose flag, leading dimension) of a matrix with these strides (in elements)."""
        if strides[1] == 1 and strides[0] >= max(columns, 1):
            return b"N", strides[0]
        if strides[0] == 1 and strides[1] >= max(rows, 1):
            return b"T", strides[1]
        raise ValueError("not a row-major matrix or the transpose of one")

    def __call__(
        self, a: np.ndarray, b: np.ndarray, bias: np.ndarray | None, out: np.ndarray | None
    ) -> np.ndarray:
        out = np.empty(self.shape, np.float32) if out is None else out
        (transpose_a, lda), (transpose_b, ldb) = self.a, self.b
        cores.claim()
        status = self.dnnl.sgemm(
            transpose_a, transpose_b, self.m, self.n, self.k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb,
            0.0, out.ctypes.data, self.n,
        )  # fmt: skip
        self.dnnl.check(status, "sgemm")
        return out


def _layout(a: np.ndarray) -> tuple | None:
    """(shape, strides in elements) of a float32 matrix, or stack of them, whose rows or columns are
    contiguous; None for any other array."""
    if a.ndim < 2 or a.dtype != np.float32 or 0 in a.shape:
        return None
    strides = tuple(s // a.itemsize for s in a.strides)
    if (
        min(strides) < 0
        or 1 not in strides[-2:]
        or any(s * a.itemsize != t for s, t in zip(strides, a.strides, strict=True))
    ):
        return None
    return a.shape, strides


def _plan(
    a: np.ndarray,
    b: np.ndarray,
    bias: np.ndarray | None,
    out: np.ndarray | None,
    residual: np.ndarray | None = None,
) -> MatrixProduct | Gemm | None:
    """The plan for operands like these, or None where oneDNN does not take them."""
    shape = (*a.shape[:-1], b.shape[-1])
    layouts = _layout(a), _layout(b), (shape, None) if out is None else _layout(out)
    if None in layouts or a.ndim != b.ndim or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        return None
    if out is not None and (out.shape != shape or not out.flags.writeable):
        return None
    if bias is not None and (bias.dtype != np.float32 or bias.shape != (b.shape[-1],)):
        return None
    residual_layout = None if residual is None else _layout(residual)
    if residual is not None and (residual_layout is None or residual.shape != shape):
        return None
    dnnl = library()
    if dnnl is None:
        return None
    out_layout = layouts[2] if out is not None else (shape, row_major_strides(shape))
    if a.ndim == 2 and bias is None and residual is None and out_layout[1] == (shape[1], 1):
        try:
            return Gemm(dnnl, layouts[0], layouts[1])
        except ValueError:  # (a leading dimension dnnl_sgemm does not take: the primitive does)
            pass
    try:
        plan = MatrixProduct(dnnl, layouts[0], layouts[1], out_layout, bias is not None, residual_layout)
    except RuntimeError:
        return None
    return None if plan.kernel.startswith("ref") else plan  # (reference loops: slow)


#: Plans by the operands' shapes, strides and dtypes (a dictionary looked up before any other check:
#: a call costs about 10 µs, a third of what it did with the checks first; MLP: 5 products a step).
_plans: dict[tuple, MatrixProduct | Gemm | None] = {}
MAX_PLANS = 512


def matmul(
    a: np.ndarray,
    b: np.ndarray,
    bias: np.ndarray | None = None,
    out: np.ndarray | None = None,
    residual: np.ndarray | None = None,
) -> np.ndarray | None:
    """a·b (+ bias) (+ residual) on oneDNN, into `out` or a new row-major float32 array; None (for
    NumPy to do it) when oneDNN is missing or off, or the operands are not float32 matrices (or stacks
    of them, with the same leading dims: no broadcasting) with contiguous rows or columns."""
    if a.ndim < 2 or a.size * b.shape[-1] < SMALL_PRODUCT or not available():
        return None
    key = (a.shape, a.strides, a.dtype, b.shape, b.strides, b.dtype)
    if bias is not None:
        key += (bias.shape, bias.dtype)
    if out is not None:
        key += (out.shape, out.strides, out.dtype)
    if residual is not None:
        key += ("residual", residual.shape, residual.strides, residual.dtype)
    plan: Any = _plans.get(key, _plans)
    if plan is _plans:
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        plan = _plans[key] = _plan(a, b, bias, out, residual)
    if plan is None:
        return None
    return plan(a, b, bias, out) if residual is None else plan(a, b, bias, out, residual)  # (a Gemm: none)


def product(
    a: np.ndarray,
    b: np.ndarray,
    bias: np.ndarray | None = None,
    out: np.ndarray | None = None,
    residual: np.ndarray | None = None,
) -> np.ndarray:
    """a·b (+ bias) (+ residual) as np.matmul computes it, then the sums (into `out` when given): on
    oneDNN where it takes the operands, the bias and the residual added as the product is written,
    else NumPy's (OpenBLAS given its threads back if oneDNN has been idle a while)."""
    result = matmul(a, b, bias, out, residual)
    if result is not None:
        return result
    release_idle_cores()
    result = np.matmul(a, b, out=out)
    if bias is not None:
        result += bias  # (in the fresh product: adding in place saves a pass over memory)
    if residual is not None:
        result += residual
    return result
