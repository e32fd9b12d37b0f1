"""Embedding: F.embedding and nn.Embedding against PyTorch (values, gradients of repeated ids, padding,
scale_grad_by_freq, max_norm's in-place renormalisation, exception types), the sparse-product
backward against its NumPy fallback, initialisation, from_pretrained, saving and training."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.autograd.ops_scatter import scatter_sum
from deepstep.functional.embedding import embedding, embedding_bag


def _pair(torch, ids, table, **options):
    """Our lookup and PyTorch's of the same ids and table, with the gradients of one backward."""
    ours, theirs = ds.Tensor(table.copy(), requires_grad=True), torch.tensor(table.copy(), requires_grad=True)
    out = embedding(ds.Tensor(ids), ours, **options)
    ref = torch.nn.functional.embedding(torch.from_numpy(ids), theirs, **options)
    upstream = np.random.default_rng(3).standard_normal(ref.shape).astype(table.dtype)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    return out, ref, ours, theirs


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"padding_idx": 3},
        {"padding_idx": -2},
        {"scale_grad_by_freq": True},
        {"padding_idx": 0, "sparse": True},
        {"max_norm": 1.0},
        {"max_norm": 0.5, "norm_type": 1.0},
        {"max_norm": 2.0, "norm_type": float("inf")},
    ],
    ids=repr,
)
@pytest.mark.parametrize("id_dtype", [np.int64, np.int32])
def test_lookup_and_gradient_equal_torch(options, id_dtype, torch, rng):
    ids = rng.integers(0, 7, (3, 4, 5)).astype(id_dtype)  # many repeats
    table = (rng.standard_normal((7, 3)) * 2).astype(np.float32)
    out, ref, ours, theirs = _pair(torch, ids, table, **options)
    assert out.dtype == np.float32 and out.shape == tuple(ref.shape) == (3, 4, 5, 3)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-7)
    # sparse=True: PyTorch's gradient is a sparse tensor, deepstep's the same values as a dense array
    expected = theirs.grad.to_dense() if options.get("sparse") else theirs.grad
    np.testing.assert_allclose(ours.grad.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    # max_norm renormalised the table itself, as PyTorch does
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "ids", [np.array(4), np.zeros((0,), np.int64), np.zeros((2, 0, 3), np.int64)], ids=str
)
def test_scalar_and_empty_ids(ids, torch, rng):
    out, ref, ours, theirs = _pair(torch, ids, rng.standard_normal((5, 2)))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_sparse_product_equals_the_add_at_fallback_and_a_loop(rng):
    ids = rng.integers(0, 50, 300)
    g = rng.standard_normal((300, 8)).astype(np.float32)
    scale = rng.random(300).astype(np.float32)
    expected = np.zeros((50, 8))
    for i, row in enumerate(ids):
        expected[row] += scale[i] * g[i]
    for use_scipy in (True, False):
        got = scatter_sum(ids, g, 50, use_scipy, weights=scale)
        assert got.dtype == np.float32 and got.shape == (50, 8)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(scatter_sum(ids[:0], g[:0], 4, use_scipy=False), np.zeros((4, 8)))
    np.testing.assert_array_equal(scatter_sum(ids[:0], g[:0], 4), np.zeros((4, 8)))


