# %% [markdown]
# # 13. Recurrent networks and attention
#
# Text, speech and time series come as sequences of any length. A recurrent network reads them one
# step at a time and carries a state; it is trained by back-propagation through time, the chain
# rule along the unrolled loop. Attention lets every position look at every other one directly
# instead, and the Transformer is built from it. We derive both, check their gradients, and train a
# character-level LSTM and a small GPT on the King James Bible.
#
# In deepstep: the cells and their written-out backward in
# [`deepstep/functional/recurrent.py`](../../src/deepstep/functional/recurrent.py) (module docstring:
# the RNN, LSTM and GRU equations), [`nn.RNN`](../../src/deepstep/nn/rnn.py#RNN) and
# [`nn.LSTM`](../../src/deepstep/nn/rnn.py#LSTM); attention in
# [`F.scaled_dot_product_attention`](
# ../../src/deepstep/functional/attention.py#scaled_dot_product_attention)
# with its backward in [`ScaledDotProductAttention`](
# ../../src/deepstep/functional/attention.py#ScaledDotProductAttention);
# the models [`CharRNN` and `GPT`](../../src/deepstep/models/language.py).

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep import nn, optim
from deepstep.autograd import numerical_grad
from deepstep.models import GPT, CharRNN
from deepstep.text import CharTokenizer, TokenStream, load_kjv
from deepstep.viz import plot_attention, plot_loss_curves

# %% [markdown]
# ## A recurrent network, and back-propagation through time
#
# The simple (Elman) RNN updates its state with the same weights at every step:
#
# $$
# h_t = \tanh\bigl(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}\bigr), \qquad h_0 = 0 .
# $$
#
# Unrolled over $T$ steps it is a deep network whose layers share their weights. For a loss
# $L = \sum_t \ell_t(h_t)$, the gradient reaching $h_t$ comes from its own output and from the next
# step; with $\delta_t = \partial L / \partial (\text{pre-activation at } t)$:
#
# $$
# \frac{\partial L}{\partial h_t} = \frac{\partial \ell_t}{\partial h_t} + W_{hh}^\top \delta_{t+1},
# \qquad
# \delta_t = \frac{\partial L}{\partial h_t} \odot \bigl(1 - h_t^2\bigr),
# \qquad
# \nabla_{W_{hh}} L = \sum_t \delta_t\, h_{t-1}^\top, \quad
# \nabla_{W_{ih}} L = \sum_t \delta_t\, x_t^\top .
# $$
#
# By hand in NumPy (one sequence, $\ell_t = r_t^\top h_t$ for fixed random $r_t$), by autograd
# through `nn.RNN` with the same weights, and numerically:

# %%
rng = np.random.default_rng(0)
T, n_in, n_h = 6, 3, 4
x = rng.standard_normal((T, n_in))
r = rng.standard_normal((T, n_h))
W_ih, W_hh = rng.standard_normal((n_h, n_in)) * 0.5, rng.standard_normal((n_h, n_h)) * 0.5
b_ih, b_hh = rng.standard_normal(n_h) * 0.1, rng.standard_normal(n_h) * 0.1

h = np.zeros((T + 1, n_h))  # h[0] is h₀
for t in range(T):
    h[t + 1] = np.tanh(W_ih @ x[t] + b_ih + W_hh @ h[t] + b_hh)
grad_W_hh, grad_W_ih, delta_next = np.zeros_like(W_hh), np.zeros_like(W_ih), np.zeros(n_h)
for t in reversed(range(T)):
    dh = r[t] + W_hh.T @ delta_next
    delta = dh * (1 - h[t + 1] ** 2)
    grad_W_hh += np.outer(delta, h[t])
    grad_W_ih += np.outer(delta, x[t])
    delta_next = delta

rnn = nn.RNN(n_in, n_h, batch_first=True).double()
for name, value in (
    ("weight_ih_l0", W_ih),
    ("weight_hh_l0", W_hh),
    ("bias_ih_l0", b_ih),
    ("bias_hh_l0", b_hh),
):
    getattr(rnn, name).data[...] = value
outputs, _ = rnn(ds.tensor(x[None]))
(outputs[0] * ds.tensor(r)).sum().backward()


def loss_of_W_hh(w):
    """The same loss, one cell step at a time (F.rnn_tanh_cell), as a function of W_hh."""
    state, total = ds.zeros(1, n_h, dtype=ds.float64), 0
    for t in range(T):
        state = F.rnn_tanh_cell(
            ds.tensor(x[t : t + 1]), state, ds.tensor(W_ih), w, ds.tensor(b_ih), ds.tensor(b_hh)
        )
        total = total + (state[0] * ds.tensor(r[t])).sum()
    return total


