"""Perceptron, logistic regression and a linear SVM on the same data, and where all three fail.

On blobs and on two moons a straight line does well. XOR (points around the four corners of the unit
square, opposite corners in the same class) no straight line separates, as the notes say: the best a
line can do is cut off one corner and get the other three right, about three quarters of the points
(all but the smallest corner's). Which line a model ends on depends on its loss; with the fixed seed 0
the linear SVM does cut off a corner (0.76), while the perceptron and logistic regression stay near
chance (0.49 and 0.48). None can do better than that line, and one hidden layer gets XOR right.
Run: python examples/linear_classifiers.py [--out linear_classifiers.png]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

import deepstep as ds
from deepstep import linear, nn, optim
from deepstep.viz import plot_decision_boundary
from deepstep.viz._matplotlib import pyplot


def datasets(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {
        "blobs": ds.datasets.blobs(300, centers=np.array([[-2.0, -1.0], [2.0, 1.5]]), std=1.0, seed=seed),
        "two moons": ds.datasets.two_moons(300, noise=0.15, seed=seed),
        "XOR": ds.datasets.xor(300, noise=0.15, seed=seed),
    }


def models(seed: int = 0) -> dict:
    return {
        "perceptron": linear.Perceptron(max_iter=50, random_state=seed),
        "logistic regression": linear.LogisticRegression(),
        "linear SVM": linear.LinearSVC(random_state=seed, learning_rate=0.01),
    }


def mlp_on_xor(X: np.ndarray, y: np.ndarray, seed: int = 0) -> nn.Module:
    ds.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    model.compile(optimizer=optim.Adam(model.parameters(), lr=0.03), loss="cross_entropy")
    model.fit(X, y, epochs=100, batch_size=32, verbose=0, seed=seed)
    return model


def main(out: str | None = None, seed: int = 0) -> dict[str, dict[str, float]]:
    data = datasets(seed)
    accuracy: dict[str, dict[str, float]] = {}
    plt = pyplot() if out else None
    if plt:
        figure, axes = plt.subplots(len(data), len(models()) + 1, figsize=(16, 11))
    for row, (data_name, (X, y)) in enumerate(data.items()):
        accuracy[data_name] = {}
        for column, (model_name, model) in enumerate(models(seed).items()):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the perceptron rightly warns on non-separable data
                model.fit(X, y)
            accuracy[data_name][model_name] = float(model.score(X, y))
            if plt:
                plot_decision_boundary(
                    model,
                    X,
                    y,
                    ax=axes[row, column],
                    title=f"{model_name} on {data_name}: {accuracy[data_name][model_name]:.0%}",
                )
        mlp = mlp_on_xor(X, y, seed)
        accuracy[data_name]["MLP 2-8-2"] = float((mlp.predict(X).argmax(1) == y).mean())
        if plt:
            plot_decision_boundary(
                mlp,
                X,
                y,
                ax=axes[row, -1],
                title=f"MLP 2-8-2 on {data_name}: {accuracy[data_name]['MLP 2-8-2']:.0%}",
            )
    if plt:
        figure.tight_layout()
        figure.savefig(out, dpi=90)
        plt.close(figure)
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="linear_classifiers.png")
    args = parser.parse_args()
    for data_name, scores in main(args.out).items():
        print(f"{data_name:>9}: " + ", ".join(f"{k} {v:.2f}" for k, v in scores.items()))
    print(f"wrote {args.out}")
