"""functional's and nn's additions against PyTorch: gumbel_softmax (the soft sample and the
straight-through gradient of the hard one), bilinear and nn.Bilinear (a PyTorch state_dict loads,
the initialisation's bounds), the new losses and their modules, nn.Softplus, F.relu_ and
F.leaky_relu_; and the torch.* aliases with inference_mode."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
import deepstep.nn as nn
from torch_oracle import same_error as _same_error


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_equals_torch_with_the_same_noise(hard, torch):
    logits = np.random.default_rng(0).standard_normal((4, 5))
    noise = -np.log(np.random.default_rng(7).exponential(size=logits.shape))  # what seed=7 draws
    ours = ds.tensor(logits, requires_grad=True)
    y = F.gumbel_softmax(ours, tau=0.5, hard=hard, dim=1, seed=7)
    theirs = torch.tensor(logits, requires_grad=True)
    soft = torch.softmax((theirs + torch.tensor(noise)) / 0.5, dim=1)
    if hard:
        one_hot = torch.zeros_like(soft).scatter_(1, soft.argmax(1, keepdim=True), 1.0)
        soft = one_hot - soft.detach() + soft
    np.testing.assert_allclose(y.data, soft.detach().numpy(), rtol=1e-12)
    weights = np.arange(20.0).reshape(4, 5)
    (y * weights).sum().backward()
    (soft * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    if hard:
        assert set(np.unique(y.data)) == {0.0, 1.0} and np.all(y.data.sum(1) == 1)


def test_gumbel_softmax_samples_the_categorical_law():
    logits = ds.tensor(np.log([0.2, 0.5, 0.3]))
    draws = F.gumbel_softmax(logits.expand(20_000, 3), hard=True, seed=1).data
    np.testing.assert_allclose(draws.mean(0), [0.2, 0.5, 0.3], atol=0.015)


def test_bilinear_loads_a_torch_state_dict(torch):
    ours, theirs = nn.Bilinear(3, 4, 5, dtype=np.float64, seed=0), torch.nn.Bilinear(3, 4, 5).double()
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x1, x2 = (
        np.random.default_rng(1).standard_normal((2, 6, 3)),
        np.random.default_rng(2).standard_normal((2, 6, 4)),
    )
    np.testing.assert_allclose(
        ours(ds.tensor(x1), ds.tensor(x2)).data,
        theirs(torch.tensor(x1), torch.tensor(x2)).detach().numpy(),
        rtol=1e-12,
    )
    assert nn.Bilinear(2, 2, 2, bias=False).bias is None


def test_bilinear_initialisation_bounds():
    layer = nn.Bilinear(16, 4, 300, seed=3)
    bound = 1 / math.sqrt(16)
    for p in (layer.weight.data, layer.bias.data):
        assert p.dtype == np.float32 and np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound


def test_bilinear_errors(torch):
    _same_error(
        lambda: F.bilinear(ds.ones(2, 3), ds.ones(3, 4), ds.ones(5, 3, 4)),
        lambda: torch.nn.functional.bilinear(torch.ones(2, 3), torch.ones(3, 4), torch.ones(5, 3, 4)),
    )


def test_loss_modules_equal_torch(torch):
    rng = np.random.default_rng(4)
    x, labels = rng.standard_normal((3, 4)), np.array([[3, 0, -1, 1], [1, 1, -1, 2], [0, 1, 2, 3]])
    for reduction in ("mean", "sum", "none"):
        ours = nn.MultiLabelMarginLoss(reduction=reduction)(ds.tensor(x), ds.tensor(labels))
        theirs = torch.nn.MultiLabelMarginLoss(reduction=reduction)(torch.tensor(x), torch.tensor(labels))
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    a, p, n = (rng.standard_normal((3, 5)) for _ in range(3))
    for kwargs in ({}, {"margin": 2.0, "swap": True}):
        module = nn.TripletMarginWithDistanceLoss(**kwargs)
        reference = torch.nn.TripletMarginWithDistanceLoss(**kwargs)
        assert repr(module) == repr(reference)
        np.testing.assert_allclose(
            module(ds.tensor(a), ds.tensor(p), ds.tensor(n)).data,
            reference(torch.tensor(a), torch.tensor(p), torch.tensor(n)).numpy(),
            rtol=1e-12,
        )
    custom = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1.0))
    reference = torch.nn.TripletMarginWithDistanceLoss(distance_function=torch.nn.PairwiseDistance(p=1.0))
    np.testing.assert_allclose(
        custom(ds.tensor(a), ds.tensor(p), ds.tensor(n)).data,
        reference(torch.tensor(a), torch.tensor(p), torch.tensor(n)).numpy(),
        rtol=1e-12,
    )


LOSS_ERRORS = [
    pytest.param(
        lambda lib: lib.nn.functional.multilabel_margin_loss(lib.ones(2, 4), lib.ones(2, 3, dtype=lib.int64)),
        id="multilabel_size",
    ),
    pytest.param(
        lambda lib: lib.nn.functional.multilabel_margin_loss(lib.ones(2, 4), lib.ones(2, 4)),
        id="multilabel_float",
    ),
    pytest.param(
        lambda lib: lib.nn.functional.multilabel_margin_loss(lib.ones(2, 4), lib.tensor([[4, 0, -1, 1]] * 2)),
        id="multilabel_range",
    ),
    pytest.param(
        lambda lib: lib.nn.functional.multilabel_margin_loss(
            lib.ones(2, 3, 4), lib.ones(2, 3, 4, dtype=lib.int64)
        ),
        id="multilabel_3d",
    ),
    pytest.param(
        lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
            lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), margin=0
        ),
        id="triplet_margin",
    ),
    pytest.param(
        lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
            lib.ones(2, 3), lib.ones(2, 3), lib.ones(3)
        ),
        id="triplet_ndim",
    ),
    pytest.param(lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=-1.0), id="triplet_module_margin"),
]


@pytest.mark.parametrize("call", LOSS_ERRORS)
def test_loss_errors_have_torch_types(call, torch):
    _same_error(lambda: call(ds), lambda: call(torch))


def test_softplus_module_equals_torch(torch):
    x = np.linspace(-30, 30, 41)
    for args in ((), (2.0,), (0.5, 5.0)):
        ours, theirs = nn.Softplus(*args), torch.nn.Softplus(*args)
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(ds.tensor(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)


def test_functional_in_place_relus(torch):
    x = np.array([-1.5, 0.5, 2.0])
    for name, args in (("relu_", ()), ("leaky_relu_", (0.2,))):
        ours, theirs = ds.tensor(x.copy()), torch.tensor(x.copy())
        assert getattr(F, name)(ours, *args) is ours
        getattr(torch.nn.functional, name)(theirs, *args)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
        assert ours._version == theirs._version == 1
        _same_error(
            lambda n=name, a=args: getattr(F, n)(ds.tensor(x, requires_grad=True), *a),
            lambda n=name, a=args: getattr(torch.nn.functional, n)(torch.tensor(x, requires_grad=True), *a),
        )


ALIASES = [
    "cdist",
    "pdist",
    "cosine_similarity",
    "pairwise_distance",
    "dropout",
    "alpha_dropout",
    "feature_alpha_dropout",
    "selu",
    "celu",
    "prelu",
    "rrelu",
    "threshold",
    "hardshrink",
    "relu_",
    "selu_",
    "celu_",
    "rrelu_",
    "threshold_",
    "inference_mode",
    "is_inference_mode_enabled",
    "is_nonzero",
    "real",
    "imag",
    "conj",
    "resolve_conj",
    "resolve_neg",
]


def test_top_level_aliases_exist_where_torch_has_them(torch):
    for name in ALIASES:
        assert hasattr(torch, name), name
        assert hasattr(ds, name) and name in ds.__all__, name


def test_dropout_aliases_take_torchs_positional_train_flag(torch):
    x = ds.ones(1000)
    assert np.array_equal(ds.dropout(x, 0.5, False).data, x.data)
    kept = ds.dropout(x, 0.5, True).data
    assert set(np.unique(kept)) == {0.0, 2.0}
    np.testing.assert_array_equal(ds.alpha_dropout(x, 0.5, False).data, x.data)


def test_inference_mode_as_context_and_decorator():
    w = ds.ones(3, requires_grad=True)
    with ds.inference_mode():
        assert ds.is_inference_mode_enabled() and not ds.is_grad_enabled()
        assert not (w * 2).requires_grad
    assert not ds.is_inference_mode_enabled() and ds.is_grad_enabled()

    @ds.inference_mode
    def bare():
        return (w * 2).requires_grad, ds.is_inference_mode_enabled()

    @ds.inference_mode()
    def called():
        return (w * 2).requires_grad

    @ds.inference_mode(False)
    def off():
        return (w * 2).requires_grad

    assert bare() == (False, True) and called() is False and off() is True
    with ds.inference_mode(False):
        assert (w * 2).requires_grad
