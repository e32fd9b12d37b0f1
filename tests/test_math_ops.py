"""Elementwise arithmetic and math against PyTorch where the op catalogue cannot reach: type
promotion over every pair of dtypes and kinds of number, the exception types, nan and infinity
(values and gradients at the edges of each domain), empty and 0-d tensors, the in-place forms
and the options of softmax."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd import dtypes, ops_math

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SPECIAL = np.array([-np.inf, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, np.inf, np.nan])


def _sample(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype.startswith("float"):
        return np.asarray(3 * rng.standard_normal(shape), dtype=dtype)
    low = 1 if dtype == "uint8" else -5
    return np.asarray(rng.integers(low, 6, shape), dtype=dtype)


def _run(fn, lib, *operands):
    """fn's result on lib (deepstep or torch), or the exception it raised."""
    as_tensor = ds.tensor if lib is ds else (lambda a: lib.from_numpy(np.array(a)))
    args = [as_tensor(x) if isinstance(x, np.ndarray) else x for x in operands]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib, *args)
    except Exception as error:  # the oracle's error is part of what is compared
        return error


def assert_same(ours, theirs, tol: float = 1e-6) -> None:
    """Same exception type, or same dtype, shape and values (nan where PyTorch has nan)."""
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), f"PyTorch raised {theirs!r}, deepstep gave {ours!r}"
        return
    assert not isinstance(ours, Exception), f"deepstep raised {ours!r}, PyTorch gave {theirs!r}"
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    expected = theirs.detach().numpy()
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(ours.numpy(), expected)
    else:
        np.testing.assert_allclose(ours.numpy(), expected, rtol=tol, atol=tol)


def assert_as_torch(torch, fn, *operands, tol: float = 1e-6) -> None:
    """fn(module, *tensors) gives the same with deepstep as with PyTorch (or the same error)."""
    assert_same(_run(fn, ds, *operands), _run(fn, torch, *operands), tol)


# ----- type promotion over every pair of dtypes ---------------------------------------------
BINARY = {
    "add": lambda m, a, b: m.add(a, b),
    "sub": lambda m, a, b: m.sub(a, b),
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "floor_divide": lambda m, a, b: a // b,
    "pow": lambda m, a, b: a**b,
    "remainder": lambda m, a, b: a % b,
    "fmod": lambda m, a, b: m.fmod(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "hypot": lambda m, a, b: m.hypot(a, b),
    "copysign": lambda m, a, b: m.copysign(a, b),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "logaddexp2": lambda m, a, b: m.logaddexp2(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b),
    "fmin": lambda m, a, b: m.fmin(a, b),
    "clamp_tensor_min": lambda m, a, b: m.clamp(a, min=b),
    "where": lambda m, a, b: m.where(m.tensor([True, False, True, False]), a, b),
}
# float division of an unsigned tensor by a negative 0-d tensor goes through the integer dtype
# first (dtypes.promote_to_float): tested on its own below
_THROUGH_UNSIGNED = {"div", "atan2", "copysign", "xlogy"}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_promote_and_refuse_dtypes_as_torch(name, torch):
    fn, rng = BINARY[name], np.random.default_rng(0)
    for left, right in itertools.product(DTYPES, DTYPES):
        for shapes in [((4,), (4,)), ((4,), ()), ((), (4,)), ((2, 1), (4,))]:
            a, b = _sample(left, shapes[0], rng), _sample(right, shapes[1], rng)
            if name in _THROUGH_UNSIGNED and "uint8" in (left, right) and np.any(np.minimum(a, b) < 0):
                continue
            tol = 3e-3 if "float16" in (left, right) else 1e-5
            assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b), tol)


NUMBERS = [True, False, 3, -2, 0.5, -2.5]


