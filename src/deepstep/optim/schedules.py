"""Learning-rate schedules: PyTorch's (torch.optim.lr_scheduler, here also deepstep.optim.lr_scheduler)
and the notes' InverseTimeLR. Call `scheduler.step()` once per epoch (OneCycleLR and CyclicLR: once per
batch), after `optimizer.step()`.

Each schedule has PyTorch's two forms. The chainable form, get_lr(), moves each group's *current* rate
one step (ExponentialLR: ε_t = γ·ε_{t−1}), so that two schedulers on one optimizer compose, as
SequentialLR and ChainedScheduler rely on. The closed form, lr_at(ε₀, t) (ExponentialLR: ε_t = ε₀·γᵗ),
gives an epoch's rate from the epoch alone: step(epoch) uses it, and so does step() after last_epoch was
assigned by hand (LearningRateScheduler puts a resumed fit's scheduler at its epoch so), where the
chainable form would move from another epoch's rate. Alone on an optimizer, both give the same rates, to
rounding.

The notes' condition for stochastic approximation to converge, Σε_t = ∞ and Σε_t² < ∞,
is met by InverseTimeLR's ε_t = ε₀/(1 + kt).
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..checks import non_negative_number, positive_number
from .optimizer import Optimizer

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "InverseTimeLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "PolynomialLR",
    "StepLR",
]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is "
    "different from None, the closed form is used instead of the new chainable form, where available."
)


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"a scheduler needs an Optimizer, got {type(optimizer).__name__}")


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list or tuple of that length, or one value for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has {len(value)} "
                f"values, param_groups has {len(optimizer.param_groups)}."
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _per_group_functions(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * len(optimizer.param_groups)
    if len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
    return list(lr_lambda)


def _function_state(fn: Callable | None) -> dict[str, Any] | None:
    """What a state dict keeps of a function: a callable object's attributes; nothing of a plain
    function or lambda, which cannot be saved (PyTorch's rule)."""
    if fn is None or isinstance(fn, types.FunctionType):
        return None
    return fn.__dict__.copy()


class LRScheduler:
    """Base class: step() moves last_epoch on by one and sets each group's lr from get_lr().

    A subclass writes the chainable form in get_lr() and the closed form in lr_at(base_lr, t), where
    there is one; one that writes lr_at alone is a closed-form schedule (get_lr() comes from it).
    Construction takes the first step, to last_epoch = 0 (or last_epoch + 1 when resuming with
    last_epoch ≥ 0, which needs the groups' "initial_lr").
    """

    _is_initial = False  # True during the first step, taken by the constructor

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                        "scheduler with last_epoch >= 0: load the optimizer's state first"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    # ----- the two forms ----------------------------------------------------------------
    def lr_at(self, base_lr: float, t: int) -> float:
        """The closed form: the rate at epoch t of a group that started at base_lr."""
        raise NotImplementedError(f"{type(self).__name__} defines neither get_lr() nor lr_at()")

    def _has_closed_form(self) -> bool:
        return type(self).lr_at is not LRScheduler.lr_at

    def _get_closed_form_lr(self) -> list[float]:
        return [self.lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]

    def get_lr(self) -> list[float]:
        """The groups' rates at last_epoch, each from its current rate (the chainable form)."""
        return self._get_closed_form_lr()

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    # ----- stepping -----------------------------------------------------------------------
    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch; call it after optimizer.step(). step(epoch) jumps to `epoch` by the
        closed form, where there is one (deprecated in PyTorch, which warns, and so does this)."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        elif self._moved_by_hand():
            epoch = self.last_epoch + 1
        self._update_lr(epoch)

    def _moved_by_hand(self) -> bool:
        """Whether last_epoch was assigned since the rates were set: they belong to another epoch."""
        return not self._is_initial and self.last_epoch != self._lr_epoch

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if self._has_closed_form() else self.get_lr()
        self._set_lrs(values)

    def _set_lrs(self, values: Iterable[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = self._current_lrs()
        self._lr_epoch = self.last_epoch

    def get_last_lr(self) -> list[float]:
        """The rates the last step set, one per parameter group."""
        return list(self._last_lr)

    # ----- saving and resuming --------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, as PyTorch's. Save the optimizer's state with it: the
        chainable form continues from the groups' rates."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the saved attributes back; a partial dict ({"last_epoch": 5}) sets those it holds, and
        the next step() then goes to the epoch after by the closed form."""
        self.__dict__.update(state_dict)


class _FunctionsScheduler(LRScheduler):
    """A scheduler driven by one function of the epoch per group, `lr_lambdas`: a state dict keeps
    what it can of them (see _function_state)."""

    lr_lambdas: list[Callable[[int], float]]

    def state_dict(self) -> dict[str, Any]:
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [_function_state(fn) for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update({key: value for key, value in state_dict.items() if key != "lr_lambdas"})
        saved_functions = state_dict.get("lr_lambdas", [None] * len(self.lr_lambdas))
        for fn, saved in zip(self.lr_lambdas, saved_functions, strict=True):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_FunctionsScheduler):
    """ε_t = ε₀ · f(t) for a function f of your choice (or one per parameter group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.lr_lambdas = _per_group_functions(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            base_lr * f(self.last_epoch) for f, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class MultiplicativeLR(_FunctionsScheduler):
    """ε_t = ε_{t−1} · f(t) for a function f of your choice (or one per parameter group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.lr_lambdas = _per_group_functions(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, self._current_lrs(), strict=True)]


class StepLR(LRScheduler):
    """ε_t = ε₀ · γ^⌊t / step_size⌋."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        positive_number(None, "step_size", step_size)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """ε_t = ε₀ · γ^(number of milestones ≤ t); a milestone given twice counts twice."""

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** bisect_right(sorted(self.milestones.elements()), t)


class ConstantLR(LRScheduler):
    """ε_t = ε₀ · factor for t < total_iters, ε₀ after."""

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError(f"Constant multiplicative factor expected to be between 0 and 1, got {factor}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (self.factor + (t >= self.total_iters) * (1 - self.factor))


class LinearLR(LRScheduler):
    """ε_t = ε₀ · (s + (e − s) · min(t, T) / T): the factor goes from start s to end e in T steps."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, "
                f"got {start_factor}"
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"Ending multiplicative factor expected to be between 0 and 1, got {end_factor}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # the ratio of the factors at t and t − 1
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        change = self.end_factor - self.start_factor
        return base_lr * (self.start_factor + change * min(self.total_iters, t) / self.total_iters)


class ExponentialLR(LRScheduler):
    """ε_t = ε₀ · γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:  # a scheduler resumed at last_epoch keeps the loaded rates
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t


class PolynomialLR(LRScheduler):
    """ε_t = ε₀ · (1 − min(t, T) / T)^power."""

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        t, total = self.last_epoch, self.total_iters
        ratio = ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** self.power
        return [lr * ratio for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power


class InverseTimeLR(LRScheduler):
    """ε_t = ε₀ / (1 + k·t): Σε_t diverges and Σε_t² converges, as stochastic approximation needs."""

    def __init__(self, optimizer: Optimizer, decay: float = 1.0, last_epoch: int = -1) -> None:
        self.decay = non_negative_number(None, "decay", decay)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr / (1 + self.decay * t)


class CosineAnnealingLR(LRScheduler):
    """ε_t = ε_min + ½(ε₀ − ε_min)(1 + cos(πt / T_max))."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        positive_number(None, "T_max", T_max)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if (t - 1 - period) % (2 * period) == 0:
            # t − 1 is a trough, where the ratio below would divide by 1 + cos(π(t−1)/T) = 0
            rise = (1 - math.cos(math.pi / period)) / 2
            return [
                lr + (base_lr - low) * rise
                for lr, base_lr in zip(self._current_lrs(), self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - low) + low for lr in self._current_lrs()]

    def lr_at(self, base_lr: float, t: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class CosineAnnealingWarmRestarts(LRScheduler):
    """ε = ε_min + ½(ε₀ − ε_min)(1 + cos(π·T_cur / T_i)), T_cur the epochs since the last restart and
    T_i = T_0·T_multⁱ the length of the i-th run (SGDR). step(epoch) takes fractional epochs."""

    def __init__(
        self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * factor for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Move to the next epoch, or to `epoch` (a fraction of one too: step(e + i / batches) after
        batch i), finding the run it falls in."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        elif epoch is None and self._moved_by_hand():
            epoch = self.last_epoch + 1  # by the closed form, as step(epoch)
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            # runs 0..n−1 last T_0(T_multⁿ − 1)/(T_mult − 1) epochs together
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**n
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr())
