"""Activation checkpointing (torch.utils.checkpoint): memory for compute.

A checkpointed block y = f(x) keeps only what enters it: forward runs f without keeping the graph of
its intermediate values, and backward runs f again (from the same RNG state, so dropout draws the same
mask) with grad on and back-propagates through that fresh graph. A chain of n blocks of m layers then
holds n block inputs and one block's activations, O(n + m), instead of O(n·m), for one more forward.

Two variants, as in PyTorch:

- use_reentrant=True (the default, with PyTorch's warning when not chosen): one op over the tensor
  arguments. Its backward runs a nested backward pass through the recomputed block, which adds into
  the `.grad` of the parameters the block used, so it refuses grad() and backward(inputs=…).
- use_reentrant=False: one op over every tensor that enters the block and requires grad (arguments,
  keyword arguments, parameters, tensors of closures), found by walking the block's graph once after
  forward; backward hands each its gradient through the ordinary pass, so grad() works.

One difference from PyTorch: deepstep's ops keep what their backward needs in their own attributes,
not through saved-tensor hooks, so the non-reentrant forward records the block's graph and drops it
when the block returns (PyTorch drops each saved tensor as it is saved). What the graph keeps after
forward is the same; the peak inside one block is that of the block without checkpointing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd.custom import FunctionCtx
from ..autograd.engine import _backpropagate, _passes, _store_grad, grad
from ..autograd.function import Function, _sequence, user_stacklevel
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ..random import fork_rng, get_rng_state, set_rng_state

__all__ = ["checkpoint", "checkpoint_sequential"]

_DEFAULT_WARNING = (
    "{name}: the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, "
    "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
    "recommended, but if you need to preserve the current default behavior, you can pass "
    "use_reentrant=True. Refer to docs for more details on the differences between the two variants."
)


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    preserve_rng_state: bool = True,
    context_fn: Callable[[], Any] | None = None,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """function(*args, **kwargs), keeping only its inputs for backward, which recomputes the rest.

    Gradients equal those of the plain call (dropout included: the RNG state of forward is restored
    for the recomputation unless preserve_rng_state=False). `early_stop` is accepted and has no effect
    (the recomputation always runs to the end); context_fn and debug are not supported."""
    if use_reentrant is None:
        warnings.warn(
            _DEFAULT_WARNING.format(name="torch.utils.checkpoint"), UserWarning, stacklevel=user_stacklevel()
        )
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
        if context_fn is not None or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    if context_fn is not None or debug:
        raise NotImplementedError(
            "checkpoint(context_fn=…, debug=True) is not supported by deepstep: leave them out"
        )
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"determinism_check should be one of ['default', 'none'], but got {determinism_check}"
        )
    return _checkpoint_without_reentrant(function, preserve_rng_state, determinism_check, args, kwargs)


def checkpoint_sequential(
    functions: Any,
    segments: int,
    input: Any,  # noqa: A002 (PyTorch names it input)
    use_reentrant: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Run `functions` (a Sequential or a list of callables) in order on `input`, as `segments`
    checkpointed chunks of len // segments functions each; the last chunk keeps its graph."""
    from ..nn import Sequential

    if use_reentrant is None:
        warnings.warn(
            _DEFAULT_WARNING.format(name="torch.utils.checkpoint.checkpoint_sequential"),
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start: int, end: int, functions: Sequence[Any]) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = functions[j](x)
            return x

        return forward

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    x = input
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        x = checkpoint(
            run_function(start, end, functions),
            x,
            use_reentrant=use_reentrant,
            preserve_rng_state=preserve,
        )
    return run_function(end + 1, len(functions) - 1, functions)(x)


def _detached(x: Any) -> Any:
    """A tensor argument as a leaf of the recomputed graph (same data, same requires_grad)."""
    if not isinstance(x, Tensor):
        return x
    out = x.detach()
    out.requires_grad = x.requires_grad
    return out