@pytest.mark.parametrize("name", sorted(set(BINARY) - {"where"}))
def test_binary_ops_with_a_number_promote_as_torch(name, torch):
    """A number is weak: it changes the category (int tensor * 2.5 is float32), never the size."""
    fn, rng = BINARY[name], np.random.default_rng(1)
    for dtype, number, shape in itertools.product(DTYPES, NUMBERS, [(4,), ()]):
        a = _sample(dtype, shape, rng)
        if dtype == "uint8" and not isinstance(number, bool) and number < 0:
            continue  # the wrap-around of an out-of-range number: below
        if name in ("pow", "clamp_tensor_min") and dtype == "bool" and isinstance(number, bool):
            continue  # PyTorch takes bool ** True but refuses bool ** bool tensor; deepstep refuses both
            # (and the mirror for clamp, which PyTorch refuses for a number bound)
        tol = 3e-3 if dtype == "float16" else 1e-5
        ours, theirs = _run(fn, ds, a, number), _run(fn, torch, a, number)
        if not isinstance(theirs, TypeError):  # PyTorch refuses a number where deepstep takes it
            assert_same(ours, theirs, tol)
        ours, theirs = _run(fn, ds, number, a), _run(fn, torch, number, a)
        if not isinstance(theirs, TypeError):
            assert_same(ours, theirs, tol)


def test_true_division_of_unsigned_by_a_negative_0d_tensor_as_torch(torch):
    a, b = np.array([1, 2, 3], dtype=np.uint8), np.array(-4)
    for fn in (BINARY["div"], BINARY["atan2"], BINARY["copysign"]):
        assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))


def test_out_of_range_numbers_wrap_around_as_in_torch(torch):
    for dtype, number in [("uint8", -2), ("int8", 300), ("uint8", 300), ("int32", 2**40)]:
        a = np.arange(1, 5).astype(dtype)
        for fn in (BINARY["add"], BINARY["mul"], lambda m, x, y: x < y, lambda m, x, y: x & y):
            assert_same(_run(fn, ds, a, number), _run(fn, torch, a, number))


# every function of one variable: ops_math's, and the first ones and activations
UNARY = [*ops_math.__all__, "abs", "absolute", "neg", "negative", "exp", "log", "sqrt", "sin", "cos"]
UNARY += ["sigmoid", "tanh", "relu", "logit"]


@pytest.mark.parametrize("name", UNARY)
def test_functions_of_one_variable_keep_or_promote_dtypes_as_torch(name, torch):
    rng = np.random.default_rng(2)
    for dtype, shape in itertools.product(DTYPES, [(5,), (), (0, 2)]):
        a = _sample(dtype, shape, rng)
        tol = 3e-3 if dtype == "float16" else 1e-5
        fn = lambda m, x: getattr(m, name)(x)  # noqa: E731
        assert_same(_run(fn, ds, a), _run(fn, torch, a), tol)
        method = lambda m, x: getattr(x, name)()  # noqa: E731
        assert_same(_run(method, ds, a), _run(method, torch, a), tol)


