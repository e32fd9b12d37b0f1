"""Sorting and scans: sort, argsort, topk, kthvalue, and the cumulative sum, product, log-sum-exp,
maximum and minimum along a dim."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()
