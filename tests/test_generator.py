"""deepstep.Generator and the RNG-state API (deepstep.random) against torch.Generator and
torch.random: the same methods with the same types, shapes, semantics and exception types. The
numbers differ by design (NumPy's PCG64, not PyTorch's mt19937), so draws are compared within
deepstep: after a state is put back, after a reseed, and against numpy.random.default_rng."""

from __future__ import annotations

import copy
import pickle
import zlib

import numpy as np
import pytest
import torch
from torch.utils import data as td

import deepstep as ds
from deepstep import backend
from deepstep.utils import data as dd


@pytest.fixture(autouse=True)
def _keep_the_library_generators():
    """Tests here reseed both libraries' global generators: put them back afterwards."""
    ours, theirs = ds.get_rng_state(), torch.get_rng_state()
    yield
    ds.set_rng_state(ours)
    torch.set_rng_state(theirs)


def _raises_like(ours, theirs):
    """Both calls raise, the same exception type; returns deepstep's exception."""
    with pytest.raises(Exception) as torch_error:
        theirs()
    with pytest.raises(torch_error.type) as error:
        ours()
    return error.value


# ----- the Generator's methods ---------------------------------------------------------------
def test_the_methods_of_torch_generator_are_all_here():
    public = {name for name in dir(torch.Generator()) if not name.startswith("_")}
    assert public and public <= set(dir(ds.Generator()))
    assert ds.Generator is ds.random.Generator and issubclass(ds.Generator, np.random.Generator)


@pytest.mark.parametrize(
    "seed", [0, 1, 2**31, 2**63, 2**64 - 1, -1, -(2**63), np.int64(5), np.uint64(2**64 - 1)]
)
def test_manual_seed_returns_self_and_reads_seeds_as_torch(seed):
    theirs = torch.Generator()
    ours = ds.Generator()
    assert ours.manual_seed(seed) is ours and theirs.manual_seed(int(seed)) is theirs
    assert ours.initial_seed() == theirs.initial_seed()
    assert type(ours.initial_seed()) is int


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1, 1.5, "3", True, None])
def test_manual_seed_refuses_what_torch_refuses(seed):
    _raises_like(lambda: ds.Generator().manual_seed(seed), lambda: torch.Generator().manual_seed(seed))


def test_manual_seed_draws_as_numpy_default_rng():
    for seed in (0, 7, 2**64 - 1):
        generator = ds.Generator().manual_seed(seed)
        assert np.array_equal(generator.random(5), np.random.default_rng(seed).random(5))
    # a negative seed is taken modulo 2⁶⁴, as its initial_seed says
    negative = ds.Generator().manual_seed(-1)
    assert np.array_equal(negative.random(3), np.random.default_rng(2**64 - 1).random(3))


def test_a_fresh_generator_starts_from_torch_default_seed():
    assert ds.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert np.array_equal(ds.Generator().random(4), ds.Generator().random(4))


def test_seed_is_fresh_64_bit_and_becomes_the_initial_seed():
    ours, theirs = ds.Generator(), torch.Generator()
    drawn = [ours.seed() for _ in range(3)]
    assert type(drawn[0]) is type(theirs.seed()) is int
    assert all(0 <= s < 2**64 for s in drawn) and len(set(drawn)) == 3
    assert ours.initial_seed() == drawn[-1]
    replay = ds.Generator().manual_seed(drawn[-1])
    assert np.array_equal(ours.random(3), replay.random(3))


def test_get_state_is_a_uint8_vector_copy_as_torch():
    ours, theirs = ds.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    state, reference = ours.get_state(), theirs.get_state()
    assert isinstance(state, ds.Tensor) and isinstance(reference, torch.Tensor)
    assert state.dtype == ds.uint8 and str(reference.dtype) == "torch.uint8"
    assert state.ndim == reference.ndim == 1 and state.shape == (64,)
    assert not state.requires_grad and not reference.requires_grad
    state.numpy()[:] = 0  # a copy: the generator is untouched
    assert ours.get_state().numpy().any()


