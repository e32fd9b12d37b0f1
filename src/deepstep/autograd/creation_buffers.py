"""Tensors over memory that already exists, or laid out as asked: asarray, frombuffer, empty_strided,
scalar_tensor (PyTorch's names and rules).

asarray shares memory whenever it can, in PyTorch's order of what it tries: a Tensor (itself, when no
dtype change is asked for), an object with __dlpack__, a NumPy array, an object with the buffer
protocol (its raw bytes read as `dtype`, the default float dtype if none), and last a Python number
or sequence, which is always copied. copy=True always copies; copy=False refuses to (ValueError)
where sharing is impossible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..errors import ShapeError, ValueRangeError
from .creation import _array_from, leaf_tensor
from .dims import shape_arg
from .dtypes import to_dtype
from .tensor import Tensor

__all__ = ["asarray", "empty_strided", "frombuffer", "scalar_tensor"]

_TORCH_NAMES = {
    np.dtype(np.float16): "Half",
    np.dtype(np.float32): "Float",
    np.dtype(np.float64): "Double",
    np.dtype(np.complex64): "ComplexFloat",
    np.dtype(np.complex128): "ComplexDouble",
    np.dtype(np.int8): "Char",
    np.dtype(np.int16): "Short",
    np.dtype(np.int32): "Int",
    np.dtype(np.int64): "Long",
    np.dtype(np.uint8): "Byte",
    np.dtype(np.bool_): "Bool",
}


def _alias_error(have: np.dtype, want: np.dtype) -> ValueError:
    return ValueError(
        f"can't alias tensor with dtype '{_TORCH_NAMES.get(have, have)}' into dtype "
        f"'{_TORCH_NAMES.get(want, want)}' (copy=False forbids the cast; leave copy unset to allow it)"
    )


def _has_buffer(obj: Any) -> bool:
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def _from_array(array: np.ndarray, dtype: np.dtype | None, copy: bool | None) -> np.ndarray:
    """array itself (shared), or a copy where copy=True or the dtype differs (copy=False: error)."""
    if dtype is not None and dtype != array.dtype:
        if copy is False:
            raise _alias_error(array.dtype, dtype)
        return array.astype(dtype)
    return array.copy() if copy else array


def asarray(
    obj: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool | None = None,
) -> Tensor:
    """obj as a tensor, sharing its memory when it can (copy=None), always copying (copy=True) or
    never (copy=False, a ValueError where it would have to)."""
    backend.check_device(device)
    dtype = None if dtype is None else to_dtype(dtype)
    if isinstance(obj, Tensor):
        same_dtype = dtype is None or dtype == obj.dtype  # (not `in (None, …)`: NumPy reads None as float64)
        if same_dtype and not copy:
            if requires_grad is None or bool(requires_grad) == obj.requires_grad:
                return obj
            if obj._creator is not None:  # a result of the graph: its data, off the graph
                return obj.detach()
            return obj.requires_grad_(bool(requires_grad))  # PyTorch sets the flag on obj itself
        if copy is False:
            raise _alias_error(obj.dtype, dtype)
        out = obj.clone() if same_dtype else obj.to(dtype)  # differentiable copies
        if requires_grad is not None and bool(requires_grad) != out.requires_grad:
            out = out.detach().requires_grad_(bool(requires_grad))
        return out
    if hasattr(obj, "__dlpack__") and not isinstance(obj, np.ndarray):
        array = _from_array(np.from_dlpack(obj), dtype, copy)
    elif isinstance(obj, (np.ndarray, np.generic)):
        array = _from_array(np.asarray(obj), dtype, copy)
    elif _has_buffer(obj):
        array = _from_array(_buffer_array(obj, dtype or backend.get_default_dtype(), -1, 0), None, copy)
    else:
        if copy is False:
            raise ValueError(
                "can't alias arbitrary sequence into a tensor (copy=False; a sequence is always copied)"
            )
        if isinstance(obj, str):
            raise TypeError("new(): invalid data type 'str'")
        array = _array_from(obj, dtype)
    return leaf_tensor(array, bool(requires_grad), None)


def _buffer_array(buffer: Any, dtype: np.dtype, count: int, offset: int) -> np.ndarray:
    """buffer's bytes from `offset` read as `count` elements of dtype (all the rest for count < 0),
    with PyTorch's checks, all ValueErrors."""
    try:
        length = memoryview(buffer).nbytes
    except TypeError:
        raise ValueError(
            f"object does not implement Python buffer protocol (got {type(buffer).__name__})"
        ) from None
    size = dtype.itemsize
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % size:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                f"multiple of element size ({size})"
            )
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(
            f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must not "
            f"be greater than actual buffer length ({length} bytes)"
        )
    return np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)


def frombuffer(
    buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0, requires_grad: bool = False
) -> Tensor:
    """A 1-D tensor over an object's memory (the buffer protocol): `count` elements of dtype from
    byte `offset` on (all of them for count = −1); writes show on both sides (a read-only buffer
    gives a read-only tensor)."""
    return leaf_tensor(_buffer_array(buffer, to_dtype(dtype), int(count), int(offset)), requires_grad, None)


def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """An uninitialised tensor of `size` whose element i sits at Σ iₖ·strideₖ elements from the start
    (strides in elements, as Tensor.stride() gives them; 0 repeats an element)."""
    shape, strides = shape_arg((size,)), shape_arg((stride,))
    if len(shape) != len(strides):
        raise ShapeError(
            f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides ({len(strides)})"
        )
    if any(n < 0 for n in shape):
        raise ShapeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    if any(s < 0 for s in strides):
        raise ValueRangeError(f"empty_strided takes non-negative strides, got {list(strides)}")
    dtype = backend.get_default_dtype() if dtype is None else to_dtype(dtype)
    # the storage reaches the last element; an empty tensor needs none
    storage = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
    base = np.empty(storage, dtype)
    array = np.lib.stride_tricks.as_strided(base, shape, tuple(s * dtype.itemsize for s in strides))
    return leaf_tensor(array, requires_grad, device)


def scalar_tensor(
    s: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A 0-d tensor holding the number s, of the default float dtype unless dtype says otherwise
    (bools and ints too, as in PyTorch)."""
    if isinstance(s, Tensor):
        if s.ndim:
            raise TypeError(f"scalar_tensor(): argument 's' must be Number, not a {s.ndim}-d Tensor")
        s = s.item()
    if not isinstance(s, (bool, int, float, complex, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not {type(s).__name__}")
    dtype = backend.get_default_dtype() if dtype is None else to_dtype(dtype)
    if isinstance(s, (complex, np.complexfloating)) and dtype.kind != "c":
        raise ValueRangeError(f"value {s} cannot be converted to type {dtype} without overflow")
    return leaf_tensor(np.array(s, dtype=dtype), requires_grad, device)
