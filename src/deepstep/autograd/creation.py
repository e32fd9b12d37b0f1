"""Ways to make tensors: from data (with PyTorch's dtype inference), filled with a constant, ranges,
index grids, one-hot codes, and copies of other tensors (clone, contiguous, copy_).

Every function takes PyTorch's keywords (`dtype=`, `device=`, `requires_grad=`); "cpu" is the one
device. A new float tensor gets the default dtype (float32 unless set_default_dtype says otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from ..errors import DTypeError, DTypeNotImplementedError, ShapeError
from .dims import shape_arg
from .dtypes import result_type, to_dtype
from .tensor import Tensor, as_array, data_of

# isort: split
# function.py after tensor.py: tensor.py imports the op modules, which need function.py complete.
from .function import Function
from .grad_mode import no_grad
from .pointwise import named

__all__ = [
    "arange",
    "as_tensor",
    "clone",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "ones",
    "ones_like",
    "tensor",
    "tril_indices",
    "triu_indices",
    "zeros",
    "zeros_like",
]

TENSOR_METHODS = (
    "clone",
    "contiguous",
    "copy_",
    "new_empty",
    "new_full",
    "new_ones",
    "new_tensor",
    "new_zeros",
)


# ----- arguments ----------------------------------------------------------------------------
def _size(args: tuple[Any, ...], size: Any = None) -> tuple[int, ...]:
    """f(2, 3), f((2, 3)), f([2, 3]) or f(size=(2, 3)) as a shape of non-negative ints."""
    shape = shape_arg(args if size is None else (size,))
    if any(n < 0 for n in shape):
        raise ShapeError(f"a shape holds non-negative integers, got {shape}")
    return shape


def _dtype_or(dtype: Any, default: Any) -> np.dtype:
    return to_dtype(default if dtype is None else dtype)


def _float_dtype(dtype: Any) -> np.dtype:
    return _dtype_or(dtype, backend.get_default_dtype())


def _scalar(x: Any) -> Any:
    """A Python number from a number, a NumPy scalar or a one-element tensor or array."""
    if isinstance(x, Tensor):
        x = x.data
    return x.item() if isinstance(x, (np.ndarray, np.generic)) else x


def _python_dtype(value: Any) -> np.dtype:
    """The dtype PyTorch gives a Python number: bool, int64, the default float, its complex."""
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, int):
        return np.dtype(np.int64)
    default = backend.get_default_dtype()
    return default if isinstance(value, float) else np.result_type(default, np.complex64)


def leaf_tensor(array: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    """A leaf tensor of array, on the one device there is (any other is refused)."""
    backend.check_device(device)
    return Tensor(array, requires_grad=requires_grad)


# ----- from data ------------------------------------------------------------------------------
_PYTHON_NUMBERS = {bool, int, float, complex}


def _leaf_dtypes(data: Sequence[Any], found: set[np.dtype]) -> None:
    """Collect the dtypes of the leaves of nested sequences (Python numbers as PyTorch types them)."""
    kinds = set(map(type, data))
    found.update(_python_dtype(kind()) for kind in kinds & _PYTHON_NUMBERS)
    if kinds - _PYTHON_NUMBERS:
        for x in data:
            if isinstance(x, (list, tuple)):
                _leaf_dtypes(x, found)
            elif isinstance(x, (Tensor, np.ndarray, np.generic)):
                found.add(x.dtype)


def _array_from(data: Any, dtype: Any) -> np.ndarray:
    """data as a new array, typed as torch.tensor types it: Python floats get the default dtype,
    ints int64, bools bool; NumPy data and tensors keep theirs; a list mixing them gets PyTorch's
    promotion of its elements' dtypes ([np.float16(1), 2] is float16; [np.float16(1), 2.0] float32)."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(as_array(data, to_dtype(dtype)), copy=True)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(as_array(data), copy=True)
    if type(data) in _PYTHON_NUMBERS:
        return np.array(data, dtype=_python_dtype(data))
    array = np.array(data)
    if array.dtype in (np.float64, np.complex128) and isinstance(data, (list, tuple)):
        # NumPy types Python floats as float64; PyTorch as the default dtype, and promotes otherwise
        found: set[np.dtype] = set()
        _leaf_dtypes(data, found)  # nothing found: an empty list, which PyTorch makes a default float
        dtype = result_type(*(np.empty(1, d) for d in found)) if found else backend.get_default_dtype()
        array = array.astype(dtype, copy=False)
    return as_array(array)


