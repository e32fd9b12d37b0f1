"""torch.optim.lr_scheduler's names: `from deepstep.optim import lr_scheduler` and code written for
PyTorch (`lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)`) runs unchanged.

The schedules themselves, with their formulas, live in schedules.py (the base class and the schedules
of the epoch alone, deepstep's own InverseTimeLR among them), schedules_cyclic.py (CyclicLR,
OneCycleLR), schedules_plateau.py (ReduceLROnPlateau) and schedules_composite.py (SequentialLR,
ChainedScheduler).
"""

from .schedules import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    InverseTimeLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .schedules_composite import ChainedScheduler, SequentialLR
from .schedules_cyclic import CyclicLR, OneCycleLR
from .schedules_plateau import ReduceLROnPlateau

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "InverseTimeLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
