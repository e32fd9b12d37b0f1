"""Tensor: an n-dimensional array that remembers the op that made it.

`Tensor.data` is a plain NumPy array. A tensor with `requires_grad=True` is a leaf
of the graph; every op on it returns a tensor whose creator (a `Function`) keeps
the operands, so `backward()` can walk the graph from the output to the leaves
and leave each leaf's gradient in `.grad` (as in PyTorch, gradients accumulate
until zeroed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend

if TYPE_CHECKING:
    from .function import Function

__all__ = ["Tensor"]

# Counts every in-place write in the process. An op remembers the count when it saves its
# operands; at backward, if the count has not moved, nothing it saved can have been
# overwritten, and the check costs one comparison.
write_clock = [0]


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Data as an ndarray; Python floats get the default float dtype, NumPy data keeps its own."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    array = np.asarray(data)
    if array.dtype == np.float64:
        # Python floats are float64 to NumPy; deepstep, like PyTorch, defaults to float32.
        array = array.astype(backend.get_default_dtype())
    elif array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}")
    return array


def _check_can_require_grad(dtype: np.dtype) -> None:
    if dtype.kind not in "fc":
        raise TypeError(
            f"only floating-point tensors can require gradients, got dtype {dtype}; "
            "convert first, e.g. tensor.float()"
        )


class Tensor:
    """An n-d array with an optional gradient; ops on it build the graph for backward."""

    __slots__ = ("__weakref__", "_creator", "_hooks", "_version_cell", "data", "grad", "requires_grad")

    # NumPy must not swallow a Tensor in `ndarray + tensor`: it defers to our reflected ops.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        array = as_array(data, dtype)
        if requires_grad:
            _check_can_require_grad(array.dtype)
        self.data: np.ndarray = array
        self.grad: Tensor | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._creator: Function | None = None
        self._hooks: list[Callable[[Tensor], Any]] | None = None
        self._version_cell: list[int] | None = None

    @staticmethod
    def _from_op(data: np.ndarray, creator: Function | None) -> Tensor:
        """The output of an op (skips __init__'s checks; this is the hot path)."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.requires_grad = creator is not None
        out._creator = creator
        out._hooks = None
        out._version_cell = None
        return out

    # ----- the version counter: how many in-place writes this memory has had -------------
    def _shared_version(self) -> list[int]:
        """The counter cell [version, clock at the last write], made on first use; views share
        their base's cell."""
        cell = self._version_cell
        if cell is None:
            cell = self._version_cell = [0, 0]
        return cell

    def _bump_version(self) -> None:
        cell = self._shared_version()
        write_clock[0] += 1
        cell[0] += 1
        cell[1] = write_clock[0]

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was written in place (PyTorch's `_version`)."""
        return 0 if self._version_cell is None else self._version_cell[0]

    # ----- what a tensor is -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def T(self) -> Tensor:
        """All axes reversed (the transpose of a matrix)."""
        return _shape.transpose(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that records grad."""
        return self._creator is None

    @property
    def grad_fn(self) -> Function | None:
        """The op that made this tensor (None for leaves)."""
        return self._creator

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied, as torch.Tensor.numpy())."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is None:
            return self.data
        return self.data.astype(dtype, copy=bool(copy))

    def detach(self) -> Tensor:
        """The same data, cut from the graph (sharing memory and version counter, as in PyTorch)."""
        out = Tensor._from_op(self.data, None)
        out._version_cell = self._shared_version()
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf as wanting (or not) a gradient; returns self."""
        if self._creator is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        if requires_grad:
            _check_can_require_grad(self.data.dtype)
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._creator is not None:
            self._creator._retains = self

    @property
    def retains_grad(self) -> bool:
        return self._creator is not None and self._creator._retains is self

    def register_hook(self, hook: Callable[[Tensor], Any]) -> RemovableHandle:
        """Call hook(grad) whenever the gradient with respect to this tensor is computed; a hook
        that returns a tensor replaces the gradient. Returns a handle whose remove() undoes it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self if self._creator is None else self._creator
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return RemovableHandle(owner._hooks, hook)

    def zero_grad(self) -> None:
        self.grad = None

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        A scalar needs no `grad`; otherwise `grad` (the upstream gradient, same shape)
        must be given. The graph is freed afterwards unless `retain_graph=True`.
        """
        from .engine import run_backward

        run_backward(self, grad, retain_graph)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = ""
        if self.data.dtype != backend.get_default_dtype() and self.data.dtype.kind != "i":
            extras += f", dtype={self.data.dtype}"
        if self._creator is not None:
            extras += f", grad_fn={self._creator!r}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    # ----- dtype conversion (differentiable, as in PyTorch) ---------------------------
    def astype(self, dtype: Any) -> Tensor:
        return _shape.cast(self, dtype)

    to = astype

    def float(self) -> Tensor:
        return _shape.cast(self, np.float32)

    def double(self) -> Tensor:
        return _shape.cast(self, np.float64)

    def long(self) -> Tensor:
        return Tensor(self.data.astype(np.int64))

    def int(self) -> Tensor:
        return Tensor(self.data.astype(np.int32))

    def bool(self) -> Tensor:
        return Tensor(self.data.astype(bool))

    # ----- arithmetic ------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ew.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ew.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ew.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ew.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ew.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ew.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ew.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ew.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ew.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ew.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ew.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ew.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ew.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ew.abs(self)

    # ----- comparisons: not differentiable, they give boolean tensors -------------------
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.data == as_array(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.data != as_array(other))

    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < as_array(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= as_array(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > as_array(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= as_array(other))

    # Tensors hash by identity (as in PyTorch), since == is elementwise.
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.data.item())

    def any(self) -> Tensor:
        return Tensor(self.data.any())

    def all(self) -> Tensor:
        return Tensor(self.data.all())

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
        return Tensor(self.data.argmax(axis=_reduce.pick_axis(axis, dim), keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
        return Tensor(self.data.argmin(axis=_reduce.pick_axis(axis, dim), keepdims=keepdims))

    # ----- indexing --------------------------------------------------------------------
    def __getitem__(self, index: Any) -> Tensor:
        return _index.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _index.setitem(self, index, value)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))


class RemovableHandle:
    """What register_hook returns: remove() takes the hook off again."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# The ops attach themselves as methods below; imported last because they need Tensor.
from . import ops_activation as _act  # noqa: E402
from . import ops_elementwise as _ew  # noqa: E402
from . import ops_index as _index  # noqa: E402
from . import ops_layout as _layout  # noqa: E402
from . import ops_linalg as _linalg  # noqa: E402
from . import ops_logic as _logic  # noqa: E402
from . import ops_math as _math  # noqa: E402
from . import ops_reduce as _reduce  # noqa: E402
from . import ops_scan as _scan  # noqa: E402
from . import ops_shape as _shape  # noqa: E402

for _module in (_ew, _reduce, _shape, _act, _math, _logic, _scan, _index, _linalg, _layout):
    for _name in _module.TENSOR_METHODS:
        setattr(Tensor, _name, getattr(_module, _name))
del _module, _name
