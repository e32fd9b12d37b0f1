"""Random tensors: uniform and normal samples, integers, permutations, Bernoulli and multinomial
draws, and the in-place fills uniform_, normal_ and bernoulli_.

Every function takes `seed=` (an int or a numpy Generator) or PyTorch's `generator=` (a numpy
Generator); with neither, the library-wide generator that deepstep.manual_seed reseeds. The numbers
come from NumPy's generators, so a seed gives the same numbers in deepstep every time but not
PyTorch's numbers; the distributions, shapes, dtypes and errors are PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..errors import DTypeError, ShapeError
from .creation import leaf_tensor
from .dims import shape_arg
from .dtypes import result_type, to_dtype
from .tensor import Tensor, data_of

# isort: split
# function.py after tensor.py: tensor.py imports the op modules, which need function.py complete.
from .function import Function
from .pointwise import named

__all__ = [
    "bernoulli",
    "multinomial",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
]

TENSOR_METHODS = ("bernoulli", "bernoulli_", "multinomial", "normal_", "uniform_")

Seed = int | np.random.Generator | None


# ----- arguments ------------------------------------------------------------------------------
def _shape(args: tuple[Any, ...], size: Any) -> tuple[int, ...]:
    shape = shape_arg(args if size is None else (size,))
    if any(n < 0 for n in shape):
        raise ShapeError(f"Trying to create tensor with negative dimension: {shape}")
    return shape


def _float_dtype(dtype: Any, name: str) -> np.dtype:
    dtype = to_dtype(backend.get_default_dtype() if dtype is None else dtype)
    if dtype.kind != "f":
        raise DTypeError(f'"{name}" is not implemented for dtype {dtype}: it draws floating-point numbers')
    return dtype


# ----- the samplers on arrays (NumPy draws float32 directly, float16 through float32) ------------
def _uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """U[0, 1) in dtype."""
    if dtype in (np.float32, np.float64):
        return rng.random(shape, dtype=dtype)
    # rounding to fewer bits can reach 1: keep the interval half-open
    below_one = np.nextafter(dtype.type(1), dtype.type(0))
    return np.minimum(rng.random(shape, dtype=np.float32).astype(dtype), below_one)


def _standard_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """N(0, 1) in dtype."""
    if dtype in (np.float32, np.float64):
        return rng.standard_normal(shape, dtype=dtype)
    return rng.standard_normal(shape, dtype=np.float32).astype(dtype)


def _check_probabilities(p: np.ndarray) -> None:
    if p.dtype.kind != "f":
        raise DTypeError(f"bernoulli needs floating-point probabilities, got dtype {p.dtype}")
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
        raise ShapeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false (p outside [0, 1])")


# ----- uniform and normal -----------------------------------------------------------------------
def _sampler(name: str, draw: Any, doc: str, doc_like: str) -> tuple[Any, Any]:
    """The public pair of a sampler of floats: name(*shape) in the default float dtype, and
    name_like(input) in input's shape and (floating) dtype."""

    def sample(
        *shape: Any,
        size: Any = None,
        generator: np.random.Generator | None = None,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        seed: Seed = None,
    ) -> Tensor:
        rng = backend.pick_generator(seed, generator)
        return leaf_tensor(draw(rng, _shape(shape, size), _float_dtype(dtype, name)), requires_grad, device)

    def sample_like(
        input: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        generator: np.random.Generator | None = None,
        seed: Seed = None,
        memory_format: Any = None,
    ) -> Tensor:
        data = data_of(input)
        rng = backend.pick_generator(seed, generator)
        dtype = _float_dtype(data.dtype if dtype is None else dtype, name + "_like")
        return leaf_tensor(draw(rng, data.shape, dtype), requires_grad, device)

    return named(sample, name, doc), named(sample_like, name + "_like", doc_like)


