"""Keras-style training: learning on MNIST, callbacks, bad input caught before the first step."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn, optim
from deepstep.train import CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint


@pytest.fixture(scope="module")
def mnist():
    return ds.datasets.load_mnist(flatten=True)


def _mlp(sizes=(784, 256, 128, 10)):
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def test_mlp_learns_mnist_to_97_5_percent(mnist):
    """The issue's setting: 784-256-128-10, Adam lr 1e-3, batch 128, 5 epochs, float32."""
    (x, y), (xt, yt) = mnist
    ds.manual_seed(0)
    model = _mlp()
    model.compile(
        optimizer=optim.Adam(model.parameters(), lr=1e-3), loss="cross_entropy", metrics=["accuracy"]
    )
    history = model.fit(x, y, epochs=5, batch_size=128, verbose=0, seed=0)
    scores = model.evaluate(xt, yt)
    assert scores["accuracy"] >= 0.975, scores
    assert history.history["loss"][-1] < history.history["loss"][0] / 4
    assert model[0].weight.dtype == np.float32
    predictions = model.predict(xt[:100])
    assert predictions.shape == (100, 10)
    assert (predictions.argmax(1) == yt[:100]).mean() > 0.95


def test_history_validation_split_and_string_options():
    X, y = ds.datasets.two_moons(400, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(X, y, epochs=3, batch_size=32, validation_split=0.25, verbose=0, seed=1)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert history.epoch == [0, 1, 2]
    assert isinstance(model.optimizer, optim.Adam)


def test_fit_is_reproducible_with_a_seed():
    X, y = ds.datasets.blobs(200, seed=0)
    runs = []
    for _ in range(2):
        model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.ReLU(), nn.Linear(8, 3, seed=1))
        model.compile(optimizer="sgd", loss="cross_entropy")
        runs.append(model.fit(X, y, epochs=2, batch_size=16, verbose=0, seed=5).history["loss"])
    assert runs[0] == runs[1]


def test_binary_classification_with_logits_and_a_regression():
    X, y = ds.datasets.xor(400, noise=0.05, seed=0)
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 1, seed=1))
    model.compile(
        optimizer=optim.Adam(model.parameters(), lr=0.05), loss="bce_with_logits", metrics=["accuracy"]
    )
    model.fit(X, y.reshape(-1, 1).astype(np.float32), epochs=60, batch_size=64, verbose=0, seed=0)
    assert model.evaluate(X, y.reshape(-1, 1).astype(np.float32))["accuracy"] > 0.97

    X, price = ds.datasets.housing(400, noise=5.0, seed=0)
    X = (X - X.mean(0)) / X.std(0)
    regression = nn.Sequential(nn.Linear(4, 1, seed=0))
    regression.compile(optimizer=optim.SGD(regression.parameters(), lr=0.05), loss="mse", metrics=["mae"])
    regression.fit(X, price.reshape(-1, 1), epochs=100, batch_size=32, verbose=0, seed=0)
    assert regression.evaluate(X, price.reshape(-1, 1))["mae"] < 6.0


def test_non_finite_loss_names_epoch_and_batch():  # and alone: NumPy's overflow warnings are held back
    X, price = ds.datasets.housing(256, seed=0)
    model = nn.Sequential(nn.Linear(4, 1, seed=0))
    model.compile(optimizer=optim.SGD(model.parameters(), lr=1e6), loss="mse")
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+ of 8"):
        model.fit(X, price.reshape(-1, 1), epochs=5, batch_size=32, verbose=0)


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "error", "match"),
    [
        (np.zeros((10, 5), np.float32), np.zeros(10, np.int64), {}, ValueError, r"inputs of shape \(5,\)"),
        (np.zeros((10, 4), np.float32), np.full(10, 3), {}, ValueError, r"labels must lie in \[0, 2\]"),
        (np.full((10, 4), np.nan, np.float32), np.zeros(10, np.int64), {}, ValueError, "NaN or infinity"),
        (np.zeros((0, 4), np.float32), np.zeros(0, np.int64), {}, ValueError, "empty"),
        (np.zeros((10, 4), np.float32), np.zeros(10, np.int64), {"batch_size": 0}, ValueError, "batch_size"),
        (np.zeros((10, 4), np.float32), np.zeros(9, np.int64), {}, ValueError, "10 samples but y has 9"),
        (np.zeros((10, 4), np.float32), np.zeros(10, np.float32), {}, TypeError, "integers"),
    ],
    ids=["features", "labels", "nan", "empty", "batch_size", "lengths", "float-labels"],
)
def test_bad_input_fails_before_training(x, y, kwargs, error, match):
    model = nn.Sequential(nn.Linear(4, 3, seed=0))
    before = model.state_dict()
    model.compile(optimizer="sgd", loss="cross_entropy")
    with pytest.raises(error, match=match):
        model.fit(x, y, epochs=1, verbose=0, **kwargs)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_fit_before_compile_and_unknown_names():
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 2)), np.zeros(4, np.int64))
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile(optimizer="lion")
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile(loss="kl")
    with pytest.raises(ValueError, match="unknown metric"):
        model.compile(metrics=["f1"])


