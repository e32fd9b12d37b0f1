"""The Cauchy distribution: p(x) = 1/(πγ(1 + ((x − x₀)/γ)²)), the ratio of two standard normals
scaled and shifted; it has no mean (NaN) and no variance (inf). rsample is x₀ + γ·ε with ε a
standard Cauchy draw."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Tensor, full
from .distribution import LocationScale
from .utils import Seed, noise, pick_rng

__all__ = ["Cauchy"]


class Cauchy(LocationScale):
    """Cauchy(loc x₀, scale γ), batched over their broadcast shape."""

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """x₀ + γε, ε ~ Cauchy(0, 1)."""
        eps = noise(
            pick_rng(seed, generator).standard_cauchy, self._extended_shape(sample_shape), self.loc.dtype
        )
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """−ln π − ln γ − ln(1 + ((x − x₀)/γ)²)."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value: Any) -> Tensor:
        """atan((x − x₀)/γ)/π + ½."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        """x₀ + γ·tan(π(p − ½))."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """ln 4π + ln γ."""
        return math.log(4 * math.pi) + self.scale.log()
