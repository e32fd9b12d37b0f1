"""Python's operators and conversions on tensors: `a + b`, `2 * t`, `t ** 2`, `a @ b`, `a // b`, `-t`,
`abs(t)` run the deepstep ops (add, mul, pow, matmul, floor_divide, neg, abs …), the reflected forms
(`__radd__` …) with the operands swapped, so that a number or an array may stand on either side;
`bool(t)`, `float(t)`, `int(t)` and `operator.index(t)` read a one-element tensor as a Python number,
where PyTorch's `t.float()`, `t.int()`, `t.bool()` … convert the whole tensor to another dtype;
`len(t)`, `t[i]`, `t[i] = v` and iteration go along the first dim; `t.where(condition, other)` is
deepstep.where with t in the middle. tensor.py binds them as methods of Tensor, as it binds the ops
(comparisons and bitwise operators are ops_logic's, `%` ops_binary's, `+=` and friends ops_inplace's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ShapeError
from . import ops_elementwise as _ew
from . import ops_index as _index
from . import ops_shape as _shape
from .ops_elementwise import FloorDivide
from .tensor import Tensor

__all__: list[str] = []  # methods only: bound on Tensor through TENSOR_METHODS (and the loop at the end)

TENSOR_METHODS = (
    *("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__"),
    *("__floordiv__", "__rfloordiv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__"),
    *("__neg__", "__pos__", "__abs__", "__bool__", "__float__", "__int__", "__index__", "where"),
    *("__len__", "__getitem__", "__setitem__", "__iter__"),
)


# ----- arithmetic ------------------------------------------------------------------
def __add__(self, other: Any) -> Tensor:
    return _ew.add(self, other)


def __radd__(self, other: Any) -> Tensor:
    return _ew.add(other, self)


def __sub__(self, other: Any) -> Tensor:
    return _ew.sub(self, other)


def __rsub__(self, other: Any) -> Tensor:
    return _ew.sub(other, self)


def __mul__(self, other: Any) -> Tensor:
    return _ew.mul(self, other)


def __rmul__(self, other: Any) -> Tensor:
    return _ew.mul(other, self)


def __truediv__(self, other: Any) -> Tensor:
    return _ew.div(self, other)


def __rtruediv__(self, other: Any) -> Tensor:
    return _ew.div(other, self)


def __pow__(self, other: Any) -> Tensor:
    return _ew.pow(self, other)


def __rpow__(self, other: Any) -> Tensor:
    return _ew.pow(other, self)


def __matmul__(self, other: Any) -> Tensor:
    return _ew.matmul(self, other)


def __rmatmul__(self, other: Any) -> Tensor:
    return _ew.matmul(other, self)


__floordiv__ = _ew.floor_divide


def __rfloordiv__(input: Tensor, other: Any) -> Tensor:
    return FloorDivide()(other, input)


def __neg__(self) -> Tensor:
    return _ew.neg(self)


def __pos__(self) -> Tensor:
    return self


def __abs__(self) -> Tensor:
    return _ew.abs(self)


# ----- a one-element tensor as a Python number; the tensor in another dtype -----------------
def __bool__(self) -> bool:
    if self.data.size != 1:  # (a ShapeError: PyTorch raises a RuntimeError, NumPy a ValueError)
        raise ShapeError(
            f"Boolean value of Tensor with more than one value is ambiguous ({self.data.size} elements); "
            "use .any() or .all()"
        )
    return bool(self.data)


def __float__(self) -> float:
    return float(self.item())


def __int__(self) -> int:
    return int(self.item())


def __index__(self) -> int:
    if self.data.dtype.kind not in "iu" or self.data.size != 1:
        raise TypeError("only integer tensors of one element can be used as an index")
    return int(self.data.item())


def _converter(name: str, dtype: type) -> Callable[[Tensor], Tensor]:
    def convert(self: Tensor) -> Tensor:
        return _shape.cast(self, dtype)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"The tensor as {np.dtype(dtype)} (itself if it is already)."
    return convert


# PyTorch's names for to(dtype): differentiable between floating dtypes, cut from the graph for
# integers and bools.
for _name, _dtype in (
    ("half", np.float16),
    ("float", np.float32),
    ("double", np.float64),
    ("cfloat", np.complex64),
    ("cdouble", np.complex128),
    ("char", np.int8),
    ("short", np.int16),
    ("int", np.int32),
    ("long", np.int64),
    ("byte", np.uint8),
    ("bool", np.bool_),
):
    setattr(Tensor, _name, _converter(_name, _dtype))
del _name, _dtype


# ----- length, indexing and iteration, along the first dim --------------------------------
def __len__(self) -> int:
    if self.data.ndim == 0:
        raise TypeError("len() of a 0-d tensor")
    return len(self.data)


def __getitem__(self, index: Any) -> Tensor:
    return _index.getitem(self, index)


def __setitem__(self, index: Any, value: Any) -> None:
    _index.setitem(self, index, value)


def __iter__(self):
    if self.data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self.data.shape[0]))


# ----- where, in Tensor.where's order of arguments -------------------------------------------------
def where(self, condition: Any, other: Any) -> Tensor:
    """self where condition holds, else other (Tensor.where's argument order; see deepstep.where)."""
    return _ew.where(condition, self, other)
