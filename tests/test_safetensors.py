"""safetensors files: deepstep ↔ PyTorch through the same file, checkpoints, and damaged files."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.io import safetensors_file
from deepstep.io.safetensors_file import read_safetensors, write_safetensors


@pytest.fixture(scope="module")
def st_torch():
    import safetensors.torch  # a hard import: without the package these tests must fail, not skip

    return safetensors.torch


# ----- the same model in deepstep and in torch.nn ----------------------------------------------


def _mlp(torch):
    """deepstep's MLP and the torch module with the same state-dict names."""

    class TorchMLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            layers = [torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 8), torch.nn.Tanh()]
            self.layers = torch.nn.Sequential(*layers, torch.nn.Linear(8, 3))

        def forward(self, x):
            return self.layers(x)

    return ds.models.MLP([6, 16, 8, 3], activation="tanh"), TorchMLP(), (5, 6)


def _cnn(torch):
    class TorchCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = torch.nn.Sequential(
                torch.nn.Conv2d(2, 4, 3, padding=1),
                torch.nn.ReLU(),
                torch.nn.MaxPool2d(2),
                torch.nn.Conv2d(4, 6, 3, padding=1),
                torch.nn.ReLU(),
                torch.nn.MaxPool2d(2),
            )
            self.classifier = torch.nn.Linear(6 * 2 * 2, 5)

        def forward(self, x):
            return self.classifier(self.features(x).flatten(1))

    model = ds.models.SmallCNN(in_channels=2, num_classes=5, channels=(4, 6), image_size=8, kernel_size=3)
    return model, TorchCNN(), (3, 2, 8, 8)


def _lstm(torch):
    class First(torch.nn.Module):  # the output sequence, without the final states
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(4, 5, num_layers=2, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]

    class DsFirst(nn.Module):
        def __init__(self):
            self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]

    return DsFirst(), First(), (2, 7, 4)


def _batchnorm(torch):
    """A buffer of each kind: running statistics and the int64 num_batches_tracked."""
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).eval()
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).eval(), torch_model, (6, 3)


MODELS = {"mlp": _mlp, "cnn": _cnn, "lstm": _lstm, "batchnorm": _batchnorm}


def _outputs_equal(model, torch_module, shape, torch):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = torch_module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(ds.tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def _train_a_little(model, shape):
    """Weights and running statistics away from their initial values."""
    model.train()
    optimizer = ds.optim.SGD(model.parameters(), lr=0.1)
    for seed in range(2):
        x = ds.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))
        model(x).square().mean().backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()


@pytest.mark.parametrize("kind", MODELS)
def test_pytorch_loads_a_deepstep_model_file_into_the_same_module(kind, tmp_path, torch, st_torch):
    model, torch_module, shape = MODELS[kind](torch)
    _train_a_little(model, shape)
    path = model.save(tmp_path / "model.safetensors")
    torch_module.load_state_dict(st_torch.load_file(path))  # strict: names, shapes and dtypes fit
    torch_module.eval()
    _outputs_equal(model, torch_module, shape, torch)


@pytest.mark.parametrize("kind", MODELS)
def test_deepstep_loads_weights_pytorch_wrote(kind, tmp_path, torch, st_torch):
    model, torch_module, shape = MODELS[kind](torch)
    for parameter in torch_module.parameters():  # not the initial values deepstep would also draw
        torch.nn.init.uniform_(parameter, -0.5, 0.5)
    for name, buffer in torch_module.named_buffers():
        buffer.fill_(7 if "num_batches" in name else 0.3)
    path = tmp_path / "torch.safetensors"
    st_torch.save_file(torch_module.state_dict(), path)
    assert model.load_weights(path) is model
    _outputs_equal(model, torch_module, shape, torch)
    for name, value in ds.io.load_state_dict_file(path).items():
        np.testing.assert_array_equal(value, torch_module.state_dict()[name].numpy())
    again, _, _ = MODELS[kind](torch)
    again.load_state_dict(ds.io.load_state_dict_file(path))  # the plain PyTorch way works too
    _outputs_equal(again.eval(), torch_module, shape, torch)


