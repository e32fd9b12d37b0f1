"""Classification losses: binary cross-entropy (on probabilities, and stable on logits), cross-entropy
from logits against class labels or class probabilities (ignore_index, label smoothing, K-dimensional
input (N, C, d₁, …) and unbatched input (C,)), negative log-likelihood, and the multiclass hinge of
the notes. Every cross-entropy goes through the one stable log-softmax."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import stable
from ..autograd import ops_elementwise as ew
from ..autograd.dtypes import float_type
from ..autograd.function import Function, refuse_complex
from ..autograd.ops_activation import log_softmax
from ..autograd.tensor import Tensor
from ..checks import class_labels, integer_labels
from ..errors import ClassLabelError, DTypeError, ShapeError, ValueRangeError
from .checks import (
    as_tensor,
    broadcasts_to,
    legacy_reduction,
    reduce_losses,
    same_shape,
    target_like,
)
from .loss_kernels import kernels

_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "multi_margin_loss",
    "nll_loss",
]


# ----- two classes ----------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """ℓ = −[y ln p + (1 − y) ln(1 − p)], each log clamped at −100 as PyTorch does;
    ∂ℓ/∂p = (p − y) / max(p(1 − p), 10⁻¹²),   ∂ℓ/∂y = ln(1 − p) − ln p (the same clamped logs)."""

    real_only = "binary_cross_entropy"

    def forward(self, p, y):
        if not np.all((p >= 0) & (p <= 1)):
            raise ValueRangeError(
                "all elements of input should be between 0 and 1 (binary_cross_entropy takes "
                "probabilities; for logits use binary_cross_entropy_with_logits)"
            )
        self.p, self.y = p, y
        with np.errstate(divide="ignore"):
            self.log_p = np.maximum(np.log(p), -100)
            self.log_q = np.maximum(np.log1p(-p), -100)
        return -(y * self.log_p + (1 - y) * self.log_q)

    def backward(self, g):
        p, y = self.p, self.y
        grad_p = g * (p - y) / np.maximum(p * (1 - p), 1e-12) if self.needs_grad(0) else None
        grad_y = g * (self.log_q - self.log_p) if self.needs_grad(1) else None
        return self.to_inputs(grad_p, grad_y)


def _weighted_binary(name: str, losses: Tensor, weight: Any, input: Tensor, reduction: str) -> Tensor:
    if weight is not None:
        weight = target_like(weight, input)
        broadcasts_to(name, "weight", weight, input.shape)
        losses = losses * weight
    return reduce_losses(losses, reduction)


def binary_cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy on probabilities p ∈ [0, 1] (prefer the logits version: it is stable).
    `weight` broadcasts to the input's shape."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_tensor(input)
    target = target_like(target, input)
    same_shape("binary_cross_entropy", input, target)
    losses = BinaryCrossEntropy()(input, target)
    return _weighted_binary("binary_cross_entropy", losses, weight, input, reduction)


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = (1 − y)x + w·softplus(−x) with w = 1 + (pos_weight − 1)y, which is
    −[y ln σ(x) + (1 − y) ln(1 − σ(x))] for pos_weight = 1;
    ∂ℓ/∂x = (1 − y) − w·σ(−x),   ∂ℓ/∂y = −x + (pos_weight − 1)·softplus(−x),
    ∂ℓ/∂pos_weight = y·softplus(−x)."""

    real_only = "binary_cross_entropy_with_logits"

    def forward(self, x, y, pos_weight=None):
        self.x, self.y, self.pos_weight = x, y, pos_weight
        self.w = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        self.softplus_neg = stable.softplus(-x)  # ln(1 + e^(−x)), without overflow
        return (1 - y) * x + self.w * self.softplus_neg

    def backward(self, g):
        grad_x = g * ((1 - self.y) - self.w * stable.sigmoid(-self.x)) if self.needs_grad(0) else None
        grad_y = None
        if self.needs_grad(1):
            grad_y = g * (
                -self.x if self.pos_weight is None else (self.pos_weight - 1) * self.softplus_neg - self.x
            )
        if self.pos_weight is None:
            return self.to_inputs(grad_x, grad_y)
        grad_pos = g * self.y * self.softplus_neg if self.needs_grad(2) else None
        return self.to_inputs(grad_x, grad_y, grad_pos)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy from logits x, computed without ever forming σ(x) and its log;
    `pos_weight` (one per class, broadcast along the last dim) weighs the positive term."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_tensor(input)
    target = target_like(target, input)
    if input.shape != target.shape:
        raise ShapeError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    op = BinaryCrossEntropyWithLogits()
    if pos_weight is None:
        losses = op(input, target)
    else:
        pos_weight = target_like(pos_weight, input)
        broadcasts_to("binary_cross_entropy_with_logits", "pos_weight", pos_weight, input.shape)
        losses = op(input, target, pos_weight)
    return _weighted_binary("binary_cross_entropy_with_logits", losses, weight, input, reduction)


