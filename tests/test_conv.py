"""Convolutional layers as modules, against torch.nn; batch-norm statistics; errors naming shapes.
(The ops themselves are gradchecked and compared with torch in the op catalogue.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
from deepstep import nn


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


def test_transposed_convolution_inverts_the_shape_of_a_strided_convolution():
    x = ds.randn(2, 3, 14, 14, seed=0)
    down = nn.Conv2d(3, 8, 3, stride=2, padding=1, seed=0)
    up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1, output_padding=1, seed=1)
    assert down(x).shape == (2, 8, 7, 7) and up(down(x)).shape == x.shape
    assert nn.Upsample(2)(down(x)).shape == (2, 8, 14, 14)


def test_layers_initialise_like_torch():
    layer = nn.Conv2d(16, 32, 3, seed=0)
    bound = 1 / np.sqrt(16 * 9)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.9 * bound


@pytest.mark.parametrize(
    ("make", "shape", "match"),
    [
        (lambda: nn.Conv2d(3, 4, 3), (2, 1, 8, 8), r"\(2, 1, 8, 8\) has 1 channels.*expects 3"),
        (lambda: nn.Conv2d(1, 4, 5), (2, 1, 3, 3), r"kernel of size 5 is larger than the padded input"),
        (lambda: nn.Conv2d(1, 4, 3), (1, 8, 8), r"shape \(N, C, H, W\), got shape \(1, 8, 8\)"),
        (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), (1, 2, 4, 4), "output_padding"),
        (lambda: nn.ConvTranspose2d(3, 2, 3), (1, 2, 4, 4), r"has 2 channels.*expects 3"),
        (lambda: nn.MaxPool2d(4), (1, 1, 3, 3), "larger than the padded input"),
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
    from deepstep import _compiled

    if compiled and _compiled.kernels() is None:
        pytest.skip("numba not installed")
    if not compiled:
        monkeypatch.setattr(_compiled, "_kernels", False)
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


def test_compiled_max_pool_lets_nan_win_like_torch():
    from deepstep import _compiled

    if _compiled.kernels() is None:
        pytest.skip("numba not installed")
    a = np.zeros((1, 2, 4, 4), np.float32)
    a[0, 0, 1, 1] = np.nan
    a[0, 1, 0, 1] = 5.0
    ours = F.max_pool2d(ds.Tensor(_channels_last(a)), 2).numpy()
    theirs = torch.nn.functional.max_pool2d(torch.tensor(a), 2).numpy()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("stride, padding", [(1, 1), (2, 0), ((2, 1), (1, 2))])
def test_conv2d_gradients_on_both_paths_equal_torch(monkeypatch, compiled, stride, padding):
    """The input gradient is computed by a compiled col2im with numba and by one product per kernel
    position without it; both equal PyTorch (float64, channels-last and plain input)."""
    from deepstep import _compiled

    if compiled and _compiled.kernels() is None:
        pytest.skip("numba not installed")
    if not compiled:
        monkeypatch.setattr(_compiled, "_kernels", False)
    rng = np.random.default_rng(1)
    a, w, b = rng.normal(size=(3, 4, 9, 8)), rng.normal(size=(5, 4, 3, 2)), rng.normal(size=5)
    for layout in (a, _channels_last(a)):
        x, weight, bias = (ds.Tensor(v, requires_grad=True) for v in (layout, w, b))
        tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (a, w, b))
        out = F.conv2d(x, weight, bias, stride=stride, padding=padding)
        expected = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.normal(size=expected.shape)
        out.backward(ds.Tensor(g))
        expected.backward(torch.tensor(g))
        for ours, theirs in ((x, tx), (weight, tw), (bias, tb)):
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
