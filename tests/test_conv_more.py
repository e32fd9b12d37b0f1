"""Convolution, pooling and resampling against PyTorch where the op catalogue cannot reach: the indices
pooling returns, integer input, NaN and ±inf, empty batches, exception types, the nn modules (state
dicts loaded from torch's, forward and backward, save and load), the compiled and NumPy paths held to
each other, and the adjoint identities between the ops (hypothesis)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepstep as ds
import deepstep.functional as F
from deepstep import nn
from kernel_paths import compiled_available, numpy_paths


def _channels_last(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.fixture(params=[True, False], ids=["compiled", "numpy"])
def path(request, monkeypatch):
    """Each test runs with the numba kernels and with the NumPy reference paths."""
    if request.param and not compiled_available():
        pytest.skip("numba not installed")
    if not request.param:
        numpy_paths(monkeypatch)
    return request.param


# ---- the regression: integer max pooling with padding ------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.uint8])
@pytest.mark.parametrize("kwargs", [{"padding": 1}, {"padding": 1, "ceil_mode": True, "stride": 2}])
def test_max_pool2d_of_integers_with_padding_equals_torch(torch, dtype, kwargs):
    info = np.iinfo(dtype)
    a = np.random.default_rng(0).integers(info.min, info.max, (2, 3, 5, 6), dtype=dtype, endpoint=True)
    a[0, 0] = info.min  # a plane of the lowest value: the padding must not win there
    ours, ours_index = F.max_pool2d(a, 3, return_indices=True, **kwargs)
    theirs, their_index = torch.nn.functional.max_pool2d(
        torch.from_numpy(a), 3, return_indices=True, **kwargs
    )
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours_index.numpy(), their_index.numpy())


def test_avg_pool2d_of_integers_rounds_towards_zero_like_torch(torch):
    a = np.random.default_rng(1).integers(-50, 50, (2, 3, 7, 6))
    for kwargs in ({}, {"padding": 1, "ceil_mode": True}, {"count_include_pad": False, "padding": 1}):
        ours = F.avg_pool2d(a, 3, stride=2, **kwargs)
        theirs = torch.nn.functional.avg_pool2d(torch.from_numpy(a), 3, stride=2, **kwargs)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---- indices, NaN, ±inf ---------------------------------------------------------------------------

_MAX_POOLS = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True, "dilation": 2},
]


def _special_values(shape, seed):
    """Ties (ReLU zeros), NaN (two in some windows), ±inf."""
    rng = np.random.default_rng(seed)
    a = np.maximum(rng.normal(size=shape), 0)
    a.flat[rng.choice(a.size, 6, replace=False)] = np.nan
    a.flat[rng.choice(a.size, 4, replace=False)] = -np.inf
    a.flat[rng.choice(a.size, 2, replace=False)] = np.inf
    a[0, 0, :2, :2] = np.nan  # a window of NaN only: PyTorch keeps the last
    a[-1, -1] = -np.inf  # a plane of -inf only, padding around it
    return a


@pytest.mark.parametrize("kwargs", _MAX_POOLS)
@pytest.mark.parametrize("channels_last", [False, True])
def test_max_pool2d_values_indices_and_gradients_equal_torch(torch, path, kwargs, channels_last):
    for seed, dtype in ((0, np.float32), (1, np.float64)):
        a = _special_values((2, 3, 7, 8), seed).astype(dtype)
        x = ds.Tensor(_channels_last(a) if channels_last else a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        out, index = F.max_pool2d(x, return_indices=True, **kwargs)
        expected, expected_index = torch.nn.functional.max_pool2d(t, return_indices=True, **kwargs)
        np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
        np.testing.assert_array_equal(index.numpy(), expected_index.numpy())
        assert index.dtype == np.int64
        g = np.random.default_rng(seed).normal(size=expected.shape).astype(dtype)
        out.backward(ds.Tensor(g))
        expected.backward(torch.from_numpy(g))
        # (overlapping windows add their gradients in another order than PyTorch's)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("size", [(3, 4), (4, 3), (1, 1), (2, 4), (5, 5)])
def test_adaptive_max_pool2d_values_indices_and_gradients_equal_torch(torch, size):
    a = _special_values((2, 3, 5, 8), 2)
    x, t = ds.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, index = F.adaptive_max_pool2d(x, size, return_indices=True)
    expected, expected_index = torch.nn.functional.adaptive_max_pool2d(t, size, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(index.numpy(), expected_index.numpy())
    out.backward(ds.ones(*out.shape, dtype=out.dtype))
    expected.backward(torch.ones_like(expected))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_one_dimensional_indices_equal_torch_and_unpool_back(torch):
    a = np.random.default_rng(3).normal(size=(2, 3, 11))
    t = torch.from_numpy(a)
    for ours, theirs in (
        (
            F.max_pool1d(a, 3, 2, 1, return_indices=True),
            torch.nn.functional.max_pool1d(t, 3, 2, 1, return_indices=True),
        ),
        (
            F.adaptive_max_pool1d(a, 4, return_indices=True),
            torch.nn.functional.adaptive_max_pool1d(t, 4, True),
        ),
        (
            F.max_pool1d(a[0], 2, return_indices=True),
            torch.nn.functional.max_pool1d(t[0], 2, return_indices=True),
        ),
    ):
        for mine, reference in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(mine.numpy(), reference.numpy())
    values, index = F.max_pool1d(a, 2, return_indices=True)
    t_values, t_index = torch.nn.functional.max_pool1d(t, 2, return_indices=True)
    np.testing.assert_array_equal(
        F.max_unpool1d(values, index, 2, output_size=[11]).numpy(),
        torch.nn.functional.max_unpool1d(t_values, t_index, 2, output_size=[11]).numpy(),
    )


def test_max_unpool2d_of_unbatched_input_and_module_equal_torch(torch):
    a = np.random.default_rng(4).normal(size=(3, 6, 4))
    values, index = F.max_pool2d(a, 2, return_indices=True)
    t_values, t_index = torch.nn.functional.max_pool2d(torch.from_numpy(a), 2, return_indices=True)
    np.testing.assert_array_equal(
        F.max_unpool2d(values, index, 2).numpy(),
        torch.nn.functional.max_unpool2d(t_values, t_index, 2).numpy(),
    )
    module, reference = nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    np.testing.assert_array_equal(
        module(values, index, output_size=(7, 5)).numpy(),
        reference(t_values, t_index, output_size=(7, 5)).numpy(),
    )


@pytest.mark.parametrize("kwargs", [{}, {"stride": 1}, {"padding": 1}])
def test_relu_max_pool2d_with_the_new_options_equals_relu_then_pool(torch, path, kwargs):
    a = _special_values((2, 3, 7, 6), 5)
    a[np.isnan(a)] = 0.5
    for options in ({"dilation": 2}, {"ceil_mode": True}):
        x = ds.Tensor(_channels_last(a), requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        out = F.relu_max_pool2d(x, 2, **kwargs, **options)
        expected = torch.nn.functional.max_pool2d(torch.relu(t), 2, **kwargs, **options)
        np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# ---- both paths: grouped and dilated convolutions -------------------------------------------------


def _layer_equals_torch(ours_fn, torch_fn, torch, values, kwargs, rng):
    """ours_fn(x, w, b, **kwargs) equals torch_fn's, output and every gradient (float64), for the input
    stored NCHW and stored channels-last."""
    for layout in (values[0], _channels_last(values[0])):
        ours = [ds.Tensor(v, requires_grad=True) for v in (layout, *values[1:])]
        theirs = [torch.tensor(v, requires_grad=True) for v in values]
        out = ours_fn(*ours, **kwargs)
        expected = torch_fn(*theirs, **kwargs)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.normal(size=expected.shape)
        out.backward(ds.Tensor(g))
        expected.backward(torch.tensor(g))
        for mine, reference in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize(
    "channels, groups, kwargs",
    [
        ((4, 6), 2, {"stride": 2, "padding": 1, "dilation": 2}),
        ((3, 6), 3, {"padding": (1, 2), "dilation": (1, 2)}),  # depthwise, one channel per group
        ((6, 4), 2, {"stride": (1, 2), "dilation": (3, 1)}),
        ((2, 3), 1, {"padding": "same", "dilation": 2}),
    ],
)
def test_grouped_dilated_conv2d_on_both_paths_equals_torch(
    torch, path, monkeypatch, chunked, channels, groups, kwargs
):
    from deepstep.functional import conv

    if chunked:  # one image at a time, as for large batches
        monkeypatch.setattr(conv, "WHOLE_IM2COL_BYTES", 0)
        monkeypatch.setattr(conv, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(6)
    (c, f) = channels
    values = (rng.normal(size=(3, c, 9, 10)), rng.normal(size=(f, c // groups, 3, 2)), rng.normal(size=f))
    _layer_equals_torch(
        F.conv2d, torch.nn.functional.conv2d, torch, values, {"groups": groups, **kwargs}, rng
    )


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize(
    "channels, groups, kwargs",
    [
        ((4, 6), 2, {"stride": 2, "padding": 1, "output_padding": 1, "dilation": 2}),
        ((3, 3), 3, {"stride": (2, 1), "output_padding": (1, 0)}),
        ((2, 4), 1, {"padding": (2, 1), "output_padding": (2, 1), "dilation": (3, 2)}),
    ],
)
def test_grouped_dilated_conv_transpose2d_on_both_paths_equals_torch(
    torch, path, monkeypatch, chunked, channels, groups, kwargs
):
    from deepstep.functional import conv

    if chunked:
        monkeypatch.setattr(conv, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(7)
    (c, f) = channels
    values = (rng.normal(size=(2, c, 5, 4)), rng.normal(size=(c, f // groups, 3, 3)), rng.normal(size=f))
    _layer_equals_torch(
        F.conv_transpose2d,
        torch.nn.functional.conv_transpose2d,
        torch,
        values,
        {"groups": groups, **kwargs},
        rng,
    )


def test_integer_convolution_equals_torch(torch):
    rng = np.random.default_rng(8)
    x, w = rng.integers(-3, 4, (2, 4, 6, 5)), rng.integers(-3, 4, (6, 2, 3, 3))
    ours = F.conv2d(x, w, stride=2, padding=1, groups=2)
    theirs = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=1, groups=2
    )
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---- empty batches --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.conv2d(x, x.new_ones((4, 3, 3, 3)), padding=1),
        lambda F, x: F.conv_transpose2d(x, x.new_ones((3, 2, 3, 3)), stride=2),
        lambda F, x: F.max_pool2d(x, 2),
        lambda F, x: F.max_pool2d(x, 3, 1, 1, 2),
        lambda F, x: F.avg_pool2d(x, 3, 2, 1, True),
        lambda F, x: F.adaptive_avg_pool2d(x, (2, 3)),
        lambda F, x: F.adaptive_max_pool2d(x, (2, 3)),
        lambda F, x: F.interpolate(x, size=(3, 7), mode="bilinear"),
        lambda F, x: F.interpolate(x, scale_factor=1.5),
        lambda F, x: F.unfold(x, 2),
    ],
)
def test_an_empty_batch_gives_torch_shapes_and_empty_gradients(torch, call):
    a = np.zeros((0, 3, 5, 6))
    x = ds.Tensor(a, requires_grad=True)
    out = call(F, x)
    expected = call(torch.nn.functional, torch.tensor(a))
    assert out.shape == tuple(expected.shape)
    out.sum().backward()
    assert x.grad.shape == a.shape


# ---- errors: PyTorch's exception types ------------------------------------------------------------

_X = np.zeros((2, 4, 8, 8))
_W = np.zeros((6, 2, 3, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x, w: F.conv2d(x, w),  # channels: the weight wants 2·groups
        lambda F, x, w: F.conv2d(x, w, groups=3),
        lambda F, x, w: F.conv2d(x, w[:5], groups=2),  # out_channels not divisible by groups
        lambda F, x, w: F.conv2d(x, w[..., 0], groups=2),  # a 3-D weight
        lambda F, x, w: F.conv2d(x[0, 0], w, groups=2),  # 2-D input
        lambda F, x, w: F.conv2d(x[None], w, groups=2),  # 5-D input
        lambda F, x, w: F.conv2d(x, w, groups=0),
        lambda F, x, w: F.conv2d(x, w, groups=2, stride=0),
        lambda F, x, w: F.conv2d(x, w, groups=2, padding=-1),
        lambda F, x, w: F.conv2d(x, w, groups=2, dilation=0),
        lambda F, x, w: F.conv2d(x, w, groups=2, dilation=5),  # the kernel spans more than the input
        lambda F, x, w: F.conv2d(x, w, groups=2, padding="same", stride=2),
        lambda F, x, w: F.conv2d(x, w, groups=2, padding="full"),
        lambda F, x, w: F.conv2d(x, w, x[0, 0, 0, :5], groups=2),  # bias of 5 for 6 channels
        lambda F, x, w: F.conv2d(x, w, groups=2, stride=(1, 2, 3)),
        lambda F, x, w: F.conv1d(x, w[..., 0], groups=2),  # 4-D input to conv1d
        lambda F, x, w: F.conv_transpose2d(x, w),  # x has 4 channels, the weight's dimension 0 is 6
        lambda F, x, w: F.conv_transpose2d(x, w[:4], stride=2, output_padding=2),
        lambda F, x, w: F.conv_transpose2d(x, w[:4], x[0, 0, 0, :4]),  # bias of 4 for 2 channels
        lambda F, x, w: F.max_pool2d(x, 3, padding=2),
        lambda F, x, w: F.max_pool2d(x, 3, padding=2, dilation=3),
        lambda F, x, w: F.max_pool2d(x, 9),
        lambda F, x, w: F.max_pool2d(x, 2, stride=0),
        lambda F, x, w: F.max_pool2d(x, 2, dilation=0),
        lambda F, x, w: F.max_pool2d(x, 2, padding=-1),
        lambda F, x, w: F.max_pool2d(x[0, 0], 2),
        lambda F, x, w: F.max_pool2d(x[:, :0], 2),
        lambda F, x, w: F.max_pool1d(x, 2),
        lambda F, x, w: F.avg_pool2d(x, 3, padding=2),
        lambda F, x, w: F.avg_pool2d(x, 2, divisor_override=0),
        lambda F, x, w: F.avg_pool1d(x, 2),
        lambda F, x, w: F.adaptive_avg_pool2d(x, (3, 4, 5)),
        lambda F, x, w: F.adaptive_avg_pool2d(x[0, 0], 3),
        lambda F, x, w: F.adaptive_max_pool2d(x[0, 0], 3),
        lambda F, x, w: F.adaptive_avg_pool1d(x, 3),
        lambda F, x, w: F.interpolate(x),
        lambda F, x, w: F.interpolate(x, size=3, scale_factor=2),
        lambda F, x, w: F.interpolate(x, size=3, align_corners=True),
        lambda F, x, w: F.interpolate(x, size=3, mode="linear"),
        lambda F, x, w: F.interpolate(x[0], size=3, mode="bilinear"),
        lambda F, x, w: F.interpolate(x, size=3, mode="cubic"),
        lambda F, x, w: F.interpolate(x, size=(3, 4, 5)),
        lambda F, x, w: F.interpolate(x, scale_factor=(3, 4, 5)),
        lambda F, x, w: F.interpolate(x[0, 0], size=3),
        lambda F, x, w: F.interpolate(x, size=0),
        lambda F, x, w: F.interpolate(x, scale_factor=0.1),
        lambda F, x, w: F.interpolate(x, size=4, recompute_scale_factor=True),
        lambda F, x, w: F.interpolate(x, size=[4.0, 3]),
        lambda F, x, w: F.pixel_shuffle(x, 3),
        lambda F, x, w: F.pixel_unshuffle(x[:, :, :7], 2),
        lambda F, x, w: F.unfold(x, 9),
        lambda F, x, w: F.fold(x[:, :3, 0], (4, 4), 2),
        lambda F, x, w: F.fold(x[:, :, 0], (4, 4), 2),
        lambda F, x, w: F.max_unpool2d(
            x, x.long() if hasattr(x, "long") else x.astype(np.int64), 2, output_size=(5, 5)
        ),
    ],
)
def test_errors_have_torch_exception_types(torch, call):
    """Each call fails in PyTorch and in deepstep, and deepstep's exception is an instance of PyTorch's
    exception type (deepstep's ShapeError is both a ValueError and a RuntimeError)."""
    with pytest.raises(Exception) as theirs, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call(torch.nn.functional, torch.from_numpy(_X), torch.from_numpy(_W))
    with pytest.raises(Exception) as ours:
        call(F, ds.Tensor(_X), ds.Tensor(_W))
    assert isinstance(ours.value, theirs.type), (ours.value, theirs.value)


def test_unpool_checks_indices_like_torch(torch):
    x = np.ones((1, 1, 2, 2))
    index = np.array([[[[0, 1], [2, 99]]]])
    with pytest.raises(RuntimeError):
        torch.nn.functional.max_unpool2d(torch.from_numpy(x), torch.from_numpy(index), 2)
    with pytest.raises(RuntimeError, match="invalid max index: 99"):
        F.max_unpool2d(x, index, 2)


def test_unsupported_dtypes_raise_runtime_errors_like_torch(torch):
    x = np.ones((1, 1, 4, 4), dtype=bool)
    with pytest.raises(NotImplementedError):
        torch.nn.functional.max_pool2d(torch.from_numpy(x), 2)
    with pytest.raises(RuntimeError, match="max_pool2d"):  # (NotImplementedError is a RuntimeError)
        F.max_pool2d(x, 2)
    with pytest.raises(NotImplementedError):
        F.interpolate(np.ones((1, 1, 4, 4), dtype=np.int64), size=3, mode="bilinear")


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Conv2d(4, 6, 3, groups=3),
        lambda nn: nn.Conv2d(4, 6, 3, groups=4),
        lambda nn: nn.Conv2d(4, 6, 3, groups=0),
        lambda nn: nn.Conv2d(4, 6, 3, padding="full"),
        lambda nn: nn.Conv2d(4, 6, 3, padding="same", stride=2),
        lambda nn: nn.Conv2d(4, 6, 3, padding_mode="mirror"),
        lambda nn: nn.Conv1d(4, 6, 3, groups=4),
        lambda nn: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
        lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=4),
    ],
)
def test_module_argument_errors_are_value_errors_like_torch(torch, make):
    with pytest.raises(ValueError):
        make(torch.nn)
    with pytest.raises(ValueError):
        make(nn)


