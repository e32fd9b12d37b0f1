"""Which container a deepstep file uses: chosen by the name when writing, by the content when reading.

Two containers hold the same things (a JSON header and named arrays), both read without running
code and written atomically:
- `.npz` (NumPy's zip of .npy files): needs nothing but NumPy, and every zip member has a CRC-32;
- `.safetensors`: the format PyTorch and Hugging Face load weights from (`safetensors.torch.load_file`
  straight into a torch module's `load_state_dict`); needs the optional `safetensors` package.

A name ending in `.safetensors` gets safetensors, any other name `DEFAULT_FORMAT`. Reading looks at
the first bytes (a zip starts with "PK"), so a file loads whatever it is called, and the .npz files
written before safetensors existed here keep loading.
"""

from __future__ import annotations

import os
from pathlib import Path

from .safetensors_file import is_safetensors_name

__all__ = ["DEFAULT_FORMAT", "format_for_name", "is_npz_file"]

# npz stays the default. Measured by benchmarks/model_formats.py on a 7.5 MB model (figures in its
# docstring): equal sizes, equal save times, safetensors reading the weights 1–2 ms (20–45 %) faster.
# That does not outweigh an extra dependency, so names without a suffix of their own get .npz.
DEFAULT_FORMAT = "npz"


def format_for_name(path: str | os.PathLike) -> str:
    """The container for this name: safetensors for *.safetensors, npz for *.npz, else the default."""
    if is_safetensors_name(path):
        return "safetensors"
    return "npz" if Path(path).suffix == ".npz" else DEFAULT_FORMAT


def is_npz_file(path: str | os.PathLike) -> bool:
    """Whether the file is a zip (an .npz); False for anything else, a missing file included."""
    try:
        with open(path, "rb") as file:
            return file.read(2) == b"PK"
    except OSError:
        return False
