"""The diagonal family: diagonal, diag_embed, diag, trace, and the triangles tril and triu.

diagonal and diag_embed are each other's adjoint, so each one's backward is the other; tril and triu
keep a triangle and zero the rest, in the value and in the gradient alike. Exported and bound as
Tensor methods through ops_linalg.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .dims import normalize_dim
from .function import Function
from .ops_shape import _as_tensor
from .pointwise import named
from .tensor import Tensor

__all__ = ["diag", "diag_embed", "diagonal", "trace", "tril", "triu"]

TENSOR_METHODS = ("diag", "diag_embed", "diagonal", "trace", "tril", "tril_", "triu", "triu_")


def _diagonal_index(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the diagonal `offset` of an n1×n2 matrix (above the main one for offset > 0)."""
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    i = np.arange(length)
    return i - min(offset, 0), i + max(offset, 0)


def _embed(values: np.ndarray, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> np.ndarray:
    """Zeros of `shape` with `values` (its last dim running along the diagonal) on the diagonal
    `offset` of the dims dim1, dim2: the adjoint of np.diagonal."""
    out = np.zeros(shape, dtype=values.dtype)
    moved = np.moveaxis(out, (dim1, dim2), (-2, -1))  # a view: writing into it fills out
    rows, cols = _diagonal_index(moved.shape[-2], moved.shape[-1], offset)
    moved[..., rows, cols] = values
    return out


class Diagonal(Function):
    """z[…, i] = a[…, i, i + offset] over the dims dim1, dim2 (a read-only view, or a copy);
    ∂L/∂a = zeros with ∂L/∂z written on that diagonal (diag_embed)."""

    saved_inputs = ()
    is_view = True

    def __init__(self, offset: int, dim1: int, dim2: int, copy: bool = False) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2
        self.is_view = not copy  # torch.diagonal is a view, torch.diag of a matrix a copy

    def forward(self, a):
        self.shape = a.shape
        z = np.diagonal(a, self.offset, self.dim1, self.dim2)
        return z if self.is_view else z.copy()

    def backward(self, g):
        return (_embed(g, self.shape, self.offset, self.dim1, self.dim2),)


class DiagEmbed(Function):
    """z = zeros with a's last dim written on the diagonal `offset` of the new dims dim1, dim2;
    ∂L/∂a = the diagonal of ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, offset: int, dim1: int, dim2: int) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, a):
        n = a.shape[-1] + abs(self.offset)
        shape = list(a.shape[:-1])
        for d in sorted((self.dim1, self.dim2)):
            shape.insert(d, n)
        return _embed(a, tuple(shape), self.offset, self.dim1, self.dim2)

    def backward(self, g):
        return (np.diagonal(g, self.offset, self.dim1, self.dim2),)


class Trace(Function):
    """z = Σᵢ aᵢᵢ;   ∂z/∂a = the identity (rectangular for a rectangular a)."""

    saved_inputs = ()

    def forward(self, a):
        self.shape = a.shape
        return np.trace(a, dtype=np.int64 if a.dtype.kind in "iu" else a.dtype)

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        np.fill_diagonal(grad, g)
        return (grad,)


class Triangle(Function):
    """z = a with the elements above (tril) or below (triu) the diagonal k set to 0;
    ∂L/∂a = ∂L/∂z with the same elements set to 0."""

    saved_inputs = ()

    def __init__(self, upper: bool, diagonal: int) -> None:
        self.keep = np.triu if upper else np.tril
        self.diagonal = diagonal

    def forward(self, a):
        return self.keep(a, self.diagonal)

    def backward(self, g):
        return (self.keep(g, self.diagonal),)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal `offset` of the matrices spanned by dim1 and dim2, as a new last dim (a view)."""
    a = _as_tensor(input)
    d1, d2 = normalize_dim(dim1, a.ndim), normalize_dim(dim2, a.ndim)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal(offset, d1, d2)(a)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in the new dims dim1, dim2) with the last dim of input on their diagonal `offset`."""
    a = _as_tensor(input)
    d1, d2 = normalize_dim(dim1, a.ndim + 1), normalize_dim(dim2, a.ndim + 1)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if a.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    return DiagEmbed(offset, d1, d2)(a)


def diag(input: Any, diagonal: int = 0) -> Tensor:
    """torch.diag: a vector becomes a square matrix with it on the diagonal `diagonal`; a matrix
    gives its diagonal `diagonal` as a vector."""
    a = _as_tensor(input)
    if a.ndim == 1:
        return DiagEmbed(diagonal, 0, 1)(a)
    if a.ndim == 2:
        return Diagonal(diagonal, 0, 1, copy=True)(a)
    raise ShapeError(f"diag(): Supports 1D or 2D tensors. Got {a.ndim}D")


def trace(input: Any) -> Tensor:
    """The sum of the main diagonal of a matrix (integers sum in int64)."""
    a = _as_tensor(input)
    if a.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if a.dtype == bool:
        raise DTypeError("trace: not implemented for bool tensors")
    return Trace()(a)


def _triangle(name: str, upper: bool, doc: str) -> tuple[Any, Any]:
    """The public pair of a triangle: name(input, diagonal=0) and its in-place twin name_."""

    def checked(input: Any) -> Tensor:
        a = _as_tensor(input)
        if a.ndim < 2:
            raise ShapeError(f"{name}: input tensor must have at least 2 dimensions")
        return a

    def triangle(input: Any, diagonal: int = 0) -> Tensor:
        return Triangle(upper, diagonal)(checked(input))

    def triangle_(self: Tensor, diagonal: int = 0) -> Tensor:
        return Triangle(upper, diagonal).inplace(checked(self))

    return named(triangle, name, doc), named(triangle_, name + "_", f"{name} written into self.")


tril, tril_ = _triangle(
    "tril", False, "The lower triangle: elements above the diagonal `diagonal` of the last two dims set to 0."
)
triu, triu_ = _triangle(
    "triu", True, "The upper triangle: elements below the diagonal `diagonal` of the last two dims set to 0."
)