# ----- errors -------------------------------------------------------------------------------
ERRORS = {
    "sub_bool": lambda m: m.tensor([True]) - m.tensor([False]),
    "sub_bool_number": lambda m: m.tensor([1.0]) - True,
    "neg_bool": lambda m: -m.tensor([True]),
    "abs_bool": lambda m: m.tensor([True]).abs(),
    "floor_bool": lambda m: m.tensor([True]).floor(),
    "frac_int": lambda m: m.tensor([1]).frac(),
    "round_int_decimals": lambda m: m.tensor([1]).round(decimals=1),
    "int_to_negative_power": lambda m: m.tensor([1, 2]) ** -1,
    "int_0d_to_negative_power": lambda m: m.tensor(2) ** -2,
    "int_pow_negative_in_place": lambda m: m.tensor([2]).pow_(-1),
    "alpha_float_for_ints": lambda m: m.add(m.tensor([1]), m.tensor([2]), alpha=0.5),
    "div_int_by_zero_floor": lambda m: m.div(m.tensor([3]), m.tensor([0]), rounding_mode="floor"),
    "floordiv_int_by_zero": lambda m: m.tensor([3]) // 0,
    "remainder_int_by_zero": lambda m: m.tensor([3]) % 0,
    "fmod_int_by_zero": lambda m: m.fmod(m.tensor([3]), 0),
    "bad_rounding_mode": lambda m: m.div(m.tensor([3.0]), 2, rounding_mode="round"),
    "div_floor_bool": lambda m: m.div(m.tensor([True]), m.tensor([True]), rounding_mode="floor"),
    "clamp_without_bounds": lambda m: m.clamp(m.tensor([1.0])),
    "where_int_condition": lambda m: m.where(m.tensor([1, 0]), m.tensor([1.0, 2.0]), 0.0),
    "hypot_int": lambda m: m.hypot(m.tensor([3]), m.tensor([4])),
    "logaddexp_int": lambda m: m.logaddexp(m.tensor([3]), m.tensor([4])),
    "lerp_int": lambda m: m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), 0.5),
    "lerp_end_dtype": lambda m: m.lerp(m.tensor([1.0]), m.tensor([2.0], dtype=m.float64), 0.5),
    "fmod_bool": lambda m: m.fmod(m.tensor([True]), m.tensor([True])),
    "relu_bool": lambda m: m.relu(m.tensor([True])),
    "leaky_relu_int": lambda m: m.nn.functional.leaky_relu(m.tensor([1, -1])),
    "softmax_dim_out_of_range": lambda m: m.softmax(m.ones(2, 3), 2),
    "softmax_int_dtype": lambda m: m.softmax(m.ones(2, 3), 1, dtype=m.int64),
    "add_shapes": lambda m: m.ones(2, 3) + m.ones(4),
    "clamp_shapes": lambda m: m.clamp(m.ones(2, 3), m.ones(4)),
    "where_shapes": lambda m: m.where(m.ones(2, 3) > 0, m.ones(4), 0.0),
    "exp_in_place_on_int": lambda m: m.tensor([1, 2]).exp_(),
    "div_in_place_on_int": lambda m: m.tensor([1, 2]).div_(2),
    "add_in_place_float_into_int": lambda m: m.tensor([1, 2]).add_(1.5),
    "add_in_place_int_into_bool": lambda m: m.tensor([True]).add_(m.tensor([1])),
    "clamp_in_place_float_into_int": lambda m: m.tensor([1, 2]).clamp_(0.5),
    "in_place_broadcast_grows": lambda m: m.ones(3).add_(m.ones(2, 3)),
    "float_power_in_place_float32": lambda m: m.ones(3).float_power_(2),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_have_torchs_types(name, torch):
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(type(theirs.value)):
        ERRORS[name](ds)


def test_refusals_are_runtime_errors_that_say_what_came():
    with pytest.raises(RuntimeError, match="not implemented for bool"):
        ds.tensor([True]).floor()
    with pytest.raises(NotImplementedError):
        ds.hypot(ds.tensor([3]), ds.tensor([4]))
    with pytest.raises(ZeroDivisionError):
        ds.tensor([3, 4]) // ds.tensor([1, 0])
    with pytest.raises(ValueError, match="rounding_mode"):
        ds.div(ds.tensor([3.0]), 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match="can't be cast"):
        ds.tensor([1, 2]).exp_()


def test_ops_without_a_derivative_in_torch_refuse_backward(torch):
    for lib in (ds, torch):
        x = lib.tensor([3.0, -2.5], requires_grad=True)
        with pytest.raises(RuntimeError, match=r"derivative for .*floor_divide is not implemented"):
            (x // 2).sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::remainder is not implemented"):
            (5 % x).sum().backward()
    x = ds.tensor([3.0, -2.5], requires_grad=True)
    ds.div(x, 2, rounding_mode="floor").sum().backward()  # the rounding mode's zero gradient
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


# ----- nan, infinity and the edges of each domain: values and gradients ---------------------------
def _value_and_grads(lib, fn, arrays):
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib, *leaves)
        out.backward(lib.ones(out.shape, dtype=out.dtype))
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


