"""Special functions: the NumPy fallbacks of deepstep.special_gamma equal SciPy's routines (the oracle)
on every region of their domains; the ops equal PyTorch at the poles and edges; deepstep.special
answers arrays with arrays and Tensors with Tensors in the graph, as torch.special does; the
integer and floating-point functions (gcd, lcm, heaviside, frexp, nextafter) and their errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special as scipy_special

import deepstep as ds
from deepstep import special, special_gamma
from torch_oracle import same_error as _same_error

_RNG = np.random.default_rng(0)
_POINTS = np.concatenate(
    [
        _RNG.uniform(-30, 30, 400),
        _RNG.uniform(0, 3, 100),
        [0.0, -0.0, -1, -2, 1e-8, 0.5, 40, 1e5, np.inf, np.nan],
    ]
)


def _close(ours: np.ndarray, expected: np.ndarray, rtol: float) -> None:
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_array_equal(
        ours[~finite & ~np.isnan(expected)], expected[~finite & ~np.isnan(expected)]
    )
    scale = np.maximum(1.0, np.abs(expected[finite]))
    assert np.max(np.abs(ours[finite] - expected[finite]) / scale, initial=0) < rtol


@pytest.mark.parametrize(
    "name, reference, rtol",
    [
        ("gammaln", scipy_special.gammaln, 1e-14),
        ("digamma", scipy_special.psi, 1e-12),
        ("i1", scipy_special.i1, 1e-12),
        ("log_ndtr", scipy_special.log_ndtr, 1e-11),
        ("erfcx", scipy_special.erfcx, 1e-12),
    ],
)
def test_fallbacks_equal_scipy(name, reference, rtol):
    points = _POINTS[np.abs(_POINTS) < 700] if name == "i1" else _POINTS
    with np.errstate(all="ignore"):
        _close(getattr(special_gamma, name)(points, use_scipy=False), reference(points), rtol)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_fallback_equals_scipy(n):
    points = _POINTS[np.isfinite(_POINTS) | np.isnan(_POINTS)]
    with np.errstate(all="ignore"):
        ours = special_gamma.polygamma(n, points, use_scipy=False)
        expected = scipy_special.polygamma(n, points)
    poles = (points <= 0) & (points == np.floor(points))
    _close(ours[~poles], expected[~poles], 1e-11)
    assert np.all(np.isinf(ours[poles]))


def test_ndtri_fallback_equals_scipy():
    p = np.concatenate([_RNG.uniform(0, 1, 300), [0.0, 1.0, 1e-300, 1 - 1e-16, -1.0, 2.0, np.nan]])
    _close(special_gamma.ndtri(p, use_scipy=False), scipy_special.ndtri(p), 1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_routines_keep_the_floating_dtype(dtype):
    x = np.array([0.5, 1.5], dtype=dtype)
    for name in ("gammaln", "digamma", "i0", "i1", "log_ndtr", "erfcx"):
        for use_scipy in (True, False):
            fn = getattr(special_gamma, name)
            out = fn(x) if name == "i0" else fn(x, use_scipy=use_scipy)
            assert out.dtype == dtype and out.shape == x.shape
    assert special_gamma.gammaln(np.arange(1, 4)).dtype == np.float64


def test_values_at_the_poles_and_edges_equal_torch(torch):
    x = np.array([0.0, -0.0, -1.0, -2.5, 1e-300, 1.0, 50.0, np.inf, -np.inf, np.nan])
    for name in ("lgamma", "digamma", "i0"):
        ours, theirs = getattr(ds, name)(ds.tensor(x)), getattr(torch, name)(torch.tensor(x))
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, equal_nan=True)
    for n in (1, 2):  # (PyTorch's ψ⁽ⁿ⁾ is exact to ~5e−10 only: ψ′(1) = π²/6 + 8e−10)
        finite = x[np.isfinite(x) & (x != -1)]
        np.testing.assert_allclose(
            ds.polygamma(n, ds.tensor(finite)).data,
            torch.polygamma(n, torch.tensor(finite)).numpy(),
            rtol=1e-9,
        )


def test_special_namespace_answers_arrays_with_arrays_and_tensors_with_tensors(torch):
    a = np.array([0.3, 1.7])
    for name in (
        "erf",
        "erfc",
        "gammaln",
        "digamma",
        "psi",
        "i0",
        "ndtr",
        "ndtri",
        "log_ndtr",
        "erfcx",
        "expit",
        "entr",
        "exp2",
    ):
        fn = getattr(special, name)
        array_out, tensor_out = (
            fn(a if name != "ndtri" else a / 2),
            fn(ds.tensor(a if name != "ndtri" else a / 2)),
        )
        assert isinstance(array_out, np.ndarray) and isinstance(tensor_out, ds.Tensor)
        np.testing.assert_allclose(array_out, tensor_out.data, rtol=1e-14)
        reference = getattr(torch.special, name)(torch.tensor(a if name != "ndtri" else a / 2))
        np.testing.assert_allclose(tensor_out.data, reference.numpy(), rtol=1e-12)
    t = ds.tensor(a, requires_grad=True)
    special.gammaln(t).sum().backward()
    np.testing.assert_allclose(t.grad.data, scipy_special.psi(a))
    assert special.polygamma(1, a).shape == (2,) and isinstance(special.polygamma(1, ds.tensor(a)), ds.Tensor)


def test_in_place_forms(torch):
    x = np.array([1.5, 2.5, 4.0])
    for name, args in (
        ("lgamma_", ()),
        ("digamma_", ()),
        ("i0_", ()),
        ("polygamma_", (2,)),
        ("mvlgamma_", (2,)),
    ):
        ours, theirs = ds.tensor(x.copy()), torch.tensor(x.copy())
        assert getattr(ours, name)(*args) is ours
        getattr(theirs, name)(*args)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
        leaf, leaf_t = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        _same_error(
            lambda n=name, v=leaf, a=args: getattr(v, n)(*a),
            lambda n=name, v=leaf_t, a=args: getattr(v, n)(*a),
        )
    for name, other in (("gcd_", [8, 12, 5]), ("lcm_", [4, 6, 0])):
        ours, theirs = ds.tensor([12, -18, 0]), torch.tensor([12, -18, 0])
        getattr(ours, name)(ds.tensor(other))
        getattr(theirs, name)(torch.tensor(other))
        np.testing.assert_array_equal(ours.data, theirs.numpy())


ERRORS = [
    pytest.param(lambda lib: lib.gcd(lib.ones(2), lib.ones(2)), id="gcd_float"),
    pytest.param(lambda lib: lib.lcm(lib.ones(2), lib.ones(2)), id="lcm_float"),
    pytest.param(
        lambda lib: lib.heaviside(lib.ones(2), lib.ones(1, dtype=lib.float64)), id="heaviside_dtypes"
    ),
    pytest.param(lambda lib: lib.frexp(lib.arange(3)), id="frexp_int"),
    pytest.param(lambda lib: lib.polygamma(-1, lib.ones(2)), id="polygamma_negative"),
    pytest.param(lambda lib: lib.mvlgamma(lib.ones(2) * 3, 0), id="mvlgamma_p"),
    pytest.param(lambda lib: lib.tensor([1, 2]).gcd_(lib.tensor([1.0, 2.0])), id="gcd_inplace_float"),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_have_torch_types(call, torch):
    _same_error(lambda: call(ds), lambda: call(torch))


def test_functions_without_gradient_and_their_dtypes(torch):
    x = np.array([8.0, 0.3, 0.0, -3.0, np.inf, -0.0])
    mantissa, exponent = ds.frexp(ds.tensor(x))
    reference = torch.frexp(torch.tensor(x))
    np.testing.assert_array_equal(mantissa.data, reference.mantissa.numpy())
    np.testing.assert_array_equal(exponent.data, reference.exponent.numpy())
    assert exponent.dtype == np.int32 and type(ds.frexp(ds.tensor(x))).__match_args__ == (
        "mantissa",
        "exponent",
    )
    a, b = np.array([-1.0, 0.0, 2.0, np.nan]), np.array([0.5])
    np.testing.assert_array_equal(
        ds.heaviside(ds.tensor(a), ds.tensor(b)).data,
        torch.heaviside(torch.tensor(a), torch.tensor(b)).numpy(),
    )
    a32 = np.array([1.0, 0.0], np.float32)
    np.testing.assert_array_equal(
        ds.nextafter(ds.tensor(a32), ds.tensor(np.float32([2.0, -1.0]))).data,
        torch.nextafter(torch.tensor(a32), torch.tensor([2.0, -1.0])).numpy(),
    )
    g = ds.gcd(ds.tensor(np.int32([12, 18])), ds.tensor([8, 12]))
    assert str(g.dtype) == str(
        torch.gcd(torch.tensor([12, 18], dtype=torch.int32), torch.tensor([8, 12])).dtype
    ).removeprefix("torch.")
