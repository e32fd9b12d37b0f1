"""The array backend: NumPy, the default floating dtype, random generators, the one device (the
CPU), and how freed memory is kept.

Everything above this layer asks here which dtype a new float tensor gets and
where its random numbers come from, so both can be set in one place.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import ctypes.util
import os
import sys
from typing import Any

import numpy as np

from .errors import DeviceError
from .random_state import Generator

__all__ = [
    "DeviceError",
    "Generator",
    "as_generator",
    "channels_last",
    "channels_last_3d",
    "check_device",
    "contiguous_format",
    "cuda",
    "default_generator",
    "device",
    "get_default_dtype",
    "get_num_threads",
    "in_layout_of",
    "is_device_like",
    "manual_seed",
    "memory_format",
    "pick_generator",
    "preserve_format",
    "set_default_dtype",
    "set_num_threads",
    "single_threaded_blas",
    "tune_malloc",
]

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype: np.dtype = np.dtype(np.float32)
# PyTorch's default_generator: one object, reseeded in place, so whoever holds it follows manual_seed
_default_generator: Generator = Generator()
_default_generator.seed()  # a fresh process draws fresh numbers, as PyTorch's does


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


def manual_seed(seed: int) -> Generator:
    """torch.manual_seed: reseed the library-wide generator in place (the draws of
    numpy.random.default_rng(int(seed))); returns it, a deepstep.Generator (a NumPy Generator too)."""
    return _default_generator.manual_seed(int(seed))  # int() first, as PyTorch's (1.5 and "3" pass)


def default_generator() -> Generator:
    """The library-wide generator (seeded by `manual_seed`; deepstep.default_generator)."""
    return _default_generator


def as_generator(seed: int | np.random.Generator | None = None, *, name: str = "seed") -> np.random.Generator:
    """A Generator from an int seed, an existing Generator (a deepstep.Generator is one), or None
    (the library-wide one). `name` is the argument's, for the error."""
    if seed is None:
        return _default_generator
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"{name} must be a deepstep.Generator, a numpy Generator, an int seed or None, "
            f"got {type(seed).__name__}"
        )
    return np.random.default_rng(int(seed))


def pick_generator(
    seed: int | np.random.Generator | None, generator: np.random.Generator | None
) -> np.random.Generator:
    """`seed` (deepstep's word: an int or a Generator) or `generator` (PyTorch's), not both."""
    if seed is not None and generator is not None:
        raise TypeError("pass either seed or generator, not both")
    if generator is not None:
        return as_generator(generator, name="generator")
    return as_generator(seed)


# ----- devices: PyTorch's spelling of where data lives; deepstep has the CPU only -----------------
# PyTorch's list of device types, so that a device that exists elsewhere gets "not available here"
# and a misspelt one gets "no such device".
_DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
    "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)  # fmt: skip


class device:  # PyTorch's name (torch.device), lower case
    """Where a tensor's data lives, as torch.device: device("cpu"), device("cuda:0"), device("cuda", 1).

    Any device can be named (code that picks one at run time keeps working); only the CPU can hold
    data, and asking for another raises a DeviceError. A device equals its string ("cpu")."""

    __slots__ = ("index", "type")

    def __init__(self, type: str | device | int, index: int | None = None) -> None:  # noqa: A002
        spec = type
        if isinstance(spec, device):
            spec, index = spec.type, spec.index if index is None else index
        elif isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
            spec, index = "cuda", int(spec)  # a bare ordinal names a CUDA device, as in PyTorch
        elif not isinstance(spec, str):
            raise TypeError(
                f"device() takes a string, a device or an int, got {builtins.type(spec).__name__}"
            )
        name, colon, number = spec.partition(":")
        if colon:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"invalid device string: {spec!r} (expected e.g. 'cpu' or 'cuda:0')")
            index = int(number)
        if name not in _DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {spec}"
            )
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type: str = name
        self.index: int | None = None if index is None else int(index)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash(str(self))  # equal to its string, so it hashes as the string does


CPU = device("cpu")


def is_device_like(x: object) -> bool:
    """Whether x names a device (a string, a device or a CUDA ordinal) rather than a dtype."""
    return isinstance(x, (str, device)) or (isinstance(x, (int, np.integer)) and not isinstance(x, bool))


def check_device(where: str | device | int | None) -> device:
    """The CPU device for None, "cpu", "cpu:0" or device("cpu"); a DeviceError for any other device."""
    if where is None:
        return CPU
    where = where if isinstance(where, device) else device(where)
    if where.type != "cpu":
        raise DeviceError(
            f"deepstep computes with NumPy on the CPU only; device {str(where)!r} is not available. "
            "Use 'cpu' (or leave the device out)"
        )
    return where


class _Cuda:
    """torch.cuda's first two questions, answered: deepstep has no CUDA device."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0


cuda = _Cuda()


class memory_format:  # (PyTorch's name, lower case)
    """PyTorch's torch.memory_format values, accepted where PyTorch takes memory_format=. NumPy keeps
    a copy in the layout of its source or C order, so they choose nothing here."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"deepstep.{self.name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


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


_blas_controller: Any = None


def _blas() -> Any:
    """threadpoolctl's controller of the BLAS NumPy loaded, built once; False without threadpoolctl."""
    global _blas_controller
    if _blas_controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas_controller = False
        else:
            _blas_controller = ThreadpoolController()  # (after NumPy has loaded its BLAS)
    return _blas_controller


def set_num_threads(n: int) -> None:
    """PyTorch's torch.set_num_threads: the threads of NumPy's BLAS (every matrix product), of
    oneDNN's OpenMP and of numba's parallel loops, from now on. Needs threadpoolctl (in deepstep[all])."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if not _blas():
        raise RuntimeError(
            "set_num_threads needs threadpoolctl to reach NumPy's BLAS: pip install threadpoolctl "
            "(or 'deepstep[all]'), or set OPENBLAS_NUM_THREADS before starting Python"
        )
    _blas().limit(limits=int(n), user_api="blas")  # kept: threadpoolctl's limit lasts until changed
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.set_num_threads(min(int(n), numba.config.NUMBA_NUM_THREADS))
    onednn = sys.modules.get("deepstep.onednn.library")
    if onednn is not None and onednn.available():
        onednn.openmp_threads(int(n))  # oneDNN's OpenMP threads, which numba's parallel loops share


def get_num_threads() -> int:
    """PyTorch's torch.get_num_threads: the threads NumPy's BLAS uses (the cores, without
    threadpoolctl to ask)."""
    if _blas():
        counts = [info["num_threads"] for info in _blas().info() if info["user_api"] == "blas"]
        if counts:
            return int(counts[0])
    return os.cpu_count() or 1


def single_threaded_blas() -> Any:
    """A context in which NumPy's BLAS runs on one thread (threadpoolctl's, when installed).

    For loops of small matrix products, like a recurrent layer's h·W_hhᵀ at each time step, waking
    OpenBLAS's threads for every product costs more than they save: a 2-layer LSTM of 256 units
    steps 2.3× faster on one thread (86 against 199 ms on two shared cores). Without threadpoolctl
    this does nothing."""
    if not _blas():
        return contextlib.nullcontext()
    return _blas().limit(limits=1, user_api="blas")
