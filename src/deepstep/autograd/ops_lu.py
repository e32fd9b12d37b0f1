"""Linear systems through a factorisation: the LU factorisation with partial pivoting (torch.lu,
lu_solve, lu_unpack), systems with a Cholesky factor (cholesky_solve, cholesky_inverse) and with a
triangular matrix (triangular_solve), each with PyTorch's gradients.

LU: P·A = L·U, L unit lower triangular, U upper triangular; column j picks as pivot the row with the
largest |aᵢⱼ| at or below the diagonal (|Re| + |Im| for complex numbers, LAPACK's rule, the first one
on a tie), so the pivots are LAPACK's (1-based, int32). L and U are packed in one matrix, L below the
diagonal and U on and above it. A zero pivot is not an error: `infos` holds the (1-based) column of
the first one, as LAPACK's getrf.

The triangular solves are substitution row by row (_trsm below; faster here than NumPy's general
solve, which factors the matrix again), so a zero on a diagonal gives the inf and nan PyTorch gives
rather than an error; only cholesky_inverse refuses a singular factor, with PyTorch's LinAlgError.

Gradients, with Ḡ the gradient of the output and ᴴ the conjugate transpose (the formulas of PyTorch's
FunctionsManual, derived as in the notes from dX = −A⁻¹·dA·X):
  X = (L·Lᴴ)⁻¹·B:   ∂L/∂B = (LLᴴ)⁻¹Ḡ,  ∂L/∂L = −(Ḡ_B·Xᴴ + X·Ḡ_Bᴴ)·L
  X = A⁻¹·B, A triangular:   ∂L/∂B = A⁻ᴴḠ,  ∂L/∂A = −(∂L/∂B)·Xᴴ on A's triangle
  A = P·L·U (square):   ∂L/∂A = P·L⁻ᴴ·[tril₋₁(Lᴴ·Ḡ_L) + triu(Ḡ_U·Uᴴ)]·U⁻ᴴ
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeError, ShapeError, ValueRangeError
from .function import Function
from .ops_decomp import LinAlgError, _mH, _mT, check_matrices
from .ops_shape import _as_tensor
from .pointwise import refuse
from .tensor import Tensor

__all__ = [
    "cholesky_inverse",
    "cholesky_solve",
    "lu",
    "lu_solve",
    "lu_unpack",
    "triangular_solve",
]

TENSOR_METHODS = ("cholesky_inverse", "cholesky_solve", "lu", "lu_solve", "triangular_solve")


class TriangularSolveResult(NamedTuple):
    """torch.triangular_solve's result: the solution and a copy of the coefficient matrix."""

    solution: Tensor
    cloned_coefficient: Tensor


class LuUnpackResult(NamedTuple):
    """torch.lu_unpack's result: A = P·L·U."""

    P: Tensor
    L: Tensor
    U: Tensor


_TORCH_NAMES = {"i": "'Long'", "b": "'Bool'", "u": "'Byte'"}  # for PyTorch's words on integer input


def _triangle(a: np.ndarray, upper: bool, unit: bool = False) -> np.ndarray:
    """The triangle of a that a triangular solve reads (its diagonal ones when unit)."""
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t.copy()
        i = np.arange(a.shape[-1])
        t[..., i, i] = 1
    return t


