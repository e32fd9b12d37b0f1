"""Normalisation within each sample: x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β, with μ and σ² taken over each
sample's last dims (layer normalisation), over groups of channels (group normalisation) or over each
channel's positions (instance normalisation); RMS normalisation divides by √(mean(x²) + ε) without
centring; local response normalisation divides by a power of the sum of squares over neighbouring
channels. Batch normalisation, which takes μ and σ² per channel over the batch, is in batchnorm.py
(exported through this file).

Each is one op with its backward written out (the notes' formula, checked in the tests against the
same computation built from autograd ops, against PyTorch and numerically). While training,
instance normalisation moves the running statistics toward the batch's: r ← (1 − m)r + m·stat (the
variance unbiased, as in PyTorch); with use_input_stats=False the running statistics are used instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.dtypes import float_type
from ..autograd.function import Function, refuse_complex
from ..autograd.tensor import Tensor, as_array
from ..errors import DTypeError, ShapeError, ValueRangeError
from .batchnorm import batch_norm
from .normalization_kernels import CHUNK, kernels, usable

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm", "rms_norm"]


# ----- normalisation within each sample: layer, group, instance and RMS normalisation -----------
class RowNorm(Function):
    """x̂ = (x − μ)/√(σ² + ε) with μ, σ² each row's mean and variance, x seen as (rows, n) (RMS
    normalisation, centred=False: x̂ = x/√(mean(x²) + ε)), then y = γ·x̂ + β;
    ∂L/∂x = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per row with ĝ = γ·∂L/∂y (no mean(ĝ) term when not
    centred), ∂L/∂γ = Σ ∂L/∂y·x̂ and ∂L/∂β = Σ ∂L/∂y over the positions that share them.

    γ and β act along the middle axis of x seen as (A, P, S): (rows, n, 1) for layer normalisation,
    (N, C, positions) for group and instance normalisation, whose rows are groups of channels. With
    numba, normalization_kernels does each step in one or two passes over memory: forward and backward
    of (32, 64, 128) float32 through layer normalisation take 2.2× less time than on this NumPy path
    (1.5× PyTorch's time; for RMS normalisation 0.5× PyTorch's), measured on 2 busy cores."""

    saved_inputs = (0, 1)  # x and γ: backward makes x̂ again from x, μ and σ (as PyTorch's does)

    def __init__(
        self, rows: int, n: int, affine_view: tuple[int, int, int], eps: float, centred: bool = True
    ):
        self.rows, self.n, self.affine_view, self.eps, self.centred = rows, n, affine_view, eps, centred

    def forward(self, x, weight, bias):
        self.compiled = kernels() if usable(x, *(p for p in (weight, bias) if p is not None)) else None
        if self.compiled is not None:
            x = np.ascontiguousarray(x)  # (a copy only for strided input, made once for both passes)
        self.x, self.weight, self.bias = x, weight, bias
        rows = x.reshape(self.rows, self.n)
        if self.compiled is not None and self.affine_view[2] == 1 and self._groups() == 1:
            # layer and RMS normalisation: moments and normalisation in one kernel, row by row (no
            # self.var: only instance_norm reads it, whose rows span several positions)
            y = np.empty_like(rows)
            self.mean, self.inv_std = np.empty((self.rows, 1), x.dtype), np.empty((self.rows, 1), x.dtype)
            gamma, beta = self._affine(x.dtype)
            self.compiled.normalise_rows(
                rows, self.centred, self.eps, gamma, beta, y, self.mean[:, 0], self.inv_std[:, 0]
            )
            return y.reshape(x.shape)
        if self.compiled is not None:
            mean, var = np.empty(self.rows), np.empty(self.rows)  # float64
            self.compiled.row_moments(rows, self.centred, mean, var)
            self.mean, self.var = mean[:, None].astype(x.dtype), var[:, None].astype(x.dtype)
        else:
            self.mean = np.einsum("rn->r", rows)[:, None] / max(self.n, 1) if self.centred else 0
            rows = rows - self.mean  # a fresh array: y is made in it
            self.var = np.einsum("rn,rn->r", rows, rows)[:, None] / max(self.n, 1)
        self.inv_std = (1 / np.sqrt(self.var + self.eps)).astype(x.dtype, copy=False)
        if self.compiled is not None:
            y = np.empty(self.affine_view, x.dtype)
            groups = self._groups()
            gamma, beta = self._affine(x.dtype)
            self.compiled.normalise(
                x.reshape(self.affine_view),
                self.mean.reshape(-1, groups),
                self.inv_std.reshape(-1, groups),
                gamma,
                beta,
                y,
            )
            return y.reshape(x.shape)
        y = np.multiply(rows, self.inv_std, out=rows)
        affine = y.reshape(self.affine_view)
        if weight is not None:
            affine *= weight.reshape(-1, 1)
        if bias is not None:
            affine += bias.reshape(-1, 1)
        return y.reshape(x.shape)

    def _groups(self) -> int:
        """G: the rows (groups of channels) in each of the A blocks."""
        return self.rows // self.affine_view[0] if self.affine_view[0] else 1

    def _affine(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """γ and β for the kernels (1 and 0 where absent)."""
        channels = self.affine_view[1]
        gamma = np.ones(channels, dtype) if self.weight is None else self.weight.reshape(-1)
        beta = np.zeros(channels, dtype) if self.bias is None else self.bias.reshape(-1)
        return gamma, beta

    def backward(self, g):
        need_x, need_w, need_b = self.needs_grad(0), self.needs_grad(1), self.needs_grad(2)
        if self.compiled is not None:
            grad_x, grad_w, grad_b = self._compiled_backward(g)
        else:
            grad_x, grad_w, grad_b = self._numpy_backward(g, need_x, need_w, need_b)
        return (
            grad_x.reshape(self.x.shape) if need_x else None,
            grad_w.astype(self.x.dtype, copy=False).reshape(self.weight.shape) if need_w else None,
            grad_b.astype(self.x.dtype, copy=False).reshape(self.bias.shape) if need_b else None,
        )

    def _compiled_backward(self, g):
        blocks, channels, inner = self.affine_view
        groups = self._groups()
        x = self.x.reshape(self.affine_view)
        chunk = max(1, CHUNK // max(channels * inner, 1))  # blocks a chunk
        partial_w = np.zeros((max(1, -(-blocks // chunk)), channels))
        partial_b = np.zeros_like(partial_w)
        grad_x = np.empty_like(x)
        gamma, _ = self._affine(x.dtype)
        if inner == 1 and groups == 1:  # layer and RMS normalisation: rows (R, n)
            self.compiled.normalise_rows_backward(
                np.ascontiguousarray(g.reshape(blocks, channels)),
                x.reshape(blocks, channels),
                self.mean.reshape(-1),
                self.inv_std.reshape(-1),
                gamma,
                self.centred,
                chunk,
                grad_x.reshape(blocks, channels),
                partial_w,
                partial_b,
            )
            return grad_x, partial_w.sum(axis=0), partial_b.sum(axis=0)
        self.compiled.normalise_backward(
            np.ascontiguousarray(g.reshape(self.affine_view)),
            x,
            self.mean.reshape(-1, groups),
            self.inv_std.reshape(-1, groups),
            gamma,
            self.centred,
            chunk,
            grad_x,
            partial_w,
            partial_b,
        )
        return grad_x, partial_w.sum(axis=0), partial_b.sum(axis=0)  # (the chunks' sums, in order)

    def _numpy_backward(self, g, need_x, need_w, need_b):
        rows = self.x.reshape(self.rows, self.n)
        x_hat = (rows - self.mean) * self.inv_std
        g = g.reshape(self.affine_view)
        grad_x = grad_w = grad_b = None
        if need_w:
            grad_w = np.einsum("aps,aps->p", g, x_hat.reshape(self.affine_view))
        if need_b:
            grad_b = np.einsum("aps->p", g)
        if need_x:
            if self.weight is not None:
                g = g * self.weight.reshape(-1, 1)
            g = g.reshape(x_hat.shape)
            # (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), each mean over the row
            grad_x = x_hat * (np.einsum("rn,rn->r", g, x_hat)[:, None] / -max(self.n, 1))
            grad_x += g
            if self.centred:
                grad_x -= np.einsum("rn->r", g)[:, None] / max(self.n, 1)
            grad_x *= self.inv_std
        return grad_x, grad_w, grad_b


def layer_norm(
    input: Any,
    normalized_shape: int | tuple[int, ...],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last dims (`normalized_shape`) of each sample; γ, β of that shape."""
    x, weight, bias = _float_tensor("layer_norm", input), _operand(weight), _operand(bias)
    shape = _trailing_shape("layer_norm", x, normalized_shape)
    _check_params("layer_norm", x, shape, weight, bias, "of same shape as normalized_shape", exact_dtype=True)
    n = math.prod(shape)
    rows = math.prod(x.shape[: x.ndim - len(shape)])
    return RowNorm(rows, n, (rows, n, 1), eps)(x, weight, bias)


