"""word2vec on the King James Bible: neighbours, an analogy, the odd one out, and a picture.

Skip-gram with negative sampling (the notes' model) learns from nothing but which words appear near
which. Words used alike end up near each other: people with people, places with places, metals
with metals — which the picture shows on the vectors' first two principal components.
Run: python examples/word2vec_bible.py [--corpus FILE] [--out bible.png]; without --corpus it trains on
the King James Bible that ships with deepstep (deepstep.text.kjv_sentences()).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from deepstep.text import Word2Vec, kjv_sentences

GROUPS = {
    "people": ["moses", "aaron", "david", "solomon", "abraham", "isaac", "jacob", "joseph"],
    "places": ["egypt", "jerusalem", "babylon", "samaria", "assyria", "canaan", "damascus", "zion"],
    "materials": ["gold", "silver", "brass", "iron", "wood", "stone", "linen", "cedar"],
    "animals": ["sheep", "oxen", "goats", "lambs", "camels", "horses", "asses", "cattle"],
}


def same_group_neighbours(wv, groups: dict[str, list[str]]) -> float:
    """Share of the words whose nearest neighbour among all the listed words is in its own group."""
    words = [w for members in groups.values() for w in members]
    group_of = {w: g for g, members in groups.items() for w in members}
    unit = wv.get_normed_vectors()[[wv.get_index(w) for w in words]]
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)
    return float(np.mean([group_of[words[i]] == group_of[words[j]] for i, j in enumerate(nearest)]))


def main(corpus: str | Path | None = None, out: str | None = None, workers: int = 2, seed: int = 1) -> dict:
    data = {"corpus_file": corpus} if corpus is not None else {"sentences": kjv_sentences()}
    model = Word2Vec(**data, sg=1, vector_size=100, window=5, min_count=5, epochs=5,
                     workers=workers, seed=seed, progress=out is not None)  # fmt: skip
    wv = model.wv
    result = {
        "neighbours": {w: [n for n, _ in wv.most_similar(w, topn=5)] for w in ("god", "gold", "sheep")},
        "king - man + woman": [
            n for n, _ in wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
        ],
        "odd one out": wv.doesnt_match(["gold", "silver", "brass", "moses"]),
        "same-group nearest neighbour": same_group_neighbours(wv, GROUPS),
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    if out:
        from deepstep.viz import plot_embeddings

        words = [w for members in GROUPS.values() for w in members]
        groups = [g for g, members in GROUPS.items() for _ in members]
        plot_embeddings(wv, words, path=out, groups=groups, title="KJV word vectors (skip-gram), PCA")
        print(f"wrote {out}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="a corpus file, one sentence per line (default: the bundled Bible)")
    parser.add_argument("--out", default="word2vec_bible.png")
    args = parser.parse_args()
    main(args.corpus, args.out)
