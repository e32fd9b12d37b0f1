"""Ready models: they learn on real data (thresholds a broken model cannot pass), save, and draw."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep import viz
from deepstep.models import GAN, MLP, Autoencoder, SmallCNN


@pytest.fixture(scope="module")
def mnist():
    return ds.datasets.load_mnist()


def test_mlp_builds_the_notes_network(tmp_path):
    model = MLP([784, 256, 128, 10], activation="tanh", dropout=0.1)
    assert model.num_parameters() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert model(np.zeros((2, 784), dtype=np.float32)).shape == (2, 10)
    loaded = ds.load(model.save(tmp_path / "mlp.npz"))
    assert repr(loaded) == repr(model)
    with pytest.raises(ValueError, match="unknown activation"):
        MLP([2, 2, 1], activation="swish")


def test_small_cnn_learns_mnist(mnist):
    (x, y), (xt, yt) = mnist
    ds.manual_seed(0)
    model = SmallCNN()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    model.fit(x[:6000, None], y[:6000], epochs=1, batch_size=64, verbose=0, seed=0)
    scores = model.evaluate(xt[:2000, None], yt[:2000])
    assert scores["accuracy"] > 0.85, scores  # one epoch on a tenth of the data; chance is 0.10
    assert model(x[:3]).shape == (3, 10)  # (N, H, W) input is read as one channel


def test_small_cnn_kernel_size():
    assert SmallCNN(kernel_size=3)(np.zeros((2, 1, 28, 28), np.float32)).shape == (2, 10)
    assert SmallCNN().features[0].weight.shape == (32, 1, 5, 5)  # LeNet's 5×5 by default
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        SmallCNN(kernel_size=4)


def test_dense_autoencoder_beats_pca_with_the_same_code_size(mnist):
    (x, _), (xt, _) = mnist
    x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    ds.manual_seed(0)
    model = Autoencoder("dense", latent_dim=32)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, epochs=3, batch_size=128, verbose=0, seed=0)
    autoencoder_mse = np.mean((model.reconstruct(xt).reshape(len(xt), -1) - xt) ** 2)
    mean = x.mean(axis=0)
    components = np.linalg.svd(x - mean, full_matrices=False)[2][:32]  # PCA with 32 components
    pca_mse = np.mean(((xt - mean) @ components.T @ components + mean - xt) ** 2)
    assert autoencoder_mse < pca_mse, (autoencoder_mse, pca_mse)
    assert model.encode(xt[:5]).shape == (5, 32)


def test_convolutional_autoencoder_reduces_its_loss(mnist):
    (x, _), _ = mnist
    ds.manual_seed(0)
    model = Autoencoder("conv", latent_dim=16)
    model.compile(optimizer="adam", loss="mse")
    images = x[:1024, None]
    before = model.evaluate(images, images)["loss"]
    model.fit(images, images, epochs=2, batch_size=64, verbose=0, seed=0)
    assert model.evaluate(images, images)["loss"] < 0.5 * before
    assert model.reconstruct(images[:4]).shape == (4, 28, 28)


def test_gan_trains_both_players_and_moves_its_samples_toward_the_data(mnist, tmp_path):
    (x, _), _ = mnist
    ds.manual_seed(0)
    gan = GAN(latent_dim=32, hidden=128)
    before = gan.sample(256, seed=1)
    history = gan.fit(x[:12800], epochs=2, batch_size=128, seed=0)
    after = gan.sample(256, seed=1)
    # the common loop: fit's History, each epoch's mean losses and every step's (100 batches an epoch)
    assert len(history.steps["d_loss"]) == len(history.steps["g_loss"]) == 200
    assert np.all(np.isfinite(history.steps["d_loss"])) and np.all(np.isfinite(history.steps["g_loss"]))
    assert len(history["d_loss"]) == 2
    assert history["g_loss"][1] == pytest.approx(np.mean(history.steps["g_loss"][100:]))
    assert after.shape == (256, 28, 28) and after.min() >= 0 and after.max() <= 1
    # MNIST is mostly black (mean 0.13); an untrained generator is grey (about 0.5)
    data_mean = x[:12800].mean()
    assert abs(after.mean() - data_mean) < 0.5 * abs(before.mean() - data_mean)
    np.testing.assert_array_equal(gan.sample(4, seed=7), gan.sample(4, seed=7))
    viz.plot_gan_losses(history, tmp_path / "gan.png")
    viz.image_grid([after[:8]], ["samples"], path=tmp_path / "samples.png")
    assert (tmp_path / "gan.png").exists() and (tmp_path / "samples.png").exists()
    with pytest.raises(ValueError, match="pixels"):
        gan.fit(np.zeros((4, 10)))


def test_pictures_of_codes_and_filters(mnist, tmp_path):
    (x, y), _ = mnist
    viz.plot_latent_space(
        np.random.default_rng(0).standard_normal((200, 8)), y[:200], tmp_path / "latent.png"
    )
    before = SmallCNN().features[0].weight.data
    viz.plot_filters(before, tmp_path / "filters.png", initial=before * 0.5)
    viz.image_grid([x[:6], x[6:12]], ["originals", "more"], path=tmp_path / "grid.png")
    for name in ("latent.png", "filters.png", "grid.png"):
        assert (tmp_path / name).stat().st_size > 5_000
    with pytest.raises(ValueError, match="convolution weights"):
        viz.plot_filters(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="initial has shape"):
        viz.plot_filters(before, initial=before[:4])


def test_call_compile_first_suggests_a_loss_that_fits_the_model():
    x = np.zeros((4, 784), np.float32)
    autoencoder = Autoencoder(latent_dim=4, hidden=8)
    for attempt in (lambda: autoencoder.fit(x, x, verbose=0), lambda: autoencoder.optimizer):
        with pytest.raises(RuntimeError, match="call compile first") as info:
            attempt()
        assert "loss='mse'" in str(info.value) and "loss='bce'" in str(info.value)
        assert "cross_entropy" not in str(info.value)
    with pytest.raises(RuntimeError, match=r"call compile first, e\.g\. .*loss='cross_entropy'"):
        MLP([784, 8, 10]).fit(x, np.zeros(4, np.int64), verbose=0)