def test_state_round_trips_exactly():
    generator = ds.Generator().manual_seed(11)
    generator.random(3)
    generator.random(dtype=np.float32)  # leaves half of a 64-bit draw buffered (has_uint32)
    assert generator.bit_generator.state["has_uint32"] == 1
    state = generator.get_state()

    def draws():
        return generator.random(dtype=np.float32), generator.integers(0, 100, 6), generator.standard_normal(4)

    expected = draws()
    generator.manual_seed(99)
    assert generator.set_state(state) is generator
    assert generator.initial_seed() == 11  # the seed travels with the state, as in PyTorch
    for a, b in zip(expected, draws(), strict=True):
        assert np.array_equal(a, b)
    # onto another generator: the same numbers next
    other = ds.Generator().set_state(state)
    assert np.array_equal(other.random(dtype=np.float32), expected[0])
    assert np.array_equal(generator.get_state().numpy(), generator.get_state().numpy())


def test_set_state_takes_a_2d_view_of_a_state_as_torch():
    ours, theirs = ds.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    theirs.set_state(theirs.get_state().reshape(2, -1))
    first = ours.random(2)
    ours.set_state(ds.Generator().manual_seed(1).get_state().reshape(2, -1))
    assert np.array_equal(ours.random(2), first)


def test_set_state_refuses_bad_states_as_torch():
    ours, theirs = ds.Generator(), torch.Generator()
    state, reference = ours.get_state(), theirs.get_state()
    cases = [
        (lambda: ours.set_state([1, 2]), lambda: theirs.set_state([1, 2])),
        (lambda: ours.set_state(state.numpy()), lambda: theirs.set_state(reference.numpy())),
        (lambda: ours.set_state(state.float()), lambda: theirs.set_state(reference.float())),
        (lambda: ours.set_state(state.long()), lambda: theirs.set_state(reference.long())),
        (lambda: ours.set_state(state[:10]), lambda: theirs.set_state(reference[:10])),
        (
            lambda: ours.set_state(ds.stack([state, state], 1)[:, 0]),
            lambda: theirs.set_state(torch.stack([reference, reference], 1)[:, 0]),
        ),
    ]
    for mine, torchs in cases:
        _raises_like(mine, torchs)
    error = _raises_like(lambda: ours.set_state(state[:10]), lambda: theirs.set_state(reference[:10]))
    assert "64 bytes" in str(error) and "10" in str(error)


def _with_crc(body: np.ndarray) -> ds.Tensor:
    body = body.copy()
    body[60:] = np.frombuffer(zlib.crc32(body[:60].tobytes()).to_bytes(4, "little"), np.uint8)
    return ds.tensor(body)


def test_set_state_refuses_foreign_and_corrupt_states_and_changes_nothing():
    generator = ds.Generator().manual_seed(5)
    before = generator.get_state().numpy().copy()
    good = generator.get_state().numpy()
    torch_state = ds.tensor(torch.Generator().get_state().numpy())
    flipped = good.copy()
    flipped[10] ^= 1
    retagged, version, even, padded = (good.copy() for _ in range(4))
    retagged[:7] = np.frombuffer(b"XXPCG64", np.uint8)
    version[7] = 2
    even[24] &= 0xFE  # PCG64's increment is odd
    padded[55] = 1
    for bad, words in [
        (torch_state, "PyTorch"),
        (ds.tensor(flipped), "checksum"),
        (_with_crc(retagged), "not a deepstep.Generator state"),
        (_with_crc(version), "version 2"),
        (_with_crc(even), "odd"),
        (_with_crc(padded), "padding"),
    ]:
        with pytest.raises(RuntimeError, match=words):
            generator.set_state(bad)
        assert np.array_equal(generator.get_state().numpy(), before)


def test_clone_state_is_a_new_generator_in_the_same_state():
    ours, theirs = ds.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    ours.random(2)
    twin, reference = ours.clone_state(), theirs.clone_state()
    assert type(twin) is ds.Generator and type(reference) is torch.Generator
    assert twin is not ours and reference is not theirs
    assert twin.initial_seed() == reference.initial_seed() == 4
    assert np.array_equal(twin.random(5), ours.random(5))
    twin.random(1)  # independent from then on
    assert not np.array_equal(twin.random(2), ours.random(2))


