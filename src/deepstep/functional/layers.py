"""Layers as functions: the affine map, dropout, and the perceptron's step."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import backend
from ..autograd.function import Function, refuse_complex
from ..autograd.ops_activation import relu_backward, relu_forward
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..onednn.products import product
from .linear_kernels import column_sums

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
    "linear",
    "linear_plus",
    "linear_relu",
    "step",
]


class Linear(Function):
    """y = x Wᵀ + b (the notes' W̃ṽ for a batch of row vectors);
    ∂L/∂x = G W,  ∂L/∂W = Gᵀ x,  ∂L/∂b = Σ_batch G.

    With relu=True, y = ReLU(x Wᵀ + b) in one op (what nn.Sequential runs for Linear then ReLU): the
    ReLU clips the fresh product in place, and G = ReLU'·∂L/∂y first (ops_activation's formulas); one
    op and two passes over the activations fewer than the two ops."""

    holomorphic = True
    first = 0  # the input x's place among the op's inputs (LinearPlus puts the residual before it)

    def __init__(self, relu: bool = False) -> None:
        self.relu = self.saves_output = relu
        if relu:  # the fused ReLU refuses complex operands as ReLU does
            self.real_only = "relu"

    def forward(self, x, weight, bias=None, residual=None):
        if weight.ndim != 2 or x.ndim == 0:
            raise ShapeError(
                f"linear: expected an input of at least 1 dimension and a weight of 2 (out, in), got "
                f"input of shape {x.shape} and weight of shape {weight.shape}"
            )
        if x.shape[-1] != weight.shape[1]:  # PyTorch's words, then which sizes disagree
            rows = math.prod(x.shape[:-1])
            raise ShapeError(
                f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                f"{weight.shape[1]}x{weight.shape[0]}): the input has {x.shape[-1]} features, the "
                f"weight of shape {weight.shape} expects {weight.shape[1]}"
            )
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ShapeError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        self.x, self.weight = x, weight
        # a batch of sequences (B, T, in) is one (B·T, in) matrix: one large product is about twice
        # as fast as NumPy's batched matmul over B small ones (0.27 against 0.55 ms for GPT's qkv)
        x2 = x.reshape(-1, x.shape[-1])
        if residual is not None:
            residual = residual.reshape(-1, weight.shape[0])
        # float32 on oneDNN, the bias (and the residual) added in the product
        y = product(x2, weight.T, bias, residual=residual)
        if self.relu:
            self.z = relu_forward(y, out=y)
        return y.reshape(*x.shape[:-1], weight.shape[0])

    def backward(self, g):
        x, weight, first = self.x, self.weight, self.first
        g2 = g.reshape(-1, g.shape[-1])
        if self.relu:
            g2 = relu_backward(g2, self.z)
        x2 = x.reshape(-1, x.shape[-1])
        grad_x = product(g2, weight).reshape(x.shape) if self.needs_grad(first) else None
        grad_w = product(g2.T, x2) if self.needs_grad(first + 1) else None
        if len(self.inputs) == first + 2:
            return grad_x, grad_w
        return grad_x, grad_w, column_sums(g2) if self.needs_grad(first + 2) else None


class LinearPlus(Linear):
    """z = r + (x Wᵀ + b): a residual connection's sum as one op with the affine map, made as the
    product is written (onednn.products: oneDNN's post-op), one pass over memory fewer than Add's;
    the same values as r + linear(x, W, b).   ∂L/∂r = ∂L/∂z, and Linear's gradients."""

    first = 1
    saved_inputs = (1, 2)  # x and W (as PyTorch's addmm; its add keeps nothing of r)

    def forward(self, residual, x, weight, bias=None):
        if residual.shape != (*x.shape[:-1], weight.shape[0]) or residual.dtype != x.dtype:
            raise ShapeError(
                f"linear_plus: the residual must have the output's shape and dtype "
                f"{(*x.shape[:-1], weight.shape[0])} {x.dtype}, got {residual.shape} {residual.dtype}"
            )
        return super().forward(x, weight, bias, residual=residual)

    def backward(self, g):
        return (g if self.needs_grad(0) else None, *super().backward(g))


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """The affine map y = x Wᵀ + b with W of shape (out_features, in_features), as torch's F.linear."""
    return Linear()(input, weight) if bias is None else Linear()(input, weight, bias)


def linear_plus(residual: Any, x: Any, weight: Any, bias: Any = None) -> Tensor:
    """residual + linear(x, W, b) as one op (a transformer block's x + proj(h)): the sum is made as the
    product is written. A residual whose shape or dtype is not the output's takes the two ops."""
    shapes = [getattr(t, "shape", None) for t in (residual, x, weight)]
    if (
        None in shapes
        or len(shapes[2]) != 2
        or shapes[0] != (*shapes[1][:-1], shapes[2][0])
        or (residual.dtype != x.dtype)
    ):
        return residual + linear(x, weight, bias)
    operands = (residual, x, weight) if bias is None else (residual, x, weight, bias)
    return LinearPlus()(*operands)


def linear_relu(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """relu(linear(x, W, b)) as one op, the ReLU done in place on the fresh product (what nn.Sequential
    runs for Linear followed by ReLU)."""
    return Linear(relu=True)(x, weight) if bias is None else Linear(relu=True)(x, weight, bias)


class Step(Function):
    """The perceptron's threshold: 1 where x ≥ 0, else 0;   its derivative is 0 almost everywhere."""

    def forward(self, x):
        return (x >= 0).astype(x.dtype if x.dtype.kind == "f" else backend.get_default_dtype())

    def backward(self, g):
        return (np.zeros_like(g),)


def step(x: Any) -> Tensor:
    """Heaviside step h(x) = 1[x ≥ 0] (no gradient flows through it, as the notes warn)."""
    return Step()(x)


class Dropout(Function):
    """Dropout and its relatives: z = x·m (+ b) for a random mask m drawn beforehand (and a shift b, for
    alpha dropout);   ∂z/∂x = m. Inverted dropout's m is 0 or 1/(1 − p); the channel-wise versions
    draw one m per (sample, channel) and broadcast it over the positions."""

    saved_inputs = ()

    def __init__(self, mask: np.ndarray, shift: np.ndarray | None = None) -> None:
        self.mask, self.shift = mask, shift

    def forward(self, x):
        z = x * self.mask
        if self.shift is not None:
            z += self.shift  # z is freshly made: adding in place saves a pass over memory
        return z

    def backward(self, g):
        return (g * self.mask,)


_ALPHA_PRIME = 1.7580993408473766  # −SELU's negative saturation: SELU(x) → −λα as x → −∞


def _dropout(
    x: Any,
    p: float,
    training: bool,
    inplace: bool,
    seed: int | np.random.Generator | None,
    noise_shape: Any = None,
    alpha: bool = False,
) -> Tensor:
    """The one body of every dropout: `noise_shape(shape)` gives the shape of the mask (the input's
    own for elementwise dropout, (N, C, 1, …) for channel-wise dropout)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if not training or p == 0 or data.size == 0:
        return x if isinstance(x, Tensor) else Tensor(data)
    dtype = data.dtype if data.dtype.kind == "f" else backend.get_default_dtype()
    shape = data.shape if noise_shape is None else noise_shape(data.shape)
    shift = None
    if p == 1:
        mask = np.zeros(shape, dtype=dtype)
    else:  # PyTorch draws the mask (bernoulli) in x's dtype, which it cannot do in a complex one
        refuse_complex("dropout", data)
        keep = backend.as_generator(seed).random(shape) >= p
        if alpha:  # keeps a SELU network's activations at mean 0 and variance 1
            a = 1 / math.sqrt((_ALPHA_PRIME**2 * p + 1) * (1 - p))
            mask = (keep * a).astype(dtype)
            shift = (_ALPHA_PRIME * a * (keep - 1 + p)).astype(dtype)
        else:
            mask = (keep / (1 - p)).astype(dtype)
    op = Dropout(mask, shift)
    return op.inplace(x) if inplace else op(x)


def _per_channel(shape: tuple[int, ...], batched: bool) -> tuple[int, ...]:
    """The mask shape of channel-wise dropout: (N, C, 1, …, 1) for a batch, (C, 1, …, 1) for one
    sample, so that each channel of each sample is kept or dropped whole."""
    lead = 2 if batched else 1
    if len(shape) < lead:
        raise ShapeError(f"Feature dropout requires at least 2 dimensions in the input, got shape {shape}")
    return shape[:lead] + (1,) * (len(shape) - lead)


def _ndim(x: Any) -> int:
    return x.ndim if isinstance(x, Tensor) else np.ndim(x)


def _warn_rank(name: str, ndim: int, expected: str) -> None:
    warnings.warn(
        f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an error in a "
        f"future release. To retain the behavior and silence this warning, please use dropout instead. Note "
        f"that {name} exists to provide channel-wise dropout on {expected} inputs.",
        stacklevel=3,
    )


def dropout(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p) (identity when not
    training); the mask comes from `seed` (an int or a Generator) or the library's generator."""
    return _dropout(input, p, training, inplace, seed)


def dropout1d(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Channel-wise dropout of (N, C, L) or (C, L) input: whole channels zeroed with probability p."""
    ndim = _ndim(input)
    if ndim not in (2, 3):
        raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input")
    return _dropout(input, p, training, inplace, seed, lambda shape: _per_channel(shape, ndim == 3))


def dropout2d(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Channel-wise dropout of (N, C, H, W) input. As in PyTorch, a 3-D input is taken as (N, C, L)
    (channel-wise 1-D dropout), with PyTorch's warning."""
    ndim = _ndim(input)
    if ndim not in (3, 4):
        _warn_rank("dropout2d", ndim, "(N, C, H, W)")
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, seed, lambda shape: _per_channel(shape, True))


def dropout3d(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Channel-wise dropout of (N, C, D, H, W) or (C, D, H, W) input."""
    ndim = _ndim(input)
    if ndim not in (4, 5):
        _warn_rank("dropout3d", ndim, "(N, C, D, H, W) or (C, D, H, W)")
    return _dropout(input, p, training, inplace, seed, lambda shape: _per_channel(shape, ndim == 5))


def alpha_dropout(
    input: Any,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Dropout for SELU networks: dropped elements are set to SELU's saturation −λα and the result
    is scaled and shifted (x·m·a + b) so that mean 0 and variance 1 are kept."""
    return _dropout(input, p, training, inplace, seed, alpha=True)


def feature_alpha_dropout(
    input: Any,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    seed: int | np.random.Generator | None = None,
) -> Tensor:
    """Alpha dropout of whole channels (one mask entry per sample and channel)."""
    return _dropout(input, p, training, inplace, seed, lambda shape: _per_channel(shape, True), alpha=True)
