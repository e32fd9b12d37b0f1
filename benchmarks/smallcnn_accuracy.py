"""Test accuracy of deepstep.models.SmallCNN on MNIST after each of 3 epochs (Adam 1e-3, batch 128).

Prints one JSON line per seed. Run: python benchmarks/smallcnn_accuracy.py [--seeds 0 1] [--kernel-size 5]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import deepstep as ds
from deepstep.datasets import load_mnist
from deepstep.models import SmallCNN


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--kernel-size", type=int, default=5)
    args = parser.parse_args()
    (x, y), (x_test, y_test) = load_mnist()
    x, x_test = x[:, None], x_test[:, None]
    for seed in args.seeds:
        ds.manual_seed(seed)
        model = SmallCNN(kernel_size=args.kernel_size)
        model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
        accuracies, seconds = [], []
        for epoch in range(args.epochs):
            start = time.perf_counter()
            model.fit(x, y, epochs=1, batch_size=128, verbose=0, seed=seed * 100 + epoch)
            seconds.append(round(time.perf_counter() - start, 1))
            accuracies.append(round(100 * model.evaluate(x_test, y_test)["accuracy"], 2))
        line = {"benchmark": "smallcnn_accuracy", "kernel_size": args.kernel_size, "seed": seed}
        print(
            json.dumps({**line, "test_accuracy_percent": accuracies, "seconds_per_epoch": seconds}),
            flush=True,
        )


if __name__ == "__main__":
    main()
