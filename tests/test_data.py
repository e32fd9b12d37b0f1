"""DataLoader, the IDX reader, MNIST, Fashion-MNIST (download checked against a local server),
and the synthetic sets."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

import deepstep as ds
from deepstep.data import DataLoader, Dataset, TensorDataset
from deepstep.datasets import mnist as mnist_module
from deepstep.datasets import parse_idx, read_idx


# ----- DataLoader ----------------------------------------------------------------------
def test_dataloader_batches_cover_the_data_once_per_epoch():
    x = np.arange(10)[:, None].astype(np.float32)
    loader = DataLoader(TensorDataset(x, np.arange(10)), batch_size=4, shuffle=True, seed=0)
    assert len(loader) == 3
    epochs = [[b[1].numpy().tolist() for b in loader] for _ in range(3)]
    for batches in epochs:
        assert [len(b) for b in batches] == [4, 4, 2]
        assert sorted(i for batch in batches for i in batch) == list(range(10))
    assert epochs[0] != epochs[1]  # reshuffled every epoch


def test_dataloader_same_seed_same_batches():
    data = TensorDataset(np.arange(20))
    first = [b[0].numpy().tolist() for b in DataLoader(data, 5, shuffle=True, seed=3)]
    second = [b[0].numpy().tolist() for b in DataLoader(data, 5, shuffle=True, seed=3)]
    assert first == second


def test_dataloader_drop_last_and_generic_dataset():
    class Squares(Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return np.array([i], dtype=np.float32), i * i

    loader = DataLoader(Squares(), batch_size=3, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    assert batches[1][1].numpy().tolist() == [9, 16, 25]


def test_dataloader_and_dataset_errors():
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=2)
    with pytest.raises(ValueError, match=r"same first dimension.*\(3,\), \(4,\)"):
        TensorDataset(np.zeros(3), np.zeros(4))


# ----- IDX and MNIST ----------------------------------------------------------------------
def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_idx_round_trip_and_corruption(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(_idx(array)), array)
    with pytest.raises(ValueError, match="magic number"):
        parse_idx(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="should hold"):
        parse_idx(_idx(array)[:-3])
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(_idx(array))[:-10])
    with pytest.raises(ValueError, match="cannot read"):
        read_idx(path)
    path.write_bytes(gzip.compress(_idx(array)))
    with pytest.raises(ValueError, match="corrupt"):
        read_idx(path, sha256="0" * 64)


def test_mnist_is_bundled_and_standard():
    (x, y), (xt, _) = ds.datasets.load_mnist()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    assert y[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]  # the famous first training labels
    assert ds.datasets.load_mnist(flatten=True)[1][0].shape == (10000, 784)


# ----- Fashion-MNIST: look-up and verified download --------------------------------------------
@pytest.fixture
def fake_fashion(tmp_path, monkeypatch):
    """A small fake Fashion-MNIST whose checksums replace the real ones, served from 127.0.0.1."""
    rng = np.random.default_rng(0)
    served = tmp_path / "served"
    served.mkdir()
    sums = {}
    contents = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 6),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (4, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 4),
    }
    for name, array in contents.items():
        raw = _idx(array)
        sums[name] = hashlib.sha256(raw).hexdigest()
        (served / f"{name}.gz").write_bytes(gzip.compress(raw))
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_SHA256", sums)
    monkeypatch.setenv("DEEPSTEP_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist_module, "_search_path", lambda: [tmp_path / "data" / "fashion-mnist"])

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (
        f"http://127.0.0.1:{server.server_address[1]}/",
        served,
        contents,
        tmp_path / "data" / "fashion-mnist",
    )
    server.shutdown()
    server.server_close()


def test_fashion_mnist_downloads_verifies_and_caches(fake_fashion):
    url, _, contents, target = fake_fashion
    (x, y), (xt, _) = ds.datasets.load_fashion_mnist(mirrors=["http://127.0.0.1:9/nothing-here/", url])
    np.testing.assert_array_equal(y, contents["train-labels-idx1-ubyte"])
    np.testing.assert_allclose(xt * 255, contents["t10k-images-idx3-ubyte"])
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{n}.gz" for n in contents)
    # second call: found on disk, no server needed
    (x2, _), _ = ds.datasets.load_fashion_mnist(mirrors=[], download=True)
    np.testing.assert_array_equal(x, x2)


def test_fashion_mnist_refuses_a_corrupt_download_and_leaves_nothing(fake_fashion):
    url, served, _, target = fake_fashion
    good = (served / "train-labels-idx1-ubyte.gz").read_bytes()
    (served / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(gzip.decompress(good)[:-1] + b"\x07"))
    with pytest.raises(ValueError, match="SHA-256"):
        ds.datasets.load_fashion_mnist(mirrors=[url])
    assert not list(target.glob("*.part")) and not (target / "train-labels-idx1-ubyte.gz").exists()


def test_fashion_mnist_without_download(fake_fashion):
    with pytest.raises(FileNotFoundError, match="download=False"):
        ds.datasets.load_fashion_mnist(download=False)


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz").exists(),
    reason="Debian's dataset-fashion-mnist is not installed here",
)
def test_real_fashion_mnist_from_debian_matches_the_checksums(monkeypatch, tmp_path):
    monkeypatch.delenv("DEEPSTEP_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (x, y), (xt, _) = ds.datasets.load_fashion_mnist(download=False)
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and set(np.unique(y)) == set(range(10))


# ----- synthetic sets --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["xor", "two_moons", "spirals", "blobs"])
def test_synthetic_classification_sets(name):
    make = getattr(ds.datasets, name)
    X, y = make(200, seed=1)
    assert X.shape == (200, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert len(np.unique(y)) >= 2
    X2, y2 = make(200, seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_housing_is_linear_in_its_features():
    X, price = ds.datasets.housing(2000, noise=1.0, seed=0)
    design = np.hstack([np.ones((len(X), 1)), X.astype(np.float64)])
    coef = np.linalg.lstsq(design, price, rcond=None)[0]
    np.testing.assert_allclose(coef, [50, 2.5, 10, -0.8, -6], atol=0.3)


def test_synthetic_bad_counts():
    with pytest.raises(ValueError, match="n_samples"):
        ds.datasets.two_moons(1)
