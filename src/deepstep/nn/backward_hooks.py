"""Module backward hooks (PyTorch's register_full_backward_hook and register_full_backward_pre_hook):
a hooked module's call runs as one op of the graph, so that its hooks see the gradients at its
boundary, all at once.

Forward records the module's own graph on leaves that stand for its tensor arguments; the op's inputs
are those arguments and the module's parameters. Backward gives the pre-hooks the gradient of the
output (they may replace it), takes the inner graph's gradients with autograd.grad, gives the hooks
(module, grad_input, grad_output) (they may replace grad_input), and returns the argument and
parameter gradients to the engine, which accumulates the parameters' as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.engine import grad
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor

if TYPE_CHECKING:
    from .module import Module

__all__ = ["call_with_backward_hooks"]


class ModuleCall(Function):
    """One call of a module with backward hooks: y = module(x₁, …, x_k) with parameters θ;
    ∂L/∂xᵢ and ∂L/∂θ from the module's own graph, seen and possibly replaced by its hooks."""

    saved_inputs = ()

    def __init__(self, module: Module, leaves: list[Tensor | None], output: Tensor, n_params: int) -> None:
        self.module, self.leaves, self.inner, self.n_params = module, leaves, output, n_params

    def __repr__(self) -> str:
        return f"<{type(self.module).__name__}Backward>"

    def forward(self, *arrays: Any) -> np.ndarray:
        return self.inner.data

    def backward(self, g: np.ndarray) -> list[np.ndarray | None]:
        module = self.module
        grad_output = (Tensor(g),)
        for hook in list(module._backward_pre_hooks.values()):
            replaced = hook(module, grad_output)
            if replaced is not None:
                grad_output = _as_gradients(replaced, 1, "full backward pre-hook")
        params = self.inputs[len(self.leaves) :]
        wanted = [leaf for leaf in self.leaves if leaf is not None] + [p for p in params if p is not None]
        found = iter(())
        if wanted and self.inner.requires_grad:
            seed = grad_output[0] if grad_output[0] is not None else Tensor(np.zeros_like(g))
            found = iter(grad(self.inner, wanted, seed, retain_graph=True, allow_unused=True))
        grad_input = tuple(None if leaf is None else next(found) for leaf in self.leaves)
        param_grads = [None if p is None else next(found) for p in params]
        for hook in list(module._backward_hooks.values()):
            replaced = hook(module, grad_input, grad_output)
            if replaced is not None:
                grad_input = _as_gradients(replaced, len(grad_input), "full backward hook")
        return [None if x is None else x.data for x in (*grad_input, *param_grads)]


def _as_gradients(value: Any, count: int, what: str) -> tuple[Tensor | None, ...]:
    """What a hook returned, as a tuple of `count` gradients (PyTorch's rule and error)."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    if len(items) != count:
        raise RuntimeError(
            f"{what} returned an invalid number of grad_input, got {len(items)}, but expected {count}"
        )
    return tuple(None if v is None else v if isinstance(v, Tensor) else Tensor(np.asarray(v)) for v in items)


def call_with_backward_hooks(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """module.forward(*args, **kwargs) as one op (ModuleCall) whose backward runs the module's
    backward hooks; a plain call when nothing wants a gradient."""
    params = list(module.parameters())
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not any(t.requires_grad for t in tensors) and not any(p.requires_grad for p in params):
        return module.forward(*args, **kwargs)
    # leaves standing for the tensor arguments, so that the inner graph ends at the module's boundary
    leaves = {
        i: Tensor(a.data, requires_grad=True)
        for i, a in enumerate(args)
        if isinstance(a, Tensor) and a.requires_grad
    }
    inner_args = tuple(leaves.get(i, a) for i, a in enumerate(args))
    with enable_grad():
        output = module.forward(*inner_args, **kwargs)
    if not isinstance(output, Tensor):
        raise NotImplementedError(
            f"backward hooks on {type(module).__name__}: its forward returns {type(output).__name__}; "
            "deepstep's backward hooks take modules whose output is one tensor"
        )
    # the op's inputs: the tensor arguments (grad_input has one entry each), then the parameters
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    op = ModuleCall(module, [leaves.get(i) for i in positions], output, len(params))
    return op(*(args[i] for i in positions), *params)
