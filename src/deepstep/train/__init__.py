"""Keras-style training: compile, fit, evaluate, predict, History and callbacks.

Every `deepstep.nn.Module` has the methods `compile`, `fit`, `evaluate`, `predict`, `train_step`
(defined on Module, see nn/keras.py); they call the functions here, which take the model as their
first argument.
"""

from .callbacks import (
    BackupAndRestore,
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
)
from .compiling import compile_model as compile
from .loop import evaluate, fit, predict

__all__ = [
    "BackupAndRestore",
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
