"""A diverging fit says so once, in deepstep's one-line error, not after NumPy's overflow warnings;
NumPy's floating-point warnings still show where nothing else reports them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn, optim
from deepstep.models import GAN


def _diverging_regression():
    X, price = ds.datasets.housing(256, seed=0)
    model = nn.Sequential(nn.Linear(4, 1, seed=0))
    model.compile(optimizer=optim.SGD(model.parameters(), lr=1e6), loss="mse")
    return model, X, price.reshape(-1, 1)


def test_a_diverging_fit_raises_its_error_without_numpy_warnings(recwarn):
    model, X, y = _diverging_regression()
    with pytest.raises(FloatingPointError, match=r"the loss became (nan|inf) at epoch \d+, batch \d+ of 8"):
        model.fit(X, y, epochs=5, batch_size=32, verbose=0)
    assert [str(w.message) for w in recwarn if issubclass(w.category, RuntimeWarning)] == []


def test_warnings_as_errors_still_give_the_one_line_error():
    model, X, y = _diverging_regression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FloatingPointError, match="try a smaller learning rate"):
            model.fit(X, y, epochs=5, batch_size=32, verbose=0)


def test_a_diverging_gan_raises_its_error_without_numpy_warnings(recwarn):
    images = np.random.default_rng(0).random((32, 8, 8)).astype(np.float32)
    gan = GAN(latent_dim=4, image_size=8, hidden=8)
    gan.compile(lr=1e6)
    for p in gan.parameters():
        p.data *= 1e18  # logits far beyond float32: the losses overflow at once
    with pytest.raises(FloatingPointError, match=r"became (nan|inf) at epoch 1, batch 1"):
        gan.fit(images, epochs=1, batch_size=16, verbose=0)
    assert [str(w.message) for w in recwarn if issubclass(w.category, RuntimeWarning)] == []


def test_a_step_with_finite_logs_still_shows_its_overflow():
    class Overflowing(nn.Module):
        def __init__(self):
            self.linear = nn.Linear(1, 1, seed=0)

        def forward(self, x):
            return self.linear(x)

        def train_step(self, batch):
            np.float32(3e38) * np.float32(10)  # an overflow the loss does not show
            return {"loss": 1.0}

    model = Overflowing()
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((4, 1), np.float32)
    with pytest.warns(RuntimeWarning, match="overflow encountered in (scalar )?multiply"):
        model.fit(x, x, epochs=1, batch_size=4, verbose=0)


def test_numpy_warnings_outside_a_step_are_untouched():
    model, X, y = _diverging_regression()
    with pytest.raises(FloatingPointError), np.errstate(all="ignore"):
        model.fit(X, y, epochs=5, batch_size=32, verbose=0)
    assert np.geterr()["over"] == "warn"
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.float32(3e38) * np.float32(10)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        _diverging_regression()[0].fit(X, y, epochs=5, batch_size=32, verbose=0)  # the caller's mode holds
