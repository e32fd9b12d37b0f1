"""Function: one differentiable op, its forward and its backward side by side.

A subclass writes `forward(*arrays) -> array` and `backward(grad) -> one gradient
per input`. Calling the instance on tensors runs forward and, when some input
requires grad, records the instance as the output's creator so `backward()` can
call it later. Constants (Python numbers, NumPy arrays) may be mixed with tensors.

The same instance can instead run in place (`inplace(target, *others)`: PyTorch's `add_`,
`mul_`, index assignment): the result is written into the target's memory, the target's
version counter goes up, and the target then stands for the new value in the graph.

Complex tensors follow PyTorch's convention: for a real loss L, z.grad = ∂L/∂Re z + i·∂L/∂Im z, so a
holomorphic f passes back g·conj(f′(z)), not g·f′(z). An op whose forward is holomorphic sets
`holomorphic = True` and writes backward as the formula of the notes, g·f′(z); `chain_rule` runs it
on conj(g) and conjugates what comes back: conj(conj(g)·f′(z)) = g·conj(f′(z)). So each formula is
written once for real and complex tensors, and real gradients pay nothing. Every other op's backward
is PyTorch's convention as written: linear ops with real coefficients (sums, reshapes, indexing) need
nothing, and the functions that are not holomorphic (abs, angle, real, imag, conj, sgn) and the fft
adjoints write their complex formulas out.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, DTypeNotImplementedError, ShapeError
from .grad_mode import _Anomaly, _mode, no_grad
from .graph import Node, next_node, register_hook, register_prehook
from .tensor import RemovableHandle, Tensor, write_clock

__all__ = ["Function", "once_differentiable", "real_if_cast", "refuse_complex", "unbroadcast"]

# Every recorded op gets the next number: an op's inputs were made by older ops, so
# visiting ops newest-first is a topological order of the graph.
_sequence = itertools.count(1)

# Set by the first recorded in-place write into memory that views may share (a view, or a tensor
# that has a version counter): from then on an op checks its tensor inputs for views made stale by
# such a write (see _refresh_view). Until then the check costs one load per op. Measured: a * b on
# 8 elements, 2.46 µs with the check off, 2.54 µs on (median of 15).
_views_written = [False]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo NumPy broadcasting: an operand copied along an axis gets the sum over its copies.

    This is the one place where broadcasting is undone; every op relies on it.
    """
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and grad.shape[leading + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=not leading)
    return grad if grad.shape == shape else grad.reshape(shape)


def refuse_complex(op: str, *operands: Any) -> None:
    """Raise PyTorch's error for an op its kernels lack for complex tensors (orderings: relu, max,
    sort, clamp; losses and pools), naming the op and the complex dtype that came. NumPy would
    compute something (it orders complex numbers by real part, then imaginary), silently."""
    for x in operands:
        dtype = getattr(x, "dtype", None)
        if dtype is not None and getattr(dtype, "kind", None) == "c":
            raise DTypeNotImplementedError(f"{op} is not implemented for complex tensors (got {dtype})")


