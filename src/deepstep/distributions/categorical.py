"""The categorical distribution over {0, …, K−1}: P(X = k) = pₖ.

Given by probs (normalised to sum 1 along the last dim) or by logits (normalised to
ℓₖ − logsumexp ℓ, the log-probabilities). The last dim holds the K categories; the dims before it
are the batch. log_prob takes integer category indices.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, arange, broadcast_tensors, full, multinomial
from . import constraints
from .bernoulli import probs_or_logits
from .distribution import Distribution
from .utils import (
    Seed,
    lazy_property,
    logits_to_probs,
    normalized_log_probs,
    pick_rng,
    probs_to_logits,
)

__all__ = ["Categorical"]


def _at_least_1d(name: str) -> Any:
    def prepare(x: Any) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        return x / x.sum(-1, keepdim=True) if name == "probs" else normalized_log_probs(x)

    return prepare


class Categorical(Distribution):
    """Categorical(probs) or Categorical(logits=…): K categories along the last dim."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        name = "probs" if probs is not None else "logits"
        probs_or_logits(self, probs, logits, _at_least_1d(name))
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.ndim > 1 else ()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = tuple(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(*batch_shape, self._num_events))
                new._param = getattr(new, name)
        new._num_events = self._num_events
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        """NaN: a category index has no mean (PyTorch's answer)."""
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """Category indices (int64) of shape sample_shape + batch_shape, by inverting the cdf."""
        sample_shape = tuple(sample_shape)
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        count = math.prod(sample_shape)
        samples_2d = multinomial(probs_2d, count, True, generator=pick_rng(seed, generator)).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value: Any) -> Tensor:
        """ln p_value: the normalised logits gathered at the (integer) value."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """−Σₖ pₖ ln pₖ (a logit of −inf, p = 0, clamped to the lowest float so that 0·ln 0 = 0)."""
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events).reshape(-1, *(1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values
