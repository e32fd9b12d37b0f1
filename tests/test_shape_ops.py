"""Shape and layout ops against PyTorch, beyond the catalogue: exception types, PyTorch's meaning of
transpose/squeeze/split/chunk (regressions from NumPy's), tuple returns, views that share memory
and version counter, dtypes, and hypothesis checks of split, chunk and pad."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepstep as ds
from torch_oracle import same_error as _same_error


def _pair(torch, shape, seed=0, dtype=np.float64):
    """The same random data as a deepstep and a torch tensor."""
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return ds.tensor(data), torch.tensor(data)


# ----- regressions: PyTorch's meaning where NumPy's used to be ---------------------------------
def test_transpose_of_a_matrix_swaps_its_dims(torch):
    x, y = _pair(torch, (3, 4))
    for dims in ((0, 1), (1, 0), (-1, 0), (0, -1)):
        np.testing.assert_array_equal(x.transpose(*dims).numpy(), y.transpose(*dims).numpy())
    np.testing.assert_array_equal(ds.transpose(x, dim0=0, dim1=1).numpy(), y.T.numpy())


def test_transpose_keeps_numpys_unambiguous_spellings(torch):
    x, y = _pair(torch, (2, 3, 4))
    np.testing.assert_array_equal(x.transpose().numpy(), y.permute(2, 1, 0).numpy())
    np.testing.assert_array_equal(x.transpose(2, 0, 1).numpy(), y.permute(2, 0, 1).numpy())
    np.testing.assert_array_equal(x.transpose((1, 2, 0)).numpy(), y.permute(1, 2, 0).numpy())
    np.testing.assert_array_equal(x.T.numpy(), y.permute(2, 1, 0).numpy())
    with pytest.raises(TypeError):
        x.transpose(0)


def test_squeeze_and_unsqueeze_check_their_dim(torch):
    x, y = _pair(torch, (1, 3))
    _same_error(lambda: x.squeeze(2), lambda: y.squeeze(2))
    _same_error(lambda: x.unsqueeze(5), lambda: y.unsqueeze(5))
    _same_error(lambda: x.unsqueeze(-4), lambda: y.unsqueeze(-4))
    assert x.squeeze(1).shape == tuple(y.squeeze(1).shape) == (1, 3)  # not of size 1: kept
    x, y = _pair(torch, (1, 3, 1, 1))
    assert x.squeeze((0, 2)).shape == tuple(y.squeeze((0, 2)).shape)
    assert x.squeeze(dim=[-1, 1]).shape == tuple(y.squeeze(dim=[-1, 1]).shape)


@pytest.mark.parametrize(
    "shape, size_or_sections, dim",
    [
        ((5, 7), 3, 0),
        ((5, 7), 3, 1),
        ((5, 7), 10, -1),
        ((5, 7), [1, 2, 4], 1),
        ((5, 7), (0, 5), 0),
        ((0, 3), 2, 0),
        ((0, 3), 0, 0),
        ((6,), 2, 0),
    ],
)
def test_split_takes_sizes_as_pytorch_does(torch, shape, size_or_sections, dim):
    x, y = _pair(torch, shape)
    ours, theirs = x.split(size_or_sections, dim), y.split(size_or_sections, dim)
    assert isinstance(ours, tuple)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


@pytest.mark.parametrize(
    "shape, chunks, dim", [((5, 7), 3, 0), ((5, 7), 4, 1), ((6,), 4, 0), ((0,), 4, 0), ((3, 2), 5, 0)]
)
def test_chunk_may_give_fewer_pieces_as_in_pytorch(torch, shape, chunks, dim):
    x, y = _pair(torch, shape)
    ours = x.chunk(chunks, dim)
    assert isinstance(ours, tuple)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in y.chunk(chunks, dim)]


def test_split_sizes_gradient_goes_to_its_piece(torch):
    x, y = _pair(torch, (3, 7))
    x.requires_grad_(), y.requires_grad_()
    for lib, t in ((ds, x), (torch, y)):
        pieces = lib.split(t, [2, 0, 5], dim=1)
        (pieces[0].sum() * 2 + (pieces[2] ** 2).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy())


# ----- exception types ----------------------------------------------------------------------------
ERRORS = [
    pytest.param((2, 3), lambda lib, x: x.reshape(4, -1), id="reshape_size"),
    pytest.param((2, 3), lambda lib, x: x.reshape(-1, -1), id="reshape_two_inferred"),
    pytest.param((2, 3), lambda lib, x: x.reshape(-2, 3), id="reshape_negative"),
    pytest.param((0, 3), lambda lib, x: x.reshape(-1, 0), id="reshape_ambiguous"),
    pytest.param((2, 3), lambda lib, x: x.view(5), id="view_size"),
    pytest.param((2, 3), lambda lib, x: x.flatten(2), id="flatten_dim"),
    pytest.param((2, 3, 4), lambda lib, x: x.flatten(2, 1), id="flatten_order"),
    pytest.param((2, 12), lambda lib, x: x.unflatten(1, (5, -1)), id="unflatten_sizes"),
    pytest.param((2, 12), lambda lib, x: x.unflatten(1, ()), id="unflatten_empty"),
    pytest.param((2, 12), lambda lib, x: x.unflatten(2, (3, 4)), id="unflatten_dim"),
    pytest.param((1, 3), lambda lib, x: x.squeeze((0, 0)), id="squeeze_repeated"),
    pytest.param((1, 3), lambda lib, x: x.squeeze(-3), id="squeeze_negative"),
    pytest.param((), lambda lib, x: x.squeeze(1), id="squeeze_0d"),
    pytest.param((2, 3), lambda lib, x: x.expand(3), id="expand_fewer"),
    pytest.param((2, 3), lambda lib, x: x.expand(4, 3), id="expand_mismatch"),
    pytest.param((2, 3), lambda lib, x: x.expand(-1, 2, 3), id="expand_new_minus_one"),
    pytest.param((2, 3), lambda lib, x: x.permute(0, 0), id="permute_repeated"),
    pytest.param((2, 3), lambda lib, x: x.permute(0), id="permute_length"),
    pytest.param((2, 3), lambda lib, x: x.permute(0, 2), id="permute_range"),
    pytest.param((2, 3), lambda lib, x: x.transpose(0, 2), id="transpose_range"),
    pytest.param((2, 3, 4), lambda lib, x: x.movedim((0, 0), (1, 2)), id="movedim_repeated"),
    pytest.param((2, 3, 4), lambda lib, x: x.movedim((0, 1), (2,)), id="movedim_lengths"),
    pytest.param((2, 3, 4), lambda lib, x: x.movedim(3, 0), id="movedim_range"),
    pytest.param((2, 3, 4), lambda lib, x: x.swapaxes(0, 3), id="swapaxes_range"),
    pytest.param((2, 3, 4), lambda lib, x: lib.t(x), id="t_3d"),
    pytest.param((2, 3, 4), lambda lib, x: x.narrow(1, 2, 2), id="narrow_length"),
    pytest.param((2, 3, 4), lambda lib, x: x.narrow(1, 4, 0), id="narrow_start"),
    pytest.param((2, 3, 4), lambda lib, x: x.narrow(1, 0, -1), id="narrow_negative_length"),
    pytest.param((), lambda lib, x: x.narrow(0, 0, 1), id="narrow_0d"),
    pytest.param((2, 3, 4), lambda lib, x: x.select(1, 3), id="select_index"),
    pytest.param((2, 3, 4), lambda lib, x: x.select(3, 0), id="select_dim"),
    pytest.param((), lambda lib, x: x.select(0, 0), id="select_0d"),
    pytest.param((), lambda lib, x: x.unbind(), id="unbind_0d"),
    pytest.param((5, 7), lambda lib, x: x.split([1, 2, 3], 1), id="split_sum"),
    pytest.param((5, 7), lambda lib, x: x.split(0), id="split_zero"),
    pytest.param((5, 7), lambda lib, x: x.split(-1), id="split_negative"),
    pytest.param((5, 7), lambda lib, x: x.split(2, 2), id="split_dim"),
    pytest.param((), lambda lib, x: x.split(1), id="split_0d"),
    pytest.param((5, 7), lambda lib, x: x.chunk(0), id="chunk_zero"),
    pytest.param((), lambda lib, x: x.chunk(1), id="chunk_0d"),
    pytest.param((2, 3), lambda lib, x: lib.cat([x, x[0]]), id="cat_ndim"),
    pytest.param((2, 3), lambda lib, x: lib.cat([x, x[:, :2]]), id="cat_sizes"),
    pytest.param((2, 3), lambda lib, x: lib.cat([x, x], 2), id="cat_dim"),
    pytest.param((2, 3), lambda lib, x: lib.cat([]), id="cat_nothing"),
    pytest.param((), lambda lib, x: lib.cat([x, x]), id="cat_0d"),
    pytest.param((2, 3), lambda lib, x: lib.stack([x, x[:, :2]]), id="stack_sizes"),
    pytest.param((2, 3), lambda lib, x: lib.stack([x, x], 3), id="stack_dim"),
    pytest.param((2, 3), lambda lib, x: lib.stack([]), id="stack_nothing"),
    pytest.param((2, 3), lambda lib, x: lib.broadcast_tensors(x, x[:, :2]), id="broadcast_tensors"),
    pytest.param((2, 3), lambda lib, x: lib.meshgrid(x, x[0], indexing="ij"), id="meshgrid_2d"),
    pytest.param((3,), lambda lib, x: lib.meshgrid(x, x, indexing="yx"), id="meshgrid_indexing"),
    pytest.param((2, 3), lambda lib, x: x.flip((0, 0)), id="flip_repeated"),
    pytest.param((2, 3), lambda lib, x: x.flip(2), id="flip_dim"),
    pytest.param((3,), lambda lib, x: x.fliplr(), id="fliplr_1d"),
    pytest.param((), lambda lib, x: x.flipud(), id="flipud_0d"),
    pytest.param((2, 3), lambda lib, x: x.roll((1, 2), (0,)), id="roll_align"),
    pytest.param((2, 3), lambda lib, x: x.roll((1, 2)), id="roll_no_dims"),
    pytest.param((2, 3), lambda lib, x: x.roll(1, 2), id="roll_dim"),
    pytest.param((2, 3), lambda lib, x: x.repeat(2), id="repeat_fewer"),
    pytest.param((2, 3), lambda lib, x: x.repeat(-1, 1), id="repeat_negative"),
    pytest.param((2, 3), lambda lib, x: x.tile(-1), id="tile_negative"),
    pytest.param((2, 3), lambda lib, x: x.repeat_interleave(-1, dim=1), id="repeat_interleave_negative"),
    pytest.param((2, 3), lambda lib, x: x.repeat_interleave(2, dim=2), id="repeat_interleave_dim"),
    pytest.param((2, 3), lambda lib, x: x.unfold(1, 4, 1), id="unfold_size"),
    pytest.param((2, 3), lambda lib, x: x.unfold(1, 2, 0), id="unfold_step"),
    pytest.param((2, 3), lambda lib, x: x.unfold(2, 1, 1), id="unfold_dim"),
    pytest.param((2, 3), lambda lib, x: x.unfold(1, -1, 1), id="unfold_negative"),
    pytest.param((2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (1,)), id="pad_odd"),
    pytest.param((2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (1,) * 8), id="pad_too_long"),
    pytest.param((2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (-3, -2)), id="pad_crop_too_much"),
    pytest.param((2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="wrap"), id="pad_mode"),
    pytest.param(
        (2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (4, 2), mode="reflect"), id="pad_reflect_width"
    ),
    pytest.param(
        (2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (5, 2), mode="circular"), id="pad_circular_width"
    ),
    pytest.param(
        (2, 3, 4), lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="reflect", value=1.0), id="pad_value"
    ),
    pytest.param((4,), lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="replicate"), id="pad_1d_input"),
    pytest.param(
        (2, 3, 4, 5), lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="reflect"), id="pad_4d_one_dim"
    ),
    pytest.param((0, 3), lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="reflect"), id="pad_empty"),
]


@pytest.mark.parametrize("shape, call", ERRORS)
def test_errors_have_pytorchs_type(torch, shape, call):
    x, y = _pair(torch, shape)
    _same_error(lambda: call(ds, x), lambda: call(torch, y))


def test_shape_errors_say_what_came(torch):
    x = ds.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"\[4, -1\]' is invalid for input of size 6"):
        x.reshape(4, -1)
    with pytest.raises(RuntimeError, match="Expected size 2 but got size 3"):
        ds.cat([x, ds.zeros(3, 3)], dim=1)
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 2"):
        x.squeeze(2)


# ----- views share memory and the version counter where PyTorch's do ------------------------------
VIEWS = [
    pytest.param(lambda lib, x: x.narrow(1, 1, 2), id="narrow"),
    pytest.param(lambda lib, x: x.select(0, 1), id="select"),
    pytest.param(lambda lib, x: x.diagonal(0, 1, 2), id="diagonal"),
    pytest.param(lambda lib, x: x.unfold(2, 2, 1), id="unfold"),
    pytest.param(lambda lib, x: x.movedim(0, 2), id="movedim"),
    pytest.param(lambda lib, x: x.swapaxes(0, 2), id="swapaxes"),
    pytest.param(lambda lib, x: x.transpose(1, 2), id="transpose"),
    pytest.param(lambda lib, x: x.permute(2, 0, 1), id="permute"),
    pytest.param(lambda lib, x: x.reshape(6, 4), id="reshape"),
    pytest.param(lambda lib, x: x.flatten(), id="flatten"),
    pytest.param(lambda lib, x: x.unsqueeze(1), id="unsqueeze"),
    pytest.param(lambda lib, x: x[:1].squeeze(0), id="squeeze"),
    pytest.param(lambda lib, x: x[:, :1].expand(2, 3, 4), id="expand"),
    pytest.param(lambda lib, x: x.split(2, 2)[1], id="split"),
    pytest.param(lambda lib, x: x.chunk(3, 1)[2], id="chunk"),
    pytest.param(lambda lib, x: x.unbind(1)[1], id="unbind"),
    pytest.param(lambda lib, x: lib.atleast_3d(x[0]), id="atleast_3d"),
    pytest.param(lambda lib, x: lib.broadcast_tensors(x, x[0])[1], id="broadcast_tensors"),
]
COPIES = [
    pytest.param(lambda lib, x: x.flip(0), id="flip"),
    pytest.param(lambda lib, x: x.roll(1, 0), id="roll"),
    pytest.param(lambda lib, x: x.repeat(1, 1, 1), id="repeat"),
    pytest.param(lambda lib, x: x.repeat_interleave(1, 0), id="repeat_interleave"),
    pytest.param(lambda lib, x: lib.nn.functional.pad(x, (0, 0)), id="pad"),
    pytest.param(lambda lib, x: lib.cat([x]), id="cat"),
    pytest.param(lambda lib, x: lib.stack([x]), id="stack"),
    pytest.param(lambda lib, x: lib.diag(x[0]), id="diag"),
    pytest.param(lambda lib, x: x.tril(), id="tril"),
]


@pytest.mark.parametrize("call", VIEWS)
def test_views_share_memory_and_version_as_in_pytorch(torch, call):
    x, y = _pair(torch, (2, 3, 4))
    ours, theirs = call(ds, x), call(torch, y)
    assert theirs.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()
    assert np.shares_memory(ours.numpy(), x.numpy())
    x.add_(1.0)
    y.add_(1.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours._version == x._version == theirs._version == 1


@pytest.mark.parametrize("call", COPIES)
def test_copies_do_not_share_memory_as_in_pytorch(torch, call):
    x, y = _pair(torch, (2, 3, 4))
    ours, theirs = call(ds, x), call(torch, y)
    assert theirs.untyped_storage().data_ptr() != y.untyped_storage().data_ptr()
    assert not np.shares_memory(ours.numpy(), x.numpy())


# ----- dtypes ---------------------------------------------------------------------------------------
LAYOUT_CALLS = [
    pytest.param(lambda lib, x: x.flip(0), id="flip"),
    pytest.param(lambda lib, x: x.roll(2), id="roll"),
    pytest.param(lambda lib, x: x.repeat(2, 1), id="repeat"),
    pytest.param(lambda lib, x: x.tile(2), id="tile"),
    pytest.param(lambda lib, x: x.repeat_interleave(2), id="repeat_interleave"),
    pytest.param(lambda lib, x: x.unfold(1, 2, 1), id="unfold"),
    pytest.param(lambda lib, x: lib.nn.functional.pad(x, (1, 1), value=2.7), id="pad_constant"),
    pytest.param(lambda lib, x: lib.nn.functional.pad(x[None], (1, 1), mode="replicate"), id="pad_replicate"),
    pytest.param(lambda lib, x: x.movedim(0, 1).reshape(-1), id="reshape"),
    pytest.param(lambda lib, x: lib.hstack([x, x]), id="hstack"),
]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.bool_])
@pytest.mark.parametrize("call", LAYOUT_CALLS)
def test_layout_ops_keep_the_dtype(torch, call, dtype, request):
    if dtype == np.bool_ and "pad_replicate" in request.node.callspec.id:
        pytest.skip("PyTorch's replicate pad takes no bool tensors")
    data = np.random.default_rng(0).integers(-3, 4, (2, 3)).astype(dtype)
    ours, theirs = call(ds, ds.tensor(data)), call(torch, torch.tensor(data))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "first, second",
    [(np.int64, np.float32), (np.int32, np.int64), (np.bool_, np.int32), (np.float32, np.float64)],
)
def test_cat_and_stack_promote_as_pytorch_does(torch, first, second):
    a, b = np.ones((2, 3), first), np.zeros((2, 3), second)
    for name in ("cat", "stack", "hstack", "vstack"):
        ours = getattr(ds, name)([ds.tensor(a), ds.tensor(b)])
        theirs = getattr(torch, name)([torch.tensor(a), torch.tensor(b)])
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_cat_skips_empty_vectors_but_promotes_with_them(torch):
    a, empty = np.ones((2, 3), np.float32), np.zeros(0)
    ours = ds.cat([ds.tensor(a), ds.tensor(empty)])
    theirs = torch.cat([torch.tensor(a), torch.tensor(empty)])
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ds.cat([ds.zeros(0), ds.zeros(0)]).shape == (0,)


# ----- the other entry points -------------------------------------------------------------------
def test_repeat_interleave_of_counts_alone_gives_indices(torch):
    counts = np.array([1, 0, 3, 2])
    ours, theirs = ds.repeat_interleave(ds.tensor(counts)), torch.repeat_interleave(torch.tensor(counts))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_broadcast_shapes_and_meshgrid(torch):
    assert ds.broadcast_shapes((3, 1), (4,), 1) == tuple(torch.broadcast_shapes((3, 1), (4,), 1))
    _same_error(lambda: ds.broadcast_shapes((3, 1), (4, 2)), lambda: torch.broadcast_shapes((3, 1), (4, 2)))
    x, y = _pair(torch, (3,))
    u, v = _pair(torch, (4,))
    for indexing in ("ij", "xy"):
        ours, theirs = ds.meshgrid([x, u], indexing=indexing), torch.meshgrid([y, v], indexing=indexing)
        assert isinstance(ours, tuple)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_atleast_with_several_tensors_gives_a_tuple(torch):
    x, y = _pair(torch, ())
    u, v = _pair(torch, (3,))
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        ours, theirs = getattr(ds, name)(x, u), getattr(torch, name)(y, v)
        assert isinstance(ours, tuple) and [a.shape for a in ours] == [tuple(b.shape) for b in theirs]
        assert getattr(ds, name)([x])[0].shape == tuple(getattr(torch, name)([y])[0].shape)


def test_keyword_spellings(torch):
    x, y = _pair(torch, (2, 3))
    pairs = [
        (x.permute(dims=(1, 0)), y.permute(dims=(1, 0))),
        (ds.flip(x, dims=(0,)), torch.flip(y, dims=(0,))),
        (ds.reshape(x, shape=(3, 2)), torch.reshape(y, shape=(3, 2))),
        (x.flatten(start_dim=0), y.flatten(start_dim=0)),
        (x.movedim(source=0, destination=1), y.movedim(source=0, destination=1)),
        (x.narrow(dim=1, start=1, length=2), y.narrow(dim=1, start=1, length=2)),
        (ds.tile(x, dims=(2,)), torch.tile(y, dims=(2,))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ----- hypothesis: split, chunk and pad on random shapes ------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    length=st.integers(0, 9),
    size=st.integers(1, 5),
    chunks=st.integers(1, 6),
    other=st.integers(1, 3),
)
def test_split_and_chunk_pieces_match_pytorch(torch, length, size, chunks, other):
    x, y = _pair(torch, (other, length))
    assert [p.shape for p in x.split(size, 1)] == [tuple(p.shape) for p in y.split(size, 1)]
    assert [p.shape for p in x.chunk(chunks, -1)] == [tuple(p.shape) for p in y.chunk(chunks, -1)]


@settings(max_examples=80, deadline=None)
@given(
    mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
    sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    widths=st.lists(st.integers(-2, 5), min_size=2, max_size=4).filter(lambda w: len(w) % 2 == 0),
)
def test_pad_values_and_gradients_match_pytorch(torch, mode, sizes, widths):
    data = np.random.default_rng(0).standard_normal((2, *sizes))
    x, y = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    try:
        theirs = torch.nn.functional.pad(y, widths, mode=mode)
    except RuntimeError:  # widths PyTorch refuses: so must we
        _same_error(
            lambda: ds.nn.functional.pad(x, widths, mode=mode),
            lambda: torch.nn.functional.pad(y, widths, mode=mode),
        )
        return
    if mode == "circular" and any(
        max(lo, hi) > n + min(lo, 0) + min(hi, 0)
        for lo, hi, n in zip(widths[::2], widths[1::2], sizes[::-1], strict=False)
    ):
        return  # wider than what is left after the crop: PyTorch copies uninitialised memory
    ours = ds.nn.functional.pad(x, widths, mode=mode)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy())
    upstream = np.random.default_rng(1).standard_normal(ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12, atol=1e-12)
