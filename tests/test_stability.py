"""Numerical stability as in the notes: no overflow, no NaN for |x| up to 1e4."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F

EXTREMES = [-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4]


def _value_and_grad(fn, data, dtype):
    x = ds.Tensor(np.array(data, dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning is a failure
        y = fn(x)
        y.backward(np.ones(y.shape, dtype=dtype))
    return y.numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name",
    ["sigmoid", "tanh", "softplus", "relu", "softmax", "log_softmax", "logsumexp", "cross_entropy"],
)
def test_extreme_inputs_give_finite_values_and_gradients(name, dtype):
    fns = {
        "sigmoid": ds.sigmoid,
        "tanh": ds.tanh,
        "softplus": ds.softplus,
        "relu": ds.relu,
        "softmax": lambda x: ds.softmax(x.reshape(1, -1), dim=1),
        "log_softmax": lambda x: ds.log_softmax(x.reshape(1, -1), dim=1),
        "logsumexp": lambda x: x.logsumexp(),
        "cross_entropy": lambda x: F.cross_entropy(x.reshape(1, -1), np.array([0])),
    }
    value, grad = _value_and_grad(fns[name], EXTREMES, dtype)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    assert value.dtype == dtype and grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_values_match_torch(dtype):
    x = np.array(EXTREMES, dtype=dtype)
    t = torch.from_numpy(x)
    # atol at denormal scale: σ(−100) ≈ 3.8e-44 is representable in float32, torch flushes it to 0
    np.testing.assert_allclose(ds.sigmoid(x).numpy(), torch.sigmoid(t).numpy(), rtol=1e-6, atol=1e-37)
    np.testing.assert_allclose(ds.softplus(x).numpy(), torch.nn.functional.softplus(t).numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        ds.log_softmax(x, dim=0).numpy(), torch.log_softmax(t, dim=0).numpy(), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(ds.logsumexp(x).numpy(), torch.logsumexp(t, dim=0).numpy(), rtol=1e-6)


def test_sigmoid_saturates_exactly():
    s = ds.sigmoid(np.array([-1e4, 1e4], dtype=np.float32)).numpy()
    assert s[0] == 0.0 and s[1] == 1.0


def test_logsumexp_of_minus_infinity_is_minus_infinity_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(0) warns; the value is what matters
        value = ds.logsumexp(np.array([-np.inf, -np.inf])).item()
    assert value == -np.inf


def test_cross_entropy_of_a_confident_right_answer_is_zero():
    loss = F.cross_entropy(np.array([[1e4, -1e4]], dtype=np.float32), np.array([0]))
    assert loss.item() == 0.0


def test_cross_entropy_rejects_bad_labels():
    logits = ds.zeros(2, 3)
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        F.cross_entropy(logits, np.array([0, 3]))
    with pytest.raises(TypeError, match="integers"):
        F.cross_entropy(logits, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="expected 2 labels"):
        F.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(logits, np.array([0, 1]), reduction="avg")
