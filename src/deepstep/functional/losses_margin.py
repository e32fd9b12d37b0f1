"""Margin losses: for embeddings and rankings (cosine_embedding_loss, margin_ranking_loss,
hinge_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss), the multi-label hinge
(multilabel_margin_loss) and the soft margins of ±1 labels (soft_margin_loss,
multilabel_soft_margin_loss), each composed of differentiable ops in one line of maths, with
PyTorch's formulas (and its shape checks)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import ops_elementwise as ew
from ..autograd.function import refuse_complex
from ..autograd.ops_activation import softplus
from ..autograd.ops_math import log1p
from ..autograd.tensor import Tensor
from ..errors import DTypeError, IndexRangeError, ShapeError
from .activations import logsigmoid
from .checks import as_tensor, broadcasts_to, check_reduction, legacy_reduction, reduce_losses, target_like
from .distance import pairwise_distance

__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

_EPSILON = 1e-12  # added to each squared length in cosine_embedding_loss, as PyTorch does


def _labels(target: Any) -> np.ndarray:
    return np.asarray(target.data if isinstance(target, Tensor) else target)


def cosine_embedding_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = 1 − cos(x₁, x₂) for y = 1, max(0, cos(x₁, x₂) − margin) for y = −1 (0 for other y), with
    cos = x₁·x₂ / √((‖x₁‖² + 10⁻¹²)(‖x₂‖² + 10⁻¹²)) along the feature dim of (N, D) or (D,) inputs."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x1, x2, labels = as_tensor(input1), as_tensor(input2), _labels(target)
    refuse_complex("cosine_embedding_loss", x1, x2)  # PyTorch clamps the cosine
    if labels.ndim > 1:
        raise ShapeError("0D or 1D target tensor expected, multi-target not supported")
    if x1.ndim != labels.ndim + 1 or x2.ndim != labels.ndim + 1:
        raise ShapeError(
            f"{labels.ndim}D target tensor expects {labels.ndim + 1}D input tensors, but found inputs with "
            f"sizes {list(x1.shape)} and {list(x2.shape)}."
        )
    dim = labels.ndim
    cos = (x1 * x2).sum(dim=dim) / ew.sqrt(
        ((x1 * x1).sum(dim=dim) + _EPSILON) * ((x2 * x2).sum(dim=dim) + _EPSILON)
    )
    similar = ew.where(labels == 1, 1 - cos, 0.0)
    dissimilar = ew.where(labels == -1, ew.clip(cos - margin, 0), 0.0)
    return reduce_losses(similar + dissimilar, reduction)


def margin_ranking_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = max(0, −y·(x₁ − x₂) + margin): x₁ should rank above x₂ by the margin where y = 1,
    below it where y = −1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x1, x2 = as_tensor(input1), as_tensor(input2)
    y = target_like(target, x1)
    refuse_complex("margin_ranking_loss", x1, x2, y)  # PyTorch clamps at 0
    if not x1.ndim == x2.ndim == y.ndim:
        raise ShapeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {x1.shape}, input2: {x2.shape}, target: {y.shape}"
        )
    return reduce_losses(ew.clip(-y * (x1 - x2) + margin, 0), reduction)


def hinge_embedding_loss(
    input: Any,
    target: Any,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = x for y = 1, max(0, margin − x) for y = −1 (x a distance; other values of y add both
    terms, as in PyTorch)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, labels = as_tensor(input), _labels(target)
    refuse_complex("hinge_embedding_loss", x)  # PyTorch clamps at 0
    return reduce_losses(
        ew.where(labels != 1, ew.clip(margin - x, 0), 0.0) + ew.where(labels != -1, x, 0.0), reduction
    )


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = max(0, margin + d(a, p) − d(a, n)) with d the pairwise p-distance; swap=True uses
    min(d(a, n), d(p, n)) for the negative (the harder of the two)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = as_tensor(anchor), as_tensor(positive), as_tensor(negative)
    if not a.ndim == pos.ndim == neg.ndim:
        raise ShapeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a.ndim}D, positive {pos.ndim}D, and negative {neg.ndim}D inputs"
        )
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = ew.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return reduce_losses(ew.clip(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = max(0, margin + d(a, p) − d(a, n)) with any distance d (the pairwise 2-distance by
    default); swap=True uses min(d(a, n), d(p, n)) for the negative."""
    check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = as_tensor(anchor), as_tensor(positive), as_tensor(negative)
    if not a.ndim == pos.ndim == neg.ndim:
        raise ShapeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a.ndim}D, positive {pos.ndim}D, and negative {neg.ndim}D inputs"
        )
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_neg = ew.minimum(d_neg, distance(pos, neg))
    return reduce_losses(ew.clip(margin + d_pos - d_neg, 0), reduction)


