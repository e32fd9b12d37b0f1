"""The older torch.nn.utils.spectral_norm: W / σ(W) computed before every forward.

module.<name> moves to the parameter <name>_orig; the buffers <name>_u and <name>_v hold the power
iteration's vectors (drawn from N(0, I) and normalised, no iterations at registration), and a
forward pre-hook sets module.<name> (a plain tensor) to W / σ with σ = uᵀ W v, after one
refinement v ← Wᵀu/‖Wᵀu‖, u ← W v/‖W v‖ per n_power_iterations in training mode only. The
state_dict keys are PyTorch's: bias, weight_orig, weight_u, weight_v.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import backend
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ..module import Module, Parameter
from ._hooks import delete_buffer, forward_pre_hooks, register_forward_pre_hook
from .parametrizations import _normalize, transposed_conv

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook: module.<name> = <name>_orig / σ."""

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        matrix = self.reshape_weight_to_matrix(weight)
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        if do_power_iteration:
            for _ in range(self.n_power_iterations):
                v = _normalize(matrix.data.T @ u, self.eps)
                u = _normalize(matrix.data @ v, self.eps)
            setattr(module, self.name + "_u", u.astype(weight.dtype, copy=False))
            setattr(module, self.name + "_v", v.astype(weight.dtype, copy=False))
        u, v = Tensor(np.array(u, dtype=weight.dtype)), Tensor(np.array(v, dtype=weight.dtype))
        sigma = (u * matrix.mv(v)).sum()
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delete_buffer(module, self.name + "_u")
        delete_buffer(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(
        module: Module,
        name: str,
        n_power_iterations: int,
        dim: int,
        eps: float,
        seed: int | np.random.Generator | None = None,
    ) -> SpectralNorm:
        for hook in forward_pre_hooks(module).values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        if name not in vars(module) or not isinstance(vars(module)[name], (Parameter, type(None))):
            raise KeyError(name)  # PyTorch's module._parameters[name]
        weight = vars(module)[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            rng = backend.as_generator(seed)
            u = _normalize(rng.standard_normal(h).astype(weight.dtype), eps)
            v = _normalize(rng.standard_normal(w).astype(weight.dtype), eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, Tensor(weight.data))
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        register_forward_pre_hook(module, fn)
        return fn


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
    *,
    seed: int | np.random.Generator | None = None,
) -> Module:
    """Replace module.<name> by <name>_orig and the buffers <name>_u, <name>_v; W / σ(W) is set
    before every forward. dim is 0, or 1 for a transposed convolution; `seed` draws u and v."""
    if dim is None:
        dim = 1 if transposed_conv(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps, seed)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Make module.<name> a plain parameter again, holding W / σ with the present u and v."""
    hooks = forward_pre_hooks(module)
    for key, hook in hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
