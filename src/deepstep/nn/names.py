"""The names users give as strings, one table each: activations (MLP(activation=...), `deepstep
train --activation`) and losses (compile(loss=...)). The command line takes its choices from these
tables, so a name works in one place exactly when it works in the other.

Names are PyTorch's functional names (F.relu → "relu", F.smooth_l1_loss → "smooth_l1"), with
Keras's spellings beside them where Keras users would type them ("mse", "binary_crossentropy").
Only losses of (output, target) belong in LOSSES: the pairwise ones (margin ranking, triplet) and
Gaussian NLL need a third input, which compile's loop does not have.
"""

from __future__ import annotations

from .activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softplus,
    Softsign,
    Tanh,
    Tanhshrink,
)
from .layers import Identity, Step
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
)
from .module import Module

__all__ = ["ACTIVATIONS", "LABEL_LOSSES", "LOSSES"]

ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "gelu": GELU,
    "silu": SiLU,
    "elu": ELU,
    "selu": SELU,
    "celu": CELU,
    "mish": Mish,
    "softplus": Softplus,
    "softsign": Softsign,
    "relu6": ReLU6,
    "hardtanh": Hardtanh,
    "hardsigmoid": Hardsigmoid,
    "hardswish": Hardswish,
    "logsigmoid": LogSigmoid,
    "tanhshrink": Tanhshrink,
    "step": Step,  # the perceptron's threshold
    "identity": Identity,
}

LOSSES: dict[str, type[Module]] = {
    "cross_entropy": CrossEntropyLoss,
    "categorical_crossentropy": CrossEntropyLoss,
    "sparse_categorical_crossentropy": CrossEntropyLoss,
    "nll": NLLLoss,
    "mse": MSELoss,
    "mean_squared_error": MSELoss,
    "l1": L1Loss,
    "mae": L1Loss,
    "mean_absolute_error": L1Loss,
    "huber": HuberLoss,
    "smooth_l1": SmoothL1Loss,
    "bce": BCELoss,
    "binary_crossentropy": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "kl_div": KLDivLoss,
    "kl_divergence": KLDivLoss,
    "poisson_nll": PoissonNLLLoss,
    "soft_margin": SoftMarginLoss,
    "hinge": MultiMarginLoss,
    "multi_margin": MultiMarginLoss,
    "multilabel_margin": MultiLabelMarginLoss,
    "multilabel_soft_margin": MultiLabelSoftMarginLoss,
}

# the losses whose targets are class labels (checked against the model's outputs before training)
LABEL_LOSSES: tuple[type[Module], ...] = (CrossEntropyLoss, NLLLoss, MultiMarginLoss)
