"""The rest of the shape family, writing into parts of tensors, the in-place shape ops and the
identities of complex views, against PyTorch: exception types, views and versions, leaves that
require grad, the gradient of vander (which PyTorch 2.13 cannot compute), and hypothesis checks of
tensor_split and unravel_index against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepstep as ds
from torch_oracle import same_error as _same_error

ERRORS = [
    pytest.param(lambda lib: lib.tensor_split(lib.ones(3, 4), 0), id="tensor_split_zero"),
    pytest.param(lambda lib: lib.tensor_split(lib.tensor(1.0), 2), id="tensor_split_0d"),
    pytest.param(lambda lib: lib.tensor_split(lib.ones(3), lib.tensor([[1]])), id="tensor_split_2d_indices"),
    pytest.param(
        lambda lib: lib.tensor_split(lib.ones(3), lib.tensor([1.0])), id="tensor_split_float_indices"
    ),
    pytest.param(lambda lib: lib.hsplit(lib.ones(3, 4), 3), id="hsplit_divisible"),
    pytest.param(lambda lib: lib.hsplit(lib.tensor(1.0), 2), id="hsplit_0d"),
    pytest.param(lambda lib: lib.vsplit(lib.ones(6), 2), id="vsplit_1d"),
    pytest.param(lambda lib: lib.dsplit(lib.ones(2, 3), 3), id="dsplit_2d"),
    pytest.param(lambda lib: lib.split_with_sizes(lib.ones(4), [1, 2]), id="split_with_sizes_sum"),
    pytest.param(lambda lib: lib.rot90(lib.ones(3, 4), 1, [0, 0]), id="rot90_same_dims"),
    pytest.param(lambda lib: lib.rot90(lib.ones(3, 4), 1, [0]), id="rot90_one_dim"),
    pytest.param(lambda lib: lib.rot90(lib.ones(3), 1), id="rot90_1d"),
    pytest.param(lambda lib: lib.cartesian_prod(lib.ones(2, 2)), id="cartesian_prod_2d"),
    pytest.param(lambda lib: lib.vander(lib.ones(2, 2)), id="vander_2d"),
    pytest.param(lambda lib: lib.vander(lib.ones(2), N=-1), id="vander_negative_n"),
    pytest.param(lambda lib: lib.ones(3, 4).sum_to_size(2, 4), id="sum_to_size"),
    pytest.param(lambda lib: lib.unravel_index(lib.tensor(1.0), (3, 4)), id="unravel_index_float"),
    pytest.param(lambda lib: lib.unravel_index(lib.tensor(1), (3, -4)), id="unravel_index_negative_shape"),
    pytest.param(
        lambda lib: lib.select_scatter(lib.ones(3, 4), lib.ones(3), 0, 0), id="select_scatter_shape"
    ),
    pytest.param(
        lambda lib: lib.select_scatter(lib.ones(3, 4), lib.ones(4), 0, 5), id="select_scatter_index"
    ),
    pytest.param(
        lambda lib: lib.diagonal_scatter(lib.ones(3, 4), lib.ones(2), 1), id="diagonal_scatter_shape"
    ),
    pytest.param(lambda lib: lib.ones(3, 4).put(lib.tensor([0, 12]), lib.ones(2)), id="put_out_of_range"),
    pytest.param(lambda lib: lib.ones(3, 4).put(lib.tensor([0, 1]), lib.ones(3)), id="put_sizes"),
    pytest.param(
        lambda lib: lib.index_reduce(lib.ones(3, 4), 0, lib.tensor([0, 2]), lib.ones(2, 4), "sum"),
        id="index_reduce_sum",
    ),
    pytest.param(lambda lib: lib.ones(2, 3, 3).fill_diagonal_(2.0), id="fill_diagonal_unequal"),
    pytest.param(lambda lib: lib.ones(3).fill_diagonal_(2.0), id="fill_diagonal_1d"),
    pytest.param(lambda lib: lib.ones(1, 3).squeeze_(5), id="squeeze_dim"),
    pytest.param(lambda lib: lib.ones(2, 3, 4).t_(), id="t_3d"),
    pytest.param(lambda lib: lib.is_nonzero(lib.tensor([1, 2])), id="is_nonzero_many"),
    pytest.param(lambda lib: lib.is_nonzero(lib.tensor([])), id="is_nonzero_empty"),
    pytest.param(lambda lib: lib.imag(lib.ones(2)), id="imag_real"),
    pytest.param(lambda lib: lib.ones(2).imag, id="imag_property"),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_have_torch_types(call, torch):
    _same_error(lambda: call(ds), lambda: call(torch))


def test_pieces_are_views_as_in_torch(torch):
    a = ds.arange(12.0).reshape(3, 4)
    for piece in (*ds.tensor_split(a, 3, 1), *a.hsplit(2), *a.vsplit([1]), *a.split_with_sizes([3, 1], 1)):
        assert np.shares_memory(piece.data, a.data)


@pytest.mark.parametrize(
    "name, args",
    [
        ("squeeze_", (0,)),
        ("unsqueeze_", (1,)),
        ("t_", ()),
        ("transpose_", (0, 1)),
        ("swapaxes_", (1, 0)),
        ("swapdims_", (0, -1)),
    ],
)
def test_in_place_shape_ops(name, args, torch):
    data = np.random.default_rng(0).standard_normal((1, 3))
    ours, theirs = ds.tensor(data), torch.tensor(data)
    assert getattr(ours, name)(*args) is ours
    getattr(theirs, name)(*args)
    assert ours.shape == tuple(theirs.shape) and ours._version == theirs._version
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    leaf, leaf_t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    _same_error(lambda: getattr(leaf, name)(*args), lambda: getattr(leaf_t, name)(*args))
    with ds.no_grad():
        getattr(leaf, name)(*args)
    with torch.no_grad():
        getattr(leaf_t, name)(*args)
    assert leaf.shape == tuple(leaf_t.shape) and leaf.requires_grad and leaf.is_leaf


def test_in_place_shape_ops_on_a_view_and_in_a_graph():
    base = ds.zeros(4, 3)
    view = base[1:]
    view.t_()
    assert view.shape == (3, 3) and base._version == view._version == 1
    view[0, 1] = 5.0  # writes through the transposed view into base
    assert base.data[2, 0] == 5.0
    y = ds.randn(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="out-of-place"):
        y.t_()


def test_vander_gradient_is_that_of_the_powers():
    """PyTorch 2.13's vander cannot backpropagate (an in-place op in its formula); deepstep's can."""
    x = np.array([0.0, 1.5, -2.0, 3.0])
    assert ds.gradcheck(lambda a: ds.vander(a, 5), x)
    assert ds.gradcheck(lambda a: ds.vander(a, increasing=True), x)
    v = ds.tensor(x, requires_grad=True)
    ds.vander(v, 4).sum().backward()
    np.testing.assert_allclose(v.grad.data, 1 + 2 * x + 3 * x**2)


def test_embedding_ops_cast_the_source_to_the_input_dtype(torch):
    base = np.zeros((3, 4), np.float32)
    source = np.ones(4)
    ours = ds.select_scatter(ds.tensor(base), ds.tensor(source), 0, 1)
    theirs = torch.select_scatter(torch.tensor(base), torch.tensor(source), 0, 1)
    assert ours.dtype == np.float32 and str(theirs.dtype) == "torch.float32"
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_put_and_fill_diagonal_in_place_follow_the_leaf_rule(torch):
    for call in (
        lambda lib, x: x.put_(lib.tensor([0]), lib.ones(1, dtype=x.dtype)),
        lambda lib, x: x.fill_diagonal_(1.0),
        lambda lib, x: x.index_reduce_(0, lib.tensor([0, 0]), lib.ones(2, 3, dtype=x.dtype), "amax"),
        lambda lib, x: x.tril_(),
    ):
        _same_error(
            lambda c=call: c(ds, ds.ones(3, 3, requires_grad=True)),
            lambda c=call: c(torch, torch.ones(3, 3, requires_grad=True)),
        )


def test_identities_of_complex_views_on_real_tensors(torch):
    x, t = ds.randn(3), torch.randn(3)
    for name in ("conj", "resolve_conj", "resolve_neg", "conj_physical"):
        assert getattr(ds, name)(x) is x and getattr(torch, name)(t) is t
        assert getattr(x, name)() is x
    assert ds.real(x) is x and x.real is x
    assert not x.is_conj() and not x.is_neg() and not ds.is_conj(x)
    assert ds.is_nonzero(ds.tensor([0.5])) and not ds.is_nonzero(ds.tensor(0))
    assert x.is_same_size(ds.zeros(3)) and not ds.is_same_size(x, ds.zeros(1, 3))
    z = ds.tensor(np.array([1 + 2j, 3 - 1j]))
    np.testing.assert_array_equal(ds.conj(z).data, [1 - 2j, 3 + 1j])
    np.testing.assert_array_equal(z.real.data, [1.0, 3.0])
    np.testing.assert_array_equal(ds.imag(z).data, [2.0, -1.0])


def test_new_empty_strided_has_the_strides(torch):
    t = ds.ones(2).new_empty_strided((2, 3), (1, 2))
    assert t.shape == (2, 3) and t.stride() == torch.ones(2).new_empty_strided((2, 3), (1, 2)).stride()
    assert t.dtype == np.float32


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 12), st.one_of(st.integers(1, 6), st.lists(st.integers(-14, 14), max_size=4)))
def test_tensor_split_equals_numpy_array_split(length, sections):
    a = np.arange(length)
    ours = [p.data for p in ds.tensor_split(ds.tensor(a), sections)]
    theirs = np.array_split(a, sections)
    assert len(ours) == len(theirs)
    for x, y in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(x, y)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.integers(0, 10_000))
def test_unravel_index_inverts_ravel(shape, seed):
    size = int(np.prod(shape))
    flat = np.random.default_rng(seed).integers(0, size, 7)
    coordinates = ds.unravel_index(ds.tensor(flat), tuple(shape))
    np.testing.assert_array_equal(np.ravel_multi_index([c.data for c in coordinates], shape), flat)
