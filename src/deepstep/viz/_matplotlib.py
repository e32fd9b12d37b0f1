"""matplotlib, imported only when a picture is asked for, on a backend that needs no screen."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "pictures need matplotlib: pip install 'deepstep[plot]' (or pip install matplotlib)"
        ) from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")  # files, not windows: works on servers and in CI
    import matplotlib.pyplot as plt

    return plt
