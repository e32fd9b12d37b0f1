"""The binomial distribution: P(X = k) = C(n, k) pᵏ (1 − p)ⁿ⁻ᵏ, the number of successes in n trials.

log_prob is written with the logits ℓ = ln(p/(1 − p)): k·ℓ − n·ln(1 + eˡ) + ln C(n, k), with
ln(1 + eˡ) = max(ℓ, 0) + ln(1 + e^(−|ℓ|)) so that a large |ℓ| stays finite.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, arange
from . import constraints
from .bernoulli import BinaryParameter, probs_or_logits
from .distribution import Distribution
from .utils import Seed, broadcast_all, pick_rng

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0), with the gradient ½ at 0 (PyTorch's)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryParameter, Distribution):
    """Binomial(total_count n, probs p) or (total_count, logits=…), batched over their broadcast shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self, total_count: Any = 1, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        def prepare(param: Any) -> Tensor:
            count, param = broadcast_all(total_count, param)
            self.total_count = count.type_as(param)
            return param

        probs_or_logits(self, probs, logits, prepare)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = tuple(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_parameter(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (probs or logits)."""
        return self._param.shape

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(self.total_count.data.astype(np.int64), shape)
        p = np.broadcast_to(self.probs.data.astype(np.float64), shape)
        return Tensor(np.asarray(pick_rng(seed, generator).binomial(n, p), dtype=self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = (self.total_count + 1).lgamma()
        log_factorial_k = (value + 1).lgamma()
        log_factorial_nmk = (self.total_count - value + 1).lgamma()
        normalize_term = (
            self.total_count * _clamp_by_zero(self.logits)
            + self.total_count * (-self.logits.abs()).exp().log1p()
            - log_factorial_n
        )
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self) -> Tensor:
        """−Σₖ P(k) ln P(k) over k = 0 … n (one n for the whole batch, as in PyTorch)."""
        if self.total_count.data.min() != self.total_count.data.max():
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = int(self.total_count.data.max())
        if not self.total_count.data.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = arange(1 + total_count, dtype=self._param.dtype).reshape(-1, *(1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values
