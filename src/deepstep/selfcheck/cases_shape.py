"""Catalogue cases: shape ops: flip, roll, repeat, tile, pad, unfold, movedim, narrow…."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
