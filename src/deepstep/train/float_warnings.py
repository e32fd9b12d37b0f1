"""NumPy's floating-point warnings of one training step, held back until its logs are checked.

A step whose loss became NaN or infinite ends fit with one line ("the loss became nan at epoch 3,
batch 7 …; try a smaller learning rate"), which says what all of NumPy's "overflow encountered in
multiply" warnings on the way would have said. So fit runs each train_step inside HeldFloatWarnings
and shows the held warnings only when the step's logs came out finite.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["HeldFloatWarnings"]


class HeldFloatWarnings:
    """A block whose NumPy floating-point warnings ("overflow encountered in multiply", …) are
    written here (NumPy's 'log' mode) rather than shown; release() shows them afterwards, once each.
    The other error modes the caller set ('ignore', 'raise', a handler of its own) stay as they are."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._state: Any = None

    def write(self, message: str) -> None:  # NumPy's 'log' mode calls this
        self.messages.append(message.removeprefix("Warning: ").strip())

    def __enter__(self) -> HeldFloatWarnings:
        modes = np.geterr()
        if "call" not in modes.values() and "log" not in modes.values():  # a handler of the caller's stays
            held = {kind: "log" if mode == "warn" else mode for kind, mode in modes.items()}
            self._state = np.errstate(call=self, **held)
            self._state.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._state is not None:
            self._state.__exit__(*exc)

    def release(self) -> None:
        """Show the held warnings (each distinct message once), as NumPy would have."""
        for message in dict.fromkeys(self.messages):
            warnings.warn(message, RuntimeWarning, stacklevel=3)
