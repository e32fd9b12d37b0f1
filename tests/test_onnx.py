"""deepstep.onnx.export against the real onnx checker and ONNX Runtime: every module family of
deepstep.nn, the ready models, errors that name the module and leave no file behind."""

from __future__ import annotations

import io
import sys
from collections import OrderedDict

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import deepstep as ds
import deepstep.onnx
from deepstep import nn
from deepstep.interop import UnsupportedModuleError
from deepstep.models import GAN, GPT, MLP, Autoencoder, CharRNN, SmallCNN

SIZES = (3, 1, 6)  # exported with the first batch size, run with all three


def _leaves(value):
    """Arrays of a (nested) structure of Tensors / arrays, None left out."""
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if value is None:
        return []
    return [np.asarray(value.data if isinstance(value, ds.Tensor) else value)]


def randomize(module: nn.Module, seed: int = 0) -> nn.Module:
    """Parameters and float buffers set to random values (γ, β, running statistics included), so that
    no default 1 or 0 hides a mistake; variances positive."""
    rng = np.random.default_rng(seed)
    for name, p in module.named_parameters():
        p.data = (rng.standard_normal(p.shape) * (0.5 if p.ndim > 1 else 0.3)).astype(p.dtype) + (
            1 if name.endswith("norm.weight") else 0
        )
    for sub in module.modules():
        for buffer in sub._buffers:
            value = np.asarray(getattr(sub, buffer))
            if value.dtype.kind == "f":
                fresh = (
                    rng.uniform(0.5, 1.5, value.shape)
                    if "var" in buffer
                    else rng.standard_normal(value.shape)
                )
                setattr(sub, buffer, fresh.astype(value.dtype))
    return module


