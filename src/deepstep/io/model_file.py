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

import gzip
import json
import os
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..nn.module import Module, module_class
from .archive import Declared, declared_arrays, read_archive, write_archive
from .formats import format_for_name, is_npz_file
from .safetensors_file import read_json, read_safetensors, write_safetensors
from .state_dict_file import is_state_dict_file, load_state_dict, save_state_dict
from .weights import check_finite, check_state_dict
from .word2vec_format import looks_binary

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
    """The module a spec describes. The library's generator is left as it was: the initial weights
    drawn here are replaced by the file's, and saving (which builds a twin to check) or loading must
    not shift the random numbers a training run draws next (exact resumption rests on that)."""
    from .. import backend

    cls = module_class(spec["class"])
    generator = backend.default_generator()
    state = generator.bit_generator.state
    try:
        return cls(*[_decode(a) for a in spec["args"]], **{k: _decode(v) for k, v in spec["kwargs"].items()})
    finally:
        generator.bit_generator.state = state


# ----- files --------------------------------------------------------------------------
def save(model: Module | Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write the model (architecture and weights) to `path`, or a state dict alone (PyTorch's
    torch.save(model.state_dict(), path)); load either back with deepstep.load."""
    if isinstance(model, Mapping):
        return save_state_dict(model, path)
    if not isinstance(model, Module):
        kind = type(model).__name__
        raise TypeError(f"save expects a Module or a state dict (a mapping of names to arrays), got {kind}")
    header = {"format": FORMAT, "version": VERSION, "architecture": describe(model)}
    state = model.state_dict()
    _check_rebuilds(model, header["architecture"], state)
    if format_for_name(path) == "safetensors":
        return write_safetensors(path, state, {_METADATA_KEY: json.dumps(header)})
    arrays = {f"state/{name}": value for name, value in state.items()}
    return write_archive(path, _ARCHITECTURE_KEY, header, arrays)


def _check_rebuilds(model: Module, architecture: dict[str, Any], state: dict[str, np.ndarray]) -> None:
    """Refuse to save what load could not rebuild: a model changed after it was constructed, in its
    parameters (ModuleList.append, say) or in a setting (model.scale = 5.0 where the constructor
    said 3.0), since the file records only the constructor's arguments."""
    twin = build(architecture)
    rebuilt = {name: value.shape for name, value in twin.state_dict().items()}
    saved = {name: value.shape for name, value in state.items()}
    if rebuilt != saved:
        differences = sorted(set(rebuilt.items()) ^ set(saved.items()))[:6]
        raise ValueError(
            f"{type(model).__name__} cannot be rebuilt from its constructor arguments (it was changed after "
            f"it was built, e.g. by ModuleList.append): its parameters differ in {differences}. "
            "Save model.state_dict() with numpy.savez and rebuild the model in code instead."
        )
    changed = _changed_settings(model, twin)
    if changed:
        raise ValueError(
            f"{type(model).__name__} cannot be rebuilt from its constructor arguments: "
            f"{'; '.join(changed[:6])}. Give such settings to the constructor (they are what the file "
            "records), or save model.state_dict() and rebuild the model in code."
        )


_RUNTIME = frozenset({"training", "stop_training", "history"})  # set by train() and fit, not settings
_MISSING = object()


def _plain(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, bool | int | float | str | np.generic)


def _equal(a: Any, b: Any) -> bool:
    """Equal settings: NumPy scalars equal to Python numbers (a file stores them as such), NaN equal to
    NaN, but True not equal to 1."""
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool | np.bool_) != isinstance(b, bool | np.bool_) or b is _MISSING:
        return False
    return bool(a == b) or (a != a and b != b)


def _changed_settings(model: Module, twin: Module) -> list[str]:
    """The public plain settings (numbers, strings, tuples of them) of each module that differ from
    those of the same module rebuilt from its constructor's arguments."""
    changed = []
    for (name, module), (_, rebuilt) in zip(model.named_modules(), twin.named_modules(), strict=False):
        fresh = vars(rebuilt)
        for attribute, value in vars(module).items():
            private = attribute.startswith("_") or attribute in _RUNTIME
            if private or attribute in module._buffers or not _plain(value):  # buffers: saved as weights
                continue
            other = fresh.get(attribute, _MISSING)
            if not _equal(value, other):
                where = f"{name}.{attribute}" if name else attribute
                was = "is not set" if other is _MISSING else f"gives {other!r}"
                changed.append(f"{where} is {value!r} but the constructor {was}")
    return changed


