"""The Poisson distribution: P(X = k) = λᵏ e^(−λ) / k! on k = 0, 1, 2, …"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor
from . import constraints
from .distribution import ExponentialFamily
from .utils import Seed, broadcast_all, is_number, pick_rng

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """Poisson(rate λ), batched over rate's shape. Samples are counts in rate's float dtype."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(() if is_number(rate) else self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = tuple(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        shape = self._extended_shape(sample_shape)
        rate = np.broadcast_to(self.rate.data.astype(np.float64), shape)
        return Tensor(np.asarray(pick_rng(seed, generator).poisson(rate), dtype=self.rate.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """k ln λ − λ − ln k!."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
