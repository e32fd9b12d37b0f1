"""The smooth activations beyond the first ones: the gates x·g(x) — GELU x·Φ(x), SiLU x·σ(x), Mish
x·tanh(softplus x) — and GLU's a·σ(b), then log σ, softsign, tanhshrink and softmin, each one op with
its derivative beside it, finite for inputs as large as |x| = 1e4 (the piecewise activations are in
activations, which exports these). The exact GELU runs in float32 through activation_kernels' compiled
erf where numba is there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import stable
from ..autograd.dims import normalize_dim
from ..autograd.dtypes import float_input
from ..autograd.function import Function
from ..autograd.ops_activation import implicit_softmax_dim, softmax
from ..autograd.ops_elementwise import neg
from ..autograd.ops_shape import cast
from ..autograd.tensor import Tensor
from ..errors import ShapeError, ValueRangeError
from ..special import erf
from .activation_kernels import kernels
from .activations import _apply, _FloatUnary

__all__ = ["gelu", "glu", "logsigmoid", "mish", "silu", "softmin", "softsign", "tanhshrink"]

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


# ----- smooth gates: GELU, SiLU, Mish ------------------------------------------------------
class GELU(Function):
    """GELU(x) = x·Φ(x);   GELU'(x) = Φ(x) + x·φ(x)   (Φ, φ: the standard normal CDF and density).
    approximate='tanh': ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);
    derivative ½(1 + tanh u) + ½x(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²)."""

    real_only = "gelu"
    promote = staticmethod(float_input)

    def __init__(self, approximate: str) -> None:
        if approximate not in ("none", "tanh"):
            raise ValueRangeError(f"approximate argument must be either none or tanh, got {approximate!r}")
        self.tanh = approximate == "tanh"

    def forward(self, x):
        self.x = x
        if self.tanh:
            self.t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3))
            return 0.5 * x * (1 + self.t)
        compiled = kernels() if x.dtype == np.float32 and x.flags.c_contiguous else None
        if compiled is not None:  # one vectorised pass instead of SciPy's erf (see activation_kernels)
            out, self.cdf = np.empty_like(x), np.empty_like(x)
            compiled.gelu_forward(x.reshape(-1), out.reshape(-1), self.cdf.reshape(-1))
            return out
        self.cdf = 0.5 * (1 + erf(x * np.sqrt(0.5, dtype=x.dtype)))
        return x * self.cdf

    def backward(self, g):
        x = self.x
        if self.tanh:
            t = self.t
            du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du),)
        fast = g.dtype == x.dtype == np.float32 and g.flags.c_contiguous and x.flags.c_contiguous
        compiled = kernels() if fast else None
        if compiled is not None:  # one pass instead of seven
            out = np.empty_like(x)
            compiled.gelu_backward(g.reshape(-1), x.reshape(-1), self.cdf.reshape(-1), out.reshape(-1))
            return (out,)
        pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return (g * (self.cdf + x * pdf),)


class SiLU(_FloatUnary):
    """SiLU(x) = x·σ(x) (the swish);   SiLU'(x) = σ(x)(1 + x(1 − σ(x)))."""

    def forward(self, x):
        self.x, self.s = x, stable.sigmoid(x)
        return x * self.s

    def backward(self, g):
        s = self.s
        return (g * s * (1 + self.x * (1 - s)),)


class Mish(_FloatUnary):
    """Mish(x) = x·tanh(softplus x);   Mish'(x) = t + x·σ(x)(1 − t²),  t = tanh(softplus x)."""

    real_only = "mish"

    def forward(self, x):
        self.x = x
        self.t = np.tanh(stable.softplus(x))
        return x * self.t

    def backward(self, g):
        t = self.t
        return (g * (t + self.x * stable.sigmoid(self.x) * (1 - t * t)),)


# ----- log σ, softsign and tanhshrink -------------------------------------------------------------
class LogSigmoid(_FloatUnary):
    """y = log σ(x) = −softplus(−x);   y' = σ(−x) = 1 − σ(x) = −(e^y − 1), read off the output."""

    real_only = "log_sigmoid"
    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.y = stable.log_sigmoid(x)
        return self.y

    def backward(self, g):
        return (g * -np.expm1(self.y),)


class Softsign(_FloatUnary):
    """softsign(x) = x/(1 + |x|);   derivative 1/(1 + |x|)². For complex x (not holomorphic; d = 1 + |x|,
    s = x/|x|): ∂L/∂x = g/d − Re(g·s̄)·|x|·s/d², which is g/d² for real x."""

    saved_inputs = ()

    def forward(self, x):
        self.denominator = 1 + np.abs(x)
        if x.dtype.kind == "c":
            self.s = np.sign(x)
        return x / self.denominator

    def backward(self, g):
        d = self.denominator
        if g.dtype.kind == "c":
            return (g / d - (g * np.conj(self.s)).real * (d - 1) * self.s / (d * d),)
        return (g / (d * d),)


class Tanhshrink(_FloatUnary):
    """tanhshrink(x) = x − tanh x;   derivative tanh² x."""

    holomorphic = True
    saved_inputs = ()

    def forward(self, x):
        self.t = np.tanh(x)
        return x - self.t

    def backward(self, g):
        return (g * self.t * self.t,)


# ----- the gated linear unit ------------------------------------------------------------------
class GLU(_FloatUnary):
    """GLU(a‖b) = a·σ(b), the input halved along `dim`;   ∂/∂a = σ(b),  ∂/∂b = a·σ(b)(1 − σ(b))."""

    real_only = "glu"
    saved_inputs = ()

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, x):
        if x.ndim == 0:
            raise ShapeError("glu does not support scalars because halving size must be even")
        self.axis = normalize_dim(self.dim, x.ndim)
        if x.shape[self.axis] % 2:
            raise ShapeError(
                f"Halving dimension must be even, but dimension {self.axis} is size {x.shape[self.axis]}"
            )
        self.a, b = np.split(x, 2, axis=self.axis)
        self.s = stable.sigmoid(b)
        return self.a * self.s

    def backward(self, g):
        s = self.s
        return (np.concatenate([g * s, g * self.a * s * (1 - s)], axis=self.axis),)


# ----- the public functions ---------------------------------------------------------------
def gelu(input: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x·Φ(x) (approximate='tanh' for the tanh formula)."""
    return GELU(approximate)(input)


def silu(input: Any, inplace: bool = False) -> Tensor:
    """x·σ(x)."""
    return _apply(SiLU(), input, inplace)


def mish(input: Any, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x))."""
    return _apply(Mish(), input, inplace)


def logsigmoid(input: Any) -> Tensor:
    """log σ(x), computed without forming σ(x)."""
    return LogSigmoid()(input)


def softsign(input: Any) -> Tensor:
    """x/(1 + |x|)."""
    return Softsign()(input)


def tanhshrink(input: Any) -> Tensor:
    """x − tanh x."""
    return Tanhshrink()(input)


def glu(input: Any, dim: int = -1) -> Tensor:
    """Gated linear unit: the first half of `dim` times σ of the second half."""
    return GLU(dim)(input)


def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(−x) along `dim` (cast to `dtype` first when given)."""
    if dtype is not None:
        input = cast(input, dtype)
    if dim is None:
        dim = implicit_softmax_dim("softmin", np.ndim(input.data if isinstance(input, Tensor) else input))
    return softmax(neg(input), dim=dim)
