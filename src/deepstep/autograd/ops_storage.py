"""PyTorch's questions about where and how a tensor is kept, and its methods that change a tensor's
memory or run Python on each element: layout, get_device, is_pinned / pin_memory, dim_order, the
is_sparse … is_mtia flags, is_inference; resize_, resize_as_; apply_, map_, map2_; nonzero_static;
register_post_accumulate_grad_hook; set_; and hardshrink and prelu as methods.

deepstep keeps every tensor as a dense NumPy array in the CPU's memory, so the layout is always
`strided`, the device index is −1 (PyTorch's answer for the CPU), and every flag for another kind
of storage or device is False. With no accelerator there is no pinned memory: pin_memory raises the
RuntimeError a CPU-only PyTorch raises.
"""

from __future__ import annotations

import itertools
import math
import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError, ValueRangeError
from .dims import shape_arg
from .grad_mode import is_grad_enabled, no_grad
from .tensor import RemovableHandle, Tensor

__all__ = ["is_inference", "nonzero_static", "resize_as_", "strided"]

TENSOR_METHODS = (
    "apply_",
    "dim_order",
    "get_device",
    "hardshrink",
    "is_inference",
    "is_ipu",
    "is_maia",
    "is_meta",
    "is_mkldnn",
    "is_mps",
    "is_mtia",
    "is_nested",
    "is_pinned",
    "is_quantized",
    "is_sparse",
    "is_sparse_csr",
    "is_vulkan",
    "is_xla",
    "is_xpu",
    "layout",
    "map2_",
    "map_",
    "nonzero_static",
    "pin_memory",
    "prelu",
    "register_post_accumulate_grad_hook",
    "resize_",
    "resize_as_",
    "set_",
)


class Layout:
    """A memory layout, PyTorch's torch.layout; deepstep has one, `strided` (dense, with strides)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"deepstep.{self._name}"

    def __reduce__(self) -> str:
        return self._name


strided = Layout("strided")

# every tensor is dense and strided, in the CPU's memory
layout = property(lambda self: strided, doc="The memory layout: always deepstep.strided.")
is_sparse = is_sparse_csr = is_quantized = is_meta = is_mkldnn = is_nested = False
is_xpu = is_mps = is_ipu = is_xla = is_vulkan = is_maia = is_mtia = False


def get_device(self: Tensor) -> int:
    """The index of the device: −1, PyTorch's answer for a tensor in the CPU's memory."""
    return -1


def is_pinned(self: Tensor, device: Any = None) -> bool:
    """False: pinned (page-locked) memory is for copies to an accelerator, which deepstep has not."""
    return False


def pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """Refused as a CPU-only PyTorch refuses it: there is no accelerator to pin memory for."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


def is_inference(input: Tensor) -> bool:
    """False: deepstep has no inference tensors (those made under inference_mode are ordinary
    tensors that do not require grad, see inference.py)."""
    return False


