"""Hinge loss against cross-entropy, on the same data and the same linear model.

The multiclass SVM hinge Σ_{j≠y} max(0, s_j − s_y + 1) is satisfied, and stops pushing, once
the true class wins by a margin of 1: most examples end with a loss of exactly 0. Cross-entropy
is never 0 in exact arithmetic: it keeps raising the winning score of every example (only the
most confident few round to 0, even in float64). Both give a good classifier here.
Run: python examples/hinge_vs_cross_entropy.py
"""

from __future__ import annotations

import numpy as np

import deepstep as ds
import deepstep.functional as F
from deepstep import nn, optim


def train(loss_name: str, X: np.ndarray, y: np.ndarray, seed: int) -> nn.Module:
    ds.manual_seed(seed)
    model = nn.Sequential(nn.Linear(X.shape[1], 3))
    loss = nn.MultiMarginLoss() if loss_name == "hinge" else nn.CrossEntropyLoss()
    model.compile(
        optimizer=optim.SGD(model.parameters(), lr=0.1, momentum=0.9), loss=loss, metrics=["accuracy"]
    )
    model.fit(X, y, epochs=30, batch_size=32, verbose=0, seed=seed)
    return model


def main(seed: int = 0) -> dict:
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    X, y = ds.datasets.blobs(600, centers=centres, std=1.2, seed=seed)
    X_test, y_test = ds.datasets.blobs(600, centers=centres, std=1.2, seed=seed + 1)
    report = {}
    for name in ("hinge", "cross_entropy"):
        model = train(name, X, y, seed)
        scores = model.predict(X_test).astype(np.float64)  # float32 would round tiny losses to 0
        per_example = (
            F.multi_margin_loss(scores, y_test, reduction="none")
            if name == "hinge"
            else F.cross_entropy(scores, y_test, reduction="none")
        ).numpy()
        report[name] = {
            "test_accuracy": float((scores.argmax(1) == y_test).mean()),
            "share_of_zero_losses": float(np.mean(per_example == 0)),
            "mean_loss": float(per_example.mean()),
        }
    return report


if __name__ == "__main__":
    for name, numbers in main().items():
        print(f"{name:>13}: " + ", ".join(f"{k} {v:.3f}" for k, v in numbers.items()))