def run_onnx(model, make, sizes=SIZES, atol=1e-5, rtol=1e-5, **options):
    """Export with make(sizes[0]); ONNX Runtime's outputs equal deepstep's (in eval mode) for each size."""
    f = io.BytesIO()
    proto = ds.onnx.export(model, make(sizes[0]), f, **options)
    onnx.checker.check_model(proto, full_check=True)
    used = {name for node in proto.graph.node for name in node.input}
    assert {i.name for i in proto.graph.initializer} <= used  # (ONNX Runtime warns of unused ones)
    session = ort.InferenceSession(f.getvalue(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    owner = getattr(model, "__self__", model)
    owner.eval()
    for n in sizes:
        args = make(n)
        arrays = [a.astype(t) for a, t in zip(_leaves(args), _feed_dtypes(proto), strict=True)]
        feed = dict(zip(names, arrays, strict=True))
        got = session.run(None, feed)
        with ds.no_grad():
            expected = _leaves(model(*args) if isinstance(args, tuple) else model(args))
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_allclose(g, e, atol=atol, rtol=rtol)
    return proto


def _feed_dtypes(proto):
    return [
        np.dtype(onnx.helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type))
        for i in proto.graph.input
    ]


def _normal(*shape, scale=1.0, seed=0):
    return lambda n: (
        np.random.default_rng(seed + n).standard_normal(tuple(n if s == "n" else s for s in shape)) * scale
    ).astype(np.float32)


dense = _normal("n", 6, scale=2.0)
images = _normal("n", 3, 8, 8, scale=2.0)
signals = _normal("n", 3, 10, scale=2.0)

ACTIVATIONS = [
    nn.ReLU(),
    nn.LeakyReLU(0.2),
    nn.Sigmoid(),
    nn.Tanh(),
    nn.GELU(),
    nn.GELU("tanh"),
    nn.SiLU(),
    nn.ELU(0.7),
    nn.CELU(1.3),
    nn.SELU(),
    nn.Hardtanh(-0.5, 0.8),
    nn.ReLU6(),
    nn.Hardsigmoid(),
    nn.Hardswish(),
    nn.Mish(),
    nn.Softsign(),
    nn.LogSigmoid(),
    nn.Tanhshrink(),
    nn.Softshrink(0.3),
    nn.Hardshrink(0.3),
    nn.Threshold(0.1, -2.0),
    nn.RReLU(0.1, 0.3),
    nn.Step(),
    nn.Softmax(dim=1),
    nn.LogSoftmax(dim=-1),
    nn.Softmin(dim=1),
    nn.GLU(),
    nn.PReLU(),
]


@pytest.mark.parametrize("module", ACTIVATIONS, ids=lambda m: repr(m))
def test_activations(module):
    run_onnx(module, _normal("n", 6, scale=4.0))


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")  # Softmax(): PyTorch's warning, kept
@pytest.mark.parametrize(
    "module",
    [nn.Softmax2d(), nn.Softmax(), nn.PReLU(3, init=0.1), nn.GLU(dim=1), nn.LogSoftmax(dim=1)],
    ids=repr,
)
def test_activations_on_images(module):
    for p in module.parameters():
        p.data = np.array([0.1, -0.5, 0.7], dtype=np.float32)  # a slope per channel
    run_onnx(module, _normal("n", 4, 3, 5, scale=3.0) if isinstance(module, nn.GLU) else images)


def test_large_inputs_stay_finite_in_log_sigmoid():
    big = lambda n: np.array([[-1e4, -100.0, 0.0, 100.0, 1e4]] * n, dtype=np.float32)  # noqa: E731
    run_onnx(nn.LogSigmoid(), big)


def test_gelu_before_opset_20_is_written_out():
    for approximate in ("none", "tanh"):
        proto = run_onnx(nn.GELU(approximate), dense, opset=18)
        assert "Gelu" not in {node.op_type for node in proto.graph.node}
    assert "Gelu" in {node.op_type for node in run_onnx(nn.GELU(), dense).graph.node}


@pytest.mark.parametrize("opset", [18, 19, 23])
def test_other_opsets(opset):
    run_onnx(GPT(11, block_size=8, n_layer=1, n_head=2, n_embd=8, seed=0), _ids("n", 6, high=11), opset=opset)
    run_onnx(Autoencoder("conv", latent_dim=4, image_size=8), _normal("n", 64), opset=opset)
    run_onnx(nn.LSTM(4, 5, num_layers=2, bidirectional=True), sequences(), opset=opset)
    circular = nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular")
    if opset < 19:
        with pytest.raises(UnsupportedModuleError, match=r"circular.*opset 19"):
            ds.onnx.export(circular, images(2), io.BytesIO(), opset=opset)
    else:
        run_onnx(circular, images, opset=opset)


LAYERS = [
    (nn.Linear(6, 4), dense),
    (nn.Linear(6, 4, bias=False), dense),
    (nn.Linear(8, 5), images),  # 4-d input: MatMul with Wᵀ
    (nn.Identity(), dense),
    (nn.Dropout(0.5), dense),
    (nn.AlphaDropout(0.3), dense),
    (nn.Dropout2d(0.5), images),
    (nn.Flatten(), images),
    (nn.Flatten(2, 3), images),
    (nn.Flatten(1, 2), images),
    (nn.Flatten(0), images),
    (nn.Unflatten(1, (2, 3)), dense),
    (nn.Unflatten(-1, (4, -1)), images),
    (nn.Sequential(), dense),
    (
        nn.Sequential(nn.Linear(6, 5), nn.Sequential(nn.ReLU(), nn.Sequential(nn.Linear(5, 4))), nn.Tanh()),
        dense,
    ),
    (nn.Sequential(OrderedDict(first=nn.Linear(6, 3), act=nn.ELU())), dense),
]


@pytest.mark.parametrize(
    "module, make", LAYERS, ids=lambda v: repr(v).replace("\n", "") if isinstance(v, nn.Module) else ""
)
def test_layers(module, make):
    run_onnx(randomize(module), make)


def _ids(*shape, high=10):
    return lambda n: np.random.default_rng(n).integers(0, high, tuple(n if s == "n" else s for s in shape))


@pytest.mark.parametrize(
    "module",
    [
        nn.Embedding(10, 4),
        nn.Embedding(10, 4, padding_idx=0),
        nn.Embedding(10, 4, max_norm=1.0),
        nn.Embedding(10, 4, max_norm=0.8, norm_type=1.0),
        nn.EmbeddingBag(10, 4, mode="sum"),
        nn.EmbeddingBag(10, 4, mode="mean"),
        nn.EmbeddingBag(10, 4, mode="max"),
    ],
    ids=repr,
)
def test_embeddings_gather_rows(module):
    run_onnx(randomize(module), _ids("n", 5))


CONVOLUTIONS = [
    nn.Conv2d(3, 4, 3),
    nn.Conv2d(3, 4, 3, bias=False),
    nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3),
    nn.Conv2d(3, 4, 3, dilation=2, padding="same"),
    nn.Conv2d(3, 4, (3, 2), stride=(1, 2), padding=(1, 0)),
    nn.Conv2d(3, 4, 4, padding="same"),
    nn.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"),
    nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"),
    nn.Conv2d(3, 4, 3, padding=(2, 1), padding_mode="circular"),
    nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
    nn.ConvTranspose2d(3, 6, (2, 3), stride=(2, 1), groups=3, dilation=(1, 2)),
    nn.MaxPool2d(2),
    nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    nn.MaxPool2d(2, stride=1, dilation=2),
    nn.AvgPool2d(2),
    nn.AvgPool2d(3, stride=2, padding=1),
    nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
    nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    nn.AvgPool2d(3, stride=3, ceil_mode=True),
    nn.AvgPool2d(2, divisor_override=3),
    nn.AdaptiveAvgPool2d(1),
    nn.AdaptiveAvgPool2d((3, 5)),
    nn.AdaptiveAvgPool2d((4, None)),
    nn.AdaptiveMaxPool2d((2, 4)),
    nn.AdaptiveMaxPool2d((3, 5)),
    nn.Upsample(scale_factor=2),
    nn.Upsample(size=(5, 11)),
    nn.Upsample(scale_factor=1.5, mode="bilinear"),
    nn.Upsample(scale_factor=(0.7, 1.3), mode="bilinear"),
    nn.Upsample(size=(11, 6), mode="bilinear", align_corners=True),
    nn.Upsample(scale_factor=2, mode="bicubic"),
    nn.Upsample(size=(4, 13), mode="bicubic", align_corners=True),
    nn.Upsample(scale_factor=1.7, mode="nearest-exact"),
    nn.Upsample(size=(5, 3), mode="area"),
    nn.Upsample(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True),
    nn.UpsamplingNearest2d(scale_factor=3),
    nn.UpsamplingBilinear2d(size=(5, 6)),
    nn.PixelUnshuffle(2),
    nn.Unfold(2),
    nn.Unfold((2, 3), dilation=(2, 1), padding=1, stride=2),
]


