"""Ways to make tensors: from data, filled with a constant, random, ranges."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from .tensor import Tensor, as_array

__all__ = ["arange", "eye", "full", "ones", "ones_like", "rand", "randn", "tensor", "zeros", "zeros_like"]


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"a shape holds non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype: Any) -> np.dtype:
    return backend.get_default_dtype() if dtype is None else np.dtype(dtype)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (as torch.tensor)."""
    return Tensor(np.array(as_array(data, dtype), copy=True), requires_grad=requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape = _shape((shape,) if isinstance(shape, (int, np.integer)) else (tuple(shape),))
    if dtype is None:
        dtype = backend.get_default_dtype() if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.zeros_like(data, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.ones_like(data, dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any, dtype: Any = None, requires_grad: bool = False, seed: int | np.random.Generator | None = None
) -> Tensor:
    """Samples of N(0, 1); `seed` (an int or a Generator) makes them reproducible."""
    rng = backend.as_generator(seed)
    data = rng.standard_normal(_shape(shape)).astype(_float_dtype(dtype), copy=False)
    return Tensor(data, requires_grad=requires_grad)


def rand(
    *shape: Any, dtype: Any = None, requires_grad: bool = False, seed: int | np.random.Generator | None = None
) -> Tensor:
    """Samples of U[0, 1); `seed` (an int or a Generator) makes them reproducible."""
    rng = backend.as_generator(seed)
    data = rng.random(_shape(shape)).astype(_float_dtype(dtype), copy=False)
    return Tensor(data, requires_grad=requires_grad)


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in [start, stop); integers stay int64, floats get the default dtype."""
    if stop is None:
        start, stop = 0, start
    data = np.arange(start, stop, step)
    if dtype is not None:
        data = data.astype(dtype)
    elif data.dtype == np.float64:
        data = data.astype(backend.get_default_dtype())
    return Tensor(data, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n × m, ones on the diagonal)."""
    return Tensor(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad=requires_grad)
