"""A generative adversarial network: a generator G turns noise z ~ N(0, I) into images, a
discriminator D tells them from real ones.

Each step: D ascends log D(x) + log(1 − D(G(z))) (binary cross-entropy on logits, real = 1,
fake = 0); then G takes the non-saturating step, maximising log D(G(z)) (cross-entropy with
target 1), whose gradient stays strong while D still wins easily (Goodfellow et al., 2014).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, nn, optim
from .. import functional as F
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..train.loop import Progress

__all__ = ["GAN"]


class GAN(nn.Module):
    """Dense GAN for images of `image_size`² pixels in [0, 1] (generated through tanh in [−1, 1])."""

    def __init__(self, latent_dim: int = 64, image_size: int = 28, hidden: int = 256) -> None:
        self.latent_dim, self.image_size = latent_dim, image_size
        pixels = image_size * image_size
        self.generator = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 2 * hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(2 * hidden, pixels),
            nn.Tanh(),
        )
        self.discriminator = nn.Sequential(
            nn.Linear(pixels, 2 * hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(2 * hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, z: Any) -> Tensor:
        return self.generator(z)

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """n generated images (n, H, W) in [0, 1], from z ~ N(0, I)."""
        z = backend.as_generator(seed).standard_normal((n, self.latent_dim)).astype(self._dtype())
        with no_grad():
            images = self.generator(z).numpy()
        return ((images + 1) / 2).reshape(n, self.image_size, self.image_size)

    def _dtype(self) -> np.dtype:
        return next(iter(self.parameters())).dtype

    def optimizers(
        self, lr: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999)
    ) -> tuple[optim.Adam, optim.Adam]:
        """The two players' Adam optimizers (discriminator, generator), made on first use and kept."""
        if not hasattr(self, "_optimizers"):
            made = (
                optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas),
                optim.Adam(self.generator.parameters(), lr=lr, betas=betas),
            )
            object.__setattr__(self, "_optimizers", made)
        return self._optimizers

    def fit(  # type: ignore[override] - a GAN trains two players, not one loss
        self,
        x: Any,
        epochs: int = 1,
        batch_size: int = 128,
        lr: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        seed: int | None = None,
        callbacks: Any = None,
        verbose: int = 0,
        epoch_label: tuple[int, int] | None = None,
    ) -> dict[str, list[float]]:
        """Alternate D and G steps over the images x (values in [0, 1]); returns the per-step losses
        {"d_loss": [...], "g_loss": [...]} (the optimizers persist across calls, so training resumes)."""
        images = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=self._dtype())
        if images.ndim < 2 or images[0].size != self.image_size**2:
            size = self.image_size
            raise ValueError(f"GAN expects images of {size}×{size} pixels, got shape {images.shape}")
        if not (np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1):
            raise ValueError("GAN expects finite pixel values in [0, 1]")
        real_all = images.reshape(len(images), -1) * 2 - 1  # to the generator's tanh range
        d_optimizer, g_optimizer = self.optimizers(lr, betas)
        rng = backend.as_generator(seed) if seed is not None else np.random.default_rng()
        history: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
        ones = np.ones((batch_size, 1), dtype=self._dtype())
        zeros = np.zeros((batch_size, 1), dtype=self._dtype())
        first, total = epoch_label or (0, epochs)
        for epoch in range(epochs):
            progress = Progress(verbose, first + epoch, total, len(real_all) // batch_size)
            order = rng.permutation(len(real_all))
            for start in range(0, len(order) - batch_size + 1, batch_size):
                real = real_all[order[start : start + batch_size]]
                z = rng.standard_normal((batch_size, self.latent_dim)).astype(self._dtype())
                # the discriminator: real → 1, fake → 0 (the fakes detached: this step trains D only)
                fake = self.generator(z)
                d_real = F.binary_cross_entropy_with_logits(self.discriminator(real), ones)
                d_fake = F.binary_cross_entropy_with_logits(self.discriminator(fake.detach()), zeros)
                d_loss = d_real + d_fake
                d_optimizer.zero_grad()
                d_loss.backward()
                d_optimizer.step()
                # the generator, non-saturating: make D call its fakes real
                g_loss = F.binary_cross_entropy_with_logits(self.discriminator(fake), ones)
                g_optimizer.zero_grad()
                self.discriminator.zero_grad()
                g_loss.backward()
                g_optimizer.step()
                d_value, g_value = d_loss.item(), g_loss.item()
                if not (np.isfinite(d_value) and np.isfinite(g_value)):
                    raise FloatingPointError(f"GAN losses became non-finite (D {d_value}, G {g_value})")
                history["d_loss"].append(d_value)
                history["g_loss"].append(g_value)
                progress.update(len(history["d_loss"]) - 1, {"d_loss": d_value, "g_loss": g_value})
            progress.close(
                {"d_loss": float(np.mean(history["d_loss"])), "g_loss": float(np.mean(history["g_loss"]))}
            )
            for callback in callbacks or []:
                callback(self, history)
        return history