@pytest.mark.parametrize("module", CONVOLUTIONS, ids=repr)
def test_convolutions_pooling_and_resampling_on_images(module):
    run_onnx(randomize(module), images)


def test_lp_pooling():
    positive = lambda n: np.abs(images(n)) + 0.1  # noqa: E731 - a fractional power of a negative sum is NaN in both
    run_onnx(nn.LPPool2d(2, 2), images)
    run_onnx(nn.LPPool2d(1.5, (3, 2), stride=2, ceil_mode=True), positive)
    run_onnx(nn.LPPool1d(3, 3, stride=2), lambda n: np.abs(signals(n)))


@pytest.mark.parametrize(
    "module",
    [
        nn.Conv1d(3, 4, 3),
        nn.Conv1d(3, 6, 3, stride=2, padding=2, dilation=2, groups=3),
        nn.Conv1d(3, 4, 4, padding="same", padding_mode="reflect"),
        nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1),
        nn.MaxPool1d(3, stride=2, padding=1),
        nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
        nn.AdaptiveAvgPool1d(3),
        nn.AdaptiveMaxPool1d(3),
        nn.AdaptiveMaxPool1d(5),
        nn.Upsample(scale_factor=2, mode="linear"),
        nn.Upsample(size=7, mode="nearest"),
    ],
    ids=repr,
)
def test_one_dimensional_layers_on_signals(module):
    run_onnx(randomize(module), signals)


def test_pixel_shuffle_and_fold():
    run_onnx(nn.PixelShuffle(2), _normal("n", 8, 3, 3))
    unfold, fold = (
        nn.Unfold((2, 3), padding=1, stride=(1, 2)),
        nn.Fold((5, 6), (2, 3), padding=1, stride=(1, 2)),
    )
    columns = lambda n: unfold(ds.Tensor(_normal("n", 2, 5, 6)(n))).data  # noqa: E731
    run_onnx(fold, columns)


def test_unbatched_convolution_input():
    run_onnx(randomize(nn.Conv2d(3, 4, 3, padding=1)), lambda n: images(n)[0], sizes=(1,))
    run_onnx(nn.MaxPool2d(2), lambda n: images(n)[0], sizes=(1,))


