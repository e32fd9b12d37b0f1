"""The regularised incomplete gamma functions, torch.igamma and torch.igammac (torch.special's
gammainc and gammaincc):

    P(a, x) = γ(a, x)/Γ(a) = (1/Γ(a)) ∫₀ˣ tᵃ⁻¹e⁻ᵗ dt,   Q(a, x) = 1 − P(a, x),

the cdf of Gamma(a, 1) and its complement. The values are SciPy's (gammainc, gammaincc) when SciPy is
installed, else the series and continued fraction of special_gamma.py; ∂P/∂x = xᵃ⁻¹e⁻ˣ/Γ(a).
As in PyTorch, there is no derivative with respect to a (it raises NotImplementedError).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import special, special_gamma
from .dtypes import promote_arrays
from .ops_matrix import compute_in_place
from .pointwise import Binary, ieee, refuse
from .tensor import Tensor

__all__ = ["igamma", "igammac"]

TENSOR_METHODS = ("igamma", "igamma_", "igammac", "igammac_")


def _q(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    scipy_special = special.scipy_special()
    if scipy_special is not None:
        return scipy_special.gammaincc(a, x)
    return 1 - special_gamma.regularized_gamma_p(a, x)


class Igamma(Binary):
    """z = P(a, x) (or Q(a, x) = 1 − P with upper);   ∂z/∂x = ±xᵃ⁻¹e⁻ˣ/Γ(a), ∂z/∂a not implemented."""

    holomorphic = False
    symbol = "igamma"

    def __init__(self, upper: bool) -> None:
        self.upper = upper

    @staticmethod
    def promote(arrays: list[Any]) -> list[Any]:
        a, x = (np.asarray(v) for v in promote_arrays(arrays))
        if a.dtype.kind != "f":
            raise refuse("igamma_cpu", {"i": "Long", "b": "Bool", "u": "Byte"}.get(a.dtype.kind, a.dtype))
        return [a, x]

    @ieee
    def forward(self, a, x):
        self.a, self.x = a, x
        return np.asarray((_q if self.upper else special_gamma.regularized_gamma_p)(a, x)).astype(a.dtype)

    @ieee
    def backward(self, g):
        if self.needs_grad(0):
            name = "igammac" if self.upper else "igamma"
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        a, x = self.a, self.x
        density = np.exp((a - 1) * np.log(x) - x - special_gamma.gammaln(a))
        return self.to_inputs(None, (-g if self.upper else g) * density.astype(g.dtype))


def _tensor_operand(name: str, other: Any) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def igamma(input: Any, other: Any) -> Tensor:
    """P(input, other): the regularised lower incomplete gamma function (module doc)."""
    _tensor_operand("igamma", other)
    return Igamma(False)(input, other)


def igammac(input: Any, other: Any) -> Tensor:
    """Q(input, other) = 1 − P(input, other): the regularised upper incomplete gamma function."""
    _tensor_operand("igammac", other)
    return Igamma(True)(input, other)


def igamma_(self: Tensor, other: Any) -> Tensor:
    """igamma written into self."""
    return compute_in_place(self, lambda x: igamma(x, other))


def igammac_(self: Tensor, other: Any) -> Tensor:
    """igammac written into self."""
    return compute_in_place(self, lambda x: igammac(x, other))
