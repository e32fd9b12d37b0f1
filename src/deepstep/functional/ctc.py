"""Connectionist temporal classification (Graves et al., 2006): the negative log-likelihood of a
label sequence l (length L, no blanks) under per-frame log-probabilities z[t, c], summed over every
alignment of T frames that collapses to l (merge repeats, drop blanks).

The alignments run through the extended sequence l' = (b, l₁, b, l₂, …, l_L, b) of 2L + 1 states
(b the blank). In log space, with y_t(s) = z[t, l'_s] and lse the log-sum-exp,
    α_0(0) = y_0(0), α_0(1) = y_0(1);   α_t(s) = lse(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2)·[skip s]) + y_t(s)
    β_{T−1}(2L) = y_{T−1}(2L), β_{T−1}(2L−1) = y_{T−1}(2L−1);
    β_t(s) = lse(β_{t+1}(s), β_{t+1}(s+1), β_{t+1}(s+2)·[skip s+2]) + y_t(s)
where [skip s] says state s is a label different from the one two states back (a jump over a blank);
ℓ = −ln p = −lse(α_{T−1}(2L), α_{T−1}(2L−1)). Both α and β hold y_t(s), so the posterior of state s
at frame t is γ_t(s) = exp(α_t(s) + β_t(s) − y_t(s) + ℓ), and Σ_s γ_t(s) = 1.

The gradient is PyTorch's: ∂ℓ/∂z[t, c] = exp(z[t, c]) − Σ_{s: l'_s = c} γ_t(s) for t below the input
length (0 after it). That is the gradient with respect to the logits x of z = log_softmax(x), not
the derivative of ℓ as a function of z (which is −Σ γ alone): backpropagated through a log_softmax
the extra exp(z) cancels, since Σ_c of the gradient is 1 − 1 = 0 at every frame. Writing the sum
over γ (each in [0, 1]) rather than PyTorch's exp(ln Σ αβ + ℓ − z) gives the same numbers to
rounding and cannot overflow. Where z = −∞ (a class masked out) PyTorch's form is exp(−∞ + ∞), NaN;
that NaN is kept, for parity.

The time recursion is a loop over frames; each step is vectorised over the batch and the states.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import ops_elementwise as ew
from ..autograd.function import Function
from ..autograd.ops_shape import reshape
from ..autograd.tensor import Tensor
from ..errors import ClassLabelError, DTypeError, DTypeNotImplementedError, ShapeError, ValueRangeError
from .checks import as_tensor, check_reduction

__all__ = ["ctc_loss"]

_CHECKING = " (while checking arguments for ctc_loss_allocate_outputs)"


def _lse(*terms: np.ndarray) -> np.ndarray:
    """ln Σ exp(terms), elementwise, shifted by the largest term (0 where all are −∞, so no NaN)."""
    top = np.maximum.reduce(terms)
    shift = np.where(np.isneginf(top), 0, top)
    with np.errstate(divide="ignore"):
        return np.log(sum(np.exp(term - shift) for term in terms)) + shift


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """a moved k states along the last axis (k > 0: a[s − k] at s; k < 0: a[s + |k|]), −∞ brought in."""
    out = np.full_like(a, -np.inf)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTC(Function):
    """ℓ_b = −ln Σ_{alignments π → l_b} Π_t z[t, b, π_t] for z (T, N, C), per sample (see the module
    doc); ∂ℓ_b/∂z[t, b, c] = exp(z[t, b, c]) − Σ_{s: l'_s = c} γ_t(s) for t < T_b, else 0."""

    real_only = "ctc_loss"

    def __init__(
        self,
        labels: np.ndarray,
        input_lengths: np.ndarray,
        target_lengths: np.ndarray,
        blank: int,
        zero_infinity: bool,
    ) -> None:
        self.labels, self.input_lengths, self.target_lengths = labels, input_lengths, target_lengths
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, z):
        n_frames, n = z.shape[:2]
        lengths, in_lengths = self.target_lengths, self.input_lengths
        # l' per sample, padded to the longest with blanks; states past 2L_b are never reached
        states = 2 * self.labels.shape[1] + 1
        extended = np.full((n, states), self.blank, dtype=np.int64)
        extended[:, 1::2] = self.labels
        position = np.arange(states)
        valid = position[None, :] <= 2 * lengths[:, None]
        skip = np.zeros((n, states), dtype=bool)
        skip[:, 3::2] = extended[:, 3::2] != extended[:, 1:-2:2]
        emit = z[:, np.arange(n)[:, None], extended]  # y_t(s): (T, N, 2S + 1)
        emit = np.where(valid, emit, -np.inf)

        alpha = np.full_like(emit, -np.inf)
        alpha[0, :, :2] = emit[0, :, :2]
        for t in range(1, n_frames):
            a = alpha[t - 1]
            alpha[t] = _lse(a, _shift(a, 1), np.where(skip, _shift(a, 2), -np.inf)) + emit[t]

        beta = np.full_like(emit, -np.inf)
        skip_ahead = np.zeros_like(skip)  # [skip s + 2], seen from state s
        skip_ahead[:, :-2] = skip[:, 2:]
        ends = (position[None, :] >= 2 * lengths[:, None] - 1) & valid  # states 2L − 1 and 2L
        for t in range(n_frames - 1, -1, -1):
            if t + 1 < n_frames:
                b = beta[t + 1]
                step = _lse(b, _shift(b, -1), np.where(skip_ahead, _shift(b, -2), -np.inf)) + emit[t]
                beta[t] = np.where((t < in_lengths - 1)[:, None], step, -np.inf)
            last = (t == in_lengths - 1)[:, None] & ends
            beta[t] = np.where(last, emit[t], beta[t])

        # ℓ from α at each sample's last frame (an empty input: p = 1 for an empty target, else 0)
        final = alpha[np.maximum(in_lengths - 1, 0), np.arange(n)]
        end = final[np.arange(n), 2 * lengths]
        before = np.where(lengths > 0, final[np.arange(n), np.maximum(2 * lengths - 1, 0)], -np.inf)
        nll = -_lse(end, before)
        nll = np.where(in_lengths > 0, nll, np.where(lengths > 0, np.inf, 0)).astype(z.dtype)
        self.z, self.extended, self.emit, self.nll = z, extended, emit, nll
        self.alpha, self.beta = alpha, beta
        if self.zero_infinity:
            return np.where(np.isposinf(nll), 0, nll).astype(z.dtype)
        return nll

    def backward(self, g):
        z, nll = self.z, self.nll
        n_frames, n, n_classes = z.shape
        with np.errstate(invalid="ignore", over="ignore"):
            gamma = np.exp(self.alpha + self.beta - self.emit + nll[None, :, None])
        gamma = np.nan_to_num(gamma, nan=0.0) if np.isnan(gamma).any() else gamma
        # PyTorch's quirk for a target whose last label is the blank (not a valid target): at the
        # last frame its kernel assigns state 2L − 1's term over state 2L's instead of adding them
        n_labels, in_lengths = self.target_lengths, self.input_lengths
        last_label = self.extended[np.arange(n), np.maximum(2 * n_labels - 1, 0)]
        clash = np.flatnonzero((n_labels > 0) & (in_lengths > 0) & (last_label == self.blank))
        gamma[in_lengths[clash] - 1, clash, 2 * n_labels[clash]] = 0
        # Σ_{s: l'_s = c} γ_t(s): one bincount over the flat (t, b, c) index of every state
        flat = (np.arange(n_frames)[:, None, None] * n + np.arange(n)[None, :, None]) * n_classes
        flat = flat + self.extended[None]
        occupancy = np.bincount(flat.ravel(), weights=gamma.ravel(), minlength=z.size).reshape(z.shape)
        running = np.arange(n_frames)[:, None] < self.input_lengths[None, :]  # (T, N)
        grad = np.where(running[..., None], np.exp(z) - occupancy, 0).astype(z.dtype)
        never = np.isneginf(z) & running[..., None]
        if never.any():  # PyTorch's exp(ln Σ αβ + ℓ − z) is exp(−∞ + ∞) there: NaN, kept for parity
            grad[never] = np.nan
        impossible = np.isposinf(nll)
        if impossible.any():  # ℓ = ∞: zero_infinity zeroes the gradient, PyTorch's formula gives NaN
            fill = 0 if self.zero_infinity else np.nan
            grad[:, impossible] = np.where(running[:, impossible, None], fill, 0)
        return self.to_inputs(grad * g[None, :, None])


