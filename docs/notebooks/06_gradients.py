# %% [markdown]
# # 6. Numerical and analytic gradients, automatic differentiation
#
# Every learning rule of this course is a gradient. It can be derived by hand (and gotten wrong),
# estimated numerically (slowly, and only approximately), or computed by automatic
# differentiation: the chain rule applied mechanically to the graph of operations that computed
# the loss. Gradient checking holds each of them to the others.
#
# In deepstep: [`numerical_grad` and `gradcheck`](../../src/deepstep/autograd/gradcheck.py),
# [`Function`](../../src/deepstep/autograd/function.py#Function) (one op: forward and backward side by
# side) and the backward walk [`run_backward`](../../src/deepstep/autograd/engine.py#run_backward).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
from deepstep.autograd import GradcheckError, numerical_grad

# %% [markdown]
# ## Finite differences and their error
#
# Taylor's formula gives two estimates of $f'(x)$:
#
# $$
# \frac{f(x + h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + O(h^2),
# \qquad
# \frac{f(x + h) - f(x - h)}{2h} = f'(x) + \tfrac{h^2}{6} f'''(x) + O(h^4).
# $$
#
# The one-sided difference has an error of order $h$, the central one of order $h^2$. But $h$
# cannot shrink forever: $f$ is computed with a relative rounding error $\epsilon$ ($2.2\cdot10^{-16}$
# in float64, $1.2\cdot10^{-7}$ in float32), which the division by $h$ magnifies into an error of
# order $\epsilon/h$. The total is smallest near $h \approx \epsilon^{1/3} \approx 10^{-5}$ for the
# central difference in float64 — deepstep uses $h = 10^{-6}$.


# %%
def f(x):
    return np.tanh(x) * x**2


def f_prime(x):
    return (1 - np.tanh(x) ** 2) * x**2 + 2 * x * np.tanh(x)


x0 = 0.7
hs = np.logspace(-14, 0, 57)
fig, ax = plt.subplots(figsize=(6.5, 4))
for dtype in (np.float64, np.float32):
    x = dtype(x0)
    forward = np.array([(f(x + dtype(h)) - f(x)) / dtype(h) for h in hs])
    central = np.array([(f(x + dtype(h)) - f(x - dtype(h))) / (2 * dtype(h)) for h in hs])
    style = "-" if dtype is np.float64 else ":"
    ax.loglog(
        hs, np.abs(forward - f_prime(x0)) + 1e-18, style, color="C0", label=f"forward, {dtype.__name__}"
    )
    ax.loglog(
        hs, np.abs(central - f_prime(x0)) + 1e-18, style, color="C1", label=f"central, {dtype.__name__}"
    )
ax.set(
    xlabel="step h",
    ylabel="|error|",
    title="finite differences: truncation against rounding",
    ylim=(1e-13, 10),
)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# So gradient checks run in **float64** with central differences. `numerical_grad` perturbs one
# element at a time (two evaluations per element: fine for checking, hopeless for training a
# network with a million weights — which is why we need the analytic gradient at all).
#
# ## Checking a gradient
#
# Compare analytic $a$ and numeric $n$ element by element with a tolerance that is relative for
# large values and absolute near 0, $|a - n| \le \text{atol} + \text{rtol}\,|n|$. `ds.gradcheck`
# does this for every floating input of a function (for a non-scalar output $y$ it checks the
# vector–Jacobian product of a fixed random $v$, $\nabla (v^\top y)$).
#
# Here is an op written by hand with a bug in its backward — the derivative of $a^3$ taken as
# $2a^2$ — and the check that catches it:


# %%
class BrokenCube(ds.Function):
    """z = a³;   ∂z/∂a = 2a² (wrong: it is 3a²)."""

    def forward(self, a):
        self.a = a
        return a**3

    def backward(self, g):
        return (g * 2 * self.a**2,)


class Cube(ds.Function):
    """z = a³;   ∂z/∂a = 3a²."""

    def forward(self, a):
        self.a = a
        return a**3

    def backward(self, g):
        return (g * 3 * self.a**2,)


a = ds.randn(5, seed=0)
try:
    ds.gradcheck(lambda t: BrokenCube()(t), a)
except GradcheckError as error:
    print("BrokenCube:", error)
print("Cube:", ds.gradcheck(lambda t: Cube()(t), a))

