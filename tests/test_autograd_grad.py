"""autograd.grad and backward(inputs=) as PyTorch 2.13's: the same gradients, the same Nones and
zeros for unused inputs, no `.grad` touched, hooks run once, and the same exception types."""

from __future__ import annotations

import deepstep.nn.functional as F
import numpy as np
import pytest

import deepstep as ds


def _pair(torch, rng, *shape):
    """The same float64 values as a deepstep leaf and a torch leaf, both wanting gradients."""
    values = rng.standard_normal(shape)
    return ds.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def _network(lib, x, w1, w2):
    """A small two-layer graph in which x and w1 are used twice (gradients from two paths add)."""
    functional = F if lib is ds else lib.nn.functional
    h = functional.gelu(x @ w1) * x.sum()
    return ((h @ w2).tanh() + (x @ w1).sigmoid().mean()).pow(2).sum()


def test_grad_equals_torch_for_leaves_and_intermediates(torch, rng):
    x, tx = _pair(torch, rng, 5, 4)
    w1, tw1 = _pair(torch, rng, 4, 6)
    w2, tw2 = _pair(torch, rng, 6, 3)
    # gradients with respect to the leaves
    ours = ds.autograd.grad(_network(ds, x, w1, w2), [x, w1, w2])
    theirs = torch.autograd.grad(_network(torch, tx, tw1, tw2), [tx, tw1, tw2])
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)
        assert not a.requires_grad and a.dtype == ds.float64
    # and with respect to an intermediate tensor and a leaf together
    h, th = (x @ w1).relu(), (tx @ tw1).relu()
    ours = ds.autograd.grad((h * h.exp()).sum() + (w1 * w1).sum(), [h, w1])
    theirs = torch.autograd.grad((th * th.exp()).sum() + (tw1 * tw1).sum(), [th, tw1])
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


def test_grad_leaves_every_grad_attribute_alone(rng):
    x = ds.tensor(rng.standard_normal(3), requires_grad=True)
    w = ds.tensor(rng.standard_normal(3), requires_grad=True)
    (gx,) = ds.autograd.grad((x * w).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), w.numpy())
    assert x.grad is None and w.grad is None
    # and a later backward accumulates from zero as usual
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), w.numpy())


def test_grad_outputs_weight_several_outputs(torch, rng):
    a, ta = _pair(torch, rng, 3)
    v = rng.standard_normal(3)
    ours = ds.autograd.grad([(a * 2).sum(), a.exp()], a, [None, ds.tensor(v)])
    theirs = torch.autograd.grad([(ta * 2).sum(), ta.exp()], ta, [None, torch.tensor(v)])
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), rtol=1e-14)
    # an output that is itself an input gets its grad_output straight through
    ours = ds.autograd.grad([a.sum(), a], a, [None, ds.tensor(v)])
    theirs = torch.autograd.grad([ta.sum(), ta], ta, [None, torch.tensor(v)])
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), rtol=1e-14)


def test_unused_inputs_raise_or_give_none_or_zeros_as_in_torch(torch):
    a, b = ds.ones(3, requires_grad=True), ds.ones(3, requires_grad=True)
    ta, tb = torch.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="index 1 appears to not have been used"):
        ds.autograd.grad((a * 2).sum(), [a, b])
    with pytest.raises(RuntimeError, match="index 1 appears to not have been used"):
        torch.autograd.grad((ta * 2).sum(), [ta, tb])
    ours = ds.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert ours[1] is None and torch.autograd.grad((ta * 2).sum(), [ta, tb], allow_unused=True)[1] is None
    ours = ds.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)
    np.testing.assert_array_equal(ours[1].numpy(), np.zeros(3))
    with pytest.raises(ValueError, match="allow_unused"):
        ds.autograd.grad((a * 2).sum(), [a, b], allow_unused=False, materialize_grads=True)
    with pytest.raises(ValueError, match="allow_unused"):
        torch.autograd.grad((ta * 2).sum(), [ta, tb], allow_unused=False, materialize_grads=True)


@pytest.mark.parametrize(
    "call",
    [
        "nonscalar_output",
        "input_without_grad",
        "output_without_grad",
        "grad_output_shape",
        "grad_output_count",
        "no_inputs",
        "second_time",
    ],
)
def test_grad_raises_what_torch_raises(torch, call):
    def attempt(lib):
        a = lib.ones(3, requires_grad=True)
        c = lib.ones(3)
        grad = lib.autograd.grad
        if call == "nonscalar_output":
            return grad(a * 2, a)
        if call == "input_without_grad":
            return grad((a * 2).sum(), c)
        if call == "output_without_grad":
            return grad(c.sum(), a)
        if call == "grad_output_shape":
            return grad(a * 2, a, lib.ones(4))
        if call == "grad_output_count":
            return grad([(a * 2).sum(), (a * 3).sum()], a, [None])
        if call == "no_inputs":
            return grad((a * 2).sum(), [])
        y = (a * a).sum()
        grad(y, a)
        return grad(y, a)  # the graph was freed by the first call

    with pytest.raises(Exception) as theirs:
        attempt(torch)
    with pytest.raises(Exception) as ours:
        attempt(ds)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