rand, rand_like = _sampler(
    "rand",
    _uniform,
    "Samples of U[0, 1) (the default float dtype).",
    "U[0, 1) samples in input's shape and dtype.",
)
randn, randn_like = _sampler(
    "randn",
    _standard_normal,
    "Samples of N(0, 1) (the default float dtype).",
    "N(0, 1) samples in input's shape and dtype.",
)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    seed: Seed = None,
) -> Tensor:
    """Samples of N(mean, std²), as torch.normal: mean and std are numbers (then `size` is needed)
    or tensors, broadcast against each other; the result has their floating dtype. Not
    differentiable (PyTorch's gradient with respect to mean and std is zero)."""
    mean_is, std_is = isinstance(mean, (Tensor, np.ndarray)), isinstance(std, (Tensor, np.ndarray))
    if mean_is or std_is:
        if size is not None:
            raise TypeError("normal() takes size only when mean and std are both numbers")
        arrays = [data_of(x) for x, is_tensor in ((mean, mean_is), (std, std_is)) if is_tensor]
        if any(a.dtype.kind != "f" for a in arrays):
            raise DTypeError(f"normal is not implemented for dtype {[str(a.dtype) for a in arrays]}")
        dtype = result_type(*arrays)
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    elif size is None:
        raise TypeError("normal(mean, std) with numbers for both needs a size")
    else:
        dtype, shape = _float_dtype(dtype, "normal"), _shape((), size)
    scale = data_of(std)
    if scale.size and np.min(scale) < 0:
        raise ShapeError(f"normal expects all elements of std >= 0.0, but found std {np.min(scale)}")
    rng = backend.pick_generator(seed, generator)
    z = _standard_normal(rng, shape, dtype)
    return leaf_tensor(data_of(mean).astype(dtype) + scale.astype(dtype) * z, requires_grad, device)


