"""Catalogue cases: indexing: getitem, gather and scatter, index_select, masked ops."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
