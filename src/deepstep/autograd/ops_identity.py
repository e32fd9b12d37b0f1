"""PyTorch's functions for complex tensors, with their gradients, and its lazy conjugate and negative
views (conj, real, resolve_conj, resolve_neg…), which are the identity on real tensors: they return
the tensor itself, as PyTorch does, so real code that calls them for safety keeps working.
Also here: PyTorch's small questions about a tensor, is_nonzero and is_same_size.

Gradients follow PyTorch's convention, ∂L/∂Re a + i·∂L/∂Im a for a real loss L (see function.py).
Re, Im, conj and angle are not holomorphic, so each backward is written out: Re passes g back as g + 0i,
Im as 0 + g·i, conj as ḡ; complex(re, im) hands Re g and Im g to its two real inputs.

Tensor.real and Tensor.imag are properties, as in PyTorch; the functions torch.real and torch.imag are
`real_part` and `imag_part` here, exported from deepstep under PyTorch's names. Both share the
tensor's memory, so writing into them writes into it, as in PyTorch; but that write is not recorded
in the graph (deepstep's in-place ops on them are ops of their own, not of the complex tensor).
deepstep conjugates at once, never lazily: is_conj is always False.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .dtypes import float_input
from .function import Function, _check_inplace
from .ops_shape import _as_tensor
from .tensor import Tensor

__all__ = [
    "angle",
    "complex",
    "conj",
    "conj_physical",
    "is_conj",
    "is_neg",
    "is_nonzero",
    "is_same_size",
    "polar",
    "resolve_conj",
    "resolve_neg",
    "view_as_complex",
    "view_as_real",
]

TENSOR_METHODS = (
    "angle",
    "conj",
    "conj_physical",
    "conj_physical_",
    "imag",
    "is_conj",
    "is_neg",
    "is_nonzero",
    "is_same_size",
    "real",
    "resolve_conj",
    "resolve_neg",
)

_REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}


def _complex_of(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if dtype == np.float64 else np.dtype(np.complex64)


class Conj(Function):
    """z = ā;   not holomorphic (∂z/∂ā = 1): ∂L/∂a = conj(∂L/∂z)."""

    saved_inputs = ()

    def forward(self, a):
        return np.conj(a)

    def backward(self, g):
        return (np.conj(g),)


class RealPart(Function):
    """z = Re a (a view of a's memory);   ∂L/∂a = ∂L/∂z + 0i."""

    saved_inputs = ()

    def forward(self, a):
        self.dtype = a.dtype
        return a.real

    def backward(self, g):
        return (g.astype(self.dtype),)


class ImagPart(Function):
    """z = Im a (a view of a's memory);   ∂L/∂a = 0 + i·∂L/∂z."""

    saved_inputs = ()

    def forward(self, a):
        self.dtype = a.dtype
        return a.imag

    def backward(self, g):
        grad = np.zeros(g.shape, self.dtype)
        grad.imag = g
        return (grad,)


class Angle(Function):
    """z = arg a in (−π, π] (for a real a: π where a < 0, else 0);
    ∂L/∂a = ∂L/∂z · i·a/|a|² (0 at a = 0), and 0 for a real a (a step), as in PyTorch."""

    promote = staticmethod(float_input)

    def forward(self, a):
        self.a = a
        if a.dtype.kind == "c":
            return np.angle(a)
        return np.where(a < 0, np.pi, np.where(np.isnan(a), a, 0)).astype(a.dtype)

    def backward(self, g):
        a = self.a
        if a.dtype.kind != "c":
            return (np.zeros_like(g),)
        squared = a.real * a.real + a.imag * a.imag
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(squared == 0, 0, (1j * g) * a / squared).astype(a.dtype),)


class Complex(Function):
    """z = re + i·im;   ∂L/∂re = Re(∂L/∂z), ∂L/∂im = Im(∂L/∂z)."""

    saved_inputs = ()

    def forward(self, re, im):
        z = np.empty(np.broadcast_shapes(re.shape, im.shape), _complex_of(re.dtype))
        z.real, z.imag = re, im
        return z

    def backward(self, g):
        return self.to_inputs(g.real, g.imag)


class ViewAsComplex(Function):
    """z[…] = a[…, 0] + i·a[…, 1] (a view of a's memory);   ∂L/∂a = [Re, Im] of ∂L/∂z, stacked last."""

    saved_inputs = ()

    def forward(self, a):
        return a.view(_complex_of(a.dtype))[..., 0]

    def backward(self, g):
        return (np.stack([g.real, g.imag], axis=-1),)