NORMS = [
    (nn.BatchNorm1d(6), dense),
    (nn.BatchNorm1d(3), signals),
    (nn.BatchNorm2d(3), images),
    (nn.BatchNorm2d(3, affine=False), images),
    (nn.BatchNorm2d(3, track_running_stats=False), images),
    (nn.LayerNorm(6), dense),
    (nn.LayerNorm((8, 8)), images),
    (nn.LayerNorm(6, elementwise_affine=False), dense),
    (nn.LayerNorm(6, bias=False), dense),
    (nn.RMSNorm(6), dense),
    (nn.RMSNorm((3, 8, 8), eps=1e-3), images),
    (nn.GroupNorm(3, 3), images),
    (nn.GroupNorm(1, 3, affine=False), signals),
    (nn.InstanceNorm1d(3), signals),
    (nn.InstanceNorm2d(3, affine=True), images),
    (nn.InstanceNorm2d(3, affine=True, track_running_stats=True), images),
    (nn.LocalResponseNorm(3, alpha=0.1, beta=0.6, k=1.5), images),
]


@pytest.mark.parametrize("module, make", NORMS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_normalization_in_eval_mode(module, make):
    # the batch statistics of track_running_stats=False take the batch as it is: size 1 is degenerate
    sizes = (3, 2, 5) if isinstance(module, nn.BatchNorm2d) and not module.track_running_stats else SIZES
    run_onnx(randomize(module), make, sizes=sizes)


def test_unbatched_instance_norm():
    run_onnx(randomize(nn.InstanceNorm1d(3, affine=True)), lambda n: signals(n)[0], sizes=(1,))


def sequences(batch_first=False, features=4, steps=7, seed=0):
    def make(n):
        shape = (n, steps, features) if batch_first else (steps, n, features)
        return np.random.default_rng(seed + n).standard_normal(shape).astype(np.float32)

    return make


RECURRENT = [
    nn.LSTM(4, 5),
    nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True),
    nn.LSTM(4, 3, bias=False, num_layers=2),
    nn.GRU(4, 5),
    nn.GRU(4, 5, num_layers=2, bidirectional=True, batch_first=True),
    nn.RNN(4, 5),
    nn.RNN(4, 5, nonlinearity="relu", num_layers=2, bidirectional=True),
]


@pytest.mark.parametrize("module", RECURRENT, ids=repr)
def test_recurrent_layers(module):
    run_onnx(module, sequences(module.batch_first))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_with_initial_states(kind):
    module = getattr(nn, kind)(4, 5, num_layers=2, bidirectional=True)

    def make(n):
        rng = np.random.default_rng(n)
        h = rng.standard_normal((4, n, 5)).astype(np.float32)
        states = (h, rng.standard_normal((4, n, 5)).astype(np.float32)) if kind == "LSTM" else h
        return sequences()(n), states

    proto = run_onnx(module, make)
    assert [i.name for i in proto.graph.input] == (
        ["input", "hx_0", "hx_1"] if kind == "LSTM" else ["input", "hx"]
    )
    assert [d.dim_param for d in proto.graph.input[1].type.tensor_type.shape.dim] == ["", "batch", ""]


def test_unbatched_sequence_and_dynamic_length():
    run_onnx(nn.GRU(4, 5, num_layers=2), lambda n: sequences()(1)[:, 0], sizes=(1,))
    lstm = nn.LSTM(4, 5, batch_first=True)
    f = io.BytesIO()
    ds.onnx.export(lstm, sequences(True)(2), f, dynamic_axes={"input": {0: "batch", 1: "steps"}})
    session = ort.InferenceSession(f.getvalue())
    x = sequences(True, steps=11)(3)
    got = session.run(None, {"input": x})
    for g, e in zip(got, _leaves(lstm(x)), strict=True):
        np.testing.assert_allclose(g, e, atol=1e-5)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells(kind):
    module = getattr(nn, kind)(4, 5)
    inputs = _normal("n", 4)
    run_onnx(module, inputs)

    def with_state(n):
        h = _normal("n", 5, seed=7)(n)
        return inputs(n), ((h, h * 0.5) if kind == "LSTMCell" else h)

    run_onnx(module, with_state)


ATTENTION = [
    nn.MultiheadAttention(8, 2),
    nn.MultiheadAttention(8, 4, batch_first=True),
    nn.MultiheadAttention(8, 2, bias=False),
    nn.MultiheadAttention(8, 2, kdim=3, vdim=5),
]


