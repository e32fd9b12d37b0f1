"""Decision boundaries of 2-D classifiers: the predicted class over a grid, the data on top."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ._matplotlib import pyplot

__all__ = ["plot_decision_boundary", "predict_classes"]


def predict_classes(model: Any, X: np.ndarray) -> np.ndarray:
    """Class predictions from a scikit-learn-style estimator (`predict`) or a deepstep Module
    (its outputs: arg-max over columns, or a logit above 0 for a single column)."""
    from ..nn.module import Module, inference

    if isinstance(model, Module):
        with inference(model):
            out = np.asarray(model(X.astype(np.float32)).data)
        return (
            out.argmax(axis=1)
            if out.ndim == 2 and out.shape[1] > 1
            else (out.reshape(len(X)) > 0).astype(int)
        )
    if hasattr(model, "predict"):
        return np.asarray(model.predict(X))
    raise TypeError(f"cannot get predictions from a {type(model).__name__}: expected predict() or a Module")


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    ax: Any = None,
    resolution: int = 200,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Any:
    """Colour the plane by the class the model predicts and scatter (X, y) over it.

    Works for scikit-learn-style estimators (deepstep.linear included) and deepstep Modules.
    X must have two features. Returns the matplotlib Axes; saves a PNG when `path` is given.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points (shape (n, 2)), got shape {X.shape}")
    if len(X) != len(y):
        raise ValueError(f"{len(X)} points but {len(y)} labels")
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    classes = np.unique(y)
    predicted = predict_classes(model, grid)
    codes = np.searchsorted(classes, predicted).reshape(gx.shape)  # class → colour index
    ax.contourf(gx, gy, codes, levels=np.arange(len(classes) + 1) - 0.5, cmap="coolwarm", alpha=0.3)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.searchsorted(classes, y),
        cmap="coolwarm",
        edgecolors="k",
        linewidths=0.4,
        s=18,
        vmin=0,
        vmax=max(len(classes) - 1, 1),
    )
    if title:
        ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(path, dpi=110)
        plt.close(ax.figure)
    return ax
