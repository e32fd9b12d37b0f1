"""Catalogue cases: comparisons (with numbers and broadcasting, NaN and infinities), logical and
bitwise ops and shifts, isin, isclose and the other tests of values: ops whose outputs carry no
gradient, so each case compares values and dtypes with PyTorch's (integer and bool inputs where
PyTorch takes them)."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .case import OpCase, values_case

_NEEDLES = np.array([-3, 0, 2, 5])

CASES: tuple[OpCase, ...] = (
    *(
        values_case(
            f"compare_{name}",
            getattr(ag, name),
            ((3, 4), (4,)),
            "real",
            lambda t, a, b, name=name: getattr(t, name)(a, b),
        )
        for name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "less_equal", "not_equal")
    ),
    values_case(
        "compare_operators",
        lambda a, b: (a < b) ^ (a >= 0.5) | (a == b),
        ((3, 4), (3, 1)),
        "int",
        lambda t, a, b: (a < b) ^ (a >= 0.5) | (a == b),
    ),
    values_case(
        "compare_int_float", lambda a, b: a.le(b), ((3, 4), (4,)), ("int", "real"), lambda t, a, b: a.le(b)
    ),
    values_case(
        "compare_nan",
        lambda a, b: (ag.log(a) != b) & (ag.log(a) <= b),
        ((3, 4), (4,)),
        "real",
        lambda t, a, b: (t.log(a) != b) & (t.log(a) <= b),
    ),
    values_case("compare_bool_number", lambda a: a > 0.5, ((3, 4),), "bool", lambda t, a: a > 0.5),
    values_case("compare_empty", lambda a: a == 0, ((0, 3),), "real", lambda t, a: a == 0),
    values_case(
        "isclose",
        lambda a, b: ag.isclose(a, a + 1e-6 * b),
        ((3, 4), (4,)),
        "real",
        lambda t, a, b: t.isclose(a, a + 1e-6 * b),
    ),
    values_case(
        "isclose_tolerances",
        lambda a, b: a.isclose(b, rtol=0.5, atol=0.1),
        ((3, 4), (3, 4)),
        "real",
        lambda t, a, b: a.isclose(b, rtol=0.5, atol=0.1),
    ),
    values_case(
        "isclose_int",
        lambda a, b: ag.isclose(a, b, rtol=0.3, atol=1),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.isclose(a, b, rtol=0.3, atol=1),
    ),
    values_case(
        "isclose_nan",
        lambda a: ag.isclose(ag.log(a), ag.log(a), equal_nan=True),
        ((3, 4),),
        "real",
        lambda t, a: t.isclose(t.log(a), t.log(a), equal_nan=True),
    ),
    values_case("isnan", lambda a: ag.isnan(ag.log(a)), ((3, 4),), "real", lambda t, a: t.isnan(t.log(a))),
    values_case(
        "isinf_method",
        lambda a: (1 / a.round()).isinf(),
        ((3, 4),),
        "real",
        lambda t, a: (1 / a.round()).isinf(),
    ),
    values_case(
        "isposinf",
        lambda a: ag.isposinf(1 / a.round()),
        ((3, 4),),
        "real",
        lambda t, a: t.isposinf(1 / a.round()),
    ),
    values_case(
        "isneginf",
        lambda a: ag.isneginf(ag.log(a.abs().round())),
        ((3, 4),),
        "real",
        lambda t, a: t.isneginf(t.log(a.abs().round())),
    ),
    values_case(
        "isfinite",
        lambda a: ag.isfinite(ag.log(a.round())),
        ((3, 4),),
        "real",
        lambda t, a: t.isfinite(t.log(a.round())),
    ),
    values_case("isfinite_int", ag.isfinite, ((3, 4),), "int", lambda t, a: t.isfinite(a)),
    values_case("isnan_bool", ag.isnan, ((3, 4),), "bool", lambda t, a: t.isnan(a)),
    values_case("isreal", ag.isreal, ((3, 4),), "real", lambda t, a: t.isreal(a)),
    values_case(
        "signbit", lambda a: ag.signbit(a.round()), ((3, 4),), "real", lambda t, a: t.signbit(a.round())
    ),
    values_case("signbit_int", ag.signbit, ((3, 4),), "int", lambda t, a: t.signbit(a)),
    values_case(
        "isin",
        lambda a: ag.isin(a, _NEEDLES),
        ((3, 4),),
        "int",
        lambda t, a: t.isin(a, t.from_numpy(_NEEDLES)),
    ),
    values_case(
        "isin_invert",
        lambda a: ag.isin(a, _NEEDLES, invert=True),
        ((3, 4),),
        "int",
        lambda t, a: t.isin(a, t.from_numpy(_NEEDLES), invert=True),
    ),
    *(
        values_case(
            f"{name}{suffix}",
            getattr(ag, name),
            ((3, 4), (4,)),
            domain,
            lambda t, a, b, name=name: getattr(t, name)(a, b),
        )
        for name in ("logical_and", "logical_or", "logical_xor")
        for suffix, domain in (("", "bool"), ("_float", "real"), ("_int", "int"))
    ),
    values_case("logical_not", ag.logical_not, ((3, 4),), "int", lambda t, a: t.logical_not(a)),
    values_case(
        "logical_not_nan",
        lambda a: ag.log(a).logical_not(),
        ((3, 4),),
        "real",
        lambda t, a: t.log(a).logical_not(),
    ),
    *(
        values_case(
            f"{name}{suffix}",
            getattr(ag, name),
            ((3, 4), (4,)),
            domain,
            lambda t, a, b, name=name: getattr(t, name)(a, b),
        )
        for name in ("bitwise_and", "bitwise_or", "bitwise_xor")
        for suffix, domain in (("", "int"), ("_bool", "bool"), ("_mixed", ("bool", "int")))
    ),
    values_case("bitwise_not", ag.bitwise_not, ((3, 4),), "int", lambda t, a: t.bitwise_not(a)),
    values_case("bitwise_not_bool", lambda a: ~a, ((3, 4),), "bool", lambda t, a: ~a),
    values_case(
        "bitwise_operators",
        lambda a, b: (a & 6) | (b ^ a) | (3 & b),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: (a & 6) | (b ^ a) | (3 & b),
    ),
    values_case(
        "shift_left", ag.bitwise_left_shift, ((3, 4), (4,)), "int", lambda t, a, b: t.bitwise_left_shift(a, b)
    ),
    values_case(
        "shift_right",
        ag.bitwise_right_shift,
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: t.bitwise_right_shift(a, b),
    ),
    values_case(
        "shift_operators",
        lambda a, b: (a << 3) + (a >> 1) + (1 << b.abs()) + (64 >> b.abs()),
        ((3, 4), (4,)),
        "int",
        lambda t, a, b: (a << 3) + (a >> 1) + (1 << b.abs()) + (64 >> b.abs()),
    ),
    values_case("shift_bool", lambda a: a << 2, ((3, 4),), "bool", lambda t, a: a << 2),
)