def test_callbacks(tmp_path):
    X, y = ds.datasets.blobs(300, seed=0)
    model = nn.Sequential(nn.Linear(2, 16, seed=0), nn.ReLU(), nn.Linear(16, 3, seed=1))
    model.compile(optimizer=optim.SGD(model.parameters(), lr=0.1), loss="cross_entropy", metrics=["accuracy"])
    stopper = EarlyStopping(monitor="val_loss", patience=2, min_delta=10.0)  # nothing improves by 10
    history = model.fit(
        X,
        y,
        epochs=20,
        batch_size=32,
        validation_split=0.2,
        verbose=0,
        seed=0,
        callbacks=[
            stopper,
            ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy", save_best_only=True),
            ModelCheckpoint(tmp_path / "epoch-{epoch:02d}.npz"),
            CSVLogger(tmp_path / "log.csv"),
            LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch),
        ],
    )
    assert len(history.epoch) == 3 and stopper.stopped_epoch == 2  # the first, then 2 without improving
    assert history.history["lr"] == [0.1, 0.05, 0.025]
    assert sorted(p.name for p in tmp_path.glob("epoch-*.npz")) == [
        "epoch-01.npz",
        "epoch-02.npz",
        "epoch-03.npz",
    ]
    restored = ds.load(tmp_path / "best.npz")
    assert restored.predict(X).shape == (300, 3)
    with open(tmp_path / "log.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2] and "val_accuracy" in rows[0]


def test_early_stopping_restores_the_best_weights():
    X, y = ds.datasets.blobs(200, seed=1)
    model = nn.Sequential(nn.Linear(2, 3, seed=0))
    model.compile(optimizer=optim.SGD(model.parameters(), lr=0.1), loss="cross_entropy")
    snapshots = {}

    class Snapshot(ds.train.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots[epoch] = (self.model.state_dict(), logs["loss"])

    # epoch 0 learns; from epoch 1 on a huge rate makes the loss worse, so training stops after epoch 1
    stopper = EarlyStopping(monitor="loss", patience=0, restore_best_weights=True)
    wild = LearningRateScheduler(lambda epoch, lr: 0.1 if epoch == 0 else 500.0)
    model.fit(X, y, epochs=10, verbose=0, seed=0, callbacks=[wild, Snapshot(), stopper])
    assert stopper.stopped_epoch == 1 and snapshots[1][1] > snapshots[0][1]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[0][0][name])


def test_an_optim_scheduler_as_a_callback():
    X, y = ds.datasets.blobs(200, seed=1)
    model = nn.Sequential(nn.Linear(2, 3, seed=0))
    opt = optim.SGD(model.parameters(), lr=0.5)
    model.compile(optimizer=opt, loss="cross_entropy")
    history = model.fit(
        X, y, epochs=3, verbose=0, seed=0, callbacks=[LearningRateScheduler(optim.StepLR(opt, 1, 0.5))]
    )
    assert history.history["lr"] == [0.5, 0.25, 0.125]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.5**3)
    with pytest.raises(KeyError, match="val_loss"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[EarlyStopping()])


# ----- each callback at its boundaries, against what Keras documents ------------------------------
class _Model:
    """What a callback touches of a model: stop_training, state_dict, load_state_dict, save."""

    def __init__(self) -> None:
        self.stop_training, self.weights, self.saved = False, 0.0, []

    def state_dict(self):
        return {"w": np.array(self.weights)}

    def load_state_dict(self, state):
        self.weights = float(state["w"])

    def save(self, path):
        self.saved.append(Path(path).name)


def _drive(callback, values, monitor="loss", weights=None):
    """Feed `values` of the monitored log, one epoch each, until the callback stops training; the
    number of epochs run."""
    model = _Model()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        model.weights = float(epoch if weights is None else weights[epoch])
        callback.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            return epoch + 1, model
    return len(values), model


