"""Small synthetic data sets from the notes: XOR, two moons, spirals, blobs, and house prices.

Each takes `n_samples`, `noise` where it applies, and `seed` (an int or a Generator), and
returns (X, y): X float32 of shape (n, d); y int64 class labels, or float32 targets for
regression.
"""

from __future__ import annotations

import numpy as np

from .. import backend

__all__ = ["blobs", "housing", "spirals", "two_moons", "xor"]

Seed = int | np.random.Generator | None


def _check_count(n_samples: int, minimum: int = 1) -> None:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}")


def xor(n_samples: int = 200, noise: float = 0.1, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners of the unit square; the class is x₁ XOR x₂ (not linearly separable)."""
    _check_count(n_samples)
    rng = backend.as_generator(seed)
    corners = rng.integers(0, 2, size=(n_samples, 2))
    X = corners + noise * rng.standard_normal((n_samples, 2))
    return X.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def two_moons(n_samples: int = 200, noise: float = 0.1, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons)."""
    _check_count(n_samples, 2)
    rng = backend.as_generator(seed)
    n_top = n_samples // 2
    n_bottom = n_samples - n_top
    top = np.linspace(0, np.pi, n_top)
    bottom = np.linspace(0, np.pi, n_bottom)
    X = np.concatenate(
        [
            np.stack([np.cos(top), np.sin(top)], axis=1),
            np.stack([1 - np.cos(bottom), 0.5 - np.sin(bottom)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_top, np.int64), np.ones(n_bottom, np.int64)])
    X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order]


def spirals(
    n_samples: int = 300, n_classes: int = 2, noise: float = 0.2, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: a classic that needs a hidden layer."""
    _check_count(n_samples, n_classes)
    rng = backend.as_generator(seed)
    y = np.arange(n_samples) % n_classes
    radius = rng.random(n_samples)
    angle = 4 * radius + 2 * np.pi * y / n_classes + noise * rng.standard_normal(n_samples)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order].astype(np.int64)


def blobs(
    n_samples: int = 200,
    centers: int | np.ndarray = 3,
    n_features: int = 2,
    std: float = 1.0,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around `centers` (a count: drawn in [−10, 10]^d; or an array of centres)."""
    rng = backend.as_generator(seed)
    if isinstance(centers, (int, np.integer)):
        _check_count(n_samples, int(centers))
        centres = rng.uniform(-10, 10, size=(int(centers), n_features))
    else:
        centres = np.asarray(centers, dtype=np.float64)
        _check_count(n_samples, len(centres))
    y = np.arange(n_samples) % len(centres)
    X = centres[y] + std * rng.standard_normal((n_samples, centres.shape[1]))
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order].astype(np.int64)


HOUSING_FEATURES = ("living_area_m2", "rooms", "age_years", "distance_to_centre_km")


def housing(n_samples: int = 500, noise: float = 20.0, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The notes' house-price example: price (k€) linear in area, rooms, age and distance, plus noise.

    price = 50 + 2.5·area + 10·rooms − 0.8·age − 6·distance + ε,   ε ~ N(0, noise²).
    Feature names are in HOUSING_FEATURES; the true coefficients make a ready check for regression.
    """
    _check_count(n_samples)
    rng = backend.as_generator(seed)
    area = rng.uniform(30, 200, n_samples)
    rooms = np.clip(np.round(area / 30 + rng.normal(0, 0.7, n_samples)), 1, None)
    age = rng.uniform(0, 80, n_samples)
    distance = rng.exponential(8, n_samples)
    X = np.stack([area, rooms, age, distance], axis=1)
    price = 50 + 2.5 * area + 10 * rooms - 0.8 * age - 6 * distance + noise * rng.standard_normal(n_samples)
    return X.astype(np.float32), price.astype(np.float32)
