"""torch.*'s spellings of linear algebra: det, inverse, slogdet, logdet, svd (returning V), qr(some=),
cholesky, pinverse, matrix_power, matrix_exp, cross, kron; the scaled products addmv, addr, addbmm and
the in-place addmm_, baddbmm_, addmv_, addr_, addbmm_; chain_matmul, dist, renorm; and the properties
mT, mH, H (transposes of the last two dims, of a matrix).

The decompositions and their gradients are in ops_decomp (and det, inv in deepstep.linalg); what is
here is composed of differentiable ops, so its gradient is theirs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeError, ShapeError
from . import (  # creation: a module, as it is still loading when this one is
    creation,
    ops_decomp,
    ops_matrix_functions,
)
from .dims import normalize_dim
from .dtypes import result_type
from .grad_mode import is_grad_enabled
from .ops_binary import where
from .ops_decomp import QrResult, SlogdetResult
from .ops_elementwise import matmul
from .ops_identity import conj
from .ops_linalg import _scaled_sum, addmm, baddbmm, einsum, mv, outer
from .ops_shape import _as_tensor, reshape, swapdims
from .tensor import Tensor

__all__ = [
    "addbmm",
    "addmv",
    "addr",
    "chain_matmul",
    "cholesky",
    "cross",
    "det",
    "dist",
    "inverse",
    "kron",
    "logdet",
    "matrix_exp",
    "matrix_power",
    "pinverse",
    "qr",
    "renorm",
    "slogdet",
    "svd",
]

TENSOR_METHODS = (
    *(name for name in __all__ if name != "chain_matmul"),
    *("addbmm_", "addmm_", "addmv_", "addr_", "baddbmm_", "renorm_"),
    *("adjoint", "mT", "mH", "H"),
)


class SvdVResult(NamedTuple):
    """torch.svd's result: A = U·diag(S)·Vᵀ (V, not Vh as torch.linalg.svd gives)."""

    U: Tensor
    S: Tensor
    V: Tensor


def _linalg() -> Any:
    from .. import linalg  # deepstep.linalg is built on these modules: imported when first needed

    return linalg


# ----- determinants and inverses ---------------------------------------------------------------------
def det(input: Any) -> Tensor:
    """The determinant of (a batch of) square matrices (torch.det, torch.linalg.det)."""
    return _linalg().det(input)


def inverse(input: Any) -> Tensor:
    """The inverse of (a batch of) square matrices (torch.inverse, torch.linalg.inv)."""
    return _linalg().inv(input)


def slogdet(input: Any) -> SlogdetResult:
    """(sign, logabsdet) with det A = sign·exp(logabsdet)."""
    return ops_decomp.slogdet(input)


def logdet(input: Any) -> Tensor:
    """ln det A: NaN where det A < 0, −inf where it is 0 (torch.logdet); for complex A, the principal
    logarithm of det A (holomorphic, so its gradient is det's and log's)."""
    a = _as_tensor(input)
    if a.dtype.kind == "c":
        return _linalg().det(a).log()
    sign, logabsdet = ops_decomp.slogdet(a)
    return where(sign.data < 0, np.asarray(np.nan, dtype=logabsdet.dtype), logabsdet)


# ----- decompositions, torch.*'s conventions ---------------------------------------------------------
def svd(input: Any, some: bool = True, compute_uv: bool = True) -> SvdVResult:
    """torch.svd: (U, S, V) with A = U·diag(S)·Vᵀ, reduced when `some`; compute_uv=False gives U and V
    as zero matrices (m×m and n×n) and S alone differentiable."""
    a = _as_tensor(input)
    if not compute_uv:
        s = ops_decomp.svd(a, full_matrices=False).S
        batch = a.shape[:-2]
        zeros = [Tensor(np.zeros((*batch, n, n), dtype=a.dtype)) for n in a.shape[-2:]]
        return SvdVResult(zeros[0], s, zeros[1])
    u, s, vh = ops_decomp.svd(a, full_matrices=not some)
    return SvdVResult(u, s, swapdims(vh, -1, -2))


def qr(input: Any, some: bool = True) -> QrResult:
    """torch.qr: (Q, R), reduced when `some`, complete otherwise."""
    return ops_decomp.qr(input, "reduced" if some else "complete")