@pytest.mark.parametrize(
    ("patience", "epochs"),
    # the first epoch improves (on infinity), then nothing does: `patience` epochs without improvement,
    # then stop (Keras: patience=3 runs 4 epochs); 0 stops at once, as 1 does
    [(0, 2), (1, 2), (2, 3), (3, 4), (5, 6)],
)
def test_early_stopping_waits_exactly_patience_epochs(patience, epochs):
    stopper = EarlyStopping(monitor="loss", patience=patience)
    assert _drive(stopper, [1.0] * 10)[0] == epochs
    assert stopper.stopped_epoch == epochs - 1


def test_early_stopping_patience_counts_epochs_in_a_row():
    # improvements at epochs 0, 2 and 4 reset the count; then 2 flat epochs stop it (patience=2)
    stopper = EarlyStopping(monitor="loss", patience=2)
    assert _drive(stopper, [5, 5, 4, 4, 3, 3, 3, 3])[0] == 7


def test_early_stopping_min_delta_is_the_least_change_that_counts():
    # Keras: "an absolute change of less than min_delta will count as no improvement"; exactly
    # min_delta does not count either (values chosen exact in binary)
    assert _drive(EarlyStopping(monitor="loss", min_delta=0.25), [1.0, 0.75])[0] == 2
    assert _drive(EarlyStopping(monitor="loss", min_delta=0.25), [1.0, 0.5, 0.25])[0] == 3
    assert _drive(EarlyStopping(monitor="loss", min_delta=0.25), [1.0, 0.5, 0.125, 0.125])[0] == 4
    assert _drive(EarlyStopping(monitor="loss", min_delta=-0.25), [1.0, 0.875])[0] == 2  # its sign is ignored


def test_early_stopping_modes():
    rising = [0.5, 0.6, 0.7, 0.7]
    assert _drive(EarlyStopping(monitor="val_accuracy"), rising, "val_accuracy")[0] == 4  # auto: max
    assert _drive(EarlyStopping(monitor="val_accuracy", mode="min"), rising, "val_accuracy")[0] == 2
    assert _drive(EarlyStopping(monitor="loss", mode="max"), rising)[0] == 4
    assert _drive(EarlyStopping(monitor="loss"), rising)[0] == 2  # auto: min
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_early_stopping_restores_the_best_epoch_only_when_it_stops():
    stopper = EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    epochs, model = _drive(stopper, [3.0, 1.0, 2.0, 2.0, 2.0], weights=[10, 11, 12, 13, 14])
    assert epochs == 4 and model.weights == 11  # epoch 1's, the best
    stopper = EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    epochs, model = _drive(stopper, [3.0, 1.0, 2.0], weights=[10, 11, 12])
    assert epochs == 3 and model.weights == 12  # never stopped: the last weights stay, as in Keras
    stopper.on_train_begin()  # a new fit forgets the last one's best
    assert stopper.best == math.inf and stopper.wait == 0 and stopper.stopped_epoch is None


def test_model_checkpoint_save_best_only_by_mode(tmp_path):
    def saved(values, monitor, mode="auto"):
        checkpoint = ModelCheckpoint(tmp_path / "m-{epoch}.npz", monitor, save_best_only=True, mode=mode)
        return _drive(checkpoint, values, monitor)[1].saved

    assert saved([1.0, 2.0, 0.5, 0.5], "loss") == ["m-1.npz", "m-3.npz"]  # first always; equal: not
    assert saved([1.0, 2.0, 0.5], "loss", mode="max") == ["m-1.npz", "m-2.npz"]
    assert saved([0.1, 0.3, 0.2], "val_acc") == ["m-1.npz", "m-2.npz"]  # auto: max for accuracy
    every = _drive(ModelCheckpoint(tmp_path / "e-{epoch:02d}-{loss:.1f}.npz"), [1.0, 2.0])[1].saved
    assert every == ["e-01-1.0.npz", "e-02-2.0.npz"]  # every epoch, numbered from 1, with the logs
    with pytest.raises(KeyError, match="val_loss"):
        _drive(ModelCheckpoint(tmp_path / "x.npz", save_best_only=True), [1.0])


def test_csv_logger_appends_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    for append, epochs in ((False, [0, 1]), (True, [2])):
        logger = CSVLogger(path, append=append)
        logger.on_train_begin()
        for epoch in epochs:
            logger.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
        logger.on_train_end()
    with open(path, newline="") as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["0", "1", "2"]
