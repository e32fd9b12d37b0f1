"""Functions written PyTorch's way (static forward(ctx, …) / backward(ctx, …), called with .apply):
the same classes, unchanged, give PyTorch 2.13's values, gradients and errors in deepstep."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds


def _classes(lib):
    """The same source for both libraries: lib is deepstep or torch."""
    Function = lib.autograd.Function

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class ScaledPower(Function):  # a tensor, a number and a keyword: one gradient per argument
        @staticmethod
        def forward(ctx, x, w, p=2.0):
            ctx.save_for_backward(x, w)
            ctx.p = p
            ctx.seen = ctx.needs_input_grad
            return w * x**p

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * w * ctx.p * x ** (ctx.p - 1) if ctx.needs_input_grad[0] else None
            gw = (g * x**ctx.p).sum(0, keepdim=True) if ctx.needs_input_grad[1] else None
            return gx, gw, None

    class MaxAndIndex(Function):  # an integer output marked non-differentiable
        @staticmethod
        def forward(ctx, x):
            values, index = x.max(1)
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(index)
            ctx.shape = x.shape
            return values, index

        @staticmethod
        def backward(ctx, g_values, g_index):
            (index,) = ctx.saved_tensors
            grad = lib.zeros(ctx.shape, dtype=g_values.dtype)
            grad.scatter_(1, index[:, None], g_values[:, None])
            return grad

    class Pair(Function):  # two floating outputs: an unused one's gradient arrives as zeros
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x.sin()

        @staticmethod
        def backward(ctx, a, b):
            (x,) = ctx.saved_tensors
            return a * 2 + b * x.cos()

    class SetupStyle(Function):  # forward without ctx, and setup_context
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    return Exp, ScaledPower, MaxAndIndex, Pair, SetupStyle


def _both(torch, rng, *shape):
    values = rng.standard_normal(shape)
    return ds.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def test_values_and_gradients_equal_torch(torch, rng):
    ours, theirs = _classes(ds), _classes(torch)
    x, tx = _both(torch, rng, 4, 3)
    w, tw = _both(torch, rng, 1, 3)
    runs = [
        (lambda c, a, b: c[0].apply(a), [(x, tx)]),
        (lambda c, a, b: c[1].apply(a.abs() + 0.5, b, p=1.5), [(x, tx), (w, tw)]),
        (lambda c, a, b: c[1].apply(a, b, 3.0), [(x, tx), (w, tw)]),
        (lambda c, a, b: c[2].apply(a)[0], [(x, tx)]),
        (lambda c, a, b: c[3].apply(a)[0], [(x, tx)]),  # only the first of two outputs used
        (lambda c, a, b: c[4].apply(a, 2.5), [(x, tx)]),
    ]
    for run, leaves in runs:
        for leaf, twin in leaves:
            leaf.grad, twin.grad = None, None
        out = run(ours, x, w)
        out_t = run(theirs, tx, tw)
        np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-14)
        out.backward(ds.ones_like(out))
        out_t.backward(torch.ones_like(out_t))
        for leaf, twin in leaves:
            np.testing.assert_allclose(leaf.grad.numpy(), twin.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_gradcheck_a_custom_function():
    Exp, ScaledPower, *_ = _classes(ds)
    x = ds.randn(3, 2, dtype=ds.float64, generator=np.random.default_rng(0))
    w = ds.randn(1, 2, dtype=ds.float64, generator=np.random.default_rng(1))
    assert ds.gradcheck(lambda a: Exp.apply(a), x)
    assert ds.gradcheck(lambda a, b: ScaledPower.apply(a.abs() + 0.5, b, 1.5), x, w)


def test_ctx_and_outputs_as_in_torch(torch):
    for lib in (ds, torch):
        _, ScaledPower, MaxAndIndex, _, _ = _classes(lib)
        x = lib.ones(2, 3, requires_grad=True)
        out = ScaledPower.apply(x, lib.ones(1, 3), 2.0)
        assert out.requires_grad
        out.sum().backward()
        assert x.grad is not None
        values, index = MaxAndIndex.apply(lib.tensor([[1.0, 3.0, 2.0]], requires_grad=True))
        assert values.requires_grad and not index.requires_grad
        assert index.tolist() == [1]
        # no input wants a gradient: nothing is recorded
        plain = ScaledPower.apply(lib.ones(2, 3), lib.ones(1, 3), 2.0)
        assert not plain.requires_grad
        with lib.no_grad():
            assert not ScaledPower.apply(x, lib.ones(1, 3), 2.0).requires_grad


def test_unmaterialized_gradients_arrive_as_none(torch):
    seen: list = []
    for lib in (ds, torch):
        seen.clear()

        class Pair(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, a, b):
                seen.append(b)
                return a * 2

        x = lib.ones(3, requires_grad=True)
        Pair.apply(x)[0].sum().backward()
        assert seen == [None]
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("mistake", ["count", "not_none_for_number", "shape"])
def test_what_backward_returns_is_checked_as_in_torch(torch, mistake):
    def attempt(lib):
        class Wrong(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                if mistake == "count":
                    return g
                if mistake == "not_none_for_number":
                    return g, g
                return g.sum(0), None

        Wrong.apply(lib.ones(2, 3, requires_grad=True), 2.0).sum().backward()

    with pytest.raises(Exception) as theirs:
        attempt(torch)
    with pytest.raises(Exception) as ours:
        attempt(ds)
    assert type(ours.value) is type(theirs.value)
    # the message names the function and says what is wrong, as PyTorch's does
    assert str(ours.value).split(" - ")[0].split(" (")[0] == str(theirs.value).split(" - ")[0].split(" (")[0]


def test_a_gradient_broadcast_to_a_larger_shape_is_summed_back(torch):
    for lib in (ds, torch):

        class Larger(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return (g * 2).expand(4, 2, 3)

        x = lib.ones(2, 3, requires_grad=True)
        Larger.apply(x).sum().backward()
        assert x.grad.tolist() == [[8.0] * 3] * 2


def test_gradients_take_the_input_dtype(torch):
    for lib in (ds, torch):

        class Doubled(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return (g * 2).double()

        x = lib.ones(2, requires_grad=True)
        Doubled.apply(x).sum().backward()
        assert x.grad.dtype == lib.float32


def test_a_saved_tensor_written_in_place_is_refused():
    Exp, *_ = _classes(ds)
    x = ds.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_once_differentiable_and_deepstep_style_apply(rng):
    from deepstep.autograd.function import once_differentiable

    class Square(ds.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = ds.tensor([1.0, -2.0], requires_grad=True)
    Square.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, -4.0]

    class Cube(ds.autograd.Function):  # deepstep's own style: arrays, self
        def forward(self, a):
            self.a = a
            return a**3

        def backward(self, g):
            return (g * 3 * self.a**2,)

    x = ds.tensor([1.0, 2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


def test_mark_dirty_is_a_clear_error():
    class InPlace(ds.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(NotImplementedError, match="mark_dirty"):
        InPlace.apply(ds.ones(2, requires_grad=True))
