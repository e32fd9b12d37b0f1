"""Stateless math on tensors: activations, layers, losses, convolution, pooling, normalisation
(losses take logits). `deepstep.nn.functional` is the same module, as in PyTorch.

Activations are the autograd ops themselves; every cross-entropy goes through the single
stable log-softmax of `deepstep.autograd.ops_activation`. Each file below has its `__all__`.
"""

from ..autograd.ops_activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from . import (
    activations,
    attention,
    conv,
    distance,
    embedding,
    layers,
    losses,
    normalization,
    pooling,
    recurrent,
    resize,
)
from .activations import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .distance import *  # noqa: F403
from .embedding import *  # noqa: F403
from .layers import *  # noqa: F403
from .losses import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .recurrent import *  # noqa: F403
from .resize import *  # noqa: F403

__all__ = sorted(
    {
        "leaky_relu",
        "log_softmax",
        "relu",
        "sigmoid",
        "softmax",
        "softplus",
        "tanh",
        *(
            name
            for module in (
                activations,
                conv,
                distance,
                embedding,
                layers,
                losses,
                normalization,
                pooling,
                resize,
            )
            for name in module.__all__
        ),
    }
)