def _trsm(
    a: np.ndarray, b: np.ndarray, upper: bool, transpose: bool = False, conjugate: bool = False
) -> np.ndarray:
    """X with A·X = B (Aᵀ·X = B with transpose, Aᴴ·X = B with conjugate too), A triangular (only its
    upper or lower triangle is read), batches broadcast: substitution, one row of X at a time for all
    columns and batches at once, each row from a dot product with the rows solved before it. A zero
    on the diagonal is not an error: it gives the inf and nan PyTorch's BLAS gives."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=np.result_type(a, b))
    a = np.broadcast_to(np.conj(a) if conjugate else a, batch + a.shape[-2:])
    if transpose:
        a, upper = _mT(a), not upper
    n = a.shape[-1]
    with np.errstate(all="ignore"):
        # an upper system is solved from the last row up, a lower one from the first row down
        for i in range(n - 1, -1, -1) if upper else range(n):
            done = slice(i + 1, n) if upper else slice(0, i)
            total = np.einsum("...k,...kj->...j", a[..., i, done], x[..., done, :])
            x[..., i, :] = (x[..., i, :] - total) / a[..., i, i, None]
    return x


def _matrices(name: str, x: Tensor, what: str) -> None:
    if x.ndim < 2:
        raise ShapeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")


def _same_dtype(name: str, b: Tensor, a: Tensor) -> None:
    if b.dtype != a.dtype:
        raise DTypeError(
            f"{name}: Expected b and A to have the same dtype, but found b of type {b.dtype} "
            f"and A of type {a.dtype} instead."
        )
    if a.dtype.kind not in "fc":
        raise DTypeError(f"{name}: Expected a floating point or complex tensor as input. Got {a.dtype}")


def _check_system(name: str, b: Tensor, a: Tensor) -> None:
    """b (*, n, k) against a square A (*, n, n), batches broadcast."""
    _matrices(name, b, "B")
    _matrices(name, a, "A")
    _same_dtype(name, b, a)
    if a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} "
            "matrices"
        )
    if b.shape[-2] != a.shape[-1]:
        raise ShapeError(
            f"{name}: Incompatible matrix sizes for {name}: each A matrix is {a.shape[-1]} by {a.shape[-1]} "
            f"but each b matrix is {b.shape[-2]} by {b.shape[-1]}"
        )
    try:
        np.broadcast_shapes(b.shape[:-2], a.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"{name}: the batch dims of b {tuple(b.shape[:-2])} and A {tuple(a.shape[:-2])} do not broadcast"
        ) from None


# ----- systems with a Cholesky factor --------------------------------------------------------------
def _cholesky_solve(factor: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """(L·Lᴴ)⁻¹·B, or (Uᴴ·U)⁻¹·B: two triangular solves, as LAPACK's potrs."""
    if upper:
        return _trsm(factor, _trsm(factor, b, True, transpose=True, conjugate=True), True)
    return _trsm(factor, _trsm(factor, b, False), False, transpose=True, conjugate=True)


class CholeskySolve(Function):
    """X = (L·Lᴴ)⁻¹·B (L read from its triangle);   ∂L/∂B = (LLᴴ)⁻¹Ḡ, ∂L/∂L = −(Ḡ_B·Xᴴ + X·Ḡ_Bᴴ)·L
    (U·(…) for upper, A = UᴴU), on the whole factor as given, as PyTorch's."""

    saved_inputs = ()

    def __init__(self, upper: bool) -> None:
        self.upper = upper

    def forward(self, b, factor):
        self.factor = factor
        self.x = _cholesky_solve(factor, b, self.upper)
        return self.x

    def backward(self, g):
        grad_b = _cholesky_solve(self.factor, g, self.upper)  # A is Hermitian: A⁻ᴴ = A⁻¹
        grad_factor = None
        if self.needs_grad(1):
            common = grad_b @ _mH(self.x)
            common = common + _mH(common)
            grad_factor = -(self.factor @ common) if self.upper else -(common @ self.factor)
        return self.to_inputs(grad_b, grad_factor)


def cholesky_solve(input: Any, input2: Any, upper: bool = False) -> Tensor:
    """The solution X of A·X = B given A's Cholesky factor: A = L·Lᴴ (or Uᴴ·U with upper=True);
    input is B (*, n, k), input2 the factor (*, n, n), batches broadcast."""
    b, factor = _as_tensor(input), _as_tensor(input2)
    _check_system("cholesky_solve", b, factor)
    return CholeskySolve(bool(upper))(b, factor)


class CholeskyInverse(Function):
    """Z = (L·Lᴴ)⁻¹;   ∂L/∂L = −Z(Ḡ + Ḡᴴ)Z·L (U·Z(Ḡ + Ḡᴴ)Z for upper), PyTorch's."""

    saved_inputs = ()

    def __init__(self, upper: bool) -> None:
        self.upper = upper

    def forward(self, factor):
        n = factor.shape[-1]
        diagonal = np.diagonal(factor, axis1=-2, axis2=-1).reshape(-1, n)
        for batch, row in enumerate(diagonal):
            zeros = np.flatnonzero(row == 0)
            if zeros.size:
                where = f"(Batch element {batch}): " if factor.ndim > 2 else ""
                raise LinAlgError(
                    f"cholesky_inverse: {where}The diagonal element {zeros[0] + 1} is zero, the inversion "
                    "could not be completed because the input matrix is singular."
                )
        eye = np.broadcast_to(np.eye(n, dtype=factor.dtype), factor.shape)
        self.factor = factor
        self.z = _cholesky_solve(factor, eye, self.upper)
        return self.z

    def backward(self, g):
        common = self.z @ (g + _mH(g)) @ self.z
        return (-(self.factor @ common) if self.upper else -(common @ self.factor),)


