"""Functions of matrices that are not decompositions, with their gradients written out: the matrix
exponential (scaling and squaring of its series; its gradient the Fréchet derivative, as PyTorch's)
and the cross product. deepstep.linalg exports them under torch.linalg's names; ops_matrix gives
the torch.* spellings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .dims import normalize_dim
from .function import Function
from .ops_decomp import _mT, check_matrices
from .ops_shape import _as_tensor
from .tensor import Tensor

__all__: list[str] = []  # exported by deepstep.linalg and ops_matrix under PyTorch's names


def _expm(a: np.ndarray) -> np.ndarray:
    """e^A by scaling and squaring: e^A = (e^(A/2ˢ))^(2ˢ) with ‖A/2ˢ‖₁ ≤ ½, where the Taylor series to
    degree 18 is exact to double precision (the remainder is below ½¹⁹/19! ≈ 1.6e−23)."""
    if a.size == 0:
        return a.copy()
    norms = np.abs(a).sum(axis=-2).max(axis=-1)  # ‖A‖₁ of each matrix
    finite = np.isfinite(norms)  # a matrix holding inf or NaN gives NaN, as in PyTorch
    norm = norms[finite].max(initial=0.0)
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    x = np.where(finite[..., None, None], a, 0) / 2.0**squarings
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    out = eye + x / 18
    for k in range(17, 0, -1):  # Horner: I + X(I + X/2(I + X/3(…)))
        out = eye + (x @ out) / k
    for _ in range(squarings):
        out = out @ out
    out = np.where(finite[..., None, None], out, np.nan)
    return out.astype(a.dtype, copy=False)


class MatrixExp(Function):
    """Z = e^A = Σₖ Aᵏ/k!;   ∂L/∂A = the upper-right block of exp([[Aᵀ, Ḡ], [0, Aᵀ]]) (the Fréchet
    derivative of exp at Aᵀ in the direction Ḡ, as in PyTorch)."""

    holomorphic = True

    def forward(self, a):
        self.a = a
        return _expm(a)

    def backward(self, g):
        n = self.a.shape[-1]
        at = _mT(self.a)
        block = np.zeros((*self.a.shape[:-2], 2 * n, 2 * n), dtype=g.dtype)
        block[..., :n, :n] = at
        block[..., n:, n:] = at
        block[..., :n, n:] = g
        return (_expm(block)[..., :n, n:],)


class Cross(Function):
    """z = a × b along a dim of size 3;   ∂L/∂a = b × ḡ, ∂L/∂b = ḡ × a."""

    holomorphic = True

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.cross(a, b, axis=self.dim)

    def backward(self, g):
        return self.to_inputs(
            np.cross(self.b, g, axis=self.dim) if self.needs_grad(0) else None,
            np.cross(g, self.a, axis=self.dim) if self.needs_grad(1) else None,
        )


# ----- the functions, with torch.linalg's conventions -------------------------------------------------
def matrix_exp(A: Any) -> Tensor:
    """e^A = Σₖ Aᵏ/k! of (a batch of) square matrices."""
    a = _as_tensor(A)
    check_matrices("linalg.matrix_exp", a)
    return MatrixExp()(a)


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """a × b along dim, which must have size 3 in both; the other dims broadcast (same ndim)."""
    a, b = _as_tensor(input), _as_tensor(other)
    if a.ndim != b.ndim:
        raise ShapeError("linalg.cross: inputs must have the same number of dimensions.")
    d = normalize_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise ShapeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and {b.shape[d]}"
        )
    if a.dtype != b.dtype:
        raise DTypeError(f"linalg.cross: expected both inputs to have one dtype, got {a.dtype} and {b.dtype}")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"linalg.cross: the shapes {list(a.shape)} and {list(b.shape)} do not broadcast"
        ) from None
    return Cross(d)(a, b)
