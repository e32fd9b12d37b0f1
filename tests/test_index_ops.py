"""Indexing and the gather/scatter family against PyTorch: random index expressions for t[index] and
t[index] = v, exception types, in-place variants, integer dtypes, and the hand-written backwards held
to composed formulas."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd.ops_scatter import scatter_sum

# PyTorch's deprecation notices for the legacy forms it still takes (non-tuple sequences, reduce=)
pytestmark = pytest.mark.filterwarnings(
    "ignore:Using a non-tuple sequence:UserWarning", "ignore:The reduce argument:UserWarning"
)


def _for_torch(torch, index):
    """The same index for PyTorch: arrays and deepstep tensors become torch tensors."""
    if isinstance(index, ds.Tensor):
        return torch.from_numpy(index.numpy().copy())
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index.copy())
    if isinstance(index, tuple):
        return tuple(_for_torch(torch, i) for i in index)
    return index


def _shares_memory_torch(out, base) -> bool:
    return out.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()


# ----- random index expressions ------------------------------------------------------------------------
def _random_index(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
    """An index mixing every kind PyTorch takes: one entry per axis (integer, slice, list, tuple,
    array, tensor, 0-d array, or a mask over one or two axes; the integer arrays all broadcastable to
    one shape, a mask only alone), then an Ellipsis in place of a run of entries or the last entries
    left out, then None and bool scalars anywhere."""
    length = int(rng.integers(1, 4))
    broadcast = (length,) if rng.random() < 0.6 else (int(rng.integers(1, 3)), length)
    use_mask = rng.random() < 0.25
    entries: list = []
    dim = 0
    while dim < len(shape):
        size = shape[dim]
        kind = ["int", "slice", "list", "tuple", "array", "tensor", "0d", "mask"][int(rng.integers(8))]
        if kind == "int":
            entries.append(int(rng.integers(-size, size)))
        elif kind == "0d":
            entries.append(np.array(rng.integers(-size, size)))
        elif kind == "slice":
            start = None if rng.random() < 0.3 else int(rng.integers(-size - 1, size + 2))
            entries.append(slice(start, int(rng.integers(-size - 1, size + 2)), int(rng.integers(1, 3))))
        elif use_mask:  # the one mask, over one or two axes
            k = int(rng.integers(1, min(len(shape) - dim, 2) + 1))
            mask = rng.random(shape[dim : dim + k]) < 0.5
            entries.append(mask if rng.random() < 0.5 else ds.tensor(mask))
            use_mask, dim = None, dim + k - 1
        elif use_mask is False:  # integer arrays: repeats and negatives included
            values = rng.integers(-size, size, broadcast[-1:] if kind in ("list", "tuple") else broadcast)
            if kind == "list":
                entries.append(values.tolist())
            elif kind == "tuple":
                entries.append(tuple(int(v) for v in values))
            elif kind == "array":
                entries.append(values)
            else:
                entries.append(ds.tensor(values.astype(np.int64 if rng.random() < 0.5 else np.int32)))
        else:
            entries.append(slice(None))
        dim += 1
    cut = int(rng.integers(0, len(entries) + 1))
    if rng.random() < 0.4:
        entries[cut : cut + int(rng.integers(0, 3))] = [Ellipsis]
    else:
        entries = entries[:cut]
    advanced = any(isinstance(e, (list, tuple, ds.Tensor)) or np.ndim(e) > 0 for e in entries)
    for _ in range(int(rng.integers(0, 3))):
        extra = None if rng.random() < 0.5 else bool(advanced or rng.random() < 0.7)
        entries.insert(int(rng.integers(0, len(entries) + 1)), extra)
        advanced = advanced or extra is not None
    return tuple(entries)


def _picks_each_element_once(torch, shape, index) -> bool:
    ids = torch.arange(int(np.prod(shape))).reshape(shape)[_for_torch(torch, index)]
    return ids.unique().numel() == ids.numel()


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (3, 2, 4, 2)])
def test_random_getitem_equals_torch(shape, torch):
    rng = np.random.default_rng(len(shape))
    base = rng.standard_normal(shape)
    for _ in range(150):
        index = _random_index(rng, shape)
        x, tx = ds.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
        ref = tx[_for_torch(torch, index)]
        out = x[index]
        assert out.shape == tuple(ref.shape), index
        np.testing.assert_array_equal(out.numpy(), ref.detach().numpy(), err_msg=str(index))
        if ref.numel():
            assert np.shares_memory(out.numpy(), x.numpy()) == _shares_memory_torch(ref, tx), index
        upstream = rng.standard_normal(ref.shape)
        out.backward(upstream)
        ref.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, err_msg=str(index))


def _value_shape(rng, shape):
    """A value that broadcasts to `shape` as PyTorch allows: the shape itself, a suffix of it,
    with leading axes of length 1, or a number."""
    choice = rng.integers(4)
    if choice == 0:
        return shape
    if choice == 1:
        return shape[int(rng.integers(0, len(shape) + 1)) :]
    if choice == 2:
        return (1, 1, *shape)
    return None


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_random_setitem_equals_torch(shape, torch):
    rng = np.random.default_rng(10 + len(shape))
    base, weight = rng.standard_normal(shape), rng.standard_normal(shape)
    done = 0
    while done < 100:
        index = _random_index(rng, shape)
        if not _picks_each_element_once(torch, shape, index):
            continue  # PyTorch leaves the result of a repeated write undefined
        done += 1
        indexed = tuple(torch.zeros(shape)[_for_torch(torch, index)].shape)
        value_shape = _value_shape(rng, indexed)
        value = 2.5 if value_shape is None else rng.standard_normal(value_shape)
        results = []
        for lib, convert in ((ds, lambda i: i), (torch, lambda i: _for_torch(torch, i))):
            x = lib.tensor(base, requires_grad=True)
            v = value if value_shape is None else lib.tensor(value, requires_grad=True)
            y = x * 1
            y[convert(index)] = v
            (y * lib.tensor(weight)).sum().backward()
            results.append((y, x.grad, None if value_shape is None else v.grad))
        (y, gx, gv), (ty, tgx, tgv) = results
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy(), err_msg=str(index))
        np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-12, err_msg=str(index))
        if gv is not None:
            assert gv.shape == tuple(tgv.shape)
            np.testing.assert_allclose(gv.numpy(), tgv.numpy(), rtol=1e-12, atol=1e-12, err_msg=str(index))


# ----- the cases of the issue, and PyTorch's reading of odd indices ---------------------------------
def test_integers_are_applied_before_advanced_indices(torch):
    x = ds.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x[0, :, [0, 1]].shape == (3, 2) == tuple(torch.zeros(2, 3, 4)[0, :, [0, 1]].shape)
    np.testing.assert_array_equal(x[0, :, [0, 1]].numpy(), x.numpy()[0][:, [0, 1]])


def test_a_repeated_tuple_index_adds_up_its_gradients(torch):
    x = ds.ones(3, 4, requires_grad=True)
    x[:, (1, 1)].sum().backward()
    tx = torch.ones(3, 4, requires_grad=True)
    tx[:, (1, 1)].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert x.grad.numpy()[0, 1] == 2


@pytest.mark.parametrize(
    "index",
    [
        [[0, 2], [1, 3]],  # a list of lists is a tuple (PyTorch's legacy rule, still in 2.13)
        [slice(None), [0, 0]],
        [[0, 1]] * 40,  # … but not from 32 entries on
        [1, True],
        np.array([[0, 1], [2, 0]]),
        [0.7, 2.2],  # Python floats are truncated, as PyTorch does
        np.array([True, False, True], dtype=np.uint8),  # uint8 is a mask
        (Ellipsis, None, Ellipsis),  # PyTorch takes several Ellipsis
        (Ellipsis, 1, Ellipsis),
        (np.array(True),),
        (np.array(0, dtype=np.uint8),),
        False,
        (),
        Ellipsis,
    ],
    ids=str,
)
def test_odd_indices_read_as_torch_reads_them(index, torch):
    base = np.arange(12.0).reshape(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = torch.tensor(base)[_for_torch(torch, index)]
    out = ds.tensor(base)[index]
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_indexing_a_0d_tensor(torch):
    for index in (Ellipsis, None, True, (None, None), ()):
        assert ds.tensor(3.0)[index].shape == tuple(torch.tensor(3.0)[index].shape)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        ds.tensor(3.0)[0]


def test_tensor_indices_from_deepstep(torch):
    x = ds.tensor(np.arange(12.0).reshape(3, 4))
    rows = ds.tensor([2, 0, 2], dtype=ds.int32)
    np.testing.assert_array_equal(x[rows, ds.tensor(1)].numpy(), [9.0, 1.0, 9.0])
    np.testing.assert_array_equal(x[x > 5].numpy(), np.arange(6.0, 12.0))
    assert np.shares_memory(x[ds.tensor(1)].numpy(), x.numpy())  # a 0-d integer tensor selects


@pytest.mark.parametrize(
    "index",
    [
        5,
        -4,
        (0, 9),
        (slice(None, None, -1),),
        (slice(None, None, 0),),
        1.5,
        (0, 0, 0),
        [5],
        (slice(None), [-5]),
        (np.array([True, False]),),
        ([0, 1], [0, 1, 2]),
        (Ellipsis, 0, 0, 0),
        "a",
    ],
    ids=str,
)
def test_bad_indices_raise_torch_exception_types(index, torch):
    x, tx = ds.zeros(3, 4), torch.zeros(3, 4)
    with pytest.raises(Exception) as expected:  # whatever PyTorch raises …
        tx[_for_torch(torch, index)]
    with pytest.raises(type(expected.value)):  # … deepstep raises too
        x[index]
    with pytest.raises(Exception) as expected:
        tx[_for_torch(torch, index)] = 1.0
    with pytest.raises(type(expected.value)):
        x[index] = 1.0


def test_float_and_small_int_tensors_cannot_index(torch):
    for dtype in ("float32", "int16", "int8"):
        with pytest.raises(IndexError):
            torch.zeros(3)[torch.tensor([0], dtype=getattr(torch, dtype))]
        with pytest.raises(IndexError, match="long, int, byte or bool"):
            ds.zeros(3)[ds.tensor(np.array([0], dtype=dtype))]


# ----- t[index] = v -------------------------------------------------------------------------------------
def test_setitem_value_checks_as_torch(torch):
    for lib in (ds, torch):
        x = lib.zeros(3, 4)
        with pytest.raises(RuntimeError, match="dtypes match"):
            x[[0, 1]] = lib.ones(4, dtype=lib.float64)  # advanced: the dtypes must agree
        x[0] = lib.ones(4, dtype=lib.float64)  # basic: copied with a cast
        x[[0, 1]] = 2  # a number takes the tensor's dtype
        with pytest.raises(RuntimeError):
            x[[0, 1]] = lib.ones(3)
        with pytest.raises(RuntimeError):
            x[0] = lib.ones(3)
    x = ds.zeros(3, 4)
    x[1] = np.arange(4.0)  # deepstep also takes arrays (PyTorch refuses them)
    assert x.numpy()[1].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_setitem_with_a_repeated_index_keeps_the_last_write_and_its_gradient():
    # PyTorch leaves the value undefined and sends every repeated write the gradient; deepstep
    # writes in order, so only the last write reaches the result, and only it gets a gradient.
    rng = np.random.default_rng(0)

    def write(a, v):
        out = a * 1
        out[[1, 0, 1]] = v
        return out

    assert ds.gradcheck(write, rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))
    assert ds.gradcheck(write, rng.standard_normal((3, 4)), rng.standard_normal(()))
    out = write(ds.zeros(3, 2), ds.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]))
    assert out.numpy()[1].tolist() == [3.0, 3.0]


def test_setitem_on_a_leaf_in_grad_mode_raises(torch):
    for lib in (ds, torch):
        w = lib.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            w[[0, 1]] = 1.0


# ----- index_put ------------------------------------------------------------------------------------------
def test_index_put_accumulates_repeats_and_checks_as_torch(torch):
    rows = np.array([0, 2, 0, 0])
    for accumulate in (False, True):
        ours = ds.zeros(3, 2).index_put_((ds.tensor(rows),), ds.tensor(1.0), accumulate=accumulate)
        ref = torch.zeros(3, 2).index_put_(
            (torch.from_numpy(rows),), torch.tensor(1.0), accumulate=accumulate
        )
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    ints = ds.zeros(4, dtype=ds.int64).index_put(
        (ds.tensor([1, 1, 3]),), ds.tensor([5, 6, 7]), accumulate=True
    )
    assert ints.numpy().tolist() == [0, 11, 0, 7] and ints.dtype == np.int64
    for lib in (ds, torch):
        with pytest.raises(IndexError, match="too many indices"):
            lib.zeros(3, 2).index_put_((lib.tensor([0]),) * 3, lib.tensor(5.0))
        with pytest.raises(IndexError):
            lib.zeros(3, 2).index_put_((lib.tensor([0.0]),), lib.tensor(5.0))
        with pytest.raises(IndexError):
            lib.zeros(3, 2).index_put_((lib.tensor([3]),), lib.tensor(5.0))
        with pytest.raises(TypeError):
            lib.zeros(3, 2).index_put_(lib.tensor([0]), lib.tensor(5.0))
        with pytest.raises(RuntimeError, match="dtypes match"):
            lib.zeros(3).index_put_((lib.tensor([0]),), lib.tensor(1.0, dtype=lib.float64))


# ----- gather and scatter: hand-written backwards held to the composed formulas ------------------------
def test_gather_backward_is_a_scatter_add_and_scatter_add_backward_is_a_gather():
    rng = np.random.default_rng(3)
    a, src = rng.standard_normal((4, 5)), rng.standard_normal((6, 5))
    index = rng.integers(0, 4, (6, 5))
    upstream = rng.standard_normal((6, 5))
    x = ds.tensor(a, requires_grad=True)
    x.gather(0, index).backward(upstream)
    composed = ds.zeros(4, 5, dtype=ds.float64).scatter_add(0, index, ds.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), composed.numpy(), rtol=1e-12)
    s = ds.tensor(src, requires_grad=True)
    g = rng.standard_normal((4, 5))
    ds.tensor(a).scatter_add(0, index, s).backward(g)
    np.testing.assert_allclose(s.grad.numpy(), ds.tensor(g).gather(0, index).numpy(), rtol=1e-12)
    # index_select's backward is an index_add of the gradient into zeros
    rows = rng.integers(0, 4, 7)
    x = ds.tensor(a, requires_grad=True)
    up = rng.standard_normal((7, 5))
    x.index_select(0, rows).backward(up)
    composed = ds.zeros(4, 5, dtype=ds.float64).index_add(0, rows, ds.tensor(up))
    np.testing.assert_allclose(x.grad.numpy(), composed.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin", "mean", "sum"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_with_zeros_and_ties_equals_torch(reduce, include_self, torch):
    a = np.array([[0.0, 2.0, 3.0], [1.0, 0.0, 2.0]])
    src = np.array([[0.0, 2.0, 3.0], [0.0, 5.0, 2.0], [4.0, 0.0, 2.0]])  # zeros, and ties with a
    index = np.array([[0, 1, 0], [0, 1, 0], [1, 1, 0]])
    x, s = ds.tensor(a, requires_grad=True), ds.tensor(src, requires_grad=True)
    tx, ts = torch.tensor(a, requires_grad=True), torch.tensor(src, requires_grad=True)
    out = x.scatter_reduce(0, index, s, reduce, include_self=include_self)
    ref = tx.scatter_reduce(0, torch.from_numpy(index), ts, reduce, include_self=include_self)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    upstream = np.arange(1.0, 7.0).reshape(2, 3)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_and_bool_tensors_through_the_family(dtype, torch):
    rng = np.random.default_rng(4)
    a, src = rng.integers(-9, 10, (3, 4)), rng.integers(-9, 10, (2, 4))
    if dtype == "bool":
        a, src = a > 0, src > 0
    else:
        a, src = a.astype(dtype), src.astype(dtype)
    index, rows = np.array([[0, 0, 1, 2], [0, 2, 2, 2]]), np.array([2, 0, 2])
    mask = rng.random((3, 4)) > 0.5
    calls = [
        lambda L, x, s, i, r, m: x.gather(1, i[:, :3]),
        lambda L, x, s, i, r, m: x.scatter(0, i[:, :2], s[:, :2]),
        lambda L, x, s, i, r, m: x.scatter_add(0, i, s),
        lambda L, x, s, i, r, m: x.index_select(0, r),
        lambda L, x, s, i, r, m: x.take(r),
        lambda L, x, s, i, r, m: x.masked_fill(m, 1),
        lambda L, x, s, i, r, m: x.masked_select(m),
        lambda L, x, s, i, r, m: x[r, 1:],
        lambda L, x, s, i, r, m: x.nonzero(),
    ]
    if dtype != "bool":  # PyTorch has no bool reductions or index_add for these
        calls += [
            lambda L, x, s, i, r, m: x.scatter_reduce(0, i, s, "mean"),
            lambda L, x, s, i, r, m: x.scatter_reduce(0, i, s, "prod", include_self=False),
            lambda L, x, s, i, r, m: x.scatter_reduce(0, i, s, "amax", include_self=False),
            lambda L, x, s, i, r, m: x.index_add(0, r[:2], s),
        ]
    for call in calls:
        out = call(ds, ds.tensor(a), ds.tensor(src), index, rows, mask)
        t = torch.from_numpy
        ref = call(torch, t(a), t(src), t(index), t(rows), t(mask))
        assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_scatter_with_a_larger_src_uses_its_leading_block(torch):
    rng = np.random.default_rng(5)
    a, src = rng.standard_normal((3, 4)), rng.standard_normal((5, 5))
    index = np.array([[0, 1], [2, 0]])
    s = ds.tensor(src, requires_grad=True)
    out = ds.tensor(a).scatter(0, index, s)
    # PyTorch computes the same values, but its backward fails on a src larger than index
    ts = torch.tensor(src[:2, :2], requires_grad=True)
    ref = torch.tensor(a).scatter(0, torch.from_numpy(index), ts)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    upstream = rng.standard_normal((3, 4))
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(s.grad.numpy()[:2, :2], ts.grad.numpy())
    assert not s.grad.numpy()[2:].any() and not s.grad.numpy()[:, 2:].any()


def test_scatter_with_repeated_positions_keeps_the_last_write_and_gradchecks():
    rng = np.random.default_rng(6)
    index = np.array([[0, 1, 1], [0, 1, 0], [0, 0, 1]])
    a, src = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
    assert ds.gradcheck(lambda a, s: a.scatter(0, index, s), a, src)
    expected = a.copy()
    for i, j in np.ndindex(index.shape):  # the definition, written in order
        expected[index[i, j], j] = src[i, j]
    np.testing.assert_array_equal(ds.tensor(a).scatter(0, index, ds.tensor(src)).numpy(), expected)


def test_scatter_sum_paths_agree():
    rng = np.random.default_rng(7)
    positions = rng.integers(0, 20, 300)
    for values in (rng.standard_normal(300), rng.standard_normal((300, 5)).astype(np.float32)):
        fast, plain = scatter_sum(positions, values, 20), scatter_sum(positions, values, 20, use_scipy=False)
        assert fast.dtype == plain.dtype == values.dtype and fast.shape == plain.shape
        np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5)
    ints = rng.integers(-(2**40), 2**40, 300)
    expected = np.zeros(20, np.int64)
    np.add.at(expected, positions, ints)
    np.testing.assert_array_equal(scatter_sum(positions, ints, 20, use_scipy=False), expected)
    np.testing.assert_array_equal(scatter_sum(positions, ints, 20), expected)


# ----- the errors of the family, against PyTorch's exception types --------------------------------------
def _calls(lib):
    """Bad calls, one lambda each: (name, call) with the library's own tensors."""
    a = lib.zeros(3, 4)
    i = lib.tensor([[0, 1], [2, 0]])
    f64 = lib.ones(2, 2, dtype=lib.float64)
    return [
        ("gather_int16", lambda: a.gather(0, i.to(lib.int16))),
        ("gather_out_of_range", lambda: a.gather(0, i + 5)),
        ("gather_negative", lambda: a.gather(0, -i - 1)),
        ("gather_ndim", lambda: a.gather(0, i[0])),
        ("gather_too_large", lambda: a.gather(1, lib.zeros(4, 2, dtype=lib.int64))),
        ("gather_dim", lambda: a.gather(2, i)),
        ("scatter_dtype", lambda: a.scatter(0, i, f64)),
        ("scatter_small_src", lambda: a.scatter(0, i, lib.ones(1, 2))),
        ("scatter_out_of_range", lambda: a.scatter(0, i + 5, 1.0)),
        ("scatter_float_index", lambda: a.scatter(0, i.to(lib.float32), 1.0)),
        ("scatter_add_dtype", lambda: a.scatter_add(0, i, f64)),
        ("scatter_add_negative", lambda: a.scatter_add(0, -i - 1, lib.ones(2, 2))),
        ("scatter_reduce_name", lambda: a.scatter_reduce(0, i, lib.ones(2, 2), "add")),
        ("scatter_legacy_reduce", lambda: a.scatter(0, i, lib.ones(2, 2), reduce="max")),
        ("index_select_2d", lambda: a.index_select(0, lib.tensor([[0]]))),
        ("index_select_out_of_range", lambda: a.index_select(0, lib.tensor([3]))),
        ("index_select_negative", lambda: a.index_select(0, lib.tensor([-1]))),
        ("index_select_float", lambda: a.index_select(0, lib.tensor([0.0]))),
        ("index_add_shape", lambda: a.index_add(1, lib.tensor([0, 0]), lib.ones(2, 2))),
        ("index_add_count", lambda: a.index_add(1, lib.tensor([0, 0]), lib.ones(3, 3))),
        ("index_add_dtype", lambda: a.index_add(1, lib.tensor([0, 0]), lib.ones(3, 2, dtype=lib.float64))),
        ("index_add_out_of_range", lambda: a.index_add(1, lib.tensor([0, 4]), lib.ones(3, 2))),
        ("index_add_2d", lambda: a.index_add(1, lib.tensor([[0, 1]]), lib.ones(3, 2))),
        ("index_copy_int32", lambda: a.index_copy(1, lib.tensor([0, 1], dtype=lib.int32), lib.ones(3, 2))),
        ("index_copy_out_of_range", lambda: a.index_copy(1, lib.tensor([0, 5]), lib.ones(3, 2))),
        ("index_copy_dtype", lambda: a.index_copy(1, lib.tensor([0, 1]), lib.ones(3, 2, dtype=lib.float64))),
        ("index_fill_int32", lambda: a.index_fill(1, lib.tensor([0], dtype=lib.int32), 1.0)),
        ("index_fill_value_1d", lambda: a.index_fill(1, lib.tensor([0]), lib.ones(1))),
        ("index_fill_out_of_range", lambda: a.index_fill(1, lib.tensor([4]), 1.0)),
        ("index_fill_2d", lambda: a.index_fill(1, lib.tensor([[0, 1]]), 1.0)),
        ("take_int32", lambda: a.take(lib.tensor([0], dtype=lib.int32))),
        ("take_out_of_range", lambda: a.take(lib.tensor([12]))),
        ("take_along_dim_int32", lambda: a.take_along_dim(i.to(lib.int32), 0)),
        ("take_along_dim_ndim", lambda: a.take_along_dim(lib.tensor([0, 1]), 0)),
        ("take_along_dim_broadcast", lambda: a.take_along_dim(lib.tensor([[0, 1, 2, 3, 0]]), 0)),
        ("masked_fill_uint8", lambda: a.masked_fill(lib.ones(4, dtype=lib.uint8), 1.0)),
        ("masked_fill_value_1d", lambda: a.masked_fill(lib.ones(4, dtype=lib.bool), lib.ones(1))),
        ("masked_fill_shape", lambda: a.masked_fill(lib.ones(3, dtype=lib.bool), 1.0)),
        ("masked_fill__bigger_mask", lambda: a.masked_fill_(lib.ones(2, 3, 4, dtype=lib.bool), 1.0)),
        ("masked_select_float", lambda: a.masked_select(lib.ones(4))),
        ("masked_scatter_short", lambda: a.masked_scatter(lib.ones(4, dtype=lib.bool), lib.ones(3))),
        (
            "masked_scatter_dtype",
            lambda: a.masked_scatter(lib.ones(4, dtype=lib.bool), lib.ones(12, dtype=lib.int64)),
        ),
    ]


