"""deepstep.Size held to torch.Size side by side: construction and its refusals, numel, slicing and
concatenation staying a Size, printing, copying, and the APIs that give one (Tensor.shape,
Tensor.size(), Parameter, broadcast_shapes) or take one (creation, reshape, view, expand, NumPy)."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

import deepstep as ds


def same_size(ours, theirs) -> None:
    """A deepstep.Size where torch gives a torch.Size (a plain tuple where torch's is one), same entries."""
    torch_size = type(theirs).__name__ == "Size"
    assert type(ours) is (ds.Size if torch_size else tuple), (type(ours), type(theirs))
    assert tuple(ours) == tuple(theirs)
    assert all(type(n) is int for n in ours)


def raises_like(torch_call, our_call) -> None:
    """Ours raises an exception of the type torch raises."""
    with pytest.raises(Exception) as theirs:
        torch_call()
    with pytest.raises(theirs.type):
        our_call()


SHAPES = [(), (0,), (5,), (2, 3), (4, 0, 3), (1, 1, 1, 1), (2, 3, 4, 5)]


# ----- construction ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: [2, 3],
        lambda: (2, 3),
        lambda: [],
        lambda: range(4),
        lambda: iter([1, 2]),
        lambda: (n for n in (3, 1)),
        lambda: [True, 2],
        lambda: [np.int64(3), np.int32(4), np.uint8(5)],
        lambda: [-1],
        lambda: np.array([2, 3]),
    ],
)
def test_size_from_iterables_of_ints(torch, make):
    same_size(ds.Size(make()), torch.Size(make()))


def test_size_from_nothing_is_the_empty_shape(torch):
    same_size(ds.Size(), torch.Size())
    assert ds.Size().numel() == torch.Size().numel() == 1


def test_size_takes_one_element_integer_tensors(torch):
    same_size(ds.Size([ds.tensor(2), ds.tensor([3])]), torch.Size([torch.tensor(2), torch.tensor([3])]))
    same_size(ds.Size(ds.tensor([2, 3])), torch.Size(torch.tensor([2, 3])))  # iterated: 0-d tensors


@pytest.mark.parametrize(
    "items",
    [
        [2.0, 3],
        ["a"],
        [None],
        [np.float64(2.0)],
        [np.bool_(True)],
        [[2, 3]],
        "ab",
    ],
)
def test_size_refuses_entries_that_are_not_ints(torch, items):
    raises_like(lambda: torch.Size(items), lambda: ds.Size(items))


def test_size_names_the_entry_it_refuses():
    with pytest.raises(TypeError, match=r"takes an iterable of 'int' \(item 1 is 'float'\)"):
        ds.Size([2, 3.5])
    with pytest.raises(TypeError, match=r"item 0 is 'numpy.bool'"):
        ds.Size([np.bool_(True)])


@pytest.mark.parametrize(
    "tensor", [lambda t: t.tensor(2.5), lambda t: t.tensor([2, 3]), lambda t: t.tensor([])]
)
def test_size_refuses_float_and_many_element_tensors(torch, tensor):
    raises_like(lambda: torch.Size([tensor(torch)]), lambda: ds.Size([tensor(ds)]))


@pytest.mark.parametrize("bad", [3, None, 2.5])
def test_size_refuses_what_is_not_iterable(torch, bad):
    raises_like(lambda: torch.Size(bad), lambda: ds.Size(bad))


# ----- what a Size answers -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [*SHAPES, (-1,), (3, -2)])
def test_numel_is_the_product_of_the_lengths(torch, shape):
    assert ds.Size(shape).numel() == torch.Size(shape).numel()
    assert type(ds.Size(shape).numel()) is int


@pytest.mark.parametrize("shape", SHAPES)
def test_size_prints_as_torch_under_deepstep_s_name(torch, shape):
    ours, theirs = ds.Size(shape), torch.Size(shape)
    expected = repr(theirs).replace("torch.", "deepstep.")
    assert repr(ours) == str(ours) == f"{ours}" == "%s" % (ours,) == expected  # noqa: UP031 (printf formatting uses str too)


def test_size_is_a_tuple(torch):
    ours, theirs = ds.Size([2, 3, 2]), torch.Size([2, 3, 2])
    assert isinstance(ours, tuple)
    assert ours == (2, 3, 2) and ours == theirs and ours != [2, 3, 2]
    assert hash(ours) == hash(theirs) == hash((2, 3, 2))
    assert len(ours) == 3 and list(ours) == [2, 3, 2]
    a, b, c = ours
    assert (a, b, c) == (2, 3, 2)
    assert ours.count(2) == theirs.count(2) and ours.index(3) == theirs.index(3)
    assert (ours < (2, 4)) is (theirs < (2, 4)) is True
    assert 3 in ours