class Function(Node):
    """Base of every op. Subclasses define `forward` and `backward`; see the module doc. As a node of
    the graph (graph.py): name(), next_functions, metadata, register_hook, register_prehook."""

    #: One entry per operand of the call: the tensor where it wants a gradient, else None.
    #: The whole list is None once backward has freed the op.
    inputs: list[Tensor | None] | None = None
    #: The op's number in the order of recording (see `parent`).
    seq = 0
    #: For an op run in place: the tensor standing for the target's value before the write.
    replaced: Tensor | None = None

    #: What backward reads of its operands, for the in-place check: None means every tensor
    #: operand, () none (sums, reshapes); `saves_output` marks ops that keep their result.
    saved_inputs: tuple[int, ...] | None = None
    saves_output = False
    #: The output is a view of input 0's memory (reshape, transpose, slicing): both share one
    #: version counter, so writing into either invalidates what was saved of the other.
    is_view = False
    #: Optional array-level type promotion run before forward (see dtypes.result_type).
    promote: Callable[[list[Any]], list[Any]] | None = None
    #: forward is holomorphic and backward is the real formula g·f′: for a complex gradient,
    #: chain_rule conjugates around it (see the module doc). False: backward is PyTorch's convention.
    holomorphic = False
    #: PyTorch's name of an op it refuses for complex tensors ("relu", "max_pool2d"): a complex operand
    #: is then refused before forward, in this one place (see refuse_complex). None: complex is fine.
    real_only: str | None = None

    # hooks on the gradient of the output (Tensor.register_hook on a non-leaf), retain_grad
    _hooks: list[Callable[[Tensor], Any]] | None = None
    _retains: Tensor | None = None
    _post_hooks: list[Callable[..., Any]] | None = None  # Node.register_hook
    _saved_tensors: Sequence[Any] | None = None
    _recorded_at = 0
    _output_written = False
    forward_stack: list[str] | None = None  # in anomaly mode: the stack that made this op

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """PyTorch's call, MyOp.apply(x, …). A subclass written PyTorch's way (static forward(ctx, …)
        and backward(ctx, …) on tensors, see custom.py) runs as one op of the graph; one written
        deepstep's way (forward(self, *arrays)) is cls(**kwargs)(*args)."""
        from .custom import apply_with_context, written_with_context

        if written_with_context(cls):
            return apply_with_context(cls, args, kwargs)
        return cls(**kwargs)(*args)

    def forward(self, *arrays: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Sequence[np.ndarray | None]:
        raise NotImplementedError

    def chain_rule(self, g: np.ndarray) -> Sequence[np.ndarray | None]:
        """The gradients of the inputs from g, that of the output: backward(g), and for a holomorphic
        op with a complex g, conj(backward(conj g)) (PyTorch's convention, see the module doc)."""
        if not (self.holomorphic and g.dtype.kind == "c"):
            return self.backward(g)
        return [None if x is None else np.conj(x) for x in self.backward(np.conj(g))]

    def __call__(self, *inputs: Any) -> Tensor:
        check_views = _views_written[0] and _mode.enabled
        record = False
        arrays = []
        for x in inputs:
            if isinstance(x, Tensor):
                if check_views and x._view_of is not None and x._view_of[2] != x._version_cell[0]:
                    _refresh_view(x)  # before requires_grad is read: the base may have gained it
                arrays.append(x.data)
                record = record or x.requires_grad
            else:
                arrays.append(x)
        if self.promote is not None:
            arrays = self.promote(arrays)
        if self.real_only is not None:
            refuse_complex(self.real_only, *arrays)
        try:
            out = self.forward(*arrays)
        except ValueError as error:
            raise self.explain(error, arrays) from None
        if type(out) is not np.ndarray:
            # NumPy returns scalars from 0-d ufuncs; a Tensor always holds an ndarray.
            out = np.asarray(out)
        if record and _mode.enabled:
            result = Tensor._from_op(out, self)
            self._record(inputs, result)
        else:
            result = Tensor._from_op(out, None)
        if self.is_view and isinstance(inputs[0], Tensor) and np.may_share_memory(out, arrays[0]):
            source = inputs[0]
            result._version_cell = cell = source._shared_version()
            view_of = source._view_of
            base, chain = (view_of[0], view_of[1]) if view_of else (source, ())
            result._view_of = (base, (*chain, self), cell[0])
        return result

    def explain(self, error: ValueError, arrays: list[Any]) -> ValueError:
        """The error to raise when forward raised a ValueError (ops add what they know)."""
        return error

    def _record(self, inputs: Sequence[Any], output: Tensor) -> None:
        """Make this op a node of the graph: its edges, its number, and what it saved."""
        self.inputs = [x if isinstance(x, Tensor) and x.requires_grad else None for x in inputs]
        self.seq = next(_sequence)
        if _Anomaly.enabled:  # the lines that made this op, for the error a NaN in its backward gives
            self.forward_stack = user_stack()
        saved = self.saved_inputs
        if saved is None:
            self._saved_tensors = inputs
        elif saved:
            self._saved_tensors = tuple(inputs[i] for i in saved if i < len(inputs))
        else:
            return
        self._recorded_at = write_clock[0]

    def check_saved_versions(self) -> None:
        """Refuse to run backward on values that an in-place op has overwritten since forward."""
        if self._output_written:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: the output of {self!r}, which it saved, was written in place "
                "after it was computed. Compute the in-place op on a clone(), or out of place"
            )
        if self._saved_tensors is None or self._recorded_at == write_clock[0]:
            return
        for x in self._saved_tensors:
            cell = x._version_cell if isinstance(x, Tensor) else None
            if cell is not None and cell[1] > self._recorded_at:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: a tensor of shape {x.data.shape} saved by {self!r} is at "
                    f"version {cell[0]}, written after it was saved. Compute the in-place op on a "
                    "clone(), or out of place"
                )

    def inplace(self, target: Tensor, *others: Any) -> Tensor:
        """target ← this op applied to (target, *others), written into target's memory.

        Recorded in the graph like the out-of-place op when grad is on: target then stands for
        the new value, while ops that used the old value still send their gradients to it."""
        _check_inplace(target)
        inputs = (target, *others)
        if _views_written[0]:
            _refresh_views(inputs)  # a stale target's old value is the base's, seen through it
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        if self.promote is not None:
            arrays = self.promote(arrays)
        if self.real_only is not None:
            refuse_complex(self.real_only, *arrays)
        record = _mode.enabled and any(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        keeps_target = self.saved_inputs is None or 0 in self.saved_inputs
        if record and keeps_target and arrays[0] is target.data:
            arrays[0] = target.data.copy()  # backward needs the value from before the write
        try:
            result = self.forward(*arrays)
        except ValueError as error:
            raise self.explain(error, arrays) from None
        if not isinstance(result, np.ndarray) or result is not target.data:
            _write_into(target, np.asarray(result))
        if record and target._version_cell is not None:  # its memory may be seen through views
            _views_written[0] = True
        target._bump_version()
        for written in (target, target._view_of[0]) if target._view_of else (target,):
            if written._creator is not None and written._creator.saves_output:
                written._creator._output_written = True  # what that op saved of its result is gone
        if record:
            old = Tensor._from_op(arrays[0], target._creator) if target.requires_grad else None
            if target._view_of is None:
                self._record((old, *others), target)
                self.replaced = old
                target._creator = self
                target.requires_grad = True
            else:  # the new value is this op's output; the base, and the view of it, are rebased on it
                new_value = Tensor._from_op(target.data, self)
                self._record((old, *others), new_value)
                _rebase_view(target, old, new_value)
        return target

    def parent(self, x: Tensor) -> Function | None:
        """The op that made input x when this op was recorded (None for a leaf).

        An in-place op recorded later gives x a new creator; each such op keeps the value it
        replaced, so walking back along them finds the creator this op saw."""
        creator = x._creator
        while creator is not None and creator.seq > self.seq:
            old = creator.replaced
            creator = None if old is None else old._creator
        return creator

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """Per input, (the node its gradient goes to next, 0); () once backward has freed the op."""
        return () if self.inputs is None else tuple(next_node(self, x) for x in self.inputs)

    def register_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """hook(grad_inputs, grad_outputs) after this op's backward; may return new grad_inputs."""
        return register_hook(self, hook)

    def register_prehook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """hook(grad_outputs) before this op's backward; may return new grad_outputs."""
        return register_prehook(self, hook)

    def needs_grad(self, i: int) -> bool:
        """Whether input i is a tensor that wants a gradient (lets backward skip work)."""
        return self.inputs[i] is not None

    def to_inputs(self, *grads: np.ndarray | None) -> list[np.ndarray | None]:
        """Hand each input its gradient, summed back over broadcasting; None where unwanted."""
        out: list[np.ndarray | None] = []
        for x, g in zip(self.inputs, grads, strict=True):
            if x is None or g is None:
                out.append(None)
            else:
                shape = x.data.shape
                out.append(g if g.shape == shape else unbroadcast(g, shape))
        return out

    def release(self) -> None:
        """Free what forward saved; a second backward through this op then raises."""
        if self.is_view:  # a view op keeps its few numbers: in-place ops on its views replay it
            self.inputs = None
            return
        seq, replaced = self.seq, self.replaced
        self.__dict__.clear()
        self.inputs = None
        if replaced is not None:  # kept: older ops find their parents through it (see parent)
            self.seq, self.replaced = seq, replaced

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


def _check_inplace(target: Tensor) -> None:
    if not isinstance(target, Tensor):
        raise TypeError(f"an in-place op needs a Tensor to write into, got {type(target).__name__}")
    if not _mode.enabled:
        return
    if target.requires_grad and target._creator is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation; "
            "update parameters inside `with deepstep.no_grad():`"
        )
    if target._view_of is not None:
        base = target._view_of[0]
        if base.requires_grad and base._creator is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation; "
                "update parameters inside `with deepstep.no_grad():`"
            )