def _dense_in_order(shape: Sequence[int], strides: Sequence[int], inner_to_outer: Sequence[int]) -> bool:
    """Whether the elements lie densely in memory with these dims from innermost to outermost (dims of
    length 1 can have any stride), PyTorch's contiguity test for a memory format."""
    expected = 1
    for d in inner_to_outer:
        if shape[d] == 1:
            continue
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def _stride_order(shape: Sequence[int], strides: Sequence[int]) -> tuple[list[int], bool]:
    """(the dims from outermost to innermost in memory, whether some neighbours' order is ambiguous):
    PyTorch's compute_elementwise_output_logical_to_physical_perm for one tensor, its insertion sort
    that leaves dims of stride 0, and dims of equal stride and length, where they are."""
    ndim = len(shape)
    if ndim <= 1:
        return list(range(ndim)), False
    contiguous = math.prod(shape) < 2 or _dense_in_order(shape, strides, reversed(range(ndim)))
    channels_last = ndim == 4 and _dense_in_order(shape, strides, (1, 3, 2, 0))
    if contiguous and not channels_last:
        return list(range(ndim)), False
    if channels_last and not contiguous:
        return [0, 2, 3, 1], False

    def ge(a: int, b: int) -> bool:
        return b == 0 or (a != 0 and (a >= b or a % b == 0))

    def should_swap(a: int, b: int) -> int:
        if strides[a] == 0 or strides[b] == 0:
            return 0
        if strides[a] == strides[b]:
            return 0 if ge(shape[b], shape[a]) else 1
        if ge(strides[b], strides[a]):
            return -1
        return 1 if ge(strides[a], strides[b]) else 0

    perm = list(reversed(range(ndim)))  # sorted back to front, reversed at the end
    for i in range(1, ndim):
        dim1 = i
        for dim0 in reversed(range(i)):
            comparison = should_swap(perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    ambiguous = any(should_swap(perm[i], perm[i + 1]) != -1 for i in range(ndim - 1))
    return list(reversed(perm)), ambiguous


def dim_order(self: Tensor, *, ambiguity_check: bool = False) -> tuple[int, ...]:
    """The dims from the outermost in memory to the innermost (PyTorch's rule: a contiguous or
    channels-last tensor answers at once; otherwise dims sort by stride, dims of stride 0 and ties
    keeping their order). ambiguity_check=True raises where that order is not unique: a dim of
    length 1, or two neighbouring dims of equal stride."""
    if not isinstance(ambiguity_check, bool):
        if isinstance(ambiguity_check, list):
            raise NotImplementedError(
                "dim_order(ambiguity_check=[memory formats]) is not available in deepstep: its tensors "
                "have no memory format beyond their strides; pass True or False"
            )
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    shape, strides = self.data.shape, self.stride()
    # a dim of length 1 could sit anywhere in the order, and so could either of two equal strides
    if ambiguity_check and (1 in shape or any(a == b for a, b in itertools.pairwise(strides))):
        raise RuntimeError(
            "The tensor does not have unique dim order, or cannot map to exact one of the given memory "
            "formats."
        )
    order, ambiguous = _stride_order(shape, strides)
    if ambiguity_check and ambiguous:
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(order)


# ----- the memory changed in place ---------------------------------------------------------------
def _refuse_grad(self: Tensor) -> None:
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """self with the given shape, in place, row-major from self's first element: the elements it
    had stay where they were in memory; new ones (beyond the memory it views) are uninitialised,
    as in PyTorch. Refused on a tensor that requires grad."""
    _refuse_grad(self)
    shape = tuple(int(n) for n in shape_arg(sizes))
    if any(n < 0 for n in shape):
        raise ValueRangeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if shape == self.data.shape:  # PyTorch keeps the strides then
        return self
    from .ops_strided import _storage

    count = int(np.prod(shape))
    flat, offset = _storage(self.data)  # the memory self views, in memory order, from its start
    if offset + count <= flat.size:
        self.data = flat[offset : offset + count].reshape(shape)
    else:  # more than that memory holds: new memory, the old elements copied to its start
        grown = np.empty(offset + count, dtype=self.data.dtype)
        grown[: flat.size] = flat
        self.data = grown[offset:].reshape(shape)
    self._bump_version()
    return self


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """resize_(the_template's shape)."""
    return resize_(input, the_template.shape)


def set_(
    self: Tensor,
    source: Tensor | None = None,
    storage_offset: int = 0,
    size: Sequence[int] | None = None,
    stride: Sequence[int] | None = None,
) -> Tensor:
    """self made to look at source's memory: set_() empties self, set_(source) shares source's memory
    with its shape and strides, set_(source, storage_offset, size, stride) views that memory with them
    (contiguous strides when none are given), as as_strided does. deepstep has no Storage objects:
    source is a tensor. Refused on a leaf that requires grad; and, unlike PyTorch (which records an op
    whose backward then fails), refused from a source that requires grad."""
    if self.requires_grad and self._creator is None and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if source is None:
        self.data = np.empty(0, dtype=self.data.dtype)
    else:
        if not isinstance(source, Tensor):
            raise TypeError(f"set_(): argument 'source' must be a Tensor, not {type(source).__name__}")
        if source.dtype != self.dtype:
            raise DTypeError(f"Could not set tensor of type {source.dtype} to a tensor of type {self.dtype}")
        if source.requires_grad and is_grad_enabled():
            raise NotImplementedError(
                "set_ from a tensor that requires grad has no derivative; set_ from source.detach()"
            )
        if size is None:
            self.data = source.data
        else:
            shape = tuple(int(n) for n in size)
            if stride is None:  # contiguous
                stride = tuple(int(np.prod(shape[k + 1 :])) for k in range(len(shape)))
            from .ops_strided import as_strided

            with no_grad():
                self.data = as_strided(Tensor._from_op(source.data, None), shape, stride, storage_offset).data
    self._bump_version()
    return self


# ----- Python on each element -------------------------------------------------------------------
def _store(value: Any, dtype: np.dtype) -> Any:
    """A callable's result as an element of dtype, converted as PyTorch converts a Python scalar."""
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind in "iu":
        return int(value) if isinstance(value, (float, np.floating)) else operator.index(value)
    if dtype.kind == "c":
        return complex(value)
    return float(value)


def _run(self: Tensor, name: str, function: Callable[..., Any], others: Sequence[Any]) -> Tensor:
    if self.requires_grad:
        raise RuntimeError(
            f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead."
        )
    columns = [self.data.ravel().tolist()]
    for other in others:
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument must be a Tensor, not {type(other).__name__}")
        if other.dtype != self.dtype:
            raise DTypeError(f"{name}: expected {self.type()} for 'other' (got {other.type()})")
        try:
            columns.append(np.broadcast_to(other.data, self.shape).ravel().tolist())
        except ValueError:
            raise ShapeError(
                f"{name}: the shape of the other tensor {tuple(other.shape)} cannot be expanded to "
                f"{tuple(self.shape)}"
            ) from None
    values = [_store(function(*items), self.dtype) for items in zip(*columns, strict=True)]
    self.data[...] = np.array(values, dtype=self.dtype).reshape(self.shape)
    self._bump_version()
    return self


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:
    """self[i] ← callable(self[i]) for every element, in Python (slow; for tests and small tensors)."""
    return _run(self, "apply_", callable, ())


def map_(self: Tensor, tensor: Tensor, callable: Callable[[Any, Any], Any]) -> Tensor:
    """self[i] ← callable(self[i], tensor[i]), tensor broadcast to self's shape and of self's dtype."""
    return _run(self, "map_", callable, (tensor,))


def map2_(self: Tensor, x: Tensor, y: Tensor, callable: Callable[[Any, Any, Any], Any]) -> Tensor:
    """self[i] ← callable(self[i], x[i], y[i]), x and y broadcast to self's shape."""
    return _run(self, "map2_", callable, (x, y))


# ----- a result of fixed size ------------------------------------------------------------------
def nonzero_static(input: Any, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero(input) cut or padded (with fill_value) to `size` rows: int64 of shape (size, ndim)."""
    if int(size) < 0:
        raise ValueRangeError("nonzero_static: 'size' must be an non-negative integer")
    data = input.data if isinstance(input, Tensor) else np.asarray(input)
    found = np.argwhere(data)[: int(size)] if data.ndim else np.zeros((min(int(size), int(bool(data))), 0))
    out = np.full((int(size), data.ndim), fill_value, dtype=np.int64)
    out[: len(found)] = found
    return Tensor(out)


# ----- after the gradient reached .grad ---------------------------------------------------------
_post_accumulate: dict[int, tuple[weakref.ref, list[Callable[[Tensor], Any]]]] = {}


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """Call hook(self) after backward has accumulated a gradient into this leaf's .grad (what an
    optimizer step fused into backward needs). Returns a handle whose remove() undoes it."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self._creator is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    key = id(self)
    entry = _post_accumulate.get(key)
    if entry is None or entry[0]() is not self:
        # kept by id (a Tensor's == is elementwise), dropped when the tensor dies
        entry = (weakref.ref(self, lambda _, key=key: _post_accumulate.pop(key, None)), [])
        _post_accumulate[key] = entry
    entry[1].append(hook)
    return RemovableHandle(entry[1], hook)


def run_post_accumulate_hooks(leaf: Tensor) -> None:
    """The engine's call after it stored a gradient into leaf.grad."""
    entry = _post_accumulate.get(id(leaf))
    if entry is not None and entry[0]() is leaf:
        for hook in list(entry[1]):
            hook(leaf)


# ----- activations PyTorch also has as methods (they live in functional, a layer below) ----------
def hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    """functional.hardshrink(self, lambd): x, zeroed within [−λ, λ]."""
    from ..functional import hardshrink as _hardshrink

    return _hardshrink(self, lambd)


def prelu(self: Tensor, weight: Any) -> Tensor:
    """functional.prelu(self, weight): leaky ReLU with learned slopes."""
    from ..functional import prelu as _prelu

    return _prelu(self, weight)
