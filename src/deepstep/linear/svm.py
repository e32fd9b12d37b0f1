"""The multiclass SVM of the notes: a linear classifier trained on the multiclass hinge loss.

ℓᵢ = Σ_{j≠yᵢ} max(0, zⱼ − z_yᵢ + 1), L = Σᵢ sᵢℓᵢ/Σs + ‖W‖²/(2C·Σs).
Gradient, from the notes: each violated margin j (zⱼ − z_y + 1 > 0) adds x to ∂ℓ/∂wⱼ, and the
true class gets −(number of violated margins)·x:  ∇_W̃ L = X̃ᵀ(s ⊙ G)/Σs + W/(C·Σs) with
G = 1[margin > 0] off the true class and −Σⱼ 1[margin > 0] on it (Crammer & Singer's loss,
summed rather than maxed over rivals, as in CS231n and the notes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    LinearClassifier,
    affine,
    affine_grad,
    check_C,
    l2_penalty,
    warn_unless_converged,
)
from .solvers import SOLVERS, auto_solver

__all__ = ["LinearSVC"]


class LinearSVC(LinearClassifier):
    """Linear SVM for any number of classes, trained by (sub)gradient methods on the hinge loss.

    solver: "auto" (the default) is "lbfgs" below 10,000 samples and "adam" from there
    (solvers.MINIBATCH_FROM); "lbfgs" (full batch: quasi-Newton steps work well on this
    non-smooth loss in practice, without guarantees; it stops when a step no longer lowers the
    objective), "adam" or "sgd" (mini-batches of batch_size, with learning_rate; they stop when the
    epoch's mean loss has not improved by tol for n_iter_no_change epochs), "gd" (full batch).
    max_iter bounds the L-BFGS iterations or the epochs: the small data sets of scikit-learn need
    50–2,000 iterations (digits the most), MNIST 50–150 epochs.
    """

    def __init__(
        self,
        C: float = 1.0,
        solver: str = "auto",
        max_iter: int = 5000,
        tol: float = 1e-3,
        n_iter_no_change: int = 5,
        learning_rate: float = 0.001,
        batch_size: int = 256,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    def _penalty_strength(self, total_weight: float) -> float:
        return 1.0 / (self.C * total_weight)

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        s, total, penalty = self._weighting(X, sample_weight, penalty)
        Z = affine(w, X)
        rows = np.arange(len(X))
        margins = Z - Z[rows, y][:, None] + 1
        margins[rows, y] = 0  # the true class is not its own rival
        violated = margins > 0
        loss = float(np.sum(s * np.where(violated, margins, 0).sum(axis=1))) / total
        G = violated.astype(X.dtype)
        G[rows, y] = -violated.sum(axis=1)
        reg_loss, reg_grad = l2_penalty(w, penalty)
        return loss + reg_loss, affine_grad(X, G * (s / total)[:, None]) + reg_grad

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearSVC:
        """Fit by minimising the penalised mean multiclass hinge loss; returns self."""
        check_C(self.C)
        if self.solver not in ("auto", *SOLVERS):
            raise ValueError(f"solver must be 'auto' or one of {SOLVERS}, got {self.solver!r}")
        X, index, s = self._classification_data(X, y, sample_weight)
        w0 = np.zeros((X.shape[1] + 1, len(self.classes_)))
        self.solver_ = auto_solver(len(X)) if self.solver == "auto" else self.solver
        solution = self._minimize(X, index, s, w0, solver=self.solver_)
        warn_unless_converged(self, solution.converged, "iterations" if self.solver_ == "lbfgs" else "epochs")
        self.n_iter_ = solution.n_iter
        w = solution.w
        if len(self.classes_) == 2:  # one score, as scikit-learn's binary classifiers give: z₁ − z₀
            w = (w[:, 1] - w[:, 0])[:, None]
        self._set_packed(w)
        return self
