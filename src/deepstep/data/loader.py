"""DataLoader, as in torch.utils.data: a dataset cut into (reshuffled) mini-batches.

Mini-batch gradient descent averages the gradient over n_b examples drawn without
replacement; the DataLoader draws a fresh permutation every epoch from its own seeded
generator, so the same seed gives the same batches, epoch after epoch. A sampler or batch_sampler
may choose the order instead, and a collate_fn how examples are merged (default_collate).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..checks import positive_int
from .collate import default_collate
from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, random_order

__all__ = ["DataLoader", "Dataset", "TensorDataset"]


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray | Tensor)


def _check_workers(num_workers: Any, timeout: Any, prefetch_factor: Any, persistent_workers: Any) -> None:
    """PyTorch's checks of the multiprocessing options, which deepstep accepts (it loads in the
    calling process: the options change how, never what, a loader yields)."""
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to "
            "enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _tensor_rows(dataset: Any) -> tuple[TensorDataset, np.ndarray | None] | None:
    """The TensorDataset under a chain of Subsets with the composed index map (None without a Subset),
    so that a batch is sliced from its arrays; None for any other dataset."""
    mapping = None
    while type(dataset) is Subset:  # a subclass may index differently
        here = np.asarray(dataset.indices)
        if here.dtype.kind not in "iu" and here.size:
            return None
        here = here.astype(np.intp, copy=False)
        mapping = here if mapping is None else here[mapping]
        dataset = dataset.dataset
    return (dataset, mapping) if isinstance(dataset, TensorDataset) else None


class DataLoader:
    """Iterate over a dataset in batches of `batch_size`, reshuffled each epoch when `shuffle`.

    DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
    collate_fn=None, drop_last=False, generator=None) as PyTorch's (its positional batch_size too;
    generator is a NumPy Generator or an int seed, as `seed`); DataLoader(X, Y, batch_size=4) batches
    arrays directly, as over TensorDataset(X, Y). A TensorDataset (or a Subset of one) is batched by
    slicing its arrays into a tuple of Tensors; any other dataset by collating its examples with
    default_collate (a tuple example gives a tuple batch) or `collate_fn`. An IterableDataset is cut
    into batches of consecutive examples. The last batch may be smaller unless drop_last.

    PyTorch's multiprocessing options (num_workers, pin_memory, timeout, prefetch_factor,
    persistent_workers…) are accepted and checked as PyTorch checks them, and change nothing: the
    batches are made in the calling process (worker_init_fn(0) runs once per pass when num_workers > 0).
    """

    def __init__(
        self,
        dataset: Any,
        *more: Any,
        batch_size: int | None = None,
        shuffle: bool = False,
        sampler: Iterable[Any] | None = None,
        batch_sampler: Iterable[Any] | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        drop_last: bool = False,
        generator: int | np.random.Generator | None = None,
        seed: int | np.random.Generator | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        # deepstep loads in the calling process: with num_workers > 0 it stands for one worker
        self.num_workers, self.worker_init_fn = num_workers, worker_init_fn
        self.pin_memory, self.timeout, self.persistent_workers = pin_memory, timeout, persistent_workers
        arrays = list(more)
        if arrays and not _is_array(arrays[-1]):  # PyTorch's DataLoader(dataset, 32)
            if batch_size is not None:
                raise TypeError("DataLoader got batch_size twice (by position and by name)")
            batch_size = arrays.pop()
        if _is_array(dataset):
            dataset = TensorDataset(dataset, *arrays)
        elif arrays or not (
            isinstance(dataset, IterableDataset)
            or (
                hasattr(dataset, "__getitem__")
                and (hasattr(dataset, "__len__") or sampler is not None or batch_sampler is not None)
            )
        ):
            raise TypeError(
                "DataLoader takes a dataset (anything with __len__ and __getitem__, or an IterableDataset) "
                f"or arrays (X, Y, …), then batch_size; got {type(dataset).__name__} and {len(arrays)} more"
            )
        self._check_options(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last)
        if batch_sampler is None:
            batch_size = positive_int(None, "batch_size", 1 if batch_size is None else batch_size)
        else:
            batch_size = None  # the batch sampler decides, as in PyTorch
        iterable = isinstance(dataset, IterableDataset)
        # Without a sampler the batches come from the vectorised path below (batch_indices).
        self._default_order = not iterable and sampler is None and batch_sampler is None
        if self._default_order and len(dataset) == 0:
            raise ValueError("the dataset is empty: there is nothing to load")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        if generator is not None:
            if seed is not None:
                raise TypeError("pass either seed or generator, not both")
            seed = generator
        # A private generator: reshuffling draws from it, so the order depends on the seed alone.
        # An int seed is kept too, for set_epoch; a loader that never shuffles draws nothing (so
        # making one leaves the library's generator, and a resumed run, untouched).
        self.seed = seed if isinstance(seed, int | np.integer) else None
        if isinstance(seed, np.random.Generator):
            self.generator = seed
        elif seed is None:
            draw = backend.default_generator().integers(2**63) if shuffle else 0
            self.generator = np.random.default_rng(draw)
        else:  # an int seed (anything else: a TypeError naming what is taken)
            self.generator = backend.as_generator(seed, name="seed" if generator is None else "generator")
        # PyTorch's sampler and batch_sampler attributes; the default ones describe the order that
        # batch_indices draws (the same permutation, from the same generator).
        if self._default_order:
            sampler = (
                RandomSampler(dataset, generator=self.generator) if shuffle else SequentialSampler(dataset)
            )
        if sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler

    @staticmethod
    def _check_options(
        dataset: Any, batch_size: Any, shuffle: Any, sampler: Any, batch_sampler: Any, drop_last: Any
    ) -> None:
        """PyTorch's rules for the options that choose the order, with its ValueErrors."""
        if isinstance(dataset, IterableDataset):
            for name, value in (
                ("shuffle", shuffle or None),
                ("sampler", sampler),
                ("batch_sampler", batch_sampler),
            ):
                if value is not None:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                        f"{name}={value} (a stream has no indices to order)"
                    )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size not in (None, 1) or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
            )

    def set_epoch(self, epoch: int) -> None:
        """With an int seed, draw the order of epoch `epoch` from a generator seeded by (seed, epoch),
        as PyTorch's DistributedSampler.set_epoch does: any epoch's batches then follow from the seed
        and the epoch alone, not from the epochs drawn before, which is what lets an interrupted fit
        resume exactly. Without an int seed (a Generator, or None) the order keeps coming from the
        loader's generator, whose state is the caller's to keep."""
        if self.seed is not None:
            self.generator = np.random.default_rng([int(self.seed), int(epoch)])
            if self._default_order and isinstance(self.sampler, RandomSampler):
                self.sampler.generator = self.generator

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            try:
                n = len(self.dataset)
            except NotImplementedError:
                raise TypeError(
                    f"{type(self.dataset).__name__} has no len(), so neither has its DataLoader"
                ) from None
        elif not self._default_order:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        else:
            n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batch_indices(self) -> Iterator[Any]:
        """The indices of each batch of one epoch: an index array (a new permutation when shuffling), or
        the lists that a given sampler or batch_sampler makes."""
        if self.batch_sampler is None:
            raise TypeError("a DataLoader over an IterableDataset has no indices")
        if not self._default_order:
            yield from self.batch_sampler
            return
        n = len(self.dataset)
        order = random_order(self.generator, n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size]

    def _collate(self, examples: list[Any]) -> Any:
        """One batch from its examples: collate_fn's, or default_collate's with a tuple kept a tuple."""
        if self.collate_fn is not None:
            return self.collate_fn(examples)
        batch = default_collate(examples)
        if isinstance(examples[0], tuple) and not hasattr(examples[0], "_fields"):
            return tuple(batch)
        return batch

    def _fetch(self, indices: Any) -> list[Any]:
        """The examples at a batch of indices, through the dataset's __getitems__ where it has one."""
        keys = indices.tolist() if isinstance(indices, np.ndarray) else list(indices)
        getitems = getattr(self.dataset, "__getitems__", None)
        return getitems(keys) if callable(getitems) else [self.dataset[key] for key in keys]

    def _stream_batches(self) -> Iterator[Any]:
        """An IterableDataset's examples, batch_size consecutive ones at a time."""
        stream = iter(self.dataset)
        while examples := list(itertools.islice(stream, self.batch_size)):
            if len(examples) < self.batch_size and self.drop_last:
                return
            yield self._collate(examples)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers and self.worker_init_fn is not None:
            self.worker_init_fn(0)  # the one "worker", this process, as each of PyTorch's is set up
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream_batches()
            return
        rows = _tensor_rows(self.dataset) if self.collate_fn is None else None
        for indices in self.batch_indices():
            if rows is None:
                yield self._collate(self._fetch(indices))
                continue
            source, mapping = rows
            keys = np.asarray(indices) if mapping is None else mapping[np.asarray(indices)]
            yield tuple(Tensor(column) for column in source[keys])