@pytest.mark.parametrize("key", [0, -1, 2, np.int64(1)])
def test_indexing_gives_an_int(torch, key):
    ours, theirs = ds.Size([2, 3, 4]), torch.Size([2, 3, 4])
    assert ours[key] == theirs[key] and type(ours[key]) is int


@pytest.mark.parametrize(
    "key", [slice(None), slice(1, None), slice(None, -1), slice(None, None, -1), slice(5, 9)]
)
def test_slicing_gives_a_size(torch, key):
    same_size(ds.Size([2, 3, 4])[key], torch.Size([2, 3, 4])[key])


def test_indexing_out_of_range_raises_as_torch(torch):
    raises_like(lambda: torch.Size([2])[3], lambda: ds.Size([2])[3])
    raises_like(lambda: torch.Size([2])["a"], lambda: ds.Size([2])["a"])


@pytest.mark.parametrize("other", [(4,), (), (4, 5)])
def test_concatenation_with_tuples_gives_a_size(torch, other):
    ours, theirs = ds.Size([2, 3]), torch.Size([2, 3])
    same_size(ours + other, theirs + other)
    same_size(other + ours, other + theirs)
    same_size(ours + ds.Size(other), theirs + torch.Size(other))
    same_size(ours[:-1] + other, theirs[:-1] + other)


def test_concatenation_with_a_list_raises_as_torch(torch):
    ours, theirs = ds.Size([2, 3]), torch.Size([2, 3])
    raises_like(lambda: theirs + [4], lambda: ours + [4])  # noqa: RUF005 (the concatenation is what is tested)
    raises_like(lambda: [4] + theirs, lambda: [4] + ours)  # noqa: RUF005 (the concatenation is what is tested)


def test_adding_an_array_is_numpy_s_elementwise_sum(torch):
    ours, theirs = ds.Size([2, 3]), torch.Size([2, 3])
    for result in (ours + np.array([1]), np.array([1]) + ours):
        expected = theirs + np.array([1])
        assert type(result) is type(expected) is np.ndarray
        np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("times", [0, 1, 3, -1, True])
def test_repetition_gives_a_size(torch, times):
    ours, theirs = ds.Size([2, 3]), torch.Size([2, 3])
    same_size(ours * times, theirs * times)
    same_size(times * ours, times * theirs)


def test_repetition_by_a_numpy_int_on_the_right(torch):
    # np.int64(2) * size is NumPy's: torch.Size, written in C, has no number slot, so NumPy repeats it
    # as a sequence; a Python tuple subclass with __rmul__ has one, and NumPy multiplies elementwise
    same_size(ds.Size([2, 3]) * np.int64(2), torch.Size([2, 3]) * np.int64(2))


@pytest.mark.parametrize("times", [2.0, "2", [2]])
def test_repetition_by_a_non_int_raises_as_torch(torch, times):
    ours, theirs = ds.Size([2, 3]), torch.Size([2, 3])
    raises_like(lambda: theirs * times, lambda: ours * times)


