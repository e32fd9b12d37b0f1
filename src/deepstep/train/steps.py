"""The default steps of Module.train_step and Module.test_step, and the check of the data
before the first step.

One step of mini-batch gradient descent, as in the notes: the loss on a batch of n_b examples (a
mean over the batch), its gradient by back-propagation, one optimizer step. A step returns its
batch's logs ({"loss": …, "accuracy": …}); fit averages them over the epoch, weighted by batch
size, and stops with an error when one is NaN or infinite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..autograd.tensor import Tensor
from ..checks import class_labels
from ..nn.module import inference
from .compiling import Compiled, compiled

__all__ = ["check_data", "test_step", "train_step"]


def check_data(model: nn.Module, x: np.ndarray, y: np.ndarray | None = None) -> None:
    """One forward pass on one example, so that wrong feature counts fail before training; and, for a
    loss of class labels, every label in y against the model's outputs."""
    try:
        with inference(model):
            out = model(Tensor(x[:1]))
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"the model cannot take inputs of shape {x.shape[1:]} (per sample): {error}"
        ) from None
    if y is not None and y.ndim == 1 and isinstance(compiled(model).loss, nn.LABEL_LOSSES):
        class_labels(y, out.shape[-1])


def _logs(state: Compiled, loss: Tensor, output: Tensor, y: Tensor) -> dict[str, float]:
    logs = {"loss": loss.item()}
    for name, metric in state.metrics.items():
        logs[name] = metric(output.data, y.data)
    return logs


def _inputs_and_targets(batch: tuple[Any, ...]) -> tuple[Any, Any]:
    if len(batch) != 2:
        raise ValueError(
            f"the default train_step and test_step take batches (x, y), got {len(batch)} arrays: give fit "
            "and evaluate targets y, or override train_step for a model that learns otherwise"
        )
    return batch[0], batch[1]


def train_step(model: nn.Module, batch: tuple[Any, ...]) -> dict[str, float]:
    """Loss, backward, optimizer step on a batch (x, y); the batch's loss and metrics."""
    x, y = _inputs_and_targets(batch)
    state = compiled(model)
    optimizer = state.optimizer
    output = model(x)
    loss = state.loss(output, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return _logs(state, loss, output, y)


def test_step(model: nn.Module, batch: tuple[Any, ...]) -> dict[str, float]:
    """The loss and metrics on a batch (x, y); evaluate runs it without a graph, in evaluation mode."""
    x, y = _inputs_and_targets(batch)
    state = compiled(model)
    output = model(x)
    return _logs(state, state.loss(output, y), output, y)
