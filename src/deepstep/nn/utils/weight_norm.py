"""The older torch.nn.utils.weight_norm: w = g · v / ‖v‖ recomputed before every forward.

module.<name> is replaced by two parameters, <name>_g (the magnitude, one per slice along dim, or one
for dim=None) and <name>_v (the direction), and a forward pre-hook sets module.<name> (a plain
tensor, not a parameter) from them before each forward. PyTorch deprecates it in favour of
nn.utils.parametrizations.weight_norm; the state_dict keys are its: bias, weight_g, weight_v.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..module import Module, Parameter
from ._hooks import forward_pre_hooks, register_forward_pre_hook
from .parametrizations import norm_except_dim, weight_norm_of

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook: module.<name> = <name>_v · (<name>_g / ‖<name>_v‖)."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Any:
        return weight_norm_of(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn(
            "`nn.utils.weight_norm` is deprecated in favor of `nn.utils.parametrizations.weight_norm` "
            "(as in PyTorch)",
            FutureWarning,
            stacklevel=3,
        )
        for hook in forward_pre_hooks(module).values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if not isinstance(vars(module).get(name), Parameter):
            raise KeyError(name)  # PyTorch's `del module._parameters[name]`
        delattr(module, name)
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        register_forward_pre_hook(module, fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        delattr(module, self.name + "_g")
        delattr(module, self.name + "_v")
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replace module.<name> by <name>_g and <name>_v, w = g · v / ‖v‖ set before every forward."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Make module.<name> a plain parameter again, holding g · v / ‖v‖."""
    hooks = forward_pre_hooks(module)
    for key, hook in hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
