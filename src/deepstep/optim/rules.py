"""The update rules of the notes: gradient descent with momentum, Adam, AdamW, RMSprop.

Full-batch gradient descent is SGD fed the whole training set as one batch; stochastic and
mini-batch descent are the same rule fed smaller batches (see deepstep.data.DataLoader).
Each rule matches torch.optim's to floating-point rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .kernels import kernels
from .optimizer import Optimizer, torch_options

__all__ = ["SGD", "Adam", "AdamW", "RMSprop"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
#: An empty array of each float dtype: the compiled Adam's v_max when there is none (no AMSGrad)
_NOTHING = {dtype: np.empty(0, dtype) for dtype in _FLOATS}


def _dense(*arrays: np.ndarray) -> bool:
    """Whether a compiled update takes these: contiguous float32 or float64 arrays of one dtype."""
    dtype = arrays[0].dtype
    return dtype in _FLOATS and all(a.dtype == dtype and a.flags.c_contiguous for a in arrays)


def _scratch(state: dict[str, Any], param: np.ndarray) -> np.ndarray:
    """A work array the size of the parameter, kept between steps (not part of the saved state)."""
    scratch = state.get("_scratch")
    if scratch is None or scratch.shape != param.shape or scratch.dtype != param.dtype:
        scratch = state["_scratch"] = np.empty_like(param)
    return scratch


def _weight_decay(grad: np.ndarray, param: np.ndarray, decay: float) -> np.ndarray:
    """g + λθ: L2 weight decay folded into the gradient (torch.optim's weight_decay)."""
    return grad + decay * param if decay else grad


def _count_step(state: dict[str, Any], param: np.ndarray, buffers: dict[str, Any]) -> int:
    """The parameter's step number t. Its state starts on its first update: step 0, and a zero array
    like the parameter for each buffer {name: wanted} that this group's settings want."""
    if not state:
        state["step"] = 0
        state.update({name: np.zeros_like(param) for name, wanted in buffers.items() if wanted})
    state["step"] += 1
    return state["step"]


class SGD(Optimizer):
    """θ ← θ − ε·v, with v = g + λθ (weight decay), or with momentum
    b ← μb + (1 − τ)(g + λθ) and v = b (or g + μb for Nesterov).

    The notes' exponential average m ← βm + (1 − β)g is momentum=β with dampening=β.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if momentum < 0:
            raise ValueError(f"momentum must be >= 0, got {momentum}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
        }
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        grad = _weight_decay(grad, param, group["weight_decay"])
        momentum = group["momentum"]
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = np.array(grad, dtype=param.dtype, copy=True)
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad


class Adam(Optimizer):
    """Kingma & Ba: m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
    θ ← θ − ε·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + δ)   (bias-corrected first and second moments).

    `weight_decay` adds λθ to the gradient (L2, as torch.optim.Adam); AdamW, or
    decoupled_weight_decay=True, decouples it. With numba,
    each parameter's update is one compiled pass (kernels.py), bit for bit the NumPy formulas below.
    """

    decoupled = False  # (AdamW's default; a group's decoupled_weight_decay decides)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)
        self._constants: dict[tuple, np.ndarray] = {}  # (see update)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        t = _count_step(
            state, param, {"exp_avg": True, "exp_avg_sq": True, "max_exp_avg_sq": group["amsgrad"]}
        )
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # (None for a dtype the compiled update does not take: the NumPy path below)
        highest = state["max_exp_avg_sq"] if group["amsgrad"] else _NOTHING.get(param.dtype)
        compiled = kernels()
        decoupled = group.get("decoupled_weight_decay", self.decoupled)
        if compiled is not None and highest is not None and _dense(param, grad, m, v, highest):
            # the same operations in one compiled pass (optim/kernels.py), the scalars in param's dtype
            # (made once for all the parameters that share them: those of a group, at one step)
            key = (t, float(lr), beta1, beta2, eps, decay, decoupled, param.dtype)  # (lr may be a tensor)
            constants = self._constants.get(key)
            if constants is None:
                if len(self._constants) > 64:
                    self._constants.clear()
                constants = self._constants[key] = np.array(
                    (
                        0 if decoupled else decay,
                        1 - lr * decay if decoupled else 1,
                        beta2,
                        1 - beta1,
                        1 - beta2,
                        math.sqrt(1 - beta2**t),
                        eps,
                        lr / (1 - beta1**t),
                    ),
                    dtype=param.dtype,
                )
            compiled.adam(
                param.reshape(-1),
                grad.reshape(-1),
                m.reshape(-1),
                v.reshape(-1),
                highest.reshape(-1),
                constants,
            )
            return
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        if decoupled:
            if decay:
                param *= 1 - lr * decay
        else:
            grad = _weight_decay(grad, param, decay)
        # Every line below works in place (out=): the update makes no new arrays, which on a
        # 200k-parameter layer is 3–4× faster than the same formulas written with temporaries.
        scratch = _scratch(state, param)
        np.subtract(grad, m, out=scratch)  # m ← β₁m + (1 − β₁)g  written as  m + (1 − β₁)(g − m)
        np.multiply(scratch, 1 - beta1, out=scratch)
        np.add(m, scratch, out=m)
        np.multiply(v, beta2, out=v)  # v ← β₂v + (1 − β₂)g²
        np.multiply(grad, grad, out=scratch)
        np.multiply(scratch, 1 - beta2, out=scratch)
        np.add(v, scratch, out=v)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        np.sqrt(v, out=scratch)  # √(v / (1 − β₂ᵗ)) + δ
        np.divide(scratch, math.sqrt(bias_correction2), out=scratch)
        np.add(scratch, eps, out=scratch)
        np.divide(m, scratch, out=scratch)  # θ ← θ − ε/(1 − β₁ᵗ) · m / (√v̂ + δ)
        np.multiply(scratch, lr / bias_correction1, out=scratch)
        np.subtract(param, scratch, out=param)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ(1 − ελ) before the Adam step."""

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        options = {"maximize": maximize, "foreach": foreach, "capturable": capturable}
        options.update(differentiable=differentiable, fused=fused, decoupled_weight_decay=True)
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **options)


class RMSprop(Optimizer):
    """s ← αs + (1 − α)g²,  θ ← θ − ε·g / (√s + δ)
    (centered: √(s − ḡ²) in place of √s; with momentum μ: b ← μb + g/(√s + δ), θ ← θ − ε·b)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        defaults.update(torch_options(maximize, foreach, capturable, differentiable, fused))
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        _count_step(
            state, param, {"square_avg": True, "momentum_buffer": momentum, "grad_avg": group["centered"]}
        )
        grad = _weight_decay(grad, param, group["weight_decay"])
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            average = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            average = np.sqrt(square_avg) + eps
        if momentum:
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / average
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * (grad / average)
