"""deepstep.linalg, PyTorch's torch.linalg: norms of vectors and matrices, singular values,
determinants, inverses and linear systems, each differentiable; the decompositions (svd, eigh, qr,
cholesky, slogdet, pinv) come from autograd/ops_decomp, matrix_exp and cross from ops_matrix_functions.

The matrix norms are compositions: the Frobenius norm is the 2-norm of all entries, the 1- and
∞-norms are the largest column and row sums of |A|, the spectral and nuclear norms come from the
singular values, whose gradient is one line (∂σᵢ/∂A = uᵢvᵢᵀ). A singular matrix given to inv or
solve raises `LinAlgError`, a RuntimeError as in PyTorch (and NumPy's LinAlgError).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .autograd.dims import normalize_dim
from .autograd.function import Function
from .autograd.ops_decomp import LinAlgError, cholesky, eigh, eigvalsh, pinv, qr, slogdet, svd
from .autograd.ops_elementwise import matmul
from .autograd.ops_linalg import _same_dtype, einsum, matrix_power
from .autograd.ops_linalg import diagonal as _diagonal
from .autograd.ops_matrix_functions import cross, matrix_exp
from .autograd.ops_shape import _as_tensor, _distinct_dims, cast, expand, movedim, select, squeeze, unsqueeze
from .autograd.tensor import Tensor
from .errors import DTypeError, ShapeError

__all__ = [
    "LinAlgError",
    "cholesky",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
]


def _matrices(name: str, a: Tensor, square: bool = True) -> None:
    """PyTorch's checks on batches of matrices: float, at least 2-D, square where asked."""
    if a.dtype.kind not in "fc":
        raise DTypeError(
            f"linalg.{name}: Expected a floating point or complex tensor as input. Got {a.dtype}"
        )
    if a.ndim < 2:
        raise ShapeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"linalg.{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )


def _singular(name: str) -> LinAlgError:
    return LinAlgError(f"linalg.{name}: the input matrix is singular, so it has no inverse")


class Svdvals(Function):
    """σ = the singular values of A = U·diag(σ)·Vᵀ, largest first;   ∂L/∂A = U·diag(∂L/∂σ)·Vᵀ."""

    saved_inputs = ()

    def forward(self, a):
        self.u, s, self.vh = np.linalg.svd(a, full_matrices=False)
        return s

    def backward(self, g):
        return ((self.u * g[..., None, :]) @ self.vh,)


class Det(Function):
    """det A;   ∂det A/∂A = the cofactor matrix det(A)·A⁻ᵀ, computed from A = U·diag(σ)·Vᵀ as
    det(U)·det(V)·U·diag(∏_{j≠i} σⱼ)·Vᵀ, which stays finite (and right) for a singular A (for complex
    A = U·diag(σ)·Vᴴ: det(U)·det(Vᴴ)·Ū·diag(∏_{j≠i} σⱼ)·V̄ᴴ)."""

    holomorphic = True

    def forward(self, a):
        self.a = a
        return np.linalg.det(a)

    def backward(self, g):
        if self.a.shape[-1] == 0:
            return (np.zeros_like(self.a),)
        u, s, vh = np.linalg.svd(self.a)
        ones = np.ones_like(s[..., :1])
        before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)  # σ₀…σᵢ₋₁
        after = np.flip(np.cumprod(np.concatenate([ones, np.flip(s[..., 1:], -1)], axis=-1), axis=-1), -1)
        sign = np.linalg.det(u) * np.linalg.det(vh)
        if u.dtype.kind == "c":  # A = U·Σ·Vᴴ gives A⁻ᵀ = Ū·Σ⁻¹·V̄ᴴ: the cofactors of complex A use Ū, V̄ᴴ
            u, vh = np.conj(u), np.conj(vh)
        cofactor = (u * (before * after)[..., None, :]) @ vh
        return ((g * sign)[..., None, None] * cofactor,)


class Inv(Function):
    """Z = A⁻¹;   ∂L/∂A = −Zᵀ·(∂L/∂Z)·Zᵀ."""

    holomorphic = True
    saved_inputs = ()
    saves_output = True

    def forward(self, a):
        self.z = np.linalg.inv(a)
        return self.z

    def backward(self, g):
        zt = np.swapaxes(self.z, -1, -2)
        return (-(zt @ g @ zt),)

    def explain(self, error, arrays):
        return _singular("inv") if isinstance(error, np.linalg.LinAlgError) else error


