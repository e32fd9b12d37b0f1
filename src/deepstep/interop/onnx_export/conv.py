"""Convolutions, pooling and resampling as ONNX nodes.

Convolutions and pooling map onto ONNX's Conv, ConvTranspose, MaxPool and AveragePool with the same
arguments (PyTorch's and ONNX's weight layouts agree). Adaptive pooling has no ONNX operator: adaptive
average pooling is linear and separable, y = A_h·x·A_wᵀ with A averaging each window, so it is two
MatMuls with constant matrices; adaptive max pooling, separable too, is one ReduceMax per window of
each axis. Unfold is a convolution with one-hot kernels (one output channel per kernel position),
Fold its transpose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import nn
from ...functional.windows import conv_padding, ntuple
from .graph import Graph, Value, unsupported

# deepstep's (and PyTorch's) padding modes, as ONNX's Pad calls them
_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _spatial(m: nn.Module) -> int:
    """How many spatial axes a layer works on (1 for the …1d classes)."""
    return 1 if type(m).__name__.endswith("1d") else 2


def _batched(g: Graph, m: nn.Module, path: str, x: Value, spatial: int) -> tuple[str, bool]:
    """x with a batch axis (an unbatched (C, *spatial) input gets one), and whether it was added."""
    if x.ndim == spatial + 1:
        return g.op("Unsqueeze", x.name, g.ints(0)), True
    if x.ndim != spatial + 2:
        raise unsupported(m, path, f"{x.ndim}-d input (expected {spatial + 1} or {spatial + 2} dims)")
    return x.name, False


def _unbatched(g: Graph, y: str, added: bool) -> str:
    return g.op("Squeeze", y, g.ints(0)) if added else y


def _convolution(g: Graph, op: str, m: nn.Module, path: str, name: str, **attributes: Any) -> str:
    """The Conv or ConvTranspose node of layer m on input `name`: its weight and bias, and its kernel
    size, stride, dilation and groups as attributes (PyTorch's and ONNX's meanings agree)."""
    return g.op(
        op,
        name,
        g.param(m, path, "weight"),
        g.param(m, path, "bias"),
        kernel_shape=list(m.kernel_size),
        strides=list(m.stride),
        dilations=list(m.dilation),
        group=m.groups,
        **attributes,
    )


def conv(g: Graph, m: nn.Conv2d, path: str, x: Value) -> str:
    """Conv with PyTorch's stride, padding ('same' included), dilation and groups; a padding_mode
    other than zeros is a Pad node (reflect, edge or wrap) before a convolution without padding."""
    name, added = _batched(g, m, path, x, m.spatial)
    pads = conv_padding(m.padding, m.kernel_size, m.stride, m.dilation)
    begins, ends = [p[0] for p in pads], [p[1] for p in pads]
    if m.padding_mode != "zeros":
        if m.padding_mode == "circular" and g.opset < 19:
            raise unsupported(m, path, "padding_mode='circular' needs opset 19 or later (ONNX's Pad 'wrap')")
        widths = g.ints(0, 0, *begins, 0, 0, *ends)
        name = g.op("Pad", name, widths, mode=_PAD_MODES[m.padding_mode])
        begins = ends = [0] * m.spatial
    y = _convolution(g, "Conv", m, path, name, pads=[*begins, *ends])
    return _unbatched(g, y, added)


def conv_transpose(g: Graph, m: nn.ConvTranspose2d, path: str, x: Value) -> str:
    """ConvTranspose: the same weight layout (C_in, C_out/groups, k…) and output size formula."""
    name, added = _batched(g, m, path, x, m.spatial)
    pads = [*m.padding, *m.padding]
    y = _convolution(g, "ConvTranspose", m, path, name, pads=pads, output_padding=list(m.output_padding))
    return _unbatched(g, y, added)


def _window(m: nn.Module, n: int) -> dict[str, list[int]]:
    kernel = ntuple(m.kernel_size, n, "kernel_size")
    stride = ntuple(m.stride if m.stride is not None else m.kernel_size, n, "stride")
    padding = ntuple(getattr(m, "padding", 0), n, "padding")
    return {"kernel_shape": list(kernel), "strides": list(stride), "pads": [*padding, *padding]}


def max_pool(g: Graph, m: nn.MaxPool2d, path: str, x: Value) -> str:
    if m.return_indices:
        raise unsupported(m, path, "return_indices=True (ONNX numbers the maxima differently)")
    n = _spatial(m)
    name, added = _batched(g, m, path, x, n)
    dilations = list(ntuple(m.dilation, n, "dilation"))
    y = g.op("MaxPool", name, **_window(m, n), dilations=dilations, ceil_mode=int(m.ceil_mode))
    return _unbatched(g, y, added)


def avg_pool(g: Graph, m: nn.AvgPool2d, path: str, x: Value) -> str:
    """AveragePool; a divisor_override d is the window's sum over d: the mean with padding counted,
    times k_h·k_w/d."""
    n = _spatial(m)
    name, added = _batched(g, m, path, x, n)
    divisor = getattr(m, "divisor_override", None)
    if divisor is not None and m.ceil_mode:
        raise unsupported(m, path, "divisor_override together with ceil_mode")
    include_pad = int(m.count_include_pad or divisor is not None)
    window = _window(m, n)
    y = g.op("AveragePool", name, **window, ceil_mode=int(m.ceil_mode), count_include_pad=include_pad)
    if divisor is not None:
        y = g.op("Mul", y, g.scalar(math.prod(window["kernel_shape"]) / divisor, x.dtype))
    return _unbatched(g, y, added)


def lp_pool(g: Graph, m: nn.LPPool2d, path: str, x: Value) -> str:
    """(Σ_window x^p)^(1/p), computed as deepstep and PyTorch do: (k·mean_window(x^p))^(1/p)."""
    n = _spatial(m)
    name, added = _batched(g, m, path, x, n)
    window = {**_window(m, n), "pads": [0] * 2 * n}
    powered = g.op("Pow", name, g.scalar(m.norm_type, x.dtype))
    mean = g.op("AveragePool", powered, **window, ceil_mode=int(m.ceil_mode))
    total = g.op("Mul", mean, g.scalar(math.prod(window["kernel_shape"]), x.dtype))
    return _unbatched(g, g.op("Pow", total, g.scalar(1 / m.norm_type, x.dtype)), added)


def _adaptive_sizes(output_size: int | Sequence[int | None] | None, sizes: tuple[int, ...]) -> list[int]:
    """The output size per spatial axis; None keeps the input's."""
    wanted = [output_size] * len(sizes) if not isinstance(output_size, (tuple, list)) else list(output_size)
    return [n if o is None else int(o) for o, n in zip(wanted, sizes, strict=True)]


