"""Training checkpoints: model weights, optimizer states and a small JSON record (epoch, history),
in one file written atomically and read without pickle, so interrupted training can resume.

The container follows the name as for model files (formats.py): an .npz keeps the JSON under
"__record__", a .safetensors file in its metadata under "deepstep.checkpoint" (strings, as the
format requires). Arrays are named "model/<state-dict name>" and "optimizer/<label>/<index>/<key>"
in both. Loading checks the file whole before it changes anything, and puts the model and the
optimizers back as they were if restoring them fails midway."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..nn.module import Module
from ..optim.optimizer import Optimizer
from .archive import read_archive, write_archive
from .formats import format_for_name, is_npz_file
from .safetensors_file import read_json, read_safetensors, write_safetensors
from .weights import check_state_dict

__all__ = ["load_checkpoint", "read_record", "save_checkpoint"]

_RECORD = "__record__"  # the JSON's name in an .npz
_METADATA_KEY = "deepstep.checkpoint"  # and in a safetensors file's metadata
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
    if format_for_name(path) == "safetensors":
        return write_safetensors(path, arrays, {_METADATA_KEY: json.dumps(meta)})
    return write_archive(path, _RECORD, meta, arrays)


def _read(path: str | os.PathLike, names: tuple[str, ...] | None = None) -> tuple[Any, dict[str, np.ndarray]]:
    if is_npz_file(path):
        return read_archive(path, _RECORD, _WHAT, names)
    metadata, arrays = read_safetensors(path, _WHAT, names)
    return read_json(Path(path), metadata, _METADATA_KEY, _WHAT), arrays


def read_record(path: str | os.PathLike) -> dict[str, Any]:
    """Only the JSON record of a checkpoint (epoch, history, settings), without touching any model."""
    return _read(path, names=())[0]["record"]


def load_checkpoint(
    path: str | os.PathLike, model: Module, optimizers: dict[str, Optimizer]
) -> dict[str, Any]:
    """Restore weights and optimizer states from `path` into the given objects; returns the record.
    A file that does not fit them raises a ValueError and changes none of them."""
    meta, arrays = _read(path)
    weights = {name[len("model/") :]: v for name, v in arrays.items() if name.startswith("model/")}
    check_state_dict(model, weights, source=path)
    states = {}
    for label in optimizers:
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
        states[label] = {"state": state, "param_groups": saved["param_groups"]}
    # state_dict() gives copies: what to put back if an optimizer refuses its state halfway
    before = model.state_dict(), {label: optimizer.state_dict() for label, optimizer in optimizers.items()}
    try:
        model.load_state_dict(weights)
        for label, optimizer in optimizers.items():
            optimizer.load_state_dict(states[label])
    except BaseException:
        model.load_state_dict(before[0])
        for label, optimizer in optimizers.items():
            optimizer.load_state_dict(before[1][label])
        raise
    return meta["record"]
