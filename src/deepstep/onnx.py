"""`deepstep.onnx.export(model, args, f, …)`, as `torch.onnx.export`: the model as an ONNX file that
ONNX Runtime (and every other ONNX runtime) serves without deepstep.

The graph is built by walking the module tree, each layer mapped to ONNX operators by one table
(deepstep.interop.onnx_export.table), not by tracing: a module without a mapping, such as a Module
subclass with a forward of your own, is an error that names it and its path in the model, and
nothing is written. The model is exported in evaluation mode (dropout passes through, batch
normalisation uses its running statistics), its parameters stored under their state_dict() names.
Needs the `onnx` package (`pip install deepstep[onnx]`, which brings onnxruntime too).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = ["export"]


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike | IO[bytes],
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
    opset: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
) -> Any:
    """Write `model` applied to example inputs `args` as an ONNX model to `f` (a path, written
    atomically, or a binary file); returns the onnx.ModelProto, which onnx.checker has accepted.

    model: a deepstep Module (its forward), or an autoencoder's `encode` / `decode`.
    args: the example input (a Tensor or array) or a tuple of them, as forward takes them; float
        inputs are taken in the model's dtype, integer ones (token ids) as int64.
    input_names / output_names: the graph's names (default: forward's parameter names; "output",
        or "output_0", "output_1", … for several outputs).
    dynamic_batch: the batch axis (axis 0, or 1 for sequence-first layers) is named "batch" and may
        have any size; other sizes are those of args. dynamic_axes, as torch.onnx.export's
        ({name: {axis: "dim name"}} or {name: [axes]}), names more (a sequence length, say).
    opset: the ONNX opset (default 20, as PyTorch's; at least 18).
    """
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError(
            "deepstep.onnx.export needs the onnx package: pip install 'deepstep[onnx]' (or pip install onnx)"
        ) from None
    from .interop.onnx_export import build, save

    onnx_model = build(model, args, input_names, output_names, dynamic_batch, opset, dynamic_axes)
    save(onnx_model, f)
    return onnx_model
