"""The Gumbel distribution (of maxima): p(x) = e^(−(z + e⁻ᶻ))/β, z = (x − μ)/β; the law of
μ − β ln(−ln U) for U ~ U(0, 1), written as a TransformedDistribution of that uniform through
u ↦ ln u ↦ −ln u ↦ ln(−ln u) ↦ μ − β·(that), as PyTorch builds it."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, full_like, ones_like
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import broadcast_all, is_number

__all__ = ["Gumbel"]

EULER_GAMMA = 0.57721566490153286060  # γ = −ψ(1), the mean of the standard Gumbel


class Gumbel(TransformedDistribution):
    """Gumbel(loc μ, scale β), batched over their broadcast shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = np.finfo(self.loc.dtype)
        # U on [tiny, 1 − eps]: both logs stay finite
        low, high = float(finfo.tiny), 1 - float(finfo.eps)
        if is_number(loc) and is_number(scale):
            base_dist = Uniform(low, high, validate_args=validate_args)
        else:
            base_dist = Uniform(
                full_like(self.loc, low), full_like(self.loc, high), validate_args=validate_args
            )
        transforms = [
            ExpTransform().inv,
            AffineTransform(loc=0, scale=-ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(loc=loc, scale=-self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(tuple(batch_shape))
        new.scale = self.scale.expand(tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Any) -> Tensor:
        """y − eʸ − ln β, y = (μ − x)/β."""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        """μ + βγ."""
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """πβ/√6."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        """ln β + 1 + γ."""
        return self.scale.log() + (1 + EULER_GAMMA)
