"""Ready architectures: MLP, SmallCNN, Autoencoder (dense or convolutional), GAN."""

from .autoencoder import Autoencoder
from .gan import GAN
from .networks import MLP, SmallCNN

__all__ = ["GAN", "MLP", "Autoencoder", "SmallCNN"]
