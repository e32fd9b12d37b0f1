"""Loss functions. Classification losses take logits; every cross-entropy goes through the one
stable log-softmax. Each takes `reduction` = "mean" | "sum" | "none", as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import ops_elementwise as ew
from ..autograd.function import Function
from ..autograd.ops_activation import log_softmax, stable_log_softmax, stable_sigmoid
from ..autograd.tensor import Tensor, as_array

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "l1_penalty",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
]

REDUCTIONS = ("mean", "sum", "none")


# ----- shared checks and the reduction ------------------------------------------------
def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(as_array(x))


def _target(target: Any, input: Tensor) -> Tensor:
    """Targets are data: they take the prediction's float dtype (unless they are being learned too)."""
    if isinstance(target, Tensor) and target.requires_grad:
        return target
    array = as_array(target)
    if input.dtype.kind == "f" and array.dtype != input.dtype:
        array = array.astype(input.dtype)
    return Tensor(array)


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        if losses.data.size == 0:
            raise ValueError("the mean loss of an empty batch is undefined")
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    # PyTorch broadcasts (N, 1) against (N,) with only a warning, a classic silent bug: refuse it.
    if input.shape != target.shape:
        raise ValueError(f"{name}: input has shape {input.shape} but target has shape {target.shape}")


def check_class_labels(labels: Any, n_samples: int, n_classes: int) -> np.ndarray:
    """Integer labels in [0, n_classes), one per sample; a clear error otherwise."""
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"class labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (n_samples,):
        raise ValueError(f"expected {n_samples} labels (shape ({n_samples},)), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes - 1}] for {n_classes} classes, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def _class_weights(weight: Any, n_classes: int) -> np.ndarray | None:
    if weight is None:
        return None
    weight = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if weight.shape != (n_classes,):
        raise ValueError(f"class weights must have shape ({n_classes},), got {weight.shape}")
    return weight


# ----- regression ---------------------------------------------------------------------
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error ℓ = (ŷ − y)²;   ∂ℓ/∂ŷ = 2(ŷ − y)."""
    input = _tensor(input)
    target = _target(target, input)
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error ℓ = |ŷ − y|;   ∂ℓ/∂ŷ = sign(ŷ − y)."""
    input = _tensor(input)
    target = _target(target, input)
    _same_shape("l1_loss", input, target)
    return _reduce(ew.abs(input - target), reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber: ½d² where |d| < δ, else δ(|d| − ½δ), d = ŷ − y (quadratic near 0, linear in the tails)."""
    if delta <= 0:
        raise ValueError(f"huber_loss needs delta > 0, got {delta}")
    input = _tensor(input)
    target = _target(target, input)
    _same_shape("huber_loss", input, target)
    diff = input - target
    size = ew.abs(diff)
    return _reduce(ew.where(size.data < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta)), reduction)


# ----- two classes --------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """ℓ = −[y ln p + (1 − y) ln(1 − p)], each log clamped at −100 as PyTorch does;
    ∂ℓ/∂p = (p − y) / max(p(1 − p), 1e-12)."""

    def forward(self, p, y):
        if np.any((p < 0) | (p > 1)):
            raise ValueError(
                "binary_cross_entropy needs probabilities in [0, 1]; for logits use "
                "binary_cross_entropy_with_logits"
            )
        self.p, self.y = p, y
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        return -(y * log_p + (1 - y) * log_q)

    def backward(self, g):
        p, y = self.p, self.y
        return self.to_inputs(g * (p - y) / np.maximum(p * (1 - p), 1e-12), None)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on probabilities p ∈ [0, 1] (prefer the logits version: it is stable)."""
    input = _tensor(input)
    target = _target(target, input)
    _same_shape("binary_cross_entropy", input, target)
    losses = BinaryCrossEntropy()(input, target.data)
    return _reduce(losses if weight is None else losses * _target(weight, input), reduction)


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = (1 − y)x + w·softplus(−x) with w = 1 + (pos_weight − 1)y,
    which is −[y ln σ(x) + (1 − y) ln(1 − σ(x))] for pos_weight = 1;
    ∂ℓ/∂x = (1 − y) − w(1 − σ(x)), which is σ(x) − y for pos_weight = 1."""

    def forward(self, x, y, pos_weight):
        self.y = y
        self.w = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        self.s = stable_sigmoid(x)
        softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))  # ln(1 + e^(−x)), no overflow
        return (1 - y) * x + self.w * softplus_neg

    def backward(self, g):
        return self.to_inputs(g * ((1 - self.y) - self.w * (1 - self.s)), None, None)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy from logits x, computed without ever forming σ(x) and its log."""
    input = _tensor(input)
    target = _target(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    if pos_weight is not None:
        pos_weight = np.asarray(
            pos_weight.data if isinstance(pos_weight, Tensor) else pos_weight, input.dtype
        )
    losses = BinaryCrossEntropyWithLogits()(input, target.data, pos_weight)
    return _reduce(losses if weight is None else losses * _target(weight, input), reduction)


# ----- many classes -------------------------------------------------------------------
class CrossEntropyWithLabels(Function):
    """ℓᵢ = −wᵧ log softmax(sᵢ)[yᵢ] from logits s;   ∂ℓᵢ/∂sᵢ = wᵧ(softmax(sᵢ) − onehot(yᵢ)).
    With class weights, "mean" divides by Σᵢ wᵧᵢ, as PyTorch does."""

    def __init__(self, reduction: str, weight: np.ndarray | None) -> None:
        self.reduction = reduction
        self.weight = weight

    def forward(self, logits, labels):
        n = len(labels)
        rows = np.arange(n)
        self.rows, self.labels = rows, labels
        self.log_p = stable_log_softmax(logits, axis=1)
        losses = -self.log_p[rows, labels]
        self.sample_weight = None if self.weight is None else self.weight[labels].astype(logits.dtype)
        if self.sample_weight is not None:
            losses = losses * self.sample_weight
        if self.reduction == "none":
            return losses
        if self.reduction == "sum":
            return losses.sum()
        self.total = len(labels) if self.sample_weight is None else self.sample_weight.sum()
        return losses.sum() / self.total

    def backward(self, g):
        grad = np.exp(self.log_p)
        grad[self.rows, self.labels] -= 1
        scale = g if self.reduction != "none" else g[:, None]
        if self.sample_weight is not None:
            scale = scale * self.sample_weight[:, None]
        if self.reduction == "mean":
            scale = scale / self.total
        grad *= scale
        return (grad, None)


def cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Cross-entropy from logits (N, C) against integer labels (N,) or target distributions (N, C).

    For labels: ℓᵢ = −log softmax(sᵢ)[yᵢ]; for distributions q: ℓᵢ = −Σⱼ qᵢⱼ log softmax(sᵢ)ⱼ.
    """
    _check_reduction(reduction)
    input = _tensor(input)
    if input.ndim != 2:
        raise ValueError(f"cross_entropy expects logits of shape (N, C), got {input.shape}")
    n, n_classes = input.shape
    target_data = np.asarray(target.data if isinstance(target, Tensor) else target)
    if target_data.dtype.kind == "f" and target_data.ndim == 1:
        raise TypeError(
            f"class labels must be integers, got dtype {target_data.dtype} "
            f"(probability targets would have shape {input.shape})"
        )
    if target_data.dtype.kind == "f":  # probabilities (one-hot or soft labels)
        if target_data.shape != input.shape:
            raise ValueError(
                f"cross_entropy with probability targets needs target shape {input.shape}, "
                f"got {target_data.shape}"
            )
        log_p = log_softmax(input, axis=1)
        if weight is not None:
            log_p = log_p * _class_weights(weight, n_classes).astype(input.dtype)
        losses = -(log_p * _target(target, input)).sum(axis=1)
        return _reduce(losses, reduction)
    labels = check_class_labels(target_data, n, n_classes)
    if reduction == "mean" and n == 0:
        raise ValueError("the mean loss of an empty batch is undefined")
    return CrossEntropyWithLabels(reduction, _class_weights(weight, n_classes))(input, labels)


def nll_loss(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood ℓᵢ = −wᵧ·log_probs[i, yᵢ] (the input is already log-probabilities)."""
    _check_reduction(reduction)
    input = _tensor(input)
    if input.ndim != 2:
        raise ValueError(f"nll_loss expects log-probabilities of shape (N, C), got {input.shape}")
    n, n_classes = input.shape
    labels = check_class_labels(target, n, n_classes)
    picked = -input[np.arange(n), labels]
    class_weight = _class_weights(weight, n_classes)
    if class_weight is None:
        return _reduce(picked, reduction)
    sample_weight = class_weight[labels].astype(input.dtype)
    losses = picked * sample_weight
    if reduction == "mean":
        return losses.sum() / sample_weight.sum()
    return _reduce(losses, reduction)


def multi_margin_loss(
    input: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """The multiclass SVM hinge of the notes, as PyTorch's multi_margin_loss:
    ℓᵢ = (1/C) Σ_{j≠yᵢ} max(0, margin − s_yᵢ + s_j)^p   (the notes' sum is C·ℓᵢ with margin 1, p = 1).
    Its gradient is 1[·>0] for s_j and −count for s_y, which autograd derives from this line."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss supports p = 1 or 2, got {p}")
    input = _tensor(input)
    if input.ndim != 2:
        raise ValueError(f"multi_margin_loss expects scores of shape (N, C), got {input.shape}")
    n, n_classes = input.shape
    labels = check_class_labels(target, n, n_classes)
    rows = np.arange(n)
    true_score = input[rows, labels].reshape(n, 1)
    hinge = ew.maximum(margin - true_score + input, 0.0)
    if p == 2:
        hinge = hinge * hinge
    class_weight = _class_weights(weight, n_classes)
    if class_weight is not None:
        hinge = hinge * class_weight[labels].astype(input.dtype).reshape(n, 1)
    others = np.ones((n, n_classes), dtype=input.dtype)
    others[rows, labels] = 0  # the true class is not its own rival
    return _reduce((hinge * others).sum(axis=1) / n_classes, reduction)


def l1_penalty(parameters: Iterable[Tensor]) -> Tensor:
    """Σ |θ| over the given parameters: add λ·l1_penalty(model.parameters()) to a loss for L1."""
    total: Tensor | float = 0.0
    for parameter in parameters:
        total = total + ew.abs(parameter).sum()
    return total if isinstance(total, Tensor) else Tensor(np.asarray(total))
