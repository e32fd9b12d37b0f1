"""The relaxed (concrete) Bernoulli of Maddison et al. and Jang et al. (2017): a continuous stand-in for
Bernoulli(p) whose samples are differentiable in p.

LogitRelaxedBernoulli(τ, p) is the law of (ln(u/(1 − u)) + ln(p/(1 − p)))/τ, u ~ U(0, 1) (a logistic
draw shifted by the logit and cooled by the temperature τ), with density
ln p(x) = ln τ + (ℓ − τx) − 2 ln(1 + e^(ℓ − τx)), ℓ the logit. RelaxedBernoulli is its sigmoid, a value
in (0, 1) that nears {0, 1} as τ → 0.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor
from . import constraints
from .bernoulli import BinaryParameter, probs_or_logits
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import SigmoidTransform
from .utils import (
    Seed,
    broadcast_all,
    clamp_probs,
    noise,
    pick_rng,
)

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(BinaryParameter, Distribution):
    """LogitRelaxedBernoulli(temperature τ, probs or logits): the logit of a relaxed Bernoulli sample."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.real

    def __init__(
        self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self.temperature = temperature
        scalar = probs_or_logits(self, probs, logits, lambda p: broadcast_all(p)[0])
        super().__init__(() if scalar else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = tuple(batch_shape)
        new.temperature = self.temperature
        self._expand_parameter(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (probs or logits)."""
        return self._param.shape

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """(logit(u) + logit(p))/τ, u ~ U(0, 1), both clamped away from 0 and 1 (module doc)."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(noise(pick_rng(seed, generator).random, shape, probs.dtype))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        """ln τ + (ℓ − τx) − 2 ln(1 + e^(ℓ − τx))."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """RelaxedBernoulli(temperature τ, probs or logits): σ of a LogitRelaxedBernoulli sample, in (0, 1)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.unit_interval
    has_rsample = True
    base_dist: LogitRelaxedBernoulli

    def __init__(
        self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedBernoulli:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
