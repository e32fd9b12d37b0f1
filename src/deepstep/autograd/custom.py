"""PyTorch's way of writing an op: static forward(ctx, …) and backward(ctx, …) on tensors, called
through `MyOp.apply(…)`, as torch.autograd.Function subclasses are written.

deepstep's own ops are Functions on arrays (forward(self, *arrays), backward(self, g); see
function.py). Code written for PyTorch keeps what backward needs on a context object instead:

    class Exp(ds.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y          # ∂L/∂x = ∂L/∂y · eʸ

`apply` runs such a class as one node of the graph (a ContextOp): its forward without recording,
its backward with the outputs' gradients as tensors, one gradient (or None) per argument of
forward, with PyTorch's checks of what backward returns.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .function import Function, unbroadcast
from .grad_mode import _mode, no_grad
from .tensor import Tensor, write_clock

__all__ = ["FunctionCtx", "apply_with_context", "written_with_context"]


class FunctionCtx:
    """The `ctx` of a PyTorch-style Function: save_for_backward / saved_tensors, needs_input_grad,
    mark_non_differentiable, set_materialize_grads, and any attribute forward sets for backward."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self.to_save: tuple[Any, ...] = ()
        self.non_differentiable: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep these tensors (or None) for backward, which reads them as ctx.saved_tensors."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors, but argument was {type(t).__name__}"
                )
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        return self.to_save

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs that get no gradient (indices, masks): they do not require grad, and backward
        receives zeros for them (or None without materialized gradients)."""
        self.non_differentiable.update(id(t) for t in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward receives zeros (True, the default) or None for an unused output."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        raise NotImplementedError(
            "ctx.mark_dirty: a PyTorch-style Function may not write its inputs in place in deepstep; "
            "return a new tensor, or write an array-level Function with inplace() (see function.py)"
        )


def written_with_context(cls: type) -> bool:
    """Whether a Function subclass is written PyTorch's way (a static forward taking ctx, or
    setup_context), rather than deepstep's (forward(self, *arrays))."""
    return isinstance(inspect.getattr_static(cls, "forward", None), staticmethod)


class ContextOp(Function):
    """One call of a PyTorch-style Function in the graph. Its outputs were computed when it was made;
    several floating outputs travel as one flat array (the op's output), each a slice of it."""

    saved_inputs = ()  # what backward needs is on the ctx: the version check looks at that instead

    def __init__(self, cls: type, ctx: FunctionCtx, outputs: list[np.ndarray], args: tuple) -> None:
        self.cls, self.ctx, self.outputs, self.args = cls, ctx, outputs, args
        self.reached: set[int] = set()  # of several outputs, those a gradient came to in this backward

    def __repr__(self) -> str:
        return f"<{self.cls.__name__}Backward>"

    def forward(self, *arrays: Any) -> np.ndarray:
        if len(self.outputs) == 1:
            return self.outputs[0]
        return np.concatenate([out.ravel() for out in self.outputs])

    def backward(self, g: np.ndarray) -> list[np.ndarray | None]:
        grads: list[np.ndarray | None] = []
        start = 0
        for index, out in enumerate(self.outputs):
            if len(self.outputs) == 1:
                grads.append(g)
            elif index in self.reached or self.ctx.materialize_grads:  # (else zeros: PyTorch's None)
                grads.append(g[start : start + out.size].reshape(out.shape))
            else:
                grads.append(None)
            start += out.size
        self.reached.clear()
        with no_grad():
            returned = self.cls.backward(self.ctx, *self._with_unused(grads))
        return self._checked(returned if isinstance(returned, tuple) else (returned,))

    def _with_unused(self, grads: list[np.ndarray | None]) -> list[Any]:
        """The gradient of every output forward returned, in order: the floating ones from g, zeros
        (or None) for those marked non-differentiable."""
        given, result = iter(grads), []
        for kind, value in self.ctx.all_outputs:
            if kind == "differentiable":
                grad = next(given)
                result.append(None if grad is None else Tensor._from_op(grad, None))
            elif kind == "constant" and self.ctx.materialize_grads:
                result.append(Tensor._from_op(np.zeros_like(value), None))
            else:
                result.append(None)
        return result

    def _checked(self, returned: tuple) -> list[np.ndarray | None]:
        """PyTorch's checks: one gradient per argument of forward, None where the argument is not a
        tensor, each of the argument's shape (or one that sums to it) and then of its dtype."""
        name = f"{self.cls.__name__}Backward"
        if len(returned) != len(self.args):
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients "
                f"(expected {len(self.args)}, got {len(returned)})"
            )
        grads: list[np.ndarray | None] = []
        for index, (arg, grad) in enumerate(zip(self.args, returned, strict=True)):
            if not isinstance(arg, Tensor):
                if grad is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position "
                        f"{index + 1}, but the corresponding forward input was not a Variable"
                    )
                grads.append(None)
                continue
            if grad is None or not arg.requires_grad:
                grads.append(None)
                continue
            array = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
            if array.shape != arg.shape:
                try:
                    fits = np.broadcast_shapes(arg.shape, array.shape) == array.shape
                except ValueError:
                    fits = False
                if not fits:
                    raise RuntimeError(
                        f"Function {name} returned an invalid gradient at index {index} - got "
                        f"{list(array.shape)} but expected shape compatible with {list(arg.shape)}"
                    )
                array = unbroadcast(array, arg.shape)
            grads.append(array.astype(arg.data.dtype, copy=False))
        return grads


