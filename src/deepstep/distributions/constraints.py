"""The sets a distribution's parameters and values live in, as torch.distributions.constraints.

A constraint answers `check(value)`: a bool Tensor over the batch dims (the `event_dim` rightmost dims
of value are one event, checked as a whole). Distributions check their parameters against
`arg_constraints` and, when validating, log_prob's values against `support`. The checks read the
values only (no gradient) and the reprs are PyTorch's ("GreaterThan(lower_bound=0.0)").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor

__all__ = [
    "Constraint",
    "boolean",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "lower_triangular",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "positive_integer",
    "real",
    "real_vector",
    "simplex",
    "stack",
    "symmetric",
    "unit_interval",
]


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def fmt(x: Any) -> str:
    """x as PyTorch's f-strings show it: a 0-d tensor as its number, another tensor as the tensor."""
    if isinstance(x, Tensor) and x.ndim == 0:
        return format(x.item())
    return str(x)


class Constraint:
    """A set of values: `check(value)` says, per batch element, whether value lies in it."""

    is_discrete = False  # the values are integers (or one-hot vectors)
    event_dim = 0  # how many rightmost dims make one value

    def check(self, value: Any) -> Tensor:
        return Tensor(np.asarray(self._check(_array(value))))

    def _check(self, value: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__[1:] + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (a Uniform's support): it cannot be checked alone."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        self._is_discrete, self._event_dim = is_discrete, event_dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self._is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self._event_dim

    def __call__(self, *, is_discrete: bool = False, event_dim: int = 0) -> _Dependent:
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value: Any) -> Tensor:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: Any) -> bool:
    """Whether constraint depends on other parameters (and so is not checked)."""
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property of a distribution that is also a dependent constraint: on the class it reads as
    `dependent`, on an instance it gives the instance's constraint (Uniform's interval(low, high))."""

    def __init__(self, fn: Any = None, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn: Any) -> _DependentProperty:  # type: ignore[override]
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


def dependent_property(fn: Any = None, *, is_discrete: bool = False, event_dim: int = 0) -> Any:
    """Decorator for a support that depends on the parameters (as torch's)."""
    if fn is None:
        return _DependentProperty(is_discrete=is_discrete, event_dim=event_dim)
    return _DependentProperty(fn, is_discrete=is_discrete, event_dim=event_dim)


class _IndependentConstraint(Constraint):
    """base_constraint on each element, reinterpreted_batch_ndims more dims making one event."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(
                f"reinterpreted_batch_ndims must be an int >= 0, got {reinterpreted_batch_ndims}"
            )
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def _check(self, value: np.ndarray) -> np.ndarray:
        result = self.base_constraint._check(value)
        if result.ndim < self.reinterpreted_batch_ndims:
            expected = self.base_constraint.event_dim + self.reinterpreted_batch_ndims
            raise ValueError(f"Expected value.dim() >= {expected} but got {value.ndim}")
        if self.reinterpreted_batch_ndims:
            result = result.all(axis=tuple(range(-self.reinterpreted_batch_ndims, 0)))
        return result

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Boolean(Constraint):
    is_discrete = True

    def _check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def _check(self, value):
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, value):
        return (value % 1 == 0) & (_array(self.lower_bound) <= value) & (value <= _array(self.upper_bound))

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={fmt(self.lower_bound)}, upper_bound={fmt(self.upper_bound)})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _check(self, value):
        return (value % 1 == 0) & (value >= _array(self.lower_bound))

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={fmt(self.lower_bound)})"


class _Real(Constraint):
    """The extended real line (±inf included, NaN not)."""

    def _check(self, value):
        return value == value  # False for NaN


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _check(self, value):
        return _array(self.lower_bound) < value

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={fmt(self.lower_bound)})"


class _GreaterThanEq(_GreaterThan):
    def _check(self, value):
        return _array(self.lower_bound) <= value

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={fmt(self.lower_bound)})"


class _LessThan(Constraint):
    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def _check(self, value):
        return value < _array(self.upper_bound)

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={fmt(self.upper_bound)})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, value):
        return (_array(self.lower_bound) <= value) & (value <= _array(self.upper_bound))

    def __repr__(self) -> str:
        return f"Interval(lower_bound={fmt(self.lower_bound)}, upper_bound={fmt(self.upper_bound)})"


class _HalfOpenInterval(_Interval):
    def _check(self, value):
        return (_array(self.lower_bound) <= value) & (value < _array(self.upper_bound))

    def __repr__(self) -> str:
        return f"HalfOpenInterval(lower_bound={fmt(self.lower_bound)}, upper_bound={fmt(self.upper_bound)})"


class _Simplex(Constraint):
    """Nonnegative vectors summing to 1 (to 1e-6, as PyTorch's)."""

    event_dim = 1

    def _check(self, value):
        return (value >= 0).all(-1) & (np.abs(value.sum(-1) - 1) < 1e-6)


class _LowerTriangular(Constraint):
    event_dim = 2

    def _check(self, value):
        return (np.tril(value) == value).all((-2, -1))


class _LowerCholesky(Constraint):
    """Lower triangular with a positive diagonal."""

    event_dim = 2

    def _check(self, value):
        lower = (np.tril(value) == value).all((-2, -1))
        return lower & (np.diagonal(value, axis1=-2, axis2=-1) > 0).all(-1)


class _Symmetric(Constraint):
    """Square and equal to its transpose (to 1e-6)."""

    event_dim = 2

    def _check(self, value):
        if value.ndim < 2 or value.shape[-1] != value.shape[-2]:
            return np.zeros(value.shape[:-2], dtype=bool)
        return np.isclose(value, np.swapaxes(value, -1, -2), atol=1e-6).all((-2, -1))

    def __repr__(self) -> str:
        return "Symmetric()"


class _PositiveDefinite(_Symmetric):
    """Symmetric with a Cholesky factor (all eigenvalues positive)."""

    def _check(self, value):
        symmetric = super()._check(value)
        if not symmetric.all():
            return symmetric
        try:
            np.linalg.cholesky(value)
            return np.ones(value.shape[:-2], dtype=bool)
        except np.linalg.LinAlgError:  # some matrix of the batch is not: find which
            return np.linalg.eigvalsh(value).min(-1) > 0

    def __repr__(self) -> str:
        return "PositiveDefinite()"


class _Stack(Constraint):
    """cseq[i] on the i-th slice of value along dim (the constraint of a StackTransform's parts)."""

    def __init__(self, cseq: list[Constraint], dim: int = 0) -> None:
        if not all(isinstance(c, Constraint) for c in cseq):
            raise AssertionError("All elements of cseq must be Constraint instances")
        self.cseq, self.dim = list(cseq), dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        dim = max(c.event_dim for c in self.cseq)
        return dim + 1 if self.dim + dim < 0 else dim

    def _check(self, value):
        if not -value.ndim <= self.dim < value.ndim:
            raise AssertionError(f"dim {self.dim} out of range for value with {value.ndim} dimensions")
        slices = [np.take(value, i, axis=self.dim) for i in range(value.shape[self.dim])]
        return np.stack([c._check(v) for v, c in zip(slices, self.cseq, strict=False)], self.dim)


# PyTorch's names: instances for the fixed sets, functions (their classes) for the parametrised ones
dependent = _Dependent()
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = _IndependentConstraint(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
symmetric = _Symmetric()
positive_definite = _PositiveDefinite()
independent = _IndependentConstraint
stack = _Stack
