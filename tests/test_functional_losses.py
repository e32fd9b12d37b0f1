"""Losses of `functional` and their nn modules against PyTorch: targets that are learned (the BCE
regression), extreme logits, ignored and empty batches, exception types, the deprecated
size_average/reduce pair, module constructors, reprs and state dicts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
import deepstep.nn as nn

TF = torch.nn.functional


def _pair(data, grad=True):
    data = np.asarray(data)
    grad = grad and data.dtype.kind == "f"
    return ds.Tensor(data, requires_grad=grad), torch.tensor(data, requires_grad=grad)


def _assert_same(ours, theirs, rtol=1e-6, atol=1e-12):
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _compare(ours_fn, torch_fn, *arrays, rtol=1e-6, atol=1e-12, grad=True, learned=None):
    """Values, dtypes and the gradient of every floating input (of those in `learned`) equal PyTorch's."""
    pairs = [_pair(a, grad and (learned is None or i in learned)) for i, a in enumerate(arrays)]
    out = ours_fn(*[p[0] for p in pairs])
    ref = torch_fn(*[p[1] for p in pairs])
    _assert_same(out, ref, rtol, atol)
    if not grad:
        return out
    upstream = np.random.default_rng(1).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for mine, theirs in pairs:
        if theirs.requires_grad:
            _assert_same(mine.grad, theirs.grad, rtol, atol)
    return out


def _raises_like(ours, theirs):
    """ours() raises an exception of the type PyTorch's theirs() raises (deepstep's may be a subclass)."""
    with pytest.raises(Exception) as expected:  # the type is what is being found out
        theirs()
    with pytest.raises(expected.type):
        ours()


RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((4, 5))
PROBS = 1 / (1 + np.exp(-RNG.standard_normal((4, 5))))
SOFT_TARGET = RNG.random((4, 5))
CLASS_WEIGHT = RNG.uniform(0.5, 2, 5)


# ----- binary cross-entropy passes the gradient on to a target (and a weight) --------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_gives_a_target_that_requires_grad_its_gradient(reduction):
    _compare(
        lambda p, y: F.binary_cross_entropy(p, y, weight=CLASS_WEIGHT, reduction=reduction),
        lambda p, y: TF.binary_cross_entropy(
            p, y, weight=torch.from_numpy(CLASS_WEIGHT), reduction=reduction
        ),
        PROBS,
        SOFT_TARGET,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("pos_weight", [None, CLASS_WEIGHT])
def test_bce_with_logits_gives_a_target_that_requires_grad_its_gradient(reduction, pos_weight):
    torch_pos = None if pos_weight is None else torch.from_numpy(pos_weight)
    _compare(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pos_weight),
        lambda x, y: TF.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=torch_pos),
        LOGITS,
        SOFT_TARGET,
    )


@pytest.mark.parametrize("with_logits", [False, True])
def test_a_learned_bce_weight_gets_the_unweighted_losses_as_its_gradient(with_logits):
    # PyTorch refuses a weight that requires grad; the gradient of Σ wᵢℓᵢ with respect to w is ℓ
    ours_fn = F.binary_cross_entropy_with_logits if with_logits else F.binary_cross_entropy
    torch_fn = TF.binary_cross_entropy_with_logits if with_logits else TF.binary_cross_entropy
    inputs = LOGITS if with_logits else PROBS
    weight = ds.Tensor(CLASS_WEIGHT, requires_grad=True)
    ours_fn(inputs, SOFT_TARGET, weight=weight, reduction="sum").backward()
    losses = torch_fn(torch.tensor(inputs), torch.tensor(SOFT_TARGET), reduction="none")
    np.testing.assert_allclose(weight.grad.numpy(), losses.sum(0).numpy(), rtol=1e-12)


def test_bce_weight_broadcasts_like_torch():
    weight = RNG.uniform(0.5, 2, (4, 1))
    _compare(
        lambda p: F.binary_cross_entropy(p, SOFT_TARGET, weight=weight),
        lambda p: TF.binary_cross_entropy(p, torch.from_numpy(SOFT_TARGET), weight=torch.from_numpy(weight)),
        PROBS,
    )


# ----- extreme inputs: finite, and equal to PyTorch where PyTorch is finite ------------------------
EXTREME = np.where(RNG.random((4, 5)) > 0.5, 1e4, -1e4) * RNG.choice([1.0, 0.5, 1e-4], (4, 5))
LABELS = np.array([2, 0, 4, 1])

