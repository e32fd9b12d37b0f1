# %% [markdown]
# # 4. Softmax regression and the log-sum-exp trick
#
# Logistic regression for $K$ classes: one score per class, turned into a probability distribution
# by the softmax, and fitted by minimising the cross-entropy. Computing it naively overflows for
# scores that are merely large; the log-sum-exp trick removes the problem for good, and deepstep
# routes every cross-entropy through one stable log-softmax.
#
# In deepstep: [`logsumexp` and `log_softmax`](../../src/deepstep/stable.py#log_softmax) in
# [`deepstep/stable.py`](../../src/deepstep/stable.py) (the one place the trick lives, on arrays),
# [`F.cross_entropy`](../../src/deepstep/functional/losses_classification.py#cross_entropy) and
# [`SoftmaxRegression`](../../src/deepstep/linear/logistic.py#SoftmaxRegression), whose hand-derived
# gradient is [`_softmax_loss_and_grad`](../../src/deepstep/linear/logistic.py#_softmax_loss_and_grad).

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

import deepstep as ds
import deepstep.functional as F
from deepstep.autograd import numerical_grad
from deepstep.datasets import load_mnist
from deepstep.linear import SoftmaxRegression

# %% [markdown]
# ## Softmax and cross-entropy
#
# With scores $z = W^\top x + b \in \mathbb R^K$,
#
# $$
# P(y = k \mid x) = \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^K e^{z_j}},
# \qquad
# \ell = -\ln \operatorname{softmax}(z)_y = \ln \sum_j e^{z_j} - z_y .
# $$
#
# Differentiating, $\partial \ell / \partial z_k = \operatorname{softmax}(z)_k - \mathbb 1[k = y]$: the
# predicted distribution minus the one-hot target $Y$. For a batch, with $P$ the matrix of
# predicted probabilities,
#
# $$
# \nabla_W L = \frac1N X^\top (P - Y), \qquad \nabla_b L = \frac1N \mathbf 1^\top (P - Y).
# $$
#
# For $K = 2$, $\operatorname{softmax}(z)_1 = \sigma(z_1 - z_0)$: softmax regression *is* logistic
# regression on the score difference.

# %% [markdown]
# ## The overflow, and the log-sum-exp trick
#
# $e^{z}$ overflows float32 beyond $z \approx 88.7$ (and float64 beyond 709.8). Scores of a few
# hundred are ordinary in an untrained network with large inputs. Since the softmax does not change
# when the same constant is subtracted from every score, subtract the largest one, $m = \max_j z_j$:
#
# $$
# \ln \sum_j e^{z_j} = m + \ln \sum_j e^{z_j - m},
# $$
#
# where every exponent is $\le 0$ (no overflow) and one term equals 1 (the sum cannot underflow to 0).

# %%
z = np.array([1000.0, 999.0, 990.0], dtype=np.float32)
with np.errstate(over="ignore", invalid="ignore"):
    naive_lse = np.log(np.exp(z).sum())
    naive_softmax = np.exp(z) / np.exp(z).sum()
m = z.max()
trick_lse = m + np.log(np.exp(z - m).sum())
print("naive  log Σ eᶻ =", naive_lse, "  softmax =", naive_softmax)
print("trick  log Σ eᶻ =", trick_lse, "  softmax =", np.exp(z - trick_lse))
print(
    "deepstep        =",
    ds.tensor(z).logsumexp(dim=0).item(),
    "  softmax =",
    F.softmax(ds.tensor(z), dim=0).numpy(),
)

# %% [markdown]
# The same holds for the loss: cross-entropy computed from probabilities takes $\ln 0$ as soon as a
# probability underflows; from the logits it stays exact.

# %%
logits = ds.tensor(np.array([[0.0, 200.0, -200.0]], dtype=np.float32))
label = np.array([2])
with np.errstate(divide="ignore"):
    through_probabilities = -np.log(F.softmax(logits, dim=1).numpy()[0, 2])
print("−ln softmax(z)_y from the probabilities:", through_probabilities)
print("F.cross_entropy from the logits        :", F.cross_entropy(logits, label).item())

# %% [markdown]
# ## The gradient, three ways
#
# By hand ($X^\top(P - Y)/N$, deepstep's `loss_and_grad` with the weights packed as
# $\tilde W = [W; b]$), by autograd through `F.cross_entropy`, and numerically.

# %%
rng = np.random.default_rng(0)
X = rng.standard_normal((50, 4))
y = rng.integers(0, 3, 50)
W0 = rng.standard_normal((5, 3))

by_hand = SoftmaxRegression().loss_and_grad(W0, X, y, penalty=0.0)[1]


def cross_entropy(W):
    return F.cross_entropy(ds.tensor(X) @ W[:4] + W[4], y)


W_t = ds.tensor(W0, requires_grad=True)
cross_entropy(W_t).backward()
numeric = numerical_grad(cross_entropy, W0)
print("largest difference, by hand − autograd :", np.abs(by_hand - W_t.grad.numpy()).max())
print("largest difference, by hand − numerical:", np.abs(by_hand - numeric).max())
assert np.allclose(by_hand, W_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)
print("deepstep.gradcheck:", ds.gradcheck(lambda s: F.cross_entropy(s, y), ds.randn(50, 3)))

# %% [markdown]
# ## Softmax regression on MNIST
#
# 784 pixels in, 10 classes out, mini-batch Adam on the cross-entropy. A linear model reaches
# 91–93% — the number every network of the later chapters has to beat. Each class's weights form a
# template: the picture shows them, red where ink raises the class's score, blue where
# it lowers it.

# %%
(x_train, y_train), (x_test, y_test) = load_mnist(flatten=True)
model = SoftmaxRegression(solver="adam", learning_rate=0.002, batch_size=256, max_iter=5, random_state=0)
with warnings.catch_warnings():  # five epochs of Adam on a third of the images: enough for a picture
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(x_train[:20000], y_train[:20000])
print(f"test accuracy: {model.score(x_test, y_test):.4f}")

fig, axes = plt.subplots(1, 10, figsize=(12, 1.7))
bound = np.abs(model.coef_).max()
for digit, ax in enumerate(axes):
    ax.imshow(model.coef_[digit].reshape(28, 28), cmap="coolwarm", vmin=-bound, vmax=bound)
    ax.set_title(str(digit))
    ax.axis("off")
fig.suptitle("softmax regression: the weight template of each class")
fig.tight_layout()
plt.show()

# %% [markdown]
# And the probabilities it assigns: confident on most test digits, hesitant on the ambiguous ones.

# %%
probabilities = model.predict_proba(x_test[:2000])
confidence = probabilities.max(axis=1)
fig, ax = plt.subplots(figsize=(6, 3))
right = model.predict(x_test[:2000]) == y_test[:2000]
ax.hist([confidence[right], confidence[~right]], bins=20, stacked=True, label=["right", "wrong"])
ax.set(xlabel="largest predicted probability", ylabel="test images", title="how sure, and how right")
ax.legend()
plt.show()
