"""Logistic, softmax and probit regression: probabilistic linear classifiers.

Logistic:  p = σ(z), ℓ = −[y ln p + (1 − y) ln(1 − p)] = softplus(z) − yz,   ∂ℓ/∂z = p − y,
           so ∇L = X̃ᵀ(s ⊙ (p − y)) / Σs  (the notes' Xᵀ(p − y)/N with sample weights s).
Softmax:   P = softmax(Z), ℓ = log Σⱼ e^(zⱼ) − z_y (log-sum-exp trick),   ∂ℓ/∂Z = P − Y (one-hot).
Probit:    p = Φ(z) (the Gaussian CDF G of the notes), ℓ = −ln Φ(qz) with q = 2y − 1,
           ∂ℓ/∂z = −q φ(z)/Φ(qz), computed through log Φ so that |z| of 40 stays finite.
The L2 penalty is ‖w‖²/(2C·Σs) (scikit-learn's C Σℓ + ½‖w‖², divided by C·Σs).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .base import (
    ConvergenceWarning,
    LinearClassifier,
    affine,
    affine_grad,
    check_is_fitted,
    check_sample_weight,
    l2_penalty,
    weights_of,
)

__all__ = ["LogisticRegression", "ProbitRegression", "SoftmaxRegression"]

PENALTIES = (None, "l2", "l1")


def _log_softmax(Z: np.ndarray) -> np.ndarray:
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class _Probabilistic(LinearClassifier):
    """C, penalty and the solver options shared by the three models."""

    def __init__(
        self,
        penalty: str | None = "l2",
        C: float = 1.0,
        solver: str = "lbfgs",
        max_iter: int = 100,
        tol: float = 1e-4,
        learning_rate: float = 0.1,
        batch_size: int = 32,
        random_state: int | None = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {self.penalty!r}")
        if not self.C > 0:
            raise ValueError(f"C must be positive, got {self.C}")
        if not (isinstance(self.max_iter, int) and self.max_iter > 0):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")

    def _penalty_strength(self, total_weight: float) -> float:
        # the smooth loss carries the L2 term only; an L1 term is the proximal step's job (_l1_prox)
        return 1.0 / (self.C * total_weight) if self.penalty == "l2" else 0.0

    def _l1_prox(self, total_weight: float):
        """Soft-thresholding w ← sign(w)·max(|w| − ελ, 0) after each step: the L1 penalty's proximal map."""
        strength = 1.0 / (self.C * total_weight)

        def prox(w: np.ndarray, lr: float) -> None:
            core = w[:-1]
            np.copyto(core, np.sign(core) * np.maximum(np.abs(core) - lr * strength, 0))

        return prox

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _Probabilistic:
        """Fit by minimising the penalised mean log-loss; returns self."""
        self._check_params()
        X, y = self._validate_for_fit(X, y)
        index = self._encode(y)
        s = check_sample_weight(sample_weight, X)
        n_classes = len(self.classes_)
        self.n_iter_ = 0
        if n_classes == 2:  # one score z = z₁ − z₀ and the sigmoid, for every model here
            w = self._fit_one(X, index.astype(X.dtype), s, 1)
        elif self._uses_softmax():
            w = self._fit_one(X, index, s, n_classes)
        else:  # one-vs-rest: one binary model per class
            w = np.column_stack(
                [self._fit_one(X, (index == k).astype(X.dtype), s, 1) for k in range(n_classes)]
            )
        self._set_packed(w)
        return self

    def _uses_softmax(self) -> bool:
        return True

    def _fit_one(self, X: np.ndarray, target: np.ndarray, s: np.ndarray, outputs: int) -> np.ndarray:
        shape = (X.shape[1] + 1,) if outputs == 1 else (X.shape[1] + 1, outputs)
        prox = self._l1_prox(float(s.sum())) if self.penalty == "l1" else None
        solution = self._minimize(X, target, s, np.zeros(shape), prox=prox)
        self.n_iter_ = max(self.n_iter_, solution.n_iter)
        if not solution.converged:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter={self.max_iter} iterations; "
                "raise max_iter or scale the features",
                ConvergenceWarning,
                stacklevel=3,
            )
        return solution.w

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class in the order of classes_."""
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = self._link(scores)
            return np.column_stack([1 - p, p])
        return self._normalise(scores)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def _link(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _normalise(self, scores: np.ndarray) -> np.ndarray:
        return np.exp(_log_softmax(scores))


class LogisticRegression(_Probabilistic):
    """Logistic regression: p(y = 1 | x) = σ(wᵀx + b), fitted by penalised maximum likelihood.

    Two classes: the sigmoid model, ∇L = X̃ᵀ(s ⊙ (σ(z) − y))/Σs + w/(C·Σs).
    More classes: multinomial (softmax) regression, as SoftmaxRegression.
    penalty: None, "l2" (default) or "l1" (the latter with solver "gd", "sgd" or "adam").
    solver: "lbfgs" (default), "gd" (full-batch), "sgd" (mini-batch with momentum), "adam".
    """

    def _link(self, z: np.ndarray) -> np.ndarray:
        return np.exp(-np.logaddexp(0, -z))  # σ(z) without overflow

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        s, total = weights_of(sample_weight, len(X), X.dtype)
        penalty = self._penalty_strength(total) if penalty is None else penalty
        if w.ndim == 2:  # softmax over classes: y holds class indices
            return _softmax_loss_and_grad(w, X, y, s, total, penalty)
        z = affine(w, X)
        # ℓ = softplus(z) − yz is the log-loss without ever forming log σ(z)
        loss = float(np.sum(s * (np.logaddexp(0, z) - y * z))) / total
        dz = s * (self._link(z) - y) / total
        reg_loss, reg_grad = l2_penalty(w, penalty)
        return loss + reg_loss, affine_grad(X, dz) + reg_grad


class SoftmaxRegression(LogisticRegression):
    """Multinomial logistic regression: P(y = k | x) = softmax(Wx + b)ₖ, for any number of classes.

    ℓ = log Σⱼ e^(zⱼ) − z_y with the max subtracted first;  ∇L = X̃ᵀ(s ⊙ (P − Y))/Σs + W/(C·Σs).
    For two classes softmax is σ(z₁ − z₀): the model is logistic regression with the penalty on
    w₁ − w₀, so C means what it means in LogisticRegression (as in scikit-learn).
    """


def _softmax_loss_and_grad(w, X, y, s, total, penalty):
    Z = affine(w, X)
    log_p = _log_softmax(Z)
    rows = np.arange(len(X))
    loss = float(-np.sum(s * log_p[rows, y])) / total
    dZ = np.exp(log_p)
    dZ[rows, y] -= 1  # P − Y
    dZ *= (s / total)[:, None]
    reg_loss, reg_grad = l2_penalty(w, penalty)
    return loss + reg_loss, affine_grad(X, dZ) + reg_grad


class ProbitRegression(_Probabilistic):
    """Probit regression: p(y = 1 | x) = Φ(wᵀx + b), Φ the standard Gaussian CDF (the notes' link h = G).

    ℓ = −ln Φ(qz) with q = 2y − 1;  ∂ℓ/∂z = −q·φ(z)/Φ(qz), evaluated as −q·exp(ln φ(z) − ln Φ(qz))
    so that it stays finite for large |z|. More than two classes: one model per class.
    """

    def _uses_softmax(self) -> bool:
        return False

    def _link(self, z: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        return ndtr(z)

    def _normalise(self, scores: np.ndarray) -> np.ndarray:
        p = self._link(scores)
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total > 0)

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        from scipy.special import log_ndtr

        s, total = weights_of(sample_weight, len(X), X.dtype)
        penalty = self._penalty_strength(total) if penalty is None else penalty
        z = affine(w, X)
        q = 2 * y - 1
        log_cdf = log_ndtr(q * z)
        loss = float(-np.sum(s * log_cdf)) / total
        log_pdf = -0.5 * z * z - 0.5 * math.log(2 * math.pi)
        dz = s * (-q * np.exp(log_pdf - log_cdf)) / total
        reg_loss, reg_grad = l2_penalty(w, penalty)
        return loss + reg_loss, affine_grad(X, dz) + reg_grad
