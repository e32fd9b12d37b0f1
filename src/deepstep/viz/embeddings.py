"""Word vectors in the plane: a 2-D PCA projection with each point labelled by its word."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._matplotlib import pyplot, save_figure

__all__ = ["plot_embeddings"]


def plot_embeddings(
    wv: Any,
    words: Sequence[str],
    path: str | os.PathLike | None = None,
    title: str = "word vectors (PCA)",
    groups: Sequence[Any] | None = None,
) -> Any:
    """Project the vectors of `words` on their first two principal components (NumPy's SVD of the
    centred vectors) and label each point, the labels moved apart where they would overlap; `groups`
    colours the points by group."""
    words = list(words)
    if len(words) < 2:
        raise ValueError(f"plot_embeddings needs at least two words, got {len(words)}")
    missing = [w for w in words if w not in wv]
    if missing:
        raise KeyError(f"not in the vocabulary: {missing}")
    if groups is not None and len(groups) != len(words):
        raise ValueError(f"groups must give one group per word: {len(groups)} groups for {len(words)} words")
    vectors = np.stack([np.asarray(wv[w], dtype=np.float64) for w in words])
    centred = vectors - vectors.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    points = centred @ components[:2].T
    explained = singular[:2] ** 2 / max((singular**2).sum(), 1e-300)
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 6))
    if groups is None:
        axis.scatter(points[:, 0], points[:, 1], s=18, color="tab:blue")
    else:
        labels = list(dict.fromkeys(groups))
        colours = plt.get_cmap("tab10")
        for k, label in enumerate(labels):
            chosen = [i for i, g in enumerate(groups) if g == label]
            axis.scatter(points[chosen, 0], points[chosen, 1], s=18, color=colours(k % 10), label=str(label))
        axis.legend(fontsize=8)
    axis.set_xlabel(f"PC 1 ({explained[0]:.0%} of variance)")
    axis.set_ylabel(f"PC 2 ({explained[1]:.0%} of variance)")
    axis.set_title(title)
    axis.margins(0.08)  # room for the labels of the outermost points
    figure.tight_layout()
    _label_points(figure, axis, words, points)
    return save_figure(figure, path)


def _label_points(figure: Any, axis: Any, words: list[str], points: np.ndarray) -> None:
    """Each point's word beside it, moved apart where labels would overlap each other or cover a
    point (a few hundred steps of `_repel` on the labels' boxes as drawn), with a thin line back to
    its point when a label had to move far."""
    labels = [
        axis.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
        for word, (x, y) in zip(words, points, strict=True)
    ]
    renderer = figure.canvas.get_renderer()
    boxes = np.array([label.get_window_extent(renderer).extents for label in labels])
    dots = axis.transData.transform(points)
    shifts = _repel(boxes, dots, axis.get_window_extent(renderer).extents)
    points_per_pixel = 72 / figure.dpi
    for label, word, point, shift in zip(labels, words, points, shifts, strict=True):
        if not shift.any():
            continue
        offset = tuple(3 + shift * points_per_pixel)
        label.remove()
        far = np.hypot(*shift) > 8  # pixels: a label this far from its point gets a line to it
        axis.annotate(
            word, tuple(point), xytext=offset, textcoords="offset points", fontsize=8,
            arrowprops={"arrowstyle": "-", "color": "0.6", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 2}
            if far else None,
        )  # fmt: skip


def _repel(boxes: np.ndarray, dots: np.ndarray, frame: np.ndarray, steps: int = 300) -> np.ndarray:
    """How far to move each label box (x0, y0, x1, y1, in pixels) so that no two overlap and none
    covers a dot (a point, 3 pixels in radius), staying inside the frame: each step pushes every
    overlapping pair apart along the axis where they overlap least (two labels half each, a label
    off a dot the whole way). Deterministic; stops once nothing overlaps. Returns the (n, 2) shifts."""
    n = len(boxes)
    shift = np.zeros((n, 2))
    dot_boxes = np.concatenate([dots - 3.0, dots + 3.0], axis=1)
    for _ in range(steps):
        moved = boxes + np.tile(shift, 2)
        push = np.zeros((n, 2))
        for others, share in ((moved, 0.5), (dot_boxes, 1.0)):
            overlap = [
                np.minimum(moved[:, None, 2 + k], others[None, :, 2 + k])
                - np.maximum(moved[:, None, k], others[None, :, k])
                for k in (0, 1)
            ]
            touching = (overlap[0] > 0) & (overlap[1] > 0)
            if others is moved:
                np.fill_diagonal(touching, False)
            apart = (moved[:, None, :2] + moved[:, None, 2:] - others[None, :, :2] - others[None, :, 2:]) / 2
            # the same centre: the later label moves up or right, the earlier one down or left
            tie = np.where(np.arange(n)[:, None] >= np.arange(len(others))[None, :], 1.0, -1.0)
            along_x = overlap[0] <= overlap[1]
            for k, along in ((0, along_x), (1, ~along_x)):
                direction = np.where(apart[..., k] != 0, np.sign(apart[..., k]), tie)
                step = direction * (overlap[k] * share + 0.5)  # half a pixel more: no endless grazing
                push[:, k] += np.where(touching & along, step, 0.0).sum(axis=1)
        if not push.any():
            break
        shift += push
        moved = boxes + np.tile(shift, 2)  # back inside the frame
        for k in (0, 1):
            shift[:, k] += np.maximum(frame[k] - moved[:, k], 0) - np.maximum(
                moved[:, 2 + k] - frame[2 + k], 0
            )
    return shift