# ---- nn modules against torch.nn ------------------------------------------------------------------

_MODULES = [
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, (2, 4, 11)),
    ("Conv1d", (3, 2, 4), {"padding": "same", "padding_mode": "circular", "bias": False}, (2, 3, 9)),
    (
        "Conv2d",
        (4, 6, 3),
        {"padding": "same", "dilation": 2, "groups": 2, "padding_mode": "reflect"},
        (2, 4, 7, 8),
    ),
    (
        "Conv2d",
        (3, 4, (3, 2)),
        {"stride": (2, 1), "padding": (1, 2), "padding_mode": "replicate"},
        (2, 3, 7, 6),
    ),
    ("Conv2d", (3, 6, 3), {"padding": 2, "padding_mode": "circular", "groups": 3}, (3, 6, 5)),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, (2, 4, 5)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "dilation": 2, "groups": 2, "bias": False}, (2, 4, 3, 4)),
    (
        "ConvTranspose2d",
        (2, 3, (2, 3)),
        {"stride": (1, 2), "padding": (0, 1), "output_padding": (0, 1)},
        (2, 5, 4),
    ),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True}, (2, 3, 10)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}, (2, 3, 9, 8)),
    ("MaxPool2d", ((2, 3),), {"return_indices": True}, (2, 3, 6, 7)),
    (
        "AvgPool1d",
        (4,),
        {"stride": 3, "padding": 2, "ceil_mode": True, "count_include_pad": False},
        (2, 3, 10),
    ),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "divisor_override": 5}, (2, 3, 8, 7)),
    ("AvgPool2d", (2,), {"padding": 1, "count_include_pad": False}, (3, 5, 5)),
    ("LPPool2d", (2, 3), {"stride": 2}, (2, 3, 7, 7)),
    ("LPPool1d", (2, 3), {}, (2, 3, 8)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 6)),
    ("AdaptiveMaxPool1d", (4,), {"return_indices": True}, (2, 3, 10)),
    ("AdaptiveMaxPool2d", (3,), {}, (2, 3, 7, 8)),
    ("Upsample", (), {"scale_factor": 2}, (2, 3, 4, 5)),
    ("Upsample", (), {"size": (5, 9), "mode": "bilinear", "align_corners": False}, (2, 3, 4, 5)),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bicubic", "align_corners": True}, (2, 3, 4, 5)),
    ("Upsample", (), {"size": 7, "mode": "linear"}, (2, 3, 4)),
    ("Upsample", (), {"scale_factor": (1.5, 2, 0.5), "mode": "trilinear"}, (1, 2, 2, 3, 4)),
    ("Upsample", (), {"size": (3, 2), "mode": "area"}, (2, 3, 7, 5)),
    ("UpsamplingNearest2d", (), {"size": (7, 3)}, (2, 3, 4, 5)),
    ("UpsamplingBilinear2d", (), {"scale_factor": 2}, (2, 3, 4, 5)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
    ("Unfold", ((2, 3),), {"dilation": 2, "padding": 1, "stride": (1, 2)}, (2, 3, 6, 7)),
    ("Fold", ((4, 5), 2), {}, (2, 12, 12)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", _MODULES, ids=[m[0] for m in _MODULES])
def test_modules_equal_torch_forward_backward_and_round_trip_save_load(
    torch, tmp_path, name, args, kwargs, shape
):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = getattr(torch.nn, name)(*args, **kwargs).double()
    module = getattr(nn, name)(*args, **kwargs).double()
    assert repr(module) == repr(reference)
    module.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    a = np.random.default_rng(9).normal(size=shape)
    x, t = ds.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, expected = module(x), reference(t)
    if kwargs.get("return_indices"):
        np.testing.assert_array_equal(out[1].numpy(), expected[1].numpy())
        out, expected = out[0], expected[0]
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(10).normal(size=expected.shape)
    out.backward(ds.Tensor(g))
    expected.backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (key, p), q in zip(module.named_parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
    ds.save(module, tmp_path / "module.npz")
    loaded = ds.load(tmp_path / "module.npz")
    again = loaded(a)
    again = again[0] if kwargs.get("return_indices") else again
    np.testing.assert_array_equal(again.numpy(), out.numpy())


def test_conv_transpose_output_size_picks_output_padding_like_torch(torch):
    torch.manual_seed(1)
    reference = torch.nn.ConvTranspose2d(3, 2, 3, stride=3, padding=1).double()
    module = nn.ConvTranspose2d(3, 2, 3, stride=3, padding=1).double()
    module.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    a = np.random.default_rng(11).normal(size=(2, 3, 4, 5))
    for size in ((10, 13), (12, 15), [2, 2, 11, 14]):
        expected = reference(torch.from_numpy(a), output_size=size)
        np.testing.assert_allclose(module(a, output_size=size).numpy(), expected.detach().numpy(), rtol=1e-12)
    for bad in ((9, 13), (10,)):
        with pytest.raises(ValueError):
            reference(torch.from_numpy(a), output_size=bad)
        with pytest.raises(ValueError):
            module(a, output_size=bad)


def test_sequential_fuses_relu_and_max_pool_only_without_indices():
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(3, 2, 1, 2, ceil_mode=True))
    x = np.random.default_rng(12).normal(size=(2, 3, 9, 9))
    np.testing.assert_array_equal(model(x).numpy(), F.max_pool2d(F.relu(x), 3, 2, 1, 2, True).numpy())
    values, index = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    assert index.dtype == np.int64 and values.shape == index.shape == (2, 3, 4, 4)


# ---- interpolate's index rules --------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_over_many_sizes_and_scales_equals_torch(torch, mode, dtype):
    """Source positions as PyTorch computes them (float32 for float32 input), over sizes that put
    them on and near the pixel boundaries."""
    rng = np.random.default_rng(13)
    corners = [None] if mode.startswith("nearest") else [False, True]
    for size_in in (1, 2, 3, 5, 7, 10, 13, 25):
        a = rng.normal(size=(1, 2, size_in, 3)).astype(dtype)
        requests = [{"size": (out, 3)} for out in (1, 2, 3, 4, 6, 9, 14, 20, 21, 26)]
        requests += [
            {"scale_factor": (s, 1.0)} for s in (0.5, 0.7, 1.1, 1.3, 1.5, 2.0, 2.05, 2.5, 3.0, 10 / 3)
        ]
        requests += [{"scale_factor": (s, 1.0), "recompute_scale_factor": True} for s in (1.3, 2.5)]
        for request in requests:
            if "scale_factor" in request and int(size_in * request["scale_factor"][0]) == 0:
                continue
            for align in corners:
                kwargs = {"mode": mode, "align_corners": align, **request}
                expected = torch.nn.functional.interpolate(torch.from_numpy(a), **kwargs).numpy()
                ours = F.interpolate(a, **kwargs).numpy()
                assert ours.dtype == dtype
                np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5, err_msg=str(kwargs))


def test_upsample_nearest_keeps_working_and_takes_a_size(torch):
    a = np.random.default_rng(14).normal(size=(2, 3, 4, 5))
    t = torch.from_numpy(a)
    np.testing.assert_array_equal(
        F.upsample_nearest(a, scale_factor=3).numpy(),
        torch.nn.functional.interpolate(t, scale_factor=3).numpy(),
    )
    np.testing.assert_array_equal(
        F.upsample_nearest(a, size=(6, 7)).numpy(), torch.nn.functional.interpolate(t, size=(6, 7)).numpy()
    )
    np.testing.assert_allclose(
        F.upsample_bilinear(a, scale_factor=2).numpy(),
        torch.nn.functional.interpolate(t, scale_factor=2, mode="bilinear", align_corners=True).numpy(),
        rtol=1e-12,
    )


# ---- adjoint identities ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    groups=st.sampled_from([1, 2]),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 2**16),
)
def test_conv_transpose2d_is_the_adjoint_of_conv2d(groups, stride, dilation, padding, kernel, seed):
    """⟨conv2d(x, w), y⟩ = ⟨x, conv_transpose2d(y, w)⟩, with output_padding giving back x's size."""
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(2, 2 * groups, 9, 8)), rng.normal(size=(3 * groups, 2, *kernel))
    y = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups).numpy()
    y = rng.normal(size=y.shape)
    output_padding = tuple(
        n + 2 * p - ((m - 1) * s + d * (k - 1) + 1)
        for n, m, s, p, d, k in zip(x.shape[2:], y.shape[2:], stride, padding, dilation, kernel, strict=True)
    )
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation, strict=True)):
        return  # rows no window reads: no output_padding reaches them
    back = F.conv_transpose2d(y, w, None, stride, padding, output_padding, groups, dilation).numpy()
    assert back.shape == x.shape
    lhs = np.vdot(F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups).numpy(), y)
    np.testing.assert_allclose(lhs, np.vdot(x, back), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    seed=st.integers(0, 2**16),
)
def test_fold_is_the_adjoint_of_unfold(kernel, stride, dilation, padding, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 3, 7, 6))
    cols = F.unfold(x, kernel, dilation, padding, stride).numpy()
    y = rng.normal(size=cols.shape)
    back = F.fold(y, (7, 6), kernel, dilation, padding, stride).numpy()
    np.testing.assert_allclose(np.vdot(cols, y), np.vdot(x, back), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(size_in=st.integers(1, 12), size_out=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_adaptive_average_of_a_constant_is_the_constant_and_its_gradient_sums_to_the_count(
    size_in, size_out, seed
):
    value = np.random.default_rng(seed).normal()
    x = ds.Tensor(np.full((1, 2, size_in, 3), value), requires_grad=True)
    out = F.adaptive_avg_pool2d(x, (size_out, 2))
    np.testing.assert_allclose(out.numpy(), value, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().sum(), out.numpy().size, rtol=1e-12)
