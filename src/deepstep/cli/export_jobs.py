"""`deepstep export RUN_DIR [OUTPUT]`: the model a training command wrote (`deepstep train`,
`autoencoder`, `gan`, `lm`) as an ONNX file, for ONNX Runtime or any other ONNX runtime.

The input's shape is read off the model: an MLP takes its first layer's features, the small CNN
its channels and image size, the autoencoder its image, the GAN its noise, a language model token
ids. The batch axis (and a language model's sequence length) stay free in the graph.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .options import positive_int

MODEL_FILES = ("model.npz", "model.safetensors")


def add_commands(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="write the model a training command saved as an ONNX file",
        description="Export the model that `deepstep train`, `autoencoder`, `gan` or `lm` wrote to RUN_DIR "
        "as an ONNX file (needs the onnx package: pip install 'deepstep[onnx]').",
    )
    export.add_argument("run_dir", type=Path, help="the folder a training command wrote (or a model file)")
    export.add_argument(
        "output", type=Path, nargs="?", help="the ONNX file to write (default RUN_DIR/model.onnx)"
    )
    export.add_argument("--opset", type=positive_int, default=None, help="ONNX opset version (default 20)")
    export.set_defaults(run=export_model)


def _model_file(run: Path) -> Path:
    if run.is_file():
        return run
    if not run.is_dir():
        raise FileNotFoundError(f"no folder {run}; give the folder a training command wrote, or a model file")
    for name in MODEL_FILES:
        if (run / name).is_file():
            return run / name
    raise FileNotFoundError(f"{run} holds no model ({' or '.join(MODEL_FILES)}); train one first")


def example_input(model: Any) -> tuple[Any, dict[str, dict[int, str]] | None]:
    """Zero inputs of the shapes the model takes, and the axes besides the batch that stay free."""
    from .. import nn
    from ..models import GAN, GPT, MLP, Autoencoder, CharRNN, SmallCNN

    sequence = {"idx": {0: "batch", 1: "steps"}}
    if isinstance(model, GPT):
        return np.zeros((1, model.block_size), np.int64), {**sequence, "output": {0: "batch", 1: "steps"}}
    if isinstance(model, CharRNN):  # ids and the state to continue from (zeros to start), as forward
        zeros = np.zeros((model.rnn.num_layers, 1, model.rnn.hidden_size), np.float32)
        state = (zeros, zeros) if model.cell == "lstm" else zeros
        return (np.zeros((1, 16), np.int64), state), {**sequence, "output_0": {0: "batch", 1: "steps"}}
    if isinstance(model, GAN):
        return np.zeros((1, model.latent_dim), np.float32), None
    if isinstance(model, Autoencoder):
        size = model.image_size
        return np.zeros((1, size * size) if model.kind == "dense" else (1, 1, size, size), np.float32), None
    if isinstance(model, SmallCNN):
        first, last = model.features[0], model.features[3]
        side = 4 * math.isqrt(model.classifier.in_features // last.out_channels)
        return np.zeros((1, first.in_channels, side, side), np.float32), None
    first = next((m for m in model.modules() if not isinstance(m, (MLP, nn.Sequential))), None)
    if isinstance(first, nn.Linear):
        return np.zeros((1, first.in_features), np.float32), None
    raise ValueError(
        f"cannot tell what input a {type(model).__name__} takes; export it from Python with "
        "deepstep.onnx.export(model, example_input, path)"
    )


def export_model(args: argparse.Namespace) -> int:
    from .. import io as ds_io
    from .. import onnx as ds_onnx
    from ..interop import UnsupportedModuleError
    from .lock import claim_file

    try:
        path = _model_file(args.run_dir)
        output = args.output or (path.parent / "model.onnx")
        with claim_file(output, "output", "deepstep export"):  # checked before the model is read
            model = ds_io.load(path)
            example, axes = example_input(model)
            proto = ds_onnx.export(model, example, output, opset=args.opset, dynamic_axes=axes)
    except (OSError, ValueError, TypeError, ImportError, UnsupportedModuleError) as error:
        message = " ".join(str(error).split())  # one line
        print(f"deepstep export: {message}", file=sys.stderr)
        return 1
    print(f"wrote {output}: {_signature(proto.graph.input)} → {_signature(proto.graph.output)}")
    if note := _input_note(model):
        print(f"  {note}")
    return 0


def _input_note(model: Any) -> str | None:
    """What the graph's signature cannot say about feeding it."""
    from ..models import GPT, CharRNN

    if isinstance(model, GPT):
        return f"steps ≤ {model.block_size}: the position embedding has {model.block_size} rows"
    if isinstance(model, CharRNN):
        inputs = "state_0 and state_1 (h and c)" if model.cell == "lstm" else "state_0"
        return f"{inputs}: zeros to start a text, the returned states to continue one"
    return None


def _signature(values: Any) -> str:
    """name[batch, 784] float32, … of the graph's inputs or outputs."""
    from onnx import helper

    parts = []
    for value in values:
        tensor = value.type.tensor_type
        dims = ", ".join(
            d.dim_param or str(d.dim_value) if d.dim_param or d.dim_value else "?" for d in tensor.shape.dim
        )
        parts.append(f"{value.name}[{dims}] {np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))}")
    return ", ".join(parts)