@pytest.mark.parametrize("module", ATTENTION, ids=repr)
def test_multihead_attention(module):
    def make(n):
        rng = np.random.default_rng(n)
        shape = (lambda s, e: (n, s, e)) if module.batch_first else (lambda s, e: (s, n, e))
        return tuple(
            rng.standard_normal(shape(s, e)).astype(np.float32)
            for s, e in ((5, 8), (6, module.kdim), (6, module.vdim))
        )

    run_onnx(randomize(module), make)


def test_self_attention_unbatched():
    module = randomize(nn.MultiheadAttention(8, 2))
    x = _normal(5, 8)(0)
    run_onnx(module, lambda n: (x, x, x), sizes=(1,))


TRANSFORMER_LAYERS = [
    nn.TransformerEncoderLayer(8, 2, 16),
    nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, activation="gelu", batch_first=True),
    nn.TransformerEncoderLayer(8, 2, 16, activation=nn.SiLU()),
    nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)),
]


@pytest.mark.parametrize("module", TRANSFORMER_LAYERS, ids=lambda m: type(m).__name__)
def test_transformer_encoders(module):
    batch_first = next(m.batch_first for m in module.modules() if hasattr(m, "batch_first"))
    run_onnx(randomize(module), sequences(batch_first, features=8))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoders_and_the_whole_transformer(norm_first):
    layer = nn.TransformerDecoderLayer(8, 2, 16, norm_first=norm_first)

    def pair(n):
        return sequences(features=8)(n), sequences(features=8, steps=4, seed=9)(n)

    run_onnx(randomize(layer), pair)
    run_onnx(randomize(nn.TransformerDecoder(layer, 2, nn.LayerNorm(8))), pair)
    whole = nn.Transformer(8, 2, 1, 2, 16, norm_first=norm_first, batch_first=True)
    run_onnx(randomize(whole), lambda n: (sequences(True, 8)(n), sequences(True, 8, 3, seed=5)(n)))


# ----- the ready models -------------------------------------------------------------------------------
def test_mlp_and_small_cnn():
    run_onnx(MLP([6, 8, 8, 3], activation="tanh", dropout=0.2), dense)
    cnn = SmallCNN(channels=(4, 8), image_size=8)
    run_onnx(cnn, _normal("n", 1, 8, 8))
    run_onnx(cnn, _normal("n", 8, 8))  # (N, H, W) read as one channel


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_autoencoder_whole_and_its_halves(kind):
    model = Autoencoder(kind, latent_dim=4, hidden=16, image_size=8)
    run_onnx(model, _normal("n", 8, 8))
    run_onnx(model, _normal("n", 64))
    run_onnx(model.encode, _normal("n", 64))
    proto = run_onnx(model.decode, _normal("n", 4))
    assert [i.name for i in proto.graph.input] == ["z"]
    if kind == "dense":
        run_onnx(model.decoder, _normal("n", 4))


def test_gan_generator():
    model = GAN(latent_dim=4, image_size=8, hidden=8)
    run_onnx(model, _normal("n", 4))
    run_onnx(model.generator, _normal("n", 4))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_rnn_with_and_without_state(cell):
    model = CharRNN(11, embedding_dim=4, hidden_size=6, num_layers=2, cell=cell, seed=0)
    run_onnx(model, _ids("n", 5, high=11))

    def with_state(n):
        h = _normal(2, "n", 6)(n)
        return _ids("n", 3, high=11)(n), ((h, -h) if cell == "lstm" else h)

    run_onnx(model, with_state)


def test_gpt_with_dynamic_batch_and_length():
    model = GPT(11, block_size=8, n_layer=2, n_head=2, n_embd=8, seed=0)
    proto = run_onnx(model, _ids("n", 6, high=11), atol=2e-5)
    assert sum(init.name == "wte.weight" for init in proto.graph.initializer) == 1  # tied: stored once
    f = io.BytesIO()
    ds.onnx.export(model, _ids(2, 8, high=11)(0), f, dynamic_axes={"idx": {0: "batch", 1: "steps"}})
    session = ort.InferenceSession(f.getvalue())
    for steps in (1, 5, 8):
        ids = _ids(3, steps, high=11)(steps)
        np.testing.assert_allclose(session.run(None, {"idx": ids})[0], model(ids).data, atol=2e-5)
    assert session.get_outputs()[0].shape[0] == "batch"