class ViewAsReal(Function):
    """z[…, 0] = Re a, z[…, 1] = Im a (a view of a's memory);   ∂L/∂a = ∂L/∂z[…, 0] + i·∂L/∂z[…, 1]."""

    saved_inputs = ()

    def forward(self, a):
        self.dtype = a.dtype
        return a[..., None].view(_REAL_OF[a.dtype])

    def backward(self, g):
        grad = np.empty(g.shape[:-1], self.dtype)
        grad.real, grad.imag = g[..., 0], g[..., 1]
        return (grad,)


def conj(input: Any) -> Tensor:
    """The complex conjugate (the tensor itself when it is real)."""
    x = _as_tensor(input)
    return Conj()(x) if x.dtype.kind == "c" else x


conj_physical = conj


def conj_physical_(self: Tensor) -> Tensor:
    """The conjugate written into self (nothing to do for a real tensor)."""
    if self.dtype.kind == "c":
        return Conj().inplace(self)
    _check_inplace(self)  # nothing is written, but PyTorch refuses a leaf that requires grad all the same
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
    return RealPart()(x) if x.dtype.kind == "c" else x


def imag_part(input: Any) -> Tensor:
    """torch.imag: the imaginary part of a complex tensor (real tensors have none, as in PyTorch)."""
    x = _as_tensor(input)
    if x.dtype.kind != "c":
        raise DTypeError("imag is not implemented for tensors with non-complex dtypes.")
    return ImagPart()(x)


real = property(real_part, doc="The real part: the tensor itself when it is real (torch.Tensor.real).")
imag = property(imag_part, doc="The imaginary part of a complex tensor (torch.Tensor.imag).")


def angle(input: Any) -> Tensor:
    """The angle (argument) of each element in radians, in (−π, π]; π for a negative real, else 0."""
    return Angle()(_as_tensor(input))


def _parts(name: str, first: Any, second: Any, names: tuple[str, str]) -> tuple[Tensor, Tensor]:
    """The two real parts complex() and polar() take: float32 or float64 tensors of one dtype."""
    a, b = _as_tensor(first), _as_tensor(second)
    if not {a.dtype, b.dtype} <= {np.dtype(np.float32), np.dtype(np.float64)}:
        raise DTypeError(
            f"{name}: Expected both inputs to be Half, Float or Double tensors but got {a.dtype} and "
            f"{b.dtype}"
        )
    if a.dtype != b.dtype:
        raise DTypeError(
            f"{name}: Expected object of scalar type {a.dtype} but got scalar type {b.dtype} for "
            f"second argument ({names[1]} must have the dtype of {names[0]})"
        )
    return a, b


def complex(real: Any, imag: Any) -> Tensor:
    """torch.complex: the complex tensor real + i·imag (float32 gives complex64, float64 complex128),
    the parts broadcast against each other."""
    return Complex()(*_parts("complex", real, imag, ("real", "imag")))


def polar(abs: Any, angle: Any) -> Tensor:
    """torch.polar: the complex tensor abs·(cos angle + i·sin angle)."""
    r, theta = _parts("polar", abs, angle, ("abs", "angle"))
    return Complex()(r * theta.cos(), r * theta.sin())


def view_as_real(input: Any) -> Tensor:
    """A complex tensor as a real one with a last dim of 2 (real part, imaginary part), sharing memory."""
    x = _as_tensor(input)
    if x.dtype.kind != "c":
        raise DTypeError("view_as_real is only supported for complex tensors")
    return ViewAsReal()(x)


def view_as_complex(input: Any) -> Tensor:
    """A real tensor with a last dim of 2 (real part, imaginary part) as a complex one, sharing memory."""
    x = _as_tensor(input)
    if x.dtype not in (np.float32, np.float64):
        raise DTypeError(f"view_as_complex is only supported for float and double tensors, but got {x.dtype}")
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ShapeError("Tensor must have a last dimension of size 2")
    if x.data.strides[-1] != x.data.itemsize:
        raise ShapeError("Tensor must have a last dimension with stride 1")
    if any(stride % (2 * x.data.itemsize) for stride in x.data.strides[:-1]):
        raise ShapeError("Tensor must have a stride divisible by 2 for all but last dimension")
    return ViewAsComplex()(x)
