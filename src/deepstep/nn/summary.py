"""model.summary(): Keras's table of a model, one row per layer with its output shape and its
number of parameters, then the totals.

The output shapes come from one forward pass on an example batch, in evaluation mode and without
a graph, with a forward hook on every module (so Sequential runs each layer on its own, unfused):
"?" when there is no example to run (pass input_size), "-" for a module forward does not call (a
GAN's discriminator).
A row is a module that holds parameters of its own or has no children: the leaves of the tree,
plus the modules (attention, say) that own weights beside their sub-layers. A parameter shared
by two modules is counted once, at the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.tensor import Tensor
from .module import Parameter, inference

if TYPE_CHECKING:
    from .module import Module

__all__ = ["example_input", "summary_table"]

_WIDTHS = (40, 26, 12)


def example_input(module: Module) -> np.ndarray | None:
    """A batch of one input for a stack that starts with a layer of known width (in_features), in
    the model's dtype; None otherwise."""
    first = next((m for m in module.modules() if next(m.children(), None) is None), None)
    width = getattr(first, "in_features", None)
    if not isinstance(width, int):
        return None
    dtype = next((p.dtype for p in module.parameters()), np.dtype(np.float32))
    return np.zeros((1, width), dtype=dtype)


def _shape_of(output: Any) -> str:
    if isinstance(output, Tensor | np.ndarray):
        return str(tuple(output.shape))
    if isinstance(output, tuple | list):
        shapes = [_shape_of(item) for item in output if item is not None]
        return ", ".join(shape for shape in shapes if shape != "?") or "?"
    return "?"


def _output_shapes(module: Module, example: Any) -> dict[int, str]:
    """id(module) → the shape of its (first) output on the example batch."""
    shapes: dict[int, str] = {}

    def record(owner: Module, args: tuple[Any, ...], output: Any) -> None:
        shapes.setdefault(id(owner), _shape_of(output))

    handles = [m.register_forward_hook(record) for _, m in module.named_modules()]
    try:
        with inference(module):
            module(example)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def _row(*cells: str) -> str:
    return "".join(f" {cell:<{width - 1}}" for cell, width in zip(cells, _WIDTHS, strict=True)).rstrip()


def summary_table(module: Module, input_size: Sequence[int] | None = None, dtype: Any = None) -> str:
    """The table summary() prints (see the module docstring)."""
    if input_size is not None:
        default = next((p.dtype for p in module.parameters()), np.dtype(np.float32))
        example = np.zeros(tuple(input_size), dtype=dtype or default)
    else:
        example = module.example_input()
        if example is not None and dtype is not None:
            example = example.astype(dtype)
    shapes = _output_shapes(module, example) if example is not None else {}
    seen: set[int] = set()
    rows = []
    for name, child in module.named_modules():
        own = [p for p in vars(child).values() if isinstance(p, Parameter) and id(p) not in seen]
        seen.update(id(p) for p in own)
        if own or next(child.children(), None) is None:
            label = f"{name} ({type(child).__name__})" if name else type(child).__name__
            unseen = "?" if example is None else "-"  # no example to run, or not run by forward
            rows.append(_row(label, shapes.get(id(child), unseen), f"{sum(p.numel() for p in own):,}"))
    parameters = list(module.parameters())
    total = sum(p.numel() for p in parameters)
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    rule, double = "_" * sum(_WIDTHS), "=" * sum(_WIDTHS)
    heading = f'Model: "{type(module).__name__}"'
    if example is not None:
        heading += f"  input {tuple(example.shape)} → output {shapes.get(id(module), '-')}"
    return "\n".join(
        [
            heading,
            rule,
            _row("Layer (type)", "Output Shape", "Param #"),
            double,
            *rows,
            double,
            f"Total params: {total:,}",
            f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}",
            rule,
        ]
    )
