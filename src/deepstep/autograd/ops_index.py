"""Indexing with PyTorch's semantics and the gather/scatter family: each backward moves the gradient
back to where the elements came from (adding where an index repeats)."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()
