"""Embedding lookup: rows of a weight matrix picked by integer ids; the backward adds each row's gradients.

With P the one-hot matrix of the ids (one row per id, a 1 in the id's column), the lookup is the
product y = P·W and its gradient ∂L/∂W = Pᵀ·∂L/∂y: each row of W receives the sum of the gradients
of the positions that picked it. The lookup itself is a gather (np.take); the backward multiplies
by Pᵀ with autograd's scatter_sum (a sparse matrix with SciPy: one pass over the gradient, the
scales of scale_grad_by_freq and of a bag's mean or weights as its entries).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops_scatter import scatter_sum
from ..autograd.tensor import Tensor, as_array
from ..errors import DTypeError, ShapeError

__all__ = ["embedding", "embedding_bag"]


class IdOutOfRange(IndexError, RuntimeError):
    """An id outside the table: PyTorch's embedding raises IndexError, its embedding_bag RuntimeError."""


class Embedding(Function):
    """y[i] = W[ids[i]], i.e. y = P·W with P the one-hot matrix of the ids;
    ∂L/∂W = Pᵀ·∂L/∂y (each row of W gets the sum of its ids' gradients, each divided by the id's count
    with scale_grad_by_freq; the padding row gets none)."""

    saved_inputs = ()  # backward needs the ids (kept here) and W's shape, not W's values

    def __init__(self, ids: np.ndarray, padding_idx: int | None, scale_grad_by_freq: bool):
        self.ids, self.padding_idx, self.scale_grad_by_freq = ids, padding_idx, scale_grad_by_freq

    def forward(self, weight):
        self.rows = weight.shape[0]
        return np.take(weight, self.ids, axis=0)

    def backward(self, g):
        ids = self.ids.reshape(-1)
        g = g.reshape(ids.size, g.shape[-1])
        scale = None
        if self.scale_grad_by_freq:
            scale = (1 / np.bincount(ids, minlength=self.rows)[ids]).astype(g.dtype)
        grad = scatter_sum(ids, g, self.rows, weights=scale)
        if self.padding_idx is not None:
            grad[self.padding_idx] = 0
        return (grad,)


def embedding(
    input: Any,
    weight: Any,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of `weight` (num_embeddings, embedding_dim) picked by the int64/int32 ids of `input`
    (any shape): the result has shape input.shape + (embedding_dim,).

    padding_idx: that row gets no gradient (a negative one counts from the end). max_norm: the
    picked rows whose norm_type-norm exceeds it are scaled down to it, in `weight` itself, before the
    lookup (as PyTorch does). scale_grad_by_freq: each id's gradient is divided by its count in
    `input`. sparse: accepted for PyTorch's sake; the gradient is a dense array either way."""
    ids = _ids(input)
    weight, padding_idx = _prepare(ids, weight, padding_idx, max_norm, norm_type)
    return Embedding(ids.copy(), padding_idx, scale_grad_by_freq)(weight)


def _prepare(ids: np.ndarray, weight: Any, padding_idx: int | None, max_norm: float | None, norm_type: float):
    """The table as a Tensor, checked against the ids; padding_idx in [0, rows); max_norm applied."""
    weight = weight if isinstance(weight, Tensor) else Tensor(as_array(weight))
    if weight.ndim != 2:
        raise ShapeError(
            f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}"
        )
    rows = weight.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= rows):
        raise IdOutOfRange(
            f"index out of range in self: embedding ids must lie in [0, {rows}), "
            f"got ids from {ids.min()} to {ids.max()}"
        )
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= rows
    if max_norm is not None:
        renorm_rows(weight, ids, max_norm, norm_type)
    return weight, padding_idx


def _ids(input: Any) -> np.ndarray:
    ids = input.data if isinstance(input, Tensor) else np.asarray(input)
    if ids.dtype not in (np.int64, np.int32):
        raise DTypeError(
            "embedding: expected ids of dtype int64 or int32 (PyTorch's Long, Int), "
            f"got {ids.dtype}; convert them with .long()"
        )
    return ids


def renorm_rows(weight: Tensor, ids: np.ndarray, max_norm: float, norm_type: float = 2.0) -> None:
    """W[v] ← W[v]·max_norm/(‖W[v]‖ + 1e-7) for each id v whose row has ‖W[v]‖ > max_norm, in place
    and outside the graph (PyTorch's embedding_renorm_): the write counts as an in-place change."""
    picked = np.unique(ids)
    norms = np.linalg.norm(weight.data[picked], ord=norm_type, axis=1)
    too_long = norms > max_norm
    if too_long.any():
        rows = picked[too_long]
        scale = max_norm / (norms[too_long] + 1e-7)
        weight.data[rows] *= scale[:, None].astype(weight.dtype)
        weight._bump_version()


