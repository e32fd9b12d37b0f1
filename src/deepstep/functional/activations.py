"""Activation functions beyond the first ones (GELU, SiLU, the ELU family, the hard and shrink
variants, GLU, PReLU, RReLU…), each one op with its derivative beside it, PyTorch's values and
gradients at the kinks included, and finite for inputs as large as |x| = 1e4.

Where PyTorch's function takes `inplace=True`, the same op writes its result into the input's
memory (`Function.inplace`), with PyTorch's checks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend, stable
from ..autograd.dims import normalize_dim
from ..autograd.dtypes import float_input, promote_arrays
from ..autograd.function import Function
from ..autograd.ops_activation import implicit_softmax_dim, leaky_relu, softmax
from ..autograd.ops_elementwise import neg
from ..autograd.ops_shape import cast
from ..autograd.tensor import Tensor
from ..errors import ShapeError, ValueRangeError
from ..special import erf
from .activation_kernels import kernels

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "logsigmoid",
    "mish",
    "prelu",
    "relu6",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "silu",
    "softmin",
    "softshrink",
    "softsign",
    "tanhshrink",
    "threshold",
    "threshold_",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


def _apply(op: Function, x: Any, inplace: bool) -> Tensor:
    return op.inplace(x) if inplace else op(x)


class _FloatUnary(Function):
    """An elementwise function of floats (integer input gives the default float dtype)."""

    promote = staticmethod(float_input)


# ----- smooth gates: GELU, SiLU, Mish ------------------------------------------------------
class GELU(Function):
    """GELU(x) = x·Φ(x);   GELU'(x) = Φ(x) + x·φ(x)   (Φ, φ: the standard normal CDF and density).
    approximate='tanh': ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);
    derivative ½(1 + tanh u) + ½x(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²)."""

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
        if compiled is not None:  # three passes instead of seven
            out = np.empty_like(x)
            compiled.minus_half_square(x.reshape(-1), out.reshape(-1))
            np.exp(out, out=out)
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

    def forward(self, x):
        self.x = x
        self.t = np.tanh(stable.softplus(x))
        return x * self.t

    def backward(self, g):
        t = self.t
        return (g * (t + self.x * stable.sigmoid(self.x) * (1 - t * t)),)


# ----- the ELU family ------------------------------------------------------------------------
class ELU(_FloatUnary):
    """y = s·x for x > 0, s·α(e^(c·x) − 1) for x ≤ 0;   y' = s, or s·α·c·e^(c·x).
    ELU: s = c = 1;  SELU: s, α the fixed constants;  CELU: s = 1, c = 1/α."""

    saved_inputs = ()

    def __init__(self, alpha: float, scale: float = 1.0, input_scale: float = 1.0) -> None:
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale

    def forward(self, x):
        self.positive = ~(x <= 0)  # NaN counts as positive: its gradient passes, as in PyTorch
        # e^(c·x) − 1 on the negative side only: e^(c·x) of a large positive x would overflow
        self.expm1 = np.expm1(np.minimum(x, 0) * self.input_scale)
        return np.where(self.positive, self.scale * x, (self.scale * self.alpha) * self.expm1)

    def backward(self, g):
        slope = (self.scale * self.alpha * self.input_scale) * (self.expm1 + 1)
        return (g * np.where(self.positive, self.scale, slope),)


# ----- piecewise-linear and shrinking functions ----------------------------------------------
class _Masked(Function):
    """A piecewise function whose derivative is `slope` where `mask` holds and 0 elsewhere. The masks
    are written as PyTorch's (the complement of the flat parts), so that NaN passes its gradient on."""

    saved_inputs = ()
    slope = 1.0

    def backward(self, g):
        return (g * self.mask if self.slope == 1.0 else g * self.mask * self.slope,)


class Hardtanh(_Masked):
    """hardtanh(x) = min(max(x, lo), hi);   derivative 1 for lo < x < hi, else 0 (0 at the kinks too)."""

    def __init__(self, min_val: float, max_val: float) -> None:
        if min_val > max_val:
            raise ValueError(f"min_val cannot be greater than max_val, got {min_val} > {max_val}")
        self.lo, self.hi = min_val, max_val

    def forward(self, x):
        self.mask = ~((x <= self.lo) | (x >= self.hi))
        return np.clip(x, self.lo, self.hi).astype(x.dtype, copy=False)


