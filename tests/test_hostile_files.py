"""Loading is safe against hostile files: a zip bomb, a header claiming a shape the model does not have,
a truncated file, a wrong dtype or NaN weights are refused before anything is decompressed or allocated,
and a word2vec file handed to ds.load is named for what it is."""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.text import KeyedVectors

BOMB_BYTES = 3800 << 20  # what the bomb's one array inflates to: 3.7 GiB of zeros, from a 4 MB file
PEAK_LIMIT_MB = 200


def _model(seed=0):
    return nn.Sequential(nn.Linear(4, 8, seed=seed), nn.Tanh(), nn.Linear(8, 2, seed=seed + 1))


# ----- writing hostile zips by hand ------------------------------------------------------------------
def _npy_header(shape, descr="<f4"):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _times(matrix, vector):
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _crc32_then_zeros(crc, n):
    """zlib.crc32(bytes(n), crc) in O(log n): appending a zero byte is a linear map of the CRC's state
    (zlib's crc32_combine), so the bomb's checksum is right without running 4 GB through crc32."""
    one_bit = [0xEDB88320] + [1 << i for i in range(31)]
    operator = one_bit
    for _ in range(3):  # 1 → 2 → 4 → 8 zero bits: one zero byte
        operator = [_times(operator, row) for row in operator]
    state = crc ^ 0xFFFFFFFF
    while n:
        if n & 1:
            state = _times(operator, state)
        operator = [_times(operator, row) for row in operator]
        n >>= 1
    return state ^ 0xFFFFFFFF


def _bomb_member(name):
    """(name, deflate method, crc, declared size, compressed bytes): an .npy of float32 zeros that
    inflates to BOMB_BYTES. After a full flush the compressor forgets its history, so every MiB of
    zeros compresses to the same ~1 KB block, repeated."""
    header = _npy_header((BOMB_BYTES // 4,))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1 << 20)
    start = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == block
    data = start + block * (BOMB_BYTES >> 20) + compressor.flush()
    crc = _crc32_then_zeros(zlib.crc32(header), BOMB_BYTES)
    return name, zipfile.ZIP_DEFLATED, crc, len(header) + BOMB_BYTES, data


def _stored(name, data):
    return name, zipfile.ZIP_STORED, zlib.crc32(data), len(data), data


def _write_zip(path, members):
    """A zip of (name, method, crc, declared size, data) members, written byte by byte."""
    out, directory = bytearray(), bytearray()
    for name, method, crc, size, data in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 33, crc, len(data), size, len(raw), 0
        )
        out += raw + data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 33, crc, len(data), size, len(raw),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        directory += raw
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0)
    path.write_bytes(bytes(out + directory + end))
    return path


