"""How a tensor prints: PyTorch's format, tensor([1.0000, 2.5000]), with its choice of one number
format for all the elements shown and its summary of large tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["tensor_repr"]


def tensor_repr(tensor: Tensor) -> str:
    """PyTorch's format: tensor([1.0000, 2.5000]), the dtype shown unless it is the default
    float, int64 or bool (an empty tensor shows its size and any non-default dtype)."""
    data, default = tensor.data, backend.get_default_dtype()
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={data.shape}")
        if data.dtype != default:
            suffixes.append(f"dtype={data.dtype}")
    else:
        body = _format_array(data)
        if data.dtype not in (default, np.result_type(default, np.complex64), np.int64, np.bool_):
            suffixes.append(f"dtype={data.dtype}")
    if tensor._creator is not None:
        suffixes.append(f"grad_fn={tensor._creator!r}")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return "tensor(" + ", ".join([body, *suffixes]) + ")"


def _number_format(values: np.ndarray) -> Callable[[Any], str]:
    """PyTorch's choice of one format for all the elements shown: floats with 4 decimals, or
    integral floats as "2.", or scientific notation when the nonzero magnitudes span more than
    10³ or leave [1e-4, 1e8]; every element padded to one width."""
    if values.dtype.kind == "c":
        return str
    if values.dtype.kind != "f":
        width = max(len(str(v)) for v in values.ravel().tolist())
        return lambda v: str(v).rjust(width)
    magnitudes = np.abs(values[np.isfinite(values) & (values != 0)].astype(np.float64))
    if magnitudes.size == 0:
        integral, scientific, width = True, False, 1
    else:
        integral = bool(np.all(magnitudes == np.ceil(magnitudes)))
        low, high = magnitudes.min(), magnitudes.max()
        scientific = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4)
        pattern = "{:.4e}" if scientific else "{:.0f}." if integral else "{:.4f}"
        width = max(len(pattern.format(v)) for v in values[np.isfinite(values) & (values != 0)].tolist())

    def number(v: Any) -> str:
        if scientific:
            text = f"{v:.4e}"
        elif integral:
            text = f"{v:.0f}" + ("." if np.isfinite(v) else "")
        else:
            text = f"{v:.4f}"
        return text.rjust(width)

    return number


def _format_array(data: np.ndarray) -> str:
    """The elements as PyTorch prints them: more than 1000 are summarised to the first and last
    three along each dim, and the format is chosen from the elements shown."""
    shown = data
    if data.size > 1000:
        for axis, n in enumerate(data.shape):
            if n > 6:
                shown = np.take(shown, [0, 1, 2, n - 3, n - 2, n - 1], axis=axis)
    text = np.array2string(
        data,
        max_line_width=80,
        separator=", ",
        prefix="tensor(",
        formatter={"all": _number_format(shown)},
        threshold=1000,
        edgeitems=3,
    )
    return text.replace(", ...,", ",  ...,")  # PyTorch's gap within a row
