"""Classic linear models with hand-derived gradients, as scikit-learn estimators.

Needs scikit-learn (pip install 'deepstep[linear]'): the estimators build on its base classes,
so they work in Pipeline, GridSearchCV and clone. Each exposes `loss_and_grad(w, X, y)`, the
notes' formula for its loss and gradient, vectorised.
"""

from .logistic import LogisticRegression, ProbitRegression, SoftmaxRegression
from .perceptron import Adaline, Perceptron
from .regression import LinearRegression, Ridge
from .svm import LinearSVC

__all__ = [
    "Adaline",
    "LinearRegression",
    "LinearSVC",
    "LogisticRegression",
    "Perceptron",
    "ProbitRegression",
    "Ridge",
    "SoftmaxRegression",
]
