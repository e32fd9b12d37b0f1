"""Comparisons, logical and bitwise ops against PyTorch: every pair of dtypes, nan and infinity,
shifts past the width, the exception types, the operators with their reflected and in-place
forms, and results that never join the graph."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deepstep as ds
from test_math_ops import DTYPES, _run, _sample, assert_same

COMPARISONS = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]


@pytest.mark.parametrize("name", COMPARISONS + LOGICAL + BITWISE)
def test_every_pair_of_dtypes_promotes_or_refuses_as_torch(name, torch):
    rng = np.random.default_rng(0)
    for left, right in itertools.product(DTYPES, DTYPES):
        for shapes in [((4,), (4,)), ((4,), ()), ((), (4,)), ((3, 1), (4,)), ((0, 4), (4,))]:
            a, b = _sample(left, shapes[0], rng), _sample(right, shapes[1], rng)
            assert_same(
                _run(lambda m, x, y: getattr(m, name)(x, y), ds, a, b),
                _run(lambda m, x, y: getattr(m, name)(x, y), torch, a, b),
            )
            method = lambda m, x, y: getattr(x, name)(y)  # noqa: E731
            assert_same(_run(method, ds, a, b), _run(method, torch, a, b))


@pytest.mark.parametrize("name", COMPARISONS + LOGICAL + BITWISE)
def test_numbers_on_either_side_promote_as_torch(name, torch):
    rng = np.random.default_rng(1)
    for dtype, number in itertools.product(DTYPES, [True, 0, 3, -1, 1.5, -0.5]):
        a = _sample(dtype, (5,), rng)
        if dtype == "uint8" and number == -1:
            continue  # the wrap-around of an out-of-range number: test_math_ops
        fn = lambda m, x, y: getattr(m, name)(x, y)  # noqa: E731
        theirs = _run(fn, torch, a, number)
        if not isinstance(theirs, TypeError):  # PyTorch's logical ops take no number: deepstep does
            assert_same(_run(fn, ds, a, number), theirs)


UNARY = [
    "isnan",
    "isinf",
    "isposinf",
    "isneginf",
    "isfinite",
    "isreal",
    "signbit",
    "logical_not",
    "bitwise_not",
]


@pytest.mark.parametrize("name", UNARY)
def test_tests_of_one_tensor_as_torch(name, torch):
    rng = np.random.default_rng(2)
    special = np.array([-np.inf, -1.5, -0.0, 0.0, 2.0, np.inf, np.nan])
    for dtype in DTYPES:
        for a in (
            _sample(dtype, (6,), rng),
            _sample(dtype, (), rng),
            special.astype(dtype) if "float" in dtype else None,
        ):
            if a is None:
                continue
            assert_same(
                _run(lambda m, x: getattr(m, name)(x), ds, a),
                _run(lambda m, x: getattr(m, name)(x), torch, a),
            )
            if name != "isposinf" and name != "isneginf":
                assert_same(
                    _run(lambda m, x: getattr(x, name)(), ds, a),
                    _run(lambda m, x: getattr(x, name)(), torch, a),
                )


def test_nan_is_unequal_to_everything_and_infinities_compare(torch):
    values = np.array([-np.inf, -1.0, 0.0, -0.0, 1.0, np.inf, np.nan])
    a, b = np.meshgrid(values, values)
    for op in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
        fn = lambda m, x, y, op=op: getattr(x, op)(y)  # noqa: E731
        assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))
    assert ds.tensor([np.nan]) != ds.tensor([np.nan])


def test_comparison_operators_with_what_is_not_a_number_act_as_torchs(torch):
    for lib in (ds, torch):
        t = lib.tensor([1.0, 2.0])
        assert (t == None) is False and (t != None) is True  # noqa: E711 - the operator is under test
        assert (t == "a") is False
        assert (t == [1.0, 2.0]) is False
        with pytest.raises(TypeError):
            t < None  # noqa: B015
        with pytest.raises(TypeError):
            t >= "a"  # noqa: B015
    np.testing.assert_array_equal((ds.tensor([1, 2]) == np.array([1, 3])).numpy(), [True, False])


def test_tensors_stay_hashable_by_identity():
    a, b = ds.tensor([1.0]), ds.tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_results_never_require_grad(torch):
    x = ds.tensor([0.5, -1.0], requires_grad=True)
    for out in (x > 0, x == x, ds.isnan(x), ds.isclose(x, x), ds.logical_not(x), ds.signbit(x), x.eq(0.5)):
        assert out.dtype == bool and not out.requires_grad and out.grad_fn is None
    for out in (torch.tensor([0.5], requires_grad=True) > 0,):
        assert not out.requires_grad


def test_equal_asks_for_the_same_shape_and_values(torch):
    cases = [
        (np.array([1.0, 2.0]), np.array([1, 2])),
        (np.array([1.0, 2.0]), np.array([1.0, 2.5])),
        (np.ones((2, 2)), np.ones(2)),
        (np.array([np.nan]), np.array([np.nan])),
        (np.zeros((0, 3)), np.zeros((0, 3))),
        (np.array(3), np.array(3.0)),
        (np.array([True, False]), np.array([1, 0])),
    ]
    for a, b in cases:
        ours = ds.equal(ds.tensor(a), ds.tensor(b))
        assert ours is torch.equal(torch.from_numpy(a), torch.from_numpy(b))
        assert ds.tensor(a).equal(ds.tensor(b)) is ours


def test_isclose_and_allclose_with_torchs_defaults_and_options(torch):
    a = np.array([1.0, 1.0, 1.0, 0.0, 0.0, np.inf, np.inf, -np.inf, np.nan, 1e10, 100.0])
    b = np.array([1.0, 1 + 1e-6, 1 + 1e-4, 1e-9, 1e-7, np.inf, -np.inf, -np.inf, np.nan, 1.00001e10, 100.5])
    for options in [
        {},
        {"equal_nan": True},
        {"rtol": 0, "atol": 0},
        {"rtol": 1e-2},
        {"atol": 1.0, "rtol": 0},
    ]:
        for dtype in ("float64", "float32", "float16"):
            with np.errstate(over="ignore"):  # 1e10 is inf in float16, as in PyTorch
                x, y = a.astype(dtype), b.astype(dtype)
            fn = lambda m, p, q, o=options: m.isclose(p, q, **o)  # noqa: E731
            assert_same(_run(fn, ds, x, y), _run(fn, torch, x, y))
            assert ds.allclose(ds.tensor(x), ds.tensor(y), **options) is torch.allclose(
                torch.from_numpy(x), torch.from_numpy(y), **options
            )
    ints = np.array([100, 101, -5, 0]), np.array([101, 100, -5, 1])
    for options in [{}, {"rtol": 0.01}, {"atol": 1}]:
        fn = lambda m, p, q, o=options: m.isclose(p, q, **o)  # noqa: E731
        assert_same(_run(fn, ds, *ints), _run(fn, torch, *ints))
    bools = np.array([True, False, True]), np.array([True, True, False])
    assert_same(
        _run(lambda m, p, q: m.isclose(p, q), ds, *bools),
        _run(lambda m, p, q: m.isclose(p, q), torch, *bools),
    )
    assert_same(
        _run(lambda m, p, q: m.isclose(p, q), ds, np.ones((2, 3)), np.ones(3)),
        _run(lambda m, p, q: m.isclose(p, q), torch, np.ones((2, 3)), np.ones(3)),
    )


def test_isclose_refuses_what_torch_refuses(torch):
    for fn in (
        lambda m: m.isclose(m.tensor([1]), m.tensor([1.0])),
        lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)),
        lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0]), rtol=-1),
        lambda m: m.allclose(m.tensor([1.0]), m.tensor([1.0]), atol=-1e-3),
        lambda m: m.isclose(m.ones(2, 3), m.ones(2)),
    ):
        with pytest.raises(Exception) as theirs:
            fn(torch)
        with pytest.raises(type(theirs.value)):
            fn(ds)
    assert ds.isclose(ds.tensor([1.0, 2.0]), 1.0).tolist() == [True, False]  # a number: deepstep only


def test_logical_ops_treat_nan_and_nonzero_numbers_as_true(torch):
    a = np.array([0.0, -0.0, 0.5, np.nan, np.inf, -2.0])
    b = np.array([0.0, 1.0, 0.0, 0.0, 3.0, np.nan])
    for name in LOGICAL:
        fn = lambda m, x, y, name=name: getattr(m, name)(x, y)  # noqa: E731
        assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))
    assert_same(_run(lambda m, x: m.logical_not(x), ds, a), _run(lambda m, x: m.logical_not(x), torch, a))


def test_shifts_past_the_width_and_by_negative_amounts_as_torch(torch):
    for dtype in ("uint8", "int8", "int16", "int32", "int64"):
        values = np.array([0, 1, 5, 100, 127] if dtype == "uint8" else [-128, -5, -1, 0, 1, 5, 127]).astype(
            dtype
        )
        amounts = np.array([0, 1, 3, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100]).astype(
            dtype if dtype != "int8" else "int64"
        )
        if dtype != "uint8":
            amounts = np.concatenate([amounts, -np.arange(1, 4)]).astype(amounts.dtype)
        a, b = np.meshgrid(values, amounts)
        for fn in (lambda m, x, y: x << y, lambda m, x, y: x >> y):
            assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))


def test_bitwise_on_bools_is_logic_and_refused_on_floats(torch):
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    for fn in (lambda m, x, y: x & y, lambda m, x, y: x | y, lambda m, x, y: x ^ y, lambda m, x, y: ~x):
        assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))
    refused = [
        lambda m: m.tensor([1.0]) & m.tensor([1.0]),
        lambda m: m.tensor([1]) | 1.5,
        lambda m: m.bitwise_xor(m.tensor([1.0]), m.tensor([1])),
        lambda m: m.bitwise_not(m.tensor([1.0])),
        lambda m: ~m.tensor([1.0]),  # the operator raises TypeError, bitwise_not NotImplementedError
        lambda m: m.tensor([1.0]) << 1,
        lambda m: m.tensor([True]) << m.tensor([True]),
        lambda m: m.tensor([True]).bitwise_and_(m.tensor([1])),
        lambda m: m.tensor([1.0]).bitwise_or_(m.tensor([1])),
        lambda m: m.ones(2, 3, dtype=m.int64) & m.ones(2, dtype=m.int64),
    ]
    for fn in refused:
        with pytest.raises(Exception) as theirs:
            fn(torch)
        with pytest.raises(type(theirs.value)):
            fn(ds)


def test_reflected_and_in_place_operators_as_torch(torch):
    results = []
    for lib in (ds, torch):
        x, m = lib.tensor([5, -3, 12, 0]), lib.tensor([True, False, True, False])
        reflected = [6 & x, 6 | x, 6 ^ x, 1 << (x & 7), 1024 >> (x & 7), True & m, False | m]
        identities = (id(x), id(m))
        x &= 14
        x |= 1
        x ^= 3
        x <<= 2
        x >>= 1
        m &= lib.tensor([True, True, False, False])
        m |= lib.tensor([False, False, False, True])
        m ^= True
        assert (id(x), id(m)) == identities
        results.append([t.numpy().copy() for t in (*reflected, x, m)])
    for ours, theirs in zip(*results, strict=True):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


IN_PLACE = {
    "eq_": lambda x, y: x.eq_(y),
    "ne_": lambda x, y: x.ne_(y),
    "lt_": lambda x, y: x.lt_(y),
    "le_": lambda x, y: x.le_(y),
    "gt_": lambda x, y: x.gt_(y),
    "ge_": lambda x, y: x.ge_(y),
    "greater_": lambda x, y: x.greater_(y),
    "not_equal_": lambda x, y: x.not_equal_(y),
    "logical_and_": lambda x, y: x.logical_and_(y),
    "logical_or_": lambda x, y: x.logical_or_(y),
    "logical_xor_": lambda x, y: x.logical_xor_(y),
    "logical_not_": lambda x, y: x.logical_not_(),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_results_take_the_tensors_dtype_as_torch(name, torch):
    rng = np.random.default_rng(3)
    for dtype, other in itertools.product(("float32", "int64", "bool"), ("float32", "int64", "bool")):
        a, b = _sample(dtype, (2, 3), rng), _sample(other, (3,), rng)

        def fn(m, x, y):
            identity = id(x)
            out = IN_PLACE[name](x, y)
            assert out is x and id(x) == identity
            return x

        assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))


def test_in_place_comparison_of_a_non_leaf_gives_a_zero_gradient(torch):
    grads = []
    for lib in (ds, torch):
        a = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = a * 2
        y.gt_(0)
        (y * a).sum().backward()
        grads.append(a.grad.numpy())
        with pytest.raises(RuntimeError, match="leaf"):
            a.lt_(0)
    np.testing.assert_allclose(grads[0], grads[1])


def test_isin_as_torch(torch):
    rng = np.random.default_rng(4)
    for left, right in itertools.product(("int64", "float32", "int8"), ("int64", "float64")):
        a, b = _sample(left, (3, 4), rng), _sample(right, (5,), rng)
        for invert in (False, True):
            fn = lambda m, x, y, i=invert: m.isin(x, y, invert=i)  # noqa: E731
            assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))
    assert_same(
        _run(lambda m, x: m.isin(x, 2), ds, np.arange(4)),
        _run(lambda m, x: m.isin(x, 2), torch, np.arange(4)),
    )
