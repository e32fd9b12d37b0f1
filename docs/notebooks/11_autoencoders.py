# %% [markdown]
# # 11. Autoencoders
#
# An autoencoder learns to copy its input through a bottleneck: an encoder squeezes $x$ into a
# short code $z$, a decoder rebuilds $\hat x$ from it, and the loss is the reconstruction error. To
# copy well through a narrow code it must find what the data have in common. With linear layers it
# finds exactly what PCA finds; with non-linear ones it can do better.
#
# In deepstep: [`models.Autoencoder`](../../src/deepstep/models/autoencoder.py#Autoencoder) (dense or
# convolutional), trained with the Keras-style [`fit`](../../src/deepstep/train/loop.py#fit); pictures
# by [`viz.image_grid`](../../src/deepstep/viz/images.py#image_grid) and
# [`viz.plot_latent_space`](../../src/deepstep/viz/images.py#plot_latent_space).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
from deepstep.autograd import numerical_grad
from deepstep.datasets import load_mnist
from deepstep.models import Autoencoder
from deepstep.viz import image_grid, plot_latent_space

# %% [markdown]
# ## The model
#
# $$
# z = f_\theta(x) \in \mathbb R^k, \qquad \hat x = g_\phi(z), \qquad
# L(\theta, \phi) = \frac1N \sum_i \lVert x_i - g_\phi(f_\theta(x_i)) \rVert^2 .
# $$
#
# **The linear case and PCA.** With $f(x) = E^\top x$ and $g(z) = D^\top z$ (no biases, centred data,
# examples as rows of $X$), the loss is $\frac{1}{2N}\lVert X E D - X \rVert^2$. Writing $R = XED - X$
# for the residuals, its gradients are
#
# $$
# \nabla_D L = \frac1N (XE)^\top R, \qquad \nabla_E L = \frac1N X^\top R D^\top .
# $$
#
# Its minimum is reached when $ED$ projects onto the span of the top $k$ principal directions of
# $X$ (Baldi & Hornik, 1989): a linear autoencoder is PCA, up to an invertible change of basis of
# the code. Three ways for the gradient:

# %%
rng = np.random.default_rng(0)
Xs = rng.standard_normal((30, 6)) @ rng.standard_normal((6, 6))
Xs -= Xs.mean(axis=0)
E0, D0 = rng.standard_normal((6, 2)) * 0.3, rng.standard_normal((2, 6)) * 0.3
R = Xs @ E0 @ D0 - Xs
grad_D = (Xs @ E0).T @ R / len(Xs)
grad_E = Xs.T @ R @ D0.T / len(Xs)


def linear_ae(E, D):
    return 0.5 * ((ds.tensor(Xs) @ E @ D - ds.tensor(Xs)) ** 2).sum() / len(Xs)


E_t, D_t = ds.tensor(E0, requires_grad=True), ds.tensor(D0, requires_grad=True)
linear_ae(E_t, D_t).backward()
numeric_E = numerical_grad(lambda E: linear_ae(E, ds.tensor(D0)), E0)
numeric_D = numerical_grad(lambda D: linear_ae(ds.tensor(E0), D), D0)
for name, by_hand, auto, numeric in (
    ("∇E", grad_E, E_t.grad, numeric_E),
    ("∇D", grad_D, D_t.grad, numeric_D),
):
    gaps = np.abs(by_hand - auto.numpy()).max(), np.abs(by_hand - numeric).max()
    print(f"{name}: largest gaps autograd {gaps[0]:.1e}, numerical {gaps[1]:.1e}")
    assert np.allclose(by_hand, auto.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)

# %% [markdown]
# Trained by gradient descent, the linear autoencoder's reconstruction error falls to PCA's with
# the same $k$, and no lower:

