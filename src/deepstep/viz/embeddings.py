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
    centred vectors) and label each point; `groups` colours the points by group."""
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
    for word, (x, y) in zip(words, points, strict=True):
        axis.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
    axis.set_xlabel(f"PC 1 ({explained[0]:.0%} of variance)")
    axis.set_ylabel(f"PC 2 ({explained[1]:.0%} of variance)")
    axis.set_title(title)
    figure.tight_layout()
    return save_figure(figure, path)
