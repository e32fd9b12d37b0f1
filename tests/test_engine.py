"""The autograd engine behaves as PyTorch's: accumulation, graph freeing, grad mode, errors."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import deepstep as ds


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    x = ds.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.numpy())
    x.zero_grad()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_grad_tensor_object_is_kept_when_accumulating():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward()
    first = x.grad
    x.sum().backward()
    assert x.grad is first
    np.testing.assert_allclose(first.numpy(), [2.0, 2.0])


def test_a_tensor_used_many_times_gets_the_sum_of_its_gradients():
    x = ds.tensor(3.0, requires_grad=True)
    y = x * x + 2 * x + x.exp() - x  # dy/dx = 2x + 2 + e^x - 1
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3 + 2 + np.exp(3.0) - 1, rel=1e-6)


def test_diamond_graph():
    x = ds.tensor(0.7, dtype=np.float64, requires_grad=True)
    a, b = x.sin(), x.cos()
    (a * b + a).backward()
    expected = np.cos(2 * 0.7) + np.cos(0.7)
    assert x.grad.item() == pytest.approx(expected, rel=1e-12)


def test_non_scalar_backward_without_grad_raises():
    x = ds.randn(3, requires_grad=True, seed=0)
    with pytest.raises(RuntimeError, match="one-element output"):
        (x * 2).backward()


def test_backward_with_wrong_gradient_shape_raises():
    x = ds.randn(3, requires_grad=True, seed=0)
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        (x * 2).backward(np.ones(4))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ds.tensor([1.0]).sum().backward()


@pytest.mark.parametrize("data", [[1, 2, 3], [True, False]])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="floating-point"):
        ds.Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        ds.Tensor(data).requires_grad_()


def test_graph_is_freed_after_backward():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_freed_graph_releases_saved_arrays():
    x = ds.randn(100, requires_grad=True, seed=0)
    y = x.exp()
    loss = y.sum()
    loss.backward()
    assert y.grad_fn.inputs is None  # the edges are dropped
    assert not hasattr(y.grad_fn, "z")


def test_a_chain_of_100000_ops_does_not_hit_the_recursion_limit():
    x = ds.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert sys.getrecursionlimit() < 100_000
    y.backward()
    assert x.grad.item() == 1.0


def test_no_grad_as_context_manager_and_decorator():
    x = ds.tensor([1.0], requires_grad=True)
    with ds.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @ds.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert ds.is_grad_enabled()
    z = x * 2
    assert z.requires_grad


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(KeyError), ds.no_grad():
        raise KeyError
    assert ds.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = ds.tensor([1.0], requires_grad=True)
    with ds.no_grad(), ds.enable_grad():
        assert (x * 2).requires_grad


def test_grad_mode_is_per_thread():
    seen = []
    with ds.no_grad():
        worker = threading.Thread(target=lambda: seen.append(ds.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_detach_cuts_the_graph():
    x = ds.tensor([2.0], requires_grad=True)
    y = x * x.detach()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_retain_grad_keeps_intermediate_gradient():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())
    assert (x * 3).grad is None


def test_gradients_of_two_leaves_never_share_memory():
    a = ds.tensor([1.0, 2.0], requires_grad=True)
    b = ds.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.numpy()[:] = 0
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_user_gradient_is_copied():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([1.0, 1.0], dtype=np.float32)
    (x + 0).backward(upstream)
    upstream[:] = 5
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_integer_indices_through_the_graph():
    w = ds.randn(5, 3, requires_grad=True, seed=0)
    idx = ds.Tensor(np.array([4, 4, 0]))
    w[idx].sum().backward()
    expected = np.zeros((5, 3))
    expected[4] = 2
    expected[0] = 1
    np.testing.assert_allclose(w.grad.numpy(), expected)


def test_in_place_write_into_a_tensor_that_requires_grad_raises():
    x = ds.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x[0] = 1.0
    y = ds.zeros(3)
    y[1] = 2.0
    np.testing.assert_allclose(y.numpy(), [0, 2, 0])


def test_leaf_gradient_of_a_leaf_root():
    x = ds.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_custom_function_with_wrong_gradient_shape_is_reported():
    class Broken(ds.Function):
        def forward(self, a):
            return a * 2

        def backward(self, g):
            return (g.sum(),)

    x = ds.randn(3, requires_grad=True, seed=0)
    with pytest.raises(RuntimeError, match=r"Broken.backward gave a gradient of shape \(\)"):
        Broken()(x).sum().backward()
