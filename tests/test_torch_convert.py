"""deepstep.interop.to_torch / from_torch against real PyTorch: every module family, containers and
the ready models both ways, in float64 and float32; the errors that name what cannot be converted."""

from __future__ import annotations

import sys
from collections import OrderedDict

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.interop import UnsupportedModuleError, from_torch, to_torch
from deepstep.models import GAN, GPT, MLP, Autoencoder, CharRNN, SmallCNN

# (atol relative to the outputs' largest magnitude, rtol): float32 results summed in another order
# (a convolution's, a cubic interpolation's) differ in their last bits
TOLERANCE = {np.float64: (1e-6, 1e-6), np.float32: (1e-6, 1e-5)}


def randomize(module: nn.Module, seed: int = 0) -> nn.Module:
    """Random parameters and float buffers (variances positive): no default 0 or 1 hides a mismatch.
    Weights have variance 1/fan-in, so activations stay of order one however deep the model."""
    rng = np.random.default_rng(seed)
    for p in module.parameters():
        scale = 1 / np.sqrt(p[0].numel()) if p.ndim > 1 else 0.5
        p.data = (rng.standard_normal(p.shape) * scale).astype(p.dtype)
    for sub in module.modules():
        for name in sub._buffers:
            value = np.asarray(getattr(sub, name))
            if value.dtype.kind == "f":
                fresh = (
                    rng.uniform(0.5, 1.5, value.shape) if "var" in name else rng.standard_normal(value.shape)
                )
                setattr(sub, name, fresh.astype(value.dtype))
    return module


def _shape(*dims):
    return lambda dtype, seed=0: (np.random.default_rng(seed).standard_normal(dims) * 2).astype(dtype)


def _ids(*dims, high=10):
    return lambda dtype, seed=0: np.random.default_rng(seed).integers(0, high, dims)


def _several(*makers):
    return lambda dtype, seed=0: tuple(make(dtype, seed + i) for i, make in enumerate(makers))


dense, images, signals = _shape(4, 6), _shape(2, 3, 8, 8), _shape(3, 3, 10)
seq, seq8 = _shape(7, 3, 4), _shape(5, 3, 8)