def _members(path, replace=None):
    """The members of a real .npz as stored ones, `replace` {name: member} swapped in."""
    replace = replace or {}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        members = [(n, *replace[n][1:]) if n in replace else _stored(n, archive.read(n)) for n in names]
    return members + [(name, *member[1:]) for name, member in replace.items() if name not in names]


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A model file whose first weight is a real zip bomb (3.7 GiB of zeros in a 4 MB member)."""
    folder = tmp_path_factory.mktemp("bomb")
    honest = _model().save(folder / "honest.npz")
    return _write_zip(folder / "bomb.npz", _members(honest, {"state/0.weight.npy": _bomb_member("")}))


# The peak of the process's own memory (VmHWM: a fresh process's, from exec on), not ru_maxrss, which
# Linux carries over from the parent across fork and exec (pytest's, which may hold 200 MB already).
_PEAK = (
    "def peak_mb():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1]) / 1024\n"
)


def _peak_while_loading(call):
    """Run the Python statement `call` in a fresh interpreter: (its ValueError's message or None, the
    process's peak resident memory in MB)."""
    script = (
        "import json, deepstep as ds\n"
        "from deepstep import nn\n"
        f"{_PEAK}"
        "try:\n"
        f"    {call}\n"
        "    error = None\n"
        "except ValueError as e:\n"
        "    error = str(e)\n"
        "print(json.dumps([error, peak_mb()]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_bomb_is_real(bomb):
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("state/0.weight.npy")
        assert info.file_size > BOMB_BYTES > 1000 * info.compress_size
        with archive.open(info) as member:
            np.lib.format.read_magic(member)
            assert np.lib.format.read_array_header_1_0(member)[0] == (BOMB_BYTES // 4,)
            assert member.read(8 << 20) == bytes(8 << 20)  # it does inflate: 8 MiB of zeros and on


@pytest.mark.parametrize(
    "call, expected",
    [
        ("ds.load(PATH)", "zip bomb"),
        (
            "ds.load(PATH, max_bytes=10**10)",
            r"0\.weight: the model has shape \(8, 4\), the weights \(996147200,\)",
        ),
        ("ds.io.load_state_dict_file(PATH)", "zip bomb"),
        ("ds.io.load_weights(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)), PATH)", "zip bomb"),
    ],
)
def test_a_zip_bomb_is_refused_before_it_inflates(bomb, call, expected):
    error, peak_mb = _peak_while_loading(call.replace("PATH", repr(str(bomb))))
    assert error is not None and str(bomb) in error
    assert re.search(expected, error), error
    assert peak_mb < PEAK_LIMIT_MB, f"peak {peak_mb:.0f} MB while rejecting"


def test_a_bomb_in_a_checkpoint_is_refused_before_it_inflates(tmp_path):
    model = _model()
    optimizer = ds.optim.Adam(model.parameters(), lr=0.01)
    honest = ds.io.save_checkpoint(tmp_path / "c.npz", model, {"adam": optimizer}, {"epoch": 1})
    path = _write_zip(tmp_path / "bomb.npz", _members(honest, {"model/2.bias.npy": _bomb_member("")}))
    call = (
        "m = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)); "
        f"ds.io.load_checkpoint({str(path)!r}, m, {{'adam': ds.optim.Adam(m.parameters())}})"
    )
    error, peak_mb = _peak_while_loading(call)
    assert error is not None and "zip bomb" in error
    assert peak_mb < PEAK_LIMIT_MB


def test_a_shape_the_model_does_not_have_is_refused_before_reading(tmp_path, monkeypatch):
    honest = _model().save(tmp_path / "m.npz")
    wrong = np.ones((80, 4), np.float32)  # a consistent member, ten times the model's (8, 4)
    path = _write_zip(
        tmp_path / "wrong.npz", _members(honest, {"state/0.weight.npy": _stored("", _npy(wrong))})
    )
    read = []
    original = np.lib.npyio.NpzFile.__getitem__

    def spy(self, key):
        read.append(key)
        return original(self, key)

    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__", spy)
    with pytest.raises(ValueError, match=r"0\.weight: the model has shape \(8, 4\), the weights \(80, 4\)"):
        ds.load(path)
    assert read == ["__architecture__"]  # the header only: no array was read
    target = _model(seed=5)
    with pytest.raises(ValueError, match=r"\(80, 4\)"):
        ds.io.load_weights(target, path)
    assert read[-1] == "__architecture__"


def test_a_member_the_model_does_not_have_is_refused(tmp_path):
    honest = _model().save(tmp_path / "m.npz")
    extra = {"state/extra.npy": _stored("state/extra.npy", _npy(np.zeros(3, np.float32)))}
    path = _write_zip(tmp_path / "extra.npz", _members(honest, extra))
    with pytest.raises(ValueError, match=r"unexpected \['extra'\]"):
        ds.load(path)


def test_a_header_claiming_more_than_its_member_holds_is_refused(tmp_path):
    """A tiny member whose .npy header claims 4 TB: inconsistent with the zip entry, refused unread."""
    honest = _model().save(tmp_path / "m.npz")
    lie = _npy_header((1 << 20, 1 << 20)) + bytes(128)
    path = _write_zip(tmp_path / "lie.npz", _members(honest, {"state/0.weight.npy": _stored("", lie)}))
    for load in (ds.load, ds.io.load_state_dict_file):
        with pytest.raises(ValueError, match=r"claims shape \(1048576, 1048576\)"):
            load(path)


@pytest.mark.parametrize("dtype", ["<i8", "<c8", "<U4", "?"])
def test_a_member_of_the_wrong_dtype_is_refused(tmp_path, dtype):
    honest = _model().save(tmp_path / "m.npz")
    wrong = np.zeros((8, 4), dtype=dtype)
    path = _write_zip(
        tmp_path / "dtype.npz", _members(honest, {"state/0.weight.npy": _stored("", _npy(wrong))})
    )
    with pytest.raises(ValueError, match=rf"0\.weight: the model holds float32, the file {np.dtype(dtype)}"):
        ds.load(path)
    target = _model(seed=5)
    before = [v.copy() for v in target.state_dict().values()]
    with pytest.raises(ValueError, match="the model holds float32"):
        ds.io.load_weights(target, path)
    for old, new in zip(before, target.state_dict().values(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_an_object_array_is_refused_without_unpickling(tmp_path):
    honest = _model().save(tmp_path / "m.npz")
    evil = _npy(np.array([{"a": 1}, None], dtype=object))
    path = _write_zip(tmp_path / "evil.npz", _members(honest, {"state/0.weight.npy": _stored("", evil)}))
    with pytest.raises(ValueError, match="Python objects"):
        ds.load(path)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_every_truncation_is_refused(tmp_path, suffix):
    path = _model().save(tmp_path / f"m{suffix}")
    data = path.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    for n in sorted({0, 1, 2, 8, 30, 100, len(data) // 3, len(data) // 2, len(data) - 22, len(data) - 1}):
        cut.write_bytes(data[:n])
        with pytest.raises(ValueError, match="cut"):
            ds.load(cut)
        with pytest.raises(ValueError):
            ds.io.load_state_dict_file(cut)


def _with_nan(where="2.bias"):
    model = _model()
    state = model.state_dict()
    state[where][0] = np.nan
    model.load_state_dict(state)
    return model


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_nan_weights_are_refused_unless_asked_for(tmp_path, suffix):
    path = _with_nan().save(tmp_path / f"m{suffix}")
    with pytest.raises(ValueError, match=r"NaN or infinite weights \(in '2\.bias'\).*allow_nonfinite=True"):
        ds.load(path)
    loaded = ds.load(path, allow_nonfinite=True)
    assert np.isnan(loaded.state_dict()["2.bias"][0])
    with pytest.raises(ValueError, match="allow_nonfinite"):
        ds.io.load_state_dict_file(path)
    assert np.isnan(ds.io.load_state_dict_file(path, allow_nonfinite=True)["2.bias"][0])
    target = _model(seed=5)
    before = target.state_dict()["2.bias"].copy()
    with pytest.raises(ValueError, match="NaN"):
        ds.io.load_weights(target, path)
    np.testing.assert_array_equal(target.state_dict()["2.bias"], before)
    with pytest.raises(ValueError, match="NaN"):
        target.load_weights(path)
    np.testing.assert_array_equal(target.state_dict()["2.bias"], before)
    ds.io.load_weights(target, path, allow_nonfinite=True)
    assert np.isnan(target.state_dict()["2.bias"][0])
    assert np.isnan(_model(seed=6).load_weights(path, allow_nonfinite=True).state_dict()["2.bias"][0])


def test_inf_weights_in_a_checkpoint_are_refused(tmp_path):
    model = _with_nan()
    state = model.state_dict()
    state["2.bias"][0] = np.inf
    model.load_state_dict(state)
    optimizer = ds.optim.Adam(model.parameters(), lr=0.01)
    path = ds.io.save_checkpoint(tmp_path / "c.npz", model, {"adam": optimizer}, {"epoch": 1})
    fresh = _model(seed=3)
    with pytest.raises(ValueError, match="NaN or infinite"):
        ds.io.load_checkpoint(path, fresh, {"adam": ds.optim.Adam(fresh.parameters())})


def _safetensors_bytes(header, data=b""):
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def test_a_safetensors_header_claiming_4_gb_is_refused_unread(tmp_path):
    path = tmp_path / "big.safetensors"
    header = {"0.weight": {"dtype": "F32", "shape": [1 << 30], "data_offsets": [0, 1 << 32]}}
    path.write_bytes(_safetensors_bytes(header, bytes(64)))
    for load in (ds.load, ds.io.load_state_dict_file, lambda p: ds.io.load_weights(_model(), p)):
        with pytest.raises(ValueError, match=str(path)):
            load(path)
    error, peak_mb = _peak_while_loading(f"ds.load({str(path)!r})")
    assert error and "claims shape (1073741824,)" in error and peak_mb < PEAK_LIMIT_MB


def test_a_safetensors_shape_the_model_lacks_is_refused_before_any_tensor_is_read(tmp_path, monkeypatch):
    model = _model()
    path = model.save(tmp_path / "m.safetensors")
    metadata = json.loads(path.read_bytes()[8 : 8 + struct.unpack("<Q", path.read_bytes()[:8])[0]])
    arrays = ds.io.load_state_dict_file(path)
    arrays["0.weight"] = np.ones((80, 4), np.float32)
    from deepstep.io.safetensors_file import write_safetensors

    wrong = write_safetensors(tmp_path / "wrong.safetensors", arrays, dict(metadata["__metadata__"]))
    import deepstep.io.safetensors_file as safetensors_file

    def no_reading():
        raise AssertionError("a tensor was about to be read")

    monkeypatch.setattr(safetensors_file, "_package", no_reading)
    with pytest.raises(ValueError, match=r"0\.weight: the model has shape \(8, 4\), the weights \(80, 4\)"):
        ds.load(wrong)
    with pytest.raises(ValueError, match=r"\(80, 4\)"):
        ds.io.load_weights(_model(seed=4), wrong)


@pytest.mark.parametrize("binary", [False, True])
def test_a_word2vec_file_given_to_load_says_what_it_is(tmp_path, binary):
    vectors = KeyedVectors.from_arrays(["alpha", "beta", "gamma"], np.eye(3, 4, dtype=np.float32))
    for name in ("v.bin", "v.txt", "v.bin.gz"):
        path = tmp_path / name
        vectors.save_word2vec_format(path, binary=binary)
        kind = "binary" if binary else "text"
        with pytest.raises(
            ValueError,
            match=rf"word2vec vectors file \({kind} format, 3 words × 4 dimensions\).*"
            rf"KeyedVectors\.load_word2vec_format\(path, binary={binary}\)",
        ):
            ds.load(path)


def test_deepstep_word_vectors_given_to_load_say_what_they_are(tmp_path):
    vectors = KeyedVectors.from_arrays(["alpha", "beta"], np.eye(2, 4, dtype=np.float32))
    path = vectors.save(tmp_path / "v.npz")
    with pytest.raises(
        ValueError,
        match=r"word vectors saved by deepstep \(KeyedVectors, 2 words × 4 dimensions\).*"
        r"KeyedVectors\.load\(path\)",
    ):
        ds.load(path)


def test_a_deepstep_word2vec_model_given_to_load_says_it_is_one(tmp_path):
    from deepstep.text import Word2Vec

    model = Word2Vec(
        [["alpha", "beta", "gamma"] * 4] * 8, vector_size=4, min_count=1, epochs=1, seed=0, workers=1, sg=1
    )
    path = model.save(tmp_path / "w2v.npz")
    with pytest.raises(ValueError) as info:
        ds.load(path)
    message = str(info.value)
    assert "is a Word2Vec model saved by deepstep (skip-gram, 3 words × 4 dimensions)" in message
    assert "Word2Vec.load(path)" in message and "holds word vectors" not in message


@pytest.mark.parametrize("binary", [False, True])
def test_a_word2vec_header_promising_terabytes_is_refused_before_allocating(tmp_path, binary):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"1000000000 1000\nthe " + (b"\0" * 4000 if binary else b"1 " * 999 + b"1\n"))
    with pytest.raises(
        ValueError, match=r"huge\.txt is truncated or not a word2vec file: .*1,000,000,000 vectors"
    ):
        KeyedVectors.load_word2vec_format(path, binary=binary)
    call = f"ds.text.KeyedVectors.load_word2vec_format({str(path)!r}, binary={binary})"
    call = "import deepstep.text; " + call
    error, peak_mb = _peak_while_loading(call)
    assert error and "truncated" in error and peak_mb < PEAK_LIMIT_MB
