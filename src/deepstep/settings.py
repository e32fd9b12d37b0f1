"""PyTorch's global switches that code sets and reads: deterministic algorithms, the precision of
float32 matrix products, the default device. (The default dtype is in backend; the print options in
autograd/printing.py, next to the printing they steer.)

deepstep computes with NumPy on the CPU, where every op already gives the same bits run after run
on one machine (no atomic adds; scatter-adds are np.add.at, sequential), so the deterministic mode
has nothing to switch: it is recorded and reported as PyTorch reports it, and code that sets it
keeps working. The same holds for the float32 matmul precision: NumPy's float32 products are full
float32 products ("highest"); the other settings, TF32 or bfloat16 passes on GPUs, do not exist on
a CPU, and are only stored. The one device is the CPU, so the default device can only be a CPU one.
"""

from __future__ import annotations

import warnings
from typing import Any

from .backend import check_device, device

__all__ = [
    "are_deterministic_algorithms_enabled",
    "get_default_device",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_default_device",
    "set_deterministic_debug_mode",
    "set_float32_matmul_precision",
    "use_deterministic_algorithms",
]


class SettingTypeError(TypeError, RuntimeError):
    """A setting of the wrong type where PyTorch raises RuntimeError (a TypeError too, as NumPy code
    expects)."""


_STATE: dict[str, Any] = {
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
    "device": device("cpu"),
}
_PRECISIONS = ("highest", "high", "medium")
_DEBUG_MODES = ("default", "warn", "error")


# ----- deterministic algorithms ------------------------------------------------------------------
def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms only (warn_only: a warning, not an error, where one has
    none). Every deepstep op is deterministic on the CPU, so this records the request."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(
                f"use_deterministic_algorithms(): argument '{name}' must be bool, not {type(value).__name__}"
            )
    _STATE["deterministic"], _STATE["warn_only"] = mode, mode and warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether use_deterministic_algorithms(True) is in force."""
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether the deterministic mode only warns (use_deterministic_algorithms(True, warn_only=True))."""
    return _STATE["warn_only"]


def get_deterministic_debug_mode() -> int:
    """0 (not deterministic), 1 (deterministic, warn only) or 2 (deterministic, errors)."""
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["warn_only"] else 2


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """The deterministic mode by name or number: "default"/0 off, "warn"/1 warn only, "error"/2 on."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                f"but got {debug_mode}"
            )
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


# ----- float32 matrix products --------------------------------------------------------------------
def set_float32_matmul_precision(precision: str) -> None:
    """The precision of float32 matmuls: "highest", "high" or "medium" (stored; NumPy's float32
    products are always "highest"); any other string warns and changes nothing, as in PyTorch."""
    if not isinstance(precision, str):
        raise SettingTypeError(
            f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}"
        )
    if precision not in _PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "set_float32_matmul_precision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _STATE["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set ("highest" unless changed)."""
    return _STATE["matmul_precision"]


# ----- the default device -------------------------------------------------------------------------
def set_default_device(device: str | device | int | None) -> None:
    """The device new tensors go to: None or a CPU device ("cpu", "cpu:0"); an unknown device name
    raises a RuntimeError, any other device a DeviceError (deepstep has the CPU only)."""
    _STATE["device"] = check_device("cpu" if device is None else device)


def get_default_device() -> device:
    """The device set by set_default_device (the CPU)."""
    return _STATE["device"]
