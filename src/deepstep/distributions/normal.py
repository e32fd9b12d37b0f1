"""The normal distribution N(μ, σ²): p(x) = exp(−(x − μ)²/2σ²) / (σ√(2π)).

rsample is the reparameterisation trick of the variational autoencoder, x = μ + σ·ε with ε ~ N(0, 1)
drawn without the parameters, so ∂x/∂μ = 1 and ∂x/∂σ = ε.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Tensor
from .distribution import ExponentialFamily, LocationScale
from .utils import Seed, noise, pick_rng

__all__ = ["Normal"]


class Normal(LocationScale, ExponentialFamily):
    """N(loc, scale²), batched over the broadcast shape of loc and scale."""

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """loc + ε·scale, ε ~ N(0, 1) of shape sample_shape + batch_shape."""
        eps = noise(
            pick_rng(seed, generator).standard_normal, self._extended_shape(sample_shape), self.loc.dtype
        )
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale**2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value: Any) -> Tensor:
        """Φ((x − μ)/σ) = ½(1 + erf((x − μ)/(σ√2)))."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value: Any) -> Tensor:
        """μ + σ·√2·erf⁻¹(2p − 1)."""
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self) -> Tensor:
        """½ + ½ ln 2π + ln σ."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
