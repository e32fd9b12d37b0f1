"""Convolutions on oneDNN: one `Convolution` per problem shape, its forward pass, input gradient and
weight gradients as primitives."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .library import (
    ARG_BIAS,
    ARG_DIFF_BIAS,
    ARG_DIFF_DST,
    ARG_DIFF_SRC,
    ARG_DIFF_WEIGHTS,
    ARG_DST,
    ARG_SRC,
    ARG_WEIGHTS,
    CONVOLUTION_DIRECT,
    FORWARD_TRAINING,
    QUERY_DIFF_WEIGHTS_MD,
    QUERY_WEIGHTS_MD,
    Dims,
    Handle,
    OneDNN,
    all_float32,
    available,
    library,
    row_major_strides,
)


def _channels_last_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Element strides of an (N, C, H, W) array stored as (N, H, W, C)."""
    _, c, h, w = shape
    return (h * w * c, 1, w * c, c)


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
        dnnl: OneDNN,
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
            Dims(*stride),
            Dims(*(d - 1 for d in dilation)),
            Dims(padding[0][0], padding[1][0]),
            Dims(padding[0][1], padding[1][1]),
        )
        self.x_md = dnnl.layout(x_shape, _channels_last_strides(x_shape))
        self.y_md = dnnl.layout(y_shape, _channels_last_strides(y_shape))
        self.w_md = dnnl.layout(self.kernel_shape, row_major_strides(self.kernel_shape))
        self.b_md = dnnl.layout((f,), (1,))
        self.none = Handle()
        self.forward_pd = dnnl.new(
            "dnnl_convolution_forward_primitive_desc_create",
            dnnl.engine,
            FORWARD_TRAINING,
            CONVOLUTION_DIRECT,
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
        return [self.dnnl.implementation(self._part(which)[4]) for which in ("forward", "data", "weights")]

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
                    CONVOLUTION_DIRECT,
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
                    CONVOLUTION_DIRECT,
                    self.x_md,
                    any_w,
                    self.b_md if self.bias else self.none,
                    self.y_md,
                    *self.geometry,
                    self.forward_pd,
                    None,
                )
            query = QUERY_DIFF_WEIGHTS_MD if which == "weights" else QUERY_WEIGHTS_MD
            blocked_md = Handle(dnnl.lib.dnnl_primitive_desc_query_md(pd, query, 0))
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
        args = [(ARG_SRC, m["x"], x), (ARG_WEIGHTS, blocked, None), (ARG_DST, m["y"], y)]
        if self.bias:
            args.append((ARG_BIAS, m["b"], bias))
        with self.dnnl.lock:
            self.dnnl.run(reorder, [(ARG_SRC, m["w"], weight), (ARG_DST, blocked, None)])
            self.dnnl.run(primitive, args)
        return y.transpose(0, 3, 1, 2)

    def input_gradient(self, g: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """∂L/∂x for ∂L/∂y = g: each window's G·W added back where the window lies."""
        grad = np.empty(self.x_shape[:1] + self.x_shape[2:] + self.x_shape[1:2], np.float32)
        primitive, blocked, reorder, m, _ = self._part("data")
        weight = np.ascontiguousarray(weight)
        with self.dnnl.lock:
            self.dnnl.run(reorder, [(ARG_SRC, m["w"], weight), (ARG_DST, blocked, None)])
            self.dnnl.run(
                primitive,
                [(ARG_DIFF_DST, m["y"], g), (ARG_WEIGHTS, blocked, None), (ARG_DIFF_SRC, m["x"], grad)],
            )
        return grad.transpose(0, 3, 1, 2)

    def weight_gradients(self, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """∂L/∂W = Σ_windows G·windowᵀ and ∂L/∂b = Σ G, for input x and ∂L/∂y = g."""
        grad_w = np.empty(self.weight_shape, np.float32)
        grad_b = np.empty(self.y_shape[1], np.float32) if self.bias else None
        primitive, blocked, reorder, m, _ = self._part("weights")
        args = [(ARG_SRC, m["x"], x), (ARG_DIFF_DST, m["y"], g), (ARG_DIFF_WEIGHTS, blocked, None)]
        if self.bias:
            args.append((ARG_DIFF_BIAS, m["b"], grad_b))
        with self.dnnl.lock:
            self.dnnl.run(primitive, args)
            self.dnnl.run(reorder, [(ARG_SRC, blocked, None), (ARG_DST, m["w"], grad_w)])
        return grad_w, grad_b


@functools.lru_cache(maxsize=256)
def _cached(*key: Any) -> Convolution | None:
    dnnl = library()
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
    if not available() or not all_float32(*arrays):
        return None
    if 0 in x_shape or 0 in y_shape or 0 in weight_shape:
        return None
    key = (tuple(x_shape), tuple(weight_shape), tuple(y_shape), tuple(stride), tuple(dilation))
    return _cached(*key, tuple(map(tuple, padding)), groups, bias)
