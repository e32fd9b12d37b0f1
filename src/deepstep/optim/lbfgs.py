"""L-BFGS: a quasi-Newton method that steps along −H·g, where H approximates the inverse Hessian
from the last m pairs sₖ = θₖ₊₁ − θₖ, yₖ = gₖ₊₁ − gₖ (Nocedal, 1980; Liu & Nocedal, 1989).

H·g is never formed as a matrix: the two-loop recursion computes it from the pairs in O(m·n),
starting from the scaled identity H₀ = (sᵀy / yᵀy)·I. Each step(closure) runs up to max_iter
iterations, each a direction from the recursion and a step length: lr itself, or one that satisfies
the strong Wolfe conditions, found by bracketing and cubic interpolation (Nocedal & Wright,
Algorithm 3.5 and 3.6). Both follow torch.optim.LBFGS (after minFunc) decision for decision, so the
iterates agree with PyTorch's to rounding (tests/test_optim_extra.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer
from .rules_classic import _real_view

__all__ = ["LBFGS"]

# A scalar of the search: a NumPy scalar of the parameters' dtype, or a Python number.
Scalar = Any


def _cubic_minimum(
    x1: Scalar,
    f1: Scalar,
    g1: Scalar,
    x2: Scalar,
    f2: Scalar,
    g2: Scalar,
    bounds: tuple[Scalar, Scalar] | None = None,
) -> Scalar:
    """The minimiser of the cubic through (x₁, f₁) and (x₂, f₂) with slopes g₁, g₂, clipped to bounds:
    d₁ = g₁ + g₂ − 3(f₁ − f₂)/(x₁ − x₂),  d₂ = √(d₁² − g₁g₂),
    x = x₂ − (x₂ − x₁)(g₂ + d₂ − d₁)/(g₂ − g₁ + 2d₂)   (x₁ ≤ x₂; the mirror image otherwise).

    Without a real d₂ the cubic has no minimum: the middle of the bounds then.
    """
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if not d2_square >= 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        minimum = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        minimum = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimum, low), high)


def _strong_wolfe(
    evaluate: Callable[[Scalar], tuple[float, np.ndarray]],
    t: Scalar,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Scalar,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, Scalar, int]:
    """A step length t along d meeting the strong Wolfe conditions
    f(θ + td) ≤ f(θ) + c₁t·gᵀd (enough decrease) and |g(θ + td)ᵀd| ≤ c₂|gᵀd| (a flat enough slope).

    First a bracket [t_lo, t_hi] that holds such a t is found by growing t (cubic extrapolation,
    between 1.01 and 10 times the last try), then it is shrunk by cubic interpolation ("zoom"); at most
    max_ls evaluations. Returns (f, g, t, evaluations) at the best point found.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)

    # bracketing: the search grows t until the Wolfe point is behind it
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:  # the slope turned: a minimum lies between the last two tries
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        t_next = _cubic_minimum(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations while growing: between the start and the last try
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket around the Wolfe point; `low` indexes its lower function value
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # a try close to an end of the bracket shrinks it little: twice in a row, or at an end,
        # move it a tenth of the bracket inside instead
        margin = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < margin:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - margin
                else:
                    t = min(bracket) + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            # not enough decrease: t becomes the high end
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                # the minimum lies on the other side of t: the old low end becomes the high one
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new

    return bracket_f[low], bracket_g[low], bracket[low], evals


def _two_loop(
    grad: np.ndarray,
    dirs: list[np.ndarray],
    steps: list[np.ndarray],
    ro: list[Scalar],
    h_diag: Scalar,
    al: list[Any],
) -> np.ndarray:
    """d = −H·g by the two-loop recursion over the pairs (sᵢ, yᵢ), ρᵢ = 1/yᵢᵀsᵢ:
    q = −g; newest first αᵢ = ρᵢsᵢᵀq, q ← q − αᵢyᵢ; r = H₀q; oldest first βᵢ = ρᵢyᵢᵀr,
    r ← r + (αᵢ − βᵢ)sᵢ; d = r. The αᵢ are written into `al` (kept in the state, as PyTorch's)."""
    q = -grad
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = steps[i].dot(q) * ro[i]
        q += -al[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        be_i = dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * steps[i]
    return r


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, inside lists too: what the state keeps between steps."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class LBFGS(Optimizer):
    """Limited-memory BFGS; step(closure) runs up to max_iter iterations, each
    d = −H·g by the two-loop recursion over the last history_size pairs (s, y), then θ ← θ + t·d
    (t = lr, or a strong-Wolfe step length with line_search_fn="strong_wolfe").

    The closure recomputes the loss and its gradients (zero_grad, forward, backward, return loss) and
    is called up to max_eval times per step (default max_iter·5/4). A step stops early when the
    largest gradient entry is ≤ tolerance_grad, or when the loss or the parameters change by less
    than tolerance_change. All parameters form one vector, so there is one parameter group.
    The search's state (directions, pairs, last step) lives under the first parameter, as PyTorch's.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): "
                f"expected one group, got {len(self.param_groups)}"
            )
        self._params = self.param_groups[0]["params"]

    # ----- the parameters as one flat vector -------------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        """All gradients as one real vector (zeros for a parameter without one); a complex entry
        is two real ones, (re, im), as torch.view_as_real lays them out."""
        return np.concatenate(
            [
                np.zeros(_real_view(p.data).size, p.data.real.dtype)
                if p.grad is None
                else _real_view(np.ascontiguousarray(p.grad.data)).ravel()
                for p in self._params
            ]
        )

    def _add(self, t: Scalar, direction: np.ndarray) -> None:
        """θ ← θ + t·d, d cut into the parameters' shapes."""
        offset = 0
        for p in self._params:
            view = _real_view(p.data)
            view += t * direction[offset : offset + view.size].reshape(view.shape)
            offset += view.size

    def _evaluate_at(
        self, closure: Callable[[], Any], start: list[np.ndarray], t: Scalar, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """(f, g) at θ + t·d, leaving the parameters at `start`."""
        self._add(t, d)
        loss = float(closure())
        grad = self._flat_grad()
        for p, x in zip(self._params, start, strict=True):
            p.data[...] = x
        return loss, grad

    # ----- the step ---------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to max_iter L-BFGS iterations on the loss the closure computes; returns its first loss."""
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS takes one parameter group, it has {len(self.param_groups)}")

        def evaluate() -> Any:
            with enable_grad():  # the closure differentiates, whatever mode step() was called in
                return closure()

        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state.setdefault(id(self._params[0]), {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already at a stationary point
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad, prev_loss = (
            state.get("H_diag"),
            state.get("prev_flat_grad"),
            state.get("prev_loss"),
        )

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # ----- the direction d = −H·g
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature sᵀy is positive: H stays definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)  # H₀ = (sᵀy / yᵀy)·I, the Hessian's scale along the last step
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, state["al"])

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # ----- the step length: the first iteration scales the first step to length ≤ lr in ℓ1
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # d no longer descends
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError(f"only 'strong_wolfe' is supported, got {line_search_fn!r}")
                start = [p.data.copy() for p in self._params]
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    lambda step, start=start, d=d: self._evaluate_at(evaluate, start, step, d),
                    t,
                    d,
                    loss,
                    flat_grad,
                    gtd,
                    max_ls=max_eval - current_evals,
                )
                self._add(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add(t, d)
                if n_iter != max_iter:
                    # the last iteration does not evaluate: the next step's first call will
                    loss = float(evaluate())
                    flat_grad = self._flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break  # no more progress

        state.update(
            d=d,
            t=_plain(t),
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=_plain(ro),
            H_diag=_plain(h_diag),
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        if "al" in state:
            state["al"] = _plain(state["al"])
        return orig_loss

    # ----- saving and resuming ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """As Optimizer's, with the history's lists of vectors copied too."""
        saved = super().state_dict()
        for values in saved["state"].values():
            for key, value in values.items():
                if isinstance(value, list):
                    values[key] = [v.copy() if isinstance(v, np.ndarray) else v for v in value]
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As Optimizer's; the vectors, in the lists too, are copied in the parameters' real dtype
        (the search runs on real vectors, complex parameters included)."""
        super().load_state_dict(state_dict)
        saved = next(iter(state_dict["state"].values()), {})
        dtype = self._params[0].data.real.dtype

        def real(value: Any) -> Any:
            return np.array(value, dtype=dtype) if isinstance(value, np.ndarray) else value

        for values in self.state.values():
            for key in values:
                value = saved.get(key, values[key])
                values[key] = [real(v) for v in value] if isinstance(value, list) else real(value)