def _integers(name: str, value: Any) -> np.ndarray:
    """Lengths or labels as int64, refusing floats as PyTorch does."""
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "iub":
        raise DTypeError(f"{name} must be integral, got dtype {array.dtype}")
    return array.astype(np.int64)


def _lengths(name: str, value: Any, n: int, low: int, high: int | None) -> np.ndarray:
    array = _integers(name, value).reshape(-1)
    if array.shape[0] != n:
        raise ShapeError(f"{name} must be of size batch_size: expected {n} lengths, got {array.shape[0]}")
    bounds = [(array < low, low, "least")]
    if high is not None:
        bounds.append((array > high, high, "most"))
    for bad, bound, word in bounds:
        if bad.any():
            raise ValueRangeError(
                f"Expected {name} to have value at {word} {bound}, but got value {array[bad][0]}{_CHECKING}"
            )
    return array


def _padded_labels(targets: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """The labels as (N, max L), from padded (N, S) or concatenated (Σ L,) targets."""
    longest = int(lengths.max(initial=0))
    if targets.ndim == 2:
        if targets.shape[0] != n:
            raise ShapeError(
                f"Expected tensor to have size {n} at dimension 0, but got size {targets.shape[0]} "
                f"for argument #2 'targets'{_CHECKING}"
            )
        if targets.shape[1] < longest:
            raise ShapeError(
                f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                f"{targets.shape[1]} for argument #2 'targets'{_CHECKING}"
            )
        labels = targets[:, :longest].copy()
    else:
        total = int(lengths.sum())
        if targets.shape[0] != total:
            raise ShapeError(
                f"Expected tensor to have size {total} at dimension 0, but got size {targets.shape[0]} "
                f"for argument #2 'targets'{_CHECKING}"
            )
        labels = np.zeros((n, longest), dtype=np.int64)
        rows = np.repeat(np.arange(n), lengths)
        columns = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        labels[rows, columns] = targets
    # positions past each length are padding: any value, never read as a label
    labels[np.arange(longest)[None, :] >= lengths[:, None]] = 0
    return labels


def ctc_loss(
    log_probs: Any,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """CTC loss of log-probabilities (T, N, C) (or unbatched (T, C)) against targets padded (N, S) or
    concatenated (Σ L,); "mean" divides each loss by its target length (at least 1), then averages.
    The gradient is PyTorch's, which assumes log_probs came out of a log_softmax (module doc)."""
    check_reduction(reduction)
    z = as_tensor(log_probs)
    if z.dtype not in (np.float32, np.float64):
        raise DTypeNotImplementedError(
            f'"ctc_loss_cpu" not implemented for {z.dtype} (expected float32 or float64)'
        )
    unbatched = z.ndim == 2
    if unbatched:
        z = reshape(z, (z.shape[0], 1, z.shape[1]))
    if z.ndim != 3:
        raise ShapeError(
            f"Expected 3-dimensional tensor, but got {z.ndim}-dimensional tensor for argument #1 "
            f"'log_probs'{_CHECKING}"
        )
    n_frames, n, n_classes = z.shape
    if z.data.size == 0:
        raise ShapeError(f"log_probs tensor must not be empty, got shape {tuple(z.shape)}")
    if not 0 <= blank < n_classes:
        raise ValueRangeError(f"blank must be in label range: expected 0 <= blank < {n_classes}, got {blank}")
    in_lengths = _lengths("input_lengths", input_lengths, n, 0, n_frames)
    lengths = _lengths("target_lengths", target_lengths, n, 0, None)
    labels = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if labels.dtype.kind == "f":  # (PyTorch takes float labels and truncates them)
        labels = labels.astype(np.int64)
    labels = _integers("targets", labels)
    if labels.ndim not in (1, 2):
        raise ShapeError(
            f"Expected 1 to 2 dimensions, but got {labels.ndim}-dimensional tensor for argument #2 "
            f"'targets'{_CHECKING}"
        )
    labels = _padded_labels(labels, lengths, n)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        # (PyTorch reads out of bounds here)
        raise ClassLabelError(
            f"ctc_loss: target labels must be in [0, {n_classes}), got {labels.min()}..{labels.max()}"
        )
    losses = CTC(labels, in_lengths, lengths, blank, zero_infinity)(z)
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return ew.div(losses, np.maximum(lengths, 1).astype(z.dtype)).mean()
    return reshape(losses, ()) if unbatched else losses