def rms_norm(
    input: Any, normalized_shape: int | tuple[int, ...], weight: Any = None, eps: float | None = None
) -> Tensor:
    """x/√(mean(x²) + ε)·γ over the last dims (`normalized_shape`); ε = None is the dtype's machine
    epsilon, as in PyTorch. The result has the input's dtype whatever γ's."""
    x, weight = _float_tensor("rms_norm", input, complex_ok=True), _operand(weight)
    shape = _trailing_shape("rms_norm", x, normalized_shape)
    _check_params("rms_norm", x, shape, weight, None, "of same shape as normalized_shape", exact_dtype=False)
    eps = float(np.finfo(x.dtype).eps) if eps is None else eps
    if x.dtype.kind == "c":  # PyTorch's composite formula, holomorphic: x² there is x·x, not |x|²
        dims = tuple(range(x.ndim - len(shape), x.ndim))
        z = x * ((x * x).mean(dim=dims, keepdim=True) + eps).rsqrt()
        return z if weight is None else (z * weight).astype(x.dtype)
    if weight is not None and weight.dtype != x.dtype:
        weight = weight.astype(x.dtype)  # (a Tensor's astype is differentiable)
    n = math.prod(shape)
    rows = math.prod(x.shape[: x.ndim - len(shape)])
    return RowNorm(rows, n, (rows, n, 1), eps, centred=False)(x, weight, None)


