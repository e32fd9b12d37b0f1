"""The array backend: NumPy, the default floating dtype, and random generators.

Everything above this layer asks here which dtype a new float tensor gets and
where its random numbers come from, so both can be set in one place.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "as_generator",
    "default_generator",
    "get_default_dtype",
    "manual_seed",
    "set_default_dtype",
]

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype: np.dtype = np.dtype(np.float32)
_default_generator: np.random.Generator = np.random.default_rng()


def get_default_dtype() -> np.dtype:
    """The dtype given to tensors built from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: np.dtype | type | str) -> None:
    """Set the dtype given to tensors built from Python floats; it must be a float dtype."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"default dtype must be float16, float32 or float64, got {dtype}")
    _default_dtype = dtype


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library-wide generator used when no `seed` is passed; returns it."""
    global _default_generator
    _default_generator = np.random.default_rng(seed)
    return _default_generator


def default_generator() -> np.random.Generator:
    """The library-wide generator (seeded by `manual_seed`)."""
    return _default_generator


def as_generator(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """A Generator from an int seed, an existing Generator, or None (the library-wide one)."""
    if seed is None:
        return _default_generator
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")
    return np.random.default_rng(int(seed))
