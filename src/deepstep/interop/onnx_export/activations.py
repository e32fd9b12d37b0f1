"""Activations as ONNX operators: one node where ONNX has the function (Relu, Elu, HardSwish, …),
a few nodes where it has not, written in the numerically stable form deepstep computes. Export is
in evaluation mode, so RReLU is the leaky ReLU of its mean slope."""

from __future__ import annotations

from onnx import helper

from ... import nn
from .graph import Converter, Graph, Value


def one(op_type: str) -> Converter:
    """A converter to the ONNX operator of the same function and no attributes."""

    def convert(g: Graph, m: nn.Module, path: str, x: Value) -> str:
        return g.op(op_type, x.name)

    return convert


def leaky_relu(g: Graph, m: nn.LeakyReLU, path: str, x: Value) -> str:
    return g.op("LeakyRelu", x.name, alpha=float(m.negative_slope))


def rrelu(g: Graph, m: nn.RReLU, path: str, x: Value) -> str:
    """In evaluation mode the slope is the middle of [lower, upper]."""
    return g.op("LeakyRelu", x.name, alpha=(m.lower + m.upper) / 2)


def elu(g: Graph, m: nn.ELU, path: str, x: Value) -> str:
    return g.op("Celu" if type(m) is nn.CELU else "Elu", x.name, alpha=float(m.alpha))


def selu(g: Graph, m: nn.SELU, path: str, x: Value) -> str:
    # λ and α of Klambauer et al. (2017), written out: they are PyTorch's constants and ONNX's defaults
    return g.op("Selu", x.name, alpha=1.6732632423543772, gamma=1.0507009873554805)


def gelu(g: Graph, m: nn.GELU, path: str, x: Value) -> str:
    return g.gelu(x.name, x.dtype, m.approximate)


def silu(g: Graph, m: nn.SiLU, path: str, x: Value) -> str:
    """x·σ(x)."""
    return g.op("Mul", x.name, g.op("Sigmoid", x.name))


def hardtanh(g: Graph, m: nn.Hardtanh, path: str, x: Value) -> str:
    """min(max(x, lo), hi): ReLU6 is (0, 6)."""
    return g.op("Clip", x.name, g.scalar(m.min_val, x.dtype), g.scalar(m.max_val, x.dtype))


def hardsigmoid(g: Graph, m: nn.Hardsigmoid, path: str, x: Value) -> str:
    """clip(x/6 + ½, 0, 1)."""
    return g.op("HardSigmoid", x.name, alpha=1 / 6, beta=0.5)


def logsigmoid(g: Graph, m: nn.LogSigmoid, path: str, x: Value) -> str:
    """log σ(x) = min(x, 0) − log(1 + e^(−|x|)), finite for every x (ONNX's Softplus of −x overflows)."""
    tail = g.op("Exp", g.op("Neg", g.op("Abs", x.name)))
    return g.op(
        "Sub", g.op("Min", x.name, g.scalar(0, x.dtype)), g.op("Log", g.op("Add", tail, g.scalar(1, x.dtype)))
    )


def tanhshrink(g: Graph, m: nn.Tanhshrink, path: str, x: Value) -> str:
    return g.op("Sub", x.name, g.op("Tanh", x.name))


def shrink(g: Graph, m: nn.Softshrink, path: str, x: Value) -> str:
    """ONNX's Shrink: 0 on [−λ, λ], x ∓ bias outside; the soft one moves by λ, the hard one not at all."""
    bias = 0.0 if type(m) is nn.Hardshrink else float(m.lambd)
    return g.op("Shrink", x.name, lambd=float(m.lambd), bias=bias)


def threshold(g: Graph, m: nn.Threshold, path: str, x: Value) -> str:
    """x where x > threshold, else value."""
    above = g.op("Greater", x.name, g.scalar(m.threshold, x.dtype))
    return g.op("Where", above, x.name, g.scalar(m.value, x.dtype))


def glu(g: Graph, m: nn.GLU, path: str, x: Value) -> str:
    """a ⊙ σ(b), a and b the two halves of x along dim."""
    dim = m.dim % x.ndim
    half = x.shape[dim] // 2
    a, b = g.op("Split", x.name, g.ints(half, half), axis=dim, outputs=2)
    return g.op("Mul", a, g.op("Sigmoid", b))


def prelu(g: Graph, m: nn.PReLU, path: str, x: Value) -> str:
    """ONNX's PRelu broadcasts the slopes from the right: per-channel slopes (dim 1) become (C, 1, …, 1)."""
    slopes = g.param(m, path, "weight")
    if m.num_parameters > 1 and x.ndim > 2:
        slopes = g.reshape(slopes, (m.num_parameters,) + (1,) * (x.ndim - 2))
    return g.op("PRelu", x.name, slopes)


def softmax_dim(dim: int | None, ndim: int) -> int:
    """PyTorch's implicit choice when dim is None: 0 for 0-, 1- and 3-d input, else 1."""
    return (0 if ndim in (0, 1, 3) else 1) if dim is None else dim


def softmax(g: Graph, m: nn.Softmax, path: str, x: Value) -> str:
    axis = softmax_dim(m.dim, x.ndim)
    if type(m) is nn.Softmin:
        return g.op("Softmax", g.op("Neg", x.name), axis=axis)
    return g.op("LogSoftmax" if type(m) is nn.LogSoftmax else "Softmax", x.name, axis=axis)


def softmax2d(g: Graph, m: nn.Softmax2d, path: str, x: Value) -> str:
    return g.op("Softmax", x.name, axis=-3)


def step(g: Graph, m: nn.Step, path: str, x: Value) -> str:
    """The perceptron's 1[x ≥ 0], in x's dtype."""
    above = g.op("GreaterOrEqual", x.name, g.scalar(0, x.dtype))
    return g.op("Cast", above, to=helper.np_dtype_to_tensor_dtype(x.dtype))
