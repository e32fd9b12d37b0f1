"""deepstep.utils.data against torch.utils.data: random_split, Subset / ConcatDataset / StackDataset,
the samplers, default_collate, and the DataLoader's sampler, batch_sampler, collate_fn and
IterableDataset paths (values, shapes, dtypes and exception types as PyTorch's)."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
import torch
from torch.utils import data as td

import deepstep as ds
from deepstep.utils import data as dd
from deepstep.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)


def _plain(batch):
    """A batch as nested plain Python (type name, shape, dtype, values), for either library."""
    if isinstance(batch, torch.Tensor | ds.Tensor):
        array = batch.numpy()
        return ("tensor", array.shape, str(array.dtype), array.tolist())
    if isinstance(batch, dict):
        return (type(batch).__name__, {key: _plain(value) for key, value in batch.items()})
    if isinstance(batch, list | tuple):
        return (type(batch).__name__, [_plain(value) for value in batch])
    return batch


def _raised(call):
    """The type of the exception call() raises (None when it returns)."""
    try:
        call()
    except Exception as error:  # the type is what is compared
        return type(error)
    return None


def test_reachable_as_torch_spells_it():
    assert ds.utils.data.DataLoader is ds.data.DataLoader is DataLoader
    assert set(dd.__all__) <= set(td.__all__)
    for name in ("random_split", "Subset", "ConcatDataset", "WeightedRandomSampler", "default_collate"):
        assert getattr(dd, name) is getattr(ds.data, name)


# ----- random_split ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "lengths"),
    [
        (10, [3, 7]),
        (10, [0.3, 0.7]),
        (30, [0.3, 0.3, 0.4]),
        (11, [0.5, 0.5]),
        (7, [0.2, 0.2, 0.2, 0.2, 0.2]),  # remainder 2 dealt to the first two
        (5, [0.1, 0.9]),  # floor(0.5) = 0, then the remainder
        (5, [1]),  # ints that sum to 1 count as fractions, as in PyTorch
        (100, [1 / 3, 1 / 3, 1 / 3]),
    ],
)
def test_random_split_sizes_are_torchs_and_pieces_partition_the_data(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # an empty piece warns, in both
        expected = [len(s) for s in td.random_split(range(n), lengths)]
        pieces = random_split(range(n), lengths, generator=np.random.default_rng(0))
    assert [len(p) for p in pieces] == expected
    assert all(isinstance(p, Subset) for p in pieces)
    seen = [p[i] for p in pieces for i in range(len(p))]
    assert sorted(seen) == list(range(n))  # disjoint and covering


def test_random_split_is_reproducible_with_a_seed_and_the_library_generator():
    data = list(range(50))

    def indices(pieces):
        return [list(p.indices) for p in pieces]

    first = indices(random_split(data, [0.6, 0.4], generator=np.random.default_rng(7)))
    assert first == indices(random_split(data, [0.6, 0.4], generator=np.random.default_rng(7)))
    assert first == indices(random_split(data, [0.6, 0.4], seed=7))
    assert first == indices(random_split(data, [0.6, 0.4], generator=7))
    assert first != indices(random_split(data, [0.6, 0.4], seed=8))
    ds.manual_seed(3)
    again = indices(random_split(data, [30, 20]))
    ds.manual_seed(3)
    assert again == indices(random_split(data, [30, 20]))
    with pytest.raises(TypeError, match="seed or generator"):
        random_split(data, [30, 20], generator=np.random.default_rng(0), seed=1)


@pytest.mark.parametrize(
    "lengths",
    [[3, 3], [0.5, 0.4], [1.5, -0.5], [6.0, 4.0], [5, 6], [0.5, 0.6]],
)
def test_random_split_errors_are_torchs(lengths):
    expected = _raised(lambda: td.random_split(range(10), lengths))
    assert expected is not None
    with pytest.raises(expected):
        random_split(range(10), lengths, seed=0)


def test_random_split_warns_on_an_empty_piece_and_refuses_negative_lengths():
    with pytest.warns(UserWarning, match="index 0 is empty"):
        pieces = random_split(range(3), [0.0, 1.0], seed=0)
    assert [len(p) for p in pieces] == [0, 3]
    # PyTorch takes [-1, 11] (it sums to 10) and returns overlapping pieces; deepstep refuses it.
    with pytest.raises(ValueError, match="negative"):
        random_split(range(10), [-1, 11], seed=0)


# ----- Subset, ConcatDataset, StackDataset -------------------------------------------------------
def test_subset_indexing_matches_torch_including_negative_and_out_of_range():
    data, picks = list(range(100, 110)), [3, 1, 4, 1, 5]
    ours, theirs = Subset(data, picks), td.Subset(data, picks)
    assert len(ours) == len(theirs) == 5
    assert [ours[i] for i in range(-5, 5)] == [theirs[i] for i in range(-5, 5)]
    array = np.array(data)
    assert Subset(array, picks)[[0, 2]].tolist() == td.Subset(array, picks)[[0, 2]].tolist() == [103, 104]
    for bad in (5, -6):
        assert _raised(lambda bad=bad: ours[bad]) is _raised(lambda bad=bad: theirs[bad]) is IndexError
    nested = Subset(Subset(data, [9, 8, 7, 6]), [-1, 0])
    assert [nested[0], nested[1]] == [106, 109]


def test_a_subset_subclass_must_override_getitems_with_getitem():
    for base in (Subset, td.Subset):

        class Doubled(base):
            def __getitem__(self, i):
                return 2 * super().__getitem__(i)

        with pytest.raises(NotImplementedError):
            Doubled([1, 2, 3], [0])


def test_concat_dataset_indexing_matches_torch():
    parts = [list(range(3)), list(range(10, 15)), [], list(range(20, 22))]
    ours, theirs = ConcatDataset(parts), td.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 10
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-10, 10)] == [theirs[i] for i in range(-10, 10)]
    assert ours[np.int64(4)] == theirs[4]
    for bad in (10, 11, -11):
        assert _raised(lambda bad=bad: ours[bad]) is _raised(lambda bad=bad: theirs[bad]) is not None


def test_concat_dataset_errors_and_plus_match_torch():
    class Stream(IterableDataset):
        def __iter__(self):
            yield from range(3)

    class TorchStream(td.IterableDataset):
        def __iter__(self):
            yield from range(3)

    for ours, theirs in (([], []), ([Stream()], [TorchStream()])):
        expected = _raised(lambda theirs=theirs: td.ConcatDataset(theirs))
        assert expected is AssertionError
        with pytest.raises(expected):
            ConcatDataset(ours)
    with pytest.raises(ValueError):  # deepstep's word for the same mistake
        ConcatDataset([])

    class Squares(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i * i

    both = Squares() + Squares()
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(6)] == [0, 1, 4, 0, 1, 4]
    chained = Stream() + Stream()
    assert list(chained) == [0, 1, 2, 0, 1, 2]


def test_stack_dataset_matches_torch():
    a, b = list(range(4)), list("abcd")
    assert StackDataset(a, b)[2] == td.StackDataset(a, b)[2] == (2, "c")
    assert StackDataset(x=a, y=b)[-1] == td.StackDataset(x=a, y=b)[-1] == {"x": 3, "y": "d"}
    assert len(StackDataset(a, b)) == 4
    for args, kwargs in (((a, b[:3]), {}), ((), {}), ((a,), {"y": b})):
        assert _raised(lambda args=args, kwargs=kwargs: td.StackDataset(*args, **kwargs)) is ValueError
        with pytest.raises(ValueError):
            StackDataset(*args, **kwargs)


def test_tensor_dataset_mismatch_is_torchs_assertion_and_a_value_error():
    with pytest.raises(AssertionError):
        td.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError, match="same first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))
    x = np.arange(6.0).reshape(3, 2)
    (tensor,) = TensorDataset(x).tensors
    assert isinstance(tensor, ds.Tensor) and np.shares_memory(tensor.numpy(), x)


# ----- samplers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 5, 12])
@pytest.mark.parametrize("batch_size", [1, 3, 5, 13])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_and_batch_samplers_equal_torchs(n, batch_size, drop_last):
    data = list(range(n))
    assert list(SequentialSampler(data)) == list(td.SequentialSampler(data))
    ours = BatchSampler(SequentialSampler(data), batch_size, drop_last)
    theirs = td.BatchSampler(td.SequentialSampler(data), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    # any iterable of indices will do, as in PyTorch
    assert list(BatchSampler(range(n), batch_size, drop_last)) == list(
        td.BatchSampler(range(n), batch_size, drop_last)
    )


@pytest.mark.parametrize(
    "args", [(0, False), (-1, False), (True, False), (2.0, False), (2, 1), (2, None), ("2", False)]
)
def test_batch_sampler_errors_are_torchs(args):
    expected = _raised(lambda: td.BatchSampler(range(4), *args))
    assert expected is ValueError
    with pytest.raises(expected):
        BatchSampler(range(4), *args)


def test_random_sampler_without_replacement_is_a_permutation_each_pass():
    data = list(range(20))
    sampler = RandomSampler(data, seed=0)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == data and first != second
    assert first == list(RandomSampler(data, generator=np.random.default_rng(0)))
    # more samples than data: whole permutations end to end, then part of one (PyTorch's rule)
    long = list(RandomSampler(data, num_samples=45, seed=1))
    assert len(long) == len(RandomSampler(data, num_samples=45)) == 45
    assert sorted(long[:20]) == sorted(long[20:40]) == data and len(set(long[40:])) == 5
    assert len(list(RandomSampler(data, num_samples=7, seed=1))) == 7


def test_random_sampler_with_replacement_draws_uniformly():
    counts = np.bincount(
        list(RandomSampler(range(4), replacement=True, num_samples=40_000, seed=2)), minlength=4
    )
    assert counts.sum() == 40_000 and np.all(np.abs(counts / 40_000 - 0.25) < 0.01)
    assert sorted(set(RandomSampler(range(4), replacement=True, num_samples=10, seed=2))) <= [0, 1, 2, 3]


def test_random_samplers_follow_the_library_generator_without_a_seed():
    ds.manual_seed(11)
    first = list(RandomSampler(range(30))) + list(SubsetRandomSampler([5, 6, 7]))
    ds.manual_seed(11)
    assert first == list(RandomSampler(range(30))) + list(SubsetRandomSampler([5, 6, 7]))


@pytest.mark.parametrize(
    "kwargs",
    [{"replacement": 1}, {"num_samples": 0}, {"num_samples": -2}, {"num_samples": 2.5}],
)
def test_random_sampler_errors_are_torchs(kwargs):
    expected = _raised(lambda: td.RandomSampler(range(4), **kwargs))
    assert expected is not None
    with pytest.raises(expected):
        RandomSampler(range(4), **kwargs)
    with pytest.raises(ValueError):  # an empty dataset has nothing to draw, in both
        RandomSampler([])
    with pytest.raises(ValueError):
        td.RandomSampler([])


def test_subset_random_sampler_permutes_the_given_indices():
    indices = [10, 3, 7, 42, 8]
    draws = [list(SubsetRandomSampler(indices, seed=s)) for s in range(5)]
    assert all(sorted(d) == sorted(indices) for d in draws)
    assert len({tuple(d) for d in draws}) > 1
    assert draws[0] == list(SubsetRandomSampler(indices, seed=0))
    assert len(SubsetRandomSampler(indices)) == 5


def test_weighted_random_sampler_respects_the_weights():
    weights = [1.0, 2.0, 3.0, 0.0, 4.0]
    draws = list(WeightedRandomSampler(weights, 50_000, seed=3))
    frequencies = np.bincount(draws, minlength=5) / 50_000
    np.testing.assert_allclose(frequencies, np.array(weights) / 10, atol=0.01)
    assert frequencies[3] == 0
    assert draws == list(WeightedRandomSampler(weights, 50_000, generator=np.random.default_rng(3)))
    # without replacement: distinct indices, the first drawn with P(i) = wᵢ / Σw
    passes = [list(WeightedRandomSampler(weights, 3, replacement=False, seed=s)) for s in range(3000)]
    assert all(len(set(p)) == 3 and 3 not in p for p in passes)
    first = np.bincount([p[0] for p in passes], minlength=5) / 3000
    np.testing.assert_allclose(first, np.array(weights) / 10, atol=0.03)
    # more than the non-zero weights: zero-weight indices come last, as in PyTorch
    assert list(WeightedRandomSampler([1.0, 0, 0], 2, replacement=False)) == [0, 1]
    assert list(td.WeightedRandomSampler([1.0, 0, 0], 2, replacement=False)) == [0, 1]


@pytest.mark.parametrize(
    "args",
    [
        ([1.0, 2.0], 0),
        ([1.0, 2.0], True),
        ([1.0, 2.0], 2.0),
        ([1.0, 2.0], 1, 1),
        ([[1.0, 2.0]], 1),
        ([-1.0, 2.0], 1),
        ([0.0, 0.0], 1),
        ([np.nan, 1.0], 1),
        ([np.inf, 1.0], 1),
        ([1.0, 2.0], 3, False),
    ],
)
def test_weighted_random_sampler_errors_are_torchs(args):
    """PyTorch raises the weights' errors when the sampler is first iterated; deepstep at once."""
    expected = _raised(lambda: list(td.WeightedRandomSampler(*args)))
    assert expected is not None
    with pytest.raises(expected):
        list(WeightedRandomSampler(*args))