CASES = [
    *[
        (m, dense)
        for m in (
            nn.ReLU(), nn.LeakyReLU(0.2), nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1), nn.LogSoftmax(dim=1),
            nn.Softmin(dim=-1), nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.Mish(), nn.ELU(0.5), nn.CELU(1.5),
            nn.SELU(), nn.Hardtanh(-0.5, 2.0), nn.ReLU6(), nn.Hardsigmoid(), nn.Hardswish(), nn.LogSigmoid(),
            nn.Softsign(), nn.Tanhshrink(), nn.Softshrink(0.3), nn.Hardshrink(0.4), nn.Threshold(0.2, -1.0),
            nn.GLU(), nn.PReLU(), nn.RReLU(0.1, 0.2),
            nn.Linear(6, 3), nn.Linear(6, 3, bias=False), nn.Identity(), nn.Dropout(0.3),
            nn.AlphaDropout(0.2),
            nn.Unflatten(1, (2, 3)), nn.BatchNorm1d(6), nn.LayerNorm(6), nn.LayerNorm(6, bias=False),
            nn.RMSNorm(6), nn.RMSNorm(6, eps=1e-3, elementwise_affine=False),
        )
    ],
    *[
        (m, images)
        for m in (
            nn.Conv2d(3, 4, 3), nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3, bias=False),
            nn.Conv2d(3, 4, 3, dilation=2, padding="same", padding_mode="reflect"),
            nn.Conv2d(3, 2, (3, 2), padding=1, padding_mode="circular"),
            nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
            nn.ConvTranspose2d(3, 6, 2, groups=3),
            nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.AvgPool2d(3, 2, 1, count_include_pad=False),
            nn.AvgPool2d(2, divisor_override=3), nn.LPPool2d(2, 2), nn.AdaptiveAvgPool2d((3, 5)),
            nn.AdaptiveMaxPool2d(3), nn.Upsample(scale_factor=2), nn.Upsample(size=(5, 7), mode="bilinear"),
            nn.Upsample(scale_factor=1.5, mode="bicubic", align_corners=True),
            nn.UpsamplingNearest2d(size=(9, 9)), nn.UpsamplingBilinear2d(scale_factor=2),
            nn.PixelUnshuffle(2),
            nn.Unfold((2, 3), padding=1, stride=2),
            nn.Flatten(), nn.Flatten(2), nn.Dropout2d(0.5), nn.Softmax2d(), nn.PReLU(3),
            nn.BatchNorm2d(3), nn.BatchNorm2d(3, affine=False, track_running_stats=False), nn.GroupNorm(3, 3),
            nn.GroupNorm(1, 3, affine=False), nn.InstanceNorm2d(3, affine=True),
            nn.InstanceNorm2d(3, track_running_stats=True), nn.LocalResponseNorm(2), nn.LayerNorm((8, 8)),
        )
    ],
    *[
        (m, signals)
        for m in (
            nn.Conv1d(3, 4, 3, padding=2, dilation=2), nn.ConvTranspose1d(3, 2, 4, stride=2), nn.MaxPool1d(2),
            nn.AvgPool1d(3, 2, 1), nn.LPPool1d(2, 3), nn.AdaptiveAvgPool1d(4), nn.AdaptiveMaxPool1d(4),
            nn.BatchNorm1d(3), nn.InstanceNorm1d(3), nn.Dropout1d(0.4),
            nn.Upsample(scale_factor=2, mode="linear"),
        )
    ],
    (nn.Embedding(10, 4, padding_idx=2), _ids(3, 5)),
    (nn.Embedding(10, 4, max_norm=1.0), _ids(3, 5)),
    (nn.EmbeddingBag(10, 4, mode="max"), _ids(3, 5)),
    (nn.PixelShuffle(2), _shape(2, 8, 3, 3)),
    (nn.Fold((5, 6), (2, 3), padding=1), _shape(2, 24, 36)),
    (nn.CosineSimilarity(dim=1), _several(dense, dense)),
    (nn.PairwiseDistance(p=1.5, keepdim=True), _several(dense, dense)),
    (nn.LSTM(4, 5), seq),
    (nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True, bias=False), seq),
    (nn.GRU(4, 5, num_layers=2, bidirectional=True), seq),
    (nn.RNN(4, 5, nonlinearity="relu", num_layers=2), seq),
    (nn.LSTM(4, 5, num_layers=2), _several(seq, _shape(2, 3, 5), _shape(2, 3, 5))),
    (nn.LSTMCell(4, 5), _shape(3, 4)),
    (nn.GRUCell(4, 5), _several(_shape(3, 4), _shape(3, 5))),
    (nn.RNNCell(4, 5, nonlinearity="relu"), _shape(3, 4)),
    (nn.MultiheadAttention(8, 2), _several(seq8, seq8, seq8)),
    (
        nn.MultiheadAttention(8, 4, batch_first=True, kdim=3, vdim=5),
        _several(_shape(3, 5, 8), _shape(3, 6, 3), _shape(3, 6, 5)),
    ),
    (nn.TransformerEncoderLayer(8, 2, 16), seq8),
    (nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", norm_first=True, batch_first=True), seq8),
    (nn.TransformerEncoderLayer(8, 2, 16, activation=nn.SiLU()), seq8),
    (nn.TransformerDecoderLayer(8, 2, 16), _several(seq8, _shape(4, 3, 8))),
    (nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)), seq8),
    (
        nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, norm_first=True), 2),
        _several(seq8, _shape(4, 3, 8)),
    ),
    (nn.Transformer(8, 2, 1, 2, 16, batch_first=True), _several(_shape(3, 5, 8), _shape(3, 4, 8))),
    (nn.Sequential(nn.Linear(6, 5), nn.Sequential(nn.Tanh(), nn.Sequential(nn.Linear(5, 4)))), dense),
    (
        nn.Sequential(
            OrderedDict(conv=nn.Conv2d(3, 4, 3), norm=nn.BatchNorm2d(4), act=nn.ReLU(), pool=nn.MaxPool2d(2))
        ),
        images,
    ),
]  # fmt: skip


def _leaves(value):
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if value is None:
        return []
    if hasattr(value, "detach"):
        return [value.detach().numpy()]
    return [np.asarray(value.data if isinstance(value, ds.Tensor) else value)]


def _torch_args(torch, args):
    if isinstance(args, tuple):
        return tuple(_torch_args(torch, a) for a in args)
    return torch.from_numpy(args)


def _call(module, args):
    return module(*args) if isinstance(args, tuple) else module(args)


def _split_states(module, args):
    """An LSTM's (x, h, c) as forward takes it: (x, (h, c))."""
    if isinstance(module, nn.LSTM) and isinstance(args, tuple):
        return args[0], (args[1], args[2])
    return args


