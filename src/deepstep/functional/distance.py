"""Lengths of vectors and distances between them: normalize, cosine_similarity, pairwise_distance,
cdist and pdist, built on deepstep.linalg's p-norm (whose gradient is 0 where the norm is 0, as in
PyTorch), except cosine_similarity, one op with PyTorch 2's formula; and the bilinear form
x₁ᵀ·A·x₂ (F.bilinear, the learned similarity of nn.Bilinear), one einsum."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.dims import normalize_dim
from ..autograd.dtypes import float_type, result_type
from ..autograd.function import Function
from ..autograd.ops_elementwise import clip
from ..autograd.ops_linalg import einsum
from ..autograd.ops_shape import unsqueeze
from ..autograd.tensor import Tensor, as_array
from ..errors import DTypeError, ShapeError, ValueRangeError
from ..linalg import vector_norm

__all__ = ["bilinear", "cdist", "cosine_similarity", "normalize", "pairwise_distance", "pdist"]


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, ε) along `dim`: unit vectors, and no division by 0."""
    return input / clip(vector_norm(input, p, dim, keepdim=True), eps)


_INTEGER_NAMES = {1: "Char", 2: "Short", 4: "Int", 8: "Long"}  # PyTorch's names of the signed integers


class CosineSimilarity(Function):
    """cos(x₁, x₂) = Σ u·v with u = x₁/max(‖x₁‖, ε), v = x₂/max(‖x₂‖, ε) along `dim` (PyTorch 2's
    formula: each vector scaled first, so |cos| ≤ 1 and nothing overflows);
    ∂cos/∂x₁ = (v − cos·x₁/‖x₁‖)/max(‖x₁‖, ε), and likewise for x₂ (the clamp is not differentiated)."""

    real_only = "cosine_similarity"

    def __init__(self, dim: int, eps: float) -> None:
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        common = result_type(x1, x2)
        if common.kind not in "fc":  # PyTorch does not promote integers here; it refuses them
            name = {"b": "Bool", "u": "Byte"}.get(common.kind) or _INTEGER_NAMES.get(common.itemsize, common)
            raise DTypeError(f"expected common dtype to be floating point, yet common dtype is {name}")
        dtype = float_type(common)
        try:
            x1, x2 = np.broadcast_arrays(np.asarray(x1, dtype), np.asarray(x2, dtype))
        except ValueError:
            raise ShapeError(
                f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not broadcast"
            ) from None
        self.axis = normalize_dim(self.dim, x1.ndim)
        self.x1, self.x2 = x1, x2
        self.n1 = np.sqrt((x1 * x1).sum(axis=self.axis, keepdims=True))
        self.n2 = np.sqrt((x2 * x2).sum(axis=self.axis, keepdims=True))
        self.a, self.b = np.maximum(self.n1, self.eps), np.maximum(self.n2, self.eps)
        self.u, self.v = x1 / self.a, x2 / self.b
        self.cos = (self.u * self.v).sum(axis=self.axis, keepdims=True)
        return self.cos.squeeze(self.axis) if x1.ndim else self.cos.reshape(())

    def backward(self, g):
        g = g.reshape(self.cos.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            direction1 = np.where(self.n1 == 0, 0, self.x1 / self.n1)  # ∂‖x₁‖/∂x₁
            direction2 = np.where(self.n2 == 0, 0, self.x2 / self.n2)
        grad1 = g / self.a * (self.v - self.cos * direction1) if self.needs_grad(0) else None
        grad2 = g / self.b * (self.u - self.cos * direction2) if self.needs_grad(1) else None
        return self.to_inputs(grad1, grad2)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between x₁ and x₂ along `dim` (inputs broadcast)."""
    return CosineSimilarity(dim, eps)(x1, x2)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x₁ − x₂ + ε‖_p along the last dimension (inputs broadcast; ε keeps the gradient defined at 0)."""
    ndim = max(_as_tensor(x1).ndim, _as_tensor(x2).ndim)
    return vector_norm(x1 - x2 + eps, p, ndim - 1 if ndim else None, keepdim)


def _check_p(name: str, p: float) -> None:
    if p < 0:
        raise ValueRangeError(f"{name} only supports non-negative p values, got {p}")


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(as_array(x))


def cdist(
    x1: Any, x2: Any, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
) -> Tensor:
    """Distances ‖x₁ᵢ − x₂ⱼ‖_p between the rows of x₁ (…, P, M) and x₂ (…, R, M): shape (…, P, R).
    Computed exactly for every `compute_mode` (PyTorch may use a faster, less exact matrix product)."""
    x1, x2 = _as_tensor(x1), _as_tensor(x2)
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise ShapeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if x.dtype.kind != "f":  # complex too: PyTorch's RuntimeError
            raise DTypeError(f"cdist only supports floating-point dtypes, {name} got: {x.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    _check_p("cdist", p)
    return vector_norm(unsqueeze(x1, -2) - unsqueeze(x2, -3), p, dim=-1)


def pdist(input: Any, p: float = 2.0) -> Tensor:
    """The distances ‖xᵢ − xⱼ‖_p between the rows of an (N, M) input for i < j, in row order:
    shape (N(N − 1)/2,)."""
    x = _as_tensor(input)
    if x.ndim != 2:
        raise ShapeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":  # complex too: PyTorch's RuntimeError
        raise DTypeError(f"pdist only supports floating-point dtypes, got {x.dtype}")
    _check_p("pdist", p)
    first, second = np.triu_indices(x.shape[0], 1)
    return vector_norm(x[first] - x[second], p, dim=-1)


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """y_o = Σᵢⱼ x₁ᵢ·A_oij·x₂ⱼ + b_o for each pair of rows: input1 (…, in1), input2 (…, in2) with the
    same leading dims, weight (out, in1, in2), bias (out,)."""
    x1, x2, a = _as_tensor(input1), _as_tensor(input2), _as_tensor(weight)
    if x1.shape[:-1] != x2.shape[:-1]:
        dim = next(i for i, (m, n) in enumerate(zip(x1.shape, x2.shape, strict=False)) if m != n)
        raise ShapeError(
            f"bilinear(): input batch dimensions do not match at dim {dim}: got {x1.shape[dim]} and "
            f"{x2.shape[dim]}"
        )
    if a.ndim != 3 or a.shape[1:] != (x1.shape[-1], x2.shape[-1]):
        raise ShapeError(
            f"bilinear(): weight of shape {list(a.shape)} does not fit inputs of sizes {x1.shape[-1]} and "
            f"{x2.shape[-1]} (expected (out, {x1.shape[-1]}, {x2.shape[-1]}))"
        )
    out = einsum("...i,oij,...j->...o", x1, a, x2)
    return out if bias is None else out + bias
