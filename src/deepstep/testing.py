"""torch.testing: assert_close, which compares tensors (and scalars, NumPy arrays, and sequences and
mappings of them) up to tolerances chosen by dtype, with PyTorch's messages; make_tensor, which makes
random test inputs.

Two values a (actual) and e (expected) are close when |a − e| ≤ atol + rtol·|e| (elementwise; inf
equals inf of the same sign, NaN equals NaN only with equal_nan=True). The default (rtol, atol) per
dtype is PyTorch's: float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5), float32 and complex64 (1.3e-6, 1e-5),
float64 and complex128 (1e-7, 1e-7), every other dtype (0, 0): equal.
"""

from __future__ import annotations

import cmath
import collections.abc
import contextlib
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd.creation import tensor
from .autograd.tensor import Tensor
from .random import default_generator

__all__ = ["assert_close", "make_tensor"]

#: {dtype: (rtol, atol)}: PyTorch's default tolerances (torch/testing/_comparison.py).
_PRECISIONS = {
    np.dtype(np.float16): (0.001, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
try:  # bfloat16 exists where ml_dtypes is installed
    import ml_dtypes

    _PRECISIONS[np.dtype(ml_dtypes.bfloat16)] = (0.016, 1e-5)
except ImportError:  # pragma: no cover - optional
    pass

# Python numbers compare with the tolerances of the dtype PyTorch gives them
_NUMBER_DTYPES = {int: np.dtype(np.int64), float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


class _Failure(Exception):
    """A failed comparison: the exception type to raise, the message, and where in the inputs."""

    def __init__(self, kind: type[Exception], msg: str, at: tuple[Any, ...] = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.at = kind, msg, at

    def error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.at:
            text += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.at)}"
        return self.kind(msg(text) if callable(msg) else text)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Raise an AssertionError unless actual and expected are close: |a − e| ≤ atol + rtol·|e| for every
    element, after their shapes (and dtypes, and strides when asked) have been checked to match.

    Inputs that cannot be compared (a Tensor with a NumPy array, strings) raise a TypeError, rtol
    without atol (or the reverse) a ValueError. `msg` replaces the message (a callable gets it and
    returns the new one). deepstep has one device and one layout, so those checks always pass."""
    options = dict(
        allow_subclasses=allow_subclasses,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_dtype=check_dtype,
        check_stride=check_stride,
    )
    try:
        pairs = _pairs(actual, expected, ())
        for pair in pairs:  # every pair is made (its TypeErrors raised) before any is compared
            pair[0] = _prepare(*pair, options)
        for prepared, _, _, at in pairs:
            _compare(prepared, options, at)
    except _Failure as failure:
        raise failure.error(msg) from None


def _pairs(actual: Any, expected: Any, at: tuple[Any, ...]) -> list[list[Any]]:
    """The leaves to compare, [None, actual, expected, where], recursing through sequences and mappings."""
    Sequence, Mapping = collections.abc.Sequence, collections.abc.Mapping
    if (
        isinstance(actual, Sequence)
        and not isinstance(actual, str)
        and isinstance(expected, Sequence)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise _Failure(
                AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", at
            )
        return [p for i in range(len(actual)) for p in _pairs(actual[i], expected[i], (*at, i))]
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise _Failure(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(set(expected) - set(actual))}\n"
                f"Additional keys in the actual mapping: {sorted(set(actual) - set(expected))}",
                at,
            )
        keys: Any = list(actual)
        with contextlib.suppress(TypeError):  # keys of mixed types keep the mapping's order
            keys = sorted(keys)
        return [p for key in keys for p in _pairs(actual[key], expected[key], (*at, key))]
    return [[None, actual, expected, at]]


def _prepare(_: Any, actual: Any, expected: Any, at: tuple[Any, ...], options: dict) -> tuple[str, Any, Any]:
    """Which comparison the pair gets (PyTorch's order: None, booleans, numbers, tensor-likes)."""
    if actual is None or expected is None:
        return ("none", actual, expected)
    booleans = (bool, np.bool_)
    if isinstance(actual, booleans) and isinstance(expected, booleans):
        return ("bool", bool(actual), bool(expected))
    numbers = (int, float, complex, np.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        a, e = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        return ("number", a, e)
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    same_kind = options["allow_subclasses"] or type(actual) is type(expected)
    if related and same_kind and isinstance(actual, (Tensor, np.ndarray)):
        return ("tensor", actual, expected)
    raise _Failure(
        TypeError,
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
        at,
    )


def _tolerances(
    dtypes: list[np.dtype], rtol: float | None, atol: float | None, at: tuple
) -> tuple[float, float]:
    """The given tolerances (both or neither), or the loosest defaults of the dtypes."""
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise _Failure(
            ValueError,
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.",
            at,
        )
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*(_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in dtypes), strict=True)
    return max(rtols), max(atols)


def _compare(prepared: tuple[str, Any, Any], options: dict, at: tuple) -> None:
    kind, actual, expected = prepared
    if kind == "none":
        if not (actual is None and expected is None):
            raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}", at)
    elif kind == "bool":
        if actual is not expected:
            raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}", at)
    elif kind == "number":
        _compare_numbers(actual, expected, options, at)
    else:
        _compare_tensors(actual, expected, options, at)


def _compare_numbers(actual: Any, expected: Any, options: dict, at: tuple) -> None:
    rtol, atol = _tolerances(
        [_NUMBER_DTYPES[type(x)] for x in (actual, expected)], options["rtol"], options["atol"], at
    )
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", at)
    if actual == expected:
        return
    if options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
        return
    difference = abs(actual - expected)
    if cmath.isfinite(difference) and difference <= atol + rtol * abs(expected):
        return
    raise _Failure(AssertionError, _scalar_message(actual, expected, rtol, atol), at)


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    difference = abs(actual - expected)
    relative = float("inf") if expected == 0 else difference / abs(expected)
    return _message(
        "Scalars", f"Expected {expected} but got {actual}.", difference, None, atol, relative, None, rtol
    )


def _message(
    what: str, extra: str, difference: Any, at_abs: Any, atol: float, relative: Any, at_rel: Any, rtol: float
) -> str:
    """PyTorch's mismatch report: the header, what mismatched, the greatest differences and tolerances."""
    equality = rtol == 0 and atol == 0
    lines = [f"{what} are not {'equal' if equality else 'close'}!\n", extra]
    for name, diff, where, tol in (
        ("absolute", difference, at_abs, atol),
        ("relative", relative, at_rel, rtol),
    ):
        line = (
            f"{name.title()} difference: {diff}"
            if where is None
            else f"Greatest {name} difference: {diff} at index {where}"
        )
        lines.append(line if equality else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)


def _compare_tensors(actual: Any, expected: Any, options: dict, at: tuple) -> None:
    a = actual.data if isinstance(actual, Tensor) else actual
    e = expected.data if isinstance(expected, Tensor) else expected

    def mismatch(name: str, got: Any, wanted: Any) -> _Failure:
        return _Failure(
            AssertionError, f"The values for attribute '{name}' do not match: {got} != {wanted}.", at
        )

    if a.shape != e.shape:
        raise mismatch("shape", actual.shape, expected.shape)
    if options["check_stride"]:
        strides = [
            x.stride() if isinstance(x, Tensor) else tuple(s // x.itemsize for s in x.strides)
            for x in (actual, expected)
        ]
        if strides[0] != strides[1]:
            raise mismatch("stride()", *strides)
    if options["check_dtype"] and a.dtype != e.dtype:
        raise mismatch("dtype", actual.dtype, expected.dtype)
    rtol, atol = _tolerances([a.dtype, e.dtype], options["rtol"], options["atol"], at)
    if a.dtype != e.dtype:
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    if a.dtype.kind in "fc":
        with np.errstate(invalid="ignore", over="ignore"):
            matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=options["equal_nan"])
    else:
        matches = a == e  # integers and booleans: isclose with finite tolerances on exact values
        if rtol or atol:
            matches = np.abs(a.astype(np.int64) - e.astype(np.int64)) <= atol + rtol * np.abs(
                e.astype(np.int64)
            )
    if matches.all():
        return
    if a.ndim == 0:
        raise _Failure(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol), at)
    raise _Failure(AssertionError, _tensor_message(a, e, matches, rtol, atol), at)


