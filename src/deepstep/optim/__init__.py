"""Optimizers and learning-rate schedules in the torch.optim style."""

from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from .names import OPTIMIZERS, make_optimizer
from .optimizer import Optimizer
from .rules import SGD, Adam, AdamW, RMSprop
from .rules_more import Adadelta, Adagrad, Adamax, NAdam, RAdam
from .schedules import CosineAnnealingLR, ExponentialLR, InverseTimeLR, LambdaLR, LRScheduler, StepLR

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "CosineAnnealingLR",
    "ExponentialLR",
    "InverseTimeLR",
    "LRScheduler",
    "LambdaLR",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "StepLR",
    "clip_grad_norm_",
    "clip_grad_value_",
    "make_optimizer",
]
