"""The graph's nodes as PyTorch shows them: grad_fn.next_functions down to AccumulateGrad, name(),
metadata, and node hooks (register_hook, register_prehook), each against torch on the same
computation."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

import deepstep as ds
from deepstep.autograd import graph


def _shape_of_graph(node) -> object:
    """The graph below node as nested lists: 'leaf:<i>' for the AccumulateGrad of leaf i, None where
    an input wants no gradient, [children] for an op (names differ: torch numbers its overloads)."""
    if node is None:
        return None
    if node.name().endswith("AccumulateGrad"):
        return f"leaf:{LEAVES.index(id(node.variable))}"
    return [_shape_of_graph(child) for child, _ in node.next_functions]


LEAVES: list[int] = []


def _compute(lib, a, b, c):
    return ((a * 2 + b).exp() * c).sum() + (a @ b.T).tanh().mean()


def _inputs(lib):
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = lib.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c = lib.tensor(rng.standard_normal((2, 3)))  # wants no gradient
    return a, b, c


def test_next_functions_walk_the_same_graph_as_torch():
    shapes = []
    for lib in (ds, torch):
        a, b, c = _inputs(lib)
        LEAVES[:] = [id(a), id(b)]
        shapes.append(_shape_of_graph(_compute(lib, a, b, c).grad_fn))
    ours, theirs = shapes
    assert ours == theirs == [[[[[["leaf:0", None], "leaf:1"]], None]], [[["leaf:0", ["leaf:1"]]]]]


def test_a_leaf_has_one_accumulate_grad_node_holding_it_weakly():
    a = ds.ones(2, requires_grad=True)
    y = a * 3 + a
    first = y.grad_fn.next_functions[0][0].next_functions[0][0]
    second = y.grad_fn.next_functions[1][0]
    assert first is second and first.variable is a
    assert first.name() == "AccumulateGrad" and first.next_functions == ()
    assert isinstance(first, graph.Node) and isinstance(y.grad_fn, graph.Node)
    count = len(graph._accumulators)
    del a, y, first, second
    gc.collect()
    assert len(graph._accumulators) < count


def test_names_and_metadata():
    a = ds.ones(2, requires_grad=True)
    y = (a * 2).sum()
    assert y.grad_fn.name() == "SumBackward" and repr(y.grad_fn) == "<SumBackward>"
    assert y.grad_fn.metadata == {}
    y.grad_fn.metadata["note"] = "the loss"
    assert y.grad_fn.metadata == {"note": "the loss"}
    assert ds.ones(2).exp().grad_fn is None
    # ops that keep an op_name of their own still answer name() (sort, round, decompositions)
    for made in (a.sort()[0], a.round(), ds.linalg.qr(ds.eye(2, requires_grad=True))[0], a < 1):
        if made.grad_fn is not None:
            assert made.grad_fn.name().endswith("Backward")


def test_edges_are_gone_after_backward_unless_retained():
    a = ds.ones(2, requires_grad=True)
    y = (a * 2).sum()
    y.backward(retain_graph=True)
    assert len(y.grad_fn.next_functions) == 1
    y.backward()
    assert y.grad_fn.next_functions == ()  # freed (PyTorch keeps the edges; see graph.py)


@pytest.mark.parametrize("where", ["post", "pre", "both"])
def test_node_hooks_change_gradients_as_torchs(where):
    grads = []
    for lib in (ds, torch):
        a, b, c = _inputs(lib)
        y = _compute(lib, a, b, c)
        mul = y.grad_fn.next_functions[0][0].next_functions[0][0]  # (exp(2a + b) * c).sum → the Mul
        seen = []
        if where in ("post", "both"):
            mul.register_hook(lambda gi, go, seen=seen: (seen.append(len(gi)), (gi[0] * 3, gi[1]))[1])
        if where in ("pre", "both"):
            mul.register_prehook(lambda go, seen=seen: (seen.append(go[0].shape), (go[0] - 1,))[1])
        y.backward()
        grads.append((a.grad.detach().numpy().copy(), b.grad.detach().numpy().copy(), seen))
    (a1, b1, s1), (a2, b2, s2) = grads
    np.testing.assert_allclose(a1, a2, rtol=1e-12)
    np.testing.assert_allclose(b1, b2, rtol=1e-12)
    assert [tuple(s) if not isinstance(s, int) else s for s in s1] == [
        tuple(s) if not isinstance(s, int) else s for s in s2
    ]


def test_a_removed_node_hook_no_longer_runs():
    a = ds.ones(2, requires_grad=True)
    y = (a * 2).sum()
    handle = y.grad_fn.next_functions[0][0].register_hook(lambda gi, go: (gi[0] * 100, None))
    handle.remove()
    y.backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])


@pytest.mark.parametrize(
    "hook, error",
    [
        (lambda gi, go: gi[0], TypeError),  # not a tuple
        (lambda gi, go: (gi[0],), RuntimeError),  # one gradient for Mul's two inputs
    ],
)
def test_node_hooks_returning_the_wrong_thing_raise_torchs_errors(hook, error):
    for lib in (ds, torch):
        a = lib.ones(2, requires_grad=True)
        y = (a * 2).sum()
        y.grad_fn.next_functions[0][0].register_hook(hook)
        with pytest.raises(error, match=r"tuple|incorrect number of values"):
            y.backward()


def test_a_prehook_returning_two_gradients_for_one_output_raises_as_torchs():
    for lib in (ds, torch):
        a = lib.ones(2, requires_grad=True)
        y = (a * 2).sum()
        y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="incorrect number of values"):
            y.backward()