@pytest.mark.parametrize("kind", MODELS)
def test_round_trip_through_deepstep(kind, tmp_path, torch):
    model, _, shape = MODELS[kind](torch)
    _train_a_little(model, shape)
    loaded = ds.load(model.save(tmp_path / "m.safetensors"))
    assert repr(loaded) == repr(model)
    for (name, a), (other, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert name == other and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_the_file_is_plain_safetensors_with_the_architecture_as_json(tmp_path):
    import safetensors

    model = ds.models.MLP([3, 4, 2])
    path = model.save(tmp_path / "m.safetensors")
    with safetensors.safe_open(path, framework="np") as file:
        metadata = file.metadata()
        assert sorted(file.keys()) == sorted(model.state_dict())
    assert all(isinstance(v, str) for v in metadata.values())
    header = json.loads(metadata["deepstep.model"])
    assert header["format"] == "deepstep-model" and header["architecture"]["class"] == "MLP"


def test_a_file_pytorch_wrote_has_no_architecture_to_load(tmp_path, torch, st_torch):
    st_torch.save_file(torch.nn.Linear(2, 3).state_dict(), tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match=r"no deepstep architecture.*load_weights"):
        ds.load(tmp_path / "w.safetensors")


# ----- the container is chosen by the name and recognised by the content ---------------------


def test_names_choose_the_format_and_content_is_recognised_whatever_the_name(tmp_path):
    model = ds.models.MLP([3, 4, 2])
    x = np.ones((2, 3), dtype=np.float32)
    assert ds.io.DEFAULT_FORMAT == "npz"
    for name, magic in (("m.npz", b"PK"), ("m.bin", b"PK"), ("m.safetensors", None)):
        path = model.save(tmp_path / name)
        assert (path.read_bytes()[:2] == b"PK") == (magic is not None)
        renamed = path.rename(tmp_path / ("renamed-" + name + ".weights"))
        np.testing.assert_array_equal(ds.load(renamed)(x).data, model(x).data)


def test_older_npz_model_files_keep_loading(tmp_path):
    """The .npz layout from before safetensors: header "__architecture__", arrays "state/<name>"."""
    model = ds.models.MLP([3, 4, 2])
    header = {"format": "deepstep-model", "version": 1, "architecture": ds.io.model_file.describe(model)}
    blob = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    state = {f"state/{k}": v for k, v in model.state_dict().items()}
    np.savez(tmp_path / "old.npz", __architecture__=blob, **state)
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(ds.load(tmp_path / "old.npz")(x).data, model(x).data)
    assert sorted(ds.io.load_state_dict_file(tmp_path / "old.npz")) == sorted(model.state_dict())


# ----- checkpoints -------------------------------------------------------------------------


def _training_state(seed=0):
    model = nn.Sequential(nn.Linear(4, 8, seed=seed), nn.Tanh(), nn.Linear(8, 2, seed=seed + 1))
    optimizer = ds.optim.Adam(model.parameters(), lr=0.01)
    return model, optimizer


def _step(model, optimizer, seed):
    x = ds.tensor(np.random.default_rng(seed).standard_normal((5, 4)).astype(np.float32))
    optimizer.zero_grad()
    model(x).square().mean().backward()
    optimizer.step()


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_a_checkpoint_resumes_training_exactly(suffix, tmp_path):
    model, optimizer = _training_state()
    for seed in range(3):
        _step(model, optimizer, seed)
    path = tmp_path / f"checkpoint{suffix}"
    ds.io.save_checkpoint(path, model, {"adam": optimizer}, {"epoch": 3, "history": {"loss": [1.5, 0.5]}})
    resumed, resumed_optimizer = _training_state(seed=5)
    record = ds.io.load_checkpoint(path, resumed, {"adam": resumed_optimizer})
    assert record == {"epoch": 3, "history": {"loss": [1.5, 0.5]}}
    assert ds.io.checkpoint.read_record(path) == record
    for seed in range(3, 5):
        _step(model, optimizer, seed)
        _step(resumed, resumed_optimizer, seed)
    for a, b in zip(model.state_dict().values(), resumed.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(ds.io.load_state_dict_file(path)) == sorted(model.state_dict())


def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path):
    model, optimizer = _training_state()
    _step(model, optimizer, 0)
    path = tmp_path / "c.safetensors"
    ds.io.save_checkpoint(path, model, {"adam": optimizer}, {"epoch": 1})
    other = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    other_optimizer = ds.optim.Adam([*other[0].parameters()], lr=0.5)  # one group, 2 tensors, not 4
    weights = [v.copy() for v in other.state_dict().values()]
    with pytest.raises(ValueError, match="parameter groups"):
        ds.io.load_checkpoint(path, other, {"adam": other_optimizer})
    for before, after in zip(weights, other.state_dict().values(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert other_optimizer.param_groups[0]["lr"] == 0.5 and other_optimizer.state == {}
    with pytest.raises(ValueError, match="no state for the optimizer 'sgd'"):
        ds.io.load_checkpoint(path, other, {"sgd": other_optimizer})


# ----- damaged, foreign and misfitting files: one ValueError, nothing changed ----------------


def _small_model():
    return nn.Sequential(nn.Linear(3, 2, seed=0), nn.ReLU(), nn.Linear(2, 1, seed=1))


def _assert_untouched(model, weights):
    for before, after in zip(weights, model.state_dict().values(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_every_flipped_byte_and_every_truncation_is_refused(tmp_path):
    path = _small_model().save(tmp_path / "m.safetensors")
    data = path.read_bytes()
    target = nn.Sequential(nn.Linear(3, 2, seed=9), nn.ReLU(), nn.Linear(2, 1, seed=9))
    weights = [v.copy() for v in target.state_dict().values()]
    damaged = tmp_path / "damaged.safetensors"
    variants = [bytes([*data[:i], data[i] ^ 0x01, *data[i + 1 :]]) for i in range(len(data))]
    variants += [data[:n] for n in (0, 4, 8, 20, len(data) // 2, len(data) - 1)]
    for variant in variants:
        damaged.write_bytes(variant)
        with pytest.raises(ValueError):
            ds.load(damaged)
        with pytest.raises(ValueError):
            target.load_weights(damaged)
    _assert_untouched(target, weights)


def test_a_flipped_byte_in_a_checkpoint_changes_nothing(tmp_path):
    model, optimizer = _training_state()
    _step(model, optimizer, 0)
    path = ds.io.save_checkpoint(tmp_path / "c.safetensors", model, {"adam": optimizer}, {"epoch": 1})
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x10  # inside the last array's bytes: only the checksum can tell
    path.write_bytes(bytes(data))
    fresh, fresh_optimizer = _training_state(seed=3)
    weights = [v.copy() for v in fresh.state_dict().values()]
    with pytest.raises(ValueError, match="checksum"):
        ds.io.load_checkpoint(path, fresh, {"adam": fresh_optimizer})
    _assert_untouched(fresh, weights)
    assert fresh_optimizer.state == {}


def test_a_file_that_is_not_safetensors_is_refused(tmp_path):
    for name, content in (("text.safetensors", b"hello, this is not a model at all"), ("empty.bin", b"")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match="not a readable"):
            ds.load(tmp_path / name)
        with pytest.raises(ValueError, match="not a readable"):
            ds.io.load_state_dict_file(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        ds.load(tmp_path / "missing.safetensors")


def test_weights_of_the_wrong_shape_change_nothing(tmp_path, torch, st_torch):
    # PyTorch's weights for a wider hidden layer: the first tensor fits, the others do not
    wide = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
    state = {k: v for k, v in wide.state_dict().items()}
    state["0.weight"] = torch.zeros(2, 3)
    st_torch.save_file(state, tmp_path / "wide.safetensors")
    model = _small_model()
    weights = [v.copy() for v in model.state_dict().values()]
    with pytest.raises(ValueError, match=r"0\.bias: the model has shape \(2,\), the weights \(5,\)"):
        model.load_weights(tmp_path / "wide.safetensors")
    _assert_untouched(model, weights)
    st_torch.save_file({"0.weight": torch.zeros(2, 3)}, tmp_path / "partial.safetensors")
    with pytest.raises(ValueError, match=r"missing \['0.bias', '2.bias', '2.weight'\]"):
        model.load_weights(tmp_path / "partial.safetensors")
    _assert_untouched(model, weights)
    model.load_weights(tmp_path / "partial.safetensors", strict=False)
    np.testing.assert_array_equal(model[0].weight.data, np.zeros((2, 3)))


def test_an_architecture_that_does_not_fit_its_weights_is_refused(tmp_path):
    model = _small_model()
    header = {"format": "deepstep-model", "version": 1, "architecture": ds.io.model_file.describe(model)}
    header["architecture"]["args"][0]["__module__"]["args"] = [3, 4]  # Linear(3, 4), weights of (3, 2)
    write_safetensors(tmp_path / "m.safetensors", model.state_dict(), {"deepstep.model": json.dumps(header)})
    with pytest.raises(ValueError, match="do not fit Sequential"):
        ds.load(tmp_path / "m.safetensors")


def test_bfloat16_and_unsupported_dtypes_are_clear_errors(tmp_path, torch, st_torch):
    st_torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    with pytest.raises(ValueError, match="NumPy cannot represent"):
        ds.io.load_state_dict_file(tmp_path / "bf16.safetensors")
    with pytest.raises(TypeError, match="complex128"):
        write_safetensors(tmp_path / "c.safetensors", {"z": np.zeros(2, np.complex128)}, {})
    assert not (tmp_path / "c.safetensors").exists()


def test_non_contiguous_and_odd_dtypes_round_trip(tmp_path):
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    arrays = {
        "strided": base[:, ::2],
        "transposed": base.T,
        "scalar": np.array(3.5, dtype=np.float16),
        "empty": np.zeros((0, 3), np.float32),
        "mask": np.array([True, False]),
        "big_endian": np.arange(3, dtype=">i4"),
        "complex": np.array([1 + 2j], np.complex64),
    }
    write_safetensors(tmp_path / "a.safetensors", arrays, {"note": "hi"})
    metadata, loaded = read_safetensors(tmp_path / "a.safetensors", "test file")
    assert metadata["note"] == "hi"
    for name, array in arrays.items():
        assert loaded[name].shape == array.shape and loaded[name].flags.writeable
        np.testing.assert_array_equal(loaded[name], array)


def test_a_crash_while_saving_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = _small_model().save(tmp_path / "m.safetensors")
    before = path.read_bytes()

    def crash(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(ds.io.archive.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        ds.models.MLP([3, 9, 1]).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_without_the_package_the_error_says_what_to_install(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        _small_model().save(tmp_path / "m.safetensors")
    assert not list(tmp_path.iterdir())
    assert safetensors_file.SUFFIX == ".safetensors"
