"""Activation modules beyond the first ones, each a thin wrapper of its function in `functional`."""

from __future__ import annotations

__all__: list[str] = []
