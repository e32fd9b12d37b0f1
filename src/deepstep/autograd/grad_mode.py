"""Grad mode: whether ops record the graph. `no_grad()` turns recording off."""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode(threading.local):
    # Thread-local, as in PyTorch: a no_grad() block in one thread leaves others recording.
    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when new ops record the graph for backward."""
    return _mode.enabled


class set_grad_enabled:
    """Context manager and decorator that sets grad mode, restoring the old mode on exit."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = bool(enabled)
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_mode.enabled)
        _mode.enabled = self.enabled

    def __exit__(self, *exc_info: object) -> None:
        _mode.enabled = self._previous.pop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(self.enabled):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Run without recording the graph: inference, optimizer steps, metrics."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record the graph again inside a `no_grad()` block."""

    def __init__(self) -> None:
        super().__init__(True)


class _Anomaly:
    # Process-wide, as PyTorch's: whether ops keep the stack that made them, and whether backward
    # checks every gradient it computes for NaN.
    enabled = False
    check_nan = True


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly() or after set_detect_anomaly(True)."""
    return _Anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly mode also checks backward's gradients for NaN."""
    return _Anomaly.check_nan


class set_detect_anomaly:
    """PyTorch's anomaly mode, set now (and restored on leaving, as a context manager): each op
    records the stack of the line that made it, and a backward pass that computes a NaN gradient
    stops there with a RuntimeError naming the op, after a warning showing that line."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (_Anomaly.enabled, _Anomaly.check_nan)
        _Anomaly.enabled, _Anomaly.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: object) -> None:
        _Anomaly.enabled, _Anomaly.check_nan = self._previous


class detect_anomaly:
    """Anomaly mode inside a with block (see set_detect_anomaly); it slows every op down, so use it
    to find where a NaN gradient comes from, not to train."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )
        self._previous.append((_Anomaly.enabled, _Anomaly.check_nan))
        _Anomaly.enabled, _Anomaly.check_nan = True, self.check_nan

    def __exit__(self, *exc_info: object) -> None:
        _Anomaly.enabled, _Anomaly.check_nan = self._previous.pop()
