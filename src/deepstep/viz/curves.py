"""Learning curves: the loss (and every metric) per epoch, training next to validation."""

from __future__ import annotations

import os
from typing import Any

from ._matplotlib import label_curves, pyplot, save_figure

__all__ = ["plot_history"]


def plot_history(history: Any, path: str | os.PathLike | None = None, title: str | None = None) -> Any:
    """One panel per quantity ("loss", "accuracy", ...), training and validation curves together.

    `history` is what fit() returned (or its `.history` dict). Saves a PNG when `path` is given;
    returns the matplotlib Figure.
    """
    logs: dict[str, list[float]] = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_") and k != "lr"]
    if not names:
        raise ValueError("the history holds no curves to plot")
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.6), squeeze=False)
    for axis, name in zip(axes[0], names, strict=True):
        epochs = range(1, len(logs[name]) + 1)
        axis.plot(epochs, logs[name], marker="o", label="training")
        if f"val_{name}" in logs:
            axis.plot(epochs, logs[f"val_{name}"], marker="s", label="validation")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        label_curves(axis, "epoch", name)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return save_figure(figure, path)