class Hardsigmoid(_Masked, _FloatUnary):
    """hardsigmoid(x) = min(max(x/6 + ½, 0), 1);   derivative 1/6 for −3 < x < 3, else 0."""

    slope = 1 / 6

    def forward(self, x):
        self.mask = (x > -3) & (x < 3)
        return np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)


class Hardswish(_FloatUnary):
    """hardswish(x) = x·min(max(x + 3, 0), 6)/6;   derivative 0 for x ≤ −3, x/3 + ½ between, 1 for x ≥ 3."""

    def forward(self, x):
        self.x = x
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        x = self.x
        return (g * np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1)).astype(x.dtype, copy=False),)


class Softshrink(_Masked, _FloatUnary):
    """softshrink(x) = x − λ·sign(x) for |x| > λ, else 0;   derivative 1 for |x| > λ, else 0."""

    def __init__(self, lambd: float) -> None:
        if lambd < 0:
            raise ValueRangeError(f"lambda must be in range [0, inf), but found to be {lambd}")
        self.lambd = lambd

    def forward(self, x):
        self.mask = ~((x >= -self.lambd) & (x <= self.lambd))
        return np.where(self.mask, x - self.lambd * np.sign(x), 0).astype(x.dtype, copy=False)


class Hardshrink(_Masked, _FloatUnary):
    """hardshrink(x) = x for |x| > λ, else 0;   derivative 1 for |x| > λ, else 0."""

    def __init__(self, lambd: float) -> None:
        self.lambd = lambd

    def forward(self, x):
        self.mask = ~((x >= -self.lambd) & (x <= self.lambd))
        return np.where(self.mask, x, 0).astype(x.dtype, copy=False)


class Threshold(_Masked):
    """threshold(x) = x for x > θ, else v;   derivative 1 for x > θ, else 0 (integers stay integers)."""

    def __init__(self, threshold: float, value: float) -> None:
        self.threshold, self.value = threshold, value

    def forward(self, x):
        self.mask = ~(x <= self.threshold)
        return np.where(self.mask, x, self.value).astype(x.dtype, copy=False)


class LogSigmoid(_FloatUnary):
    """y = log σ(x) = −softplus(−x);   y' = σ(−x) = 1 − σ(x) = −(e^y − 1), read off the output."""

    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.y = stable.log_sigmoid(x)
        return self.y

    def backward(self, g):
        return (g * -np.expm1(self.y),)


class Softsign(_FloatUnary):
    """softsign(x) = x/(1 + |x|);   derivative 1/(1 + |x|)²."""

    saved_inputs = ()

    def forward(self, x):
        self.denominator = 1 + np.abs(x)
        return x / self.denominator

    def backward(self, g):
        return (g / (self.denominator * self.denominator),)


class Tanhshrink(_FloatUnary):
    """tanhshrink(x) = x − tanh x;   derivative tanh² x."""

    saved_inputs = ()

    def forward(self, x):
        self.t = np.tanh(x)
        return x - self.t

    def backward(self, g):
        return (g * self.t * self.t,)


# ----- gates and learned or random slopes -------------------------------------------------
class GLU(_FloatUnary):
    """GLU(a‖b) = a·σ(b), the input halved along `dim`;   ∂/∂a = σ(b),  ∂/∂b = a·σ(b)(1 − σ(b))."""

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


class PReLU(Function):
    """PReLU(x) = x for x > 0, else w_c·x, one slope per channel c (dim 1);
    ∂/∂x = 1 or w_c,   ∂L/∂w_c = Σ over everything but channel c of ∂L/∂y·x where x ≤ 0."""

    promote = staticmethod(promote_arrays)

    def forward(self, x, weight):
        if weight.ndim > 1:
            raise ShapeError(
                f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
            )
        channels = x.shape[1] if x.ndim >= 2 else 1
        if weight.size not in (1, channels):
            raise ShapeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.size} and channel size = {channels}."
            )
        # the slopes as a column along dim 1 (one number when shared by every channel)
        self.w = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if weight.size > 1 else weight.reshape(())
        self.x, self.positive = x, x > 0
        return np.where(self.positive, x, self.w * x)

    def backward(self, g):
        grad_x = np.where(self.positive, g, self.w * g) if self.needs_grad(0) else None
        grad_w = None
        if self.needs_grad(1):
            per_element = np.where(self.positive, 0, self.x * g)
            weight_shape = self.inputs[1].shape
            if self.w.ndim:  # one slope per channel: sum over every axis but dim 1
                grad_w = per_element.sum(axis=(0, *range(2, g.ndim))).reshape(weight_shape)
            else:
                grad_w = per_element.sum().reshape(weight_shape)
        return grad_x, grad_w