def assert_same_outputs(torch, deepstep_module, torch_module, args, dtype):
    args = _split_states(deepstep_module, args)
    with torch.no_grad():
        expected = _leaves(_call(torch_module, _torch_args(torch, args)))
    with ds.no_grad():
        got = _leaves(_call(deepstep_module, args))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape and g.dtype == e.dtype
        atol, rtol = TOLERANCE[dtype]
        np.testing.assert_allclose(g, e, atol=atol * max(1.0, np.abs(e).max(initial=0)), rtol=rtol)


def _name(value):
    return type(value).__name__ if isinstance(value, nn.Module) else ""


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("module, make", CASES, ids=_name)
def test_both_ways_give_the_same_outputs(torch, module, make, dtype):
    module = randomize(module).to(dtype).eval()
    converted = to_torch(module)
    assert type(converted) is getattr(torch.nn, type(module).__name__)
    assert not converted.training
    assert_same_outputs(torch, module, converted, make(dtype), dtype)
    back = from_torch(converted)
    assert type(back) is type(module) and repr(back) == repr(module)
    for name, value in module.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[name], value)
        assert back.state_dict()[name].dtype == value.dtype
    assert_same_outputs(torch, back, converted, make(dtype, seed=1), dtype)


def test_modules_built_in_torch(torch):
    t = torch.nn
    torch.manual_seed(0)
    module = t.Sequential(
        t.Conv2d(3, 8, 3, padding=1),
        t.BatchNorm2d(8),
        t.LeakyReLU(0.1),
        t.MaxPool2d(2),
        t.Conv2d(8, 4, 3, stride=2, padding="valid", bias=False),
        t.GroupNorm(2, 4),
        t.GELU("tanh"),
        t.AdaptiveAvgPool2d(2),
        t.Flatten(),
        t.Dropout(0.2),
        t.Linear(16, 5),
        t.LayerNorm(5, elementwise_affine=False),
        t.Unflatten(1, (5, 1)),
        t.Flatten(),
        t.LogSoftmax(dim=1),
    ).double()
    module[1].running_mean.uniform_(-1, 1)
    module[1].running_var.uniform_(0.5, 2)
    module.eval()
    converted = from_torch(module)
    assert isinstance(converted, nn.Sequential) and isinstance(converted[5], nn.GroupNorm)
    assert converted[0].weight.dtype == np.float64
    assert_same_outputs(torch, converted, module, images(np.float64), np.float64)

    rnn = t.GRU(4, 6, num_layers=2, batch_first=True, dropout=0.1)
    attention = t.TransformerEncoderLayer(8, 2, 32, dropout=0.0, activation="gelu", batch_first=True)
    for original, args in ((rnn, _shape(3, 7, 4)(np.float32)), (attention, _shape(3, 5, 8)(np.float32))):
        original.eval()
        assert_same_outputs(torch, from_torch(original), original, args, np.float32)


def test_flags_and_wrappers_are_carried(torch):
    module = nn.Sequential(nn.Linear(6, 4), nn.Dropout(0.5), nn.Embedding(3, 2))
    module[2].weight.requires_grad_(False)
    module.train()
    module[1].eval()
    converted = to_torch(module)
    assert [m.training for m in converted.modules()] == [True, True, False, True]
    assert [p.requires_grad for p in converted.parameters()] == [True, True, False]
    back = from_torch(torch.nn.DataParallel(converted))  # wrappers are looked through
    assert [m.training for m in back.modules()] == [True, True, False, True]
    assert [p.requires_grad for p in back.parameters()] == [True, True, False]


