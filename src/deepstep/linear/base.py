"""What every linear model shares: scikit-learn's estimator protocol, the bias trick, the solvers.

Parameters are packed as w̃ = [w; b], one row per feature and a last row for the bias (a
column per output for multi-output models): the notes' bias trick x̃ = [x, 1], without ever
building the augmented X. Losses are weighted means, L = Σᵢ sᵢℓᵢ / Σᵢ sᵢ, plus the penalty,
so that sample weights of 2 are the same as repeating a sample.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "deepstep.linear builds on scikit-learn's estimator API (Pipeline, GridSearchCV, clone): "
        "pip install 'deepstep[linear]'"
    ) from error

from ..checks import positive_int
from ..stable import flush_subnormal
from .solvers import Solution, minimize

__all__ = [
    "BaseEstimator",
    "ClassifierMixin",
    "ConvergenceWarning",
    "LinearClassifier",
    "LinearModel",
    "RegressorMixin",
    "affine",
    "affine_grad",
]

FLOATS = [np.float64, np.float32]


def affine(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """z = x̃ᵀw̃ = Xw + b for packed w̃ = [w; b], computed in the data's dtype.

    (Solvers keep w in float64; multiplying float32 data by it would make NumPy convert
    the whole of X to float64 at every evaluation.)
    """
    w = flush_subnormal(w.astype(X.dtype))
    return X @ w[:-1] + w[-1]


def affine_grad(X: np.ndarray, dz: np.ndarray) -> np.ndarray:
    """∂L/∂w̃ = X̃ᵀ ∂L/∂z = [Xᵀ dz; Σ dz] for the packed parameters."""
    dz = flush_subnormal(np.array(dz, dtype=X.dtype))
    grad = np.concatenate([X.T @ dz, dz.sum(axis=0, keepdims=True)], axis=0)
    return grad.reshape((X.shape[1] + 1, *dz.shape[1:]))


def weights_of(sample_weight: np.ndarray | None, n: int, dtype: Any) -> tuple[np.ndarray, float]:
    """Sample weights (ones when None) and their sum, the denominator of every weighted mean."""
    s = np.ones(n, dtype=dtype) if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
    total = float(s.sum())
    if total <= 0:
        raise ValueError("the sample weights sum to zero or less: there is nothing to fit")
    return s, total


def l2_penalty(w: np.ndarray, strength: float) -> tuple[float, np.ndarray]:
    """(λ/2)‖w‖² over the weights (not the bias) and its gradient λw (0 for the bias row)."""
    grad = np.zeros_like(w)
    if strength:
        grad[:-1] = strength * w[:-1]
    return 0.5 * strength * float(np.sum(w[:-1] ** 2)), grad


def check_C(C: float) -> None:
    """C, the inverse of the penalty's strength, is positive (np.inf: no penalty)."""
    if not C > 0:
        raise ValueError(f"C must be positive, got {C}")


def warn_unless_converged(
    estimator: BaseEstimator,
    converged: bool,
    unit: str = "iterations",
    advice: str = "raise max_iter or scale the features (StandardScaler)",
) -> None:
    """scikit-learn's ConvergenceWarning when a fit used up max_iter before its stopping test held."""
    if not converged:
        warnings.warn(
            f"{type(estimator).__name__} did not converge in max_iter={estimator.max_iter} {unit}; {advice}",
            ConvergenceWarning,
            stacklevel=3,
        )


class L1Prox:
    """The L1 penalty λ‖w‖₁ over the weights (not the bias), kept out of the smooth loss: after each
    gradient step its proximal map, soft-thresholding w ← sign(w)·max(|w| − ελ, 0), with ε the step
    just taken (one per weight for Adam)."""

    def __init__(self, strength: float) -> None:
        self.strength = strength

    def __call__(self, w: np.ndarray, lr: float | np.ndarray) -> None:
        core = w[:-1]
        threshold = self.strength * (lr[:-1] if np.ndim(lr) else lr)
        np.copyto(core, np.sign(core) * np.maximum(np.abs(core) - threshold, 0))

    def value(self, w: np.ndarray) -> float:
        return self.strength * float(np.abs(w[:-1]).sum())


