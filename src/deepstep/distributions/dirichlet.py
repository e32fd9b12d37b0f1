"""The Dirichlet distribution on the probability simplex: p(x) = Γ(α₀)/Πᵢ Γ(αᵢ) · Πᵢ xᵢ^(αᵢ−1),
α₀ = Σᵢ αᵢ. The last dim of the concentration α holds the K components (the event).

rsample normalises independent gamma samples, x = g/Σg with gᵢ ~ Gamma(αᵢ, 1), each with its implicit
reparameterisation gradient (gamma.py), so the gradient reaches α through the normalisation. PyTorch
differentiates its sample through each component's Beta marginal instead: both are unbiased
pathwise gradients of the same distribution, equal in expectation, not sample by sample.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, where
from ..functional import one_hot
from . import constraints
from .distribution import ExponentialFamily
from .gamma import StandardGamma
from .utils import Seed, pick_rng

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """Dirichlet(concentration): K components along the last dim, batched over the dims before it."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.independent(constraints.positive, 1)
    }
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(*batch_shape, *self.event_shape)
        return self._expanded(new, batch_shape, self.event_shape)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """g/Σg, gᵢ ~ Gamma(αᵢ, 1) (module doc)."""
        shape = self._extended_shape(sample_shape)
        gammas = StandardGamma(pick_rng(seed, generator))(self.concentration.expand(shape))
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        """Σᵢ (αᵢ − 1) ln xᵢ + ln Γ(α₀) − Σᵢ ln Γ(αᵢ)."""
        if self._validate_args:
            self._validate_sample(value)
        return (
            (self.concentration - 1.0).xlogy(value).sum(-1)
            + self.concentration.sum(-1).lgamma()
            - self.concentration.lgamma().sum(-1)
        )

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        """(αᵢ − 1)⁺/Σⱼ(αⱼ − 1)⁺; where every αᵢ < 1, a vertex (PyTorch's choice)."""
        excess = (self.concentration - 1).clamp(min=0.0)
        mode = excess / excess.sum(-1, True)
        vertex = one_hot(mode.argmax(dim=-1), excess.shape[-1]).to(mode.dtype)
        below_one = (self.concentration < 1).all(dim=-1, keepdim=True)
        return where(below_one, vertex, mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def entropy(self) -> Tensor:
        """Σᵢ ln Γ(αᵢ) − ln Γ(α₀) − (K − α₀) ψ(α₀) − Σᵢ (αᵢ − 1) ψ(αᵢ)."""
        k = self.concentration.shape[-1]
        total = self.concentration.sum(-1)
        return (
            self.concentration.lgamma().sum(-1)
            - total.lgamma()
            - (k - total) * total.digamma()
            - ((self.concentration - 1.0) * self.concentration.digamma()).sum(-1)
        )
