"""Comparisons, logical and bitwise ops, and the tests for NaN and infinity: not differentiable, their
results are bool (or integer) tensors."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()
