"""Ready architectures: MLP, SmallCNN, Autoencoder (dense or convolutional), GAN, and the language
models CharRNN and GPT."""

from .autoencoder import Autoencoder
from .gan import GAN
from .language import GPT, CharRNN
from .networks import MLP, SmallCNN

__all__ = ["GAN", "GPT", "MLP", "Autoencoder", "CharRNN", "SmallCNN"]
