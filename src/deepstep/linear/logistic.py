"""Logistic, softmax and probit regression: probabilistic linear classifiers.

Logistic:  p = σ(z), ℓ = −[y ln p + (1 − y) ln(1 − p)] = softplus(z) − yz,   ∂ℓ/∂z = p − y,
           so ∇L = X̃ᵀ(s ⊙ (p − y)) / Σs  (the notes' Xᵀ(p − y)/N with sample weights s).
Softmax:   P = softmax(Z), ℓ = log Σⱼ e^(zⱼ) − z_y (log-sum-exp trick),   ∂ℓ/∂Z = P − Y (one-hot).
Probit:    p = Φ(z) (the Gaussian CDF G of the notes), ℓ = −ln Φ(qz) with q = 2y − 1,
           ∂ℓ/∂z = −q φ(z)/Φ(qz), computed through log Φ so that |z| of 40 stays finite.
           More classes: the class with the largest zₖ + εₖ wins, εₖ ~ N(0, 1) independent
           (Thurstone's multinomial probit), P(y | z) = E_ε[Πⱼ≠y Φ(z_y − zⱼ + ε)].
The L2 penalty is ‖w‖²/(2C·Σs) (scikit-learn's C Σℓ + ½‖w‖², divided by C·Σs).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..stable import log_softmax, logsumexp, sigmoid, softmax, softplus
from .base import (
    L1Prox,
    LinearClassifier,
    affine,
    affine_grad,
    check_C,
    check_is_fitted,
    l2_penalty,
    warn_unless_converged,
)

__all__ = ["LogisticRegression", "ProbitRegression", "SoftmaxRegression"]

PENALTIES = (None, "l2", "l1")


class _Probabilistic(LinearClassifier):
    """C, penalty and the solver options shared by the three models."""

    def __init__(
        self,
        penalty: str | None = "l2",
        C: float = 1.0,
        solver: str = "lbfgs",
        max_iter: int = 100,
        tol: float = 1e-4,
        n_iter_no_change: int = 5,
        learning_rate: float = 0.1,
        batch_size: int = 32,
        random_state: int | None = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {self.penalty!r}")
        check_C(self.C)

    def _penalty_strength(self, total_weight: float) -> float:
        # the smooth loss carries the L2 term only; an L1 term is the proximal step's job (L1Prox)
        return 1.0 / (self.C * total_weight) if self.penalty == "l2" else 0.0

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _Probabilistic:
        """Fit by minimising the penalised mean log-loss; returns self."""
        self._check_params()
        X, index, s = self._classification_data(X, y, sample_weight)
        if len(self.classes_) == 2:  # one score z = z₁ − z₀ and the link, for every model here
            target, w0 = index.astype(X.dtype), np.zeros(X.shape[1] + 1)
        else:  # one score per class: loss_and_grad takes class indices
            target, w0 = index, np.zeros((X.shape[1] + 1, len(self.classes_)))
        prox = L1Prox(1.0 / (self.C * float(s.sum()))) if self.penalty == "l1" else None
        solution = self._minimize(X, target, s, w0, prox=prox)
        self.n_iter_ = solution.n_iter
        warn_unless_converged(self, solution.converged)
        self._set_packed(solution.w)
        return self

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
        """p(y = 1 | z) of the two-class model."""
        raise NotImplementedError

    def _normalise(self, scores: np.ndarray) -> np.ndarray:
        """P(y = k | z) of the many-class model, one column per class."""
        raise NotImplementedError


class LogisticRegression(_Probabilistic):
    """Logistic regression: p(y = 1 | x) = σ(wᵀx + b), fitted by penalised maximum likelihood.

    Two classes: the sigmoid model, ∇L = X̃ᵀ(s ⊙ (σ(z) − y))/Σs + w/(C·Σs).
    More classes: multinomial (softmax) regression, as SoftmaxRegression.
    penalty: None, "l2" (default) or "l1" (the latter with solver "gd", "sgd" or "adam", each a
    proximal method whose fixed point is the L1 minimum: "gd" and full-batch "sgd"/"adam" end on its
    exact zeros; mini-batches, whose step stays constant, end near it).
    solver: "lbfgs" (default; stops when the largest gradient component is below tol), "gd"
    (full-batch), "sgd" (mini-batch with momentum), "adam"; the last three stop when the loss
    has not improved by tol for n_iter_no_change epochs.
    """

    def _link(self, z: np.ndarray) -> np.ndarray:
        return sigmoid(z)

    def _normalise(self, scores: np.ndarray) -> np.ndarray:
        return softmax(scores, axis=1)

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        s, total, penalty = self._weighting(X, sample_weight, penalty)
        if w.ndim == 2:  # softmax over classes: y holds class indices
            return _softmax_loss_and_grad(w, X, y, s, total, penalty)
        z = affine(w, X)
        # ℓ = softplus(z) − yz is the log-loss without ever forming log σ(z)
        loss = float(np.sum(s * (softplus(z) - y * z))) / total
        dz = s * (sigmoid(z) - y) / total
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
    log_p = log_softmax(Z, axis=1)
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
    so that it stays finite for large |z|. More than two classes: one score per class and
    Thurstone's multinomial probit, y = argmaxₖ (zₖ + εₖ) with independent εₖ ~ N(0, 1), whose
    likelihood is a one-dimensional integral (see `probit_log_likelihood`). For two classes that
    model is Φ((z₁ − z₀)/√2), this one's link again, so the binary case keeps the single score.
    """

    def _link(self, z: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        return ndtr(z)

    def _normalise(self, scores: np.ndarray) -> np.ndarray:
        classes = np.arange(scores.shape[1])
        log_p = np.column_stack([probit_log_likelihood(scores, np.full(len(scores), k))[0] for k in classes])
        p = np.exp(log_p)
        return p / p.sum(axis=1, keepdims=True)  # the quadrature's total is 1 to about 1e-10

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        from scipy.special import log_ndtr

        s, total, penalty = self._weighting(X, sample_weight, penalty)
        reg_loss, reg_grad = l2_penalty(w, penalty)
        if w.ndim == 2:  # Thurstone's model over classes: y holds class indices
            log_p, dlog_p = probit_log_likelihood(affine(w, X), y)
            loss = float(-np.sum(s * log_p)) / total
            return loss + reg_loss, affine_grad(X, -dlog_p * (s / total)[:, None]) + reg_grad
        z = affine(w, X)
        q = 2 * y - 1
        log_cdf = log_ndtr(q * z)
        loss = float(-np.sum(s * log_cdf)) / total
        dz = s * (-q * np.exp(_log_pdf(z) - log_cdf)) / total
        return loss + reg_loss, affine_grad(X, dz) + reg_grad


def _log_pdf(v: np.ndarray) -> np.ndarray:
    """ln φ(v) = −v²/2 − ln √(2π)."""
    return -0.5 * v * v - 0.5 * math.log(2 * math.pi)


# Gauss–Hermite rule for E[f(ε)], ε ~ N(0, 1): nodes εₘ = √2·uₘ, weights ωₘ = wₘ/√π. With 32 nodes
# ln P is exact to 1e-10 for three classes whose scores differ by up to 4 (against scipy's quad).
_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite.hermgauss(32)
NOISE = math.sqrt(2) * _HERMITE_NODES
LOG_WEIGHT = np.log(_HERMITE_WEIGHTS / math.sqrt(math.pi))


def probit_log_likelihood(Z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ln P(y | z) of Thurstone's multinomial probit, row by row, and its gradient ∂ ln P/∂Z.

    P(y | z) = E_ε[Πⱼ≠y Φ(dⱼ + ε)] with dⱼ = z_y − zⱼ; by quadrature
    ln P = logsumexpₘ(ln ωₘ + Σⱼ≠y ln Φ(dⱼ + εₘ)). With rₘ the softmax of that sum over the nodes
    (each node's share of P) and λ = φ/Φ the inverse Mills ratio:
    ∂ ln P/∂zⱼ = −Σₘ rₘ λ(dⱼ + εₘ) for j ≠ y, and ∂ ln P/∂z_y = −Σⱼ≠y ∂ ln P/∂zⱼ.
    """
    from scipy.special import log_ndtr

    rows = np.arange(len(Z))
    V = (Z[rows, y][:, None] - Z)[:, :, None] + NOISE  # dⱼ + εₘ, shape (n, classes, nodes)
    log_cdf = log_ndtr(V)
    log_cdf[rows, y] = 0  # the true class is not its own rival
    per_node = LOG_WEIGHT + log_cdf.sum(axis=1)
    log_p = logsumexp(per_node, axis=1)
    share = np.exp(per_node - log_p[:, None])
    mills = np.exp(_log_pdf(V) - log_cdf)
    mills[rows, y] = 0
    grad = -np.einsum("nkm,nm->nk", mills, share)
    grad[rows, y] = -grad.sum(axis=1)
    return log_p, grad
