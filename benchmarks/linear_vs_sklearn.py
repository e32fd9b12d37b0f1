"""Fit time and test accuracy of deepstep.linear against scikit-learn.

--data mnist (the default): all of MNIST (60,000 × 784 float32 pixels in [0, 1]; scikit-learn
converts to float64 itself where it wants to). Pairs: SoftmaxRegression vs LogisticRegression()
(both L-BFGS, C = 1, 100 iterations; and SoftmaxRegression by mini-batch Adam);
Perceptron(max_iter=10) vs Perceptron(); LinearSVC() (solver "auto": mini-batch Adam at this size)
vs SGDClassifier(loss="hinge").

--data small: every estimator of deepstep.linear with its defaults against its scikit-learn
counterpart on the data sets scikit-learn ships (iris, wine, breast_cancer, digits; diabetes and a
synthetic regression for the regressors), StandardScaler first in a Pipeline for both, one
stratified split with a quarter held out: the pairs of tests/test_linear_small_data.py. Accuracy
is R² for the regressors; for the shuffling perceptrons it is the mean over the repeats, which
use random_state 0, 1, ….

Each pair runs back to back, `--repeats` times, keeping the fastest fit of each. Prints one JSON
line per pair. Run: python benchmarks/linear_vs_sklearn.py [--data small] [--repeats 1]
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

import numpy as np
import sklearn
from sklearn import datasets, svm
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import deepstep as ds
from deepstep import linear

MNIST_PAIRS = {
    # like for like: both L-BFGS on the same objective, 100 iterations
    "softmax_regression_lbfgs": (
        lambda seed: linear.SoftmaxRegression(),
        lambda seed: sk.LogisticRegression(),
    ),
    # the same model by mini-batch Adam, 15 epochs
    "softmax_regression_adam": (
        lambda seed: linear.SoftmaxRegression(
            solver="adam", learning_rate=0.002, batch_size=256, max_iter=15, random_state=0
        ),
        lambda seed: sk.LogisticRegression(),
    ),
    "perceptron": (
        lambda seed: linear.Perceptron(max_iter=10, random_state=0),
        lambda seed: sk.Perceptron(random_state=0),
    ),
    "linear_svm": (
        lambda seed: linear.LinearSVC(random_state=0),
        lambda seed: sk.SGDClassifier(loss="hinge", random_state=0),
    ),
}

SMALL_CLASSIFICATION = ("iris", "wine", "breast_cancer", "digits")
SMALL_REGRESSION = ("diabetes", "synthetic")
SMALL_PAIRS = {
    "Perceptron": (
        lambda seed: linear.Perceptron(random_state=seed),
        lambda seed: sk.Perceptron(random_state=seed),
    ),
    # the same objective, least squares on ±1 targets, solved exactly
    "Adaline": (lambda seed: linear.Adaline(), lambda seed: sk.RidgeClassifier(alpha=0.0)),
    "LogisticRegression": (lambda seed: linear.LogisticRegression(), lambda seed: sk.LogisticRegression()),
    "SoftmaxRegression": (lambda seed: linear.SoftmaxRegression(), lambda seed: sk.LogisticRegression()),
    # scikit-learn has no probit model: the logistic one's accuracy is the mark
    "ProbitRegression": (lambda seed: linear.ProbitRegression(), lambda seed: sk.LogisticRegression()),
    "LinearSVC": (lambda seed: linear.LinearSVC(), lambda seed: svm.LinearSVC(multi_class="crammer_singer")),
    "LinearRegression": (lambda seed: linear.LinearRegression(), lambda seed: sk.LinearRegression()),
    "Ridge": (lambda seed: linear.Ridge(), lambda seed: sk.Ridge()),
}


def timed_fit(make, x, y, xt, yt, repeats):
    """(fastest fit in seconds, mean test score, the last model, whether it warned) over the repeats."""
    best, scores, warned = float("inf"), [], False
    for seed in range(repeats):
        model = make(seed)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(x, y)
        best = min(best, time.perf_counter() - start)
        warned |= any(issubclass(w.category, ConvergenceWarning) for w in caught)
        scores.append(float(model.score(xt, yt)))
    return best, float(np.mean(scores)), model, warned


def small_split(name):
    if name == "synthetic":
        X, y = datasets.make_regression(n_samples=400, n_features=20, noise=10.0, random_state=0)
        return train_test_split(X, y, test_size=0.25, random_state=0)
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    stratify = y if name in SMALL_CLASSIFICATION else None
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=stratify)


def comparisons(data):
    """(data set, pair name, deepstep maker, scikit-learn maker, train/test arrays) for each comparison."""
    if data == "mnist":
        (x, y), (xt, yt) = ds.datasets.load_mnist(flatten=True)
        for name, (ours, theirs) in MNIST_PAIRS.items():
            yield "mnist", name, ours, theirs, (x, y, xt, yt)
        return
    for set_name in SMALL_CLASSIFICATION + SMALL_REGRESSION:
        x, xt, y, yt = small_split(set_name)
        regression = set_name in SMALL_REGRESSION
        for name, (ours, theirs) in SMALL_PAIRS.items():
            if regression == (name in ("LinearRegression", "Ridge")):
                yield (
                    set_name,
                    name,
                    lambda seed, ours=ours: make_pipeline(StandardScaler(), ours(seed)),
                    lambda seed, theirs=theirs: make_pipeline(StandardScaler(), theirs(seed)),
                    (x, y, xt, yt),
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("mnist", "small"), default="mnist")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", help="run the pairs of this name (e.g. linear_svm, LinearSVC)")
    args = parser.parse_args()
    for set_name, name, ours, theirs, arrays in comparisons(args.data):
        if args.only and name != args.only:
            continue
        ds_seconds, ds_score, ds_model, ds_warned = timed_fit(ours, *arrays, args.repeats)
        sk_seconds, sk_score, sk_model, sk_warned = timed_fit(theirs, *arrays, args.repeats)
        ds_model, sk_model = (m[-1] if hasattr(m, "steps") else m for m in (ds_model, sk_model))
        print(
            json.dumps(
                {
                    "benchmark": "linear_vs_sklearn",
                    "data": set_name,
                    "model": name,
                    "machine": f"{platform.machine()} {os.cpu_count()} cores",
                    "sklearn": sklearn.__version__,
                    "deepstep": type(ds_model).__name__,
                    "peer": type(sk_model).__name__,
                    "deepstep_fit_s": round(ds_seconds, 4),
                    "sklearn_fit_s": round(sk_seconds, 4),
                    "deepstep_score": round(ds_score, 4),
                    "sklearn_score": round(sk_score, 4),
                    "time_ratio": round(ds_seconds / sk_seconds, 3),
                    "deepstep_iterations": int(ds_model.n_iter_),
                    "deepstep_converged": not ds_warned,
                    "sklearn_converged": not sk_warned,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
