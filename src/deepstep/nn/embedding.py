"""The Embedding module: a table of learned vectors looked up by id."""

from __future__ import annotations

__all__: list[str] = []
