"""Reverse-mode differentiation: walk the graph from an output back to its leaves.

The chain rule of back-propagation, E^(l-1) = (E^(l) W^(l)) ⊙ h'(S^(l-1)) in the notes,
is done here for any graph: each op's `backward` maps the gradient of its output to
the gradients of its inputs, and a tensor used by several ops receives the sum.
The walk is iterative (no recursion), so graphs of any depth work. Its nodes are the ops
(Functions); the leaves are the tensors the user made, whose `.grad` receives the result, or,
through `grad()` (PyTorch's torch.autograd.grad), the caller, with nothing stored.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import ShapeError
from . import sum_kernels
from .function import Function, _refresh_views, user_stacklevel
from .grad_mode import _Anomaly
from .graph import run_post_hooks
from .ops_storage import _post_accumulate, run_post_accumulate_hooks
from .tensor import Tensor, as_array, write_clock

__all__ = ["grad", "run_backward"]


def _seed_gradient(root: Tensor, grad: Any) -> np.ndarray:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient works only for a one-element output, got shape "
                f"{root.data.shape}; pass gradient= (the gradient of the loss with respect to this tensor)"
            )
        _refuse_complex_seed(root)
        return np.ones_like(root.data)
    seed = np.array(as_array(grad), dtype=root.data.dtype, copy=True)
    if seed.shape != root.shape:
        raise ShapeError(
            f"backward(gradient) needs a gradient of shape {root.data.shape}, got shape {seed.shape}"
        )
    return seed


def _refuse_complex_seed(root: Tensor) -> None:
    """A complex output is no loss: the gradient needs a real one (PyTorch's rule and words)."""
    if root.data.dtype.kind == "c":
        raise RuntimeError(
            f"grad can be implicitly created only for real scalar outputs but got {root.data.dtype}; "
            "differentiate a real function of it, such as .abs() or .real"
        )


def _ops_in_topological_order(roots: list[Function]) -> list[Function]:
    """Every op the roots depend on, newest first."""
    seen = {id(root) for root in roots}
    stack = list(roots)
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


def _ops_leading_to(ops: list[Function], wanted: list[Tensor]) -> set[int]:
    """The ids of the ops (of `ops`, newest first) that must run to reach the wanted tensors: those
    that made one, and those with an input on a path to one."""
    wanted_ids = {id(t._creator) if t._creator is not None else id(t) for t in wanted}
    leading: set[int] = set()
    for op in reversed(ops):  # oldest first: an op's parents are decided before it
        if id(op) in wanted_ids or any(
            x is not None and (id(x) in wanted_ids if x._creator is None else id(op.parent(x)) in leading)
            for x in op.inputs
        ):
            leading.add(id(op))
    return leading


def _check_for_nan(op: Function, input_grads: Any) -> None:
    """Anomaly mode: a NaN among the gradients op's backward computed stops the pass here, naming
    the op, after a warning with the stack of the line that made it (PyTorch's words)."""
    for index, gx in enumerate(input_grads):
        if gx is not None and gx.dtype.kind in "fc" and np.isnan(gx).any():
            name = repr(op).strip("<>")
            stack = "".join(op.forward_stack or ["  (made before anomaly mode was on)\n"])
            warnings.warn(
                f"Error detected in {name}. Traceback of forward call that caused the error:\n{stack}",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            raise RuntimeError(f"Function '{name}' returned nan values in its {index}th output.")


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


def _add(gradients: dict[int, np.ndarray], key: int, g: np.ndarray) -> None:
    previous = gradients.get(key)
    # Out of place: the same array may have been handed to another input too.
    gradients[key] = g if previous is None else sum_kernels.add(previous, g)


class BackwardPass:
    """A backward pass under way, as the hooks it runs may ask about it (reentrant checkpointing refuses
    a selective pass; register_multi_grad_hook asks which tensors will get a gradient in this one)."""

    def __init__(self, selective: bool) -> None:
        self.selective = selective  # grad(), or backward(inputs=…)
        self._plan: tuple | None = None  # what _walk decided to run, read only when asked
        self._leaves: set[int] | None = None

    def plan(
        self, ops: list[Function], leading: set[int] | None, wanted: set[int] | None, roots: list
    ) -> None:
        """Note what _walk will run; the inputs' lists are kept as they are (release() drops them)."""
        run = [op for op in ops if leading is None or id(op) in leading]
        self._plan = ({id(op) for op in run}, [op.inputs for op in run], wanted, roots)

    def will_run(self, t: Tensor) -> bool:
        """Whether this pass computes the gradient of t (PyTorch's _will_engine_execute_node)."""
        if self._plan is None:
            return False
        run, inputs, wanted, roots = self._plan
        if t._creator is not None:
            return id(t._creator) in run
        if self._leaves is None:  # the leaves it hands a gradient to
            reached = [r for r in roots if r._creator is None]
            reached += [x for xs in inputs for x in xs if x is not None and x._creator is None]
            self._leaves = {id(x) for x in reached if wanted is None or id(x) in wanted}
        return id(t) in self._leaves


#: The backward passes under way, innermost last (a pass may run another: reentrant checkpointing).
_passes: list[BackwardPass] = []


def _backpropagate(
    seeds: list[tuple[Tensor, np.ndarray]], retain_graph: bool, wanted: list[Tensor] | None = None
) -> tuple[dict[int, tuple[Tensor, np.ndarray]], dict[int, np.ndarray]]:
    """_walk, with this pass on _passes while it runs."""
    _passes.append(BackwardPass(wanted is not None))
    try:
        return _walk(seeds, retain_graph, wanted)
    finally:
        _passes.pop()


def _walk(
    seeds: list[tuple[Tensor, np.ndarray]], retain_graph: bool, wanted: list[Tensor] | None = None
) -> tuple[dict[int, tuple[Tensor, np.ndarray]], dict[int, np.ndarray]]:
    """The chain rule from the seeded outputs back to the leaves: each op maps the gradient of its
    output, summed over every path that reached it, to the gradients of its inputs.

    Returns (leaves, made): each reached leaf and its gradient (its hooks applied) by id(leaf), and
    the gradient of each wanted non-leaf by id of the op that made it. With `wanted`, only the ops
    on a path to a wanted tensor run, and only wanted leaves are returned."""
    pending: dict[int, np.ndarray] = {}  # by op: the gradient of its output, summed so far
    gradients: dict[int, np.ndarray] = {}  # by leaf
    leaf_of: dict[int, Tensor] = {}
    made: dict[int, np.ndarray] = {}
    wanted_ops = set() if wanted is None else {id(t._creator) for t in wanted if t._creator is not None}
    wanted_leaves = None if wanted is None else {id(t) for t in wanted if t._creator is None}

    def reach_leaf(x: Tensor, g: np.ndarray) -> None:
        if wanted_leaves is None or id(x) in wanted_leaves:
            _add(gradients, id(x), g)
            leaf_of[id(x)] = x

    for root, seed in seeds:
        if root._creator is None:
            reach_leaf(root, seed)
        else:
            _add(pending, id(root._creator), seed)
    roots = {id(root._creator): root._creator for root, _ in seeds if root._creator is not None}
    ops = _ops_in_topological_order(list(roots.values()))
    leading = None if wanted is None else _ops_leading_to(ops, wanted)
    _passes[-1].plan(ops, leading, wanted_leaves, [root for root, _ in seeds])
    for op in ops:
        if leading is not None and id(op) not in leading:
            continue
        g = pending.pop(id(op), None)
        if g is None:  # no path from a root carried a gradient here (e.g. integer indices)
            continue
        if op._hooks:
            g = _run_hooks(op._hooks, g)
        if op._retains is not None:
            _store_grad(op._retains, g, set(), copy=True)
        if id(op) in wanted_ops:
            made[id(op)] = g
        if op._output_written or (op._saved_tensors is not None and op._recorded_at != write_clock[0]):
            op.check_saved_versions()
        input_grads = op.chain_rule(g)
        inputs = op.inputs
        if len(input_grads) != len(inputs):
            name = type(op).__name__
            raise RuntimeError(f"{name}.backward gave {len(input_grads)} gradients for {len(inputs)} inputs")
        if op._post_hooks:
            input_grads = run_post_hooks(op, input_grads, g)
        if _Anomaly.enabled and _Anomaly.check_nan:
            _check_for_nan(op, input_grads)
        for x, gx in zip(inputs, input_grads, strict=True):
            if gx is None or x is None:
                continue
            if gx.shape != x.data.shape:
                raise RuntimeError(
                    f"{type(op).__name__}.backward gave a gradient of shape {gx.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            if gx.dtype != x.data.dtype:
                if gx.dtype.kind == "c" and x.data.dtype.kind != "c":
                    gx = gx.real  # a real input of a complex op: ∂L/∂x is the real part (PyTorch's)
                gx = gx.astype(x.data.dtype)
            if x._creator is None:
                reach_leaf(x, gx)
            else:
                _add(pending, id(op.parent(x)), gx)
        if not retain_graph:
            op.release()
    # each leaf's hooks see its whole gradient once, as PyTorch's do
    leaves = {key: (leaf_of[key], _run_hooks(leaf_of[key]._hooks, g)) for key, g in gradients.items()}
    return leaves, made


def run_backward(root: Tensor, grad: Any = None, retain_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad, or of `inputs` only
    (leaves or not) when given."""
    _refresh_views((root,))  # a view whose base was written since: the base's current value
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad (nothing to differentiate)")
    seed = _seed_gradient(root, grad)
    owned: set[int] = set()  # arrays already stored in some .grad: never store one twice
    if inputs is None:
        leaves, _ = _backpropagate([(root, seed)], retain_graph)
        for leaf, g in leaves.values():
            _store_grad(leaf, g, owned)
        return
    targets = list({id(t): t for t in _tensors(inputs, "backward")}.values())
    if not targets:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for t in targets:
        if not t.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    retained = {id(t) for t in targets if t.retains_grad}  # these get .grad when their op runs
    leaves, made = _backpropagate([(root, seed)], retain_graph, wanted=targets)
    for t in targets:
        if t._creator is None and id(t) in leaves:
            _store_grad(t, leaves[id(t)][1], owned)
        elif t._creator is not None and id(t._creator) in made and id(t) not in retained:
            _store_grad(t, made[id(t._creator)], owned, copy=True)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """PyTorch's torch.autograd.grad: the gradients Σ_k grad_outputs_k · ∂outputs_k/∂inputs, returned
    (one tensor per input, leaf or not) instead of added into `.grad`, which no leaf receives.

    A one-element output needs no grad_output. An input no output depends on raises a RuntimeError,
    or gives None with allow_unused=True, or zeros with materialize_grads=True. The graph is freed
    unless retain_graph=True. deepstep's backward passes are NumPy code that records no graph, so
    create_graph=True (gradients of gradients) and is_grads_batched=True are not supported."""
    if create_graph:
        raise NotImplementedError(
            "grad(create_graph=True): deepstep's backward passes record no graph, so gradients of "
            "gradients are not available (a deliberate difference from PyTorch)"
        )
    if is_grads_batched:
        raise NotImplementedError(
            "grad(is_grads_batched=True) is not supported: call grad once per grad_output"
        )
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outs, ins = _tensors(outputs, "grad"), _tensors(inputs, "grad")
    _refresh_views(outs)  # views whose base was written since stand for the base's current value
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if grad_outputs is None:
        given = [None] * len(outs)
    else:
        given = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    if len(given) != len(outs):
        raise RuntimeError(f"got {len(outs)} tensors and {len(given)} gradients")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    if any(not t.requires_grad for t in ins):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = [(t, _grad_output(t, g, i)) for i, (t, g) in enumerate(zip(outs, given, strict=True))]
    leaves, made = _backpropagate(seeds, bool(retain_graph), wanted=ins)
    results: list[Tensor | None] = []
    handed: set[int] = set()  # arrays already returned (or given as grad_outputs): copy before repeating
    handed.update(id(seed) for _, seed in seeds)
    for i, t in enumerate(ins):
        g = leaves[id(t)][1] if t._creator is None and id(t) in leaves else made.get(id(t._creator))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            results.append(Tensor._from_op(np.zeros_like(t.data), None) if materialize_grads else None)
            continue
        if id(g) in handed or g.base is not None or not g.flags.writeable:
            g = g.copy()
        handed.add(id(g))
        results.append(Tensor._from_op(g, None))
    return tuple(results)


def _grad_output(output: Tensor, given: Any, index: int) -> np.ndarray:
    """The gradient that seeds `output` in grad(): ones for a one-element output when none is given."""
    if given is None:
        if output.data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        _refuse_complex_seed(output)
        return np.ones_like(output.data)
    seed = np.array(as_array(given), dtype=output.data.dtype, copy=True)
    if seed.shape != output.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {tuple(seed.shape)} and "
            f"output[{index}] has a shape of {tuple(output.shape)}."
        )
    return seed


def _tensors(items: Any, caller: str) -> list[Tensor]:
    """A tensor or a sequence of tensors, as a list (what grad() and backward() take)."""
    if isinstance(items, Tensor):
        return [items]
    items = list(items)
    for item in items:
        if not isinstance(item, Tensor):
            raise TypeError(f"{caller}() expected Tensors, got {type(item).__name__}")
    return items


def _store_grad(t: Tensor, g: np.ndarray, owned: set[int], copy: bool = False) -> None:
    """Add g into t.grad. The first gradient is stored without copying when nothing else holds it."""
    if t.grad is None:
        if copy or g.base is not None or id(g) in owned or not g.flags.writeable:
            g = g.copy()
        owned.add(id(g))
        t.grad = Tensor._from_op(g, None)
    else:
        t.grad.data = t.grad.data + g
    if _post_accumulate:  # Tensor.register_post_accumulate_grad_hook (ops_storage.py)
        run_post_accumulate_hooks(t)