class CheckpointFunction(Function):
    """The reentrant variant: forward(f, preserve, *args) = f(*args) without a graph; backward runs f
    again and a nested backward pass through it (PyTorch's CheckpointFunction)."""

    @staticmethod
    def forward(
        ctx: FunctionCtx, run_function: Callable[..., Any], preserve_rng_state: bool, *args: Any
    ) -> Any:
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        ctx.fwd_cpu_state = get_rng_state() if preserve_rng_state else None
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]  # tensors come back saved
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        return run_function(*args)  # apply runs forward under no_grad: no graph is kept

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> tuple[Any, ...]:
        if _passes and _passes[-1].selective:
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing "
                "an `inputs` parameter to .backward(). To resolve this error, you can either set "
                "use_reentrant=False, or call .backward() without passing the `inputs` argument."
            )
        inputs = list(ctx.inputs)
        for index, tensor in zip(ctx.tensor_indices, ctx.saved_tensors, strict=True):
            inputs[index] = tensor
        with fork_rng(enabled=ctx.preserve_rng_state):
            if ctx.preserve_rng_state:
                set_rng_state(ctx.fwd_cpu_state)
            detached = [_detached(a) for a in inputs]
            with enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        seeds = [
            (out, g.data.astype(out.data.dtype, copy=False))
            for out, g in zip(outputs, grads, strict=False)
            if isinstance(out, Tensor) and out.requires_grad and g is not None
        ]
        if not seeds:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        # the nested pass: every leaf the block reaches (its parameters too) gets its .grad here
        leaves, _ = _backpropagate(seeds, retain_graph=False)
        owned: set[int] = set()
        for leaf, g in leaves.values():
            _store_grad(leaf, g, owned)
        return (None, None, *(a.grad if isinstance(a, Tensor) else None for a in detached))


class _State:
    """What the non-reentrant op keeps of its block: the call and the RNG state to run it again."""

    def __init__(self, function: Callable[..., Any], args: tuple, kwargs: dict, preserve: bool, check: bool):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.rng_state = get_rng_state() if preserve else None
        self.check = check  # determinism_check="default": the recomputed outputs' shapes and dtypes
        self.outputs: list[Any] = []  # the block's output arrays, until forward hands them out
        self.meta: tuple[list[Any], list[Any]] = ([], [])  # their shapes and dtypes, for the check
        self.constant: list[bool] = []  # per output: it does not require grad


def _checkpoint_without_reentrant(
    function: Callable[..., Any], preserve: bool, determinism_check: str, args: tuple, kwargs: dict
) -> Any:
    state = _State(function, args, kwargs, preserve, determinism_check == "default")
    start = next(_sequence)  # the block's ops are those numbered after this
    result = function(*args, **kwargs)
    tensors, rebuild = _flatten(result)
    entering = _entering(tensors, start)
    if not entering:  # nothing that requires grad came in (or grad is off): there is nothing to recompute
        return result
    state.outputs = [t.data for t in tensors]
    state.constant = [not t.requires_grad for t in tensors]
    del result, tensors  # the block's graph goes with its outputs
    outputs = _Recompute.apply(state, *entering)
    return rebuild(list(outputs) if isinstance(outputs, tuple) else [outputs])


def _flatten(result: Any) -> tuple[list[Tensor], Callable[[list[Any]], Any]]:
    """The tensors of a block's result (a tensor, or tuples, lists and dicts of them and of other
    values), and the function that puts replacements back in their places."""
    if isinstance(result, Tensor):
        return [result], lambda new: new[0]
    if isinstance(result, (tuple, list, dict)):
        items = list(result.values()) if isinstance(result, dict) else list(result)
        parts = [_flatten(item) for item in items]

        def rebuild(new: list[Any]) -> Any:
            rebuilt, at = [], 0
            for tensors, rebuild_item in parts:
                rebuilt.append(rebuild_item(new[at : at + len(tensors)]))
                at += len(tensors)
            if isinstance(result, dict):
                return dict(zip(result.keys(), rebuilt, strict=True))
            return type(result)(rebuilt) if type(result) in (tuple, list) else type(result)(*rebuilt)

        return [t for tensors, _ in parts for t in tensors], rebuild
    return [], lambda new: result


