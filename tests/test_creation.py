"""Creation functions against torch: dtype inference, fills, ranges, index grids, one_hot, memory
sharing (from_numpy, as_tensor), devices and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F


def name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def assert_same(ours, theirs, exact: bool = True) -> None:
    """Equal (or, with exact=False, within float32 rounding) values, and equal dtype and shape."""
    assert name(ours.dtype) == name(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    if exact:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    else:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-7, atol=1e-7)


def raises_as_torch(torch_call, our_call) -> None:
    with pytest.raises(Exception) as theirs:
        torch_call()
    expected = RuntimeError if theirs.type is NotImplementedError else theirs.type
    with pytest.raises(expected):
        our_call()


# ----- from data -----------------------------------------------------------------------------------
DATA = [
    [1.0, 2.0],
    [1, 2],
    [True, False],
    [1, 2.5],
    [True, 1],
    [1 + 2j],
    3.5,
    7,
    True,
    (1, 2),
    [],
    [[]],
    [[1.0, 2.0], [3.0, 4.0]],
]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtypes_as_pytorch(data, torch):
    assert_same(ds.tensor(data), torch.tensor(data))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: [np.float64(1.0), 2.0],
        lambda m: [np.int32(1), 2],
        lambda m: [np.float16(1.0), 2.0],
        lambda m: [np.float16(1.0), 2],
        lambda m: [np.float32(1.0), 2.0],
        lambda m: np.float64(1.5),
        lambda m: np.int32(3),
        lambda m: [m.tensor(1.0), 2.0],
        lambda m: [m.tensor(1.0, dtype=m.float64), 2.0],
        lambda m: [m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)],
        lambda m: [np.array([1.0, 2.0], dtype=np.float32), np.array([1, 2])],
        lambda m: np.arange(6, dtype=np.int16).reshape(2, 3),
        lambda m: np.ones((2, 2), dtype=np.float64),
    ],
)
def test_tensor_infers_dtypes_of_numpy_data_and_tensors(make, torch):
    assert_same(ds.tensor(make(ds)), torch.tensor(make(torch)))


def test_tensor_with_dtype_and_default_dtype(torch):
    assert_same(ds.tensor([1.7, -2.2], dtype=ds.int64), torch.tensor([1.7, -2.2], dtype=torch.int64))
    assert_same(ds.tensor([1, 0, 2], dtype=ds.bool), torch.tensor([1, 0, 2], dtype=torch.bool))
    try:
        ds.set_default_dtype(np.float64)
        torch.set_default_dtype(torch.float64)
        for data in ([1.0], [1, 2.5], [1j], [np.float32(1.0), 2.0]):
            assert_same(ds.tensor(data), torch.tensor(data))
    finally:
        ds.set_default_dtype(np.float32)
        torch.set_default_dtype(torch.float32)


def test_tensor_copies_and_detaches(torch):
    source = ds.ones(2, requires_grad=True)
    copy = ds.tensor(source)
    assert not copy.requires_grad and not np.shares_memory(copy.numpy(), source.numpy())
    assert ds.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("data", [[[1, 2], [3]], "a", [object()]], ids=repr)
def test_tensor_refuses_what_pytorch_refuses(data, torch):
    raises_as_torch(lambda: torch.tensor(data), lambda: ds.tensor(data))


def test_from_numpy_shares_memory(torch):
    array = np.arange(6.0).reshape(2, 3)
    x, t = ds.from_numpy(array), torch.from_numpy(array)
    assert_same(x, t)
    array[0, 0] = 10
    assert x[0, 0].item() == t[0, 0].item() == 10
    x.numpy()[1, 1] = -1
    assert array[1, 1] == -1
    for bad in ([1.0], np.array(["a"]), np.array([object()])):
        raises_as_torch(lambda bad=bad: torch.from_numpy(bad), lambda bad=bad: ds.from_numpy(bad))


def test_as_tensor_copies_only_when_it_must(torch):
    array = np.arange(3.0)
    assert np.shares_memory(ds.as_tensor(array).numpy(), array)
    assert np.shares_memory(ds.as_tensor(array, dtype=np.float64).numpy(), array)
    assert not np.shares_memory(ds.as_tensor(array, dtype=np.float32).numpy(), array)
    x = ds.ones(2, requires_grad=True)
    assert ds.as_tensor(x) is x
    y = ds.as_tensor(x, dtype=np.float64)
    assert y.dtype == np.float64 and y.requires_grad  # converted within the graph, as torch.as_tensor
    for data in ([1, 2], [1.0], np.arange(3, dtype=np.int16)):
        assert_same(ds.as_tensor(data), torch.as_tensor(data))


# ----- filled ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["zeros", "ones"])
@pytest.mark.parametrize("shape", [(2, 3), ((2, 3),), ([4],), ((),), (0, 2)], ids=repr)
def test_zeros_ones(fn, shape, torch):
    assert_same(getattr(ds, fn)(*shape), getattr(torch, fn)(*shape))
    assert_same(getattr(ds, fn)(*shape, dtype=ds.int32), getattr(torch, fn)(*shape, dtype=torch.int32))


def test_size_keyword_empty_and_device(torch):
    assert_same(ds.zeros(size=(2, 3)), torch.zeros(size=(2, 3)))
    for make in (ds.zeros, ds.ones, ds.empty):
        x = make(2, 3, device="cpu", requires_grad=True)
        assert x.shape == (2, 3) and x.dtype == np.float32 and x.requires_grad
        assert make(2, device=ds.device("cpu")).shape == (2,)
    empty, torch_empty = ds.empty(3, dtype=ds.float64), torch.empty(3, dtype=torch.float64)
    assert empty.shape == tuple(torch_empty.shape) and name(empty.dtype) == name(torch_empty.dtype)


@pytest.mark.parametrize("shape", [(-1,), (2, 3.0)], ids=repr)
def test_bad_shapes(shape, torch):
    raises_as_torch(lambda: torch.zeros(*shape), lambda: ds.zeros(*shape))


@pytest.mark.parametrize("fill", [1, True, 1.5, 1 + 1j, np.float64(1.5), np.int32(2)], ids=repr)
def test_full_takes_its_dtype_from_the_fill_value(fill, torch):
    assert_same(ds.full((2, 3), fill), torch.full((2, 3), fill))
    assert_same(ds.full((2,), fill, dtype=ds.complex128), torch.full((2,), fill, dtype=torch.complex128))
    if isinstance(fill, complex):
        raises_as_torch(
            lambda: torch.full((2,), fill, dtype=torch.float64), lambda: ds.full((2,), fill, dtype=ds.float64)
        )
    else:
        assert_same(ds.full((2,), fill, dtype=ds.float64), torch.full((2,), fill, dtype=torch.float64))


def test_full_with_tensor_fill_values(torch):
    for make in (lambda m: m.tensor(1.5, dtype=m.float64), lambda m: m.tensor(2)):
        assert_same(ds.full((2,), make(ds)), torch.full((2,), make(torch)))
    assert_same(ds.full((2,), 1.5, dtype=ds.int64), torch.full((2,), 1.5, dtype=torch.int64))


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32", "bool"])
def test_like_functions_keep_dtype_and_shape(dtype, torch):
    x, t = ds.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, dtype))
    for fn in ("zeros_like", "ones_like"):
        assert_same(getattr(ds, fn)(x), getattr(torch, fn)(t))
        assert_same(getattr(ds, fn)(x, dtype=ds.float16), getattr(torch, fn)(t, dtype=torch.float16))
    assert_same(ds.full_like(x, 3), torch.full_like(t, 3))
    assert_same(ds.full_like(x, 0.7, dtype=ds.float32), torch.full_like(t, 0.7, dtype=torch.float32))
    empty, torch_empty = ds.empty_like(x), torch.empty_like(t)
    assert empty.shape == tuple(torch_empty.shape) and name(empty.dtype) == name(torch_empty.dtype)
    assert ds.zeros_like(ds.zeros(2), requires_grad=True).requires_grad


def test_like_functions_keep_the_memory_layout():
    x = ds.zeros(3, 4).t()
    assert ds.zeros_like(x).stride() == x.stride() == (1, 4)


# ----- ranges ---------------------------------------------------------------------------------------
ARANGES = [
    (5,),
    (0.0, 5),
    (0, 5, 0.5),
    (1, 2.5, 0.5),
    (-0.5, 3, 1.0),
    (10, 0, -3),
    (0, 1, 0.1),
    (0, 1, 1 / 3),
    (-1.3, 2.7, 0.37),
    (2, 2),
    (0, 10, 3),
]


@pytest.mark.parametrize("args", ARANGES, ids=repr)
def test_arange(args, torch):
    # values within an ulp: PyTorch's vectorised kernel rounds some of start + i·step differently
    assert_same(ds.arange(*args), torch.arange(*args), exact=False)
    ours, theirs = ds.arange(*args, dtype=ds.float64), torch.arange(*args, dtype=torch.float64)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=3e-16, atol=3e-16)


@pytest.mark.parametrize("args", [(0, 5, 1.5), (0.5, 5.7, 1), (0, 5.5), (-3.7, 4.2, 2)], ids=repr)
def test_arange_with_an_integer_dtype_truncates_the_arguments(args, torch):
    for dtype in ("int64", "int32"):
        assert_same(ds.arange(*args, dtype=dtype), torch.arange(*args, dtype=getattr(torch, dtype)))


def test_arange_with_tensor_bounds(torch):
    assert_same(ds.arange(ds.tensor(5)), torch.arange(torch.tensor(5)))
    assert_same(
        ds.arange(ds.tensor(2.5, dtype=np.float64)), torch.arange(torch.tensor(2.5, dtype=torch.float64))
    )
    assert_same(ds.arange(np.float64(2.5)), torch.arange(np.float64(2.5)))
    assert ds.arange(3, requires_grad=None or False).dtype == np.int64


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.arange(0, 5, 0),
        lambda m: m.arange(5, 0, 1),
        lambda m: m.arange(0, 5, 0.5, dtype=m.int64),
        lambda m: m.arange(1, 4, dtype=m.bool),
    ],
)
def test_arange_errors(call, torch):
    raises_as_torch(lambda: call(torch), lambda: call(ds))


@pytest.mark.parametrize(
    "args",
    [(0, 1, 5), (-3, 10, 7), (2.5, -1.5, 6), (0, 1, 1), (0, 1, 0), (-1e3, 1e3, 101), (0.1, 0.7, 11)],
    ids=repr,
)
def test_linspace(args, torch):
    for dtype in ("float32", "float64", "float16", "int64", "int32"):
        ours, theirs = ds.linspace(*args, dtype=dtype), torch.linspace(*args, dtype=getattr(torch, dtype))
        assert_same(ours, theirs)
    assert_same(ds.linspace(*args), torch.linspace(*args))


def test_linspace_special_cases(torch):
    assert_same(ds.linspace(0.5, 9.7, 5, dtype=ds.int64), torch.linspace(0.5, 9.7, 5, dtype=torch.int64))
    assert_same(ds.linspace(-2.7, 9.7, 5, dtype=ds.int64), torch.linspace(-2.7, 9.7, 5, dtype=torch.int64))
    assert_same(ds.linspace(0, 1 + 1j, 3), torch.linspace(0, 1 + 1j, 3))
    assert_same(
        ds.linspace(ds.tensor(0.0), ds.tensor(2.0), 3),
        torch.linspace(torch.tensor(0.0), torch.tensor(2.0), 3),
    )
    raises_as_torch(lambda: torch.linspace(0, 1, -1), lambda: ds.linspace(0, 1, -1))
    raises_as_torch(lambda: torch.linspace(0, 1), lambda: ds.linspace(0, 1))


@pytest.mark.parametrize("args", [(0, 3, 4), (-1, 1, 5), (0.5, 2.3, 4), (2, -2, 7), (0, 1, 1)], ids=repr)
@pytest.mark.parametrize("base", [10.0, 2, 3.0])
def test_logspace(args, base, torch):
    for dtype in ("float32", "float64"):
        ours = ds.logspace(*args, base=base, dtype=dtype)
        theirs = torch.logspace(*args, base=base, dtype=getattr(torch, dtype))
        assert name(ours.dtype) == name(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert_same(
        ds.logspace(*args, base=base, dtype=ds.int64), torch.logspace(*args, base=base, dtype=torch.int64)
    )
    assert name(ds.logspace(*args).dtype) == name(torch.logspace(*args).dtype)


# ----- grids ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (3, 0)], ids=repr)
def test_eye(args, torch):
    assert_same(ds.eye(*args), torch.eye(*args))
    assert_same(ds.eye(*args, dtype=ds.bool), torch.eye(*args, dtype=torch.bool))
    assert_same(ds.eye(*args, dtype=ds.int64), torch.eye(*args, dtype=torch.int64))


def test_eye_errors(torch):
    raises_as_torch(lambda: torch.eye(-1), lambda: ds.eye(-1))
    raises_as_torch(lambda: torch.eye(2, -1), lambda: ds.eye(2, -1))


@pytest.mark.parametrize("fn", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize(
    "args", [(3, 3), (3, 4, 1), (4, 3, -1), (5, 2, -3), (0, 3), (3, 3, 5), (3, 3, -5)], ids=repr
)
def test_triangle_indices(fn, args, torch):
    assert_same(getattr(ds, fn)(*args), getattr(torch, fn)(*args))
    assert_same(getattr(ds, fn)(*args, dtype=ds.int32), getattr(torch, fn)(*args, dtype=torch.int32))


def test_triangle_indices_errors(torch):
    raises_as_torch(lambda: torch.tril_indices(-1, 3), lambda: ds.tril_indices(-1, 3))
    raises_as_torch(
        lambda: torch.tril_indices(3, 3, dtype=torch.float32), lambda: ds.tril_indices(3, 3, dtype=ds.float32)
    )


# ----- one_hot --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "labels, num_classes",
    [([1, 0, 3], -1), ([[1, 0], [2, 2]], -1), ([1, 0, 3], 6), (2, 3), (np.zeros((0, 2), np.int64), 3)],
    ids=repr,
)
def test_one_hot(labels, num_classes, torch):
    x, t = ds.tensor(labels), torch.tensor(labels)
    assert_same(F.one_hot(x, num_classes), torch.nn.functional.one_hot(t, num_classes))


@pytest.mark.parametrize(
    "labels, num_classes",
    [([1.0], -1), ([-1], -1), ([3], 2), (np.zeros(0, np.int64), -1), ([1, 2], 0)],
    ids=repr,
)
def test_one_hot_errors(labels, num_classes, torch):
    raises_as_torch(
        lambda: torch.nn.functional.one_hot(torch.tensor(labels), num_classes),
        lambda: F.one_hot(ds.tensor(labels), num_classes),
    )


# ----- float32 stays float32, and the default dtype is honoured ---------------------------------
def test_float_creations_follow_the_default_dtype():
    makers = [
        lambda: ds.tensor([1.0]),
        lambda: ds.zeros(2),
        lambda: ds.ones(2),
        lambda: ds.empty(2),
        lambda: ds.full((2,), 1.0),
        lambda: ds.arange(0.0, 1.0, 0.5),
        lambda: ds.linspace(0, 1, 3),
        lambda: ds.logspace(0, 1, 3),
        lambda: ds.eye(2),
    ]
    for make in makers:
        assert make().dtype == np.float32
    try:
        ds.set_default_dtype(np.float64)
        for make in makers:
            assert make().dtype == np.float64
    finally:
        ds.set_default_dtype(np.float32)
