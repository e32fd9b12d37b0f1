"""Student's t distribution: p(x) = Γ((ν+1)/2) / (Γ(ν/2) √(νπ) σ) · (1 + y²/ν)^(−(ν+1)/2), y = (x − μ)/σ.

It is the law of μ + σ·Z/√(V/ν) for Z ~ N(0, 1) and V ~ χ²(ν) independent, which is how rsample draws
it: the gradient reaches μ and σ directly and ν through χ²'s implicit (gamma) gradient. The mean
exists only for ν > 1 (NaN otherwise) and the variance σ²ν/(ν − 2) only for ν > 2 (inf for 1 < ν ≤ 2,
NaN for ν ≤ 1), PyTorch's answers.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..autograd import Tensor, where
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import Seed, broadcast_all, noise, pick_rng

__all__ = ["StudentT"]


class StudentT(Distribution):
    """StudentT(df ν, loc μ = 0, scale σ = 1), batched over their broadcast shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)  # (checks df first, as PyTorch's, whose message names Chi2)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = tuple(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """μ for ν > 1, NaN otherwise."""
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """σ²ν/(ν − 2) for ν > 2, inf for 1 < ν ≤ 2, NaN for ν ≤ 1."""
        above_two = self.df > 2
        df = where(above_two, self.df, 3.0)  # a ν where the formula is finite, so no NaN gradient leaks
        finite = self.scale.pow(2) * df / (df - 2)
        return where(above_two, finite, where(self.df > 1, math.inf, math.nan))

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """μ + σ·Z/√(V/ν), Z ~ N(0, 1), V ~ χ²(ν) (module doc)."""
        rng = pick_rng(seed, generator)
        z = noise(rng.standard_normal, self._extended_shape(sample_shape), self.df.dtype)
        v = self._chi2.rsample(sample_shape, generator=rng)
        return self.loc + self.scale * (z * (v / self.df).rsqrt())

    def log_prob(self, value: Any) -> Tensor:
        """−(ν+1)/2 · ln(1 + y²/ν) − ln σ − ½ ln ν − ½ ln π − ln Γ(ν/2) + ln Γ((ν+1)/2)."""
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (
            self.scale.log()
            + 0.5 * self.df.log()
            + 0.5 * math.log(math.pi)
            + (0.5 * self.df).lgamma()
            - (0.5 * (self.df + 1.0)).lgamma()
        )
        return -0.5 * (self.df + 1.0) * (y**2.0 / self.df).log1p() - z

    def entropy(self) -> Tensor:
        """ln σ + (ν+1)/2 · (ψ((ν+1)/2) − ψ(ν/2)) + ½ ln ν + ln B(ν/2, ½)."""
        lbeta = (0.5 * self.df).lgamma() + math.lgamma(0.5) - (0.5 * (self.df + 1)).lgamma()
        return (
            self.scale.log()
            + 0.5 * (self.df + 1) * ((0.5 * (self.df + 1)).digamma() - (0.5 * self.df).digamma())
            + 0.5 * self.df.log()
            + lbeta
        )
