"""Learning-rate schedules. Call `scheduler.step()` once per epoch (or per step), after `optimizer.step()`.

The notes' condition for stochastic approximation to converge, Σε_t = ∞ and Σε_t² < ∞,
is met by InverseTimeLR's ε_t = ε₀/(1 + kt).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..checks import non_negative_number, positive_number
from .optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "InverseTimeLR", "LRScheduler", "LambdaLR", "StepLR"]


class LRScheduler:
    """Sets each group's lr to `factor(t) · initial lr` at step t (0 at construction)."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a scheduler needs an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def lr_at(self, base_lr: float, t: int) -> float:
        raise NotImplementedError

    def _apply(self) -> None:
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base, self.last_epoch)

    def step(self) -> None:
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, int]:
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.last_epoch = int(state["last_epoch"])
        self._apply()


class StepLR(LRScheduler):
    """ε_t = ε₀ · γ^⌊t / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        positive_number(None, "step_size", step_size)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """ε_t = ε₀ · γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t


class InverseTimeLR(LRScheduler):
    """ε_t = ε₀ / (1 + k·t): Σε_t diverges and Σε_t² converges, as stochastic approximation needs."""

    def __init__(self, optimizer: Optimizer, decay: float = 1.0) -> None:
        self.decay = non_negative_number(None, "decay", decay)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr / (1 + self.decay * t)


class CosineAnnealingLR(LRScheduler):
    """ε_t = ε_min + ½(ε₀ − ε_min)(1 + cos(πt / T_max))."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        positive_number(None, "T_max", T_max)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """ε_t = ε₀ · f(t) for a function f of your choice."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.lr_lambda(t)