EXTREME_CASES = {
    "cross_entropy": (
        lambda x: F.cross_entropy(x, LABELS),
        lambda x: TF.cross_entropy(x, torch.from_numpy(LABELS)),
    ),
    "cross_entropy_smoothing": (
        lambda x: F.cross_entropy(x, LABELS, label_smoothing=0.2, weight=CLASS_WEIGHT.astype(x.dtype)),
        lambda x: TF.cross_entropy(
            x,
            torch.from_numpy(LABELS),
            label_smoothing=0.2,
            weight=torch.from_numpy(CLASS_WEIGHT).to(x.dtype),
        ),
    ),
    "cross_entropy_probs": (
        lambda x: F.cross_entropy(x, SOFT_TARGET.astype(x.dtype), label_smoothing=0.1),
        lambda x: TF.cross_entropy(x, torch.from_numpy(SOFT_TARGET).to(x.dtype), label_smoothing=0.1),
    ),
    "nll_loss": (
        lambda x: F.nll_loss(F.log_softmax(x, dim=1), LABELS),
        lambda x: TF.nll_loss(TF.log_softmax(x, dim=1), torch.from_numpy(LABELS)),
    ),
    "bce_with_logits": (
        lambda x: F.binary_cross_entropy_with_logits(x, SOFT_TARGET, pos_weight=CLASS_WEIGHT),
        lambda x: TF.binary_cross_entropy_with_logits(
            x,
            torch.from_numpy(SOFT_TARGET).to(x.dtype),
            pos_weight=torch.from_numpy(CLASS_WEIGHT).to(x.dtype),
        ),
    ),
    "bce_of_sigmoid": (
        lambda x: F.binary_cross_entropy(F.sigmoid(x), SOFT_TARGET),
        lambda x: TF.binary_cross_entropy(torch.sigmoid(x), torch.from_numpy(SOFT_TARGET).to(x.dtype)),
    ),
    "multilabel_soft_margin": (
        lambda x: F.multilabel_soft_margin_loss(x, SOFT_TARGET > 0.5),
        lambda x: TF.multilabel_soft_margin_loss(x, torch.from_numpy(SOFT_TARGET > 0.5).to(x.dtype)),
    ),
    "kl_div_log_target": (
        lambda x: F.kl_div(
            F.log_softmax(x, dim=1), F.log_softmax(-x, dim=1), reduction="batchmean", log_target=True
        ),
        lambda x: TF.kl_div(
            TF.log_softmax(x, dim=1), TF.log_softmax(-x, dim=1), reduction="batchmean", log_target=True
        ),
    ),
    "smooth_l1": (lambda x: F.smooth_l1_loss(x, -x), lambda x: TF.smooth_l1_loss(x, -x)),
    "huber": (lambda x: F.huber_loss(x, -x, delta=2.0), lambda x: TF.huber_loss(x, -x, delta=2.0)),
    "multi_margin": (
        lambda x: F.multi_margin_loss(x, LABELS, p=2),
        lambda x: TF.multi_margin_loss(x, torch.from_numpy(LABELS), p=2),
    ),
    "cosine_embedding": (
        lambda x: F.cosine_embedding_loss(x, x.flip(0), np.array([1, -1, 1, -1])),
        lambda x: TF.cosine_embedding_loss(x, x.flip(0), torch.tensor([1, -1, 1, -1])),
    ),
    "triplet_margin": (
        lambda x: F.triplet_margin_loss(x, -x, x.flip(0), swap=True),
        lambda x: TF.triplet_margin_loss(x, -x, x.flip(0), swap=True),
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(EXTREME_CASES))
def test_losses_of_extreme_inputs_are_finite_and_equal_torch(name, dtype):
    ours_fn, torch_fn = EXTREME_CASES[name]
    x, tx = _pair(EXTREME.astype(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no division by zero
        loss = ours_fn(x)
        loss.backward()
    reference = torch_fn(tx)
    reference.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
    tolerance = {"rtol": 1e-6, "atol": 1e-9} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}
    _assert_same(loss, reference, **tolerance)
    _assert_same(x.grad, tx.grad, **tolerance)


def test_soft_margin_loss_stays_finite_where_torchs_formula_overflows():
    x = ds.Tensor(np.array([1e4, -1e4, 30.0, 0.5]), requires_grad=True)
    y = np.array([-1.0, 1.0, -1.0, 1.0])
    loss = F.soft_margin_loss(x, y, reduction="sum")
    loss.backward()
    # log(1 + e^z) → z for large z: the value and slope PyTorch's log1p(exp(z)) has before it overflows
    moderate = TF.soft_margin_loss(
        torch.tensor([30.0, 0.5], dtype=torch.float64), torch.tensor([-1.0, 1.0]), reduction="sum"
    )
    assert loss.item() == pytest.approx(2e4 + moderate.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy()[:2], [1.0, -1.0])


# ----- ignored samples, empty batches, dtypes ----------------------------------------------------
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_every_label_ignored_gives_torchs_nan_or_zero(reduction, label_smoothing):
    labels = np.full(4, -100)
    out = _compare(
        lambda x: F.cross_entropy(x, labels, reduction=reduction, label_smoothing=label_smoothing),
        lambda x: TF.cross_entropy(
            x, torch.from_numpy(labels), reduction=reduction, label_smoothing=label_smoothing
        ),
        LOGITS,
        grad=False,
    )
    assert np.isnan(out.numpy()).all() == (reduction == "mean")
    _compare(
        lambda x: F.nll_loss(x, labels, reduction=reduction),
        lambda x: TF.nll_loss(x, torch.from_numpy(labels), reduction=reduction),
        LOGITS,
        grad=False,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_an_empty_batch_gives_torchs_nan_zero_or_empty(reduction):
    empty = np.zeros((0, 5))
    labels = np.zeros(0, dtype=np.int64)
    _compare(
        lambda x: F.cross_entropy(x, labels, reduction=reduction),
        lambda x: TF.cross_entropy(x, torch.from_numpy(labels), reduction=reduction),
        empty,
        grad=False,
    )
    _compare(
        lambda x: F.mse_loss(x, empty, reduction=reduction),
        lambda x: TF.mse_loss(x, torch.from_numpy(empty), reduction=reduction),
        empty,
        grad=False,
    )


def test_float32_logits_stay_float32_with_float64_weights_and_labels_of_any_integer_type():
    x = ds.tensor(LOGITS.astype(np.float32), requires_grad=True)
    for labels in (LABELS, LABELS.astype(np.int32), LABELS.astype(np.uint8)):
        loss = F.cross_entropy(x, labels, weight=CLASS_WEIGHT, label_smoothing=0.1)
        assert loss.dtype == np.float32
        loss.backward()
        assert x.grad.dtype == np.float32


def test_unbatched_and_k_dimensional_input_against_torch():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 5, 3, 4))
    labels = rng.integers(0, 5, (2, 3, 4))
    labels[0, 0, 0] = -100
    for reduction in ("mean", "sum", "none"):
        _compare(
            lambda x, r=reduction: F.cross_entropy(
                x, labels, weight=CLASS_WEIGHT, reduction=r, label_smoothing=0.3
            ),
            lambda x, r=reduction: TF.cross_entropy(
                x,
                torch.from_numpy(labels),
                weight=torch.from_numpy(CLASS_WEIGHT),
                reduction=r,
                label_smoothing=0.3,
            ),
            logits,
        )
    _compare(
        lambda x: F.cross_entropy(x, np.array(4), reduction="none"),
        lambda x: TF.cross_entropy(x, torch.tensor(4), reduction="none"),
        logits[0, :, 0, 0],
    )


# ----- the deprecated size_average / reduce pair ----------------------------------------------------
@pytest.mark.parametrize(
    ("size_average", "reduce"), [(False, None), (None, False), (True, True), (False, True)]
)
def test_size_average_and_reduce_mean_what_they_meant_in_torch(size_average, reduce):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        _compare(
            lambda x: F.cross_entropy(x, LABELS, size_average=size_average, reduce=reduce),
            lambda x: TF.cross_entropy(x, torch.from_numpy(LABELS), size_average=size_average, reduce=reduce),
            LOGITS,
        )
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.MSELoss(size_average, reduce).reduction == torch.nn.MSELoss(size_average, reduce).reduction


def test_kl_div_mean_warns_as_torch_and_batchmean_of_a_scalar():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        _compare(F.kl_div, TF.kl_div, np.log(PROBS), SOFT_TARGET)
    _compare(
        lambda x, y: F.kl_div(x, y, reduction="batchmean"),
        lambda x, y: TF.kl_div(x, y, reduction="batchmean"),
        np.array(-1.0),
        np.array(0.5),
    )


def test_kl_div_at_a_zero_target_gives_torchs_zero_loss_and_nan_target_gradient():
    _compare(
        lambda x, y: F.kl_div(x, y, reduction="sum"),
        lambda x, y: TF.kl_div(x, y, reduction="sum"),
        np.log(PROBS),
        np.where(SOFT_TARGET > 0.5, SOFT_TARGET, 0.0),
        atol=0,
    )


def test_gaussian_nll_variance_forms_and_clamp_like_torch():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    variance = rng.uniform(0, 2e-6, (4, 3))  # mostly below ε: clamped in the value only
    _compare(F.gaussian_nll_loss, TF.gaussian_nll_loss, x, y, variance)
    _compare(F.gaussian_nll_loss, TF.gaussian_nll_loss, x, y, rng.uniform(0.5, 2, (4, 1)))
    _compare(F.gaussian_nll_loss, TF.gaussian_nll_loss, x, y, rng.uniform(0.5, 2, (4,)))
    _compare(
        lambda a, b: F.gaussian_nll_loss(a, b, 0.5, reduction="none"),
        lambda a, b: TF.gaussian_nll_loss(a, b, 0.5, reduction="none"),
        x,
        y,
    )


def test_poisson_nll_with_the_stirling_term_and_learned_counts():
    rng = np.random.default_rng(2)
    counts = rng.poisson(2.0, (4, 5)).astype(np.float64) + rng.uniform(0, 0.1, (4, 5))
    _compare(
        lambda x, y: F.poisson_nll_loss(x, y, full=True, reduction="sum"),
        lambda x, y: TF.poisson_nll_loss(x, y, full=True, reduction="sum"),
        LOGITS,
        counts,
    )


# ----- errors -----------------------------------------------------------------------------------
def _errors():
    x = np.random.default_rng(0).standard_normal((3, 4))
    labels = np.array([0, 1, 2])
    d = ds.tensor(x)
    t = torch.tensor(x)
    tl = torch.from_numpy(labels)
    return [
        (
            "ce_label_too_big",
            lambda: F.cross_entropy(d, np.array([0, 1, 4])),
            lambda: TF.cross_entropy(t, torch.tensor([0, 1, 4])),
        ),
        (
            "ce_negative_label",
            lambda: F.cross_entropy(d, np.array([0, -1, 2])),
            lambda: TF.cross_entropy(t, torch.tensor([0, -1, 2])),
        ),
        ("ce_batch", lambda: F.cross_entropy(d, labels[:2]), lambda: TF.cross_entropy(t, tl[:2])),
        (
            "ce_kdim_shape",
            lambda: F.cross_entropy(ds.zeros(2, 3, 4), np.zeros((2, 3), int)),
            lambda: TF.cross_entropy(torch.zeros(2, 3, 4), torch.zeros(2, 3, dtype=torch.long)),
        ),
        (
            "ce_kdim_label",
            lambda: F.cross_entropy(ds.zeros(2, 3, 4), np.full((2, 4), 3)),
            lambda: TF.cross_entropy(torch.zeros(2, 3, 4), torch.full((2, 4), 3)),
        ),
        (
            "ce_float_labels",
            lambda: F.cross_entropy(d, labels.astype(float)),
            lambda: TF.cross_entropy(t, tl.double()),
        ),
        (
            "ce_probs_shape",
            lambda: F.cross_entropy(d, np.ones((3, 5))),
            lambda: TF.cross_entropy(t, torch.ones(3, 5, dtype=t.dtype)),
        ),
        (
            "ce_smoothing",
            lambda: F.cross_entropy(d, labels, label_smoothing=1.5),
            lambda: TF.cross_entropy(t, tl, label_smoothing=1.5),
        ),
        (
            "ce_weight",
            lambda: F.cross_entropy(d, labels, weight=np.ones(3)),
            lambda: TF.cross_entropy(t, tl, weight=torch.ones(3, dtype=t.dtype)),
        ),
        (
            "ce_reduction",
            lambda: F.cross_entropy(d, labels, reduction="avg"),
            lambda: TF.cross_entropy(t, tl, reduction="avg"),
        ),
        (
            "ce_unbatched_label",
            lambda: F.cross_entropy(d[0], np.array(7)),
            lambda: TF.cross_entropy(t[0], torch.tensor(7)),
        ),
        ("nll_0d", lambda: F.nll_loss(d[0, 0], np.array(0)), lambda: TF.nll_loss(t[0, 0], torch.tensor(0))),
        (
            "nll_label",
            lambda: F.nll_loss(d, np.array([0, 9, 1])),
            lambda: TF.nll_loss(t, torch.tensor([0, 9, 1])),
        ),
        ("nll_batch", lambda: F.nll_loss(d, labels[:1]), lambda: TF.nll_loss(t, tl[:1])),
        (
            "bce_range",
            lambda: F.binary_cross_entropy(d, np.zeros((3, 4))),
            lambda: TF.binary_cross_entropy(t, torch.zeros(3, 4, dtype=t.dtype)),
        ),
        (
            "bce_shape",
            lambda: F.binary_cross_entropy(d[:, :1].abs() / 9, np.zeros(3)),
            lambda: TF.binary_cross_entropy(t[:, :1].abs() / 9, torch.zeros(3, dtype=t.dtype)),
        ),
        (
            "bce_logits_shape",
            lambda: F.binary_cross_entropy_with_logits(d, np.zeros(4)),
            lambda: TF.binary_cross_entropy_with_logits(t, torch.zeros(4, dtype=t.dtype)),
        ),
        (
            "bce_weight",
            lambda: F.binary_cross_entropy_with_logits(d, np.zeros((3, 4)), weight=np.ones((2, 3, 4))),
            lambda: TF.binary_cross_entropy_with_logits(
                t, torch.zeros(3, 4, dtype=t.dtype), weight=torch.ones(2, 3, 4, dtype=t.dtype)
            ),
        ),
        ("huber_delta", lambda: F.huber_loss(d, d, delta=0.0), lambda: TF.huber_loss(t, t, delta=0.0)),
        (
            "smooth_l1_beta",
            lambda: F.smooth_l1_loss(d, d, beta=-1.0),
            lambda: TF.smooth_l1_loss(t, t, beta=-1.0),
        ),
        (
            "mse_weight",
            lambda: F.mse_loss(d, d, weight=np.ones(4)),
            lambda: TF.mse_loss(t, t, weight=torch.ones(4, dtype=t.dtype)),
        ),
        ("kl_reduction", lambda: F.kl_div(d, d, reduction="avg"), lambda: TF.kl_div(t, t, reduction="avg")),
        (
            "gaussian_var_negative",
            lambda: F.gaussian_nll_loss(d, d, -d.abs()),
            lambda: TF.gaussian_nll_loss(t, t, -t.abs()),
        ),
        (
            "gaussian_var_size",
            lambda: F.gaussian_nll_loss(d, d, np.ones(4)),
            lambda: TF.gaussian_nll_loss(t, t, torch.ones(4, dtype=t.dtype)),
        ),
        (
            "gaussian_reduction",
            lambda: F.gaussian_nll_loss(d, d, d.abs(), reduction="avg"),
            lambda: TF.gaussian_nll_loss(t, t, t.abs(), reduction="avg"),
        ),
        (
            "triplet_margin",
            lambda: F.triplet_margin_loss(d, d, d, margin=0.0),
            lambda: TF.triplet_margin_loss(t, t, t, margin=0.0),
        ),
        (
            "triplet_dims",
            lambda: F.triplet_margin_loss(d, d[0], d),
            lambda: TF.triplet_margin_loss(t, t[0], t),
        ),
        (
            "ranking_dims",
            lambda: F.margin_ranking_loss(d[0], d[:1], np.ones(4)),
            lambda: TF.margin_ranking_loss(t[0], t[:1], torch.ones(4, dtype=t.dtype)),
        ),
        (
            "cosine_embedding_dims",
            lambda: F.cosine_embedding_loss(d, d, np.ones((3, 4))),
            lambda: TF.cosine_embedding_loss(t, t, torch.ones(3, 4)),
        ),
        (
            "cosine_embedding_rank",
            lambda: F.cosine_embedding_loss(d[None], d[None], np.ones(1)),
            lambda: TF.cosine_embedding_loss(t[None], t[None], torch.ones(1)),
        ),
        (
            "multi_margin_p",
            lambda: F.multi_margin_loss(d, labels, p=3),
            lambda: TF.multi_margin_loss(t, tl, p=3),
        ),
        (
            "multi_margin_label",
            lambda: F.multi_margin_loss(d, np.array([0, 4, 1])),
            lambda: TF.multi_margin_loss(t, torch.tensor([0, 4, 1])),
        ),
        (
            "soft_margin_shape",
            lambda: F.soft_margin_loss(d[:, :1], np.ones(3)),
            lambda: TF.soft_margin_loss(t[:, :1], torch.ones(3, dtype=t.dtype)),
        ),
    ]


@pytest.mark.parametrize(("name", "ours", "theirs"), _errors(), ids=[e[0] for e in _errors()])
def test_errors_have_torchs_exception_types(name, ours, theirs):
    _raises_like(ours, theirs)


def test_label_errors_say_what_was_expected():
    with pytest.raises(IndexError, match=r"Target 4 is out of bounds.*\[0, 3\]"):
        F.cross_entropy(ds.zeros(2, 4), np.array([0, 4]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target batch_size \(3\)"):
        F.nll_loss(ds.zeros(2, 4), np.array([0, 1, 2]))


# ----- modules ---------------------------------------------------------------------------------
def _inputs(kind):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5))
    return {
        "labels": (x, LABELS),
        "ignored": (x, np.array([2, -100, 4, 1])),
        "log_probs": (np.log(PROBS / PROBS.sum(1, keepdims=True)), LABELS),
        "probs": (PROBS, SOFT_TARGET),
        "real": (x, rng.standard_normal((4, 5))),
        "binary": (x, (SOFT_TARGET > 0.5).astype(np.float64)),
        "signs": (x, np.sign(rng.standard_normal((4, 5)))),
        "counts": (x, rng.poisson(2.0, (4, 5)).astype(np.float64)),
        "pairs": (x, rng.standard_normal((4, 5)), np.array([1, -1, -1, 1])),
        "ranks": (x[:, 0], x[:, 1], np.array([1.0, -1.0, 1.0, -1.0])),
        "gaussian": (x, rng.standard_normal((4, 5)), rng.uniform(0.5, 2, (4, 5))),
        "triplets": (x, rng.standard_normal((4, 5)), rng.standard_normal((4, 5))),
    }[kind]


LOSS_MODULES = [
    ("MSELoss", (), {}, "real"),
    ("L1Loss", (), {"reduction": "sum"}, "real"),
    ("HuberLoss", (), {"delta": 0.5}, "real"),
    ("SmoothL1Loss", (), {"beta": 0.5}, "real"),
    ("KLDivLoss", (), {"reduction": "batchmean", "log_target": True}, "real"),
    ("BCELoss", (), {"weight": CLASS_WEIGHT}, "probs"),
    ("BCEWithLogitsLoss", (), {"pos_weight": CLASS_WEIGHT, "reduction": "none"}, "binary"),
    ("CrossEntropyLoss", (), {"weight": CLASS_WEIGHT, "label_smoothing": 0.1}, "ignored"),
    ("CrossEntropyLoss", (), {"ignore_index": 4, "reduction": "sum"}, "labels"),
    ("NLLLoss", (CLASS_WEIGHT,), {"ignore_index": 1}, "log_probs"),
    ("MultiMarginLoss", (2, 0.5), {}, "labels"),
    ("MultiLabelSoftMarginLoss", (CLASS_WEIGHT,), {}, "binary"),
    ("SoftMarginLoss", (), {}, "signs"),
    ("PoissonNLLLoss", (True, True), {}, "counts"),
    ("GaussianNLLLoss", (), {"full": True}, "gaussian"),
    ("CosineEmbeddingLoss", (0.3,), {}, "pairs"),
    ("MarginRankingLoss", (0.2,), {"reduction": "none"}, "ranks"),
    ("HingeEmbeddingLoss", (0.5,), {}, "signs"),
    ("TripletMarginLoss", (0.5, 1.0), {"swap": True}, "triplets"),
]


def _torch_value(value):
    return torch.from_numpy(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "kind"), LOSS_MODULES, ids=[m[0] + "-" + m[3] for m in LOSS_MODULES]
)
def test_loss_modules_equal_torch_nn(name, args, kwargs, kind):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(
        *map(_torch_value, args), **{k: _torch_value(v) for k, v in kwargs.items()}
    )
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    inputs = _inputs(kind)
    learned = {0, 2} if kind == "gaussian" else set(range(len(inputs) - (kind != "triplets")))
    _compare(ours, theirs, *inputs, learned=learned)


def test_loss_module_weights_are_buffers_that_follow_the_dtype():
    loss = nn.CrossEntropyLoss(weight=CLASS_WEIGHT)
    assert loss.state_dict()["weight"].dtype == np.float64
    assert loss.float().state_dict()["weight"].dtype == np.float32
    assert nn.BCEWithLogitsLoss(pos_weight=ds.tensor([1.0, 2.0])).state_dict()["pos_weight"].tolist() == [
        1.0,
        2.0,
    ]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    with pytest.raises(ValueError, match="reduction"):
        nn.KLDivLoss(reduction="average")
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
