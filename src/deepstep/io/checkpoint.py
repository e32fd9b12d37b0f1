"""Training checkpoints: model weights, optimizer states, the state of every random generator the
training draws from, and a small JSON record (epoch, history), in one file written atomically and
read without pickle, so that interrupted training resumes exactly: the same weights, the same
moments, the same next random numbers (dropout masks, a GAN's noise, the next shuffle).

The generators are the library's (deepstep.manual_seed's) and each one a module holds (a Dropout's
or an attention layer's own, a GAN's noise); their states go into the JSON as NumPy gives them.

The container follows the name as for model files (formats.py): an .npz keeps the JSON under
"__record__", a .safetensors file in its metadata under "deepstep.checkpoint" (strings, as the
format requires). Arrays are named "model/<state-dict name>" and "optimizer/<label>/<index>/<key>"
in both (a list of arrays, as L-BFGS's history, one array per item: ".../<key>/<position>", its length
in the JSON). Loading checks the file whole before it changes anything, and puts the model and the
optimizers back as they were if restoring them fails midway."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend
from ..nn.module import Module
from ..optim.optimizer import Optimizer
from .archive import atomic_write, read_archive
from .formats import format_for_name, is_npz_file
from .safetensors_file import read_json, read_safetensors, write_safetensors
from .weights import check_finite, check_state_dict

__all__ = [
    "generator_states",
    "load_checkpoint",
    "read_record",
    "restore_generator_states",
    "save_checkpoint",
    "snapshot",
    "write_snapshot",
]

_RECORD = "__record__"  # the JSON's name in an .npz
_METADATA_KEY = "deepstep.checkpoint"  # and in a safetensors file's metadata
_WHAT = "deepstep checkpoint"


# ----- the random generators ---------------------------------------------------------------
_LIBRARY = "deepstep"  # the library-wide generator's name among the states


def _generators(model: Module) -> dict[str, np.random.Generator]:
    """Every Generator training may draw from: the library's, and each one held by a module of the
    model (under "<module path>.<attribute>"; one shared by several modules appears under each name,
    which is harmless: the same object gets the same state back)."""
    found = {_LIBRARY: backend.default_generator()}
    for module_name, module in model.named_modules():
        for attribute, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{module_name}.{attribute}" if module_name else attribute] = value
    return found


def generator_states(model: Module) -> dict[str, Any]:
    """The state of every generator of `model` and of the library's, JSON-able."""
    return {name: generator.bit_generator.state for name, generator in _generators(model).items()}


def _check_generator_states(model: Module, states: Any, source: Any) -> None:
    """Try each state on a fresh generator of its kind: one NumPy refuses raises a ValueError naming
    `source` and the generator, before anything has changed."""
    if not isinstance(states, dict):
        raise ValueError(f"{source} holds no generator states (a mapping), got {type(states).__name__}")
    generators = _generators(model)
    for name, state in states.items():
        if name in generators:
            try:
                type(generators[name].bit_generator)().state = state
            except (TypeError, ValueError, KeyError, AttributeError) as error:
                refused = f"a state for the generator {name!r} that NumPy refuses: {error}"
                raise ValueError(f"{source} holds {refused}") from None


def restore_generator_states(model: Module, states: dict[str, Any], source: Any = "the states") -> None:
    """Put the states of generator_states back, in place (a module and the library may share one);
    all or none (each is checked first)."""
    _check_generator_states(model, states, source)
    generators = _generators(model)
    for name, state in states.items():
        if name in generators:
            generators[name].bit_generator.state = state


# ----- writing ------------------------------------------------------------------------------
Snapshot = tuple[dict[str, Any], dict[str, np.ndarray]]


def snapshot(model: Module, optimizers: dict[str, Optimizer], record: dict[str, Any]) -> Snapshot:
    """What a checkpoint holds, copied now: (JSON part, arrays). Writing it later writes this moment,
    whatever training has done since (what Ctrl-C needs: the last finished epoch, not the weights
    halfway through the next)."""
    arrays = {f"model/{name}": value for name, value in model.state_dict().items()}
    meta: dict[str, Any] = {"record": record, "optimizers": {}, "generators": generator_states(model)}
    for label, optimizer in optimizers.items():
        state = optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        lists: dict[str, dict[str, int]] = {}  # lists of arrays (L-BFGS's history): their lengths
        for index, values in state["state"].items():
            for key, value in values.items():
                if isinstance(value, np.ndarray):
                    arrays[f"optimizer/{label}/{index}/{key}"] = value.copy()
                elif _is_array_list(value):
                    for position, item in enumerate(value):
                        arrays[f"optimizer/{label}/{index}/{key}/{position}"] = np.array(item, copy=True)
                    lists.setdefault(str(index), {})[key] = len(value)
                else:
                    scalars.setdefault(str(index), {})[key] = value
        meta["optimizers"][label] = {"param_groups": state["param_groups"], "scalars": scalars}
        meta["optimizers"][label]["lists"] = lists
    return json.loads(json.dumps(meta)), arrays


