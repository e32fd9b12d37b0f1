"""Window functions: the tapers a short-time Fourier transform multiplies each frame by.

With N the window's length and n = 0 … N − 1, the cosine-sum windows are
w[n] = Σₖ (−1)ᵏ·aₖ·cos(2πkn/D): Hann a = (½, ½), Hamming (0.54, 0.46), Blackman (0.42, 0.5, 0.08),
Nuttall's four terms; Bartlett is the triangle 1 − |2n/D − 1|, Kaiser I₀(β·√(1 − (2n/D − 1)²))/I₀(β).
D = N − 1 gives the symmetric window (both ends equal, for filter design); D = N the periodic one
(the symmetric window of N + 1 points without its last, so that frames overlap-add evenly: the
one an STFT wants). torch.hann_window & co. take `periodic=True` by default, torch.signal.windows
`sym=True`; N = 0 gives an empty window and N = 1 the single value 1.

The values are computed in float64 and rounded once to the dtype asked for, so a float32 window is
within one rounding of PyTorch's (which works in float32 throughout), and a float16 one closer to
the exact window than PyTorch's half-precision arithmetic. The windows are constants: a window made
with requires_grad=True is a leaf (torch.signal.windows returns one with a grad_fn instead).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import backend
from ..autograd.creation import leaf_tensor
from ..autograd.dtypes import to_dtype
from ..autograd.tensor import Tensor
from ..errors import DTypeError, DTypeNotImplementedError, ValueRangeError

__all__ = [
    "bartlett",
    "bartlett_window",
    "blackman",
    "blackman_window",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hamming_window",
    "hann",
    "hann_window",
    "kaiser",
    "kaiser_window",
    "nuttall",
]

# torch.signal.windows's names, the ones `deepstep.signal.windows` shows
SIGNAL_WINDOWS = (
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
)
_TORCH_NAMES = {np.dtype(np.complex64): "ComplexFloat", np.dtype(np.complex128): "ComplexDouble"}
_NUTTALL = (0.3635819, 0.4891775, 0.1365995, 0.0106411)


# ----- the formulas, on float64 positions ------------------------------------------------------
def _cosine_sum(n: int, a: Iterable[float], denominator: int) -> np.ndarray:
    """w[i] = Σₖ (−1)ᵏ·aₖ·cos(2πki/D) for i = 0 … n − 1."""
    phase = 2.0 * math.pi * np.arange(n, dtype=np.float64) / denominator
    return sum((-1) ** k * a_k * np.cos(k * phase) for k, a_k in enumerate(a))


def _triangle(n: int, denominator: int) -> np.ndarray:
    """w[i] = 1 − |2i/D − 1|."""
    return 1.0 - np.abs(2.0 * np.arange(n, dtype=np.float64) / denominator - 1.0)


def _kaiser(n: int, beta: float, denominator: int) -> np.ndarray:
    """w[i] = I₀(β·√(1 − (2i/D − 1)²))/I₀(β) (β's sign does not matter: I₀ is even)."""
    r = np.minimum(np.abs(2.0 * np.arange(n, dtype=np.float64) / denominator - 1.0), 1.0)
    return np.i0(beta * np.sqrt(1.0 - r * r)) / np.i0(beta)


# ----- arguments -------------------------------------------------------------------------------
def _length(name: str, value: Any, error: type[Exception]) -> int:
    if isinstance(value, (bool, np.bool_, float, np.floating)):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not {type(value).__name__}")
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{name}(): argument 'window_length' must be int, not {type(value).__name__}"
        ) from None
    if n < 0:
        raise error(f"{name} requires non-negative window length, got {n}")
    return n


def _window(values: np.ndarray, dtype: np.dtype, requires_grad: bool, device: Any) -> Tensor:
    return leaf_tensor(np.ascontiguousarray(values, dtype=dtype), requires_grad, device)


# ----- torch.*_window: periodic=True by default, any floating dtype ----------------------------
def _make(
    name: str,
    window_length: Any,
    periodic: bool,
    formula: Callable[[int, int], np.ndarray],
    dtype: Any,
    requires_grad: bool,
    device: Any,
) -> Tensor:
    n = _length(name, window_length, ValueRangeError)
    dtype = backend.get_default_dtype() if dtype is None else to_dtype(dtype)
    if dtype.kind == "c":
        raise DTypeNotImplementedError(f'"arange_cpu" not implemented for {_TORCH_NAMES[dtype]!r}')
    if dtype.kind != "f":
        raise DTypeError(f"{name} expects floating point dtypes, got {dtype}")
    if n <= 1:
        return _window(np.ones(n), dtype, requires_grad, device)
    return _window(formula(n, n if periodic else n - 1), dtype, requires_grad, device)


def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = ½ − ½·cos(2πn/D), D = N (periodic) or N − 1."""
    return _make(
        "hann_window",
        window_length,
        periodic,
        lambda n, d: _cosine_sum(n, (0.5, 0.5), d),
        dtype,
        requires_grad,
        device,
    )


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = α − β·cos(2πn/D), D = N (periodic) or N − 1."""
    return _make(
        "hamming_window",
        window_length,
        periodic,
        lambda n, d: _cosine_sum(n, (float(alpha), float(beta)), d),
        dtype,
        requires_grad,
        device,
    )