class RandomSlope(Function):
    """RReLU while training: y = x for x > 0, else r·x with r ~ U[lower, upper] drawn per element;
    ∂y/∂x = 1 or r."""

    promote = staticmethod(float_input)
    saved_inputs = ()

    def __init__(self, lower: float, upper: float, rng: np.random.Generator) -> None:
        self.lower, self.upper, self.rng = lower, upper, rng

    def forward(self, x):
        slopes = self.rng.uniform(self.lower, self.upper, x.shape).astype(x.dtype, copy=False)
        self.slope = np.where(x > 0, np.ones((), dtype=x.dtype), slopes)
        return x * self.slope

    def backward(self, g):
        return (g * self.slope,)


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


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise."""
    return _apply(ELU(alpha), input, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Any, inplace: bool = False) -> Tensor:
    """Self-normalising ELU: s·x for x > 0, s·α(eˣ − 1) otherwise (s ≈ 1.0507, α ≈ 1.6733)."""
    return _apply(ELU(SELU_ALPHA, SELU_SCALE), input, inplace)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: x for x > 0, α(e^(x/α) − 1) otherwise."""
    if alpha == 0:
        raise ValueRangeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _apply(ELU(alpha, 1.0, 1 / alpha), input, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]."""
    return _apply(Hardtanh(min_val, max_val), input, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """The piecewise-linear sigmoid min(max(x/6 + ½, 0), 1)."""
    return _apply(Hardsigmoid(), input, inplace)


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """x·hardsigmoid(x)·(the MobileNetV3 swish)."""
    return _apply(Hardswish(), input, inplace)


def logsigmoid(input: Any) -> Tensor:
    """log σ(x), computed without forming σ(x)."""
    return LogSigmoid()(input)


def softsign(input: Any) -> Tensor:
    """x/(1 + |x|)."""
    return Softsign()(input)


def tanhshrink(input: Any) -> Tensor:
    """x − tanh x."""
    return Tanhshrink()(input)


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x moved λ towards 0, and 0 within [−λ, λ]."""
    return Softshrink(lambd)(input)


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x, zeroed within [−λ, λ]."""
    return Hardshrink(lambd)(input)


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _apply(Threshold(threshold, value), input, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _apply(Threshold(threshold, value), input, True)


def glu(input: Any, dim: int = -1) -> Tensor:
    """Gated linear unit: the first half of `dim` times σ of the second half."""
    return GLU(dim)(input)


def prelu(input: Any, weight: Any) -> Tensor:
    """Leaky ReLU with learned slopes `weight`, one per channel (dim 1) or one for all."""
    return PReLU()(input, weight)


def rrelu(
    input: Any,
    lower: float = 1 / 8,
    upper: float = 1 / 3,
    training: bool = False,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Randomized leaky ReLU: while training each negative element gets a slope drawn from
    U[lower, upper] (from `seed`, or the library's generator); otherwise the mean slope (lower + upper)/2."""
    if lower > upper:
        raise ValueRangeError(
            f"Lower bound should be less than or equal to the upper bound, got {lower} > {upper}"
        )
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    return _apply(RandomSlope(lower, upper, backend.as_generator(seed)), input, inplace)


def rrelu_(
    input: Tensor,
    lower: float = 1 / 8,
    upper: float = 1 / 3,
    training: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True, seed=seed)


def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(−x) along `dim` (cast to `dtype` first when given)."""
    if dtype is not None:
        input = cast(input, dtype)
    if dim is None:
        dim = implicit_softmax_dim("softmin", np.ndim(input.data if isinstance(input, Tensor) else input))
    return softmax(neg(input), dim=dim)


# ----- F.relu_, F.leaky_relu_, gumbel_softmax (activations_more), exported through this file -------------
from . import activations_more  # noqa: E402
from .activations_more import gumbel_softmax, leaky_relu_, relu_  # noqa: E402, F401

__all__ += activations_more.__all__
