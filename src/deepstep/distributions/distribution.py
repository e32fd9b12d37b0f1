"""Distribution: the base of every family, as torch.distributions.Distribution.

A distribution holds a batch of independent distributions (`batch_shape`), each over values of
`event_shape`. `sample(sample_shape)` draws values of shape sample_shape + batch_shape + event_shape
without a gradient; `rsample` draws them as a differentiable function of the parameters and of
parameter-free noise (the reparameterisation trick, x = μ + σ·ε for a Normal), so a loss of the
sample sends gradients back to the parameters. log_prob, cdf, icdf, entropy, mean, mode and
variance are tensor expressions of the parameters, differentiable too.

Validation is on by default, as in PyTorch (off under `python -O`, or with validate_args=False, or
Distribution.set_default_validate_args(False)): a parameter outside its constraint, or a value
outside the support given to log_prob or cdf, raises ValueError with PyTorch's message.

Samples come from NumPy generators: `generator=` (a numpy Generator) or `seed=`, else the library
generator that deepstep.manual_seed reseeds; the same distributions as PyTorch, not its streams.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Size, Tensor, no_grad
from . import constraints
from .constraints import fmt
from .utils import Seed, broadcast_all, is_number, lazy_property

__all__ = ["Distribution"]


def _shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


class Distribution:
    """The base class of probability distributions (see the module doc)."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for every distribution made afterwards without validate_args."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args takes True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(
        self,
        batch_shape: tuple[int, ...] = (),
        event_shape: tuple[int, ...] = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = Size(batch_shape)  # torch.Size, as PyTorch's
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                    continue  # probs when logits were given, and the like
                value = getattr(self, param)
                if not constraint.check(value).data.all():
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                        f"of distribution {self!r} to satisfy the constraint {constraint!r}, "
                        f"but found invalid values:\n{fmt(value)}"
                    )

    # ----- shapes ------------------------------------------------------------------------------
    @property
    def batch_shape(self) -> Size:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of one sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> Size:
        return Size((*tuple(sample_shape), *self._batch_shape, *self._event_shape))

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A distribution with its parameters expanded (without copying) to batch_shape."""
        raise NotImplementedError

    def _get_checked_instance(self, cls: type, _instance: Any = None) -> Any:
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom __init__ method "
                "must also define a custom .expand() method."
            )
        return self.__new__(type(self)) if _instance is None else _instance

    def _expanded(
        self, new: Distribution, batch_shape: tuple[int, ...], event_shape: tuple[int, ...] = ()
    ) -> Any:
        """Finish an expand: new's shapes set without validation, and self's validation setting kept."""
        Distribution.__init__(new, batch_shape, event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    # ----- what a family defines ----------------------------------------------------------------
    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """The constraint each tensor parameter must satisfy."""
        raise NotImplementedError

    @property
    def support(self) -> constraints.Constraint:
        """The constraint the values satisfy."""
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def sample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """Samples of shape sample_shape + batch_shape + event_shape, with no gradient."""
        with no_grad():
            return self.rsample(sample_shape, generator=generator, seed=seed)

    def rsample(
        self, sample_shape: Any = (), *, generator: np.random.Generator | None = None, seed: Seed = None
    ) -> Tensor:
        """Reparameterised samples: a differentiable function of the parameters and of the noise."""
        raise NotImplementedError

    def log_prob(self, value: Any) -> Tensor:
        """ln p(value), the log of the density (or of the mass function)."""
        raise NotImplementedError

    def cdf(self, value: Any) -> Tensor:
        """P(X ≤ value)."""
        raise NotImplementedError

    def icdf(self, value: Any) -> Tensor:
        """The value whose cdf is the given probability."""
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete distribution along dim 0: shape (cardinality,) + batch_shape +
        event_shape (singleton batch dims when expand=False)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """H = −E[ln p(X)], of shape batch_shape."""
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        """e^H."""
        return self.entropy().exp()

    # ----- validation --------------------------------------------------------------------------
    def _validate_sample(self, value: Any) -> None:
        """Refuse a value that is not a tensor, does not broadcast with batch_shape + event_shape, or
        lies outside the support (PyTorch's checks and messages)."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_start = value.ndim - len(self._event_shape)
        if tuple(value.shape[event_start:]) != self._event_shape:
            raise ValueError(
                f"The right-most size of value must match event_shape: {_shape_text(value.shape)} vs "
                f"{_shape_text(self._event_shape)}."
            )
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(value.shape), reversed(expected), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    "Value is not broadcastable with batch_shape+event_shape: "
                    f"{_shape_text(value.shape)} vs {_shape_text(expected)}."
                )
        support = self.support
        if not support.check(value).data.all():
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({support!r}) of the distribution {self!r}, "
                f"but found invalid values:\n{fmt(value)}"
            )

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        values = [self.__dict__[k] for k in names]
        shown = (
            f"{k}: {fmt(v) if v.numel() == 1 else _shape_text(v.shape)}"
            for k, v in zip(names, values, strict=True)
        )
        return f"{type(self).__name__}({', '.join(shown)})"


class ExponentialFamily(Distribution):
    """The base of the exponential families (Normal, Bernoulli, Beta, Gamma, Exponential, Poisson,
    Dirichlet), as in PyTorch; each of them writes its entropy out."""


class LocationScale(Distribution):
    """What the families of a location and a scale share (Normal, Laplace): loc and scale broadcast
    together, their shape the batch shape; expand; the mean and the mode at loc; rsample by
    loc + scale·(the family's standard noise)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = () if is_number(loc) and is_number(scale) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Any:
        new = self._get_checked_instance(LocationScale, _instance)
        batch_shape = tuple(batch_shape)
        new.loc, new.scale = self.loc.expand(batch_shape), self.scale.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc
