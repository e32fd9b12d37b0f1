"""Pictures: they are drawn from the right predictions and refuse bad input."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep import linear, nn
from deepstep.viz import plot_decision_boundary, plot_history, predict_classes


def test_predict_classes_for_estimators_and_modules():
    X, y = ds.datasets.blobs(100, centers=np.array([[-3.0, 0.0], [3.0, 0.0]]), seed=0)
    estimator = linear.LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(predict_classes(estimator, X), estimator.predict(X))
    module = nn.Sequential(nn.Linear(2, 1))
    module[0].weight.data = np.array([[1.0, 0.0]], dtype=np.float32)
    module[0].bias.data = np.zeros(1, dtype=np.float32)
    np.testing.assert_array_equal(predict_classes(module, X), (X[:, 0] > 0).astype(int))
    with pytest.raises(TypeError, match="predict"):
        predict_classes(object(), X)


def test_decision_boundary_picture(tmp_path):
    X, y = ds.datasets.two_moons(100, seed=0)
    names = np.array(["a", "b"])[y]  # string labels work too
    ax = plot_decision_boundary(
        linear.LogisticRegression().fit(X, names), X, names, title="moons", path=tmp_path / "moons.png"
    )
    assert ax.get_title() == "moons" and (tmp_path / "moons.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot_decision_boundary(linear.LogisticRegression(), np.zeros((3, 3)), [0, 1, 0])


def test_history_picture(tmp_path):
    figure = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "lr": [0.1, 0.1]}, tmp_path / "h.png")
    assert (tmp_path / "h.png").exists() and len(figure.axes) == 1
    with pytest.raises(ValueError, match="no curves"):
        plot_history({"lr": [0.1]})
