"""Gather and scatter along a dimension, and take: each op picks or places elements of `a` at flat
(row-major) positions p, so each is one line of linear algebra with P the one-hot matrix of p
(one row per picked element, a 1 in the column of the element it names):

    gather, take, take_along_dim:   z = P·a_flat                ∂L/∂a_flat = Pᵀ·∂L/∂z
    scatter_add:                    z = a + Pᵀ·src              ∂L/∂a = ∂L/∂z,   ∂L/∂src = P·(∂L/∂z)_flat

gather's backward is a scatter-add (repeated positions add up) and scatter's backward a gather: the
same two array operations, `np.take` and `scatter_sum`, in both directions. Along dim d the index
replaces the element's own coordinate: p = index·stride_d + Σ_{e≠d} i_e·stride_e.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..errors import DTypeError, IndexRangeError, ShapeError
from . import sum_kernels
from .dims import normalize_dim
from .function import Function
from .tensor import Tensor, data_of


@functools.cache
def scipy_sparse() -> Any:
    """scipy.sparse or None (SciPy is optional: Pᵀ·values as a sparse product is one pass over the
    values), imported on first use so that `import deepstep` does not pay for it."""
    try:
        from scipy import sparse
    except ImportError:  # pragma: no cover - the tests run the NumPy path directly
        return None
    return sparse


__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take", "take_along_dim"]

TENSOR_METHODS = (
    "gather",
    "scatter",
    "scatter_",
    "scatter_add",
    "scatter_add_",
    "scatter_reduce",
    "scatter_reduce_",
    "take",
    "take_along_dim",
)

_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))
_LONG = (np.dtype(np.int64),)
_SPARSE_DTYPES = {
    np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128, np.int32, np.int64)
}
# PyTorch also takes "max" and "min" for scatter_reduce's "amax" and "amin"
_REDUCTIONS = {
    "sum": "sum",
    "prod": "prod",
    "mean": "mean",
    "amax": "amax",
    "amin": "amin",
    "max": "amax",
    "min": "amin",
}


def scatter_sum(
    positions: np.ndarray,
    values: np.ndarray,
    size: int,
    use_scipy: bool = True,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """out[q] = Σ_{k : positions[k] = q} w_k·values[k] for q in [0, size) (rows of values when 2-D; w = 1
    unless weights are given): Pᵀ·diag(w)·values.

    As a sparse matrix with one entry per column (w_k, or 1), Pᵀ needs no sorting and its product is
    one pass over the values: measured 30× faster than np.add.at and 10× faster than np.bincount on
    rows of 64–512 values (4 000–50 000 positions), 1.5–5× on single values. Without SciPy (or for
    dtypes it lacks) floats go through np.bincount, integers and bools through np.add.at, which is
    exact."""
    positions = positions.reshape(-1)
    if weights is None and (rows := sum_kernels.scatter_rows(positions, values, size)) is not None:
        return rows  # (compiled: the sparse product's sums, in its order)
    if use_scipy and scipy_sparse() is not None and values.dtype in _SPARSE_DTYPES:
        entries = np.ones(positions.size, values.dtype) if weights is None else weights.astype(values.dtype)
        p_transposed = scipy_sparse().csc_array(
            (entries, positions, np.arange(positions.size + 1)), (size, positions.size)
        )
        return np.asarray(p_transposed @ values, dtype=values.dtype)
    if weights is not None:
        values = values * weights.reshape(-1, *(1,) * (values.ndim - 1)).astype(values.dtype)
    if values.dtype.kind == "f":
        width = int(np.prod(values.shape[1:]))
        flat = (positions[:, None] * width + np.arange(width)).reshape(-1)
        sums = np.bincount(flat, weights=values.reshape(-1), minlength=size * width)
        return sums.reshape(size, *values.shape[1:]).astype(values.dtype, copy=False)
    out = np.zeros((size, *values.shape[1:]), values.dtype)  # integers, bools and complex: exact
    np.add.at(out, positions, values)
    return out


def flat_positions(index: np.ndarray, dim: int, shape: tuple[int, ...]) -> np.ndarray:
    """The row-major position in an array of `shape` of each element that index names: index[i]
    along dim, the element's own coordinate i_e along every other axis e (an axis of length 1 in
    shape is broadcast: its coordinate is 0)."""
    strides = [int(np.prod(shape[e + 1 :])) for e in range(len(shape))]
    positions = index.astype(np.int64) * strides[dim]
    for e, n in enumerate(index.shape):
        if e != dim and n > 1 and shape[e] != 1:
            positions = positions + (np.arange(n) * strides[e]).reshape(n, *[1] * (index.ndim - e - 1))
    return positions


def last_writes(positions: np.ndarray) -> np.ndarray:
    """True where positions[k] is the last occurrence of its value (row-major order): the write that
    stays when the values are written in order, and the only one that gets a gradient."""
    flat = positions.reshape(-1)
    keep = np.zeros(flat.size, bool)
    _, from_end = np.unique(flat[::-1], return_index=True)
    keep[flat.size - 1 - from_end] = True
    return keep.reshape(positions.shape)


def index_array(
    index: Any, dtypes: tuple[np.dtype, ...], message: str, error: type = DTypeError
) -> np.ndarray:
    """The index as an array, refused (with PyTorch's message) unless its dtype is one of dtypes."""
    array = index.data if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype not in dtypes:
        raise error(f"{message}, got {array.dtype}")
    return array


def check_range(index: np.ndarray, size: int, dim: int, negative: bool = False, prefix: str = "") -> None:
    """Every entry in [0, size) (in [−size, size) when negative entries count from the end)."""
    if not index.size:
        return
    low = -size if negative else 0
    bad = index[(index < low) | (index >= size)]
    if bad.size:
        raise IndexRangeError(
            f"{prefix}index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}"
        )


def _apply(a: np.ndarray, positions: np.ndarray, values: np.ndarray, reduce: str | None, include_self: bool):
    """A copy of a with values placed at the flat positions: written (reduce None; the last of a
    repeated position wins) or combined with what is there by reduce, a's own element left out
    where not include_self."""
    out = np.array(a, order="C")
    flat, p, v = out.reshape(-1), positions.reshape(-1), values.reshape(-1)
    if reduce is None:
        flat[p] = v
        return out
    if not include_self:
        flat[p] = _identity(reduce, out.dtype)
    if reduce in ("sum", "mean"):
        flat += scatter_sum(p, v, flat.size)
    else:
        {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce].at(flat, p, v)
    if reduce == "mean":
        count = np.maximum(np.bincount(p, minlength=flat.size) + include_self, 1)
        divide = np.floor_divide if out.dtype.kind in "iub" else np.true_divide
        divide(flat, count, out=flat, casting="unsafe")
    return out


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """The neutral element of reduce (what a's element is replaced with where not include_self)."""
    if reduce in ("amax", "amin"):
        big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
        return -big if reduce == "amax" else big
    return 1 if reduce == "prod" else 0


class Take(Function):
    """z = a_flat[p] (gather, take);   ∂L/∂a_flat = Pᵀ·∂L/∂z: each element of a gets the sum of the
    gradients of the places that picked it."""

    saved_inputs = ()

    def __init__(self, positions: np.ndarray) -> None:
        self.positions = positions

    def forward(self, a):
        self.shape = a.shape
        return np.take(a, self.positions)

    def backward(self, g):
        return (scatter_sum(self.positions, g.reshape(-1), int(np.prod(self.shape))).reshape(self.shape),)


class Scatter(Function):
    """z = a with src placed at the flat positions p: written (reduce None), or combined with a's
    element by reduce (sum, prod, mean, amax, amin; a's element left out unless include_self).

    ∂L/∂src = (∂L/∂z)_flat[p], times ∂z/∂src: 1 (sum; a write when it is the last to its place),
    1/count (mean), 1/ties where src is the extreme (amax, amin), z/src (prod; the product of the
    others where src = 0).
    ∂L/∂a = ∂L/∂z, times ∂z/∂a: the same factors for a's element; 0 where written or not include_self."""

    def __init__(
        self, positions: np.ndarray, region: tuple[slice, ...], reduce: str | None, include_self: bool
    ):
        self.positions, self.region = positions, region
        self.reduce, self.include_self = reduce, include_self
        # only prod, amax and amin read the values and the result in backward
        if reduce not in ("prod", "amax", "amin"):
            self.saved_inputs = ()
        self.saves_output = reduce in ("prod", "amax", "amin")
        if reduce in ("amax", "amin"):  # complex numbers have no order
            self.real_only = f"scatter_reduce(reduce={reduce!r})"

    def forward(self, a, src):
        self.src_shape = np.shape(src)
        # a number (or a 0-d tensor) fills every indexed place
        values = src[self.region] if self.src_shape else np.full(self.positions.shape, src, dtype=a.dtype)
        out = _apply(a, self.positions, values, self.reduce, self.include_self)
        if self.saves_output:
            self.a, self.values, self.result = a.reshape(-1), values.reshape(-1), out.reshape(-1)
        return out

    def backward(self, g):
        p, flat_g, reduce = self.positions.reshape(-1), g.reshape(-1), self.reduce
        if reduce in (None, "sum"):
            grad_a, grad_src = flat_g, flat_g[p]
            if reduce is None:  # a position written twice keeps the last value: only that one counts
                grad_src = grad_src * last_writes(p)
        elif reduce == "mean":
            count = np.maximum(np.bincount(p, minlength=flat_g.size) + self.include_self, 1)
            grad_a = flat_g / count.astype(g.dtype)
            grad_src = grad_a[p]
        elif reduce == "prod":
            grad_a, grad_src = self._prod_grads(p, flat_g)
        else:  # amax, amin: the gradient is shared evenly by the elements equal to the extreme
            a_is = (self.a == self.result).astype(g.dtype)
            src_is = (self.values == self.result[p]).astype(g.dtype)
            shared = flat_g / (a_is + scatter_sum(p, src_is, flat_g.size))
            grad_a, grad_src = a_is * shared, src_is * shared[p]
        if reduce is None or not self.include_self:
            grad_a = grad_a.copy()
            grad_a[p] = 0
        if self.needs_grad(1) and not self.src_shape:
            grad_src = grad_src.sum().reshape(())
        elif self.needs_grad(1):
            padded = np.zeros(self.src_shape, g.dtype)
            padded[self.region] = grad_src.reshape(self.positions.shape)
            grad_src = padded
        return grad_a.reshape(g.shape), grad_src if self.needs_grad(1) else None

    def _prod_grads(self, p, flat_g):
        """∂z/∂a = z/a and ∂z/∂src = z/src, with the product of the others computed directly where
        the divisor is 0 (PyTorch's formula, so that a single zero factor gets its gradient)."""
        a, values, include_self = self.a, self.values, self.include_self
        a_or_one = np.where(a == 0, 1, a)
        grad_a = flat_g * _apply(a_or_one, p, values, "prod", include_self) / a_or_one
        zero = values == 0
        lone_zero = zero & (scatter_sum(p, zero.astype(flat_g.dtype), a.size)[p] == 1)
        others = _apply(a, p, np.where(lone_zero, 1, values), "prod", include_self)
        grad_src = np.where(
            lone_zero, (flat_g * others)[p], (flat_g * self.result)[p] / np.where(zero, 1, values)
        )
        return grad_a, grad_src


# ----- checks and the public functions --------------------------------------------------------------
def _gather_index(a: np.ndarray, dim: int, index: Any, op: str) -> tuple[int, np.ndarray]:
    """dim and index checked as PyTorch's gather/scatter check them (a 0-d tensor counts as 1-d)."""
    index = index_array(index, _INDEX_DTYPES, f"{op}(): Expected dtype int32/int64 for index")
    dim = normalize_dim(dim, a.ndim)
    if max(index.ndim, 1) != max(a.ndim, 1):
        name = "input" if op == "gather" else "self"
        raise ShapeError(f"Index tensor must have the same number of dimensions as {name} tensor")
    return dim, index


def _shape1(x: np.ndarray) -> tuple[int, ...]:
    return x.shape or (1,)


def gather(a: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """z[i][j] = a[index[i][j]][j] for dim 0 (z[i][j] = a[i][index[i][j]] for dim 1); z has index's
    shape. sparse_grad is accepted for PyTorch's sake: the gradient is dense."""
    data = data_of(a)
    dim, index = _gather_index(data, dim, index, "gather")
    shape, index_shape = _shape1(data), _shape1(index)
    larger = [d for d, n in enumerate(index_shape) if d != dim and n > shape[d]]
    if larger:
        raise ShapeError(
            f"Size does not match at dimension {larger[0]} expected index {list(index.shape)} to be no "
            f"larger than self {list(data.shape)} apart from dimension {dim}"
        )
    check_range(index, shape[dim], dim)
    return Take(flat_positions(index.reshape(index_shape), dim, shape).reshape(index.shape))(a)


def _scatter(a: Any, dim: int, index: Any, src: Any, reduce: str | None, include_self: bool) -> Scatter:
    """The Scatter op for these arguments, after PyTorch's checks."""
    if src is None:
        raise TypeError("scatter() needs a src tensor or a value")
    data = data_of(a)
    dim, index = _gather_index(data, dim, index, "scatter")
    shape, index_shape = _shape1(data), _shape1(index)
    src_data = src.data if isinstance(src, Tensor) else src
    if np.ndim(src_data):
        src_data = np.asarray(src_data)
        if src_data.dtype != data.dtype:
            raise DTypeError(
                "scatter(): Expected self.dtype to be equal to src.dtype, "
                f"got {data.dtype} and {src_data.dtype}"
            )
        if src_data.ndim != len(index_shape):
            raise ShapeError("Index tensor must have the same number of dimensions as src tensor")
    src_shape = _shape1(np.asarray(src_data)) if np.ndim(src_data) else index_shape
    if any(n > shape[d] for d, n in enumerate(index_shape) if d != dim) or any(
        n > m for n, m in zip(index_shape, src_shape, strict=True)
    ):
        raise ShapeError(
            f"Expected index {list(index.shape)} to be no larger than self {list(data.shape)} apart from "
            f"dimension {dim} and to be no larger size than src {list(src_shape)}"
        )
    check_range(index, shape[dim], dim)
    positions = flat_positions(index.reshape(index_shape), dim, shape)
    region = tuple(slice(0, n) for n in index.shape)
    return Scatter(positions.reshape(index.shape), region, reduce, include_self)


def _reduce_name(reduce: str) -> str:
    if reduce not in _REDUCTIONS:
        raise ShapeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return _REDUCTIONS[reduce]


def _legacy_reduce(reduce: str | None) -> str | None:
    """scatter's deprecated reduce= ('add', 'multiply') as scatter_reduce's names."""
    if reduce is None:
        return None
    if reduce not in ("add", "multiply"):
        raise ShapeError("reduce argument must be either add or multiply.")
    return "sum" if reduce == "add" else "prod"


def scatter(
    a: Any, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """A copy of a with z[index[i][j]][j] = src[i][j] for dim 0 (src a tensor, or a number: `value`).
    A position named twice gets one of its values (the last here). reduce='add'/'multiply' combines."""
    src = value if src is None else src
    return _scatter(a, dim, index, src, _legacy_reduce(reduce), True)(a, src)


def scatter_(
    a: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """scatter written into a's memory."""
    src = value if src is None else src
    return _scatter(a, dim, index, src, _legacy_reduce(reduce), True).inplace(a, src)


def scatter_add(a: Any, dim: int, index: Any, src: Any) -> Tensor:
    """z = a, then z[index[i][j]][j] += src[i][j] for dim 0 (repeated positions add up)."""
    return _scatter(a, dim, index, src, "sum", True)(a, src)


def scatter_add_(a: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """scatter_add written into a's memory."""
    return _scatter(a, dim, index, src, "sum", True).inplace(a, src)


def scatter_reduce(
    a: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
) -> Tensor:
    """z = a with each src[i][j] combined into z[index[i][j]][j] (dim 0) by reduce: 'sum', 'prod',
    'mean', 'amax' or 'amin'; a's own element takes part unless include_self=False."""
    return _scatter(a, dim, index, src, _reduce_name(reduce), include_self)(a, src)


def scatter_reduce_(
    a: Tensor, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
) -> Tensor:
    """scatter_reduce written into a's memory."""
    return _scatter(a, dim, index, src, _reduce_name(reduce), include_self).inplace(a, src)


def take(a: Any, index: Any) -> Tensor:
    """z = a.flatten()[index], of index's shape (negative entries count from the end)."""
    size = data_of(a).size
    index = index_array(index, _LONG, "take(): Expected a long tensor for index")
    if index.size and not size:
        raise IndexRangeError("take(): tried to take from an empty tensor")
    bad = index[(index < -size) | (index >= size)]
    if bad.size:
        raise IndexRangeError(
            f"out of range: tried to access index {bad.flat[0]} on a tensor of {size} elements."
        )
    return Take(index % max(size, 1))(a)


def take_along_dim(a: Any, indices: Any, dim: int | None = None) -> Tensor:
    """gather along dim after broadcasting a and indices against each other in the other dims
    (numpy.take_along_axis); without dim, take from the flattened a."""
    data = data_of(a)
    indices = index_array(indices, _LONG, "torch.take_along_dim(): dtype of indices should be Long")
    if dim is None:
        return take(a, indices.reshape(-1))
    dim = normalize_dim(dim, data.ndim)
    if indices.ndim != data.ndim:
        raise ShapeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{data.ndim} dimensions for input, and {indices.ndim} dimensions for indices"
        )
    shape = list(indices.shape)
    for d, (n, m) in enumerate(zip(data.shape, indices.shape, strict=True)):
        if d != dim:
            if n != m and 1 not in (n, m):
                raise ShapeError(
                    f"The size of tensor a ({n}) must match the size of tensor b ({m}) "
                    f"at non-singleton dimension {d}"
                )
            shape[d] = max(n, m) if 0 not in (n, m) else 0
    indices = np.broadcast_to(indices, shape)
    size = data.shape[dim] if data.ndim else 1
    check_range(indices, size, dim, negative=True)
    return Take(flat_positions(indices % max(size, 1), dim, data.shape or (1,)).reshape(indices.shape))(a)