# ----- names, files, modes ---------------------------------------------------------------------------
def test_names_initializers_and_the_file(tmp_path):
    model = MLP([6, 5, 3])
    path = tmp_path / "m.onnx"
    proto = ds.onnx.export(model, dense(2), path, input_names=["features"], output_names=["logits"])
    loaded = onnx.load(path)
    assert loaded == proto
    assert [i.name for i in loaded.graph.input] == ["features"] and [o.name for o in loaded.graph.output] == [
        "logits"
    ]
    stored = {init.name: onnx.numpy_helper.to_array(init) for init in loaded.graph.initializer}
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(stored[name], value)
    assert loaded.opset_import[0].version == 20
    assert [tmp.name for tmp in tmp_path.iterdir()] == ["m.onnx"]  # the temporary file is gone


def test_export_is_in_eval_mode_and_restores_the_modes():
    model = nn.Sequential(nn.Linear(6, 6), nn.Dropout(0.5), nn.BatchNorm1d(6))
    model.train()
    model[2].eval()
    before = model.state_dict()
    run_onnx(model, dense)  # ends in model.eval()
    model.train()
    model[2].eval()
    ds.onnx.export(model, dense(3), io.BytesIO())
    assert [m.training for m in model.modules()] == [True, True, True, False]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])  # running statistics untouched


def test_inputs_take_the_models_dtype():
    model = nn.Sequential(nn.Linear(6, 4), nn.Tanh()).double()
    proto = run_onnx(model, dense, atol=1e-12)  # float32 examples, taken in the model's float64
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    proto = run_onnx(nn.Tanh(), lambda n: dense(n).astype(np.float64), atol=1e-12)  # no parameters
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


# ----- what cannot be exported -----------------------------------------------------------------------
class Custom(nn.Module):
    def __init__(self):
        self.linear = nn.Linear(6, 2)

    def forward(self, x):
        return self.linear(x) * 2


@pytest.mark.parametrize(
    "model, words",
    [
        (
            nn.Sequential(nn.Linear(6, 6), nn.Sequential(nn.ReLU(), nn.MSELoss())),
            ["MSELoss", "'1.1'", "no ONNX mapping"],
        ),
        (nn.Sequential(nn.Linear(6, 6), Custom()), ["Custom", "'1'", "own", "forward"]),
        (Custom(), ["Custom", "the model itself"]),
        (
            nn.Sequential(nn.Unflatten(1, (6, 1, 1)), nn.MaxPool2d(1, return_indices=True)),
            ["MaxPool2d", "'1'", "return_indices"],
        ),
        (nn.Sequential(nn.Unflatten(1, (6, 1, 1)), nn.LocalResponseNorm(2)), ["LocalResponseNorm", "size=2"]),
    ],
    ids=["loss", "custom-child", "custom-root", "max-indices", "lrn-even"],
)
def test_unsupported_modules_are_named_and_nothing_is_written(tmp_path, model, words):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"the old file")
    with pytest.raises(UnsupportedModuleError) as error:
        ds.onnx.export(model, dense(2), path)
    for word in words:
        assert word in str(error.value)
    assert path.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="opset"):
        ds.onnx.export(nn.ReLU(), dense(2), io.BytesIO(), opset=11)
    with pytest.raises(TypeError, match="Module"):
        ds.onnx.export(lambda x: x, dense(2), io.BytesIO())
    with pytest.raises(UnsupportedModuleError, match="generate"):
        ds.onnx.export(GPT(5, 4, 1, 1, 4).generate, _ids(1, 2, high=5)(0), io.BytesIO())
    with pytest.raises(UnsupportedModuleError, match="inputs"):
        ds.onnx.export(nn.Linear(6, 2), (dense(2), dense(2)), io.BytesIO())
    with pytest.raises(ValueError, match="input_names"):
        ds.onnx.export(nn.ReLU(), dense(2), io.BytesIO(), input_names=["a", "b"])


# ----- the command line --------------------------------------------------------------------------------
def _run_session(path, feed):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feed)


