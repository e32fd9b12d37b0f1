"""Weight averaging, torch.optim.swa_utils: stochastic weight averaging (SWA) and exponential
moving averages (EMA) of a model's weights along its training.

SWA (Izmailov et al., 2018) averages the iterates θ₁, …, θₙ of the tail of training, θ̄ = (1/n)Σθᵢ,
kept as θ̄ ← θ̄ + (θ − θ̄)/(n + 1); with a constant or cyclic rate (SWALR) the iterates circle a
wide minimum, and their mean lies nearer its centre than any of them. EMA (Polyak averaging with
exponential weights) keeps θ̄ ← δθ̄ + (1 − δ)θ. The averaged weights never saw a batch, so the
batch-norm statistics are recomputed with update_bn, or averaged too (use_buffers=True).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..backend import get_default_dtype
from ..nn.conv import _BatchNorm
from ..nn.module import Module
from .optimizer import Optimizer
from .schedules import LRScheduler, _per_group

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]

AvgFn = Callable[[Tensor, Tensor, Any], Tensor]
MultiAvgFn = Callable[[list[Tensor], list[Tensor], Any], None]


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start ← start + w(end − start) in place, computed as torch.lerp does: from the nearer end
    (end − (end − start)(1 − w) when w ≥ ½), which keeps w = 1 exact."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def _as_float(array: np.ndarray) -> np.ndarray:
    """An integer buffer (a batch count) in the default float dtype, where PyTorch's arithmetic puts it."""
    return array if array.dtype.kind in "fc" else array.astype(get_default_dtype())


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """EMA over lists of tensors, in place: θ̄ ← δθ̄ + (1 − δ)θ (θ̄ ← θ on the first update)."""
    _check_decay(decay)

    def ema_update(ema_params: list[Tensor], current_params: list[Tensor], _: Any) -> None:
        for ema, current in zip(ema_params, current_params, strict=True):
            if ema.data.dtype.kind in "fc":
                _lerp_(ema.data, current.data, 1 - decay)
            else:  # integer buffers: through floats, truncated back (torch's copy_)
                ema.data[...] = _as_float(ema.data) * decay + _as_float(current.data) * (1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """SWA over lists of tensors, in place: θ̄ ← θ̄ + (θ − θ̄)/(n + 1), n models averaged so far."""

    def swa_update(averaged_params: list[Tensor], current_params: list[Tensor], num_averaged: Any) -> None:
        n = num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged
        # torch divides the count (a tensor) in the default dtype before the weight becomes a number
        weight = float(np.asarray(1 / (n + 1), dtype=get_default_dtype()))
        for averaged, current in zip(averaged_params, current_params, strict=True):
            if averaged.data.dtype.kind in "fc":
                _lerp_(averaged.data, current.data, weight)
            else:
                averaged.data[...] = averaged.data + (current.data - averaged.data) / (n + 1)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """EMA of one tensor: returns δθ̄ + (1 − δ)θ."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """SWA of one tensor: returns θ̄ + (θ − θ̄)/(n + 1)."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of `model` whose weights are the running average of model's at each
    update_parameters(model): SWA's equal weights by default, or avg_fn(θ̄, θ, n) / multi_avg_fn
    (get_ema_avg_fn(δ), say). The first update copies the weights. Buffers (batch-norm statistics)
    are copied from the model at each update, or averaged as the weights with use_buffers=True.
    `n_averaged` counts the updates and is saved in the state dict; the functions are not.
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        if avg_fn is not None and multi_avg_fn is not None:
            # torch raises an AssertionError here; so does deepstep, to be caught the same way
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", np.array(0, dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _arrays(self, model: Module) -> list[np.ndarray]:
        """The arrays averaged: the weights, then the buffers with use_buffers."""
        arrays = [p.data for p in model.parameters()]
        return arrays + list(model.buffers()) if self.use_buffers else arrays

    def update_parameters(self, model: Module) -> None:
        """Fold model's current weights into the average (copy them, on the first call)."""
        pairs = list(zip(self._arrays(self.module), self._arrays(model), strict=False))
        n = int(self.n_averaged)
        if n == 0:
            for averaged, current in pairs:
                averaged[...] = current
        elif self.avg_fn is None:
            # tensors sharing the arrays' memory, grouped by dtype as torch groups them for its kernels
            groups: dict[np.dtype, tuple[list[Tensor], list[Tensor]]] = {}
            for averaged, current in pairs:
                mine, theirs = groups.setdefault(averaged.dtype, ([], []))
                mine.append(Tensor(averaged))
                theirs.append(Tensor(current))
            count = Tensor(self.n_averaged.copy())
            for mine, theirs in groups.values():
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(mine, theirs, count)
                else:  # torch's CPU path: the one-tensor SWA function on each
                    swa = get_swa_avg_fn()
                    for averaged, current in zip(mine, theirs, strict=True):
                        averaged.data[...] = swa(averaged, current, count).data
        else:
            count = Tensor(self.n_averaged.copy())
            for averaged, current in pairs:
                result = self.avg_fn(Tensor(averaged), Tensor(current), count)
                averaged[...] = result.data if isinstance(result, Tensor) else result
        if not self.use_buffers:
            # buffers not averaged follow the model's
            for mine, theirs in zip(self.module.buffers(), model.buffers(), strict=True):
                mine[...] = theirs
        self.n_averaged[...] += 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute every batch norm's running mean and variance in one pass over `loader`, as the plain
    average over its batches (momentum None for the pass). A batch is a tensor or a list/tuple whose
    first item is the model's input. The model's training mode and the momenta are put back after.
    """
    momenta: dict[_BatchNorm, Any] = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            if module.track_running_stats:
                module.running_mean[...] = 0
                module.running_var[...] = 1
                module.num_batches_tracked = np.zeros_like(module.num_batches_tracked)
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's rate from its value to swa_lr over anneal_epochs epochs, then keeps it:
    εₜ = α·ε_swa + (1 − α)·ε₀ with α = (1 − cos(π·t/T))/2 ("cos") or t/T ("linear"), t capped at T.

    Chainable, as PyTorch's: each step first recovers ε₀ from the current rate and the previous α.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = _per_group("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """ε₀ from ε = αε_swa + (1 − α)ε₀ (ε itself once α = 1)."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer and the annealing function (its name is kept)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