def tensor(
    data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """A new tensor holding a copy of `data` (as torch.tensor; see _array_from for the dtype)."""
    return _with_numpy_strides(leaf_tensor(_array_from(data, dtype), requires_grad, device), data)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor without copying when it can be helped (as torch.as_tensor): a tensor of the
    dtype asked for is returned itself, a NumPy array of that dtype is shared."""
    backend.check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or to_dtype(dtype) == data.dtype):
        return _with_numpy_strides(Tensor(data), data)
    return _with_numpy_strides(Tensor(_array_from(data, dtype)), data)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing the memory of a NumPy array (as torch.from_numpy): writes show in both."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"can't convert np.ndarray of type {array.dtype}; the supported types are the floating, "
            "complex, integer and bool ones"
        )
    return _with_numpy_strides(Tensor(array), array)


def _with_numpy_strides(out: Tensor, data: Any) -> Tensor:
    """out, marked to report the zero strides of the empty NumPy array it was made from: PyTorch keeps
    a NumPy array's strides (torch.tensor(np.zeros((0, 3))).stride() is (0, 0)) where its own empty
    tensors have row-major ones, which Tensor.stride gives when NumPy's are all 0."""
    if isinstance(data, np.ndarray) and data.size == 0 and not any(data.strides):
        out._numpy_strides = True
    return out


# ----- filled with a constant -------------------------------------------------------------------
def _constant(name: str, fill: Any, fill_like: Any, what: str) -> tuple[Any, Any, Any]:
    """The public trio of a fill: name(*shape) in the default float dtype, name_like(input) in
    input's shape, dtype and memory layout, and Tensor.new_name(*size) in self's dtype."""

    def filled(
        *shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        return leaf_tensor(fill(_size(shape, size), _float_dtype(dtype)), requires_grad, device)

    def filled_like(
        input: Any,
        dtype: Any = None,
        *,
        device: Any = None,
        requires_grad: bool = False,
        memory_format: Any = None,
    ) -> Tensor:
        return leaf_tensor(fill_like(data_of(input), dtype=dtype), requires_grad, device)

    def new(
        self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        return filled(*size, dtype=_dtype_or(dtype, self.dtype), device=device, requires_grad=requires_grad)

    dtypes = ("the default float", "input's shape and input's", "self's")
    docs = [f"A tensor of {what}, in {d} dtype unless dtype= is given." for d in dtypes]
    return (
        named(filled, name, docs[0]),
        named(filled_like, name + "_like", docs[1]),
        named(new, "new_" + name, docs[2]),
    )


zeros, zeros_like, new_zeros = _constant("zeros", np.zeros, np.zeros_like, "zeros")
ones, ones_like, new_ones = _constant("ones", np.ones, np.ones_like, "ones")
empty, empty_like, new_empty = _constant(
    "empty", np.empty, np.empty_like, "whatever the memory held (fill it before reading)"
)


def full(
    size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with fill_value, whose type decides the dtype as in PyTorch: a bool gives
    bool, an int int64, a float the default float dtype."""
    value = _scalar(fill_value)
    dtype = _dtype_or(dtype, _python_dtype(value))
    if isinstance(value, complex) and dtype.kind != "c":
        raise DTypeError(f"a complex fill value cannot be converted to {dtype}")
    return leaf_tensor(np.full(_size((size,)), value, dtype), requires_grad, device)


def full_like(
    input: Any,
    fill_value: Any,
    dtype: Any = None,
    *,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """fill_value in input's shape and (unless another is given) input's dtype."""
    return leaf_tensor(np.full_like(data_of(input), _scalar(fill_value), dtype=dtype), requires_grad, device)


# Tensor.new_*: new tensors in self's dtype unless another is given (torch.Tensor.new_zeros…).
def new_full(
    self: Tensor,
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return full(
        size, fill_value, dtype=_dtype_or(dtype, self.dtype), device=device, requires_grad=requires_grad
    )


def new_tensor(
    self: Tensor, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return tensor(data, dtype=_dtype_or(dtype, self.dtype), device=device, requires_grad=requires_grad)


# ----- ranges and grids -----------------------------------------------------------------------
def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, … up to end (excluded); arange(end) starts at 0.

    int64 unless an argument is a float (then the default float dtype), as in PyTorch. The length
    is ⌈(end − start)/step⌉ in double precision and the values start + i·step. An integer dtype
    truncates start and step (int64 truncates end too, and counts in integers, as PyTorch does)."""
    start, end, step = (0, _scalar(start), _scalar(step)) if end is None else map(_scalar, (start, end, step))
    if dtype is None:
        floats = any(isinstance(x, (float, np.floating)) for x in (start, end, step))
        dtype = backend.get_default_dtype() if floats else np.int64
    dtype = to_dtype(dtype)
    if dtype.kind not in "iuf":
        raise DTypeNotImplementedError(f"arange is not implemented for dtype {dtype}")
    first, stride, last = (int(start), int(step), int(end)) if dtype.kind in "iu" else (start, step, end)
    if stride == 0:
        raise ShapeError("step must be nonzero")
    if (last - first) * stride < 0:
        raise ShapeError(f"upper bound and lower bound inconsistent with step sign: {start}, {end}, {step}")
    if dtype == np.int64:
        return leaf_tensor(np.arange(first, last, stride, dtype=dtype), requires_grad, device)
    count = math.ceil((float(end) - float(start)) / float(step))
    if dtype.kind in "iu":
        values = first + stride * np.arange(count, dtype=np.int64)
    else:
        values = float(first) + float(stride) * np.arange(count, dtype=np.float64)
    return leaf_tensor(values.astype(dtype, copy=False), requires_grad, device)


# Float32 and float64 steps in more precision, to round start + i·step once, as PyTorch's fused
# multiply-add does (float16 rounds every operation, as PyTorch's Half does; integers step in double).
_WIDER = {np.dtype(np.float32): np.float64, np.dtype(np.float64): np.longdouble}


def _spaced(start: Any, end: Any, steps: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's linspace in `dtype`: step = (end − start)/(steps − 1) in dtype, the first half
    counted from start, the second back from end (start + i·step, end − (steps−1−i)·step), so both
    ends are exact; integer dtypes truncate start and end, step in double, and truncate the values."""
    if steps < 0:
        raise ShapeError(f"number of steps must be non-negative, got {steps}")
    start, end = _scalar(start), _scalar(end)
    work = dtype if dtype.kind in "fc" else np.dtype(np.float64)
    if dtype.kind in "iub":
        start, end = int(start), int(end)
    if steps <= 1:
        return np.full(steps, start, dtype=work)
    first, last = work.type(start), work.type(end)
    step = (last - first) / work.type(steps - 1)
    if dtype in _WIDER:
        wide = _WIDER[dtype]
        first, last, step = wide(first), wide(last), wide(step)
    i = np.arange(steps).astype(np.result_type(first))
    values = np.where(i < steps // 2, first + step * i, last - step * (steps - 1 - i))
    return values.astype(work)


def linspace(
    start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """`steps` evenly spaced values from start to end, both included (the default float dtype)."""
    if dtype is None:
        complex_ends = any(isinstance(_scalar(x), complex) for x in (start, end))
        dtype = _python_dtype(1j) if complex_ends else backend.get_default_dtype()
    dtype = to_dtype(dtype)
    return leaf_tensor(_spaced(start, end, steps, dtype).astype(dtype, copy=False), requires_grad, device)


def logspace(
    start: Any,
    end: Any,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """base ** linspace(start, end, steps): `steps` values spaced evenly on a log scale."""
    dtype = _float_dtype(dtype)
    exponents = _spaced(start, end, steps, dtype).astype(np.float64)
    return leaf_tensor(np.power(float(base), exponents).astype(dtype), requires_grad, device)


def eye(
    n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The n × m matrix with ones on the diagonal (m = n by default)."""
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise ShapeError(f"{name} must be greater or equal to 0, got {value}")
    return leaf_tensor(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def _triangle_indices(which: str, row: int, col: int, offset: int, dtype: Any, device: Any) -> Tensor:
    for name, value in (("row", row), ("col", col)):
        if value < 0:
            raise ShapeError(f"{name} must be non-negative, got {value}")
    dtype = to_dtype(dtype)
    if dtype not in (np.int32, np.int64):
        raise DTypeError(f"{which}_indices is only implemented for int32 and int64, got {dtype}")
    rows, cols = (np.tril_indices if which == "tril" else np.triu_indices)(row, offset, col)
    return leaf_tensor(np.stack([rows, cols]).astype(dtype).reshape(2, -1), False, device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64, device: Any = None) -> Tensor:
    """The (row, col) indices, a 2 × N tensor in row-major order, of the lower triangle of a
    row × col matrix: the entries with c − r ≤ offset."""
    return _triangle_indices("tril", row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64, device: Any = None) -> Tensor:
    """The (row, col) indices of the upper triangle of a row × col matrix: c − r ≥ offset."""
    return _triangle_indices("triu", row, col, offset, dtype, device)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Class indices (int64) → rows of zeros with a one at the class: shape (*, num_classes),
    num_classes = max + 1 when -1 (torch.nn.functional.one_hot)."""
    labels = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype != np.int64:
        raise DTypeError(f"one_hot is only applicable to index tensor of type int64, got {labels.dtype}")
    if num_classes == -1:
        if labels.size == 0:
            raise ShapeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise ShapeError(f"Class values must be non-negative, got {labels.min()}.")
    if labels.size and labels.max() >= num_classes:
        raise ShapeError(
            f"Class values must be smaller than num_classes ({num_classes}), got {labels.max()}."
        )
    out = np.zeros((labels.size, num_classes), dtype=np.int64)
    out[np.arange(labels.size), labels.ravel()] = 1
    return Tensor(out.reshape(*labels.shape, num_classes))


# ----- copies -----------------------------------------------------------------------------------
class Copy(Function):
    """z = a copy of a (in a's memory layout, or in row-major order);   ∂L/∂a = ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, order: str) -> None:
        self.order = order

    def forward(self, a):
        return np.array(a, order=self.order, copy=True)

    def backward(self, g):
        return (g,)


class CopyInto(Function):
    """z = b broadcast to a's shape and cast to a's dtype (a is overwritten);
    ∂L/∂a = 0, ∂L/∂b = ∂L/∂z summed over the broadcast, in b's dtype."""

    saved_inputs = ()

    def forward(self, a, b):
        b = np.asarray(b)
        self.b_dtype = b.dtype
        try:
            b = np.broadcast_to(b, a.shape)
        except ValueError:
            raise ShapeError(f"copy_: the source's shape {b.shape} does not broadcast to {a.shape}") from None
        return b.astype(a.dtype, copy=False)

    def backward(self, g):
        return self.to_inputs(
            np.zeros_like(g) if self.needs_grad(0) else None,
            g.astype(self.b_dtype, copy=False) if self.needs_grad(1) else None,
        )


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory, in the same memory layout, differentiable (memory_format is ignored)."""
    return Copy("K")(input)


def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """Itself when its elements lie in row-major order; otherwise a row-major copy (differentiable)."""
    return self if self.data.flags.c_contiguous else Copy("C")(self)


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Write src (broadcast to self's shape, cast to self's dtype) into self; differentiable with
    respect to src. An integer or bool target stays out of the graph."""
    if self.data.dtype.kind in "fc":
        return CopyInto().inplace(self, src)
    with no_grad():
        return CopyInto().inplace(self, src)


# tensor.py is imported before this module is complete, so the methods are bound here.
for _name in TENSOR_METHODS:
    setattr(Tensor, _name, globals()[_name])
del _name
