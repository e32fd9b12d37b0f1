"""Reverse-mode automatic differentiation on NumPy arrays: Tensor, ops, backward, gradcheck.

Each family of ops lives in its own module (`ops_*.py`) with its `__all__` (the public
functions, exported here and from `deepstep`) and its `TENSOR_METHODS` (bound as methods
of Tensor in tensor.py).
"""

import importlib

from . import creation, functional, random
from .creation import *  # noqa: F403
from .engine import grad
from .function import Function, unbroadcast
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .inference import inference_mode, is_inference_mode_enabled
from .ops_activation import *  # noqa: F403
from .ops_elementwise import *  # noqa: F403
from .ops_index import *  # noqa: F403
from .ops_layout import *  # noqa: F403
from .ops_linalg import *  # noqa: F403
from .ops_logic import *  # noqa: F403
from .ops_math import *  # noqa: F403
from .ops_reduce import *  # noqa: F403
from .ops_scan import *  # noqa: F403
from .ops_shape import *  # noqa: F403
from .ops_special import *  # noqa: F403
from .random import *  # noqa: F403
from .size import Size
from .tensor import Tensor

# the families imported above (each exports its files' __all__: ops_reduce those of ops_order too)
_FAMILIES = (
    "activation",
    "elementwise",
    "index",
    "layout",
    "linalg",
    "logic",
    "math",
    "reduce",
    "scan",
    "shape",
    "special",
)
OPS_MODULES = tuple(importlib.import_module(f"{__name__}.ops_{family}") for family in _FAMILIES)

__all__ = sorted(
    {
        "Function",
        "GradcheckError",
        "Size",
        "Tensor",
        "enable_grad",
        "gradcheck",
        "inference_mode",
        "is_anomaly_check_nan_enabled",
        "is_anomaly_enabled",
        "is_grad_enabled",
        "is_inference_mode_enabled",
        "no_grad",
        "numerical_grad",
        "set_grad_enabled",
        "unbroadcast",
        *creation.__all__,
        *random.__all__,
        *(name for module in OPS_MODULES for name in module.__all__),
    }
)
