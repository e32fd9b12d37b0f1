"""The oneDNN library reached through its C API with ctypes: loading it, its memory descriptors and
primitives, and the hand-over of the cores between its OpenMP threads and OpenBLAS's."""

from __future__ import annotations

import ctypes
import functools
import os
import site
import sys
import threading
import time
from typing import Any

import numpy as np

from .. import backend

CPU = 1
F32 = 3
FORMAT_ANY = 1
FORWARD_TRAINING = 64
CONVOLUTION_DIRECT = 1
QUERY_IMPL_INFO = 8
QUERY_WEIGHTS_MD, QUERY_DIFF_WEIGHTS_MD = 131, 132
QUERY_ARG_MD = 255  # the memory descriptor of an execution argument
ARG_SRC, ARG_DST, ARG_WEIGHTS, ARG_BIAS = 1, 17, 33, 41
ARG_DIFF_SRC, ARG_DIFF_DST, ARG_DIFF_WEIGHTS, ARG_DIFF_BIAS = 129, 145, 161, 169
# the second operand of the first post-op: DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1 (oneDNN 3)
ARG_POST_OP_OPERAND = 32768 | 2
BINARY_ADD = 0x1FFF0  # dnnl_binary_add
LIBRARY_ALLOCATES = ctypes.c_void_p(2**64 - 1)  # DNNL_MEMORY_ALLOCATE, ((void *)-1)

Dims = ctypes.c_int64 * 12  # dnnl_dims_t
Handle = ctypes.c_void_p


class Arg(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_int), ("memory", Handle)]  # dnnl_exec_arg_t


def enabled() -> bool:
    """Whether oneDNN may be used (DEEPSTEP_ONEDNN=0 switches it off)."""
    return os.environ.get("DEEPSTEP_ONEDNN", "1") != "0"


def _library_paths() -> list[str]:
    named = os.environ.get("DEEPSTEP_ONEDNN_LIBRARY")
    if named:
        return [named]
    folders = [os.path.join(sys.prefix, "lib"), os.path.join(site.USER_BASE or "", "lib")]
    return [os.path.join(folder, "libdnnl.so.3") for folder in folders] + ["libdnnl.so.3"]


class OneDNN:
    """The loaded library with one CPU engine and one stream; calls are serialised by a lock (a
    primitive's library-managed scratchpad serves one execution at a time)."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        lib.dnnl_primitive_desc_query_md.restype = Handle
        lib.dnnl_primitive_desc_query_md.argtypes = [Handle, ctypes.c_int, ctypes.c_int]
        lib.dnnl_memory_desc_get_size.restype = ctypes.c_size_t
        lib.dnnl_memory_desc_get_size.argtypes = [Handle]
        lib.dnnl_memory_set_data_handle.argtypes = [Handle, Handle]
        dim, pointer = ctypes.c_int64, ctypes.c_void_p
        self.sgemm = lib.dnnl_sgemm  # C = αAB + βC, row-major, each operand 'N' or 'T'
        self.sgemm.argtypes = [ctypes.c_char, ctypes.c_char, dim, dim, dim, ctypes.c_float, pointer, dim]
        self.sgemm.argtypes += [pointer, dim, ctypes.c_float, pointer, dim]
        self.engine, self.stream = Handle(), Handle()
        self.check(lib.dnnl_engine_create(ctypes.byref(self.engine), CPU, 0), "engine")
        self.check(lib.dnnl_stream_create(ctypes.byref(self.stream), self.engine, 1), "stream")
        self.lock = threading.Lock()

    @staticmethod
    def check(status: int, what: str) -> None:
        if status != 0:
            raise RuntimeError(f"oneDNN: {what} failed with status {status}")

    def new(self, function: str, *args: Any) -> Handle:
        """An object made by one of the C API's creators (its first argument is where it goes)."""
        made = Handle()
        self.check(getattr(self.lib, function)(ctypes.byref(made), *args), function)
        return made

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...] | None) -> Handle:
        """A float32 memory descriptor: the given strides (in elements), or any layout (None)."""
        dims = Dims(*shape)
        if strides is None:
            return self.new("dnnl_memory_desc_create_with_tag", len(shape), dims, F32, FORMAT_ANY)
        return self.new("dnnl_memory_desc_create_with_strides", len(shape), dims, F32, Dims(*strides))

    def memory(self, md: Handle, owned: bool = False) -> Handle:
        """A memory object: its own buffer (owned), or one pointed at an array before each call."""
        return self.new("dnnl_memory_create", md, self.engine, LIBRARY_ALLOCATES if owned else None)

    def implementation(self, pd: Handle) -> str:
        """The name of the kernel oneDNN chose for a primitive descriptor."""
        name = ctypes.c_char_p()
        self.check(self.lib.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO, 0, ctypes.byref(name)), "query")
        return (name.value or b"").decode()

    def argument_layout(self, pd: Handle, argument: int) -> Handle:
        """The memory descriptor a primitive wants for one of its execution arguments."""
        return Handle(self.lib.dnnl_primitive_desc_query_md(pd, QUERY_ARG_MD, argument))

    def size(self, md: Handle) -> int:
        return int(self.lib.dnnl_memory_desc_get_size(md))

    def reorder(self, source: Handle, target: Handle) -> Handle:
        pd = self.new("dnnl_reorder_primitive_desc_create", source, self.engine, target, self.engine, None)
        return self.new("dnnl_primitive_create", pd)

    def run(self, primitive: Handle, args: list[tuple[int, Handle, np.ndarray | None]]) -> None:
        """Execute with (argument, memory, array): each array's data is what the memory holds."""
        packed = self.arguments([(arg, memory) for arg, memory, _ in args])
        self.execute(primitive, packed, [(memory, array) for _, memory, array in args])

    @staticmethod
    def arguments(args: list[tuple[int, Handle]]) -> ctypes.Array:
        """The (argument, memory) pairs of an execution, as the C API takes them (built once, reused)."""
        return (Arg * len(args))(*[Arg(arg, memory) for arg, memory in args])

    def execute(self, primitive: Handle, packed: ctypes.Array, data: list[tuple[Handle, Any]]) -> None:
        """Execute with the arguments `packed`, each memory of `data` holding its array's elements
        first (those given None keep theirs)."""
        for memory, array in data:
            if array is not None:
                self.lib.dnnl_memory_set_data_handle(memory, array.ctypes.data)
        cores.claim()
        self.check(self.lib.dnnl_primitive_execute(primitive, self.stream, len(packed), packed), "execute")


