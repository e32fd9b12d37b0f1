"""Catalogue cases: activations and distances of `functional`."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
