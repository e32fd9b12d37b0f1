# %% [markdown]
# # 3. Logistic and probit regression
#
# A linear model for a *probability*: squash the score $z = w^\top x + b$ into $(0, 1)$ with a link
# function — the logistic sigmoid $\sigma$, or the Gaussian CDF $\Phi$ (probit) — and fit it by
# maximum likelihood. The negative log-likelihood is the binary cross-entropy (BCE), and its
# gradient is as simple as least squares'.
#
# In deepstep: [`LogisticRegression`](../../src/deepstep/linear/logistic.py#LogisticRegression) and
# [`ProbitRegression`](../../src/deepstep/linear/logistic.py#ProbitRegression) in
# [`deepstep/linear/logistic.py`](../../src/deepstep/linear/logistic.py); the loss for networks is
# [`F.binary_cross_entropy_with_logits`](
# ../../src/deepstep/functional/losses_classification.py#binary_cross_entropy_with_logits).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep.autograd import numerical_grad
from deepstep.datasets import blobs
from deepstep.linear import LogisticRegression, ProbitRegression
from deepstep.viz import plot_decision_boundary

# %% [markdown]
# ## Maximum likelihood and the binary cross-entropy
#
# The model says $P(y = 1 \mid x) = p = \sigma(z)$ with $\sigma(z) = 1/(1 + e^{-z})$. For independent
# examples the likelihood is $\prod_i p_i^{y_i}(1 - p_i)^{1 - y_i}$, and maximising it is minimising
# the mean negative log-likelihood, the **binary cross-entropy**:
#
# $$
# L = -\frac1N \sum_i \bigl[\, y_i \ln p_i + (1 - y_i)\ln(1 - p_i) \bigr].
# $$
#
# With $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ the chain rule collapses to
#
# $$
# \frac{\partial \ell_i}{\partial z_i} = p_i - y_i,
# \qquad
# \nabla L = \frac1N \tilde X^\top (p - y),
# $$
#
# the error times the input, as for least squares. Written in the score, each term is
# $\ell = \operatorname{softplus}(z) - yz$ with $\operatorname{softplus}(z) = \ln(1 + e^z)$: this form
# never takes the log of a probability that rounded to 0.

# %%
X, y = blobs(300, centers=np.array([[-1.0, -1.0], [1.0, 1.2]]), std=1.1, seed=3)
X = X.astype(np.float64)
t = y.astype(np.float64)

rng = np.random.default_rng(0)
w0 = rng.standard_normal(3) * 0.5
by_hand = LogisticRegression().loss_and_grad(w0, X, t, penalty=0.0)[1]


def bce(w):
    logits = ds.tensor(X) @ w[:2] + w[2]
    return F.binary_cross_entropy_with_logits(logits, ds.tensor(t))


w_t = ds.tensor(w0, requires_grad=True)
bce(w_t).backward()
numeric = numerical_grad(bce, w0)
print("by hand  :", by_hand)
print("autograd :", w_t.grad.numpy())
print("numerical:", numeric)
assert np.allclose(by_hand, w_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)

# %% [markdown]
# ## Why the loss takes logits
#
# For a confident wrong answer, $z = -40$ with $y = 1$, $\sigma(z) \approx 4\cdot10^{-18}$ still fits
# in float32 and $-\ln\sigma(z) = 40$. At $|z| = 10^4$ it does not: $\sigma(z)$ rounds to 0 (or
# $1 - \sigma(z)$ does), $\ln 0 = -\infty$, and the probability route has to clamp the log (at
# $-100$, as PyTorch does) — the loss saturates and its gradient is lost. The logits form gives the
# exact $\operatorname{softplus}(10^4) = 10^4$.