@pytest.mark.parametrize("where", [None, "cpu", "cpu:0"])
def test_device_is_the_cpu(where):
    ours, theirs = ds.Generator(where), torch.Generator(where)
    assert isinstance(ours.device, ds.device) and ours.device == str(theirs.device) == "cpu"
    assert ds.Generator(device=ds.device("cpu")).device == "cpu"


@pytest.mark.parametrize("where", ["cuda", "meta", "foo", 0, 1.5])
def test_other_devices_are_refused_as_torch(where):
    _raises_like(lambda: ds.Generator(where), lambda: torch.Generator(where))


def test_offsets_and_graph_states_are_refused_on_the_cpu_as_torch():
    ours, theirs = ds.Generator(), torch.Generator()
    _raises_like(ours.get_offset, theirs.get_offset)
    _raises_like(lambda: ours.set_offset(1), lambda: theirs.set_offset(1))
    _raises_like(ours.graphsafe_get_state, theirs.graphsafe_get_state)
    _raises_like(lambda: ours.graphsafe_set_state(ours), lambda: theirs.graphsafe_set_state(theirs))


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda g: pickle.loads(pickle.dumps(g))])
def test_copies_and_pickles_keep_class_state_and_seed(duplicate):
    generator = ds.Generator().manual_seed(21)
    generator.random(3)
    twin = duplicate(generator)
    assert type(twin) is ds.Generator and twin is not generator and twin.initial_seed() == 21
    assert np.array_equal(twin.random(4), generator.random(4))


# ----- the library-wide generator ------------------------------------------------------------
def test_default_generator_is_one_object_reseeded_in_place():
    generator = ds.default_generator
    assert isinstance(generator, ds.Generator)
    assert generator is ds.random.default_generator is backend.default_generator()
    assert ds.manual_seed(3) is generator and ds.random.manual_seed(4) is generator
    assert torch.manual_seed(3) is torch.default_generator  # PyTorch's does the same
    assert ds.initial_seed() == ds.random.initial_seed() == generator.initial_seed() == 4


def test_manual_seed_draws_as_before():
    """manual_seed(n) then a draw gives what numpy.random.default_rng(n) gives (as it always did)."""
    for seed in (0, 3, 12345):
        ds.manual_seed(seed)
        drawn = (ds.rand(4), ds.randn(2, 3), ds.randint(0, 9, (5,)))
        fresh = np.random.default_rng(seed)
        expected = (
            ds.rand(4, generator=fresh),
            ds.randn(2, 3, generator=fresh),
            ds.randint(0, 9, (5,), generator=fresh),
        )
        for a, b in zip(drawn, expected, strict=True):
            assert np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("seed", [1.5, "3", True, -1, np.int64(8)])
def test_library_manual_seed_reads_seeds_as_torch(seed):
    ours, theirs = ds.manual_seed(seed), torch.manual_seed(seed)
    assert ours.initial_seed() == theirs.initial_seed() == ds.initial_seed() == torch.initial_seed()


@pytest.mark.parametrize("seed", [None, 2**64, "x"])
def test_library_manual_seed_refuses_what_torch_refuses(seed):
    _raises_like(lambda: ds.manual_seed(seed), lambda: torch.manual_seed(seed))


def test_get_and_set_rng_state_replay_the_same_numbers():
    ds.manual_seed(0)
    ds.rand(3)
    state = ds.get_rng_state()
    reference = torch.get_rng_state()
    assert state.dtype == ds.uint8 and state.ndim == reference.ndim == 1
    a = ds.rand(2)
    assert ds.set_rng_state(state) is None and torch.set_rng_state(reference) is None
    assert np.array_equal(a.numpy(), ds.rand(2).numpy())
    assert ds.random.get_rng_state is not None and ds.random.set_rng_state is ds.set_rng_state
    _raises_like(lambda: ds.set_rng_state([1]), lambda: torch.set_rng_state([1]))
    _raises_like(lambda: ds.set_rng_state(ds.zeros(64)), lambda: torch.set_rng_state(torch.zeros(5056)))


