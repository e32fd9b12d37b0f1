"""A module as a function of its parameters: PyTorch's torch.func.functional_call and
stack_module_state.

functional_call(module, θ, x) = module(x) with every tensor named in θ (dotted names, "l1.weight")
put in place of the module's own for the call, and the originals put back afterwards, whatever
happens. The module's forward reads its parameters as attributes, so the swap is an attribute
swap; the passed tensors are used as they are, so gradients flow to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..autograd.ops_join import stack
from ..autograd.tensor import Tensor
from ..nn.module import Module, Parameter

__all__ = ["functional_call", "stack_module_state"]

_MISSING = object()  # an attribute the module did not have before the swap


def _named_tensors(module: Module) -> dict[str, Any]:
    """Every parameter and buffer under every name it has (a tied tensor once per name, which
    PyTorch's named_parameters(remove_duplicate=False) gives)."""
    found: dict[str, Any] = {}
    for module_name, sub in module.named_modules():
        prefix = f"{module_name}." if module_name else ""
        for name, value in vars(sub).items():
            if isinstance(value, Parameter):
                found[prefix + name] = value
        for name in sub._buffers:
            found[prefix + name] = getattr(sub, name)
    return found


def _untie(module: Module, given: dict[str, Any]) -> dict[str, Any]:
    """The given tensors, each also under the other names of a tensor it replaces that is tied
    (shared) in the module; a ValueError when two different tensors are given for one tie."""
    names_of: dict[int, set[str]] = {}
    for name, tensor in _named_tensors(module).items():
        names_of.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(given)
    for name in [n for n in given if n in tied]:
        given_for_tie = [n for n in tied[name] if n in given]
        if len({id(given[n]) for n in given_for_tie}) > 1:
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(tied[name])}, which are tied. "
                "Consider using tie_weights=False"
            )
        for other in tied[name]:
            untied[other] = given[name]
    return untied


def _owner(module: Module, name: str) -> tuple[Module, str]:
    """(the sub-module holding a dotted name, the last part of the name)."""
    path, _, attribute = name.rpartition(".")
    owner = module
    for part in filter(None, path.split(".")):
        if not hasattr(owner, part):
            raise AttributeError(f"{type(owner).__name__} has no attribute `{part}`")
        child = getattr(owner, part)
        if not isinstance(child, Module):
            raise TypeError(f"submodule `{path}`: {child} is not an instance of Module")
        owner = child
    if not attribute:
        raise KeyError('tensor name can\'t be empty string ""')
    return owner, attribute


def _swap(module: Module, name: str, value: Any, check: bool = True) -> Any:
    """Put value under the dotted name and return what was there (_MISSING if nothing was);
    _MISSING as value deletes the attribute again. check: only tensors (or None) may go in, and
    only in place of a tensor, a buffer's array or None (putting the originals back checks nothing)."""
    owner, attribute = _owner(module, name)
    if check and isinstance(getattr(type(owner), attribute, None), property):
        # a parametrized tensor: its setter would write the module's θ for good (PyTorch instead
        # switches the parametrization off for the call)
        raise NotImplementedError(
            f"functional_call: `{name}` is computed by a parametrization; pass its parameters instead "
            f"(`{name.rpartition('.')[0] + '.' if '.' in name else ''}parametrizations.{attribute}.original`)"
        )
    if check and value is not None and not isinstance(value, Tensor):
        raise TypeError(f"{value} is not an instance of Tensor")
    old = getattr(owner, attribute, _MISSING)
    if check and old is not _MISSING and old is not None and not isinstance(old, (Tensor, np.ndarray)):
        raise TypeError(f"attribute `{attribute}`: {old} is not an instance of Tensor")
    if value is _MISSING:
        if hasattr(owner, attribute):
            delattr(owner, attribute)
    else:
        setattr(owner, attribute, value)
    return old


@contextmanager
def _reparametrized(module: Module, tensors: dict[str, Any], tie_weights: bool, strict: bool) -> Any:
    """The block runs with `tensors` in the module; afterwards the originals are back, and the
    caller's dict holds what the module left under its names (a forward may reassign them)."""
    untied = _untie(module, tensors) if tie_weights else tensors
    if strict:
        valid = set(_named_tensors(module))
        missing, unexpected = sorted(valid - set(untied)), sorted(set(untied) - valid)
        messages = []
        if unexpected:
            messages.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            messages.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if messages:
            raise RuntimeError(
                f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(messages)
            )
    originals: dict[str, Any] = {}
    try:
        for name, value in untied.items():
            originals[name] = _swap(module, name, value)
        yield
    finally:
        # back in reverse order: where two names reach one attribute (a shared sub-module), the
        # first name's original, the true one, is put back last
        left = {
            name: _swap(module, name, old, check=False) for name, old in reversed(list(originals.items()))
        }
        tensors.update({name: left[name] for name in tensors if name in left})


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: dict[str, Tensor] | Sequence[dict[str, Tensor]],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """PyTorch's torch.func.functional_call: module(*args, **kwargs) computed with the given
    tensors in place of the parameters and buffers of the same dotted names, the module left as
    it was. args that is not a tuple is one argument. A tuple (or list) of dicts is merged; a name
    in two of them is a ValueError. tie_weights: a tensor given for one name of a tied (shared)
    parameter replaces it under all its names. strict: every parameter and buffer must be given and
    nothing else (RuntimeError); otherwise an unknown name is set as an attribute for the call."""
    if isinstance(parameter_and_buffer_dicts, dict):
        tensors = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        keys = [key for d in parameter_and_buffer_dicts for key in d]
        repeated = list(dict.fromkeys(key for key in keys if keys.count(key) > 1))
        if repeated:
            raise ValueError(
                f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous"
            )
        tensors = {key: value for d in parameter_and_buffer_dicts for key, value in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrized(module, tensors, tie_weights, strict):
        return module(*args, **(kwargs or {}))


def stack_module_state(models: Sequence[Module]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """PyTorch's stack_module_state: (params, buffers), each name's tensors of the M models stacked
    into one of shape (M, ...) for vmap over functional_call (model ensembling). The stacked
    parameters are new leaves that require grad; the models are not changed."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {}
    for name in all_params[0]:
        tensors = [p[name] for p in all_params]
        wanting = {t.requires_grad for t in tensors}
        if len(wanting) > 1:
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        stacked = stack([t.detach() for t in tensors])
        params[name] = stacked.requires_grad_() if wanting == {True} else stacked
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {name: stack([Tensor(b[name]) for b in all_buffers]) for name in all_buffers[0]}
    return params, buffers
