"""Keras-style training for any Module: compile, fit, evaluate, predict.

One epoch of fit is mini-batch gradient descent as in the notes: for each batch of n_b
examples, the loss (a mean over the batch), its gradient by back-propagation, one
optimizer step. The data are checked before the first step, so bad input fails at once
rather than an hour into training.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import backend
from .. import nn as nn_
from .. import optim as optim_
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..data.loader import check_batch_size
from .callbacks import Callback, History

__all__ = ["Progress", "compile", "evaluate", "fit", "predict"]

OPTIMIZERS: dict[str, tuple[type, dict[str, Any]]] = {
    "sgd": (optim_.SGD, {"lr": 0.01}),
    "adam": (optim_.Adam, {}),
    "adamw": (optim_.AdamW, {}),
    "rmsprop": (optim_.RMSprop, {"lr": 1e-3}),
}
LOSSES: dict[str, type] = {
    "cross_entropy": nn_.CrossEntropyLoss,
    "categorical_crossentropy": nn_.CrossEntropyLoss,
    "sparse_categorical_crossentropy": nn_.CrossEntropyLoss,
    "nll": nn_.NLLLoss,
    "mse": nn_.MSELoss,
    "mean_squared_error": nn_.MSELoss,
    "mae": nn_.L1Loss,
    "l1": nn_.L1Loss,
    "mean_absolute_error": nn_.L1Loss,
    "huber": nn_.HuberLoss,
    "bce": nn_.BCELoss,
    "binary_crossentropy": nn_.BCELoss,
    "bce_with_logits": nn_.BCEWithLogitsLoss,
    "hinge": nn_.MultiMarginLoss,
    "multi_margin": nn_.MultiMarginLoss,
}
_LABEL_LOSSES = (nn_.CrossEntropyLoss, nn_.NLLLoss, nn_.MultiMarginLoss)

Metric = Callable[[np.ndarray, np.ndarray], float]


@dataclass
class Compiled:
    """What compile() fixed: the optimizer, the loss, and the metrics by name."""

    optimizer: optim_.Optimizer
    loss: Callable[[Tensor, Any], Tensor]
    metrics: dict[str, Metric] = field(default_factory=dict)


# ----- metrics --------------------------------------------------------------------------
def _accuracy_for(loss: Any) -> Metric:
    # A single output column is a binary classifier: logits cross 0, probabilities cross ½.
    threshold = 0.5 if isinstance(loss, nn_.BCELoss) else 0.0

    def accuracy(y_pred: np.ndarray, y_true: np.ndarray) -> float:
        if y_pred.ndim == 2 and y_pred.shape[1] > 1:
            predicted = y_pred.argmax(axis=1)
            truth = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
        else:
            predicted = (y_pred.reshape(len(y_pred), -1)[:, 0] > threshold).astype(np.int64)
            truth = y_true.reshape(len(y_true), -1)[:, 0]
        return float(np.mean(predicted == truth))

    return accuracy


def _mae(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    return float(np.mean(np.abs(y_pred - y_true.reshape(y_pred.shape))))


def _mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    return float(np.mean((y_pred - y_true.reshape(y_pred.shape)) ** 2))


def _metric(spec: str | Metric, loss: Any) -> tuple[str, Metric]:
    if callable(spec):
        return getattr(spec, "__name__", "metric"), spec
    named = {"accuracy": _accuracy_for(loss), "acc": _accuracy_for(loss), "mae": _mae, "mse": _mse}
    if spec not in named:
        raise ValueError(
            f"unknown metric {spec!r}; use one of {sorted(named)} or a function (y_pred, y_true)"
        )
    return ("accuracy" if spec == "acc" else spec), named[spec]


# ----- compile -------------------------------------------------------------------------
def compile(  # noqa: A001 - Keras's name
    model: nn_.Module,
    optimizer: str | optim_.Optimizer = "adam",
    loss: str | Callable[[Tensor, Any], Tensor] = "cross_entropy",
    metrics: Sequence[str | Metric] | None = None,
) -> None:
    """Choose the optimizer (a name or an instance), the loss (a name, a loss module or a function)
    and the metrics to report (names like "accuracy", or functions of (y_pred, y_true))."""
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; use one of {sorted(OPTIMIZERS)} or an instance"
            )
        cls, defaults = OPTIMIZERS[key]
        optimizer = cls(model.parameters(), **defaults)
    elif not isinstance(optimizer, optim_.Optimizer):
        raise TypeError(
            f"optimizer must be a name or a deepstep.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if isinstance(loss, str):
        key = loss.lower()
        if key not in LOSSES:
            raise ValueError(
                f"unknown loss {loss!r}; use one of {sorted(LOSSES)}, a loss module or a function"
            )
        loss = LOSSES[key]()
    elif not callable(loss):
        raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")
    named = dict(_metric(m, loss) for m in (metrics or []))
    model._compiled = Compiled(optimizer, loss, named)


def _compiled(model: nn_.Module) -> Compiled:
    compiled = getattr(model, "_compiled", None)
    if compiled is None:
        raise RuntimeError("call model.compile(optimizer=..., loss=...) before fit or evaluate")
    return compiled


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


def _prepare(model: nn_.Module, x: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    x = _as_array(x, f"{name} x")
    y = _as_array(y, f"{name} y")
    if len(x) != len(y):
        raise ValueError(f"{name} x has {len(x)} samples but y has {len(y)}")
    if x.dtype.kind == "f":
        x = x.astype(_model_dtype(model), copy=False)  # float64 data would only slow a float32 model
    return x, y


def _check_against_model(model: nn_.Module, compiled: Compiled, x: np.ndarray, y: np.ndarray) -> None:
    """One forward pass on one example: wrong feature counts and label ranges fail here, before training."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            out = model(Tensor(x[:1]))
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"the model cannot take inputs of shape {x.shape[1:]} (per sample): {error}"
        ) from None
    finally:
        model.train(was_training)
    if isinstance(compiled.loss, _LABEL_LOSSES) and y.ndim == 1:
        if y.dtype.kind not in "iu":
            raise TypeError(f"class labels must be integers, got dtype {y.dtype}")
        n_classes = out.shape[-1]
        if y.min() < 0 or y.max() >= n_classes:
            raise ValueError(
                f"labels must lie in [0, {n_classes - 1}] for a model with {n_classes} outputs, "
                f"got values from {y.min()} to {y.max()}"
            )


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


