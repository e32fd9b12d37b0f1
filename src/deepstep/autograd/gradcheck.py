"""Numerical gradients and the gradient check of the notes.

The central difference (f(x + h) − f(x − h)) / 2h has an error of order h², so in
float64 with h = 1e-6 it agrees with a correct analytic gradient to about 1e-8:
any larger gap means the backward is wrong.

Complex inputs are checked as PyTorch's gradcheck does: the gradient of a real loss L with respect
to z is ∂L/∂Re z + i·∂L/∂Im z, and each of the two parts is its own central difference. A complex
output y is read through the real loss Re Σ w̄·y (Σ wᵣ·Re y + wᵢ·Im y), a random direction in both
parts at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import no_grad
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradient_pairs", "numerical_grad"]


class GradcheckError(ValueError):
    """Autograd and finite differences disagree."""


def _scalar(value: Any) -> float:
    data = value.data if isinstance(value, Tensor) else np.asarray(value)
    if data.size != 1:
        raise ValueError(f"the function must return one number here, got shape {data.shape}")
    return float(data.reshape(()))


def numerical_grad(fn: Callable[..., Any], x: Any, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences (f(x + h) − f(x − h)) / 2h, one element at a time, in float64;
    for a complex x (in complex128), ∂f/∂Re x + i·∂f/∂Im x, each part stepped on its own.

    `fn` takes a Tensor (or array) like `x` and returns a real scalar.
    """
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    # row-major copies, so that the flat views below are views (a Fortran-ordered or strided input
    # would make reshape(-1) a copy: the steps would never reach fn, and the gradient stay zero)
    point = np.array(data, dtype=np.complex128 if data.dtype.kind == "c" else np.float64, order="C")
    grad = np.zeros(point.shape, dtype=point.dtype)
    flat, flat_grad = point.reshape(-1), grad.reshape(-1)
    directions = (1, 1j) if point.dtype.kind == "c" else (1,)  # the real part, then the imaginary part
    with no_grad():
        for i in range(flat.size):
            original = flat[i]
            for direction in directions:
                flat[i] = original + eps * direction
                above = _scalar(fn(Tensor(point)))
                flat[i] = original - eps * direction
                below = _scalar(fn(Tensor(point)))
                flat[i] = original
                flat_grad[i] += direction * (above - below) / (2 * eps)
    return grad


def gradient_pairs(
    fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, seed: int = 0
) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """(input index, point, analytic gradient, numeric gradient) for each floating or complex input,
    in float64 or complex128.

    A non-scalar output y is reduced to L = Σ v ⊙ y with a fixed random v (Re Σ v̄ ⊙ y, v complex, for
    a complex y), so the whole vector–Jacobian product is compared (as PyTorch's fast gradcheck does).
    """
    points = []
    for x in inputs:
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        if data.dtype.kind in "fc":
            data = np.array(data, dtype=np.complex128 if data.dtype.kind == "c" else np.float64)
        points.append(data)
    differentiable = [i for i, p in enumerate(points) if p.dtype in (np.float64, np.complex128)]
    if not differentiable:
        raise ValueError("gradcheck needs at least one floating-point input")

    with no_grad():
        output = fn(*[Tensor(p) for p in points])
    if not isinstance(output, Tensor):
        raise TypeError(f"the function must return a Tensor, got {type(output).__name__}")
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal(output.shape)
    if output.dtype.kind == "c":
        weights = weights + 1j * rng.standard_normal(output.shape)

    def loss(*arrays: Any) -> Tensor:
        out = fn(*arrays)
        return (out * weights.conj()).real.sum() if out.dtype.kind == "c" else (out * weights).sum()

    leaves = [Tensor(p, requires_grad=(i in differentiable)) for i, p in enumerate(points)]
    loss(*leaves).backward()

    pairs = []
    for i in differentiable:
        analytic = leaves[i].grad.data if leaves[i].grad is not None else np.zeros_like(points[i])

        def along_input(xi: Tensor, i: int = i) -> Tensor:
            arrays = [Tensor(p) for p in points]
            arrays[i] = xi
            return loss(*arrays)

        pairs.append((i, points[i], analytic, numerical_grad(along_input, points[i], eps)))
    return pairs


def gradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
    fast_mode: bool = False,
    nondet_tol: float = 0.0,
) -> bool:
    """Check autograd's gradient of `fn(*inputs)` against central differences, in float64.

    Floating and complex inputs are differentiated (a complex one in both its parts, see the
    module doc); others (integer indices, say) pass through as they are. Returns True, or raises
    GradcheckError naming the input, the element, and the analytic and numeric values (returns
    False instead if raise_exception=False).
    PyTorch's form gradcheck(fn, (x, y)) works too: one tuple of inputs (or a list of tensors)
    stands for them all. fast_mode and nondet_tol are PyTorch's and change nothing here: every
    element is checked, and backward passes are deterministic.
    """
    if len(inputs) == 1 and _is_inputs_tuple(inputs[0]):
        inputs = tuple(inputs[0])
    for i, point, analytic, numeric in gradient_pairs(fn, *inputs, eps=eps, seed=seed):
        bad = ~np.isclose(analytic, numeric, rtol=rtol, atol=atol)
        if bad.any():
            index = tuple(int(k) for k in np.argwhere(bad)[0])
            message = (
                f"gradient of input {i} (shape {point.shape}) is wrong at index {index}: "
                f"analytic {analytic[index]:.6g}, numeric {numeric[index]:.6g} "
                f"({int(bad.sum())} of {bad.size} elements differ beyond atol={atol:g}, rtol={rtol:g})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _is_inputs_tuple(value: Any) -> bool:
    """Whether gradcheck's one positional input is PyTorch's tuple of inputs: a tuple, or a list
    of tensors or arrays (a list of numbers is one input)."""
    if isinstance(value, tuple):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, (Tensor, np.ndarray)) for v in value)