def test_library_seed_is_fresh_and_becomes_the_initial_seed():
    drawn = ds.seed()
    assert type(drawn) is type(torch.seed()) is int and 0 <= drawn < 2**64
    assert ds.initial_seed() == drawn and ds.random.seed is ds.seed


def test_holders_of_the_library_generator_follow_manual_seed():
    """A sampler without a generator draws from the library's at each pass, so reseeding replays it."""
    sampler = dd.RandomSampler(range(20))
    ds.manual_seed(2)
    first = list(sampler)
    ds.manual_seed(2)
    assert list(sampler) == first


# ----- fork_rng -----------------------------------------------------------------------------
def test_torch_random_names_are_here():
    left_out = {"thread_safe_generator"}  # no DataLoader thread workers here
    assert set(torch.random.__all__) - left_out <= set(ds.random.__all__)


def _forked(library, **options):
    """Whether the draw inside a fork_rng block is drawn again after it."""
    with library.random.fork_rng(**options):
        inside = library.rand(3)
    return bool((inside == library.rand(3)).all())


@pytest.mark.parametrize(
    "options",
    [{}, {"devices": []}, {"enabled": False}, {"device_type": "cuda"}, {"device_type": "meta"}],
)
def test_fork_rng_restores_the_state_as_torch(options):
    assert _forked(ds, **options) == _forked(torch, **options)


def test_fork_rng_restores_the_state_when_the_block_raises():
    state = ds.get_rng_state().numpy().copy()
    with pytest.raises(KeyError), ds.random.fork_rng():
        ds.rand(5)
        raise KeyError("inside")
    assert np.array_equal(ds.get_rng_state().numpy(), state)


@pytest.mark.parametrize("options", [{"devices": [0]}, {"devices": ["cpu"]}, {"device_type": "xyz"}])
def test_fork_rng_refuses_what_torch_refuses(options):
    def enter(library):
        with library.random.fork_rng(**options):
            pass

    _raises_like(lambda: enter(ds), lambda: enter(torch))


# ----- everything that takes generator= ------------------------------------------------------
_DRAWS = {
    "rand": lambda g: ds.rand(4, generator=g),
    "randn": lambda g: ds.randn(2, 3, generator=g),
    "randint": lambda g: ds.randint(0, 10, (6,), generator=g),
    "randperm": lambda g: ds.randperm(8, generator=g),
    "rand_like": lambda g: ds.rand_like(ds.zeros(3), generator=g),
    "randn_like": lambda g: ds.randn_like(ds.zeros(3), generator=g),
    "randint_like": lambda g: ds.randint_like(ds.zeros(3), 5, generator=g),
    "normal": lambda g: ds.normal(ds.zeros(4), ds.ones(4), generator=g),
    "bernoulli": lambda g: ds.bernoulli(ds.full((6,), 0.5), generator=g),
    "poisson": lambda g: ds.poisson(ds.full((5,), 3.0), generator=g),
    "multinomial": lambda g: ds.multinomial(ds.ones(6), 3, generator=g),
    "Tensor.uniform_": lambda g: ds.zeros(4).uniform_(generator=g),
    "Tensor.normal_": lambda g: ds.zeros(4).normal_(generator=g),
    "Tensor.random_": lambda g: ds.zeros(4).random_(0, 9, generator=g),
    "Tensor.bernoulli_": lambda g: ds.zeros(4).bernoulli_(0.5, generator=g),
    "Tensor.exponential_": lambda g: ds.zeros(4).exponential_(generator=g),
    "Tensor.cauchy_": lambda g: ds.zeros(4).cauchy_(generator=g),
    "Tensor.geometric_": lambda g: ds.zeros(4).geometric_(0.3, generator=g),
    "Tensor.log_normal_": lambda g: ds.zeros(4).log_normal_(generator=g),
    "Tensor.bernoulli": lambda g: ds.full((4,), 0.5).bernoulli(generator=g),
    "Tensor.multinomial": lambda g: ds.ones(5).multinomial(2, generator=g),
    "Normal.sample": lambda g: ds.distributions.Normal(ds.zeros(3), ds.ones(3)).sample((2,), generator=g),
    "Gamma.rsample": lambda g: ds.distributions.Gamma(ds.ones(3), ds.ones(3)).rsample(generator=g),
    "gumbel_softmax": lambda g: ds.functional.gumbel_softmax(ds.zeros(2, 4), generator=g),
    "init.orthogonal_": lambda g: ds.nn.init.orthogonal_(ds.zeros(3, 3), generator=g),
    "init.trunc_normal_": lambda g: ds.nn.init.trunc_normal_(ds.zeros(5), generator=g),
    "init.sparse_": lambda g: ds.nn.init.sparse_(ds.zeros(4, 3), 0.5, generator=g),
    "random_split": lambda g: [list(s.indices) for s in dd.random_split(range(10), [0.5, 0.5], generator=g)],
    "RandomSampler": lambda g: list(dd.RandomSampler(range(10), generator=g)),
    "SubsetRandomSampler": lambda g: list(dd.SubsetRandomSampler([3, 5, 7, 9], generator=g)),
    "WeightedRandomSampler": lambda g: list(dd.WeightedRandomSampler([1.0, 2.0, 3.0], 6, generator=g)),
    "DataLoader": lambda g: [b.tolist() for b in dd.DataLoader(list(range(9)), 3, shuffle=True, generator=g)],
}


