"""matplotlib, imported only when a picture is asked for, on a backend that needs no screen."""

from __future__ import annotations

import os
from pathlib import Path
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


def label_curves(axis: Any, xlabel: str, ylabel: str) -> None:
    """Finish a panel of curves as every one here is: the axes' labels, a light grid, the legend."""
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.grid(alpha=0.3)
    axis.legend()


def save_figure(figure: Any, path: str | os.PathLike | None) -> Any:
    """Write the figure to path as a PNG (its folder made) and close it, when a path is given; the figure."""
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=110)
        pyplot().close(figure)
    return figure
