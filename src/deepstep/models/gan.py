"""A generative adversarial network: a generator G turns noise z ~ N(0, I) into images, a
discriminator D tells them from real ones.

Each step: D ascends log D(x) + log(1 − D(G(z))) (binary cross-entropy on logits, real = 1,
fake = 0); then G takes the non-saturating step, maximising log D(G(z)) (cross-entropy with
target 1), whose gradient stays strong while D still wins easily (Goodfellow et al., 2014).

The GAN trains with the common loop: `fit(images, epochs=…, batch_size=…)` draws the batches from a
DataLoader and hands each to `train_step` below, the one thing a GAN does differently; fit keeps
its progress bar, NaN check, callbacks and History (the epochs' mean losses, and each step's in
`history.steps`). `compile(lr, betas, seed)` makes the two players' optimizers; a GAN comes
compiled with the DCGAN settings (Adam, lr 2·10⁻⁴, β₁ = 0.5).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, nn, optim
from .. import functional as F
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..train.compiling import Compiled

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
        self.compile()

    def forward(self, z: Any) -> Tensor:
        return self.generator(z)

    def example_input(self) -> np.ndarray:
        return np.zeros((1, self.latent_dim), dtype=self._dtype())

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """n generated images (n, H, W) in [0, 1], from z ~ N(0, I)."""
        z = backend.as_generator(seed).standard_normal((n, self.latent_dim)).astype(self._dtype())
        with no_grad():
            images = self.generator(z).numpy()
        return ((images + 1) / 2).reshape(n, self.image_size, self.image_size)

    def _dtype(self) -> np.dtype:
        return next(iter(self.parameters())).dtype

    def compile(  # type: ignore[override] - two players, each with its own Adam and loss
        self,
        lr: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        seed: int | np.random.Generator | None = None,
    ) -> None:
        """Fresh Adam optimizers for the discriminator and the generator (model.optimizers), and the
        generator of the noise z (seed; None draws from the library-wide one, which
        deepstep.manual_seed seeds). Either is in every checkpoint (deepstep.io.save_checkpoint keeps
        each generator a module holds, and the library's), so a resumed GAN draws the same noise."""
        self._noise = None if seed is None else backend.as_generator(seed)
        self._compiled = Compiled(
            {
                "discriminator": optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas),
                "generator": optim.Adam(self.generator.parameters(), lr=lr, betas=betas),
            }
        )

    def check_data(self, x: np.ndarray, y: np.ndarray | None = None) -> None:
        """Images of image_size² pixels with values in [0, 1]."""
        if x.ndim < 2 or x[0].size != self.image_size**2:
            size = self.image_size
            raise ValueError(f"GAN expects images of {size}×{size} pixels, got shape {x.shape}")
        low, high = float(x.min()), float(x.max())
        if low < 0 or high > 1:
            hint = "; for images in [−1, 1], pass (x + 1) / 2" if low >= -1 and high <= 1 else ""
            raise ValueError(
                "GAN expects pixel values in [0, 1] (it maps them to the generator's tanh range "
                f"[−1, 1] itself), got min {low:g} and max {high:g}{hint}"
            )

    def _noise_for(self, n: int) -> np.ndarray:
        noise = self._noise if self._noise is not None else backend.default_generator()
        return noise.standard_normal((n, self.latent_dim)).astype(self._dtype())

    def discriminator_loss(self, real: Any, fake: Any) -> Tensor:
        """−log D(x) − log(1 − D(G(z))): binary cross-entropy on logits, real → 1, fake → 0."""
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(
            real_logits, np.ones(real_logits.shape, self._dtype())
        ) + F.binary_cross_entropy_with_logits(fake_logits, np.zeros(fake_logits.shape, self._dtype()))

    def generator_loss(self, fake: Any) -> Tensor:
        """−log D(G(z)), the non-saturating loss: make D call the fakes real."""
        logits = self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(logits, np.ones(logits.shape, self._dtype()))

    def train_step(self, batch: tuple[Any, ...]) -> dict[str, float]:
        """One discriminator step, then one generator step, on a batch of real images."""
        images = batch[0]
        real = images.reshape(images.shape[0], -1) * 2 - 1  # to the generator's tanh range
        fake = self.generator(self._noise_for(images.shape[0]))
        d_optimizer, g_optimizer = self.optimizers["discriminator"], self.optimizers["generator"]
        d_loss = self.discriminator_loss(real, fake.detach())  # detached: this step trains D only
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        g_loss = self.generator_loss(fake)
        g_optimizer.zero_grad()
        self.discriminator.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}

    def test_step(self, batch: tuple[Any, ...]) -> dict[str, float]:
        """Both players' losses on a batch of real images and as many fakes, without a step."""
        images = batch[0]
        real = images.reshape(images.shape[0], -1) * 2 - 1
        fake = self.generator(self._noise_for(images.shape[0]))
        d_loss, g_loss = self.discriminator_loss(real, fake), self.generator_loss(fake)
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}
