"""Catalogue cases: losses of `functional` beyond the first ones."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