def test_export_command_after_training(tmp_path, capsys):
    from deepstep.cli import main

    run = tmp_path / "run"
    quick = ["--epochs", "1", "--limit", "300", "--output", str(run), "--quiet", "--no-plot"]
    assert main(["train", "--hidden", "16", *quick]) == 0
    assert main(["export", str(run)]) == 0
    assert "x[batch, 784] float32 → output[batch, 10] float32" in capsys.readouterr().out
    model = ds.load(run / "model.npz").eval()
    x = np.random.default_rng(0).random((7, 784), dtype=np.float32)
    np.testing.assert_allclose(_run_session(run / "model.onnx", {"x": x})[0], model(x).data, atol=1e-5)


@pytest.mark.parametrize("kind", ["gpt", "lstm"])
def test_export_command_for_language_models(tmp_path, kind, capsys):
    from deepstep.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a tiny corpus for a tiny language model.\n" * 20)
    run = tmp_path / "run"
    small = ["--steps", "2", "--eval-every", "1", "--eval-batches", "1", "--layers", "1", "--width", "16"]
    assert (
        main(
            [
                "lm",
                str(corpus),
                "--model",
                kind,
                *small,
                "--block-size",
                "8",
                "--output",
                str(run),
                "--quiet",
                "--no-plot",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["export", str(run), str(tmp_path / "lm.onnx")]) == 0
    note = capsys.readouterr().out.splitlines()[1]  # what the signature line cannot say
    assert ("steps ≤ 8" in note) if kind == "gpt" else ("zeros to start" in note)
    model = ds.load(run / "model.npz").eval()
    for batch, steps in ((1, 8), (3, 5)):  # batch and sequence length are free
        ids = np.random.default_rng(steps).integers(
            0, model.vocab_size if kind == "gpt" else 10, (batch, steps)
        )
        if kind == "gpt":
            np.testing.assert_allclose(
                _run_session(tmp_path / "lm.onnx", {"idx": ids})[0], model(ids).data, atol=1e-5
            )
        else:
            zeros = np.zeros((1, batch, 16), np.float32)
            got = _run_session(tmp_path / "lm.onnx", {"idx": ids, "state_0": zeros, "state_1": zeros})
            for g, e in zip(got, _leaves(model(ids)), strict=True):
                np.testing.assert_allclose(g, e, atol=1e-5)


@pytest.mark.parametrize(
    "model, shape",
    [
        (Autoencoder("dense", latent_dim=4, hidden=16, image_size=8), (5, 64)),
        (Autoencoder("conv", latent_dim=4, image_size=8), (5, 1, 8, 8)),
        (GAN(latent_dim=6, image_size=8, hidden=8), (5, 6)),
        (SmallCNN(channels=(4, 8), image_size=12), (5, 1, 12, 12)),
    ],
    ids=lambda v: type(v).__name__ + getattr(v, "kind", "") if isinstance(v, nn.Module) else "",
)
def test_export_command_reads_the_input_shape_off_the_model(tmp_path, model, shape):
    from deepstep.cli import main

    model.save(tmp_path / "model.npz")
    assert main(["export", str(tmp_path)]) == 0
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    got = _run_session(
        tmp_path / "model.onnx", {ort.InferenceSession(str(tmp_path / "model.onnx")).get_inputs()[0].name: x}
    )
    np.testing.assert_allclose(got[0], model.eval()(x).data, atol=1e-5)


@pytest.mark.parametrize(
    "setup, words",
    [
        (lambda folder: None, "no folder"),
        (lambda folder: folder.mkdir(), "holds no model"),
        (
            lambda folder: nn.Sequential(nn.Linear(4, 4), nn.MaxUnpool1d(2)).save(folder / "model.npz"),
            "MaxUnpool1d at '1'",
        ),
        (
            lambda folder: nn.Sequential(nn.Conv2d(1, 2, 3)).save(folder / "model.npz"),
            "cannot tell what input",
        ),
        (lambda folder: (folder.mkdir(), (folder / "model.npz").write_bytes(b"PK not a zip")), "model.npz"),
    ],
    ids=["missing", "empty", "unsupported", "unknown-input", "corrupt"],
)
def test_export_command_errors(tmp_path, capsys, setup, words):
    from deepstep.cli import main

    folder = tmp_path / "run"
    setup(folder)
    assert main(["export", str(folder), str(tmp_path / "out.onnx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("deepstep export:") and err.count("\n") == 1 and words in err
    assert not (tmp_path / "out.onnx").exists()


def test_a_clear_message_without_the_onnx_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'deepstep\[onnx\]'"):
        ds.onnx.export(nn.ReLU(), dense(1), io.BytesIO())
