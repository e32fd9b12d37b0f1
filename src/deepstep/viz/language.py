"""Pictures of language models: attention weights over a line of text, and learning curves of
several models on one axis."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._matplotlib import label_curves, pyplot, save_figure

__all__ = ["plot_attention", "plot_loss_curves"]


def plot_attention(
    weights: Any, tokens: Sequence[str], path: str | os.PathLike | None = None, title: str | None = None
) -> Any:
    """Heat maps of attention weights (h, T, T) (or one head, (T, T)): row t shows how much the
    prediction at position t looks at each earlier position, one panel per head."""
    weights = np.asarray(weights)
    if weights.ndim == 2:
        weights = weights[None]
    if weights.ndim != 3 or weights.shape[1] != weights.shape[2] or weights.shape[1] != len(tokens):
        raise ValueError(f"weights must be (heads, T, T) with T = {len(tokens)} tokens, got {weights.shape}")
    labels = [repr(t)[1:-1] if t.strip() else "␣" for t in tokens]
    plt = pyplot()
    heads = weights.shape[0]
    size = max(3.0, 0.22 * len(tokens))
    figure, axes = plt.subplots(1, heads, figsize=(size * heads + 1, size + 0.6), squeeze=False)
    for head, axis in enumerate(axes[0]):
        image = axis.imshow(weights[head], cmap="viridis", vmin=0, vmax=1)
        axis.set_xticks(range(len(tokens)), labels, fontsize=7)
        axis.set_yticks(range(len(tokens)), labels, fontsize=7)
        axis.set_xlabel("looks at")
        axis.set_title(f"head {head}")
    axes[0][0].set_ylabel("position")
    figure.colorbar(image, ax=list(axes[0]), shrink=0.8, label="attention weight")
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def plot_loss_curves(
    curves: dict[str, dict[str, Sequence[float]]],
    path: str | os.PathLike | None = None,
    title: str | None = None,
    xlabel: str = "step",
) -> Any:
    """Several models' curves on one axis: {"GPT": {"step": [...], "loss": [...], "val_loss": [...]}, …};
    training losses dashed, validation losses solid, one colour per model."""
    if not curves:
        raise ValueError("no curves to plot")
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6.5, 4))
    for (name, logs), colour in zip(
        curves.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False
    ):
        steps = logs.get("step") or list(range(1, len(logs["loss"]) + 1))
        axis.plot(steps, logs["loss"], linestyle="--", color=colour, label=f"{name} training")
        if "val_loss" in logs:
            axis.plot(steps, logs["val_loss"], color=colour, label=f"{name} validation")
    label_curves(axis, xlabel, "cross-entropy (nats per character)")
    if title:
        axis.set_title(title)
    figure.tight_layout()
    return save_figure(figure, path)
