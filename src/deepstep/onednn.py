"""oneDNN's convolution kernels on demand: the library PyTorch itself convolves with on a CPU.

A float32 convolution (conv1d, conv2d and their transposes) runs here when oneDNN's library is
installed (the `fast` extra, `onednn-cpu-gomp`, puts `libdnnl.so.3` in the environment's lib folder)
and DEEPSTEP_ONEDNN is not 0; otherwise, and for every other dtype or configuration it does not
take, functional/conv.py's im2col products run, and the tests hold the two paths to each other.
Its direct kernels (JIT-compiled for the CPU at hand, AVX-512 here) read each input once per output
tile; im2col's three matrix products read a copy of the input kh·kw times larger, and took 3× the
time on SmallCNN's 5×5 layer (BENCHMARKS.md, sixth pass).

oneDNN is reached through its C API with ctypes, so nothing of ours is compiled. A `Convolution`
holds the primitives for one shape of problem, built once and cached: the forward pass, the
input gradient (backward data) and the weight and bias gradients (backward weights). Activations
and gradients are passed in place as channels-last (NHWC) arrays, the layout deepstep's
convolutions already produce; the weights are reordered into the blocked layout the kernels want
on each call (a few hundred kB), so a Parameter updated in place is always read afresh.
"""

from __future__ import annotations

import ctypes
import functools
import os
import site
import sys
import threading
import time
from typing import Any

import numpy as np

from . import backend

__all__ = ["Convolution", "available", "channels_last", "convolution", "release_idle_cores"]

# the C API's constants (oneapi/dnnl/dnnl_types.h of oneDNN 3)
_CPU = 1
_F32 = 3
_FORMAT_ANY = 1
_FORWARD_TRAINING = 64
_CONVOLUTION_DIRECT = 1
_QUERY_IMPL_INFO = 8
_QUERY_WEIGHTS_MD, _QUERY_DIFF_WEIGHTS_MD = 131, 132
_ARG_SRC, _ARG_DST, _ARG_WEIGHTS, _ARG_BIAS = 1, 17, 33, 41
_ARG_DIFF_SRC, _ARG_DIFF_DST, _ARG_DIFF_WEIGHTS, _ARG_DIFF_BIAS = 129, 145, 161, 169
_LIBRARY_ALLOCATES = ctypes.c_void_p(2**64 - 1)  # DNNL_MEMORY_ALLOCATE, ((void *)-1)

_Dims = ctypes.c_int64 * 12  # dnnl_dims_t
_handle = ctypes.c_void_p


class _Arg(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_int), ("memory", _handle)]  # dnnl_exec_arg_t


def enabled() -> bool:
    """Whether oneDNN may be used (DEEPSTEP_ONEDNN=0 switches it off)."""
    return os.environ.get("DEEPSTEP_ONEDNN", "1") != "0"


def _library_paths() -> list[str]:
    named = os.environ.get("DEEPSTEP_ONEDNN_LIBRARY")
    if named:
        return [named]
    folders = [os.path.join(sys.prefix, "lib"), os.path.join(site.USER_BASE or "", "lib")]
    return [os.path.join(folder, "libdnnl.so.3") for folder in folders] + ["libdnnl.so.3"]


