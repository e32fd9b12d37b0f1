"""gradcheck and numerical_grad: they find wrong gradients and pass right ones."""

from __future__ import annotations

import re

import numpy as np
import pytest

import deepstep as ds


class WrongSin(ds.Function):
    """sin with the derivative's sign flipped: a bug gradcheck must catch."""

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return (-g * np.cos(self.a),)


def test_numerical_grad_of_a_known_function(rng):
    x = rng.standard_normal((3, 2))
    grad = ds.numerical_grad(lambda t: (t**3).sum(), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7)


@pytest.mark.parametrize(
    "layout",
    [np.asfortranarray, lambda a: a.T.copy().T, lambda a: np.repeat(a, 2, axis=1)[:, ::2], ds.tensor],
    ids=["fortran", "transposed", "strided", "tensor"],
)
def test_numerical_grad_of_inputs_in_any_memory_layout(rng, layout):
    """Every element is stepped whatever the input's layout (a Fortran-ordered point once got a zero
    gradient: its flat view was a copy, and the steps never reached fn)."""
    x = rng.standard_normal((3, 4))
    grad = ds.numerical_grad(lambda t: (t**3).sum(), layout(x))
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7)
    assert ds.gradcheck(lambda t: (t**3).sin(), layout(x))
    with pytest.raises(ds.GradcheckError):
        ds.gradcheck(lambda t: WrongSin()(t), layout(x))


def test_gradcheck_passes_a_correct_gradient(rng):
    assert ds.gradcheck(
        lambda a, b: (a @ b).sigmoid(), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    )


def test_gradcheck_names_input_index_and_values(rng):
    x = rng.standard_normal(5)
    with pytest.raises(
        ds.GradcheckError, match=r"input 1 \(shape \(5,\)\) is wrong at index \(\d+,\)"
    ) as info:
        ds.gradcheck(lambda a, b: a * WrongSin()(b), x, x + 1.0)
    assert "analytic" in str(info.value) and "numeric" in str(info.value)
    assert not ds.gradcheck(lambda a: WrongSin()(a), x, raise_exception=False)


def test_gradcheck_message_prints_plain_numbers(rng):
    x = rng.standard_normal(5)
    with pytest.raises(ds.GradcheckError) as info:
        ds.gradcheck(lambda a: WrongSin()(a), x)
    message = str(info.value)
    assert "np." not in message and "float64" not in message
    assert re.search(r"analytic -?\d[\d.e+-]*, numeric -?\d[\d.e+-]* \(", message), message


def test_gradcheck_passes_integer_inputs_through(rng):
    w = rng.standard_normal((4, 3))
    idx = np.array([3, 3, 1])
    assert ds.gradcheck(lambda table, i: table[i.numpy()], w, idx)


def test_gradcheck_needs_a_float_input():
    with pytest.raises(ValueError, match="floating-point"):
        ds.gradcheck(lambda i: i * 2, np.array([1, 2]))


def test_gradcheck_runs_in_float64_even_for_float32_inputs(rng):
    x = ds.Tensor(rng.standard_normal(4).astype(np.float32))
    seen = []
    ds.gradcheck(lambda t: seen.append(t.dtype) or t.exp(), x)
    assert set(seen) == {np.dtype(np.float64)}


def test_gradcheck_takes_pytorchs_tuple_of_inputs(torch):
    """gradcheck(fn, (x, w)) as PyTorch writes it: the tuple holds the inputs; a wrong gradient is
    still caught, and the message names the input's own shape."""
    x = ds.randn(5, dtype=ds.float64, generator=np.random.default_rng(0))
    w = ds.randn(5, dtype=ds.float64, generator=np.random.default_rng(1))
    assert ds.gradcheck(lambda a, b: (a * b).sin(), (x, w), fast_mode=True, nondet_tol=0.0)
    assert ds.gradcheck(lambda a: a.exp(), (x,))
    assert ds.gradcheck(lambda a, b: a @ b, [x, w])

    class Wrong(ds.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2·a·g

    with pytest.raises(ds.GradcheckError, match=r"input 0 \(shape \(5,\)\)"):
        ds.gradcheck(Wrong.apply, (x,))
    assert torch.autograd.gradcheck(lambda a: a.exp(), (torch.tensor(x.numpy()).requires_grad_(),))
