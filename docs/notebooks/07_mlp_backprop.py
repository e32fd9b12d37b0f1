# %% [markdown]
# # 7. The multi-layer perceptron and back-propagation
#
# Stack linear layers with a non-linear activation between them and the model can bend its
# decision boundary: XOR becomes easy, logic gates compose into any Boolean function, and one
# hidden layer can approximate any continuous function. Training it needs the gradient of the loss
# with respect to every weight of every layer — back-propagation, the chain rule written layer by
# layer in matrix form.
#
# In deepstep: [`nn.Linear`](../../src/deepstep/nn/layers.py#Linear) on
# [`F.linear`](../../src/deepstep/functional/layers.py#linear), the backward engine
# [`run_backward`](../../src/deepstep/autograd/engine.py#run_backward) (which does back-propagation
# for any graph), and [`models.MLP`](../../src/deepstep/models/networks.py#MLP).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep import nn, optim
from deepstep.autograd import numerical_grad
from deepstep.datasets import xor
from deepstep.viz import plot_decision_boundary

# %% [markdown]
# ## Forward and backward in matrix form
#
# Rows are examples. Layer $l$ takes $H^{(l-1)}$ ($N \times n_{l-1}$, with $H^{(0)} = X$) to
#
# $$
# S^{(l)} = H^{(l-1)} W^{(l)\top} + \mathbf 1 b^{(l)\top}, \qquad H^{(l)} = h\bigl(S^{(l)}\bigr),
# $$
#
# and the last layer's scores $S^{(L)}$ go into softmax and cross-entropy. Write
# $E^{(l)} = \partial L / \partial S^{(l)}$ for the error at layer $l$. Then
#
# $$
# E^{(L)} = \tfrac1N (P - Y), \qquad
# \nabla_{W^{(l)}} L = E^{(l)\top} H^{(l-1)}, \qquad
# \nabla_{b^{(l)}} L = E^{(l)\top} \mathbf 1, \qquad
# E^{(l-1)} = \bigl(E^{(l)} W^{(l)}\bigr) \odot h'\bigl(S^{(l-1)}\bigr).
# $$
#
# The error flows back through the same weights that carried the signal forward, transposed, and
# each layer multiplies it by its activation's slope. Here it is by hand for a 4-5-3 tanh network:

# %%
rng = np.random.default_rng(0)
X = rng.standard_normal((8, 4))
y = rng.integers(0, 3, 8)
W1, b1 = rng.standard_normal((5, 4)), rng.standard_normal(5)
W2, b2 = rng.standard_normal((3, 5)), rng.standard_normal(3)

# forward
S1 = X @ W1.T + b1
H1 = np.tanh(S1)
S2 = H1 @ W2.T + b2
P = np.exp(S2 - S2.max(1, keepdims=True))
P /= P.sum(1, keepdims=True)
Y = np.eye(3)[y]
# backward
E2 = (P - Y) / len(X)
grad_W2, grad_b2 = E2.T @ H1, E2.sum(0)
E1 = (E2 @ W2) * (1 - H1**2)  # tanh' = 1 − tanh²
grad_W1, grad_b1 = E1.T @ X, E1.sum(0)

# %% [markdown]
# The same network in deepstep, with the same weights, differentiated by autograd — and the first
# layer's weights numerically:

# %%
net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()
for param, value in zip(net.parameters(), (W1, b1, W2, b2), strict=True):
    param.data[...] = value
F.cross_entropy(net(ds.tensor(X)), y).backward()


def loss_of_W1(w):
    hidden = (ds.tensor(X) @ w.T + ds.tensor(b1)).tanh()
    return F.cross_entropy(hidden @ ds.tensor(W2).T + ds.tensor(b2), y)


numeric_W1 = numerical_grad(loss_of_W1, W1)
for name, by_hand, param in (("W1", grad_W1, net[0].weight), ("b1", grad_b1, net[0].bias),
                             ("W2", grad_W2, net[2].weight), ("b2", grad_b2, net[2].bias)):  # fmt: skip
    print(f"{name}: largest gap by hand − autograd {np.abs(by_hand - param.grad.numpy()).max():.1e}")
    assert np.allclose(by_hand, param.grad.numpy())
