# %% [markdown]
# # 5. Loss functions compared
#
# The loss decides what "a good fit" means. For regression: squared error (MSE), absolute error
# (MAE) and Huber's compromise between them. For classification: the hinge of support vector
# machines against the logistic loss; the binary cross-entropy as the two-class case of the
# cross-entropy; and the notes' multiclass SVM hinge, with its gradient derived by hand.
#
# In deepstep: [`F.mse_loss`](../../src/deepstep/functional/losses.py#mse_loss),
# [`F.l1_loss`](../../src/deepstep/functional/losses.py#l1_loss),
# [`F.huber_loss`](../../src/deepstep/functional/losses.py#huber_loss),
# [`F.multi_margin_loss`](../../src/deepstep/functional/losses_classification.py#multi_margin_loss)
# and the hand-derived [`LinearSVC.loss_and_grad`](../../src/deepstep/linear/svm.py#LinearSVC.loss_and_grad).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep import nn, optim
from deepstep.autograd import numerical_grad
from deepstep.linear import LinearSVC

# %% [markdown]
# ## Regression losses
#
# For a residual $d = \hat y - y$:
#
# $$
# \ell_{\text{MSE}} = d^2, \qquad
# \ell_{\text{MAE}} = |d|, \qquad
# \ell_{\delta}^{\text{Huber}} =
# \begin{cases} \tfrac12 d^2 & |d| \le \delta \\ \delta\,(|d| - \tfrac12\delta) & |d| > \delta \end{cases}
# $$
#
# with derivatives $2d$, $\operatorname{sign}(d)$ and $\operatorname{clip}(d, -\delta, \delta)$. The
# squared error's pull grows with the residual, so one outlier can drag the whole fit; the absolute
# error pulls every point equally hard; Huber is quadratic near 0 (smooth, exact at the minimum)
# and linear in the tails (robust).

# %%
d = np.linspace(-3, 3, 301)
delta = 1.0
huber = np.where(np.abs(d) <= delta, 0.5 * d**2, delta * (np.abs(d) - 0.5 * delta))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, value, slope in (
    ("MSE", d**2, 2 * d),
    ("MAE", np.abs(d), np.sign(d)),
    ("Huber, δ = 1", huber, np.clip(d, -delta, delta)),
):
    axes[0].plot(d, value, label=name)
    axes[1].plot(d, slope, label=name)
axes[0].set(title="loss", xlabel="residual d = ŷ − y", ylim=(0, 4))
axes[1].set(title="derivative: how hard the point pulls", xlabel="residual d")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Huber's gradient three ways — by hand $\operatorname{clip}(d, -\delta, \delta)/N$ for the mean,
# by autograd through `F.huber_loss`, and numerically:

# %%
rng = np.random.default_rng(0)
prediction, target = rng.standard_normal(20) * 2, rng.standard_normal(20)
by_hand = np.clip(prediction - target, -delta, delta) / len(target)
p_t = ds.tensor(prediction, requires_grad=True)
F.huber_loss(p_t, ds.tensor(target), delta=delta).backward()
numeric = numerical_grad(lambda p: F.huber_loss(p, ds.tensor(target), delta=delta), prediction)
print(
    "largest gaps: autograd",
    np.abs(by_hand - p_t.grad.numpy()).max(),
    " numerical",
    np.abs(by_hand - numeric).max(),
)
assert np.allclose(by_hand, p_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)

# %% [markdown]
# **Outliers.** A line fitted to points with a few gross errors, once per loss (gradient descent
# with deepstep's `nn.Linear` and `optim.SGD`):

# %%
x = np.linspace(0, 10, 60)
y = 1.5 * x + 2 + rng.normal(0, 0.6, 60)
y[[8, 20, 45, 52]] += [25.0, 30.0, -28.0, 35.0]  # four gross errors
X = ds.tensor(x[:, None].astype(np.float32))
Y = ds.tensor(y[:, None].astype(np.float32))
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(x, y, s=12, c="k", label="data (4 outliers)")
for name, loss_fn in (("MSE", F.mse_loss), ("MAE", F.l1_loss), ("Huber", F.huber_loss)):
    ds.manual_seed(0)
    line = nn.Linear(1, 1)
    optimizer = optim.SGD(line.parameters(), lr=0.01, momentum=0.9)
    for _ in range(3000):
        optimizer.zero_grad()
        loss_fn(line(X), Y).backward()
        optimizer.step()
    slope, intercept = line.weight.item(), line.bias.item()
    ax.plot(x, slope * x + intercept, label=f"{name}: {slope:.2f}x + {intercept:.2f}")
