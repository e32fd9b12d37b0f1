"""Ops that rearrange elements: flip, roll, repeat, tile, unfold, movedim, narrow, pad…; each backward
moves the gradient back."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()
