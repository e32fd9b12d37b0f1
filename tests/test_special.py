"""deepstep.special: erf, erfc and erfinv equal SciPy's (the oracle) through both paths, SciPy's
and the standard library's fallback, on every region of their domains and at their edges, keeping
the input's floating dtype; and the autograd ops built on them equal PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special as scipy_special

import deepstep as ds
from deepstep import special

_EDGES = np.array([-np.inf, -30.0, -6.0, -1e-300, -0.0, 0.0, 1e-300, 1e-8, 0.5, 3.0, 27.0, np.inf, np.nan])
_INVERSE_EDGES = np.array(
    [-1.5, -1.0, -0.999999, -1e-12, -0.0, 0.0, 1e-300, 0.3, 0.999999999, 1.0, 1.5, np.nan]
)


def _points(edges: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = 1.0 if edges is _INVERSE_EDGES else 4.0
    return np.concatenate([edges, rng.uniform(-scale, scale, 200)])


@pytest.mark.parametrize("use_scipy", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_and_erfc_equal_scipy(name, dtype, use_scipy):
    x = _points(_EDGES, 0).astype(dtype)
    ours = getattr(special, name)(x, use_scipy=use_scipy)
    assert ours.dtype == dtype and ours.shape == x.shape
    expected = getattr(scipy_special, name)(x.astype(np.float64)).astype(dtype)
    # atol: erfc(27) ≈ 5.2e−319 is subnormal; the standard library gives it, SciPy gives 0
    np.testing.assert_allclose(ours, expected, rtol=2e-15 if dtype == np.float64 else 2e-7, atol=1e-300)


@pytest.mark.parametrize("use_scipy", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_erfinv_equals_scipy_and_inverts_erf(dtype, use_scipy):
    y = _points(_INVERSE_EDGES, 1).astype(dtype)
    with np.errstate(all="ignore"):
        ours = special.erfinv(y, use_scipy=use_scipy)
    assert ours.dtype == dtype and ours.shape == y.shape
    expected = scipy_special.erfinv(y.astype(np.float64)).astype(dtype)
    np.testing.assert_allclose(ours, expected, rtol=1e-13 if dtype == np.float64 else 2e-7, atol=0)
    inside = np.abs(y.astype(np.float64)) < 0.999
    np.testing.assert_allclose(
        scipy_special.erf(ours[inside]), y[inside], rtol=1e-12 if dtype == np.float64 else 1e-6
    )


@pytest.mark.parametrize("use_scipy", [True, False])
def test_shapes_and_0d_inputs_are_kept(use_scipy):
    for fn in (special.erf, special.erfc, special.erfinv):
        assert fn(np.zeros((2, 0, 3)), use_scipy=use_scipy).shape == (2, 0, 3)
        out = fn(np.float64(0.25), use_scipy=use_scipy)
        assert out.shape == () and out.dtype == np.float64
        assert fn([0.1, 0.2], use_scipy=use_scipy).shape == (2,)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_the_autograd_ops_equal_torch_in_values_and_gradients(name, torch):
    x = np.concatenate([np.linspace(-0.99, 0.99, 41), [-1.0, 1.0, 0.0, 2.0, np.nan]])
    ours = ds.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, ref = getattr(ds, name)(ours), getattr(torch, name)(theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-15)
    out.backward(np.ones(x.shape))  # not out.sum(): erfinv(±1) = ±inf would sum to nan
    ref.backward(torch.ones(x.shape, dtype=torch.float64))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
