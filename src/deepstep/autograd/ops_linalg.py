"""Linear algebra: einsum, mm, bmm, dot, outer, trace, norms, diag, diagonal, tril and triu."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: tuple[str, ...] = ()