def test_max_norm_counts_as_an_in_place_change_of_the_table(torch, rng):
    """A table saved by an earlier op and then renormalised: the backward refuses, as PyTorch's."""
    table = rng.standard_normal((5, 3)) * 3
    for lib in (torch, ds):
        w = torch.tensor(table, requires_grad=True) if lib is torch else ds.Tensor(table, requires_grad=True)
        saved = (w * w).sum()
        ids = torch.tensor([1, 2]) if lib is torch else ds.Tensor(np.array([1, 2]))
        lookup = torch.nn.functional.embedding if lib is torch else embedding
        lookup(ids, w, max_norm=0.1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            saved.backward()


_IDS = np.array([[0, 6, 2], [1, 1, 3]])
_TABLE = np.random.default_rng(0).standard_normal((7, 3))


@pytest.mark.parametrize(
    ("ids", "table", "options", "error"),
    [
        (_IDS + 1, _TABLE, {}, IndexError),  # id = num_embeddings
        (_IDS - 1, _TABLE, {}, IndexError),  # negative ids do not wrap
        (_IDS.astype(np.float32), _TABLE, {}, RuntimeError),
        (_IDS.astype(np.int16), _TABLE, {}, RuntimeError),
        (_IDS > 2, _TABLE, {}, RuntimeError),
        (_IDS, _TABLE[0], {}, RuntimeError),  # 1-d table
        (_IDS, _TABLE, {"padding_idx": 7}, AssertionError),
        (_IDS, _TABLE, {"padding_idx": -8}, AssertionError),
    ],
)
def test_errors_as_torch(ids, table, options, error, torch):
    with pytest.raises(error):
        torch.nn.functional.embedding(torch.from_numpy(ids), torch.from_numpy(table), **options)
    with pytest.raises(error):
        embedding(ds.Tensor(ids), ds.Tensor(table), **options)


def test_integer_table_looks_up_without_gradient(torch):
    table = np.arange(12).reshape(4, 3)
    out = embedding(np.array([3, 0]), table)
    ref = torch.nn.functional.embedding(torch.tensor([3, 0]), torch.from_numpy(table))
    assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


# ----- the module ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [{}, {"padding_idx": 2}, {"padding_idx": -1, "scale_grad_by_freq": True}, {"max_norm": 1.5}],
    ids=repr,
)
def test_module_equals_torch_after_loading_its_state_dict(options, torch, rng):
    ours, theirs = nn.Embedding(9, 4, **options), torch.nn.Embedding(9, 4, **options)
    assert ours.padding_idx == theirs.padding_idx and list(ours.state_dict()) == ["weight"]
    ours.load_state_dict(theirs.state_dict())
    for mode in ("train", "eval"):
        ours.train(mode == "train"), theirs.train(mode == "train")
        ids = rng.integers(0, 9, (5, 6))
        out, ref = ours(ds.Tensor(ids)), theirs(torch.from_numpy(ids))
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-6)
        upstream = rng.standard_normal(ref.shape).astype(np.float32)
        out.backward(upstream)
        ref.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
        ours.zero_grad(), theirs.zero_grad()


