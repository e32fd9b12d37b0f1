"""Two classic rules from before the adaptive ones: Rprop and averaged SGD.

Rprop (Riedmiller & Braun, 1993) looks only at the sign of each coordinate's gradient and keeps its
own step size per coordinate, grown while the sign holds and shrunk when it flips (the last step
jumped over a minimum). ASGD (Polyak & Juditsky, 1992) is plain SGD with a decaying rate whose
iterates are averaged from step t0 on: the average converges at the optimal rate where the iterates
themselves only wander around the minimum. Each matches torch.optim's single-tensor update to
floating-point rounding, state names included (tests/test_optim_extra.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..backend import get_default_dtype
from .optimizer import Optimizer, torch_options
from .rules import _weight_decay

__all__ = ["ASGD", "Rprop"]


def _scalar_state(value: float) -> float:
    """A scalar of the state as torch.optim keeps it: float32 unless the default dtype is float64."""
    return value if get_default_dtype() == np.float64 else float(np.float32(value))


def _real_view(array: np.ndarray) -> np.ndarray:
    """A complex array as real pairs (re, im) in a last axis, sharing its memory (torch.view_as_real)."""
    return array[..., None].view(array.real.dtype) if np.iscomplexobj(array) else array


class Rprop(Optimizer):
    """Resilient propagation: with s = sign(gₜ·gₜ₋₁), the step size ηₜ = clip(ηₜ₋₁·(η₊ if s > 0,
    η₋ if s < 0, 1 if s = 0), Δmin, Δmax) and θ ← θ − sign(gₜ)·ηₜ; after a sign flip (s < 0) the
    gradient counts as 0, so the next step neither moves nor shrinks again.

    Only signs matter, which makes it blind to the gradient's scale; it suits full batches (a mini-batch's
    noisy signs flip too often). Step sizes start at lr.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"etas must satisfy 0 < etaminus < 1 < etaplus, got {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes)}
        options = torch_options(maximize, foreach, capturable, differentiable)
        del options["fused"]  # torch.optim.Rprop has no fused implementation, nor the key
        defaults.update(options)
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        etaminus, etaplus = group["etas"]
        smallest, largest = group["step_sizes"]
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(param)
            # a complex parameter is two real ones: its imaginary part gets a step size of its own
            lr = group["lr"]
            state["step_size"] = np.full_like(param, complex(lr, lr) if np.iscomplexobj(param) else lr)
        state["step"] += 1
        param, grad = _real_view(param), _real_view(np.asarray(grad))
        prev, step_size = _real_view(state["prev"]), _real_view(state["step_size"])
        factor = np.asarray(np.sign(grad * prev))  # an array, for 0-d parameters too
        # torch's order of assignments: a NaN product matches none of them and stays NaN
        factor[factor > 0] = etaplus
        factor[factor < 0] = etaminus
        factor[factor == 0] = 1
        step_size *= factor
        np.clip(step_size, smallest, largest, out=step_size)
        flipped = factor == factor.dtype.type(etaminus)
        grad = np.where(flipped, 0, grad).astype(param.dtype, copy=False)
        param -= np.sign(grad) * step_size
        prev[...] = grad


class ASGD(Optimizer):
    """Averaged SGD: θ ← θ(1 − λη) − η·g (g + wθ with weight decay w), the average
    ax ← ax + μ(θ − ax), then η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t − t0).

    Until step t0 (μ = 1) ax just follows θ; after it, ax is the running mean of the iterates. As in
    torch.optim, the scalars eta and mu are kept in float32 unless the default dtype is float64.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        if not weight_decay >= 0.0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay}
        options = torch_options(maximize, foreach, capturable, differentiable)
        del options["fused"]  # torch.optim.ASGD has no fused implementation, nor the key
        defaults.update(options)
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = 0
            state["eta"] = _scalar_state(lr)
            state["mu"] = 1.0
            state["ax"] = np.zeros_like(param)
        state["step"] += 1
        grad = _weight_decay(grad, param, group["weight_decay"])
        eta = state["eta"]
        param *= 1 - lambd * eta
        param -= eta * grad
        ax = state["ax"]
        if state["mu"] != 1:
            ax += (param - ax) * state["mu"]
        else:
            ax[...] = param
        t = state["step"]
        state["eta"] = _scalar_state(lr / (1 + lambd * lr * t) ** group["alpha"])
        state["mu"] = _scalar_state(1 / max(1, t - group["t0"]))
