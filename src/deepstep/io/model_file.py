"""Saving and loading models: the architecture as JSON, the weights as arrays, in one file.

`model.save("m.npz")` writes an .npz, `model.save("m.safetensors")` a safetensors file whose
tensors are named as in `state_dict()` (so PyTorch loads them into the same torch.nn module) and
whose metadata holds the architecture as JSON under "deepstep.model"; other names get the default
format (formats.py). Nothing in the file is executable: arrays are read without pickle, and the
architecture names only Module classes already defined in the loading process (deepstep's
own, or your own once imported). Files are written to a temporary name and renamed, so a
crash mid-save never leaves a half-written model behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..nn.module import Module, module_class
from .archive import read_archive, write_archive
from .formats import format_for_name, is_npz_file
from .safetensors_file import read_json, read_safetensors, write_safetensors
from .weights import check_state_dict

__all__ = ["load", "save"]

FORMAT = "deepstep-model"
VERSION = 1
_ARCHITECTURE_KEY = "__architecture__"  # the header's name in an .npz
_METADATA_KEY = "deepstep.model"  # and in a safetensors file's metadata
_WHAT = "deepstep model file"


# ----- the architecture as JSON -------------------------------------------------------------
def _encode(value: Any) -> Any:
    """A constructor argument as JSON; modules nest, arrays and dtypes are tagged."""
    if isinstance(value, Module):
        return {"__module__": describe(value)}
    if isinstance(value, type) and issubclass(value, Module):
        return {"__module_class__": value.__name__}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.random.Generator):
        return None  # a seed only shapes the initial weights, which the file restores anyway
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"__dtype__": str(np.dtype(value))}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(v) for k, v in value.items()}}
    raise TypeError(
        f"cannot save a constructor argument of type {type(value).__name__}: a saved model may hold "
        "numbers, strings, lists, arrays, dtypes and other modules"
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__module__" in value:
        return build(value["__module__"])
    if "__module_class__" in value:
        return module_class(value["__module_class__"])
    if "__array__" in value:
        return np.asarray(value["__array__"], dtype=np.dtype(value["dtype"]))
    if "__dtype__" in value:
        return np.dtype(value["__dtype__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    raise ValueError(f"unknown entry in a model architecture: {sorted(value)}")


def describe(module: Module) -> dict[str, Any]:
    """{"class", "args", "kwargs"}: how to build this module again."""
    args, kwargs = module._init_args
    return {
        "class": type(module).__name__,
        "args": [_encode(a) for a in args],
        "kwargs": {k: _encode(v) for k, v in kwargs.items()},
    }


def build(spec: dict[str, Any]) -> Module:
    cls = module_class(spec["class"])
    return cls(*[_decode(a) for a in spec["args"]], **{k: _decode(v) for k, v in spec["kwargs"].items()})


# ----- files --------------------------------------------------------------------------
def save(model: Module, path: str | os.PathLike) -> Path:
    """Write the model (architecture and weights) to `path`; load it back with deepstep.load."""
    if not isinstance(model, Module):
        raise TypeError(f"save expects a Module, got {type(model).__name__}")
    header = {"format": FORMAT, "version": VERSION, "architecture": describe(model)}
    state = model.state_dict()
    _check_rebuilds(model, header["architecture"], state)
    if format_for_name(path) == "safetensors":
        return write_safetensors(path, state, {_METADATA_KEY: json.dumps(header)})
    arrays = {f"state/{name}": value for name, value in state.items()}
    return write_archive(path, _ARCHITECTURE_KEY, header, arrays)


def _check_rebuilds(model: Module, architecture: dict[str, Any], state: dict[str, np.ndarray]) -> None:
    """Refuse to save what load could not rebuild: a model changed after it was constructed."""
    rebuilt = {name: value.shape for name, value in build(architecture).state_dict().items()}
    saved = {name: value.shape for name, value in state.items()}
    if rebuilt != saved:
        differences = sorted(set(rebuilt.items()) ^ set(saved.items()))[:6]
        raise ValueError(
            f"{type(model).__name__} cannot be rebuilt from its constructor arguments (it was changed after "
            f"it was built, e.g. by ModuleList.append): its parameters differ in {differences}. "
            "Save model.state_dict() with numpy.savez and rebuild the model in code instead."
        )


def load(path: str | os.PathLike) -> Module:
    """Rebuild a model saved by `save`, from an .npz or a safetensors file (never runs code from it)."""
    header, state = _read(Path(path))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not a deepstep model file (its header is {str(header)[:80]!r})")
    if header.get("version", 0) > VERSION:
        raise ValueError(f"{path} was written by a newer deepstep (format version {header['version']})")
    model = build(header["architecture"])
    check_state_dict(model, state, source=path)
    model.load_state_dict(state)
    return model


def _read(path: Path) -> tuple[Any, dict[str, np.ndarray]]:
    """(header, state dict) of a model file, whichever container it is."""
    if is_npz_file(path):
        header, arrays = read_archive(path, _ARCHITECTURE_KEY, _WHAT)
        return header, {name[len("state/") :]: v for name, v in arrays.items() if name.startswith("state/")}
    metadata, state = read_safetensors(path, _WHAT)
    if _METADATA_KEY not in metadata:
        raise ValueError(
            f"{path} holds weights but no deepstep architecture (written by another library?): build "
            "the model in code and load them with deepstep.io.load_weights(model, path)"
        )
    return read_json(path, metadata, _METADATA_KEY, _WHAT), state
