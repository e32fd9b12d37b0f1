"""PyTorch's top-level spellings of Tensor methods: the in-place functions (`torch.exp_(t)` is
`t.exp_()`) and the `*_copy` functions (`torch.transpose_copy(t, 0, 1)` is `t.transpose(0, 1)` written
into fresh row-major memory). Each family is one list of names and one factory, so a new name is one
word added to a list, and every function behaves exactly as the method it spells (formula, gradient,
dtype rules, and the error on a leaf that requires grad).

A copy z = copy(view(a)) is differentiable as the view is: ∂L/∂a = view*(∂L/∂z), the view's adjoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DimError, ValueRangeError
from .creation import Copy
from .function import Function
from .grad_mode import is_grad_enabled
from .ops_identity import view_as_complex, view_as_real
from .pointwise import named
from .tensor import Tensor

# torch.f_(t, *args) ≡ t.f_(*args): PyTorch's in-place functions that deepstep's Tensor has as methods
INPLACE_FUNCTIONS = (
    *("abs_", "acos_", "acosh_", "asin_", "asinh_", "atan_", "atanh_"),
    *("arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_"),
    *("ceil_", "clamp_", "clamp_min_", "clamp_max_", "clip_", "cos_", "cosh_", "deg2rad_", "rad2deg_"),
    *("erf_", "erfc_", "exp_", "exp2_", "expm1_", "fix_", "floor_", "frac_", "gcd_", "lcm_", "ldexp_"),
    *("log_", "log10_", "log1p_", "log2_", "logit_", "nan_to_num_", "neg_", "negative_", "reciprocal_"),
    *("round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_"),
    *("trunc_", "xlogy_", "i0_", "zero_", "fill_", "addmv_", "detach", "detach_", "conj_physical_"),
)

# the view that is a function only (PyTorch has no Tensor.view_as_real either)
_VIEW_FUNCTIONS = {"view_as_real": view_as_real}

# torch.v_copy(t, *args) ≡ t.v(*args) copied: the view ops that deepstep's Tensor has as methods
VIEW_COPIES = (
    *("view", "transpose", "permute", "t", "squeeze", "unsqueeze", "select", "split", "split_with_sizes"),
    *("unbind", "diagonal", "unfold", "narrow", "view_as_real"),
)

__all__ = [
    *INPLACE_FUNCTIONS,
    *(name + "_copy" for name in VIEW_COPIES),
    "alias_copy",
    "detach_copy",
    "expand_copy",
    "fill",
    "slice_copy",
    "view_as_complex_copy",
]


def _check_tensor(name: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _method_as_function(name: str) -> Callable[..., Any]:
    """torch.name(input, *args, **kwargs): the Tensor method `name` called on input."""

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        _check_tensor(name, input)
        return getattr(Tensor, name)(input, *args, **kwargs)

    return named(function, name, f"torch.{name}(input, …) ≡ input.{name}(…).")


def _fresh(view: Any) -> Any:
    """A view (or a tuple of views) copied into row-major memory of its own (PyTorch's *_copy results
    are contiguous whatever the input's layout); the copy passes gradients through unchanged."""
    if isinstance(view, tuple):
        return tuple(Copy("C")(v) for v in view)
    return Copy("C")(view)


def _view_copy(view: str) -> Callable[..., Any]:
    """torch.{view}_copy(input, *args): input.{view}(*args) in memory of its own."""
    name = view + "_copy"

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        _check_tensor(name, input)
        method = _VIEW_FUNCTIONS.get(view) or getattr(Tensor, view)
        return _fresh(method(input, *args, **kwargs))

    doc = f"torch.{name}(input, …) ≡ input.{view}(…) copied into fresh memory (differentiable as the view)."
    return named(function, name, doc)


globals().update({name: _method_as_function(name) for name in INPLACE_FUNCTIONS})
globals().update({view + "_copy": _view_copy(view) for view in VIEW_COPIES})


def expand_copy(input: Tensor, size: Any, *, implicit: bool = False) -> Tensor:
    """input.expand(size) materialised: z[i, j…] = a[broadcast index];   ∂L/∂a = ∂L/∂z summed over the
    copies (`implicit` is PyTorch's tracing flag and changes nothing)."""
    _check_tensor("expand_copy", input)
    return _fresh(input.expand(*size) if isinstance(size, (tuple, list)) else input.expand(size))


def alias_copy(input: Tensor) -> Tensor:
    """z = a copy of input in fresh row-major memory;   ∂L/∂a = ∂L/∂z."""
    _check_tensor("alias_copy", input)
    return _fresh(input)


def slice_copy(
    input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
) -> Tensor:
    """input[..., start:end:step, ...] along dim (PyTorch's aten::slice) in fresh memory; the gradient
    scatters back into the sliced positions. Out-of-range bounds are clamped, as Python's slices are."""
    _check_tensor("slice_copy", input)
    if step <= 0:
        raise ValueRangeError(f"slice step must be positive, got {step}")
    dim = _dim(dim, input.ndim)
    return _fresh(input[(slice(None),) * dim + (slice(start, end, step),)])


def _dim(dim: int, ndim: int) -> int:
    """dim in [0, ndim), counting a negative dim from the end (PyTorch's IndexError otherwise)."""
    if not -ndim <= dim < ndim:
        raise DimError(
            f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
        )
    return dim % ndim


class NoDerivative(Function):
    """z = a value computed from a by an op PyTorch 2.13 gives no derivative (aten::detach_copy,
    aten::native_channel_shuffle): as there, z requires grad when a does, and a backward through it
    raises RuntimeError naming the op."""

    saved_inputs = ()

    def __init__(self, op: str, value: np.ndarray) -> None:
        self.op, self.value = op, value

    def forward(self, a):
        return self.value

    def backward(self, g):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


def detach_copy(input: Tensor) -> Tensor:
    """A copy of input in fresh memory. As in PyTorch, it is not detached: it requires grad when input
    does, and backward through it raises RuntimeError (PyTorch has no derivative for detach_copy)."""
    _check_tensor("detach_copy", input)
    return NoDerivative("detach_copy", input.data.copy(order="C"))(input)


def view_as_complex_copy(input: Tensor) -> Tensor:
    """view_as_complex(input) in fresh memory: (…, 2) real pairs → (…) complex. As in PyTorch, refused
    on an input that requires grad while grad mode is on (it has no complex-output derivative)."""
    _check_tensor("view_as_complex_copy", input)
    if input.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "view_as_complex_copy does not support automatic differentiation for outputs with complex dtype."
        )
    return _fresh(view_as_complex(input))


def fill(input: Tensor, value: Any) -> Tensor:
    """z = value everywhere, in input's shape and dtype (out of place);   ∂z/∂input = 0."""
    _check_tensor("fill", input)
    return input.clone().fill_(value)