def _tensor_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float, atol: float) -> str:
    """The counts of mismatched elements and where the greatest absolute and relative differences are."""
    total, wrong = matches.size, int(matches.size - matches.sum())
    extra = f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})"
    a, e, ok = a.ravel(), e.ravel(), matches.ravel()
    if a.dtype.kind not in "fc":
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        difference = np.abs(a - e)
        difference[ok] = 0
        # PyTorch divides integers in its default float dtype
        relative = (
            difference / np.abs(e)
            if a.dtype.kind in "fc"
            else np.true_divide(difference, np.abs(e), dtype=np.float32)
        )
        relative[ok] = 0
    where_abs, where_rel = _argmax(difference), _argmax(relative)
    return _message(
        "Tensor-likes",
        extra,
        difference[where_abs].item(),
        _index(where_abs, matches.shape),
        atol,
        relative[where_rel].item(),
        _index(where_rel, matches.shape),
        rtol,
    )


def _argmax(x: np.ndarray) -> int:
    """torch.max's index: a NaN is the greatest value (np.argmax agrees: it returns the first NaN)."""
    return int(np.argmax(x))


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def make_tensor(
    *shape: int | Sequence[int],
    dtype: Any,
    device: Any = None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of the shape and dtype with values drawn uniformly from [low, high) by the library's
    generator (so manual_seed repeats it). Defaults: [-9, 9) for floating and complex dtypes (both parts),
    [-9, 10) for signed integers, [0, 10) for unsigned ones, [0, 2) for bool; bounds beyond the dtype's
    finite range are clamped to it. noncontiguous=True gives a strided view (with two or more elements);
    exclude_zero=True replaces zeros by 1 (integers, bool) or the dtype's smallest normal number."""
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    dtype = np.dtype(dtype)
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
            f"noncontiguous={noncontiguous} and memory_format={memory_format}"
        )
    if memory_format is not None:
        raise NotImplementedError("make_tensor(memory_format=…): deepstep tensors have one memory format")
    exact = dtype.kind in "biu"
    if requires_grad and exact:
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={dtype}"
        )
    if dtype.kind not in "biufc":
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor().")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # twice the last axis, then every other element from the second: a strided view
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype.kind == "b":
        low, high = _bounds(low, high, dtype, 0, 2, 0, 2)
        values = default_generator.integers(low, high, shape).astype(dtype)
    elif exact:
        info = np.iinfo(dtype)
        top = info.max + (1 if dtype != np.int64 else 0)  # (PyTorch cannot draw int64's maximum either)
        low, high = _bounds(low, high, dtype, info.min, top, -9, 10)
        values = default_generator.integers(low, high, shape, dtype=np.int64 if dtype != np.uint64 else dtype)
        values = values.astype(dtype)
    else:
        info = np.finfo(dtype)
        low, high = _bounds(low, high, dtype, float(info.min), float(info.max), -9, 9)
        parts = 2 if dtype.kind == "c" else 1
        values = _uniform(low, high, (*shape, parts), info.dtype)
        values = values[..., 0] + 1j * values[..., 1] if parts == 2 else values[..., 0]
        values = values.astype(dtype)
    if exclude_zero:
        values[values == 0] = 1 if exact else np.finfo(dtype).tiny * (1 + 1j if dtype.kind == "c" else 1)
    result = tensor(values, device=device)
    if noncontiguous:
        result = result[..., 1::2]
    if not exact and requires_grad:
        result.requires_grad_(True)
    return result


def _uniform(low: float, high: float, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Uniform on [low, high) in dtype: drawn in float64, halved when the range would overflow, and kept
    below high where rounding to dtype would reach it."""
    if high - low >= np.finfo(np.float64).max:
        drawn = default_generator.uniform(low / 2, high / 2, shape) * 2
    else:
        drawn = default_generator.uniform(low, high, shape)
    values = drawn.astype(dtype)
    if low < high:
        values = np.minimum(values, np.nextafter(dtype.type(high), dtype.type(low)))
    return values


def _bounds(
    low: Any,
    high: Any,
    dtype: np.dtype,
    lowest: float,
    highest: float,
    default_low: float,
    default_high: float,
) -> tuple[Any, Any]:
    """PyTorch's checks and clamping of make_tensor's [low, high) for the dtype."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.kind in "fc":
        warnings.warn(
            "Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated "
            "since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
            FutureWarning,
            stacklevel=3,
        )
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(
            f"The value interval specified by `low` and `high` is [{low}, {high}), but {dtype} only supports "
            f"[{lowest}, {highest})"
        )
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype.kind in "biu":  # ceil both: no value below low, and randint's high is exclusive
        return math.ceil(low), math.ceil(high)
    return low, high
