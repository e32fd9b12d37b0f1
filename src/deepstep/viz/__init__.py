"""Pictures (matplotlib, the `plot` extra): training curves, and more as the layers grow."""

from .curves import plot_history

__all__ = ["plot_history"]
