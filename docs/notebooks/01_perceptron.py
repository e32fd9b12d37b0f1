# %% [markdown]
# # 1. The perceptron and ADALINE
#
# Rosenblatt's perceptron (1958) is the first machine that learned from examples: a linear unit
# with a threshold, and a rule that nudges the weights after each mistake. Widrow and Hoff's
# ADALINE (1960) keeps the unit but learns from the *size* of the error, not just its sign: the
# delta rule, the ancestor of every gradient step in this course.
#
# In deepstep: [`Perceptron`](../../src/deepstep/linear/perceptron.py#Perceptron) and
# [`Adaline`](../../src/deepstep/linear/perceptron.py#Adaline), scikit-learn estimators in
# [`deepstep/linear/perceptron.py`](../../src/deepstep/linear/perceptron.py).

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
from deepstep.autograd import numerical_grad
from deepstep.datasets import blobs, xor
from deepstep.linear import Adaline, Perceptron
from deepstep.viz import plot_decision_boundary

# %% [markdown]
# ## The model and the rule
#
# With labels $y \in \{-1, +1\}$, the perceptron predicts
#
# $$
# \hat y = \operatorname{sign}(w^\top x + b) = \operatorname{sign}(\tilde w^\top \tilde x),
# \qquad \tilde x = \begin{bmatrix} x \\ 1 \end{bmatrix},\;
# \tilde w = \begin{bmatrix} w \\ b \end{bmatrix}
# $$
#
# (the *bias trick*: the bias is the weight of a constant input 1). It visits the examples one by
# one and, whenever it gets one wrong — $y_i\,\tilde w^\top \tilde x_i \le 0$ — it moves the weights
# towards the right answer:
#
# $$
# \tilde w \leftarrow \tilde w + \varepsilon\, y_i\, \tilde x_i .
# $$
#
# After the update $y_i \tilde w^\top \tilde x_i$ has grown by $\varepsilon \lVert \tilde x_i\rVert^2 > 0$:
# the example is "less wrong". Here is the whole algorithm in NumPy.


# %%
def perceptron(X, y, epochs=100, lr=1.0, seed=0):
    """Rosenblatt's rule with the bias trick; returns w̃ and the mistakes made in each epoch."""
    Xt = np.hstack([X, np.ones((len(X), 1))])  # x̃ = [x, 1]
    w = np.zeros(Xt.shape[1])
    rng = np.random.default_rng(seed)
    mistakes = []
    for _ in range(epochs):
        wrong = 0
        for i in rng.permutation(len(X)):
            if y[i] * (w @ Xt[i]) <= 0:  # a mistake (or on the boundary)
                w += lr * y[i] * Xt[i]
                wrong += 1
        mistakes.append(wrong)
        if wrong == 0:  # an epoch without a mistake: every example is on its side
            break
    return w, mistakes


X, labels = blobs(200, centers=np.array([[-2.0, -1.0], [2.0, 1.5]]), std=0.8, seed=1)
y = 2.0 * labels - 1  # {0, 1} → {−1, +1}
w, mistakes = perceptron(X, y)
print("mistakes per epoch:", mistakes)

# %% [markdown]
# ## Convergence on separable data
#
# **Novikoff's theorem.** If some unit vector $\tilde w^*$ separates the data with margin
# $\gamma = \min_i y_i\, \tilde w^{*\top} \tilde x_i > 0$ and $R = \max_i \lVert \tilde x_i \rVert$, the
# perceptron makes at most $(R/\gamma)^2$ mistakes in total, whatever the order of the examples.
#
# *Proof sketch.* Each mistake adds at least $\varepsilon\gamma$ to $\tilde w^{*\top}\tilde w$ and at
# most $\varepsilon^2 R^2$ to $\lVert\tilde w\rVert^2$. After $k$ mistakes
# $k\varepsilon\gamma \le \tilde w^{*\top}\tilde w \le \lVert \tilde w \rVert \le \sqrt{k}\,\varepsilon R$,
# so $k \le (R/\gamma)^2$.
#
# Any separating direction gives a margin no larger than the best one, so the learned $\tilde w$ itself
# gives a bound that must hold:

# %%
Xt = np.hstack([X, np.ones((len(X), 1))])
margin = np.min(y * (Xt @ w)) / np.linalg.norm(w)
R = np.max(np.linalg.norm(Xt, axis=1))
print(f"mistakes made: {sum(mistakes)},  bound (R/γ)² with the learned w: {(R / margin) ** 2:.0f}")
assert sum(mistakes) <= (R / margin) ** 2

# %% [markdown]
# deepstep's [`Perceptron`](../../src/deepstep/linear/perceptron.py#Perceptron.fit) is the same loop
# (any two class labels, several classes one-vs-rest, sample weights), and stops at the first epoch
# without a mistake:

# %%
model = Perceptron(random_state=0).fit(X, labels)
print("converged:", model.converged_, "after", model.n_iter_, "epochs; accuracy", model.score(X, labels))

# %% [markdown]
# ## The rule is gradient descent on the perceptron criterion
#
# The update is stochastic gradient descent on
#
# $$
# L(\tilde w) = \frac1N \sum_i \max\bigl(0,\, -y_i z_i\bigr), \qquad z_i = \tilde w^\top \tilde x_i,
# \qquad
# \nabla L = -\frac1N \sum_i y_i\, \tilde x_i\, \mathbb 1[y_i z_i \le 0]
# $$
#
# (one example at a time: $-\nabla L_i = y_i \tilde x_i$ on a mistake, $0$ otherwise). The gradient by
# hand is [`Perceptron.loss_and_grad`](../../src/deepstep/linear/perceptron.py#Perceptron.loss_and_grad).
# We check it three ways: by hand, by automatic differentiation (the criterion written with deepstep
# ops), and numerically by central differences (at a point where no $y_i z_i$ is exactly 0, where
# the criterion has a kink).