def _assert_value_and_grads_as_torch(fn, arrays, torch):
    value, grads = _value_and_grads(ds, fn, arrays)
    expected_value, expected_grads = _value_and_grads(torch, fn, arrays)
    np.testing.assert_allclose(value, expected_value, rtol=1e-7, atol=1e-12)
    for grad, expected in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(grad, expected, rtol=1e-7, atol=1e-12)


# sgn's gradient in PyTorch is a ZeroTensor, which cannot be read back
DIFFERENTIABLE_UNARY = [name for name in UNARY if name not in ("neg", "negative", "sgn")]


@pytest.mark.parametrize("name", DIFFERENTIABLE_UNARY)
def test_values_and_gradients_at_special_points_equal_torch(name, torch):
    """At ±0, ±1, ±inf and nan: the ±inf, nan or 0 PyTorch's derivatives give, element by element."""
    _assert_value_and_grads_as_torch(lambda m, x: getattr(m, name)(x), [SPECIAL], torch)


@pytest.mark.parametrize("eps", [None, 0.25])
def test_logit_at_and_beyond_its_bounds_equals_torch(eps, torch):
    points = np.array([-0.5, 0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.5, np.nan])
    _assert_value_and_grads_as_torch(lambda m, x: m.logit(x, eps), [points], torch)


def test_nan_to_num_with_its_replacements_equals_torch(torch):
    _assert_value_and_grads_as_torch(lambda m, x: m.nan_to_num(x, 1.0, 7.0, -7.0), [SPECIAL], torch)
    for dtype in ("float16", "float32"):
        a = SPECIAL.astype(dtype)
        fn = lambda m, x: m.nan_to_num(x)  # noqa: E731
        assert_same(_run(fn, ds, a), _run(fn, torch, a))


PAIRED = {
    "pow": lambda m, a, b: a**b,
    "div": lambda m, a, b: a / b,
    "atan2": lambda m, a, b: m.atan2(a, b),
    "hypot": lambda m, a, b: m.hypot(a, b),
    "copysign": lambda m, a, b: m.copysign(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "logaddexp2": lambda m, a, b: m.logaddexp2(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b),
    "fmin": lambda m, a, b: m.fmin(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "lerp": lambda m, a, b: m.lerp(a, b, 0.75),
    "clamp_min": lambda m, a, b: m.clamp(a, min=b),
    "clamp_max": lambda m, a, b: m.clamp(a, max=b),
    "clamp_crossed": lambda m, a, b: m.clamp(a, b, b - 1),
    "where": lambda m, a, b: m.where(a > b, a, b),
    "mul": lambda m, a, b: a * b,
    "sub_alpha": lambda m, a, b: m.sub(a, b, alpha=2),
}


@pytest.mark.parametrize("name", sorted(PAIRED))
def test_binary_values_and_gradients_at_special_points_equal_torch(name, torch):
    """Every pair of special values, ties and nan among them."""
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    _assert_value_and_grads_as_torch(PAIRED[name], [a.ravel(), b.ravel()], torch)


def test_pow_with_a_number_base_and_number_exponents_equals_torch(torch):
    for base in (0.0, 2.0, -2.0):
        _assert_value_and_grads_as_torch(lambda m, x, base=base: base**x, [SPECIAL], torch)
    for exponent in (0, 0.5, 2, -1, -1.5, 3):
        _assert_value_and_grads_as_torch(lambda m, x, e=exponent: x**e, [SPECIAL], torch)


def test_clamp_with_tensor_bounds_sends_gradients_as_torch(torch):
    rng = np.random.default_rng(3)
    x, lo, hi = (
        rng.integers(-3, 4, (3, 5)).astype(float),
        rng.integers(-2, 2, (5,)),
        rng.integers(-1, 3, (3, 1)),
    )
    _assert_value_and_grads_as_torch(lambda m, a, b, c: m.clamp(a, b, c), [x, lo * 1.0, hi * 1.0], torch)


def test_integer_powers_as_torch(torch):
    a = np.array([-3, -2, -1, 0, 1, 2, 3])
    for dtype in ("int8", "int32", "int64"):
        base, exponent = np.meshgrid(a.astype(dtype), a.astype(dtype))
        fn = lambda m, x, y: x**y  # noqa: E731
        assert_same(_run(fn, ds, base, exponent), _run(fn, torch, base, exponent))
        assert_same(_run(lambda m, y: 2**y, ds, a), _run(lambda m, y: 2**y, torch, a))


def test_rounding_halves_to_even_and_decimals_as_torch(torch):
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.25, 1.35, 12345.678, -0.05])
    for dtype, decimals in itertools.product(("float32", "float64", "float16"), (0, 1, 2, -1, -2)):
        fn = lambda m, x, d=decimals: m.round(x, decimals=d)  # noqa: E731
        assert_same(_run(fn, ds, a.astype(dtype)), _run(fn, torch, a.astype(dtype)), tol=1e-3)


