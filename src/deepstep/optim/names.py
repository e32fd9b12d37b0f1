"""The optimizers by name, one table: compile(optimizer="sgd") and `deepstep train --optimizer sgd`
both read it, so a name gets the same optimizer and the same default learning rate everywhere.

A name's default rate is Keras's, since naming an optimizer by a string is Keras's habit (its
compile): SGD 0.01, Adam / AdamW / RMSprop 0.001. The classes keep PyTorch's own defaults
(torch.optim.SGD 0.001, RMSprop 0.01) for code that builds them directly. Adagrad, Adadelta, Adamax,
NAdam and RAdam take their classes' (PyTorch's) rates instead, 0.01, 1.0, 0.002, 0.002 and 0.001:
Keras's 0.001 leaves Adagrad and Adadelta, whose steps shrink by design, barely moving.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..checks import one_of
from .optimizer import Optimizer
from .rules import SGD, Adam, AdamW, RMSprop
from .rules_more import Adadelta, Adagrad, Adamax, NAdam, RAdam

__all__ = ["OPTIMIZERS", "make_optimizer"]

OPTIMIZERS: dict[str, tuple[type[Optimizer], float]] = {
    "sgd": (SGD, 0.01),
    "adam": (Adam, 1e-3),
    "adamw": (AdamW, 1e-3),
    "rmsprop": (RMSprop, 1e-3),
    "adagrad": (Adagrad, 1e-2),
    "adadelta": (Adadelta, 1.0),
    "adamax": (Adamax, 2e-3),
    "nadam": (NAdam, 2e-3),
    "radam": (RAdam, 1e-3),
}


def make_optimizer(name: str, parameters: Iterable[Any], lr: float | None = None) -> Optimizer:
    """The optimizer of that name over `parameters`, at `lr` or the name's default rate."""
    cls, default_lr = one_of("optimizer", name, OPTIMIZERS, " or an Optimizer instance")
    return cls(parameters, lr=default_lr if lr is None else lr)
