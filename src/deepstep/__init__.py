"""deepstep: deep learning from first principles, on NumPy.

The course's formulas as working code: an autograd engine with gradient checks,
and (layer by layer, see DESIGN.md) networks, optimizers, linear models, word2vec.
"""

import numpy as _np

from . import data, datasets, functional, io, models, nn, optim, train
from .autograd import *  # noqa: F403
from .autograd import __all__ as _autograd_all
from .backend import get_default_dtype, manual_seed, set_default_dtype
from .io import load, save

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64
bool_ = _np.bool_

__version__ = "0.1.0"

__all__ = [
    *_autograd_all,
    "bool_",
    "data",
    "datasets",
    "float16",
    "float32",
    "float64",
    "functional",
    "get_default_dtype",
    "int32",
    "int64",
    "io",
    "load",
    "manual_seed",
    "models",
    "nn",
    "optim",
    "save",
    "set_default_dtype",
    "train",
]