# ----- fit, evaluate, predict -----------------------------------------------------------
def fit(
    model: nn_.Module,
    x: Any,
    y: Any,
    epochs: int = 1,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    validation_split: float = 0.0,
    shuffle: bool = True,
    callbacks: Sequence[Callback] | None = None,
    verbose: int = 1,
    seed: int | np.random.Generator | None = None,
    initial_epoch: int = 0,
) -> History:
    """Train for `epochs` epochs of mini-batch descent; returns the History of losses and metrics.

    `validation_split` holds out the last fraction of (x, y) before any shuffling, as Keras does.
    A loss that becomes NaN or infinite stops training with an error naming the epoch and batch.
    """
    compiled = _compiled(model)
    batch_size = check_batch_size(batch_size)
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    x, y = _prepare(model, x, y, "training")
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must lie in [0, 1), got {validation_split}")
    if validation_data is None and validation_split > 0:
        cut = len(x) - math.ceil(len(x) * validation_split)
        if cut <= 0:
            raise ValueError(
                f"validation_split={validation_split} leaves no training samples out of {len(x)}"
            )
        validation_data = (x[cut:], y[cut:])
        x, y = x[:cut], y[:cut]
    if validation_data is not None:
        val_x, val_y = _prepare(model, *validation_data, "validation")
        _check_against_model(model, compiled, val_x, val_y)
    _check_against_model(model, compiled, x, y)

    history = History()
    callbacks = [history, *(callbacks or [])]
    for callback in callbacks:
        callback.set_model(model)
    rng = (
        backend.as_generator(seed)
        if seed is not None
        else np.random.default_rng(backend.default_generator().integers(2**63))
    )
    optimizer, loss_fn = compiled.optimizer, compiled.loss
    n = len(x)
    n_batches = -(-n // batch_size)
    model.stop_training = False
    for callback in callbacks:
        callback.on_train_begin()

    for epoch in range(initial_epoch, epochs):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        model.train()
        order = rng.permutation(n) if shuffle else np.arange(n)
        totals = dict.fromkeys(["loss", *compiled.metrics], 0.0)
        progress = Progress(verbose, epoch, epochs, n_batches)
        seen = 0
        for batch, start in enumerate(range(0, n, batch_size)):
            index = order[start : start + batch_size]
            xb, yb = x[index], y[index]
            output = model(Tensor(xb))
            loss = loss_fn(output, yb)
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} at epoch {epoch + 1}, batch {batch + 1} of {n_batches}; "
                    "try a smaller learning rate, or check the data and the loss"
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            size = len(index)
            seen += size
            totals["loss"] += value * size
            for name, metric in compiled.metrics.items():
                totals[name] += metric(output.data, yb) * size
            logs = {k: v / seen for k, v in totals.items()}
            progress.update(batch, logs)
            for callback in callbacks[1:]:
                callback.on_batch_end(batch, logs)
        logs = {k: v / seen for k, v in totals.items()}
        if validation_data is not None:
            scores = evaluate(model, val_x, val_y, batch_size=max(batch_size, 256))
            logs.update({f"val_{k}": v for k, v in scores.items()})
        logs["lr"] = optimizer.param_groups[0]["lr"]
        progress.close(logs)
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    for callback in callbacks:
        callback.on_train_end()
    return history


def evaluate(model: nn_.Module, x: Any, y: Any, batch_size: int = 256, verbose: int = 0) -> dict[str, float]:
    """The loss and metrics on (x, y), in evaluation mode; a dict such as {"loss": ..., "accuracy": ...}."""
    compiled = _compiled(model)
    batch_size = check_batch_size(batch_size)
    x, y = _prepare(model, x, y, "evaluation")
    _check_against_model(model, compiled, x, y)
    totals = dict.fromkeys(["loss", *compiled.metrics], 0.0)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for start in range(0, len(x), batch_size):
                xb, yb = x[start : start + batch_size], y[start : start + batch_size]
                output = model(Tensor(xb))
                totals["loss"] += compiled.loss(output, yb).item() * len(xb)
                for name, metric in compiled.metrics.items():
                    totals[name] += metric(output.data, yb) * len(xb)
    finally:
        model.train(was_training)
    scores = {k: v / len(x) for k, v in totals.items()}
    if verbose:
        print(" - ".join(f"{k}: {v:.4g}" for k, v in scores.items()))
    return scores


def predict(model: nn_.Module, x: Any, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for x, computed in evaluation mode without a graph, as one array."""
    batch_size = check_batch_size(batch_size)
    x = _as_array(x, "x")
    if x.dtype.kind == "f":
        x = x.astype(_model_dtype(model), copy=False)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outputs = [
                model(Tensor(x[start : start + batch_size])).data for start in range(0, len(x), batch_size)
            ]
    finally:
        model.train(was_training)
    return np.concatenate(outputs)
