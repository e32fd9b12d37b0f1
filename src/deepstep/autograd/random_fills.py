"""More in-place random fills (random_, exponential_, geometric_, log_normal_, cauchy_) and
torch.poisson, with the `seed=`/`generator=` of the other samplers (random.py). Each fill is a Draw,
so a tensor filled in the graph gets a zero gradient for its old values, as in PyTorch; poisson's
gradient with respect to the rates is zero, as PyTorch defines it."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..errors import DTypeError, DTypeNotImplementedError, ValueRangeError
from .function import Function
from .random import Draw, Seed, _integers, _standard_normal, _uniform
from .tensor import Tensor

__all__ = ["poisson"]

TENSOR_METHODS = ("cauchy_", "exponential_", "geometric_", "log_normal_", "random_")

# the integers every float of the dtype can hold exactly: random_() draws from [0, 2^digits]
_MANTISSA = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


def _continuous(name: str, dtype: np.dtype, law: str) -> None:
    if dtype.kind != "f":
        raise DTypeError(
            f"{law} distribution is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {dtype} ({name})"
        )


def random_(
    self: Tensor,
    from_: int = 0,
    to: int | None = None,
    *,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
    **keyword: Any,
) -> Tensor:
    """Fill self with integers drawn uniformly: random_() from [0, the dtype's largest] (for floats
    [0, 2^mantissa], every one exactly representable), random_(to) from [0, to), random_(from, to)
    from [from, to). PyTorch spells the first argument `from`, which Python reserves."""
    named_from = "from" in keyword
    if named_from:
        from_ = keyword.pop("from")
    if keyword:
        raise TypeError(f"random_() got unexpected keyword arguments {sorted(keyword)}")
    dtype = self.dtype
    if to is None and from_ != 0 and not named_from:
        low, high = 0, from_  # random_(to)
    else:
        low = from_
        if to is not None:
            high = to
        elif dtype.kind == "f":
            high = 2 ** _MANTISSA[dtype] + 1
        elif dtype.kind == "b":
            high = 2
        else:
            high = int(np.iinfo(dtype).max) + 1
    if dtype.kind in "iu" and high - 1 > np.iinfo(dtype).max:
        raise ValueRangeError(f"to - 1 is out of bounds for {dtype}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        return _integers(rng, low, high, shape, np.dtype(np.int64)).astype(dtype)

    return Draw(sample).inplace(self)


def exponential_(
    self: Tensor, lambd: float = 1.0, *, generator: np.random.Generator | None = None, seed: Seed = None
) -> Tensor:
    """Fill self with samples of Exp(λ), density λe^(−λx) on x ≥ 0."""
    _continuous("exponential_", self.dtype, "Exponential")
    if not lambd > 0:
        raise ValueRangeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        return (-np.log1p(-_uniform(rng, shape, np.dtype(np.float64))) / lambd).astype(dtype)

    return Draw(sample).inplace(self)


def geometric_(
    self: Tensor, p: float, *, generator: np.random.Generator | None = None, seed: Seed = None
) -> Tensor:
    """Fill self with the number of Bernoulli(p) trials up to the first success: k ≥ 1 with
    probability (1 − p)^(k−1)·p."""
    if not 0 < p < 1:
        raise ValueRangeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        return rng.geometric(p, size=shape).astype(dtype)

    return Draw(sample).inplace(self)


def log_normal_(
    self: Tensor,
    mean: float = 1.0,
    std: float = 2.0,
    *,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
) -> Tensor:
    """Fill self with e^X, X ~ N(mean, std²)."""
    if self.dtype.kind != "f":
        raise DTypeNotImplementedError(f'"log_normal_cpu" not implemented for {self.dtype}')
    if not std > 0:
        raise ValueRangeError(f"log_normal_ expects std > 0.0, but found std={std}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        return np.exp(mean + std * _standard_normal(rng, shape, np.dtype(np.float64))).astype(dtype)

    return Draw(sample).inplace(self)


def cauchy_(
    self: Tensor,
    median: float = 0.0,
    sigma: float = 1.0,
    *,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
) -> Tensor:
    """Fill self with samples of the Cauchy law: median + σ·tan(π(U − ½)), U ~ U[0, 1)."""
    _continuous("cauchy_", self.dtype, "Cauchy")
    if not sigma > 0:
        raise ValueRangeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        u = _uniform(rng, shape, np.dtype(np.float64))
        return (median + sigma * np.tan(np.pi * (u - 0.5))).astype(dtype)

    return Draw(sample).inplace(self)


class Poisson(Function):
    """z ~ Poisson(rate), elementwise;   ∂z/∂rate = 0 (PyTorch's definition: a draw has no slope)."""

    saved_inputs = ()

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def forward(self, rate):
        return self.rng.poisson(rate).astype(rate.dtype)

    def backward(self, g):
        return (np.zeros_like(g),)


def poisson(input: Any, generator: np.random.Generator | None = None, *, seed: Seed = None) -> Tensor:
    """A Poisson draw for each rate of input (a float tensor of rates ≥ 0), in input's dtype."""
    rate = input.data if isinstance(input, Tensor) else np.asarray(input)
    if rate.dtype.kind != "f":
        raise DTypeNotImplementedError(f'"poisson_cpu" not implemented for {rate.dtype}')
    if rate.size and not np.all(rate >= 0):
        raise ValueRangeError("invalid Poisson rate, expected rate to be non-negative")
    return Poisson(backend.pick_generator(seed, generator))(input)
