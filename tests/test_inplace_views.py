"""A view made before an in-place write into its base (through the base, or through another view)
stands, when used after it, for the base's current value seen through the view's positions: values,
gradients and version-counter errors side by side with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds


def _run(scenario, lib, shape=(4,)):
    """Run scenario(lib, x, w) on float64 leaves x, w: (its forward results, x.grad, w.grad)."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape), requires_grad=True)
    w = lib.tensor(rng.standard_normal(shape), requires_grad=True)
    outs = scenario(lib, x, w)
    outs[-1].backward()
    grads = [None if g is None else g.detach().numpy().copy() for g in (x.grad, w.grad)]
    return [o.detach().numpy().copy() for o in outs], grads


def _same_as_torch(scenario, torch, shape=(4,)):
    outs, grads = _run(scenario, ds, shape)
    touts, tgrads = _run(scenario, torch, shape)
    assert len(outs) == len(touts)
    for out, tout in zip(outs, touts, strict=True):
        np.testing.assert_allclose(out, tout, rtol=1e-12, atol=1e-12)
    for g, tg in zip(grads, tgrads, strict=True):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-12)


def overlapping_slices(lib, x, w):
    base = x * 1
    a = base[:2]
    base[1:3].mul_(w[:2])  # base[1] and base[2] change; a[1] is base[1]
    return [(a * 10).sum()]


def write_through_the_base(lib, x, w):
    base = x * 1
    a = base[1:]
    base.mul_(w)
    return [a, (a * a).sum()]


def transposed(lib, x, w):
    base = x * 2
    t = base.t()
    base[1].mul_(w[0])  # a row of base is a column of t
    return [t, (t * lib.arange(9.0, dtype=lib.float64).reshape(3, 3)).sum()]


def as_strided_overlapping(lib, x, w):
    base = x + 0
    s = base.as_strided((3, 2), (1, 1))  # overlapping windows of base
    base[1:3].add_(w[:2] * w[:2])
    return [s, (s * s).sum()]


def diagonal(lib, x, w):
    base = x * 1
    d = base.diagonal()
    base[1].mul_(w[1])  # changes d[1]
    return [d, (d.exp()).sum()]


def chained_views(lib, x, w):
    base = x * 1
    v = base.reshape(4, 4)[1:].t()[::2]  # three view ops
    base.reshape(4, 4)[:, 1].mul_(w.reshape(4, 4)[0])  # a column, written through another chain
    return [v, (v * v).sum()]


def used_before_and_after(lib, x, w):
    base = x * 1
    a = base[:3]
    before = a.sum() * 3  # recorded with the old value
    base[1:].mul_(w[1:])
    after = (a * a).sum()
    return [before, after, before + after]


def several_writes(lib, x, w):
    base = x * 1
    a = base[:2]
    b = base[1:3]
    c = base[::2]
    b.mul_(w[:2])
    a.add_(w[2:])  # written through a view that was stale
    base[3:].pow_(2)
    return [a, b, c, (a * 2).sum() + (b * 3).sum() + (c * c).sum() + base.sum()]


def write_into_a_stale_view_of_a_stale_view(lib, x, w):
    base = x * 1
    a = base[1:]
    base[:2].mul_(w[:2])
    a2 = a[:2]  # a view of the stale a, made after the write
    a2.mul_(w[2:])
    return [a, a2, (a * base[1:]).sum()]


