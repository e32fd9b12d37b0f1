"""Keras-style training: compile, fit, evaluate, predict, History and callbacks.

Every `deepstep.nn.Module` has the methods `compile`, `fit`, `evaluate`, `predict`, `train_step`
(defined on Module, see nn/keras.py); they call the functions here, which take the model as their
first argument. The callbacks are those of callbacks.py's `__all__`.
"""

from . import callbacks
from .callbacks import *  # noqa: F403
from .compiling import compile_model as compile
from .loop import evaluate, fit, predict

__all__ = [*callbacks.__all__, "compile", "evaluate", "fit", "predict"]