# ----- the ready models --------------------------------------------------------------------------------
MODELS = [
    (MLP([6, 8, 3], activation="tanh", dropout=0.2), dense),
    (SmallCNN(channels=(4, 8), image_size=8), _shape(2, 8, 8)),
    (Autoencoder("dense", latent_dim=4, hidden=16, image_size=8), _shape(3, 64)),
    (Autoencoder("conv", latent_dim=4, image_size=8), _shape(3, 1, 8, 8)),
    (GAN(latent_dim=4, image_size=8, hidden=8), _shape(3, 4)),
    (CharRNN(11, embedding_dim=4, hidden_size=6, num_layers=2, cell="lstm", seed=0), _ids(2, 5, high=11)),
    (CharRNN(11, embedding_dim=4, hidden_size=6, num_layers=1, cell="gru", seed=0), _ids(2, 5, high=11)),
    (GPT(11, block_size=8, n_layer=2, n_head=2, n_embd=8, seed=0), _ids(2, 6, high=11)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("model, make", MODELS, ids=_name)
def test_ready_models_both_ways(torch, model, make, dtype):
    model = randomize(model, seed=3).to(dtype).eval()
    converted = to_torch(model)
    assert isinstance(converted, torch.nn.Module)
    assert set(converted.state_dict()) == set(model.state_dict())
    assert_same_outputs(torch, model, converted, make(dtype), dtype)
    if isinstance(model, Autoencoder):
        codes = _shape(3, 4)(dtype)
        assert_same_outputs(torch, model.decode, converted.decode, codes, dtype)
        assert_same_outputs(torch, model.encode, converted.encode, make(dtype), dtype)
    back = from_torch(converted)
    assert type(back) is type(model)
    assert_same_outputs(torch, back, converted, make(dtype, seed=2), dtype)


def test_training_continues_in_torch_and_comes_back(torch):
    """One SGD step in PyTorch on the converted model; the model brought back computes what torch
    computes after the step."""
    model = MLP([6, 8, 3])
    converted = to_torch(model)
    x, y = torch.from_numpy(dense(np.float32)), torch.tensor([0, 1, 2, 1])
    optimizer = torch.optim.SGD(converted.parameters(), lr=0.5)
    torch.nn.functional.cross_entropy(converted(x), y).backward()
    optimizer.step()
    back = from_torch(converted)
    with torch.no_grad():
        np.testing.assert_allclose(back(x.numpy()).data, converted(x).numpy(), atol=1e-6)
    assert not np.allclose(back(x.numpy()).data, model(x.numpy()).data)  # the step changed something


# ----- what cannot be converted ------------------------------------------------------------------------
class Custom(nn.Module):
    def __init__(self):
        self.linear = nn.Linear(3, 3)

    def forward(self, x):
        return self.linear(x) + x


def test_unsupported_modules_are_named(torch):
    with pytest.raises(UnsupportedModuleError, match=r"Custom at '1\.0'.*your own") as error:
        to_torch(nn.Sequential(nn.Linear(3, 3), nn.Sequential(Custom())))
    assert "write the forward again in PyTorch" in str(error.value)
    with pytest.raises(UnsupportedModuleError, match=r"Step at '0'.*PyTorch has no Step"):
        to_torch(nn.Sequential(nn.Step()))

    class Mine(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(UnsupportedModuleError, match=r"Mine at '2'.*your own"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(), Mine()))
    with pytest.raises(UnsupportedModuleError, match=r"Bilinear at 'b'.*deepstep has no Bilinear"):
        from_torch(torch.nn.ModuleDict({"a": torch.nn.ReLU(), "b": torch.nn.Bilinear(2, 2, 2)}))
    with pytest.raises(UnsupportedModuleError, match=r"LSTM.*proj_size"):
        from_torch(torch.nn.LSTM(4, 6, proj_size=3))
    with pytest.raises(TypeError, match="deepstep Module"):
        to_torch(torch.nn.ReLU())
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        from_torch(nn.ReLU())


@pytest.mark.parametrize("model, make", MODELS[1:4] + MODELS[-1:], ids=_name)
def test_one_model_everywhere(torch, tmp_path, model, make):
    """deepstep, PyTorch after to_torch, PyTorch reading the weights from a safetensors file, and
    ONNX Runtime give the same outputs."""
    import onnxruntime
    from safetensors.torch import load_file

    from deepstep import onnx as ds_onnx

    model = randomize(model, seed=5).eval()
    x = make(np.float32)
    expected = model(x).data
    converted = to_torch(model)
    model.save(tmp_path / "model.safetensors")
    reloaded = to_torch(type(model)(*model._init_args[0], **model._init_args[1])).eval()
    reloaded.load_state_dict(load_file(tmp_path / "model.safetensors"))
    ds_onnx.export(model, x, tmp_path / "model.onnx")
    session = onnxruntime.InferenceSession(tmp_path / "model.onnx")
    with torch.no_grad():
        outputs = [
            converted(torch.from_numpy(x)).numpy(),
            reloaded(torch.from_numpy(x)).numpy(),
            session.run(None, {session.get_inputs()[0].name: x})[0],
        ]
    for got in outputs:
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)


def test_a_clear_message_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed
    with pytest.raises(ImportError, match="needs torch"):
        to_torch(nn.ReLU())
