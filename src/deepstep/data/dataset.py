"""Datasets as in torch.utils.data: map-style ones (indexed, with a length), iterable ones (a stream),
and the ways to combine them — a subset, a concatenation, a stack, a random split.

A map-style dataset is a function i ↦ example on {0, …, n−1}; Subset composes it with an index list,
ConcatDataset lays datasets end to end (index i goes to the dataset whose cumulative size first
exceeds i), and random_split cuts one random permutation of {0, …, n−1} into consecutive pieces.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from .sampler import random_order

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "DatasetError",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class DatasetError(ValueError, AssertionError):
    """Datasets that do not fit together: PyTorch's AssertionError, deepstep's ValueError."""


class Dataset:
    """Anything with `__len__` and `__getitem__(i)` returning one example (a tuple of arrays)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __add__(self, other: Dataset) -> ConcatDataset:
        """self + other: the two datasets end to end."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of examples: subclasses define `__iter__`; a DataLoader batches consecutive examples."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError

    def __len__(self) -> int:
        # A TypeError, as len() of an object without one: list(stream) then asks no further.
        raise TypeError(f"{type(self).__name__} is a stream without a len()")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        """self + other: one stream, then the other."""
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Examples are rows of the given arrays (inputs, targets, ...), which must have equal length."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = [np.asarray(a.data if isinstance(a, Tensor) else a) for a in arrays]
        lengths = {len(a) if a.ndim else -1 for a in self.arrays}
        if len(lengths) != 1 or -1 in lengths:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise DatasetError(
                f"TensorDataset needs arrays with the same first dimension, got shapes {shapes}"
            )

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The arrays as Tensors (PyTorch's attribute), sharing their memory."""
        return tuple(Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)


class StackDataset(Dataset):
    """Example i is (d₁[i], d₂[i], …) of datasets given by position, or {name: d[i]} of ones given by name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset takes datasets by position (tuples) or by name (dicts), not both")
        if not args and not kwargs:
            raise ValueError("StackDataset needs at least one dataset")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args or kwargs
        parts = args or tuple(kwargs.values())
        lengths = [len(dataset) for dataset in parts]
        if len(set(lengths)) != 1:
            raise ValueError(f"StackDataset needs datasets of one length, got lengths {lengths}")
        self._length = lengths[0]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> tuple[Any, ...] | dict[str, Any]:
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)


class ConcatDataset(Dataset):
    """The datasets end to end: index i goes to the first dataset whose cumulative size exceeds i."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise DatasetError("ConcatDataset needs at least one dataset, got an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise DatasetError("ConcatDataset does not take an IterableDataset (use ChainDataset)")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: Any) -> Any:
        index = operator.index(index)
        if index < 0:
            if -index > len(self):
                raise ValueError(f"index {index} is out of range for a ConcatDataset of length {len(self)}")
            index += len(self)
        part = bisect.bisect_right(self.cumulative_sizes, index)
        if part == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of length {len(self)}")
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]


class ChainDataset(IterableDataset):
    """The streams one after another."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def _streams(self) -> Iterator[IterableDataset]:
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise DatasetError(f"ChainDataset takes IterableDatasets only, got {type(dataset).__name__}")
            yield dataset

    def __iter__(self) -> Iterator[Any]:
        for dataset in self._streams():
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self._streams())


class Subset(Dataset):
    """The dataset seen through an index list: example i is dataset[indices[i]]."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        cls = type(self)
        if cls.__getitem__ is not Subset.__getitem__ and cls.__getitems__ is Subset.__getitems__:
            # The DataLoader fetches a batch through __getitems__, which would skip the override.
            raise NotImplementedError(
                f"{cls.__name__} overrides __getitem__ but not __getitems__: define it too, e.g. "
                "def __getitems__(self, indices): return [self[i] for i in indices]"
            )
        self.dataset = dataset
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The examples at a batch of indices (the DataLoader's batched fetch)."""
        keys = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(keys)
        return [self.dataset[key] for key in keys]


def _split_lengths(n: int, lengths: Sequence[Any]) -> list[int]:
    """The sizes of the pieces: ints as given, or fractions floor(f·n) with the remainder dealt out one
    by one from the first piece on (PyTorch's rounding)."""
    lengths = list(lengths)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(
                    f"random_split: the fraction at index {i} is not between 0 and 1: {fraction}"
                )
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: the split at index {i} is empty", UserWarning, stacklevel=3)
        return sizes
    if total != n:
        raise ValueError(f"random_split: the lengths sum to {total}, not to the length of the dataset ({n})")
    for i, size in enumerate(lengths):
        if isinstance(size, bool) or not isinstance(size, int | np.integer):
            raise TypeError(
                f"random_split: lengths are ints or fractions summing to 1, got {size!r} at index {i}"
            )
        if size < 0:
            raise ValueError(f"random_split: the length at index {i} is negative: {size}")
    return [int(size) for size in lengths]


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: int | np.random.Generator | None = None,
    *,
    seed: int | np.random.Generator | None = None,
) -> list[Subset]:
    """Non-overlapping Subsets of the given lengths (or fractions of len(dataset)) from one random
    permutation, drawn from `generator` or `seed` (the library's generator when neither is given)."""
    sizes = _split_lengths(len(dataset), lengths)
    order = random_order(backend.pick_generator(seed, generator), len(dataset)).tolist()
    ends = itertools.accumulate(sizes)
    return [Subset(dataset, order[end - size : end]) for end, size in zip(ends, sizes, strict=True)]
