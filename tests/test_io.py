"""Saving and loading models: exact round trips, no pickle, atomic writes, clear errors."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.io import model_file


def _model():
    return nn.Sequential(
        nn.Linear(4, 8, init="he", seed=0), nn.LeakyReLU(0.2), nn.Dropout(0.1), nn.Linear(8, 3)
    )


def test_round_trip_gives_the_same_model(tmp_path):
    model = _model()
    path = model.save(tmp_path / "m.npz")
    loaded = ds.load(path)
    assert repr(loaded) == repr(model)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    model.eval(), loaded.eval()
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert loaded[1].negative_slope == 0.2


def test_custom_modules_round_trip(tmp_path):
    class Residual(nn.Module):
        def __init__(self, width, inner=None, scale=(1.0, 2.0)):
            self.inner = inner or nn.Linear(width, width)
            self.scale = scale

        def forward(self, x):
            return x + self.inner(x) * self.scale[1]

    model = nn.Sequential(Residual(3, inner=nn.Sequential(nn.Linear(3, 3), nn.Tanh())), nn.Linear(3, 1))
    loaded = ds.load(model.save(tmp_path / "r.npz"))
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_a_crash_while_saving_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    _model().save(path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(model_file.np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        _model().save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_truncated_and_foreign_files_give_clear_errors(tmp_path):
    path = _model().save(tmp_path / "m.npz")
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable deepstep model file"):
        ds.load(tmp_path / "cut.npz")
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="no architecture"):
        ds.load(tmp_path / "plain.npz")
    with pytest.raises(FileNotFoundError):
        ds.load(tmp_path / "missing.npz")


def test_a_crafted_pickle_is_never_executed(tmp_path):
    # An object array inside the file would need pickle to load; it must be refused, not run.
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": True}], dtype=object), allow_pickle=True)
    path = _model().save(tmp_path / "m.npz")
    crafted = tmp_path / "crafted.npz"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(crafted, "w") as archive:
        for name in original.namelist():
            evil = name == "state/0.weight.npy"
            archive.writestr(name, buffer.getvalue() if evil else original.read(name))
    with pytest.raises(ValueError, match="not a readable deepstep model file"):
        ds.load(crafted)


def test_unknown_classes_and_unsavable_arguments(tmp_path):
    spec = {"class": "NoSuchLayer", "args": [], "kwargs": {}}
    with pytest.raises(ValueError, match="unknown module class 'NoSuchLayer'"):
        model_file.build(spec)

    class Odd(nn.Module):
        def __init__(self, thing):
            self.thing = thing

    with pytest.raises(TypeError, match="cannot save a constructor argument of type object"):
        Odd(object()).save(tmp_path / "odd.npz")
    assert not (tmp_path / "odd.npz").exists()


@pytest.mark.parametrize("name", ["weights.npz", "weights.safetensors"])
def test_a_state_dict_saved_alone_loads_back_as_pytorch_code_expects(tmp_path, name, torch):
    """ds.save(model.state_dict(), path) and model.load_state_dict(ds.load(path)), PyTorch's idiom:
    the arrays come back equal, in their order, and a fresh model gives the same outputs."""
    model = ds.nn.Sequential(ds.nn.Linear(3, 4), ds.nn.ReLU(), ds.nn.Linear(4, 2))
    path = tmp_path / name
    ds.save(model.state_dict(), path)
    state = ds.load(path)
    assert list(state) == list(model.state_dict())
    twin = ds.nn.Sequential(ds.nn.Linear(3, 4), ds.nn.ReLU(), ds.nn.Linear(4, 2))
    twin.load_state_dict(state)
    x = ds.randn(5, 3)
    np.testing.assert_array_equal(twin(x).numpy(), model(x).numpy())
    # tensors are saved by their arrays; anything else is refused before a file is written
    ds.save({"w": ds.ones(2)}, tmp_path / "t.npz")
    assert ds.load(tmp_path / "t.npz")["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="arrays and tensors only"):
        ds.save({"w": ["a", "b"]}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def test_a_pytorch_pickle_is_refused_with_the_way_across(tmp_path, torch):
    path = tmp_path / "w.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match=r"PyTorch file .* never reads.*load_weights"):
        ds.load(path)


def test_a_truncated_state_dict_file_is_a_clear_error(tmp_path):
    path = tmp_path / "w.npz"
    ds.save({"w": np.arange(1000.0)}, path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError):
        ds.load(path)
