"""deepstep.linear with its defaults against scikit-learn on the small data sets scikit-learn ships.

Each estimator, after a StandardScaler in a Pipeline (what a user would write, the same for both
libraries), on one fixed stratified split with a quarter held out, must reach the test accuracy
(R² for the regressors) of its scikit-learn counterpart within 2 points, and stop on its own
convergence test, without a ConvergenceWarning. The counterparts:

- Perceptron ↔ Perceptron (the same rule; both shuffle, so both are averaged over 10 seeds: on
  iris a single seed's accuracy scatters between 0.68 and 0.97 for either library);
- Adaline ↔ RidgeClassifier(alpha=0): the same objective, least squares on ±1 targets (a column per
  class, then sign or argmax), which the delta rule descends and RidgeClassifier solves exactly;
- LogisticRegression, SoftmaxRegression ↔ LogisticRegression (L-BFGS, multinomial);
- ProbitRegression ↔ LogisticRegression (scikit-learn has no probit; statsmodels is not a dependency);
- LinearSVC ↔ LinearSVC(multi_class="crammer_singer"), the multiclass hinge of the notes' family;
- LinearRegression, Ridge ↔ their namesakes.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn import svm
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from deepstep import linear
from deepstep.linear.solvers import Plateau

CLASSIFICATION = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}
REGRESSION = {
    "diabetes": lambda: load_diabetes(return_X_y=True),
    "synthetic": lambda: make_regression(n_samples=400, n_features=20, noise=10.0, random_state=0),
}
COUNTERPARTS = {
    "Perceptron": sk.Perceptron,
    "Adaline": lambda: sk.RidgeClassifier(alpha=0.0),
    "LogisticRegression": sk.LogisticRegression,
    "SoftmaxRegression": sk.LogisticRegression,
    "ProbitRegression": sk.LogisticRegression,
    "LinearSVC": lambda: svm.LinearSVC(multi_class="crammer_singer"),
    "LinearRegression": sk.LinearRegression,
    "Ridge": sk.Ridge,
}
SEEDS = range(10)  # for the shuffling perceptrons


@functools.cache
def _split(name: str):
    if name in CLASSIFICATION:
        X, y = CLASSIFICATION[name](return_X_y=True)
        return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    X, y = REGRESSION[name]()
    return train_test_split(X, y, test_size=0.25, random_state=0)


def _ours(name: str, data: str, **params) -> tuple[float, object]:
    """Test score of deepstep's estimator with its defaults; a ConvergenceWarning fails the test."""
    X_train, X_test, y_train, y_test = _split(data)
    model = make_pipeline(StandardScaler(), getattr(linear, name)(**params))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_train, y_train)
    return model.score(X_test, y_test), model[-1]


