"""torch.nn.utils.parametrizations: weight normalisation and spectral normalisation as
parametrizations (nn.utils.parametrize), recomputed each time the weight is read.

Weight norm (Salimans & Kingma):  w = g · v / ‖v‖, the norm over every dim but `dim` (over all of
them for dim=None), g and v learned: parametrizations.weight.original0 = g, original1 = v.

Spectral norm (Miyato et al.):  W_SN = W / σ(W), σ ≈ uᵀ W v from power iteration on W viewed as a
matrix (dim `dim` first, the others flattened): v ← Wᵀu / ‖Wᵀu‖, u ← W v / ‖W v‖. u and v are
buffers, refined by n_power_iterations steps each time the weight is read in training mode and
frozen in evaluation mode; σ's gradient is u vᵀ with u, v held constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import backend
from ... import functional as F
from ...autograd.dims import normalize_dim
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...errors import DimError
from ..module import Module
from . import parametrize

__all__ = ["spectral_norm", "weight_norm"]


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """‖v‖₂ over every dim but `dim`, kept as size-1 dims; over all of v (a 0-d tensor) for dim = −1,
    as torch.norm_except_dim (so −1 does not mean the last dim here)."""
    if dim == -1:
        return (v * v).sum().sqrt()
    dim = normalize_dim(dim, v.ndim)
    others = tuple(k for k in range(v.ndim) if k != dim)
    if not others:
        return v.abs()
    return (v * v).sum(dim=others, keepdim=True).sqrt()


def weight_norm_of(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """w = v · (g / ‖v‖), the norm of norm_except_dim (torch._weight_norm)."""
    return v * (g / norm_except_dim(v, dim))


class _WeightNorm(Module):
    """The parametrization w = g · v / ‖v‖ (forward(g, v)); right_inverse(w) = (‖w‖, w)."""

    def __init__(self, dim: int | None = 0) -> None:
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_norm_of(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split module.<name> into a magnitude g (parametrizations.<name>.original0, one per slice along
    dim, or one for dim=None) and a direction v (original1): w = g · v / ‖v‖. Returns the module."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _normalize(x: np.ndarray, eps: float) -> np.ndarray:
    """x / max(‖x‖, eps), F.normalize on an array."""
    return x / max(np.linalg.norm(x), eps)


class _SpectralNorm(Module):
    """The parametrization W / σ(W) (a 1-d weight: W / ‖W‖), with buffers _u and _v. Registering it
    draws u, v ~ N(0, I) (normalised) and runs 15 power iterations."""

    def __init__(
        self,
        weight: Any,
        n_power_iterations: int = 1,
        dim: int = 0,
        eps: float = 1e-12,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise DimError(
                f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = self._matrix(np.asarray(weight.data if isinstance(weight, Tensor) else weight))
            h, w = matrix.shape
            rng = backend.as_generator(seed)
            self.register_buffer("_u", _normalize(rng.standard_normal(h).astype(matrix.dtype), eps))
            self.register_buffer("_v", _normalize(rng.standard_normal(w).astype(matrix.dtype), eps))
            self._power_method(matrix, 15)

    def _matrix(self, weight: Any) -> Any:
        """The weight as a matrix: dim `dim` first, the others flattened (an array or a tensor)."""
        if isinstance(weight, Tensor):
            if self.dim != 0:
                weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
            return weight.flatten(1)
        return np.moveaxis(weight, self.dim, 0).reshape(weight.shape[self.dim], -1)

    def _power_method(self, matrix: np.ndarray, n_power_iterations: int) -> None:
        u, v = self._u, self._v
        for _ in range(n_power_iterations):
            u = _normalize(matrix @ v, self.eps)
            v = _normalize(matrix.conj().T @ u, self.eps)
        self._u, self._v = u.astype(self._u.dtype, copy=False), v.astype(self._v.dtype, copy=False)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        matrix = self._matrix(weight)
        if self.training:
            self._power_method(matrix.data, self.n_power_iterations)
        u, v = Tensor(self._u.copy()), Tensor(self._v.copy())
        sigma = (u * matrix.mv(v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


_TRANSPOSED = {"ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"}


def transposed_conv(module: Module) -> bool:
    """Whether the module is a transposed convolution (its output channels are the weight's dim 1)."""
    return any(cls.__name__ in _TRANSPOSED for cls in type(module).__mro__)


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
    *,
    seed: int | np.random.Generator | None = None,
) -> Module:
    """Read module.<name> as W / σ(W), σ the largest singular value of W (dim `dim` as rows: 0, or 1
    for a transposed convolution) estimated by power iteration; `seed` draws the starting u, v.
    Returns the module; the weight is parametrizations.<name>.original."""
    weight = getattr(module, name, None)
    if not isinstance(weight, (Tensor, np.ndarray)):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if transposed_conv(module) else 0
    with no_grad():
        parametrization = _SpectralNorm(weight, n_power_iterations, dim, eps, seed)
    parametrize.register_parametrization(module, name, parametrization)
    return module
