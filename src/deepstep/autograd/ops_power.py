"""Powers z = aᵇ as PyTorch computes them, with the derivative beside them: integers stay integers
(for b < 0, 1/aᵇ truncated), a number exponent ½, −½, 2, 3, −1 or −2 is computed by the function it
stands for (√a, 1/√a, a², a³, 1/a, 1/a²), and float_power computes in float64. ops_elementwise, the
front of the elementwise family, exports pow and float_power; their in-place forms are in ops_inplace.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError
from .pointwise import Binary, data, ieee, operand_dtype, refuse
from .tensor import Tensor

__all__ = ["float_power", "pow"]

TENSOR_METHODS = ("float_power", "pow")


def integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """aᵇ on integers as PyTorch computes it: for b < 0, 1/aᵇ truncated (±1 where a = ±1, else 0)."""
    if not np.any(b < 0):
        return np.power(a, b)
    whole = np.power(a, np.maximum(b, 0))
    inverse = (a == 1) + (a == -1) * (1 - 2 * (b % 2))
    return np.where(b < 0, inverse, whole).astype(whole.dtype, copy=False)


# PyTorch computes a tensor to these number powers with the functions they stand for, which differ
# from pow at −0 and −inf (√−inf is nan where pow(−inf, ½) is inf): so does deepstep.
_NAMED_POWERS: dict[float, Any] = {
    0.5: np.sqrt,
    -0.5: lambda a: 1 / np.sqrt(a),
    2: np.square,
    3: lambda a: a * a * a,
    -1: np.reciprocal,
    -2: lambda a: 1 / (a * a),
}


def float_power_of(a: Any, b: Any) -> Any:
    """aᵇ on floats, as PyTorch computes it for a number exponent b."""
    named = None if isinstance(b, np.ndarray) or isinstance(a, (int, float)) else _NAMED_POWERS.get(b)
    return a**b if named is None else named(a)


class Pow(Binary):
    """z = aᵇ;   ∂z/∂a = b·aᵇ⁻¹ (0 where b = 0),  ∂z/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0)."""

    symbol = "**"
    saves_output = True

    @ieee
    def forward(self, a, b):
        dtype = operand_dtype(a, b)
        if dtype.kind == "b":
            raise refuse("pow", dtype)
        if dtype.kind in "iu":
            return integer_power(a, b)
        self.a, self.b = a, b
        self.z = float_power_of(a, b)
        return self.z

    @ieee
    def backward(self, g):
        a, b = self.a, self.b
        grad_a = grad_b = None
        if self.needs_grad(0):
            if np.ndim(b) == 0:
                grad_a = np.zeros_like(g) if b == 0 else g * (b * float_power_of(a, b - 1))
            else:
                grad_a = np.where(b == 0, 0.0, g * (b * a ** (b - 1)))
        if self.needs_grad(1):
            # a number base: ln a in double precision, kept a (weak) Python float, as PyTorch does
            log_a = np.log(a) if isinstance(a, np.ndarray) else float(np.log(np.float64(a)))
            grad_b = np.where((a == 0) & (b >= 0), 0.0, g * self.z * log_a)
        return self.to_inputs(grad_a, grad_b)


def _refuse_negative_integer_power(input: Any, exponent: Any) -> None:
    """An integer tensor to a negative number is refused (a tensor of negative exponents is not)."""
    if (
        isinstance(exponent, (int, np.integer))
        and exponent < 0
        and isinstance(input, Tensor)
        and input.dtype.kind in "biu"
    ):
        raise DTypeError("Integers to negative integer powers are not allowed.")


def pow(input: Any, exponent: Any) -> Tensor:
    """inputᵉˣᵖᵒⁿᵉⁿᵗ; either may be a number (torch.pow(2, t)); integers stay integers."""
    _refuse_negative_integer_power(input, exponent)
    return Pow()(input, exponent)


def float_power(input: Any, exponent: Any) -> Tensor:
    """inputᵉˣᵖᵒⁿᵉⁿᵗ computed in float64 (complex128 when either is complex), whatever the dtypes
    (PyTorch's float_power)."""
    from .ops_shape import cast

    dtype = np.complex128 if any(np.iscomplexobj(data(x)) for x in (input, exponent)) else np.float64
    operands = [cast(x, dtype) if isinstance(x, (Tensor, np.ndarray)) else x for x in (input, exponent)]
    return Pow()(*operands)
