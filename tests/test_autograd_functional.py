"""autograd.functional's jacobian, vjp and jvp, and anomaly mode, as PyTorch 2.13's: the same values,
the same nesting of results, the same exception types."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd.functional import hessian, jacobian, jvp, vjp


def _as_numpy(result):
    """Nested tuples of tensors (either library's) as nested tuples of float64 arrays."""
    if isinstance(result, tuple):
        return tuple(_as_numpy(r) for r in result)
    return np.asarray(
        result.detach().numpy() if hasattr(result, "detach") else result.numpy(), dtype=np.float64
    )


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
    else:
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


FUNCTIONS = {
    # one input, one output
    "softmax": (lambda lib, x: (x * x.sum()).softmax(-1), 1),
    # two inputs, one output
    "bilinear": (lambda lib, x, w: (x @ w).tanh(), 2),
    # one input, two outputs (one a scalar)
    "two_outputs": (lambda lib, x: (x.exp(), (x**3).sum()), 1),
    # two inputs, two outputs, one output independent of the second input
    "mixed": (lambda lib, x, w: (x.sin() * 2, (x @ w).sum(0)), 2),
}


def _inputs(lib, n, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    values = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))][:n]
    tensors = tuple(lib.tensor(v) for v in values)
    return tensors if n > 1 else tensors[0]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobian_vjp_jvp_equal_torch(torch, name):
    function, n = FUNCTIONS[name]
    ours_in, theirs_in = _inputs(ds, n), _inputs(torch, n)
    _same(
        _as_numpy(jacobian(lambda *a: function(ds, *a), ours_in)),
        _as_numpy(torch.autograd.functional.jacobian(lambda *a: function(torch, *a), theirs_in)),
    )
    # vjp and jvp with v of the right shapes, drawn once
    with torch.no_grad():
        out_t = function(torch, *(theirs_in if n > 1 else (theirs_in,)))
    outs = out_t if isinstance(out_t, tuple) else (out_t,)
    rng = np.random.default_rng(1)
    v_out = tuple(rng.standard_normal(tuple(o.shape)) for o in outs)
    ins = theirs_in if n > 1 else (theirs_in,)
    v_in = tuple(rng.standard_normal(tuple(x.shape)) for x in ins)

    def pack(lib, vs, several):
        tensors = tuple(lib.tensor(v) for v in vs)
        return tensors if several else tensors[0]

    several_out = isinstance(out_t, tuple)
    _same(
        _as_numpy(vjp(lambda *a: function(ds, *a), ours_in, pack(ds, v_out, several_out))),
        _as_numpy(
            torch.autograd.functional.vjp(
                lambda *a: function(torch, *a), theirs_in, pack(torch, v_out, several_out)
            )
        ),
    )
    _same(
        _as_numpy(jvp(lambda *a: function(ds, *a), ours_in, pack(ds, v_in, n > 1))),
        _as_numpy(
            torch.autograd.functional.jvp(lambda *a: function(torch, *a), theirs_in, pack(torch, v_in, n > 1))
        ),
    )


def test_jacobian_leaves_the_callers_tensors_alone():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    jacobian(lambda a: a**2, x)
    assert x.grad is None


def test_unused_inputs_give_zeros_or_strict_errors_as_in_torch(torch):
    for lib, jac in ((ds, jacobian), (torch, torch.autograd.functional.jacobian)):
        a = lib.tensor([1.0, 2.0])
        result = jac(lambda x, y: x * 2, (a, a))
        assert np.asarray(result[1].tolist()).tolist() == [[0.0, 0.0], [0.0, 0.0]]
        assert np.asarray(jac(lambda x, lib=lib: lib.zeros(3), a).tolist()).shape == (3, 2)


@pytest.mark.parametrize(
    "call",
    [
        "list_inputs",
        "number_input",
        "number_output",
        "strict_independent",
        "strict_constant",
        "vjp_v_size",
        "vjp_v_count",
        "vjp_v_missing",
        "jvp_v_missing",
        "jvp_v_size",
        "forward_mode",
        "bad_strategy",
    ],
)
def test_errors_as_torch(torch, call):
    def attempt(lib, functional):
        a = lib.tensor([1.0, 2.0])
        if call == "list_inputs":
            return functional.jacobian(lambda x, y: x * y, [a, a])
        if call == "number_input":
            return functional.jacobian(lambda x: x * 2, 3.0)
        if call == "number_output":
            return functional.jacobian(lambda x: 3.0, a)
        if call == "strict_independent":
            return functional.jacobian(lambda x, y: x * 2, (a, a), strict=True)
        if call == "strict_constant":
            return functional.jacobian(lambda x: lib.zeros(3), a, strict=True)
        if call == "vjp_v_size":
            return functional.vjp(lambda x: x * 2, a, lib.ones(3))
        if call == "vjp_v_count":
            return functional.vjp(lambda x: x * 2, a, (lib.ones(2), lib.ones(2)))
        if call == "vjp_v_missing":
            return functional.vjp(lambda x: x * 2, a)
        if call == "jvp_v_missing":
            return functional.jvp(lambda x: x * 2, a)
        if call == "jvp_v_size":
            return functional.jvp(lambda x: x * 2, a, lib.ones(3))
        if call == "forward_mode":
            return functional.jacobian(lambda x: x * 2, a, strategy="forward-mode")
        return functional.jacobian(lambda x: x * 2, a, strategy="sideways")

    with pytest.raises(BaseException) as theirs:
        attempt(torch, torch.autograd.functional)
    with pytest.raises(BaseException) as ours:
        attempt(ds, ds.autograd.functional)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


def test_second_order_is_a_clear_deliberate_difference():
    with pytest.raises(NotImplementedError, match="second derivatives"):
        hessian(lambda x: (x**3).sum(), ds.tensor([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="gradients of gradients"):
        jacobian(lambda x: x**2, ds.tensor([1.0]), create_graph=True)


def test_anomaly_mode_names_the_op_whose_backward_made_a_nan(torch):
    messages = []
    for lib in (ds, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                y = x / x  # ∂(x/x)/∂x at 0 is 0/0
                with pytest.raises(RuntimeError) as error:
                    y.sum().backward()
        messages.append(str(error.value).replace("Backward0", "Backward"))
        texts = [str(w.message) for w in caught]
        assert any("Anomaly Detection has been enabled" in t for t in texts)
        traceback_warning = next(t for t in texts if t.startswith("Error detected in Div"))
        assert "y = x / x" in traceback_warning  # the user's line that made the op
        assert not lib.is_anomaly_enabled()
    assert messages[0] == messages[1] == "Function 'DivBackward' returned nan values in its 1th output."


def test_anomaly_mode_off_or_without_nan_checks_lets_nan_through(torch):
    for lib in (ds, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        (x / x).sum().backward()  # anomaly mode off: NaN in the gradient, no error
        assert np.isnan(x.grad.tolist()[0])
        x.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                (x / x).sum().backward()
        assert np.isnan(x.grad.tolist()[0])
        lib.autograd.set_detect_anomaly(True)
        try:
            assert lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        finally:
            lib.autograd.set_detect_anomaly(False)
        assert not lib.is_anomaly_enabled()