def cholesky(input: Any, upper: bool = False) -> Tensor:
    """torch.cholesky: L with A = L·Lᵀ (U = Lᵀ with upper=True)."""
    return ops_decomp.cholesky(input, upper=upper)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below rcond·σ_max taken as 0 (torch.pinverse)."""
    return ops_decomp.pinv(input, rtol=rcond)


def matrix_exp(input: Any) -> Tensor:
    """e^A of (a batch of) square matrices."""
    return ops_matrix_functions.matrix_exp(input)


def matrix_power(input: Any, n: int) -> Tensor:
    """Aⁿ by repeated squaring (n = 0: the identity; n < 0: (A⁻¹)^|n|)."""
    a = _as_tensor(input)
    if a.ndim < 2:
        raise ShapeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )
    n = int(n)
    if n == 0:  # the identity, connected to A by a zero gradient as in PyTorch
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return where(np.ones(a.shape, dtype=bool), eye, a)
    if n < 0:
        a, n = inverse(a), -n
    result, square = None, a
    while True:  # the binary digits of n, lowest first: Aⁿ = Π A^(2ᵏ) over the digits that are 1
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if not n:
            return result
        square = matmul(square, square)


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:
    """a × b along dim (torch.cross: without dim, the first dim of size 3, with PyTorch's warning)."""
    a, b = _as_tensor(input), _as_tensor(other)
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated. Please either pass the dim "
            "explicitly or simply use torch.linalg.cross.",
            UserWarning,
            stacklevel=2,
        )
        shape = np.broadcast_shapes(a.shape, b.shape) if a.ndim == b.ndim else a.shape
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ShapeError("no dimension of size 3 in input")
    return ops_matrix_functions.cross(a, b, dim=dim)


def kron(input: Any, other: Any) -> Tensor:
    """The Kronecker product: z[i·K + k, j·L + l, …] = a[i, j, …]·b[k, l, …] (the shorter shape padded
    with leading ones)."""
    a, b = _as_tensor(input), _as_tensor(other)
    ndim = max(a.ndim, b.ndim)
    sa, sb = (1,) * (ndim - a.ndim) + a.shape, (1,) * (ndim - b.ndim) + b.shape
    spread_a = reshape(a, [n for m in sa for n in (m, 1)])
    spread_b = reshape(b, [n for m in sb for n in (1, m)])
    return reshape(spread_a * spread_b, [m * n for m, n in zip(sa, sb, strict=True)])


# ----- scaled products --------------------------------------------------------------------------------
def addmv(input: Any, mat: Any, vec: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """β·input + α·(mat·vec), input broadcast to the product's shape."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """β·input + α·(vec1 ⊗ vec2), input broadcast to the outer product's shape (the dtypes promoted,
    where addmm and addmv ask for one dtype)."""
    c, product = _as_tensor(input), outer(vec1, vec2)
    dtype = result_type(c.data, product.data)
    return _scaled_sum("addr", c.to(dtype), product.to(dtype), beta, alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """β·input + α·Σ_b batch1[b]·batch2[b] (the batch of products summed)."""
    b1, b2 = _as_tensor(batch1), _as_tensor(batch2)
    if b1.ndim != 3 or b2.ndim != 3:
        raise ShapeError(f"batch1 and batch2 must be 3D tensors, got shapes {b1.shape} and {b2.shape}")
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise ShapeError(
            f"addbmm: the batches of shapes {list(b1.shape)} and {list(b2.shape)} cannot be multiplied"
        )
    if b1.dtype != b2.dtype:
        raise DTypeError(
            f"addbmm: expected batch1 and batch2 to have one dtype, got {b1.dtype} and {b2.dtype}"
        )
    return _scaled_sum("addbmm", input, einsum("bij,bjk->ik", b1, b2), beta, alpha)


def chain_matmul(*matrices: Any) -> Tensor:
    """The product of matrices A₁·A₂·…·Aₙ (deprecated in PyTorch for torch.linalg.multi_dot)."""
    if not matrices:
        raise ShapeError("chain_matmul(): Expected one or more matrices")
    for x in matrices:
        if _as_tensor(x).ndim != 2:
            raise ShapeError(f"Tensor dimension is {_as_tensor(x).ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _as_tensor(matrices[0])
    return _linalg().multi_dot(matrices)


# ----- in place: self ← f(self, …) ---------------------------------------------------------------------
def compute_in_place(self: Tensor, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Write compute(self) into self's memory. When the graph is recorded, compute reads a clone:
    the ops it runs may keep their operand for backward, and self is about to be overwritten."""
    source = creation.clone(self) if self.requires_grad and is_grad_enabled() else self
    result = compute(source)
    if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
        raise DTypeError(f"result type {result.dtype} can't be cast to the desired output type {self.dtype}")
    return creation.copy_(self, result)


