"""The argument checks that every layer shares, one function per rule: a size is a positive
integer, a count a non-negative one, a class label an integer in [0, C).

Each raises the error PyTorch would (ValueError for a bad size; DTypeError and ClassLabelError,
which are also TypeError and ValueError, for labels) with one wording everywhere:
"Linear needs a positive integer in_features, got 0" when the owner is named, "batch_size must
be a positive integer, got 0" when it is not. A name given as a string is looked up in its table
(optimizers, losses, activations) by one_of, which lists the choices when the name is unknown. The
checks that belong to one family stay with it:
dims in autograd/dims.py, reductions and loss shapes in functional/checks.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

from .errors import ClassLabelError, DTypeError

__all__ = [
    "class_labels",
    "fraction",
    "integer_labels",
    "non_negative_int",
    "non_negative_number",
    "one_of",
    "positive_int",
    "positive_number",
]

T = TypeVar("T")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _checked(owner: str | None, name: str, value: Any, valid: bool, expected: str) -> Any:
    """value when valid; otherwise the one wording of a bad argument, as a ValueError: "{owner} needs
    {expected} {name}, got …" when the owner is named, "{name} must be {expected}, got …" when not."""
    if valid:
        return value
    if owner:
        raise ValueError(f"{owner} needs {expected} {name}, got {value!r}")
    raise ValueError(f"{name} must be {expected}, got {value!r}")


def positive_int(owner: str | None, name: str, value: Any) -> int:
    """value as an int if it is an integer ≥ 1 (not a bool); a ValueError naming owner and argument
    otherwise."""
    return int(_checked(owner, name, value, _is_int(value) and value > 0, "a positive integer"))


def non_negative_int(owner: str | None, name: str, value: Any) -> int:
    """value as an int if it is an integer ≥ 0 (not a bool); a ValueError otherwise."""
    return int(_checked(owner, name, value, _is_int(value) and value >= 0, "a non-negative integer"))


def _is_finite(value: Any) -> bool:
    numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    return numeric and math.isfinite(value)


def positive_number(owner: str | None, name: str, value: Any) -> float:
    """value as a float if it is a finite number > 0 (a learning rate, a temperature); a ValueError
    otherwise (NaN and inf included)."""
    return float(_checked(owner, name, value, _is_finite(value) and value > 0, "a finite number > 0"))


def non_negative_number(owner: str | None, name: str, value: Any) -> float:
    """value as a float if it is a finite number ≥ 0 (a tolerance, a threshold); a ValueError otherwise."""
    return float(_checked(owner, name, value, _is_finite(value) and value >= 0, "a finite number ≥ 0"))


def fraction(owner: str | None, name: str, value: Any) -> float:
    """value as a float if it lies in [0, 1) (a validation split, a dropout rate); a ValueError otherwise."""
    return float(_checked(owner, name, value, _is_finite(value) and 0 <= value < 1, "a number in [0, 1)"))


def integer_labels(labels: np.ndarray) -> np.ndarray:
    """Class labels are integers: a DTypeError (a TypeError too) naming the dtype that came."""
    if labels.dtype.kind not in "iu":
        raise DTypeError(f"class labels must be integers, got dtype {labels.dtype}")
    return labels


def class_labels(labels: np.ndarray, n_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """Integer labels in [0, n_classes) (or equal to ignore_index): a ClassLabelError (PyTorch's
    IndexError, a ValueError too) naming the first label out of range."""
    integer_labels(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):  # two reductions, no mask
        out_of_range = (labels < 0) | (labels >= n_classes)
        if ignore_index is not None:
            out_of_range &= labels != ignore_index
        if out_of_range.any():
            raise ClassLabelError(
                f"Target {labels[out_of_range].flat[0]} is out of bounds: class labels must lie in "
                f"[0, {n_classes - 1}] for {n_classes} classes"
            )
    return labels


def one_of(kind: str, name: str, table: Mapping[str, T], otherwise: str = "") -> T:
    """table[name] for a name of any case; a ValueError "unknown {kind} …" listing the names (and
    what else may be given) otherwise."""
    key = name.lower() if isinstance(name, str) else name
    if key not in table:
        raise ValueError(f"unknown {kind} {name!r}; use one of {sorted(table)}{otherwise}")
    return table[key]
