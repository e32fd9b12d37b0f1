# %% [markdown]
# # 2. Linear regression
#
# The first model fitted by minimising a loss, and the one where everything can be done by hand:
# the closed-form solution (the normal equations), what goes wrong when it does not exist (and how
# ridge regression repairs it), and the iterative road — gradient descent, stochastic and
# mini-batch — with the conditions on the learning rate that make it converge.
#
# In deepstep: [`LinearRegression`](../../src/deepstep/linear/regression.py#LinearRegression) and
# [`Ridge`](../../src/deepstep/linear/regression.py#Ridge) in
# [`deepstep/linear/regression.py`](../../src/deepstep/linear/regression.py), whose module docstring
# states the formulas below.

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
from deepstep.autograd import numerical_grad
from deepstep.datasets import HOUSING_FEATURES, housing
from deepstep.linear import LinearRegression, Ridge

# %% [markdown]
# ## The model and the loss
#
# Each example is a row $x_i^\top$ of $X \in \mathbb R^{N\times d}$; with the bias trick (a column of
# ones, $\tilde X = [X, \mathbf 1]$) the prediction is $\hat y = \tilde X \tilde w$ and the loss is half
# the mean squared error,
#
# $$
# L(\tilde w) = \frac{1}{2N} \lVert \tilde X \tilde w - y \rVert^2,
# \qquad
# \nabla L = \frac1N \tilde X^\top (\tilde X \tilde w - y),
# \qquad
# \nabla^2 L = H = \frac1N \tilde X^\top \tilde X .
# $$
#
# The notes' house prices: price (k€) against living area, rooms, age and distance to the centre.

# %%
X, y = housing(500, seed=0)
X, y = X.astype(np.float64), y.astype(np.float64)
print(HOUSING_FEATURES)
print(X[:3].round(1), y[:3].round(1))

# %% [markdown]
# The gradient three ways: by hand
# ([`loss_and_grad`](../../src/deepstep/linear/regression.py#_LeastSquares.loss_and_grad)), by
# autograd, and by central differences.

# %%
rng = np.random.default_rng(0)
w0 = rng.standard_normal(5)  # [w; b]
by_hand = LinearRegression().loss_and_grad(w0, X, y)[1]


def half_mse(w):
    return 0.5 * ((ds.tensor(X) @ w[:4] + w[4] - ds.tensor(y)) ** 2).mean()


w_t = ds.tensor(w0, requires_grad=True)
half_mse(w_t).backward()
numeric = numerical_grad(half_mse, w0)
print("by hand  :", by_hand.round(4))
print("autograd :", w_t.grad.numpy().round(4))
print("numerical:", numeric.round(4))
assert np.allclose(by_hand, w_t.grad.numpy()) and np.allclose(by_hand, numeric, rtol=1e-5)

# %% [markdown]
# ## The normal equations
#
# $L$ is a convex quadratic, so its minimum is where the gradient vanishes:
#
# $$
# \tilde X^\top \tilde X\, \tilde w = \tilde X^\top y
# \quad\Longrightarrow\quad
# \tilde w = (\tilde X^\top \tilde X)^{-1} \tilde X^\top y .
# $$
#
# (The notes store examples as *columns*, $X \in \mathbb R^{d\times N}$; the same equations then
# read $(XX^\top) w = Xy$.) The true coefficients of this data set are 2.5, 10, −0.8, −6 and the
# intercept 50.

# %%
Xt = np.hstack([X, np.ones((len(X), 1))])
w_normal = np.linalg.solve(Xt.T @ Xt, Xt.T @ y)
model = LinearRegression().fit(X, y)
print("by hand :", w_normal.round(2))
print("deepstep:", model.coef_.round(2), round(model.intercept_, 2))

# %% [markdown]
# ## When $X^\top X$ is singular: ridge regression
#
# If one feature is a combination of others — here the area in square feet next to the area in
# square metres — the columns of $X$ are dependent, $X^\top X$ has a zero eigenvalue and the normal
# equations have infinitely many solutions. Ridge regression adds $\frac{\alpha}{2N}\lVert w\rVert^2$
# to the loss (not on the bias), which makes the system
#
# $$
# (X^\top X + \alpha I)\, w = X^\top y
# $$
#
# invertible for every $\alpha > 0$: all eigenvalues are lifted by $\alpha$. deepstep's
# [`LinearRegression`](../../src/deepstep/linear/regression.py#_normal_equations) falls back on the
# minimum-norm least-squares solution when the system is singular.

# %%
X_dup = np.hstack([X, 10.7639 * X[:, :1]])  # the area again, in square feet
Xc = X_dup - X_dup.mean(axis=0)
print("eigenvalues of XᵀX (centred):", [f"{v:.3g}" for v in np.linalg.eigvalsh(Xc.T @ Xc)])
print("condition number:", f"{np.linalg.cond(Xc.T @ Xc):.1e}")
print("least squares, minimum norm:", LinearRegression().fit(X_dup, y).coef_.round(3))
for alpha in (1.0, 100.0, 10000.0):
    print(f"ridge α = {alpha:>7}:", Ridge(alpha=alpha).fit(X_dup, y).coef_.round(3))

