"""Type promotion as PyTorch does it: which dtype an op's result gets.

Operands fall in three groups: arrays with dimensions, 0-d arrays, and Python (or NumPy)
scalars. The result's category (bool < integer < floating < complex) is the highest of all
operands; within that category the dtype comes from the group that leads: a float32 tensor
times a float64 0-d tensor is float32, an int tensor times 2.5 is the default float dtype,
int32 with float32 is float32. NumPy would answer float64 in all three; deepstep follows
PyTorch, so float32 models stay float32 whatever constants they meet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..errors import DTypeError

__all__ = [
    "float_input",
    "float_type",
    "is_floating",
    "promote_arrays",
    "promote_to_float",
    "result_type",
    "to_dtype",
]

_BOOL = np.dtype(bool)
_INT64 = np.dtype(np.int64)


def to_dtype(dtype: Any) -> np.dtype:
    """np.dtype from anything NumPy understands (np.float32, 'float32', float) or a Tensor's dtype."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"not a dtype: {dtype!r}") from None


def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind in "fc"


def float_type(dtype: np.dtype) -> np.dtype:
    """The dtype a floating-point function of `dtype` data returns: integers and bools give the
    default float dtype (as exp, sin, mean and true division do in PyTorch), floats keep theirs."""
    return dtype if dtype.kind in "fc" else backend.get_default_dtype()


def _complex_of(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if dtype == np.float64 else np.dtype(np.complex64)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promote(a: np.dtype | None, b: np.dtype) -> np.dtype:
    """PyTorch's promoteTypes: within a category NumPy's rule (int8 with uint8 is int16); across
    categories the higher one's dtype (float32 with int64 is float32, where NumPy says float64)."""
    if a is None or a == b:
        return b
    category_a, category_b = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if category_a == category_b or (category_a >= 2 and category_b >= 2):
        return np.promote_types(a, b)
    return a if category_a > category_b else b


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """PyTorch's combine_categories: the higher-priority group wins unless the lower one is of a
    higher category (a float scalar with an int tensor gives a float)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "c":
        return higher
    if lower.kind == "c":
        return _complex_of(higher) if higher.kind == "f" else lower
    if higher.kind == "f":
        return higher
    if higher == _BOOL or lower.kind == "f":
        return _promote(higher, lower)
    return higher


def _scalar_dtype(x: Any) -> np.dtype:
    """The dtype a Python or NumPy scalar stands for: bool, int64, the default float or complex."""
    if isinstance(x, (bool, np.bool_)):
        return _BOOL
    if isinstance(x, (int, np.integer)):
        return _INT64
    if isinstance(x, (float, np.floating)):
        return backend.get_default_dtype()
    return _complex_of(backend.get_default_dtype())


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an elementwise op's result on these operands (arrays, 0-d arrays or scalars)."""
    dims = zero = wrapped = None
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                dims = _promote(dims, x.dtype)
            else:
                zero = _promote(zero, x.dtype)
        elif isinstance(x, (bool, int, float, complex, np.generic)):
            wrapped = _promote(wrapped, _scalar_dtype(x))
        elif x is not None:
            array = np.asarray(x)
            dims = _promote(dims, array.dtype if array.dtype != np.float64 else backend.get_default_dtype())
    result = _combine(dims, _combine(zero, wrapped))
    if result is None:
        raise DTypeError("result_type needs at least one operand")
    return result


def _cast(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    if isinstance(x, (float, int)) and not isinstance(x, bool) and dtype.kind in "fc":
        return x  # a Python number is weak: NumPy keeps the array's dtype, as PyTorch does
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) and dtype.kind in "iu":
        return np.array(x).astype(dtype)  # C's wrap-around, as PyTorch casts an out-of-range number
    return None if x is None else np.asarray(x, dtype=dtype)


def promote_arrays(arrays: list[Any]) -> list[Any]:
    """Every operand cast to the operands' result_type (Function.promote for elementwise ops)."""
    if len(arrays) == 2:  # the hot path: tensors of one dtype, or a float tensor and a number
        a, b = arrays
        if type(a) is np.ndarray:
            if type(b) is np.ndarray:
                if a.dtype == b.dtype:
                    return arrays
            elif type(b) in (float, int) and a.dtype.kind == "f" and a.ndim:
                return arrays
        elif type(b) is np.ndarray and type(a) in (float, int) and b.dtype.kind == "f" and b.ndim:
            return arrays
    dtype = result_type(*arrays)
    return [_cast(x, dtype) for x in arrays]


def promote_to_float(arrays: list[Any]) -> list[Any]:
    """As promote_arrays, then integers and bools to the default float dtype (true division)."""
    if len(arrays) == 2:
        a, b = arrays
        if (
            type(a) is np.ndarray
            and a.dtype.kind == "f"
            and ((type(b) is np.ndarray and b.dtype == a.dtype) or (type(b) in (float, int) and a.ndim))
        ):
            return arrays
    dtype = float_type(result_type(*arrays))
    return [_cast(x, dtype) for x in arrays]


def float_input(arrays: list[Any]) -> list[Any]:
    """The one operand of a floating-point function (exp, sin, mean…): ints and bools become the
    default float dtype (Function.promote for unary float ops)."""
    x = arrays[0]
    if isinstance(x, np.ndarray) and x.dtype.kind in "fc":
        return arrays
    x = np.asarray(x)
    return [x.astype(float_type(x.dtype)), *arrays[1:]]
