"""What the tests that hold deepstep to PyTorch share: the check that a bad call raises what PyTorch's
raises."""

from __future__ import annotations

import pytest


def same_error(ours, theirs) -> BaseException:
    """ours() raises the built-in exception class that theirs() (PyTorch) raises, or a subclass of
    it; returns ours's exception, for checks of its message."""
    with pytest.raises(Exception) as expected:
        theirs()
    kind = next(c for c in type(expected.value).__mro__ if c.__module__ == "builtins")
    with pytest.raises(kind) as got:
        ours()
    return got.value