# ----- the multi-label hinge ---------------------------------------------------------------------------
def multilabel_margin_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Each sample's target lists its classes, ended by the first −1: with T that list and C the
    number of classes, ℓ = Σ_{j ∈ T} Σ_{i ∉ T} max(0, 1 − (x_j − x_i)) / C (a class listed twice
    counts twice, as in PyTorch)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, labels = as_tensor(input), _labels(target)
    refuse_complex("multilabel_margin_loss", x)
    if x.ndim > 2 or (x.ndim < 2 and x.data.size == 0) or (x.ndim == 2 and x.shape[1] == 0):
        raise ShapeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(x.shape)}"
        )
    if labels.shape != x.shape:
        raise ShapeError(f"inconsistent target size: {list(labels.shape)} for input of size: {list(x.shape)}")
    if labels.dtype != np.int64:
        raise DTypeError(f"expected scalar type Long but found {labels.dtype}")
    classes = x.shape[-1] if x.ndim else 1
    rows = labels.reshape(-1, classes)
    if ((rows < -1) | (rows >= classes)).any():
        raise IndexRangeError("argument #2 'target' is out of range")
    listed = np.cumsum(rows == -1, axis=1) == 0  # the entries before the first −1
    counts = np.zeros(rows.shape, dtype=np.int64)  # how often each class is listed
    np.add.at(counts, (np.nonzero(listed)[0], rows[listed]), 1)
    weight = counts[:, :, None] * (counts == 0)[:, None, :]  # (sample, target j, other i)
    lines = x.reshape(-1, classes)
    hinge = ew.clip(1 - lines.unsqueeze(-1) + lines.unsqueeze(-2), 0)
    losses = (hinge * weight.astype(x.dtype)).sum(dim=(-2, -1)) / classes
    return reduce_losses(losses if x.ndim == 2 else losses.reshape(()), reduction)


# ----- soft margins: the logistic loss of ±1 labels, and one per class -------------------------------
def multilabel_soft_margin_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """One logistic loss per class, averaged over the classes (the last dim):
    ℓᵢ = −(1/C) Σ_c w_c [y_c log σ(x_c) + (1 − y_c) log σ(−x_c)]."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_tensor(input)
    target = target_like(target, input)
    losses = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        losses = losses * target_like(weight, input)
    return reduce_losses(losses.sum(dim=-1) / input.shape[-1], reduction)


def soft_margin_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """The logistic loss of labels y = ±1: ℓ = ln(1 + e^(−y·x)), computed without overflow
    (PyTorch's own formula overflows to inf beyond y·x ≈ −88 in float32)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_tensor(input)
    target = target_like(target, input)
    broadcasts_to("soft_margin_loss", "target", target, input.shape)
    margin = -target * input
    if margin.dtype.kind == "c":  # PyTorch's formula, holomorphic; softplus's real shortcut does not apply
        if margin.requires_grad:  # PyTorch computes its value only
            raise RuntimeError(
                "soft_margin_loss does not support automatic differentiation for outputs with complex dtype."
            )
        return reduce_losses(log1p(ew.exp(margin)), reduction)
    return reduce_losses(softplus(margin, threshold=math.inf), reduction)
