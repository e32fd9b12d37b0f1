"""Data sets: MNIST (bundled), Fashion-MNIST (found or downloaded), and synthetic sets of the notes."""

from .idx import parse_idx, read_idx
from .mnist import FASHION_MNIST_CLASSES, fetch, load_fashion_mnist, load_mnist
from .synthetic import HOUSING_FEATURES, blobs, housing, spirals, two_moons, xor

__all__ = [
    "FASHION_MNIST_CLASSES",
    "HOUSING_FEATURES",
    "blobs",
    "fetch",
    "housing",
    "load_fashion_mnist",
    "load_mnist",
    "parse_idx",
    "read_idx",
    "spirals",
    "two_moons",
    "xor",
]