# ----- integers and permutations ----------------------------------------------------------------
def randint(
    *args: Any,
    low: int | None = None,
    high: int | None = None,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = np.int64,
    device: Any = None,
    requires_grad: bool = False,
    seed: Seed = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high, size)
    (int64 unless another dtype is asked for)."""
    if high is not None:  # by keyword, as randint(low=0, high=10, size=(3,))
        args = (*args, *(() if low is None else (low,)), high)
    elif low is not None:
        raise TypeError("randint() got low= without high=")
    if size is None:
        if not args:
            raise TypeError("randint() needs high and size")
        *args, size = args
    if len(args) not in (1, 2):
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(args) + 1} arguments")
    low, high = (0, *args) if len(args) == 1 else args
    rng = backend.pick_generator(seed, generator)
    return leaf_tensor(_integers(rng, low, high, _shape((), size), to_dtype(dtype)), requires_grad, device)


def _integers(
    rng: np.random.Generator, low: Any, high: Any, shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, (int, np.integer)):
            raise TypeError(f"randint(): argument '{name}' must be int, not {type(bound).__name__}")
    if low >= high:
        raise ShapeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if low < info.min or high - 1 > info.max:
            raise ShapeError(f"[{low}, {high}) is out of bounds for {dtype}")
    return rng.integers(low, high, size=shape, dtype=np.int64).astype(dtype, copy=False)


def randint_like(
    input: Any,
    *args: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
    memory_format: Any = None,
) -> Tensor:
    """Integers from [low, high) in input's shape and (unless another is given) input's dtype:
    randint_like(input, high) or randint_like(input, low, high)."""
    if len(args) not in (1, 2):
        raise TypeError("randint_like() takes (input, high) or (input, low, high)")
    low, high = (0, *args) if len(args) == 1 else args
    data = data_of(input)
    rng = backend.pick_generator(seed, generator)
    dtype = to_dtype(data.dtype if dtype is None else dtype)
    return leaf_tensor(_integers(rng, low, high, data.shape, dtype), requires_grad, device)


def randperm(
    n: int,
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = np.int64,
    device: Any = None,
    requires_grad: bool = False,
    seed: Seed = None,
) -> Tensor:
    """A random permutation of 0 … n−1."""
    if n < 0:
        raise ShapeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    rng = backend.pick_generator(seed, generator)
    return leaf_tensor(rng.permutation(n).astype(to_dtype(dtype)), requires_grad, device)


# ----- Bernoulli and multinomial draws ----------------------------------------------------------
def bernoulli(
    input: Any, p: float | None = None, *, generator: np.random.Generator | None = None, seed: Seed = None
) -> Tensor:
    """1 with probability input (or p, in input's shape), else 0; in input's dtype."""
    data = data_of(input)
    probabilities = data if p is None else np.full(data.shape, p, dtype=data.dtype)
    _check_probabilities(probabilities)
    u = _uniform(backend.pick_generator(seed, generator), probabilities.shape, np.dtype(np.float64))
    return Tensor((u < probabilities).astype(probabilities.dtype))


def multinomial(
    input: Any,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
) -> Tensor:
    """num_samples category indices (int64) per row of input, drawn with probabilities proportional
    to the row's weights: with replacement by inverting the cumulative sum, without it by PyTorch's
    method, the num_samples largest of wᵢ/Eᵢ with Eᵢ ~ Exp(1) (the same law as drawing one at a
    time and removing what was drawn)."""
    weights = data_of(input)
    if weights.dtype.kind != "f":
        raise DTypeError(f"multinomial only supports floating-point dtypes for input, got: {weights.dtype}")
    if weights.ndim not in (1, 2):
        raise ShapeError(f"prob_dist must be 1 or 2 dim, got {weights.ndim} dims")
    if num_samples <= 0:
        raise ShapeError(f"cannot sample n_sample <= 0 samples, got {num_samples}")
    k = weights.shape[-1]
    if not replacement and num_samples > k:
        raise ShapeError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement: {num_samples} > {k}"
        )
    rows = weights.reshape(-1, k).astype(np.float64)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise ShapeError("probability tensor contains either `inf`, `nan` or element < 0")
    if rows.shape[0] and np.any(rows.sum(axis=1) <= 0):
        raise ShapeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = backend.pick_generator(seed, generator)
    draw = _with_replacement if replacement else _without_replacement
    out = draw(rng, rows, num_samples) if rows.shape[0] else np.empty((0, num_samples), np.int64)
    return Tensor(out.reshape(*weights.shape[:-1], num_samples))


def _with_replacement(rng: np.random.Generator, rows: np.ndarray, n: int) -> np.ndarray:
    """Category i where cdf[i−1] ≤ u < cdf[i], u ~ U[0, 1): one searchsorted for all rows, row r
    shifted by 2r so that the rows' ranges never meet (a zero weight's empty interval stays empty)."""
    count, k = rows.shape
    cdf = np.cumsum(rows, axis=1)
    cdf /= cdf[:, -1:]
    shift = 2.0 * np.arange(count)[:, None]
    u = rng.random((count, n))
    found = np.searchsorted((cdf + shift).ravel(), (u + shift).ravel(), side="right").reshape(count, n)
    found -= k * np.arange(count)[:, None]
    # u that rounds up to the row's total would fall off its end: it belongs to the last positive weight
    last = k - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
    return np.minimum(found, last[:, None]).astype(np.int64)


def _without_replacement(rng: np.random.Generator, rows: np.ndarray, n: int) -> np.ndarray:
    # E = 0 (probability 2⁻⁵³) would give 0/0 for a zero weight: keep E positive
    keys = rows / np.maximum(rng.exponential(size=rows.shape), np.finfo(np.float64).tiny)
    top = np.argpartition(-keys, n - 1, axis=1)[:, :n] if n < rows.shape[1] else np.indices(keys.shape)[1]
    order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1).astype(np.int64)


# ----- in-place fills ---------------------------------------------------------------------------
class Draw(Function):
    """z = fresh random samples in a's shape and dtype (a's values are discarded);   ∂L/∂a = 0."""

    saved_inputs = ()

    def __init__(self, sample: Any) -> None:
        self.sample = sample

    def forward(self, a):
        return self.sample(a.shape, a.dtype)

    def backward(self, g):
        return (np.zeros_like(g),)


def uniform_(
    self: Tensor,
    a: float = 0.0,
    b: float = 1.0,
    *,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
) -> Tensor:
    """Fill self with samples of U[a, b) in place (as torch.Tensor.uniform_ and nn.init.uniform_)."""
    if a > b:
        raise ShapeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        dtype = _float_dtype(dtype, "uniform_")
        return dtype.type(a) + dtype.type(b - a) * _uniform(rng, shape, dtype)

    return Draw(sample).inplace(self)


def normal_(
    self: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    *,
    generator: np.random.Generator | None = None,
    seed: Seed = None,
) -> Tensor:
    """Fill self with samples of N(mean, std²) in place."""
    if std < 0:
        raise ShapeError(f"normal expects std >= 0.0, but found std {std}")
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        dtype = _float_dtype(dtype, "normal_")
        return dtype.type(mean) + dtype.type(std) * _standard_normal(rng, shape, dtype)

    return Draw(sample).inplace(self)


def bernoulli_(
    self: Tensor, p: Any = 0.5, *, generator: np.random.Generator | None = None, seed: Seed = None
) -> Tensor:
    """Fill self with 1 (probability p, a number or a tensor broadcast to self) or 0, in place."""
    probabilities = np.asarray(data_of(p), dtype=np.float64)
    _check_probabilities(probabilities)
    rng = backend.pick_generator(seed, generator)

    def sample(shape, dtype):
        return (_uniform(rng, shape, np.dtype(np.float64)) < probabilities).astype(dtype)

    return Draw(sample).inplace(self)


# ----- more fills and poisson (random_fills), bound and exported through this module ------------------
from . import random_fills  # noqa: E402  (random_fills builds on Draw and the samplers above)

for _name in (*random_fills.__all__, *random_fills.TENSOR_METHODS):
    globals()[_name] = getattr(random_fills, _name)
__all__ += random_fills.__all__
TENSOR_METHODS += random_fills.TENSOR_METHODS

# tensor.py is imported before this module is complete, so the methods are bound here.
for _name in TENSOR_METHODS:
    setattr(Tensor, _name, globals()[_name])
del _name
