"""The Laplace distribution: p(x) = e^(−|x − μ|/b) / 2b. Its reparameterisation inverts the cdf at
u ~ U(−1, 1): x = μ − b·sgn(u)·ln(1 − |u|)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from .distribution import LocationScale
from .utils import Seed, noise, pick_rng

__all__ = ["Laplace"]


class Laplace(LocationScale):
    """Laplace(loc μ, scale b), batched over their broadcast shape."""

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return (2**0.5) * self.scale

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """μ − b·sgn(u)·ln(1 − |u|), u ~ U[eps − 1, 1) (eps keeps |u| < 1, so the log stays finite)."""
        eps = float(np.finfo(self.loc.dtype).eps)
        u = noise(pick_rng(seed, generator).random, self._extended_shape(sample_shape), self.loc.dtype)
        u = (eps - 1) + u * (2 - eps)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()