@pytest.mark.parametrize("number", range(len(_calls(ds))), ids=[name for name, _ in _calls(ds)])
def test_family_errors_have_torch_exception_types(number, torch):
    _, ours = _calls(ds)[number]
    _, theirs = _calls(torch)[number]
    with pytest.raises(Exception) as expected:  # whatever PyTorch raises …
        theirs()
    with pytest.raises(type(expected.value)):  # … deepstep raises too
        ours()


# ----- in place -----------------------------------------------------------------------------------------
_INPLACE = [
    ("scatter_", lambda lib, w: w.scatter_(0, lib.tensor([0, 2]), 1.0)),
    ("scatter_add_", lambda lib, w: w.scatter_add_(0, lib.tensor([0, 0]), lib.ones(2))),
    ("scatter_reduce_", lambda lib, w: w.scatter_reduce_(0, lib.tensor([0, 0]), lib.ones(2) * 3, "amax")),
    ("index_add_", lambda lib, w: w.index_add_(0, lib.tensor([1, 1]), lib.ones(2), alpha=2)),
    ("index_copy_", lambda lib, w: w.index_copy_(0, lib.tensor([2]), lib.ones(1) * 4)),
    ("index_fill_", lambda lib, w: w.index_fill_(0, lib.tensor([-1]), 5.0)),
    ("index_put_", lambda lib, w: w.index_put_((lib.tensor([1, 1]),), lib.tensor(2.0), accumulate=True)),
    ("masked_fill_", lambda lib, w: w.masked_fill_(lib.tensor([True, False, True]), -1.0)),
    ("masked_scatter_", lambda lib, w: w.masked_scatter_(lib.tensor([True, False, True]), lib.ones(3) * 6)),
]