class CopySlices(Function):
    """z = a with the elements a view of it shows replaced by v (an in-place op on a view);
    ∂L/∂a = ∂L/∂z with zeros where the view is,  ∂L/∂v = ∂L/∂z at the view's positions."""

    saved_inputs = ()

    def __init__(self, positions: np.ndarray) -> None:
        self.positions = positions  # for each element of the view, its flat index in a

    def backward(self, g):
        flat = g.reshape(-1)
        grad_a = None
        if self.needs_grad(0):
            grad_a = flat.copy()
            grad_a[self.positions] = 0
            grad_a = grad_a.reshape(g.shape)
        return grad_a, flat[self.positions] if self.needs_grad(1) else None


class ViewOf(Function):
    """z = the elements of a at given positions (a view, after its base was written in place);
    ∂L/∂a = zeros with ∂L/∂z added at those positions (repeats, as in an expanded view, add up)."""

    saved_inputs = ()

    def __init__(self, positions: np.ndarray) -> None:
        self.positions = positions

    def backward(self, g):
        grad = np.zeros(self.inputs[0].data.size, dtype=g.dtype)
        np.add.at(grad, self.positions, g)
        return (grad.reshape(self.inputs[0].data.shape),)


def _view_positions(base: Tensor, chain: tuple[Function, ...]) -> np.ndarray:
    """For each element of the view that `chain` takes of `base`, its flat index in base."""
    positions = np.arange(base.data.size).reshape(base.data.shape)
    for view_op in chain:  # the same view taken of the elements' indices gives their positions
        positions = view_op.forward(positions)
    return np.array(positions, dtype=np.intp)