class _OneDNN:
    """The loaded library with one CPU engine and one stream; calls are serialised by a lock (a
    primitive's library-managed scratchpad serves one execution at a time)."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        lib.dnnl_primitive_desc_query_md.restype = _handle
        lib.dnnl_primitive_desc_query_md.argtypes = [_handle, ctypes.c_int, ctypes.c_int]
        lib.dnnl_memory_desc_get_size.restype = ctypes.c_size_t
        lib.dnnl_memory_desc_get_size.argtypes = [_handle]
        lib.dnnl_memory_set_data_handle.argtypes = [_handle, _handle]
        self.engine, self.stream = _handle(), _handle()
        self.check(lib.dnnl_engine_create(ctypes.byref(self.engine), _CPU, 0), "engine")
        self.check(lib.dnnl_stream_create(ctypes.byref(self.stream), self.engine, 1), "stream")
        self.lock = threading.Lock()

    @staticmethod
    def check(status: int, what: str) -> None:
        if status != 0:
            raise RuntimeError(f"oneDNN: {what} failed with status {status}")

    def new(self, function: str, *args: Any) -> _handle:
        """An object made by one of the C API's creators (its first argument is where it goes)."""
        made = _handle()
        self.check(getattr(self.lib, function)(ctypes.byref(made), *args), function)
        return made

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...] | None) -> _handle:
        """A float32 memory descriptor: the given strides (in elements), or any layout (None)."""
        dims = _Dims(*shape)
        if strides is None:
            return self.new("dnnl_memory_desc_create_with_tag", len(shape), dims, _F32, _FORMAT_ANY)
        return self.new("dnnl_memory_desc_create_with_strides", len(shape), dims, _F32, _Dims(*strides))

    def memory(self, md: _handle, owned: bool = False) -> _handle:
        """A memory object: its own buffer (owned), or one pointed at an array before each call."""
        return self.new("dnnl_memory_create", md, self.engine, _LIBRARY_ALLOCATES if owned else None)

    def reorder(self, source: _handle, target: _handle) -> _handle:
        pd = self.new("dnnl_reorder_primitive_desc_create", source, self.engine, target, self.engine, None)
        return self.new("dnnl_primitive_create", pd)

    def run(self, primitive: _handle, args: list[tuple[int, _handle, np.ndarray | None]]) -> None:
        """Execute with (argument, memory, array): each array's data is what the memory holds."""
        for _, memory, array in args:
            if array is not None:
                self.lib.dnnl_memory_set_data_handle(memory, array.ctypes.data)
        _cores.claim()
        packed = (_Arg * len(args))(*[_Arg(arg, memory) for arg, memory, _ in args])
        self.check(self.lib.dnnl_primitive_execute(primitive, self.stream, len(args), packed), "execute")


@functools.cache
def _onednn() -> _OneDNN | None:
    for path in _library_paths():
        try:
            return _OneDNN(ctypes.CDLL(path))
        except OSError:
            continue
    return None


def available() -> bool:
    """Whether oneDNN's library is installed, loads, and is not switched off (it also needs
    threadpoolctl, to hand the cores over; see _Cores)."""
    return enabled() and bool(backend._blas()) and _onednn() is not None


class _Cores:
    """Who runs on the cores: oneDNN's OpenMP threads or OpenBLAS's. Each pool's idle threads keep
    spinning for a while after their work (OpenBLAS's for about 0.1 s), so when convolutions on
    oneDNN alternate with multi-threaded OpenBLAS products, each pool's spinning threads take a core
    from the other's workers: SmallCNN's step took 86 ms instead of 37 (BENCHMARKS.md, sixth pass).
    So while convolutions run on oneDNN, NumPy's products run OpenBLAS on one thread; once none has
    run for a second, the next linear layer gives OpenBLAS its threads back."""

    IDLE_SECONDS = 1.0

    def __init__(self) -> None:
        self.blas_limit: Any = None
        self.last_used = 0.0

    def claim(self) -> None:
        self.last_used = time.monotonic()
        if self.blas_limit is None:
            self.blas_limit = backend._blas().limit(limits=1, user_api="blas")

    def release_if_idle(self) -> None:
        if self.blas_limit is not None and time.monotonic() - self.last_used > self.IDLE_SECONDS:
            self.blas_limit.restore_original_limits()
            self.blas_limit = None


_cores = _Cores()


def release_idle_cores() -> None:
    """Give OpenBLAS its threads back if no convolution has run on oneDNN for a second (a check of a
    clock: linear layers call it before their products)."""
    if _cores.blas_limit is not None:
        _cores.release_if_idle()


