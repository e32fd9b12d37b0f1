"""Rosenblatt's perceptron and Widrow–Hoff's ADALINE: the first learning rules of the notes.

Perceptron: for each example in turn, if y·(wᵀx + b) ≤ 0 (a mistake), w ← w + ε·y·x and
b ← b + ε·y, with y ∈ {−1, +1}. It is stochastic gradient descent on the perceptron criterion
L = Σᵢ sᵢ max(0, −yᵢzᵢ)/Σs, whose gradient is −X̃ᵀ(s ⊙ y ⊙ 1[yz ≤ 0])/Σs. On linearly separable
data it converges after finitely many epochs (Novikoff's theorem): the first epoch without a mistake.
With tol set it may stop sooner, as scikit-learn's does (and on data that are not separable, that is
how it stops): when the epoch's mean criterion, taken as the examples come, has not beaten its best by
tol for n_iter_no_change epochs. That is a stop, not convergence.
ADALINE: the same linear unit trained on the squared error of its activation, the delta rule
w ← w + ε(y − z)x, in batch (gradient descent on L = Σᵢ sᵢ(zᵢ − yᵢ)²/(2Σs)) or stochastic form.
More than two classes: one unit per class (one-vs-rest), all updated together per example.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    LinearClassifier,
    affine,
    affine_grad,
    warn_unless_converged,
    weights_of,
)
from .regression import lipschitz_step
from .solvers import Plateau

__all__ = ["Adaline", "Perceptron"]


def _signed_targets(index: np.ndarray, n_classes: int, dtype: Any) -> np.ndarray:
    """Labels as ±1: one column for two classes, one per class (one-vs-rest) otherwise."""
    if n_classes == 2:
        return (2 * index - 1).astype(dtype)[:, None]
    return np.where(index[:, None] == np.arange(n_classes), 1, -1).astype(dtype)


def _signed_problem(estimator: LinearClassifier, X: Any, y: Any, sample_weight: Any) -> tuple:
    """Checked X, the labels as ±1 columns (classes_ set on the estimator), and the sample weights."""
    X, index, s = estimator._classification_data(X, y, sample_weight)
    return X, _signed_targets(index, len(estimator.classes_), X.dtype), s


def _unit_scores(w: np.ndarray, X: np.ndarray, y: np.ndarray, sample_weight: Any) -> tuple:
    """What both rules' losses start from, for one unit or one per class: the scores Z = X̃w̃ and the
    ±1 targets Y as columns (n, units), the sample weights s and Σs."""
    s, total = weights_of(sample_weight, len(X), X.dtype)
    return affine(w.reshape(w.shape[0], -1), X), y.reshape(len(X), -1), s, total


class Perceptron(LinearClassifier):
    """Rosenblatt's perceptron with the bias trick; labels of any two (or more) classes.

    Stops at the first epoch without a mistake, or earlier when the epoch's mean perceptron criterion
    has not improved on its best by tol for n_iter_no_change epochs in a row (scikit-learn's rule and
    defaults; tol=None turns this second test off). `converged_` is True only in the first case, when
    the last epoch made no mistake (Rosenblatt's rule converged: the training data are separated), and
    False on data no line separates, such as XOR. `n_iter_` counts the epochs. Warns
    (ConvergenceWarning) when max_iter epochs end before either test holds.
    """

    def __init__(
        self,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        n_iter_no_change: int = 5,
        learning_rate: float = 1.0,
        shuffle: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.shuffle = shuffle
        self.random_state = random_state

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        """The perceptron criterion for ±1 targets y (one column per unit) and its gradient."""
        Z, Y, s, total = _unit_scores(w, X, y, sample_weight)
        margin = Y * Z
        mistakes = margin <= 0
        loss = float(np.sum(s[:, None] * np.maximum(-margin, 0))) / total
        dz = -(s[:, None] * Y * mistakes) / total
        return loss, affine_grad(X, dz).reshape(w.shape)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Perceptron:
        """Rosenblatt's rule, epoch after epoch, until a stopping test holds; returns self."""
        X, Y, s = _signed_problem(self, X, y, sample_weight)
        W = np.zeros((X.shape[1], Y.shape[1]), dtype=X.dtype)
        b = np.zeros(Y.shape[1], dtype=X.dtype)
        rng = np.random.default_rng(self.random_state)
        step = self.learning_rate * s  # a weighted example moves the weights by its weight
        plateau = Plateau(self.tol, self.n_iter_no_change, relative=False)  # scikit-learn's absolute tol
        self.n_iter_, stopped = 0, False
        for _ in range(self.max_iter):
            self.n_iter_ += 1
            order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
            mistakes, criterion = 0, 0.0
            for i in order:  # the rule is sequential: each update changes the next decision
                x = X[i]
                margin = Y[i] * (x @ W + b)
                wrong = margin <= 0
                if wrong.any():
                    criterion -= s[i] * float(margin[wrong].sum())  # sᵢ max(0, −yᵢzᵢ), before the update
                    update = step[i] * Y[i] * wrong
                    W += np.outer(x, update)
                    b += update
                    mistakes += 1
            if mistakes == 0 or plateau.reached(criterion / s.sum()):
                stopped = True
                break
        self.converged_ = mistakes == 0
        advice = f"{mistakes} mistakes in the last epoch: the data are probably not linearly separable"
        warn_unless_converged(self, stopped, "epochs", advice)
        self._set_packed(np.vstack([W, b]))
        return self


class Adaline(LinearClassifier):
    """ADALINE (adaptive linear neuron): a linear unit fitted to ±1 targets by the delta rule,
    then thresholded. solver: "batch" (gradient descent on the mean squared error) or
    "stochastic" (w ← w + ε(y − z)x after each example). learning_rate="auto" is 1/λ_max of the
    Hessian for "batch" and 1/maxᵢ‖x̃ᵢ‖² for "stochastic" (each is the largest safe step).
    Stops when the mean squared error has not fallen by tol for n_iter_no_change epochs: within
    about 5% of the least-squares minimum, after 50–420 epochs on scikit-learn's small data sets."""

    def __init__(
        self,
        solver: str = "batch",
        max_iter: int = 1000,
        tol: float = 1e-5,
        n_iter_no_change: int = 5,
        learning_rate: float | str = "auto",
        shuffle: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.shuffle = shuffle
        self.random_state = random_state

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        """L = Σᵢ sᵢ(zᵢ − yᵢ)²/(2Σs) and ∇L = X̃ᵀ(s ⊙ (z − y))/Σs: the delta rule is −ε times this."""
        Z, Y, s, total = _unit_scores(w, X, y, sample_weight)
        residual = Z - Y
        loss = 0.5 * float(np.sum(s[:, None] * residual * residual)) / total
        return loss, affine_grad(X, s[:, None] * residual / total).reshape(w.shape)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Adaline:
        """The delta rule, in batch or stochastic form, until the squared error stops falling."""
        if self.solver not in ("batch", "stochastic"):
            raise ValueError(f"solver must be 'batch' or 'stochastic', got {self.solver!r}")
        X, Y, s = _signed_problem(self, X, y, sample_weight)
        w = np.zeros((X.shape[1] + 1, Y.shape[1]))
        if self.solver == "batch":
            # 1/λ_max of the Hessian: gradient descent always converges
            lr = lipschitz_step(X, s) if self.learning_rate == "auto" else float(self.learning_rate)
            solution = self._minimize(X, Y, s, w, solver="gd", learning_rate=lr)
            w, converged, self.n_iter_ = solution.w, solution.converged, solution.n_iter
        else:
            w, converged = self._delta_rule(X, Y, s, w)
        warn_unless_converged(self, converged, "epochs")
        self._set_packed(w)
        return self

    def _delta_rule(
        self, X: np.ndarray, Y: np.ndarray, s: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, bool]:
        """Widrow–Hoff's rule, one example at a time: w ← w + ε sᵢ/s̄ (yᵢ − zᵢ) x̃ᵢ."""
        scale = s / s.mean()  # a weighted example moves the weights in proportion to its weight
        if self.learning_rate == "auto":
            # one example's update is stable only while ε‖x̃ᵢ‖² < 2 (the LMS condition): take ε = 1/max ‖x̃ᵢ‖²
            lr = 1.0 / float(np.max(scale * (np.einsum("ij,ij->i", X, X) + 1)))
        else:
            lr = float(self.learning_rate)
        rng = np.random.default_rng(self.random_state)
        plateau = Plateau(self.tol, self.n_iter_no_change)
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            self.n_iter_ += 1
            for i in rng.permutation(len(X)) if self.shuffle else range(len(X)):
                error = Y[i] - (X[i] @ w[:-1] + w[-1])  # y − z
                w[:-1] += np.outer(X[i], lr * scale[i] * error)
                w[-1] += lr * scale[i] * error
            if plateau.reached(self.loss_and_grad(w, X, Y, s)[0]):
                return w, True
        return w, False
