"""Catalogue cases: elementwise math (arithmetic with its options, rounding, powers and logarithms,
trigonometric and hyperbolic functions, the error function, the binary functions and the ops that
pick between operands), comparisons, logical and bitwise ops, and softmax's options.

Each function of one variable appears with the domain it is defined on, in function and method
form, on a 0-d and an empty tensor; each binary one with broadcasting and a number operand;
integer and bool inputs where PyTorch takes them (their cases compare values and dtypes only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd as ag
from .case import OpCase

_MASK = np.random.default_rng(11).random((3, 4)) > 0.5
_NEEDLES = np.array([-3, 0, 2, 5])


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


def _values(name: str, fn: Any, shapes: Any, domain: Any, twin: Any) -> OpCase:
    """A case whose output has no gradient (integers, bools, comparisons): values and dtypes only."""
    return OpCase(name, fn, shapes, domain, torch=twin, differentiable=False)


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
    _values(
        "floor_divide",
        lambda a, b: ag.floor_divide(3 * a, b),
        ((3, 4), (4,)),
        ("real", "nonzero"),
        lambda t, a, b: t.floor_divide(3 * a, b),
    ),
    _values("floordiv_operator", lambda a: (4 * a) // 1.5, ((3, 4),), "real", lambda t, a: (4 * a) // 1.5),
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
    _values("add_int", lambda a, b: a + b, ((3, 4), (4,)), "int", lambda t, a, b: a + b),
    _values("add_int_float_number", lambda a: a + 2.5, ((3, 4),), "int", lambda t, a: a + 2.5),
    _values(
        "sub_int_alpha",
        lambda a, b: ag.sub(a, b, alpha=3),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.sub(a, b, alpha=3),
    ),
    _values("mul_bool_int", lambda a, b: a * b, ((3, 4), (4,)), ("bool", "int"), lambda t, a, b: a * b),
    _values("add_bool", lambda a, b: a + b, ((3, 4), (4,)), "bool", lambda t, a, b: a + b),
    _values("div_int", lambda a, b: a / b, ((3, 4), (4,)), "int", lambda t, a, b: a / b),
    _values(
        "div_int_trunc",
        lambda a, b: ag.div(a, b.abs() + 1, rounding_mode="trunc"),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.div(a, b.abs() + 1, rounding_mode="trunc"),
    ),
    _values(
        "div_int_floor",
        lambda a, b: ag.div(a, -b.abs() - 1, rounding_mode="floor"),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.div(a, -b.abs() - 1, rounding_mode="floor"),
    ),
    _values("floordiv_int_number", lambda a: a // -2, ((3, 4),), "int", lambda t, a: a // -2),
    _values(
        "pow_int",
        lambda a, b: a ** (b.abs() // 2),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: a ** (b.abs() // 2),
    ),
    _values("pow_int_negative_exponents", lambda a, b: a**b, ((3, 4), (4,)), "int", lambda t, a, b: a**b),
    _values("pow_number_base_int", lambda a: 2 ** a.abs(), ((3, 4),), "int", lambda t, a: 2 ** a.abs()),
    _values("pow_int_float", lambda a: a**0.5, ((3, 4),), "int", lambda t, a: a**0.5),
    _values("neg_int", ag.neg, ((3, 4),), "int", lambda t, a: t.neg(a)),
    _values("abs_int", ag.abs, ((3, 4),), "int", lambda t, a: t.abs(a)),
    _values("exp_int", ag.exp, ((3, 4),), "int", lambda t, a: t.exp(a)),
    _values("sqrt_bool", ag.sqrt, ((3, 4),), "bool", lambda t, a: t.sqrt(a)),
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
    _values("floor_int", ag.floor, ((3, 4),), "int", lambda t, a: t.floor(a)),
    _values("round_int", ag.round, ((3, 4),), "int", lambda t, a: t.round(a)),
    _values("sign_int", ag.sign, ((3, 4),), "int", lambda t, a: t.sign(a)),
    _values("sign_bool", ag.sign, ((3, 4),), "bool", lambda t, a: t.sign(a)),
    _values("square_int", ag.square, ((3, 4),), "int", lambda t, a: t.square(a)),
    _values("square_bool", ag.square, ((3, 4),), "bool", lambda t, a: t.square(a)),
    _values(
        "reciprocal_int",
        lambda a: ag.reciprocal(a.abs() + 1),
        ((3, 4),),
        "int",
        lambda t, a: t.reciprocal(a.abs() + 1),
    ),
    _values("erf_int", ag.erf, ((3, 4),), "int", lambda t, a: t.erf(a)),
    _values("deg2rad_bool", ag.deg2rad, ((3, 4),), "bool", lambda t, a: t.deg2rad(a)),
    _values("nan_to_num_int", ag.nan_to_num, ((3, 4),), "int", lambda t, a: t.nan_to_num(a)),
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
    _values("rmod_number", lambda a: 2.5 % a, ((3, 4),), "nonzero", lambda t, a: 2.5 % a),
    _values(
        "fmod_int",
        lambda a, b: ag.fmod(a, b.abs() + 1),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.fmod(a, b.abs() + 1),
    ),
    _values(
        "remainder_int",
        lambda a, b: a % (-b.abs() - 1),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: a % (-b.abs() - 1),
    ),
    _values("remainder_int_float", lambda a: a % 1.5, ((3, 4),), "int", lambda t, a: a % 1.5),
    _values("atan2_int", ag.atan2, ((3, 4), (4,)), "int", lambda t, a, b: t.atan2(a, b)),
    _values("copysign_int", ag.copysign, ((3, 4), (4,)), "int", lambda t, a, b: t.copysign(a, b)),
    _values(
        "xlogy_int",
        lambda a, b: ag.xlogy(a, b.abs()),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.xlogy(a, b.abs()),
    ),
    _values(
        "maximum_int_float", ag.maximum, ((3, 4), (4,)), ("int", "real"), lambda t, a, b: t.maximum(a, b)
    ),
    _values("fmin_bool", ag.fmin, ((3, 4), (4,)), "bool", lambda t, a, b: t.fmin(a, b)),
    # nan reaches the output, so no finite differences: gradients are compared in test_math_ops
    _values(
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
    _values(
        "clamp_int_float", lambda a: ag.clamp(a, -1.5, 2), ((3, 4),), "int", lambda t, a: t.clamp(a, -1.5, 2)
    ),
    _values(
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
    _values(
        "where_int_float",
        lambda a, b: ag.where(_MASK, a, b),
        ((3, 4), (4,)),
        ("int", "real"),
        lambda t, a, b: t.where(t.from_numpy(_MASK), a, b),
    ),
    _values(
        "where_numbers", lambda a: ag.where(a, 1.0, 0), ((3, 4),), "bool", lambda t, a: t.where(a, 1.0, 0)
    ),
)

_LOGIC = (
    *(
        _values(
            f"compare_{name}",
            getattr(ag, name),
            ((3, 4), (4,)),
            "real",
            lambda t, a, b, name=name: getattr(t, name)(a, b),
        )
        for name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "less_equal", "not_equal")
    ),
    _values(
        "compare_operators",
        lambda a, b: (a < b) ^ (a >= 0.5) | (a == b),
        ((3, 4), (3, 1)),
        "int",
        lambda t, a, b: (a < b) ^ (a >= 0.5) | (a == b),
    ),
    _values(
        "compare_int_float", lambda a, b: a.le(b), ((3, 4), (4,)), ("int", "real"), lambda t, a, b: a.le(b)
    ),
    _values(
        "compare_nan",
        lambda a, b: (ag.log(a) != b) & (ag.log(a) <= b),
        ((3, 4), (4,)),
        "real",
        lambda t, a, b: (t.log(a) != b) & (t.log(a) <= b),
    ),
    _values("compare_bool_number", lambda a: a > 0.5, ((3, 4),), "bool", lambda t, a: a > 0.5),
    _values("compare_empty", lambda a: a == 0, ((0, 3),), "real", lambda t, a: a == 0),
    _values(
        "isclose",
        lambda a, b: ag.isclose(a, a + 1e-6 * b),
        ((3, 4), (4,)),
        "real",
        lambda t, a, b: t.isclose(a, a + 1e-6 * b),
    ),
    _values(
        "isclose_tolerances",
        lambda a, b: a.isclose(b, rtol=0.5, atol=0.1),
        ((3, 4), (3, 4)),
        "real",
        lambda t, a, b: a.isclose(b, rtol=0.5, atol=0.1),
    ),
    _values(
        "isclose_int",
        lambda a, b: ag.isclose(a, b, rtol=0.3, atol=1),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.isclose(a, b, rtol=0.3, atol=1),
    ),
    _values(
        "isclose_nan",
        lambda a: ag.isclose(ag.log(a), ag.log(a), equal_nan=True),
        ((3, 4),),
        "real",
        lambda t, a: t.isclose(t.log(a), t.log(a), equal_nan=True),
    ),
    _values("isnan", lambda a: ag.isnan(ag.log(a)), ((3, 4),), "real", lambda t, a: t.isnan(t.log(a))),
    _values(
        "isinf_method",
        lambda a: (1 / a.round()).isinf(),
        ((3, 4),),
        "real",
        lambda t, a: (1 / a.round()).isinf(),
    ),
    _values(
        "isposinf",
        lambda a: ag.isposinf(1 / a.round()),
        ((3, 4),),
        "real",
        lambda t, a: t.isposinf(1 / a.round()),
    ),
    _values(
        "isneginf",
        lambda a: ag.isneginf(ag.log(a.abs().round())),
        ((3, 4),),
        "real",
        lambda t, a: t.isneginf(t.log(a.abs().round())),
    ),
    _values(
        "isfinite",
        lambda a: ag.isfinite(ag.log(a.round())),
        ((3, 4),),
        "real",
        lambda t, a: t.isfinite(t.log(a.round())),
    ),
    _values("isfinite_int", ag.isfinite, ((3, 4),), "int", lambda t, a: t.isfinite(a)),
    _values("isnan_bool", ag.isnan, ((3, 4),), "bool", lambda t, a: t.isnan(a)),
    _values("isreal", ag.isreal, ((3, 4),), "real", lambda t, a: t.isreal(a)),
    _values("signbit", lambda a: ag.signbit(a.round()), ((3, 4),), "real", lambda t, a: t.signbit(a.round())),
    _values("signbit_int", ag.signbit, ((3, 4),), "int", lambda t, a: t.signbit(a)),
    _values(
        "isin",
        lambda a: ag.isin(a, _NEEDLES),
        ((3, 4),),
        "int",
        lambda t, a: t.isin(a, t.from_numpy(_NEEDLES)),
    ),
    _values(
        "isin_invert",
        lambda a: ag.isin(a, _NEEDLES, invert=True),
        ((3, 4),),
        "int",
        lambda t, a: t.isin(a, t.from_numpy(_NEEDLES), invert=True),
    ),
    *(
        _values(
            f"{name}{suffix}",
            getattr(ag, name),
            ((3, 4), (4,)),
            domain,
            lambda t, a, b, name=name: getattr(t, name)(a, b),
        )
        for name in ("logical_and", "logical_or", "logical_xor")
        for suffix, domain in (("", "bool"), ("_float", "real"), ("_int", "int"))
    ),
    _values("logical_not", ag.logical_not, ((3, 4),), "int", lambda t, a: t.logical_not(a)),
    _values(
        "logical_not_nan",
        lambda a: ag.log(a).logical_not(),
        ((3, 4),),
        "real",
        lambda t, a: t.log(a).logical_not(),
    ),
    *(
        _values(
            f"{name}{suffix}",
            getattr(ag, name),
            ((3, 4), (4,)),
            domain,
            lambda t, a, b, name=name: getattr(t, name)(a, b),
        )
        for name in ("bitwise_and", "bitwise_or", "bitwise_xor")
        for suffix, domain in (("", "int"), ("_bool", "bool"), ("_mixed", ("bool", "int")))
    ),
    _values("bitwise_not", ag.bitwise_not, ((3, 4),), "int", lambda t, a: t.bitwise_not(a)),
    _values("bitwise_not_bool", lambda a: ~a, ((3, 4),), "bool", lambda t, a: ~a),
    _values(
        "bitwise_operators",
        lambda a, b: (a & 6) | (b ^ a) | (3 & b),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: (a & 6) | (b ^ a) | (3 & b),
    ),
    _values(
        "shift_left", ag.bitwise_left_shift, ((3, 4), (4,)), "int", lambda t, a, b: t.bitwise_left_shift(a, b)
    ),
    _values(
        "shift_right",
        ag.bitwise_right_shift,
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.bitwise_right_shift(a, b),
    ),
    _values(
        "shift_operators",
        lambda a, b: (a << 3) + (a >> 1) + (1 << b.abs()) + (64 >> b.abs()),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: (a << 3) + (a >> 1) + (1 << b.abs()) + (64 >> b.abs()),
    ),
    _values("shift_bool", lambda a: a << 2, ((3, 4),), "bool", lambda t, a: a << 2),
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
    _values(
        "softmax_int_dtype",
        lambda a: ag.softmax(a, -1, dtype=np.float32),
        ((3, 4),),
        "int",
        lambda t, a: t.softmax(a, -1, dtype=t.float32),
    ),
)

CASES: tuple[OpCase, ...] = (*_ARITHMETIC, *_FUNCTIONS, *_BINARY, *_LOGIC, *_SOFTMAX)
