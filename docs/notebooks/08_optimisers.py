# %% [markdown]
# # 8. Optimisers
#
# Gradient descent, its stochastic and mini-batch forms, momentum as an exponential moving average
# of the gradients, Adam, and decaying learning rates: one problem, every method, their paths on
# the loss surface and their loss curves side by side.
#
# In deepstep: [`optim.SGD`](../../src/deepstep/optim/rules.py#SGD) (momentum, Nesterov, weight decay),
# [`optim.Adam`](../../src/deepstep/optim/rules.py#Adam) and the schedules of
# [`deepstep/optim/schedules.py`](../../src/deepstep/optim/schedules.py), e.g.
# [`InverseTimeLR`](../../src/deepstep/optim/schedules.py#InverseTimeLR). Each optimizer is one
# `update` method: the formula, in place.

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
from deepstep import nn, optim
from deepstep.autograd import numerical_grad

# %% [markdown]
# ## The problem
#
# Least squares with two strongly correlated features, so that the loss surface is a long narrow
# valley (condition number about 40) — the shape that makes plain gradient descent zig-zag:
#
# $$
# L(w) = \frac{1}{2N} \lVert X w - y \rVert^2, \qquad \nabla L(w) = \frac1N X^\top (X w - y),
# \qquad \nabla L_B(w) = \frac{1}{n_b} X_B^\top (X_B w - y_B)
# $$
#
# for a mini-batch $B$ of $n_b$ rows. The gradient, three ways:

# %%
rng = np.random.default_rng(0)
N = 400
X = rng.multivariate_normal([0, 0], [[1.0, 0.95], [0.95, 1.0]], size=N)
y = X @ np.array([1.0, -1.0]) + rng.normal(0, 0.3, N)
w_star = np.linalg.solve(X.T @ X, X.T @ y)
start = np.array([-2.5, 2.0])


def loss_at(w):
    """L at one point (2,) or at many (..., 2)."""
    return 0.5 * np.mean((np.asarray(w)[..., None, :] @ X.T - y) ** 2, axis=(-2, -1))


def loss(w):
    return 0.5 * ((ds.tensor(X) @ w - ds.tensor(y)) ** 2).mean()


by_hand = X.T @ (X @ start - y) / N
w_t = ds.tensor(start, requires_grad=True)
loss(w_t).backward()
print("by hand  :", by_hand)
print("autograd :", w_t.grad.numpy())
print("numerical:", numerical_grad(loss, start))
assert np.allclose(by_hand, w_t.grad.numpy()) and np.allclose(by_hand, numerical_grad(loss, start))

# %% [markdown]
# ## The methods
#
# **Gradient descent** (full batch) and **stochastic / mini-batch gradient descent**:
# $w \leftarrow w - \varepsilon\, g$ with $g = \nabla L$ or $\nabla L_B$.
#
# **Momentum**, in the notes' form, keeps an exponential moving average of the gradients and steps
# along it; in the valley the zig-zag components cancel and the downhill ones add up:
#
# $$
# m \leftarrow \beta m + (1 - \beta)\, g, \qquad w \leftarrow w - \varepsilon\, m .
# $$
#
# (PyTorch writes $m \leftarrow \beta m + g$: the same path with $\varepsilon$ scaled by $1 - \beta$;
# deepstep's `SGD(momentum=β, dampening=β)` is the notes' form.)
#
# **Adam** keeps averages of the gradient and of its square, corrects their bias towards 0 at the
# start, and divides — each weight gets its own step size:
#
# $$
# m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
# v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
# \hat m = \frac{m}{1 - \beta_1^t}, \quad \hat v = \frac{v}{1 - \beta_2^t}, \quad
# w \leftarrow w - \varepsilon \frac{\hat m}{\sqrt{\hat v} + \epsilon} .
# $$
#
# **Decaying rates**: with noisy gradients a fixed $\varepsilon$ leaves $w$ hovering around the
# minimum; $\varepsilon_t = \varepsilon_0 / (1 + k t)$ satisfies Robbins–Monro's
# $\sum_t \varepsilon_t = \infty$ (it can still go anywhere) and $\sum_t \varepsilon_t^2 < \infty$
# (the noise it adds is finite), and converges.
#
# Adam's first step, by hand, against `optim.Adam`:

# %%
g = by_hand
m, v = (1 - 0.9) * g, (1 - 0.999) * g**2
step_by_hand = start - 0.1 * (m / (1 - 0.9)) / (np.sqrt(v / (1 - 0.999)) + 1e-8)
w_t = nn.Parameter(ds.tensor(start.copy()))
adam = optim.Adam([w_t], lr=0.1)
loss(w_t).backward()
adam.step()
print("by hand:", step_by_hand, "  optim.Adam:", w_t.numpy())
assert np.allclose(step_by_hand, w_t.numpy())

# %% [markdown]
# ## The race
#
# Every method starts at the same point and takes 200 steps (mini-batches of 20 for the stochastic
# ones, all drawn from the same seeded stream).


