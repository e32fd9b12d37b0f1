"""Callbacks: hooks into the training loop, as in Keras.

A callback sees `on_train_begin`, `on_epoch_begin(epoch)`, `on_batch_end(batch, logs)`,
`on_epoch_end(epoch, logs)` and `on_train_end`; `logs` holds the epoch's metrics
("loss", "accuracy", "val_loss", ... and "lr"). Setting `model.stop_training = True` ends
training after the current epoch. A callback reaches the model as `self.model`: its optimizer,
its state_dict, `model.save(path)`; in on_train_begin it may move `model._initial_epoch` on (to
resume, as BackupAndRestore does).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
]


class Callback:
    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None: ...
    def on_train_end(self, logs: dict[str, float] | None = None) -> None: ...


class History(Callback, Mapping):
    """What fit() returns: `history["loss"]` (or Keras's `history.history["loss"]`) is the list of the
    epochs' losses, and so on for every logged value; `history.steps["loss"]` the value of each step."""

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}
        self.steps: dict[str, list[float]] = {}

    def add_step(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.steps.setdefault(key, []).append(value)

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.history)

    def __len__(self) -> int:
        return len(self.history)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


def _improved(mode: str, current: float, best: float, min_delta: float) -> bool:
    return current < best - min_delta if mode == "min" else current > best + min_delta


def _mode_for(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if "acc" in monitor else "min"


def _monitored(logs: dict[str, float] | None, monitor: str, who: str) -> float:
    if not logs or monitor not in logs:
        available = sorted(logs or {})
        raise KeyError(f"{who} monitors {monitor!r}, which is not among the logged values {available}")
    return logs[monitor]


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs in a row
    (patience=2: two epochs without improvement, then stop; patience 0 and 1 both stop at the first),
    as Keras does; with restore_best_weights, go back to the weights of the best epoch when stopping."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        from ..checks import non_negative_int

        self.monitor, self.min_delta = monitor, abs(min_delta)
        self.patience = non_negative_int(None, "patience", patience)
        self.mode = _mode_for(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.best_state: dict[str, np.ndarray] | None = None
        self.stopped_epoch = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if _improved(self.mode, current, self.best, self.min_delta):
            self.best, self.wait = current, 0
            if self.restore_best_weights:
                self.best_state = self.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_state is not None:
                self.model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Save the model after each epoch (or only when `monitor` improves) to `filepath`, which may hold
    `{epoch}` and any logged value, e.g. "ckpt-{epoch:02d}-{val_loss:.3f}.dsm"."""

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        self.filepath = str(filepath)
        self.monitor, self.save_best_only = monitor, save_best_only
        self.mode = _mode_for(monitor, mode)
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not _improved(self.mode, current, self.best, 0.0):
                return
            self.best = current
        path = Path(self.filepath.format(epoch=epoch + 1, **logs))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model.save(path)


class BackupAndRestore(Callback):
    """Fault-tolerant fit, as Keras's BackupAndRestore: after every epoch, write a checkpoint of the
    whole training state (weights, every optimizer's state, every random generator's state, the epoch)
    to `backup_dir`/checkpoint.npz; when fit starts and finds one, restore it and continue after that
    epoch. An interrupted fit (Ctrl-C, a crash, a killed process) run again the same way (same data,
    seed, epochs and callbacks) ends with the very weights, bit for bit, of a fit never interrupted:
    the unfinished epoch is run again from its start, which the checkpoint is the state of. The
    backup is deleted when fit ends normally, unless delete_checkpoint=False (then a later fit with
    more epochs continues it as one longer fit would). Give fit an int seed, or none (the library's
    generator, deepstep.manual_seed): a Generator of your own is not in the checkpoint."""

    def __init__(self, backup_dir: str | os.PathLike, delete_checkpoint: bool = True) -> None:
        self.path = Path(backup_dir) / "checkpoint.npz"
        self.delete_checkpoint = delete_checkpoint

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        from ..io.checkpoint import load_checkpoint

        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            record = load_checkpoint(self.path, self.model, self.model.optimizers)
            self.model._initial_epoch = max(self.model._initial_epoch, int(record["epoch"]))

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        from ..io.checkpoint import save_checkpoint

        save_checkpoint(self.path, self.model, self.model.optimizers, {"epoch": epoch + 1})

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        if self.delete_checkpoint:
            self.path.unlink(missing_ok=True)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch: `schedule(epoch, lr) -> new lr`, or a
    deepstep.optim scheduler, stepped at the end of each epoch (ReduceLROnPlateau with the epoch's
    val_loss, or its loss without validation data). A scheduler is also put at the
    epoch's own step at its start, so the rate of an epoch follows from the epoch alone: a fit resumed
    at a later epoch (BackupAndRestore) gets the rates of the fit never interrupted."""

    def __init__(self, schedule: Callable[[int, float], float] | Any) -> None:
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if _follows_a_metric(self.schedule):
            return  # (its rate depends on the metrics seen, not on the epoch: stepped at each end)
        if hasattr(self.schedule, "last_epoch") and hasattr(self.schedule, "step"):
            self.schedule.last_epoch = epoch - 1
            self.schedule.step()  # to `epoch` steps, and that rate set
        elif callable(self.schedule) and not hasattr(self.schedule, "step"):
            optimizer = self.model.optimizer
            lr = float(self.schedule(epoch, optimizer.param_groups[0]["lr"]))
            for group in optimizer.param_groups:
                group["lr"] = lr

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if _follows_a_metric(self.schedule):  # ReduceLROnPlateau: the validation loss, else the loss
            logs = logs or {}
            self.schedule.step(logs["val_loss"] if "val_loss" in logs else logs["loss"])
        elif hasattr(self.schedule, "step"):
            self.schedule.step()


def _follows_a_metric(schedule: Any) -> bool:
    """Whether a scheduler is stepped with a metric (ReduceLROnPlateau) rather than by the epoch."""
    from ..optim.schedules_plateau import ReduceLROnPlateau

    return isinstance(schedule, ReduceLROnPlateau)


class CSVLogger(Callback):
    """Write one CSV row per epoch (epoch and every logged value), flushed as it goes. The epoch is
    fit's index, from 0, as in Keras's CSVLogger (the commands' history.csv counts from 1)."""

    def __init__(self, filename: str | os.PathLike, append: bool = False) -> None:
        self.filename, self.append = Path(filename), append
        self._file: Any = None
        self._writer: Any = None

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        resume = self.append and self.filename.exists() and self.filename.stat().st_size > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._writer = None
        self._header_written = resume

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        row = {"epoch": epoch, **(logs or {})}
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=list(row))
            if not self._header_written:
                self._writer.writeheader()
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
