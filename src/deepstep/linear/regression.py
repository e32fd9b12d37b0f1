"""Least squares: linear regression and ridge regression.

Model ŷ = Xw + b; loss L = Σᵢ sᵢ(ŷᵢ − yᵢ)² / (2Σs) (+ the ridge term α‖w‖²/(2Σs));
gradient ∇_w̃ L = X̃ᵀ(s ⊙ (ŷ − y))/Σs (+ αw/Σs, never on the bias).
Closed form ("normal"): the normal equations XᵀXw = Xᵀy on centred data (the intercept is
then ȳ − x̄ᵀw, so it is never penalised), (XᵀX + αI)w = Xᵀy for ridge; solved by Cholesky
when XᵀX is well conditioned, by least squares (lstsq) when it is singular.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import (
    LinearModel,
    RegressorMixin,
    affine,
    affine_grad,
    check_is_fitted,
    check_sample_weight,
    l2_penalty,
    warn_unless_converged,
)

__all__ = ["LinearRegression", "Ridge"]


def lipschitz_step(X: np.ndarray, s: np.ndarray) -> float:
    """1/λ_max of the weighted least-squares Hessian X̃ᵀSX̃/Σs: a step size that always converges.

    λ_max is found by 30 rounds of power iteration (cheap, and good to a few percent).
    """
    total = s.sum()
    rng = np.random.default_rng(0)
    v = rng.standard_normal(X.shape[1] + 1)
    largest = 1.0
    for _ in range(30):
        Hv = affine_grad(X, s * affine(v[:, None], X).ravel() / total)
        largest = float(np.linalg.norm(Hv))
        if largest == 0:
            return 1.0
        v = Hv / largest
    return 1.0 / (1.05 * largest)


class _LeastSquares(RegressorMixin, LinearModel):
    def __init__(
        self,
        solver: str = "normal",
        max_iter: int = 1000,
        tol: float = 1e-6,
        n_iter_no_change: int = 5,
        learning_rate: float | str = "auto",
        batch_size: int = 32,
        random_state: int | None = None,
    ) -> None:
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    alpha_value = 0.0

    def _penalty_strength(self, total_weight: float) -> float:
        return self.alpha_value / total_weight

    def loss_and_grad(self, w, X, y, sample_weight=None, penalty=None):
        s, total, penalty = self._weighting(X, sample_weight, penalty)
        residual = affine(w, X) - y
        loss = 0.5 * float(np.sum(s * residual * residual)) / total
        reg_loss, reg_grad = l2_penalty(w, penalty)
        return loss + reg_loss, affine_grad(X, s * residual / total) + reg_grad

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _LeastSquares:
        if self.solver not in ("normal", "gd", "sgd"):
            raise ValueError(f"solver must be 'normal', 'gd' or 'sgd', got {self.solver!r}")
        X, y = self._validate_for_fit(X, y)
        y = y.astype(X.dtype, copy=False)
        s = check_sample_weight(sample_weight, X)
        if self.solver == "normal":
            self.coef_, self.intercept_ = _normal_equations(X, y, s, self.alpha_value)
            self.n_iter_ = 1
            return self
        settings = {}
        if self.learning_rate == "auto":
            step = lipschitz_step(X, s)
            # a mini-batch step this large is too noisy; a tenth of it is stable for SGD with momentum
            settings["learning_rate"] = step if self.solver == "gd" else step * 0.1
        solution = self._minimize(X, y, s, np.zeros(X.shape[1] + 1), **settings)
        warn_unless_converged(self, solution.converged)
        self.coef_, self.intercept_ = solution.w[:-1].copy(), float(solution.w[-1])
        self.n_iter_ = solution.n_iter
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return X @ self.coef_ + self.intercept_


def _normal_equations(X: np.ndarray, y: np.ndarray, s: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Weighted least squares through centred normal equations; lstsq when XᵀX is singular."""
    X64, y64, s64 = X.astype(np.float64), y.astype(np.float64), s.astype(np.float64)
    total = s64.sum()
    x_mean = s64 @ X64 / total
    y_mean = float(s64 @ y64 / total)
    root = np.sqrt(s64)[:, None]
    Xc = (X64 - x_mean) * root
    yc = (y64 - y_mean) * root.ravel()
    gram = Xc.T @ Xc + alpha * np.eye(X.shape[1])
    rhs = Xc.T @ yc
    try:
        from scipy.linalg import LinAlgWarning, cho_factor, cho_solve

        with warnings.catch_warnings():
            warnings.simplefilter("error", LinAlgWarning)
            w = cho_solve(cho_factor(gram), rhs)
        if np.linalg.cond(gram) > 1e12:
            raise np.linalg.LinAlgError("ill-conditioned")
    except (np.linalg.LinAlgError, LinAlgWarning, ValueError):
        # singular or nearly so: the minimum-norm least-squares solution
        w = np.linalg.lstsq(gram, rhs, rcond=None)[0] if alpha else np.linalg.lstsq(Xc, yc, rcond=None)[0]
    return w.astype(X.dtype), float(y_mean - x_mean @ w)


class LinearRegression(_LeastSquares):
    """Ordinary least squares. solver: "normal" (closed form), "gd" (full batch), "sgd" (mini-batch,
    reshuffled each epoch, with momentum). learning_rate="auto" is 1/λ_max of the Hessian."""


class Ridge(_LeastSquares):
    """Least squares with the penalty α‖w‖² (the intercept not penalised): (XᵀX + αI)w = Xᵀy."""

    def __init__(
        self,
        alpha: float = 1.0,
        solver: str = "normal",
        max_iter: int = 1000,
        tol: float = 1e-6,
        n_iter_no_change: int = 5,
        learning_rate: float | str = "auto",
        batch_size: int = 32,
        random_state: int | None = None,
    ) -> None:
        super().__init__(solver, max_iter, tol, n_iter_no_change, learning_rate, batch_size, random_state)
        self.alpha = alpha

    @property
    def alpha_value(self) -> float:  # type: ignore[override]
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha}")
        return float(self.alpha)
