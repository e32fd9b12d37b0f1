"""Resampling images: interpolate (nearest, bilinear, with or without aligned corners)."""

from __future__ import annotations

__all__: list[str] = []
