"""default_collate, as in torch.utils.data: a list of examples merged into one batch.

Examples are merged field by field, recursively: arrays and Tensors are stacked along a new first
axis, numbers become a Tensor (int → int64, float → float64, bool → bool, NumPy scalars keep their
dtype), strings stay a sequence, and tuples, lists, named tuples and dicts are collated per field.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from .. import backend
from ..autograd.ops_join import stack
from ..autograd.tensor import Tensor
from ..errors import ShapeError

__all__ = ["default_collate"]

_UNSUPPORTED = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stack_arrays(batch: Sequence[np.ndarray]) -> Tensor:
    """NumPy arrays of one shape stacked into a Tensor of their dtype (strings and objects refused)."""
    for i, array in enumerate(batch):
        if array.dtype.kind in "OSUV":
            raise TypeError(_UNSUPPORTED.format(array.dtype))
        if array.shape != batch[0].shape:
            raise ShapeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(batch[0].shape)} at entry 0 and {list(array.shape)} at entry {i}"
            )
    return Tensor(np.stack(batch))


def _python_numbers(batch: Sequence[Any]) -> Tensor:
    """Python ints and bools as PyTorch's torch.tensor infers them: all bools → bool, ints → int64, any
    float → the default float dtype, any complex → the matching complex dtype."""
    array = np.asarray(batch)
    if array.dtype.kind == "b":
        return Tensor(array)
    if array.dtype.kind in "iu":
        return Tensor(array.astype(np.int64))
    if array.dtype.kind == "f":
        return Tensor(array.astype(backend.get_default_dtype()))
    if array.dtype.kind == "c":
        return Tensor(array.astype(np.result_type(backend.get_default_dtype(), np.complex64)))
    raise TypeError(_UNSUPPORTED.format(type(batch[0])))


def _collate_mapping(batch: Sequence[Mapping[Any, Any]]) -> Mapping[Any, Any]:
    """A dict of batches, one per key, in the type of the first example when it can be made."""
    fields = {key: default_collate([example[key] for example in batch]) for key in batch[0]}
    first = batch[0]
    try:
        if isinstance(first, MutableMapping):
            clone = copy.copy(first)
            clone.update(fields)
            return clone
        return type(first)(fields)  # type: ignore[call-arg]
    except TypeError:
        return fields


def _collate_sequence(batch: Sequence[Sequence[Any]]) -> Any:
    """One batch per position: a list for tuples (as PyTorch), else in the first example's type."""
    first = batch[0]
    if any(len(example) != len(first) for example in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    fields = [default_collate(samples) for samples in zip(*batch, strict=True)]
    if isinstance(first, tuple):
        return fields
    try:
        if isinstance(first, MutableSequence):
            clone = copy.copy(first)
            for i, field in enumerate(fields):
                clone[i] = field
            return clone
        return type(first)(fields)  # type: ignore[call-arg]
    except TypeError:
        return fields


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of examples into a batch as PyTorch does: stack arrays and Tensors, turn numbers into
    a Tensor, keep strings, and recurse into tuples (giving a list), named tuples, lists and dicts."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, np.ndarray):
        return _stack_arrays(batch)
    if isinstance(first, np.bool_ | np.number):
        return Tensor(np.asarray(batch))
    if isinstance(first, float):
        return Tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(first, int):
        return _python_numbers(batch)
    if isinstance(first, str | bytes):
        return batch
    if isinstance(first, Mapping):
        return _collate_mapping(batch)
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
        return type(first)(*(default_collate(samples) for samples in zip(*batch, strict=True)))
    if isinstance(first, Sequence):
        return _collate_sequence(batch)
    raise TypeError(_UNSUPPORTED.format(type(first)))
