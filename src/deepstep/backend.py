"""The array backend: NumPy, the default floating dtype, random generators, and how freed
memory is kept.

Everything above this layer asks here which dtype a new float tensor gets and
where its random numbers come from, so both can be set in one place.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

import numpy as np

__all__ = [
    "as_generator",
    "default_generator",
    "get_default_dtype",
    "in_layout_of",
    "manual_seed",
    "set_default_dtype",
    "tune_malloc",
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


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 2**20  # the largest value glibc accepts on 64-bit systems


def tune_malloc(enable: bool = True) -> bool:
    """Let glibc's malloc keep freed blocks of up to 32 MB for reuse instead of returning them to
    the system. A training step allocates and frees the same large arrays (im2col buffers,
    activations, their gradients) again and again; by default glibc maps each one afresh and
    unmaps it when freed, so every step pays a page fault for every 4 KB it touches — 20 of the
    85 ms of a small CNN's step, measured (BENCHMARKS.md). With this, freed memory stays in the
    process (its resident size stays at its peak) and is reused.

    Called when deepstep is imported, unless the environment sets DEEPSTEP_TUNE_MALLOC=0. It changes
    the whole process, as the MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ environment
    variables would. enable=False restores glibc's defaults (dynamic thresholds are not restored).
    Returns whether the settings were applied (False off glibc Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: nothing to tune
        return False
    mmap_threshold, trim_threshold = (_MMAP_THRESHOLD_MAX, 2**31 - 1) if enable else (128 * 1024, 128 * 1024)
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )


if os.environ.get("DEEPSTEP_TUNE_MALLOC", "1") != "0":
    tune_malloc()


def in_layout_of(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """a, copied into like's memory layout (axis order) when its own differs: ufuncs and einsum
    that mix layouts read one operand across its strides and run several times slower."""
    if np.argsort(a.strides).tolist() == np.argsort(like.strides).tolist():
        return a
    copy = np.empty_like(like, dtype=a.dtype)
    np.copyto(copy, a)
    return copy
