"""Keras's model methods on every Module: compile, fit, evaluate, predict, the overridable
train_step / test_step, summary, save and load_weights.

Each method is a door to the layer that does the work (deepstep.train for the loop, deepstep.io
for files, nn/summary.py for the table). Those layers sit above nn, so each door imports its
layer when it is called: the dependency is written where it is used, and readers and type checkers
see every method on Module. A model that trains differently (a GAN, two players) overrides
train_step (and compile, check_data), never the loop: fit keeps its progress bar, NaN check,
callbacks and History for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..data.loader import DataLoader
    from ..optim.optimizer import Optimizer
    from ..train.callbacks import Callback, History
    from ..train.compiling import Compiled, Metric
    from .module import Module

__all__ = ["KerasMethods"]


class KerasMethods:
    """The high-level methods Module inherits (see the module docstring)."""

    stop_training: bool = False  # a callback sets it to end fit after the current epoch
    # the call that "call compile first" shows: a model whose loss is not a classifier's says its own
    compile_example: str = "model.compile(optimizer='adam', loss='cross_entropy')"
    history: History | None = None  # what the last fit returned
    _compiled: Compiled | None = None  # what compile fixed (train/compiling.py)

    # ----- compile: the optimizer, the loss, the metrics -----------------------------------
    def compile(
        self: Module,
        optimizer: str | Optimizer = "adam",
        loss: str | Callable[..., Any] = "cross_entropy",
        metrics: Sequence[str | Metric] | None = None,
    ) -> None:
        """Choose the optimizer (a name from deepstep.optim.OPTIMIZERS or an instance), the loss (a
        name from deepstep.nn.LOSSES, a loss module or a function (output, target) → loss) and the
        metrics fit and evaluate report ("accuracy", "mae", "mse" or functions of (y_pred, y_true))."""
        from ..train.compiling import compile_model

        compile_model(self, optimizer, loss, metrics)

    @property
    def optimizers(self: Module) -> dict[str, Optimizer]:
        """The optimizers compile made, by name: {"optimizer": …} for a model with one loss (a GAN
        has two). A RuntimeError says "call compile first" before compile."""
        from ..train.compiling import compiled

        return compiled(self).optimizers

    @property
    def optimizer(self: Module) -> Optimizer:
        """The optimizer compile chose (a RuntimeError says "call compile first" before compile)."""
        from ..train.compiling import compiled

        return compiled(self).optimizer

    # ----- the steps a model may override --------------------------------------------------
    def check_data(self: Module, x: np.ndarray, y: np.ndarray | None = None) -> None:
        """Fail before the first step if the data cannot fit this model (fit and evaluate call it
        with the whole data, or a DataLoader's first batch): one forward pass on one example, and
        for a classification loss every label against the model's outputs."""
        from ..train.steps import check_data

        check_data(self, x, y)

    def train_step(self: Module, batch: tuple[Any, ...]) -> dict[str, float]:
        """One optimizer step on a batch (x, y) from the DataLoader: the compiled loss, its gradient,
        the step; returns the batch's logs {"loss": …, metric: …}. Override it (Keras's way) for a
        model that trains differently; fit calls it once per batch."""
        from ..train.steps import train_step

        return train_step(self, batch)

    def test_step(self: Module, batch: tuple[Any, ...]) -> dict[str, float]:
        """The compiled loss and metrics on a batch (x, y), without a graph: evaluate's step."""
        from ..train.steps import test_step

        return test_step(self, batch)

    # ----- the loop ------------------------------------------------------------------------
    def fit(
        self: Module,
        x: Any,
        y: Any = None,
        epochs: int = 1,
        batch_size: int | None = None,
        validation_data: tuple[Any, Any] | DataLoader | None = None,
        validation_split: float = 0.0,
        shuffle: bool | None = None,
        callbacks: Sequence[Callback] | None = None,
        verbose: int = 1,
        seed: int | np.random.Generator | None = None,
        initial_epoch: int = 0,
    ) -> History:
        """Train for `epochs` epochs, one train_step per mini-batch; returns the History (also kept as
        model.history). x and y are arrays (batched by a DataLoader of batch_size, 32 by default,
        reshuffled each epoch unless shuffle=False, seeded by seed), or x is a DataLoader (which
        brings its own batch size, shuffling and seed). See deepstep.train.loop.fit."""
        from ..train.loop import fit

        return fit(
            self,
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            validation_split=validation_split,
            shuffle=shuffle,
            callbacks=callbacks,
            verbose=verbose,
            seed=seed,
            initial_epoch=initial_epoch,
        )

    def evaluate(
        self: Module, x: Any, y: Any = None, batch_size: int | None = None, verbose: int = 0
    ) -> dict[str, float]:
        """The compiled loss and metrics on (x, y) (or a DataLoader) in evaluation mode, e.g.
        {"loss": 0.07, "accuracy": 0.98}."""
        from ..train.loop import evaluate

        return evaluate(self, x, y, batch_size=batch_size, verbose=verbose)

    def predict(self: Module, x: Any, batch_size: int = 256) -> np.ndarray:
        """The model's outputs for x, in evaluation mode without a graph, as one array."""
        from ..train.loop import predict

        return predict(self, x, batch_size=batch_size)

    # ----- describing and saving -------------------------------------------------------------
    def example_input(self: Module) -> np.ndarray | None:
        """A batch of one input that forward takes, for summary(); None when the model cannot tell
        (the ready models know theirs; a stack that starts with a Linear layer takes its width)."""
        from .summary import example_input

        return example_input(self)

    def summary(
        self: Module,
        input_size: Sequence[int] | None = None,
        dtype: Any = None,
        print_fn: Callable[[str], Any] = print,
    ) -> None:
        """Print Keras's table of the model: each layer, its output shape, its parameter count, and the
        totals. input_size is the shape of one input batch, (1, 784) say; by default example_input()."""
        from .summary import summary_table

        print_fn(summary_table(self, input_size, dtype))

    def save(self: Module, path: str | os.PathLike) -> Path:
        """Write the architecture and the weights to one file (.npz, or .safetensors); read it back
        with deepstep.load. A model that its constructor's arguments cannot rebuild is refused."""
        from ..io.model_file import save

        return save(self, path)

    def load_weights(
        self: Module, path: str | os.PathLike, strict: bool = True, allow_nonfinite: bool = False
    ) -> Any:
        """Load the weights in a file (deepstep's, or any safetensors state dict) into this model, all
        or nothing: every name, shape and dtype is checked first, and NaN or inf refused unless
        allow_nonfinite."""
        from ..io.weights import load_weights

        return load_weights(self, path, strict, allow_nonfinite)
