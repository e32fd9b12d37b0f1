"""Activation functions of the notes, each stable for inputs as large as |x| = 1e4.

sigmoid σ'(x) = σ(1 − σ) and its inverse logit, tanh' = 1 − tanh², ReLU, leaky ReLU, softplus,
and softmax / log-softmax with the max subtracted first (the log-sum-exp trick). Integer input
gives the default float dtype (ReLU keeps integers); sigmoid_, tanh_, relu_, logit_ run in place.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import stable
from ..errors import DTypeError
from .activation_kernels import flat, kernels
from .dims import normalize_dim, pick_dim
from .dtypes import float_input, to_dtype
from .function import Function, refuse_complex
from .pointwise import ieee, public_pair, refuse
from .tensor import Tensor

_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

__all__ = ["leaky_relu", "log_softmax", "logit", "relu", "sigmoid", "softmax", "softplus", "tanh"]

TENSOR_METHODS = (
    *("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax", "log_softmax", "logit"),
    *("sigmoid_", "tanh_", "relu_", "logit_"),
)


class Sigmoid(Function):
    """σ(x) = 1/(1 + e⁻ˣ);   σ'(x) = σ(x)(1 − σ(x))."""

    holomorphic = True
    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.s = stable.sigmoid(x)
        return self.s

    def backward(self, g):
        return (g * self.s * (1 - self.s),)


class Tanh(Function):
    """tanh x;   tanh'(x) = 1 − tanh² x."""

    holomorphic = True
    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        self.t = np.tanh(x)
        return self.t

    def backward(self, g):
        return (g * (1 - self.t * self.t),)