def test_division_rounding_modes_on_signs_and_zeros_as_torch(torch):
    a, b = np.meshgrid([-7.0, -0.5, 0.0, 3.0, 7.0, np.inf], [-2.0, -0.0, 0.0, 2.0, np.inf, np.nan])
    for mode in ("trunc", "floor"):
        fn = lambda m, x, y, mode=mode: m.div(x, y, rounding_mode=mode)  # noqa: E731
        assert_same(_run(fn, ds, a, b), _run(fn, torch, a, b))
    ints = np.meshgrid([-7, -1, 0, 7], [-3, -2, 2, 3])
    for fn in (BINARY["div_trunc"], BINARY["div_floor"], BINARY["remainder"], BINARY["fmod"]):
        assert_same(_run(fn, ds, *ints), _run(fn, torch, *ints))
    assert_same(
        _run(lambda m, x: x // -1, ds, np.array([-128], np.int8)),
        _run(lambda m, x: x // -1, torch, np.array([-128], np.int8)),
    )


def test_empty_and_0d_operands_broadcast_as_torch(torch):
    for shapes in [((0, 3), (3,)), ((1, 0), (2, 1)), ((), (0,)), ((), ()), ((2, 0, 1), (3,))]:
        a, b = (np.ones(s) for s in shapes)
        for name in ("add", "div", "atan2", "maximum", "where", "pow"):
            assert_same(_run(BINARY[name], ds, a, b), _run(BINARY[name], torch, a, b))


# ----- in place --------------------------------------------------------------------------------
IN_PLACE = {
    "add_": lambda x, y: x.add_(y, alpha=2),
    "sub_": lambda x, y: x.sub_(y),
    "mul_": lambda x, y: x.mul_(y),
    "div_": lambda x, y: x.div_(y),
    "div_floor_": lambda x, y: x.div_(y, rounding_mode="floor"),
    "pow_": lambda x, y: x.abs_().pow_(y),
    "clamp_": lambda x, y: x.clamp_(min=y),
    "clamp_max_": lambda x, y: x.clamp_max_(0.3),
    "atan2_": lambda x, y: x.atan2_(y),
    "hypot_": lambda x, y: x.hypot_(y),
    "copysign_": lambda x, y: x.copysign_(y),
    "fmod_": lambda x, y: x.fmod_(y),
    "remainder_": lambda x, y: x.remainder_(y),
    "lerp_": lambda x, y: x.lerp_(y, 0.3),
    "xlogy_": lambda x, y: x.xlogy_(y.abs()),
    "addcmul_": lambda x, y: x.addcmul_(y, y, value=0.5),
    "addcdiv_": lambda x, y: x.addcdiv_(y, y.abs() + 1, value=-2),
    "neg_": lambda x, y: x.neg_(),
    "exp_": lambda x, y: x.exp_(),
    "log_": lambda x, y: x.abs_().log_(),
    "sqrt_": lambda x, y: x.abs_().sqrt_(),
    "sin_": lambda x, y: x.sin_(),
    "cos_": lambda x, y: x.cos_(),
    "tan_": lambda x, y: x.tan_(),
    "tanh_": lambda x, y: x.tanh_(),
    "sigmoid_": lambda x, y: x.sigmoid_(),
    "relu_": lambda x, y: x.relu_(),
    "square_": lambda x, y: x.square_(),
    "rsqrt_": lambda x, y: x.abs_().rsqrt_(),
    "reciprocal_": lambda x, y: x.reciprocal_(),
    "expm1_": lambda x, y: x.expm1_(),
    "log1p_": lambda x, y: x.abs_().log1p_(),
    "erf_": lambda x, y: x.erf_(),
    "erfinv_": lambda x, y: x.mul_(0.4).erfinv_(),
    "atan_": lambda x, y: x.atan_(),
    "sinh_": lambda x, y: x.sinh_(),
    "acos_": lambda x, y: x.mul_(0.4).acos_(),
    "floor_": lambda x, y: x.floor_(),
    "round_": lambda x, y: x.round_(decimals=1),
    "frac_": lambda x, y: x.frac_(),
    "sign_": lambda x, y: x.sign_(),
    "nan_to_num_": lambda x, y: x.log_().nan_to_num_(),
    "logit_": lambda x, y: x.mul_(0.2).add_(0.5).logit_(),
    "deg2rad_": lambda x, y: x.deg2rad_(),
    "imod": lambda x, y: x.__imod__(y),
    "ifloordiv": lambda x, y: x.__ifloordiv__(y),
    "ipow": lambda x, y: x.abs_().__ipow__(y),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_ops_write_into_the_tensor_and_differentiate_as_torch(name, torch):
    rng = np.random.default_rng(4)
    a0, b0 = rng.uniform(0.2, 2, (3, 4)) * rng.choice([-1, 1], (3, 4)), rng.uniform(0.5, 2, (4,))
    grads, values = [], []
    for lib in (ds, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        x = a * 1  # a non-leaf: in place is allowed in grad mode
        identity = id(x)
        result = IN_PLACE[name](x, b)
        assert result is x and id(x) == identity
        values.append(x.detach().numpy().copy())
        if name in ("ifloordiv",):  # PyTorch defines no derivative for //
            continue
        (x * lib.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        grads.append([np.zeros(3) if t.grad is None else t.grad.numpy() for t in (a, b)])
    np.testing.assert_allclose(values[0], values[1], rtol=1e-7)
    for ours, theirs in zip(*grads, strict=False):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", ["add_", "exp_", "clamp_", "tan_", "floor_", "sigmoid_", "atan2_", "lerp_"])
def test_in_place_on_a_leaf_that_requires_grad_raises_in_grad_mode_only(name, torch):
    for lib in (ds, torch):
        leaf = lib.ones(4, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            IN_PLACE[name](leaf, lib.ones(4))
        with lib.no_grad():
            IN_PLACE[name](leaf, lib.ones(4) * 0.5)
        assert leaf.is_leaf and leaf.requires_grad


def test_in_place_dunders_keep_the_tensor_and_match_torch(torch):
    results = []
    for lib in (ds, torch):
        x = lib.tensor([7.0, -5.5, 3.25])
        y = lib.tensor([5, -7, 12])
        identities = (id(x), id(y))
        x %= 2
        x //= 0.5
        x **= 2
        y //= 3
        y %= 4
        y **= 2
        assert (id(x), id(y)) == identities
        results.append((x.numpy().copy(), y.numpy().copy(), str(y.dtype).removeprefix("torch.")))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


def test_reflected_operators_as_torch(torch):
    a = np.array([1.5, -2.0, 4.0])
    for fn in (
        lambda m, x: 7 % x,
        lambda m, x: 7 // x,
        lambda m, x: 2.0**x,
        lambda m, x: 3 - x,
        lambda m, x: 1 / x,
    ):
        assert_same(_run(fn, ds, a), _run(fn, torch, a))
    ints = np.array([1, -2, 4])
    for fn in (lambda m, x: 7 % x, lambda m, x: -7 // x, lambda m, x: 2**x):
        assert_same(_run(fn, ds, ints), _run(fn, torch, ints))


def test_a_saved_input_written_in_place_is_caught_at_backward(torch):
    for lib in (ds, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * 1
        z = y.atan()  # atan keeps its input
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
        y = x * 1
        z = y.tan()  # tan keeps its output only: writing its input is harmless
        y.mul_(2)
        z.sum().backward()


# ----- softmax's options -----------------------------------------------------------------------
def test_softmax_without_dim_takes_torchs_implicit_dim_with_its_warning(torch):
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        a = np.random.default_rng(5).standard_normal(shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            ours = ds.softmax(ds.tensor(a))
        with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
            ours_log = ds.log_softmax(ds.tensor(a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.nn.functional.softmax(torch.tensor(a))
            theirs_log = torch.nn.functional.log_softmax(torch.tensor(a))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
        np.testing.assert_allclose(ours_log.numpy(), theirs_log.numpy(), rtol=1e-7)


def test_softmax_dtype_casts_first_and_the_gradient_comes_back_in_the_input_dtype(torch):
    a = np.random.default_rng(6).standard_normal((3, 4)).astype(np.float32)
    x, tx = ds.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = ds.softmax(x, 1, dtype=np.float64), torch.softmax(tx, 1, dtype=torch.float64)
    assert out.dtype == np.float64 and ref.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    out[:, 0].sum().backward()
    ref[:, 0].sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5)


def test_softmax_takes_numpys_axis_too():
    a = ds.tensor(np.random.default_rng(7).standard_normal((2, 3)))
    np.testing.assert_array_equal(ds.softmax(a, axis=0).numpy(), ds.softmax(a, dim=0).numpy())
    with pytest.raises(TypeError):
        ds.softmax(a, dim=0, axis=0)


def test_results_keep_dtypes_in_the_promotion_table(torch):
    """The table the ops rely on (dtypes.result_type) is PyTorch's for every pair of dtypes."""
    for left, right in itertools.product(DTYPES, DTYPES):
        for sa, sb in [((2,), (2,)), ((2,), ()), ((), ())]:
            ours = dtypes.result_type(np.ones(sa, left), np.ones(sb, right))
            theirs = torch.result_type(
                torch.ones(sa, dtype=getattr(torch, left)), torch.ones(sb, dtype=getattr(torch, right))
            )
            assert str(ours) == str(theirs).removeprefix("torch.")


def test_where_with_the_condition_alone_is_nonzero_as_a_tuple(torch):
    condition = np.array([[True, False, True], [False, False, True]])
    ours, theirs = ds.where(ds.tensor(condition)), torch.where(torch.from_numpy(condition))
    assert isinstance(ours, tuple) and len(ours) == len(theirs) == 2
    for mine, oracle in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine.numpy(), oracle.numpy())
    with pytest.raises(TypeError):
        ds.where(ds.tensor(condition), ds.ones(3))


def test_tensor_where_takes_the_condition_then_the_other(torch):
    a, condition = np.array([1.0, -2.0, 3.0]), np.array([True, False, False])
    fn = lambda m, x, c: x.where(c, 0.5)  # noqa: E731
    assert_as_torch(torch, fn, a, condition)