def addmm_(self: Tensor, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """self ← β·self + α·(mat1·mat2)."""
    return compute_in_place(self, lambda c: addmm(c, mat1, mat2, beta=beta, alpha=alpha))


def baddbmm_(self: Tensor, batch1: Any, batch2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """self ← β·self + α·bmm(batch1, batch2)."""
    return compute_in_place(self, lambda c: baddbmm(c, batch1, batch2, beta=beta, alpha=alpha))


def addmv_(self: Tensor, mat: Any, vec: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """self ← β·self + α·(mat·vec)."""
    return compute_in_place(self, lambda c: addmv(c, mat, vec, beta=beta, alpha=alpha))


def addr_(self: Tensor, vec1: Any, vec2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """self ← β·self + α·(vec1 ⊗ vec2)."""
    return compute_in_place(self, lambda c: addr(c, vec1, vec2, beta=beta, alpha=alpha))


def addbmm_(self: Tensor, batch1: Any, batch2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """self ← β·self + α·Σ_b batch1[b]·batch2[b]."""
    return compute_in_place(self, lambda c: addbmm(c, batch1, batch2, beta=beta, alpha=alpha))


# ----- distances and norms -------------------------------------------------------------------------------
def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """‖input − other‖ₚ over all elements (broadcast first)."""
    difference = _as_tensor(input) - _as_tensor(other)
    if difference.dtype.kind not in "fc":
        raise DTypeError(
            f"norm(): input dtype should be either floating point or complex. Got {difference.dtype} instead."
        )
    return _linalg().vector_norm(difference, p)


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm:
    z = x·maxnorm/(‖x‖ₚ + 10⁻⁷) there, x elsewhere (PyTorch's formula, its 10⁻⁷ included)."""
    x = _as_tensor(input)
    if x.ndim < 2:
        raise ShapeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    if p <= 0:
        raise ShapeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise ShapeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_dim(dim, x.ndim)
    norms = _linalg().vector_norm(x, p, [i for i in range(x.ndim) if i != d], keepdim=True)
    factor = where(norms.data > maxnorm, maxnorm / (norms + 1e-7), np.asarray(1.0, dtype=x.dtype))
    return x * factor


def renorm_(self: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """renorm written into self."""
    return compute_in_place(self, lambda x: renorm(x, p, dim, maxnorm))


# ----- transposes of the last two dims (properties, as in PyTorch) ------------------------------------------
def adjoint(input: Any) -> Tensor:
    """The conjugate transpose of the last two dims: their transpose for real tensors (a view)."""
    return conj(swapdims(input, -2, -1))


def _matrix_transpose(name: str, conjugate: bool) -> property:
    def get(self: Tensor) -> Tensor:
        if self.ndim < 2:
            raise ShapeError(
                f"tensor.{name} is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                "tensor."
            )
        swapped = swapdims(self, -2, -1)
        return conj(swapped) if conjugate else swapped

    get.__name__ = name
    what = "conjugated (a view for real tensors)" if conjugate else "(a view)"
    return property(get, doc=f"tensor.{name}: the last two dims swapped, {what}.")


def _h(self: Tensor) -> Tensor:
    if self.ndim not in (0, 2):
        hint = ". For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise ShapeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor{hint}"
        )
    return conj(swapdims(self, 0, 1) if self.ndim else self)


mT = _matrix_transpose("mT", conjugate=False)
mH = _matrix_transpose("mH", conjugate=True)
H = property(_h, doc="tensor.H: the conjugate transpose of a matrix (its transpose, for real tensors).")
