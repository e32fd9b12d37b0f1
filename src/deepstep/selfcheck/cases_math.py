"""Catalogue cases: elementwise math: rounding, trigonometric and hyperbolic functions, special
functions, comparisons, logical and bitwise ops."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
