"""build(): the model's converter run on graph inputs made from the example arguments, the graph
checked by onnx.checker; save(): the ModelProto written whole or not at all (deepstep.onnx.export
does both)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

import numpy as np
import onnx
from onnx import helper

from ... import nn
from ...autograd.tensor import Tensor
from ...io.archive import atomic_write
from ..errors import UnsupportedModuleError
from .graph import Converter, Graph, Value, unsupported
from .table import CONVERTERS, METHODS

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "build", "save"]

DEFAULT_OPSET = 20  # PyTorch 2.13's default; ONNX Runtime has run it since 1.17
MIN_OPSET = 18  # the reductions take their axes as an input from 18 on, and the converters write them so

# layers whose batch axis is 1 unless batch_first, and whose unbatched input is 2-d
_SEQUENCE_FIRST = (
    nn.RNN,
    nn.LSTM,
    nn.GRU,
    nn.MultiheadAttention,
    nn.TransformerEncoderLayer,
    nn.TransformerDecoderLayer,
    nn.TransformerEncoder,
    nn.TransformerDecoder,
    nn.Transformer,
)


def _target(model: Any) -> tuple[nn.Module, Converter, Callable[..., Any]]:
    """(the module, its converter, the callable whose result the graph computes): a module's forward,
    or one of the methods in METHODS (an autoencoder's decode)."""
    if isinstance(model, nn.Module):
        converter = CONVERTERS.get(type(model))
        if converter is None:
            raise unsupported(model, "")
        return model, converter, model
    owner = getattr(model, "__self__", None)
    if inspect.ismethod(model) and isinstance(owner, nn.Module):
        converter = METHODS.get((type(owner), model.__name__))
        if converter is None:
            raise UnsupportedModuleError(
                f"cannot export {type(owner).__name__}.{model.__name__}: export takes a module (its forward) "
                f"or one of {sorted(f'{c.__name__}.{n}' for c, n in METHODS)}"
            )
        return owner, converter, model
    raise TypeError(f"export expects a deepstep Module, got {type(model).__name__}")


def _opset(opset: int | None) -> int:
    latest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset is None else opset
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= latest:
        raise ValueError(
            f"opset must be an int from {MIN_OPSET} to {latest} (this onnx package's newest), got {opset!r}"
        )
    return opset


def _float_dtype(module: nn.Module) -> np.dtype | None:
    """The dtype of the model's floating parameters and buffers (None where it has none)."""
    return next((v.dtype for v in module.state_dict().values() if v.dtype.kind == "f"), None)


def _as_array(leaf: Any, dtype: np.dtype | None) -> np.ndarray:
    """An example input as the graph takes it: floats in the model's dtype (if it has one), integers
    as int64."""
    array = leaf.data if isinstance(leaf, Tensor) else leaf
    if not isinstance(array, np.ndarray):
        raise TypeError(f"export takes Tensors or NumPy arrays as example inputs, got {type(leaf).__name__}")
    if array.dtype.kind == "f":
        return array if dtype is None else array.astype(dtype, copy=False)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.dtype == bool:
        return array
    raise TypeError(f"export takes float, integer or bool inputs, got dtype {array.dtype}")


def _parameter_names(forward: Callable[..., Any], count: int) -> list[str]:
    """forward's own names for its first `count` parameters (query, key, value…)."""
    target = forward.forward if isinstance(forward, nn.Module) else forward
    try:
        names = [
            p.name
            for p in inspect.signature(target).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"input_{i}" for i in range(count)]


def _batch_axes(module: nn.Module, arguments: tuple[Any, ...]) -> list[int | None]:
    """The batch axis of each example input (the leaves of tuple arguments one by one), None where it
    has none: axis 0, but 1 for sequence-first layers, and 1 for the states (layers, N, H) of
    recurrent layers and CharRNN; none for unbatched input."""
    from ...models import CharRNN

    recurrent = isinstance(module, (nn.RNN, nn.LSTM, nn.GRU, CharRNN))
    first = arguments[0]
    if isinstance(module, _SEQUENCE_FIRST):
        batch_first = next(m.batch_first for m in module.modules() if hasattr(m, "batch_first"))
        batched = first.ndim == 3
        axis = (0 if batch_first else 1) if batched else None
        axes = [axis if not (recurrent and i) else (1 if batched else None) for i in range(len(arguments))]
    elif recurrent:  # CharRNN: ids (B, T), states (layers, B, H)
        axes = [0] + [1] * (len(arguments) - 1)
    else:
        axes = [0] * len(arguments)
    flat: list[int | None] = []
    for axis, argument in zip(axes, arguments, strict=True):
        for leaf in _flatten(argument):
            flat.append(axis if leaf.ndim else None)
    return flat


def _flatten(values: Any) -> list[Any]:
    if isinstance(values, tuple):
        return [leaf for v in values for leaf in _flatten(v)]
    return [] if values is None else [values]


def _names(given: Sequence[str] | None, defaults: list[str], what: str) -> list[str]:
    given = list(given or [])
    if len(given) > len(defaults):
        raise ValueError(f"{len(given)} {what}_names given for {len(defaults)} {what}s")
    return given + defaults[len(given) :]


def _dims(shape: tuple[int, ...], axis: int | None, dynamic: Mapping[int, str]) -> list[Any]:
    dims: list[Any] = list(shape)
    if axis is not None:
        dims[axis] = "batch"
    for a, name in dynamic.items():
        dims[a] = name
    return dims


def _dynamic(dynamic_axes: Mapping[str, Any] | None, name: str) -> dict[int, str]:
    """torch.onnx's dynamic_axes for one name: {axis: dim name} or a list of axes."""
    axes = (dynamic_axes or {}).get(name, {})
    return dict(axes) if isinstance(axes, Mapping) else {int(a): f"{name}_dim_{a}" for a in axes}


def _examples(args: Any, dtype: np.dtype | None) -> tuple[Any, ...]:
    """forward's arguments as arrays (a tuple argument as a tuple of arrays; None kept)."""
    arguments = args if isinstance(args, (tuple, list)) else (args,)
    examples = []
    for argument in arguments:
        if isinstance(argument, (tuple, list)):
            examples.append(tuple(_as_array(x, dtype) for x in argument))
        else:
            examples.append(None if argument is None else _as_array(argument, dtype))
    return tuple(examples)


def _inputs(
    graph: Graph,
    module: nn.Module,
    forward: Callable[..., Any],
    examples: tuple[Any, ...],
    input_names: Sequence[str] | None,
    dynamic_batch: bool,
    dynamic_axes: Mapping[str, Any] | None,
) -> tuple[list[onnx.ValueInfoProto], tuple[Any, ...]]:
    """The graph's inputs, one per array of the examples (named after forward's parameters, "hx_0",
    "hx_1" for a tuple), and the Values to call the converter with, structured as the examples."""
    defaults = []
    for name, example in zip(_parameter_names(forward, len(examples)), examples, strict=True):
        if isinstance(example, tuple):
            defaults += [f"{name}_{i}" for i in range(len(example))]
        elif example is not None:
            defaults.append(name)
    leaves = _flatten(examples)
    names = _names(input_names, defaults, "input")
    axes = _batch_axes(module, examples) if dynamic_batch else [None] * len(leaves)
    declared = []
    for name, example, axis in zip(names, leaves, axes, strict=True):
        dims = _dims(example.shape, axis, _dynamic(dynamic_axes, name))
        elem = helper.np_dtype_to_tensor_dtype(example.dtype)
        declared.append(helper.make_tensor_value_info(graph.reserve(name), elem, dims))
    values = iter([Value(name, example) for name, example in zip(names, leaves, strict=True)])
    structured = []
    for example in examples:
        if isinstance(example, tuple):
            structured.append(tuple(next(values) for _ in example))
        else:
            structured.append(None if example is None else next(values))
    return declared, tuple(structured)


def build(
    model: Any,
    args: Any,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
    opset: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
) -> onnx.ModelProto:
    """The ONNX model of `model` (a Module, or an autoencoder's encode/decode) for inputs like args,
    accepted by onnx.checker."""
    module, converter, forward = _target(model)
    graph = Graph(_opset(opset), CONVERTERS)
    examples = _examples(args, _float_dtype(module))
    declared, values = _inputs(graph, module, forward, examples, input_names, dynamic_batch, dynamic_axes)
    modes = {m: m.training for m in module.modules()}
    module.eval()  # as torch.onnx.export: dropout passes through, normalisation uses running statistics
    try:
        outputs = _flatten(graph.call(converter, module, forward, "", *values))
    finally:
        for m, training in modes.items():
            object.__setattr__(m, "training", training)
    defaults = ["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))]
    out_names = _names(output_names, defaults, "output")
    _name_outputs(graph, outputs, out_names)
    results = [
        helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(v.dtype), None)
        for name, v in zip(out_names, outputs, strict=True)
    ]
    proto = helper.make_graph(graph.nodes, type(module).__name__, declared, results, graph.initializers)
    opsets = [helper.make_opsetid("", graph.opset)]
    onnx_model = helper.make_model(
        proto,
        opset_imports=opsets,
        producer_name="deepstep",
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    onnx_model = _output_shapes(onnx_model, outputs, dynamic_axes)
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model


def _name_outputs(graph: Graph, outputs: list[Value], names: list[str]) -> None:
    """Give the graph's outputs their names: the node that makes one is renamed (with the nodes that
    read it); an output that is not made by a node, or is an output twice, gets an Identity."""
    made_by = {out: node for node in graph.nodes for out in node.output}
    renamed: dict[str, str] = {}
    for value, name in zip(outputs, names, strict=True):
        graph.reserve(name)
        node = made_by.get(value.name)
        if node is None or value.name in renamed:
            graph.nodes.append(helper.make_node("Identity", [renamed.get(value.name, value.name)], [name]))
            continue
        for other in graph.nodes:
            other.input[:] = [name if x == value.name else x for x in other.input]
        node.output[:] = [name if x == value.name else x for x in node.output]
        renamed[value.name] = name


def _output_shapes(
    model: onnx.ModelProto, outputs: list[Value], dynamic_axes: Mapping[str, Any] | None
) -> onnx.ModelProto:
    """The outputs' shapes as ONNX's shape inference finds them from the inputs' (the batch axis
    stays symbolic); a dim it cannot tell stays unnamed."""
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    for output, value in zip(inferred.graph.output, outputs, strict=True):
        tensor = output.type.tensor_type
        if not tensor.HasField("shape"):
            tensor.shape.dim.extend(onnx.TensorShapeProto.Dimension() for _ in range(value.ndim))
        for axis, name in _dynamic(dynamic_axes, output.name).items():
            tensor.shape.dim[axis].Clear()
            tensor.shape.dim[axis].dim_param = name
    del model.graph.output[:]
    model.graph.output.extend(inferred.graph.output)
    return model


def save(onnx_model: onnx.ModelProto, f: str | os.PathLike | IO[bytes]) -> None:
    """Write the model's bytes to f: a binary file, or a path written whole or not at all."""
    data = onnx_model.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
    else:
        atomic_write(f, lambda file: file.write(data))
