"""Keras-style training for any Module: fit, evaluate, predict — the one mini-batch loop.

fit draws the batches of each epoch from a DataLoader (arrays are put in one, reshuffled every
epoch from a seeded generator) and hands each to the model's train_step, which a model may
override (a GAN does); the loop around it is the same for every model: the data checked before
the first step, the progress bar, the NaN check, the callbacks, the History. The data are checked
first so that bad input fails at once rather than an hour into training.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import backend
from .. import nn as nn_
from ..autograd.tensor import Tensor
from ..checks import non_negative_int, positive_int
from ..data.loader import DataLoader, TensorDataset
from ..nn.module import inference
from .callbacks import Callback, History
from .compiling import compiled
from .float_warnings import HeldFloatWarnings

__all__ = ["Progress", "evaluate", "fit", "predict"]


# ----- checking the data ------------------------------------------------------------------
def _as_array(data: Any, name: str) -> np.ndarray:
    array = np.asarray(data.data if isinstance(data, Tensor) else data)
    if array.dtype == object:
        raise TypeError(f"{name} must be numeric, got an object array")
    if array.ndim == 0:
        raise ValueError(f"{name} must have a batch dimension, got a scalar")
    if len(array) == 0:
        raise ValueError(f"{name} is empty: there is nothing to train on")
    # min and max carry any NaN or ±inf and cost two passes, not a mask as large as the data
    if array.dtype.kind == "f" and not (np.isfinite(array.min()) and np.isfinite(array.max())):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(f"{name} holds NaN or infinity (first at index {tuple(int(i) for i in bad)})")
    return array


def _model_dtype(model: nn_.Module) -> np.dtype:
    for parameter in model.parameters():
        return parameter.dtype
    return backend.get_default_dtype()


def _prepare(model: nn_.Module, x: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """x (and y) as checked arrays, x in the model's float dtype (float64 data would only slow a
    float32 model down)."""
    x = _as_array(x, f"{name} x")
    if y is not None:
        y = _as_array(y, f"{name} y")
        if len(x) != len(y):
            raise ValueError(f"{name} x has {len(x)} samples but y has {len(y)}")
    if x.dtype.kind == "f":
        x = x.astype(_model_dtype(model), copy=False)
    return x, y


def _check_loader(model: nn_.Module, loader: DataLoader, name: str) -> None:
    """A DataLoader's data, checked as arrays are: all of it for a TensorDataset, else its first batch."""
    dataset = loader.dataset
    if isinstance(dataset, TensorDataset):
        arrays = dataset.arrays
        columns = [_as_array(a, f"{name} {part}") for a, part in zip(arrays, "xy", strict=False)]
    else:  # (a loader of its own, so that the caller's draws no random order for this look)
        first = next(
            iter(DataLoader(dataset, batch_size=loader.batch_size or 1, collate_fn=loader.collate_fn))
        )
        columns = [_as_array(t, f"{name} {part}") for t, part in zip(_as_tuple(first), "xy", strict=False)]
    model.check_data(*columns[:2])


def _loader(
    model: nn_.Module,
    x: Any,
    y: Any,
    batch_size: int | None,
    default: int,
    shuffle: bool,
    seed: Any,
    name: str,
) -> DataLoader:
    """A DataLoader given by the caller (checked), or one made over the arrays x (and y), in batches
    of batch_size (`default` when None)."""
    if isinstance(x, DataLoader):
        if y is not None or batch_size is not None:
            raise ValueError(
                f"the {name} DataLoader brings its own targets and batch size: give it alone, "
                "without y or batch_size"
            )
        _check_loader(model, x, name)
        return x
    x, y = _prepare(model, x, y, name)
    model.check_data(x, y)
    arrays = (x,) if y is None else (x, y)
    size = default if batch_size is None else batch_size
    return DataLoader(*arrays, batch_size=size, shuffle=shuffle, seed=seed)


