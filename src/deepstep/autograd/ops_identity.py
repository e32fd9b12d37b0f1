"""PyTorch's functions for complex tensors and its lazy conjugate and negative views (conj, real,
resolve_conj, resolve_neg…), which are the identity on real tensors: they return the tensor itself,
as PyTorch does, so real code that calls them for safety keeps working. On deepstep's complex
tensors (which autograd does not differentiate) they compute the conjugate and the parts.
Also here: PyTorch's small questions about a tensor, is_nonzero and is_same_size.

Tensor.real and Tensor.imag are properties, as in PyTorch; the functions torch.real and torch.imag are
`real_part` and `imag_part` here, exported from deepstep under PyTorch's names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .ops_shape import _as_tensor
from .tensor import Tensor

__all__ = [
    "conj",
    "conj_physical",
    "is_conj",
    "is_neg",
    "is_nonzero",
    "is_same_size",
    "resolve_conj",
    "resolve_neg",
]

TENSOR_METHODS = (*__all__, "conj_physical_", "real", "imag")


def conj(input: Any) -> Tensor:
    """The complex conjugate (the tensor itself when it is real)."""
    x = _as_tensor(input)
    return Tensor(np.conj(x.data)) if x.dtype.kind == "c" else x


conj_physical = conj


def conj_physical_(self: Tensor) -> Tensor:
    """The conjugate written into self (nothing to do for a real tensor)."""
    if self.dtype.kind == "c":
        np.conjugate(self.data, out=self.data)
        self._bump_version()
    return self


def resolve_conj(input: Any) -> Tensor:
    """The tensor with a lazy conjugation carried out: deepstep conjugates at once, so itself."""
    return _as_tensor(input)


def resolve_neg(input: Any) -> Tensor:
    """The tensor with a lazy negation carried out: deepstep negates at once, so itself."""
    return _as_tensor(input)


def is_conj(input: Any) -> bool:
    """Whether the tensor is a lazily conjugated view: never, in deepstep."""
    return False


def is_neg(input: Any) -> bool:
    """Whether the tensor is a lazily negated view: never, in deepstep."""
    return False


def is_nonzero(input: Any) -> bool:
    """Whether a one-element tensor is not zero (RuntimeError for any other number of elements)."""
    x = _as_tensor(input)
    if x.data.size == 0:
        raise ShapeError("Boolean value of Tensor with no values is ambiguous")
    if x.data.size > 1:
        raise ShapeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(x.data.reshape(()) != 0)


def is_same_size(input: Any, other: Any) -> bool:
    """Whether both tensors have the same shape."""
    return _as_tensor(input).shape == _as_tensor(other).shape


def real_part(input: Any) -> Tensor:
    """torch.real: the real part (the tensor itself when it is real)."""
    x = _as_tensor(input)
    return Tensor(x.data.real) if x.dtype.kind == "c" else x


def imag_part(input: Any) -> Tensor:
    """torch.imag: the imaginary part of a complex tensor (real tensors have none, as in PyTorch)."""
    x = _as_tensor(input)
    if x.dtype.kind != "c":
        raise DTypeError("imag is not implemented for tensors with non-complex dtypes.")
    return Tensor(x.data.imag)


real = property(real_part, doc="The real part: the tensor itself when it is real (torch.Tensor.real).")
imag = property(imag_part, doc="The imaginary part of a complex tensor (torch.Tensor.imag).")
