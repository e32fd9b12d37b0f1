"""How a tensor prints: PyTorch's format, tensor([1.0000, 2.5000]), with its choice of one number
format for all the elements shown and its summary of large tensors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["get_printoptions", "set_printoptions", "tensor_repr"]

# torch.set_printoptions's state: digits after the point, how many elements make a tensor print as a
# summary, how many it then keeps at each end of a dim, the line width, and None (choose) / True /
# False for scientific notation
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}
_OPTIONS: dict[str, Any] = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """torch.set_printoptions: a profile ("default", "short": 2 digits and 2 edge items, "full": no
    summary) first, then each option given; sci_mode is always set (None lets the values choose)."""
    if profile is not None:
        _OPTIONS.update(_PROFILES.get(profile, {}))  # PyTorch ignores an unknown profile
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    _OPTIONS.update({name: value for name, value in given.items() if value is not None})
    _OPTIONS["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The print options, as keywords set_printoptions takes."""
    return dict(_OPTIONS)


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
    10³ or leave [1e-4, 1e8] (or as sci_mode says); every element padded to one width."""
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
        if _OPTIONS["sci_mode"] is not None:
            scientific = bool(_OPTIONS["sci_mode"])
        digits = _OPTIONS["precision"]
        pattern = f"{{:.{digits}e}}" if scientific else "{:.0f}." if integral else f"{{:.{digits}f}}"
        width = max(len(pattern.format(v)) for v in values[np.isfinite(values) & (values != 0)].tolist())

    def number(v: Any) -> str:
        if scientific:
            text = pattern.format(v)
        elif integral:
            text = f"{v:.0f}" + ("." if np.isfinite(v) else "")
        else:
            text = pattern.format(v)
        return text.rjust(width)

    return number


def _format_array(data: np.ndarray) -> str:
    """The elements as PyTorch prints them: more than `threshold` (1000) are summarised to the first
    and last `edgeitems` (3) along each dim, and the format is chosen from the elements shown."""
    shown, edge = data, _OPTIONS["edgeitems"]
    summarise = data.size > _OPTIONS["threshold"]
    if summarise:
        for axis, n in enumerate(data.shape):
            if n > 2 * edge:
                shown = np.take(shown, [*range(edge), *range(n - edge, n)], axis=axis)
    text = np.array2string(
        data,
        max_line_width=_OPTIONS["linewidth"],
        separator=", ",
        prefix="tensor(",
        formatter={"all": _number_format(shown)},
        threshold=sys.maxsize if not summarise else 0,  # NumPy summarises above its threshold
        edgeitems=edge,
    )
    return text.replace(", ...,", ",  ...,")  # PyTorch's gap within a row
