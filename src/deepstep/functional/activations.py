"""Activation functions beyond the first ones: here the piecewise ones (the ELU family, the hard and
shrink variants, threshold, PReLU, RReLU), each one op with its derivative beside it, PyTorch's values
and gradients at the kinks included, and finite for inputs as large as |x| = 1e4. The smooth ones
(GELU, SiLU, Mish, GLU, …) are in activations_smooth, the in-place ReLUs and the Gumbel-softmax in
activations_more; this file exports them all.

Where PyTorch's function takes `inplace=True`, the same op writes its result into the input's
memory (`Function.inplace`), with PyTorch's checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd.dtypes import float_input, promote_arrays
from ..autograd.function import Function
from ..autograd.ops_activation import leaky_relu
from ..autograd.tensor import Tensor
from ..errors import ShapeError, ValueRangeError

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "prelu",
    "relu6",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "softshrink",
    "threshold",
    "threshold_",
]


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _apply(op: Function, x: Any, inplace: bool) -> Tensor:
    return op.inplace(x) if inplace else op(x)


class _FloatUnary(Function):
    """An elementwise function of floats (integer input gives the default float dtype)."""

    promote = staticmethod(float_input)


# ----- the ELU family ------------------------------------------------------------------------
class ELU(_FloatUnary):
    """y = s·x for x > 0, s·α(e^(c·x) − 1) for x ≤ 0;   y' = s, or s·α·c·e^(c·x).
    ELU: s = c = 1;  SELU: s, α the fixed constants;  CELU: s = 1, c = 1/α."""

    real_only = "elu"
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

    real_only = "hardtanh"

    def __init__(self, min_val: float, max_val: float) -> None:
        if min_val > max_val:
            raise ValueError(f"min_val cannot be greater than max_val, got {min_val} > {max_val}")
        self.lo, self.hi = min_val, max_val

    def forward(self, x):
        self.mask = ~((x <= self.lo) | (x >= self.hi))
        return np.clip(x, self.lo, self.hi).astype(x.dtype, copy=False)


class Hardsigmoid(_Masked, _FloatUnary):
    """hardsigmoid(x) = min(max(x/6 + ½, 0), 1);   derivative 1/6 for −3 < x < 3, else 0."""

    real_only = "hardsigmoid"
    slope = 1 / 6

    def forward(self, x):
        self.mask = (x > -3) & (x < 3)
        return np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)


class Hardswish(_FloatUnary):
    """hardswish(x) = x·min(max(x + 3, 0), 6)/6;   derivative 0 for x ≤ −3, x/3 + ½ between, 1 for x ≥ 3."""

    real_only = "hardswish"

    def forward(self, x):
        self.x = x
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        x = self.x
        return (g * np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1)).astype(x.dtype, copy=False),)


class Softshrink(_Masked, _FloatUnary):
    """softshrink(x) = x − λ·sign(x) for |x| > λ, else 0;   derivative 1 for |x| > λ, else 0."""

    real_only = "softshrink"

    def __init__(self, lambd: float) -> None:
        if lambd < 0:
            raise ValueRangeError(f"lambda must be in range [0, inf), but found to be {lambd}")
        self.lambd = lambd

    def forward(self, x):
        self.mask = ~((x >= -self.lambd) & (x <= self.lambd))
        return np.where(self.mask, x - self.lambd * np.sign(x), 0).astype(x.dtype, copy=False)


class Hardshrink(_Masked, _FloatUnary):
    """hardshrink(x) = x for |x| > λ, else 0;   derivative 1 for |x| > λ, else 0."""

    real_only = "hardshrink"

    def __init__(self, lambd: float) -> None:
        self.lambd = lambd

    def forward(self, x):
        self.mask = ~((x >= -self.lambd) & (x <= self.lambd))
        return np.where(self.mask, x, 0).astype(x.dtype, copy=False)


class Threshold(_Masked):
    """threshold(x) = x for x > θ, else v;   derivative 1 for x > θ, else 0 (integers stay integers)."""

    real_only = "threshold"

    def __init__(self, threshold: float, value: float) -> None:
        self.threshold, self.value = threshold, value

    def forward(self, x):
        self.mask = ~(x <= self.threshold)
        return np.where(self.mask, x, self.value).astype(x.dtype, copy=False)


# ----- learned or random slopes -------------------------------------------------------------
class PReLU(Function):
    """PReLU(x) = x for x > 0, else w_c·x, one slope per channel c (dim 1);
    ∂/∂x = 1 or w_c,   ∂L/∂w_c = Σ over everything but channel c of ∂L/∂y·x where x ≤ 0."""

    real_only = "prelu"
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

    real_only = "rrelu"
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


# ----- the smooth activations (activations_smooth); F.relu_, F.leaky_relu_, gumbel_softmax
# (activations_more): exported through this file ------------------------------------------------------
from . import activations_more, activations_smooth  # noqa: E402  (activations_smooth builds on _FloatUnary)
from .activations_more import gumbel_softmax, leaky_relu_, relu_  # noqa: E402, F401
from .activations_smooth import (  # noqa: E402, F401
    gelu,
    glu,
    logsigmoid,
    mish,
    silu,
    softmin,
    softsign,
    tanhshrink,
)

__all__ += activations_smooth.__all__ + activations_more.__all__
