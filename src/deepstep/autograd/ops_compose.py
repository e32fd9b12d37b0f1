"""Ops composed of other ops, so that their gradients come from those ops' own backward passes:
block_diag, combinations and gradient (PyTorch's torch.* names).

torch.gradient estimates ∂f/∂xₖ of a function sampled on a grid by finite differences: inside,
the centred difference (f[i+1] − f[i−1])/(2h), second-order accurate; at the edges the one-sided
(f[1] − f[0])/h (edge_order=1) or the second-order (−3f[0] + 4f[1] − f[2])/(2h) (edge_order=2).
On a non-uniform grid (spacing given by coordinates), with h₁ = xᵢ − xᵢ₋₁ and h₂ = xᵢ₊₁ − xᵢ, the
second-order weights −h₂/(h₁(h₁+h₂)), (h₂−h₁)/(h₁h₂), h₁/(h₂(h₁+h₂)) of f[i−1], f[i], f[i+1].
"""

# `input` is PyTorch's argument name: keyword calls stay compatible.

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np

from .. import backend
from ..errors import DTypeError, ShapeError, ValueRangeError
from .creation import zeros
from .dims import normalize_dim
from .dtypes import result_type
from .ops_shape import cat
from .tensor import Tensor

__all__ = ["block_diag", "combinations", "gradient"]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


# ----- block_diag -------------------------------------------------------------------------------
def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix [[A, 0, …], [0, B, …], …] of 0-, 1- or 2-D blocks (a scalar is a
    1×1 block, a vector a row); dtype the blocks' promoted one."""
    inputs = [_as_tensor(t) for t in tensors]
    blocks = []
    for i, t in enumerate(inputs):
        if t.ndim > 2:
            raise ShapeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                f"Input {i} has {t.ndim} dimensions"
            )
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return Tensor(np.empty((1, 0), backend.get_default_dtype()))
    dtype = result_type(*(t.data for t in inputs))  # 0-d blocks promote as 0-d tensors do
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        # each block's row band: zeros, the block, zeros (constants: only the block has a gradient)
        band = [zeros(r, left, dtype=dtype), b.to(dtype), zeros(r, width - left - c, dtype=dtype)]
        rows.append(cat(band, dim=1))
        left += c
    return cat(rows, dim=0)


# ----- combinations ------------------------------------------------------------------------------
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Every r-element combination of a 1-D tensor's elements, in itertools' order, as the rows of an
    (n choose r, r) tensor (with_replacement: itertools.combinations_with_replacement)."""
    x = _as_tensor(input)
    if x.ndim != 1:
        raise ShapeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    r = operator.index(r)
    if r < 0:
        raise ValueRangeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return x[np.zeros(0, dtype=np.int64)]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[index]  # one gather: its backward adds each row's gradients back to the elements used


# ----- gradient ----------------------------------------------------------------------------------
def _slice(x: Tensor, dim: int, start: int | None, stop: int | None) -> Tensor:
    return x[(slice(None),) * dim + (slice(start, stop),)]


def _dims(x: Tensor, dim: Any) -> list[int]:
    if dim is None:
        return list(range(x.ndim))
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    dims = [normalize_dim(operator.index(d), x.ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise ShapeError(f"dim {d} appears multiple times in the list of dims")
    return dims


def _spacings(spacing: Any, dims: list[int], dim_given: bool, ndim: int) -> list[Any]:
    """One spacing per dim: a number (uniform grid) or a 1-D tensor of coordinates."""
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if isinstance(spacing, (int, float, np.number)) and not isinstance(spacing, bool):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        where = f"len(dim) = {len(dims)}" if dim_given else f"self.dim() = {ndim}"
        raise ShapeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
            f"'{where}', but got a list of length {len(spacing)}"
        )
    if all(isinstance(s, Tensor) for s in spacing):
        for s in spacing:
            if s.ndim != 1:
                raise ShapeError(
                    "torch.gradient expected each element of spacing to have one dimension, but got an "
                    f"element with {s.ndim} dimensions!"
                )
        return spacing
    return [s.item() if isinstance(s, Tensor) else s for s in spacing]


def _uniform(x: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    """Centred differences inside, one-sided at the edges, on a grid of step h."""
    center = (_slice(x, d, 2, None) - _slice(x, d, 0, -2)) / h
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / h
        last = (_slice(x, d, -1, None) - _slice(x, d, -2, -1)) / h
    else:
        first = (-1.5 * _slice(x, d, 0, 1) + 2 * _slice(x, d, 1, 2) - 0.5 * _slice(x, d, 2, 3)) / h
        last = (0.5 * _slice(x, d, -3, -2) - 2 * _slice(x, d, -2, -1) + 1.5 * _slice(x, d, -1, None)) / h
    return cat([first, center / 2, last], dim=d)


def _nonuniform(x: Tensor, d: int, coordinates: Tensor, edge_order: int) -> Tensor:
    """The second-order weights of a non-uniform grid inside, one-sided differences at the edges."""
    shape = [1] * x.ndim
    shape[d] = -1
    dx = coordinates.diff()
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _slice(x, d, 0, -2) + b * _slice(x, d, 1, -1) + c * _slice(x, d, 2, None)
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / dx[0]
        last = (_slice(x, d, -1, None) - _slice(x, d, -2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        first = (
            -(2.0 * h0 + h1) / (h0 * (h0 + h1)) * _slice(x, d, 0, 1)
            + (h0 + h1) / (h0 * h1) * _slice(x, d, 1, 2)
            + (-h0) / (h1 * (h0 + h1)) * _slice(x, d, 2, 3)
        )
        g1, g2 = dx[-1], dx[-2]
        last = (
            g1 / (g2 * (g1 + g2)) * _slice(x, d, -3, -2)
            - (g1 + g2) / (g1 * g2) * _slice(x, d, -2, -1)
            + (2 * g1 + g2) / (g1 * (g1 + g2)) * _slice(x, d, -1, None)
        )
    return cat([first, center, last], dim=d)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """∂f/∂xₖ along each dim by finite differences: (f[i+1] − f[i−1])/(2h) inside, one-sided of
    order edge_order (1 or 2) at the edges; spacing a step, one step per dim, or coordinates."""
    x = _as_tensor(input)
    if x.ndim == 0:
        return ()
    if edge_order not in (1, 2):
        raise ValueRangeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if x.dtype == np.bool_:
        raise DTypeError(
            "torch.gradient: subtraction of bool tensors is not supported; convert to a number dtype"
        )
    dims = _dims(x, dim)
    spacings = _spacings(spacing, dims, dim is not None, x.ndim)
    for d in dims:
        if x.shape[d] < edge_order + 1:
            raise ShapeError(
                f"torch.gradient expected each dimension size to be at least edge_order+1, got size "
                f"{x.shape[d]} along dim {d} with edge_order={edge_order}"
            )
    results = []
    for d, h in zip(dims, spacings, strict=True):
        results.append(
            _nonuniform(x, d, h, edge_order) if isinstance(h, Tensor) else _uniform(x, d, h, edge_order)
        )
    return tuple(results)
