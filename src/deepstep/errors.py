"""The errors deepstep raises, each catchable the NumPy way and the PyTorch way.

PyTorch raises RuntimeError where NumPy code expects ValueError (shapes that do not fit) or
TypeError (an unsupported dtype), and IndexError for a dimension out of range. deepstep's
errors inherit from both sides, so `except ValueError` and `except RuntimeError` each catch
a shape error, and code ported from either library keeps working.
"""

from __future__ import annotations

__all__ = [
    "ClassLabelError",
    "DTypeError",
    "DTypeNotImplementedError",
    "DeviceError",
    "DimError",
    "IndexRangeError",
    "IntegerDivisionByZero",
    "ShapeError",
    "StateDictError",
    "ValueRangeError",
]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit: raised where PyTorch raises RuntimeError and NumPy ValueError."""


class DTypeError(TypeError, RuntimeError):
    """A dtype the op cannot take: raised where PyTorch raises RuntimeError and NumPy TypeError."""


class DimError(IndexError, ValueError):
    """A dimension out of range: PyTorch's IndexError (a ValueError too, as deepstep raised before)."""


class ValueRangeError(ValueError, RuntimeError):
    """An argument outside the values an op accepts (an unknown rounding mode, a negative β,
    probabilities above 1): PyTorch's RuntimeError, NumPy's ValueError."""


class DTypeNotImplementedError(DTypeError, NotImplementedError):
    """An op PyTorch does not implement for a dtype (floor of bools, bitwise ops on floats): its
    NotImplementedError, and deepstep's DTypeError."""


class IntegerDivisionByZero(ZeroDivisionError, RuntimeError):
    """An integer divided by zero: PyTorch's RuntimeError, Python's ZeroDivisionError."""


class IndexRangeError(IndexError, RuntimeError):
    """An index outside its dimension. PyTorch raises IndexError for t[i] and RuntimeError for gather
    and scatter; this is both, so either `except` catches it."""


class ClassLabelError(IndexError, ValueError):
    """A class label outside [0, C): PyTorch's IndexError (a ValueError too, as deepstep raised before)."""


class DeviceError(RuntimeError, AssertionError):
    """A device other than the CPU was asked for. A RuntimeError, and an AssertionError as the one
    a CPU-only PyTorch raises ("Torch not compiled with CUDA enabled"), so either except catches it."""


class StateDictError(RuntimeError, KeyError, ValueError):
    """A state_dict that does not fit the module (names or shapes): PyTorch's RuntimeError; a
    KeyError and a ValueError too, as deepstep raised before."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
