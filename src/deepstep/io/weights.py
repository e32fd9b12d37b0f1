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
from .archive import read_archive
from .formats import is_npz_file
from .safetensors_file import read_safetensors

__all__ = ["check_state_dict", "load_state_dict_file", "load_weights"]

# Where deepstep's own files keep a model's weights, by the header that marks each kind of file.
_MODEL_NPZ = ("__architecture__", "state/")
_CHECKPOINT_NPZ = ("__record__", "model/")
_CHECKPOINT_SAFETENSORS = ("deepstep.checkpoint", "model/")


def load_state_dict_file(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The model weights in the file at `path`, by state-dict name (never runs code from it)."""
    if is_npz_file(path):
        _, arrays = read_archive(path, None, "weights file")
        for header, prefix in (_MODEL_NPZ, _CHECKPOINT_NPZ):
            if header in arrays:
                return _under(arrays, prefix)
        return arrays
    metadata, arrays = read_safetensors(path, "weights file")
    header, prefix = _CHECKPOINT_SAFETENSORS
    return _under(arrays, prefix) if header in metadata else arrays


def _under(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name[len(prefix) :]: value for name, value in arrays.items() if name.startswith(prefix)}


def check_state_dict(model: Module, state: dict[str, Any], strict: bool = True, source: Any = None) -> None:
    """Raise one ValueError naming every missing, unexpected or misshapen entry of `state` (missing
    and unexpected ones only when strict), before anything is loaded."""
    owned = [*model.named_parameters(), *model.named_buffers()]  # what load_state_dict fills
    expected = {name: _shape(value) for name, value in owned}
    given = {name: _shape(value) for name, value in state.items()}
    problems = [
        f"{name}: the model has shape {expected[name]}, the weights {shape}"
        for name, shape in given.items()
        if name in expected and shape != expected[name]
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
    return value.shape if isinstance(value, Tensor) else np.shape(value)


def load_weights(model: Module, path: str | os.PathLike, strict: bool = True) -> Module:
    """Load the weights in `path` (see load_state_dict_file) into `model`, all or nothing: with
    strict=True the names must be exactly the model's, and shapes must always match."""
    state = load_state_dict_file(path)
    check_state_dict(model, state, strict, source=path)
    model.load_state_dict(state, strict=strict)
    return model
