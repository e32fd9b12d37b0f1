"""A state dict saved alone, as PyTorch code saves one: `ds.save(model.state_dict(), "w.npz")`, and
`model.load_state_dict(ds.load("w.npz"))`, which gives it back as a dict of arrays in its order.

The arrays go into an .npz (a JSON header under "__state_dict__") or, for a .safetensors name, a
safetensors file (the header in its metadata), written atomically and read without pickle, as
model files are (model_file.py); the model's class is not saved, so loading needs the model built
in code, as in PyTorch.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from .archive import read_archive, write_archive
from .formats import format_for_name, is_npz_file
from .safetensors_file import declared_tensors, read_json, read_safetensors, write_safetensors

__all__ = ["is_state_dict_file", "load_state_dict", "save_state_dict"]

FORMAT = "deepstep-state-dict"
_HEADER_KEY = "__state_dict__"  # the header's name in an .npz
_METADATA_KEY = "deepstep.state_dict"  # and in a safetensors file's metadata
_WHAT = "deepstep state dict file"


def save_state_dict(state: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write a mapping of names to arrays or tensors (a state_dict) to `path`."""
    arrays = {}
    for name, value in state.items():
        if not isinstance(name, str):
            raise TypeError(f"save: a state dict's names must be strings, got {name!r}")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"save: {name!r} is not an array of numbers (dtype {array.dtype}); a state dict file "
                "holds arrays and tensors only"
            )
        arrays[name] = array
    header = {"format": FORMAT, "version": 1, "names": list(arrays)}
    if format_for_name(path) == "safetensors":
        return write_safetensors(path, arrays, {_METADATA_KEY: json.dumps(header)})
    return write_archive(path, _HEADER_KEY, header, {f"state/{name}": a for name, a in arrays.items()})


def is_state_dict_file(path: str | os.PathLike) -> bool:
    """Whether `path` is a file save_state_dict wrote (looked up in its table of contents only)."""
    path = Path(path)
    if is_npz_file(path):
        try:
            with zipfile.ZipFile(path) as archive:
                return f"{_HEADER_KEY}.npy" in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    if format_for_name(path) == "safetensors" and path.is_file():
        try:
            metadata, _ = declared_tensors(path, _WHAT)  # (the header alone: no tensor is read)
        except (ValueError, OSError):
            return False
        return _METADATA_KEY in metadata
    return False


def load_state_dict(path: str | os.PathLike, max_bytes: int | None = None) -> dict[str, np.ndarray]:
    """The state dict in `path`, its entries in the order they were saved."""
    path = Path(path)
    if is_npz_file(path):
        header, arrays = read_archive(path, _HEADER_KEY, _WHAT, max_bytes=max_bytes)
        arrays = {name[len("state/") :]: value for name, value in arrays.items() if name.startswith("state/")}
    else:
        metadata, arrays = read_safetensors(path, _WHAT)
        header = read_json(path, metadata, _METADATA_KEY, _WHAT)
    names = header.get("names") if isinstance(header, dict) else None
    if header.get("format") != FORMAT or not isinstance(names, list) or sorted(names) != sorted(arrays):
        raise ValueError(f"{path}: its header does not match its arrays (a damaged {_WHAT}?)")
    return {name: arrays[name] for name in names}
