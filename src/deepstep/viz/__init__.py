"""Pictures (matplotlib, the `plot` extra): learning curves and decision boundaries."""

from .boundaries import plot_decision_boundary, predict_classes
from .curves import plot_history

__all__ = ["plot_decision_boundary", "plot_history", "predict_classes"]