numeric = numerical_grad(loss_of_W_hh, W_hh)
gaps = np.abs(grad_W_hh - rnn.weight_hh_l0.grad.numpy()).max(), np.abs(grad_W_hh - numeric).max()
print(f"∇W_hh largest gaps: autograd {gaps[0]:.1e}, numerical {gaps[1]:.1e}")
print(f"∇W_ih largest gap:  autograd {np.abs(grad_W_ih - rnn.weight_ih_l0.grad.numpy()).max():.1e}")
assert np.allclose(grad_W_hh, rnn.weight_hh_l0.grad.numpy()) and np.allclose(grad_W_hh, numeric, atol=1e-8)
assert np.allclose(grad_W_ih, rnn.weight_ih_l0.grad.numpy())

# %% [markdown]
# ## Vanishing and exploding gradients
#
# The gradient that reaches step 1 from step $T$ is a product of $T - 1$ Jacobians
# $\operatorname{diag}(1 - h_t^2)\, W_{hh}$. Its size behaves like a power of $W_{hh}$'s largest
# singular value (damped by the tanh slopes): it shrinks geometrically when that is below 1, and
# can grow geometrically above it. The LSTM's cell state $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ is
# the way out — an additive path whose gradient is scaled only by the forget gate $f_t$:
#
# $$
# (i, f, g, o) = (\sigma, \sigma, \tanh, \sigma)(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}),
# \qquad c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh c_t .
# $$

# %%
steps = np.arange(1, 61)
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for scale in (0.5, 1.0, 1.5):
    ds.manual_seed(0)
    cell = nn.RNN(8, 32, batch_first=True).double()
    with ds.no_grad():
        q = np.linalg.qr(np.random.default_rng(0).standard_normal((32, 32)))[0]
        cell.weight_hh_l0.data[...] = scale * q  # every singular value equals `scale`
    inputs = ds.tensor(np.random.default_rng(1).standard_normal((1, 60, 8)) * 0.1, requires_grad=True)
    out, _ = cell(inputs)
    out[0, -1].sum().backward()
    ax.semilogy(steps, np.linalg.norm(inputs.grad.numpy()[0], axis=1), label=f"W_hh = {scale}·(orthogonal)")
