"""The geometric distribution: the number of failures before the first success of Bernoulli(p) trials,
P(X = k) = (1 − p)ᵏ p for k = 0, 1, 2, …; given by probs p or by logits ln(p/(1 − p)).

A sample inverts the cdf at u ~ U(tiny, 1): ⌊ln u / ln(1 − p)⌋.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, no_grad, where, zeros_like
from ..functional import binary_cross_entropy_with_logits
from . import constraints
from .bernoulli import BinaryParameter, probs_or_logits
from .constraints import fmt
from .distribution import Distribution
from .utils import Seed, broadcast_all, noise, pick_rng

__all__ = ["Geometric"]


class Geometric(BinaryParameter, Distribution):
    """Geometric(probs) or Geometric(logits=…), batched over the parameter's shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        scalar = probs_or_logits(self, probs, logits, lambda p: broadcast_all(p)[0])
        super().__init__(() if scalar else self._param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not (self.probs > 0).data.all():
            # p = 0 lies in the unit interval but gives no distribution (a success never comes)
            invalid = Tensor(self.probs.data[~(self.probs > 0).data])
            raise ValueError(
                f"Expected parameter probs ({type(self.probs).__name__} of shape {tuple(self.probs.shape)}) "
                f"of distribution {self!r} to be positive but found invalid values:\n{fmt(invalid)}"
            )

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = tuple(batch_shape)
        self._expand_parameter(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """1/p − 1."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """(1/p − 1)/p."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """⌊ln u / ln(1 − p)⌋, u ~ U(tiny, 1) (in the parameter's dtype, as PyTorch's)."""
        shape = self._extended_shape(sample_shape)
        tiny = float(np.finfo(self.probs.dtype).tiny)
        with no_grad():
            u = noise(pick_rng(seed, generator).random, shape, self.probs.dtype).clamp(min=tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Any) -> Tensor:
        """k ln(1 − p) + ln p (with 0·ln 0 = 0 at p = 1, k = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """(−p ln p − (1 − p) ln(1 − p))/p: a Bernoulli's entropy per expected trial."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs
