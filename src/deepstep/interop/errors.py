"""The one error the converters raise for a module they have no mapping for."""

from __future__ import annotations

__all__ = ["UnsupportedModuleError", "where"]


class UnsupportedModuleError(TypeError):
    """A module (or one setting of it) that a converter cannot translate; the message names the
    module's class and its path in the model, and says what to do instead."""


def where(path: str) -> str:
    """A module's place in the model for messages: its dotted path, or the model itself."""
    return f"at {path!r}" if path else "(the model itself)"
