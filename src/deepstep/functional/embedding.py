"""Embedding lookup: rows of a weight matrix picked by integer ids; the backward adds each row's gradients."""

from __future__ import annotations

__all__: list[str] = []