# ----- default_collate ---------------------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")

COLLATE_CASES = {
    "arrays and numbers": [(np.full(3, i, np.float32), i, float(i), True) for i in range(4)],
    "dicts and strings": [{"x": np.arange(2) + i, "name": f"n{i}", "nested": [i, 2.5]} for i in range(3)],
    "lists": [[np.int32(i), np.float16(i / 2), np.bool_(i % 2)] for i in range(3)],
    "named tuples": [Point(np.eye(2)[i], (i, f"s{i}")) for i in range(2)],
    "tensors": [(np.arange(3.0) + i,) for i in range(2)],
    "ints then floats": [1, 2.5, 3],
    "floats then ints": [1.5, 2],
    "bools": [True, False],
    "float64 arrays": [np.zeros((2, 2)), np.ones((2, 2))],
    "0-d arrays": [np.array(1), np.array(2)],
}


@pytest.mark.parametrize("case", COLLATE_CASES, ids=str)
def test_default_collate_equals_torchs(case):
    examples = COLLATE_CASES[case]
    ours = default_collate(examples)
    theirs = td.default_collate(examples)
    assert _plain(ours) == _plain(theirs)


def test_default_collate_stacks_tensors_like_torch():
    arrays = [np.arange(6.0).reshape(2, 3) + i for i in range(3)]
    ours = default_collate([ds.tensor(a) for a in arrays])
    theirs = td.default_collate([torch.tensor(a) for a in arrays])
    assert _plain(ours) == _plain(theirs)
    leaf = ds.tensor(np.ones(2), requires_grad=True)
    default_collate([leaf, leaf * 2]).sum().backward()  # the graph survives collation
    np.testing.assert_allclose(leaf.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize(
    "examples",
    [
        [np.zeros(2), np.zeros(3)],
        [[1, 2], [1]],
        [np.array(["a"]), np.array(["b"])],
        [object(), object()],
        [None, None],
        [],
    ],
    ids=["shapes", "lengths", "strings array", "objects", "None", "empty"],
)
def test_default_collate_errors_are_torchs(examples):
    expected = _raised(lambda: td.default_collate(examples))
    assert expected is not None
    with pytest.raises(expected):
        default_collate(examples)


# ----- DataLoader: datasets of any examples, collate_fn, samplers, streams ------------------------
class Records(Dataset):
    """A dataset of dicts (features, label, id), and its torch twin below."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.array([i, -i], np.float32), "label": i % 3, "id": f"r{i}"}


class TorchRecords(td.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return Records()[i]


def test_dataloader_collates_dict_examples_as_torch():
    ours = [_plain(b) for b in DataLoader(Records(), batch_size=3)]
    theirs = [_plain(b) for b in td.DataLoader(TorchRecords(), batch_size=3)]
    assert ours == theirs and len(ours) == 3
    assert len(DataLoader(Records(), batch_size=3, drop_last=True)) == 2


def test_dataloader_tuple_examples_give_tuple_batches_with_torchs_values():
    pairs = [(np.arange(2.0) + i, i) for i in range(5)]
    ours = list(DataLoader(pairs, batch_size=2))
    theirs = list(td.DataLoader(pairs, batch_size=2))
    assert all(isinstance(b, tuple) for b in ours)  # PyTorch gives lists; a TensorDataset gives tuples here
    assert [_plain(list(b)) for b in ours] == [_plain(b) for b in theirs]


def test_dataloader_collate_fn_gets_the_examples():
    def pad(examples):
        length = max(len(e) for e in examples)
        return np.stack([np.pad(e, (0, length - len(e))) for e in examples])

    sequences = [np.arange(1, k + 1) for k in (3, 1, 2, 4)]
    ours = list(DataLoader(sequences, batch_size=2, collate_fn=pad))
    theirs = list(td.DataLoader(sequences, batch_size=2, collate_fn=pad))
    assert len(ours) == 2
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    seen = []
    list(DataLoader(TensorDataset(np.arange(4)), batch_size=2, collate_fn=seen.append))
    assert [[int(e[0]) for e in batch] for batch in seen] == [[0, 1], [2, 3]]


def test_dataloader_with_a_batch_sampler_or_a_sampler_visits_its_order():
    batches = [[4, 0], [2], [6, 1, 5]]
    ours = DataLoader(Records(), batch_sampler=batches)
    theirs = td.DataLoader(TorchRecords(), batch_sampler=batches)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]
    assert len(ours) == 3 and ours.batch_size is None
    order = [6, 5, 4, 3, 2, 1, 0]
    ours = DataLoader(Records(), batch_size=3, sampler=order, drop_last=True)
    theirs = td.DataLoader(TorchRecords(), batch_size=3, sampler=order, drop_last=True)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]
    assert len(ours) == 2
    # the TensorDataset fast path follows a sampler too
    x = np.arange(10.0)[:, None]
    loader = DataLoader(TensorDataset(x, np.arange(10)), batch_sampler=BatchSampler(order, 4, False))
    assert [b[1].numpy().tolist() for b in loader] == [[6, 5, 4, 3], [2, 1, 0]]
    shuffled = DataLoader(
        TensorDataset(x), batch_size=4, sampler=SubsetRandomSampler(range(0, 10, 2), seed=0)
    )
    assert sorted(float(v) for b in shuffled for v in b[0].numpy().ravel()) == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_dataloader_over_a_subset_of_a_tensor_dataset_slices_the_arrays():
    x, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    train, _ = random_split(TensorDataset(x, y), [0.75, 0.25], seed=5)
    fast = list(DataLoader(train, batch_size=4, shuffle=True, seed=1))
    slow = list(DataLoader(train, batch_size=4, shuffle=True, seed=1, collate_fn=default_collate))
    assert len(fast) == 4 and all(isinstance(b, tuple) for b in fast)
    for a, b in zip(fast, slow, strict=True):
        for column, expected in zip(a, b, strict=True):
            assert column.dtype == expected.dtype
            np.testing.assert_array_equal(column.numpy(), expected.numpy())
    assert sorted(v for b in fast for v in b[1].numpy().tolist()) == sorted(train.indices)


class Countdown(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        for i in range(self.n, 0, -1):
            yield np.array([i, i * i]), float(i)

    def __len__(self):
        if not self.with_len:
            raise NotImplementedError
        return self.n


class TorchCountdown(td.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(Countdown(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_batches_an_iterable_dataset_like_torch(drop_last):
    ours = DataLoader(Countdown(7), batch_size=3, drop_last=drop_last)
    theirs = td.DataLoader(TorchCountdown(7), batch_size=3, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [_plain(list(b)) for b in ours] == [_plain(b) for b in theirs]
    assert [len(b[1]) for b in ours] == ([3, 3] if drop_last else [3, 3, 1])
    with pytest.raises(TypeError):
        len(DataLoader(Countdown(7, with_len=False), batch_size=3))
    with pytest.raises(TypeError, match="no indices"):
        next(ours.batch_indices())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shuffle": True, "sampler": [0, 1]},
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_sampler": [[0]], "shuffle": True},
        {"batch_sampler": [[0]], "sampler": [0]},
        {"batch_sampler": [[0]], "drop_last": True},
        {"batch_size": 0},
        {"batch_size": -1},
        {"batch_size": 2, "drop_last": 1},
    ],
)
def test_dataloader_argument_errors_are_torchs(kwargs):
    expected = _raised(lambda: td.DataLoader(TorchRecords(), **kwargs))
    assert expected is ValueError
    with pytest.raises(expected):
        DataLoader(Records(), **kwargs)
    DataLoader(Records(), batch_sampler=[[0]], batch_size=1)  # batch_size=1 is the default, allowed in both


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_dataloader_refuses_orders_for_an_iterable_dataset_like_torch(kwargs):
    assert _raised(lambda: td.DataLoader(TorchCountdown(3), **kwargs)) is ValueError
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Countdown(3), **kwargs)


def test_dataloader_generator_is_the_seed_and_its_sampler_tells_the_order():
    x = np.arange(30)
    by_seed = [b[0].numpy().tolist() for b in DataLoader(x, batch_size=7, shuffle=True, seed=4)]
    by_generator = [b[0].numpy().tolist() for b in DataLoader(x, batch_size=7, shuffle=True, generator=4)]
    rng = [
        b[0].numpy().tolist()
        for b in DataLoader(x, batch_size=7, shuffle=True, generator=np.random.default_rng(4))
    ]
    assert by_seed == by_generator == rng
    with pytest.raises(TypeError, match="seed or generator"):
        DataLoader(x, batch_size=7, generator=1, seed=1)
    # loader.sampler is PyTorch's RandomSampler, drawing the permutation the batches follow
    loader = DataLoader(x, batch_size=7, shuffle=True, seed=4)
    assert isinstance(loader.sampler, RandomSampler) and isinstance(loader.batch_sampler, BatchSampler)
    assert list(loader.sampler) == [v for batch in by_seed for v in batch]
    loader.set_epoch(3)
    sampled = list(loader.sampler)
    loader.set_epoch(3)
    assert sampled == [int(v) for b in loader for v in b[0].numpy()]
    plain = DataLoader(x, batch_size=7)
    assert isinstance(plain.sampler, SequentialSampler)
    assert [list(b) for b in plain.batch_sampler] == [b.tolist() for b in plain.batch_indices()]


def test_fit_and_predict_take_loaders_of_bare_inputs_and_of_a_collate_fn():
    """A dataset of bare arrays gives bare tensors per batch (PyTorch's way); a collate_fn may give a
    list; fit, evaluate and predict read both as (inputs, targets, …)."""
    from deepstep import nn
    from deepstep.utils.data import DataLoader, Dataset

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)).astype(np.float32)
    y = (X.sum(1) > 0).astype(np.int64)

    class Pairs(Dataset):
        def __len__(self):
            return len(X)

        def __getitem__(self, i):
            return {"x": X[i], "y": y[i]}

    def as_list(examples):
        return [
            ds.tensor(np.stack([e["x"] for e in examples])),
            ds.tensor(np.array([e["y"] for e in examples])),
        ]

    model = nn.Sequential(nn.Linear(3, 2, seed=0))
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(DataLoader(Pairs(), batch_size=16, collate_fn=as_list), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert set(model.evaluate(DataLoader(Pairs(), batch_size=32, collate_fn=as_list))) >= {"loss", "accuracy"}

    class Bare(Dataset):
        def __len__(self):
            return len(X)

        def __getitem__(self, i):
            return X[i]

    batch = next(iter(DataLoader(Bare(), batch_size=8)))
    assert isinstance(batch, ds.Tensor) and batch.shape == (8, 3)
    assert model.predict(DataLoader(Bare(), batch_size=8)).shape == (64, 2)


@pytest.mark.parametrize(
    "options",
    [
        {"num_workers": -1},
        {"timeout": -1},
        {"prefetch_factor": 2},
        {"persistent_workers": True},
        {"num_workers": 2, "prefetch_factor": 2, "persistent_workers": True, "pin_memory": True},
    ],
)
def test_multiprocessing_options_are_checked_as_torch_and_change_nothing(torch, options):
    from deepstep.utils.data import DataLoader, TensorDataset

    def make(loader, dataset):
        try:
            return loader(dataset, batch_size=2, **options)
        except ValueError as error:
            return type(error)

    theirs = make(torch.utils.data.DataLoader, torch.utils.data.TensorDataset(torch.arange(6.0)))
    ours = make(DataLoader, TensorDataset(np.arange(6.0)))
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]


def test_worker_init_fn_runs_once_a_pass_with_workers():
    from deepstep.utils.data import DataLoader

    seen = []
    loader = DataLoader(np.arange(6.0), batch_size=3, num_workers=2, worker_init_fn=seen.append)
    assert len(list(loader)) == 2 and len(list(loader)) == 2
    assert seen == [0, 0]
