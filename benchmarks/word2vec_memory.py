"""Peak memory of word2vec training on a large corpus file, which is streamed, never loaded.

Builds a corpus of about --gigabytes GB by repeating ../shared/data/text/bible.txt.gz (kept in a
temporary folder, removed after), then runs, in a fresh process, Word2Vec(corpus_file=...) for
--epochs epochs (CBOW, the faster model: memory does not depend on the model) and reports that
process's peak resident memory next to what it held before reading the corpus and the size of the
vocabulary-sized state (the two weight matrices and the noise tables).

Prints one JSON line. Run: python benchmarks/word2vec_memory.py [--gigabytes 1] [--epochs 1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIBLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "text" / "bible.txt.gz"

CHILD = """
import json, resource, sys, time
import numpy as np
from deepstep.text import Word2Vec
Word2Vec([["warm", "up"]] * 5, min_count=1, epochs=1, progress=False, workers=1)  # numba, imports
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
model = Word2Vec(corpus_file=sys.argv[1], sg=0, epochs=int(sys.argv[2]), progress=False)
state = model.wv.vectors.nbytes + model.syn1neg.nbytes + model._cumulative.nbytes + model._guide.nbytes
state += model._keep_below.nbytes + model.wv.counts.nbytes
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
trained = sum(h["trained_words"] for h in model.history)
print(json.dumps({
    "rss_before_corpus_mb": before / 1024, "peak_rss_mb": peak / 1024,
    "state_mb": state / 2**20, "vocabulary": len(model.wv), "tokens": model.corpus_total_words,
    "seconds": time.perf_counter() - start,
    "words_per_second": trained / sum(h["seconds"] for h in model.history),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    with gzip.open(BIBLE, "rb") as file:
        text = file.read()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.txt"
        repeats = max(1, round(args.gigabytes * 1e9 / len(text)))
        with open(corpus, "wb") as file:
            for _ in range(repeats):
                file.write(text)
        size = corpus.stat().st_size
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(corpus), str(args.epochs)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode:
            sys.exit(child.stderr)
        result = json.loads(child.stdout.strip().splitlines()[-1])
    result = {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}
    result["corpus_mb"] = round(size / 2**20, 1)
    result["growth_over_state_mb"] = round(
        result["peak_rss_mb"] - result["rss_before_corpus_mb"] - result["state_mb"], 1
    )
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    result["self_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
