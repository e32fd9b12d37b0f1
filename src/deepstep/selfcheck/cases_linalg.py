"""Catalogue cases: linear algebra: einsum, mm, bmm, dot, outer, trace, norm, diag, tril/triu."""

from __future__ import annotations

from .case import OpCase

CASES: tuple[OpCase, ...] = ()