def cholesky_inverse(input: Any, upper: bool = False) -> Tensor:
    """A⁻¹ given A's Cholesky factor L (A = L·Lᴴ, or Uᴴ·U with upper=True), for batches of matrices.
    (A complex matrix whose diagonal is not real, so no Cholesky factor, gives (L·Lᴴ)⁻¹ here, where
    LAPACK's potri, and so PyTorch, reads part of that diagonal as real.)"""
    factor = _as_tensor(input)
    check_matrices("cholesky_inverse", factor)
    return CholeskyInverse(bool(upper))(factor)


# ----- systems with a triangular matrix ------------------------------------------------------------
class TriangularSolve(Function):
    """X = A⁻¹·B (or A⁻ᵀ·B with transpose), A read from its triangle;   ∂L/∂B = A⁻ᴴḠ (Ā⁻¹Ḡ with
    transpose), ∂L/∂A = the triangle of −(∂L/∂B)·Xᴴ (of −X̄·(∂L/∂B)ᵀ with transpose)."""

    saved_inputs = ()

    def __init__(self, upper: bool, transpose: bool, unitriangular: bool) -> None:
        self.upper, self.transpose, self.unit = upper, transpose, unitriangular

    def forward(self, b, a):
        self.a = t = _triangle(a, self.upper, self.unit)
        self.x = _trsm(t, b, self.upper, transpose=self.transpose)
        return self.x

    def backward(self, g):
        a = self.a
        if self.transpose:  # (Aᵀ)⁻ᴴ = Ā⁻¹
            grad_b = _trsm(np.conj(a), g, self.upper)
        else:
            grad_b = _trsm(a, g, self.upper, transpose=True, conjugate=True)
        grad_a = None
        if self.needs_grad(1):
            # with transpose, ∂L/∂Aᵀ = −(∂L/∂B)·Xᴴ, transposed: −X̄·(∂L/∂B)ᵀ
            grad_a = -(np.conj(self.x) @ _mT(grad_b)) if self.transpose else -(grad_b @ _mH(self.x))
            grad_a = np.triu(grad_a, int(self.unit)) if self.upper else np.tril(grad_a, -int(self.unit))
        return self.to_inputs(grad_b, grad_a)


def triangular_solve(
    input: Any, A: Any, upper: bool = True, transpose: bool = False, unitriangular: bool = False
) -> TriangularSolveResult:
    """(X, a copy of A) with A·X = b (Aᵀ·X = b with transpose), A triangular (its other triangle is
    not read; its diagonal neither with unitriangular, taken as ones). torch's deprecated spelling of
    linalg.solve_triangular; the copy of A is differentiable as a clone."""
    b, a = _as_tensor(input), _as_tensor(A)
    _check_system("triangular_solve", b, a)
    solution = TriangularSolve(bool(upper), bool(transpose), bool(unitriangular))(b, a)
    return TriangularSolveResult(solution, a.clone())


# ----- the LU factorisation -----------------------------------------------------------------------
def _lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(packed L\\U, 1-based pivots as int32, infos) of P·A = L·U by Gaussian elimination with partial
    pivoting, column by column for the whole batch at once (LAPACK getf2's steps)."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = np.array(a, copy=True).reshape(-1, m, n)
    pivots = np.empty((lu.shape[0], k), dtype=np.int32)
    infos = np.zeros(lu.shape[0], dtype=np.int32)
    rows = np.arange(lu.shape[0])
    for j in range(k):
        column = lu[:, j:, j]
        size = np.abs(column.real) + np.abs(column.imag) if lu.dtype.kind == "c" else np.abs(column)
        p = j + np.argmax(size, axis=1)
        pivots[:, j] = p + 1
        top = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = top
        pivot = lu[:, j, j]
        zero = pivot == 0
        infos[zero & (infos == 0)] = j + 1
        # a zero pivot leaves its column as it is (all zeros below it): getf2 skips the scaling
        lu[:, j + 1 :, j] /= np.where(zero, 1, pivot)[:, None]
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j : j + 1] * lu[:, j : j + 1, j + 1 :]
    return lu.reshape(a.shape), pivots.reshape(*batch, k), infos.reshape(batch)