# %%
E_t, D_t = ds.tensor(E0, requires_grad=True), ds.tensor(D0, requires_grad=True)
optimizer = ds.optim.Adam([E_t, D_t], lr=0.02)
for _ in range(3000):
    optimizer.zero_grad()
    linear_ae(E_t, D_t).backward()
    optimizer.step()
V = np.linalg.svd(Xs, full_matrices=False)[2][:2]
pca_loss = 0.5 * np.sum((Xs @ V.T @ V - Xs) ** 2) / len(Xs)
print(f"linear autoencoder: {linear_ae(E_t, D_t).item():.6f}   PCA, 2 components: {pca_loss:.6f}")

# %% [markdown]
# ## A non-linear autoencoder on MNIST
#
# deepstep's dense `Autoencoder`: 784 → 256 → $k$ (ReLU) for the encoder, $k$ → 256 → 784 with a
# sigmoid for the decoder (pixels are in $[0, 1]$), trained with Adam on the mean squared error
# (6 epochs on 8,000 images).
# We train it with a 32-dimensional code and compare with PCA keeping 32 components, on test images.

# %%
(x_train, y_train), (x_test, y_test) = load_mnist(flatten=True)
x_fit = x_train[:8000]
mean = x_fit.mean(axis=0)
components = np.linalg.svd(x_fit - mean, full_matrices=False)[2]


def pca_reconstruction(x, k):
    return (x - mean) @ components[:k].T @ components[:k] + mean


ds.manual_seed(0)
autoencoder = Autoencoder("dense", latent_dim=32)
autoencoder.compile(optimizer=ds.optim.Adam(autoencoder.parameters(), lr=3e-3), loss="mse")
autoencoder.fit(x_fit, x_fit, epochs=6, batch_size=128, verbose=0, seed=0)
reconstructed = autoencoder.reconstruct(x_test[:2000]).reshape(2000, -1)
mse_ae = np.mean((reconstructed - x_test[:2000]) ** 2)
mse_pca = np.mean((pca_reconstruction(x_test[:2000], 32) - x_test[:2000]) ** 2)
print(f"test reconstruction MSE, k = 32: autoencoder {mse_ae:.5f}, PCA {mse_pca:.5f}")

# %%
rows = [x_test[:12], reconstructed[:12], pca_reconstruction(x_test[:12], 32).clip(0, 1)]
image_grid([r.reshape(-1, 28, 28) for r in rows], labels=["originals", "autoencoder, k = 32", "PCA, k = 32"])
plt.show()

# %% [markdown]
# ## The latent space
#
# With a two-dimensional code we can look at it. Each test digit is a point, coloured by its class
# (which the autoencoder never saw): the codes of a digit gather, and the two-dimensional PCA
# projection, the best *linear* view, mixes them more.

# %%
ds.manual_seed(0)
flat = Autoencoder("dense", latent_dim=2)
flat.compile(optimizer=ds.optim.Adam(flat.parameters(), lr=3e-3), loss="mse")
flat.fit(x_fit, x_fit, epochs=6, batch_size=128, verbose=0, seed=0)
with ds.no_grad():
    codes = flat.encode(x_test[:3000]).numpy()
pca_codes = (x_test[:3000] - mean) @ components[:2].T
fig = plot_latent_space(codes, y_test[:3000], title="autoencoder, 2-D codes")
fig = plot_latent_space(pca_codes, y_test[:3000], title="PCA, first two components")
plt.show()

# %% [markdown]
# Walking along a line in the autoencoder's code space and decoding each point shows what the
# decoder learned: one digit morphs into another.

# %%
centre = {d: codes[y_test[:3000] == d].mean(axis=0) for d in range(10)}
path = np.linspace(centre[1], centre[0], 10).astype(np.float32)
with ds.no_grad():
    walk = flat.decode(ds.tensor(path)).numpy().reshape(-1, 28, 28)
fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
for ax, picture in zip(axes, walk, strict=True):
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
    ax.axis("off")
fig.suptitle("decoding a straight line from the 1s to the 0s")
plt.show()
