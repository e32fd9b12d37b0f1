"""The graph's nodes as PyTorch shows them (torch.autograd.graph.Node): what a learner walks to see
the chain rule's path, and what tools that draw graphs read.

`y.grad_fn` is the op that made y. `grad_fn.next_functions` pairs each of the op's inputs with the
node its gradient flows to next: the op that made the input, an `AccumulateGrad` node for a leaf
(its gradient is added into `.grad` there), or None for an input that wants no gradient. Nodes take
hooks as PyTorch's do: `register_prehook(hook)`, called as hook(grad_outputs), and `register_hook(hook)`,
called as hook(grad_inputs, grad_outputs) after the op's backward; either may return replacements.

One difference: PyTorch keeps the edges after backward, while deepstep frees each op's inputs
as soon as backward has used them (the memory), so next_functions is () once backward has run
without retain_graph=True.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tensor import RemovableHandle, Tensor

__all__ = ["AccumulateGrad", "Node", "register_multi_grad_hook"]

#: One AccumulateGrad node per leaf, as in PyTorch (graph drawers dedupe nodes by identity), by id of
#: the leaf while it lives (not a WeakKeyDictionary: that compares keys with ==, elementwise here).
_accumulators: dict[int, AccumulateGrad] = {}


class Node:
    """What Function and AccumulateGrad share: a name, the edges to the next nodes, metadata, hooks."""

    def name(self) -> str:
        return f"{type(self).__name__}Backward"

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        return ()

    @property
    def metadata(self) -> dict[str, Any]:
        """A dict for the user's own notes about this node (PyTorch's Node.metadata)."""
        if "_metadata" not in self.__dict__:
            self._metadata: dict[str, Any] = {}
        return self._metadata


class AccumulateGrad(Node):
    """The end of a path: the gradient arriving here is added into `variable.grad` (a leaf)."""

    def __init__(self, variable: Tensor) -> None:
        key = id(variable)
        # held weakly: the node lives as long as its leaf, and leaves the table when the leaf goes
        self._variable = weakref.ref(variable, lambda _: _accumulators.pop(key, None))

    @property
    def variable(self) -> Tensor | None:
        return self._variable()

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def next_node(op: Any, x: Tensor | None) -> tuple[Node | None, int]:
    """The edge from op to its input x: (the op that made x, 0), (x's AccumulateGrad, 0) for a leaf,
    (None, 0) when x wants no gradient."""
    if x is None:
        return (None, 0)
    creator = op.parent(x)
    if creator is not None:
        return (creator, 0)
    key = id(x)
    node = _accumulators.get(key)
    if node is None:
        node = _accumulators[key] = AccumulateGrad(x)
    return (node, 0)


def register_prehook(op: Any, hook: Callable[[tuple[Tensor, ...]], Any]) -> RemovableHandle:
    """hook(grad_outputs) before op's backward; a returned tuple replaces grad_outputs. It runs with
    the hooks of the tensor op made (Tensor.register_hook), which see the same gradient."""

    def tensor_hook(grad: Tensor) -> Tensor | None:
        replaced = hook((grad,))
        return None if replaced is None else _one_gradient(hook, replaced)

    if op._hooks is None:
        op._hooks = []
    op._hooks.append(tensor_hook)
    return RemovableHandle(op._hooks, tensor_hook)


def register_hook(op: Any, hook: Callable[[tuple[Any, ...], tuple[Tensor, ...]], Any]) -> RemovableHandle:
    """hook(grad_inputs, grad_outputs) after op's backward (None for inputs wanting no gradient); a
    returned tuple replaces grad_inputs."""
    if op.__dict__.get("_post_hooks") is None:
        op._post_hooks = []
    op._post_hooks.append(hook)
    return RemovableHandle(op._post_hooks, hook)


def run_post_hooks(op: Any, input_grads: Any, g: np.ndarray) -> list[Any]:
    """The engine's call of the hooks register_hook put on op: each sees the inputs' gradients and the
    output's, as tensors, and may hand back new gradients for the inputs."""
    grads = list(input_grads)
    for hook in list(op._post_hooks):
        as_tensors = tuple(None if gx is None else Tensor._from_op(gx, None) for gx in grads)
        replaced = hook(as_tensors, (Tensor._from_op(g, None),))
        if replaced is None:
            continue
        _check_returned(hook, replaced, len(grads))
        for i, (old, new) in enumerate(zip(grads, replaced, strict=True)):
            if new is None:
                grads[i] = None
                continue
            new = new.data if isinstance(new, Tensor) else np.asarray(new)
            if old is not None and new.shape != old.shape:
                raise RuntimeError(
                    f"hook registered on {op.name()} returned a gradient of shape {new.shape} for "
                    f"input {i}, expected {old.shape}"
                )
            grads[i] = new
    return grads


def _one_gradient(hook: Any, replaced: Any) -> Any:
    _check_returned(hook, replaced, 1)
    return replaced[0]


def _check_returned(hook: Any, replaced: Any, expected: int) -> None:
    """PyTorch's checks of what a node's hook returned: a tuple (TypeError), one entry per gradient."""
    if not isinstance(replaced, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(replaced).__name__}'")
    if len(replaced) != expected:
        name = getattr(hook, "__name__", repr(hook))
        raise RuntimeError(
            f"hook '{name}' has returned an incorrect number of values (got {len(replaced)}, but "
            f"expected {expected})"
        )


class _MultiHandle:
    """What register_multi_grad_hook returns: remove() takes the hook off every tensor."""

    def __init__(self, handles: tuple[RemovableHandle, ...]) -> None:
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def register_multi_grad_hook(
    tensors: Sequence[Tensor], fn: Callable[..., None], *, mode: str = "all"
) -> _MultiHandle:
    """A hook on several tensors at once, once per backward pass (PyTorch's torch.autograd.graph one).

    mode="all": fn(grads) once the gradients of all the tensors this pass computes have come, one
    entry per tensor, None for those it does not compute (outside the graph, or not needed for the
    `inputs` of grad() or backward(inputs=…)). mode="any": fn(grad) with the first gradient that comes
    for any of them. fn should not modify what it gets; what it returns is ignored."""
    from .engine import _passes

    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = list(tensors)
    if mode == "any":
        fired: weakref.WeakSet = weakref.WeakSet()  # the passes in which fn ran

        def first(grad: Tensor) -> None:
            current = _passes[-1]
            if current not in fired:
                fired.add(current)
                fn(grad)

        return _MultiHandle(tuple(t.register_hook(first) for t in tensors if t.requires_grad))

    for t in tensors:  # checked before any hook is put on: a failed call leaves none behind
        if not t.requires_grad:
            # (PyTorch's type: its internal assertion on the tensor's gradient function)
            raise AssertionError(
                "Expected gradient function to be set: with mode='all' every tensor must require grad, "
                f"got one of shape {tuple(t.shape)} that does not"
            )
    # per pass under way: how many gradients it will compute, and those that came so far
    expected: dict[int, int] = {}
    buffers: dict[int, list[Tensor | None]] = {}

    def collector(index: int) -> Callable[[Tensor], None]:
        def collect(grad: Tensor) -> None:
            current = _passes[-1]
            key = id(current)
            if key not in buffers:
                expected[key] = sum(current.will_run(t) for t in tensors)
                buffers[key] = [None] * len(tensors)
            buffers[key][index] = grad
            expected[key] -= 1
            if expected[key] == 0:
                del expected[key]
                fn(buffers.pop(key))

        return collect

    return _MultiHandle(tuple(t.register_hook(collector(i)) for i, t in enumerate(tensors)))
