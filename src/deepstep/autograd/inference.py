"""torch.inference_mode: no_grad under PyTorch's newer name, as a context manager and a decorator
(with or without parentheses). PyTorch also marks the tensors made inside as inference tensors that
autograd later refuses; deepstep's are ordinary tensors that do not require grad, as under no_grad."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from .grad_mode import set_grad_enabled

__all__ = ["inference_mode", "is_inference_mode_enabled"]


class _Depth(threading.local):
    open = 0  # inference_mode(True) blocks open in this thread


_depth = _Depth()


class inference_mode(set_grad_enabled):
    """Run without recording the graph: `with deepstep.inference_mode():`, `@deepstep.inference_mode()`
    or `@deepstep.inference_mode`; inference_mode(False) changes nothing."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # a decorator without parentheses: mode is the function
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__(False)
        self.mode = bool(mode)

    def __enter__(self) -> None:
        if self.mode:
            _depth.open += 1
            super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        if self.mode:
            _depth.open -= 1
            super().__exit__(*exc_info)

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(self.mode):
                return func(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside an inference_mode() block (of this thread)."""
    return _depth.open > 0