def apply_with_context(cls: type, args: tuple, kwargs: dict[str, Any]) -> Any:
    """cls.forward(ctx, *args, **kwargs) (or forward(*args) then setup_context), as one op of the
    graph when an argument requires grad and grad mode is on."""
    if kwargs:  # bound to forward's parameters, as positional arguments: each may get a gradient
        forward = inspect.getattr_static(cls, "forward").__func__
        parameters = list(inspect.signature(forward).parameters)
        takes_ctx = not _has_setup_context(cls)
        bound = inspect.signature(forward).bind(*((None,) if takes_ctx else ()), *args, **kwargs)
        bound.apply_defaults()
        args = tuple(bound.arguments[p] for p in parameters[takes_ctx:])
    ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
    with no_grad():
        if _has_setup_context(cls):
            result = cls.forward(*args)
            cls.setup_context(ctx, args, result)
        else:
            result = cls.forward(ctx, *args)
    several = isinstance(result, tuple)
    results = result if several else (result,)
    record = _mode.enabled and any(ctx.needs_input_grad)
    # which outputs get gradients: floating tensors forward did not mark non-differentiable
    ctx.all_outputs = [
        (
            "differentiable"
            if isinstance(r, Tensor) and r.data.dtype.kind in "fc" and id(r) not in ctx.non_differentiable
            else "constant"
            if isinstance(r, Tensor)
            else "other",
            r.data if isinstance(r, Tensor) else r,
        )
        for r in results
    ]
    floating = [value for kind, value in ctx.all_outputs if kind == "differentiable"]
    if not record or not floating:
        return result if several else results[0]
    if len({a.dtype for a in floating}) > 1:
        raise TypeError(
            f"{cls.__name__}.forward returned floating outputs of different dtypes "
            f"({', '.join(str(a.dtype) for a in floating)}); deepstep needs one dtype for them"
        )
    op = ContextOp(cls, ctx, floating, args)
    node = op(*args)
    # the in-place check: saved inputs by their version counters; a saved output is the op's own,
    # which an in-place write then marks as gone (as for deepstep's ops that keep their result)
    outputs = {id(r) for r in results}
    op._saved_tensors = tuple(t for t in ctx.to_save if t is not None and id(t) not in outputs)
    op.saves_output = any(id(t) in outputs for t in ctx.to_save)
    op._recorded_at = write_clock[0]
    pieces, start = [], 0
    for index, array in enumerate(floating):
        if len(floating) == 1:
            pieces.append(node)
            break
        piece = node[start : start + array.size].reshape(array.shape)
        piece.register_hook(lambda g, index=index: op.reached.add(index))  # this output got a gradient
        pieces.append(piece)
        start += array.size
    given = iter(pieces)
    out = tuple(
        next(given) if kind == "differentiable" else r
        for (kind, _), r in zip(ctx.all_outputs, results, strict=True)
    )
    return out if several else out[0]


def _has_setup_context(cls: type) -> bool:
    """Whether forward leaves ctx to a separate setup_context(ctx, inputs, output), as PyTorch allows."""
    setup = inspect.getattr_static(cls, "setup_context", None)
    return isinstance(setup, staticmethod)
