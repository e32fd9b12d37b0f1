"""Pictures of images and of what networks learned: grids, latent spaces, filters, GAN losses."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._matplotlib import label_curves, pyplot, save_figure

__all__ = ["image_grid", "plot_filters", "plot_gan_losses", "plot_latent_space"]


def image_grid(
    rows: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Any:
    """One row of grey images per array (e.g. originals above their reconstructions, or samples)."""
    rows = [np.asarray(r) for r in rows]
    if not rows or any(r.ndim != 3 for r in rows):
        raise ValueError("image_grid takes a list of image arrays of shape (n, H, W)")
    columns = max(len(r) for r in rows)
    plt = pyplot()
    figure, axes = plt.subplots(
        len(rows), columns, figsize=(columns * 0.9, len(rows) * 0.95 + 0.4), squeeze=False
    )
    for r, images in enumerate(rows):
        for c in range(columns):
            axis = axes[r, c]
            axis.axis("off")
            if c < len(images):
                axis.imshow(images[c], cmap="gray", vmin=0, vmax=1)
        if labels:
            axes[r, 0].set_title(labels[r], fontsize=8, loc="left")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return save_figure(figure, path)


def plot_latent_space(
    codes: np.ndarray, labels: np.ndarray, path: str | os.PathLike | None = None, title: str = "latent space"
) -> Any:
    """Codes coloured by class; codes with more than 2 dimensions are projected on their first two
    principal components (NumPy's SVD)."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or len(codes) != len(labels):
        raise ValueError(f"expected codes (n, d) and n labels, got {codes.shape} and {np.shape(labels)}")
    if codes.shape[1] > 2:
        centred = codes - codes.mean(axis=0)
        codes = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 4.5))
    points = axis.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=4, alpha=0.7)
    figure.colorbar(points, ax=axis, label="class")
    axis.set_title(title)
    return save_figure(figure, path)


def _kernels(weight: Any) -> np.ndarray:
    weight = np.asarray(getattr(weight, "data", weight))
    if weight.ndim != 4:
        raise ValueError(
            f"plot_filters expects convolution weights (out, in, kh, kw), got shape {weight.shape}"
        )
    return weight[:, 0]


def plot_filters(
    weight: Any,
    path: str | os.PathLike | None = None,
    title: str = "first-layer filters",
    initial: Any = None,
) -> Any:
    """The kernels of a convolution (out, in, kh, kw), the first input channel of each, as small
    images, each on its own symmetric colour scale (a few large kernels would otherwise wash the
    others out).

    With `initial` (the same layer's weights before training) three rows of blocks: the kernels at
    initialisation, after training, and what training added (after − before). A few epochs move a
    5×5 kernel by a fraction of its random initial values, so the learnt strokes and edges show in
    the difference long before they dominate the kernel itself."""
    blocks = [("", _kernels(weight))]
    if initial is not None:
        before = _kernels(initial)
        if before.shape != blocks[0][1].shape:
            raise ValueError(f"initial has shape {before.shape}, the weights {blocks[0][1].shape}")
        after = blocks[0][1]
        blocks = [("at initialisation", before), ("after training", after), ("change", after - before)]
    count = len(blocks[0][1])
    columns = min(8, count)
    rows = -(-count // columns)
    plt = pyplot()
    figure, axes = plt.subplots(
        rows * len(blocks),
        columns,
        figsize=(columns * 0.8, (rows * 0.8 + 0.3) * len(blocks) + 0.4),
        squeeze=False,
    )
    for block, (label, kernels) in enumerate(blocks):
        for index in range(rows * columns):
            axis = axes[block * rows + index // columns, index % columns]
            axis.axis("off")
            if index < count:
                bound = np.abs(kernels[index]).max() or 1.0
                axis.imshow(kernels[index], cmap="coolwarm", vmin=-bound, vmax=bound)
        if label:
            axes[block * rows, 0].set_title(label, loc="left", fontsize=9, x=0.0)
    figure.suptitle(title)
    return save_figure(figure, path)


def plot_gan_losses(history: Any, path: str | os.PathLike | None = None, smooth: int = 50) -> Any:
    """Both players' losses per step, each in its own colour with its running mean drawn darker in
    the same colour: over `smooth` steps, or over a quarter of the steps in a shorter run (at least
    two; a run of fewer than eight steps gets its losses drawn plainly, without a mean). `history` is
    what GAN.fit returned (its `steps`) or a dict {"d_loss": [...], "g_loss": [...]} of per-step values."""
    steps = getattr(history, "steps", history)
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 3.5))
    for colour, name in zip(("tab:blue", "tab:orange"), ("d_loss", "g_loss"), strict=True):
        values = np.asarray(steps[name])
        player = "discriminator" if name == "d_loss" else "generator"
        window = min(smooth, len(values) // 4)  # the mean spans three quarters of a short run at least
        smoothed = window >= 2
        axis.plot(values, color=colour, alpha=0.25 if smoothed else 1.0, linewidth=0.8, label=player)
        if smoothed:
            axis.plot(
                np.arange(window - 1, len(values)),
                np.convolve(values, np.ones(window) / window, "valid"),
                color=colour,
                linewidth=2,
                label=f"{player} (mean of {window})",
            )
    label_curves(axis, "step", "loss")
    figure.tight_layout()  # keeps the axis labels inside the picture
    return save_figure(figure, path)
