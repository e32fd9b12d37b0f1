"""Neural-network building blocks in the PyTorch style: Module, Parameter, layers, losses, init.

Each file below has its `__all__`; `deepstep.nn.functional` is `deepstep.functional`.
"""

import sys as _sys

from .. import functional
from . import (
    activation,
    containers,
    conv,
    embedding,
    init,
    layers,
    lazy,
    losses,
    module,
    names,
    normalization,
    padding,
    pooling,
    rnn,
    sequential,
    transformer,
    utils,
)
from .activation import *  # noqa: F403
from .containers import *  # noqa: F403
from .conv import *  # noqa: F403
from .embedding import *  # noqa: F403
from .layers import *  # noqa: F403
from .lazy import *  # noqa: F403
from .losses import *  # noqa: F403
from .module import Module, Parameter
from .names import *  # noqa: F403
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .sequential import ModuleList, Sequential
from .transformer import *  # noqa: F403

# `import deepstep.nn.functional as F` works as `import torch.nn.functional as F` does.
_sys.modules[__name__ + ".functional"] = functional

__all__ = sorted(
    {
        "Module",
        "ModuleList",
        "Parameter",
        "Sequential",
        "functional",
        "init",
        "utils",
        *(
            name
            for file in (
                activation,
                containers,
                conv,
                embedding,
                layers,
                lazy,
                losses,
                names,
                normalization,
                padding,
                pooling,
                rnn,
                transformer,
            )
            for name in file.__all__
        ),
    }
)
