"""Defects found while adding torch.* spellings, each held to PyTorch 2.13: the recurrent cells with
one bias of the two, batch_norm in evaluation without running statistics, fill_ with a 0-d tensor
that requires grad, the strides of empty tensors, and nn.init's `generator=` keyword."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
from deepstep.nn import init
from torch_oracle import same_error as _same_error

# ----- recurrent cells: whichever biases are given are added ------------------------------------------
_GATES = {"lstm_cell": 4, "gru_cell": 3, "rnn_tanh_cell": 1, "rnn_relu_cell": 1}


@pytest.mark.parametrize("cell", sorted(_GATES))
@pytest.mark.parametrize("biases", ["both", "b_ih", "b_hh", "neither"])
def test_cells_add_the_biases_given(torch, cell, biases):
    rng = np.random.default_rng(1)
    batch, n_in, hidden = 3, 4, 5
    rows = _GATES[cell] * hidden
    arrays = {
        "x": rng.standard_normal((batch, n_in)),
        "h": rng.standard_normal((batch, hidden)),
        "c": rng.standard_normal((batch, hidden)),
        "w_ih": rng.standard_normal((rows, n_in)),
        "w_hh": rng.standard_normal((rows, hidden)),
        "b_ih": rng.standard_normal(rows),
        "b_hh": rng.standard_normal(rows),
    }
    weights = rng.standard_normal((batch, hidden))
    results = []
    for lib, fn in ((torch, getattr(torch, cell)), (ds, getattr(F, cell))):
        t = {k: lib.tensor(v, requires_grad=True) for k, v in arrays.items()}
        b_ih = t["b_ih"] if biases in ("both", "b_ih") else None
        b_hh = t["b_hh"] if biases in ("both", "b_hh") else None
        hx = (t["h"], t["c"]) if cell == "lstm_cell" else t["h"]
        out = fn(t["x"], hx, t["w_ih"], t["w_hh"], b_ih, b_hh)
        outs = list(out) if isinstance(out, tuple) else [out]
        sum((o * lib.tensor(weights * (k + 1))).sum() for k, o in enumerate(outs)).backward()
        grads = {k: None if v.grad is None else v.grad.numpy() for k, v in t.items()}
        results.append(([o.detach().numpy() for o in outs], grads))
    (theirs, their_grads), (ours, our_grads) = results
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for name, expected in their_grads.items():
        if expected is None:
            assert our_grads[name] is None, name
        else:
            np.testing.assert_allclose(our_grads[name], expected, rtol=1e-10, atol=1e-12, err_msg=name)


def test_recurrent_layer_with_only_b_hh_over_a_sequence(torch):
    """Over several steps the hidden bias is added at each one (the shared-gradient fold included)."""
    rng = np.random.default_rng(2)
    x, h, w_ih, w_hh, b_hh = (rng.standard_normal(s) for s in ((6, 2, 3), (2, 4), (16, 3), (16, 4), 16))
    lstm = torch.nn.LSTM(3, 4, bias=True, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(w_ih))
        lstm.weight_hh_l0.copy_(torch.tensor(w_hh))
        lstm.bias_ih_l0.zero_()
        lstm.bias_hh_l0.copy_(torch.tensor(b_hh))
        expected, _ = lstm(torch.tensor(x), (torch.tensor(h)[None], torch.tensor(h)[None]))
    got = F.recurrent_layer("LSTM", ds.tensor(x), (ds.tensor(h), ds.tensor(h)), w_ih, w_hh, None, b_hh)
    np.testing.assert_allclose(got.numpy()[:6], expected.numpy(), rtol=1e-10, atol=1e-12)


# ----- batch_norm: evaluation needs the running statistics ---------------------------------------------
@pytest.mark.parametrize("given", ["neither", "mean", "var"])
@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_without_running_statistics_as_torch(torch, given, training):
    x = np.random.default_rng(3).standard_normal((4, 3, 2))
    stats = {"mean": np.zeros(3), "var": np.ones(3)}

    def call(lib, fn):
        mean = lib.tensor(stats["mean"]) if given == "mean" else None
        var = lib.tensor(stats["var"]) if given == "var" else None
        return fn(lib.tensor(x), mean, var, training=training)

    if training and given == "neither":  # the batch's statistics: allowed, and equal
        np.testing.assert_allclose(
            call(ds, F.batch_norm).numpy(), call(torch, torch.nn.functional.batch_norm).numpy(), rtol=1e-10
        )
        return
    error = _same_error(lambda: call(ds, F.batch_norm), lambda: call(torch, torch.nn.functional.batch_norm))
    with pytest.raises(Exception) as theirs:
        call(torch, torch.nn.functional.batch_norm)
    assert str(error) == str(theirs.value)
    if not training:
        assert isinstance(error, RuntimeError)


@pytest.mark.parametrize("sizes", [(2, 3), (3, 4)])
@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_running_statistics_of_the_wrong_size_as_torch(torch, sizes, training):
    x = np.random.default_rng(4).standard_normal((4, 3))
    mean, var = np.zeros(sizes[0]), np.ones(sizes[1])
    _same_error(
        lambda: F.batch_norm(ds.tensor(x), ds.tensor(mean), ds.tensor(var), training=training),
        lambda: torch.nn.functional.batch_norm(
            torch.tensor(x), torch.tensor(mean), torch.tensor(var), training=training
        ),
    )


@pytest.mark.parametrize(
    "call",
    [
        "F(L.empty(0, 3), None, None, training=False)",
        "F(L.empty(0, 3), L.zeros(2), None, training=False)",
        "F(L.empty(0, 3), L.zeros(3), None, training=True)",
        "F(L.empty(0), None, None, training=True)",
        "F(L.empty(0, 3, dtype=L.int64), None, None, training=True)",
        "F(x, rm, rv, w, b, training=True)",
        "F(x, rm, rv, w, None, training=False)",
        "F(x, None, None, None, b, training=True)",
    ],
)
def test_batch_norm_of_empty_input_as_torch(torch, call):
    """ATen returns an empty input at once (times γ₀, plus β₀): no check, no statistics, no update."""
    results = []
    for lib, fn in ((torch, torch.nn.functional.batch_norm), (ds, F.batch_norm)):
        space = {
            "L": lib,
            "F": fn,
            "x": lib.zeros((0, 3, 2), dtype=lib.float64, requires_grad=True),
            "w": lib.tensor([2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True),
            "b": lib.tensor([1.0, 5.0, 6.0], dtype=lib.float64, requires_grad=True),
            "rm": lib.tensor([0.5, 0.5, 0.5], dtype=lib.float64),
            "rv": lib.tensor([2.0, 2.0, 2.0], dtype=lib.float64),
        }
        out = eval(call, space)
        if out.requires_grad:
            out.sum().backward()
        grads = [None if space[k].grad is None else space[k].grad.numpy() for k in ("x", "w", "b")]
        results.append((out, grads, space["rm"].numpy(), space["rv"].numpy()))
    (theirs, their_grads, *their_stats), (ours, our_grads, *our_stats) = results
    assert tuple(ours.shape) == tuple(theirs.shape) and _dtype(ours) == _dtype(theirs)
    assert ours.requires_grad == theirs.requires_grad
    for a, b in zip(our_grads, their_grads, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    for a, b in zip(our_stats, their_stats, strict=True):
        np.testing.assert_array_equal(a, b)


# ----- fill_ with a 0-d tensor that requires grad: ∂L/∂value = Σ g -------------------------------------
@pytest.mark.parametrize("value_dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(2, 3), (0, 3), ()])
def test_fill_value_gets_the_sum_of_the_gradient(torch, value_dtype, shape):
    weights = np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape)
    results = []
    for lib in (torch, ds):
        value = lib.tensor(2.5, dtype=getattr(lib, value_dtype), requires_grad=True)
        leaf = lib.tensor(np.ones(shape), requires_grad=True)
        target = leaf * 3
        target.fill_(value)
        out_of_place = lib.fill(lib.zeros(shape, dtype=lib.float64), value)
        ((target + 2 * out_of_place) * lib.tensor(weights)).sum().backward()
        results.append((value.grad, leaf.grad))
    (their_value, their_leaf), (our_value, our_leaf) = results
    assert _dtype(our_value) == _dtype(their_value)
    np.testing.assert_allclose(our_value.numpy(), their_value.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(our_leaf.numpy(), their_leaf.numpy())


def test_fill_complex_value_gets_the_sum_of_the_gradient(torch):
    weights = np.array([1 + 2j, 3 - 1j, 0.5j])
    grads = []
    for lib in (torch, ds):
        value = lib.tensor(1 + 1j, dtype=lib.complex128, requires_grad=True)
        target = lib.zeros(3, dtype=lib.complex128)
        target.fill_(value)
        (target * lib.tensor(weights)).real.sum().backward()
        grads.append(value.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def _dtype(t) -> str:
    return str(t.dtype).removeprefix("torch.") if not isinstance(t, ds.Tensor) else np.dtype(t.dtype).name


# ----- strides of empty tensors ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        "L.empty(0, 3)",
        "L.empty(3, 0)",
        "L.zeros(2, 0, 4)",
        "L.zeros(0)",
        "L.zeros(0, 1, 3)",
        "L.zeros(2, 0, 3) + 1",
        "L.zeros(0, 3).sum(1, keepdim=True)",
        "L.zeros(0, 3)[:, None]",
        "L.zeros(3, 4)[:, 4:]",
        "L.zeros(3, 1).expand(3, 0)",
        "L.empty_strided((0, 3), (1, 5))",
        "L.zeros(0, 3).contiguous()",
        # from NumPy, PyTorch keeps the array's strides: NumPy's zeros for a new empty array
        "L.tensor(np.zeros((0, 3)))",
        "L.from_numpy(np.zeros((2, 0, 3)).transpose(2, 0, 1))",
        "L.as_tensor(np.zeros((0, 3)), dtype=L.float32)",
        "L.as_tensor(np.zeros((0, 3)))",
        "L.from_numpy(np.zeros((3, 4))[:, 4:])",
        "L.tensor(np.zeros((0, 3))) + 1",
        "L.tensor([])",
        "L.tensor([[], []])",
    ],
)
def test_empty_tensor_strides_as_torch(torch, make):
    ours, theirs = eval(make, {"L": ds, "np": np}), eval(make, {"L": torch, "np": np})
    assert ours.stride() == theirs.stride()
    assert all(ours.stride(d) == theirs.stride(d) for d in range(-ours.ndim, ours.ndim))
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert (ours.contiguous() is ours) == (theirs.contiguous() is theirs)


# ----- nn.init: PyTorch's generator= ------------------------------------------------------------------
_RANDOM_INITS = {
    "uniform_": {"a": -1.0, "b": 2.0},
    "normal_": {"mean": 1.0, "std": 2.0},
    "xavier_uniform_": {"gain": 2.0},
    "xavier_normal_": {"gain": 2.0},
    "kaiming_uniform_": {"a": 0.1, "mode": "fan_out"},
    "kaiming_normal_": {"nonlinearity": "relu"},
    "trunc_normal_": {"std": 0.5},
    "orthogonal_": {"gain": 1.5},
    "sparse_": {"sparsity": 0.5},
}


def test_every_init_taking_generator_in_torch_takes_it(torch):
    theirs = {
        name
        for name in dir(torch.nn.init)
        if name.endswith("_")
        and not name.startswith("_")
        and "generator" in inspect.signature(getattr(torch.nn.init, name)).parameters
    }
    assert theirs == set(_RANDOM_INITS)
    for name in theirs:
        assert "generator" in inspect.signature(getattr(init, name)).parameters, name


@pytest.mark.parametrize("name", sorted(_RANDOM_INITS))
def test_init_generator_gives_reproducible_draws(torch, name):
    kwargs = _RANDOM_INITS[name]
    fn = getattr(init, name)
    # torch takes the same keyword with the same other arguments
    getattr(torch.nn.init, name)(torch.empty(6, 4), **kwargs, generator=torch.Generator().manual_seed(7))
    first, second = ds.Generator().manual_seed(7), ds.Generator().manual_seed(7)
    a = fn(ds.empty(6, 4), **kwargs, generator=first)
    b = fn(ds.empty(6, 4), **kwargs, generator=second)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert first.get_state().equal(second.get_state())  # both moved on by the same draws
    np.testing.assert_array_equal(fn(ds.empty(6, 4), **kwargs, seed=7).numpy(), a.numpy())
    # a numpy Generator is taken too; the next draws of the same generator differ
    np.testing.assert_array_equal(
        fn(ds.empty(6, 4), **kwargs, generator=np.random.default_rng(7)).numpy(), a.numpy()
    )
    assert not np.array_equal(fn(ds.empty(6, 4), **kwargs, generator=first).numpy(), a.numpy())
    with pytest.raises(TypeError):
        fn(ds.empty(6, 4), **kwargs, seed=1, generator=ds.Generator())


def test_constant_takes_torchs_keyword_and_gains_cover_torchs_names(torch):
    ours, theirs = (
        init.constant_(ds.empty(2, 3), val=1.5),
        torch.nn.init.constant_(torch.empty(2, 3), val=1.5),
    )
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for name in (
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "selu",
    ):
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))


@pytest.mark.parametrize(
    "x_shape, w_shape",
    [((3, 4), (2, 5)), ((4,), (2, 5)), ((2, 3, 4), (2, 5))],
    ids=["matrix", "vector", "batch_of_sequences"],
)
def test_linear_with_mismatched_features_raises_torchs_error(torch, x_shape, w_shape):
    """A newcomer's `except RuntimeError` around nn.Linear catches ours too (it was a bare ValueError),
    with PyTorch's words for the two matrices."""
    x, w = np.ones(x_shape), np.ones(w_shape)
    error = _same_error(
        lambda: ds.nn.functional.linear(ds.tensor(x), ds.tensor(w)),
        lambda: torch.nn.functional.linear(torch.tensor(x), torch.tensor(w)),
    )
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.linear(torch.tensor(x), torch.tensor(w))
    assert str(error).startswith(str(theirs.value))
    layer = ds.nn.Linear(5, 2)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        layer(ds.ones(*x_shape))
