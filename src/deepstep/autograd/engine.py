"""Reverse-mode differentiation: walk the graph from an output back to its leaves.

The chain rule of back-propagation, E^(l-1) = (E^(l) W^(l)) ⊙ h'(S^(l-1)) in the notes,
is done here for any graph: each op's `backward` maps the gradient of its output to
the gradients of its inputs, and a tensor used by several ops receives the sum.
The walk is iterative (no recursion), so graphs of any depth work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, as_array

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
        raise ValueError(f"backward(grad) needs a gradient of shape {root.shape}, got shape {seed.shape}")
    return seed


def _graph_in_topological_order(root: Tensor) -> list[Tensor]:
    """Every non-leaf tensor that the root depends on, newest first."""
    seen = {id(root)}
    stack = [root]
    nodes = []
    while stack:
        node = stack.pop()
        nodes.append(node)
        inputs = node._creator.inputs
        if inputs is None:
            raise RuntimeError(
                "trying to backward through the graph a second time: its saved values were freed "
                "after the first backward(); pass retain_graph=True to the first call"
            )
        for x in inputs:
            if x is not None and x._creator is not None and id(x) not in seen:
                seen.add(id(x))
                stack.append(x)
    nodes.sort(key=lambda t: t._order, reverse=True)
    return nodes


def run_backward(root: Tensor, grad: Any = None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad (nothing to differentiate)")
    seed = _seed_gradient(root, grad)
    owned: set[int] = set()  # arrays already stored in some .grad: never store one twice
    if root._creator is None:
        _store_grad(root, seed, owned)
        return

    pending = {id(root): seed}
    for node in _graph_in_topological_order(root):
        g = pending.pop(id(node), None)
        if g is None:  # no path from root carried a gradient here (e.g. integer indices)
            continue
        if node._retains_grad:
            _store_grad(node, g, owned)
        creator = node._creator
        input_grads = creator.backward(g)
        inputs = creator.inputs
        if len(input_grads) != len(inputs):
            name = type(creator).__name__
            raise RuntimeError(f"{name}.backward gave {len(input_grads)} gradients for {len(inputs)} inputs")
        for x, gx in zip(inputs, input_grads, strict=True):
            if x is None or gx is None:
                continue
            if gx.shape != x.data.shape:
                raise RuntimeError(
                    f"{type(creator).__name__}.backward gave a gradient of shape {gx.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            if gx.dtype != x.data.dtype:
                gx = gx.astype(x.data.dtype)
            if x._creator is None:
                _store_grad(x, gx, owned)
            else:
                key = id(x)
                previous = pending.get(key)
                # Out of place: the same array may have been handed to another input too.
                pending[key] = gx if previous is None else previous + gx
        if not retain_graph:
            creator.release()


def _store_grad(t: Tensor, g: np.ndarray, owned: set[int]) -> None:
    """Add g into t.grad. The first gradient is stored without copying when nothing else holds it."""
    if t.grad is None:
        if g.base is not None or id(g) in owned or not g.flags.writeable:
            g = g.copy()
        owned.add(id(g))
        t.grad = Tensor._from_op(g, None)
    else:
        t.grad.data = t.grad.data + g