def _theirs(name: str, data: str, **params) -> float:
    X_train, X_test, y_train, y_test = _split(data)
    model = make_pipeline(StandardScaler(), COUNTERPARTS[name]().set_params(**params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # Crammer–Singer stops at max_iter on digits
        model.fit(X_train, y_train)
    return model.score(X_test, y_test)


@pytest.mark.parametrize("data", sorted(CLASSIFICATION))
@pytest.mark.parametrize(
    "name", ["Adaline", "LogisticRegression", "SoftmaxRegression", "ProbitRegression", "LinearSVC"]
)
def test_classifiers_reach_scikit_learns_accuracy_with_their_defaults(name, data):
    ours, model = _ours(name, data)
    theirs = _theirs(name, data)
    assert ours >= theirs - 0.02, (ours, theirs)
    assert model.n_iter_ < model.max_iter


@pytest.mark.parametrize("data", sorted(CLASSIFICATION))
def test_perceptron_reaches_scikit_learns_accuracy_on_average_over_seeds(data):
    ours = [_ours("Perceptron", data, random_state=seed) for seed in SEEDS]
    theirs = [_theirs("Perceptron", data, random_state=seed) for seed in SEEDS]
    assert np.mean([score for score, _ in ours]) >= np.mean(theirs) - 0.02, (ours, theirs)
    # each stops on its own test (a mistake-free epoch, or tol on these classes no line separates)
    assert all(model.n_iter_ < model.max_iter for _, model in ours)


@pytest.mark.parametrize("data", sorted(REGRESSION))
@pytest.mark.parametrize("name", ["LinearRegression", "Ridge"])
def test_regressors_reach_scikit_learns_r2_with_their_defaults(name, data):
    ours, _ = _ours(name, data)
    assert ours >= _theirs(name, data) - 0.02


@pytest.mark.parametrize("name", ["LinearRegression", "Ridge"])
def test_regressors_by_gradient_descent_stop_near_the_closed_form(name):
    for solver in ("gd", "sgd"):
        ours, model = _ours(name, "diabetes", solver=solver, random_state=0)
        assert ours >= _theirs(name, "diabetes") - 0.02, solver
        assert model.n_iter_ < model.max_iter


def test_linear_svc_solver_auto_is_lbfgs_on_small_data_and_adam_stops_on_its_plateau():
    _, model = _ours("LinearSVC", "iris")
    assert model.solver_ == "lbfgs"
    # the mini-batch solver ("auto" from 10,000 samples on) stops when the epoch loss stalls
    _, model = _ours("LinearSVC", "iris", solver="adam", learning_rate=0.01, random_state=0)
    assert model.solver_ == "adam" and model.n_iter_ < model.max_iter


# ----- the stopping rules --------------------------------------------------------------------------
def test_plateau_is_scikit_learns_n_iter_no_change_rule():
    plateau = Plateau(tol=0.1, n_iter_no_change=2)
    # 0.5 improves on 1.0 by more than tol; 0.45 and 0.44 do not improve on 0.5 by tol·max(1, 0.5) = 0.1
    assert [plateau.reached(loss) for loss in (1.0, 0.5, 0.45, 0.44)] == [False, False, False, True]
    relative = Plateau(tol=0.1, n_iter_no_change=1)  # above 1 the threshold scales with the loss
    assert [relative.reached(loss) for loss in (100.0, 89.0, 85.0)] == [False, False, True]
    # scikit-learn's own rule, the perceptron's: the loss must beat its best by tol itself, at any size
    absolute = Plateau(tol=0.1, n_iter_no_change=1, relative=False)
    assert [absolute.reached(loss) for loss in (100.0, 89.0, 85.0, 84.95)] == [False, False, False, True]
    never = Plateau(tol=None, n_iter_no_change=1)
    assert not any(never.reached(1.0) for _ in range(10))


def test_looser_tol_and_shorter_patience_stop_sooner():
    iterations = {}
    for tol, patience in ((1e-5, 5), (1e-3, 5), (1e-5, 10)):
        _, model = _ours("Adaline", "breast_cancer", tol=tol, n_iter_no_change=patience)
        iterations[tol, patience] = model.n_iter_
    assert iterations[1e-3, 5] < iterations[1e-5, 5] < iterations[1e-5, 10]


@pytest.mark.parametrize(
    "name, params",
    [
        ("Perceptron", {"max_iter": 1, "tol": None}),
        ("Adaline", {"max_iter": 3}),
        ("Adaline", {"max_iter": 3, "solver": "stochastic"}),
        ("LogisticRegression", {"max_iter": 2}),
        ("ProbitRegression", {"max_iter": 2}),
        ("LinearSVC", {"max_iter": 5}),
        ("LinearSVC", {"max_iter": 2, "solver": "adam"}),
        ("Ridge", {"max_iter": 2, "solver": "gd"}),
    ],
)
def test_reaching_max_iter_warns(name, params):
    X_train, _, y_train, _ = _split("breast_cancer" if name != "Ridge" else "diabetes")
    model = make_pipeline(StandardScaler(), getattr(linear, name)(**params))
    with pytest.warns(ConvergenceWarning, match=f"{name} did not converge in max_iter={params['max_iter']}"):
        model.fit(X_train, y_train)
    assert model[-1].n_iter_ == params["max_iter"]


@pytest.mark.parametrize("name", ["Perceptron", "Adaline", "LogisticRegression", "LinearSVC", "Ridge"])
@pytest.mark.parametrize(
    "params, message",
    [
        ({"max_iter": 0}, "max_iter must be a positive integer, got 0"),
        ({"n_iter_no_change": 0}, "n_iter_no_change must be a positive integer, got 0"),
        ({"tol": -1.0}, "tol must be a non-negative number or None, got -1.0"),
    ],
)
def test_bad_stopping_settings_say_what_is_expected(name, params, message):
    X_train, _, y_train, _ = _split("iris")
    with pytest.raises(ValueError, match=message):
        getattr(linear, name)(**params).fit(X_train, y_train)
