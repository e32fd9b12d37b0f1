"""Reverse-mode differentiation: walk the graph from an output back to its leaves.

The chain rule of back-propagation, E^(l-1) = (E^(l) W^(l)) ⊙ h'(S^(l-1)) in the notes,
is done here for any graph: each op's `backward` maps the gradient of its output to
the gradients of its inputs, and a tensor used by several ops receives the sum.
The walk is iterative (no recursion), so graphs of any depth work. Its nodes are the ops
(Functions); the leaves are the tensors the user made, whose `.grad` receives the result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from .function import Function
from .tensor import Tensor, as_array, write_clock

__all__ = ["run_backward"]


def _seed_gradient(root: Tensor, grad: Any) -> np.ndarray:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient works only for a one-element output, got shape "
                f"{root.shape}; pass grad= (the gradient of the loss with respect to this tensor)"
            )
        return np.ones_like(root.data)
    seed = np.array(as_array(grad), dtype=root.data.dtype, copy=True)
    if seed.shape != root.shape:
        raise ShapeError(f"backward(grad) needs a gradient of shape {root.shape}, got shape {seed.shape}")
    return seed


def _ops_in_topological_order(root: Function) -> list[Function]:
    """Every op the root depends on, newest first."""
    seen = {id(root)}
    stack = [root]
    ops = []
    while stack:
        op = stack.pop()
        if op.inputs is None:
            raise RuntimeError(
                "trying to backward through the graph a second time: its saved values were freed "
                "after the first backward(); pass retain_graph=True to the first call"
            )
        ops.append(op)
        for x in op.inputs:
            if x is not None and x._creator is not None:
                parent = op.parent(x)
                if parent is not None and id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
    ops.sort(key=lambda op: op.seq, reverse=True)
    return ops


def _run_hooks(hooks: list[Any] | None, g: np.ndarray) -> np.ndarray:
    """Tensor.register_hook: each hook sees the gradient and may return a replacement."""
    for hook in hooks or ():
        replaced = hook(Tensor._from_op(g, None))
        if replaced is not None:
            replaced = as_array(replaced)
            if replaced.shape != g.shape:
                raise ShapeError(f"a hook returned a gradient of shape {replaced.shape}, expected {g.shape}")
            g = replaced.astype(g.dtype, copy=False)
    return g


def run_backward(root: Tensor, grad: Any = None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad (nothing to differentiate)")
    seed = _seed_gradient(root, grad)
    owned: set[int] = set()  # arrays already stored in some .grad: never store one twice
    if root._creator is None:
        _store_grad(root, seed, owned)
        return

    pending = {id(root._creator): seed}
    for op in _ops_in_topological_order(root._creator):
        g = pending.pop(id(op), None)
        if g is None:  # no path from root carried a gradient here (e.g. integer indices)
            continue
        if op._hooks:
            g = _run_hooks(op._hooks, g)
        if op._retains is not None:
            _store_grad(op._retains, g, owned, copy=True)
        if op._output_written or (op._saved_tensors is not None and op._recorded_at != write_clock[0]):
            op.check_saved_versions()
        input_grads = op.backward(g)
        inputs = op.inputs
        if len(input_grads) != len(inputs):
            name = type(op).__name__
            raise RuntimeError(f"{name}.backward gave {len(input_grads)} gradients for {len(inputs)} inputs")
        for x, gx in zip(inputs, input_grads, strict=True):
            if gx is None or x is None:
                continue
            if gx.shape != x.data.shape:
                raise RuntimeError(
                    f"{type(op).__name__}.backward gave a gradient of shape {gx.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            if gx.dtype != x.data.dtype:
                gx = gx.astype(x.data.dtype)
            if x._creator is None:
                _store_grad(x, gx, owned)
            else:
                key = id(op.parent(x))
                previous = pending.get(key)
                # Out of place: the same array may have been handed to another input too.
                pending[key] = gx if previous is None else previous + gx
        if not retain_graph:
            op.release()


def _store_grad(t: Tensor, g: np.ndarray, owned: set[int], copy: bool = False) -> None:
    """Add g into t.grad. The first gradient is stored without copying when nothing else holds it."""
    if t._hooks:
        g = _run_hooks(t._hooks, g)
    if t.grad is None:
        if copy or g.base is not None or id(g) in owned or not g.flags.writeable:
            g = g.copy()
        owned.add(id(g))
        t.grad = Tensor._from_op(g, None)
    else:
        t.grad.data = t.grad.data + g
