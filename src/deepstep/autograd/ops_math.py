"""Elementwise math beyond the first ops: rounding, trigonometric and hyperbolic functions, special
functions (erf, erfinv…), and the binary ones (atan2, fmod, remainder, hypot, lerp, logaddexp…),
each with its derivative beside it."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()