ax.plot(x, 1.5 * x + 2, "k--", lw=0.8, label="truth: 1.50x + 2.00")
ax.set(title="a line fitted with three losses", xlabel="x", ylabel="y")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Classification: margins, hinge and logistic loss
#
# For a label $y \in \{-1, +1\}$ and a score $z$, the *margin* $yz$ is positive when the prediction is
# right. The 0–1 loss $\mathbb 1[yz \le 0]$ is what we want to minimise but has no useful gradient;
# convex surrogates replace it:
#
# $$
# \ell_{\text{hinge}} = \max(0,\, 1 - yz), \qquad
# \ell_{\text{logistic}} = \ln\bigl(1 + e^{-yz}\bigr) .
# $$
#
# The hinge is exactly 0 once the margin exceeds 1: points far on the right side stop mattering
# (they are not *support vectors*). The logistic loss is never 0 and keeps pushing every point.

# %%
margin = np.linspace(-3, 4, 300)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(margin, (margin <= 0).astype(float), label="0–1 loss")
ax.plot(margin, np.maximum(0, 1 - margin), label="hinge max(0, 1 − yz)")
ax.plot(margin, np.log1p(np.exp(-margin)), label="logistic ln(1 + e^(−yz))")
ax.set(xlabel="margin yz", ylabel="loss", title="surrogates of the 0–1 loss")
ax.legend()
plt.show()

# %% [markdown]
# ## From cross-entropy to the binary cross-entropy
#
# With two classes and scores $(z_0, z_1)$, $\operatorname{softmax}(z)_1 = \sigma(z_1 - z_0)$. So the
# cross-entropy on the scores $(0, z)$ is the binary cross-entropy on the logit $z$:
#
# $$
# -\ln \frac{e^{z}}{e^0 + e^{z}} = -\ln \sigma(z), \qquad -\ln \frac{e^0}{e^0 + e^{z}} = -\ln(1 - \sigma(z)).
# $$

# %%
logit = ds.tensor(rng.standard_normal(8))
label = rng.integers(0, 2, 8)
two_scores = ds.stack([ds.zeros_like(logit), logit], dim=1)
print("cross-entropy on (0, z):", F.cross_entropy(two_scores, label).item())
print(
    "BCE on z               :",
    F.binary_cross_entropy_with_logits(logit, ds.tensor(label.astype(np.float64))).item(),
)

# %% [markdown]
# ## The multiclass SVM hinge and its hand gradient
#
# For scores $z \in \mathbb R^K$ and the true class $y$, every rival $j$ must lose by a margin of 1:
#
# $$
# \ell = \sum_{j \ne y} \max\bigl(0,\; z_j - z_y + 1\bigr).
# $$
#
# Differentiating one term at a time: a violated margin ($z_j - z_y + 1 > 0$) contributes $+1$ to
# $\partial\ell/\partial z_j$ and $-1$ to $\partial\ell/\partial z_y$, so
#
# $$
# \frac{\partial \ell}{\partial z_j} = \mathbb 1[z_j - z_y + 1 > 0]\;(j \ne y), \qquad
# \frac{\partial \ell}{\partial z_y} = -\sum_{j \ne y} \mathbb 1[z_j - z_y + 1 > 0],
# $$
#
# and with $z = W^\top x + b$, $\nabla_W L = X^\top G / N$ for the matrix $G$ of those entries.
# PyTorch's `multi_margin_loss` (and deepstep's) divides each $\ell$ by $K$; we multiply it back.
# Three ways:

# %%
X3 = rng.standard_normal((40, 4))
y3 = rng.integers(0, 3, 40)
W0 = rng.standard_normal((5, 3))
by_hand = LinearSVC().loss_and_grad(W0, X3, y3, penalty=0.0)[1]


def svm_hinge(W):
    return 3 * F.multi_margin_loss(ds.tensor(X3) @ W[:4] + W[4], y3)


W_t = ds.tensor(W0, requires_grad=True)
svm_hinge(W_t).backward()
numeric = numerical_grad(svm_hinge, W0)
print(
    "largest gaps: autograd",
    np.abs(by_hand - W_t.grad.numpy()).max(),
    " numerical",
    np.abs(by_hand - numeric).max(),
)
assert np.allclose(by_hand, W_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-6)

# %% [markdown]
# **Hinge against cross-entropy** on the same linear model: both classify well, but the hinge leaves
# most examples at a loss of exactly 0 (they are beyond the margin), while cross-entropy never lets
# go: in exact arithmetic it is never 0, and only its most confident examples round to 0 in float64.

# %%
centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
Xb, yb = ds.datasets.blobs(600, centers=centres, std=1.2, seed=0)
for name, loss in (("hinge", nn.MultiMarginLoss()), ("cross-entropy", nn.CrossEntropyLoss())):
    ds.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3))
    model.compile(
        optimizer=optim.SGD(model.parameters(), lr=0.1, momentum=0.9), loss=loss, metrics=["accuracy"]
    )
    model.fit(Xb, yb, epochs=30, batch_size=32, verbose=0, seed=0)
    scores = ds.tensor(model.predict(Xb).astype(np.float64))  # float32 would round tiny losses to 0
    per_example = type(loss)(reduction="none")(scores, yb).numpy()
    accuracy = (scores.numpy().argmax(1) == yb).mean()
    print(f"{name:13s} accuracy {accuracy:.3f}   examples with zero loss: {np.mean(per_example == 0):.0%}")