def _as_tuple(batch: Any) -> tuple[Any, ...]:
    """A batch as a tuple (inputs, targets, …): a dataset of bare inputs gives bare tensors, and a
    collate_fn may give a list, as in PyTorch."""
    if isinstance(batch, tuple):
        return batch
    return tuple(batch) if isinstance(batch, list) else (batch,)


def _model_inputs(batches: Iterable[Any], dtype: np.dtype) -> Iterable[tuple[Tensor, ...]]:
    """Batches as tuples, with floating inputs in the model's dtype (a caller's DataLoader may hold
    float64)."""
    for batch in map(_as_tuple, batches):
        x = batch[0]
        if x.dtype.kind == "f" and x.dtype != dtype:
            batch = (Tensor(x.data.astype(dtype)), *batch[1:])
        yield batch


class _Means:
    """Running means of the steps' logs, weighted by the size of each batch."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.seen = 0

    def add(self, logs: dict[str, float], size: int) -> dict[str, float]:
        for key, value in logs.items():
            self.totals[key] = self.totals.get(key, 0.0) + value * size
        self.seen += size
        return self.result()

    def result(self) -> dict[str, float]:
        return {key: total / self.seen for key, total in self.totals.items()}


# ----- progress -----------------------------------------------------------------------
class Progress:
    """A tqdm bar per epoch when tqdm is installed (the `progress` extra), else one line per epoch."""

    def __init__(self, verbose: int, epoch: int, epochs: int, total: int) -> None:
        self.bar = None
        self.verbose = verbose
        self.prefix = f"Epoch {epoch + 1}/{epochs}"
        if verbose == 1:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self.verbose = 2
            else:
                self.bar = tqdm(total=total, desc=self.prefix, unit="batch", leave=True, dynamic_ncols=True)

    def update(self, batch: int, logs: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if batch % 25 == 0:  # formatting the postfix every batch would cost more than the step
                self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)

    def close(self, logs: dict[str, float]) -> None:
        text = " - ".join(f"{k}: {v:.4g}" for k, v in logs.items())
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)
            self.bar.close()
        elif self.verbose:
            print(f"{self.prefix} - {text}", file=sys.stdout, flush=True)


def _check_finite(logs: dict[str, float], epoch: int, batch: int, n_batches: int) -> None:
    for key, value in logs.items():
        if not math.isfinite(value):
            raise FloatingPointError(
                f"the {key} became {value} at epoch {epoch + 1}, batch {batch + 1} of {n_batches}; "
                "try a smaller learning rate, or check the data and the loss"
            )


# ----- fit, evaluate, predict -----------------------------------------------------------
def fit(
    model: nn_.Module,
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
    """Train for `epochs` epochs of mini-batch descent, one model.train_step per batch; returns the
    History of the epochs' mean logs (and of each step's, in history.steps), also kept as model.history.

    x, y: arrays, cut into batches of batch_size (32 by default) by a DataLoader that reshuffles them
    every epoch (unless shuffle=False) from a generator seeded by `seed`; or x is a DataLoader, which
    brings its own batch size, shuffling and seed. `validation_split` holds out the last fraction of
    the arrays before any shuffling, as Keras does. A logged value (the loss) that becomes NaN or
    infinite stops training with an error naming the epoch and the batch.

    Exact resumption: with an int seed, epoch e's order is drawn from (seed, e) alone
    (DataLoader.set_epoch); with seed None, from the library's generator, whose state a checkpoint
    keeps with every other generator's (deepstep.io.save_checkpoint). So fit(..., initial_epoch=k)
    on a model, optimizer and generators restored from the checkpoint after epoch k continues
    bit for bit as the run that was never interrupted; BackupAndRestore does all that by itself.
    """
    compiled(model)  # "call compile first", before anything else
    epochs = non_negative_int(None, "epochs", epochs)
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must lie in [0, 1), got {validation_split}")
    if isinstance(x, DataLoader) and (shuffle is not None or seed is not None or validation_split):
        raise ValueError(
            "a DataLoader brings its own shuffling and seed: set them on it; and give validation_data "
            "rather than validation_split"
        )
    if validation_data is None and validation_split > 0:
        x, y = _prepare(model, x, y, "training")
        cut = len(x) - math.ceil(len(x) * validation_split)
        if cut <= 0:
            raise ValueError(
                f"validation_split={validation_split} leaves no training samples out of {len(x)}"
            )
        validation_data = (x[cut:], None if y is None else y[cut:])
        x, y = x[:cut], None if y is None else y[:cut]
    validation = None
    if validation_data is not None:
        val_x, val_y = (validation_data, None) if isinstance(validation_data, DataLoader) else validation_data
        big = max(256, 32 if batch_size is None else batch_size)  # no gradients: larger batches are faster
        validation = _loader(model, val_x, val_y, None, big, False, None, "validation")
    # seed None: the epochs' orders come straight from the library's generator (whose state a
    # checkpoint keeps), not from a private one forked from it (whose state nothing would keep)
    order = backend.default_generator() if seed is None else seed
    loader = _loader(model, x, y, batch_size, 32, shuffle is not False, order, "training")

    history = History()
    model.history = history
    callbacks = [history, *(callbacks or [])]
    for callback in callbacks:
        callback.set_model(model)
    dtype, n_batches = _model_dtype(model), len(loader)
    model.stop_training = False
    model._initial_epoch = non_negative_int(None, "initial_epoch", initial_epoch)
    for callback in callbacks:
        callback.on_train_begin()  # BackupAndRestore may move model._initial_epoch on, to resume
    for epoch in range(model._initial_epoch, epochs):
        loader.set_epoch(epoch)  # an int seed: this epoch's order from (seed, epoch) alone
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        model.train()
        means = _Means()
        progress = Progress(verbose, epoch, epochs, n_batches)
        for index, batch in enumerate(_model_inputs(loader, dtype)):
            with HeldFloatWarnings() as float_warnings:
                step = model.train_step(batch)
            _check_finite(step, epoch, index, n_batches)  # a diverged step's warnings are dropped
            float_warnings.release()
            history.add_step(step)
            logs = means.add(step, len(batch[0]))
            progress.update(index, logs)
            for callback in callbacks[1:]:
                callback.on_batch_end(index, logs)
        logs = means.result()
        if validation is not None:
            logs.update({f"val_{k}": v for k, v in _evaluate(model, validation).items()})
        logs["lr"] = next(iter(model.optimizers.values())).param_groups[0]["lr"]
        progress.close(logs)
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    for callback in callbacks:
        callback.on_train_end()
    return history


def _evaluate(model: nn_.Module, loader: DataLoader) -> dict[str, float]:
    """The means of model.test_step over the loader's batches, in evaluation mode, without a graph."""
    means = _Means()
    with inference(model):
        for batch in _model_inputs(loader, _model_dtype(model)):
            means.add(model.test_step(batch), len(batch[0]))
    return means.result()


def evaluate(
    model: nn_.Module, x: Any, y: Any = None, batch_size: int | None = None, verbose: int = 0
) -> dict[str, float]:
    """The loss and metrics on (x, y) or a DataLoader, in evaluation mode: {"loss": ..., "accuracy": ...}."""
    compiled(model)
    loader = _loader(model, x, y, batch_size, 256, False, None, "evaluation")
    scores = _evaluate(model, loader)
    if verbose:
        print(" - ".join(f"{k}: {v:.4g}" for k, v in scores.items()))
    return scores


def predict(model: nn_.Module, x: Any, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for x (an array, or a DataLoader whose batches start with the inputs),
    computed in evaluation mode without a graph, as one array."""
    if isinstance(x, DataLoader):
        loader = x
    else:
        x = _as_array(x, "x")
        if x.dtype.kind == "f":
            x = x.astype(_model_dtype(model), copy=False)
        loader = DataLoader(x, batch_size=positive_int(None, "batch_size", batch_size))
    with inference(model):
        outputs = [model(batch[0]).data for batch in _model_inputs(loader, _model_dtype(model))]
    return np.concatenate(outputs)
