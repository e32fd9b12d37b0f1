"""The exponential distribution: p(x) = λe^(−λx) on x ≥ 0; x = E/λ with E ~ Exp(1) is its
reparameterisation, and x = −ln(1 − u)/λ its inverse cdf."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, zeros_like
from . import constraints
from .distribution import ExponentialFamily
from .utils import Seed, broadcast_all, is_number, noise, pick_rng

__all__ = ["Exponential"]


class Exponential(ExponentialFamily):
    """Exponential(rate λ), batched over rate's shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(() if is_number(rate) else self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = tuple(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """E/λ, E ~ Exp(1)."""
        e = noise(
            pick_rng(seed, generator).standard_exponential,
            self._extended_shape(sample_shape),
            self.rate.dtype,
        )
        return e / self.rate

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Any) -> Tensor:
        return -(-value).log1p() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()
