"""Peak memory of each deepstep command: runs it in a subprocess with small settings and prints one
JSON line per command with its peak resident set size (the child's ru_maxrss, in MB).

    python benchmarks/peak_memory.py            # every command, 1 epoch on all of MNIST
    python benchmarks/peak_memory.py autoencoder gan --limit 10000

Each command runs alone in its own process (ru_maxrss of RUSAGE_CHILDREN is the largest child so
far, so the figures are taken one child at a time, each in a fresh Python that only runs it).

Measured on 2 shared cores, all of MNIST, 1 epoch; word2vec on the first 5,000 sentences of the
bundled Bible, lm 20 steps (peak RSS in MB):

    command       before   after
    train mlp        490     421
    train cnn        490     474
    autoencoder     2260     471
    gan              490     422
    word2vec         179     179
    lm               268     268

The autoencoder took an SVD of the whole centred training set (60,000 × 784) for its PCA baseline;
the principal axes now come from the 784 × 784 scatter matrix summed over chunks of rows
(models/autoencoder.py: pca_reconstruction_error), and reconstructions go through the model in
chunks. Every image command's floor is loading MNIST, lowered by dividing the float32 copy in place
(datasets/mnist.py) instead of making a second one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CORPUS_LINES = 5000  # of the bundled Bible, for word2vec


def commands(folder: Path, limit: int | None) -> dict[str, list[str]]:
    """The command lines, each writing into its own folder under `folder`."""
    images = ["--epochs", "1", "--quiet", "--no-plot", *(["--limit", str(limit)] if limit else [])]
    corpus = folder / "kjv.txt"
    return {
        "train mlp": ["train", "--model", "mlp", *images, "--output", str(folder / "mlp")],
        "train cnn": ["train", "--model", "cnn", *images, "--output", str(folder / "cnn")],
        "autoencoder": ["autoencoder", *images, "--output", str(folder / "autoencoder")],
        "gan": ["gan", *images, "--output", str(folder / "gan")],
        "word2vec": ["word2vec", str(corpus), "--epochs", "1", "--quiet", "-o", str(folder / "v.bin")],
        "lm": ["lm", "--steps", "20", "--eval-every", "10", "--eval-batches", "2", "--quiet", "--no-plot",
               "--output", str(folder / "lm")],
    }  # fmt: skip


def _write_corpus(path: Path) -> None:
    from deepstep.text import kjv_sentences

    lines = (" ".join(words) for words in kjv_sentences()[:CORPUS_LINES])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def measure(name: str, argv: list[str]) -> dict:
    """Run one command in a fresh interpreter that reports its own child's peak RSS."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'rc': r.returncode, 'seconds': round(time.perf_counter() - t, 1),\n"
        "    'kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, 'stderr': r.stderr[-300:],\n"
        "    'stdout': r.stdout[-300:]}))\n"
    )
    command = [sys.executable, "-m", "deepstep", *argv]
    out = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    line = {"command": name, "peak_rss_mb": round(result["kb"] / 1024), "seconds": result["seconds"]}
    line["last_line"] = (result["stdout"].strip().splitlines() or [""])[-1]  # shows what was trained
    if result["rc"]:
        line.update(exit_status=result["rc"], stderr=result["stderr"].strip().splitlines()[-1:])
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="command names to run (default: all)")
    parser.add_argument("--limit", type=int, help="training images for the image commands (default all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        _write_corpus(folder / "kjv.txt")
        for name, argv in commands(folder, args.limit).items():
            if args.only and not any(name.startswith(wanted) for wanted in args.only):
                continue
            print(json.dumps(measure(name, argv)), flush=True)


if __name__ == "__main__":
    main()
