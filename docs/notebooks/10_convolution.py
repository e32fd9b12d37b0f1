# %% [markdown]
# # 10. Convolutional networks
#
# An image classifier should not have to learn "an edge" separately at every position of the
# image. A convolution slides one small kernel over the whole image — the same weights everywhere —
# and pooling keeps the strongest response of each neighbourhood. Stack them and train on MNIST;
# the first layer's kernels turn out to be edge and stroke detectors.
#
# In deepstep: [`F.conv2d`](../../src/deepstep/functional/conv.py#conv2d) (im2col and one matrix
# product, backward written out), [`F.max_pool2d`](../../src/deepstep/functional/pooling.py#max_pool2d),
# the layers [`nn.Conv2d`](../../src/deepstep/nn/conv.py#Conv2d) and
# [`nn.MaxPool2d`](../../src/deepstep/nn/pooling.py#MaxPool2d), and
# [`models.SmallCNN`](../../src/deepstep/models/networks.py#SmallCNN).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep.autograd import numerical_grad
from deepstep.datasets import load_mnist
from deepstep.models import SmallCNN
from deepstep.viz import plot_filters

# %% [markdown]
# ## Convolution by hand
#
# Deep-learning libraries compute the cross-correlation (the kernel is not flipped; since the kernel
# is learned, the difference does not matter). For an image $x$ ($H \times W$) and a kernel $k$
# ($K \times K$), without padding and with stride 1:
#
# $$
# y[i, j] = b + \sum_{u=0}^{K-1} \sum_{v=0}^{K-1} x[i + u,\, j + v]\; k[u, v],
# \qquad 0 \le i \le H - K,\; 0 \le j \le W - K .
# $$
#
# With $C$ input channels the sum also runs over them, and each of the $C'$ output channels has its
# own kernel. With padding $p$ and stride $s$ the output is
# $\lfloor (H + 2p - K)/s \rfloor + 1$ rows high.

# %%
(x_train, y_train), (x_test, y_test) = load_mnist()
image = x_train[0].astype(np.float64)
sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # responds to vertical edges


def correlate(x, k):
    K = k.shape[0]
    out = np.zeros((x.shape[0] - K + 1, x.shape[1] - K + 1))
    for u in range(K):
        for v in range(K):
            out += k[u, v] * x[u : u + out.shape[0], v : v + out.shape[1]]
    return out


by_hand = correlate(image, sobel)
by_deepstep = F.conv2d(ds.tensor(image[None, None]), ds.tensor(sobel[None, None])).numpy()[0, 0]
print("output shape:", by_hand.shape, " largest difference:", np.abs(by_hand - by_deepstep).max())

# %% [markdown]
# ## Max pooling by hand
#
# $2\times2$ max pooling with stride 2 keeps the largest value of each block:
# $z[i, j] = \max_{0 \le u, v < 2} y[2i + u,\, 2j + v]$. Its gradient flows only to the position of
# each maximum.

# %%
pooled_by_hand = by_hand[:26, :26].reshape(13, 2, 13, 2).max(axis=(1, 3))
pooled = F.max_pool2d(ds.tensor(by_hand[None, None]), 2).numpy()[0, 0]
print("pooled shape:", pooled.shape, " largest difference:", np.abs(pooled_by_hand - pooled).max())

fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, picture, title in zip(
    axes, (image, by_hand, pooled), ("a digit", "⋆ vertical-edge kernel", "max pool 2×2"), strict=True
):
    ax.imshow(picture, cmap="gray" if picture is image else "coolwarm")
    ax.set_title(title)
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The gradients of a convolution
#
# Every output depends on the kernel through all the positions it visited, and every input pixel
# on the kernel entries that covered it. With $\bar y = \partial L/\partial y$:
#
# $$
# \frac{\partial L}{\partial k[u, v]} = \sum_{i, j} \bar y[i, j]\; x[i + u,\, j + v]
# \quad (\text{the input correlated with } \bar y),
# \qquad
# \frac{\partial L}{\partial b} = \sum_{i,j} \bar y[i, j],
# $$
#
# $$
# \frac{\partial L}{\partial x[p, q]} = \sum_{u, v} \bar y[p - u,\, q - v]\; k[u, v]
# \quad (\bar y \text{ zero-padded, convolved with the kernel: a "full" convolution}).
# $$
#
# By hand, by autograd and numerically, on a small image with the loss $L = \sum y \odot r$ for a
# fixed random $r$ (so $\bar y = r$):