def test_weight_is_standard_normal_with_the_padding_row_zeroed():
    table = nn.Embedding(400, 50, padding_idx=7, seed=0).weight.numpy()
    assert table.dtype == np.float32 and table.shape == (400, 50)
    np.testing.assert_array_equal(table[7], 0)
    others = np.delete(table, 7, axis=0)
    assert abs(others.mean()) < 0.02 and abs(others.std() - 1) < 0.02
    np.testing.assert_array_equal(
        nn.Embedding(40, 5, seed=3).weight.numpy(), nn.Embedding(40, 5, seed=3).weight.numpy()
    )
    assert nn.Embedding(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_module_arguments_as_torch(torch):
    for lib in (torch.nn, nn):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            lib.Embedding(5, 3, padding_idx=5)
        assert lib.Embedding(5, 3, padding_idx=-2).padding_idx == 3
        assert lib.Embedding(0, 3).weight.shape == (0, 3)
        with pytest.raises(AssertionError, match="2-dimensional"):
            lib.Embedding.from_pretrained(torch.ones(5) if lib is torch.nn else np.ones(5))


def test_from_pretrained_shares_the_table_and_freezes_it(torch, rng):
    table = rng.standard_normal((6, 3)).astype(np.float32)
    frozen = nn.Embedding.from_pretrained(table, padding_idx=1)
    reference = torch.nn.Embedding.from_pretrained(torch.from_numpy(table.copy()), padding_idx=1)
    assert not frozen.weight.requires_grad and not reference.weight.requires_grad
    assert frozen.padding_idx == reference.padding_idx == 1
    np.testing.assert_array_equal(frozen.weight.numpy()[1], table[1])  # the padding row is kept as given
    assert np.shares_memory(frozen.weight.data, table)
    out = frozen(np.array([[1, 5]]))
    assert not out.requires_grad
    trainable = nn.Embedding.from_pretrained(ds.Tensor(table), freeze=False)
    trainable(np.array([0, 0, 4])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[:, 0], [2, 0, 0, 0, 1, 0])


def test_save_and_load_keep_the_table_and_the_freeze(tmp_path, rng):
    table = rng.standard_normal((300, 8)).astype(np.float32)
    pretrained = nn.Embedding.from_pretrained(table, padding_idx=3, max_norm=5.0)
    path = ds.save(pretrained, tmp_path / "pretrained.npz")
    loaded = ds.load(path)
    np.testing.assert_array_equal(loaded.weight.numpy(), table)
    assert not loaded.weight.requires_grad and loaded.padding_idx == 3 and loaded.max_norm == 5.0
    # the architecture holds the table's shape, not its values
    assert path.stat().st_size < 2 * table.nbytes
    model = nn.Embedding(10, 4, padding_idx=0)
    again = ds.load(ds.save(model, tmp_path / "embedding.npz"))
    np.testing.assert_array_equal(again.weight.numpy(), model.weight.numpy())
    assert again.weight.requires_grad


def test_sgd_moves_only_the_rows_looked_up_and_never_the_padding_row(rng):
    model = nn.Embedding(20, 4, padding_idx=0, seed=1)
    before = model.weight.numpy().copy()
    optimizer = ds.optim.SGD(model.parameters(), lr=0.5)
    ids = np.array([[0, 3, 3], [7, 0, 11]])
    (model(ids) ** 2).sum().backward()
    optimizer.step()
    moved = np.flatnonzero(np.any(model.weight.numpy() != before, axis=1))
    np.testing.assert_array_equal(moved, [3, 7, 11])


# ----- bags ---------------------------------------------------------------------------------------
_BAG_IDS = np.array([1, 2, 4, 5, 4, 3, 2, 5, 0])
_BAG_OFFSETS = np.array([0, 2, 2, 5])  # the second bag is empty


def _bag_pair(torch, table, ids, offsets=None, per_sample_weights=None, **options):
    """Our embedding_bag and PyTorch's, with the gradients (table, per-sample weights) of one backward."""
    ours = [ds.Tensor(table.copy(), requires_grad=True)]
    theirs = [torch.tensor(table.copy(), requires_grad=True)]
    if per_sample_weights is not None:
        ours.append(ds.Tensor(per_sample_weights, requires_grad=True))
        theirs.append(torch.tensor(per_sample_weights, requires_grad=True))
    out = embedding_bag(ids, ours[0], offsets, per_sample_weights=[*ours, None][1], **options)
    ref = torch.nn.functional.embedding_bag(
        torch.from_numpy(ids),
        theirs[0],
        None if offsets is None else torch.from_numpy(offsets),
        per_sample_weights=[*theirs, None][1],
        **options,
    )
    upstream = np.random.default_rng(5).standard_normal(ref.shape).astype(table.dtype)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    return out, ref, ours, theirs


@pytest.mark.parametrize(
    ("inputs", "options"),
    [
        ((_BAG_IDS, _BAG_OFFSETS), {"mode": "sum"}),
        ((_BAG_IDS, _BAG_OFFSETS), {"mode": "mean"}),
        ((_BAG_IDS, _BAG_OFFSETS), {"mode": "max"}),
        ((_BAG_IDS, _BAG_OFFSETS), {"mode": "mean", "padding_idx": 4}),
        ((_BAG_IDS, _BAG_OFFSETS), {"mode": "max", "padding_idx": -1}),
        ((_BAG_IDS, np.array([0, 2, 9])), {"mode": "sum", "include_last_offset": True}),
        ((_BAG_IDS.reshape(3, 3), None), {"mode": "mean", "max_norm": 1.0}),
        ((_BAG_IDS.reshape(3, 3), None), {"mode": "max"}),
        ((np.array([[3, 1], [1, 3], [0, 0]]), None), {"mode": "sum", "scale_grad_by_freq": True}),
        ((np.array([4, 4, 1]), np.array([0, 2])), {"mode": "max", "padding_idx": 4}),  # a bag of padding
    ],
    ids=lambda v: repr(v) if isinstance(v, dict) else "",
)
def test_embedding_bag_equals_torch(inputs, options, torch, rng):
    table = (rng.standard_normal((6, 3)) * 2).astype(np.float32)
    out, ref, ours, theirs = _bag_pair(torch, table, *inputs, **options)
    assert out.dtype == np.float32 and out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].detach().numpy(), rtol=1e-6)  # max_norm


def test_embedding_bag_per_sample_weights_get_their_gradient(torch, rng):
    table = rng.standard_normal((6, 3))
    weights = rng.standard_normal(_BAG_IDS.size)
    out, ref, ours, theirs = _bag_pair(
        torch, table, _BAG_IDS, _BAG_OFFSETS, weights, mode="sum", padding_idx=2
    )
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    for mine, oracle in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-12, atol=1e-15)


