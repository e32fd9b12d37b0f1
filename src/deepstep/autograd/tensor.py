"""Tensor: an n-dimensional array that remembers the op that made it.

`Tensor.data` is a plain NumPy array. A tensor with `requires_grad=True` is a leaf
of the graph; every op on it returns a tensor whose creator (a `Function`) keeps
the operands, so `backward()` can walk the graph from the output to the leaves
and leave each leaf's gradient in `.grad` (as in PyTorch, gradients accumulate
until zeroed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from ..errors import DimError, DTypeError, ShapeError
from .dims import normalize_dim
from .dtypes import to_dtype
from .size import Size

if TYPE_CHECKING:
    from .function import Function

__all__ = ["Tensor"]

# Counts every in-place write in the process. An op remembers the count when it saves its
# operands; at backward, if the count has not moved, nothing it saved can have been
# overwritten, and the check costs one comparison.
write_clock = [0]

_new_tuple = tuple.__new__


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Data as an ndarray; Python floats get the default float dtype, NumPy data keeps its own."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        array = np.asarray(data, dtype=dtype)
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        array = np.asarray(data)
        if array.dtype == np.float64:
            # Python floats are float64 to NumPy; deepstep, like PyTorch, defaults to float32.
            array = array.astype(backend.get_default_dtype())
    if array.dtype.kind in "OUSVMm":
        raise DTypeError(f"cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}")
    return array


def data_of(x: Any) -> np.ndarray:
    """The array behind a tensor, or np.asarray of anything else, its dtype kept (as_array gives Python
    floats the default float dtype; this is for inputs whose dtype is already decided)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _check_can_require_grad(dtype: np.dtype) -> None:
    if dtype.kind not in "fc":
        raise DTypeError(
            f"only Tensors of floating-point and complex dtype can require gradients, got dtype {dtype}; "
            "convert first, e.g. tensor.float()"
        )


# PyTorch's legacy type names (Tensor.type()), under deepstep's name.
_TYPE_NAMES = {
    np.dtype(np.float16): "HalfTensor",
    np.dtype(np.float32): "FloatTensor",
    np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.complex64): "ComplexFloatTensor",
    np.dtype(np.complex128): "ComplexDoubleTensor",
    np.dtype(np.int8): "CharTensor",
    np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int32): "IntTensor",
    np.dtype(np.int64): "LongTensor",
    np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.bool_): "BoolTensor",
}
_TYPES_BY_NAME = {name: dtype for dtype, name in _TYPE_NAMES.items()}