def _windows(n: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: [⌊i·n/o⌋, ⌈(i+1)·n/o⌉) for each output i."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def average_matrix(n: int, out: int, dtype: np.dtype) -> np.ndarray:
    """A (out, n) with A[i, j] = 1/|window i| on window i: A·v averages v over each adaptive window."""
    a = np.zeros((out, n), dtype=dtype)
    for i, (start, end) in enumerate(_windows(n, out)):
        a[i, start:end] = 1 / (end - start)
    return a


def adaptive_average(g: Graph, name: str, sizes: tuple[int, ...], outputs: list[int], dtype: np.dtype) -> str:
    """Adaptive average pooling over the last len(sizes) axes: ReduceMean for outputs of one, else one
    MatMul per axis (x·A_wᵀ on the last, A_h·x on the one before)."""
    spatial = len(sizes)
    if all(o == 1 for o in outputs):
        return g.reduce("ReduceMean", name, tuple(range(-spatial, 0)))
    y = g.op("MatMul", name, g.array(average_matrix(sizes[-1], outputs[-1], dtype).T, "adaptive_w"))
    if spatial == 2:
        y = g.op("MatMul", g.array(average_matrix(sizes[0], outputs[0], dtype), "adaptive_h"), y)
    return y


def adaptive_avg_pool(g: Graph, m: nn.AdaptiveAvgPool2d, path: str, x: Value) -> str:
    n = _spatial(m)
    sizes = x.shape[-n:]
    return adaptive_average(g, x.name, sizes, _adaptive_sizes(m.output_size, sizes), x.dtype)


def adaptive_max_pool(g: Graph, m: nn.AdaptiveMaxPool2d, path: str, x: Value) -> str:
    """MaxPool where the windows tile the input evenly; else the maximum of each window, one axis after
    the other (a maximum over a rectangle is the maximum of its rows' maxima)."""
    if m.return_indices:
        raise unsupported(m, path, "return_indices=True (ONNX numbers the maxima differently)")
    n = _spatial(m)
    sizes = x.shape[-n:]
    outputs = _adaptive_sizes(m.output_size, sizes)
    if all(size % out == 0 for size, out in zip(sizes, outputs, strict=True)):
        name, added = _batched(g, m, path, x, n)
        kernel = [size // out for size, out in zip(sizes, outputs, strict=True)]
        return _unbatched(g, g.op("MaxPool", name, kernel_shape=kernel, strides=kernel), added)
    y = x.name
    for axis, (size, out) in zip(range(-n, 0), zip(sizes, outputs, strict=True), strict=True):
        pieces = [
            g.reduce("ReduceMax", g.op("Slice", y, g.ints(start), g.ints(end), g.ints(axis)), (axis,))
            for start, end in _windows(size, out)
        ]
        y = pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis=axis)
    return y


# PyTorch's interpolation modes as ONNX Resize's attributes (align_corners=False; True: 'align_corners')
_RESIZE = {
    "nearest": {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
    "nearest-exact": {
        "mode": "nearest",
        "coordinate_transformation_mode": "half_pixel",
        "nearest_mode": "round_prefer_ceil",
    },
    "linear": {"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"},
    "bicubic": {
        "mode": "cubic",
        "coordinate_transformation_mode": "pytorch_half_pixel",
        "cubic_coeff_a": -0.75,
    },
}


def upsample(g: Graph, m: nn.Upsample, path: str, x: Value) -> str:
    """Resize over the spatial axes: by the scale factors where given (PyTorch maps coordinates with
    them), else to the sizes; 'area' is adaptive average pooling."""
    spatial = x.ndim - 2
    sizes = x.shape[2:]
    if m.size is not None:
        outputs = list(ntuple(m.size, spatial, "size"))
    else:
        factors = m.scale_factor if isinstance(m.scale_factor, tuple) else (m.scale_factor,) * spatial
        outputs = [math.floor(n * s) for n, s in zip(sizes, factors, strict=True)]
    if m.mode == "area":
        return adaptive_average(g, x.name, sizes, outputs, x.dtype)
    mode = "linear" if m.mode in ("bilinear", "trilinear") else m.mode
    attrs = dict(_RESIZE[mode], axes=list(range(2, x.ndim)))
    if m.align_corners:
        attrs["coordinate_transformation_mode"] = "align_corners"
    if m.size is None and not m.recompute_scale_factor:
        scales = g.array(np.array(factors, dtype=np.float32), "scales")
        return g.op("Resize", x.name, None, scales, **attrs)
    return g.op("Resize", x.name, None, None, g.ints(*outputs), **attrs)


def pixel_shuffle(g: Graph, m: nn.PixelShuffle, path: str, x: Value) -> str:
    """(N, C·r², H, W) → (N, C, H·r, W·r): ONNX's DepthToSpace in its CRD order is PyTorch's."""
    name, added = _batched(g, m, path, x, 2)
    return _unbatched(g, g.op("DepthToSpace", name, blocksize=m.upscale_factor, mode="CRD"), added)


def pixel_unshuffle(g: Graph, m: nn.PixelUnshuffle, path: str, x: Value) -> str:
    """(N, C, H·r, W·r) → (N, C·r², H, W): channel c·r² + i·r + j holds pixel (i, j) of each block
    (ONNX's SpaceToDepth orders them otherwise), as reshape, transpose, reshape."""
    name, added = _batched(g, m, path, x, 2)
    r = m.downscale_factor
    c, h, w = x.shape[-3:]
    blocks = g.reshape(name, (0, c, h // r, r, w // r, r))
    y = g.reshape(g.op("Transpose", blocks, perm=[0, 1, 3, 5, 2, 4]), (0, c * r * r, h // r, w // r))
    return _unbatched(g, y, added)


def _one_hot_kernels(channels: int, kernel: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    """(C·kh·kw, 1, kh, kw): kernel c·kh·kw + i·kw + j picks position (i, j) of channel c."""
    k = kernel[0] * kernel[1]
    weight = np.zeros((channels * k, 1, *kernel), dtype=dtype)
    rows = np.arange(channels * k)
    weight[rows, 0, (rows % k) // kernel[1], rows % kernel[1]] = 1
    return weight


def _fold_args(m: nn.Module) -> dict[str, list[int]]:
    kernel, dilation = ntuple(m.kernel_size, 2, "kernel_size"), ntuple(m.dilation, 2, "dilation")
    padding, stride = ntuple(m.padding, 2, "padding"), ntuple(m.stride, 2, "stride")
    return {
        "kernel_shape": list(kernel),
        "strides": list(stride),
        "pads": [*padding, *padding],
        "dilations": list(dilation),
    }


def unfold(g: Graph, m: nn.Unfold, path: str, x: Value) -> str:
    """Every window as a column (N, C·kh·kw, L): a grouped convolution with one-hot kernels."""
    name, added = _batched(g, m, path, x, 2)
    args = _fold_args(m)
    channels = x.shape[-3]
    kernels = g.array(_one_hot_kernels(channels, tuple(args["kernel_shape"]), x.dtype), "unfold_kernels")
    columns = g.op("Conv", name, kernels, group=channels, **args)
    k = math.prod(args["kernel_shape"])
    return _unbatched(g, g.reshape(columns, (0, channels * k, -1)), added)


def fold(g: Graph, m: nn.Fold, path: str, x: Value) -> str:
    """Columns added back into images: the transpose of Unfold's convolution."""
    name, added = (g.op("Unsqueeze", x.name, g.ints(0)), True) if x.ndim == 2 else (x.name, False)
    args = _fold_args(m)
    k = math.prod(args["kernel_shape"])
    channels = x.shape[-2] // k
    out = ntuple(m.output_size, 2, "output_size")
    blocks = [
        (o + 2 * p - d * (kk - 1) - 1) // s + 1
        for o, p, d, kk, s in zip(
            out, args["pads"][:2], args["dilations"], args["kernel_shape"], args["strides"], strict=True
        )
    ]
    spread = (blocks[0] - 1) * args["strides"][0], (blocks[1] - 1) * args["strides"][1]
    reached = [
        sp - 2 * p + d * (kk - 1) + 1
        for sp, p, d, kk in zip(
            spread, args["pads"][:2], args["dilations"], args["kernel_shape"], strict=True
        )
    ]
    grid = g.reshape(name, (0, channels * k, *blocks))
    kernels = g.array(_one_hot_kernels(channels, tuple(args["kernel_shape"]), x.dtype), "fold_kernels")
    output_padding = [o - r for o, r in zip(out, reached, strict=True)]
    y = g.op("ConvTranspose", grid, kernels, group=channels, output_padding=output_padding, **args)
    return _unbatched(g, y, added)