def _rows_from_pivots(pivots: np.ndarray, m: int) -> np.ndarray:
    """perm with (Pᵀ·A)[i] = A[perm[i]]: the row swaps of the pivots, done in order on 0 … m−1."""
    perm = np.broadcast_to(np.arange(m), (*pivots.shape[:-1], m)).copy()
    flat, swaps = perm.reshape(-1, m), pivots.reshape(-1, pivots.shape[-1]).astype(np.intp) - 1
    rows = np.arange(flat.shape[0])
    for j in range(swaps.shape[1]):
        p = swaps[:, j]
        top = flat[rows, j].copy()
        flat[rows, j] = flat[rows, p]
        flat[rows, p] = top
    return perm


def _unpack(lu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """L (m×k, unit lower) and U (k×n, upper) from the packed factors."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1)
    i = np.arange(k)
    low[..., i, i] = 1
    return low, np.triu(lu[..., :k, :])


def _apply_p(perm: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P·X: row perm[i] of the result is row i of X."""
    out = np.empty_like(x)
    np.put_along_axis(out, np.broadcast_to(perm[..., None], x.shape), x, axis=-2)
    return out


class LuFactor(Function):
    """P·A = L·U (packed);   for square A, ∂L/∂A = P·L⁻ᴴ·[tril₋₁(Lᴴ·Ḡ_L) + triu(Ḡ_U·Uᴴ)]·U⁻ᴴ; a wide
    or tall A adds the part of U (of L) beyond the square, which depends on the square's factors."""

    saved_inputs = ()

    def forward(self, a):
        lu, self.pivots, self.infos = _lu_factor(a)
        self.low, self.up = _unpack(lu)
        self.perm = _rows_from_pivots(self.pivots, a.shape[-2])
        return lu

    def backward(self, g):
        low, up = self.low, self.up
        m, n = g.shape[-2:]
        k = min(m, n)
        g_low, g_up = np.tril(g[..., :, :k], -1), np.triu(g[..., :k, :])
        low1, up1 = low[..., :k, :], up[..., :, :k]
        g_low1, g_up1 = g_low[..., :k, :], g_up[..., :, :k]

        def left(x: np.ndarray) -> np.ndarray:  # L⁻ᴴ·X
            return _trsm(low1, x, False, transpose=True, conjugate=True)

        def right(x: np.ndarray) -> np.ndarray:  # X·U⁻ᴴ = (U⁻¹·Xᴴ)ᴴ
            return _mH(_trsm(up1, _mH(x), True))

        if n > k:  # U₂ = L⁻¹Pᵀ·A₂ also moves with L
            g_low1 = g_low1 - np.tril(left(g_up[..., :, k:] @ _mH(up[..., :, k:])), -1)
        if m > k:  # L₂ = (PᵀA)₂·U⁻¹ also moves with U
            g_up1 = g_up1 - np.triu(right(_mH(low[..., k:, :]) @ g_low[..., k:, :]))
        inner = np.tril(_mH(low1) @ g_low1, -1) + np.triu(g_up1 @ _mH(up1))
        square = right(left(inner))
        if n > k:
            square = np.concatenate([square, left(g_up[..., :, k:])], axis=-1)
        if m > k:
            square = np.concatenate([square, right(g_low[..., k:, :])], axis=-2)
        return (_apply_p(self.perm, square),)


def lu(
    A: Any, pivot: bool = True, get_infos: bool = False, out: Any = None
) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, Tensor]:
    """(LU, pivots[, infos]) of P·A = L·U (module doc): torch.lu, the deprecated spelling of
    torch.linalg.lu_factor(_ex). Differentiable in A; pivots and infos are int32."""
    a = _as_tensor(A)
    if a.dtype.kind not in "fc":
        raise refuse("lu_cpu", _TORCH_NAMES.get(a.dtype.kind, a.dtype))
    check_matrices("linalg.lu_factor", a, square=False)
    if not pivot:
        raise ValueRangeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    op = LuFactor()
    packed = op(a)
    pivots = Tensor(op.pivots)
    return (packed, pivots, Tensor(op.infos)) if get_infos else (packed, pivots)


