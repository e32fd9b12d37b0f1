"""PyTorch's questions about dtypes, as functions: result_type, promote_types, can_cast, is_signed.

They answer with the rules in dtypes.py (one place for type promotion): promote_types(a, b) is the
category rule bool < integer < floating < complex, NumPy's within a category; result_type adds
PyTorch's priority of dimensioned tensors over 0-d ones over Python numbers. can_cast says whether
a cast keeps the value's category: never complex → real, floating → integral, or non-bool → bool.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import _promote, to_dtype
from .dtypes import result_type as _result_type
from .tensor import Tensor

__all__ = ["can_cast", "is_signed", "promote_types", "result_type"]

_NUMBERS = (bool, int, float, complex, np.generic)
_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _dtype_argument(dtype: Any, name: str, what: str) -> np.dtype:
    """A dtype given as a dtype (np.float32, np.dtype('int8')); strings are not dtypes to PyTorch."""
    if isinstance(dtype, str) or dtype is None:
        raise TypeError(f"{name}(): argument '{what}' must be a dtype, not {type(dtype).__name__}")
    return to_dtype(dtype)


def result_type(tensor: Any, other: Any) -> np.dtype:
    """The dtype an arithmetic op on tensor and other gives: a dimensioned tensor's category and
    dtype lead a 0-d tensor's, which lead a Python number's (int32 tensor + 2.5 → float32)."""
    operands = []
    for x in (tensor, other):
        if isinstance(x, Tensor):
            operands.append(x.data)
        elif isinstance(x, _NUMBERS):
            operands.append(x)
        else:
            raise TypeError(
                f"result_type() expects tensors or numbers (tensor, other), got {type(x).__name__}"
            )
    return _result_type(*operands)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both promote to: within a category NumPy's (int8, uint8 → int16), across
    categories the higher one's (int64, float16 → float16)."""
    return _promote(
        _dtype_argument(type1, "promote_types", "type1"), _dtype_argument(type2, "promote_types", "type2")
    )


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's casting rules allow from_ → to: not to a lower category (complex → float,
    float → int, int → bool), any size within one (float64 → float16 is allowed)."""
    source, target = _dtype_argument(from_, "can_cast", "from_"), _dtype_argument(to, "can_cast", "to")
    return _ORDER[source.kind] <= _ORDER[target.kind]


def is_signed(input: Any) -> bool:
    """Whether the tensor's dtype holds negative values: signed integers, floats and complex numbers."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_signed(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.is_signed()
