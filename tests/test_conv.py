"""Convolutional layers as modules, against torch.nn; batch-norm statistics; errors naming shapes.
(The ops themselves are gradchecked and compared with torch in the op catalogue.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
from deepstep import nn
from kernel_paths import compiled_available, numpy_paths


def _copy_into(ours: nn.Module, theirs: torch.nn.Module) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def test_small_cnn_matches_torch_forward_and_backward():
    torch.manual_seed(0)
    reference = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3, stride=2),
        torch.nn.ReLU(),
        torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(6, 3),
    ).double()
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(6, 3),
    ).double()
    assert list(model.state_dict()) == list(reference.state_dict())
    _copy_into(model, reference)
    x = np.random.default_rng(0).standard_normal((5, 1, 12, 12))
    labels = np.array([0, 1, 2, 1, 0])
    ours = F.cross_entropy(model(x), labels)
    theirs = torch.nn.functional.cross_entropy(reference(torch.from_numpy(x)), torch.from_numpy(labels))
    ours.backward()
    theirs.backward()
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-10)
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=name)
    for name, value in model.state_dict().items():  # running statistics moved the same way
        np.testing.assert_allclose(value, reference.state_dict()[name].numpy(), rtol=1e-10, err_msg=name)


def test_batch_norm_train_and_eval_like_torch():
    torch.manual_seed(1)
    reference = torch.nn.BatchNorm1d(3, momentum=0.2).double()
    layer = nn.BatchNorm1d(3, momentum=0.2).double()
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal((8, 3)) * 3 + 1
        np.testing.assert_allclose(
            layer(x).numpy(), reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-10
        )
    np.testing.assert_allclose(layer.running_var, reference.running_var.numpy(), rtol=1e-12)
    assert int(layer.num_batches_tracked) == int(reference.num_batches_tracked) == 4
    layer.eval()
    reference.eval()
    x = rng.standard_normal((2, 3))
    np.testing.assert_allclose(layer(x).numpy(), reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)


def _batch_norm_by_autograd(x, mean, var, weight, bias, eps=1e-5):
    """The formula γ·(x − μ)/√(σ² + ε) + β from autograd ops: the oracle for the hand-written backward."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    axes = (0, *range(2, x.ndim))
    if mean is None:
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True, correction=0)
    else:
        mean, var = np.reshape(mean, shape), np.reshape(var, shape)
    return (x - mean) / (var + eps) ** 0.5 * weight.reshape(shape) + bias.reshape(shape)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (4, 3, 5, 6)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("channels_last", [False, True])
