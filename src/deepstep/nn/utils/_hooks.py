"""What weight_norm, spectral_norm and the parametrizations need from a Module that Module does not
offer: a class of the module's own, derived from its class (so that a property can be added to one
module and not to every module of its kind).

The derived class keeps out of the table of Module classes by name (nn.module._REGISTRY), which
would otherwise map "Linear" to it: loading a saved model builds the plain class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..module import _REGISTRY, Module, RemovableHandle

__all__: list[str] = []

_INJECTED = "_deepstep_injected"


def derive_class(module: Module, name: str, namespace: dict[str, Any]) -> type:
    """Give `module` a class of its own named `name`, derived from its present class, holding namespace."""
    base = type(module)
    previous = _REGISTRY.get(name)
    cls = type(name, (base,), {**namespace, _INJECTED: True, "__module__": base.__module__})
    if previous is None:
        _REGISTRY.pop(name, None)
    else:
        _REGISTRY[name] = previous
    module.__class__ = cls
    return cls


def original_class(module: Module) -> type:
    """The module's class before any class was derived for it here."""
    return next(c for c in type(module).__mro__ if not vars(c).get(_INJECTED))


def register_forward_pre_hook(
    module: Module, hook: Callable[[Module, tuple[Any, ...]], Any]
) -> RemovableHandle:
    """Module.register_forward_pre_hook (kept here for the callers below)."""
    return module.register_forward_pre_hook(hook)


def forward_pre_hooks(module: Module) -> dict[int, Callable[..., Any]]:
    """The module's forward pre-hooks by key (empty when it has none)."""
    return vars(module).get("_forward_pre_hooks", {})


def delete_buffer(module: Module, name: str) -> None:
    """Take a buffer off a module (del module.<buffer> in PyTorch)."""
    del module._buffers[name]
    delattr(module, name)