def test_copies_stay_sizes(torch):
    ours = ds.Size([2, 0, 3])
    for copied in (copy.copy(ours), copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert type(copied) is ds.Size and copied == ours
    assert type(copy.deepcopy(torch.Size([2]))).__name__ == "Size"  # as torch does


def test_json_writes_a_size_as_a_list(torch):
    assert json.dumps(ds.Size([2, 3])) == json.dumps(torch.Size([2, 3])) == "[2, 3]"


def test_size_is_exported_as_torch_names_it(torch):
    assert "Size" in ds.__all__ and ds.Size is ds.autograd.Size
    assert ds.Size.numel.__doc__


# ----- the APIs that give a Size -------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_shape_and_size_are_sizes_stride_a_tuple(torch, rng, shape):
    data = rng.standard_normal(shape).astype(np.float32)
    ours, theirs = ds.tensor(data), torch.tensor(data)
    same_size(ours.shape, theirs.shape)
    same_size(ours.size(), theirs.size())
    same_size(ours.stride(), theirs.stride())
    assert ours.shape.numel() == ours.size().numel() == ours.numel() == theirs.shape.numel()
    for dim in range(-ours.ndim, ours.ndim):
        assert ours.size(dim) == theirs.size(dim) and type(ours.size(dim)) is int


def test_views_and_results_of_ops_have_sizes(torch, rng):
    data = rng.standard_normal((3, 4, 5)).astype(np.float32)
    ours, theirs = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for f in (
        lambda t: t.transpose(0, 2),  # non-contiguous
        lambda t: t[:, ::2],
        lambda t: t.sum(1),
        lambda t: t.sum(),
        lambda t: t.reshape(-1),
        lambda t: t.expand(2, 3, 4, 5),
        lambda t: t.unsqueeze(0)[:0],  # empty
    ):
        same_size(f(ours).shape, f(theirs).shape)
    (ours * 2).sum().backward()
    (theirs * 2).sum().backward()
    same_size(ours.grad.shape, theirs.grad.shape)


def test_parameters_have_sizes(torch):
    ours, theirs = ds.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        same_size(p.shape, q.shape)
        same_size(p.size(), q.size())
    same_size(ds.nn.Parameter(ds.zeros(2, 5)).shape, torch.nn.Parameter(torch.zeros(2, 5)).shape)


@pytest.mark.parametrize(
    "make",
    [
        lambda m, t: m.distributions.Normal(t.zeros(3), t.ones(3)),
        lambda m, t: m.distributions.Normal(0.0, 1.0),
        lambda m, t: m.distributions.Categorical(logits=t.zeros(2, 4)),
        lambda m, t: m.distributions.MultivariateNormal(t.zeros(3), t.eye(3)),
        lambda m, t: m.distributions.Independent(m.distributions.Normal(t.zeros(2, 3), t.ones(2, 3)), 1),
    ],
)
def test_distribution_shapes_are_sizes(torch, make):
    ours, theirs = make(ds, ds), make(torch, torch)
    same_size(ours.batch_shape, theirs.batch_shape)
    same_size(ours.event_shape, theirs.event_shape)
    same_size(
        ours.expand((5, *ours.batch_shape)).batch_shape, theirs.expand((5, *theirs.batch_shape)).batch_shape
    )
    same_size(ours.sample((2,)).shape, theirs.sample((2,)).shape)


@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 1), (3,)),
        (2, (3, 1)),
        (),
        ((),),
        ([2, 1], [1, 4]),
        ((0,), (1,)),
        ((1, 2), (3, 1), (2,)),
        ((5, 0), (1, 1)),
    ],
)
def test_broadcast_shapes_gives_a_size(torch, shapes):
    same_size(ds.broadcast_shapes(*shapes), torch.broadcast_shapes(*shapes))
    as_sizes = [(s,) if isinstance(s, int) else s for s in shapes]
    same_size(
        ds.broadcast_shapes(*map(ds.Size, as_sizes)), torch.broadcast_shapes(*map(torch.Size, as_sizes))
    )


@pytest.mark.parametrize("shapes", [((2,), (3,)), ((-1,), (2,)), ((2.0,),)])
def test_broadcast_shapes_refuses_as_torch(torch, shapes):
    raises_like(lambda: torch.broadcast_shapes(*shapes), lambda: ds.broadcast_shapes(*shapes))


# ----- the APIs that take a Size ----------------------------------------------------------------
def test_creation_takes_a_size(torch):
    for name in ("ones", "zeros", "empty", "randn", "rand"):
        same_size(getattr(ds, name)(ds.Size([2, 3])).shape, getattr(torch, name)(torch.Size([2, 3])).shape)
    same_size(ds.full(ds.Size([2]), 7.0).shape, torch.full(torch.Size([2]), 7.0).shape)
    x, y = ds.ones(4), torch.ones(4)
    for name in ("new_zeros", "new_ones", "new_empty"):
        same_size(getattr(x, name)(ds.Size([3, 1])).shape, getattr(y, name)(torch.Size([3, 1])).shape)


def test_shape_methods_take_a_size(torch):
    ours, theirs = ds.ones(2, 3), torch.ones(2, 3)
    same_size(ours.reshape(ours.shape[::-1]).shape, theirs.reshape(theirs.shape[::-1]).shape)
    same_size(ours.view(ds.Size([6])).shape, theirs.view(torch.Size([6])).shape)
    same_size(ours.view(ours.shape[:1] + (3, 1)).shape, theirs.view(theirs.shape[:1] + (3, 1)).shape)  # noqa: RUF005 (the concatenation is what is tested)
    same_size(ours.expand(ds.Size([4, 2, 3])).shape, theirs.expand(torch.Size([4, 2, 3])).shape)
    same_size(ds.zeros(ours.shape).shape, torch.zeros(theirs.shape).shape)


def test_numpy_takes_a_size():
    shape = ds.ones(2, 3).shape
    assert np.zeros(shape).shape == (2, 3)
    assert np.arange(6).reshape(shape).shape == (2, 3)
    assert np.broadcast_to(np.ones(3), shape).shape == (2, 3)
