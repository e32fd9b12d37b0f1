"""KeyedVectors against gensim's: the same files, the same neighbours, the same evaluation scores."""

from __future__ import annotations

import numpy as np
import pytest

from deepstep.text import KeyedVectors

gensim = pytest.importorskip("gensim")
from gensim.test.utils import datapath  # noqa: E402

QUESTIONS = datapath("questions-words.txt")
WORDSIM = datapath("wordsim353.tsv")


@pytest.fixture(scope="module")
def vectors() -> KeyedVectors:
    """Vectors for every word of the two test sets (and some more), built so that analogies partly
    hold: each word is a random point plus a shared offset per section position."""
    rng = np.random.default_rng(0)
    words: dict[str, None] = {}
    with open(QUESTIONS, encoding="utf-8") as file:
        for line in file:
            if not line.startswith(":"):
                words.update(dict.fromkeys(w.lower() for w in line.split()))
    with open(WORDSIM, encoding="utf-8") as file:
        for line in file:
            if not line.startswith("#"):
                words.update(dict.fromkeys(w.lower() for w in line.split("\t")[:2]))
    keys = sorted(words)[::2]  # leave half out: questions with unknown words are skipped
    base = rng.normal(size=(len(keys), 50)).astype(np.float32)
    offset = rng.normal(size=50).astype(np.float32) * 3
    index = {k: i for i, k in enumerate(keys)}
    with open(QUESTIONS, encoding="utf-8") as file:  # b − a ≈ d − c for the first questions
        for line in list(file)[1:400]:
            a, b, c, d = (w.lower() for w in line.split())
            if all(w in index for w in (a, b, c, d)):
                base[index[b]] = base[index[a]] + offset + rng.normal(size=50) * 0.1
                base[index[d]] = base[index[c]] + offset + rng.normal(size=50) * 0.1
    counts = rng.integers(1, 1000, size=len(keys))
    return KeyedVectors.from_arrays(keys, base, counts)


@pytest.fixture(scope="module")
def theirs(vectors, tmp_path_factory):
    path = vectors.save_word2vec_format(tmp_path_factory.mktemp("kv") / "v.bin", binary=True)
    return gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=True)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_gensim_reads_our_files_identically(vectors, tmp_path, binary, suffix):
    path = vectors.save_word2vec_format(tmp_path / f"v{suffix}", binary=binary)
    loaded = gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    order = np.argsort(-vectors.counts, kind="stable")  # most frequent first, as gensim writes
    assert loaded.index_to_key == [vectors.index_to_key[i] for i in order]
    np.testing.assert_array_equal(loaded.vectors, vectors.vectors[order])


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensims_files_identically(vectors, theirs, tmp_path, binary):
    path = tmp_path / "g.txt"
    theirs.save_word2vec_format(str(path), binary=binary)
    ours = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    limited = KeyedVectors.load_word2vec_format(path, binary=binary, limit=10)
    assert limited.index_to_key == theirs.index_to_key[:10]


def test_native_save_and_load(vectors, tmp_path):
    loaded = KeyedVectors.load(vectors.save(tmp_path / "kv.npz"))
    assert loaded.index_to_key == vectors.index_to_key
    np.testing.assert_array_equal(loaded.vectors, vectors.vectors)
    np.testing.assert_array_equal(loaded.counts, vectors.counts)


def test_neighbours_and_similarities_equal_gensims(vectors, theirs):
    for word in ["paris", "king", "boy", "good", "walking"]:
        if word not in vectors:
            continue
        ours = vectors.most_similar(word, topn=8)
        expected = theirs.most_similar(word, topn=8)
        assert [w for w, _ in ours] == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in expected], rtol=1e-5)
    a, b, c = vectors.index_to_key[:3]
    ours = vectors.most_similar(positive=[b, c], negative=[a], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs.most_similar(positive=[b, c], negative=[a], topn=5)]
    assert vectors.similarity(a, b) == pytest.approx(float(theirs.similarity(a, b)), rel=1e-5)
    words = vectors.index_to_key[10:16]
    assert vectors.doesnt_match(words) == theirs.doesnt_match(words)
    vector = vectors[a] * 2 - vectors[b]
    assert [w for w, _ in vectors.similar_by_vector(vector, topn=5)] == [
        w for w, _ in theirs.similar_by_vector(vector, topn=5)
    ]


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")  # gensim's own
def test_cosmul_equals_gensims(vectors, theirs):
    a, b, c = vectors.index_to_key[:3]
    ours = vectors.most_similar_cosmul(positive=[b, c], negative=[a], topn=6)
    expected = theirs.most_similar_cosmul(positive=[b, c], negative=[a], topn=6)
    assert [w for w, _ in ours] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in expected], rtol=1e-4)
    assert [w for w, _ in vectors.most_similar_cosmul(b, topn=4)] == [
        w for w, _ in theirs.most_similar_cosmul(b, topn=4)
    ]
    with pytest.raises(ValueError, match="positive"):
        vectors.most_similar_cosmul(negative=[a])


def test_analogy_accuracy_equals_gensims(vectors, theirs):
    ours, sections = vectors.evaluate_word_analogies(QUESTIONS)
    expected, their_sections = theirs.evaluate_word_analogies(QUESTIONS)
    assert ours == pytest.approx(expected, abs=1e-12)
    assert ours > 0.02  # the planted analogies are found: the comparison is not 0 == 0
    assert [s["section"] for s in sections] == [s["section"] for s in their_sections]
    assert [len(s["correct"]) for s in sections] == [len(s["correct"]) for s in their_sections]
    # Restricting takes the first words by index; compare on the file's order (most frequent first).
    same_order = KeyedVectors.from_arrays(theirs.index_to_key, theirs.vectors)
    restricted, _ = same_order.evaluate_word_analogies(QUESTIONS, restrict_vocab=300)
    assert restricted == pytest.approx(theirs.evaluate_word_analogies(QUESTIONS, restrict_vocab=300)[0])


def test_word_pair_correlations_equal_gensims(vectors, theirs):
    pearson, spearman, oov = vectors.evaluate_word_pairs(WORDSIM)
    their_pearson, their_spearman, their_oov = theirs.evaluate_word_pairs(WORDSIM)
    assert pearson[0] == pytest.approx(their_pearson[0], abs=1e-6)
    assert spearman[0] == pytest.approx(their_spearman[0], abs=1e-6)
    assert oov == pytest.approx(their_oov)


# ----- bad files -----------------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_truncated_file_is_a_clear_error(vectors, tmp_path, binary):
    path = vectors.save_word2vec_format(tmp_path / "v", binary=binary)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ValueError, match="truncated"):
        KeyedVectors.load_word2vec_format(path, binary=binary)


def test_not_a_vectors_file(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello world\nthis is not a vectors file\n")
    with pytest.raises(ValueError, match="header"):
        KeyedVectors.load_word2vec_format(path)
    path.write_text("2 3\na 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError, match="line 3: expected a word and 3 numbers"):
        KeyedVectors.load_word2vec_format(path)
    path.write_text("1 2\na 1 x\n")
    with pytest.raises(ValueError, match="not a number"):
        KeyedVectors.load_word2vec_format(path)
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load_word2vec_format(tmp_path / "missing.bin", binary=True)
    with pytest.raises(ValueError, match="not a readable deepstep file"):
        KeyedVectors.load(path)


def test_words_the_format_cannot_hold(tmp_path):
    kv = KeyedVectors.from_arrays(["a b", "c"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="whitespace"):
        kv.save_word2vec_format(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()