def _composed_bags(ids, table, bounds, mode, scale_grad_by_freq=False):
    """Each bag's sum or mean built from the lookup and autograd ops: the oracle where PyTorch 2.13's
    CPU kernel is wrong (pytorch/pytorch#190063, #190060)."""
    bags = []
    for start, end in itertools.pairwise(bounds):
        rows = (
            embedding(ids[start:end], table)
            if end > start
            else ds.zeros((1, table.shape[1]), dtype=table.dtype)
        )
        bags.append(rows.sum(axis=0) if mode == "sum" or end == start else rows.mean(axis=0))
    return ds.stack(bags)


def test_embedding_bag_scales_by_each_ids_own_frequency(rng):
    """scale_grad_by_freq divides each id's gradient by that id's count (PyTorch 2.13's CPU kernel
    divides some by another id's: pytorch/pytorch#190063)."""
    ids, offsets = np.array([1, 1, 3, 1, 0]), np.array([0, 3])
    table = ds.Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    embedding_bag(ids, table, offsets, mode="sum", scale_grad_by_freq=True).backward(np.ones((2, 2)))
    np.testing.assert_allclose(table.grad.numpy()[:, 0], [1, 1, 0, 1])  # each present id: count × 1/count


def test_embedding_bag_ends_the_last_bag_at_the_last_offset(rng):
    """With include_last_offset the last offset ends the last bag, as documented (PyTorch 2.13's CPU sum
    and mean fold the ids after it into the last bag: pytorch/pytorch#190060)."""
    ids, bounds = _BAG_IDS, np.array([0, 2, 7])
    table = rng.standard_normal((6, 3))
    for mode in ("sum", "mean"):
        ours = ds.Tensor(table, requires_grad=True)
        composed = ds.Tensor(table, requires_grad=True)
        out = embedding_bag(ids, ours, bounds, mode=mode, include_last_offset=True)
        expected = _composed_bags(ids, composed, bounds, mode)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), composed.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("ids", "offsets", "options", "error"),
    [
        (_BAG_IDS, None, {}, ValueError),  # 1-d ids need offsets
        (_BAG_IDS.reshape(3, 3), _BAG_OFFSETS, {}, ValueError),  # 2-d ids take none
        (_BAG_IDS, np.array([1, 4]), {}, RuntimeError),  # offsets[0] must be 0
        (_BAG_IDS, np.array([0, 10]), {}, RuntimeError),  # past the end
        (_BAG_IDS, _BAG_OFFSETS, {"mode": "median"}, ValueError),
        (_BAG_IDS, _BAG_OFFSETS, {"mode": "max", "scale_grad_by_freq": True}, ValueError),
        (_BAG_IDS, _BAG_OFFSETS, {"mode": "mean", "per_sample_weights": np.ones(9)}, NotImplementedError),
        (_BAG_IDS, _BAG_OFFSETS, {"mode": "sum", "per_sample_weights": np.ones(8)}, ValueError),
        (_BAG_IDS + 1, _BAG_OFFSETS, {}, RuntimeError),  # (embedding raises IndexError; ours is both)
    ],
)
def test_embedding_bag_errors_as_torch(ids, offsets, options, error, torch):
    table = np.random.default_rng(0).standard_normal((6, 3))
    torch_options = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    with pytest.raises(error):
        torch.nn.functional.embedding_bag(
            torch.from_numpy(ids),
            torch.from_numpy(table),
            None if offsets is None else torch.from_numpy(offsets),
            **torch_options,
        )
    with pytest.raises(error):
        embedding_bag(ids, table, offsets, **options)


def test_embedding_bag_module_equals_torch_and_round_trips(torch, rng, tmp_path):
    ours, theirs = (
        nn.EmbeddingBag(8, 3, mode="sum", padding_idx=1),
        torch.nn.EmbeddingBag(8, 3, mode="sum", padding_idx=1),
    )
    np.testing.assert_array_equal(ours.weight.numpy()[1], 0)
    ours.load_state_dict(theirs.state_dict())
    ids, offsets = rng.integers(0, 8, 12), np.array([0, 5, 5, 9])
    weights = rng.standard_normal(12).astype(np.float32)
    out = ours(ids, offsets, per_sample_weights=weights)
    ref = theirs(
        torch.from_numpy(ids), torch.from_numpy(offsets), per_sample_weights=torch.from_numpy(weights)
    )
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    loaded = ds.load(ds.save(ours, tmp_path / "bag.npz"))
    np.testing.assert_array_equal(loaded(ids, offsets).numpy(), ours(ids, offsets).numpy())
    frozen = nn.EmbeddingBag.from_pretrained(rng.standard_normal((5, 2)), mode="max")
    assert not frozen.weight.requires_grad and frozen.mode == "max"
