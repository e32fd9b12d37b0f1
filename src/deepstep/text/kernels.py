"""The compiled inner loop of word2vec (numba): one call trains on one job of sentences.

It runs without the GIL, so several threads train at once on the same weight matrices with no
locks (Hogwild, as the original word2vec and gensim do: updates of different pairs rarely touch
the same rows, and a lost update now and then does not hurt SGD). The output rows of the most
frequent words are the exception: every thread draws them as negatives all the time, and their
cache lines would travel between the cores at every step. With several workers each job
therefore trains its own copy of those `private_rows` rows and, every `merge_every` trained words
and when it ends, adds what it moved them by to the shared rows and starts again from them (local
SGD over a few hundred words; the other rows stay Hogwild). Merged less often, the workers' steps
on the same rows, each blind to the others', add up to too large a step (word2vec.py's MERGE_EVERY).

Each pair takes exactly the step w ← w − α·∂L/∂w of the notes' loss (see `sgns.py`): the scores
of the true context and of the negatives are all computed before any weight moves.

Random numbers come from word2vec's own linear congruential generator (48 bits), one state per
thread: cheap, and the same run twice with one worker gives the same vectors.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "deepstep.text trains with numba: pip install 'deepstep[text]' (or pip install numba)"
    ) from error

from .vocab import GUIDE_BITS, NOISE_DOMAIN

__all__ = ["train_job"]

_MASK48 = 0xFFFFFFFFFFFF
_MASK32 = 0xFFFFFFFF

_jit = numba.njit(nogil=True, fastmath=True, cache=True)


@_jit
def _random_uint32(rng: np.ndarray) -> int:
    """Advance word2vec's generator (state · 25214903917 + 11 mod 2⁴⁸) and return 32 random bits."""
    rng[0] = (rng[0] * 25214903917 + 11) & _MASK48
    return (rng[0] >> 16) & _MASK32


@_jit
def _draw_negative(cumulative: np.ndarray, guide: np.ndarray, rng: np.ndarray) -> int:
    """A word drawn with probability ∝ count^ns_exponent (see Vocabulary.noise_table)."""
    r = _random_uint32(rng) % NOISE_DOMAIN
    word = guide[r >> GUIDE_BITS]
    while cumulative[word] <= r:
        word += 1
    return word


@_jit
def _negative_sampling_step(
    h, w_out, private, output_word, negative, alpha, cumulative, guide, rng, targets, gains, work,
    compute_loss,
):  # fmt: skip
    """One step on L = −log σ(hᵀW₂[o]) − Σ log σ(−hᵀW₂[n]).

    Moves the output rows W₂[o], W₂[n] by −α·∂L/∂W₂ and leaves −α·∂L/∂h in `work` for the caller
    to apply to the input row(s) h came from. The rows of the words below private.shape[0] are read
    and moved in `private` instead of w_out. Returns the loss when asked (else 0)."""
    dim = h.shape[0]
    used = 0
    loss = 0.0
    for k in range(dim):
        work[k] = 0.0
    for d in range(negative + 1):
        if d == 0:
            target = output_word
            label = 1.0
        else:
            target = _draw_negative(cumulative, guide, rng)
            if target == output_word:  # a "negative" equal to the true word teaches nothing
                continue
            label = 0.0
        # a row view: indexing the matrix inside the loops would stop SIMD
        row = private[target] if target < private.shape[0] else w_out[target]
        score = np.float32(0.0)
        for k in range(dim):
            score += h[k] * row[k]
        e = math.exp(-abs(score))  # σ and the loss from one exponential, neither overflows
        sigma = 1.0 / (1.0 + e) if score >= 0 else e / (1.0 + e)
        gain = np.float32((label - sigma) * alpha)  # −α·∂L/∂score: (1 − σ) or (0 − σ)
        for k in range(dim):  # −α·∂L/∂h, from the output rows as they were before this step
            work[k] += gain * row[k]
        gains[used] = gain
        targets[used] = target
        used += 1
        if compute_loss:  # −log σ(score) on the true word, −log σ(−score) on a fake: softplus(∓score)
            loss += max(-score if d == 0 else score, 0.0) + math.log1p(e)
    for u in range(used):  # only now do the output rows move (a negative may repeat)
        target, gain = targets[u], gains[u]
        row = private[target] if target < private.shape[0] else w_out[target]
        for k in range(dim):
            row[k] += gain * h[k]
    return loss


@_jit
def _merge_private_rows(w_out, private, at_last_merge):
    """Add the private rows' change since the last merge onto the shared rows, then start again from
    the shared rows (which hold the other workers' changes too)."""
    dim = w_out.shape[1]
    for r in range(private.shape[0]):
        row, mine, before = w_out[r], private[r], at_last_merge[r]
        for k in range(dim):
            row[k] += mine[k] - before[k]
            mine[k] = row[k]
            before[k] = row[k]