def test_batch_norm_gradients_by_hand_equal_autograd_and_torch(shape, training, channels_last):
    """The op's written-out backward against the same formula differentiated by autograd and against
    PyTorch: output and the gradients of x, γ and β, with batch statistics and with running ones, for
    1-D, sequence and image input, stored NCHW or channels-last."""
    rng = np.random.default_rng(6)
    a = rng.normal(size=shape) * 2 + 0.5
    if channels_last and a.ndim == 4:
        a = _channels_last(a)
    w, b = rng.normal(size=3), rng.normal(size=3)
    running_mean, running_var = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    g = rng.normal(size=shape)
    x1, w1, b1 = (ds.Tensor(v, requires_grad=True) for v in (a, w, b))
    x2, w2, b2 = (ds.Tensor(v, requires_grad=True) for v in (a, w, b))
    out = F.batch_norm(x1, running_mean.copy(), running_var.copy(), w1, b1, training=training)
    stats = (None, None) if training else (running_mean, running_var)
    expected = _batch_norm_by_autograd(x2, *stats, w2, b2)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
    out.backward(ds.Tensor(g))
    expected.backward(ds.Tensor(g))
    tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (np.ascontiguousarray(a), w, b))
    reference = torch.nn.functional.batch_norm(
        tx, torch.tensor(running_mean), torch.tensor(running_var), tw, tb, training=training
    )
    reference.backward(torch.tensor(g))
    np.testing.assert_allclose(out.numpy(), reference.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, autograd, theirs in ((x1, x2, tx), (w1, w2, tw), (b1, b2, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), autograd.grad.numpy(), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_batch_norm_without_affine_parameters_and_with_constant_ones():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(5, 4, 3, 3))
    x1, x2 = ds.Tensor(a, requires_grad=True), ds.Tensor(a, requires_grad=True)
    F.batch_norm(x1, None, None, training=True).sum().backward()
    _batch_norm_by_autograd(x2, None, None, np.ones(4), np.zeros(4)).sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), atol=1e-12)
    layer = nn.BatchNorm2d(4, affine=False).double()
    layer(a)
    np.testing.assert_allclose(layer.running_mean, 0.1 * a.mean(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_integers_normalises_their_float_values(training):
    x = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    mean, var = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    ours = F.batch_norm(x, mean.copy(), var.copy(), training=training).numpy()
    expected = F.batch_norm(x.astype(np.float64), mean.copy(), var.copy(), training=training).numpy()
    np.testing.assert_array_equal(ours, expected)
    assert np.abs(ours).max() > 0.5


def test_transposed_convolution_inverts_the_shape_of_a_strided_convolution():
    x = ds.randn(2, 3, 14, 14, seed=0)
    down = nn.Conv2d(3, 8, 3, stride=2, padding=1, seed=0)
    up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1, output_padding=1, seed=1)
    assert down(x).shape == (2, 8, 7, 7) and up(down(x)).shape == x.shape
    assert nn.Upsample(scale_factor=2)(down(x)).shape == (2, 8, 14, 14)


def test_layers_initialise_like_torch():
    layer = nn.Conv2d(16, 32, 3, seed=0)
    bound = 1 / np.sqrt(16 * 9)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.9 * bound


@pytest.mark.parametrize(
    ("make", "shape", "match"),
    [
        (lambda: nn.Conv2d(3, 4, 3), (2, 1, 8, 8), r"\(2, 1, 8, 8\) has 1 channels.*expects 3"),
        (lambda: nn.Conv2d(1, 4, 5), (2, 1, 3, 3), r"kernel of size 5 .*is larger than the padded input"),
        (lambda: nn.Conv2d(1, 4, 3), (8, 8), r"3D \(unbatched\) or 4D \(batched\) input.*\[8, 8\]"),
        (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), (1, 2, 4, 4), "output_padding"),
        (lambda: nn.ConvTranspose2d(3, 2, 3), (1, 2, 4, 4), r"has 2 channels.*expects 3"),
        (lambda: nn.MaxPool2d(4), (1, 1, 3, 3), r"input size: \(1, 3, 3\).*Output size is too small"),
        (lambda: nn.BatchNorm2d(3), (2, 4, 5, 5), r"BatchNorm2d\(3\).*got shape \(2, 4, 5, 5\)"),
        (lambda: nn.BatchNorm1d(3), (1, 3), "more than one value per channel"),
    ],
)
def test_bad_shapes_give_errors_naming_them(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(ds.zeros(*shape))


def test_max_pool_gives_ties_to_the_first_maximum_like_torch():
    x = np.zeros((1, 1, 4, 4))  # every window is a tie, as after a ReLU
    x[0, 0, 1, 1] = 1.0
    for kwargs in ({"kernel_size": 2}, {"kernel_size": 2, "stride": 1}):
        ours = ds.Tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        F.max_pool2d(ours, **kwargs).sum().backward()
        torch.nn.functional.max_pool2d(theirs, **kwargs).sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def _channels_last(a: np.ndarray) -> np.ndarray:
    """The same NCHW values stored NHWC, as a convolution's output is."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kernel", [((3, 5, 8, 6), 2), ((2, 4, 9, 7), 2), ((2, 3, 9, 9), 3)])
def test_max_pool_on_channels_last_input_equals_torch(monkeypatch, compiled, dtype, shape, kernel):
    """Both paths (compiled with numba, and NumPy): values, ties (ReLU zeros), uncovered rows and
    columns, and gradients arriving NCHW (through Flatten) or NHWC."""
    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    rng = np.random.default_rng(0)
    a = np.maximum(rng.normal(size=shape), 0).astype(dtype)  # half zeros: many ties
    x = ds.Tensor(_channels_last(a), requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    ours = F.max_pool2d(x, kernel)
    theirs = torch.nn.functional.max_pool2d(t, kernel)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    g = rng.normal(size=theirs.shape).astype(dtype)
    for layout in (g, _channels_last(g)):
        x.grad = None
        t.grad = None
        F.max_pool2d(x, kernel).backward(ds.Tensor(layout))
        torch.nn.functional.max_pool2d(t, kernel).backward(torch.tensor(g))
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 1)])
def test_max_pool_lets_nan_win_like_torch(monkeypatch, compiled, kernel, stride):
    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    a = np.zeros((1, 2, 6, 6), np.float32)
    a[0, 0, 1, 1] = a[0, 0, 0, 3] = 7.0
    a[0, 0, 1, 0] = a[0, 0, 1, 3] = np.nan
    a[0, 1, 0, 1] = 5.0
    for layout in (a, _channels_last(a)):
        x, t = ds.Tensor(layout, requires_grad=True), torch.tensor(a, requires_grad=True)
        ours, theirs = F.max_pool2d(x, kernel, stride), torch.nn.functional.max_pool2d(t, kernel, stride)
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("stride, padding", [(1, 1), (2, 0), ((2, 1), (1, 2))])
@pytest.mark.parametrize("channels, with_bias", [(4, True), (4, False), (1, True), (1, False)])
def test_conv2d_gradients_on_both_paths_equal_torch(
    monkeypatch, compiled, chunked, stride, padding, channels, with_bias
):
    """The input gradient is computed by a compiled col2im with numba and by one product per kernel
    position without it; both equal PyTorch (float64, channels-last and plain input), for several
    channels and for one (whose im2col matrix is stored column by column), with and without bias,
    with the im2col matrix whole and built one image at a time (as for large batches)."""
    from deepstep.functional import conv

    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    if chunked:  # one image at a time
        monkeypatch.setattr(conv, "WHOLE_IM2COL_BYTES", 0)
        monkeypatch.setattr(conv, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(1)
    a, w, b = rng.normal(size=(3, channels, 9, 8)), rng.normal(size=(5, channels, 3, 2)), rng.normal(size=5)
    _layer_equals_torch(
        F.conv2d,
        torch.nn.functional.conv2d,
        a,
        w,
        b if with_bias else None,
        {"stride": stride, "padding": padding},
        rng,
    )


def _layer_equals_torch(ours_fn, torch_fn, a, w, b, kwargs, rng):
    """ours_fn(x, w, b, **kwargs) equals torch_fn's, output and every gradient (float64), for the
    input a stored NCHW and stored channels-last."""
    values = (a, w) if b is None else (a, w, b)
    for layout in (a, _channels_last(a)):
        ours = [ds.Tensor(v, requires_grad=True) for v in (layout, *values[1:])]
        theirs = [torch.tensor(v, requires_grad=True) for v in values]
        out = ours_fn(*ours[:2], ours[2] if b is not None else None, **kwargs)
        expected = torch_fn(*theirs[:2], theirs[2] if b is not None else None, **kwargs)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.normal(size=expected.shape)
        out.backward(ds.Tensor(g))
        expected.backward(torch.tensor(g))
        for mine, reference in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kernel, stride, padding", [(2, None, 0), (3, None, 0), ((2, 3), None, 0), (3, 2, 1)]
)
def test_relu_max_pool_equals_relu_then_max_pool(monkeypatch, compiled, dtype, kernel, stride, padding):
    """The fused op against the two ops it replaces, bit for bit: values and gradients, for
    windows with positive maxima, with only negatives, with ties at zero and with NaN; for
    channels-last and plain input and gradients in both layouts; and against PyTorch without NaN."""
    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 4, 9, 8)).astype(dtype)
    a[0, 0] = -np.abs(a[0, 0])  # every window negative
    a[0, 1, :4, :4] = 0.0  # ties at zero
    a[1, 2] = np.round(a[1, 2])  # ties among positives
    with_nan = a.copy()
    with_nan[2, 3, 1, 1] = np.nan
    with_nan[2, 3, 5, 5] = -np.nan
    for values in (a, with_nan):
        for layout in (values, _channels_last(values)):
            x1, x2 = ds.Tensor(layout, requires_grad=True), ds.Tensor(layout, requires_grad=True)
            fused = F.relu_max_pool2d(x1, kernel, stride, padding)
            plain = F.max_pool2d(F.relu(x2), kernel, stride, padding)
            np.testing.assert_array_equal(fused.numpy(), plain.numpy())
            g = rng.normal(size=fused.shape).astype(dtype)
            for g_layout in (g, _channels_last(g)):
                x1.grad = x2.grad = None
                F.relu_max_pool2d(x1, kernel, stride, padding).backward(ds.Tensor(g_layout))
                F.max_pool2d(F.relu(x2), kernel, stride, padding).backward(ds.Tensor(g_layout))
                np.testing.assert_array_equal(x1.grad.numpy(), x2.grad.numpy())
    t = torch.tensor(a, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(torch.relu(t), kernel, stride, padding)
    expected.backward(torch.tensor(g))
    x = ds.Tensor(_channels_last(a), requires_grad=True)
    out = F.relu_max_pool2d(x, kernel, stride, padding)
    out.backward(ds.Tensor(g))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    # (overlapping windows add their gradients in another order than PyTorch's)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_sequential_runs_relu_then_max_pool_as_the_fused_op(monkeypatch):
    calls = []
    fused = F.relu_max_pool2d
    monkeypatch.setattr(F, "relu_max_pool2d", lambda *args: calls.append(args[1:]) or fused(*args))
    ds.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    x = np.random.default_rng(3).normal(size=(2, 2, 6, 6))
    out = model(x)
    assert calls == [(2, 2, 0, 1, False)]  # (kernel, stride, padding, dilation, ceil_mode)
    reference = F.max_pool2d(F.relu(model[0](x)), 2).reshape(2, -1)
    np.testing.assert_array_equal(out.numpy(), reference.numpy())

    # average pooling does not commute with ReLU, and a subclass may change what pooling means
    class Other(nn.MaxPool2d):
        pass

    for pool in (nn.AvgPool2d(2), Other(2)):
        calls.clear()
        nn.Sequential(nn.ReLU(), pool)(x)
        assert calls == []


def test_max_pool_with_more_window_positions_than_a_byte_equals_torch():
    a = np.random.default_rng(4).normal(size=(1, 2, 32, 32))
    x, t = ds.Tensor(_channels_last(a), requires_grad=True), torch.tensor(a, requires_grad=True)
    F.relu_max_pool2d(x, 16).sum().backward()
    torch.nn.functional.max_pool2d(torch.relu(t), 16).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    "channels, stride, padding, output_padding",
    [((3, 4), 1, 0, 0), ((3, 4), 2, 1, 1), ((1, 5), (2, 3), (0, 1), (1, 2)), ((4, 1), 2, 1, 0)],
)
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("chunked", [False, True])
def test_conv_transpose2d_on_both_paths_equals_torch(
    monkeypatch, compiled, chunked, channels, stride, padding, output_padding, with_bias
):
    """The output (x·W added back by col2im: compiled, or one product per kernel position) and both
    gradients (products with the im2col matrix of the output gradient) equal PyTorch's, float64,
    for plain and channels-last input, whole and one image at a time."""
    from deepstep.functional import conv

    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    if chunked:
        monkeypatch.setattr(conv, "CHUNK_BYTES", 1)
    (c, f), rng = channels, np.random.default_rng(5)
    a, w, b = rng.normal(size=(2, c, 5, 4)), rng.normal(size=(c, f, 3, 3)), rng.normal(size=f)
    kwargs = {"stride": stride, "padding": padding, "output_padding": output_padding}
    _layer_equals_torch(
        F.conv_transpose2d, torch.nn.functional.conv_transpose2d, a, w, b if with_bias else None, kwargs, rng
    )


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's, about itself
@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4), (1, 5)])
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_same_and_valid_padding_equal_torch(monkeypatch, compiled, kernel, padding):
    """'same' with odd and even kernels (the odd zero at the end, as PyTorch puts it) and 'valid'."""
    if compiled and not compiled_available():
        pytest.skip("numba not installed")
    if not compiled:
        numpy_paths(monkeypatch)
    rng = np.random.default_rng(8)
    a, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, *kernel)), rng.normal(size=4)
    _layer_equals_torch(F.conv2d, torch.nn.functional.conv2d, a, w, b, {"padding": padding}, rng)
    if padding == "same":
        assert F.conv2d(a, w, padding="same").shape == (2, 4, 7, 6)


def test_a_model_with_same_padding_saves_and_loads(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 4, padding="same"), nn.ReLU(), nn.MaxPool2d(2))
    model.save(tmp_path / "model.npz")
    loaded = ds.load(tmp_path / "model.npz")
    x = np.random.default_rng(9).normal(size=(2, 1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert loaded(x).shape == (2, 2, 4, 4)


def test_conv2d_padding_errors_name_what_is_wrong():
    x, w = np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        F.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="must not be negative"):
        F.conv2d(x, w, padding=-1)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding="same"))
    assert "padding=same" in repr(model)  # (as PyTorch prints it)
