"""Stateless math on tensors: activations, layers, losses, convolution, pooling, normalisation,
recurrence and attention (losses take logits). `deepstep.nn.functional` is the same module, as in
PyTorch.

Activations are the autograd ops themselves; every cross-entropy goes through the single
stable log-softmax of `deepstep.autograd.ops_activation`. Each file below has its `__all__`.
"""

from ..autograd.creation import one_hot
from ..autograd.ops_activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from ..autograd.ops_layout import pad
from . import (
    activations,
    attention,
    conv,
    ctc,
    distance,
    layers,
    losses,
    normalization,
    pooling,
    pooling3d,
    recurrent,
    resize,
    sampling_grid,
    unpooling,
)
from . import conv3d as conv3d_file  # (the star import below binds `conv3d` to the function)
from . import embedding as embedding_file  # (the star import below binds `embedding` to the function)

_FILES = (
    activations,
    attention,
    conv,
    conv3d_file,
    ctc,
    distance,
    embedding_file,
    layers,
    losses,
    normalization,
    pooling,
    pooling3d,
    recurrent,
    resize,
    sampling_grid,
    unpooling,
)

from .activations import *  # noqa: E402, F403
from .attention import *  # noqa: E402, F403
from .conv import *  # noqa: E402, F403
from .conv3d import *  # noqa: E402, F403
from .conv_transpose import *  # noqa: E402, F403
from .ctc import *  # noqa: E402, F403
from .distance import *  # noqa: E402, F403
from .embedding import *  # noqa: E402, F403
from .layers import *  # noqa: E402, F403
from .losses import *  # noqa: E402, F403
from .normalization import *  # noqa: E402, F403
from .pooling import *  # noqa: E402, F403
from .pooling3d import *  # noqa: E402, F403
from .recurrent import *  # noqa: E402, F403
from .resize import *  # noqa: E402, F403
from .sampling_grid import *  # noqa: E402, F403
from .unpooling import *  # noqa: E402, F403

__all__ = sorted(
    {
        "leaky_relu",
        "log_softmax",
        "one_hot",
        "pad",
        "relu",
        "sigmoid",
        "softmax",
        "softplus",
        "tanh",
        *(name for file in _FILES for name in file.__all__),
    }
)
