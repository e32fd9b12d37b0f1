"""Matrix decompositions with their gradients written out: the singular value decomposition, the
symmetric eigendecomposition, QR, Cholesky, the sign and log of the determinant, the pseudo-inverse,
the matrix exponential; and the cross product. deepstep.linalg exports them under torch.linalg's
names and conventions; ops_matrix gives the torch.* spellings.

A decomposition returns several matrices. Its Function packs them side by side in one array (each
flattened over its matrix dims), and each is handed out as a view of that array, so one backward
receives the gradients of all of them at once, zeros for those the loss did not use (which the
formulas then skip, as PyTorch skips an undefined gradient). The formulas are the classical ones
(M. Giles, "An extended collection of matrix derivative results", 2008); those of the SVD and of
eigh divide by σⱼ² − σᵢ² and λⱼ − λᵢ, so, as in PyTorch, the gradient through the singular vectors
or eigenvectors is finite only where the singular values or eigenvalues are distinct.

Complex matrices: the values of every decomposition are computed (the singular values and eigenvalues
are real, as in PyTorch); the gradients of det, inv, solve, slogdet's logabsdet, pinv, matrix_exp,
the singular values and the eigenvalues follow PyTorch's convention for them, while those
through the singular vectors, eigenvectors, QR and Cholesky factors are written for real matrices
only: their backward refuses complex ones rather than return a wrong gradient.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeError, DTypeNotImplementedError, ShapeError
from .function import Function
from .ops_index import getitem
from .ops_shape import _as_tensor, reshape
from .tensor import Tensor

__all__: list[str] = []  # exported by deepstep.linalg and ops_matrix under PyTorch's names


class LinAlgError(np.linalg.LinAlgError, RuntimeError):
    """A matrix the algorithm cannot handle (singular for inv and solve, not positive-definite for
    cholesky): torch.linalg.LinAlgError, a RuntimeError, and NumPy's LinAlgError."""


class SvdResult(NamedTuple):
    """torch.linalg.svd's result: A = U·diag(S)·Vh."""

    U: Tensor
    S: Tensor
    Vh: Tensor


class EighResult(NamedTuple):
    """torch.linalg.eigh's result: A = eigenvectors·diag(eigenvalues)·eigenvectorsᵀ."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class QrResult(NamedTuple):
    """torch.linalg.qr's (and torch.qr's) result: A = Q·R."""

    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    """torch.linalg.slogdet's result: det A = sign·exp(logabsdet)."""

    sign: Tensor
    logabsdet: Tensor


def check_matrices(name: str, a: Tensor, square: bool = True) -> None:
    """PyTorch's checks on batches of matrices: float, at least 2-D, square where asked."""
    if a.dtype.kind not in "fc":
        raise DTypeError(f"{name}: Expected a floating point or complex tensor as input. Got {a.dtype}")
    if a.ndim < 2:
        raise ShapeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} "
            "matrices"
        )


