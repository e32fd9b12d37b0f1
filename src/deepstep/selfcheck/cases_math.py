"""Catalogue cases: elementwise math (arithmetic with its options, rounding, powers and logarithms,
trigonometric and hyperbolic functions, the error function, the binary functions and the ops that
pick between operands) and softmax's options; comparisons, logical and bitwise ops are in
cases_logic.py.

Each function of one variable appears with the domain it is defined on, in function and method
form, on a 0-d and an empty tensor; each binary one with broadcasting and a number operand;
integer and bool inputs where PyTorch takes them (their cases compare values and dtypes only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd as ag
from .case import OpCase, values_case

_MASK = np.random.default_rng(11).random((3, 4)) > 0.5


def _unary(
    name: str, domain: str = "real", *, method: bool = False, twin: Any = None, **options: Any
) -> list[OpCase]:
    """`name` on a matrix (as a function, or as a method too), on a 0-d and on an empty tensor."""
    fn, twin = getattr(ag, name), twin or (lambda t, a: getattr(t, name)(a))
    cases = [
        OpCase(name, fn, ((3, 4),), domain, torch=twin, **options),
        OpCase(f"{name}_0d", fn, ((),), domain, torch=twin, **options),
        OpCase(f"{name}_empty", fn, ((0, 3),), domain, torch=twin, **options),
    ]
    if method:
        cases.append(
            OpCase(
                f"{name}_method",
                lambda a: getattr(a, name)(),
                ((2, 3, 2),),
                domain,
                torch=lambda t, a: getattr(a, name)(),
                **options,
            )
        )
    return cases


def _binary(name: str, domain: Any = "real", **options: Any) -> list[OpCase]:
    """`name` on broadcast operands (function form) and on a matrix with a column (method form)."""
    fn = getattr(ag, name)
    return [
        OpCase(
            f"{name}_broadcast",
            fn,
            ((3, 4), (4,)),
            domain,
            torch=lambda t, a, b: getattr(t, name)(a, b),
            **options,
        ),
        OpCase(
            f"{name}_method",
            lambda a, b: getattr(a, name)(b),
            ((2, 1, 3), (4, 1)),
            domain,
            torch=lambda t, a, b: getattr(a, name)(b),
            **options,
        ),
    ]


_ARITHMETIC = (
    OpCase(
        "add_alpha",
        lambda a, b: ag.add(a, b, alpha=2.5),
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.add(a, b, alpha=2.5),
    ),
    OpCase(
        "sub_alpha_method",
        lambda a, b: a.sub(b, alpha=-3),
        ((3, 1), (4,)),
        torch=lambda t, a, b: a.sub(b, alpha=-3),
    ),
    OpCase("add_number_left", lambda a: ag.add(2, a), ((3,),), torch=lambda t, a: t.add(a, 2)),
    OpCase("rsub_number", lambda a: 1.5 - a, ((2, 3),), torch=lambda t, a: 1.5 - a),
    OpCase("mul_method", lambda a, b: a.mul(b), ((2, 3), (2, 1)), torch=lambda t, a, b: a.mul(b)),
    OpCase("multiply", ag.multiply, ((3,), (2, 3)), torch=lambda t, a, b: t.multiply(a, b)),
    OpCase("div_rtruediv", lambda a: 2 / a, ((3, 4),), "nonzero", torch=lambda t, a: 2 / a),
    OpCase(
        "div_0d_divisor", lambda a, b: a / b, ((3, 4), ()), ("real", "nonzero"), torch=lambda t, a, b: a / b
    ),
    OpCase(
        "true_divide",
        ag.true_divide,
        ((3, 4), (4,)),
        ("real", "nonzero"),
        torch=lambda t, a, b: t.true_divide(a, b),
    ),
    OpCase(
        "div_trunc",
        lambda a, b: ag.div(3 * a, b, rounding_mode="trunc"),
        ((3, 4), (4,)),
        ("real", "nonzero"),
        torch=lambda t, a, b: t.div(3 * a, b, rounding_mode="trunc"),
    ),
    OpCase(
        "div_floor_method",
        lambda a, b: (3 * a).div(b, rounding_mode="floor"),
        ((3, 4), (3, 1)),
        ("real", "nonzero"),
        torch=lambda t, a, b: (3 * a).div(b, rounding_mode="floor"),
    ),
    values_case(
        "floor_divide",
        lambda a, b: ag.floor_divide(3 * a, b),
        ((3, 4), (4,)),
        ("real", "nonzero"),
        lambda t, a, b: t.floor_divide(3 * a, b),
    ),
    values_case(
        "floordiv_operator", lambda a: (4 * a) // 1.5, ((3, 4),), "real", lambda t, a: (4 * a) // 1.5
    ),
    OpCase("pow_number_base", lambda a: ag.pow(2.5, a), ((3, 4),), torch=lambda t, a: t.pow(2.5, a)),
    OpCase(
        "pow_int_exponents", lambda a, n: a**n, ((3, 4), (4,)), ("nonzero", "int"), torch=lambda t, a, n: a**n
    ),
    OpCase(
        "pow_method_broadcast",
        lambda a, b: a.pow(b),
        ((3, 1), (4,)),
        "positive",
        torch=lambda t, a, b: a.pow(b),
    ),
    OpCase(
        "float_power", ag.float_power, ((3, 4), (4,)), "positive", torch=lambda t, a, b: t.float_power(a, b)
    ),
    OpCase("neg_method", lambda a: a.neg(), ((3, 4),), torch=lambda t, a: a.neg()),
    OpCase("negative_empty", ag.negative, ((0, 4),), torch=lambda t, a: t.negative(a)),
    OpCase("abs_0d", ag.abs, ((),), "nonzero", torch=lambda t, a: t.abs(a)),
    OpCase("absolute_method", lambda a: a.absolute(), ((3, 4),), "nonzero", torch=lambda t, a: a.absolute()),
    values_case("add_int", lambda a, b: a + b, ((3, 4), (4,)), "int", lambda t, a, b: a + b),
    values_case("add_int_float_number", lambda a: a + 2.5, ((3, 4),), "int", lambda t, a: a + 2.5),
    values_case(
        "sub_int_alpha",
        lambda a, b: ag.sub(a, b, alpha=3),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.sub(a, b, alpha=3),
    ),
    values_case("mul_bool_int", lambda a, b: a * b, ((3, 4), (4,)), ("bool", "int"), lambda t, a, b: a * b),
    values_case("add_bool", lambda a, b: a + b, ((3, 4), (4,)), "bool", lambda t, a, b: a + b),
    values_case("div_int", lambda a, b: a / b, ((3, 4), (4,)), "int", lambda t, a, b: a / b),
    values_case(
        "div_int_trunc",
        lambda a, b: ag.div(a, b.abs() + 1, rounding_mode="trunc"),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.div(a, b.abs() + 1, rounding_mode="trunc"),
    ),
    values_case(
        "div_int_floor",
        lambda a, b: ag.div(a, -b.abs() - 1, rounding_mode="floor"),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.div(a, -b.abs() - 1, rounding_mode="floor"),
    ),
    values_case("floordiv_int_number", lambda a: a // -2, ((3, 4),), "int", lambda t, a: a // -2),
    values_case(
        "pow_int",
        lambda a, b: a ** (b.abs() // 2),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: a ** (b.abs() // 2),
    ),
    values_case("pow_int_negative_exponents", lambda a, b: a**b, ((3, 4), (4,)), "int", lambda t, a, b: a**b),
    values_case("pow_number_base_int", lambda a: 2 ** a.abs(), ((3, 4),), "int", lambda t, a: 2 ** a.abs()),
    values_case("pow_int_float", lambda a: a**0.5, ((3, 4),), "int", lambda t, a: a**0.5),
    values_case("neg_int", ag.neg, ((3, 4),), "int", lambda t, a: t.neg(a)),
    values_case("abs_int", ag.abs, ((3, 4),), "int", lambda t, a: t.abs(a)),
    values_case("exp_int", ag.exp, ((3, 4),), "int", lambda t, a: t.exp(a)),
    values_case("sqrt_bool", ag.sqrt, ((3, 4),), "bool", lambda t, a: t.sqrt(a)),
)

_FUNCTIONS = (
    *_unary("square", method=True),
    *_unary("reciprocal", "nonzero"),
    *_unary("rsqrt", "positive", method=True),
    *_unary("exp2"),
    *_unary("expm1", method=True),
    *_unary("log2", "positive"),
    *_unary("log10", "positive", method=True),
    *_unary("log1p", "positive"),
    *_unary("tan", "unit", method=True),
    *_unary("asin", "unit"),
    *_unary("acos", "unit", method=True),
    *_unary("atan"),
    *_unary("sinh", method=True),
    *_unary("cosh"),
    *_unary("asinh"),
    *_unary("acosh", "above_one", method=True),
    *_unary("atanh", "unit"),
    *_unary("sinc", method=True),
    *_unary("deg2rad"),
    *_unary("rad2deg", method=True),
    *_unary("erf", method=True),
    *_unary("erfc"),
    *_unary("erfinv", "unit", method=True),
    *_unary("arcsin", "unit"),
    *_unary("arccosh", "above_one"),
    OpCase("arctan_method", lambda a: a.arctan(), ((3, 4),), torch=lambda t, a: a.arctan()),
    OpCase("exp_method_0d", lambda a: a.exp(), ((),), torch=lambda t, a: a.exp()),
    OpCase("log_empty", ag.log, ((0, 2),), "positive", torch=lambda t, a: t.log(a)),
    OpCase("sqrt_method", lambda a: a.sqrt(), ((3, 4),), "positive", torch=lambda t, a: a.sqrt()),
    OpCase("sin_0d", ag.sin, ((),), torch=lambda t, a: t.sin(a)),
    OpCase("cos_method", lambda a: a.cos(), ((3, 4),), torch=lambda t, a: a.cos()),
    OpCase(
        "logit",
        lambda a: ag.logit(0.5 * a + 0.5),
        ((3, 4),),
        "unit",
        torch=lambda t, a: t.logit(0.5 * a + 0.5),
    ),
    OpCase(
        "logit_eps_method",
        lambda a: (0.5 * a + 0.5).logit(eps=0.2),
        ((3, 4),),
        "unit",
        torch=lambda t, a: (0.5 * a + 0.5).logit(eps=0.2),
    ),
    OpCase(
        "nan_to_num", lambda a: ag.nan_to_num(ag.log(a)), ((3, 4),), torch=lambda t, a: t.nan_to_num(t.log(a))
    ),
    OpCase(
        "nan_to_num_options",
        lambda a: (1 / a.round()).nan_to_num(nan=2.0, posinf=3.0, neginf=-3.0) + ag.log(a).nan_to_num(1.0),
        ((3, 4),),
        torch=lambda t, a: (
            (1 / a.round()).nan_to_num(nan=2.0, posinf=3.0, neginf=-3.0) + t.log(a).nan_to_num(1.0)
        ),
    ),
    # rounding: zero gradients; integers pass unchanged
    *_unary("floor", method=True),
    *_unary("ceil"),
    *_unary("trunc", method=True),
    *_unary("round"),
    *_unary("frac", method=True),
    *_unary("sign", method=True),
    # PyTorch's gradient of sgn is a ZeroTensor, which refuses .numpy(): adding 0·a makes it a tensor
    *_unary("sgn", twin=lambda t, a: t.sgn(a) + 0 * a),
    *_unary("fix"),
    OpCase(
        "round_decimals",
        lambda a: ag.round(10 * a, decimals=1),
        ((3, 4),),
        torch=lambda t, a: t.round(10 * a, decimals=1),
    ),
    OpCase(
        "round_negative_decimals_method",
        lambda a: (1000 * a).round(decimals=-2),
        ((3, 4),),
        torch=lambda t, a: (1000 * a).round(decimals=-2),
    ),
    values_case("floor_int", ag.floor, ((3, 4),), "int", lambda t, a: t.floor(a)),
    values_case("round_int", ag.round, ((3, 4),), "int", lambda t, a: t.round(a)),
    values_case("sign_int", ag.sign, ((3, 4),), "int", lambda t, a: t.sign(a)),
    values_case("sign_bool", ag.sign, ((3, 4),), "bool", lambda t, a: t.sign(a)),
    values_case("square_int", ag.square, ((3, 4),), "int", lambda t, a: t.square(a)),
    values_case("square_bool", ag.square, ((3, 4),), "bool", lambda t, a: t.square(a)),
    values_case(
        "reciprocal_int",
        lambda a: ag.reciprocal(a.abs() + 1),
        ((3, 4),),
        "int",
        lambda t, a: t.reciprocal(a.abs() + 1),
    ),
    values_case("erf_int", ag.erf, ((3, 4),), "int", lambda t, a: t.erf(a)),
    values_case("deg2rad_bool", ag.deg2rad, ((3, 4),), "bool", lambda t, a: t.deg2rad(a)),
    values_case("nan_to_num_int", ag.nan_to_num, ((3, 4),), "int", lambda t, a: t.nan_to_num(a)),
)

_BINARY = (
    *_binary("atan2"),
    *_binary("arctan2"),
    *_binary("hypot"),
    *_binary("copysign", ("nonzero", "real")),
    *_binary("logaddexp"),
    *_binary("logaddexp2"),
    *_binary("xlogy", ("real", "positive")),
    *_binary("fmod", ("real", "nonzero")),
    *_binary("remainder", ("real", "nonzero")),
    *_binary("maximum"),
    *_binary("minimum"),
    *_binary("fmax"),
    *_binary("fmin"),
    OpCase(
        "atan2_number",
        lambda a: ag.atan2(a, 0.5),
        ((3, 4),),
        torch=lambda t, a: t.atan2(a, t.tensor(0.5, dtype=a.dtype)),
    ),
    OpCase(
        "copysign_number",
        lambda a: ag.copysign(a, -1.0),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.copysign(a, -1.0),
    ),
    OpCase(
        "xlogy_number_left",
        lambda a: ag.xlogy(2.0, a),
        ((3, 4),),
        "positive",
        torch=lambda t, a: t.xlogy(2.0, a),
    ),
    OpCase(
        "xlogy_zeros",
        lambda a, b: ag.xlogy(ag.relu(a), b),
        ((3, 4), (4,)),
        ("nonzero", "positive"),
        torch=lambda t, a, b: t.xlogy(t.relu(a), b),
    ),
    OpCase("fmod_number", lambda a: ag.fmod(3 * a, -0.7), ((3, 4),), torch=lambda t, a: t.fmod(3 * a, -0.7)),
    OpCase(
        "remainder_operator",
        lambda a, b: (3 * a) % b,
        ((3, 4), (3, 1)),
        ("real", "nonzero"),
        torch=lambda t, a, b: (3 * a) % b,
    ),
    OpCase("remainder_number", lambda a: a % 0.3, ((3, 4),), torch=lambda t, a: a % 0.3),
    values_case("rmod_number", lambda a: 2.5 % a, ((3, 4),), "nonzero", lambda t, a: 2.5 % a),
    values_case(
        "fmod_int",
        lambda a, b: ag.fmod(a, b.abs() + 1),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.fmod(a, b.abs() + 1),
    ),
    values_case(
        "remainder_int",
        lambda a, b: a % (-b.abs() - 1),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: a % (-b.abs() - 1),
    ),
    values_case("remainder_int_float", lambda a: a % 1.5, ((3, 4),), "int", lambda t, a: a % 1.5),
    values_case("atan2_int", ag.atan2, ((3, 4), (4,)), "int", lambda t, a, b: t.atan2(a, b)),
    values_case("copysign_int", ag.copysign, ((3, 4), (4,)), "int", lambda t, a, b: t.copysign(a, b)),
    values_case(
        "xlogy_int",
        lambda a, b: ag.xlogy(a, b.abs()),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.xlogy(a, b.abs()),
    ),
    values_case(
        "maximum_int_float", ag.maximum, ((3, 4), (4,)), ("int", "real"), lambda t, a, b: t.maximum(a, b)
    ),
    values_case("fmin_bool", ag.fmin, ((3, 4), (4,)), "bool", lambda t, a, b: t.fmin(a, b)),
    # nan reaches the output, so no finite differences: gradients are compared in test_math_ops
    values_case(
        "maximum_nan",
        lambda a, b: ag.maximum(ag.log(a), b),
        ((3, 4), (4,)),
        "real",
        lambda t, a, b: t.maximum(t.log(a), b),
    ),
    OpCase(
        "fmax_nan",
        lambda a, b: ag.fmax(ag.log(a), b),
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.fmax(t.log(a), b),
    ),
    OpCase(
        "fmin_nan_right",
        lambda a, b: ag.fmin(a, ag.log(b)),
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.fmin(a, t.log(b)),
    ),
    OpCase(
        "maximum_ties",
        lambda a, b: ag.maximum(a.round(), b.round()),
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.maximum(a.round(), b.round()),
    ),
    OpCase("lerp", lambda a, b: ag.lerp(a, b, 0.3), ((3, 4), (4,)), torch=lambda t, a, b: t.lerp(a, b, 0.3)),
    OpCase(
        "lerp_high_weight_method",
        lambda a, b: a.lerp(b, 0.8),
        ((3, 1), (4,)),
        torch=lambda t, a, b: a.lerp(b, 0.8),
    ),
    OpCase("lerp_tensor_weight", ag.lerp, ((3, 4), (4,), (3, 1)), torch=lambda t, a, b, w: t.lerp(a, b, w)),
    # clamp: number or tensor bounds (broadcast), one or both
    OpCase(
        "clamp_min_max", lambda a: ag.clamp(a, min=-0.5), ((3, 4),), torch=lambda t, a: t.clamp(a, min=-0.5)
    ),
    OpCase(
        "clamp_max_only_method", lambda a: a.clamp(max=0.3), ((3, 4),), torch=lambda t, a: a.clamp(max=0.3)
    ),
    OpCase("clamp_min_fn", lambda a: ag.clamp_min(a, 0.2), ((3, 4),), torch=lambda t, a: t.clamp_min(a, 0.2)),
    OpCase("clamp_max_method", lambda a: a.clamp_max(-0.2), ((3, 4),), torch=lambda t, a: a.clamp_max(-0.2)),
    OpCase("clamp_tensors", ag.clamp, ((3, 4), (4,), (3, 1)), torch=lambda t, a, lo, hi: t.clamp(a, lo, hi)),
    OpCase(
        "clamp_tensor_min",
        lambda a, lo: a.clamp(min=lo),
        ((3, 4), (3, 1)),
        torch=lambda t, a, lo: a.clamp(min=lo),
    ),
    OpCase(
        "clamp_tensor_max_broadcast",
        lambda a, hi: ag.clamp(a, max=hi),
        ((4,), (3, 1)),
        torch=lambda t, a, hi: t.clamp(a, max=hi),
    ),
    OpCase(
        "clamp_crossed", lambda a: ag.clamp(a, 0.5, -0.5), ((3, 4),), torch=lambda t, a: t.clamp(a, 0.5, -0.5)
    ),
    OpCase("clip_method", lambda a: a.clip(-1, 1), ((3, 4),), torch=lambda t, a: a.clip(-1, 1)),
    values_case(
        "clamp_int_float", lambda a: ag.clamp(a, -1.5, 2), ((3, 4),), "int", lambda t, a: t.clamp(a, -1.5, 2)
    ),
    values_case(
        "clamp_int",
        lambda a, lo: ag.clamp(a, min=lo),
        ((3, 4), (4,)),
        "int",
        lambda t, a, lo: t.clamp(a, min=lo),
    ),
    # where: PyTorch's promotion of the two branches, numbers among them
    OpCase(
        "where_number",
        lambda a: ag.where(_MASK, a, 2),
        ((3, 4),),
        torch=lambda t, a: t.where(t.from_numpy(_MASK), a, 2),
    ),
    OpCase(
        "where_number_left",
        lambda a: ag.where(_MASK, -1.5, a),
        ((4,),),
        torch=lambda t, a: t.where(t.from_numpy(_MASK), -1.5, a),
    ),
    OpCase(
        "where_broadcast_all",
        lambda a, b: ag.where(a > 0, a, b),
        ((3, 1), (1, 4)),
        torch=lambda t, a, b: t.where(a > 0, a, b),
    ),
    values_case(
        "where_int_float",
        lambda a, b: ag.where(_MASK, a, b),
        ((3, 4), (4,)),
        ("int", "real"),
        lambda t, a, b: t.where(t.from_numpy(_MASK), a, b),
    ),
    values_case(
        "where_numbers", lambda a: ag.where(a, 1.0, 0), ((3, 4),), "bool", lambda t, a: t.where(a, 1.0, 0)
    ),
)

_SOFTMAX = (
    OpCase(
        "softmax_negative_dim", lambda a: ag.softmax(a, -2), ((2, 3, 4),), torch=lambda t, a: t.softmax(a, -2)
    ),
    OpCase(
        "softmax_dtype",
        lambda a: a.softmax(1, dtype=np.float64),
        ((3, 4),),
        torch=lambda t, a: a.softmax(1, dtype=t.float64),
    ),
    OpCase("softmax_0d", lambda a: ag.softmax(a, 0), ((),), torch=lambda t, a: t.softmax(a, 0)),
    OpCase("softmax_empty", lambda a: ag.softmax(a, 0), ((0, 3),), torch=lambda t, a: t.softmax(a, 0)),
    OpCase(
        "log_softmax_dim_keyword",
        lambda a: a.log_softmax(dim=1),
        ((2, 3, 4),),
        torch=lambda t, a: a.log_softmax(dim=1),
    ),
    OpCase(
        "log_softmax_dtype",
        lambda a: ag.log_softmax(a, 0, dtype="float64"),
        ((3, 4),),
        torch=lambda t, a: t.log_softmax(a, 0, dtype=t.float64),
    ),
    values_case(
        "softmax_int_dtype",
        lambda a: ag.softmax(a, -1, dtype=np.float32),
        ((3, 4),),
        "int",
        lambda t, a: t.softmax(a, -1, dtype=t.float32),
    ),
)

CASES: tuple[OpCase, ...] = (*_ARITHMETIC, *_FUNCTIONS, *_BINARY, *_SOFTMAX)
