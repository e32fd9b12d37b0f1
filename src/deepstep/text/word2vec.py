"""word2vec (Mikolov et al., 2013) with negative sampling, trained as in the notes, with gensim's API.

    model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, epochs=5)
    model.wv.most_similar("king")

Training reads the corpus once to count words (build_vocab), then once per epoch. A producer thread
turns sentences into integer jobs of about 10,000 words; `workers` threads train on them at once with
the compiled, GIL-free kernel, all writing into the same two matrices (Hogwild), except the output
rows of the most frequent words, which each job trains in its own copy and adds back every 200
trained words (kernels.py and MERGE_EVERY say why). The learning rate falls linearly from `alpha`
to `min_alpha` over all the words of all the epochs.

Two matrices, as in the notes: W₁ (`wv.vectors`), the input vector of every word — the embeddings —
and W₂ (`syn1neg`), the output vectors the input vectors are scored against.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import non_negative_int, non_negative_number, positive_int
from ..io.archive import write_archive
from .corpus import MAX_WORDS_IN_BATCH, JobSource, LineSentence, check_corpus
from .keyed_vectors import KeyedVectors, read_deepstep_file
from .training import LOSS_SAMPLE_EVERY, EpochStats, LinearDecay, progress_bar, run_epoch
from .vocab import Vocabulary, count_words

__all__ = ["Callback", "Word2Vec"]

logger = logging.getLogger(__name__)
_FORMAT = "deepstep-word2vec"
#: With several workers, the output rows of this many most frequent words are trained in a private
#: copy per job (see kernels.py): the words most drawn as negatives, whose rows both cores would
#: otherwise write at every step. Each copy is merged into the shared rows every MERGE_EVERY trained
#: words (and at the job's end). Merged only at the job's end (10,000 words), two workers' changes
#: to the same rows, each made without seeing the other's, added up to too large a step: on the
#: bundled Bible the vectors came out 14% shorter and similar pairs 0.06 less similar than gensim's.
#: Every 200 words they are as gensim's (0.670 against 0.671, norms 2% shorter), at 1.5-1.6× its
#: speed; no private rows is as good and 1.15× gensim. (Measured with benchmarks/word2vec_vs_gensim.py
#: and BENCHMARKS.md's fifth pass.)
PRIVATE_ROWS = 1024
MERGE_EVERY = 200


class Callback:
    """Hooks called during training (gensim's CallbackAny2Vec); override the ones you need."""

    def on_train_begin(self, model: Word2Vec) -> None:
        pass

    def on_epoch_begin(self, model: Word2Vec) -> None:
        pass

    def on_epoch_end(self, model: Word2Vec) -> None:
        pass

    def on_train_end(self, model: Word2Vec) -> None:
        pass


class Word2Vec:
    """Skip-gram (sg=1) or CBOW (sg=0) with negative sampling; gensim's parameters and defaults,
    except `workers`, which defaults to every core."""

    def __init__(
        self,
        sentences: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int | None = None,
        min_alpha: float = 1e-4,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        epochs: int = 5,
        batch_words: int = MAX_WORDS_IN_BATCH,
        compute_loss: bool = False,
        callbacks: Sequence[Callback] = (),
        shrink_windows: bool = True,
        progress: bool = True,
    ) -> None:
        self.vector_size = positive_int("Word2Vec", "vector_size", vector_size)
        self.alpha = non_negative_number(None, "alpha", alpha)
        self.min_alpha = non_negative_number(None, "min_alpha", min_alpha)
        self.window = positive_int("Word2Vec", "window", window)
        self.min_count = non_negative_int("Word2Vec", "min_count", min_count)
        self.max_vocab_size = (
            None if max_vocab_size is None else positive_int("Word2Vec", "max_vocab_size", max_vocab_size)
        )
        self.sample = non_negative_number(None, "sample", sample)
        self.seed = int(seed)
        self.workers = positive_int(
            "Word2Vec", "workers", (os.cpu_count() or 1) if workers is None else workers
        )
        if sg not in (0, 1) or cbow_mean not in (0, 1):
            raise ValueError(f"sg and cbow_mean are 0 or 1, got sg={sg!r}, cbow_mean={cbow_mean!r}")
        self.sg, self.cbow_mean = int(sg), int(cbow_mean)
        if hs:
            raise ValueError(
                "hierarchical softmax (hs=1) is not implemented; deepstep trains with negative sampling"
            )
        self.hs = 0
        self.negative = positive_int("Word2Vec", "negative", negative)
        self.ns_exponent = float(ns_exponent)
        self.epochs = positive_int("Word2Vec", "epochs", epochs)
        self.batch_words = positive_int("Word2Vec", "batch_words", batch_words)
        self.compute_loss = bool(compute_loss)
        self.callbacks = tuple(callbacks)
        self.shrink_windows = bool(shrink_windows)
        self.progress = bool(progress)

        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg = np.zeros((0, self.vector_size), dtype=np.float32)
        self.corpus_count = 0  # sentences seen by build_vocab
        self.corpus_total_words = 0  # words (tokens) seen by build_vocab
        self.epochs_trained = 0
        self.running_training_loss = 0.0
        self.history: list[dict[str, float]] = []  # one entry per epoch trained
        self._rng_states = self._seed_states()

        if sentences is not None and corpus_file is not None:
            raise ValueError("give either sentences or corpus_file, not both")
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences, corpus_file=corpus_file)
            self.train(sentences, corpus_file=corpus_file)

    # ----- vocabulary ----------------------------------------------------------------
    def _corpus(self, corpus_iterable: Any, corpus_file: Any) -> Iterable[list[str]]:
        if corpus_iterable is not None and corpus_file is not None:
            raise ValueError("give either corpus_iterable (sentences) or corpus_file, not both")
        if corpus_file is not None:
            return LineSentence(corpus_file)
        if corpus_iterable is None:
            raise ValueError("no corpus: give sentences (a re-iterable of token lists) or corpus_file")
        check_corpus(corpus_iterable)
        return corpus_iterable

    def build_vocab(
        self,
        corpus_iterable: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        update: bool = False,
    ) -> None:
        """Count the words, keep those seen min_count times, and set up the weights (W₁ small random,
        W₂ zero, as in word2vec). With update=True, new words are added to a trained model."""
        corpus = self._corpus(corpus_iterable, corpus_file)
        counts, total_words, sentences = count_words(corpus, self.max_vocab_size)
        if total_words == 0:
            raise ValueError("the corpus is empty: no words to build a vocabulary from")
        if update:
            self._update_vocab(counts, total_words, sentences)
            return
        vocab = Vocabulary.from_counts(counts, self.min_count)
        if not len(vocab):
            word, count = counts.most_common(1)[0]
            raise ValueError(
                f"no word occurs at least min_count={self.min_count} times (the most frequent, "
                f"{word!r}, occurs {count} times in {total_words} words); "
                "lower min_count or train on more text"
            )
        self.corpus_count, self.corpus_total_words = sentences, total_words
        self._set_vocab(vocab)
        vectors = self._initial_vectors(len(vocab), np.random.default_rng(self.seed))
        self.wv = KeyedVectors.from_arrays(vocab.words, vectors, vocab.counts)
        self.syn1neg = np.zeros_like(vectors)
        logger.info(
            "vocabulary: %d words of %d distinct kept (min_count=%d), %d tokens in %d sentences",
            len(vocab), len(counts), self.min_count, total_words, sentences,
        )  # fmt: skip

    def _initial_vectors(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """W₁ starts uniform in [−1, 1)/vector_size, as gensim 4 does (the C tool used half that
        range; measured here, CBOW lost about a point of analogy accuracy with it)."""
        return ((rng.random((count, self.vector_size)) * 2 - 1) / self.vector_size).astype(np.float32)

    def _set_vocab(self, vocab: Vocabulary) -> None:
        self._vocab = vocab
        self._keep_below = vocab.subsample_thresholds(self.sample)
        self._cumulative, self._guide = vocab.noise_table(self.ns_exponent)

    def _update_vocab(self, counts: Counter, total_words: int, sentences: int) -> None:
        if not len(self.wv):
            raise RuntimeError(
                "build_vocab(update=True) adds words to a built vocabulary; call build_vocab first"
            )
        old = self._vocab
        merged = dict(zip(old.words, old.counts.tolist(), strict=True))
        for word, count in counts.items():
            merged[word] = merged.get(word, 0) + count
        new_words = [
            w for w, c in counts.items() if w not in self.wv.key_to_index and merged[w] >= self.min_count
        ]
        new_words.sort(key=lambda w: -merged[w])
        words = old.words + new_words
        self._set_vocab(Vocabulary(words, np.array([merged[w] for w in words], dtype=np.int64)))
        fresh = self._initial_vectors(len(new_words), np.random.default_rng([self.seed, len(words)]))
        self.wv = KeyedVectors.from_arrays(
            words, np.concatenate([self.wv.vectors, fresh]), self._vocab.counts
        )
        self.syn1neg = np.concatenate([self.syn1neg, np.zeros_like(fresh)])
        self.corpus_count, self.corpus_total_words = sentences, total_words
        logger.info("vocabulary update: %d new words, %d in all", len(new_words), len(words))

    # ----- training ------------------------------------------------------------------
    def _seed_states(self) -> np.ndarray:
        """One 48-bit generator state per worker, from the seed."""
        seeds = np.random.default_rng(self.seed).integers(1, 2**48, size=max(self.workers, 1))
        return seeds.astype(np.int64).reshape(-1, 1)

    def train(
        self,
        corpus_iterable: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        compute_loss: bool | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> tuple[int, int]:
        """Train for `epochs` passes (default: the model's) over the corpus. The learning rate falls
        linearly from start_alpha to end_alpha over total_words × epochs words (default: the word
        count found by build_vocab). Returns (words trained after subsampling, words read)."""
        from .kernels import train_job  # compiled on first use; importing deepstep stays fast

        if not len(self.wv):
            raise RuntimeError(
                "build the vocabulary first: model.build_vocab(sentences), then model.train(...)"
            )
        corpus = self._corpus(corpus_iterable, corpus_file)
        epochs = self.epochs if epochs is None else positive_int("Word2Vec", "epochs", epochs)
        start_alpha = (
            self.alpha if start_alpha is None else non_negative_number(None, "start_alpha", start_alpha)
        )
        end_alpha = self.min_alpha if end_alpha is None else non_negative_number(None, "end_alpha", end_alpha)
        if total_words is None:
            total_words = self.corpus_total_words
            if total_examples is not None and self.corpus_count:  # sentences given: scale the word count
                total_words = round(self.corpus_total_words * total_examples / self.corpus_count)
        total_words = max(int(total_words), 1)
        compute_loss = self.compute_loss if compute_loss is None else bool(compute_loss)
        callbacks = self.callbacks if callbacks is None else tuple(callbacks)
        if len(self._rng_states) < self.workers:
            self._rng_states = self._seed_states()

        job_source = JobSource(corpus, self.wv.key_to_index, self.batch_words)
        decay = LinearDecay(start_alpha, end_alpha, total_words * epochs)
        loss_every = 1 if compute_loss else LOSS_SAMPLE_EVERY
        # one worker trains every row in place; several keep the hottest output rows per job (kernels.py)
        private_rows = PRIVATE_ROWS if self.workers > 1 else 0

        def step(tokens: np.ndarray, ends: np.ndarray, alpha: float, rng: np.ndarray) -> tuple:
            return train_job(
                self.wv.vectors, self.syn1neg, tokens, ends, self._keep_below, self._cumulative,
                self._guide, self.window, self.shrink_windows, self.negative, alpha, self.sg,
                self.cbow_mean, loss_every, rng, private_rows, MERGE_EVERY,
            )  # fmt: skip

        self.running_training_loss = 0.0
        trained = read = 0
        bar = progress_bar(total_words * epochs, self.progress)
        try:
            for callback in callbacks:
                callback.on_train_begin(self)
            for epoch in range(epochs):
                for callback in callbacks:
                    callback.on_epoch_begin(self)
                stats = run_epoch(
                    job_source,
                    step,
                    self._rng_states[: self.workers],
                    lambda pushed, epoch=epoch: decay.alpha(epoch * total_words + pushed),
                    None if bar is None else self._show_progress(bar),
                )
                trained += stats.trained_words
                read += stats.raw_words
                # The loss over the whole epoch: exact with compute_loss, else scaled up from the sample.
                self.running_training_loss += stats.mean_loss * stats.examples if stats.loss_examples else 0.0
                self.epochs_trained += 1
                self.history.append(
                    {
                        "epoch": self.epochs_trained,
                        "loss": stats.mean_loss,
                        "alpha": stats.alpha,
                        "words_per_second": stats.words_per_second,
                        "seconds": stats.seconds,
                        "trained_words": stats.trained_words,
                    }
                )
                logger.info(
                    "epoch %d: %d of %d words trained, %.0f words/s, loss %.4f",
                    self.epochs_trained, stats.trained_words, stats.raw_words, stats.words_per_second,
                    stats.mean_loss,
                )  # fmt: skip
                for callback in callbacks:
                    callback.on_epoch_end(self)
            for callback in callbacks:
                callback.on_train_end(self)
        finally:
            if bar is not None:
                bar.close()
            self.wv.invalidate_norms()
        if read == 0:
            raise ValueError("the corpus given to train is empty")
        return trained, read

    def _show_progress(self, bar: Any) -> Any:
        """After each job: words read on the bar; epoch, words/s, α and loss beside it."""
        shown = 0

        def report(stats: EpochStats) -> None:
            nonlocal shown
            bar.update(stats.raw_words - shown)
            shown = stats.raw_words
            bar.set_postfix_str(
                f"epoch {self.epochs_trained + 1}, {stats.words_per_second:,.0f} words/s, "
                f"α {stats.alpha:.3g}, loss {stats.mean_loss:.4f}",
                refresh=False,
            )

        return report

    def get_latest_training_loss(self) -> float:
        """The loss summed over every example of the latest train() call: exact with compute_loss=True,
        else estimated from one example in 16 (gensim returns 0 then)."""
        return self.running_training_loss

    # ----- files ---------------------------------------------------------------------
    _SETTINGS = (
        "vector_size", "alpha", "window", "min_count", "max_vocab_size", "sample", "seed", "workers",
        "min_alpha", "sg", "negative", "ns_exponent", "cbow_mean", "epochs", "batch_words", "compute_loss",
        "shrink_windows", "progress",
    )  # fmt: skip

    def save(self, fname: str | os.PathLike) -> Path:
        """The whole model (settings, vocabulary with counts, both weight matrices, generator states)
        in one .npz without pickle, written atomically; Word2Vec.load continues training from it."""
        meta = {
            "format": _FORMAT,
            "version": 1,
            "settings": {name: getattr(self, name) for name in self._SETTINGS},
            "words": self.wv.index_to_key,
            "corpus_count": self.corpus_count,
            "corpus_total_words": self.corpus_total_words,
            "epochs_trained": self.epochs_trained,
            "history": self.history,
        }
        arrays = {
            "vectors": self.wv.vectors,
            "syn1neg": self.syn1neg,
            "counts": self.wv.counts,
            "rng": self._rng_states,
        }
        return write_archive(fname, "meta", meta, arrays)

    @classmethod
    def load(cls, fname: str | os.PathLike) -> Word2Vec:
        meta, arrays = read_deepstep_file(fname, _FORMAT, ("vectors", "syn1neg", "counts", "rng"))
        model = cls(**meta["settings"])
        words = meta["words"]
        model.wv = KeyedVectors.from_arrays(words, arrays["vectors"], arrays["counts"])
        model.syn1neg = arrays["syn1neg"]
        model._set_vocab(Vocabulary(list(words), arrays["counts"]))
        model._rng_states = np.ascontiguousarray(arrays["rng"])
        model.corpus_count, model.corpus_total_words = meta["corpus_count"], meta["corpus_total_words"]
        model.epochs_trained, model.history = meta["epochs_trained"], meta["history"]
        if model.wv.vectors.shape != model.syn1neg.shape or len(words) != len(model.wv.vectors):
            raise ValueError(f"{fname}: the vocabulary and the weight matrices do not agree in size")
        return model

    def __repr__(self) -> str:
        kind = "skip-gram" if self.sg else "CBOW"
        return f"Word2Vec({kind}, {len(self.wv)} words, vector_size={self.vector_size}, window={self.window})"