def _mT(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _mH(x: np.ndarray) -> np.ndarray:
    """The conjugate transpose of the last two dims (the transpose, a view, for real x)."""
    return np.conj(_mT(x)) if x.dtype.kind == "c" else _mT(x)


def _real_matrices_only(op: Function, x: np.ndarray) -> None:
    """In a backward whose formula is written for real matrices (x is one of them): refuse complex."""
    if x.dtype.kind == "c":
        raise DTypeNotImplementedError(
            f"the derivative of {op.op_name} for complex matrices is not implemented in deepstep (its "
            "formula here is for real ones); differentiate through real and imaginary parts instead"
        )


def _skew(x: np.ndarray) -> np.ndarray:
    return x - _mT(x)


def _gaps(values: np.ndarray) -> np.ndarray:
    """E[i, j] = values[j] − values[i], with 1 on the diagonal (where the formulas have no term)."""
    gaps = values[..., None, :] - values[..., :, None]
    i = np.arange(values.shape[-1])
    gaps[..., i, i] = 1
    return gaps


def _solve_right(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """X·R⁻ᵀ (the solution Y of Y·Rᵀ = X), for square invertible R."""
    return _mT(np.linalg.solve(r, _mT(x)))


# ----- the packing of several outputs in one ------------------------------------------------------
class Decomposition(Function):
    """A = the product of several factors; forward packs them in one array, backward unpacks their
    gradients (None for a factor the loss did not use) and hands them to `gradient`."""

    saved_inputs = ()
    op_name = "a decomposition"
    #: the factors that are real for a complex matrix too (singular values, eigenvalues)
    real_factors: tuple[int, ...] = ()

    def factor(self, a: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    def gradient(self, *grads: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def forward(self, a):
        batch = a.shape[:-2]
        parts = self.factor(a)
        self.shapes = [p.shape for p in parts]
        self.sizes = [math.prod(p.shape[len(batch) :]) for p in parts]
        return np.concatenate([p.reshape(*batch, n) for p, n in zip(parts, self.sizes, strict=True)], axis=-1)

    def backward(self, g):
        pieces = np.split(g, np.cumsum(self.sizes)[:-1], axis=-1)
        grads = [p.reshape(shape) if p.any() else None for p, shape in zip(pieces, self.shapes, strict=True)]
        if all(x is None for x in grads):
            return (np.zeros(self.input_shape, dtype=g.dtype),)
        return (self.gradient(*grads),)

    def outputs(self, a: Tensor) -> list[Tensor]:
        """Run on a: each factor as a view of the packed result."""
        self.input_shape = a.shape
        packed = self(a)
        out, start = [], 0
        for i, (shape, n) in enumerate(zip(self.shapes, self.sizes, strict=True)):
            part = reshape(getitem(packed, (Ellipsis, slice(start, start + n))), shape)
            out.append(part.real if i in self.real_factors else part)
            start += n
        return out


class Svd(Decomposition):
    """A = U·diag(σ)·Vh, σ descending;  with k = min(m, n), Fᵢⱼ = 1/(σⱼ² − σᵢ²) and sk(X) = X − Xᵀ:
    ∂L/∂A = U·[F∘sk(UᵀḠ_U)·diag σ + diag σ·F∘sk(Vh·Ḡ_Vhᵀ) + diag ḡ_σ]·Vh
            + (I − UUᵀ)·Ḡ_U·diag(1/σ)·Vh  (m > k)  or  U·diag(1/σ)·Ḡ_Vh·(I − VhᵀVh)  (n > k).
    With full_matrices the columns beyond k get no gradient (they are not unique)."""

    op_name = "linalg.svd"
    real_factors = (1,)

    def __init__(self, full_matrices: bool) -> None:
        self.full_matrices = full_matrices

    def factor(self, a):
        self.u, self.s, self.vh = np.linalg.svd(a, full_matrices=self.full_matrices)
        return [self.u, self.s, self.vh]

    def gradient(self, gu, gs, gvh):
        k = self.s.shape[-1]
        u, s, vh = self.u[..., :k], self.s, self.vh[..., :k, :]
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
        if gu is None and gvh is None:  # the singular values alone: ∂σᵢ/∂A = uᵢvᵢᵀ (uᵢvᵢᴴ if complex)
            return (u * gs[..., None, :]) @ vh
        _real_matrices_only(self, u)
        inner = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            if gu is not None:
                inner = _skew(_mT(u) @ gu) * s[..., None, :]
            if gvh is not None:
                inner = inner + s[..., :, None] * _skew(vh @ _mT(gvh))
            inner = inner / _gaps(s * s)
            if gs is not None:
                inner = inner + gs[..., None] * np.eye(k, dtype=s.dtype)
            m, n = u.shape[-2], vh.shape[-1]
            if m > k and gu is not None:
                outside = (gu - u @ (_mT(u) @ gu)) / s[..., None, :]
                return (u @ inner + outside) @ vh
            if n > k and gvh is not None:
                outside = (gvh - (gvh @ _mT(vh)) @ vh) / s[..., :, None]
                return u @ (inner @ vh + outside)
            return u @ inner @ vh


class Eigh(Decomposition):
    """A = V·diag(λ)·Vᵀ for symmetric A (read from one triangle), λ ascending;
    ∂L/∂A = V·[diag ḡ_λ + ½ sk(VᵀḠ_V) / E]·Vᵀ with Eᵢⱼ = λⱼ − λᵢ (symmetric, as PyTorch's)."""

    op_name = "linalg.eigh"
    real_factors = (0,)

    def __init__(self, uplo: str, vectors: bool = True) -> None:
        self.uplo, self.vectors = uplo, vectors

    def factor(self, a):
        self.values, self.v = np.linalg.eigh(a, UPLO=self.uplo)
        return [self.values, self.v] if self.vectors else [self.values]

    def gradient(self, gl, gv=None):
        v = self.v
        inner = 0
        if gv is not None:
            _real_matrices_only(self, v)
            with np.errstate(divide="ignore", invalid="ignore"):
                inner = 0.5 * _skew(_mT(v) @ gv) / _gaps(self.values)
        if gl is not None:
            inner = inner + gl[..., None] * np.eye(v.shape[-1], dtype=v.dtype)
        return v @ inner @ _mH(v)


class Qr(Decomposition):
    """A = Q·R, Q with orthonormal columns, R upper triangular. For m ≥ n (C = QᵀḠ_Q, P = Ḡ_R·Rᵀ):
    ∂L/∂A = [Ḡ_Q + Q·(P + tril(C − Cᵀ − P + Pᵀ, −1) − C)]·R⁻ᵀ. For m < n, A = [X Y] with X square:
    X gets that formula with Ḡ_Q + Y·Ḡ_R₂ᵀ, and Y gets Q·Ḡ_R₂ (R₂ = QᵀY)."""

    op_name = "linalg.qr"

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def factor(self, a):
        if self.mode == "r":
            self.r = np.linalg.qr(a, mode="r")
            return [self.r]
        self.q, self.r = np.linalg.qr(a, mode=self.mode)
        return [self.q, self.r]

    def gradient(self, *grads):
        if self.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        q, r = self.q, self.r
        _real_matrices_only(self, q)
        m, n = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            )
        gq, gr = (np.zeros_like(x) if g is None else g for g, x in zip(grads, (q, r), strict=True))
        if m >= n:
            return self._square_or_tall(q, r, gq, gr)
        y = q @ r[..., m:]  # R₂ = QᵀY, so Y = Q·R₂
        gx = self._square_or_tall(q, r[..., :m], gq + y @ _mT(gr[..., m:]), gr[..., :m])
        return np.concatenate([gx, q @ gr[..., m:]], axis=-1)

    @staticmethod
    def _square_or_tall(q, r, gq, gr):
        c, p = _mT(q) @ gq, gr @ _mT(r)
        inner = p + np.tril(c - _mT(c) - p + _mT(p), -1) - c
        return _solve_right(gq + q @ inner, r)


class Cholesky(Function):
    """A = L·Lᵀ, L lower triangular (A read from its lower triangle);
    ∂L/∂A = ½(S + Sᵀ) with S = L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹, Φ(X) = the lower triangle of X with its diagonal halved.
    upper=True returns U = Lᵀ, read from A's upper triangle (the lower one of Aᵀ)."""

    saved_inputs = ()
    saves_output = True
    op_name = "linalg.cholesky"

    def __init__(self, upper: bool) -> None:
        self.upper = upper

    def forward(self, a):
        self.l = np.linalg.cholesky(_mT(a) if self.upper else a)
        return _mT(self.l) if self.upper else self.l

    def backward(self, g):
        _real_matrices_only(self, self.l)
        low, g = self.l, _mT(g) if self.upper else g
        phi = np.tril(_mT(low) @ g)
        i = np.arange(low.shape[-1])
        phi[..., i, i] *= 0.5
        left = np.linalg.solve(_mT(low), phi)  # L⁻ᵀ·Φ
        s = _mT(np.linalg.solve(_mT(low), _mT(left)))  # L⁻ᵀ·Φ·L⁻¹ = (L⁻ᵀ·(L⁻ᵀΦ)ᵀ)ᵀ
        return (0.5 * (s + _mT(s)),)

    def explain(self, error, arrays):
        if isinstance(error, np.linalg.LinAlgError):
            return LinAlgError(
                "linalg.cholesky: The factorization could not be completed because the input is not "
                "positive-definite."
            )
        return error


class Slogdet(Function):
    """z = ln |det A| (the sign of det A is kept aside, not differentiable);   ∂z/∂A = A⁻ᵀ, and for
    complex A (z real, not holomorphic) ∂L/∂A = ∂L/∂z·A⁻ᴴ."""

    def forward(self, a):
        self.a = a
        self.sign, logabsdet = np.linalg.slogdet(a)
        return logabsdet

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                inverse = np.linalg.inv(self.a)
            except np.linalg.LinAlgError:  # a singular A: ±inf, as PyTorch's
                u, s, vh = np.linalg.svd(self.a)
                inverse = _mH(vh) @ (_mH(u) / s[..., :, None])
        return (g[..., None, None] * _mH(inverse),)


class Pinv(Function):
    """Z = A⁺, from the SVD (the eigendecomposition when hermitian), singular values below the cutoff
    taken as 0;  ∂L/∂A = −Zᵀ·Ḡ·Zᵀ + (I − A·Z)·Ḡᵀ·Z·Zᵀ + Zᵀ·Z·Ḡᵀ·(I − Z·A) (Golub and Pereyra), each
    ᵀ a conjugate transpose ᴴ for complex A."""

    saves_output = True

    def __init__(self, atol: Any, rtol: Any, hermitian: bool) -> None:
        self.atol, self.rtol, self.hermitian = atol, rtol, hermitian

    def forward(self, a):
        self.a = a
        if self.hermitian:
            values, v = np.linalg.eigh(a)
            s, left, right = np.abs(values), v * np.sign(values)[..., None, :], _mH(v)
        else:
            left, s, right = np.linalg.svd(a, full_matrices=False)
        largest = s.max(axis=-1, keepdims=True, initial=0)
        cutoff = np.maximum(self.atol, self.rtol * largest)
        with np.errstate(divide="ignore"):
            inverse = np.where(s > cutoff, 1 / s, 0).astype(a.dtype)
        self.z = _mH(right) @ (inverse[..., :, None] * _mH(left))
        return self.z

    def backward(self, g):
        a, z = self.a, self.z
        gt, zt = _mH(g), _mH(z)
        grad = -zt @ g @ zt
        grad += (gt - a @ (z @ gt)) @ (z @ zt)
        grad += (zt @ z) @ (gt - (gt @ z) @ a)
        return (grad,)


# ----- the functions, with torch.linalg's conventions -------------------------------------------------
def svd(A: Any, full_matrices: bool = True) -> SvdResult:
    """(U, S, Vh) with A = U·diag(S)·Vh, S descending; full_matrices=False keeps k = min(m, n) columns."""
    a = _as_tensor(A)
    check_matrices("linalg.svd", a, square=False)
    return SvdResult(*Svd(bool(full_matrices)).outputs(a))


def eigh(A: Any, UPLO: str = "L") -> EighResult:
    """(eigenvalues, eigenvectors) of symmetric matrices, the eigenvalues ascending; only the triangle
    UPLO ('L' or 'U') is read."""
    a = _check_uplo("linalg.eigh", A, UPLO)
    return EighResult(*Eigh(UPLO).outputs(a))


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric matrices, ascending (only the triangle UPLO is read)."""
    a = _check_uplo("linalg.eigvalsh", A, UPLO)
    return Eigh(UPLO, vectors=False).outputs(a)[0]


def _check_uplo(name: str, A: Any, uplo: str) -> Tensor:
    a = _as_tensor(A)
    check_matrices(name, a)
    if uplo not in ("L", "U", "l", "u"):
        raise ShapeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return a


def qr(A: Any, mode: str = "reduced") -> QrResult:
    """(Q, R) with A = Q·R: 'reduced' Q is m×k (k = min(m, n)), 'complete' Q is m×m, 'r' returns an
    empty Q and R alone."""
    a = _as_tensor(A)
    check_matrices("linalg.qr", a, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise ShapeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
            "'complete'"
        )
    parts = Qr(mode).outputs(a)
    if mode == "r":
        return QrResult(Tensor(np.zeros(0, dtype=a.dtype)), parts[0])
    return QrResult(*parts)


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """L with A = L·Lᵀ for symmetric positive-definite A (U = Lᵀ with upper=True); LinAlgError if A
    is not positive-definite."""
    a = _as_tensor(A)
    check_matrices("linalg.cholesky", a)
    return Cholesky(bool(upper))(a)


def slogdet(A: Any) -> SlogdetResult:
    """(sign, logabsdet) with det A = sign·exp(logabsdet): the log-determinant without overflow."""
    a = _as_tensor(A)
    check_matrices("linalg.slogdet", a)
    op = Slogdet()
    logabsdet = op(a)
    return SlogdetResult(Tensor(op.sign.astype(a.dtype, copy=False)), logabsdet)


def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore–Penrose pseudo-inverse; singular values below max(atol, rtol·σ_max) count as 0 (rtol
    defaults to ε·max(m, n) when atol is not given, to 0 when it is)."""
    a = _as_tensor(A)
    check_matrices("linalg.pinv", a, square=hermitian)
    atol_value = 0.0 if atol is None else _batch_value(atol)
    if rtol is None:
        rtol = np.finfo(a.dtype).eps * max(a.shape[-2:]) if atol is None or np.all(atol_value == 0) else 0.0
    return Pinv(atol_value, _batch_value(rtol), bool(hermitian))(a)


def _batch_value(x: Any) -> Any:
    """A tolerance: a number, or a tensor with one value per matrix (kept against the σ's last dim)."""
    x = x.data if isinstance(x, Tensor) else np.asarray(x)
    return x[..., None] if x.ndim else x