@functools.cache
def library() -> OneDNN | None:
    for path in _library_paths():
        try:
            return OneDNN(ctypes.CDLL(path))
        except OSError:
            continue
    return None


def available() -> bool:
    """Whether oneDNN's library is installed, loads, and is not switched off (it also needs
    threadpoolctl, to hand the cores over; see Cores); never in a process forked after it ran."""
    return enabled() and not _forked_after_use and bool(backend._blas()) and library() is not None


def parallel_loops() -> bool:
    """Whether numba's parallel loops (jit.serial_and_parallel) may run now; if so, the cores are
    claimed for them as for oneDNN's own kernels. They run on oneDNN's OpenMP threads: numba's 'omp'
    threading layer loads the same GNU OpenMP, one pool for both. Not without oneDNN (or in a forked
    child), nor when numba was told to use another threading layer."""
    if not available() or not _numba_on_openmp():
        return False
    cores.claim()
    return True


@functools.cache
def _numba_on_openmp() -> bool:
    """Put numba's parallel loops on the OpenMP threading layer, with as many threads as oneDNN's
    OpenMP runs (OMP_NUM_THREADS, or set_num_threads), unless numba has been set to another layer."""
    import numba

    try:
        return numba.threading_layer() == "omp"  # (already launched)
    except ValueError:
        pass
    if numba.config.THREADING_LAYER not in ("default", "omp"):
        return False
    try:
        threads = openmp_threads()
        numba.config.THREADING_LAYER = "omp"
        from numba.np.ufunc.parallel import _launch_threads

        _launch_threads()  # now, not at the first loop: it sets OpenMP's thread count to all the cores,
    except (OSError, ImportError, ValueError):  # (no libgomp.so.1, no OpenMP layer in this numba)
        numba.config.THREADING_LAYER = "default"
        return False
    openmp_threads(threads)  # which is put back here, for oneDNN's kernels
    numba.set_num_threads(min(numba.config.NUMBA_NUM_THREADS, threads))
    return True


def openmp_threads(n: int | None = None) -> int:
    """The threads of oneDNN's OpenMP (its omp_get_max_threads); with n, set them first."""
    openmp = ctypes.CDLL("libgomp.so.1")  # (the one libdnnl.so.3 loaded)
    if n is not None:
        openmp.omp_set_num_threads(int(n))
    return int(openmp.omp_get_max_threads())


# GNU OpenMP's thread pool does not survive fork(): a child that starts a parallel region the parent's
# pool had served waits for threads that are not there. A process forked after oneDNN ran (a data
# loader's worker, say) convolves with deepstep's own code instead, as PyTorch's forked children run
# on one thread.
_forked_after_use = False


def _after_fork_in_child() -> None:
    global _forked_after_use
    _forked_after_use = _forked_after_use or cores.last_used > 0


os.register_at_fork(after_in_child=_after_fork_in_child)


class Cores:
    """Who runs on the cores: oneDNN's OpenMP threads or OpenBLAS's. Each pool's idle threads keep
    spinning for a while after their work (OpenBLAS's for about 0.1 s), so when convolutions on
    oneDNN alternate with multi-threaded OpenBLAS products, each pool's spinning threads take a core
    from the other's workers: SmallCNN's step took 86 ms instead of 37 (BENCHMARKS.md, sixth pass).
    So while convolutions run on oneDNN, NumPy's products run OpenBLAS on one thread; once none has
    run for a second, the next linear layer gives OpenBLAS its threads back."""

    IDLE_SECONDS = 1.0

    def __init__(self) -> None:
        self.blas_limit: Any = None
        self.last_used = 0.0

    def claim(self) -> None:
        self.last_used = time.monotonic()
        if self.blas_limit is None:
            self.blas_limit = backend._blas().limit(limits=1, user_api="blas")

    def release_if_idle(self) -> None:
        if self.blas_limit is not None and time.monotonic() - self.last_used > self.IDLE_SECONDS:
            self.blas_limit.restore_original_limits()
            self.blas_limit = None


cores = Cores()


def release_idle_cores() -> None:
    """Give OpenBLAS its threads back if no convolution has run on oneDNN for a second (a check of a
    clock: linear layers call it before their products)."""
    if cores.blas_limit is not None:
        cores.release_if_idle()


def all_float32(*arrays: np.ndarray | None) -> bool:
    """Whether every array given (None skipped) is float32: the one dtype deepstep sends to oneDNN."""
    return all(a is None or a.dtype == np.float32 for a in arrays)


def row_major_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(np.prod(shape[k + 1 :])) for k in range(len(shape)))