def load(
    path: str | os.PathLike, allow_nonfinite: bool = False, max_bytes: int | None = None
) -> Module | dict[str, np.ndarray]:
    """Rebuild a model saved by `save`, from an .npz or a safetensors file (never runs code from it);
    a state dict saved alone comes back as a dict of arrays, for model.load_state_dict.

    The model is built from the file's architecture first, and every array's declared name, shape and
    dtype checked against it before any is read, so a file claiming arrays the model does not have (a
    zip bomb among them) is refused without decompressing them; `max_bytes` bounds what an .npz may
    inflate to at all (see archive.read_archive). NaN or inf weights are refused unless allow_nonfinite.
    """
    path = Path(path)
    if is_state_dict_file(path):
        state = load_state_dict(path, max_bytes)
        check_finite(state, path, allow_nonfinite)
        return state
    built: list[Module] = []

    def check(header: Any, declared: dict[str, Declared]) -> None:
        _check_header(path, header)
        try:
            built.append(build(header["architecture"]))
        except (KeyError, TypeError, IndexError, AttributeError) as error:
            raise ValueError(
                f"{path}: its architecture is damaged ({type(error).__name__}: {error})"
            ) from None
        check_state_dict(built[0], declared, source=path)

    state = _read(path, check, max_bytes)
    check_finite(state, path, allow_nonfinite)
    model = built[0]
    check_state_dict(model, state, source=path)
    model.load_state_dict(state)
    return model


def _check_header(path: Path, header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT or "architecture" not in header:
        raise ValueError(f"{path} is not a deepstep model file (its header is {str(header)[:80]!r})")
    if header.get("version", 0) > VERSION:
        raise ValueError(f"{path} was written by a newer deepstep (format version {header['version']})")


def _read(
    path: Path, check: Callable[[Any, dict[str, Declared]], None], max_bytes: int | None
) -> dict[str, np.ndarray]:
    """The state dict of a model file, whichever container it is, once check(header, declared
    arrays) has passed."""
    if is_npz_file(path):
        _refuse_other_npz(path)

        def check_npz(header: Any, declared: dict[str, Declared]) -> None:
            check(header, _under(declared, "state/"))

        _, arrays = read_archive(path, _ARCHITECTURE_KEY, _WHAT, check=check_npz, max_bytes=max_bytes)
        return _under(arrays, "state/")
    _refuse_word2vec(path)

    def check_safetensors(metadata: dict[str, str], declared: dict[str, Declared]) -> None:
        if _METADATA_KEY not in metadata:
            raise ValueError(
                f"{path} holds weights but no deepstep architecture (written by another library?): build "
                "the model in code and load them with deepstep.io.load_weights(model, path)"
            )
        check(read_json(path, metadata, _METADATA_KEY, _WHAT), declared)

    return read_safetensors(path, _WHAT, check=check_safetensors)[1]


def _under(arrays: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {name[len(prefix) :]: value for name, value in arrays.items() if name.startswith(prefix)}


def _refuse_other_npz(path: Path) -> None:
    """Other deepstep files are .npz too: say which one this is and what reads it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return  # read_archive says what is wrong
    if "meta.npy" in members and "vectors.npy" in members:
        raise ValueError(_text_file_kind(path))
    if any(name == "data.pkl" or name.endswith("/data.pkl") for name in members):
        raise ValueError(
            f"{path} is a PyTorch file (torch.save writes a pickle, which deepstep never reads): in PyTorch, "
            "save the weights with safetensors.torch.save_file(model.state_dict(), 'w.safetensors') and "
            "load them with deepstep.io.load_weights(model, 'w.safetensors')"
        )
    if "__record__.npy" in members:
        raise ValueError(
            f"{path} is a training checkpoint, not a model file: load its weights into a model built in "
            "code with deepstep.io.load_weights(model, path), or resume training from it"
        )


def _text_file_kind(path: Path) -> str:
    """What a deepstep.text .npz (a whole Word2Vec model, or word vectors alone) is, and what loads
    it, read from its header and declared shapes (no array is read)."""
    try:
        header, _ = read_archive(path, "meta", "deepstep file", names=())
        words, dims = declared_arrays(path)["vectors"].shape
        kind = header.get("format")
        algorithm = "skip-gram" if kind == "deepstep-word2vec" and header["settings"]["sg"] else "CBOW"
    except (ValueError, KeyError, AttributeError, TypeError):
        kind = None
    if kind == "deepstep-word2vec":
        return (
            f"{path} is a Word2Vec model saved by deepstep ({algorithm}, {words:,} words × {dims} "
            "dimensions), not a network: load it with deepstep.text.Word2Vec.load(path) (its word "
            "vectors are model.wv)"
        )
    if kind == "deepstep-keyed-vectors":
        return (
            f"{path} holds word vectors saved by deepstep (KeyedVectors, {words:,} words × {dims} "
            "dimensions), not a network: load them with deepstep.text.KeyedVectors.load(path)"
        )
    return (
        f"{path} looks like a deepstep.text file, not a network: load it with "
        "deepstep.text.Word2Vec.load(path) or deepstep.text.KeyedVectors.load(path)"
    )


def _refuse_word2vec(path: Path) -> None:
    """A word2vec vectors file (text or binary: both start with a line '<words> <dimensions>')."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as file:
            first = file.readline(200)
    except (OSError, EOFError):
        return
    parts = first.split()
    if len(parts) == 2 and all(part.isdigit() for part in parts) and first.endswith(b"\n"):
        kind = "binary" if looks_binary(path) else "text"
        raise ValueError(
            f"{path} is a word2vec vectors file ({kind} format, {int(parts[0]):,} words × {int(parts[1])} "
            "dimensions), not a deepstep model: load it with deepstep.text.KeyedVectors."
            f"load_word2vec_format(path, binary={kind == 'binary'})"
        )
