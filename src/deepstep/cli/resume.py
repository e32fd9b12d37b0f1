"""Resumable training for the command line: a checkpoint after every epoch, one on Ctrl-C, and
`--restart` to ignore an old one. Running the same command again continues where it stopped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io import load_checkpoint, save_checkpoint
from ..io.checkpoint import read_record
from ..nn.module import Module
from ..optim.optimizer import Optimizer
from ..train.callbacks import Callback

INTERRUPTED = 130  # the shell's exit status for Ctrl-C


class Resumable:
    """Where a job stands: epochs done, their logs, and how to save them with the model."""

    def __init__(
        self,
        output: Path,
        model: Module,
        optimizers: dict[str, Optimizer],
        settings: dict[str, Any],
        restart: bool,
    ) -> None:
        self.path = output / "checkpoint.npz"
        self.model, self.optimizers = model, optimizers
        self.settings = json.loads(json.dumps(settings))  # as it reads back from the file
        self.epoch = 0
        self.history: dict[str, list[float]] = {}
        if self.path.exists() and not restart:
            # settings first: weights of another model would not even load into this one
            record = read_record(self.path)
            if record["settings"] != self.settings:
                changed = sorted(k for k in self.settings if record["settings"].get(k) != self.settings[k])
                raise SystemExit(
                    f"{self.path} was made with other settings ({', '.join(changed)}); "
                    "run with --restart to start again, or with the same settings to resume"
                )
            load_checkpoint(self.path, model, optimizers)
            self.epoch, self.history = record["epoch"], record["history"]
            print(f"resuming from {self.path} after epoch {self.epoch}")

    def add_epoch(self, logs: dict[str, Any]) -> None:
        self.epoch += 1
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value) if not isinstance(value, list) else value)
        self.save()

    def save(self) -> None:
        record = {"epoch": self.epoch, "history": self.history, "settings": self.settings}
        save_checkpoint(self.path, self.model, self.optimizers, record)

    def interrupted(self) -> int:
        """Ctrl-C: keep the weights as they are (the unfinished epoch is run again on resume)."""
        self.save()
        print(
            f"\ninterrupted: saved {self.path} after epoch {self.epoch}; run the same command again to resume"
        )
        return INTERRUPTED


class EpochCheckpoint(Callback):
    """fit() callback: record each finished epoch in the Resumable (which saves a checkpoint) and say
    so in one line. `steps` names the logs whose value at every step is kept too, under
    "{name}_steps" (the GAN's losses, for their picture)."""

    def __init__(self, resumable: Resumable, epochs: int, steps: tuple[str, ...] = ()) -> None:
        self.resumable, self.epochs, self.steps = resumable, epochs, steps

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.recorded = 0  # steps of this fit already in the checkpoint

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        record: dict[str, Any] = dict(logs or {})
        taken = self.recorded
        for name in self.steps:
            values = self.model.history.steps.get(name, [])
            record[f"{name}_steps"], self.recorded = values[taken:], len(values)
        self.resumable.add_epoch(record)
        summary = ", ".join(f"{key} {value:.4g}" for key, value in (logs or {}).items())
        print(f"epoch {self.resumable.epoch}/{self.epochs}: {summary}", flush=True)