# %%
rng = np.random.default_rng(0)
x0, k0 = rng.standard_normal((7, 7)), rng.standard_normal((3, 3))
r = rng.standard_normal((5, 5))

grad_k_by_hand = correlate(x0, r)  # Σᵢⱼ r[i, j] x[i + u, j + v]
grad_x_by_hand = np.zeros_like(x0)
for u in range(3):
    for v in range(3):
        grad_x_by_hand[u : u + 5, v : v + 5] += r * k0[u, v]


def loss(x, k):
    return (F.conv2d(x.reshape(1, 1, 7, 7), k.reshape(1, 1, 3, 3)) * ds.tensor(r)).sum()


x_t, k_t = ds.tensor(x0, requires_grad=True), ds.tensor(k0, requires_grad=True)
loss(x_t, k_t).backward()
numeric_k = numerical_grad(lambda k: loss(ds.tensor(x0), k), k0)
numeric_x = numerical_grad(lambda x: loss(x, ds.tensor(k0)), x0)
for name, by_hand, auto, numeric in (
    ("∂L/∂k", grad_k_by_hand, k_t.grad, numeric_k),
    ("∂L/∂x", grad_x_by_hand, x_t.grad, numeric_x),
):
    gaps = np.abs(by_hand - auto.numpy()).max(), np.abs(by_hand - numeric).max()
    print(f"{name}: largest gaps autograd {gaps[0]:.1e}, numerical {gaps[1]:.1e}")
    assert np.allclose(by_hand, auto.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)
print(
    "gradcheck with stride 2 and padding 1:",
    ds.gradcheck(
        lambda x, k: F.conv2d(x, k, stride=2, padding=1), ds.randn(2, 3, 6, 6), ds.randn(4, 3, 3, 3)
    ),
)

# %% [markdown]
# ## As layers, trained on MNIST
#
# `SmallCNN` is LeNet's shape: (convolution 5×5 → ReLU → max pool 2) twice, then a linear layer —
# here with 8 and 16 channels, trained with Adam for two epochs on 12,000 images (the full recipe,
# `deepstep train --model cnn`, reaches about 99%).

# %%
ds.manual_seed(0)
cnn = SmallCNN(channels=(8, 16))
cnn.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
history = cnn.fit(x_train[:12000], y_train[:12000], epochs=2, batch_size=64, verbose=0, seed=0)
print(cnn.evaluate(x_test[:2000], y_test[:2000]))

# %% [markdown]
# The eight learned $5\times5$ kernels of the first layer, and what they make of a test digit:

# %%
plot_filters(cnn.features[0].weight, title="first-layer kernels after two epochs")
plt.show()

# %%
with ds.no_grad():
    maps = F.relu(cnn.features[0](ds.tensor(x_test[:1, None]))).numpy()[0]
fig, axes = plt.subplots(1, 9, figsize=(12, 1.8))
axes[0].imshow(x_test[0], cmap="gray")
axes[0].set_title("input")
for c in range(8):
    axes[c + 1].imshow(maps[c], cmap="magma")
    axes[c + 1].set_title(f"map {c}")
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# Why it works: a dense layer on 784 pixels has 784 weights per unit and no idea that neighbouring
# pixels belong together; a $5\times5$ convolution has 25 weights per channel, used at every
# position (translation equivariance), and pooling adds some tolerance to small shifts: moved by two
# pixels, most test digits are still recognised.

# %%
dense_parameters = 784 * 128 + 128
conv_parameters = sum(p.numel() for p in cnn.features.parameters())
print(f"one dense layer of 128 units: {dense_parameters:,} weights; both convolutions: {conv_parameters:,}")
shifted = np.roll(x_test[:2000], 2, axis=2)  # every test digit moved 2 pixels right
print("accuracy on digits shifted by 2 pixels:", round(cnn.evaluate(shifted, y_test[:2000])["accuracy"], 4))
