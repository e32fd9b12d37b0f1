"""More adaptive rules: Adagrad, Adadelta, Adamax, NAdam, RAdam.

Each divides the step by a running measure of the gradients' size, as Adam and RMSprop do
(rules.py): Adagrad by the root of their summed squares, Adadelta by an average that also rescales
the step into the parameters' units, Adamax by an exponentially weighted max-norm, NAdam is Adam
with Nesterov's look-ahead, RAdam Adam whose adaptive step is switched on once the variance of its
second moment is well estimated. Each matches torch.optim's single-tensor update to floating-point
rounding, state names included (tests/test_optimizers_more.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..backend import get_default_dtype
from .optimizer import Optimizer, torch_options
from .rules import _count_step, _weight_decay

__all__ = ["Adadelta", "Adagrad", "Adamax", "NAdam", "RAdam"]


def _at_least_zero(**values: float) -> None:
    """A ValueError for a hyper-parameter that is not ≥ 0 (NaN included, as torch.optim)."""
    for name, value in values.items():
        if not value >= 0:
            name = "learning rate" if name == "lr" else name
            raise ValueError(f"{name} must be >= 0, got {value}")


def _check_betas(betas: tuple[float, float]) -> None:
    if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
        raise ValueError(f"betas must lie in [0, 1), got {betas}")


def _moments(grad: np.ndarray, m: np.ndarray, v: np.ndarray, beta1: float, beta2: float) -> None:
    """Adam's moving averages in place: m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²."""
    m += (1 - beta1) * (grad - m)
    v *= beta2
    v += (1 - beta2) * grad * grad


def _decay(param: np.ndarray, grad: np.ndarray, group: dict[str, Any]) -> np.ndarray:
    """Weight decay λ: decoupled (θ ← θ(1 − ελ), AdamW's) when the group says so, else g + λθ."""
    decay = group["weight_decay"]
    if group.get("decoupled_weight_decay"):
        if decay:
            param *= 1 - group["lr"] * decay
        return grad
    return _weight_decay(grad, param, decay)


class Adagrad(Optimizer):
    """Duchi, Hazan & Singer: s ← s + g²,  θ ← θ − ε/(1 + (t − 1)η) · g / (√s + δ)
    (η: lr_decay; s starts at initial_accumulator_value).

    Each coordinate's rate shrinks with the gradients it has seen: rare features keep large steps.
    The state exists from construction, as torch.optim.Adagrad's does.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _at_least_zero(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
        }
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def add_param_group(self, group: dict[str, Any]) -> None:
        super().add_param_group(group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._start(self.state.setdefault(id(p), {}), p.data, group)

    @staticmethod
    def _start(state: dict[str, Any], param: np.ndarray, group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        self._start(state, param, group)  # state a load_state_dict left empty
        state["step"] += 1
        rate = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        grad = _weight_decay(grad, param, group["weight_decay"])
        total = state["sum"]
        total += grad * grad
        param -= rate * grad / (np.sqrt(total) + group["eps"])


class Adadelta(Optimizer):
    """Zeiler: s ← ρs + (1 − ρ)g²,  Δ = √(u + δ)/√(s + δ) · g,  u ← ρu + (1 − ρ)Δ²,  θ ← θ − εΔ.

    The ratio of the two root-mean-squares gives Δ the units of θ, so the paper needs no rate (ε = 1).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _at_least_zero(lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0 <= rho <= 1:
            raise ValueError(f"rho must lie in [0, 1], got {rho}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay}
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        rho, eps = group["rho"], group["eps"]
        _count_step(state, param, {"square_avg": True, "acc_delta": True})
        grad = _weight_decay(grad, param, group["weight_decay"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param -= group["lr"] * delta


class Adamax(Optimizer):
    """Kingma & Ba's ∞-norm Adam: m ← β₁m + (1 − β₁)g,  u ← max(β₂u, |g| + δ),
    θ ← θ − ε/(1 − β₁ᵗ) · m / u."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _at_least_zero(lr=lr, eps=eps, weight_decay=weight_decay)
        _check_betas(betas)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        beta1, beta2 = group["betas"]
        t = _count_step(state, param, {"exp_avg": True, "exp_inf": True})
        grad = _weight_decay(grad, param, group["weight_decay"])
        m, u = state["exp_avg"], state["exp_inf"]
        m += (1 - beta1) * (grad - m)
        u *= beta2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)  # NaN wins, as in torch.maximum
        param -= group["lr"] / (1 - beta1**t) * m / u


class NAdam(Optimizer):
    """Dozat: μₜ = β₁(1 − ½·0.96^(tψ)),  m, v as Adam's,
    θ ← θ − ε·((1 − μₜ)g / (1 − Πᵢ≤ₜ μᵢ) + μₜ₊₁m / (1 − Πᵢ≤ₜ₊₁ μᵢ)) / (√(v/(1 − β₂ᵗ)) + δ)
    (ψ: momentum_decay).

    Nesterov's look-ahead: the step uses the momentum the next step will have. As in torch.optim, the
    running product Πμ is kept in float32 unless the default dtype is float64 (its `mu_product`).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _at_least_zero(lr=lr, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
        _check_betas(betas)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), psi = group["lr"], group["betas"], group["momentum_decay"]
        t = _count_step(state, param, {"exp_avg": True, "exp_avg_sq": True})
        grad = _decay(param, grad, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        product = state.get("mu_product", 1.0) * mu
        if get_default_dtype() != np.float64:  # torch's scalar state is float32 then
            product = float(np.float32(state.get("mu_product", 1.0)) * np.float32(mu))
        state["mu_product"] = product  # a Python float: checkpoints keep scalars as JSON
        m, v = state["exp_avg"], state["exp_avg_sq"]
        _moments(grad, m, v, beta1, beta2)
        denom = np.sqrt(v / (1 - beta2**t)) + group["eps"]
        param -= lr * (1 - mu) / (1 - product) * grad / denom
        param -= lr * mu_next / (1 - product * mu_next) * m / denom


class RAdam(Optimizer):
    """Liu et al.: m, v as Adam's,  ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) with ρ∞ = 2/(1 − β₂) − 1;
    θ ← θ − ε·m/(1 − β₁ᵗ) · rₜ√(1 − β₂ᵗ)/(√v + δ) when ρₜ > 5, else θ ← θ − ε·m/(1 − β₁ᵗ)
    (rₜ = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))).

    The first steps, while v rests on too few gradients to be trusted, are plain momentum: a warm-up
    derived instead of tuned.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _at_least_zero(lr=lr, eps=eps, weight_decay=weight_decay)
        _check_betas(betas)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2) = group["lr"], group["betas"]
        t = _count_step(state, param, {"exp_avg": True, "exp_avg_sq": True})
        grad = _decay(param, grad, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        _moments(grad, m, v, beta1, beta2)
        bias_correction2 = 1 - beta2**t
        step = m / (1 - beta1**t) * lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            step *= bias_correction2**0.5 / (np.sqrt(v) + group["eps"])
            step *= rect
        param -= step
