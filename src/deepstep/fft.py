"""deepstep.fft, PyTorch's torch.fft: discrete Fourier transforms with their gradients.

X[k] = Σₙ x[n]·e^(−2πi·kn/N) is the DFT along one dim; fftn does it along several. Every transform
is linear, so its backward is its adjoint: the gradient of fft is the inverse transform of the
gradient without the inverse's 1/N (the "dual" norm: backward ↔ forward, ortho stays), cut or
zero-padded back to the input's shape, as `n`/`s` padded or cut it on the way in. Gradients follow
PyTorch's convention for complex numbers, ∂L/∂Re z + i·∂L/∂Im z (the conjugate Wirtinger
derivative, doubled): for a C-linear map z = Ax that is Aᴴ·(∂L/∂z); a real input takes its real part.

The one-sided transforms are only R-linear. rfft keeps n//2+1 bins of a real signal's spectrum; each
bin strictly between DC and Nyquist stands for itself and its mirrored conjugate, so in the adjoint
(an irfft) those bins are halved. irfft reads n//2+1 bins as the whole Hermitian spectrum, each
middle bin used twice: its backward is an rfft with those bins doubled. hfft is irfft of the
conjugate with the norm swapped, ihfft the conjugate of rfft with the norm swapped.

norm is "backward" (default: no scaling forward, 1/N on the inverse), "ortho" (1/√N both ways) or
"forward" (1/N forward). Values come from NumPy's pocketfft in the input's precision, as in
PyTorch: float32 gives complex64, float64 complex128; integers and bools the default float's.
"""

# `input` is PyTorch's argument name (as in functional/ and autograd/): keyword calls stay compatible.
# ruff: noqa: A002

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend
from .autograd.creation import leaf_tensor
from .autograd.dims import normalize_dim
from .autograd.dtypes import float_type, to_dtype
from .autograd.function import Function
from .autograd.ops_layout import roll
from .autograd.tensor import Tensor
from .errors import DimError, DTypeError, DTypeNotImplementedError, ShapeError, ValueRangeError

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "hfft2",
    "hfftn",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "ihfft2",
    "ihfftn",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

# The adjoint of a transform scaled by c is the opposite transform scaled by c: with NumPy's names,
# the inverse's norm that gives the same c is the dual one. The swap is hfft's and ihfft's norm.
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
_TORCH_NAMES = {
    np.dtype(np.float16): "Half",
    np.dtype(np.complex64): "ComplexFloat",
    np.dtype(np.complex128): "ComplexDouble",
}


# ----- array helpers ---------------------------------------------------------------------------
def _complex_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if dtype in (np.float64, np.complex128) else np.dtype(np.complex64)


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float64) if dtype in (np.float64, np.complex128) else np.dtype(np.float32)


def _fit(a: np.ndarray, dims: Sequence[int], sizes: Sequence[int]) -> np.ndarray:
    """a cut or zero-padded at the end of each dim to its size (the n/s of the transforms)."""
    cut = [slice(None)] * a.ndim
    pad = [(0, 0)] * a.ndim
    for d, size in zip(dims, sizes, strict=True):
        if a.shape[d] > size:
            cut[d] = slice(0, size)
        else:
            pad[d] = (0, size - a.shape[d])
    a = a[tuple(cut)]
    return np.pad(a, pad) if any(p[1] for p in pad) else a


