"""torch.nn.utils.prune: zero out entries (or whole slices) of a parameter through a mask.

Pruning module.<name> re-parametrises it: the parameter moves to <name>_orig, a buffer <name>_mask
(0 where pruned, 1 elsewhere, in the parameter's dtype) joins it, and a forward pre-hook sets
module.<name> = <name>_orig ⊙ <name>_mask (a plain tensor) before every forward, so the gradient
reaches <name>_orig only where the mask is 1. The state_dict keys are PyTorch's (bias, weight_orig,
weight_mask for a Linear), so a pruned torch model's state loads into a pruned deepstep one.

Which entries go: unstructured methods pick single entries (at random, or the smallest |w|);
structured ones pick whole slices along `dim` (at random, or the smallest Ln norm of the slice).
`amount` is a count (a non-negative int) or a fraction in [0, 1] (rounded with Python's round).
Pruning the same parameter again stacks the methods in a PruningContainer: the new method only sees
what is still unpruned, so the masks multiply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ...autograd.tensor import as_array
from ..module import Module
from ._hooks import forward_pre_hooks
from .prune_methods import (
    BasePruningMethod,
    CustomFromMask,
    Identity,
    L1Unstructured,
    LnStructured,
    PruningContainer,
    RandomStructured,
    RandomUnstructured,
)

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


def identity(module: Module, name: str) -> Module:
    """Re-parametrise module.<name> as <name>_orig ⊙ <name>_mask with a mask of ones."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune `amount` entries of module.<name> chosen uniformly at random."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: int | float, importance_scores: Any = None) -> Module:
    """Prune the `amount` entries of module.<name> with the smallest |importance score| (|w| by default)."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune `amount` slices of module.<name> along `dim`, chosen uniformly at random."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: Module,
    name: str,
    amount: int | float,
    n: int | float | str,
    dim: int,
    importance_scores: Any = None,
) -> Module:
    """Prune the `amount` slices of module.<name> along `dim` with the smallest Ln norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: type[BasePruningMethod],
    importance_scores: dict[tuple[Module, str], Any] | None = None,
    **kwargs: Any,
) -> None:
    """Prune all the (module, name) parameters as one vector: `amount` counts across all of them."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    parameters = list(parameters)
    relevant_importance_scores = np.concatenate(
        [as_array(importance_scores.get((m, n), getattr(m, n))).reshape(-1) for m, n in parameters]
    )
    default_mask = np.concatenate(
        [
            np.asarray(getattr(m, n + "_mask")).reshape(-1)
            if hasattr(m, n + "_mask")
            else np.ones(int(np.prod(getattr(m, n).shape)), dtype=getattr(m, n).dtype)
            for m, n in parameters
        ]
    )
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
            f"Found method {pruning_method} of type {method.PRUNING_TYPE}"
        )
    container.add_pruning_method(method)
    final_mask = container.compute_mask(relevant_importance_scores, default_mask)
    pointer = 0
    for module, name in parameters:
        shape = tuple(getattr(module, name).shape)
        count = int(np.prod(shape))
        custom_from_mask(module, name, mask=final_mask[pointer : pointer + count].reshape(shape))
        pointer += count


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    """Prune module.<name> where `mask` is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of module.<name> permanent: <name> is a parameter again, w_orig ⊙ mask."""
    hooks = forward_pre_hooks(module)
    for key, hook in hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """Whether any parameter of module or of its sub-modules carries a pruning hook."""
    return any(
        isinstance(hook, BasePruningMethod)
        for submodule in module.modules()
        for hook in forward_pre_hooks(submodule).values()
    )


# ----- helpers --------------------------------------------------------------------------------