class Tensor:
    """An n-d array with an optional gradient; ops on it build the graph for backward."""

    __slots__ = (
        "__weakref__",
        "_creator",
        "_hooks",
        "_numpy_strides",  # set (True) on an empty tensor made from an empty NumPy array: see stride()
        "_version_cell",
        "_view_of",
        "data",
        "grad",
        "requires_grad",
    )

    # NumPy's protocols (numpy_protocol.py): a ufunc or NumPy function given a Tensor runs the
    # deepstep op (a Tensor in the graph) where there is one, NumPy on the data otherwise; so
    # `ndarray + tensor` is a Tensor, as `tensor + ndarray` is.
    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _numpy_protocol.array_function(func, types, args, kwargs)

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
        # (base tensor, the view ops that led from it here, the base's version when this view's
        # creator was recorded) when this tensor is a view of another; a write into the base since
        # then leaves the creator stale, and the view is brought up to date when next used
        self._view_of: tuple[Tensor, tuple[Function, ...], int] | None = None

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
        out._view_of = None
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
    def shape(self) -> Size:
        """The length of each dim, as a deepstep.Size (PyTorch's torch.Size, a tuple)."""
        # tuple.__new__ skips Size's check of the entries (NumPy's are ints). Measured: t.shape 0.10 →
        # 0.25 µs; a small CNN's training step (~12 calls) 485 → 487 µs, within the noise
        return _new_tuple(Size, self.data.shape)

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
        """The op that made this tensor (None for leaves); for a view whose base was written in place
        since, the view of the base's current value (as PyTorch's regenerated grad_fn)."""
        view_of = self._view_of
        if view_of is not None and view_of[2] != self._version_cell[0]:
            from .function import _refresh_view

            _refresh_view(self)
        return self._creator

    # ----- PyTorch's questions about size, layout and place ------------------------------
    def size(self, dim: int | None = None) -> Any:
        """The shape (a deepstep.Size), or the length of one dim (negative dims count from the end)."""
        if dim is None:
            return _new_tuple(Size, self.data.shape)
        if self.data.ndim == 0:
            raise DimError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self.data.shape[normalize_dim(dim, self.data.ndim)]

    def dim(self) -> int:
        return self.data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self.data.size)

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.itemsize

    @property
    def itemsize(self) -> int:
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take (numel × element_size, as in PyTorch, even for an expanded view)."""
        return self.data.size * self.data.itemsize

    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements (not NumPy's bytes) between neighbours along each dim, or along one."""
        strides = tuple(step // self.data.itemsize for step in self.data.strides)
        if self.data.size == 0 and not any(strides) and not getattr(self, "_numpy_strides", False):
            # NumPy gives a new empty array strides of 0; PyTorch the row-major ones, each dim's
            # length counted as at least 1 (torch.empty(0, 3).stride() is (3, 1)), except where it
            # took the array from NumPy (torch.tensor, as_tensor, from_numpy keep NumPy's strides)
            lengths = [max(n, 1) for n in self.data.shape]
            strides = tuple(math.prod(lengths[d + 1 :]) for d in range(len(lengths)))
        if dim is None:
            return strides
        if self.data.ndim == 0:
            raise DimError(f"Dimension specified as {dim} but tensor has no dimensions")
        return strides[normalize_dim(dim, self.data.ndim)]

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the elements lie in memory in row-major order without gaps (C order).

        A convolution's output is channels-last memory seen through an NCHW view (DESIGN.md), so it
        answers False where PyTorch's would answer True."""
        return bool(self.data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """The address of the first element."""
        return self.data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        """How many elements into the memory of the array it views this tensor starts."""
        base = self.data
        while isinstance(base.base, np.ndarray):
            base = base.base
        return (self.data_ptr() - base.__array_interface__["data"][0]) // self.data.itemsize

    @property
    def device(self) -> backend.device:
        """Always the CPU: deepstep's arrays are NumPy arrays."""
        return backend.CPU

    is_cuda = False
    is_cpu = True

    def cpu(self) -> Tensor:
        """Itself: the data already lives on the CPU."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Refused with a DeviceError: deepstep has the CPU only."""
        raise backend.DeviceError("deepstep computes with NumPy on the CPU only: cuda() is not available")

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self.data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self.data.dtype.kind in "ifc"

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(
                f"a Tensor with {self.data.size} elements cannot be converted to Scalar: item() needs a "
                f"tensor with one element, got shape {self.shape}"
            )
        return self.data.item()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as an ndarray, shared, not copied (as torch.Tensor.numpy()).

        Unlike PyTorch, allowed on a tensor that requires grad: deepstep's `.data` is that array
        anyway, so refusing would protect nothing."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """np.asarray(t): the data itself; np.array(t) (copy=True): a copy. NumPy 2's rules: a dtype
        that differs needs a copy, which copy=False refuses with a ValueError."""
        if dtype is None or self.data.dtype == dtype:
            return self.data.copy() if copy else self.data
        if copy is False:
            raise ValueError(
                f"Unable to avoid copy while creating an array as requested: the tensor holds "
                f"{self.data.dtype}, not {np.dtype(dtype)}"
            )
        return self.data.astype(dtype)

    def __dlpack__(
        self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None, copy: bool | None = None
    ) -> Any:
        """A DLPack capsule of the data, sharing its memory (torch.from_dlpack(t), np.from_dlpack(t)).

        As in PyTorch, a tensor that requires grad is refused (BufferError: detach() it first).
        Read-only data (an expanded view) goes out flagged read-only, which DLPack ≥ 1.0 can say;
        a consumer asking for the older capsule gets NumPy's BufferError. Data with negative strides
        (from_numpy(a[::-1])) goes out as a contiguous copy, since PyTorch aborts the process on
        negative strides; with copy=False that is a BufferError."""
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        data = self.data
        if any(step < 0 for step in data.strides):
            if copy is False:
                raise BufferError(
                    "cannot export negative strides without a copy (PyTorch cannot take them); "
                    "call contiguous() first or allow a copy"
                )
            data = data.copy(order="C")
        return data.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(kDLCPU, 0): the data lives in the CPU's memory."""
        return self.data.__dlpack_device__()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (sharing memory and version counter, as in PyTorch)."""
        out = Tensor._from_op(self.data, None)
        out._version_cell = self._shared_version()
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
        self._creator = None
        self.requires_grad = False
        return self

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
        creator = self.grad_fn  # read first: a view whose base was written since is rebuilt
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if creator is not None:
            creator._retains = self

    @property
    def retains_grad(self) -> bool:
        return self._creator is not None and self._creator._retains is self

    def register_hook(self, hook: Callable[[Tensor], Any]) -> RemovableHandle:
        """Call hook(grad) whenever the gradient with respect to this tensor is computed; a hook
        that returns a tensor replaces the gradient. Returns a handle whose remove() undoes it."""
        creator = self.grad_fn  # read first: a view whose base was written since is rebuilt
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self if creator is None else creator
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return RemovableHandle(owner._hooks, hook)

    def zero_grad(self) -> None:
        self.grad = None

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`, or into the `.grad` of `inputs`
        only (leaves or not) when given, as PyTorch's inputs= does.

        A scalar needs no `gradient`; otherwise `gradient` (the upstream gradient, same shape)
        must be given. The graph is freed afterwards unless `retain_graph=True`. There are no
        gradients of gradients: create_graph=True raises NotImplementedError.
        """
        from .engine import run_backward

        if create_graph:
            raise NotImplementedError(
                "backward(create_graph=True): deepstep's backward passes record no graph, so gradients "
                "of gradients are not available (a deliberate difference from PyTorch)"
            )
        run_backward(self, gradient, bool(retain_graph), inputs)

    def __repr__(self) -> str:
        """PyTorch's format: tensor([1.0000, 2.5000]) (autograd/printing.py)."""
        from .printing import tensor_repr

        return tensor_repr(self)

    # ----- dtype conversion: differentiable between float dtypes, cut to ints and bools ------
    def to(
        self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False, **ignored: Any
    ) -> Tensor:
        """PyTorch's to(dtype), to(device, dtype), to(other): the tensor in another dtype (itself when
        nothing changes and copy is False). "cpu" is the one device; others raise a DeviceError."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.data.dtype if dtype is None else dtype
            elif backend.is_device_like(arg):
                device = arg
            else:
                dtype = arg
        backend.check_device(device)
        out = self if dtype is None else _shape.cast(self, to_dtype(dtype))
        return _creation.clone(out) if copy and out is self else out

    def astype(self, dtype: Any) -> Tensor:
        """NumPy's spelling of to(dtype)."""
        return _shape.cast(self, to_dtype(dtype))

    def type(self, dtype: Any = None, non_blocking: bool = False, **ignored: Any) -> Any:
        """With no dtype, the type's name ('deepstep.FloatTensor', PyTorch's legacy names); with one
        (a dtype or such a name), the tensor converted to it."""
        if dtype is None:
            return "deepstep." + _TYPE_NAMES.get(self.data.dtype, f"{self.data.dtype}Tensor")
        if isinstance(dtype, str) and ".cuda." in dtype:
            raise backend.DeviceError(
                f"deepstep computes with NumPy on the CPU only: {dtype} is not available"
            )
        if isinstance(dtype, str) and dtype.rpartition(".")[2] in _TYPES_BY_NAME:
            dtype = _TYPES_BY_NAME[dtype.rpartition(".")[2]]
        elif isinstance(dtype, str):
            raise ValueError(f"invalid type: {dtype!r}")
        return _shape.cast(self, to_dtype(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        return _shape.cast(self, other.dtype)

    # ----- shapes borrowed from another tensor ---------------------------------------------
    def view_as(self, other: Tensor) -> Tensor:
        return _shape.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _shape.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return _shape.expand(self, other.shape)

    def t(self) -> Tensor:
        """The transpose of a matrix; a vector or a scalar as it is (PyTorch's t(): at most 2-D)."""
        if self.data.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.data.ndim}D")
        return _shape.permute(self, *reversed(range(self.data.ndim)))

    # ----- Python's operators (+, [], len …) are bound from operators.py, ==, <, & … from ops_logic;
    # tensors hash by identity (as in PyTorch), since == is elementwise.
    __hash__ = object.__hash__


class RemovableHandle:
    """What register_hook returns: remove() takes the hook off again."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# The ops attach themselves as methods below; imported last because they need Tensor.
# (creation.py and random.py import this module first, so they bind their own methods.)
from . import creation as _creation  # noqa: E402
from . import numpy_protocol as _numpy_protocol  # noqa: E402
from . import operators as _operators  # noqa: E402
from . import ops_activation as _act  # noqa: E402
from . import ops_elementwise as _ew  # noqa: E402
from . import ops_index as _index  # noqa: E402
from . import ops_inplace as _inplace  # noqa: E402
from . import ops_layout as _layout  # noqa: E402
from . import ops_linalg as _linalg  # noqa: E402
from . import ops_logic as _logic  # noqa: E402
from . import ops_math as _math  # noqa: E402
from . import ops_reduce as _reduce  # noqa: E402
from . import ops_rounding as _rounding  # noqa: E402
from . import ops_scan as _scan  # noqa: E402
from . import ops_shape as _shape  # noqa: E402
from . import ops_special as _special  # noqa: E402

_OPS = (
    _ew,
    _inplace,
    _reduce,
    _shape,
    _act,
    _math,
    _rounding,
    _special,
    _logic,
    _scan,
    _index,
    _linalg,
    _layout,
)
for _module in (*_OPS, _operators):
    for _name in _module.TENSOR_METHODS:
        setattr(Tensor, _name, getattr(_module, _name))
del _module, _name