def _entering(outputs: list[Tensor], start: int) -> list[Tensor]:
    """The tensors from outside the block that requires grad and that its ops read: walking back from
    the outputs through the ops numbered after `start`, every input made elsewhere (a leaf, or the
    result of an older op). An output that is itself such a tensor counts too."""
    found: dict[int, Tensor] = {}
    seen: set[int] = set()
    stack: list[Function] = []
    for out in outputs:
        if not out.requires_grad:
            continue
        if out._creator is not None and out._creator.seq > start:
            if id(out._creator) not in seen:
                seen.add(id(out._creator))
                stack.append(out._creator)
        else:
            found[id(out)] = out
    while stack:
        op = stack.pop()
        for x in op.inputs:
            if x is None:
                continue
            parent = op.parent(x)
            if parent is not None and parent.seq > start:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
            else:
                found[id(x)] = x
    return list(found.values())


def _cut(outputs: list[Tensor], start: int, proxies: dict[int, Tensor]) -> None:
    """Make the recomputed graph end at the proxies: each input of its ops made outside the block
    becomes the proxy of that tensor, so the recomputation's backward never enters the graph around
    it (whose ops run later in the outer pass, with their hooks, once)."""
    seen: set[int] = set()
    stack = [o._creator for o in outputs if o._creator is not None and o._creator.seq > start]
    while stack:
        op = stack.pop()
        if id(op) in seen:
            continue
        seen.add(id(op))
        for i, x in enumerate(op.inputs):
            if x is None:
                continue
            parent = op.parent(x)
            if parent is not None and parent.seq > start:
                stack.append(parent)
            elif id(x) in proxies:
                op.inputs[i] = proxies[id(x)]
            else:
                raise RuntimeError(
                    "torch.utils.checkpoint: the recomputation read a tensor that requires grad which the "
                    f"original forward did not (shape {tuple(x.shape)}): the checkpointed function must "
                    "read the same tensors each time it runs"
                )


class _Recompute(Function):
    """The non-reentrant variant: forward hands out the outputs the block computed; backward runs the
    block again and takes the gradients of the tensors that entered it through the recomputed graph."""

    @staticmethod
    def forward(ctx: FunctionCtx, state: _State, *entering: Tensor) -> Any:
        ctx.state = state
        ctx.save_for_backward(*entering)  # an in-place write to one of them before backward is refused
        outputs = tuple(Tensor._from_op(a, None) for a in state.outputs)
        ctx.mark_non_differentiable(*(t for t, c in zip(outputs, state.constant, strict=True) if c))
        state.meta = [a.shape for a in state.outputs], [a.dtype for a in state.outputs]
        state.outputs = []  # the outputs' arrays are the caller's now: the op keeps no reference
        return outputs if len(outputs) != 1 else outputs[0]

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> tuple[Any, ...]:
        state, entering = ctx.state, ctx.saved_tensors
        with fork_rng(enabled=state.rng_state is not None):
            if state.rng_state is not None:
                set_rng_state(state.rng_state)
            start = next(_sequence)
            with enable_grad():
                outputs, _ = _flatten(state.function(*state.args, **state.kwargs))
        _check_recomputed(state, outputs)
        proxies = {id(x): _detached(x) for x in entering}
        _cut(outputs, start, proxies)
        result = {id(x): None for x in entering}
        through, seeds = [], []
        for out, g, constant in zip(outputs, grads, state.constant, strict=True):
            if constant or g is None or not out.requires_grad:
                continue
            if id(out) in result:  # the block returned a tensor that entered it: its gradient is g
                result[id(out)] = g if result[id(out)] is None else result[id(out)] + g
            else:
                through.append(out)
                seeds.append(g)
        if through:
            found = grad(through, list(proxies.values()), seeds, allow_unused=True)
            for x, g in zip(entering, found, strict=True):
                if g is not None:
                    result[id(x)] = g if result[id(x)] is None else result[id(x)] + g
        return (None, *(result[id(x)] for x in entering))


def _check_recomputed(state: _State, outputs: list[Tensor]) -> None:
    """determinism_check="default": the recomputation must give outputs of the same shapes and dtypes."""
    if not state.check:
        return
    shapes, dtypes = state.meta
    got = ([o.data.shape for o in outputs], [o.data.dtype for o in outputs])
    if got != (shapes, dtypes):
        raise RuntimeError(
            "torch.utils.checkpoint: Recomputed values for the following tensors have different metadata "
            f"than during the forward pass: the forward gave shapes {shapes} and dtypes {dtypes}, the "
            f"recomputation {got[0]} and {got[1]}"
        )
