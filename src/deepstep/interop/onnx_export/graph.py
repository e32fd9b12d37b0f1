"""The ONNX graph under construction, and the walk over the module tree that fills it.

Each module class has a converter (table.py): `convert(g, module, path, *inputs) -> outputs` adds the
nodes that compute what the module's forward computes. The inputs are Values: an ONNX name and the
array deepstep computes there for the example input, which tells the converter the rank, dtype and
sizes it needs. The outputs are ONNX names in the structure forward returns (a name, or tuples of
names; None where forward returns None). A composite converter (Sequential, a Transformer layer, a
ready model) reads like the forward it mirrors: `g.child(m, path, "linear1", x)` where forward calls
self.linear1(x). Parameters become initializers named as in the model's state_dict(), each stored once (a
tied weight is one initializer used twice). Nothing is traced: a module without a converter is an
error that names it and its place in the model.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...nn.module import Module
from ..errors import UnsupportedModuleError, where

__all__ = ["Converter", "Graph", "Value", "join", "names", "unsupported"]

Converter = Callable[..., Any]


@dataclass(frozen=True)
class Value:
    """A tensor of the graph: its ONNX name and what deepstep computes there for the example input."""

    name: str
    example: np.ndarray

    @property
    def ndim(self) -> int:
        return self.example.ndim

    @property
    def shape(self) -> tuple[int, ...]:
        return self.example.shape

    @property
    def dtype(self) -> np.dtype:
        return self.example.dtype


def _arrays(out: Any) -> Any:
    """forward's result with every Tensor replaced by its array (tuples kept, None kept)."""
    if isinstance(out, Tensor):
        return out.data
    if isinstance(out, (tuple, list)):
        return tuple(_arrays(o) for o in out)
    if out is None or isinstance(out, np.ndarray):
        return out
    raise TypeError(f"cannot export a forward that returns {type(out).__name__}")


def _tensors(values: Any) -> Any:
    """Values as Tensors of their examples, in the same structure (forward's arguments)."""
    if isinstance(values, tuple):
        return tuple(_tensors(v) for v in values)
    return None if values is None else Tensor(values.example)


def _pair(names: Any, examples: Any) -> Any:
    """The converter's names matched with forward's arrays, as Values in forward's structure."""
    if isinstance(examples, tuple):
        return tuple(_pair(n, e) for n, e in zip(names, examples, strict=True))
    if examples is None:
        return None
    return Value(names, examples)