def _scale_middle_bins(g: np.ndarray, dim: int, n: int, factor: float) -> np.ndarray:
    """g with the one-sided bins 1 … n − (n//2 + 1) along dim (those strictly between DC and Nyquist,
    each standing for itself and its mirror) multiplied by factor; a new array."""
    g = g.copy()
    middle = [slice(None)] * g.ndim
    middle[dim] = slice(1, 1 + n - (n // 2 + 1))
    g[tuple(middle)] *= factor
    return g


def _cast_grad(grad: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A gradient in the input's dtype: the real part for a real input (its imaginary direction is not
    a direction it can move in)."""
    if dtype.kind != "c":
        grad = grad.real
    return np.ascontiguousarray(grad, dtype=dtype)


def _promoted(arrays: list[Any]) -> list[Any]:
    """The transforms' Function.promote: integers and bools become the default float dtype."""
    a = np.asarray(arrays[0])
    return [a.astype(float_type(a.dtype), copy=False)]


# ----- the ops -----------------------------------------------------------------------------------
class FFTn(Function):
    """z = fftn(a) (ifftn when inverse) over dims, a cut or zero-padded to sizes;
    ∂L/∂a = ifftn(∂L/∂z) (fftn when inverse) with the dual norm, cut or padded back to a's shape."""

    saved_inputs = ()
    promote = staticmethod(_promoted)

    def __init__(self, dims: tuple[int, ...], sizes: tuple[int, ...], norm: str, inverse: bool) -> None:
        self.dims, self.sizes, self.norm, self.inverse = dims, sizes, norm, inverse

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        if not self.dims:  # fftn over no dims: the input itself, as a complex tensor
            return a.astype(_complex_dtype(a.dtype))
        transform = np.fft.ifftn if self.inverse else np.fft.fftn
        out = transform(a, s=self.sizes, axes=self.dims, norm=self.norm)
        return out.astype(_complex_dtype(a.dtype), copy=False)

    def backward(self, g):
        if self.dims:
            adjoint = np.fft.fftn if self.inverse else np.fft.ifftn
            g = adjoint(g, axes=self.dims, norm=_DUAL[self.norm])
            g = _fit(g, self.dims, [self.shape[d] for d in self.dims])
        return (_cast_grad(g, self.dtype),)


class RFFTn(Function):
    """z = rfftn(a): the spectrum of real a over dims (a cut or padded to sizes), n//2+1 bins along the
    last dim (conjugated for ihfft); ∂L/∂a = irfftn(∂L/∂z with the middle bins halved), dual norm."""

    saved_inputs = ()
    promote = staticmethod(_promoted)

    def __init__(self, dims: tuple[int, ...], sizes: tuple[int, ...], norm: str, conjugate: bool) -> None:
        self.dims, self.sizes, self.norm, self.conjugate = dims, sizes, norm, conjugate

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        out = np.fft.rfftn(a, s=self.sizes, axes=self.dims, norm=self.norm)
        if self.conjugate:
            np.conjugate(out, out=out)
        return out.astype(_complex_dtype(a.dtype), copy=False)

    def backward(self, g):
        if self.conjugate:
            g = np.conj(g)
        # Re(Fᴴ·[g, 0…]) is irfftn of g once the bins that irfftn counts twice are halved
        g = _scale_middle_bins(g, self.dims[-1], self.sizes[-1], 0.5)
        grad = np.fft.irfftn(g, s=self.sizes, axes=self.dims, norm=_DUAL[self.norm])
        return (_cast_grad(_fit(grad, self.dims, [self.shape[d] for d in self.dims]), self.dtype),)


class IRFFTn(Function):
    """z = irfftn(a): the real signal of sizes over dims whose one-sided spectrum is a (conjugated first
    for hfft); ∂L/∂a = rfftn(∂L/∂z) with the middle bins doubled, dual norm, fit to a's shape."""

    saved_inputs = ()
    promote = staticmethod(_promoted)

    def __init__(self, dims: tuple[int, ...], sizes: tuple[int, ...], norm: str, conjugate: bool) -> None:
        self.dims, self.sizes, self.norm, self.conjugate = dims, sizes, norm, conjugate

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        if self.conjugate:
            a = np.conj(a)
        out = np.fft.irfftn(a, s=self.sizes, axes=self.dims, norm=self.norm)
        return out.astype(_real_dtype(a.dtype), copy=False)

    def backward(self, g):
        grad = np.fft.rfftn(g, axes=self.dims, norm=_DUAL[self.norm])
        grad = _scale_middle_bins(grad, self.dims[-1], self.sizes[-1], 2.0)
        grad = _fit(grad, self.dims, [self.shape[d] for d in self.dims])
        if self.conjugate:
            grad = np.conj(grad)
        return (_cast_grad(grad, self.dtype),)


# ----- arguments as PyTorch takes them ---------------------------------------------------------
def _check_norm(norm: Any) -> str:
    if norm is None:
        return "backward"
    if not isinstance(norm, str):
        raise TypeError(f"norm must be a string or None, got {type(norm).__name__}")
    if norm not in _DUAL:
        raise ValueRangeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _integer(value: Any, what: str) -> int:
    if isinstance(value, (bool, float)):
        raise TypeError(f"argument '{what}' must be int, not {type(value).__name__}")
    try:
        return operator.index(value.item() if isinstance(value, (Tensor, np.ndarray)) else value)
    except TypeError:
        raise TypeError(f"argument '{what}' must be int, not {type(value).__name__}") from None


def _points(n: int) -> int:
    if n < 1:
        raise ValueRangeError(f"Invalid number of data points ({n}) specified")
    return n


def _input(name: str, input: Any, real: bool = False) -> Tensor:
    """The input as a Tensor PyTorch's transforms take: no half precision; ints and bools are
    promoted by the op (float_type); a real one where `real` (rfft, ihfft)."""
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if x.dtype == np.float16:
        raise DTypeError("Unsupported dtype Half")
    if real and x.dtype.kind == "c":
        raise DTypeError(f"{name} expects a real input tensor, but got {_TORCH_NAMES[x.dtype]}")
    return x


def _one_dim(x: Tensor, n: Any, dim: Any, one_sided_output: bool) -> tuple[tuple[int], tuple[int]]:
    """(dim,), (n,) of a 1-D transform; n defaults to the input's length (2(m − 1) for the c2r ones)."""
    if x.ndim == 0:
        raise DimError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(dim, x.ndim)
    if n is None:
        n = 2 * (x.shape[d] - 1) if one_sided_output else x.shape[d]
    return (d,), (_points(_integer(n, "n")),)


def _many_dims(
    name: str, x: Tensor, s: Any, dim: Any, one_sided_output: bool, default_dim: Any = None
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """PyTorch's dims and sizes of an n-D transform: dim None means the last len(s) dims (all without
    s); an s entry of −1 keeps the input's size (2(m − 1) on the last dim of the c2r ones)."""
    if dim is None:
        dim = default_dim
    if isinstance(s, (int, np.integer, Tensor)):
        s = (s,)
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    if s is not None:
        s = tuple(_integer(n, "s") for n in s)
        if dim is None:
            if len(s) > x.ndim:
                raise ShapeError(
                    f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions."
                )
            dim = tuple(range(x.ndim - len(s), x.ndim))
        elif len(s) != len(dim):
            raise ShapeError("When given, dim and shape arguments must have the same length")
    if dim is None:
        dims = tuple(range(x.ndim))
    else:
        dims = tuple(normalize_dim(_integer(d, "dim"), x.ndim) for d in dim)
        if x.ndim == 0 and dims:
            raise DimError(f"Dimension specified as {dim[0]} but tensor has no dimensions")
        if len(set(dims)) != len(dims):
            raise ShapeError("FFT dims must be unique")
    if not dims:
        if name in ("fftn", "ifftn"):
            return (), ()
        raise ShapeError(f"{name} must transform at least one axis")
    sizes = (
        [x.shape[d] for d in dims]
        if s is None
        else [x.shape[d] if n == -1 else n for d, n in zip(dims, s, strict=True)]
    )
    if one_sided_output and (s is None or s[-1] == -1):
        sizes[-1] = 2 * (x.shape[dims[-1]] - 1)
    return dims, tuple(_points(n) for n in sizes)


# ----- 1-D transforms ----------------------------------------------------------------------------
def fft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """X[k] = Σₙ x[n]·e^(−2πi·kn/N) along dim, x cut or zero-padded to N = n (complex output)."""
    x = _input("fft", input)
    dims, sizes = _one_dim(x, n, dim, False)
    return FFTn(dims, sizes, _check_norm(norm), inverse=False)(x)


def ifft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """x[n] = (1/N)·Σₖ X[k]·e^(+2πi·kn/N) along dim, X cut or zero-padded to N = n."""
    x = _input("ifft", input)
    dims, sizes = _one_dim(x, n, dim, False)
    return FFTn(dims, sizes, _check_norm(norm), inverse=True)(x)


def rfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """X[k] = Σₙ x[n]·e^(−2πi·kn/N) for k = 0 … N//2 of a real x along dim (the other half is X̄)."""
    x = _input("rfft", input, real=True)
    dims, sizes = _one_dim(x, n, dim, False)
    return RFFTn(dims, sizes, _check_norm(norm), conjugate=False)(x)


def irfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The real x of length n = 2(m − 1) by default whose rfft is X (X cut or padded to n//2+1 bins)."""
    x = _input("irfft", input)
    dims, sizes = _one_dim(x, n, dim, True)
    return IRFFTn(dims, sizes, _check_norm(norm), conjugate=False)(x)


def hfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The real spectrum of length n = 2(m − 1) of a signal given by its Hermitian half: irfft(x̄)·n."""
    x = _input("hfft", input)
    dims, sizes = _one_dim(x, n, dim, True)
    return IRFFTn(dims, sizes, _DUAL[_check_norm(norm)], conjugate=True)(x)


def ihfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of hfft: the n//2+1 bins of ifft of a real x along dim, conj(rfft(x))/n."""
    x = _input("ihfft", input, real=True)
    dims, sizes = _one_dim(x, n, dim, False)
    return RFFTn(dims, sizes, _DUAL[_check_norm(norm)], conjugate=True)(x)


# ----- n-D transforms ----------------------------------------------------------------------------
def fftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
    """X = fft along each dim in turn (all dims, or the last len(s)), x cut or padded to s."""
    x = _input("fftn", input)
    dims, sizes = _many_dims("fftn", x, s, dim, False)
    return FFTn(dims, sizes, _check_norm(norm), inverse=False)(x)


def ifftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
    """x = ifft along each dim in turn (all dims, or the last len(s)), X cut or padded to s."""
    x = _input("ifftn", input)
    dims, sizes = _many_dims("ifftn", x, s, dim, False)
    return FFTn(dims, sizes, _check_norm(norm), inverse=True)(x)


def rfftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
    """fftn of a real x keeping n//2+1 bins along the last of the dims (rfft there, fft on the rest)."""
    x = _input("rfftn", input, real=True)
    dims, sizes = _many_dims("rfftn", x, s, dim, False)
    return RFFTn(dims, sizes, _check_norm(norm), conjugate=False)(x)


def irfftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
    """The real x of shape s whose rfftn is X (ifft on the first dims, irfft on the last)."""
    x = _input("irfftn", input)
    dims, sizes = _many_dims("irfftn", x, s, dim, True)
    return IRFFTn(dims, sizes, _check_norm(norm), conjugate=False)(x)


def hfftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
    """The real fftn of a Hermitian signal given by its half along the last dim: irfftn(x̄)·N."""
    x = _input("hfftn", input)
    dims, sizes = _many_dims("hfftn", x, s, dim, True)
    return IRFFTn(dims, sizes, _DUAL[_check_norm(norm)], conjugate=True)(x)


def ihfftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
    """The inverse of hfftn: the one-sided ifftn of a real x, conj(rfftn(x))/N."""
    x = _input("ihfftn", input, real=True)
    dims, sizes = _many_dims("ihfftn", x, s, dim, False)
    return RFFTn(dims, sizes, _DUAL[_check_norm(norm)], conjugate=True)(x)


def fft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None) -> Tensor:
    """fftn over two dims (the last two by default)."""
    return fftn(input, s, dim, norm)


def ifft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None) -> Tensor:
    """ifftn over two dims (the last two by default)."""
    return ifftn(input, s, dim, norm)


def rfft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None) -> Tensor:
    """rfftn over two dims (the last two by default; the last one one-sided)."""
    return rfftn(input, s, dim, norm)


def irfft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None) -> Tensor:
    """irfftn over two dims (the last two by default; the last one one-sided)."""
    return irfftn(input, s, dim, norm)


