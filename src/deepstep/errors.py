"""The errors deepstep raises, each catchable the NumPy way and the PyTorch way.

PyTorch raises RuntimeError where NumPy code expects ValueError (shapes that do not fit) or
TypeError (an unsupported dtype), and IndexError for a dimension out of range. deepstep's
errors inherit from both sides, so `except ValueError` and `except RuntimeError` each catch
a shape error, and code ported from either library keeps working.
"""

from __future__ import annotations

__all__ = ["DTypeError", "DimError", "ShapeError"]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit: raised where PyTorch raises RuntimeError and NumPy ValueError."""


class DTypeError(TypeError, RuntimeError):
    """A dtype the op cannot take: raised where PyTorch raises RuntimeError and NumPy TypeError."""


class DimError(IndexError, ValueError):
    """A dimension out of range: PyTorch's IndexError (a ValueError too, as deepstep raised before)."""
