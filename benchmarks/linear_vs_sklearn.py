"""Fit time and test accuracy of deepstep.linear against scikit-learn on MNIST (60,000 × 784).

Pairs: SoftmaxRegression vs LogisticRegression() (both L-BFGS, C = 1, 100 iterations; and
SoftmaxRegression by mini-batch Adam); Perceptron(max_iter=10) vs Perceptron(); LinearSVC()
vs SGDClassifier(loss="hinge"). Both get the same
float32 pixels in [0, 1] (scikit-learn converts to float64 itself where it wants to). Each
pair runs back to back, `--repeats` times, keeping the fastest fit of each.

Prints one JSON line per pair. Run: python benchmarks/linear_vs_sklearn.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import sklearn
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning

import deepstep as ds
from deepstep import linear

PAIRS = {
    # like for like: both L-BFGS on the same objective, 100 iterations
    "softmax_regression_lbfgs": (lambda: linear.SoftmaxRegression(), lambda: sk.LogisticRegression()),
    # the same model by mini-batch Adam, 15 epochs
    "softmax_regression_adam": (
        lambda: linear.SoftmaxRegression(
            solver="adam", learning_rate=0.002, batch_size=256, max_iter=15, random_state=0
        ),
        lambda: sk.LogisticRegression(),
    ),
    "perceptron": (
        lambda: linear.Perceptron(max_iter=10, random_state=0),
        lambda: sk.Perceptron(random_state=0),
    ),
    "linear_svm": (
        lambda: linear.LinearSVC(random_state=0),
        lambda: sk.SGDClassifier(loss="hinge", random_state=0),
    ),
}


def timed_fit(make, x, y, xt, yt, repeats):
    best, accuracy = float("inf"), None
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y)
        best = min(best, time.perf_counter() - start)
        accuracy = float(model.score(xt, yt))
    return best, accuracy, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", choices=sorted(PAIRS), help="run one pair")
    args = parser.parse_args()
    (x, y), (xt, yt) = ds.datasets.load_mnist(flatten=True)
    for name, (ours, theirs) in PAIRS.items():
        if args.only and name != args.only:
            continue
        ds_seconds, ds_accuracy, ds_model = timed_fit(ours, x, y, xt, yt, args.repeats)
        sk_seconds, sk_accuracy, sk_model = timed_fit(theirs, x, y, xt, yt, args.repeats)
        print(
            json.dumps(
                {
                    "benchmark": "linear_vs_sklearn",
                    "model": name,
                    "machine": f"{platform.machine()} {os.cpu_count()} cores",
                    "sklearn": sklearn.__version__,
                    "deepstep": type(ds_model).__name__,
                    "peer": type(sk_model).__name__,
                    "deepstep_fit_s": round(ds_seconds, 2),
                    "sklearn_fit_s": round(sk_seconds, 2),
                    "deepstep_accuracy": round(ds_accuracy, 4),
                    "sklearn_accuracy": round(sk_accuracy, 4),
                    "time_ratio": round(ds_seconds / sk_seconds, 3),
                    "deepstep_iterations": int(ds_model.n_iter_),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
