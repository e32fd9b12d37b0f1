"""Catalogue cases: normalisation layers and embedding."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
