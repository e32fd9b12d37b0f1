"""In-place ops, the version counter and hooks, each against what PyTorch does."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds


def test_manual_sgd_update_keeps_the_leaf(torch):
    w = ds.tensor([1.0, -2.0, 3.0], requires_grad=True)
    tw = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    for _ in range(3):
        (w * w).sum().backward()
        (tw * tw).sum().backward()
        identity = id(w)
        with ds.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        with torch.no_grad():
            tw -= 0.1 * tw.grad
            tw.grad.zero_()
        assert id(w) == identity and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
def test_inplace_arithmetic_on_a_leaf_in_grad_mode_raises_as_torch(op, torch):
    w = ds.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(w, op)(2.0)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(torch.ones(3, requires_grad=True), op)(2.0)


def test_inplace_ops_on_non_leaves_are_differentiated(torch):
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((2, 3)), rng.standard_normal(3)

    def run(lib, a, b):
        y = a * 2
        y += b
        y *= b
        y -= 1.0
        y /= a.exp()
        return y.sum()

    a, b = ds.tensor(a0, requires_grad=True), ds.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    out, ref = run(ds, a, b), run(torch, ta, tb)
    out.backward()
    ref.backward()
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)


def test_users_of_the_old_value_still_get_their_gradient(torch):
    x0 = np.array([0.5, -1.0, 2.0])
    x, tx = ds.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    results = []
    for t in (x, tx):
        y = t * 3
        z = y * y  # saves y's old value? no: y itself, so the next line must not corrupt it …
        w = y + 0
        w.mul_(t)  # … while w is rebased in place
        results.append(z.sum() + w.sum())
    results[0].backward()
    results[1].backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_modifying_a_saved_tensor_in_place_raises_at_backward(torch):
    for lib in (ds, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        y = a * 1
        z = (y * y).sum()  # mul saves y
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()
    # the output saved by exp
    a = ds.tensor([1.0, 2.0], requires_grad=True)
    e = a.exp()
    e.add_(1)
    with pytest.raises(RuntimeError, match=r"output of <ExpBackward>.*written in place"):
        e.sum().backward()


def test_add_does_not_save_its_inputs_so_changing_them_is_fine(torch):
    a = ds.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    z = (y + 2).sum()
    y.add_(1)
    z.backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.0, 1.0])


def test_version_counter_counts_writes_and_is_shared_with_views(torch):
    t = ds.zeros(2, 3)
    assert t._version == 0
    t.add_(1)
    t[0] = 5.0
    assert t._version == 2
    v = t.reshape(6)
    d = t.detach()
    v.mul_(2)
    assert t._version == v._version == d._version == 3
    assert t.numpy()[0, 0] == 10.0


def test_setitem_records_the_graph(torch):
    rng = np.random.default_rng(1)
    h0 = rng.standard_normal((4, 3))

    def run(lib, h):
        out = lib.zeros(2, 4, 3, dtype=lib.float64)
        out[0] = h.tanh()
        out[1, 1:] = h[:3] * 2
        return (out * out).sum()

    h, th = ds.tensor(h0, requires_grad=True), torch.tensor(h0, requires_grad=True)
    run(ds, h).backward()
    run(torch, th).backward()
    np.testing.assert_allclose(h.grad.numpy(), th.grad.numpy(), rtol=1e-12)


def test_setitem_under_no_grad_writes_into_a_parameter():
    w = ds.zeros(3, requires_grad=True)
    with ds.no_grad():
        w[1] = 2.0
    assert w.is_leaf and w.requires_grad and w.numpy().tolist() == [0.0, 2.0, 0.0]
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 1.0


def test_inplace_result_that_does_not_fit_raises(torch):
    with pytest.raises(RuntimeError, match="can't be cast"):
        ds.tensor([1, 2]).add_(0.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.tensor([1, 2]).add_(0.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ds.zeros(3).add_(ds.zeros(2, 3))
    with pytest.raises(RuntimeError, match="read-only"):
        ds.zeros(3, 1).expand(3, 4).add_(1)


def test_register_hook_on_leaf_and_non_leaf(torch):
    seen = []
    for lib in (ds, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: g * 10)
        handle = x.register_hook(lambda g, lib=lib: seen.append((lib.__name__, g.numpy().tolist())))
        y.sum().backward()
        assert x.grad.numpy().tolist() == [30.0, 30.0]
        handle.remove()
        x.grad = None
        (x * 1).sum().backward()
    assert seen == [("deepstep", [30.0, 30.0]), ("torch", [30.0, 30.0])]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    assert y.retains_grad
    (y * 2).sum().backward()
    assert y.grad.numpy().tolist() == [2.0, 2.0]


def _both(torch, fn, *arrays):
    """fn(lib, *leaves) in deepstep and in torch; returns both leaves' gradients after backward."""
    grads = []
    for lib in (ds, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *leaves)
        out.backward()
        grads.append([leaf.grad.numpy() for leaf in leaves])
    return grads


@pytest.mark.parametrize(
    "name",
    ["iadd_slice", "view_mul_", "reshape_then_index", "accumulate_into_zeros", "twice", "setitem_on_view"],
)
def test_inplace_ops_on_views_rebase_the_base_as_torch_does(torch, name):
    rng = np.random.default_rng(11)
    a0, h0 = rng.standard_normal((3, 4)), rng.standard_normal(3)

    def iadd_slice(lib, a, h):
        y = a * 2
        y[:, 0] += h
        return (y * y).sum()

    def view_mul_(lib, a, h):
        y = a * 2
        v = y[1]
        v.mul_(h[0])
        return (y * a).sum() + v.sum()

    def reshape_then_index(lib, a, h):
        y = a + 0
        y.reshape(12)[2:5] *= h
        return (y.tanh() * a).sum()

    def accumulate_into_zeros(lib, a, h):
        out = lib.zeros(3, 4, dtype=lib.float64)
        for t in range(4):
            out[:, t] += a[:, t] * h
        return (out * out).sum()

    def twice(lib, a, h):
        y = a * 1
        row = y[0]
        row += 1
        row.mul_(h[1])
        return (y * a).sum()

    def setitem_on_view(lib, a, h):
        y = a * 1
        col = y[:, 1]
        col[0] = h[2] * 3
        return (y**2).sum() + col.sum()

    fn = locals()[name]
    ours, theirs = _both(torch, fn, a0, h0)
    for mine, oracle in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, oracle, rtol=1e-12, atol=1e-12)


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises_as_torch(torch):
    for lib in (ds, torch):
        w = lib.ones(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            w[0].add_(1)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            w[:, 1] += 1


def test_writing_through_a_view_invalidates_what_ops_saved_of_the_base(torch):
    for lib in (ds, torch):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = a * 1
        z = (y * y).sum()
        y[0].add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()
        e = a.exp()  # exp keeps its output
        e[1].mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            e.sum().backward()
