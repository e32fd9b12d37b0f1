"""From unconstrained reals to a constraint's set, as torch.distributions.constraint_registry.

`transform_to(constraint)` gives a transform from ℝⁿ onto the constraint's set, for optimising a
constrained parameter through an unconstrained one: σ = transform_to(positive)(u) = eᵘ.
`biject_to(constraint)` gives a bijection, with log |det J|, for change of variables in densities (HMC,
variational families): the simplex is reached by stick breaking (bijective, ℝᴷ⁻¹ → K-simplex) rather
than by softmax (ℝᴷ → K-simplex, which is not). Both look a constraint up by its type, so every
GreaterThan (positive included) maps through x ↦ lower_bound + eˣ, as PyTorch's registry does.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from . import constraints
from . import transforms as T

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

Factory = Callable[[constraints.Constraint], T.Transform]


class ConstraintRegistry:
    """A table from constraint types to factories of transforms."""

    def __init__(self) -> None:
        self._registry: dict[type, Factory] = {}

    def register(self, constraint: Any, factory: Factory | None = None) -> Any:
        """Register factory for the type of constraint (an instance or a class); a decorator without
        factory."""
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(
                f"Expected constraint to be either a Constraint subclass or instance, but got {constraint}"
            )
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: constraints.Constraint) -> T.Transform:
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


@biject_to.register(constraints.real)
@transform_to.register(constraints.real)
def _transform_to_real(constraint: Any) -> T.Transform:
    return T.identity_transform


@biject_to.register(constraints.independent)
def _biject_to_independent(constraint: Any) -> T.Transform:
    return T.IndependentTransform(biject_to(constraint.base_constraint), constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_to_independent(constraint: Any) -> T.Transform:
    return T.IndependentTransform(
        transform_to(constraint.base_constraint), constraint.reinterpreted_batch_ndims
    )


@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
@transform_to.register(constraints.greater_than)
@transform_to.register(constraints.greater_than_eq)
def _transform_to_greater_than(constraint: Any) -> T.Transform:
    """x ↦ lower_bound + eˣ."""
    return T.ComposeTransform([T.ExpTransform(), T.AffineTransform(constraint.lower_bound, 1)])


@biject_to.register(constraints.less_than)
@transform_to.register(constraints.less_than)
def _transform_to_less_than(constraint: Any) -> T.Transform:
    """x ↦ upper_bound − eˣ."""
    return T.ComposeTransform([T.ExpTransform(), T.AffineTransform(constraint.upper_bound, -1)])


@biject_to.register(constraints.interval)
@biject_to.register(constraints.half_open_interval)
@transform_to.register(constraints.interval)
@transform_to.register(constraints.half_open_interval)
def _transform_to_interval(constraint: Any) -> T.Transform:
    """x ↦ lower + (upper − lower)·σ(x); σ alone for the unit interval."""
    low, high = constraint.lower_bound, constraint.upper_bound
    if isinstance(low, numbers.Number) and low == 0 and isinstance(high, numbers.Number) and high == 1:
        return T.SigmoidTransform()
    return T.ComposeTransform([T.SigmoidTransform(), T.AffineTransform(low, high - low)])


@biject_to.register(constraints.simplex)
def _biject_to_simplex(constraint: Any) -> T.Transform:
    return T.StickBreakingTransform()


@transform_to.register(constraints.simplex)
def _transform_to_simplex(constraint: Any) -> T.Transform:
    return T.SoftmaxTransform()


@biject_to.register(constraints.stack)
def _biject_to_stack(constraint: Any) -> T.Transform:
    return T.StackTransform([biject_to(c) for c in constraint.cseq], constraint.dim)


@transform_to.register(constraints.stack)
def _transform_to_stack(constraint: Any) -> T.Transform:
    return T.StackTransform([transform_to(c) for c in constraint.cseq], constraint.dim)
