"""Autoencoders: an encoder squeezes x into a code z, a decoder rebuilds x̂ from z; trained on ‖x − x̂‖².

The dense variant is MLP-shaped; the convolutional one uses strided convolutions down and
transposed convolutions up. Both end in a sigmoid (images in [0, 1]).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..autograd.tensor import Tensor
from ..nn.module import inference

__all__ = ["Autoencoder", "pca_reconstruction_error"]

_CHUNK = 2000  # rows at a time, wherever a whole data set would otherwise be pushed through at once


class Autoencoder(nn.Module):
    """Autoencoder(kind="dense" | "conv", latent_dim=32) for square images, input (N, H·W) or (N, 1, H, W)."""

    # the decoder's sigmoid rebuilds pixels in [0, 1]: squared error, or binary cross-entropy
    compile_example = "model.compile(optimizer='adam', loss='mse') (or loss='bce')"

    def __init__(
        self, kind: str = "dense", latent_dim: int = 32, hidden: int = 256, image_size: int = 28
    ) -> None:
        if kind not in ("dense", "conv"):
            raise ValueError(f"kind must be 'dense' or 'conv', got {kind!r}")
        self.kind, self.latent_dim, self.image_size = kind, latent_dim, image_size
        pixels = image_size * image_size
        if kind == "dense":
            self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim))
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, pixels), nn.Sigmoid()
            )
        else:
            if image_size % 4:
                raise ValueError(
                    f"the convolutional autoencoder needs image_size divisible by 4, got {image_size}"
                )
            quarter = image_size // 4
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 16, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(16, 32, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(32 * quarter * quarter, latent_dim),
            )
            self.decoder_input = nn.Linear(latent_dim, 32 * quarter * quarter)
            self.decoder = nn.Sequential(
                nn.ReLU(),
                nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
                nn.ReLU(),
                nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),
                nn.Sigmoid(),
            )

    def example_input(self) -> np.ndarray:
        """A batch of one image as the encoder takes it, for summary()."""
        size, dtype = self.image_size, next(iter(self.parameters())).dtype
        return np.zeros((1, size * size) if self.kind == "dense" else (1, 1, size, size), dtype=dtype)

    def _as_input(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        n, size = x.shape[0], self.image_size
        if self.kind == "dense":
            return x.reshape(n, size * size)
        return x.reshape(n, 1, size, size)

    def encode(self, x: Any) -> Tensor:
        """z = encoder(x): the latent code."""
        return self.encoder(self._as_input(x))

    def decode(self, z: Any) -> Tensor:
        """x̂ = decoder(z), shaped like the encoder's input."""
        if self.kind == "dense":
            return self.decoder(z)
        quarter = self.image_size // 4
        h = self.decoder_input(z)
        return self.decoder(h.reshape(h.shape[0], 32, quarter, quarter))

    def forward(self, x: Any) -> Tensor:
        return self.decode(self.encode(x))

    def reconstruct(self, x: Any) -> np.ndarray:
        """Reconstructions as images (N, H, W), computed without a graph in evaluation mode."""
        with inference(self):  # in chunks: the convolutional one's im2col of 10,000 images is ~1 GB
            out = np.concatenate([self(x[i : i + _CHUNK]).numpy() for i in range(0, len(x), _CHUNK)])
        return out.reshape(len(out), self.image_size, self.image_size)


def pca_reconstruction_error(train: np.ndarray, test: np.ndarray, components: int) -> float:
    """Mean squared error of `test` rebuilt from its projection on the first principal axes of
    `train` (rows are samples): the linear baseline an autoencoder with as many codes should beat.

    The axes are the top eigenvectors of the d × d scatter matrix Σ (x − μ)(x − μ)ᵀ, summed over
    chunks of rows in float64, rather than the SVD of the whole centred matrix: the same axes (up to
    sign, which the error does not see) in d² memory instead of several copies of the data set, which
    for MNIST was 1.5 GB."""
    train, test = train.reshape(len(train), -1), test.reshape(len(test), -1)
    mean = train.mean(axis=0, dtype=np.float64)
    scatter = np.zeros((train.shape[1], train.shape[1]))
    for i in range(0, len(train), _CHUNK):
        centred = train[i : i + _CHUNK] - mean
        scatter += centred.T @ centred
    axes = np.linalg.eigh(scatter)[1][:, ::-1][:, :components]  # eigh sorts eigenvalues ascending
    error = 0.0
    for i in range(0, len(test), _CHUNK):
        centred = test[i : i + _CHUNK] - mean
        error += float(np.sum((centred @ axes @ axes.T - centred) ** 2))
    return error / test.size
