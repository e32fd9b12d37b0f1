"""Weights alone: read the state dict in a file, whoever wrote it, and load it into a model all at once.

`load_state_dict_file(path)` gives the named arrays of a safetensors file (PyTorch's
`safetensors.torch.save_file(module.state_dict(), path)` included), of a deepstep model file or
checkpoint (.npz or .safetensors), or of an .npz of named arrays (`np.savez(path, **state)`).
`load_weights(model, path)` checks every name and shape against the model before it changes
anything: a file that does not fit raises one ValueError and leaves the model as it was.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from ..nn.module import Module
from .archive import Declared, read_archive
from .formats import is_npz_file
from .safetensors_file import read_safetensors

__all__ = ["check_finite", "check_state_dict", "load_state_dict_file", "load_weights"]

# Where deepstep's own files keep a model's weights, by the header that marks each kind of file.
_MODEL_NPZ = ("__architecture__", "state/")
_CHECKPOINT_NPZ = ("__record__", "model/")
_CHECKPOINT_SAFETENSORS = ("deepstep.checkpoint", "model/")


def load_state_dict_file(
    path: str | os.PathLike, allow_nonfinite: bool = False, max_bytes: int | None = None
) -> dict[str, np.ndarray]:
    """The model weights in the file at `path`, by state-dict name (never runs code from it). NaN or
    inf weights are refused unless allow_nonfinite; `max_bytes` bounds what an .npz may inflate to
    (see archive.read_archive)."""
    state = _read_weights(path, None, True, max_bytes)
    check_finite(state, path, allow_nonfinite)
    return state


def _read_weights(
    path: str | os.PathLike, model: Module | None, strict: bool, max_bytes: int | None = None
) -> dict[str, np.ndarray]:
    """The weights in the file; with a model, their declared names, shapes and dtypes are checked
    against it before any array is read."""

    def check(prefix: str | None, declared: dict[str, Declared]) -> None:
        if model is not None:
            check_state_dict(model, declared if prefix is None else _under(declared, prefix), strict, path)

    if is_npz_file(path):

        def check_npz(_: Any, declared: dict[str, Declared]) -> None:
            check(
                next((pre for header, pre in (_MODEL_NPZ, _CHECKPOINT_NPZ) if header in declared), None),
                declared,
            )

        _, arrays = read_archive(path, None, "weights file", check=check_npz, max_bytes=max_bytes)
        for header, prefix in (_MODEL_NPZ, _CHECKPOINT_NPZ):
            if header in arrays:
                return _under(arrays, prefix)
        return arrays
    header, prefix = _CHECKPOINT_SAFETENSORS

    def check_safetensors(metadata: dict[str, str], declared: dict[str, Declared]) -> None:
        check(prefix if header in metadata else None, declared)

    metadata, arrays = read_safetensors(path, "weights file", check=check_safetensors)
    return _under(arrays, prefix) if header in metadata else arrays


def _under(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name[len(prefix) :]: value for name, value in arrays.items() if name.startswith(prefix)}


def check_state_dict(model: Module, state: dict[str, Any], strict: bool = True, source: Any = None) -> None:
    """Raise one ValueError naming every missing, unexpected or misshapen entry of `state` (missing
    and unexpected ones only when strict), before anything is loaded."""
    owned = [*model.named_parameters(), *model.named_buffers()]  # what load_state_dict fills
    expected = {name: _shape(value) for name, value in owned}
    expected_dtype = {name: np.dtype(value.dtype) for name, value in owned}
    given = {name: _shape(value) for name, value in state.items()}
    problems = [
        f"{name}: the model has shape {expected[name]}, the weights {shape}"
        for name, shape in given.items()
        if name in expected and shape != expected[name]
    ]
    problems += [
        f"{name}: the model holds {expected_dtype[name]}, the file {value.dtype}"
        for name, value in state.items()
        if isinstance(value, Declared)
        and name in expected
        and not _same_kind(value.dtype, expected_dtype[name])
    ]
    if strict:
        missing, unexpected = sorted(expected.keys() - given.keys()), sorted(given.keys() - expected.keys())
        problems += [f"missing {missing}"] * bool(missing) + [f"unexpected {unexpected}"] * bool(unexpected)
    if problems:
        where = f" in {source}" if source is not None else ""
        raise ValueError(
            f"the weights{where} do not fit {type(model).__name__}: "
            + "; ".join(problems[:8])
            + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        )


def _shape(value: Any) -> tuple[int, ...]:
    # a tuple, not a deepstep.Size: the message prints both sides' shapes alike, (5,)
    return tuple(value.shape) if isinstance(value, Tensor | Declared) else np.shape(value)


_KINDS = {"f": "f", "c": "c", "i": "iu", "u": "iu", "b": "b"}  # which stored kinds a parameter's kind takes


def _same_kind(stored: np.dtype, wanted: np.dtype) -> bool:
    """Whether an array of dtype `stored` may be loaded into one of dtype `wanted` (float32 into
    float64, say, but not integers, strings or complex numbers into a float parameter)."""
    return stored.kind in _KINDS.get(wanted.kind, wanted.kind)


def check_finite(state: dict[str, Any], source: Any, allow_nonfinite: bool = False) -> None:
    """Refuse NaN or inf among the weights (a diverged run, or a damaged or hostile file) unless
    allow_nonfinite; names the first such entries."""
    if allow_nonfinite:
        return
    bad = [
        name
        for name, value in state.items()
        if np.asarray(value).dtype.kind in "fc" and not np.isfinite(value).all()
    ]
    if bad:
        raise ValueError(
            f"{source} holds NaN or infinite weights (in {', '.join(map(repr, bad[:4]))}"
            f"{f' and {len(bad) - 4} more' if len(bad) > 4 else ''}): the run that wrote it diverged, or "
            "the file is damaged; pass allow_nonfinite=True to load it anyway"
        )


def load_weights(
    model: Module, path: str | os.PathLike, strict: bool = True, allow_nonfinite: bool = False
) -> Module:
    """Load the weights in `path` (see load_state_dict_file) into `model`, all or nothing: with
    strict=True the names must be exactly the model's, and shapes must always match. Names, shapes
    and dtypes are checked against the model before any array is read; NaN or inf weights are refused
    unless allow_nonfinite."""
    state = _read_weights(path, model, strict)
    check_state_dict(model, state, strict, source=path)
    check_finite(state, path, allow_nonfinite)
    model.load_state_dict(state, strict=strict)
    return model