print(f"W1: largest gap by hand − numerical {np.abs(grad_W1 - numeric_W1).max():.1e}")
assert np.allclose(grad_W1, numeric_W1, atol=1e-8)

# %% [markdown]
# ## Logic gates from McCulloch–Pitts neurons
#
# A neuron with a step activation, $\mathbb 1[w^\top x + b > 0]$, computes AND ($w = (1, 1)$,
# $b = -1.5$), OR ($b = -0.5$) and NAND ($w = (-1, -1)$, $b = 1.5$). XOR is not one of them (chapter
# 1) but is a composition: $\text{XOR}(a, b) = \text{AND}\bigl(\text{OR}(a, b), \text{NAND}(a, b)\bigr)$
# — a network with one hidden layer of two neurons.


# %%
def neuron(w, b):
    return lambda x: (x @ np.array(w, dtype=float) + b > 0).astype(float)


AND, OR, NAND = neuron([1, 1], -1.5), neuron([1, 1], -0.5), neuron([-1, -1], 1.5)
inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
hidden = np.stack([OR(inputs), NAND(inputs)], axis=1)
for (a, b), o, n, x in zip(inputs.astype(int), OR(inputs), NAND(inputs), AND(hidden), strict=True):
    print(f"a={a} b={b}   OR={o:.0f} NAND={n:.0f}   XOR = AND(OR, NAND) = {x:.0f}")

# %% [markdown]
# ## XOR learned by a 2-2-1 network
#
# The step has no useful derivative, so training uses a smooth activation (sigmoid) and
# back-propagation. Two hidden units suffice: they learn their own version of OR and NAND.

# %%
X_xor, y_xor = xor(200, noise=0.15, seed=0)
ds.manual_seed(1)
model = nn.Sequential(nn.Linear(2, 2, init="xavier"), nn.Sigmoid(), nn.Linear(2, 1, init="xavier"))
optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
targets = ds.tensor(y_xor[:, None].astype(np.float32))
losses = []
for _ in range(1500):
    loss = F.binary_cross_entropy_with_logits(model(X_xor), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
accuracy = ((model.predict(X_xor).ravel() > 0) == y_xor).mean()
print(f"final loss {losses[-1]:.4f}, accuracy {accuracy:.3f}")

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
axes[0].plot(losses)
axes[0].set(xlabel="step", ylabel="BCE", title="training loss", yscale="log")
plot_decision_boundary(model, X_xor, y_xor, ax=axes[1], title="the 2-2-1 network's boundary")
with ds.no_grad():
    H = model[1](model[0](ds.tensor(X_xor))).numpy()
axes[2].scatter(H[:, 0], H[:, 1], c=y_xor, cmap="coolwarm", edgecolors="k", linewidths=0.4, s=18)
axes[2].set(title="the hidden layer: now separable by a line", xlabel="h₁", ylabel="h₂")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Universal approximation
#
# One hidden layer of $m$ units computes $\hat f(x) = \sum_{k=1}^m v_k\, h(w_k x + b_k) + c$. With a
# sigmoid-like $h$ (Cybenko 1989) or any non-polynomial one (Hornik 1991; Leshno et al. 1993), such
# sums approximate any continuous function on a compact set as closely as we like — given enough
# units. The theorem says nothing about how to find the weights; gradient descent does it here.


# %%
def target_function(x):
    return np.sin(2 * np.pi * x) + 0.5 * x**2


x = np.linspace(0, 1, 256, dtype=np.float32)[:, None]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(x, target_function(x), "k", lw=4, alpha=0.3, label="f(x) = sin 2πx + x²/2")
for width in (1, 3, 32):
    ds.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
    optimizer = optim.Adam(mlp.parameters(), lr=0.01)
    schedule = optim.CosineAnnealingLR(optimizer, T_max=2500)
    for _ in range(2500):
        loss = F.mse_loss(mlp(x), ds.tensor(target_function(x)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    ax.plot(
        x, mlp.predict(x), "--", label=f"{width} tanh unit{'s' if width > 1 else ''}: MSE {loss.item():.1e}"
    )
ax.set(xlabel="x", title="one hidden layer, more and more units")
ax.legend(fontsize=8)
plt.show()