class Graph:
    """Nodes and initializers of one ONNX graph, with unique names and shared constants."""

    def __init__(self, opset: int, converters: dict[type, Converter]) -> None:
        self.opset = opset
        self.converters = converters
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._taken: set[str] = set()
        self._stored: dict[int, str] = {}  # id(parameter) → its initializer: tied weights stored once
        self._constants: dict[tuple[Any, ...], str] = {}

    # ----- names, nodes, initializers ---------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A name no tensor of the graph has yet, hint itself where it is free."""
        name, n = hint, 1
        while name in self._taken:
            name, n = f"{hint}_{n}", n + 1
        self._taken.add(name)
        return name

    def reserve(self, name: str) -> str:
        """Claim an exact name (a graph input's)."""
        if name in self._taken:
            raise ValueError(f"the name {name!r} is used twice in the graph")
        self._taken.add(name)
        return name

    def op(self, op_type: str, *inputs: str | None, outputs: int = 1, **attrs: Any) -> Any:
        """One node; its output name (or a list of `outputs` names). None inputs are left out
        (ONNX's empty name for a missing optional input)."""
        names = [
            self.fresh(f"{op_type}_{len(self.nodes)}" + (f"_{i}" if outputs > 1 else ""))
            for i in range(outputs)
        ]
        given = list(inputs)
        while given and given[-1] is None:  # trailing optional inputs are left out, not named ""
            given.pop()
        node = helper.make_node(
            op_type,
            ["" if x is None else x for x in given],
            names,
            name=f"{op_type}_{len(self.nodes)}",
            **attrs,
        )
        self.nodes.append(node)
        return names[0] if outputs == 1 else names

    def array(self, value: np.ndarray, hint: str) -> str:
        """An initializer holding a copy of `value`."""
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def parameter(self, tensor: Any, name: str) -> str:
        """The initializer of a parameter or buffer (named as in state_dict), stored once however
        often the graph reads it."""
        key = id(tensor)
        if key not in self._stored:
            data = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
            self._stored[key] = self.array(data, name)
        return self._stored[key]

    def param(self, module: Module, path: str, attribute: str) -> str | None:
        """The initializer of module.attribute (None where the module has none, e.g. no bias)."""
        tensor = getattr(module, attribute)
        return None if tensor is None else self.parameter(tensor, join(path, attribute))

    def ints(self, *values: int) -> str:
        """A constant 1-D int64 tensor (shapes, axes, slice bounds)."""
        key = ("ints", *values)
        if key not in self._constants:
            self._constants[key] = self.array(np.array(values, dtype=np.int64), "ints")
        return self._constants[key]

    def scalar(self, value: float, dtype: Any) -> str:
        """A constant 0-d tensor of `dtype` (to combine with tensors of that dtype)."""
        dtype = np.dtype(dtype)
        key = ("scalar", float(value), dtype.str)
        if key not in self._constants:
            self._constants[key] = self.array(np.array(value, dtype=dtype), "const")
        return self._constants[key]

    # ----- the few compound pieces the converters share ----------------------------------------
    def shape(self, x: str, start: int = 0, end: int | None = None) -> str:
        """x's sizes start … end−1 as a 1-D int64 tensor, read when the graph runs (so dynamic)."""
        return self.op("Shape", x, start=start, **({} if end is None else {"end": end}))

    def reshape(self, x: str, *parts: str | tuple[int, ...]) -> str:
        """Reshape x to the concatenation of parts: names of 1-D int64 tensors (from shape()) or
        tuples of static sizes (0 copies the input's size at that position, −1 is inferred)."""
        names = [self.ints(*p) if isinstance(p, tuple) else p for p in parts]
        target = names[0] if len(names) == 1 else self.op("Concat", *names, axis=0)
        return self.op("Reshape", x, target)

    def reduce(self, op_type: str, x: str, axes: tuple[int, ...], keepdims: bool = True) -> str:
        """ReduceMean, ReduceSum, ReduceMax… over axes (an input, since opset 18)."""
        return self.op(op_type, x, self.ints(*axes), keepdims=int(keepdims))

    def linear(self, x: str, weight: str, bias: str | None, rank: int) -> str:
        """x Wᵀ + b: Gemm for a matrix (one node), MatMul with Wᵀ and Add for more dimensions."""
        if rank == 2:
            return self.op("Gemm", x, weight, bias, transB=1)
        y = self.op("MatMul", x, self.op("Transpose", weight))
        return y if bias is None else self.op("Add", y, bias)

    def linear_layer(self, m: Module, path: str, x: str, rank: int) -> str:
        """A Linear layer's x Wᵀ + b, its W and b read from the layer at path."""
        return self.linear(x, self.param(m, path, "weight"), self.param(m, path, "bias"), rank)

    def gelu(self, x: str, dtype: np.dtype, approximate: str = "none") -> str:
        """x·Φ(x) = ½x(1 + erf(x/√2)), or its tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))):
        ONNX's Gelu operator from opset 20, written out before."""
        if self.opset >= 20:
            return self.op("Gelu", x, approximate=approximate)
        if approximate == "tanh":
            cube = self.op("Mul", self.op("Mul", x, x), x)
            inner = self.op("Add", x, self.op("Mul", cube, self.scalar(0.044715, dtype)))
            gate = self.op("Tanh", self.op("Mul", inner, self.scalar(math.sqrt(2 / math.pi), dtype)))
        else:
            gate = self.op("Erf", self.op("Mul", x, self.scalar(1 / math.sqrt(2), dtype)))
        half = self.op("Mul", x, self.scalar(0.5, dtype))
        return self.op("Mul", half, self.op("Add", gate, self.scalar(1.0, dtype)))

    # ----- the walk -----------------------------------------------------------------------------
    def module(self, module: Module, path: str, *inputs: Value) -> Any:
        """Convert `module` (at `path` in the model) applied to inputs; its outputs as Values."""
        converter = self.converters.get(type(module))
        if converter is None:
            raise unsupported(module, path)
        return self.call(converter, module, module, path, *inputs)

    def child(self, m: Module, path: str, name: str, *inputs: Any) -> Any:
        """Convert m's child `name` applied to inputs (forward's `self.name(x)`)."""
        return self.module(getattr(m, name), join(path, name), *inputs)

    def call(
        self, converter: Converter, owner: Module, forward: Callable[..., Any], path: str, *inputs: Any
    ) -> Any:
        """Run one converter, and forward on the example arrays to know what its outputs hold.
        Inputs are Values, or tuples of them where forward takes a tuple (an LSTM's (h₀, c₀))."""
        try:
            inspect.signature(converter).bind(self, owner, path, *inputs)
        except TypeError:
            raise unsupported(
                owner, path, f"it is exported for other inputs than these {len(inputs)}"
            ) from None
        output_names = converter(self, owner, path, *inputs)
        with no_grad():
            examples = _arrays(forward(*(_tensors(v) for v in inputs)))
        return _pair(output_names, examples)

    def value(self, name: str, example: Any) -> Value:
        """A Value for a node a composite converter added, with what deepstep computes there."""
        return Value(name, example.data if isinstance(example, Tensor) else np.asarray(example))

    def add(self, a: Value, b: Value) -> Value:
        """a + b (a residual connection)."""
        return Value(self.op("Add", a.name, b.name), a.example + b.example)


def join(path: str, name: str) -> str:
    """A child's dotted path (state_dict's names)."""
    return f"{path}.{name}" if path else name


def names(values: Any) -> Any:
    """The ONNX names of Values, in the same structure (what a composite converter returns)."""
    if isinstance(values, Value):
        return values.name
    if isinstance(values, tuple):
        return tuple(names(v) for v in values)
    return values


def unsupported(module: Module, path: str, setting: str | None = None) -> UnsupportedModuleError:
    """The error for a module (or one setting of it) with no ONNX mapping."""
    name = type(module).__name__
    if setting is not None:
        return UnsupportedModuleError(f"cannot export {name} {where(path)} to ONNX: {setting}")
    if not type(module).__module__.startswith("deepstep."):
        return UnsupportedModuleError(
            f"cannot export {name} {where(path)} to ONNX: it is a Module subclass of your own, and its "
            "forward is Python code that deepstep does not trace; deepstep.onnx.export maps known layers "
            "to ONNX operators. Build the model from deepstep.nn layers (Sequential, …) or export its parts"
        )
    return UnsupportedModuleError(f"cannot export {name} {where(path)} to ONNX: {name} has no ONNX mapping")
