# %% [markdown]
# # 12. Generative adversarial networks
#
# Two networks play a game. The generator $G$ turns random noise $z$ into samples; the
# discriminator $D$ tries to tell them from real data. Each improves against the other, and at the
# game's equilibrium the generator's samples are distributed like the data (Goodfellow et al., 2014).
#
# In deepstep: [`models.GAN`](../../src/deepstep/models/gan.py#GAN), whose
# [`train_step`](../../src/deepstep/models/gan.py#GAN.train_step) is one round of the game below, on
# [`F.binary_cross_entropy_with_logits`](
# ../../src/deepstep/functional/losses_classification.py#binary_cross_entropy_with_logits); pictures
# by [`viz.plot_gan_losses`](../../src/deepstep/viz/images.py#plot_gan_losses) and
# [`viz.image_grid`](../../src/deepstep/viz/images.py#image_grid).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep import nn, optim
from deepstep.autograd import numerical_grad
from deepstep.datasets import load_mnist, two_moons
from deepstep.models import GAN
from deepstep.viz import image_grid, plot_gan_losses

# %% [markdown]
# ## The two-player loss
#
# With $D(x) = \sigma(a(x))$ the discriminator's probability that $x$ is real (from its logit $a$),
#
# $$
# \min_G \max_D\; V(D, G) = \mathbb E_{x \sim p_{\text{data}}} \ln D(x)
#   + \mathbb E_{z \sim \mathcal N(0, I)} \ln\bigl(1 - D(G(z))\bigr).
# $$
#
# For a fixed $G$ with sample density $p_g$, the best discriminator is
# $D^*(x) = p_{\text{data}}(x) / (p_{\text{data}}(x) + p_g(x))$, and then
# $V(D^*, G) = 2\,\mathrm{JS}(p_{\text{data}} \,\|\, p_g) - \ln 4$: the generator minimises the
# Jensen–Shannon divergence, which is 0 exactly when $p_g = p_{\text{data}}$ (and then $D^* = \frac12$).
#
# In practice $D$ ascends $V$ — a binary cross-entropy with target 1 on real data and 0 on fakes —
# and $G$ takes the **non-saturating** step: it minimises $-\ln D(G(z))$ instead of
# $\ln(1 - D(G(z)))$. Same fixed point, but a useful gradient when $D$ easily rejects the fakes:
#
# $$
# \frac{\partial}{\partial a} \ln\bigl(1 - \sigma(a)\bigr) = -\sigma(a) \xrightarrow[a \to -\infty]{} 0,
# \qquad
# \frac{\partial}{\partial a} \bigl(-\ln \sigma(a)\bigr) = \sigma(a) - 1 \xrightarrow[a \to -\infty]{} -1 .
# $$

# %%
a = np.linspace(-8, 4, 300)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(1 / (1 + np.exp(-a)), -1 / (1 + np.exp(-a)), label="saturating: ∂ ln(1 − D)/∂a = −D")
ax.plot(1 / (1 + np.exp(-a)), 1 / (1 + np.exp(-a)) - 1, label="non-saturating: ∂(−ln D)/∂a = D − 1")
ax.set(
    xlabel="D(G(z)): how real the fake looks to D",
    ylabel="gradient for G",
    title="the generator's two losses",
)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Both players' losses are binary cross-entropies on logits, whose gradient by hand is
# $\partial\ell/\partial a = \sigma(a) - y$. Three ways, for the discriminator's loss on four real
# and four fake logits:

# %%
rng = np.random.default_rng(0)
logits = rng.standard_normal(8) * 2
targets = np.r_[np.ones(4), np.zeros(4)]  # real → 1, fake → 0
by_hand = (1 / (1 + np.exp(-logits)) - targets) / len(logits)


def d_loss(a):
    return F.binary_cross_entropy_with_logits(a, ds.tensor(targets))


a_t = ds.tensor(logits, requires_grad=True)
d_loss(a_t).backward()
numeric = numerical_grad(d_loss, logits)
print("by hand  :", by_hand.round(5))
print("autograd :", a_t.grad.numpy().round(5))
print("numerical:", numeric.round(5))
assert np.allclose(by_hand, a_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)