@pytest.mark.parametrize("call", [c for _, c in _INPLACE], ids=[n for n, _ in _INPLACE])
def test_inplace_variants_as_torch(call, torch):
    for lib in (ds, torch):
        with pytest.raises(RuntimeError, match="leaf"):
            call(lib, lib.zeros(3, requires_grad=True))
    w, tw = ds.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    with ds.no_grad():
        result = call(ds, w)
    with torch.no_grad():
        call(torch, tw)
    assert result is w and w.is_leaf and w._version == 1
    np.testing.assert_array_equal(w.numpy(), tw.detach().numpy())
    # on a non-leaf the write is recorded: gradients flow to what was there and to the source
    rng = np.random.default_rng(8)
    base = rng.standard_normal(3)
    x, tx = ds.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True, dtype=torch.float32)
    y, ty = x.float() * 2, tx * 2
    call(ds, y)
    call(torch, ty)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_views_and_copies(torch):
    x = ds.zeros(3, 4)
    row, picked = x[1], x[[1]]
    row[0] = 5.0  # a basic index is a view: the write shows in x …
    picked[0, 1] = 7.0  # … an advanced one is a copy
    assert x.numpy()[1, 0] == 5.0 and x.numpy()[1, 1] == 0.0
    assert x._version == row._version == 1 and picked._version == 1