def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = 0.42 − 0.5·cos(2πn/D) + 0.08·cos(4πn/D), D = N (periodic) or N − 1."""
    return _make(
        "blackman_window",
        window_length,
        periodic,
        lambda n, d: _cosine_sum(n, (0.42, 0.5, 0.08), d),
        dtype,
        requires_grad,
        device,
    )


def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = 1 − |2n/D − 1| (a triangle), D = N (periodic) or N − 1."""
    return _make("bartlett_window", window_length, periodic, _triangle, dtype, requires_grad, device)


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = I₀(β·√(1 − (2n/D − 1)²))/I₀(β), D = N (periodic) or N − 1."""
    return _make(
        "kaiser_window",
        window_length,
        periodic,
        lambda n, d: _kaiser(n, float(beta), d),
        dtype,
        requires_grad,
        device,
    )


# ----- torch.signal.windows: sym=True by default, float32 or float64 ---------------------------
def _checked(name: str, m: Any, dtype: Any, layout: Any) -> tuple[int, np.dtype]:
    """torch.signal.windows' checks, ValueErrors all: a non-negative M, a strided layout, float32/64."""
    m = _length(name, m, ValueError)
    if layout is not None and str(layout) != "torch.strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    dtype = backend.get_default_dtype() if dtype is None else to_dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return m, dtype


def general_cosine(
    M: int,
    *,
    a: Iterable[float],
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = Σₖ (−1)ᵏ·aₖ·cos(2πkn/D), D = M − 1 (sym) or M."""
    m, dtype = _checked("general_cosine", M, dtype, layout)
    if m <= 1:
        return _window(np.ones(m), dtype, requires_grad, device)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    a = [float(a_k) for a_k in a]
    if not a:
        raise ValueError("Coefficients cannot be empty")
    return _window(_cosine_sum(m, a, m - 1 if sym else m), dtype, requires_grad, device)


def general_hamming(
    M: int,
    *,
    alpha: float = 0.54,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = α − (1 − α)·cos(2πn/D), D = M − 1 (sym) or M."""
    alpha = float(alpha)
    return general_cosine(
        M,
        a=(alpha, 1.0 - alpha),
        sym=sym,
        dtype=dtype,
        layout=layout,
        device=device,
        requires_grad=requires_grad,
    )


def hann(
    M: int,
    *,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = ½ − ½·cos(2πn/D), D = M − 1 (sym) or M."""
    return general_hamming(
        M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad
    )


def hamming(
    M: int,
    *,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = 0.54 − 0.46·cos(2πn/D), D = M − 1 (sym) or M."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def blackman(
    M: int,
    *,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = 0.42 − 0.5·cos(2πn/D) + 0.08·cos(4πn/D), D = M − 1 (sym) or M."""
    _checked("blackman", M, dtype, layout)
    return general_cosine(
        M,
        a=(0.42, 0.5, 0.08),
        sym=sym,
        dtype=dtype,
        layout=layout,
        device=device,
        requires_grad=requires_grad,
    )


def nuttall(
    M: int,
    *,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Nuttall's four-term cosine sum, a = (0.3635819, 0.4891775, 0.1365995, 0.0106411)."""
    return general_cosine(
        M, a=_NUTTALL, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad
    )


def bartlett(
    M: int,
    *,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = 1 − |2n/D − 1|, D = M − 1 (sym) or M."""
    m, dtype = _checked("bartlett", M, dtype, layout)
    if m <= 1:
        return _window(np.ones(m), dtype, requires_grad, device)
    return _window(_triangle(m, m - 1 if sym else m), dtype, requires_grad, device)


def kaiser(
    M: int,
    *,
    beta: float = 12.0,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = I₀(β·√(1 − (2n/D − 1)²))/I₀(β), β ≥ 0, D = M − 1 (sym) or M."""
    m, dtype = _checked("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if m <= 1:
        return _window(np.ones(m), dtype, requires_grad, device)
    return _window(_kaiser(m, float(beta), m - 1 if sym else m), dtype, requires_grad, device)


def _centred(m: int, sym: bool) -> np.ndarray:
    """n − c with c the window's centre: (M − 1)/2 (sym, or M = 1) or M/2 (periodic)."""
    return np.arange(m, dtype=np.float64) - (m if not sym and m > 1 else m - 1) / 2.0


def cosine(
    M: int,
    *,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = sin(π(n + ½)/D), D = M (sym) or M + 1 (a half-period of a sine)."""
    m, dtype = _checked("cosine", M, dtype, layout)
    denominator = m + 1 if not sym and m > 1 else m
    values = np.sin(math.pi * (np.arange(m, dtype=np.float64) + 0.5) / max(denominator, 1))
    return _window(values, dtype, requires_grad, device)


def gaussian(
    M: int,
    *,
    std: float = 1.0,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = exp(−(n − c)²/(2σ²)), c the centre (see _centred), σ = std > 0."""
    m, dtype = _checked("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    k = _centred(m, sym) / (std * math.sqrt(2.0))
    return _window(np.exp(-(k**2)), dtype, requires_grad, device)


def exponential(
    M: int,
    *,
    center: float | None = None,
    tau: float = 1.0,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """w[n] = exp(−|n − c|/τ), c = center (periodic windows only) or the window's centre, τ > 0."""
    m, dtype = _checked("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    k = _centred(m, sym) if center is None else np.arange(m, dtype=np.float64) - float(center)
    return _window(np.exp(-np.abs(k) / tau), dtype, requires_grad, device)
