# %% [markdown]
# # 9. word2vec with negative sampling
#
# Words that appear in the same contexts mean similar things. Skip-gram (Mikolov et al., 2013)
# turns that into a learning problem: from a word, predict the words around it. Each word gets two
# vectors — one as a centre, one as a context — and negative sampling replaces the softmax over the
# whole vocabulary by a handful of binary decisions, which makes training fast enough for a
# book-sized corpus in seconds.
#
# In deepstep: the formula [`sgns_loss_and_grad`](../../src/deepstep/text/sgns.py#sgns_loss_and_grad)
# (the module docstring of [`deepstep/text/sgns.py`](../../src/deepstep/text/sgns.py) states the
# derivation), the compiled trainer in [`deepstep/text/kernels.py`](../../src/deepstep/text/kernels.py)
# that takes exactly that step, [`Word2Vec`](../../src/deepstep/text/word2vec.py#Word2Vec) and
# [`KeyedVectors`](../../src/deepstep/text/keyed_vectors.py#KeyedVectors).

# %%
import re

import matplotlib.pyplot as plt
import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep.autograd import numerical_grad
from deepstep.text import Word2Vec, load_kjv, sgns_loss_and_grad
from deepstep.viz import plot_embeddings

# %% [markdown]
# ## The model and its loss
#
# Let $W_1[c]$ be the input vector of a centre word $c$ and $W_2[o]$ the output vector of a word
# $o$ seen in its window. Skip-gram with negative sampling scores a pair by $\sigma(W_1[c]^\top W_2[o])$,
# the probability that $o$ really occurred near $c$, and trains it as a binary classifier: target 1
# for the true context $o$, target 0 for $k$ "negative" words $n_1, \dots, n_k$ drawn at random from
# the unigram distribution raised to the power $3/4$. With $h = W_1[c]$, the binary cross-entropy of
# the $k + 1$ decisions is
#
# $$
# L = -\ln \sigma\bigl(h^\top W_2[o]\bigr) - \sum_{i=1}^{k} \ln \sigma\bigl(-h^\top W_2[n_i]\bigr),
# $$
#
# using $1 - \sigma(x) = \sigma(-x)$.
#
# ## Its gradient
#
# With $\frac{d}{dx}\ln\sigma(x) = 1 - \sigma(x)$ and the chain rule,
#
# $$
# \frac{\partial L}{\partial h} = \bigl(\sigma(h^\top W_2[o]) - 1\bigr)\, W_2[o]
#   + \sum_i \sigma\bigl(h^\top W_2[n_i]\bigr)\, W_2[n_i],
# $$
#
# $$
# \frac{\partial L}{\partial W_2[o]} = \bigl(\sigma(h^\top W_2[o]) - 1\bigr)\, h,
# \qquad
# \frac{\partial L}{\partial W_2[n_i]} = \sigma\bigl(h^\top W_2[n_i]\bigr)\, h .
# $$
#
# Each is "prediction minus target, times the other vector", as in logistic regression. The true
# context is pulled towards $h$, the negatives pushed away. Checked three ways, for a batch of 6
# pairs with $k = 5$ negatives each:

# %%
rng = np.random.default_rng(0)
h0, o0, n0 = (
    rng.standard_normal((6, 8)) * 0.5,
    rng.standard_normal((6, 8)) * 0.5,
    rng.standard_normal((6, 5, 8)) * 0.5,
)
loss, grad_h, grad_o, grad_n = sgns_loss_and_grad(h0, o0, n0)


def sgns(h, o, n):
    positive = F.logsigmoid((h * o).sum(dim=1))
    negative = F.logsigmoid(-(h.unsqueeze(1) * n).sum(dim=2))
    return -(positive.sum() + negative.sum())


h, o, n = (ds.tensor(a, requires_grad=True) for a in (h0, o0, n0))
sgns(h, o, n).backward()
numeric_h = numerical_grad(lambda t: sgns(t, ds.tensor(o0), ds.tensor(n0)), h0)
numeric_n = numerical_grad(lambda t: sgns(ds.tensor(h0), ds.tensor(o0), t), n0)
print(f"loss: by hand {loss:.6f}, autograd {sgns(h, o, n).item():.6f}")
for name, by_hand, auto, numeric in (
    ("∂L/∂h", grad_h, h.grad, numeric_h),
    ("∂L/∂W₂[n]", grad_n, n.grad, numeric_n),
):
    gaps = np.abs(by_hand - auto.numpy()).max(), np.abs(by_hand - numeric).max()
    print(f"{name:10s} largest gaps: autograd {gaps[0]:.1e}, numerical {gaps[1]:.1e}")
    assert np.allclose(by_hand, auto.numpy()) and np.allclose(by_hand, numeric, atol=1e-8)
assert np.allclose(grad_o, o.grad.numpy())

# %% [markdown]
# ## Training on the King James Bible
#
# The Bible ships with deepstep (one verse per line, public domain). Lower-case words, one sentence
# per verse; skip-gram (`sg=1`) with 100-dimensional vectors, a window of 5, words seen at least 5
# times, 5 negatives, 5 epochs. Around each step the trainer also does what the paper does:
# frequent words are randomly dropped (subsampling), the window shrinks at random, and the learning
# rate decays linearly to 0.

# %%
verses = [re.findall(r"[a-z]+", line.lower()) for line in load_kjv().splitlines()]
verses = [v for v in verses if v]
print(f"{len(verses):,} verses, {sum(map(len, verses)):,} words")
model = Word2Vec(
    verses, sg=1, vector_size=100, window=5, min_count=5, epochs=5, workers=2, seed=1, progress=False
)
wv = model.wv
print(f"vocabulary: {len(wv):,} words")

# %% [markdown]
# ## Neighbours and analogies
#
# Nearest neighbours by cosine similarity $\cos(u, v) = u^\top v / (\lVert u\rVert\,\lVert v\rVert)$,
# and the analogy $a : b :: c : ?$ answered by the word closest to $b - a + c$ (with every vector
# normalised first).

# %%
for word in ("god", "gold", "sheep", "jerusalem"):
    print(f"{word:10s} →", ", ".join(w for w, _ in wv.most_similar(word, topn=6)))
print(
    "man : king :: woman : ?  →",
    [w for w, _ in wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)],
)
print("odd one out of gold, silver, brass, moses:", wv.doesnt_match(["gold", "silver", "brass", "moses"]))

# %% [markdown]
# ## The picture
#
# Thirty-two words in four groups, their 100-dimensional vectors projected on the first two
# principal components: the groups fall into clusters that nobody told the model about.

# %%
groups = {
    "people": ["moses", "aaron", "david", "solomon", "abraham", "isaac", "jacob", "joseph"],
    "places": ["egypt", "jerusalem", "babylon", "samaria", "assyria", "canaan", "damascus", "zion"],
    "materials": ["gold", "silver", "brass", "iron", "wood", "stone", "linen", "cedar"],
    "animals": ["sheep", "oxen", "goats", "lambs", "camels", "horses", "asses", "cattle"],
}
words = [w for members in groups.values() for w in members]
labels = [g for g, members in groups.items() for _ in members]
plot_embeddings(wv, words, groups=labels, title="King James Bible, skip-gram vectors (PCA)")
plt.show()
