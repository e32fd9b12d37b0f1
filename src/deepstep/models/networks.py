"""Feed-forward classifiers: the multi-layer perceptron and a small convolutional network."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn
from ..autograd.tensor import Tensor
from ..checks import one_of

__all__ = ["MLP", "SmallCNN"]


def activation_module(name: str) -> nn.Module:
    """A fresh activation module by its name in nn.ACTIVATIONS."""
    return one_of("activation", name, nn.ACTIVATIONS)()


class MLP(nn.Module):
    """Layers of h(W̃ṽ): Linear → activation for each hidden size, then a last Linear (no activation).

    MLP([784, 256, 128, 10]) is the notes' network for MNIST; `dropout` adds Dropout after each
    hidden activation.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got {sizes}")
        layers: list[nn.Module] = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                layers.append(activation_module(activation))
                if dropout:
                    layers.append(nn.Dropout(dropout))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Any) -> Tensor:
        return self.layers(x)


class SmallCNN(nn.Module):
    """(conv k×k → ReLU → maxpool 2) × 2 → linear: a LeNet-like classifier for 28×28 images.

    Input (N, C, H, W) with H and W divisible by 4 (or (N, H, W), read as one channel). The
    kernels are 5×5 by default, as LeNet's (padded to keep the size): on MNIST with Adam, batch 128,
    they reach 98.9–99.1% in 3 epochs where 3×3 kernels reach 98.4–98.8%, for 2.8× the work of
    the second convolution.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        channels: Sequence[int] = (32, 64),
        image_size: int = 28,
        kernel_size: int = 5,
    ) -> None:
        if image_size % 4:
            raise ValueError(
                f"SmallCNN pools twice by 2: image_size must be divisible by 4, got {image_size}"
            )
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"SmallCNN pads to keep the size: kernel_size must be odd, got {kernel_size}")
        first, second = channels
        pad = kernel_size // 2
        self.in_channels, self.image_size = in_channels, image_size
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, first, kernel_size, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(first, second, kernel_size, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(second * (image_size // 4) ** 2, num_classes)

    def example_input(self) -> np.ndarray:
        """A batch of one image (1, C, H, W), for summary()."""
        dtype = self.classifier.weight.dtype
        return np.zeros((1, self.in_channels, self.image_size, self.image_size), dtype=dtype)

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim == 3:
            x = x.unsqueeze(1)
        return self.classifier(self.features(x).flatten(1))
