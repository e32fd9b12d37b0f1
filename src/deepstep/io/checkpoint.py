"""Training checkpoints: model weights, optimizer states and a small JSON record (epoch, history),
in one .npz written atomically and read without pickle, so interrupted training can resume."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..nn.module import Module
from ..optim.optimizer import Optimizer
from .archive import read_archive, write_archive

__all__ = ["load_checkpoint", "read_record", "save_checkpoint"]

_RECORD = "__record__"
_WHAT = "deepstep checkpoint"


def save_checkpoint(
    path: str | os.PathLike, model: Module, optimizers: dict[str, Optimizer], record: dict[str, Any]
) -> Path:
    """Write weights, each optimizer's state and `record` (JSON-able: epoch, history, settings)."""
    arrays = {f"model/{name}": value for name, value in model.state_dict().items()}
    meta: dict[str, Any] = {"record": record, "optimizers": {}}
    for label, optimizer in optimizers.items():
        state = optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for index, values in state["state"].items():
            for key, value in values.items():
                if isinstance(value, np.ndarray):
                    arrays[f"optimizer/{label}/{index}/{key}"] = value
                else:
                    scalars.setdefault(str(index), {})[key] = value
        meta["optimizers"][label] = {"param_groups": state["param_groups"], "scalars": scalars}
    return write_archive(path, _RECORD, meta, arrays)


def read_record(path: str | os.PathLike) -> dict[str, Any]:
    """Only the JSON record of a checkpoint (epoch, history, settings), without touching any model."""
    return read_archive(path, _RECORD, _WHAT, names=())[0]["record"]


def load_checkpoint(
    path: str | os.PathLike, model: Module, optimizers: dict[str, Optimizer]
) -> dict[str, Any]:
    """Restore weights and optimizer states from `path` into the given objects; returns the record."""
    meta, arrays = read_archive(path, _RECORD, _WHAT)
    model.load_state_dict(
        {name[len("model/") :]: v for name, v in arrays.items() if name.startswith("model/")}
    )
    for label, optimizer in optimizers.items():
        saved = meta["optimizers"].get(label)
        if saved is None:
            raise ValueError(f"{path} holds no state for the optimizer {label!r}")
        state: dict[int, dict[str, Any]] = {}
        prefix = f"optimizer/{label}/"
        for name, value in arrays.items():
            if name.startswith(prefix):
                index, key = name[len(prefix) :].split("/", 1)
                state.setdefault(int(index), {})[key] = value
        for index, values in saved["scalars"].items():
            state.setdefault(int(index), {}).update(values)
        optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
    return meta["record"]
