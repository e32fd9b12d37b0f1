"""compile(): what a model trains with, the optimizer, the loss and the metrics, kept on the model
until fit and evaluate ask for it (compiled(model), which says "call compile first" before).

Names are looked up in the library's tables: optimizers in deepstep.optim.OPTIMIZERS (with Keras's
default rates), losses in deepstep.nn.LOSSES; the command line reads the same tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import nn
from ..autograd.tensor import Tensor
from ..checks import one_of
from ..optim.names import make_optimizer
from ..optim.optimizer import Optimizer

__all__ = ["Compiled", "Metric", "compile_model", "compiled"]

Metric = Callable[[np.ndarray, np.ndarray], float]


@dataclass
class Compiled:
    """What compile() fixed: the optimizers by name ({"optimizer": …} for a model with one loss; a
    GAN has two), the loss (None for a model whose train_step computes its own) and the metrics."""

    optimizers: dict[str, Optimizer]
    loss: Callable[[Tensor, Any], Tensor] | None = None
    metrics: dict[str, Metric] = field(default_factory=dict)

    @property
    def optimizer(self) -> Optimizer:
        if len(self.optimizers) != 1:
            names = ", ".join(self.optimizers)
            raise RuntimeError(
                f"this model has {len(self.optimizers)} optimizers ({names}): use model.optimizers[name]"
            )
        return next(iter(self.optimizers.values()))


def compiled(model: nn.Module) -> Compiled:
    """What compile() fixed for this model; a RuntimeError that says to call compile first."""
    state = getattr(model, "_compiled", None)
    if state is None:
        example = (
            getattr(model, "compile_example", None) or "model.compile(optimizer='adam', loss='cross_entropy')"
        )
        raise RuntimeError(
            f"{type(model).__name__} has not been compiled: call compile first, e.g. {example}"
        )
    return state


# ----- metrics --------------------------------------------------------------------------
def _accuracy_for(loss: Any) -> Metric:
    # A single output column is a binary classifier: logits cross 0, probabilities cross ½.
    threshold = 0.5 if isinstance(loss, nn.BCELoss) else 0.0

    def accuracy(y_pred: np.ndarray, y_true: np.ndarray) -> float:
        if y_pred.ndim == 2 and y_pred.shape[1] > 1:
            predicted = y_pred.argmax(axis=1)
            truth = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
        else:
            predicted = (y_pred.reshape(len(y_pred), -1)[:, 0] > threshold).astype(np.int64)
            truth = y_true.reshape(len(y_true), -1)[:, 0]
        return np.count_nonzero(predicted == truth) / max(len(predicted), 1)  # (twice np.mean's speed)

    return accuracy


def _mae(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    return float(np.mean(np.abs(y_pred - y_true.reshape(y_pred.shape))))


def _mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    return float(np.mean((y_pred - y_true.reshape(y_pred.shape)) ** 2))


def _metric(spec: str | Metric, loss: Any) -> tuple[str, Metric]:
    if callable(spec):
        return getattr(spec, "__name__", "metric"), spec
    named = {"accuracy": _accuracy_for(loss), "acc": _accuracy_for(loss), "mae": _mae, "mse": _mse}
    metric = one_of("metric", spec, named, " or a function (y_pred, y_true)")
    return ("accuracy" if spec == "acc" else spec), metric


# ----- compile -------------------------------------------------------------------------
def compile_model(
    model: nn.Module,
    optimizer: str | Optimizer = "adam",
    loss: str | Callable[[Tensor, Any], Tensor] = "cross_entropy",
    metrics: Sequence[str | Metric] | None = None,
) -> None:
    """model.compile: the optimizer (a name or an instance), the loss (a name, a loss module or a
    function) and the metrics (names like "accuracy", or functions of (y_pred, y_true))."""
    if isinstance(optimizer, str):
        optimizer = make_optimizer(optimizer, model.parameters())
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a name or a deepstep.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if isinstance(loss, str):
        loss = one_of("loss", loss, nn.LOSSES, ", a loss module or a function")()
    elif not callable(loss):
        raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")
    named = dict(_metric(m, loss) for m in (metrics or []))
    model._compiled = Compiled({"optimizer": optimizer}, loss, named)
