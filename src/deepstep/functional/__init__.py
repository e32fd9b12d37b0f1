"""Stateless math on tensors: activations, layers and losses (losses take logits).

Activations are the autograd ops themselves; every cross-entropy goes through the
single stable log-softmax of `deepstep.autograd.ops_activation`.
"""

from ..autograd.ops_activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .conv import conv2d, conv_transpose2d
from .layers import dropout, linear, step
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    l1_penalty,
    mse_loss,
    multi_margin_loss,
    nll_loss,
)
from .normalization import batch_norm
from .pooling import avg_pool2d, max_pool2d, relu_max_pool2d, upsample_nearest

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "huber_loss",
    "l1_loss",
    "l1_penalty",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "relu",
    "relu_max_pool2d",
    "sigmoid",
    "softmax",
    "softplus",
    "step",
    "tanh",
    "upsample_nearest",
]
