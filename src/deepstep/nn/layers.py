"""Layers: the affine map, activations, dropout, flatten."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd.ops_shape import flatten
from ..autograd.tensor import Tensor
from . import init
from .module import Module, Parameter

__all__ = [
    "Dropout",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
]


def positive_int(owner: str, name: str, value: Any) -> int:
    """A size argument must be a positive integer; a ValueError names the layer and the argument."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner} needs a positive integer {name}, got {value!r}")
    return int(value)


class Linear(Module):
    """h = W̃ṽ for a batch: y = x Wᵀ + b, W of shape (out_features, in_features).

    Initialised as PyTorch does (Kaiming-uniform with a = √5, i.e. U[−1/√in, 1/√in]);
    `init="he"` or `"xavier"` picks the normal He or uniform Xavier schemes of the notes.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str = "default",
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters(init, seed)

    def reset_parameters(
        self, scheme: str = "default", seed: int | np.random.Generator | None = None
    ) -> None:
        rng = backend.as_generator(seed)
        if scheme == "default":
            init.kaiming_uniform_(self.weight, a=math.sqrt(5), seed=rng)  # U[−1/√in, 1/√in]
        elif scheme == "he":
            init.kaiming_normal_(self.weight, nonlinearity="relu", seed=rng)
        elif scheme == "xavier":
            init.xavier_uniform_(self.weight, seed=rng)
        else:
            raise ValueError(f"init must be 'default', 'he' or 'xavier', got {scheme!r}")
        if self.bias is not None:
            if scheme == "default":
                bound = 1 / math.sqrt(self.in_features)
                init.uniform_(self.bias, -bound, bound, seed=rng)
            else:
                init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Step(Module):
    """The perceptron's threshold 1[x ≥ 0] (zero gradient: a network of steps cannot learn by backprop)."""

    def forward(self, x: Any) -> Tensor:
        return F.step(x)


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return F.softmax(x, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Identity(Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: Any) -> Any:
        return x


class Dropout(Module):
    """Inverted dropout while training (each unit kept with probability 1 − p, scaled by 1/(1 − p))."""

    def __init__(self, p: float = 0.5, seed: int | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must lie in [0, 1], got {p}")
        self.p = p
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training, seed=self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge dimensions start_dim … end_dim (by default all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Tensor:
        return flatten(x, self.start_dim, self.end_dim)