def _refresh_views(inputs: Sequence[Any]) -> None:
    """Bring each input that is a stale view up to date (see _refresh_view) before an op uses it."""
    if not _mode.enabled:
        return  # nothing is recorded; the view is brought up to date when grad mode uses it
    for x in inputs:
        if isinstance(x, Tensor) and x._view_of is not None and x._view_of[2] != x._version_cell[0]:
            _refresh_view(x)


def _refresh_view(view: Tensor) -> None:
    """A view whose base was written in place (through the base, or through another view) since the
    view's creator was recorded: it now stands for the base's current value at its positions,
    z = base[positions] (ViewOf), as PyTorch regenerates such a view's grad_fn from its base.

    Ops recorded before keep what they saw: the view's old creator is kept as `replaced` (see parent)."""
    base, chain, _ = view._view_of
    view._view_of = (base, chain, view._version_cell[0])
    if not base.requires_grad or (view._creator is None and view.requires_grad):
        return  # no graph to see the base through; a leaf view keeps its own gradient
    op = ViewOf(_view_positions(base, chain))
    op._record((base,), view)
    op.replaced = Tensor._from_op(view.data, view._creator) if view._creator is not None else None
    view._creator, view.requires_grad = op, True


def _rebase_view(target: Tensor, old: Tensor | None, new_value: Tensor) -> None:
    """After an in-place op wrote `new_value` into the view `target`: the base becomes CopySlices of
    its old value and new_value, and target a view of the new base (PyTorch's view rebasing)."""
    base, chain, _ = target._view_of
    target._view_of = (base, chain, target._version_cell[0])  # its creator is now the base's current one
    positions = _view_positions(base, chain)
    old_base = Tensor._from_op(base.data, base._creator) if base.requires_grad else None
    copy = CopySlices(positions)
    copy._record((old_base, new_value), base)
    copy.replaced = old_base
    base._creator, base.requires_grad = copy, True
    view = ViewOf(positions)
    view._record((base,), target)
    view.replaced = old
    target._creator, target.requires_grad = view, True


def _write_into(target: Tensor, result: np.ndarray) -> None:
    """Copy an in-place op's result into the target's memory, with PyTorch's checks."""
    if result.shape != target.data.shape:
        raise ShapeError(
            f"output with shape {target.data.shape} doesn't match the broadcast shape {result.shape}"
        )
    if not np.can_cast(result.dtype, target.data.dtype, casting="same_kind"):
        raise DTypeError(
            f"result type {result.dtype} can't be cast to the desired output type {target.data.dtype}"
        )
    if not target.data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: the written-to tensor is read-only (an expanded or broadcast "
            "view, where several elements share one memory location); clone() it first"
        )
    np.copyto(target.data, result, casting="same_kind")


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """PyTorch's decorator for a backward that cannot itself be differentiated. deepstep's backward
    passes never are (there are no gradients of gradients), so it only runs backward without
    recording."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with no_grad():
            return backward(ctx, *grads)

    return wrapper


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # deepstep's own files


def user_stack() -> list[str]:
    """The current stack as traceback formats it, without deepstep's own frames: the user's lines."""
    frames = [f for f in traceback.extract_stack() if not os.path.abspath(f.filename).startswith(_PACKAGE)]
    return traceback.format_list(frames)


def user_stacklevel() -> int:
    """The warnings.warn stacklevel of the first frame outside deepstep (as seen from the caller)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def real_if_cast(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """a, or its real part when a complex a is about to be cast to a real dtype, with PyTorch's warning
    (not NumPy's ComplexWarning). Backward needs nothing more: the real part's gradient is g + 0i."""
    if a.dtype.kind != "c" or np.dtype(dtype).kind == "c":
        return a
    warnings.warn(
        "Casting complex values to real discards the imaginary part",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    return a.real