# %%
rng = np.random.default_rng(0)
w0 = rng.standard_normal((3, 1))  # packed [w; b], one column per unit
Y = y[:, None]

by_hand = model.loss_and_grad(w0, X.astype(np.float64), Y)[1]


def criterion(w):
    z = ds.tensor(X.astype(np.float64)) @ w[:2] + w[2]
    return ds.relu(-ds.tensor(Y) * z).mean()


w_t = ds.tensor(w0, requires_grad=True)
criterion(w_t).backward()
autograd = w_t.grad.numpy()
numeric = numerical_grad(criterion, w0)
print("by hand  :", by_hand.ravel())
print("autograd :", autograd.ravel())
print("numerical:", numeric.ravel())
assert np.allclose(by_hand, autograd) and np.allclose(by_hand, numeric, atol=1e-6)

# %% [markdown]
# ## Its failure on XOR
#
# XOR's four corners cannot be split by one line: no $\tilde w$ puts $(0,0), (1,1)$ on one side and
# $(0,1), (1,0)$ on the other (the sum of the two conditions for each pair contradicts). Rosenblatt's
# rule never finishes an epoch without mistakes; with `tol=None` (no other stopping test) deepstep
# runs it for `max_iter` epochs and then warns.

# %%
X_xor, labels_xor = xor(200, noise=0.1, seed=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    on_xor = Perceptron(max_iter=50, tol=None, random_state=0).fit(X_xor, labels_xor)
for warning in caught:
    print(warning.message)
print("accuracy on XOR:", on_xor.score(X_xor, labels_xor))

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
plot_decision_boundary(model, X, labels, ax=axes[0], title="separable: converged")
plot_decision_boundary(on_xor, X_xor, labels_xor, ax=axes[1], title="XOR: no line will do")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## ADALINE and the delta rule
#
# ADALINE fits the *linear* output $z = \tilde w^\top \tilde x$ to the targets $\pm1$ by least squares
# and thresholds only to predict:
#
# $$
# L(\tilde w) = \frac1{2N} \sum_i (z_i - y_i)^2, \qquad \nabla L = \frac1N \tilde X^\top (z - y),
# $$
#
# and the **delta rule** is the stochastic step for one example,
# $\tilde w \leftarrow \tilde w + \varepsilon\,(y_i - z_i)\,\tilde x_i$. Unlike the perceptron it also
# learns from examples it already gets right (by how much), so it settles on a boundary even when
# the classes overlap. The gradient is
# [`Adaline.loss_and_grad`](../../src/deepstep/linear/perceptron.py#Adaline.loss_and_grad), checked
# three ways:

# %%
adaline = Adaline()
by_hand = adaline.loss_and_grad(w0, X.astype(np.float64), Y)[1]


def squared_error(w):
    z = ds.tensor(X.astype(np.float64)) @ w[:2] + w[2]
    return 0.5 * ((z - ds.tensor(Y)) ** 2).mean()


w_t = ds.tensor(w0, requires_grad=True)
squared_error(w_t).backward()
numeric = numerical_grad(squared_error, w0)
print(
    "largest gaps: autograd",
    np.abs(by_hand - w_t.grad.numpy()).max(),
    " numerical",
    np.abs(by_hand - numeric).max(),
)
assert np.allclose(by_hand, w_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-6)

# %% [markdown]
# **The learning rate.** Batch gradient descent on this quadratic converges exactly when
# $\varepsilon < 2/\lambda_{\max}$, $\lambda_{\max}$ the largest eigenvalue of the Hessian
# $H = \tilde X^\top \tilde X / N$ (chapter 2 shows why); deepstep's `learning_rate="auto"` takes
# $1/\lambda_{\max}$. Three rates, by hand:

# %%
H = Xt.T @ Xt / len(Xt)
lam = np.linalg.eigvalsh(H).max()
fig, ax = plt.subplots(figsize=(6, 3.5))
for factor in (0.5, 1.9, 2.05):
    lr, w_gd, losses = factor / lam, np.zeros(3), []
    for _ in range(40):
        residual = Xt @ w_gd - y
        losses.append(0.5 * np.mean(residual**2))
        w_gd -= lr * Xt.T @ residual / len(Xt)
    ax.semilogy(losses, label=f"ε = {factor}/λmax")
ax.set(xlabel="epoch", ylabel="½·mean squared error", title="ADALINE by batch gradient descent")
ax.legend()
plt.show()

# %% [markdown]
# deepstep's `Adaline` offers both forms. The batch form stops when the loss stops falling. The
# stochastic delta rule with a fixed rate keeps hopping around the minimum, each example pulling the
# weights its own way (chapter 8's decaying rates are the cure); we give it ten epochs and silence
# the warning that it did not settle.

# %%
batch = Adaline(solver="batch").fit(X, labels)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    stochastic = Adaline(solver="stochastic", max_iter=10, random_state=0).fit(X, labels)
for name, fitted in (("batch", batch), ("stochastic", stochastic)):
    print(f"{name:10s} epochs {fitted.n_iter_:3d}  accuracy {fitted.score(X, labels):.3f}")