@_jit
def train_job(
    w_in, w_out, tokens, ends, keep_below, cumulative, guide, window, shrink_windows, negative, alpha, sg,
    cbow_mean, loss_every, rng, private_rows, merge_every,
):  # fmt: skip
    """Train on the sentences tokens[ends[s−1]:ends[s]] (word indices; −1 for words not in the
    vocabulary). The loss is summed over every `loss_every`-th example (1: all of them; a sample
    is enough for a progress bar and costs a few percent instead of a third). The output rows of
    the first `private_rows` words (the most frequent: the vocabulary is sorted by count) are trained
    in a copy and their change added to w_out every `merge_every` trained words and at the end (0
    rows with one worker: no copy).
    Returns (words trained after subsampling, examples trained, loss sum, examples in that sum)."""
    dim = w_in.shape[1]
    # The generator state lives in a private cache line while the job runs: threads writing states
    # that sit side by side in one array would fight over that line and run one at a time.
    state = np.empty(8, np.int64)
    state[0] = rng[0]
    longest = 0
    start = 0
    for s in range(ends.shape[0]):
        longest = max(longest, ends[s] - start)
        start = ends[s]
    sentence = np.empty(longest, np.int32)
    work = np.empty(dim, np.float32)
    h = np.empty(dim, np.float32)
    delta = np.empty(dim, np.float32)
    targets = np.empty(negative + 1, np.int64)
    gains = np.empty(negative + 1, np.float32)
    private = w_out[:private_rows].copy()  # (see the module's docstring)
    at_last_merge = private.copy()
    trained_words = 0
    trained_examples = 0
    loss = 0.0
    loss_count = 0
    start = 0
    since_merge = 0
    for s in range(ends.shape[0]):
        # Drop unknown words and subsample frequent ones; the window then spans what is left.
        n = 0
        for p in range(start, ends[s]):
            word = tokens[p]
            if word >= 0 and _random_uint32(state) < keep_below[word]:
                sentence[n] = word
                n += 1
        start = ends[s]
        trained_words += n
        for i in range(n):
            # The dynamic window: a random width in 1..window, so nearer words are trained on more often.
            shrink = _random_uint32(state) % window if shrink_windows else 0
            lo = max(0, i - window + shrink)
            hi = min(n, i + window + 1 - shrink)
            if sg:  # skip-gram, as in the notes: the centre word's input vector predicts each context word
                # h is updated after every pair, in a private copy: the shared row takes the sum of
                # those steps once per window, so other threads see (and fight over) it less often.
                h_row = w_in[sentence[i]]
                for k in range(dim):
                    h[k] = h_row[k]
                    delta[k] = 0.0
                for j in range(lo, hi):
                    if j == i:
                        continue
                    with_loss = trained_examples % loss_every == 0
                    loss += _negative_sampling_step(
                        h, w_out, private, sentence[j], negative, alpha, cumulative, guide, state,
                        targets, gains, work, with_loss,
                    )  # fmt: skip
                    loss_count += with_loss
                    for k in range(dim):
                        h[k] += work[k]
                        delta[k] += work[k]
                    trained_examples += 1
                for k in range(dim):
                    h_row[k] += delta[k]
            else:  # CBOW: the sum (or mean) of the context's input vectors predicts the centre word
                count = hi - lo - 1
                if count <= 0:
                    continue
                for k in range(dim):
                    h[k] = 0.0
                for j in range(lo, hi):
                    if j != i:
                        row = w_in[sentence[j]]
                        for k in range(dim):
                            h[k] += row[k]
                if cbow_mean:
                    for k in range(dim):
                        h[k] /= count
                with_loss = trained_examples % loss_every == 0
                loss += _negative_sampling_step(
                    h, w_out, private, sentence[i], negative, alpha, cumulative, guide, state, targets, gains,
                    work, with_loss,
                )  # fmt: skip
                loss_count += with_loss
                # As word2vec and gensim: each context word receives the whole gradient of h when
                # h is the mean, and 1/count of it when h is the sum.
                if not cbow_mean:
                    for k in range(dim):
                        work[k] /= count
                for j in range(lo, hi):
                    if j != i:
                        row = w_in[sentence[j]]
                        for k in range(dim):
                            row[k] += work[k]
                trained_examples += 1
        since_merge += n
        if since_merge >= merge_every and private.shape[0] > 0:
            _merge_private_rows(w_out, private, at_last_merge)
            since_merge = 0
    _merge_private_rows(w_out, private, at_last_merge)
    rng[0] = state[0]
    return trained_words, trained_examples, loss, loss_count
