"""TransformedDistribution: the law of Y = fₙ(… f₁(X)) for X from a base distribution, as
torch.distributions.TransformedDistribution.

Samples are the base's samples pushed through the transforms (rsample keeps the graph, so a
reparameterised base gives a reparameterised Y). The density follows the change of variables,

    ln p_Y(y) = ln p_X(x) − Σᵢ ln |det ∂fᵢ/∂x|,   x = f⁻¹(y),

with each term summed over the event dims it does not couple itself. The cdf of a monotone chain is
the base's cdf at f⁻¹(y), flipped (1 − F) when the chain decreases.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Size, Tensor, no_grad
from . import constraints
from .distribution import Distribution
from .independent import Independent
from .transforms import ComposeTransform, Transform
from .utils import Seed, sum_rightmost

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """base_distribution pushed through transforms (a Transform or a list, applied first to last)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        transforms: Transform | list[Transform],
        validate_args: bool | None = None,
    ) -> None:
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError("transforms must be a Transform or a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(
                f"base_distribution needs to have shape with size at least {transform.domain.event_dim}, "
                f"but got {tuple(base_shape)}."
            )
        # parameters of the transforms may broadcast the base's batch to a larger one
        forward_shape = tuple(transform.forward_shape(tuple(base_shape)))
        expanded_base_shape = tuple(transform.inverse_shape(forward_shape))
        if tuple(base_shape) != expanded_base_shape:
            base_distribution = base_distribution.expand(
                expanded_base_shape[: len(expanded_base_shape) - base_event_dim]
            )
        # dims the transform couples but the base treats as batch become the base's event dims
        reinterpreted_batch_ndims = transform.domain.event_dim - base_event_dim
        if reinterpreted_batch_ndims > 0:
            base_distribution = Independent(base_distribution, reinterpreted_batch_ndims)
        self.base_dist = base_distribution
        event_dim = max(
            transform.codomain.event_dim,  # the transform couples them
            base_event_dim + transform.codomain.event_dim - transform.domain.event_dim,  # the base does
        )
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> TransformedDistribution:
        new = self._get_checked_instance(TransformedDistribution, _instance)
        batch_shape = tuple(batch_shape)
        shape: tuple[int, ...] = batch_shape + tuple(self.event_shape)
        for t in reversed(self.transforms):
            shape = tuple(t.inverse_shape(shape))
        new.base_dist = self.base_dist.expand(shape[: len(shape) - len(self.base_dist.event_shape)])
        new.transforms = self.transforms
        return self._expanded(new, batch_shape, tuple(self.event_shape))

    @constraints.dependent_property(is_discrete=False)
    def support(self) -> constraints.Constraint:
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape) - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """The base's samples through the transforms, without a graph."""
        with no_grad():
            x = self.base_dist.sample(Size(tuple(sample_shape)), generator=generator, seed=seed)
            for transform in self.transforms:
                x = transform(x)
            return x

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """The base's reparameterised samples through the transforms."""
        x = self.base_dist.rsample(Size(tuple(sample_shape)), generator=generator, seed=seed)
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value: Any) -> Tensor:
        """ln p_X(f⁻¹(y)) − Σᵢ ln |det ∂fᵢ/∂x| (module doc)."""
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self.event_shape)
        log_prob: Any = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - sum_rightmost(
                transform.log_abs_det_jacobian(x, y), event_dim - transform.domain.event_dim
            )
            y = x
        return log_prob + sum_rightmost(
            self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape)
        )

    def _monotonize_cdf(self, value: Any) -> Any:
        """F, or 1 − F where the chain of transforms decreases (sign −1)."""
        sign: Any = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Any) -> Tensor:
        """F_X(f⁻¹(y)) for an increasing chain, 1 − F_X(f⁻¹(y)) for a decreasing one."""
        for transform in self.transforms[::-1]:
            value = transform.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Any) -> Tensor:
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for transform in self.transforms:
            value = transform(value)
        return value