# %% [markdown]
# The two area columns share the weight between them ($2.5 \approx w_1 + 10.76\,w_5$); a large
# $\alpha$ shrinks every weight towards 0.
#
# ## Gradient descent, and its learning-rate condition
#
# Gradient descent repeats $\tilde w \leftarrow \tilde w - \varepsilon \nabla L(\tilde w)$. On a
# quadratic, the error $e = \tilde w - \tilde w^*$ evolves as $e \leftarrow (I - \varepsilon H) e$,
# so along each eigenvector of $H$ (eigenvalue $\lambda$) it is multiplied by $1 - \varepsilon\lambda$
# per step. It converges if and only if
#
# $$
# 0 < \varepsilon < \frac{2}{\lambda_{\max}(H)},
# $$
#
# and then at the speed of the slowest direction, $|1 - \varepsilon\lambda_{\min}|$ per step: badly
# scaled features (area in m², rooms in units) make $\lambda_{\max}/\lambda_{\min}$ huge. So we
# standardise them first, and watch two parameters (the area's weight and the intercept) move on
# the loss surface.

# %%
Z = (X - X.mean(axis=0)) / X.std(axis=0)
Zt = np.hstack([Z, np.ones((len(Z), 1))])
H = Zt.T @ Zt / len(Zt)
lam_max = np.linalg.eigvalsh(H).max()
w_star = np.linalg.solve(Zt.T @ Zt, Zt.T @ y)


def gradient_descent(lr, steps=40):
    w, path = np.zeros(5), []
    for _ in range(steps):
        path.append(w.copy())
        w -= lr * Zt.T @ (Zt @ w - y) / len(Zt)
    return np.array(path)


fig, ax = plt.subplots(figsize=(6, 4.5))
a, b = np.meshgrid(np.linspace(-20, 160, 120), np.linspace(-40, 400, 120))
residual = Zt @ w_star - y  # move only the area's weight (a) and the intercept (b) away from w*
grid = 0.5 * np.mean(
    (residual + (a - w_star[0])[..., None] * Zt[:, 0] + (b - w_star[4])[..., None]) ** 2, axis=-1
)
ax.contour(a, b, grid, levels=np.geomspace(grid.min(), grid.max(), 20), cmap="viridis", linewidths=0.7)
for factor in (0.3, 1.0, 1.9):
    path = gradient_descent(factor / lam_max)
    ax.plot(path[:, 0], path[:, 4], "o-", ms=2.5, label=f"ε = {factor}/λmax")
ax.plot(w_star[0], w_star[4], "k*", ms=12, label="w*")
ax.set(xlabel="weight of the area (standardised)", ylabel="intercept", title="gradient descent paths")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Stochastic and mini-batch gradient descent
#
# The gradient is a mean over examples, so one example (stochastic) or a mini-batch $B$ of $n_b$
# examples gives an unbiased, cheaper, noisy estimate:
#
# $$
# \tilde w \leftarrow \tilde w - \frac{\varepsilon_t}{n_b} \sum_{i \in B}
# \tilde x_i (\tilde x_i^\top \tilde w - y_i).
# $$
#
# With a fixed rate the noise never dies out: the weights hover around $\tilde w^*$. To converge,
# the rates must decrease, but not too fast (Robbins–Monro):
#
# $$
# \sum_t \varepsilon_t = \infty, \qquad \sum_t \varepsilon_t^2 < \infty,
# \qquad\text{e.g. } \varepsilon_t = \frac{\varepsilon_0}{1 + t/\tau} .
# $$


# %%
def minibatch_sgd(batch, lr0, epochs=15, decay=None, seed=0):
    rng, w, t, losses = np.random.default_rng(seed), np.zeros(5), 0, []
    for _ in range(epochs):
        order = rng.permutation(len(Zt))
        for start in range(0, len(Zt), batch):
            rows = order[start : start + batch]
            lr = lr0 if decay is None else lr0 / (1 + t / decay)
            w -= lr * Zt[rows].T @ (Zt[rows] @ w - y[rows]) / len(rows)
            t += 1
        losses.append(0.5 * np.mean((Zt @ w - y) ** 2))
    return losses


best = 0.5 * np.mean((Zt @ w_star - y) ** 2)
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogy(np.array(minibatch_sgd(len(Zt), 1 / lam_max)) - best, label="batch gradient descent")
ax.semilogy(np.array(minibatch_sgd(1, 0.05)) - best, label="stochastic, fixed ε")
ax.semilogy(np.array(minibatch_sgd(1, 0.05, decay=500)) - best, label="stochastic, ε₀/(1 + t/τ)")
ax.semilogy(np.array(minibatch_sgd(32, 0.1)) - best, label="mini-batch of 32, fixed ε")
ax.set(xlabel="epoch", ylabel="L(w) − L(w*)", title="convergence on the house prices")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# deepstep's estimators take the same routes: `solver="gd"` (learning rate $1/\lambda_{\max}$ found by
# power iteration), `solver="sgd"` (mini-batches with momentum), and `solver="normal"`.

# %%
for solver in ("normal", "gd", "sgd"):
    fitted = LinearRegression(solver=solver, max_iter=2000, random_state=0).fit(Z, y)
    print(f"{solver:6s} iterations {fitted.n_iter_:4d}  R² {fitted.score(Z, y):.4f}")