ax.set(xlabel="input step t", ylabel="‖∂h₆₀/∂x_t‖", title="how far back the gradient reaches (tanh RNN)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# A single LSTM step and a GRU step, gradient-checked by `ds.gradcheck` (every input at once):

# %%
x1, h1, c1 = ds.randn(2, 3, seed=1), ds.randn(2, 4, seed=2), ds.randn(2, 4, seed=3)
w_ih, w_hh, b = ds.randn(16, 3, seed=4), ds.randn(16, 4, seed=5), ds.randn(16, seed=6)
print(
    "LSTM cell:",
    ds.gradcheck(lambda *a: F.lstm_cell(a[0], (a[1], a[2]), *a[3:])[1], x1, h1, c1, w_ih, w_hh, b, b),
)
print("GRU cell: ", ds.gradcheck(F.gru_cell, x1, h1, ds.randn(12, 3, seed=7), ds.randn(12, 4, seed=8)))

# %% [markdown]
# ## Scaled dot-product attention
#
# Each query $q_i$ scores every key $k_j$ by a dot product, the scores become weights by a softmax,
# and the output is the weighted mean of the values:
#
# $$
# O = \operatorname{softmax}\!\Bigl(\frac{Q K^\top}{\sqrt{d}} + M\Bigr) V = P V,
# $$
#
# with $M_{ij} = -\infty$ where query $i$ may not look at key $j$ (the causal mask $j > i$ of a
# language model). The $1/\sqrt d$ keeps the scores' variance near 1 for unit-variance $q, k$, so
# the softmax does not saturate. Its backward, with $\bar O = \partial L/\partial O$:
#
# $$
# \bar V = P^\top \bar O, \qquad \bar P = \bar O V^\top, \qquad
# \bar S = P \odot \Bigl(\bar P - \textstyle\sum_j (\bar P \odot P)_{\cdot j}\Bigr), \qquad
# \bar Q = \frac{\bar S K}{\sqrt d}, \qquad \bar K = \frac{\bar S^\top Q}{\sqrt d} .
# $$
#
# By hand, by autograd and numerically (with the causal mask):

# %%
L_, d = 5, 4
Q0, K0, V0 = (rng.standard_normal((L_, d)) for _ in range(3))
O_bar = rng.standard_normal((L_, d))
S = Q0 @ K0.T / np.sqrt(d) + np.triu(np.full((L_, L_), -np.inf), k=1)
P = np.exp(S - S.max(1, keepdims=True))
P /= P.sum(1, keepdims=True)
V_bar = P.T @ O_bar
P_bar = O_bar @ V0.T
S_bar = P * (P_bar - (P_bar * P).sum(1, keepdims=True))
Q_bar, K_bar = S_bar @ K0 / np.sqrt(d), S_bar.T @ Q0 / np.sqrt(d)


def attention_loss(q, k, v):
    return (F.scaled_dot_product_attention(q, k, v, is_causal=True) * ds.tensor(O_bar)).sum()


q, k, v = (ds.tensor(a, requires_grad=True) for a in (Q0, K0, V0))
attention_loss(q, k, v).backward()
numeric_q = numerical_grad(lambda t: attention_loss(t, ds.tensor(K0), ds.tensor(V0)), Q0)
for name, by_hand, auto in (("Q", Q_bar, q.grad), ("K", K_bar, k.grad), ("V", V_bar, v.grad)):
    print(f"∂L/∂{name}: largest gap by hand − autograd {np.abs(by_hand - auto.numpy()).max():.1e}")
    assert np.allclose(by_hand, auto.numpy())
print(f"∂L/∂Q: largest gap by hand − numerical {np.abs(Q_bar - numeric_q).max():.1e}")
assert np.allclose(Q_bar, numeric_q, atol=1e-8)

# %% [markdown]
# ## Character-level language models on the Bible
#
# Both models read windows of 64 characters and predict each next character; the loss is the mean
# cross-entropy in nats. Predicting from character frequencies alone costs the characters' entropy,
# about 3 nats: anything lower is context put to use. `CharRNN` is an embedding, an LSTM and a
# linear read-out; `GPT` stacks Transformer blocks (causal self-attention and an MLP, each behind
# a layer normalisation and a residual connection). Both train with AdamW, gradients clipped to
# norm 1 — back-propagation through time can produce the explosions seen above.

# %%
corpus = load_kjv()[:500_000]
tokenizer = CharTokenizer.from_text(corpus)
ids = tokenizer.encode(corpus)
cut = int(0.9 * len(ids))
train_stream, val_stream = TokenStream(ids[:cut], 64), TokenStream(ids[cut:], 64)
print(f"{tokenizer.vocab_size} characters, {len(ids):,} in all")


def next_char_loss(model, x, y):
    logits = model(x)
    logits = logits[0] if isinstance(logits, tuple) else logits  # CharRNN also returns its state
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def train(model, steps, lr, seed=0):
    optimizer = optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.01)
    rng = np.random.default_rng(seed)
    curve = {"step": [], "loss": [], "val_loss": []}
    for step in range(1, steps + 1):
        loss = next_char_loss(model, *train_stream.batch(16, rng))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 25 == 0:
            with ds.no_grad():
                check = np.random.default_rng(99)
                val = np.mean([next_char_loss(model, *val_stream.batch(16, check)).item() for _ in range(3)])
            curve["step"].append(step)
            curve["loss"].append(loss.item())
            curve["val_loss"].append(float(val))
    return curve


gpt = GPT(tokenizer.vocab_size, block_size=64, n_layer=2, n_head=4, n_embd=64, seed=0)
lstm = CharRNN(tokenizer.vocab_size, 32, 128, 1, cell="lstm", seed=0)
curves = {"GPT": train(gpt, 150, 3e-3), "LSTM": train(lstm, 150, 1e-2)}
for name, curve in curves.items():
    print(f"{name}: validation loss {curve['val_loss'][-1]:.3f} nats after {curve['step'][-1]} steps")
plot_loss_curves(curves, title="two character models on the King James Bible")
plt.show()

# %% [markdown]
# What they write after 150 steps of 16 windows each, from the same prompt (temperature 0.8,
# sampling among the 10 likeliest characters):

# %%
prompt = tokenizer.encode("And God said")
for name, model in (("GPT", gpt), ("LSTM", lstm)):
    text = tokenizer.decode(model.generate(prompt, 60, temperature=0.8, top_k=10, seed=0)[0])
    print(f"{name}: {text!r}")

# %% [markdown]
# And where the GPT looks: each row is a position of a line, each column an earlier character it
# attends to (the causal mask leaves the upper triangle empty).

# %%
line = "And God said, Let there be light"
weights = gpt.attention_weights(tokenizer.encode(line)[None], layer=1)[0]
plot_attention(weights[:2], list(line), title="GPT, second layer, heads 0 and 1")
plt.show()
