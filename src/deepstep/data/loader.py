"""Dataset, TensorDataset and DataLoader, as in torch.utils.data.

Mini-batch gradient descent averages the gradient over n_b examples drawn without
replacement; the DataLoader draws a fresh permutation every epoch from its own seeded
generator, so the same seed gives the same batches, epoch after epoch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..checks import positive_int

__all__ = ["DataLoader", "Dataset", "TensorDataset"]


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray | Tensor)


class Dataset:
    """Anything with `__len__` and `__getitem__(i)` returning one example (a tuple of arrays)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Examples are rows of the given arrays (inputs, targets, ...), which must have equal length."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = [np.asarray(a.data if isinstance(a, Tensor) else a) for a in arrays]
        lengths = {len(a) if a.ndim else -1 for a in self.arrays}
        if len(lengths) != 1 or -1 in lengths:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset needs arrays with the same first dimension, got shapes {shapes}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """Iterate over a dataset in batches of `batch_size`, reshuffled each epoch when `shuffle`.

    DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, seed=None) as PyTorch's
    (its positional batch_size too); DataLoader(X, Y, batch_size=4) batches arrays directly, as
    over TensorDataset(X, Y). Yields tuples of Tensors (no gradient). A TensorDataset is batched by
    slicing its arrays; any other dataset (anything with __len__ and __getitem__) by stacking its
    examples. The last batch may be smaller unless drop_last.
    """

    def __init__(
        self,
        dataset: Any,
        *more: Any,
        batch_size: int | None = None,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        arrays = list(more)
        if arrays and not _is_array(arrays[-1]):  # PyTorch's DataLoader(dataset, 32)
            if batch_size is not None:
                raise TypeError("DataLoader got batch_size twice (by position and by name)")
            batch_size = arrays.pop()
        if _is_array(dataset):
            dataset = TensorDataset(dataset, *arrays)
        elif arrays or not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                "DataLoader takes a dataset (anything with __len__ and __getitem__) or arrays "
                f"(X, Y, …), then batch_size; got {type(dataset).__name__} and {len(arrays)} more"
            )
        batch_size = positive_int(None, "batch_size", 1 if batch_size is None else batch_size)
        if len(dataset) == 0:
            raise ValueError("the dataset is empty: there is nothing to load")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        # A private generator: reshuffling draws from it, so the order depends on the seed alone.
        # An int seed is kept too, for set_epoch; a loader that never shuffles draws nothing (so
        # making one leaves the library's generator, and a resumed run, untouched).
        self.seed = seed if isinstance(seed, int | np.integer) else None
        if isinstance(seed, np.random.Generator):
            self.generator = seed
        elif seed is None:
            draw = backend.default_generator().integers(2**63) if shuffle else 0
            self.generator = np.random.default_rng(draw)
        else:
            self.generator = np.random.default_rng(seed)

    def set_epoch(self, epoch: int) -> None:
        """With an int seed, draw the order of epoch `epoch` from a generator seeded by (seed, epoch),
        as PyTorch's DistributedSampler.set_epoch does: any epoch's batches then follow from the seed
        and the epoch alone, not from the epochs drawn before, which is what lets an interrupted fit
        resume exactly. Without an int seed (a Generator, or None) the order keeps coming from the
        loader's generator, whose state is the caller's to keep."""
        if self.seed is not None:
            self.generator = np.random.default_rng([int(self.seed), int(epoch)])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batch_indices(self) -> Iterator[np.ndarray]:
        """The index array of each batch of one epoch (a new permutation when shuffling)."""
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size]

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        for indices in self.batch_indices():
            if isinstance(self.dataset, TensorDataset):
                batch = self.dataset[indices]
            else:
                examples = [self.dataset[int(i)] for i in indices]
                if not isinstance(examples[0], tuple):
                    examples = [(e,) for e in examples]
                batch = tuple(np.stack(column) for column in zip(*examples, strict=True))
            yield tuple(Tensor(column) for column in batch)