def expanded(lib, x, w):
    base = x * 1
    e = base[:1].expand(3)  # every element of e is base[0]
    base[:1].mul_(w[0])
    return [e, (e * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum()]


def base_without_grad(lib, x, w):
    base = lib.zeros(4, dtype=lib.float64)
    a = base[:2]
    base[1:3].copy_(w[:2] * x[:2])  # the base now depends on w and x
    return [(a * 10).sum()]


def written_without_grad(lib, x, w):
    base = x * 1
    a = base[:2]
    with lib.no_grad():
        base[1:3].mul_(2)
    return [a, (a * 10).sum()]


def stale_view_as_the_root(lib, x, w):
    base = x * 1
    a = base[:3]
    base[2:].mul_(w[2:])
    return [a.sum()]


def complex_after_write(lib, x, w):
    base = (x * 1).reshape(2, 2)
    row, col = base[0], base[:, 1]
    col.mul_(w[:2])
    return [row, col, (row * lib.sigmoid(col)).sum()]


SCENARIOS = [  # (scenario, the shape of x and w)
    (overlapping_slices, (4,)),
    (write_through_the_base, (4,)),
    (transposed, (3, 3)),
    (as_strided_overlapping, (4,)),
    (diagonal, (3, 3)),
    (chained_views, (16,)),
    (used_before_and_after, (4,)),
    (several_writes, (4,)),
    (write_into_a_stale_view_of_a_stale_view, (4,)),
    (expanded, (4,)),
    (base_without_grad, (4,)),
    (written_without_grad, (4,)),
    (stale_view_as_the_root, (4,)),
    (complex_after_write, (4,)),
]


@pytest.mark.parametrize(("scenario", "shape"), SCENARIOS, ids=[f.__name__ for f, _ in SCENARIOS])
def test_a_view_made_before_a_write_sees_it(scenario, shape, torch):
    _same_as_torch(scenario, torch, shape)


def test_the_brief_example(torch):
    results = {}
    for lib in (torch, ds):
        x = lib.ones(4, requires_grad=True)
        w = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        base = x * 1
        a = base[:2]
        b = base[1:3]
        b.mul_(w[:2])
        (a * 10).sum().backward()
        results[lib] = (x.grad.numpy().copy(), w.grad.numpy().copy())
    np.testing.assert_array_equal(results[ds][0], [10.0, 10.0, 0.0, 0.0])
    np.testing.assert_array_equal(results[ds][1], [10.0, 0.0, 0.0, 0.0])
    for ours, theirs in zip(results[ds], results[torch], strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_grad_fn_of_a_stale_view_is_rebuilt(torch):
    for lib in (torch, ds):
        x = lib.ones(4, requires_grad=True)
        base = x * 1
        a = base[:2]
        before = a.grad_fn
        base[1:].mul_(2)
        assert a.grad_fn is not before and a.grad_fn is not None
        assert a.grad_fn is a.grad_fn  # rebuilt once, not at every read
        assert not a.is_leaf and a.requires_grad


def test_grad_of_a_stale_view_output(torch):
    grads = []
    for lib in (torch, ds):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([4.0, 5.0], requires_grad=True)
        base = x * 1
        a = base[1:]
        base[:2].mul_(w)
        grads.append([g.numpy().copy() for g in lib.autograd.grad(a, (x, w), lib.ones(2))])
    for ours, theirs in zip(grads[1], grads[0], strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_a_view_saved_before_the_write_raises_as_torch(torch):
    for lib in (torch, ds):
        x = lib.ones(4, requires_grad=True)
        w = lib.full((2,), 2.0, requires_grad=True)
        base = x * 1
        a = base[:2]
        y = (a * w).sum()  # saves a
        base[2:].mul_(w)  # another part of the same memory: the version counter is shared
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_a_view_saved_after_the_write_is_fine(torch):
    def scenario(lib, x, w):
        base = x * 1
        a = base[:2]
        base[1:].mul_(w[1:])
        y = (a * w[:2]).exp().sum()  # saves the rebuilt a, at the new version
        return [y]

    _same_as_torch(scenario, torch)


def test_writing_again_after_the_rebuilt_view_was_saved_raises(torch):
    for lib in (torch, ds):
        x = lib.ones(4, requires_grad=True)
        base = x * 1
        a = base[:2]
        base[1:].mul_(2)
        y = (a * a).sum()
        base[3:].mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_a_view_of_a_same_dtype_conversion(torch):
    def scenario(lib, x, w):
        base = x * 1
        same = base.to(lib.float64)  # the tensor itself
        a = same[1:]
        y = a.sum() * 0.5  # its gradient goes back through the cast
        base[:2].mul_(w[:2])
        return [y, y + (a * 3).sum()]

    _same_as_torch(scenario, torch)


def test_views_never_written_pay_nothing():
    x = ds.ones(4, requires_grad=True)
    base = x * 1
    a = base[:2]
    creator = a.grad_fn
    (a * 2).sum().backward()
    assert a.grad_fn is creator


def test_rebuilt_twice(torch):
    def scenario(lib, x, w):
        base = x * 1
        a = base[1:3]
        y1 = a.sum()
        base[:2].mul_(w[:2])
        y2 = a.sum() * 2
        base[2:].mul_(w[2:])
        y3 = (a * 3).sum()
        return [y1, y2, y3, y1 + y2 + y3 + (a * a).sum()]

    _same_as_torch(scenario, torch)


def test_retain_grad_on_a_stale_view(torch):
    seen = {}
    for lib in (torch, ds):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([4.0, 5.0], requires_grad=True)
        base = x * 1
        a = base[:2]
        base[1:].mul_(w)
        a.retain_grad()  # on the rebuilt view, which the loss below uses
        (a * lib.tensor([2.0, 3.0])).sum().backward()
        seen[lib] = [t.numpy().copy() for t in (a.grad, x.grad, w.grad)]
    for ours, theirs in zip(seen[ds], seen[torch], strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_hook_on_a_stale_view():
    # (PyTorch 2.13 crashes on this one, so the expected values are written out: ∂L/∂a = [2, 3])
    x = ds.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = ds.tensor([4.0, 5.0], requires_grad=True)
    base = x * 1
    a = base[:2]
    base[1:].mul_(w)
    got = []
    a.register_hook(lambda g: got.append(g.numpy().copy()))
    (a * ds.tensor([2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(got[0], [2.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 12.0, 0.0])
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 0.0])


def test_used_under_no_grad_then_with_grad(torch):
    def scenario(lib, x, w):
        base = x * 1
        a = base[:2]
        base[1:].mul_(w[1:])
        with lib.no_grad():
            peek = a * 1  # a constant: nothing recorded
        return [peek, (a * peek).sum()]

    _same_as_torch(scenario, torch)
