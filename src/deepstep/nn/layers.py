"""Layers: the affine map, the perceptron's step, the dropouts, flatten and unflatten, and the
distance modules (activations are in activation.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd.ops_shape import flatten, unflatten
from ..autograd.tensor import Tensor
from ..checks import positive_int
from . import init
from .module import Module, Parameter

__all__ = [
    "AlphaDropout",
    "Bilinear",
    "CosineSimilarity",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "FeatureAlphaDropout",
    "Flatten",
    "Identity",
    "Linear",
    "PairwiseDistance",
    "Step",
    "Unflatten",
]


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


class Identity(Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: Any) -> Any:
        return x


class _Dropout(Module):
    """What the dropout modules share: p, PyTorch's inplace flag, and a generator when seeded."""

    def __init__(self, p: float = 0.5, inplace: bool = False, seed: int | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_Dropout):
    """Inverted dropout while training (each unit kept with probability 1 − p, scaled by 1/(1 − p))."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace, seed=self._rng)


class Dropout1d(_Dropout):
    """Channel-wise dropout of (N, C, L) or (C, L) input."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout1d(x, self.p, self.training, self.inplace, seed=self._rng)


class Dropout2d(_Dropout):
    """Channel-wise dropout of (N, C, H, W) input."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace, seed=self._rng)


class Dropout3d(_Dropout):
    """Channel-wise dropout of (N, C, D, H, W) or (C, D, H, W) input."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout3d(x, self.p, self.training, self.inplace, seed=self._rng)


class AlphaDropout(_Dropout):
    """Dropout that keeps a SELU network's activations at mean 0 and variance 1."""

    def forward(self, x: Any) -> Tensor:
        return F.alpha_dropout(x, self.p, self.training, self.inplace, seed=self._rng)


class FeatureAlphaDropout(_Dropout):
    """Alpha dropout of whole channels."""

    def forward(self, x: Any) -> Tensor:
        return F.feature_alpha_dropout(x, self.p, self.training, self.inplace, seed=self._rng)


class Flatten(Module):
    """Merge dimensions start_dim … end_dim (by default all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Tensor:
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size` (one entry may be −1), the inverse of Flatten."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        if not isinstance(unflattened_size, (tuple, list)) or not all(
            isinstance(n, (int, np.integer)) for n in unflattened_size
        ):
            raise TypeError(
                f"unflattened_size must be a tuple of ints, but found type {type(unflattened_size).__name__}"
            )
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, x: Any) -> Tensor:
        return unflatten(x, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class CosineSimilarity(Module):
    """cos(x₁, x₂) along `dim` (see functional.cosine_similarity)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        self.dim, self.eps = dim, eps

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x₁ − x₂ + ε‖_p along the last dimension (see functional.pairwise_distance)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class Bilinear(Module):
    """y = x₁ᵀ·A·x₂ + b for each output: weight A (out_features, in1_features, in2_features) and bias
    (out_features,), both initialised from U[−1/√in1, 1/√in1] as in PyTorch (same names in the
    state_dict)."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.in1_features = positive_int("Bilinear", "in1_features", in1_features)
        self.in2_features = positive_int("Bilinear", "in2_features", in2_features)
        self.out_features = positive_int("Bilinear", "out_features", out_features)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        shape = (self.out_features, self.in1_features, self.in2_features)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters(seed)

    def reset_parameters(self, seed: int | np.random.Generator | None = None) -> None:
        rng = backend.as_generator(seed)
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound, seed=rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, seed=rng)

    def forward(self, input1: Any, input2: Any) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
