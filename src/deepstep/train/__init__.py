"""Keras-style training on any Module: compile, fit, evaluate, predict, History and callbacks.

Importing this layer gives every `deepstep.nn.Module` the methods `compile`, `fit`,
`evaluate` and `predict` (and the `optimizer` it was compiled with).
"""

from ..nn.module import Module
from .callbacks import Callback, CSVLogger, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint
from .loop import compile, evaluate, fit, predict

Module.compile = compile  # type: ignore[attr-defined]
Module.fit = fit  # type: ignore[attr-defined]
Module.evaluate = evaluate  # type: ignore[attr-defined]
Module.predict = predict  # type: ignore[attr-defined]
Module.optimizer = property(lambda self: self._compiled.optimizer)  # type: ignore[attr-defined]

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "compile",
    "evaluate",
    "fit",
    "predict",
]
