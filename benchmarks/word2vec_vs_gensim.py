"""word2vec in deepstep and in gensim on the same corpus with the same settings.

The corpus is ../shared/data/text/bible.txt.gz (about 4.7 million tokens), read once into memory
as lists of tokens and given to both. Settings: vector_size 100, window 5, negative 5,
min_count 5, sample 1e-3, epochs 5; skip-gram and CBOW, each with 1 and 2 workers, each with
seeds 1..--seeds (the figures are means: one run's analogy accuracy varies by about a point).
Each library builds its vocabulary (not timed), then trains (timed). Effective words per second
= words trained after subsampling / training time. Both models are scored with gensim's own
evaluators (deepstep's equal them, tests/test_keyed_vectors.py): analogy accuracy on
questions-words.txt (3CosAdd, top 300,000 words) and Spearman on wordsim353.tsv.

Prints one JSON line per (model, workers). Run: python benchmarks/word2vec_vs_gensim.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import time
from pathlib import Path

import gensim
import numpy as np
from gensim.test.utils import datapath

from deepstep.text import Word2Vec

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "text" / "bible.txt.gz"
SETTINGS = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5)


def score(keys: list[str], vectors: np.ndarray) -> dict[str, float]:
    wv = gensim.models.KeyedVectors(vectors.shape[1])
    wv.add_vectors(keys, vectors)
    analogy, _ = wv.evaluate_word_analogies(datapath("questions-words.txt"))
    _, spearman, _ = wv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    return {"analogy_accuracy": round(float(analogy), 4), "spearman": round(float(spearman[0]), 4)}


def run(library: str, sentences: list[list[str]], sg: int, workers: int, seed: int) -> dict[str, float]:
    if library == "deepstep":
        model = Word2Vec(sg=sg, workers=workers, seed=seed, progress=False, **SETTINGS)
    else:
        model = gensim.models.Word2Vec(sg=sg, workers=workers, seed=seed, **SETTINGS)
    model.build_vocab(sentences)
    start = time.perf_counter()
    trained, _ = model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    seconds = time.perf_counter() - start
    return {
        "words_per_second": round(trained / seconds),
        "train_seconds": round(seconds, 2),
        "trained_words": int(trained),
        **score(list(model.wv.index_to_key), np.asarray(model.wv.vectors)),
    }


def _mean(values: list[float]) -> float:
    mean = float(np.mean(values))
    return round(mean, 4) if mean < 10 else round(mean)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="sg,cbow", help="sg, cbow or both")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--seeds", type=int, default=1, help="runs per library (seeds 1..N); figures are their means"
    )
    args = parser.parse_args()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        sentences = [line.split() for line in file]
    tokens = sum(len(s) for s in sentences)
    # Compile (or load from numba's cache) before timing, as gensim's Cython is compiled at install.
    Word2Vec(sentences[:200], min_count=1, epochs=1, progress=False, workers=1)
    for name in args.models.split(","):
        sg = {"sg": 1, "cbow": 0}[name]
        for workers in (int(w) for w in args.workers.split(",")):
            result = {"model": "skip-gram" if sg else "cbow", "workers": workers, "corpus_tokens": tokens}
            for library in ("gensim", "deepstep"):
                runs = [run(library, sentences, sg, workers, seed) for seed in range(1, args.seeds + 1)]
                result[library] = {key: _mean([r[key] for r in runs]) for key in runs[0]}
                if args.seeds > 1:
                    result[library]["per_seed"] = runs
            ours, theirs = result["deepstep"], result["gensim"]
            result["speed_ratio"] = round(ours["words_per_second"] / theirs["words_per_second"], 3)
            result["analogy_difference_points"] = round(
                100 * (ours["analogy_accuracy"] - theirs["analogy_accuracy"]), 2
            )
            result["spearman_difference"] = round(ours["spearman"] - theirs["spearman"], 4)
            result["gensim_version"] = gensim.__version__
            result["machine"] = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores"
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
