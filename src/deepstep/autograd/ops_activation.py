"""Activation functions of the notes, each stable for inputs as large as |x| = 1e4.

sigmoid σ'(x) = σ(1 − σ), tanh' = 1 − tanh², ReLU, leaky ReLU, softplus, and
softmax / log-softmax with the max subtracted first (the log-sum-exp trick).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._compiled import flat, kernels
from .dtypes import float_input
from .function import Function
from .tensor import Tensor

_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

__all__ = ["leaky_relu", "log_softmax", "relu", "sigmoid", "softmax", "softplus", "tanh"]

TENSOR_METHODS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax", "log_softmax")


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ), written with e^(−|x|) ≤ 1 so that nothing overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def stable_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """log softmax(x) = x − g' − ln Σ exp(x − g'), g' = max x: the one log-softmax every
    cross-entropy in deepstep goes through."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Sigmoid(Function):
    """σ(x) = 1/(1 + e⁻ˣ);   σ'(x) = σ(x)(1 − σ(x))."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.s = stable_sigmoid(x)
        return self.s

    def backward(self, g):
        return (g * self.s * (1 - self.s),)


class Tanh(Function):
    """tanh x;   tanh'(x) = 1 − tanh² x."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.t = np.tanh(x)
        return self.t

    def backward(self, g):
        return (g * (1 - self.t * self.t),)


class ReLU(Function):
    """ReLU(x) = max(0, x);   ReLU'(x) = 1 for x > 0, else 0."""

    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.z = np.maximum(x, 0)
        return self.z

    def backward(self, g):
        compiled = kernels()
        if (
            compiled is not None
            and g.dtype == self.z.dtype in _COMPILED_DTYPES
            and g.strides == self.z.strides
        ):
            out = np.empty_like(self.z)
            views = [flat(a) for a in (g, self.z, out)]
            if all(v is not None for v in views):  # one compiled pass instead of a compare and a multiply
                compiled.relu_backward(*views)
                return (out,)
        return (g * (self.z > 0),)


class LeakyReLU(Function):
    """x for x > 0, else αx;   derivative 1 or α."""

    saved_inputs = ()

    def __init__(self, negative_slope: float) -> None:
        self.slope = negative_slope

    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, self.slope * x)

    def backward(self, g):
        return (np.where(self.positive, g, self.slope * g),)


class Softplus(Function):
    """softplus(x) = (1/β) ln(1 + e^(βx)), = x where βx > threshold (as in PyTorch);  derivative σ(βx)."""

    promote = staticmethod(float_input)
    saved_inputs = ()

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        bx = self.beta * x
        self.linear = bx > self.threshold
        # max(βx, 0) + ln(1 + e^(−|βx|)) is ln(1 + e^(βx)) without overflow.
        smooth = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / self.beta
        self.s = stable_sigmoid(bx)
        return np.where(self.linear, x, smooth).astype(x.dtype, copy=False)

    def backward(self, g):
        return (np.where(self.linear, g, g * self.s),)


class Softmax(Function):
    """softmax(x)ᵢ = e^(xᵢ − g') / Σⱼ e^(xⱼ − g');   ∂L/∂x = s ⊙ (∂L/∂s − Σ ∂L/∂s ⊙ s)."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        self.s = np.exp(stable_log_softmax(x, self.axis))
        return self.s

    def backward(self, g):
        s = self.s
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """log softmax(x);   ∂L/∂x = ∂L/∂z − softmax(x) Σ ∂L/∂z."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        self.z = stable_log_softmax(x, self.axis)
        return self.z

    def backward(self, g):
        return (g - np.exp(self.z) * g.sum(axis=self.axis, keepdims=True),)


# ----- the public functions (also bound as Tensor methods) ---------------------------------
def sigmoid(x: Any) -> Tensor:
    return Sigmoid()(x)


def tanh(x: Any) -> Tensor:
    return Tanh()(x)


def relu(x: Any) -> Tensor:
    return ReLU()(x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU(negative_slope)(x)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus(beta, threshold)(x)


def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    return Softmax(dim if dim is not None else axis)(x)


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    return LogSoftmax(dim if dim is not None else axis)(x)
