"""Weight initialisation (in place, as torch.nn.init): He for ReLU nets, Xavier for tanh/sigmoid.

Fan-in and fan-out follow PyTorch: a weight of shape (out, in, *kernel) has
fan_in = in·k and fan_out = out·k, where k is the number of kernel elements.

Beside the variance-keeping schemes: orthogonal (Saxe et al.), the truncated normal, the identity
(eye_ for a Linear, dirac_ for a convolution) and Martens's sparse initialisation. The random ones
take `seed` (an int or a numpy Generator) or PyTorch's `generator`, which here is a numpy Generator.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

Seed = int | np.random.Generator | None


def _fans(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor of at least 2 dimensions, got {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through the nonlinearity."""
    gains = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0)}
    gains["selu"] = 0.75  # PyTorch's value, found empirically (SELU keeps the variance by itself)
    # a convolution is a linear map too: PyTorch's names for it
    gains |= dict.fromkeys([f"conv{t}{d}d" for t in ("", "_transpose") for d in (1, 2, 3)], 1.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in gains:
        raise ValueError(
            f"unknown nonlinearity {nonlinearity!r}; expected one of {sorted(gains)} or leaky_relu"
        )
    return gains[nonlinearity]


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data = values.astype(tensor.dtype, copy=False)
    return tensor


def uniform_(
    tensor: Tensor,
    a: float = 0.0,
    b: float = 1.0,
    seed: Seed = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    return _fill(tensor, backend.pick_generator(seed, generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    seed: Seed = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    return _fill(tensor, backend.pick_generator(seed, generator).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, seed: Seed = None, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot & Bengio: U[−a, a] with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, seed, generator)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, seed: Seed = None, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot & Bengio: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), seed, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    seed: Seed = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He et al.: U[−b, b] with b = gain·√(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, seed, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    seed: Seed = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He et al.: N(0, σ²) with σ = gain / √fan (σ = √(2/fan_in) for ReLU)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), seed, generator)


def orthogonal_(
    tensor: Tensor, gain: float = 1.0, seed: Seed = None, generator: np.random.Generator | None = None
) -> Tensor:
    """Saxe et al.: gain·Q, Q the (semi-)orthogonal factor of A = QR for a standard normal A of shape
    (rows, numel/rows) (transposed when wide), each column of Q times sign(R_jj) so that Q is uniform
    over the orthogonal matrices (Mezzadri). Dims after the first are flattened: QQᵀ = I for a wide
    weight, QᵀQ = I for a tall one."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = backend.pick_generator(seed, generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    seed: Seed = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """N(mean, std²) restricted to [a, b], by rejection as PyTorch does: redraw the normal values
    outside [a, b] while that keeps more than 30 % of them, otherwise propose U[a, b] and accept x
    with probability exp(−½((x − mean)/std)² + ½((m − mean)/std)²), m the mode in [a, b]."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    rng = backend.pick_generator(seed, generator)
    # the bounds as the tensor's dtype holds them, so a value that rounds onto a bound is kept
    lo, hi = float(np.asarray(a, tensor.dtype)), float(np.asarray(b, tensor.dtype))
    n = tensor.numel()
    if _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std) > 0.3:
        values = rng.normal(mean, std, n).astype(tensor.dtype)
        pending = np.flatnonzero((values < lo) | (values > hi))
        while pending.size:
            values[pending] = rng.normal(mean, std, pending.size)
            pending = pending[(values[pending] < lo) | (values[pending] > hi)]
    else:
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        values = np.empty(n, dtype=tensor.dtype)
        pending = np.arange(n)
        while pending.size:
            candidates = rng.uniform(a, b, pending.size)
            log_density = -0.5 * ((candidates - mean) / std) ** 2 - log_peak
            accepted = np.log(rng.random(pending.size)) <= log_density
            values[pending[accepted]] = candidates[accepted]
            pending = pending[~accepted]
        np.clip(values, lo, hi, out=values)  # U[a, b] in float64 may round past a bound in float32
    return _fill(tensor, values.reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the main diagonal of a rectangular one): a Linear that passes
    as many of its inputs through as it can."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta for a convolution weight (out, in, *kernel): weight[g·(out/groups) + d, d,
    centre] = 1 for d < min(out/groups, in), so a same-padded convolution passes as many input
    channels through unchanged as it can, in each of its groups."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if tensor.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = tensor.shape[0] // groups
    channels = np.arange(min(per_group, tensor.shape[1]))
    centre = tuple(size // 2 for size in tensor.shape[2:])
    values = np.zeros(tensor.shape)
    for g in range(groups):
        values[(g * per_group + channels, channels, *centre)] = 1.0
    return _fill(tensor, values)


def sparse_(
    tensor: Tensor,
    sparsity: float,
    std: float = 0.01,
    seed: Seed = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Martens: N(0, std²) values with ⌈sparsity·rows⌉ of each column, at random rows, set to zero."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rng = backend.pick_generator(seed, generator)
    rows, cols = tensor.shape
    values = rng.normal(0.0, std, (rows, cols))
    zero_rows = np.argsort(rng.random((rows, cols)), axis=0)[: math.ceil(sparsity * rows)]
    values[zero_rows, np.arange(cols)] = 0.0  # a random permutation of the rows, per column
    return _fill(tensor, values)
