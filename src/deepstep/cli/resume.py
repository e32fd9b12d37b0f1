"""Resumable training for the command line: a checkpoint after every epoch, and `--restart` to ignore
an old one. Running the same command again continues where it stopped, exactly.

The design (of the two exact ones): a checkpoint is only ever the state at the end of a finished
epoch (or `lm` interval) — weights, optimizer states, every random generator's state — never the
state partway through one. Ctrl-C keeps the last finished epoch's checkpoint (writing it if the
interruption fell during its write), and the resumed run replays the unfinished epoch from its
start, drawing the same batches (an epoch's order follows from the seed and the epoch alone) and
the same random numbers (the generators are restored), so it ends bit for bit where the run never
interrupted ends. The files are written atomically: a crash or SIGKILL during a write leaves the
previous checkpoint whole. A loss that becomes NaN stops the run the same way, keeping the last
good checkpoint.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..io import load_checkpoint
from ..io.checkpoint import Snapshot, read_record, snapshot, write_snapshot
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
        name: Callable[[int], str] = "epoch {}".format,
        target: int | None = None,
    ) -> None:
        """`name(n)` says what n finished epochs are (`lm`: "step 750"); `target`, the epochs the command
        trains to: a checkpoint that has them all is a finished run, not one to resume (the command
        says so itself)."""
        self.path = output / "checkpoint.npz"
        self.model, self.optimizers = model, optimizers
        self.settings = json.loads(json.dumps(settings))  # as it reads back from the file
        self.epoch = 0
        self.history: dict[str, list[float]] = {}
        self._unwritten: Snapshot | None = None  # a finished epoch whose write was cut short
        self.saved = 0  # the epochs the file on disk holds
        self.name = name
        for stale in output.glob(f".{self.path.name}.*.tmp"):  # a write cut short by SIGKILL or a crash
            stale.unlink(missing_ok=True)  # (the folder is this job's: the command holds its lock)
        if self.path.exists() and not restart:
            # settings first: weights of another model would not even load into this one
            record = read_record(self.path)
            if record["settings"] != self.settings:
                changed = sorted(k for k in self.settings if record["settings"].get(k) != self.settings[k])
                raise SystemExit(
                    f"{self.path} was made with other settings ({', '.join(changed)}); "
                    "run with the same settings to resume, with --restart to start again here (the old "
                    "run is overwritten), or with --output DIR to keep it and start a new run in DIR"
                )
            load_checkpoint(self.path, model, optimizers)
            self.epoch, self.history = record["epoch"], record["history"]
            self.saved = self.epoch
            if target is None or self.epoch < target:
                print(f"resuming from {self.path} after {self.name(self.epoch)}", flush=True)
        self.resumed_at = self.epoch  # the epochs finished before this run: trained = epoch > resumed_at

    def add_epoch(self, logs: dict[str, Any], count: int = 1) -> None:
        """An epoch has finished (or `count` of what the job counts: `lm` counts steps): count it, keep
        its logs (Python ints as ints, other numbers as floats), and save the checkpoint of this moment."""
        self.epoch += count
        for key, value in logs.items():
            kept = value if isinstance(value, list) or type(value) is int else float(value)
            self.history.setdefault(key, []).append(kept)
        self.save()

    def save(self) -> None:
        record = {"epoch": self.epoch, "history": self.history, "settings": self.settings}
        # taken first, written second: if the write is interrupted, the finished epoch is still at hand
        self._unwritten = snapshot(self.model, self.optimizers, record)
        write_snapshot(self.path, self._unwritten)
        self._unwritten, self.saved = None, self.epoch

    def _keep_last_epoch(self) -> None:
        """Make sure the file holds the last finished epoch: rewrite it if its write was cut short
        (a second Ctrl-C meanwhile is ignored: the write takes a moment)."""
        taken = self._unwritten
        if taken is None:
            return
        main_thread = threading.current_thread() is threading.main_thread()  # where handlers may be set
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            write_snapshot(self.path, taken)
            self._unwritten, self.saved = None, taken[0]["record"]["epoch"]
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)

    def _kept(self) -> str:
        if self.saved == 0:
            return "no epoch of this run had finished, so nothing was saved"
        return f"{self.path} holds the state after {self.name(self.saved)}"

    def interrupted(self) -> int:
        """Ctrl-C: keep the checkpoint of the last finished epoch (the unfinished one is run again,
        from its start, on resume); the exit status of an interrupted command."""
        self._keep_last_epoch()
        print(f"\ninterrupted: {self._kept()}; run the same command again to resume", flush=True)
        return INTERRUPTED

    def diverged(self, command: str, error: Exception) -> int:
        """The loss became NaN or infinite: stop, keep the last good checkpoint, say so (one line on
        stderr, exit status 1)."""
        self._keep_last_epoch()
        print(f"deepstep {command}: {error}; {self._kept()}", file=sys.stderr)
        return 1


class EpochCheckpoint(Callback):
    """fit() callback: record each finished epoch in the Resumable (which saves a checkpoint), rewrite
    `csv` (a row per epoch) from the checkpoint's history, and say so in one line. `steps` names the
    logs whose value at every step is kept too, under "{name}_steps" (the GAN's losses, for their
    picture). The CSV follows the checkpoint, not the other way round: a run killed between an
    epoch's end and its checkpoint leaves no row that the resumed run would write twice."""

    def __init__(
        self, resumable: Resumable, epochs: int, csv: Path | None = None, steps: tuple[str, ...] = ()
    ) -> None:
        self.resumable, self.epochs, self.csv, self.steps = resumable, epochs, csv, steps

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.recorded = 0  # steps of this fit already in the checkpoint

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        record: dict[str, Any] = dict(logs or {})
        taken = self.recorded
        for name in self.steps:
            values = self.model.history.steps.get(name, [])
            record[f"{name}_steps"], self.recorded = values[taken:], len(values)
        self.resumable.add_epoch(record)
        if self.csv is not None:
            write_history(self.csv, self.resumable.history)
        summary = ", ".join(f"{key} {value:.4g}" for key, value in (logs or {}).items())
        print(f"epoch {self.resumable.epoch}/{self.epochs}: {summary}", flush=True)


def write_history(path: Path, history: dict[str, list[Any]], index: str | None = "epoch") -> None:
    """The history as a CSV, one row per epoch (numbered from 1 in the column `index`, if any, as the
    console counts them and the checkpoint's "epoch n" labels the state after n), its scalar logs as
    columns; written atomically, whole."""
    import csv
    import io

    from ..io.archive import atomic_write

    keys = [key for key, values in history.items() if values and not isinstance(values[0], list)]
    rows = zip(*(history[key] for key in keys), strict=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(([index] if index else []) + keys)
    writer.writerows(([n] if index else []) + list(row) for n, row in enumerate(rows, start=1))
    atomic_write(path, lambda file: file.write(buffer.getvalue().encode()))