# %% [markdown]
# ## Automatic differentiation of a composed function
#
# Take $f(x, y) = \sum_i \tanh(u_i)$ with $u = x \odot y + \sin x$. By hand, with the chain rule,
#
# $$
# \frac{\partial f}{\partial x_i} = \bigl(1 - \tanh^2 u_i\bigr)\,\bigl(y_i + \cos x_i\bigr),
# \qquad
# \frac{\partial f}{\partial y_i} = \bigl(1 - \tanh^2 u_i\bigr)\, x_i .
# $$
#
# Reverse-mode automatic differentiation gets the same numbers without the derivation. The forward
# pass records each op and what its backward needs; `backward()` then visits the ops from the
# output back, each turning the gradient of its output $\bar z = \partial f/\partial z$ into the
# gradients of its inputs (a *vector–Jacobian product*, $\bar a = J^\top \bar z$), and sums the
# contributions of a tensor used twice ($x$ here). One backward pass costs about as much as the
# forward pass, whatever the number of inputs. Three ways:

# %%
rng = np.random.default_rng(1)
x0, y0 = rng.standard_normal(4), rng.standard_normal(4)
x = ds.tensor(x0, requires_grad=True)
y = ds.tensor(y0, requires_grad=True)
u = x * y + x.sin()
out = u.tanh().sum()
out.backward()

by_hand_x = (1 - np.tanh(x0 * y0 + np.sin(x0)) ** 2) * (y0 + np.cos(x0))
by_hand_y = (1 - np.tanh(x0 * y0 + np.sin(x0)) ** 2) * x0
numeric_x = numerical_grad(lambda t: (t * ds.tensor(y0) + t.sin()).tanh().sum(), x0)
numeric_y = numerical_grad(lambda t: (ds.tensor(x0) * t + ds.tensor(x0).sin()).tanh().sum(), y0)
print("∂f/∂x  by hand  :", by_hand_x.round(6))
print("       autograd :", x.grad.numpy().round(6))
print("       numerical:", numeric_x.round(6))
print("∂f/∂y  by hand  :", by_hand_y.round(6))
print("       autograd :", y.grad.numpy().round(6))
print("       numerical:", numeric_y.round(6))
assert np.allclose(by_hand_x, x.grad.numpy()) and np.allclose(by_hand_x, numeric_x, atol=1e-8)
assert np.allclose(by_hand_y, y.grad.numpy()) and np.allclose(by_hand_y, numeric_y, atol=1e-8)

# %% [markdown]
# ## The graph, drawn
#
# Every tensor made by an op remembers it (`grad_fn`), and every op its inputs: that is the graph
# the backward pass walks. Drawn from the leaves (left) to the output (right), with the backward
# pass's direction against the arrows:


# %%
def graph_of(root, names):
    """Nodes {id: (label, depth)} and edges [(from, to)] of the ops behind root (depth from the output)."""
    nodes, edges, stack = {}, [], [(root.grad_fn, 0)]
    while stack:
        op, depth = stack.pop()
        nodes[id(op)] = (type(op).__name__, max(depth, nodes.get(id(op), ("", 0))[1]))
        for t in op.inputs:
            if t is None:
                continue
            parent = op.parent(t)
            if parent is None:  # a leaf: a tensor the user made
                nodes[id(t)] = (names.get(id(t), "leaf"), max(depth + 1, nodes.get(id(t), ("", 0))[1]))
                edges.append((id(t), id(op)))
            else:
                edges.append((id(parent), id(op)))
                stack.append((parent, depth + 1))
    return nodes, sorted(set(edges))


x = ds.tensor(x0, requires_grad=True)
y = ds.tensor(y0, requires_grad=True)
out = (x * y + x.sin()).tanh().sum()
nodes, edges = graph_of(out, {id(x): "x (leaf)", id(y): "y (leaf)"})

deepest = max(d for _, d in nodes.values())
columns = {}
for key, (_, depth) in nodes.items():
    columns.setdefault(depth, []).append(key)
position = {}
for depth, keys in columns.items():
    for row, key in enumerate(sorted(keys, key=lambda k: nodes[k][0])):
        position[key] = (deepest - depth, row - (len(keys) - 1) / 2)
fig, ax = plt.subplots(figsize=(8, 3))
for a, b in edges:
    ax.annotate(
        "", xy=position[b], xytext=position[a], arrowprops={"arrowstyle": "->", "shrinkA": 28, "shrinkB": 28}
    )
for key, (label, _) in nodes.items():
    leaf = "leaf" in label
    ax.text(*position[key], label, ha="center", va="center", fontsize=9,
            bbox={"boxstyle": "round", "fc": "#fde9c9" if leaf else "#dfe6fb", "ec": "0.4"})  # fmt: skip
ax.set(xlim=(-0.6, deepest + 0.6), ylim=(-1.2, 1.2), title="the graph of f(x, y) = Σ tanh(x ⊙ y + sin x)")
ax.axis("off")
plt.show()
