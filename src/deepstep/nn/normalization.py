"""Normalisation modules: LayerNorm, GroupNorm, InstanceNorm."""

from __future__ import annotations

__all__: list[str] = []