def _check_pivots(name: str, lu_data: Tensor, lu_pivots: Tensor) -> None:
    if lu_pivots.dtype != np.int32:
        raise DTypeError(
            f"{name}: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype. "
            f"Note: this function is intended to be used with the output produced by "
            f"torch.linalg.lu_factor, got {lu_pivots.dtype}"
        )
    k = min(lu_data.shape[-2:])
    if lu_pivots.shape != (*lu_data.shape[:-2], k):
        raise ShapeError(
            f"{name}: expected LU_pivots of shape {(*tuple(lu_data.shape[:-2]), k)}, got "
            f"{tuple(lu_pivots.shape)}"
        )


class LuSolve(Function):
    """X = U⁻¹·L⁻¹·Pᵀ·B;   with H = U⁻ᴴḠ: ∂L/∂B = P·L⁻ᴴ·H, and on the packed factors
    ∂L/∂U = −triu(H·Xᴴ), ∂L/∂L = −tril₋₁(L⁻ᴴ·H·(UX)ᴴ)."""

    saved_inputs = ()

    def __init__(self, perm: np.ndarray) -> None:
        self.perm = perm

    def forward(self, b, lu_data):
        self.low, self.up = _unpack(lu_data)
        rows = np.broadcast_to(self.perm[..., None], (*self.perm.shape, b.shape[-1]))
        batch = np.broadcast_shapes(b.shape[:-2], rows.shape[:-2])
        permuted = np.take_along_axis(
            np.broadcast_to(b, batch + b.shape[-2:]), np.broadcast_to(rows, batch + rows.shape[-2:]), axis=-2
        )
        self.x = _trsm(self.up, _trsm(self.low, permuted, False), True)  # LAPACK's getrs
        return self.x

    def backward(self, g):
        h = _trsm(self.up, g, True, transpose=True, conjugate=True)
        y = _trsm(self.low, h, False, transpose=True, conjugate=True)  # L⁻ᴴ·H
        grad_b = None
        if self.needs_grad(0):
            grad_b = _apply_p(np.broadcast_to(self.perm, y.shape[:-2] + self.perm.shape[-1:]), y)
        grad_lu = None
        if self.needs_grad(1):
            grad_lu = -np.triu(h @ _mH(self.x)) - np.tril(y @ _mH(self.up @ self.x), -1)
        return self.to_inputs(grad_b, grad_lu)


def lu_solve(input: Any, LU_data: Any, LU_pivots: Any) -> Tensor:
    """The solution X of A·X = B from lu(A)'s (LU_data, LU_pivots); input is B (*, n, k), batches
    broadcast. Differentiable in B and in LU_data."""
    b, lu_data, pivots = _as_tensor(input), _as_tensor(LU_data), _as_tensor(LU_pivots)
    _check_system("linalg.lu_solve", b, lu_data)
    _check_pivots("linalg.lu_solve", lu_data, pivots)
    return LuSolve(_rows_from_pivots(pivots.data, lu_data.shape[-1]))(b, lu_data)


def lu_unpack(
    LU_data: Any, LU_pivots: Any, unpack_data: bool = True, unpack_pivots: bool = True
) -> LuUnpackResult:
    """(P, L, U) with A = P·L·U from lu(A)'s packed factors; an output not unpacked is an empty
    tensor, as in PyTorch. L and U are differentiable in LU_data."""
    from .ops_diagonal import tril, triu
    from .ops_index import getitem

    lu_data, pivots = _as_tensor(LU_data), _as_tensor(LU_pivots)
    _matrices("lu_unpack", lu_data, "LU_data")
    m, n = lu_data.shape[-2:]
    k = min(m, n)
    empty = Tensor(np.empty(0, dtype=lu_data.dtype))
    if unpack_data:
        i = np.arange(k)
        ones = np.zeros((*lu_data.shape[:-2], m, k), dtype=lu_data.dtype)
        ones[..., i, i] = 1
        low = tril(getitem(lu_data, (Ellipsis, slice(None), slice(0, k))), -1) + Tensor(ones)
        up = triu(getitem(lu_data, (Ellipsis, slice(0, k), slice(None))))
    else:
        low = up = empty
    if unpack_pivots:
        _check_pivots("lu_unpack", lu_data, pivots)
        perm = _rows_from_pivots(pivots.data, m)
        eye = np.broadcast_to(np.eye(m, dtype=lu_data.dtype), (*perm.shape[:-1], m, m))
        p = Tensor(_apply_p(perm, np.ascontiguousarray(eye)))
    else:
        p = empty
    return LuUnpackResult(p, low, up)