# ----- many classes: the checks ------------------------------------------------------------
def _class_labels(target: Any, input: Tensor, ignore_index: int | None = None) -> np.ndarray:
    """Integer labels, one per sample (and per position of a K-dimensional input), in [0, C)
    or equal to ignore_index: PyTorch's errors otherwise (with the expected range in the message)."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    integer_labels(labels)
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if input.ndim == 1:
        if labels.size != 1 or labels.ndim > 1:
            raise ShapeError(
                f"an unbatched input (C,) takes one label (a 0-d target), got shape {labels.shape}"
            )
    else:
        n, expected = input.shape[0], (input.shape[0], *input.shape[2:])
        if labels.ndim == 0 or labels.shape[0] != n:
            got = labels.shape[0] if labels.ndim else 0
            raise ShapeError(
                f"Expected input batch_size ({n}) to match target batch_size ({got}): expected {n} labels"
            )
        if labels.shape != expected:
            raise ShapeError(f"Expected target size {list(expected)}, got {list(labels.shape)}")
    return class_labels(labels, n_classes, ignore_index)


def _class_weights(weight: Any, n_classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    weight = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if weight.shape != (n_classes,):
        raise ShapeError(
            f"class weights must have shape ({n_classes},): weight tensor should be defined either for "
            f"all {n_classes} classes or no classes, got shape {weight.shape}"
        )
    return weight.astype(dtype, copy=False)


def _divide(a: Any, total: Any) -> Any:
    """a / total, NaN for a total of 0 (every label ignored, or none at all), as in PyTorch."""
    if total:
        return a / total
    with np.errstate(invalid="ignore", divide="ignore"):
        return a / total


class _LabelLoss(Function):
    """What NLL and cross-entropy share: each sample's entry at its label, the sample weights w_y
    (0 where the label is ignore_index), and the reduction ("mean" divides by Σ w_y). An input
    (N, C, d₁, …) is seen as (N, C, M), M positions per sample (M = 1 without the d's)."""

    saved_inputs = ()

    def __init__(self, reduction: str, weight: np.ndarray | None, ignore_index: int) -> None:
        self.reduction, self.weight, self.ignore_index = reduction, weight, ignore_index

    def find_labels(self, labels: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> None:
        """The index of each label in the (N, C, M) view, w_y and the mask of labels kept; w_y is
        None when all are 1 and the mask when none is ignored (the common case: no extra passes)."""
        ignored = labels == self.ignore_index
        self.kept = None
        if ignored.any():
            self.kept = ~ignored
            labels = np.where(ignored, 0, labels)
        n = shape[0]
        if len(shape) == 2:  # (N, C): the common case, one pair of index arrays
            self.grid, self.index = shape, (np.arange(n), labels)
        else:
            flat = labels.reshape(n, -1)
            self.grid, self.index = (
                (n, shape[1], flat.shape[1]),
                (np.arange(n)[:, None], flat, np.arange(flat.shape[1])),
            )
        self.labels_shape = labels.shape
        if self.weight is not None:
            self.w = self.weight[labels] if self.kept is None else self.weight[labels] * self.kept
        else:
            self.w = None if self.kept is None else self.kept.astype(dtype)

    def at_labels(self, array: np.ndarray) -> np.ndarray:
        """array[i, yᵢ, …] for every sample i (and position)."""
        return array.reshape(self.grid)[self.index].reshape(self.labels_shape)

    def add_at_labels(self, array: np.ndarray, values: Any) -> None:
        """array[i, yᵢ, …] += values (a number, or one per label), in place: each entry is hit once."""
        if np.ndim(values) and len(self.grid) == 3:
            values = values.reshape(self.index[1].shape)
        array.reshape(self.grid)[self.index] += values

    def reduce(self, losses: np.ndarray) -> np.ndarray:
        if self.reduction == "none":
            return losses
        if self.reduction == "sum":
            return losses.sum()
        self.total = losses.size if self.w is None else self.w.sum()
        return _divide(losses.sum(), self.total)

    def scale(self, g: np.ndarray) -> np.ndarray:
        """∂L/∂ℓᵢ for each sample's loss (with a class axis to broadcast along, for "none")."""
        if self.reduction == "none":
            return np.expand_dims(g, 1)
        return _divide(g, self.total) if self.reduction == "mean" else g


class NegativeLogLikelihood(_LabelLoss):
    """ℓᵢ = −w_yᵢ·zᵢ[yᵢ] for log-probabilities z (0 where yᵢ = ignore_index);   ∂ℓᵢ/∂zᵢ[yᵢ] = −w_yᵢ."""

    real_only = "nll_loss"

    def forward(self, z, labels):
        self.find_labels(labels, z.shape, z.dtype)
        self.shape = z.shape
        picked = self.at_labels(z)
        return self.reduce(-picked if self.w is None else -picked * self.w)

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        scale = self.scale(g)
        scale = scale.squeeze(1) if self.reduction == "none" else scale
        self.add_at_labels(grad, -scale if self.w is None else -scale * self.w)
        return (grad, None)


class CrossEntropyWithLabels(_LabelLoss):
    """ℓᵢ = (1 − ε)·w_yᵢ·(−log softmax(sᵢ)[yᵢ]) + (ε/C)·Σ_c w_c·(−log softmax(sᵢ)_c) from logits s
    (label smoothing ε; w = 1 without class weights; 0 where yᵢ = ignore_index);
    ∂ℓᵢ/∂sᵢ = (1 − ε)·w_yᵢ·(softmax(sᵢ) − onehot(yᵢ)) + (ε/C)·(softmax(sᵢ)·Σ_c w_c − w)."""

    real_only = "cross_entropy"

    def __init__(
        self, reduction: str, weight: np.ndarray | None, ignore_index: int, smoothing: float
    ) -> None:
        super().__init__(reduction, weight, ignore_index)
        self.smoothing = smoothing

    def forward(self, logits, labels):
        self.find_labels(labels, logits.shape, logits.dtype)
        self.grad = None
        compiled = kernels()
        if compiled is not None and self._plain(logits):
            # each sample's loss and softmax − onehot in one pass over its row (see loss_kernels)
            losses, self.grad = np.empty(logits.shape[0], logits.dtype), np.empty_like(logits)
            compiled.cross_entropy(logits, self.index[1], losses, self.grad)
            return self.reduce(losses)
        self.log_p = stable.log_softmax(logits, axis=1)
        losses = -self.at_labels(self.log_p)
        if self.w is not None:
            losses *= self.w
        if self.smoothing > 0:
            # the class weights along the class axis, and −Σ_c w_c log p_c per sample
            self.weights = (
                1.0 if self.weight is None else self.weight.reshape((-1,) + (1,) * (logits.ndim - 2))
            )
            smooth = -(self.log_p * self.weights).sum(axis=1)
            if self.kept is not None:
                smooth *= self.kept
            eps = self.smoothing
            losses = (1 - eps) * losses + (eps / logits.shape[1]) * smooth
        return self.reduce(losses)

    def _plain(self, logits: np.ndarray) -> bool:
        """(N, C) float logits, every label kept, no class weights, no smoothing: the compiled case."""
        return (
            logits.ndim == 2 and self.w is None and self.smoothing == 0 and logits.dtype in _COMPILED_DTYPES
        )

    def backward(self, g):
        if self.grad is not None:
            self.grad *= self.scale(g)
            return (self.grad, None)
        grad = np.exp(self.log_p)  # softmax
        eps = self.smoothing
        w = 1.0 if self.w is None else np.expand_dims(self.w, 1)
        if eps > 0:
            share = eps / grad.shape[1]
            total_weight = grad.shape[1] if self.weight is None else self.weight.sum()
            kept = 1.0 if self.kept is None else np.expand_dims(self.kept, 1).astype(grad.dtype)
            grad = grad * ((1 - eps) * w + share * total_weight * kept) - share * self.weights * kept
        elif self.w is not None:
            grad *= w
        self.add_at_labels(grad, -(1 - eps) if self.w is None else -(1 - eps) * self.w)
        grad *= self.scale(g)
        return (grad, None)


# ----- many classes: the functions -------------------------------------------------------------
def _unbatched(input: Tensor, labels: np.ndarray) -> tuple[Tensor, np.ndarray, bool]:
    """An unbatched input (C,) and its one label as a batch of one (undone on the result)."""
    if input.ndim == 1:
        return input.reshape(1, -1), labels.reshape(1), True
    return input, labels, False


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy from logits (N, C, d₁, …) (or (C,)) against integer labels (N, d₁, …) or class
    probabilities of the input's shape.

    Labels: ℓᵢ = −w_yᵢ log softmax(sᵢ)[yᵢ], skipping yᵢ = ignore_index; "mean" divides by Σ w_yᵢ.
    Probabilities q: ℓᵢ = −Σ_c w_c qᵢ_c log softmax(sᵢ)_c; "mean" divides by the number of samples.
    Label smoothing ε mixes the target with the uniform distribution: (1 − ε)·target + ε/C.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    if label_smoothing > 1:
        raise ValueRangeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    input = as_tensor(input)
    if input.ndim == 0:
        raise ShapeError(
            "cross_entropy expects logits of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor"
        )
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    class_weight = _class_weights(weight, n_classes, float_type(input.dtype))
    target_data = np.asarray(target.data if isinstance(target, Tensor) else target)
    if target_data.dtype.kind == "c" and target_data.ndim == input.ndim:
        raise DTypeError(
            f"Expected floating point type for target with class probabilities, got {target_data.dtype}"
        )
    if target_data.dtype.kind == "f" and target_data.ndim == input.ndim:  # probabilities (or soft labels)
        if target_data.shape != input.shape:
            raise ShapeError(
                f"cross_entropy with probability targets needs target shape {input.shape}, "
                f"got {target_data.shape}"
            )
        log_p = log_softmax(input, dim=class_dim)
        if class_weight is not None:
            log_p = log_p * class_weight.reshape((-1,) + (1,) * (input.ndim - class_dim - 1))
        q = target_like(target, input)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        return reduce_losses(-(log_p * q).sum(dim=class_dim), reduction)
    if target_data.dtype.kind == "f":
        raise DTypeError(
            f"class labels must be integers, got dtype {target_data.dtype} "
            f"(probability targets would have shape {input.shape})"
        )
    labels = _class_labels(target_data, input, ignore_index)
    logits, labels, unbatched = _unbatched(input, labels)
    smoothing = max(label_smoothing, 0.0)  # PyTorch ignores a negative smoothing with labels
    loss = CrossEntropyWithLabels(reduction, class_weight, ignore_index, smoothing)(logits, labels)
    return loss.reshape(()) if unbatched and reduction == "none" else loss


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood ℓᵢ = −w_yᵢ·zᵢ[yᵢ] of log-probabilities z (N, C, d₁, …) (or (C,)),
    skipping yᵢ = ignore_index; "mean" divides by Σ w_yᵢ."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_tensor(input)
    if input.ndim == 0:
        raise ShapeError("Expected 1 or more dimensions (got 0)")
    labels = _class_labels(target, input, ignore_index)
    class_weight = _class_weights(weight, input.shape[0 if input.ndim == 1 else 1], input.dtype)
    log_p, labels, unbatched = _unbatched(input, labels)
    loss = NegativeLogLikelihood(reduction, class_weight, ignore_index)(log_p, labels)
    return loss.reshape(()) if unbatched and reduction == "none" else loss


def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """The multiclass SVM hinge of the notes, as PyTorch's multi_margin_loss:
    ℓᵢ = (1/C) Σ_{j≠yᵢ} w_yᵢ·max(0, margin − s_yᵢ + s_j)^p   (the notes' sum is C·ℓᵢ with margin 1, p = 1).
    Its gradient is 1[·>0] for s_j and −count for s_y, which autograd derives from this line."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"only p == 1 and p == 2 supported, got {p}")
    input = as_tensor(input)
    refuse_complex("multi_margin_loss", input)
    if input.ndim not in (1, 2):
        raise ShapeError(f"multi_margin_loss expects scores of shape (C,) or (N, C), got {input.shape}")
    try:
        labels = _class_labels(target, input)
    except ClassLabelError as error:
        raise ValueRangeError(f"target out of range: {error}") from None
    scores, labels, unbatched = _unbatched(input, labels)
    n, n_classes = scores.shape
    rows = np.arange(n)
    true_score = scores[rows, labels].reshape(n, 1)
    hinge = ew.maximum(margin - true_score + scores, 0.0)
    if p == 2:
        hinge = hinge * hinge
    class_weight = _class_weights(weight, n_classes, scores.dtype)
    if class_weight is not None:
        hinge = hinge * class_weight[labels].reshape(n, 1)
    others = np.ones((n, n_classes), dtype=scores.dtype)
    others[rows, labels] = 0  # the true class is not its own rival
    losses = (hinge * others).sum(dim=1) / n_classes
    return reduce_losses(losses.reshape(()) if unbatched else losses, reduction)