# ----- nonzero, masks, empties ---------------------------------------------------------------------------
def test_nonzero_forms_as_torch(torch):
    for data in (np.array(3.0), np.array(0.0), np.zeros((0, 3)), np.array([[0, 1], [2, 0]])):
        ref = torch.from_numpy(data)
        assert ds.nonzero(data).shape == tuple(torch.nonzero(ref).shape)
        assert ds.nonzero(data).dtype == np.int64 and ds.argwhere(data).shape == tuple(
            torch.argwhere(ref).shape
        )
        ours, theirs = ds.nonzero(data, as_tuple=True), torch.nonzero(ref, as_tuple=True)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
            assert o.dtype == np.int64


def test_masked_fill_value_gradient_and_dtype_as_torch(torch):
    mask = np.array([[True, False, True], [False, False, True]])
    for lib in (ds, torch):
        x = lib.ones(2, 3, requires_grad=True)
        v = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        out = x.masked_fill(lib.tensor(mask), v)
        assert str(out.dtype).removeprefix("torch.") == "float32"
        (out * 3).sum().backward()
        assert v.grad.item() == 9.0 and str(v.grad.dtype).removeprefix("torch.") == "float64"
    ints = ds.tensor([1, 2, 3]).masked_fill(np.array([True, False, True]), 2.7)
    assert ints.numpy().tolist() == [2, 2, 2] and ints.dtype == np.int64


def test_index_fill_value_gradient_counts_each_place_once(torch):
    grads = []
    for lib, index in ((ds, [0, 0, -1, 2]), (torch, [0, 0, 2])):  # PyTorch's backward fails on -1
        v = lib.tensor(2.0, requires_grad=True)
        lib.zeros(3).index_fill(0, lib.tensor(index), v).sum().backward()
        grads.append(v.grad.item())
    assert grads[0] == grads[1] == 2.0


def test_empty_tensors_and_indices(torch):
    empty = np.zeros((0, 3))
    x, tx = ds.tensor(empty, requires_grad=True), torch.tensor(empty, requires_grad=True)
    index = np.zeros((0, 3), np.int64)
    calls = [
        lambda a, i: a[i[:, 0]],
        lambda a, i: a.gather(0, i),
        lambda a, i: a.masked_select(a > 0),
        lambda a, i: a.index_select(1, i[:, 0]),
        lambda a, i: a.scatter_add(0, i, a),
        lambda a, i: a.take(i),
    ]
    for call in calls:
        out = call(x, index)
        ref = call(tx, torch.from_numpy(index))
        assert out.shape == tuple(ref.shape)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
