"""The vocabulary of word2vec: word counts, the min_count cut, frequent-word subsampling and
the noise distribution that negative samples are drawn from.

All three follow the original word2vec (and gensim), so that the same settings mean the same:
- a word is kept when its count ≥ min_count; words are indexed by descending count;
- subsampling keeps an occurrence of word w with probability
  p(w) = (√(f(w)/t) + 1) · t/f(w), at most 1, where f(w) is its count and t = sample · (total count);
- negatives are drawn with probability proportional to count(w)^ns_exponent (0.75: the unigram
  distribution flattened, so rare words are drawn more often than their frequency).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .corpus import check_sentence

__all__ = ["Vocabulary", "count_words"]

# Probabilities are stored as integers so the compiled trainer compares them with 32-bit random
# numbers (as word2vec does); the noise distribution's cumulative table spans 2³¹ − 1 (gensim's domain).
_SUBSAMPLE_SCALE = 2**32
NOISE_DOMAIN = 2**31 - 1
GUIDE_BITS = 16


def count_words(
    sentences: Iterable[list[str]], max_vocab_size: int | None = None
) -> tuple[Counter, int, int]:
    """(counts, number of tokens, number of sentences), pruning like word2vec when the vocabulary
    outgrows max_vocab_size: words of count ≤ 1 are dropped, then ≤ 2, and so on."""
    counts: Counter = Counter()
    tokens = sentences_seen = 0
    min_reduce = 1
    for sentence in sentences:
        check_sentence(sentence)
        counts.update(sentence)
        tokens += len(sentence)
        sentences_seen += 1
        if max_vocab_size is not None and len(counts) > max_vocab_size:
            for word in [w for w, c in counts.items() if c <= min_reduce]:
                del counts[word]
            min_reduce += 1
    return counts, tokens, sentences_seen


@dataclass
class Vocabulary:
    """Words kept for training, most frequent first, with their counts."""

    words: list[str]
    counts: np.ndarray  # int64, one per word, descending

    @classmethod
    def from_counts(cls, counts: Counter, min_count: int) -> Vocabulary:
        kept = [(w, c) for w, c in counts.items() if c >= min_count]
        # Descending count; ties keep first appearance (Counter preserves insertion order).
        kept.sort(key=lambda item: -item[1])
        return cls([w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    def subsample_thresholds(self, sample: float) -> np.ndarray:
        """p(w) · 2³² as uint32-range int64: an occurrence is kept when a random uint32 < this."""
        if sample <= 0:
            return np.full(len(self), _SUBSAMPLE_SCALE, dtype=np.int64)
        counts = self.counts.astype(np.float64)
        threshold = sample * counts.sum()
        keep = (np.sqrt(counts / threshold) + 1.0) * (threshold / counts)
        return np.round(np.minimum(keep, 1.0) * _SUBSAMPLE_SCALE).astype(np.int64)

    def noise_table(self, ns_exponent: float) -> tuple[np.ndarray, np.ndarray]:
        """(cumulative table, guide): word i owns the integers [cum[i−1], cum[i]) of [0, 2³¹−1), in
        proportion to count^ns_exponent. The guide maps the top bits of a draw to the first word
        it could hit, so sampling is a short forward scan instead of a binary search."""
        weights = self.counts.astype(np.float64) ** ns_exponent
        cumulative = np.round(np.cumsum(weights) / weights.sum() * NOISE_DOMAIN).astype(np.int64)
        cumulative[-1] = NOISE_DOMAIN
        starts = np.arange(0, NOISE_DOMAIN, 1 << GUIDE_BITS, dtype=np.int64)
        guide = np.searchsorted(cumulative, starts, side="right").astype(np.int64)
        return cumulative, guide
