"""The gamma distribution Gamma(α, β) (shape α, rate β): p(x) = βᵅ xᵅ⁻¹ e^(−βx) / Γ(α) on x ≥ 0.

A gamma sample is not a smooth function of α and of noise drawn without α, so rsample uses the
implicit reparameterisation gradient (Figurnov, Mohamed and Mnih, 2018): hold the sample's
quantile u = P(α, x) fixed, where P(α, x) = γ(α, x)/Γ(α) is the regularised incomplete gamma
function (the cdf of Gamma(α, 1)), and differentiate P(α, x(α)) = u:

    ∂x/∂α = −(∂P/∂α) / (∂P/∂x),   ∂P/∂x = xᵅ⁻¹e⁻ˣ/Γ(α).

From the series P(α, x) = e⁻ˣ xᵅ/Γ(α+1) · Σₙ rₙ, r₀ = 1, rₙ = rₙ₋₁·x/(α+n):

    ∂P/∂α = e⁻ˣ xᵅ/Γ(α+1) · Σₙ rₙ (ln x − ψ(α+n+1)),   so   ∂x/∂α = −(x/α) · Σₙ rₙ (ln x − ψ(α+n+1)).

The series is summed to double precision (PyTorch uses a fitted approximation, good to about 1e-3
relatively, so the two gradients agree to that). A sample of Gamma(α, β) is x/β, x ~ Gamma(α, 1).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Function, Tensor, as_tensor
from ..autograd.ops_igamma import igamma
from ..special_gamma import digamma
from . import constraints
from .distribution import ExponentialFamily
from .utils import Seed, broadcast_all, is_number, pick_rng

__all__ = ["Gamma"]

_EPS = np.finfo(np.float64).eps
_MAX_TERMS = 1_000_000  # the series needs about x − α + 10√x terms; a sample has x within a few √α of α


def _sum_terms(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σₙ rₙ (ln x − ψ(α+n+1)) (module doc), elementwise, until every sum has converged: past n > x − α
    the terms fall geometrically, and the sum stops when a term is below eps of it."""
    a, x = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(a, x))
    out = np.empty(a.shape)
    a, x, flat_out = a.ravel(), x.ravel(), out.reshape(-1)
    active = np.arange(a.size)
    log_x = np.log(x)
    psi = digamma(a + 1)
    r = np.ones_like(x)
    total = log_x - psi
    n = 0
    while active.size and n < _MAX_TERMS:
        n += 1
        k = a + n
        r = r * (x / k)
        psi = psi + 1 / k
        term = r * (log_x - psi)
        total = total + term
        done = ((k > x) & (np.abs(term) <= _EPS * np.abs(total))) | ~np.isfinite(total)
        if done.any():
            flat_out[active[done]] = total[done]
            keep = ~done
            active, a, x, log_x, psi, r, total = (v[keep] for v in (active, a, x, log_x, psi, r, total))
    flat_out[active] = total
    return out


def standard_gamma_grad(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """∂x/∂α of a sample x of Gamma(α, 1) at a fixed quantile (the implicit gradient, module doc)."""
    return -(x / a) * _sum_terms(a, x)


class StandardGamma(Function):
    """z ~ Gamma(α, 1), drawn from a NumPy generator;   ∂z/∂α = −(∂P/∂α)/(∂P/∂z) (module doc)."""

    saved_inputs = ()

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def forward(self, a):
        x = self.rng.standard_gamma(np.asarray(a, dtype=np.float64))
        x = np.maximum(x, np.finfo(a.dtype).tiny).astype(a.dtype)  # never 0: its log must stay finite
        self.a, self.x = a, x
        return x

    def backward(self, g):
        return (g * standard_gamma_grad(self.a, self.x).astype(g.dtype),)


class Gamma(ExponentialFamily):
    """Gamma(concentration α, rate β), batched over their broadcast shape."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        batch_shape = () if is_number(concentration) and is_number(rate) else self.concentration.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """x/β, x ~ Gamma(α, 1) with the implicit gradient ∂x/∂α (module doc)."""
        shape = self._extended_shape(sample_shape)
        standard = StandardGamma(pick_rng(seed, generator))(self.concentration.expand(shape))
        return standard / self.rate.expand(shape)

    def log_prob(self, value: Any) -> Tensor:
        """α ln β + (α − 1) ln x − βx − ln Γ(α)."""
        value = as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (
            self.concentration.xlogy(self.rate)
            + (self.concentration - 1).xlogy(value)
            - self.rate * value
            - self.concentration.lgamma()
        )

    def cdf(self, value: Any) -> Tensor:
        """P(α, βx), the regularised incomplete gamma function."""
        if self._validate_args:
            self._validate_sample(value)
        return igamma(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """α − ln β + ln Γ(α) + (1 − α) ψ(α)."""
        return (
            self.concentration
            - self.rate.log()
            + self.concentration.lgamma()
            + (1.0 - self.concentration) * self.concentration.digamma()
        )
