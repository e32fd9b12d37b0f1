"""One entry of the op catalogue: an op, the inputs that exercise it, and PyTorch's spelling of
the same computation (the oracle the test suite holds it to)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor

__all__ = ["DOMAINS", "OpCase", "make_inputs"]


def _real(rng, shape):
    return rng.standard_normal(shape)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


def _unit(rng, shape):
    return rng.uniform(-0.9, 0.9, shape)


def _above_one(rng, shape):
    return rng.uniform(1.2, 3.0, shape)


def _int(rng, shape):
    return rng.integers(-5, 6, shape).astype(np.int64)


def _bool(rng, shape):
    return rng.random(shape) > 0.5


def _distinct(rng, shape):
    """Distinct values (no ties), for sorting, medians and extremes: a shuffled grid plus noise."""
    n = int(np.prod(shape))
    return (rng.permutation(n) + rng.uniform(0.1, 0.9, n)).reshape(shape) / max(n, 1) * 4 - 2


#: How each kind of input is drawn (float64 unless the name says otherwise).
DOMAINS: dict[str, Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]] = {
    "real": _real,  # N(0, 1)
    "positive": _positive,  # U[0.5, 2]: logs, roots, divisors
    "nonzero": _nonzero,  # ±U[0.2, 2]: away from kinks (abs, relu) and poles
    "unit": _unit,  # U[−0.9, 0.9]: asin, atanh, erfinv
    "above_one": _above_one,  # U[1.2, 3]: acosh
    "distinct": _distinct,  # no two equal: sort, topk, median, max with indices
    "int": _int,  # int64 in [−5, 5]
    "bool": _bool,
}


@dataclass(frozen=True)
class OpCase:
    """One op applied to inputs of the given shapes, drawn from `domain` (one name, or one per input).

    `torch(torch_module, *tensors)` is the same computation in PyTorch; the test suite compares
    values, dtypes, shapes and gradients with it. `differentiable=False` marks ops whose output
    has no gradient (comparisons, argmax): only their values and dtypes are compared."""

    name: str
    fn: Callable[..., Tensor]
    shapes: tuple[tuple[int, ...], ...]
    domain: str | tuple[str, ...] = "real"
    torch: Callable[..., Any] | None = None
    differentiable: bool = True
    #: tolerance of the comparison with PyTorch in float64 (looser only where the formula differs)
    rtol: float = 1e-6
    atol: float = 1e-12

    def domains(self) -> tuple[str, ...]:
        if isinstance(self.domain, str):
            return (self.domain,) * len(self.shapes)
        if len(self.domain) != len(self.shapes):
            raise ValueError(f"{self.name}: {len(self.domain)} domains for {len(self.shapes)} inputs")
        return self.domain


def make_inputs(case: OpCase, seed: int = 0) -> list[np.ndarray]:
    """The inputs of a case, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return [DOMAINS[domain](rng, shape) for domain, shape in zip(case.domains(), case.shapes, strict=True)]


def values_case(name: str, fn: Any, shapes: Any, domain: Any, twin: Any) -> OpCase:
    """A case whose output has no gradient (integers, bools, comparisons): values and dtypes only."""
    return OpCase(name, fn, shapes, domain, torch=twin, differentiable=False)