# ----- bags of embeddings: sums, means or maxima of the rows each bag picks --------------------------
class EmbeddingBag(Function):
    """mode 'sum' / 'mean': y_b = Σ_{i ∈ bag b} c_i·W[ids_i] (c_i = 1, 1/|bag b| or the per-sample
    weight; 0 for padding), i.e. y = B·P·W with B the bags' weighted one-hot matrix;
    ∂L/∂W = Pᵀ·Bᵀ·∂L/∂y and ∂L/∂c_i = W[ids_i]·∂L/∂y_b.
    mode 'max': y_bd = max_{i ∈ bag b} W[ids_i, d]; each ∂L/∂y_bd goes to the first row giving it."""

    real_only = "embedding_bag"
    saved_inputs = (0,)  # W, for the per-sample weights' gradient; the ids are kept here

    def __init__(self, ids, bag_of, bags, mode, kept, scale_grad_by_freq):
        self.ids, self.bag_of, self.bags, self.mode = ids, bag_of, bags, mode
        self.kept, self.scale_grad_by_freq = kept, scale_grad_by_freq  # kept: the entries not padding

    def forward(self, weight, per_sample_weights):
        self.weight = weight
        if self.mode == "max":
            return self._max(weight)
        self.coef = self.kept.astype(weight.dtype)
        if self.mode == "mean":
            counts = np.bincount(self.bag_of[self.kept], minlength=self.bags)
            self.coef /= np.maximum(counts, 1)[self.bag_of]
        scale = self.coef if per_sample_weights is None else self.coef * per_sample_weights.reshape(-1)
        self.scale = scale.astype(weight.dtype, copy=False)
        return scatter_sum(self.bag_of, np.take(weight, self.ids, axis=0), self.bags, weights=self.scale)

    def _max(self, weight):
        """Each bag's maximum per dimension, and which entry gave it (the first, as PyTorch's)."""
        ids, bag_of = self.ids[self.kept], self.bag_of[self.kept]
        out = np.zeros((self.bags, weight.shape[1]), weight.dtype)
        self.winners = self.winner_bags = None
        if ids.size:
            starts = np.flatnonzero(np.r_[True, bag_of[1:] != bag_of[:-1]])
            rows = np.take(weight, ids, axis=0)
            maxima = np.maximum.reduceat(rows, starts, axis=0)
            segment = np.cumsum(np.r_[False, bag_of[1:] != bag_of[:-1]])
            entry = np.where(rows == maxima[segment], np.arange(ids.size)[:, None], ids.size)
            self.winners = ids[np.minimum(np.minimum.reduceat(entry, starts, axis=0), ids.size - 1)]
            self.winner_bags = bag_of[starts]
            out[self.winner_bags] = maxima
        return out

    def backward(self, g):
        rows, columns = self.weight.shape
        grad_w = grad_psw = None
        if self.mode == "max":
            if self.winners is None or not self.needs_grad(0):
                return np.zeros((rows, columns), g.dtype), None
            flat = (self.winners * columns + np.arange(columns)).reshape(-1)
            sums = scatter_sum(flat, g[self.winner_bags].reshape(-1), rows * columns)
            return sums.reshape(rows, columns), None
        g_entries = np.take(g, self.bag_of, axis=0)  # ∂L/∂y of each entry's bag
        if self.needs_grad(1):
            grad_psw = np.einsum("md,md->m", np.take(self.weight, self.ids, axis=0), g_entries) * self.coef
            grad_psw = grad_psw.reshape(self.inputs[1].shape)
        if self.needs_grad(0):
            scale = self.scale
            if self.scale_grad_by_freq:
                scale = scale / np.bincount(self.ids, minlength=rows)[self.ids]
            grad_w = scatter_sum(self.ids, g_entries, rows, weights=scale.astype(g.dtype, copy=False))
        return grad_w, grad_psw


def embedding_bag(
    input: Any,
    weight: Any,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Any = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The sum, mean or maximum of the rows of `weight` picked by each bag of ids, without the
    (N, bag, dim) intermediate: bags are the rows of a 2-d `input`, or the runs of a 1-d `input` that
    start at `offsets` (the last offset ends the last bag with include_last_offset). Entries equal to
    padding_idx are left out (an empty bag gives zeros); per_sample_weights weigh each id (mode 'sum')."""
    ids = _ids(input)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}')"
        )
    if per_sample_weights is not None and tuple(np.shape(per_sample_weights)) != ids.shape:
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({np.shape(per_sample_weights)}) is not None, then it "
            f"must have the same shape as the input ({ids.shape})"
        )
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    bounds = _bag_bounds(ids, offsets, include_last_offset)
    bags = len(bounds) - 1
    ids = ids.reshape(-1)[: bounds[-1]]
    bag_of = np.repeat(np.arange(bags), np.diff(bounds))
    weight, padding_idx = _prepare(ids, weight, padding_idx, max_norm, norm_type)
    kept = np.ones(ids.size, bool) if padding_idx is None else ids != padding_idx
    if per_sample_weights is not None and not isinstance(per_sample_weights, Tensor):
        per_sample_weights = as_array(per_sample_weights)
    return EmbeddingBag(ids.copy(), bag_of, bags, mode, kept, scale_grad_by_freq)(weight, per_sample_weights)


def _bag_bounds(ids: np.ndarray, offsets: Any, include_last_offset: bool) -> np.ndarray:
    """Where each bag starts, and where the last one ends."""
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed "
                f"length sequences. However, found offsets of type {type(offsets).__name__}"
            )
        return np.arange(ids.shape[0] + 1) * ids.shape[1]
    if ids.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {ids.ndim}")
    if offsets is None or np.ndim(offsets) != 1:
        raise ValueError(
            f"offsets has to be a 1D Tensor but got {'None' if offsets is None else np.shape(offsets)}"
        )
    starts = _ids(offsets).astype(np.int64)
    bounds = starts if include_last_offset else np.r_[starts, ids.size]
    if bounds.size and bounds[0] != 0:
        raise ShapeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
            f"position 0. However, got {bounds[0]}"
        )
    if bounds.size and bounds[-1] > ids.size:
        raise ShapeError(
            f"offsets[-1] can not be greater than input's length {ids.size} "
            f"but got offsets[-1] of {bounds[-1]}"
        )
    if np.any(np.diff(bounds) < 0):
        raise ShapeError(f"offsets must not decrease, got {starts.tolist()}")
    return bounds if bounds.size else np.zeros(1, np.int64)
