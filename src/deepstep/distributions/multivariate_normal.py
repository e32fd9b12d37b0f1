"""The multivariate normal distribution N(μ, Σ) over vectors of length n (the event):
p(x) = exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ)) / √((2π)ⁿ det Σ).

It is held as the Cholesky factor L of Σ = L·Lᵀ (lower triangular, positive diagonal), whichever of
covariance_matrix, precision_matrix or scale_tril is given: then (x − μ)ᵀ Σ⁻¹ (x − μ) = ‖L⁻¹(x − μ)‖²,
½ ln det Σ = Σᵢ ln Lᵢᵢ, and x = μ + L·ε with ε ~ N(0, I) is the reparameterised sample.
deepstep.linalg has no triangular solve: L⁻¹(x − μ) comes from linalg.solve of L's lower triangle
(an LU solve that gives the same values, to rounding, and the same gradients).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, broadcast_shapes, cholesky, matmul
from ..linalg import inv, solve
from . import constraints
from .distribution import Distribution
from .utils import Seed, lazy_property, noise, pick_rng

__all__ = ["MultivariateNormal"]


def batch_mahalanobis(scale_tril: Tensor, x: Tensor) -> Tensor:
    """‖L⁻¹x‖² over the last dim, L's batch dims broadcast against x's."""
    return solve_lower(scale_tril, x.unsqueeze(-1)).squeeze(-1).pow(2).sum(-1)


def solve_lower(scale_tril: Tensor, b: Tensor) -> Tensor:
    """L⁻¹B for a lower triangular L, read from L's lower triangle only: the gradient of L's upper
    triangle is 0, as from a triangular solve."""
    return solve(scale_tril.tril(), b)


def half_log_det(scale_tril: Tensor) -> Tensor:
    """½ ln det(L·Lᵀ) = Σᵢ ln Lᵢᵢ."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Σ), Σ given by exactly one of covariance_matrix, precision_matrix (Σ⁻¹) or scale_tril
    (L with Σ = L·Lᵀ); batched over the broadcast of loc's and the matrix's leading dims."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {
            name: matrix
            for name, matrix in (
                ("scale_tril", scale_tril),
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
            )
            if matrix is not None
        }
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified."
            )
        ((name, matrix),) = given.items()
        if matrix.ndim < 2:
            raise ValueError(
                f"{name} matrix must be at least two-dimensional, with optional leading batch dimensions"
                if name == "scale_tril"
                else f"{name} must be at least two-dimensional, with optional leading batch dimensions"
            )
        batch_shape = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(*batch_shape, -1, -1))
        self.loc = loc.expand(*batch_shape, -1)
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:  # Σ = P⁻¹
            self._unbroadcasted_scale_tril = cholesky(inv(matrix))

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        n = self.event_shape[0]
        new.loc = self.loc.expand(*batch_shape, n)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(*batch_shape, n, n))
        return self._expanded(new, batch_shape, self.event_shape)

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape, *self._event_shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        low = self._unbroadcasted_scale_tril
        return matmul(low, low.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """Σ⁻¹ = L⁻ᵀ·L⁻¹."""
        low_inverse = inv(self._unbroadcasted_scale_tril)
        return matmul(low_inverse.mT, low_inverse).expand(self._matrix_shape())

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """Σᵢᵢ = Σⱼ Lᵢⱼ²."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*self._batch_shape, *self._event_shape)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """μ + L·ε, ε ~ N(0, I)."""
        eps = noise(
            pick_rng(seed, generator).standard_normal, self._extended_shape(sample_shape), self.loc.dtype
        )
        return self.loc + matmul(self._unbroadcasted_scale_tril, eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Any) -> Tensor:
        """−½ (n ln 2π + ‖L⁻¹(x − μ)‖²) − Σᵢ ln Lᵢᵢ."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        mahalanobis = batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        """½ n (1 + ln 2π) + Σᵢ ln Lᵢᵢ."""
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det(
            self._unbroadcasted_scale_tril
        )
        return h if not self._batch_shape else h.expand(self._batch_shape)
