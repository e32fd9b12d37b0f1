"""Compiled kernels on demand: numba when it is installed and not switched off.

A module of kernels writes one function `build(numba) -> namespace of compiled functions` and
wraps it with `compiled`; callers ask `kernels()` and get the namespace, or None when numba is
missing or the environment says DEEPSTEP_NUMBA=0, in which case they keep their NumPy path (which
the tests hold the kernels to). numba is imported on the first call, so `import deepstep` stays fast.

A kernel whose loop can be split across cores is compiled twice (`serial_and_parallel`): with its
`numba.prange` loop on one thread, and with numba's parallel=True. The parallel build runs only where
its threads are oneDNN's (onednn.library.parallel_loops): numba's OpenMP threading layer and oneDNN's
GNU OpenMP share one pool of threads, so a loop between two of oneDNN's products wakes the threads
that are still spinning after the last product, instead of fighting them for the cores. Elsewhere
(no oneDNN, DEEPSTEP_ONEDNN=0, a forked child) each kernel stays on one thread, between the BLAS's.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any

__all__ = ["compiled", "numba_enabled", "serial_and_parallel"]


def numba_enabled() -> bool:
    """Whether compiled kernels may be used (DEEPSTEP_NUMBA=0 switches them off)."""
    return os.environ.get("DEEPSTEP_NUMBA", "1") != "0"


def compiled(build: Callable[[Any], Any]) -> Callable[[], Any]:
    """kernels() → build(numba), built once on first use; None without numba or when switched off."""
    built: list[Any] = []

    def kernels() -> Any:
        if not built:
            try:
                import numba
            except ImportError:
                built.append(None)
            else:
                built.append(build(numba) if numba_enabled() else None)
        return built[0]

    kernels.__doc__ = build.__doc__
    kernels.__name__ = build.__name__
    return kernels


#: Below this many elements in its first argument a kernel stays on one thread: starting the other
#: threads costs a few microseconds, what one thread takes for about 10⁴ elements.
PARALLEL_SIZE = 2**14


def serial_and_parallel(numba: Any, function: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """`function` (whose outer loop is a numba.prange) compiled on one thread and on several; a call
    runs the parallel build when its first argument has PARALLEL_SIZE elements or more and
    onednn.library.parallel_loops() allows it, else the serial one. Each iteration of the loop must
    write its own elements only: then both builds give the same bits."""
    serial = numba.njit(**options)(function)
    # numba's cache tells its files apart by the function's qualified name, not by parallel=True: the
    # parallel build compiles a twin of the function under a name of its own
    twin = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    twin.__qualname__ = f"{function.__qualname__}_parallel"
    parallel = numba.njit(parallel=True, **options)(twin)
    from .onednn.library import parallel_loops  # (here, not at the top: jit.py is below onednn)

    def run(*args: Any) -> Any:
        return (parallel if args[0].size >= PARALLEL_SIZE and parallel_loops() else serial)(*args)

    run.serial, run.parallel = serial, parallel  # type: ignore[attr-defined]  # (for the tests)
    run.__doc__, run.__name__ = function.__doc__, function.__name__
    return run