def _plain(result):
    return result.numpy().tolist() if isinstance(result, ds.Tensor) else result


@pytest.mark.parametrize("name", sorted(_DRAWS))
def test_generator_argument_takes_a_deepstep_generator(name):
    draw = _DRAWS[name]
    generator = ds.Generator().manual_seed(7)
    first = _plain(draw(generator))
    assert first == _plain(draw(np.random.default_rng(7)))  # a deepstep.Generator draws as NumPy's
    generator.manual_seed(7)  # a reseed replays, as with torch.Generator
    assert _plain(draw(generator)) == first
    with pytest.raises(TypeError, match=r"generator must be a deepstep\.Generator, a numpy Generator"):
        draw("seven")


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: ds.randn(2, generator="g"), lambda: torch.randn(2, generator="g")),
        (lambda: ds.zeros(2).uniform_(generator=1.5), lambda: torch.zeros(2).uniform_(generator=1.5)),
        (lambda: ds.randperm(3, generator=True), lambda: torch.randperm(3, generator=True)),
        (
            lambda: dd.random_split(range(4), [2, 2], generator="g"),
            lambda: td.random_split(range(4), [2, 2], generator="g"),
        ),
    ],
)
def test_anything_else_as_generator_is_a_type_error_as_in_torch(ours, theirs):
    _raises_like(ours, theirs)


def test_dataloader_shuffles_reproducibly_with_a_generator_as_torch():
    def epochs(loader_class, generator_class):
        generator = generator_class().manual_seed(0)
        loader = loader_class(list(range(12)), batch_size=5, shuffle=True, generator=generator)
        two = [[b.tolist() for b in loader] for _ in range(2)]
        generator.manual_seed(0)
        return two, [[b.tolist() for b in loader] for _ in range(2)]

    for loader_class, generator_class in ((dd.DataLoader, ds.Generator), (td.DataLoader, torch.Generator)):
        (first, second), (replay_first, replay_second) = epochs(loader_class, generator_class)
        assert first != second  # a fresh order each epoch, drawn from the generator
        assert (first, second) == (replay_first, replay_second)  # reseeding it replays them
        assert sorted(i for batch in first for i in batch) == list(range(12))


def test_get_rng_state_rewinds_a_sampler_drawing_from_the_library_generator():
    loader = dd.DataLoader(list(range(9)), batch_size=4, sampler=dd.RandomSampler(range(9)))
    state = ds.get_rng_state()
    first = [b.tolist() for b in loader]
    ds.set_rng_state(state)
    assert [b.tolist() for b in loader] == first
