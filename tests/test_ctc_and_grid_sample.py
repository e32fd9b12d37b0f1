"""CTC loss (functional and nn.CTCLoss), affine_grid and grid_sample against PyTorch: values, dtypes,
shapes, gradients (torch's, and float64 numerical checks) and the exception types of bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
import deepstep.nn as nn

TF = torch.nn.functional


def _raises_like(ours, theirs):
    """ours() raises an exception of the type PyTorch's theirs() raises (deepstep's may be a subclass)."""
    with pytest.raises(Exception) as expected:  # the type is what is being found out
        theirs()
    with pytest.raises(expected.type):
        ours()


def _tol(dtype):
    return dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-5)


# ----- CTC ---------------------------------------------------------------------------------------
def _ctc_case(rng, frames=12, batch=4, classes=6, longest=5, normalised=True, blank=0, dtype=np.float64):
    x = rng.standard_normal((frames, batch, classes)) * 2
    lp = torch.tensor(x).log_softmax(2).numpy() if normalised else x
    labels = [c for c in range(classes) if c != blank]
    targets = rng.choice(labels, size=(batch, longest))
    targets[:, 1] = targets[:, 0]  # repeated labels: the blank between them is required
    target_lengths = rng.integers(0, longest + 1, batch)
    input_lengths = rng.integers(0, frames + 1, batch)
    input_lengths[0] = frames
    return lp.astype(dtype), targets, input_lengths, target_lengths


def _ctc_both(lp, targets, input_lengths, target_lengths, upstream_seed=1, **options):
    ours_in = ds.tensor(lp, requires_grad=True)
    theirs_in = torch.tensor(lp, requires_grad=True)
    ours = F.ctc_loss(ours_in, targets, input_lengths, target_lengths, **options)
    theirs = TF.ctc_loss(
        theirs_in, torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths), **options
    )
    upstream = np.random.default_rng(upstream_seed).standard_normal(theirs.shape)
    ours.backward(upstream.astype(lp.dtype))
    theirs.backward(torch.tensor(upstream, dtype=theirs.dtype))
    return ours, theirs, ours_in.grad, theirs_in.grad


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("normalised", [True, False])
def test_ctc_matches_torch(reduction, zero_infinity, dtype, normalised):
    rng = np.random.default_rng(7)
    for blank in (0, 3):
        case = _ctc_case(rng, normalised=normalised, blank=blank, dtype=dtype)
        ours, theirs, grad, torch_grad = _ctc_both(
            *case, blank=blank, reduction=reduction, zero_infinity=zero_infinity
        )
        assert ours.shape == tuple(theirs.shape) and ours.dtype == dtype
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **_tol(dtype))
        assert grad.dtype == dtype
        np.testing.assert_allclose(grad.numpy(), torch_grad.numpy(), **_tol(dtype))


def test_ctc_impossible_alignments_and_empty_inputs():
    """Too few frames for the target: ℓ = ∞ and a NaN gradient as in torch, or 0 and 0 with
    zero_infinity; an empty input with an empty target costs nothing."""
    rng = np.random.default_rng(3)
    lp = torch.tensor(rng.standard_normal((6, 3, 5))).log_softmax(2).numpy()
    targets = np.array([[1, 1, 1], [2, 3, 4], [1, 2, 3]])
    for zero_infinity in (False, True):
        ours, theirs, grad, torch_grad = _ctc_both(
            lp,
            targets,
            np.array([4, 0, 0]),
            np.array([3, 0, 1]),
            reduction="none",
            zero_infinity=zero_infinity,
        )
        np.testing.assert_array_equal(np.isinf(ours.numpy()), np.isinf(theirs.detach().numpy()))
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(grad.numpy(), torch_grad.numpy(), rtol=1e-9, atol=1e-12)
    assert np.isinf(ours.numpy()).sum() == 0 and np.isnan(grad.numpy()).sum() == 0


def test_ctc_blank_inside_targets_follows_torch():
    """A target holding the blank is not valid CTC input, yet torch computes numbers: the same here."""
    rng = np.random.default_rng(11)
    lp = rng.standard_normal((8, 3, 4))
    targets = np.array([[2, 0, 0], [0, 1, 0], [1, 2, 3]])
    ours, theirs, grad, torch_grad = _ctc_both(
        lp, targets, np.array([8, 6, 7]), np.array([2, 3, 3]), reduction="sum"
    )
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(grad.numpy(), torch_grad.numpy(), rtol=1e-9, atol=1e-12)


def test_ctc_log_probabilities_of_minus_infinity_give_torchs_nan():
    """A class that can never be emitted (z = −∞, a masked logit): torch's gradient is NaN there, and
    only there; deepstep keeps that for parity."""
    rng = np.random.default_rng(12)
    logits = torch.tensor(rng.standard_normal((6, 2, 5)))
    logits[:, :, 4] = -torch.inf
    logits[2, 0, 1] = -torch.inf
    lp = logits.log_softmax(2).numpy()
    targets = np.array([[1, 2, 3], [2, 2, 1]])
    ours, theirs, grad, torch_grad = _ctc_both(
        lp, targets, np.array([6, 5]), np.array([3, 3]), reduction="sum"
    )
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(grad.numpy()), np.isnan(torch_grad.numpy()))
    np.testing.assert_allclose(grad.numpy(), torch_grad.numpy(), rtol=1e-9, atol=1e-12)
    assert np.isnan(grad.numpy()).sum() == 6 + 5 + 1


def test_ctc_concatenated_targets_and_unbatched_input():
    rng = np.random.default_rng(5)
    lp, targets, input_lengths, target_lengths = _ctc_case(rng)
    flat = np.concatenate([row[:n] for row, n in zip(targets, target_lengths, strict=True)])
    padded = F.ctc_loss(lp, targets, input_lengths, target_lengths, reduction="none")
    concatenated = F.ctc_loss(lp, flat, list(input_lengths), tuple(target_lengths), reduction="none")
    np.testing.assert_allclose(concatenated.numpy(), padded.numpy(), rtol=1e-12)
    theirs = TF.ctc_loss(
        torch.tensor(lp),
        torch.tensor(flat),
        torch.tensor(input_lengths),
        torch.tensor(target_lengths),
        reduction="none",
    )
    np.testing.assert_allclose(concatenated.numpy(), theirs.numpy(), rtol=1e-10)
    # unbatched (T, C): a 0-d loss for "none"; its 1-D target holds exactly the labels (torch's rule)
    one = ds.tensor(lp[:, 0], requires_grad=True)
    one_torch = torch.tensor(lp[:, 0], requires_grad=True)
    labels = targets[0, :3]
    ours = F.ctc_loss(one, labels, [12], [3], reduction="none")
    ref = TF.ctc_loss(one_torch, torch.tensor(labels), [12], [3], reduction="none")
    assert ours.shape == tuple(ref.shape) == ()
    np.testing.assert_allclose(ours.numpy(), ref.detach().numpy(), rtol=1e-10)
    ours.backward()
    ref.backward()
    np.testing.assert_allclose(one.grad.numpy(), one_torch.grad.numpy(), rtol=1e-9, atol=1e-12)
    _raises_like(
        lambda: F.ctc_loss(lp[:, 0], targets[0], [12], [3]),
        lambda: TF.ctc_loss(torch.tensor(lp[:, 0]), torch.tensor(targets[0]), [12], [3]),
    )


def test_ctc_gradcheck_through_log_softmax():
    """The numerical gradient of ℓ(log_softmax(x)) equals autograd's: torch's exp(z) term cancels there
    (module doc of functional/ctc.py), so this checks the α/β part of the gradient for real."""
    rng = np.random.default_rng(2)
    x = ds.tensor(rng.standard_normal((7, 3, 5)), requires_grad=True)
    targets = np.array([[1, 1, 2], [3, 4, 0], [2, 0, 0]])

    def loss(logits):
        return F.ctc_loss(F.log_softmax(logits, 2), targets, [7, 6, 4], [3, 2, 1], reduction="mean")

    assert ds.gradcheck(loss, x)


def test_ctc_module_matches_functional():
    rng = np.random.default_rng(9)
    lp, targets, input_lengths, target_lengths = _ctc_case(rng, dtype=np.float32)
    module = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    ref = torch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    ours = module(ds.tensor(lp), targets, input_lengths, target_lengths)
    theirs = ref(
        torch.tensor(lp), torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths)
    )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)
    assert module.reduction == "sum" and module.blank == 0 and module.zero_infinity
    with pytest.raises(ValueError):
        nn.CTCLoss(reduction="average")


def test_ctc_errors_like_torch():
    lp = torch.randn(6, 2, 5, dtype=torch.float64).log_softmax(2)
    targets = torch.randint(1, 5, (2, 3))
    ours_lp, ours_targets = lp.numpy(), targets.numpy()
    cases = [
        (dict(blank=5), [6, 6], [3, 2]),
        (dict(blank=-1), [6, 6], [3, 2]),
        ({}, [7, 6], [3, 2]),
        ({}, [-1, 6], [3, 2]),
        ({}, [6, 6], [4, 2]),
        ({}, [6, 6], [-1, 2]),
        ({}, [6], [3, 2]),
        ({}, [6, 6], [3, 2, 1]),
        (dict(reduction="bad"), [6, 6], [3, 2]),
    ]
    for options, input_lengths, target_lengths in cases:
        _raises_like(
            lambda o=options, i=input_lengths, t=target_lengths: F.ctc_loss(ours_lp, ours_targets, i, t, **o),
            lambda o=options, i=input_lengths, t=target_lengths: TF.ctc_loss(lp, targets, i, t, **o),
        )
    _raises_like(  # concatenated targets of the wrong total length
        lambda: F.ctc_loss(ours_lp, ours_targets.ravel()[:4], [6, 6], [3, 2]),
        lambda: TF.ctc_loss(lp, targets.ravel()[:4], [6, 6], [3, 2]),
    )
    _raises_like(  # 3-D targets
        lambda: F.ctc_loss(ours_lp, ours_targets[None], [6, 6], [3, 2]),
        lambda: TF.ctc_loss(lp, targets[None], [6, 6], [3, 2]),
    )
    _raises_like(  # integer log-probabilities
        lambda: F.ctc_loss(ours_lp.astype(np.int64), ours_targets, [6, 6], [3, 2]),
        lambda: TF.ctc_loss(lp.long(), targets, [6, 6], [3, 2]),
    )
    _raises_like(  # float lengths
        lambda: F.ctc_loss(ours_lp, ours_targets, np.array([6.0, 6.0]), [3, 2]),
        lambda: TF.ctc_loss(lp, targets, torch.tensor([6.0, 6.0]), torch.tensor([3, 2])),
    )
    _raises_like(  # empty input
        lambda: F.ctc_loss(ours_lp[:0], ours_targets, [0, 0], [0, 0]),
        lambda: TF.ctc_loss(lp[:0], targets, [0, 0], [0, 0]),
    )
    with pytest.raises(IndexError):  # (torch reads out of bounds: no torch behaviour to match)
        F.ctc_loss(ours_lp, np.full((2, 3), 7), [6, 6], [3, 2])


# ----- grid_sample -------------------------------------------------------------------------------
MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grid_sample_matches_torch(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(hash((mode, padding_mode, align_corners)) % 2**32)
    image = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    grid = rng.uniform(-1.4, 1.4, (2, 4, 7, 2)).astype(dtype)  # points outside the image too
    image_t, grid_t = torch.tensor(image, requires_grad=True), torch.tensor(grid, requires_grad=True)
    ours_image, ours_grid = ds.tensor(image, requires_grad=True), ds.tensor(grid, requires_grad=True)
    options = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    theirs = TF.grid_sample(image_t, grid_t, **options)
    ours = F.grid_sample(ours_image, ours_grid, **options)
    assert ours.shape == tuple(theirs.shape) == (2, 3, 4, 7) and ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **_tol(dtype))
    upstream = rng.standard_normal(theirs.shape).astype(dtype)
    theirs.backward(torch.tensor(upstream))
    ours.backward(upstream)
    np.testing.assert_allclose(ours_image.grad.numpy(), image_t.grad.numpy(), **_tol(dtype))
    np.testing.assert_allclose(ours_grid.grad.numpy(), grid_t.grad.numpy(), **_tol(dtype))


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grid_sample_volumes_match_torch(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(hash((mode, padding_mode, align_corners, 3)) % 2**32)
    volume = rng.standard_normal((2, 2, 3, 4, 5)).astype(dtype)
    grid = rng.uniform(-1.4, 1.4, (2, 2, 3, 4, 3)).astype(dtype)
    volume_t, grid_t = torch.tensor(volume, requires_grad=True), torch.tensor(grid, requires_grad=True)
    ours_volume, ours_grid = ds.tensor(volume, requires_grad=True), ds.tensor(grid, requires_grad=True)
    options = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    theirs = TF.grid_sample(volume_t, grid_t, **options)
    ours = F.grid_sample(ours_volume, ours_grid, **options)
    assert ours.shape == tuple(theirs.shape) == (2, 2, 2, 3, 4) and ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **_tol(dtype))
    upstream = rng.standard_normal(theirs.shape).astype(dtype)
    theirs.backward(torch.tensor(upstream))
    ours.backward(upstream)
    np.testing.assert_allclose(ours_volume.grad.numpy(), volume_t.grad.numpy(), **_tol(dtype))
    np.testing.assert_allclose(ours_grid.grad.numpy(), grid_t.grad.numpy(), **_tol(dtype))


def test_grid_sample_volume_gradcheck():
    rng = np.random.default_rng(14)
    volume = ds.tensor(rng.standard_normal((1, 2, 3, 3, 4)), requires_grad=True)
    grid = ds.tensor(rng.uniform(-1.2, 1.2, (1, 2, 2, 1, 3)), requires_grad=True)
    assert ds.gradcheck(
        lambda v, g: F.grid_sample(v, g, padding_mode="border", align_corners=False), volume, grid
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_grid_sample_gradcheck(mode, padding_mode):
    rng = np.random.default_rng(4)
    image = ds.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    # points away from pixel borders and from the padding's kinks, where the sample is smooth
    grid = ds.tensor(rng.uniform(-1.2, 1.2, (1, 3, 2, 2)), requires_grad=True)

    def sample(x, g):
        return F.grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=False)

    assert ds.gradcheck(sample, image, grid)


def test_grid_sample_nearest_input_gradcheck():
    rng = np.random.default_rng(6)
    image = ds.tensor(rng.standard_normal((2, 2, 3, 4)), requires_grad=True)
    grid = rng.uniform(-1.1, 1.1, (2, 5, 3, 2))
    assert ds.gradcheck(lambda x: F.grid_sample(x, grid, mode="nearest", align_corners=True), image)


def test_grid_sample_identity_grid_and_empty_batches():
    rng = np.random.default_rng(8)
    image = rng.standard_normal((2, 3, 4, 5))
    theta = np.tile(np.array([[1.0, 0, 0], [0, 1, 0]]), (2, 1, 1))
    for align_corners in (False, True):
        grid = F.affine_grid(theta, image.shape, align_corners=align_corners)
        same = F.grid_sample(image, grid, align_corners=align_corners)
        np.testing.assert_allclose(same.numpy(), image, atol=1e-12)
    for image_shape, grid_shape in (
        ((0, 3, 4, 5), (0, 2, 2, 2)),
        ((2, 0, 4, 5), (2, 2, 2, 2)),
        ((2, 3, 4, 5), (2, 0, 2, 2)),
    ):
        x, g = np.zeros(image_shape, np.float32), np.zeros(grid_shape, np.float32)
        ours = F.grid_sample(x, g, align_corners=False)
        theirs = TF.grid_sample(torch.tensor(x), torch.tensor(g), align_corners=False)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float32


def test_grid_sample_errors_and_warning_like_torch():
    image, grid = torch.randn(2, 3, 5, 6), torch.rand(2, 4, 7, 2) * 2 - 1
    x, g = image.numpy(), grid.numpy()
    cases = [
        (x[:1], g, image[:1], grid),  # batch sizes differ
        (x, np.zeros((2, 4, 7, 3), np.float32), image, torch.zeros(2, 4, 7, 3)),
        (x, g[..., 0], image, grid[..., 0]),
        (x, g.astype(np.float64), image, grid.double()),
        (x.astype(np.int64), g, image.long(), grid),
        (x[:, :, :0], g, image[:, :, :0], grid),
    ]
    for ours_x, ours_g, theirs_x, theirs_g in cases:
        _raises_like(
            lambda a=ours_x, b=ours_g: F.grid_sample(a, b, align_corners=False),
            lambda a=theirs_x, b=theirs_g: TF.grid_sample(a, b, align_corners=False),
        )
    volume, volume_grid = torch.randn(2, 3, 4, 5, 6), torch.rand(2, 2, 3, 4, 3) * 2 - 1
    for ours_args, theirs_args, mode in (
        ((volume.numpy(), volume_grid.numpy()), (volume, volume_grid), "bicubic"),  # bicubic is 2-D only
        ((volume.numpy(), volume_grid.numpy()[..., :2]), (volume, volume_grid[..., :2]), "bilinear"),
        ((volume.numpy(), g), (volume, grid), "bilinear"),  # a 4-D grid for a volume
    ):
        _raises_like(
            lambda a=ours_args, m=mode: F.grid_sample(*a, mode=m, align_corners=False),
            lambda a=theirs_args, m=mode: TF.grid_sample(*a, mode=m, align_corners=False),
        )
    _raises_like(
        lambda: F.grid_sample(x, g, mode="linear", align_corners=False),
        lambda: TF.grid_sample(image, grid, mode="linear", align_corners=False),
    )
    _raises_like(
        lambda: F.grid_sample(x, g, padding_mode="circular", align_corners=False),
        lambda: TF.grid_sample(image, grid, padding_mode="circular", align_corners=False),
    )
    with pytest.warns(UserWarning, match="align_corners"):
        F.grid_sample(x, g)


# ----- affine_grid -------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(2, 3, 5, 6), (2, 1, 1, 4), (2, 3, 4, 5, 6), (2, 1, 1, 1, 3)])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_grid_matches_torch(size, align_corners, dtype):
    rng = np.random.default_rng(len(size) * 10 + size[-1])
    dims = len(size) - 2
    theta = rng.standard_normal((2, dims, dims + 1)).astype(dtype)
    theirs_theta, ours_theta = torch.tensor(theta, requires_grad=True), ds.tensor(theta, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the unit-size warning, checked below)
        theirs = TF.affine_grid(theirs_theta, size, align_corners=align_corners)
        ours = F.affine_grid(ours_theta, size, align_corners=align_corners)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **_tol(dtype))
    upstream = rng.standard_normal(theirs.shape).astype(dtype)
    theirs.backward(torch.tensor(upstream))
    ours.backward(upstream)
    np.testing.assert_allclose(ours_theta.grad.numpy(), theirs_theta.grad.numpy(), **_tol(dtype))


def test_affine_grid_gradcheck_and_errors():
    rng = np.random.default_rng(1)
    theta = ds.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert ds.gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False), theta)
    theta_t = torch.randn(2, 2, 3)
    ours_theta = theta_t.numpy()
    for size, ours, theirs in (
        ((2, 3, 5), ours_theta, theta_t),
        ((2, 3, 5, 6, 7), ours_theta, theta_t),
        ((2, 3, 5, 6), ours_theta.astype(np.int64), theta_t.long()),
        ((2, 3, 0, 6), ours_theta, theta_t),
        ((0, 3, 2, 6), ours_theta[:0], theta_t[:0]),
    ):
        _raises_like(
            lambda s=size, t=ours: F.affine_grid(t, s, align_corners=False),
            lambda s=size, t=theirs: TF.affine_grid(t, s, align_corners=False),
        )
    with pytest.warns(UserWarning, match="unit-size"):
        F.affine_grid(ours_theta, (2, 3, 1, 6), align_corners=True)
    with pytest.warns(UserWarning, match="align_corners"):
        F.affine_grid(ours_theta, (2, 3, 4, 6))
