"""Catalogue cases: reductions, sorting and scans."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
