"""Normalisation of vectors and distances between them: normalize, cosine_similarity, pairwise_distance."""

from __future__ import annotations

__all__: list[str] = []
