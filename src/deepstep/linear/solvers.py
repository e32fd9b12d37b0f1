"""How the linear models minimise their losses: L-BFGS, or gradient descent in the notes' forms.

Every solver takes `loss_and_grad(w, rows)`: the loss and its hand-derived gradient on the
rows given (all rows when None). Full-batch gradient descent ("gd"), mini-batch stochastic
gradient descent with momentum ("sgd", reshuffled each epoch) and Adam ("adam") reuse the
optimizers of deepstep.optim; L-BFGS comes from SciPy. A `prox` step, when given, follows
each update (soft-thresholding for the L1 penalty).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import optim
from ..autograd.tensor import Tensor

__all__ = ["SOLVERS", "Solution", "minimize"]

SOLVERS = ("lbfgs", "gd", "sgd", "adam")
LossAndGrad = Callable[[np.ndarray, np.ndarray | None], tuple[float, np.ndarray]]


@dataclass
class Solution:
    w: np.ndarray
    n_iter: int
    converged: bool
    loss: float


def minimize(
    loss_and_grad: LossAndGrad,
    w0: np.ndarray,
    *,
    n_samples: int,
    solver: str = "lbfgs",
    max_iter: int = 100,
    tol: float = 1e-4,
    learning_rate: float = 0.1,
    batch_size: int = 32,
    momentum: float = 0.9,
    rng: np.random.Generator | None = None,
    prox: Callable[[np.ndarray, float], None] | None = None,
) -> Solution:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if solver == "lbfgs":
        if prox is not None:
            raise ValueError("L-BFGS cannot handle the L1 penalty; use solver 'gd', 'sgd' or 'adam'")
        return _lbfgs(loss_and_grad, w0, max_iter, tol)
    if solver == "gd":
        return _gradient_descent(loss_and_grad, w0, max_iter, tol, learning_rate, prox)
    return _minibatch(
        loss_and_grad,
        w0,
        n_samples,
        solver,
        max_iter,
        tol,
        learning_rate,
        batch_size,
        momentum,
        rng or np.random.default_rng(),
        prox,
    )


def _lbfgs(loss_and_grad: LossAndGrad, w0: np.ndarray, max_iter: int, tol: float) -> Solution:
    from scipy.optimize import minimize as scipy_minimize

    shape = w0.shape

    def flat(v: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = loss_and_grad(v.reshape(shape), None)
        return float(loss), grad.ravel().astype(np.float64)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = scipy_minimize(
            flat, w0.ravel(), jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "gtol": tol}
        )
    return Solution(result.x.reshape(shape), max(int(result.nit), 1), bool(result.success), float(result.fun))


def _gradient_descent(
    loss_and_grad: LossAndGrad, w0: np.ndarray, max_iter: int, tol: float, lr: float, prox
) -> Solution:
    """w ← w − ε∇L(w) on the whole training set, until the loss changes by less than tol."""
    w = Tensor(w0.copy(), requires_grad=True)
    optimizer = optim.SGD([w], lr=lr)
    previous = np.inf
    for iteration in range(1, max_iter + 1):
        loss, grad = loss_and_grad(w.data, None)
        w.grad = Tensor(grad)
        optimizer.step()
        if prox is not None:
            prox(w.data, lr)
        if abs(previous - loss) < tol * max(1.0, abs(loss)):
            return Solution(w.data, iteration, True, loss)
        previous = loss
    return Solution(w.data, max_iter, False, loss)


def _minibatch(
    loss_and_grad: LossAndGrad,
    w0,
    n_samples,
    solver,
    max_iter,
    tol,
    lr,
    batch_size,
    momentum,
    rng,
    prox,
    patience: int = 5,
) -> Solution:
    """Epochs of mini-batch updates on a fresh permutation; stop when the epoch loss has not improved
    by tol for `patience` epochs (as scikit-learn's n_iter_no_change)."""
    w = Tensor(w0.copy(), requires_grad=True)
    optimizer = optim.Adam([w], lr=lr) if solver == "adam" else optim.SGD([w], lr=lr, momentum=momentum)
    best, stale = np.inf, 0
    for epoch in range(1, max_iter + 1):
        order = rng.permutation(n_samples)
        total = 0.0
        for start in range(0, n_samples, batch_size):
            rows = order[start : start + batch_size]
            loss, grad = loss_and_grad(w.data, rows)
            w.grad = Tensor(grad)
            optimizer.step()
            if prox is not None:
                prox(w.data, lr)
            total += loss * len(rows)
        epoch_loss = total / n_samples
        if epoch_loss > best - tol:
            stale += 1
            if stale >= patience:
                return Solution(w.data, epoch, True, epoch_loss)
        else:
            stale = 0
        best = min(best, epoch_loss)
    return Solution(w.data, max_iter, False, epoch_loss)