def group_norm(
    input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each sample over groups of C/num_groups channels (and their positions); γ, β per channel."""
    x, weight, bias = _float_tensor("group_norm", input), _operand(weight), _operand(bias)
    if x.ndim < 2:
        raise ShapeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    batch, channels = x.shape[:2]
    if channels % num_groups:
        raise ShapeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(x.shape)} and num_groups={num_groups}"
        )
    _check_params(
        "group_norm", x, (channels,), weight, bias, "a vector of size equal to the number of channels"
    )
    positions = math.prod(x.shape[2:])
    rows = batch * num_groups
    return RowNorm(rows, channels // num_groups * positions, (batch, channels, positions), eps)(
        x, weight, bias
    )


def instance_norm(
    input: Any,
    running_mean: Any = None,
    running_var: Any = None,
    weight: Any = None,
    bias: Any = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its positions; γ, β per channel. The running
    statistics (arrays, updated in place) move toward the batch's average of the instances' ones;
    with use_input_stats=False they are used instead."""
    x, weight, bias = _float_tensor("instance_norm", input), _operand(weight), _operand(bias)
    if x.ndim < 2:
        raise ShapeError(f"instance_norm expects (N, C, ...) input, got shape {x.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    batch, channels = x.shape[:2]
    _check_params(
        "instance_norm", x, (channels,), weight, bias, "a vector of size equal to the number of channels"
    )
    if running_mean is not None:
        running_mean, running_var = as_array(running_mean), as_array(running_var)
        for name, array in (("running_mean", running_mean), ("running_var", running_var)):
            if array.shape != (channels,):
                raise ShapeError(f"{name} should contain {channels} elements, not shape {array.shape}")
    if not use_input_stats:
        if running_mean is None:
            raise ValueRangeError(
                "Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        return batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)
    positions = math.prod(x.shape[2:])
    if positions <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {x.shape}")
    fn = RowNorm(batch * channels, positions, (batch, channels, positions), eps)
    out = fn(x, weight, bias)
    if running_mean is not None and batch:
        # each channel's statistic: the instances' average (the variance unbiased, as in PyTorch)
        running_mean *= 1 - momentum
        running_mean += momentum * fn.mean.reshape(batch, channels).mean(0)
        running_var *= 1 - momentum
        running_var += momentum * fn.var.reshape(batch, channels).mean(0) * positions / (positions - 1)
    return out


def _float_tensor(op: str, input: Any, complex_ok: bool = False) -> Tensor:
    x = input if isinstance(input, Tensor) else Tensor(as_array(input))
    if not complex_ok:
        refuse_complex(op, x)  # PyTorch's kernels have none: its NotImplementedError
    if x.dtype.kind not in ("fc" if complex_ok else "f"):
        raise DTypeError(f"{op} is defined for floating-point input, got dtype {x.dtype}")
    return x


def _trailing_shape(op: str, x: Tensor, normalized_shape: int | tuple[int, ...]) -> tuple[int, ...]:
    """normalized_shape as a tuple, checked to be the input's last dims."""
    shape = (
        (int(normalized_shape),)
        if np.ndim(normalized_shape) == 0
        else tuple(int(n) for n in normalized_shape)
    )
    if not shape:
        raise ShapeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
            f"element, but got normalized_shape = {list(shape)}"
        )
    if len(shape) > x.ndim or x.shape[x.ndim - len(shape) :] != shape:
        raise ShapeError(
            f"{op}: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.shape)}"
        )
    return shape


def _check_params(
    op: str,
    x: Tensor,
    shape: tuple[int, ...],
    weight: Any,
    bias: Any,
    expected: str,
    exact_dtype: bool = True,
) -> None:
    """γ and β (where given) must have `shape` and, as PyTorch's kernels ask, the input's dtype."""
    for name, value in (("weight", weight), ("bias", bias)):
        if value is None:
            continue
        value_shape = tuple(value.shape)  # (a Tensor's or an array's: np.shape would go through the protocol)
        if value_shape != shape:
            raise ShapeError(
                f"{op}: expected {name} to be {expected}, got {name} of shape {list(value_shape)} "
                f"for input of shape {list(x.shape)} (expected {list(shape)})"
            )
        if exact_dtype and np.dtype(value.dtype) != x.dtype:
            raise DTypeError(f"{op}: mixed dtypes, {name} is {value.dtype} but the input is {x.dtype}")


def _operand(value: Any) -> Any:
    """γ or β as the op takes it: a Tensor stays a Tensor (it may want a gradient), data becomes an array."""
    return value if value is None or isinstance(value, Tensor) else as_array(value)


# ----- local response normalisation (across neighbouring channels) ------------------------------
class LocalResponseNorm(Function):
    """y_c = x_c·d_c^(−β) with d_c = k + (α/n)·Σ_{c' ∈ W(c)} x_c'², W(c) = [c − ⌊n/2⌋, c + ⌊(n−1)/2⌋];
    ∂L/∂x_j = g_j·d_j^(−β) − (2αβ/n)·x_j·Σ_{c : j ∈ W(c)} g_c·x_c·d_c^(−β−1)."""

    real_only = "local_response_norm"

    def __init__(self, size: int, alpha: float, beta: float, k: float):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        n = self.size
        self.x = x
        self.d = _channel_window_sum(x * x, n // 2, (n - 1) // 2)
        self.d *= self.alpha / n
        self.d += self.k
        self.scale = self.d**-self.beta
        return x * self.scale

    def backward(self, g):
        n = self.size
        t = g * self.x
        t *= self.scale
        t /= self.d  # g_c·x_c·d_c^(−β−1)
        # c ∈ [j − ⌊(n−1)/2⌋, j + ⌊n/2⌋] is the mirror image of the window W(j)
        grad = _channel_window_sum(t, (n - 1) // 2, n // 2)
        grad *= self.x * (-2 * self.alpha * self.beta / n)
        grad += g * self.scale
        return (grad,)


def _channel_window_sum(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """s_c = Σ a_c' over c' = c − before … c + after along axis 1, zero beyond the ends: one shifted
    slice per offset (a cumulative sum would take fewer passes but lose digits to cancellation)."""
    out = a.copy()
    channels = a.shape[1]
    for offset in range(1, min(after, channels - 1) + 1):
        out[:, : channels - offset] += a[:, offset:]
    for offset in range(1, min(before, channels - 1) + 1):
        out[:, offset:] += a[:, : channels - offset]
    return out


def local_response_norm(
    input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """x_c / (k + (α/n)·Σ x_c'²)^β over the `size` channels around c, for (N, C, ...) input."""
    x = input if isinstance(input, Tensor) else Tensor(as_array(input))
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if x.dtype.kind != "f":
        x = x.astype(float_type(x.dtype))
    return LocalResponseNorm(size, alpha, beta, k)(x)
