"""Catalogue cases: convolution, pooling and resampling beyond the first ones."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