def _channels_last_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Element strides of an (N, C, H, W) array stored as (N, H, W, C)."""
    _, c, h, w = shape
    return (h * w * c, 1, w * c, c)


def _row_major_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(np.prod(shape[k + 1 :])) for k in range(len(shape)))


def channels_last(a: np.ndarray) -> np.ndarray:
    """a (N, C, H, W) with NHWC memory: a itself when it has it, else a copy that does."""
    nhwc = a.transpose(0, 2, 3, 1)
    if not nhwc.flags.c_contiguous:
        nhwc = np.ascontiguousarray(nhwc)
    return nhwc.transpose(0, 3, 1, 2)


class Convolution:
    """y = conv(x, W) + b for one problem shape: x (N, C, H, W) → y (N, F, Ho, Wo), W (F, C/g, kh, kw),
    with its forward pass, input gradient and weight gradients as oneDNN primitives (made on first
    use). The transposed convolution is this one run the other way: its forward pass is the input
    gradient, its input gradient the forward pass."""

    def __init__(
        self,
        dnnl: _OneDNN,
        x_shape: tuple[int, ...],
        weight_shape: tuple[int, ...],
        y_shape: tuple[int, ...],
        stride: tuple[int, int],
        dilation: tuple[int, int],
        padding: tuple[tuple[int, int], tuple[int, int]],
        groups: int,
        bias: bool,
    ) -> None:
        self.dnnl, self.groups, self.bias = dnnl, groups, bias
        self.x_shape, self.y_shape, self.weight_shape = x_shape, y_shape, weight_shape
        f, cg, kh, kw = weight_shape
        # oneDNN's grouped weights carry the group as a leading axis; its dilation counts the gaps
        self.kernel_shape = (groups, f // groups, cg, kh, kw) if groups > 1 else weight_shape
        self.geometry = (
            _Dims(*stride),
            _Dims(*(d - 1 for d in dilation)),
            _Dims(padding[0][0], padding[1][0]),
            _Dims(padding[0][1], padding[1][1]),
        )
        self.x_md = dnnl.layout(x_shape, _channels_last_strides(x_shape))
        self.y_md = dnnl.layout(y_shape, _channels_last_strides(y_shape))
        self.w_md = dnnl.layout(self.kernel_shape, _row_major_strides(self.kernel_shape))
        self.b_md = dnnl.layout((f,), (1,))
        self.none = _handle()
        self.forward_pd = dnnl.new(
            "dnnl_convolution_forward_primitive_desc_create",
            dnnl.engine,
            _FORWARD_TRAINING,
            _CONVOLUTION_DIRECT,
            self.x_md,
            dnnl.layout(self.kernel_shape, None),
            self.b_md if bias else self.none,
            self.y_md,
            *self.geometry,
            None,
        )
        self.parts: dict[str, tuple] = {}

    def implementations(self) -> list[str]:
        """The names of the kernels oneDNN chose for the three primitives (building them)."""
        return [self._implementation(self._part(which)[4]) for which in ("forward", "data", "weights")]

    def _implementation(self, pd: _handle) -> str:
        name = ctypes.c_char_p()
        self.dnnl.check(
            self.dnnl.lib.dnnl_primitive_desc_query(pd, _QUERY_IMPL_INFO, 0, ctypes.byref(name)), "query"
        )
        return (name.value or b"").decode()

    def _part(self, which: str) -> tuple:
        """The primitive for forward, data or weights, with its blocked weights and their reorder."""
        if which not in self.parts:
            dnnl, any_w = self.dnnl, self.dnnl.layout(self.kernel_shape, None)
            if which == "forward":
                pd = self.forward_pd
            elif which == "data":
                pd = dnnl.new(
                    "dnnl_convolution_backward_data_primitive_desc_create",
                    dnnl.engine,
                    _CONVOLUTION_DIRECT,
                    self.x_md,
                    any_w,
                    self.y_md,
                    *self.geometry,
                    self.forward_pd,
                    None,
                )
            else:
                pd = dnnl.new(
                    "dnnl_convolution_backward_weights_primitive_desc_create",
                    dnnl.engine,
                    _CONVOLUTION_DIRECT,
                    self.x_md,
                    any_w,
                    self.b_md if self.bias else self.none,
                    self.y_md,
                    *self.geometry,
                    self.forward_pd,
                    None,
                )
            query = _QUERY_DIFF_WEIGHTS_MD if which == "weights" else _QUERY_WEIGHTS_MD
            blocked_md = _handle(dnnl.lib.dnnl_primitive_desc_query_md(pd, query, 0))
            blocked = dnnl.memory(blocked_md, owned=True)
            reorder = (
                dnnl.reorder(blocked_md, self.w_md)
                if which == "weights"
                else dnnl.reorder(self.w_md, blocked_md)
            )
            memories = {}
            for name, md in (("x", self.x_md), ("y", self.y_md), ("w", self.w_md), ("b", self.b_md)):
                memories[name] = dnnl.memory(md)
            self.parts[which] = (dnnl.new("dnnl_primitive_create", pd), blocked, reorder, memories, pd)
        return self.parts[which]

    def forward(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """y = conv(x, W) + b, x and y (N, C, H, W) views of NHWC memory."""
        y = np.empty(self.y_shape[:1] + self.y_shape[2:] + self.y_shape[1:2], np.float32)
        primitive, blocked, reorder, m, _ = self._part("forward")
        weight = np.ascontiguousarray(weight)
        args = [(_ARG_SRC, m["x"], x), (_ARG_WEIGHTS, blocked, None), (_ARG_DST, m["y"], y)]
        if self.bias:
            args.append((_ARG_BIAS, m["b"], bias))
        with self.dnnl.lock:
            self.dnnl.run(reorder, [(_ARG_SRC, m["w"], weight), (_ARG_DST, blocked, None)])
            self.dnnl.run(primitive, args)
        return y.transpose(0, 3, 1, 2)

    def input_gradient(self, g: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """∂L/∂x for ∂L/∂y = g: each window's G·W added back where the window lies."""
        grad = np.empty(self.x_shape[:1] + self.x_shape[2:] + self.x_shape[1:2], np.float32)
        primitive, blocked, reorder, m, _ = self._part("data")
        weight = np.ascontiguousarray(weight)
        with self.dnnl.lock:
            self.dnnl.run(reorder, [(_ARG_SRC, m["w"], weight), (_ARG_DST, blocked, None)])
            self.dnnl.run(
                primitive,
                [(_ARG_DIFF_DST, m["y"], g), (_ARG_WEIGHTS, blocked, None), (_ARG_DIFF_SRC, m["x"], grad)],
            )
        return grad.transpose(0, 3, 1, 2)

    def weight_gradients(self, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """∂L/∂W = Σ_windows G·windowᵀ and ∂L/∂b = Σ G, for input x and ∂L/∂y = g."""
        grad_w = np.empty(self.weight_shape, np.float32)
        grad_b = np.empty(self.y_shape[1], np.float32) if self.bias else None
        primitive, blocked, reorder, m, _ = self._part("weights")
        args = [(_ARG_SRC, m["x"], x), (_ARG_DIFF_DST, m["y"], g), (_ARG_DIFF_WEIGHTS, blocked, None)]
        if self.bias:
            args.append((_ARG_DIFF_BIAS, m["b"], grad_b))
        with self.dnnl.lock:
            self.dnnl.run(primitive, args)
            self.dnnl.run(reorder, [(_ARG_SRC, blocked, None), (_ARG_DST, m["w"], grad_w)])
        return grad_w, grad_b


@functools.lru_cache(maxsize=256)
def _cached(*key: Any) -> Convolution | None:
    dnnl = _onednn()
    if dnnl is None:
        return None
    try:
        plan = Convolution(dnnl, *key)
        kernels = plan.implementations()
    except RuntimeError:  # a configuration oneDNN does not take: the im2col path serves it
        return None
    # oneDNN's reference kernels are plain loops, far slower than im2col's products
    return None if any(name.startswith("ref") for name in kernels) else plan


def convolution(
    x_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    y_shape: tuple[int, ...],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    padding: tuple[tuple[int, int], tuple[int, int]],
    groups: int,
    bias: bool,
    *arrays: np.ndarray,
) -> Convolution | None:
    """The oneDNN convolution for this problem, or None: when oneDNN is missing or off, when any of
    `arrays` is not float32, for empty shapes, or when oneDNN offers no fast kernel for it."""
    if not available() or any(a is not None and a.dtype != np.float32 for a in arrays):
        return None
    if 0 in x_shape or 0 in y_shape or 0 in weight_shape:
        return None
    key = (tuple(x_shape), tuple(weight_shape), tuple(y_shape), tuple(stride), tuple(dilation))
    return _cached(*key, tuple(map(tuple, padding)), groups, bias)