def _is_array_list(value: Any) -> bool:
    """A non-empty list (or tuple) of arrays: stored as one array per item, "<key>/<position>"."""
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, np.ndarray) for v in value)


_PAUSE = "DEEPSTEP_TEST_PAUSE_IN_CHECKPOINT"  # a test hook, not for users: see _pause_for_tests
_paused = False


def _pause_for_tests() -> None:
    """Test hook, not for users. With $DEEPSTEP_TEST_PAUSE_IN_CHECKPOINT=E, the write of the checkpoint
    of epoch (or interval) E stops for up to a minute with its temporary file written but not yet
    renamed over the old checkpoint, after printing "checkpoint write paused" to stdout, once per
    process: tests interrupt a real run there (SIGINT, SIGKILL) to show the old checkpoint survives."""
    global _paused
    _paused = True
    print("checkpoint write paused", flush=True)
    time.sleep(60)


def write_snapshot(path: str | os.PathLike, taken: Snapshot) -> Path:
    """Write a snapshot atomically (a temporary file renamed over `path`): a crash or Ctrl-C during
    the write leaves the previous file whole."""
    meta, arrays = taken
    if format_for_name(path) == "safetensors":
        return write_safetensors(path, arrays, {_METADATA_KEY: json.dumps(meta)})
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    pause = os.environ.get(_PAUSE)

    def write(file: Any) -> None:
        np.savez(file, **{_RECORD: blob}, **arrays)
        if pause is not None and not _paused and str(meta["record"].get("epoch")) == pause:
            file.flush()
            _pause_for_tests()

    return atomic_write(path, write)


def save_checkpoint(
    path: str | os.PathLike, model: Module, optimizers: dict[str, Optimizer], record: dict[str, Any]
) -> Path:
    """Write weights, each optimizer's state, every generator's state and `record` (JSON-able: epoch,
    history, settings)."""
    return write_snapshot(path, snapshot(model, optimizers, record))


def _read(
    path: str | os.PathLike, names: tuple[str, ...] | None = None, model: Module | None = None
) -> tuple[Any, dict[str, np.ndarray]]:
    """(JSON, arrays); with a model, the declared shapes of its weights are checked before any array
    is read (a zip bomb or a file for another model is refused without decompressing it)."""

    def check(_: Any, declared: dict[str, Any]) -> None:
        if model is not None:
            weights = {name[len("model/") :]: v for name, v in declared.items() if name.startswith("model/")}
            check_state_dict(model, weights, source=path)

    if is_npz_file(path):
        return read_archive(path, _RECORD, _WHAT, names, check=check)
    metadata, arrays = read_safetensors(path, _WHAT, names, check=check)
    return read_json(Path(path), metadata, _METADATA_KEY, _WHAT), arrays


def read_record(path: str | os.PathLike) -> dict[str, Any]:
    """Only the JSON record of a checkpoint (epoch, history, settings), without touching any model."""
    return _read(path, names=())[0]["record"]


def load_checkpoint(
    path: str | os.PathLike, model: Module, optimizers: dict[str, Optimizer]
) -> dict[str, Any]:
    """Restore weights, optimizer states and the generators' states (the library's and the model's)
    from `path`; returns the record. A file that does not fit the model and the optimizers raises a
    ValueError and changes none of them."""
    meta, arrays = _read(path, model=model)
    weights = {name[len("model/") :]: v for name, v in arrays.items() if name.startswith("model/")}
    check_state_dict(model, weights, source=path)
    check_finite(weights, path)
    states = {}
    for label in optimizers:
        saved = meta["optimizers"].get(label)
        if saved is None:
            raise ValueError(f"{path} holds no state for the optimizer {label!r}")
        state: dict[int, dict[str, Any]] = {}
        prefix = f"optimizer/{label}/"
        listed: set[str] = set()  # the arrays that are items of a list (none in older files)
        for index, lengths in saved.get("lists", {}).items():
            for key, length in lengths.items():
                names = [f"{prefix}{index}/{key}/{position}" for position in range(length)]
                if missing := [name for name in names if name not in arrays]:
                    raise ValueError(f"{path} lacks the arrays {missing} of the optimizer state {key!r}")
                state.setdefault(int(index), {})[key] = [arrays[name] for name in names]
                listed.update(names)
        for name, value in arrays.items():
            if name.startswith(prefix) and name not in listed:
                index, key = name[len(prefix) :].split("/", 1)
                state.setdefault(int(index), {})[key] = value
        for index, values in saved["scalars"].items():
            state.setdefault(int(index), {}).update(values)
        states[label] = {"state": state, "param_groups": saved["param_groups"]}
    restore = meta.get("generators", {})  # none in a file from before they were kept
    _check_generator_states(model, restore, path)  # before anything changes
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
    restore_generator_states(model, restore, path)
    return meta["record"]
