"""Optimizer: parameter groups, per-parameter state, zero_grad, and the step each rule defines.

Updates run under no_grad and modify `parameter.data` in place, with array operations only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ..stable import flush_subnormal

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: `params` is an iterable of tensors, or of dicts {"params": [...], "lr": ...}."""

    #: Every this many steps, state values too small for a normal float become exactly 0; see step().
    flush_every = 64

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._steps = 0
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        params = list(params)
        if not params:
            raise ValueError("the optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizers take tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError("the optimizer was given a tensor that does not require grad")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        if group["lr"] < 0:
            raise ValueError(f"learning rate must be >= 0, got {group['lr']}")
        if group.get("weight_decay", 0) < 0:
            raise ValueError(f"weight_decay must be >= 0, got {group['weight_decay']}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.data = np.zeros_like(p.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (of −gradient, to climb, with maximize).

        closure, if given, recomputes the loss and its gradients first (with gradients on); its loss
        is returned, as torch.optim's step(closure) returns it."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    state = self.state.setdefault(id(p), {})
                    grad = -p.grad.data if group.get("maximize") else p.grad.data
                    self.update(p.data, grad, state, group)
        self._steps += 1
        if self._steps % self.flush_every == 0:
            self._flush_denormals()
        return loss

    def _flush_denormals(self) -> None:
        """Set state values below the smallest normal float to 0.

        Moving averages of gradients that are mostly zero (weights of pixels that rarely light
        up, say) shrink geometrically, m ← βm, into the subnormal range, where every arithmetic
        instruction touching them runs 10–100× slower: without this, an MNIST epoch slows down
        by 10–15% after the first. Such values are 0 for the update (they are below 1e-38).
        """
        for state in self.state.values():
            for value in state.values():
                if isinstance(value, np.ndarray):
                    flush_subnormal(value)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Change `param` in place given its gradient; each optimizer writes its rule here."""
        raise NotImplementedError

    # ----- saving and resuming --------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters and state, with parameters numbered in group order (as PyTorch)."""
        index = {}
        groups = []
        for group in self.param_groups:
            numbers = []
            for p in group["params"]:
                index[id(p)] = len(index)
                numbers.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": numbers})
        state = {
            index[key]: {
                k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items() if k[0] != "_"
            }
            for key, s in self.state.items()
            if key in index
        }  # keys starting with "_" are work arrays, not state
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"state has {len(groups)} parameter groups, the optimizer {len(self.param_groups)}"
            )
        params = []
        for saved, group in zip(groups, self.param_groups, strict=True):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("the saved parameter groups do not match this optimizer's")
            group.update({k: v for k, v in saved.items() if k != "params"})
            params.extend(group["params"])
        self.state = {}
        for number, s in state_dict["state"].items():
            p = params[int(number)]
            self.state[id(p)] = {
                k: (np.array(v, dtype=p.dtype) if isinstance(v, np.ndarray) else v) for k, v in s.items()
            }

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])


def torch_options(
    maximize: bool = False,
    foreach: bool | None = None,
    capturable: bool = False,
    differentiable: bool = False,
    fused: bool | None = None,
) -> dict[str, Any]:
    """The keyword arguments every torch.optim optimizer takes, as entries of its param groups.

    maximize climbs the objective (the step follows −gradient). foreach, fused and capturable choose
    among PyTorch's implementations of the same update (loops, fused kernels, CUDA graphs): deepstep
    has one, so they change nothing. differentiable=True asks for a step that autograd can go
    through, which deepstep's (NumPy code on the parameters' arrays) is not."""
    if differentiable:
        raise NotImplementedError(
            "differentiable=True: deepstep's optimizer steps update arrays in place and record no graph"
        )
    return {
        "maximize": bool(maximize),
        "foreach": foreach,
        "capturable": bool(capturable),
        "differentiable": False,
        "fused": fused,
    }