# %% [markdown]
# ## Training, where we can see it: two moons
#
# In two dimensions the whole game is visible. $G$ maps 2-D Gaussian noise through two hidden
# layers to points in the plane; $D$ is a small classifier of points. Each step: one update of $D$
# on a batch of real points and a batch of fakes (detached, so that only $D$ learns from it), then
# one update of $G$ through $D$ on the non-saturating loss.

# %%
real_all, _ = two_moons(4000, noise=0.05, seed=0)
real_all = ((real_all - real_all.mean(0)) / real_all.std(0)).astype(np.float32)
ds.manual_seed(0)
G = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 2))
D = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
d_opt = optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
g_opt = optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
ones, zeros = np.ones((128, 1), np.float32), np.zeros((128, 1), np.float32)
noise = np.random.default_rng(1)
fixed_z = noise.standard_normal((1000, 2)).astype(np.float32)
history, snapshots = {"d_loss": [], "g_loss": []}, {}
for step in range(1, 1501):
    real = real_all[noise.integers(0, len(real_all), 128)]
    fake = G(noise.standard_normal((128, 2)).astype(np.float32))
    loss_d = F.binary_cross_entropy_with_logits(D(real), ones) + F.binary_cross_entropy_with_logits(
        D(fake.detach()), zeros
    )
    d_opt.zero_grad()
    loss_d.backward()
    d_opt.step()
    loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)  # non-saturating: call the fakes real
    g_opt.zero_grad()
    loss_g.backward()
    g_opt.step()
    history["d_loss"].append(loss_d.item())
    history["g_loss"].append(loss_g.item())
    if step in (1, 200, 600, 1500):
        with ds.no_grad():
            snapshots[step] = G(fixed_z).numpy()

fig, axes = plt.subplots(1, 4, figsize=(14, 3.6), sharex=True, sharey=True)
gx, gy = np.meshgrid(np.linspace(-2.5, 2.5, 120), np.linspace(-2.5, 2.5, 120))
with ds.no_grad():
    field = ds.sigmoid(D(np.c_[gx.ravel(), gy.ravel()].astype(np.float32))).numpy().reshape(gx.shape)
for ax, (step, fake) in zip(axes, snapshots.items(), strict=True):
    if step == 1500:
        ax.contourf(gx, gy, field, levels=20, cmap="RdBu", alpha=0.35)
    ax.scatter(*real_all[:1000].T, s=2, c="k", alpha=0.4, label="data")
    ax.scatter(*fake.T, s=2, c="C1", alpha=0.6, label="G(z)")
    ax.set(title=f"step {step}", xlim=(-2.5, 2.5), ylim=(-2.5, 2.5))
axes[0].legend(loc="lower left", fontsize=8, markerscale=4)
axes[-1].set_title("step 1500, with D(x) shaded")
fig.tight_layout()
plt.show()

# %% [markdown]
# In the last panel, blue is where $D$ says "real" and red where it says "fake": the generator's
# points sit where $D$ can no longer tell.
#
# The losses do not fall like a classifier's: each player's loss is the other's gain. Near the
# equilibrium $D$ can no longer tell, $D \approx \frac12$ everywhere, and the losses hover around
# $2\ln 2 \approx 1.39$ for $D$ (two cross-entropies of $\ln 2$) and $\ln 2 \approx 0.69$ for $G$.

# %%
plot_gan_losses(history, smooth=100)
plt.show()

# %% [markdown]
# ## On MNIST
#
# `models.GAN` is the same loop with dense networks for 28×28 images. Its `fit` takes pixels in
# $[0, 1]$, as `load_mnist` gives them (anything outside is a `ValueError`); the generator ends in
# tanh, so the GAN itself maps the real images to $[-1, 1]$ for the discriminator, and `sample`
# maps the fakes back to $[0, 1]$. After 300 steps the generator has found where the ink
# goes on average — blurry blobs with a digit's outline; distinct digits take longer
# (`deepstep gan --epochs 20`, a few thousand steps).

# %%
(x_train, _), _ = load_mnist()
ds.manual_seed(0)
gan = GAN(latent_dim=32, hidden=128)
gan.compile(lr=1e-3, seed=0)  # the two players' Adam optimizers, and the noise's generator
gan.fit(x_train[:12800], epochs=3, batch_size=128, verbose=0, seed=0)  # the common loop, GAN.train_step
samples = gan.sample(36, seed=0)
image_grid([samples[i * 12 : (i + 1) * 12] for i in range(3)], title="samples after 300 steps")
plt.show()