class Solve(Function):
    """X = A⁻¹B, the solution of A·X = B;   ∂L/∂B = A⁻ᵀ·(∂L/∂X), ∂L/∂A = −(∂L/∂B)·Xᵀ."""

    holomorphic = True
    saved_inputs = (0,)
    saves_output = True

    def forward(self, a, b):
        self.a = a
        self.x = np.linalg.solve(a, b)
        return self.x

    def backward(self, g):
        grad_b = np.linalg.solve(np.swapaxes(self.a, -1, -2), g)
        grad_a = -grad_b @ np.swapaxes(self.x, -1, -2) if self.needs_grad(0) else None
        return self.to_inputs(grad_a, grad_b if self.needs_grad(1) else None)

    def explain(self, error, arrays):
        return _singular("solve") if isinstance(error, np.linalg.LinAlgError) else error


# ----- vector norms --------------------------------------------------------------------------------------
class VectorNorm(Function):
    """‖x‖ₚ = (Σᵢ |xᵢ|ᵖ)^(1/p) over dims (max |xᵢ| for p = ∞, min for −∞, the number of nonzeros for p = 0);
    ∂‖x‖ₚ/∂xᵢ = sgn(xᵢ)·(|xᵢ| / ‖x‖ₚ)^(p−1): x/‖x‖ for p = 2, sgn x for p = 1, the extreme entries
    sharing it for ±∞; 0 where ‖x‖ = 0 (PyTorch's subgradient) and, for p < 1, where xᵢ = 0."""

    saves_output = True

    def __init__(self, ord: float, dims: tuple[int, ...], keepdim: bool) -> None:  # noqa: A002
        self.ord, self.dims, self.keepdim = float(ord), dims, keepdim

    def forward(self, x):
        p, dims = self.ord, self.dims
        self.x = x
        magnitude = np.abs(x)
        if p == math.inf:
            norm = magnitude.max(axis=dims, keepdims=True)
        elif p == -math.inf:
            norm = magnitude.min(axis=dims, keepdims=True)
        elif p == 0:
            norm = (x != 0).sum(axis=dims, keepdims=True).astype(magnitude.dtype)
        elif p == 1:
            norm = magnitude.sum(axis=dims, keepdims=True)
        elif p == 2:
            norm = np.sqrt((magnitude * magnitude).sum(axis=dims, keepdims=True))  # |x|² = x² for reals
        else:
            with np.errstate(divide="ignore"):  # p < 0: a zero entry makes Σ|xᵢ|ᵖ = ∞ and the norm 0
                norm = ((magnitude**p).sum(axis=dims, keepdims=True)) ** (1 / p)
        self.norm = norm
        return norm if self.keepdim else norm.reshape([n for i, n in enumerate(norm.shape) if i not in dims])

    def backward(self, g):
        p, x, norm = self.ord, self.x, self.norm
        g = g.reshape(norm.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                grad = x * np.where(norm == 0, 0, g / norm)
            elif p == 1:
                grad = np.sign(x) * g
            elif math.isinf(p):
                extreme = np.abs(x) == norm
                grad = np.sign(x) * extreme * (g / extreme.sum(axis=self.dims, keepdims=True))
            elif p == 0:
                grad = np.zeros_like(x)
            else:
                ratio = np.abs(x) / norm
                grad = np.where((x == 0) | (norm == 0), 0, np.sign(x) * ratio ** (p - 1) * g)
        return (grad.astype(x.dtype, copy=False),)


def vector_norm(
    x: Any,
    ord: float = 2,  # noqa: A002 (PyTorch's name)
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.vector_norm: the p-norm over dim (all dims when None) of a float tensor."""
    x = _as_tensor(x)
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not str ({ord!r})")
    if x.dtype.kind not in "fc":
        raise DTypeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {x.dtype}"
        )
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise DTypeError(
                f"linalg.vector_norm: dtype should be floating point or complex, but got {dtype}"
            )
        if dtype.itemsize < x.dtype.itemsize:
            raise DTypeError(
                f"linalg.vector_norm: the dtype of the input ({x.dtype}) should be convertible without "
                f"narrowing to the specified dtype ({dtype})"
            )
        x = cast(x, dtype)
    if dim is None:
        dims = tuple(range(x.ndim))
    else:
        dims = _distinct_dims((dim,) if isinstance(dim, (int, np.integer)) else tuple(dim), x.ndim)
        dims = dims if x.ndim else ()
    for d in dims:
        if (ord < 0 or math.isinf(ord)) and x.shape[d] == 0:
            raise ShapeError(
                f"linalg.vector_norm cannot compute the {ord} norm on the dimension {d} because this "
                "dimension is empty and the operation does not have an identity"
            )
    return VectorNorm(ord, dims, keepdim)(x)


# ----- the public functions -----------------------------------------------------------------------
def svdvals(A: Any) -> Tensor:
    """The singular values of (a batch of) matrices, in descending order."""
    a = _as_tensor(A)
    _matrices("svdvals", a, square=False)
    return Svdvals()(a)


def det(A: Any) -> Tensor:
    """The determinant of (a batch of) square matrices."""
    a = _as_tensor(A)
    _matrices("det", a)
    return Det()(a)


def inv(A: Any) -> Tensor:
    """The inverse of (a batch of) square matrices; LinAlgError if one is singular."""
    a = _as_tensor(A)
    _matrices("inv", a)
    return Inv()(a)


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """X with A·X = B (X·A = B when left=False). B is a batch of vectors when it is 1-D or has the
    shape of A without its last dim; otherwise a batch of matrices. Batch dims broadcast."""
    a, b = _as_tensor(A), _as_tensor(B)
    _matrices("solve", a)
    _same_dtype("linalg.solve", a, b)
    if not left:  # X·A = B  ⇔  Aᵀ·Xᵀ = Bᵀ
        return movedim(solve(movedim(a, -1, -2), movedim(b, -1, -2)), -1, -2)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector:
        b = unsqueeze(b, -1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ShapeError(
            "linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({_text(a.shape)} and {_text(b.shape)})"
        )
    x = Solve()(a, b)
    return squeeze(x, -1) if vector else x


def _text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def matrix_norm(
    A: Any,
    ord: float | str = "fro",  # noqa: A002 (PyTorch's name)
    dim: Sequence[int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.matrix_norm: 'fro' (√Σ aᵢⱼ²), 'nuc' (Σ σᵢ), 2 and −2 (largest and smallest
    singular value), 1 and −1 (largest and smallest Σᵢ|aᵢⱼ| over columns), inf and −inf (the same
    over rows), of the matrices spanned by the two dims."""
    a = _as_tensor(A)
    _matrices("matrix_norm", a, square=False)
    dim = tuple(dim)
    if len(dim) != 2:
        raise ShapeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = normalize_dim(dim[0], a.ndim), normalize_dim(dim[1], a.ndim)
    if d0 == d1:
        raise ShapeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord not in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
        raise ShapeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        a = cast(a, dtype)
    if ord == "fro" or a.shape[d0] == 0 or a.shape[d1] == 0:  # every norm of an empty matrix is 0
        return vector_norm(a, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(movedim(a, (d0, d1), (-2, -1)))
        out = einsum("...i->...", s) if ord == "nuc" else select(s, -1, 0 if ord == 2 else -1)
        return unsqueeze(unsqueeze(out, min(d0, d1)), max(d0, d1)) if keepdim else out
    # 1: the largest column sum (summing over d0); inf: the largest row sum (summing over d1)
    summed, compared = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = vector_norm(a, 1, summed, keepdim=True)
    out = vector_norm(sums, math.copysign(math.inf, ord), compared, keepdim=True)
    return out if keepdim else squeeze(out, (d0, d1))


def norm(
    A: Any,
    ord: float | str | None = None,  # noqa: A002 (PyTorch's name)
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.norm: a vector norm over one dim, a matrix norm over two; with neither ord nor
    dim the 2-norm of all entries, with ord alone a vector norm of a 1-D input or a matrix norm of
    a 2-D one."""
    a = _as_tensor(A)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(a, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(a, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise ShapeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(a, 2, None, keepdim, dtype=dtype)
    if a.ndim == 2 or isinstance(ord, str):
        return matrix_norm(a, ord, (-2, -1), keepdim, dtype=dtype)
    if a.ndim != 1:
        raise ShapeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {a.ndim}D."
        )
    return vector_norm(a, ord, None, keepdim, dtype=dtype)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """Σ over dim of x̄·y, the other dims broadcast (the dot product of batches of vectors; x is
    conjugated when complex)."""
    x, y = _as_tensor(x), _as_tensor(y)
    _same_dtype("linalg.vecdot", x, y)
    shape = np.broadcast_shapes(x.shape, y.shape)
    d = normalize_dim(dim, len(shape))
    return einsum("...i,...i->...", movedim(expand(x.conj(), shape), d, -1), movedim(expand(y, shape), d, -1))


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """A₁·A₂·…·Aₙ; the first may be a vector (a row) and the last a vector (a column)."""
    tensors = [_as_tensor(x) for x in tensors]
    if len(tensors) < 2:
        raise ShapeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, x in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if x.ndim not in allowed:
            raise ShapeError(
                f"multi_dot(): tensor {i} must be {' or '.join(f'{n}D' for n in allowed)} but got {x.ndim}D"
            )
    _same_dtype("multi_dot", *tensors)
    out = tensors[0]
    for x in tensors[1:]:
        if out.shape[-1] != x.shape[0]:
            raise ShapeError(f"multi_dot(): tensors cannot be multiplied, shapes {out.shape} and {x.shape}")
        out = matmul(out, x)
    return out


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: the diagonal of the last two dims by default (a view)."""
    return _diagonal(A, offset, dim1, dim2)
