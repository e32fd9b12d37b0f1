"""MNIST (bundled) and Fashion-MNIST (found on disk or downloaded, then checked by SHA-256)."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .idx import read_idx

__all__ = ["FASHION_MNIST_MIRRORS", "fetch", "load_fashion_mnist", "load_mnist"]

_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_MNIST_DIR = Path(__file__).parent / "files" / "mnist"

# SHA-256 of the uncompressed files: gzip wrappers differ between mirrors, the IDX bytes do not.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
FASHION_MNIST_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

Split = tuple[np.ndarray, np.ndarray]


def _mnist_sums() -> dict[str, str]:
    lines = (_MNIST_DIR / "SHA256SUMS.uncompressed").read_text().split("\n")
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def _as_split(images: np.ndarray, labels: np.ndarray, flatten: bool) -> Split:
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    x = images.astype(np.float32)
    x /= 255.0  # pixel intensities into [0, 1], in place: no second float copy of the data set
    return (x.reshape(len(x), -1) if flatten else x), labels.astype(np.int64)


def _load(directory: Path, sums: dict[str, str], flatten: bool) -> tuple[Split, Split]:
    arrays = {}
    for name in _FILES:
        path = directory / f"{name}.gz"
        arrays[name] = read_idx(path if path.exists() else directory / name, sums[name])
    train = _as_split(arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"], flatten)
    test = _as_split(arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"], flatten)
    return train, test


def load_mnist(flatten: bool = False) -> tuple[Split, Split]:
    """MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0), shipped with deepstep.

    Returns ((x_train, y_train), (x_test, y_test)): 60,000 and 10,000 float32 images in
    [0, 1] of shape (28, 28) (or 784 with flatten=True) and int64 labels 0–9.
    """
    return _load(_MNIST_DIR, _mnist_sums(), flatten)


def _search_path() -> list[Path]:
    places = []
    if os.environ.get("DEEPSTEP_DATA"):
        places.append(Path(os.environ["DEEPSTEP_DATA"]) / "fashion-mnist")
    places.append(Path.home() / ".cache" / "deepstep" / "fashion-mnist")
    places.append(Path("/usr/share/datasets/fashion-mnist"))  # Debian's dataset-fashion-mnist
    return places


def _complete(directory: Path) -> bool:
    return all((directory / f"{n}.gz").exists() or (directory / n).exists() for n in _FILES)


def load_fashion_mnist(
    flatten: bool = False, download: bool = True, mirrors: Sequence[str] = FASHION_MNIST_MIRRORS
) -> tuple[Split, Split]:
    """Fashion-MNIST (Zalando Research; MIT licence), in the same form as load_mnist.

    Looked up in $DEEPSTEP_DATA/fashion-mnist, ~/.cache/deepstep/fashion-mnist and Debian's
    /usr/share/datasets/fashion-mnist; otherwise downloaded into the first of those (every
    file checked against its SHA-256 before it is kept).
    """
    places = _search_path()
    for directory in places:
        if _complete(directory):
            return _load(directory, FASHION_MNIST_SHA256, flatten)
    if not download:
        raise FileNotFoundError(
            "Fashion-MNIST not found in " + ", ".join(str(p) for p in places) + " and download=False"
        )
    target = places[0]
    for name in _FILES:
        if not (target / f"{name}.gz").exists():
            fetch(
                [f"{m.rstrip('/')}/{name}.gz" for m in mirrors],
                target / f"{name}.gz",
                FASHION_MNIST_SHA256[name],
            )
    return _load(target, FASHION_MNIST_SHA256, flatten)


def fetch(urls: Sequence[str], destination: Path, sha256: str, timeout: float = 60.0) -> Path:
    """Download the first URL that answers to `destination`, keeping it only if the SHA-256 of its
    (decompressed) bytes matches. Written to a temporary file and renamed: never left half-written."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                payload = response.read()
        except OSError as error:
            errors.append(f"{url}: {error}")
            continue
        raw = gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256:
            errors.append(f"{url}: SHA-256 {digest} does not match the expected {sha256}")
            continue
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=destination.name, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return destination
    raise ValueError(f"could not download {destination.name}: " + "; ".join(errors))
