"""Samplers as in torch.utils.data: the order in which a DataLoader visits a map-style dataset.

A sampler yields indices (sequential; a random permutation, or draws with replacement; draws in
proportion to weights, P(i) = wᵢ / Σw); a BatchSampler groups them into lists of batch_size.
The random ones draw from their own generator when given `generator` or `seed`, and otherwise from
the library's generator (seeded by deepstep.manual_seed) at each pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from .. import backend
from ..errors import ValueRangeError

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


def _own_generator(seed: Any, generator: Any) -> np.random.Generator | None:
    """The sampler's own generator from `seed` or `generator` (not both); None when neither is given."""
    if seed is None and generator is None:
        return None
    return backend.pick_generator(seed, generator)


def random_order(rng: np.random.Generator, n: int) -> np.ndarray:
    """0, …, n − 1 in a uniformly random order: the one shuffle of the data (the DataLoader's batches,
    the samplers, random_split), so the same generator gives the same order everywhere."""
    return rng.permutation(n)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


class Sampler:
    """Base class: subclasses define `__iter__` (the indices, or lists of them) and usually `__len__`."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError


class _RandomSampler(Sampler):
    """What the random samplers share: their generator, or the library's one at each pass."""

    generator: np.random.Generator | None

    def _rng(self) -> np.random.Generator:
        return self.generator if self.generator is not None else backend.default_generator()


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) − 1, every pass."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_RandomSampler):
    """A fresh permutation of the indices each pass (num_samples of them, permutations end to end), or
    num_samples uniform draws with replacement."""

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: int | np.random.Generator | None = None,
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler needs a bool replacement, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _own_generator(seed, generator)
        if not _is_int(self.num_samples) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler needs a positive integer num_samples, got {self.num_samples!r}")

    @property
    def num_samples(self) -> int:
        """How many indices a pass yields (len(data_source) unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, rng = len(self.data_source), self._rng()
        if self.replacement:
            yield from rng.integers(n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from random_order(rng, n).tolist()
        if self.num_samples % n:
            yield from random_order(rng, n)[: self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_RandomSampler):
    """The given indices in a fresh random order each pass."""

    def __init__(
        self,
        indices: Sequence[int],
        generator: int | np.random.Generator | None = None,
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.indices = indices
        self.generator = _own_generator(seed, generator)

    def __iter__(self) -> Iterator[int]:
        for i in random_order(self._rng(), len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_RandomSampler):
    """num_samples indices drawn with P(i) = wᵢ / Σw, with replacement or (each at most once) without."""

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: int | np.random.Generator | None = None,
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if not _is_int(num_samples) or num_samples <= 0:
            raise ValueError(
                f"WeightedRandomSampler needs a positive integer num_samples, got {num_samples!r}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler needs a bool replacement, got {replacement!r}")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler needs 1-d weights, got shape {w.shape}")
        # PyTorch raises these when the sampler is first iterated (torch.multinomial); here, at once.
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueRangeError("WeightedRandomSampler needs finite, non-negative weights")
        if not w.sum() > 0:
            raise ValueRangeError("WeightedRandomSampler needs weights with a positive sum")
        if not replacement and num_samples > len(w):
            raise ValueRangeError(
                f"WeightedRandomSampler cannot draw {num_samples} indices without replacement from {len(w)}"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = _own_generator(seed, generator)

    def __iter__(self) -> Iterator[int]:
        rng = self._rng()
        if self.replacement:
            draws = rng.choice(len(self.weights), size=self.num_samples, p=self.weights / self.weights.sum())
        else:
            # Efraimidis–Spirakis: the num_samples smallest keys Eᵢ/wᵢ (Eᵢ ~ Exp(1)) are a draw of
            # successive weighted picks without replacement; zero weights (key ∞) come last, as in PyTorch.
            with np.errstate(divide="ignore"):
                keys = rng.exponential(size=len(self.weights)) / self.weights
            draws = np.argsort(keys, kind="stable")[: self.num_samples]
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """The sampler's indices in lists of batch_size; the last, shorter list is dropped when drop_last."""

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"BatchSampler needs a positive integer batch_size, got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler needs a bool drop_last, got {drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
