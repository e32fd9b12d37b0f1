"""Tensor methods and torch.* functions PyTorch code uses, against PyTorch: as_strided and its in-place
and scatter forms, narrow_copy, the unsafe_ splits, Tensor.new, nonzero_static; cholesky_solve,
cholesky_inverse, triangular_solve, lu, lu_solve, lu_unpack; igamma and igammac; the questions about
layout and device; resize_, apply_, map_, map2_; and register_post_accumulate_grad_hook."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import deepstep as ds
from torch_oracle import same_error as _same_error


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation warnings for lu and triangular_solve
        yield


def _close(ours, theirs, atol=1e-12):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs, atol=atol, rtol=1e-10)


def _grads_agree(torch, rng, ours_fn, theirs_fn, *arrays, atol=1e-10):
    """Same values, and the same gradients of Σ w·f for a random w, in float64."""
    xs = [ds.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = ours_fn(*xs), theirs_fn(*ts)
    _close(ours, theirs, atol)
    w = rng.standard_normal(tuple(theirs.shape))
    (ours * ds.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=1e-8)


# ----- as_strided --------------------------------------------------------------------------------
STRIDED = [
    ((6,), (2, 2), (1, 2), 1),
    ((6,), (3, 3), (1, 1), 0),  # overlapping windows
    ((2, 3), (3, 2), (1, 3), None),  # the transpose, by strides
    ((4, 5), (2, 2, 2), (5, 1, 2), 3),
    ((6,), (0,), (1,), 100),  # empty: any offset
    ((3,), (2, 3), (0, 1), None),  # a zero stride repeats
]


@pytest.mark.parametrize(("shape", "size", "stride", "offset"), STRIDED)
def test_as_strided_values_and_gradients(torch, rng, shape, size, stride, offset):
    a = rng.standard_normal(shape)
    _grads_agree(
        torch,
        rng,
        lambda x: x.as_strided(size, stride, offset),
        lambda x: x.as_strided(size, stride, offset),
        a,
    )
    assert (
        ds.tensor(a).as_strided(size, stride, offset).stride()
        == torch.tensor(a).as_strided(size, stride, offset).stride()
    )


def test_as_strided_of_views_counts_from_the_storage(torch, rng):
    a = rng.standard_normal((4, 5))
    for view in (lambda x: x[1:], lambda x: x.t(), lambda x: x[:, 2:], lambda x: x.expand(2, 4, 5)):
        ours, theirs = view(ds.tensor(a)), view(torch.tensor(a))
        _close(ours.as_strided((3, 2), (2, 1)), theirs.as_strided((3, 2), (2, 1)))
        _close(ds.as_strided(ours, (2,), (3,), 4), torch.as_strided(theirs, (2,), (3,), 4))
    # through the graph: the gradient of an op's output, and of an expanded input (divided per copy)
    _grads_agree(
        torch,
        rng,
        lambda x: (x * 2).t().as_strided((2, 3), (1, 2)),
        lambda x: (x * 2).t().as_strided((2, 3), (1, 2)),
        a,
    )
    _grads_agree(
        torch,
        rng,
        lambda x: x.expand(3, 5).as_strided((2, 2), (1, 1)),
        lambda x: x.expand(3, 5).as_strided((2, 2), (1, 1)),
        a[0],
    )


def test_as_strided_view_written_in_place(torch):
    grads = []
    for lib in (ds, torch):
        x = lib.arange(6.0, dtype=lib.float64).requires_grad_()
        y = x * 1
        y.as_strided((2,), (2,), 1).mul_(3)  # elements 1 and 3 of y's memory
        (y * lib.arange(6.0, dtype=lib.float64)).sum().backward()
        grads.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_as_strided_gradcheck(rng):
    x = ds.tensor(rng.standard_normal(8), requires_grad=True)
    assert ds.gradcheck(lambda t: t.as_strided((3, 3), (2, 1), 1), (x,))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: t.as_strided((3, 3), (1, 1), 10),
        lambda lib, t: t.as_strided((3,), (-1,)),
        lambda lib, t: t.as_strided((3,), (1,), -1),
        lambda lib, t: t.as_strided((2, 2), (1,)),
        lambda lib, t: t.as_strided((-1,), (1,)),
    ],
)
def test_as_strided_errors(torch, call):
    _same_error(lambda: call(ds, ds.arange(6.0)), lambda: call(torch, torch.arange(6.0)))


def test_as_strided_in_place(torch):
    ours, theirs = ds.arange(6.0), torch.arange(6.0)
    assert ours.as_strided_((2, 2), (2, 1), 1) is ours
    theirs.as_strided_((2, 2), (2, 1), 1)
    _close(ours, theirs)
    assert ours.stride() == theirs.stride() and ours.storage_offset() == theirs.storage_offset()
    _same_error(
        lambda: ds.ones(3, requires_grad=True).as_strided_((2,), (1,)),
        lambda: torch.ones(3, requires_grad=True).as_strided_((2,), (1,)),
    )
    # in the graph: the tensor becomes the view, and the gradient flows through it
    grads = []
    for lib in (ds, torch):
        x = lib.arange(6.0, dtype=lib.float64).requires_grad_()
        y = x * 2
        assert y.as_strided_((2, 2), (1, 2), 1) is y
        (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


@pytest.mark.parametrize(
    ("shape", "view", "size", "stride", "offset"),
    [
        ((6,), None, (2, 2), (1, 1), None),
        ((6,), "tail", (2,), (1,), 2),  # the offset counts from input's start in its storage
        ((6,), "tail", (2,), (1,), None),
        ((2, 3), "t", (2,), (1,), None),
        ((3, 4), None, (2, 2), (4, 1), 5),
    ],
)
def test_as_strided_scatter(torch, rng, shape, view, size, stride, offset):
    a, src = rng.standard_normal(shape), rng.standard_normal(size)

    def pick(x):
        return x[1:] if view == "tail" else x.t() if view == "t" else x

    ours = ds.as_strided_scatter(pick(ds.tensor(a)), ds.tensor(src), size, stride, offset)
    _close(ours, torch.as_strided_scatter(pick(torch.tensor(a)), torch.tensor(src), size, stride, offset))
    # ∂/∂src as PyTorch's on a contiguous input. PyTorch's other gradients are not the derivative (its
    # own gradcheck fails on them): ∂/∂input passes the gradient at the overwritten places and zeros
    # elsewhere, and ∂/∂src reads the places from the gradient laid out row-major from offset 0,
    # though forward wrote them in input's layout from input's offset; so those are checked numerically.
    x, s = ds.tensor(np.ascontiguousarray(a), requires_grad=True), ds.tensor(src, requires_grad=True)
    t = torch.tensor(src, requires_grad=True)
    w = rng.standard_normal(tuple(ours.shape))
    (ds.as_strided_scatter(pick(x), s, size, stride, offset) * ds.tensor(w)).sum().backward()
    (
        torch.as_strided_scatter(pick(torch.tensor(a)), t, size, stride, offset) * torch.tensor(w)
    ).sum().backward()
    if view is None:
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy())
    if stride != (1, 1):  # src's elements overlap there: only the last write counts
        assert ds.gradcheck(lambda x, s: ds.as_strided_scatter(pick(x), s, size, stride, offset), (x, s))
    _same_error(
        lambda: ds.zeros(6).as_strided_scatter(ds.ones(3), (2,), (1,)),
        lambda: torch.zeros(6).as_strided_scatter(torch.ones(3), (2,), (1,)),
    )
    _same_error(
        lambda: ds.zeros(6).as_strided_scatter(ds.ones(2), (2,), (1,), 5),
        lambda: torch.zeros(6).as_strided_scatter(torch.ones(2), (2,), (1,), 5),
    )


# ----- copies, splits and the legacy constructor ---------------------------------------------------
def test_narrow_copy_and_unsafe_splits(torch, rng):
    a = rng.standard_normal((4, 6))
    _grads_agree(torch, rng, lambda x: x.narrow_copy(1, 2, 3), lambda x: x.narrow_copy(1, 2, 3), a)
    _grads_agree(
        torch, rng, lambda x: ds.narrow_copy(x.t(), 1, 1, 2), lambda x: torch.narrow_copy(x.t(), 1, 1, 2), a
    )
    ours = ds.tensor(a).t().narrow_copy(1, 0, 1)
    assert ours.is_contiguous() and ours.stride() == (1, 1)
    for name, args in (
        ("unsafe_chunk", (4, 1)),
        ("unsafe_split", (4, 1)),
        ("unsafe_split_with_sizes", ([1, 3], 0)),
    ):
        x, t = ds.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        ours, theirs = getattr(x, name)(*args), getattr(t, name)(*args)
        assert len(ours) == len(theirs)
        for o, th in zip(ours, theirs, strict=True):
            _close(o, th)
        (ours[-1] * 3).sum().backward()
        (theirs[-1] * 3).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
        assert len(getattr(ds, name)(ds.tensor(a), *args)) == len(
            getattr(torch, name)(torch.tensor(a), *args)
        )


@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
def test_new(torch, dtype):
    ours, theirs = ds.zeros(2, dtype=getattr(ds, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
    for args in ((2, 3), ([1.5, 2.0],), ((2, 3),), ()):
        o, t = ours.new(*args), theirs.new(*args)
        assert tuple(o.shape) == tuple(t.shape) and str(o.dtype) == str(t.dtype)[6:]
        if args and isinstance(args[0], (list, tuple)):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    assert tuple(ours.new(ours.shape).shape) == tuple(theirs.new(theirs.shape).shape) == (2,)
    assert tuple(ours.new(np.int64(3)).shape) == (3,)
    _same_error(lambda: ours.new(2.5), lambda: theirs.new(2.5))
    _same_error(lambda: ours.new(-1), lambda: theirs.new(-1))
    _same_error(lambda: ours.new(2, "a"), lambda: theirs.new(2, "a"))


def test_new_of_a_tensor_is_an_alias(torch):
    x = ds.arange(3.0, requires_grad=True)
    alias = ds.ones(2).new(x)
    assert alias.requires_grad and alias.data_ptr() == x.data_ptr()
    (alias * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])
    _same_error(lambda: ds.ones(2).new(ds.tensor([1, 2])), lambda: torch.ones(2).new(torch.tensor([1, 2])))


@pytest.mark.parametrize(
    ("data", "size", "fill"),
    [
        ([0, 1, 0, 2], 3, -1),
        ([0, 1, 0, 2], 1, 7),
        ([[0, 1], [3, 0]], 4, -5),
        (3, 2, -1),
        (0, 2, -1),
        ([0.0, 1.0], 0, 9),
    ],
)
def test_nonzero_static(torch, data, size, fill):
    _close(
        ds.tensor(data).nonzero_static(size=size, fill_value=fill),
        torch.tensor(data).nonzero_static(size=size, fill_value=fill),
    )
    _close(ds.nonzero_static(ds.tensor(data), size=size), torch.nonzero_static(torch.tensor(data), size=size))
    _same_error(
        lambda: ds.tensor(data).nonzero_static(size=-1), lambda: torch.tensor(data).nonzero_static(size=-1)
    )


def test_hardshrink_and_prelu_methods(torch, rng):
    a = rng.standard_normal((2, 3, 4))
    _grads_agree(torch, rng, lambda x: x.hardshrink(0.7), lambda x: x.hardshrink(0.7), a)
    _grads_agree(torch, rng, lambda x, w: x.prelu(w), lambda x, w: x.prelu(w), a, np.array([0.1, -0.2, 0.3]))


# ----- linear systems through factors ----------------------------------------------------------------
def _lower(rng, shape):
    n = shape[-1]
    return np.tril(rng.standard_normal(shape)) + 3 * np.eye(n)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(torch, rng, upper):
    low = _lower(rng, (2, 3, 3))
    low_garbage = low + np.triu(rng.standard_normal((3, 3)), 1)  # the other triangle is not read
    b = rng.standard_normal((4, 1, 3, 2))
    factor = np.swapaxes(low_garbage, -1, -2) if upper else low_garbage
    _grads_agree(
        torch,
        rng,
        lambda x, f: ds.cholesky_solve(x, f, upper),
        lambda x, f: torch.cholesky_solve(x, f, upper),
        b,
        factor,
    )
    _grads_agree(torch, rng, lambda f: f.cholesky_inverse(upper), lambda f: f.cholesky_inverse(upper), factor)
    x = ds.tensor(b[0, 0], requires_grad=True)
    f = ds.tensor(low[0], requires_grad=True)
    # PyTorch's gradient is for the whole factor as given, though only its triangle is read: a
    # numerical check sees it through tril, which keeps the triangle's part
    assert ds.gradcheck(lambda x, f: ds.cholesky_solve(x, f.tril()), (x, f))
    assert ds.gradcheck(lambda f: ds.cholesky_inverse(f.triu(), upper=True), (f,))
    single = ds.cholesky_solve(ds.tensor(b[0, 0], dtype=ds.float32), ds.tensor(low[0], dtype=ds.float32))
    assert single.dtype == ds.float32
    _same_error(
        lambda: ds.cholesky_solve(ds.ones(3, 2), ds.ones(2, 2)),
        lambda: torch.cholesky_solve(torch.ones(3, 2), torch.ones(2, 2)),
    )
    _same_error(
        lambda: ds.cholesky_solve(ds.ones(2, 2), ds.eye(2, dtype=ds.float64)),
        lambda: torch.cholesky_solve(torch.ones(2, 2), torch.eye(2, dtype=torch.float64)),
    )
    _same_error(lambda: ds.cholesky_inverse(ds.ones(2, 3)), lambda: torch.cholesky_inverse(torch.ones(2, 3)))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_triangular_solve(torch, rng, upper, transpose, unitriangular):
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((3, 4))

    def ours(x, m):
        solution, coefficient = x.triangular_solve(m, upper, transpose, unitriangular)
        return solution + coefficient.sum() * 0.5

    def theirs(x, m):
        solution, coefficient = x.triangular_solve(m, upper, transpose, unitriangular)
        return solution + coefficient.sum() * 0.5

    _grads_agree(torch, rng, ours, theirs, b, a)
    result = ds.triangular_solve(ds.tensor(b), ds.tensor(a[0]), upper)
    assert result.solution is result[0] and result.cloned_coefficient is result[1]


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (2, 3, 5), (3, 5, 2), (1, 1)])
def test_lu_and_unpack(torch, rng, shape):
    a = rng.standard_normal(shape)
    ours, theirs = ds.tensor(a).lu(get_infos=True), torch.tensor(a).lu(get_infos=True)
    _close(ours[0], theirs[0])
    for o, t in zip(ours[1:], theirs[1:], strict=True):
        assert o.dtype == ds.int32
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    _grads_agree(torch, rng, lambda x: x.lu()[0], lambda x: x.lu()[0], a)
    for o, t in zip(ds.lu_unpack(*ours[:2]), torch.lu_unpack(*theirs[:2]), strict=True):
        _close(o, t)
    for flags in ((False, True), (True, False)):
        for o, t in zip(ds.lu_unpack(*ours[:2], *flags), torch.lu_unpack(*theirs[:2], *flags), strict=True):
            assert tuple(o.shape) == tuple(t.shape)
    # L and U are differentiable in the packed factors
    _grads_agree(
        torch,
        rng,
        lambda p: ds.lu_unpack(p, ours[1])[1] @ ds.lu_unpack(p, ours[1])[2],
        lambda p: torch.lu_unpack(p, theirs[1])[1] @ torch.lu_unpack(p, theirs[1])[2],
        theirs[0].numpy(),
    )


def test_lu_gradcheck_and_edge_cases(torch, rng):
    for shape in ((3, 3), (2, 4), (4, 2)):
        x = ds.tensor(rng.standard_normal(shape), requires_grad=True)
        assert ds.gradcheck(lambda t: ds.lu(t)[0], (x,))
    singular = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 0.0]])
    for a in (np.zeros((3, 3)), singular):
        ours, theirs = ds.lu(ds.tensor(a), get_infos=True), torch.lu(torch.tensor(a), get_infos=True)
        _close(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        np.testing.assert_array_equal(ours[2].numpy(), theirs[2].numpy())
    _same_error(lambda: ds.lu(ds.ones(3, 3), pivot=False), lambda: torch.lu(torch.ones(3, 3), pivot=False))
    _same_error(lambda: ds.lu(ds.ones(3)), lambda: torch.lu(torch.ones(3)))
    _same_error(
        lambda: ds.lu(ds.ones(3, 3, dtype=ds.int64)), lambda: torch.lu(torch.ones(3, 3, dtype=torch.int64))
    )


def test_lu_solve(torch, rng):
    a = rng.standard_normal((2, 4, 4))
    b = rng.standard_normal((3, 1, 4, 2))
    packed, pivots = torch.linalg.lu_factor(torch.tensor(a))
    ours_pivots = ds.tensor(pivots.numpy())
    _grads_agree(
        torch,
        rng,
        lambda x, p: x.lu_solve(p, ours_pivots),
        lambda x, p: x.lu_solve(p, pivots),
        b,
        packed.numpy(),
    )
    x = ds.tensor(b[0, 0], requires_grad=True)
    p = ds.tensor(np.ascontiguousarray(packed.numpy()[0]), requires_grad=True)
    assert ds.gradcheck(lambda x, p: ds.lu_solve(x, p, ours_pivots[0]), (x, p))
    _same_error(
        lambda: ds.lu_solve(
            ds.tensor(b), ds.tensor(packed.numpy()), ds.tensor(pivots.numpy().astype(np.int64))
        ),
        lambda: torch.lu_solve(torch.tensor(b), packed, pivots.long()),
    )
    _same_error(
        lambda: ds.lu_solve(ds.ones(3, 1, dtype=ds.float64), ds.tensor(packed.numpy()), ours_pivots),
        lambda: torch.lu_solve(torch.ones(3, 1, dtype=torch.float64), packed, pivots),
    )


# ----- the incomplete gamma functions ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_and_igammac(torch, rng, name):
    a = np.array([0.0, -1.0, 1.0, np.inf, 0.5, 3.0, 2.5])
    x = np.array([0.0, 1.0, 0.0, 1.0, 2.0, 0.7, np.inf])
    _close(
        getattr(ds, name)(ds.tensor(a), ds.tensor(x)),
        getattr(torch, name)(torch.tensor(a), torch.tensor(x)),
    )
    # broadcasting and float32
    a32, x32 = rng.uniform(0.1, 5, (3, 1)).astype(np.float32), rng.uniform(0, 6, 4).astype(np.float32)
    _close(
        getattr(ds.tensor(a32), name)(ds.tensor(x32)),
        getattr(torch.tensor(a32), name)(torch.tensor(x32)),
        atol=1e-6,
    )
    # ∂/∂x, and none with respect to a
    av, xv = rng.uniform(0.5, 4, 5), rng.uniform(0.2, 5, 5)
    _grads_agree(
        torch,
        rng,
        lambda x: getattr(ds, name)(ds.tensor(av), x),
        lambda x: getattr(torch, name)(torch.tensor(av), x),
        xv,
    )
    xt = ds.tensor(xv, requires_grad=True)
    assert ds.gradcheck(lambda x: getattr(ds, name)(ds.tensor(av), x), (xt,))
    _same_error(
        lambda: getattr(ds, name)(ds.tensor(av, requires_grad=True), ds.tensor(xv)).sum().backward(),
        lambda: getattr(torch, name)(torch.tensor(av, requires_grad=True), torch.tensor(xv)).sum().backward(),
    )
    _same_error(
        lambda: getattr(ds, name)(ds.tensor([1, 2]), ds.tensor([1, 2])),
        lambda: getattr(torch, name)(torch.tensor([1, 2]), torch.tensor([1, 2])),
    )
    _same_error(
        lambda: getattr(ds, name)(ds.tensor([1.0]), 2.0),
        lambda: getattr(torch, name)(torch.tensor([1.0]), 2.0),
    )
    ours, theirs = ds.tensor(av), torch.tensor(av)
    assert getattr(ours, name + "_")(ds.tensor(xv)) is ours
    getattr(theirs, name + "_")(torch.tensor(xv))
    _close(ours, theirs)


# ----- questions about memory and place ---------------------------------------------------------------
def test_layout_device_and_flags(torch, rng):
    a = rng.standard_normal((2, 3, 4))
    ours, theirs = ds.tensor(a), torch.tensor(a)
    assert repr(ours.layout) == "deepstep.strided" and ours.layout is ds.strided
    assert ours.get_device() == theirs.get_device() == -1
    assert ours.is_pinned() is theirs.is_pinned() is False
    _same_error(lambda: ours.pin_memory(), lambda: theirs.pin_memory())
    flags = "is_sparse is_sparse_csr is_quantized is_meta is_mkldnn is_nested"
    for flag in (flags + " is_xpu is_mps is_ipu is_xla is_vulkan is_maia is_mtia").split():
        assert getattr(ours, flag) is getattr(theirs, flag) is False, flag
    assert ours.is_inference() is theirs.is_inference() is False
    assert ds.is_inference(ours) is False
    assert ds.tensor(1.0).dim_order() == ()


DIM_ORDER_VIEWS = [
    lambda lib: lib.ones(2, 3, 4),
    lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1),
    lambda lib: lib.ones(2, 3, 4).transpose(0, 1),
    lambda lib: lib.ones(2, 3, 4)[:, 1],
    lambda lib: lib.ones(2, 1, 3),
    lambda lib: lib.ones(2, 3)[:, :1],
    lambda lib: lib.ones(1, 3).t(),
    lambda lib: lib.ones(2, 3).expand(4, 2, 3),
    lambda lib: lib.ones(2, 1),
    lambda lib: lib.ones(3, 3).t(),
    lambda lib: lib.ones(2, 3, 4, 5).permute(0, 2, 3, 1),
    lambda lib: lib.ones(4, 5, 3, 2).permute(3, 2, 0, 1),
    lambda lib: lib.ones(2, 6)[:, ::2],
    lambda lib: lib.ones(0, 3).t(),
]


@pytest.mark.parametrize("make", DIM_ORDER_VIEWS)
def test_dim_order(torch, make):
    ours, theirs = make(ds), make(torch)
    assert ours.dim_order() == theirs.dim_order()
    if not ours.numel():  # NumPy gives an empty array zero strides, PyTorch row-major ones
        return
    try:
        expected = theirs.dim_order(ambiguity_check=True)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            ours.dim_order(ambiguity_check=True)
    else:
        assert ours.dim_order(ambiguity_check=True) == expected
    _same_error(lambda: ours.dim_order(ambiguity_check=1), lambda: theirs.dim_order(ambiguity_check=1))


def test_resize(torch):
    ours, theirs = ds.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    for shape in ((3, 2), (2,), (4,), (1, 6), (2, 3)):
        assert ours.resize_(*shape) is ours
        theirs.resize_(*shape)
        _close(ours, theirs)  # shrinking keeps the memory: growing back finds the old elements
    assert ours.stride() == theirs.stride()
    grown_ours, grown_theirs = ds.arange(4.0).resize_(3, 3), torch.arange(4.0).resize_(3, 3)
    np.testing.assert_array_equal(grown_ours.numpy().ravel()[:4], grown_theirs.numpy().ravel()[:4])
    assert grown_ours.stride() == grown_theirs.stride()
    view_ours, view_theirs = ds.arange(8.0)[2:], torch.arange(8.0)[2:]
    _close(view_ours.resize_(2, 2), view_theirs.resize_(2, 2))
    _close(ds.ones(2).resize_as_(ds.ones(3, 1))[:2], torch.ones(2).resize_as_(torch.ones(3, 1))[:2])
    _close(ds.resize_as_(ds.ones(4), ds.ones(2, 2)), torch.resize_as_(torch.ones(4), torch.ones(2, 2)))
    _same_error(
        lambda: ds.ones(2, requires_grad=True).resize_(3),
        lambda: torch.ones(2, requires_grad=True).resize_(3),
    )
    _same_error(
        lambda: ds.ones(2, requires_grad=True).resize_(2),
        lambda: torch.ones(2, requires_grad=True).resize_(2),
    )
    _same_error(lambda: ds.ones(2).resize_(-1), lambda: torch.ones(2).resize_(-1))


def test_apply_and_map(torch):
    cases = [
        (lambda lib: lib.arange(4.0).apply_(lambda v: v * 2)),
        (lambda lib: lib.arange(4).apply_(lambda v: v + 0.7)),
        (lambda lib: lib.arange(4.0).map_(lib.ones(4), lambda u, v: u + v)),
        (lambda lib: lib.arange(4.0).map_(lib.ones(1) * 3, lambda u, v: u * v)),
        (
            lambda lib: (
                lib.arange(4.0)
                .reshape(2, 2)
                .map2_(lib.ones(2), lib.ones(2, 1) * 3, lambda u, v, w: u + v * w)
            )
        ),
    ]
    for case in cases:
        _close(case(ds), case(torch))


@pytest.mark.parametrize(
    "error",
    [
        lambda lib: lib.arange(4.0).requires_grad_().apply_(lambda v: v),
        lambda lib: lib.arange(4.0).map_(lib.ones(2, 4), lambda u, v: u),
        lambda lib: lib.arange(4).map_(lib.ones(4), lambda u, v: u),
        lambda lib: lib.arange(4.0).map_(lib.ones(4, dtype=lib.float64), lambda u, v: u),
        lambda lib: lib.arange(4).apply_(lambda u: "a"),
    ],
)
def test_apply_and_map_errors(torch, error):
    _same_error(lambda: error(ds), lambda: error(torch))


def test_post_accumulate_grad_hook(torch, rng):
    a = rng.standard_normal(3)
    seen = {}
    for lib in (ds, torch):
        x = lib.tensor(a, requires_grad=True)
        calls = seen[lib.__name__] = []
        handle = x.register_post_accumulate_grad_hook(
            lambda p, calls=calls: calls.append(p.grad.numpy().copy())
        )
        (x * 2).sum().backward()
        (x * x).sum().backward()
        handle.remove()
        (x * 3).sum().backward()
        # backward(inputs=...) accumulates too; autograd.grad stores nothing, so calls nothing
        handle = x.register_post_accumulate_grad_hook(
            lambda p, calls=calls: calls.append(p.grad.numpy().copy())
        )
        (x * 5).sum().backward(inputs=[x])
        lib.autograd.grad((x * 7).sum(), [x])
    assert len(seen["deepstep"]) == len(seen["torch"]) == 3
    for ours, theirs in zip(seen["deepstep"], seen["torch"], strict=True):
        np.testing.assert_allclose(ours, theirs)
    _same_error(
        lambda: ds.ones(2).register_post_accumulate_grad_hook(print),
        lambda: torch.ones(2).register_post_accumulate_grad_hook(print),
    )
    _same_error(
        lambda: (ds.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print),
        lambda: (torch.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print),
    )


# ----- histograms with edges ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("bins", "kwargs"),
    [
        (7, {}),
        (5, {"range": (-1.0, 0.5)}),
        (4, {"density": True}),
        (6, {"weight": True}),
        (3, {"weight": True, "density": True, "range": (-2.0, 2.0)}),
        ("edges", {}),
        ("edges", {"weight": True, "density": True}),
    ],
)
def test_histogram(torch, rng, dtype, bins, kwargs):
    x = rng.standard_normal((4, 25)).astype(dtype)
    x[0, :3] = x[1, 0]  # repeated values, and some on the edges
    kwargs = dict(kwargs)
    ours_kw, theirs_kw = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        w = rng.uniform(0, 2, x.shape).astype(dtype)
        ours_kw["weight"], theirs_kw["weight"] = ds.tensor(w), torch.tensor(w)
    ours_bins = theirs_bins = bins
    if bins == "edges":
        edges = np.sort(rng.standard_normal(5)).astype(dtype)
        ours_bins, theirs_bins = ds.tensor(edges), torch.tensor(edges)
    ours = ds.tensor(x).histogram(ours_bins, **ours_kw)
    theirs = torch.tensor(x).histogram(theirs_bins, **theirs_kw)
    atol = 1e-5 if dtype == "float32" else 1e-12  # weighted sums, added in another order
    _close(ours.hist, theirs.hist, atol)
    _close(ours.bin_edges, theirs.bin_edges, 0)
    _close(ds.histogram(ds.tensor(x), ours_bins, **ours_kw)[0], theirs[0], atol)


def test_histogram_edge_cases(torch):
    for data, bins, kwargs in (
        ([3.0, 3.0, 3.0], 4, {}),
        ([], 4, {}),
        ([1.0, 2.0], 2, {"range": (1.0, 1.0)}),
        ([1.0, 5.0, -3.0], 2, {"range": (0.0, 4.0)}),
    ):
        ours = ds.histogram(ds.tensor(data, dtype=ds.float32), bins, **kwargs)
        theirs = torch.histogram(torch.tensor(data, dtype=torch.float32), bins, **kwargs)
        _close(ours.hist, theirs.hist, 0)
        _close(ours.bin_edges, theirs.bin_edges, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.histogram(lib.tensor([1, 2]), 2),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 0),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), [0.0, 1.0, 2.0]),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 2, range=(3.0, 1.0)),
        lambda lib: lib.histogram(lib.tensor([1.0, float("nan")]), 2),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 2, range=(0.0, 1.0, 2.0)),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), lib.tensor([0.0, 1.0, 2.0], dtype=lib.float64)),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), lib.tensor([[0.0, 1.0, 2.0]])),
        lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), lib.tensor([0.0])),
        lambda lib: lib.histogramdd(lib.tensor([1.0, 2.0]), 2),
        lambda lib: lib.histogramdd(lib.ones(3, 2), [2]),
        lambda lib: lib.histogramdd(lib.ones(3, 2), 2, range=[0.0, 1.0]),
        lambda lib: lib.histogramdd(lib.ones(3, 2), 2, weight=lib.ones(2)),
    ],
)
def test_histogram_errors(torch, call):
    _same_error(lambda: call(ds), lambda: call(torch))


@pytest.mark.parametrize(
    ("bins", "kwargs"),
    [
        (3, {}),
        ([2, 3, 4], {"range": [-1.0, 1.0, -2.0, 0.0, 0.0, 2.0]}),
        ([4, 2, 3], {"weight": True, "density": True}),
        ("edges", {"weight": True}),
    ],
)
def test_histogramdd(torch, rng, bins, kwargs):
    x = rng.standard_normal((2, 20, 3)).astype(np.float32)
    ours_kw, theirs_kw = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        w = rng.uniform(0, 2, x.shape[:-1]).astype(np.float32)
        ours_kw["weight"], theirs_kw["weight"] = ds.tensor(w), torch.tensor(w)
    ours_bins = theirs_bins = bins
    if bins == "edges":
        edges = [np.sort(rng.standard_normal(n)).astype(np.float32) for n in (3, 4, 5)]
        ours_bins, theirs_bins = [ds.tensor(e) for e in edges], [torch.tensor(e) for e in edges]
    ours = ds.histogramdd(ds.tensor(x), ours_bins, **ours_kw)
    theirs = torch.histogramdd(torch.tensor(x), theirs_bins, **theirs_kw)
    _close(ours.hist, theirs.hist, 1e-5)
    assert len(ours.bin_edges) == len(theirs.bin_edges)
    for o, t in zip(ours.bin_edges, theirs.bin_edges, strict=True):
        _close(o, t, 0)


def test_set_(torch):
    for make in (
        lambda lib, t, s: t.set_(s),
        lambda lib, t, s: t.set_(),
        lambda lib, t, s: t.set_(s, 1, (2, 2), (2, 1)),
        lambda lib, t, s: t.set_(s, 2, (2, 2)),
        lambda lib, t, s: t.set_(s[2:]),
        lambda lib, t, s: t.set_(s.reshape(2, 3).t()),
    ):
        src_ours, src_theirs = ds.arange(6.0), torch.arange(6.0)
        ours, theirs = ds.zeros(2), torch.zeros(2)
        assert make(ds, ours, src_ours) is ours
        make(torch, theirs, src_theirs)
        _close(ours, theirs)
        if ours.numel():  # (NumPy gives an empty array zero strides)
            assert ours.stride() == theirs.stride() and ours.storage_offset() == theirs.storage_offset()
            ours.fill_(7.0)  # the memory is shared: a write shows in the source
            theirs.fill_(7.0)
            _close(src_ours, src_theirs)
    _same_error(
        lambda: ds.zeros(2, requires_grad=True).set_(ds.ones(2)),
        lambda: torch.zeros(2, requires_grad=True).set_(torch.ones(2)),
    )
    _same_error(lambda: ds.zeros(2).set_(ds.arange(3)), lambda: torch.zeros(2).set_(torch.arange(3)))


def _complex_grads_agree(torch, rng, ours_fn, theirs_fn, *arrays):
    """Complex inputs: the same values, and the gradients of Re Σ w·f (PyTorch's convention)."""
    xs = [ds.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = ours_fn(*xs), theirs_fn(*ts)
    _close(ours, theirs, 1e-12)
    w = rng.standard_normal(tuple(theirs.shape)) + 1j * rng.standard_normal(tuple(theirs.shape))
    (ours * ds.tensor(w)).real.sum().backward()
    (theirs * torch.tensor(w)).real.sum().backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10)


def _complex(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize("upper", [False, True])
def test_complex_cholesky_systems(torch, rng, upper):
    # a Cholesky factor has a real positive diagonal (LAPACK's potri reads only its real part)
    low = np.tril(_complex(rng, 3, 3), -1) + np.diag(rng.uniform(1, 3, 3))
    factor = low.conj().T if upper else low
    b = _complex(rng, 3, 2)
    _complex_grads_agree(
        torch,
        rng,
        lambda x, f: ds.cholesky_solve(x, f, upper),
        lambda x, f: torch.cholesky_solve(x, f, upper),
        b,
        factor,
    )
    _complex_grads_agree(
        torch,
        rng,
        lambda f: ds.cholesky_inverse(f, upper),
        lambda f: torch.cholesky_inverse(f, upper),
        factor,
    )


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("transpose", [False, True])
def test_complex_triangular_solve(torch, rng, upper, transpose):
    b, a = _complex(rng, 3, 2), _complex(rng, 3, 3) + 3 * np.eye(3)
    _complex_grads_agree(
        torch,
        rng,
        lambda x, m: ds.triangular_solve(x, m, upper, transpose)[0],
        lambda x, m: torch.triangular_solve(x, m, upper, transpose)[0],
        b,
        a,
    )


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_complex_lu_and_lu_solve(torch, rng, shape):
    _complex_grads_agree(torch, rng, lambda m: ds.lu(m)[0], lambda m: torch.lu(m)[0], _complex(rng, *shape))
    a = _complex(rng, 3, 3)
    packed, pivots = torch.linalg.lu_factor(torch.tensor(a))
    _complex_grads_agree(
        torch,
        rng,
        lambda x, p: ds.lu_solve(x, p, ds.tensor(pivots.numpy())),
        lambda x, p: torch.lu_solve(x, p, pivots),
        _complex(rng, 3, 2),
        np.ascontiguousarray(packed.numpy()),
    )


SINGULAR = [
    [[0.0, 0.0], [1.0, 1.0]],
    [[1.0, 0.0], [1.0, 0.0]],
    [[0.0, 1.0], [0.0, 0.0]],
    [[2.0, 1.0], [0.0, 0.0]],
    [[math.inf, 0.0], [1.0, 1.0]],
    [[1.0, math.nan], [0.0, 1.0]],
]


@pytest.mark.parametrize("a", SINGULAR)
@pytest.mark.parametrize(
    "b", [[[1.0], [1.0]], [[0.0], [1.0]], [[1.0], [0.0]], [[0.0], [0.0]], [[math.inf], [1.0]]]
)
def test_singular_systems_give_torchs_inf_and_nan(torch, a, b):
    def same(ours, theirs):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())  # nan where nan, inf where inf

    for upper in (True, False):
        for transpose in (False, True):
            same(
                ds.triangular_solve(ds.tensor(b), ds.tensor(a), upper, transpose)[0],
                torch.triangular_solve(torch.tensor(b), torch.tensor(a), upper, transpose)[0],
            )
        same(
            ds.cholesky_solve(ds.tensor(b), ds.tensor(a), upper),
            torch.cholesky_solve(torch.tensor(b), torch.tensor(a), upper),
        )
    packed, pivots, _ = torch.linalg.lu_factor_ex(torch.tensor(a))
    same(
        ds.lu_solve(ds.tensor(b), ds.tensor(packed.numpy()), ds.tensor(pivots.numpy())),
        torch.lu_solve(torch.tensor(b), packed, pivots),
    )


def test_cholesky_inverse_of_a_singular_factor(torch):
    factor = [[[1.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]]]
    error = _same_error(
        lambda: ds.cholesky_inverse(ds.tensor(factor)), lambda: torch.cholesky_inverse(torch.tensor(factor))
    )
    assert isinstance(error, ds.linalg.LinAlgError) and "(Batch element 1)" in str(error)
