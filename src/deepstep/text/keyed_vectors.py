"""Word vectors and what one asks of them (gensim's KeyedVectors): lookup, cosine similarity,
nearest words, analogies by 3CosAdd, and the two standard evaluations.

Similarities are cosines: every query is answered with unit-length vectors, ŵ = w / ‖w‖, so that
most_similar(positive=[b, c], negative=[a]) ranks the words x by x̂ · (b̂ + ĉ − â) — "a is to b as
c is to x" (Mikolov et al., 2013).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import positive_int
from ..io.archive import read_archive, write_archive
from ..io.word2vec_format import read_word2vec_format, write_word2vec_format

__all__ = ["KeyedVectors"]

logger = logging.getLogger(__name__)
_FORMAT = "deepstep-keyed-vectors"

Query = str | np.ndarray | tuple[str | np.ndarray, float]


class KeyedVectors:
    """A vector per word; `vectors[key_to_index[word]]` is the vector of `word`."""

    def __init__(self, vector_size: int, dtype: type = np.float32) -> None:
        """No words yet: add_vectors adds them (or build with from_arrays)."""
        self.vector_size = positive_int(None, "vector_size", vector_size)
        self.vectors = np.zeros((0, vector_size), dtype=dtype)
        self.index_to_key: list[str] = []
        self.key_to_index: dict[str, int] = {}
        self.counts = np.zeros(0, dtype=np.int64)
        self._normed: np.ndarray | None = None

    @classmethod
    def from_arrays(
        cls, keys: Sequence[str], vectors: np.ndarray, counts: np.ndarray | None = None
    ) -> KeyedVectors:
        """Vectors for these keys, in this order (the arrays are used as they are, not copied)."""
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError(
                f"need one vector per key: {len(keys)} keys and vectors of shape {vectors.shape}"
            )
        kv = cls(vectors.shape[1], dtype=vectors.dtype)
        kv.vectors = vectors
        kv.index_to_key = list(keys)
        kv.key_to_index = {key: i for i, key in enumerate(kv.index_to_key)}
        if len(kv.key_to_index) != len(kv.index_to_key):
            raise ValueError("keys must be unique")
        # Without counts, rank stands in for frequency (as gensim does when loading a vectors file).
        kv.counts = (
            np.arange(len(keys), 0, -1, dtype=np.int64)
            if counts is None
            else np.asarray(counts, dtype=np.int64)
        )
        return kv

    def add_vectors(self, keys: Sequence[str], weights: np.ndarray) -> None:
        """Append vectors for new keys (keys already present get the new vector)."""
        weights = np.asarray(weights, dtype=self.vectors.dtype).reshape(len(keys), self.vector_size)
        new = [(k, w) for k, w in zip(keys, weights, strict=True) if k not in self.key_to_index]
        for key, weight in zip(keys, weights, strict=True):
            if key in self.key_to_index:
                self.vectors[self.key_to_index[key]] = weight
        if new:
            start = len(self.index_to_key)
            self.index_to_key.extend(k for k, _ in new)
            self.key_to_index.update((k, start + i) for i, (k, _) in enumerate(new))
            self.vectors = np.concatenate([self.vectors, np.stack([w for _, w in new])])
            self.counts = np.concatenate([self.counts, np.ones(len(new), dtype=np.int64)])
        self._normed = None

    # ----- lookup ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def has_index_for(self, key: str) -> bool:
        return key in self.key_to_index

    def get_index(self, key: str | int, default: int | None = None) -> int:
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self):
            return int(key)
        index = self.key_to_index.get(key)  # type: ignore[arg-type]
        if index is not None:
            return index
        if default is not None:
            return default
        raise KeyError(f"word {key!r} not in vocabulary ({len(self)} words)")

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        index = self.get_index(key)
        return self.get_normed_vectors()[index] if norm else self.vectors[index]

    def __getitem__(self, key: str | Iterable[str]) -> np.ndarray:
        if isinstance(key, (str, int, np.integer)):
            return self.get_vector(key)
        return np.stack([self.get_vector(k) for k in key])

    def get_vecattr(self, key: str, attr: str) -> int:
        if attr != "count":
            raise KeyError(f"the only attribute kept per word is 'count', not {attr!r}")
        return int(self.counts[self.get_index(key)])

    # ----- cosine geometry -----------------------------------------------------------
    def fill_norms(self, force: bool = False) -> None:
        """Compute the unit vectors ŵ (cached; training invalidates the cache)."""
        if self._normed is None or force or len(self._normed) != len(self.vectors):
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._normed = (self.vectors / np.where(norms > 0, norms, 1)).astype(self.vectors.dtype)

    def get_normed_vectors(self) -> np.ndarray:
        self.fill_norms()
        assert self._normed is not None
        return self._normed

    def invalidate_norms(self) -> None:
        self._normed = None

    def similarity(self, w1: str, w2: str) -> float:
        """cos(w₁, w₂) = ŵ₁ · ŵ₂."""
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def distance(self, w1: str, w2: str) -> float:
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine between the means of two sets of unit vectors."""
        if not len(ws1) or not len(ws2):
            raise ValueError("n_similarity needs at least one word on each side")
        a = self.get_normed_vectors()[[self.get_index(w) for w in ws1]].mean(axis=0)
        b = self.get_normed_vectors()[[self.get_index(w) for w in ws2]].mean(axis=0)
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    def _query(self, positive: Any, negative: Any) -> tuple[np.ndarray, set[int]]:
        """The query direction: the mean of ±weight·ŵ (words) and ±weight·v (raw vectors), and the
        indices of the words in it (they are not answers)."""
        positive, negative = _as_list(positive), _as_list(negative)
        terms: list[tuple[Any, float]] = []
        for items, sign in ((positive, 1.0), (negative, -1.0)):
            for item in items:
                if isinstance(item, tuple) and len(item) == 2:
                    terms.append((item[0], sign * float(item[1])))
                else:
                    terms.append((item, sign))
        if not terms:
            raise ValueError("cannot compute similarity with no input: give positive and/or negative words")
        query = np.zeros(self.vector_size, dtype=np.float64)
        used: set[int] = set()
        for item, weight in terms:
            if isinstance(item, np.ndarray):
                if item.shape != (self.vector_size,):
                    raise ValueError(
                        f"a query vector must have shape ({self.vector_size},), got {item.shape}"
                    )
                query += weight * item  # a raw vector counts as it is (gensim does not normalise it)
            else:
                index = self.get_index(item)
                used.add(index)
                query += weight * self.get_normed_vectors()[index]
        return query / len(terms), used

    def _first_normed(self, restrict_vocab: int | None) -> np.ndarray:
        """The unit vectors of the first restrict_vocab words (the most frequent), all when None."""
        limit = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        return self.get_normed_vectors()[:limit]

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """The topn words x with the largest cosine between x̂ and the mean of the query's unit
        vectors (positive words add, negative ones subtract); the query words are left out.
        topn=None returns the cosine of every word instead."""
        query, used = self._query(positive, negative)
        norm = np.linalg.norm(query)
        query = query / norm if norm > 0 else query
        similarities = self._first_normed(restrict_vocab) @ query.astype(self.vectors.dtype)
        if topn is None:
            return similarities
        return self._best(similarities, int(topn), used)

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """3CosMul (Levy and Goldberg, 2014): rank x by Π_b cos'(x, b) / (Π_a cos'(x, a) + 10⁻⁶), with
        cosines shifted to [0, 1] by cos' = (1 + cos) / 2; positive words b, negative words a. Less
        dominated by one large term than most_similar's sum; the query words are left out."""
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        normed = self._first_normed(restrict_vocab)
        used = {self.get_index(w) for w in positive + negative if not isinstance(w, np.ndarray)}

        def shifted(term: Any) -> np.ndarray:
            vector = term if isinstance(term, np.ndarray) else self.get_vector(term, norm=True)
            return (1 + normed @ vector) / 2

        scores = np.prod([shifted(t) for t in positive], axis=0)
        if negative:
            scores = scores / (np.prod([shifted(t) for t in negative], axis=0) + 1e-6)
        if topn is None:
            return scores
        return self._best(scores, int(topn), used)

    def _best(self, scores: np.ndarray, topn: int, used: set[int]) -> list[tuple[str, float]]:
        """The topn highest-scoring words, best first, the query's own words left out."""
        wanted = min(topn + len(used), len(scores))
        best = (
            np.argpartition(-scores, wanted - 1)[:wanted] if wanted < len(scores) else np.arange(len(scores))
        )
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.index_to_key[i], float(scores[i])) for i in best if i not in used][:topn]

    def similar_by_word(
        self, word: str, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)  # type: ignore[return-value]

    def similar_by_vector(
        self, vector: np.ndarray, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)  # type: ignore[return-value]

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest (lowest cosine) from the mean of the words' unit vectors; words not in
        the vocabulary are ignored, as in gensim."""
        known = [w for w in words if w in self.key_to_index]
        if len(known) != len(words):
            logger.warning(
                "doesnt_match: ignoring words not in the vocabulary: %s", [w for w in words if w not in self]
            )
        if not known:
            raise ValueError(f"none of the words {list(words)!r} is in the vocabulary")
        unit = self.get_normed_vectors()[[self.key_to_index[w] for w in known]]
        mean = unit.mean(axis=0)
        mean /= np.linalg.norm(mean) or 1.0
        return known[int(np.argmin(unit @ mean))]

    def rank(self, key1: str, key2: str) -> int:
        """Rank of key2 among the words most similar to key1 (1 = nearest)."""
        similarities = self.most_similar(key1, topn=None)
        assert isinstance(similarities, np.ndarray)
        similarities[self.get_index(key1)] = -np.inf
        return int((similarities > similarities[self.get_index(key2)]).sum()) + 1

    # ----- evaluations ---------------------------------------------------------------
    def _restricted_vocab(self, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
        """The first restrict_vocab words; upper-cased when case-insensitive, the most frequent
        spelling winning (as in gensim)."""
        keys = self.index_to_key[:restrict_vocab]
        if case_insensitive:
            return {k.upper(): i for i, k in reversed(list(enumerate(keys)))}
        return {k: i for i, k in enumerate(keys)}

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike,
        restrict_vocab: int = 300_000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[float, list[dict[str, Any]]]:
        """Accuracy on analogy questions "a b c d" (a is to b as c is to d) in the questions-words
        format (": section" lines start sections). The answer is the nearest word to b̂ + ĉ − â among
        the first restrict_vocab words, the three question words excluded (3CosAdd). Questions with
        a word outside those are skipped (or counted wrong with dummy4unknown), as in gensim.
        Returns (accuracy, sections), the last section being "Total accuracy"."""
        vocab = self._restricted_vocab(restrict_vocab, case_insensitive)
        normed = self._first_normed(restrict_vocab)
        sections: list[dict[str, Any]] = []
        questions: list[tuple[int, tuple[str, str, str, str], tuple[int, int, int] | None]] = []
        with open(analogies, encoding="utf-8", errors="strict") as file:
            for number, line in enumerate(file, 1):
                if line.startswith(": "):
                    sections.append({"section": line[2:].strip(), "correct": [], "incorrect": []})
                    continue
                if not line.strip():
                    continue
                if not sections:
                    raise ValueError(
                        f"{analogies}, line {number}: a question before the first ': section' line"
                    )
                words = line.split()
                if len(words) != 4:
                    logger.info("skipping invalid line #%d in %s", number, analogies)
                    continue
                if case_insensitive:
                    words = [w.upper() for w in words]
                a, b, c, expected = words
                if not all(w in vocab for w in words):
                    if dummy4unknown:
                        questions.append((len(sections) - 1, (a, b, c, expected), None))
                    continue
                questions.append((len(sections) - 1, (a, b, c, expected), (vocab[a], vocab[b], vocab[c])))
        answered = [q for q in questions if q[2] is not None]
        predictions = self._answer_analogies(normed, [q[2] for q in answered], vocab, case_insensitive)  # type: ignore[misc]
        predicted_by_question = dict(zip((id(q) for q in answered), predictions, strict=True))
        for question in questions:
            section, words, _ = question
            predicted = predicted_by_question.get(id(question))
            outcome = "correct" if predicted is not None and predicted == words[3] else "incorrect"
            sections[section][outcome].append(words)
        for section in sections:
            self._log_accuracy(section)
        total = {
            "section": "Total accuracy",
            "correct": [q for s in sections for q in s["correct"]],
            "incorrect": [q for s in sections for q in s["incorrect"]],
        }
        seen = len(total["correct"]) + len(total["incorrect"])
        accuracy = len(total["correct"]) / seen if seen else 0.0
        self._log_accuracy(total)
        sections.append(total)
        return accuracy, sections

    def _answer_analogies(
        self,
        normed: np.ndarray,
        triples: list[tuple[int, int, int]],
        vocab: dict[str, int],
        case_insensitive: bool,
    ) -> list[str | None]:
        """3CosAdd for many questions at once: scores for a batch of queries in one matrix product."""
        answers: list[str | None] = []
        batch = 512
        for start in range(0, len(triples), batch):
            chunk = np.array(triples[start : start + batch]).reshape(-1, 3)
            query = normed[chunk[:, 1]] + normed[chunk[:, 2]] - normed[chunk[:, 0]]
            scores = query @ normed.T
            rows = np.arange(len(chunk))
            for column in range(3):  # the question's own words are never the answer
                scores[rows, chunk[:, column]] = -np.inf
            top = np.argpartition(-scores, min(5, scores.shape[1] - 1), axis=1)[:, :5]
            for row, candidates in enumerate(top):
                candidates = candidates[np.argsort(-scores[row, candidates], kind="stable")]
                asked = {
                    self.index_to_key[i].upper() if case_insensitive else self.index_to_key[i]
                    for i in chunk[row]
                }
                answer = None
                for index in candidates:  # gensim's rule: the first candidate that is not a question word
                    answer = (
                        self.index_to_key[index].upper() if case_insensitive else self.index_to_key[index]
                    )
                    if answer in vocab and answer not in asked:
                        break
                answers.append(answer)
        return answers

    @staticmethod
    def _log_accuracy(section: dict[str, Any]) -> None:
        correct, incorrect = len(section["correct"]), len(section["incorrect"])
        if correct + incorrect:
            logger.info(
                "%s: %.1f%% (%d/%d)",
                section["section"],
                100 * correct / (correct + incorrect),
                correct,
                correct + incorrect,
            )

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike,
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300_000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[Any, Any, float]:
        """Correlation between human similarity judgements ("word1<TAB>word2<TAB>score" lines, '#' for
        comments) and the model's cosines: (Pearson, Spearman, percentage of pairs not in the vocabulary)."""
        try:
            from scipy import stats
        except ImportError:
            raise ImportError("evaluate_word_pairs needs SciPy: pip install 'deepstep[text]'") from None
        vocab = self._restricted_vocab(restrict_vocab, case_insensitive)
        normed = self.get_normed_vectors()
        model_scores: list[float] = []
        human_scores: list[float] = []
        missing = 0
        with open(pairs, encoding=encoding) as file:
            for number, line in enumerate(file, 1):
                if line.startswith("#") or not line.strip():
                    continue
                try:
                    a, b, score = line.rstrip("\n").split(delimiter)
                    human = float(score)
                except ValueError:
                    logger.info("skipping invalid line #%d in %s", number, pairs)
                    continue
                if case_insensitive:
                    a, b = a.upper(), b.upper()
                if a not in vocab or b not in vocab:
                    missing += 1
                    if dummy4unknown:
                        model_scores.append(0.0)
                        human_scores.append(human)
                    continue
                model_scores.append(float(normed[vocab[a]] @ normed[vocab[b]]))
                human_scores.append(human)
        if len(model_scores) < 2:
            raise ValueError(
                f"{pairs}: fewer than two pairs with both words in the vocabulary; nothing to correlate"
            )
        pearson = stats.pearsonr(human_scores, model_scores)
        spearman = stats.spearmanr(human_scores, model_scores)
        oov_ratio = missing / (len(human_scores) + (0 if dummy4unknown else missing)) * 100
        logger.info(
            "Pearson %.4f, Spearman %.4f, %.1f%% pairs out of vocabulary", pearson[0], spearman[0], oov_ratio
        )
        return pearson, spearman, oov_ratio

    # ----- files -----------------------------------------------------------------------
    def save_word2vec_format(
        self,
        fname: str | os.PathLike,
        binary: bool = False,
        write_header: bool = True,
        sort_attr: str | None = "count",
    ) -> Path:
        """Write the vectors in word2vec's text or binary format (most frequent first, as gensim)."""
        order = np.arange(len(self))
        if sort_attr == "count":
            order = np.argsort(-self.counts, kind="stable")
        elif sort_attr is not None:
            raise ValueError(f"sort_attr must be 'count' or None, got {sort_attr!r}")
        words = [self.index_to_key[i] for i in order]
        return write_word2vec_format(
            fname, words, self.vectors[order], binary=binary, write_header=write_header
        )

    @classmethod
    def load_word2vec_format(
        cls,
        fname: str | os.PathLike,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: type = np.float32,
        no_header: bool = False,
    ) -> KeyedVectors:
        """Vectors from a word2vec text or binary file (gensim's, the C tool's, or ours)."""
        words, vectors = read_word2vec_format(
            fname, binary=binary, encoding=encoding, unicode_errors=unicode_errors, limit=limit,
            datatype=datatype, no_header=no_header,
        )  # fmt: skip
        return cls.from_arrays(words, vectors)

    def save(self, fname: str | os.PathLike) -> Path:
        """Keys, vectors and counts in one .npz (no pickle), written atomically."""
        meta = {"format": _FORMAT, "version": 1, "keys": self.index_to_key}
        return write_archive(fname, "meta", meta, {"vectors": self.vectors, "counts": self.counts})

    @classmethod
    def load(cls, fname: str | os.PathLike) -> KeyedVectors:
        meta, arrays = read_deepstep_file(fname, _FORMAT, ("vectors", "counts"))
        return cls.from_arrays(meta["keys"], arrays["vectors"], arrays["counts"])

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words × {self.vector_size} dimensions)"


def _as_list(terms: Any) -> list[Any]:
    """A query side as a list: one word or vector alone, or a list of them (or None)."""
    return [terms] if isinstance(terms, (str, np.ndarray)) else list(terms or [])


def read_deepstep_file(
    fname: str | os.PathLike, kind: str, names: Iterable[str]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON header and the named arrays of a deepstep file of this kind, with clear errors."""
    meta, arrays = read_archive(fname, "meta", "deepstep file", names)
    if meta.get("format") != kind:
        raise ValueError(f"{fname} holds a {meta.get('format')!r}, not a {kind!r}")
    return meta, arrays
