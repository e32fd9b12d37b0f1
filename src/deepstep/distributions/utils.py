"""The helpers the families share (torch.distributions.utils): broadcasting parameters, probabilities
and logits, cached properties, and the draws of standard noise from a NumPy generator."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor, broadcast_tensors, enable_grad, softmax

__all__ = [
    "broadcast_all",
    "clamp_probs",
    "lazy_property",
    "logits_to_probs",
    "probs_to_logits",
]

Seed = int | np.random.Generator | None


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values as tensors of one shape: numbers take the dtype of the first tensor among them (the
    default float dtype when there is none), then everything broadcasts (PyTorch's rule). NumPy
    arrays count as tensors."""
    if not all(isinstance(v, (Tensor, np.ndarray, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, deepstep.Tensor or numpy.ndarray.")
    tensors = [v for v in values if isinstance(v, (Tensor, np.ndarray))]
    dtype = as_tensor(tensors[0]).dtype if tensors else backend.get_default_dtype()
    converted = [
        as_tensor(v) if isinstance(v, (Tensor, np.ndarray)) else as_tensor(v, dtype=dtype) for v in values
    ]
    shapes = {v.shape for v in converted}
    return tuple(converted) if len(shapes) == 1 else tuple(broadcast_tensors(*converted))


def is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """σ(logits) for a binary variable, softmax over the last dim for a categorical one."""
    return logits.sigmoid() if is_binary else softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped to [eps, 1 − eps] (eps of its dtype), so that their logs stay finite."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """ln p − ln(1 − p) for a binary variable, ln p for a categorical one (p clamped first)."""
    clamped = clamp_probs(probs)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


def normalized_log_probs(logits: Tensor) -> Tensor:
    """logits − logsumexp(logits): the log-probabilities a categorical's logits stand for."""
    return logits - logits.logsumexp(dim=-1, keepdim=True)


class lazy_property:
    """A property computed on first use and then stored on the instance (probs from logits and back).
    It is computed with gradients on, so that it stays differentiable when first read under no_grad."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """value summed over its `dim` rightmost dims."""
    if dim == 0:
        return value
    return value.sum(tuple(range(-dim, 0)))


# ----- standard noise, from a NumPy generator --------------------------------------------------
def pick_rng(seed: Seed, generator: np.random.Generator | None) -> np.random.Generator:
    """`seed` (deepstep's word) or `generator` (PyTorch's); the library generator with neither."""
    return backend.pick_generator(seed, generator)


def noise(draw: Callable[..., np.ndarray], shape: tuple[int, ...], dtype: Any) -> Tensor:
    """A tensor of draw(size=shape) in dtype (NumPy draws in float64, then rounds)."""
    return Tensor(np.asarray(draw(size=shape), dtype=np.float64).astype(dtype, copy=False))
