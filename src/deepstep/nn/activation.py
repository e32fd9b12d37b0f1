"""Activation modules, each a thin wrapper of its function in `functional` with PyTorch's constructor
arguments and repr. PReLU holds its slopes as a Parameter named `weight`, so a PyTorch state_dict loads."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd.tensor import Tensor
from .module import Module, Parameter

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "SELU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _with_inplace(text: str, inplace: bool) -> str:
    """PyTorch's repr: `inplace=True` is shown only when set."""
    if not inplace:
        return text
    return f"{text}, inplace=True" if text else "inplace=True"


class _InplaceActivation(Module):
    """An activation with PyTorch's `inplace=` flag and no other argument."""

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _with_inplace("", self.inplace)


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class ReLU(_InplaceActivation):
    def forward(self, x: Any) -> Tensor:
        return F.relu(x, self.inplace)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"negative_slope={self.negative_slope}", self.inplace)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_InplaceActivation):
    def forward(self, x: Any) -> Tensor:
        return F.silu(x, self.inplace)


class Mish(_InplaceActivation):
    def forward(self, x: Any) -> Tensor:
        return F.mish(x, self.inplace)


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class CELU(ELU):
    def forward(self, x: Any) -> Tensor:
        return F.celu(x, self.alpha, self.inplace)


class SELU(_InplaceActivation):
    def forward(self, x: Any) -> Tensor:
        return F.selu(x, self.inplace)


class Hardtanh(Module):
    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        for old, new, value in (("min_value", "min_val", min_value), ("max_value", "max_val", max_value)):
            if value is not None:
                warnings.warn(
                    f"keyword argument `{old}` is deprecated and renamed to `{new}`",
                    FutureWarning,
                    stacklevel=2,
                )
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise ValueError(f"max_val must be greater than min_val, got {self.min_val} and {self.max_val}")

    def forward(self, x: Any) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"min_val={self.min_val}, max_val={self.max_val}", self.inplace)


class ReLU6(Hardtanh):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _with_inplace("", self.inplace)


class Hardsigmoid(_InplaceActivation):
    def forward(self, x: Any) -> Tensor:
        return F.hardsigmoid(x, self.inplace)

    def extra_repr(self) -> str:
        return ""  # PyTorch does not show inplace here


class Hardswish(Hardsigmoid):
    def forward(self, x: Any) -> Tensor:
        return F.hardswish(x, self.inplace)


class LogSigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return F.logsigmoid(x)


class Softplus(Module):
    """(1/β)·ln(1 + e^(βx)), and x itself where βx > threshold (see functional.softplus)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Any) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    def forward(self, x: Any) -> Tensor:
        return F.softsign(x)


class Tanhshrink(Module):
    def forward(self, x: Any) -> Tensor:
        return F.tanhshrink(x)


class Softshrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = lambd

    def forward(self, x: Any) -> Tensor:
        return F.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    def forward(self, x: Any) -> Tensor:
        return F.hardshrink(x, self.lambd)


class Threshold(Module):
    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x: Any) -> Tensor:
        return F.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"threshold={self.threshold}, value={self.value}", self.inplace)


class GLU(Module):
    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """Leaky ReLU with learned slopes: one shared (num_parameters=1) or one per channel (dim 1),
    each starting at `init`."""

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        backend.check_device(device)
        self.num_parameters, self.init = num_parameters, init
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def reset_parameters(self) -> None:
        self.weight.data[...] = self.init

    def forward(self, x: Any) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: random slopes in [lower, upper] while training (from `seed`, or the
    library's generator), their mean in eval mode."""

    def __init__(
        self, lower: float = 1 / 8, upper: float = 1 / 3, inplace: bool = False, seed: int | None = None
    ) -> None:
        self.lower, self.upper, self.inplace = lower, upper, inplace
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def forward(self, x: Any) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, self.training, self.inplace, seed=self._rng)

    def extra_repr(self) -> str:
        return _with_inplace(f"lower={self.lower}, upper={self.upper}", self.inplace)


class _Softmax(Module):
    """softmax-like along `dim` (None: PyTorch's implicit choice, with its deprecation warning)."""

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_Softmax):
    def forward(self, x: Any) -> Tensor:
        return F.softmax(x, self.dim)


class LogSoftmax(_Softmax):
    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(x, self.dim)


class Softmin(_Softmax):
    def forward(self, x: Any) -> Tensor:
        return F.softmin(x, self.dim)


class Softmax2d(Module):
    """Softmax over the channels (dim −3) of (N, C, H, W) or (C, H, W) input."""

    def forward(self, x: Any) -> Tensor:
        ndim = np.ndim(x)
        if ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {ndim}D instead")
        return F.softmax(x, dim=-3)
