"""The Bernoulli distribution: X = 1 with probability p, else 0; p(x) = pˣ(1 − p)¹⁻ˣ.

Given by probs p or by logits ℓ = ln(p/(1 − p)); log_prob is minus the binary cross-entropy of the
logits, computed from ℓ without forming ln p (so |ℓ| = 1e4 stays finite).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, arange, bernoulli, where
from ..functional import binary_cross_entropy_with_logits
from . import constraints
from .distribution import ExponentialFamily
from .utils import (
    Seed,
    broadcast_all,
    is_number,
    lazy_property,
    logits_to_probs,
    pick_rng,
    probs_to_logits,
)

__all__ = ["Bernoulli"]


def probs_or_logits(dist: Any, probs: Any, logits: Any, prepare: Any) -> bool:
    """Set dist.probs or dist.logits (exactly one must be given) through prepare, and dist._param to
    it; whether it was a number."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    name, given = ("probs", probs) if probs is not None else ("logits", logits)
    setattr(dist, name, prepare(given))
    dist._param = getattr(dist, name)
    return is_number(given)


class BinaryParameter:
    """What the distributions of one success probability share: p or its log-odds l, p = σ(l), one
    given (probs_or_logits stores it as _param) and the other computed when first read. (No
    param_shape here: PyTorch's Geometric has none.)"""

    _param: Tensor

    def _expand_parameter(self, new: Any, batch_shape: tuple[int, ...]) -> None:
        """Give new the parameter self was given, expanded to batch_shape."""
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape))
                new._param = getattr(new, name)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)


class Bernoulli(BinaryParameter, ExponentialFamily):
    """Bernoulli(probs) or Bernoulli(logits=…), batched over the parameter's shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        scalar = probs_or_logits(self, probs, logits, lambda p: broadcast_all(p)[0])
        super().__init__(() if scalar else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = tuple(batch_shape)
        self._expand_parameter(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (probs or logits)."""
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where p > ½, 0 where p < ½, NaN at p = ½ (both are modes)."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return bernoulli(self.probs.detach().expand(shape), generator=pick_rng(seed, generator))

    def log_prob(self, value: Any) -> Tensor:
        """x·ℓ − ln(1 + eˡ), minus the binary cross-entropy with logits."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        """−p ln p − (1 − p) ln(1 − p), the cross-entropy of the logits with p itself."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(2, dtype=self._param.dtype).reshape(-1, *(1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values