def hfft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None) -> Tensor:
    """hfftn over two dims (the last two by default; the last one one-sided)."""
    return hfftn(input, s, dim, norm)


def ihfft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None) -> Tensor:
    """ihfftn over two dims (the last two by default; the last one one-sided)."""
    return ihfftn(input, s, dim, norm)


# ----- frequencies and shifts --------------------------------------------------------------------
def _frequency_dtype(dtype: Any) -> np.dtype:
    dtype = backend.get_default_dtype() if dtype is None else to_dtype(dtype)
    if dtype.kind == "c":
        raise DTypeNotImplementedError(f'"arange_cpu" not implemented for {_TORCH_NAMES[dtype]!r}')
    if dtype.kind != "f":
        raise DTypeError("fftfreq requires a floating point or complex dtype")
    return dtype


def _frequencies(counts: np.ndarray, n: int, d: Any, dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    dtype = _frequency_dtype(dtype)
    with np.errstate(divide="ignore", invalid="ignore"):  # n·d = 0 gives inf and nan, as in PyTorch
        step = np.float64(1.0) / (np.float64(n) * np.float64(float(d)))
        values = counts.astype(dtype) * step.astype(dtype)
    return leaf_tensor(values, requires_grad, device)


def _length(n: Any) -> int:
    n = _integer(n, "n")
    if n < 0:
        raise ShapeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return n


def fftfreq(
    n: int,
    d: float = 1.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The frequency of each bin of an n-point fft with sample spacing d: [0, 1, …, −2, −1]/(n·d)."""
    n = _length(n)
    counts = np.arange(n, dtype=np.float64)
    counts[(n + 1) // 2 :] -= n
    return _frequencies(counts, n, d, dtype, requires_grad, device)


def rfftfreq(
    n: int,
    d: float = 1.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The frequency of each bin of an n-point rfft with sample spacing d: [0, 1, …, n//2]/(n·d)."""
    n = _length(n)
    return _frequencies(np.arange(n // 2 + 1, dtype=np.float64), n, d, dtype, requires_grad, device)


def _shift(input: Any, dim: Any, inverse: bool) -> Tensor:
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    dims = (
        tuple(range(x.ndim)) if dim is None else (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    )
    if not dims or x.ndim == 0:
        raise ShapeError("`shifts` required")
    sizes = [x.shape[normalize_dim(d, x.ndim)] for d in dims]
    return roll(x, [(n + 1) // 2 if inverse else n // 2 for n in sizes], dims)


def fftshift(input: Any, dim: Any = None) -> Tensor:
    """The spectrum rolled so that frequency 0 sits in the middle: a roll by n//2 along each dim."""
    return _shift(input, dim, inverse=False)


def ifftshift(input: Any, dim: Any = None) -> Tensor:
    """The inverse of fftshift: a roll by (n + 1)//2 along each dim (all dims by default)."""
    return _shift(input, dim, inverse=True)
