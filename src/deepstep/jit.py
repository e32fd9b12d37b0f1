"""Compiled kernels on demand: numba when it is installed and not switched off.

A module of kernels writes one function `build(numba) -> namespace of compiled functions` and
wraps it with `compiled`; callers ask `kernels()` and get the namespace, or None when numba is
missing or the environment says DEEPSTEP_NUMBA=0, in which case they keep their NumPy path (which
the tests hold the kernels to). numba is imported on the first call, so `import deepstep` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["compiled", "numba_enabled"]


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
