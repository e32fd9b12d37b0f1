"""The one training loop and its seams: fit over a DataLoader, train_step overridden (a GAN's, a
custom model's), Keras's methods visible on Module, summary(), the name tables the command line
reads, and the checks shared by every layer."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn, optim, text
from deepstep.checks import non_negative_int, one_of, positive_int
from deepstep.cli import build_parser, main
from deepstep.data import DataLoader, TensorDataset
from deepstep.linear import solvers
from deepstep.models import GAN, GPT, MLP, CharRNN, SmallCNN

SRC = Path(__file__).resolve().parents[1] / "src" / "deepstep"


def _blobs(n=120):
    return ds.datasets.blobs(n, seed=0)


def _model():
    return nn.Sequential(nn.Linear(2, 8, seed=0), nn.ReLU(), nn.Linear(8, 3, seed=1))


# ----- one loop -------------------------------------------------------------------------------------
def test_fit_over_arrays_is_fit_over_their_dataloader():
    """fit(x, y, batch_size, seed) and fit(DataLoader(x, y, batch_size, shuffle=True, seed)) take the
    same batches in the same order: the same weights to the last bit."""
    X, y = _blobs()
    runs = []
    for data in ("arrays", "loader"):
        model = _model()
        model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"])
        if data == "arrays":
            history = model.fit(X, y, epochs=3, batch_size=16, seed=4, verbose=0)
        else:
            history = model.fit(DataLoader(X, y, batch_size=16, shuffle=True, seed=4), epochs=3, verbose=0)
        runs.append((history["loss"], model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for name, value in runs[0][1].items():
        np.testing.assert_array_equal(value, runs[1][1][name])


def test_the_last_partial_batch_is_kept_unless_drop_last():
    X, y = _blobs(100)
    model = _model()
    model.compile(optimizer="sgd")
    assert len(model.fit(X, y, epochs=1, batch_size=32, verbose=0).steps["loss"]) == 4  # 32+32+32+4
    dropped = DataLoader(X, y, batch_size=32, shuffle=True, drop_last=True, seed=0)
    assert len(model.fit(dropped, epochs=1, verbose=0).steps["loss"]) == 3


def test_a_dataloader_brings_its_own_batch_size_and_seed():
    X, y = _blobs()
    model = _model()
    model.compile()
    loader = DataLoader(X, y, batch_size=8)
    for kwargs in ({"batch_size": 8}, {"seed": 0}, {"shuffle": False}, {"validation_split": 0.1}):
        with pytest.raises(ValueError, match="DataLoader"):
            model.fit(loader, verbose=0, **kwargs)
    with pytest.raises(ValueError, match="DataLoader"):
        model.fit(loader, y, verbose=0)
    scores = model.evaluate(DataLoader(X, y, batch_size=50))
    assert scores == pytest.approx(model.evaluate(X, y))
    np.testing.assert_allclose(model.predict(DataLoader(X, batch_size=7)), model.predict(X), rtol=1e-6)


def test_a_dataloader_of_bad_data_fails_before_the_first_step():
    X, y = _blobs()
    model = _model()
    model.compile()
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        model.fit(DataLoader(X, y + 1, batch_size=8), verbose=0)
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(DataLoader(bad, y, batch_size=8), verbose=0)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_train_step_is_the_seam_a_model_overrides():
    """A model with its own step (here: a squared-error step written out) keeps fit's History,
    callbacks, progress and NaN check."""

    class Regressor(nn.Module):
        def __init__(self):
            self.linear = nn.Linear(2, 1, seed=0)

        def forward(self, x):
            return self.linear(x)

        def train_step(self, batch):
            x, y = batch
            loss = ((self(x).reshape(-1) - y) ** 2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            return {"loss": loss.item(), "steps": 1.0}

    X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    y = X @ np.array([2.0, -1.0], np.float32) + 0.5
    model = Regressor()
    model.compile(optimizer=optim.SGD(model.parameters(), lr=0.1), loss="mse")
    seen = []

    class Count(ds.train.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(logs["steps"])

    history = model.fit(X, y, epochs=20, batch_size=16, verbose=0, callbacks=[Count()])
    assert history["loss"][-1] < 1e-3 * history["loss"][0] and len(seen) == 80
    assert model.history is history
    model.compile(optimizer=optim.SGD(model.parameters(), lr=1e3), loss="mse")
    with (
        pytest.raises(FloatingPointError, match=r"the loss became .* at epoch \d+, batch \d+ of 4"),
        np.errstate(all="ignore"),
    ):
        model.fit(X * 1e3, y, epochs=5, batch_size=16, verbose=0)


def test_the_gan_trains_in_the_common_loop_and_its_settings_are_not_ignored(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((40, 8, 8)).astype(np.float32)
    gan = GAN(latent_dim=4, image_size=8, hidden=8)
    assert sorted(gan.optimizers) == ["discriminator", "generator"]  # compiled from the start
    gan.compile(lr=1e-3, betas=(0.9, 0.99), seed=0)
    for optimizer in gan.optimizers.values():
        assert optimizer.param_groups[0]["lr"] == 1e-3 and optimizer.param_groups[0]["betas"] == (0.9, 0.99)
    with pytest.raises(TypeError, match="lr"):
        gan.fit(images, lr=0.5)  # the rate belongs to compile: never silently ignored
    with pytest.raises(RuntimeError, match=r"2 optimizers \(discriminator, generator\)"):
        _ = gan.optimizer
    log = tmp_path / "gan.csv"
    history = gan.fit(images, epochs=2, batch_size=16, verbose=0, callbacks=[ds.train.CSVLogger(log)])
    assert len(history.steps["d_loss"]) == 6 and len(history["g_loss"]) == 2  # 16 + 16 + 8 per epoch
    assert log.read_text().startswith("epoch,d_loss,g_loss,lr")
    assert set(gan.evaluate(images)) == {"d_loss", "g_loss"}
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gan.fit(images * 2, verbose=0)


def test_plot_gan_losses_draws_each_player_and_its_mean_in_one_colour(tmp_path):
    pytest.importorskip("matplotlib")
    from deepstep import viz

    steps = {"d_loss": list(np.linspace(1.4, 0.6, 120)), "g_loss": list(np.linspace(0.7, 2.0, 120))}
    figure = viz.plot_gan_losses(steps, smooth=20)
    lines = figure.axes[0].get_lines()
    assert len(lines) == 4 and lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert lines[2].get_color() == lines[3].get_color()
    path = tmp_path / "losses.png"
    figure.savefig(path)
    renderer = figure.canvas.get_renderer()
    label = figure.axes[0].yaxis.label.get_window_extent(renderer)
    assert label.x0 >= 0 and label.y0 >= 0  # the axis label is inside the picture


def test_linear_solvers_draw_their_batches_from_the_dataloader():
    """One place shuffles mini-batches (the data sets' own shuffles and the perceptron's per-sample
    order aside): data/sampler.py's random_order, which DataLoader.batch_indices, the samplers and
    random_split draw from."""
    hits = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "permutation(" in line
    ]
    allowed = ("data/sampler.py", "datasets/synthetic.py", "linear/perceptron.py", "autograd/random.py",
               "selfcheck/case.py")  # fmt: skip
    assert [hit for hit in hits if not hit.startswith(allowed)] == []
    assert sum(hit.startswith("data/sampler.py") for hit in hits) == 1
    assert "random_order(" in inspect.getsource(DataLoader.batch_indices)
    assert "DataLoader(" in inspect.getsource(solvers._minibatch)


# ----- seams ---------------------------------------------------------------------------------------
def test_keras_methods_are_defined_on_module_not_patched_in():
    for name in ("compile", "fit", "evaluate", "predict", "train_step", "test_step", "summary", "save",
                 "load_weights", "optimizer", "optimizers"):  # fmt: skip
        assert name in vars(nn.keras.KerasMethods), name
        assert issubclass(nn.Module, nn.keras.KerasMethods)
    for package in ("train", "io"):
        text = (SRC / package / "__init__.py").read_text(encoding="utf-8")
        assert not re.search(r"Module\.\w+ =", text), f"{package}/__init__.py attaches methods to Module"
    assert "fit" not in vars(nn.Module) and nn.Module.fit is nn.keras.KerasMethods.fit


def test_optimizer_before_compile_says_call_compile_first():
    model = _model()
    for attribute in ("optimizer", "optimizers"):
        with pytest.raises(RuntimeError, match="call compile first"):
            getattr(model, attribute)


def test_history_is_subscriptable():
    X, y = _blobs()
    model = _model()
    model.compile(metrics=["accuracy"])
    history = model.fit(X, y, epochs=2, verbose=0)
    assert history["loss"] == history.history["loss"] and "accuracy" in history
    assert sorted(history) == ["accuracy", "loss", "lr"] and len(history) == 3
    assert dict(history.items()) == history.history


def test_forward_hooks_as_in_pytorch(torch):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, seed=0), nn.ReLU(), nn.MaxPool2d(2))
    seen = []
    handle = model[1].register_forward_hook(lambda module, args, output: seen.append(output.shape))
    x = np.random.default_rng(0).normal(size=(1, 1, 4, 4)).astype(np.float32)
    fused = model(x).numpy()  # the hook sees ReLU's own output: the pair runs unfused, the same values
    assert seen == [(1, 2, 4, 4)]
    handle.remove()
    np.testing.assert_allclose(model(x).numpy(), fused, rtol=1e-6)
    assert seen == [(1, 2, 4, 4)]
    doubled = model.register_forward_hook(lambda module, args, output: output * 2)
    np.testing.assert_allclose(model(x).numpy(), 2 * fused, rtol=1e-6)
    doubled.remove()


@pytest.mark.parametrize(
    ("model", "rows", "shape"),
    [
        (nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10)), 3, "(1, 10)"),
        (MLP([4, 8, 3]), 3, "(1, 3)"),
        (SmallCNN(), 7, "(1, 10)"),
        (GAN(latent_dim=4, image_size=8, hidden=8), 11, "(1, 64)"),
        (CharRNN(20, hidden_size=16, num_layers=1, seed=0), 3, "(1, 8, 20)"),
        (GPT(20, block_size=8, n_layer=1, n_head=2, n_embd=16, seed=0), None, "(1, 8, 20)"),
    ],
    ids=["Sequential", "MLP", "SmallCNN", "GAN", "CharRNN", "GPT"],
)
def test_summary_is_keras_table(model, rows, shape):
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert text.startswith(f'Model: "{type(model).__name__}"')
    lines = text.splitlines()
    first, last = (i for i, line in enumerate(lines) if line and set(line) == {"="})
    body = lines[first + 1 : last]
    if rows is not None:
        assert len(body) == rows, text
    total = int(re.search(r"Total params: ([\d,]+)", text).group(1).replace(",", ""))
    assert total == model.num_parameters()
    assert sum(int(row.split()[-1].replace(",", "")) for row in body) == total
    assert shape in text and "?" not in text, text


def test_summary_without_an_example_input_still_counts():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
    lines = []
    model.summary(print_fn=lines.append)
    assert "?" in lines[0] and "Total params: 40" in lines[0]
    model.summary((2, 1, 6, 6), print_fn=lines.append)
    assert "(2, 4, 4, 4)" in lines[1]


# ----- one table for each choice -------------------------------------------------------------------
def test_the_command_line_reads_the_librarys_tables():
    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    actions = {action.dest: action for action in train._actions}
    assert set(actions["optimizer"].choices) == set(optim.OPTIMIZERS)
    assert set(actions["activation"].choices) == set(nn.ACTIVATIONS)
    assert {"gelu", "silu", "elu"} <= set(nn.ACTIVATIONS) and {"smooth_l1", "kl_div"} <= set(nn.LOSSES)


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_an_optimizer_name_gets_one_default_rate_everywhere(name):
    model = _model()
    model.compile(optimizer=name)
    made = optim.make_optimizer(name, _model().parameters())
    assert model.optimizer.param_groups[0]["lr"] == made.param_groups[0]["lr"] == optim.OPTIMIZERS[name][1]
    assert type(model.optimizer) is optim.OPTIMIZERS[name][0]
    assert optim.OPTIMIZERS["sgd"][1] == 0.01 and optim.OPTIMIZERS["adam"][1] == 0.001  # Keras's


@pytest.mark.parametrize("name", sorted(nn.LOSSES))
def test_every_loss_name_compiles(name):
    model = _model()
    model.compile(loss=name)
    assert isinstance(ds.train.compiling.compiled(model).loss, nn.LOSSES[name])


@pytest.mark.parametrize("name", sorted(nn.ACTIVATIONS))
def test_every_activation_name_builds_an_mlp(name):
    assert MLP([3, 4, 2], activation=name)(np.zeros((2, 3), np.float32)).shape == (2, 2)


# ----- one check for each rule ---------------------------------------------------------------------
def test_one_check_per_rule_with_one_wording(capsys):
    assert positive_int("Linear", "in_features", np.int64(3)) == 3
    for bad in (0, -1, 2.0, True, "3"):
        with pytest.raises(ValueError, match="Linear needs a positive integer in_features"):
            positive_int("Linear", "in_features", bad)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        positive_int(None, "batch_size", 0)
    assert non_negative_int(None, "epochs", 0) == 0
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        non_negative_int(None, "epochs", -1)
    with pytest.raises(ValueError, match=r"unknown loss 'kl'; use one of \["):
        one_of("loss", "kl", nn.LOSSES)
    # the same check behind the layers, the loader, word2vec, the tokenizer windows and the CLI
    for make in (
        lambda: nn.Linear(0, 2),
        lambda: nn.Conv2d(1, 2, 3, groups=0),
        lambda: DataLoader(TensorDataset(np.zeros(3)), batch_size=0),
        lambda: text.TokenStream(np.arange(10), 0),
        lambda: text.KeyedVectors(0),
    ):
        with pytest.raises(ValueError, match="positive integer"):
            make()
    assert main(["train", "--epochs", "0"]) == 1  # one line on stderr, exit status 1
    assert "--epochs must be a positive integer, got '0'" in capsys.readouterr().err


def test_one_label_check_for_losses_and_fit():
    logits = ds.tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(IndexError, match=r"Target 3 is out of bounds: class labels must lie in \[0, 2\]"):
        ds.functional.cross_entropy(logits, np.array([0, 3]))
    model = _model()
    model.compile()
    with pytest.raises(IndexError, match=r"Target 3 is out of bounds: class labels must lie in \[0, 2\]"):
        model.fit(np.zeros((2, 2), np.float32), np.array([0, 3]), verbose=0)


# ----- small mends ---------------------------------------------------------------------------------
def test_dataloader_takes_arrays_as_a_tensordataset_would():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    batches = list(DataLoader(X, y, batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(batches[1][1].numpy(), [4, 5, 6, 7])
    assert len(DataLoader(ds.tensor(X), 3)) == 4  # PyTorch's positional batch_size
    with pytest.raises(TypeError, match="batch_size twice"):
        DataLoader(X, 4, batch_size=4)
    with pytest.raises(ValueError, match="same first dimension"):
        DataLoader(X, y[:5], batch_size=4)
    with pytest.raises(TypeError, match="dataset"):
        DataLoader(5)


class _Scaled(nn.Module):
    def __init__(self, scale=3.0):
        self.scale = scale
        self.linear = nn.Linear(2, 2, seed=0)

    def forward(self, x):
        return self.linear(x) * self.scale


def test_a_saved_module_comes_back_with_its_settings_or_is_refused(tmp_path):
    assert ds.load(_Scaled(5.0).save(tmp_path / "a.npz")).scale == 5.0
    changed = _Scaled()
    changed.scale = 5.0
    with pytest.raises(ValueError, match=r"scale is 5.0 but the constructor gives 3.0"):
        changed.save(tmp_path / "b.npz")
    added = nn.Sequential(_Scaled())
    added[0].note = "extra"
    with pytest.raises(ValueError, match=r"0.note is 'extra' but the constructor is not set"):
        added.save(tmp_path / "c.npz")
    trained = _model()
    trained.compile()
    trained.fit(*_blobs(), epochs=1, verbose=0)  # fit's attributes (history, stop_training): not settings
    assert isinstance(ds.load(trained.save(tmp_path / "d.npz")), nn.Sequential)