def relu_forward(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """ReLU(x) = max(0, x) (into `out` when given: a fused op clips its fresh result in place)."""
    return np.maximum(x, 0, out=out)


def relu_backward(g: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ReLU'·g from the output z = ReLU(x): g where z > 0, else 0 (not z > 0: NaN passes its gradient, as
    in PyTorch). One compiled pass when g and z share a dense layout, instead of a compare and a select;
    g in another layout (NCHW from a Flatten onto NHWC activations, a view of a padded gradient) is
    first copied into z's (a select across two layouts ran 15× slower than the copy and the pass)."""
    compiled = kernels()
    same_kind = compiled is not None and g.dtype == z.dtype in _COMPILED_DTYPES and g.shape == z.shape
    if same_kind and (z_flat := flat(z)) is not None:  # z dense: so are g in its layout and out
        if g.strides != z.strides:
            g_in_layout = np.empty_like(z)
            np.copyto(g_in_layout, g)
            g = g_in_layout
        out = np.empty_like(z)
        compiled.relu_backward(flat(g), z_flat, flat(out))
        return out
    return np.where(z <= 0, 0, g)


class ReLU(Function):
    """ReLU(x) = max(0, x);   ReLU'(x) = 1 for x > 0, else 0."""

    real_only = "relu"
    saved_inputs = ()
    saves_output = True

    def forward(self, x):
        if x.dtype == bool:
            raise DTypeError("Boolean inputs not supported for relu")
        self.z = relu_forward(x)
        return self.z

    def backward(self, g):
        return (relu_backward(g, self.z),)


class LeakyReLU(Function):
    """x for x > 0, else αx;   derivative 1 or α."""

    real_only = "leaky_relu"
    saved_inputs = ()

    def __init__(self, negative_slope: float) -> None:
        self.slope = negative_slope

    def forward(self, x):
        if x.dtype.kind not in "fc":
            raise refuse("leaky_relu", x.dtype)
        self.positive = x > 0
        return np.where(self.positive, x, self.slope * x)

    def backward(self, g):
        return (np.where(self.positive, g, self.slope * g),)


class Softplus(Function):
    """softplus(x) = (1/β) ln(1 + e^(βx)), = x where βx > threshold (as in PyTorch);  derivative σ(βx)."""

    real_only = "softplus"
    promote = staticmethod(float_input)
    saved_inputs = ()

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        bx = self.beta * x
        self.linear = bx > self.threshold
        smooth = stable.softplus(bx) / self.beta
        self.s = stable.sigmoid(bx)
        return np.where(self.linear, x, smooth).astype(x.dtype, copy=False)

    def backward(self, g):
        return (np.where(self.linear, g, g * self.s),)


class Logit(Function):
    """logit(x) = ln(x/(1 − x)), the inverse of σ, with x first clamped to [ε, 1 − ε] when ε is given;
    logit'(x) = 1/(x(1 − x)), 0 where the clamp holds x (nan outside [0, 1] without ε), as PyTorch."""

    real_only = "logit"
    promote = staticmethod(float_input)

    def __init__(self, eps: float | None) -> None:
        self.eps = eps

    @ieee
    def forward(self, x):
        self.x = x
        if self.eps is not None:
            x = np.clip(x, self.eps, 1 - self.eps)
        return np.log(x / (1 - x))

    @ieee
    def backward(self, g):
        x = self.x
        lo, hi, outside = (0, 1, np.nan) if self.eps is None else (self.eps, 1 - self.eps, 0.0)
        # + 0.0 turns x(1 − x) = −0 (at x = −0) into +0: +inf there, as PyTorch gives
        return (np.where((x < lo) | (x > hi), outside, g / (x * (1 - x) + 0.0)),)


def implicit_softmax_dim(name: str, ndim: int, stacklevel: int = 3) -> int:
    """PyTorch's choice of dim when softmax, softmin or log_softmax is called without one (with its
    deprecation warning, pointed `stacklevel` frames up): 0 for 0-, 1- and 3-d input, else 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


class _AlongDim(Function):
    """Softmax and log-softmax along one dim (checked as PyTorch checks it; a 0-d tensor is its
    own only element); empty tensors give empty results."""

    promote = staticmethod(float_input)
    saved_inputs = ()
    saves_output = True
    op_name: str

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, x):
        self.axis = normalize_dim(self.dim, x.ndim) if x.ndim else None
        if x.size == 0:
            self.z = x.copy()
        else:  # complex refused here, not by real_only: PyTorch runs no kernel, so no check, when empty
            refuse_complex(self.op_name, x)
            self.z = self.along(x)
        return self.z

    def along(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Softmax(_AlongDim):
    """softmax(x)ᵢ = e^(xᵢ − g') / Σⱼ e^(xⱼ − g');   ∂L/∂x = s ⊙ (∂L/∂s − Σ ∂L/∂s ⊙ s)."""

    op_name = "softmax"

    def along(self, x):
        return stable.softmax(x, self.axis)

    def backward(self, g):
        s = self.z
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(_AlongDim):
    """log softmax(x);   ∂L/∂x = ∂L/∂z − softmax(x) Σ ∂L/∂z."""

    op_name = "log_softmax"

    def along(self, x):
        return stable.log_softmax(x, self.axis)

    def backward(self, g):
        return (g - np.exp(self.z) * g.sum(axis=self.axis, keepdims=True),)


def _softmax_input(name: str, input: Any, dim: Any, dtype: Any, axis: Any) -> tuple[Any, int]:
    """The input (cast to dtype first when given, as PyTorch) and the dim to work along."""
    if dtype is not None:
        dtype = to_dtype(dtype)
        if dtype.kind not in "fc":
            raise refuse(name, dtype)
        from .ops_shape import cast

        input = cast(input, dtype)
    dim = pick_dim(axis, dim)
    if dim is None:
        dim = implicit_softmax_dim(name, np.ndim(input.data if isinstance(input, Tensor) else input), 4)
    return input, dim


# ----- the public functions (also bound as Tensor methods) ---------------------------------
sigmoid, sigmoid_ = public_pair(Sigmoid, "sigmoid")
tanh, tanh_ = public_pair(Tanh, "tanh")


def relu(input: Any, inplace: bool = False) -> Tensor:
    """max(0, x) (F.relu's inplace=True writes into the input)."""
    return ReLU().inplace(input) if inplace else ReLU()(input)


def relu_(input: Tensor) -> Tensor:
    return ReLU().inplace(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope·x."""
    op = LeakyReLU(negative_slope)
    return op.inplace(input) if inplace else op(input)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus(beta, threshold)(input)


def softmax(input: Any, dim: int | None = None, dtype: Any = None, *, axis: int | None = None) -> Tensor:
    """e^(xᵢ) / Σⱼ e^(xⱼ) along `dim` (NumPy's `axis` too); the input is cast to `dtype` first when
    given; without a dim, PyTorch's implicit (deprecated) choice, with its warning."""
    input, dim = _softmax_input("softmax", input, dim, dtype, axis)
    return Softmax(dim)(input)


def log_softmax(input: Any, dim: int | None = None, dtype: Any = None, *, axis: int | None = None) -> Tensor:
    """ln softmax(x) along `dim`, computed stably (the log-sum-exp trick); options as softmax."""
    input, dim = _softmax_input("log_softmax", input, dim, dtype, axis)
    return LogSoftmax(dim)(input)


def logit(input: Any, eps: float | None = None) -> Tensor:
    """ln(x/(1 − x)), x clamped to [eps, 1 − eps] first when eps is given."""
    return Logit(eps)(input)


def logit_(input: Tensor, eps: float | None = None) -> Tensor:
    return Logit(eps).inplace(input)
