"""Bad data is refused, not learnt: a corpus that is binary or not UTF-8 is refused naming the file and
the byte offset (one line at the CLI), and a training set holding NaN or inf is refused wherever
deepstep trains on arrays."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

import deepstep as ds
from deepstep import linear, nn, text
from deepstep.data import DataLoader
from deepstep.models import GAN, Autoencoder
from deepstep.text import LineSentence, Word2Vec
from deepstep.text import corpus as corpus_module

GOOD = "in the beginning god created the heaven and the earth\n" * 20


def _random_bytes(path, size=4000):
    data = bytearray(np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes())
    data[0] = 0xE8  # a lead byte whose continuation is not a continuation: not UTF-8 at byte 0 for sure
    data[1] = 0x41
    path.write_bytes(bytes(data))
    return path


def _readers():
    """Every way deepstep reads a corpus file."""
    return {
        "LineSentence": lambda path: list(LineSentence(path)),
        "Word2Vec": lambda path: Word2Vec(
            corpus_file=path, vector_size=4, min_count=1, epochs=1, progress=False
        ),
        "read_corpus": text.read_corpus,
    }


@pytest.mark.parametrize("reader", sorted(_readers()))
def test_random_bytes_are_refused_naming_file_and_offset(tmp_path, reader):
    path = _random_bytes(tmp_path / "random.bin")
    with pytest.raises(ValueError, match=r"random\.bin is not UTF-8 text: byte 0 is 0xe8"):
        _readers()[reader](path)


@pytest.mark.parametrize("reader", sorted(_readers()))
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_bom_is_refused_with_the_fix(tmp_path, reader, encoding):
    path = tmp_path / "utf16.txt"
    path.write_bytes(("\ufeff" + GOOD).encode(encoding) if encoding.endswith("be") else GOOD.encode(encoding))
    with pytest.raises(ValueError, match=r"utf16\.txt is UTF-16 text .*iconv -f UTF-16 -t UTF-8"):
        _readers()[reader](path)


@pytest.mark.parametrize("reader", sorted(_readers()))
def test_a_nul_byte_is_refused_as_binary(tmp_path, reader):
    path = tmp_path / "nul.txt"
    path.write_bytes(GOOD.encode() + b"ab\0cd\n")
    with pytest.raises(ValueError, match=rf"nul\.txt is not text: byte {len(GOOD) + 2} is a NUL byte"):
        _readers()[reader](path)


def test_the_offset_is_exact_across_blocks(tmp_path, monkeypatch):
    """Blocks of 7 bytes: multi-byte characters cut by a block's end still decode, and the bad byte's
    offset counts from the file's start (after a UTF-8 byte-order mark, which is dropped)."""
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 7)
    good = "\ufeffcafé naïve 🙂 ünïcödé\n" * 5
    path = tmp_path / "late.txt"
    path.write_bytes(good.encode() + b"ok \xc3\x28 bad\n")
    with pytest.raises(
        ValueError, match=rf"late\.txt is not UTF-8 text: byte {len(good.encode()) + 3} is 0xc3"
    ):
        list(LineSentence(path))
    path.write_bytes(good.encode())
    assert next(iter(LineSentence(path))) == ["café", "naïve", "🙂", "ünïcödé"]


def test_a_file_cut_inside_a_character_is_refused(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(GOOD.encode() + "é".encode()[:1])
    with pytest.raises(ValueError, match="ends inside a character"):
        list(LineSentence(path))


def test_a_compressed_corpus_names_the_decompressed_offset(tmp_path):
    path = tmp_path / "bad.txt.gz"
    with gzip.open(path, "wb") as file:
        file.write(GOOD.encode() + b"\xff\n")
    with pytest.raises(
        ValueError, match=rf"bad\.txt\.gz \(decompressed\) is not UTF-8 text: byte {len(GOOD)}"
    ):
        list(LineSentence(path))
    with pytest.raises(ValueError, match=rf"byte {len(GOOD)} is 0xff"):
        text.read_corpus(path)


@pytest.mark.parametrize(
    "command",
    [
        ["word2vec", "CORPUS", "-o", "OUT/v.bin", "--quiet"],
        ["lm", "CORPUS", "--steps", "1", "--output", "OUT/lm"],
    ],
)
@pytest.mark.parametrize("kind", ["random", "utf16"])
def test_the_cli_says_one_line_and_exits_1(tmp_path, command, kind):
    corpus = _random_bytes(tmp_path / "c.bin") if kind == "random" else tmp_path / "c.txt"
    if kind == "utf16":
        corpus.write_bytes(GOOD.encode("utf-16"))
    argv = [arg.replace("CORPUS", str(corpus)).replace("OUT", str(tmp_path)) for arg in command]
    result = subprocess.run(
        [sys.executable, "-m", "deepstep", *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"deepstep {command[0]}: {corpus}")
    assert ("byte 0 is 0xe8" if kind == "random" else "UTF-16") in lines[0]


# ----- NaN and inf in training sets ----------------------------------------------------------------
def _images(bad):
    x = np.random.default_rng(0).random((32, 28, 28)).astype(np.float32)
    x[5, 6, 7] = bad
    return x


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("model", ["mlp", "autoencoder", "gan", "dataloader"])
def test_fit_refuses_nan_and_inf_training_sets(model, bad):
    x = _images(bad)
    if model == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        net.compile(optimizer=ds.optim.SGD(net.parameters(), lr=0.1), loss="cross_entropy")
        args = (x, np.zeros(32, dtype=np.int64))
    elif model == "autoencoder":
        net = Autoencoder(latent_dim=4, hidden=8)
        net.compile(optimizer=ds.optim.Adam(net.parameters()), loss="mse")
        flat = x.reshape(32, -1)
        args = (flat, flat)
    elif model == "gan":
        net = GAN(latent_dim=4)
        net.compile(lr=1e-3)
        args = (x, None)
    else:
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        net.compile(optimizer=ds.optim.SGD(net.parameters(), lr=0.1), loss="cross_entropy")
        args = (DataLoader(x, np.zeros(32, dtype=np.int64), batch_size=8), None)
    before = [v.copy() for v in net.state_dict().values()]
    with pytest.raises(ValueError, match=r"NaN or infinity \(first at index \(5, "):
        net.fit(*args, epochs=1, verbose=0)
    for old, new in zip(before, net.state_dict().values(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_gan_fit_names_the_pixel_range_and_the_data_min_and_max():
    x = np.random.default_rng(0).random((8, 28, 28)).astype(np.float32) * 2 - 1
    x[0, 0, 0], x[1, 1, 1] = -1.0, 0.5
    x[x > 0.5] = 0.5
    net = GAN(latent_dim=4)
    with pytest.raises(
        ValueError, match=r"pixel values in \[0, 1\].* got min -1 and max 0\.5; .*\(x \+ 1\) / 2"
    ):
        net.fit(x, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"got min 0 and max 255$"):
        net.fit(np.linspace(0, 255, 8 * 784, dtype=np.float32).reshape(8, 28, 28), epochs=1, verbose=0)


@pytest.mark.parametrize(
    "name", ["LinearRegression", "Ridge", "LogisticRegression", "Perceptron", "LinearSVC"]
)
@pytest.mark.parametrize("where", ["X", "y"])
def test_linear_estimators_refuse_nan_and_inf(name, where):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(np.int64) if name not in ("LinearRegression", "Ridge") else X[:, 0].copy()
    if where == "X":
        X[4, 1] = np.inf
    elif y.dtype.kind == "f":
        y[4] = np.nan
    else:
        y = y.astype(np.float64)
        y[4] = np.nan
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        getattr(linear, name)().fit(X, y)