class LinearModel(BaseEstimator):
    """Shared machinery. Subclasses give `loss_and_grad(w, X, y, sample_weight, penalty)`."""

    def _validate(self, X: Any, y: Any | None = None, reset: bool = True) -> Any:
        """X alone (at predict time), or X and y for fit, checked the way scikit-learn checks them."""
        if y is None:
            return validate_data(self, X, reset=reset, dtype=FLOATS)
        return validate_data(self, X, y, dtype=FLOATS, y_numeric=not isinstance(self, ClassifierMixin))

    def _validate_for_fit(self, X: Any, y: Any) -> Any:
        self._check_stopping()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        return self._validate(X, y)

    def _check_stopping(self) -> None:
        """max_iter and n_iter_no_change are positive integers, tol is ≥ 0 (or None where it may be)."""
        positive_int(None, "max_iter", self.max_iter)
        if hasattr(self, "n_iter_no_change"):
            positive_int(None, "n_iter_no_change", self.n_iter_no_change)
        tol = getattr(self, "tol", 0.0)
        if tol is not None and not tol >= 0:
            raise ValueError(f"tol must be a non-negative number or None, got {tol!r}")

    def _minimize(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray,
        w0: np.ndarray,
        prox: L1Prox | None = None,
        **options: Any,
    ) -> Solution:
        """Run the chosen solver on loss_and_grad restricted to mini-batches when it asks for rows.

        The estimator's settings (solver, max_iter, tol, n_iter_no_change, learning_rate, batch_size,
        random_state) go to the solver; `options` overrides them."""

        # the penalty's strength belongs to the whole training set, also when the loss is taken on a batch
        penalty = self._penalty_strength(float(sample_weight.sum()))

        def objective(w: np.ndarray, rows: np.ndarray | None) -> tuple[float, np.ndarray]:
            if rows is None:
                return self.loss_and_grad(w, X, y, sample_weight, penalty)
            return self.loss_and_grad(w, X[rows], y[rows], sample_weight[rows], penalty)

        settings = {
            "solver": self.solver,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "n_iter_no_change": getattr(self, "n_iter_no_change", 5),
            "learning_rate": getattr(self, "learning_rate", 0.1),
            "batch_size": getattr(self, "batch_size", 32),
            "rng": np.random.default_rng(self.random_state if isinstance(self.random_state, int) else None),
            "prox": prox,
            **options,
        }
        return minimize(objective, w0, n_samples=len(X), **settings)

    def _penalty_strength(self, total_weight: float) -> float:
        """λ of the (λ/2)‖w‖² term for a training set of this total weight (0: no penalty)."""
        return 0.0

    def _weighting(
        self, X: np.ndarray, sample_weight: np.ndarray | None, penalty: float | None
    ) -> tuple[np.ndarray, float, float]:
        """(s, Σs, λ) for loss_and_grad: the sample weights (ones when None), their sum, and the L2
        strength, the estimator's for this total weight unless `penalty` gives it."""
        s, total = weights_of(sample_weight, len(X), X.dtype)
        return s, total, self._penalty_strength(total) if penalty is None else penalty

    def loss_and_grad(
        self,
        w: np.ndarray,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        penalty: float | None = None,
    ) -> tuple[float, np.ndarray]:
        """The loss at packed parameters w̃ and its hand-derived gradient (same shape as w̃).

        `penalty` is λ of the L2 term; by default the strength the estimator's settings give
        for this data (from C or alpha and the total sample weight).
        """
        raise NotImplementedError


class LinearClassifier(ClassifierMixin, LinearModel):
    """Classes through `classes_`: any labels, strings included; scores z = Xwᵀ + b per class."""

    def _classification_data(
        self, X: Any, y: Any, sample_weight: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What every classifier's fit starts from: X checked, the labels as class indices (classes_
        set), and the sample weights."""
        X, y = self._validate_for_fit(X, y)
        return X, self._encode(y), check_sample_weight(sample_weight, X)

    def _encode(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        self.classes_, index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}"
            )
        return index

    def _set_packed(self, w: np.ndarray) -> None:
        """coef_ (n_outputs, n_features) and intercept_ (n_outputs,) from w̃ of shape (d + 1, n_outputs)."""
        w = w.reshape(w.shape[0], -1)
        self.coef_ = np.ascontiguousarray(w[:-1].T)
        self.intercept_ = w[-1].copy()

    def decision_function(self, X: Any) -> np.ndarray:
        """The scores z = Xwᵀ + b: one column per class (a single column for two classes)."""
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def check_sample_weight(sample_weight: Any, X: np.ndarray) -> np.ndarray:
    return _check_sample_weight(sample_weight, X, dtype=X.dtype)