# %%
z = ds.tensor(np.array([-40.0, 1e4, -1e4], dtype=np.float32))
target = ds.tensor(np.array([1.0, 0.0, 1.0], dtype=np.float32))
naive = F.binary_cross_entropy(ds.sigmoid(z), target, reduction="none")  # PyTorch clamps log at −100
stable = F.binary_cross_entropy_with_logits(z, target, reduction="none")
print("through σ, then log:", naive.numpy())
print("from the logits    :", stable.numpy())

# %% [markdown]
# ## Probit regression
#
# Replace $\sigma$ by the standard Gaussian CDF
# $\Phi(z) = \frac12\bigl(1 + \operatorname{erf}(z/\sqrt2)\bigr)$ — the notes' link $h = G$.
# With $q = 2y - 1 \in \{-1, +1\}$ the likelihood of one example is $\Phi(qz)$ (by the symmetry
# $1 - \Phi(z) = \Phi(-z)$), so
#
# $$
# \ell = -\ln \Phi(q z), \qquad
# \frac{\partial \ell}{\partial z} = -\,q\,\frac{\varphi(z)}{\Phi(qz)},
# \qquad \varphi(z) = \frac{e^{-z^2/2}}{\sqrt{2\pi}} .
# $$
#
# deepstep computes it through $\ln\Phi$ (SciPy's `log_ndtr`) so that $|z| = 40$ stays finite.
# Three ways again; autograd differentiates $\Phi$ through the op `erf`.

# %%
by_hand = ProbitRegression().loss_and_grad(w0, X, t, penalty=0.0)[1]


def probit_nll(w):
    z = ds.tensor(X) @ w[:2] + w[2]
    q = ds.tensor(2 * t - 1)
    return -(0.5 * (1 + ds.erf(q * z / math.sqrt(2)))).log().mean()


w_t = ds.tensor(w0, requires_grad=True)
probit_nll(w_t).backward()
numeric = numerical_grad(probit_nll, w0)
print("by hand  :", by_hand)
print("autograd :", w_t.grad.numpy())
print("numerical:", numeric)
assert np.allclose(by_hand, w_t.grad.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)

# %% [markdown]
# ## The two links, fitted
#
# $\Phi(z)$ and $\sigma(1.7z)$ differ by less than 0.01 everywhere, so the two models draw nearly the
# same boundary. The logistic weights come out larger than the probit ones by a factor near 1.7–2
# (the links match best at 1.7; the rest depends on the data).

# %%
logistic = LogisticRegression(penalty=None).fit(X, y)
probit = ProbitRegression(penalty=None).fit(X, y)
print("logistic:", logistic.coef_.ravel().round(3), logistic.intercept_.round(3))
print("probit  :", probit.coef_.ravel().round(3), probit.intercept_.round(3))
print("ratio   :", (logistic.coef_ / probit.coef_).ravel().round(2))

fig, axes = plt.subplots(1, 3, figsize=(13, 4))
grid = np.linspace(-5, 5, 200)
sigma = 1 / (1 + np.exp(-grid))
Phi = 0.5 * (1 + np.vectorize(math.erf)(grid / math.sqrt(2)))
axes[0].plot(grid, sigma, label="σ(z)")
axes[0].plot(grid, Phi, label="Φ(z)")
axes[0].plot(grid, 1 / (1 + np.exp(-1.7 * grid)), "--", label="σ(1.7z)")
axes[0].set(title="the two links", xlabel="z")
axes[0].legend()
plot_decision_boundary(logistic, X, y, ax=axes[1], title="logistic regression")
plot_decision_boundary(probit, X, y, ax=axes[2], title="probit regression")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The probabilities themselves
#
# Unlike the perceptron, these models say how sure they are: `predict_proba` is $\sigma(z)$ (or
# $\Phi(z)$), and the log-likelihood rewards calibrated confidence.

# %%
print("P(y = 1) for the first five points:", logistic.predict_proba(X[:5])[:, 1].round(3))
print("labels:                            ", y[:5])
print(f"accuracy: logistic {logistic.score(X, y):.3f}, probit {probit.score(X, y):.3f}")