# %%
def run(make_optimizer, batch=None, steps=200, schedule=None, seed=0):
    w = nn.Parameter(ds.tensor(start.copy()))
    optimizer = make_optimizer([w])
    scheduler = schedule(optimizer) if schedule else None
    rng = np.random.default_rng(seed)
    path = [w.numpy().copy()]
    for _ in range(steps):
        rows = slice(None) if batch is None else rng.choice(N, batch, replace=False)
        optimizer.zero_grad()
        (0.5 * ((ds.tensor(X[rows]) @ w - ds.tensor(y[rows])) ** 2).mean()).backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        path.append(w.numpy().copy())
    return np.array(path)


runs = {
    "gradient descent, ε = 0.5": run(lambda p: optim.SGD(p, lr=0.5)),
    "mini-batch SGD, ε = 0.5": run(lambda p: optim.SGD(p, lr=0.5), batch=20),
    "SGD, ε₀/(1 + t/100)": run(
        lambda p: optim.SGD(p, lr=0.5), batch=20, schedule=lambda o: optim.InverseTimeLR(o, 0.01)
    ),
    "momentum β = 0.9 (EMA), ε = 2": run(
        lambda p: optim.SGD(p, lr=2.0, momentum=0.9, dampening=0.9), batch=20
    ),
    "Adam, ε = 0.2": run(lambda p: optim.Adam(p, lr=0.2), batch=20),
}

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
a, b = np.meshgrid(np.linspace(-3, 3.5, 200), np.linspace(-3, 3, 200))
surface = loss_at(np.stack([a, b], axis=-1))
left.contour(
    a, b, surface, levels=np.geomspace(surface.min() + 1e-3, surface.max(), 25), cmap="Greys", linewidths=0.6
)
for name, path in runs.items():
    left.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=0.9, label=name)
    right.semilogy(loss_at(path) - loss_at(w_star) + 1e-12, label=name)
left.plot(*w_star, "k*", ms=14)
left.set(xlabel="w₁", ylabel="w₂", title="paths on the loss surface", aspect="equal")
right.set(xlabel="step", ylabel="L(w) − L(w*)", title="loss curves", ylim=(1e-7, 20))
right.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# What the picture shows. Gradient descent, with the exact gradient, crosses the valley back and
# forth while it creeps along it, and converges (geometrically, at the pace of the flattest
# direction). Mini-batch SGD follows the same route for a fraction of the cost per step but ends
# in a cloud of noise around $w^*$, whose size is set by $\varepsilon$ and the batch; the decaying
# rate shrinks the cloud, but slowly, and it slows the creep down the valley as well: by step 200
# its rate is down to a third and it is still arriving. Adam, scale-free, first moves both weights
# by about $\varepsilon$ (a diagonal start), then settles.
#
# Momentum with $\beta = 0.9$ and $\varepsilon = 2$ **overshoots**. The velocity it builds up
# carries it far across the valley and up the far wall — its loss climbs well above where it
# started — and each swing is only about $\sqrt\beta \approx 0.95$ of the last (a heavy ball with
# this little friction is under-damped). It still gets down the valley first: its gap
# $L(w) - L(w^*)$ first falls below $10^{-2}$ at about step 25, where the others need 74 steps or
# more. But once there it keeps swinging, and its long-run step is $\varepsilon = 2$ (in a steady
# state the average $m$ is $g$), four times plain SGD's, so its cloud of noise is wider: a little
# over the last 100 steps here, about 2.5 times (in mean gap) over a run of 2000 steps. So it ends
# worse than plain mini-batch SGD. Each final number is one step's value, one draw from its cloud
# (Adam's is an unlucky one), so the cell also prints the mean gap over the last 100 steps.

# %%
for name, path in runs.items():
    gap = loss_at(path) - loss_at(w_star)
    print(
        f"{name:34s} final L(w) − L(w*) = {gap[-1]:.2e}, mean over the last 100 steps {gap[-100:].mean():.2e}"
    )

# %% [markdown]
# Momentum wins with a step its cloud can afford. With $\varepsilon = 0.5$, plain SGD's long-run
# step, $\beta = 0.9$ averages the noise of about ten batches, and its mean gap over the last 100
# steps is about half plain SGD's — though it no longer gets down the valley much sooner. A milder
# $\beta = 0.8$ with $\varepsilon = 1$ does both in this race: below $10^{-2}$ at about step 30,
# and a lower mean gap at the end (over much longer runs its cloud is about as wide as SGD's).

# %%
calmer = {
    "momentum β = 0.9 (EMA), ε = 0.5": run(
        lambda p: optim.SGD(p, lr=0.5, momentum=0.9, dampening=0.9), batch=20
    ),
    "momentum β = 0.8 (EMA), ε = 1": run(
        lambda p: optim.SGD(p, lr=1.0, momentum=0.8, dampening=0.8), batch=20
    ),
}
for name, path in {"mini-batch SGD, ε = 0.5": runs["mini-batch SGD, ε = 0.5"], **calmer}.items():
    gap = loss_at(path) - loss_at(w_star)
    first = np.argmax(gap < 1e-2)
    print(
        f"{name:34s} first below 1e-2 at step {first:3d}, mean of the last 100 steps {gap[-100:].mean():.2e}"
    )
