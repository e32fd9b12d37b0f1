"""Activation functions beyond the first ones (GELU, SiLU, ELU, SELU, hard variants…), each one op with
its derivative beside it."""

from __future__ import annotations

__all__: list[str] = []