def test_retain_graph_allows_a_second_call():
    a = ds.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    first = ds.autograd.grad(y, a, retain_graph=True)[0]
    second = ds.autograd.grad(y, a)[0]
    np.testing.assert_array_equal(first.numpy(), second.numpy())


def test_the_same_input_twice_gets_two_separate_arrays():
    a = ds.tensor([1.0, 2.0], requires_grad=True)
    first, second = ds.autograd.grad((a * 3).sum(), [a, a])
    np.testing.assert_array_equal(first.numpy(), [3.0, 3.0])
    first.numpy()[0] = 99.0
    assert second.numpy()[0] == 3.0


def test_hooks_see_the_whole_gradient_once(torch):
    for lib in (ds, torch):
        calls = []
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        a.register_hook(lambda g, calls=calls: calls.append(g.clone()) or g * 10)
        z = a * 2
        z.register_hook(lambda g: g * 100)
        (g,) = lib.autograd.grad((z * a).sum(), a)  # a reached twice: directly and through z
        np.testing.assert_allclose(np.asarray(g.tolist()), [10 * (200 * 1 + 2 * 1), 10 * (200 * 2 + 2 * 2)])
        assert len(calls) == 1


def test_create_graph_is_a_clear_deliberate_difference():
    a = ds.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="gradients of gradients"):
        ds.autograd.grad((a * a).sum(), a, create_graph=True)
    with pytest.raises(NotImplementedError, match="gradients of gradients"):
        (a * a).sum().backward(create_graph=True)


def test_backward_inputs_fills_only_the_named_tensors(torch, rng):
    values = rng.standard_normal((2, 3))
    for lib in (ds, torch):
        a = lib.tensor(values[0], requires_grad=True)
        b = lib.tensor(values[1], requires_grad=True)
        z = a * 2
        z.retain_grad()
        (z * b).sum().backward(inputs=[b])
        np.testing.assert_allclose(np.asarray(b.grad.tolist()), 2 * values[0])
        assert a.grad is None and z.grad is None  # z's op did not run
        # a non-leaf input receives its .grad as retain_grad would give it
        w = a * 3
        (w * w).sum().backward(inputs=[w])
        np.testing.assert_allclose(np.asarray(w.grad.tolist()), 6 * values[0])
        assert a.grad is None
        # an unused input keeps no gradient; an empty list and a tensor without grad raise
        (a * 2).sum().backward(inputs=[b])
        np.testing.assert_allclose(np.asarray(b.grad.tolist()), 2 * values[0])
        with pytest.raises(RuntimeError):
            (a * 2).sum().backward(inputs=[])
        with pytest.raises(RuntimeError):
            (a * 2).sum().backward(inputs=[lib.ones(3)])


def test_input_gradient_of_a_network_for_a_saliency_map(torch, rng):
    """What a saliency map asks: ∂(class score)/∂(image) for a convolutional network, parameters
    untouched."""
    ds.manual_seed(0)
    model = ds.nn.Sequential(ds.nn.Conv2d(1, 4, 3), ds.nn.ReLU(), ds.nn.Flatten(), ds.nn.Linear(4 * 6 * 6, 3))
    twin = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3)
    ).double()
    twin.load_state_dict(
        {k: torch.tensor(np.asarray(v, dtype=np.float64)) for k, v in model.state_dict().items()}
    )
    model = model.to(ds.float64)
    image = rng.standard_normal((1, 1, 8, 8))
    x, tx = ds.tensor(image, requires_grad=True), torch.tensor(image, requires_grad=True)
    (ours,) = ds.autograd.grad(model(x)[0, 2], x)
    (theirs,) = torch.autograd.grad(twin(tx)[0, 2], tx)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)
    assert all(p.grad is None for p in model.parameters())


def test_backward_takes_pytorchs_keyword_names(torch):
    for lib in (ds, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        y = a * 3
        y.backward(gradient=lib.tensor([1.0, 10.0]), retain_graph=True)
        y.backward(gradient=lib.tensor([1.0, 10.0]), retain_graph=None)
        assert a.grad.tolist() == [6.0, 60.0]


def test_backward_inputs_on_a_tensor_that_retains_its_grad_stores_it_once(torch):
    for lib in (ds, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        h = a * 2
        h.retain_grad()
        (h**2).sum().backward(inputs=[a, h])
        assert h.grad.tolist() == [4.0, 8.0]
        assert a.grad.tolist() == [8.0, 16.0]
