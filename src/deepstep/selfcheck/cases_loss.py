"""Catalogue cases: losses of `functional` beyond the first ones (ignore_index, label smoothing,
K-dimensional and unbatched cross-entropy, targets that are learned, distributions, margins)."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .. import functional as F
from .case import OpCase

_rng = np.random.default_rng(7)
_LABELS = np.array([2, 0, 4, 1])
_IGNORED = np.array([2, -100, 4, 1])  # the second sample is skipped
_LABELS_K = _rng.integers(0, 5, (2, 3, 2))  # for logits (2, 5, 3, 2)
_LABELS_K[0, 1, 0] = _LABELS_K[1, 2, 1] = 3  # ignored with ignore_index=3, counted otherwise
_LABELS_NK = _rng.integers(0, 5, (3, 3))
_PROBS_K = _rng.dirichlet(np.ones(5), size=(2, 3)).transpose(0, 2, 1).copy()  # (2, 5, 3), sums over dim 1
_PROBS = _rng.dirichlet(np.ones(5), size=4)
_PROB_1 = _rng.dirichlet(np.ones(5))
_CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 0.25, 3.0])
_TARGET = _rng.standard_normal((4, 5))
_ELEMENT_WEIGHT = _rng.uniform(0.5, 2.0, (4, 5))
_BINARY = (_rng.random((4, 5)) > 0.5).astype(np.float64)
_SIGNS = np.where(_rng.random((4, 5)) > 0.5, 1.0, -1.0)
_SIGNS_4 = np.array([1, -1, -1, 1])
_SIGNS_6 = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
_COUNTS = _rng.poisson(2.0, (4, 5)).astype(np.float64)
_CTC_TARGETS = np.array([[1, 1, 3], [2, 3, 0]])  # (the second of length 2: its last entry is padding)


def _like(torch, array: np.ndarray, x):
    """A constant of the catalogue as a torch tensor of x's dtype."""
    return torch.from_numpy(array).to(x.dtype)


def _long(torch, array: np.ndarray):
    return torch.from_numpy(array)


def _tf(torch):
    return torch.nn.functional


CASES: tuple[OpCase, ...] = (
    # cross-entropy with labels: ignore_index, label smoothing, K dimensions, one sample
    OpCase(
        "cross_entropy_ignore_index",
        lambda a: F.cross_entropy(a, _IGNORED),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(a, _long(t, _IGNORED)),
    ),
    OpCase(
        "cross_entropy_ignore_index_weighted_none",
        lambda a: F.cross_entropy(a, _LABELS, weight=_CLASS_WEIGHT, ignore_index=4, reduction="none"),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(
            a, _long(t, _LABELS), weight=_like(t, _CLASS_WEIGHT, a), ignore_index=4, reduction="none"
        ),
    ),
    OpCase(
        "cross_entropy_smoothing",
        lambda a: F.cross_entropy(3 * a, _LABELS, label_smoothing=0.1),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(3 * a, _long(t, _LABELS), label_smoothing=0.1),
    ),
    OpCase(
        "cross_entropy_smoothing_weighted_ignored",
        lambda a: F.cross_entropy(a, _IGNORED, weight=_CLASS_WEIGHT, label_smoothing=0.2),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(
            a, _long(t, _IGNORED), weight=_like(t, _CLASS_WEIGHT, a), label_smoothing=0.2
        ),
    ),
    OpCase(
        "cross_entropy_smoothing_sum_ignored",
        lambda a: F.cross_entropy(a, _IGNORED, reduction="sum", label_smoothing=0.3),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(a, _long(t, _IGNORED), reduction="sum", label_smoothing=0.3),
    ),
    OpCase(
        "cross_entropy_smoothing_weighted_none",
        lambda a: F.cross_entropy(a, _LABELS, weight=_CLASS_WEIGHT, reduction="none", label_smoothing=0.15),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(
            a, _long(t, _LABELS), weight=_like(t, _CLASS_WEIGHT, a), reduction="none", label_smoothing=0.15
        ),
    ),
    OpCase(
        "cross_entropy_kdim",
        lambda a: F.cross_entropy(a, _LABELS_K),
        ((2, 5, 3, 2),),
        torch=lambda t, a: _tf(t).cross_entropy(a, _long(t, _LABELS_K)),
    ),
    OpCase(
        "cross_entropy_kdim_weighted_ignored_smoothing",
        lambda a: F.cross_entropy(a, _LABELS_K, weight=_CLASS_WEIGHT, ignore_index=3, label_smoothing=0.1),
        ((2, 5, 3, 2),),
        torch=lambda t, a: _tf(t).cross_entropy(
            a, _long(t, _LABELS_K), weight=_like(t, _CLASS_WEIGHT, a), ignore_index=3, label_smoothing=0.1
        ),
    ),
    OpCase(
        "cross_entropy_kdim_none",
        lambda a: F.cross_entropy(a, _LABELS_NK, reduction="none"),
        ((3, 5, 3),),
        torch=lambda t, a: _tf(t).cross_entropy(a, _long(t, _LABELS_NK), reduction="none"),
    ),
    OpCase(
        "cross_entropy_unbatched",
        lambda a: F.cross_entropy(a, np.array(3)),
        ((5,),),
        torch=lambda t, a: _tf(t).cross_entropy(a, t.tensor(3)),
    ),
    OpCase(
        "cross_entropy_unbatched_smoothing_none",
        lambda a: F.cross_entropy(a, np.array(1), reduction="none", label_smoothing=0.25),
        ((5,),),
        torch=lambda t, a: _tf(t).cross_entropy(a, t.tensor(1), reduction="none", label_smoothing=0.25),
    ),
    OpCase(
        "cross_entropy_extreme_logits",
        lambda a: F.cross_entropy(1e4 * a, _LABELS, label_smoothing=0.1),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(1e4 * a, _long(t, _LABELS), label_smoothing=0.1),
        rtol=1e-5,
    ),
    # cross-entropy with probabilities
    OpCase(
        "cross_entropy_probs_smoothing_weighted",
        lambda a: F.cross_entropy(a, _PROBS, weight=_CLASS_WEIGHT, label_smoothing=0.2),
        ((4, 5),),
        torch=lambda t, a: _tf(t).cross_entropy(
            a, _like(t, _PROBS, a), weight=_like(t, _CLASS_WEIGHT, a), label_smoothing=0.2
        ),
    ),
    OpCase(
        "cross_entropy_probs_kdim_none",
        lambda a: F.cross_entropy(a, _PROBS_K, reduction="none", label_smoothing=0.1),
        ((2, 5, 3),),
        torch=lambda t, a: _tf(t).cross_entropy(
            a, _like(t, _PROBS_K, a), reduction="none", label_smoothing=0.1
        ),
    ),
    OpCase(
        "cross_entropy_probs_unbatched",
        lambda a: F.cross_entropy(a, _PROB_1),
        ((5,),),
        torch=lambda t, a: _tf(t).cross_entropy(a, _like(t, _PROB_1, a)),
    ),
    OpCase(
        "cross_entropy_probs_learned",  # the target distribution requires grad too
        lambda a, b: F.cross_entropy(a, ag.softmax(b, dim=1)),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).cross_entropy(a, t.softmax(b, dim=1)),
    ),
    # negative log-likelihood
    OpCase(
        "nll_loss_ignore_index",
        lambda a: F.nll_loss(a, _IGNORED, weight=_CLASS_WEIGHT),
        ((4, 5),),
        torch=lambda t, a: _tf(t).nll_loss(a, _long(t, _IGNORED), weight=_like(t, _CLASS_WEIGHT, a)),
    ),
    OpCase(
        "nll_loss_kdim_none",
        lambda a: F.nll_loss(a, _LABELS_K, ignore_index=3, reduction="none"),
        ((2, 5, 3, 2),),
        torch=lambda t, a: _tf(t).nll_loss(a, _long(t, _LABELS_K), ignore_index=3, reduction="none"),
    ),
    OpCase(
        "nll_loss_kdim_mean",
        lambda a: F.nll_loss(a, _LABELS_NK, weight=_CLASS_WEIGHT),
        ((3, 5, 3),),
        torch=lambda t, a: _tf(t).nll_loss(a, _long(t, _LABELS_NK), weight=_like(t, _CLASS_WEIGHT, a)),
    ),
    OpCase(
        "nll_loss_unbatched",
        lambda a: F.nll_loss(a, np.array(2), reduction="none"),
        ((5,),),
        torch=lambda t, a: _tf(t).nll_loss(a, t.tensor(2), reduction="none"),
    ),
    # binary cross-entropy: targets that are learned, weights that broadcast
    OpCase(
        "bce_learned_target",
        lambda a, b: F.binary_cross_entropy(ag.sigmoid(a), ag.sigmoid(b)),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).binary_cross_entropy(t.sigmoid(a), t.sigmoid(b)),
    ),
    OpCase(
        "bce_weight_broadcast",
        lambda a: F.binary_cross_entropy(ag.sigmoid(a), _BINARY, weight=_CLASS_WEIGHT, reduction="sum"),
        ((4, 5),),
        torch=lambda t, a: _tf(t).binary_cross_entropy(
            t.sigmoid(a), _like(t, _BINARY, a), weight=_like(t, _CLASS_WEIGHT, a), reduction="sum"
        ),
    ),
    OpCase(
        "bce_with_logits_learned_target",
        lambda a, b: F.binary_cross_entropy_with_logits(a, ag.sigmoid(b), reduction="none"),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).binary_cross_entropy_with_logits(a, t.sigmoid(b), reduction="none"),
    ),
    OpCase(
        "bce_with_logits_learned_target_pos_weight",
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, ag.sigmoid(b), weight=_ELEMENT_WEIGHT, pos_weight=_CLASS_WEIGHT
        ),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).binary_cross_entropy_with_logits(
            a, t.sigmoid(b), weight=_like(t, _ELEMENT_WEIGHT, a), pos_weight=_like(t, _CLASS_WEIGHT, a)
        ),
    ),
    # regression
    OpCase(
        "smooth_l1_loss",
        lambda a: F.smooth_l1_loss(2 * a, _TARGET),
        ((4, 5),),
        torch=lambda t, a: _tf(t).smooth_l1_loss(2 * a, _like(t, _TARGET, a)),
    ),
    OpCase(
        "smooth_l1_loss_beta_sum",
        lambda a, b: F.smooth_l1_loss(2 * a, b, reduction="sum", beta=0.5),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).smooth_l1_loss(2 * a, b, reduction="sum", beta=0.5),
    ),
    OpCase(
        "smooth_l1_loss_beta0",
        lambda a: F.smooth_l1_loss(a, _TARGET, reduction="none", beta=0.0),
        ((4, 5),),
        torch=lambda t, a: _tf(t).smooth_l1_loss(a, _like(t, _TARGET, a), reduction="none", beta=0.0),
    ),
    OpCase(
        "huber_loss_none_weighted",
        lambda a: F.huber_loss(2 * a, _TARGET, reduction="none", delta=0.7, weight=_ELEMENT_WEIGHT),
        ((4, 5),),
        torch=lambda t, a: _tf(t).huber_loss(
            2 * a, _like(t, _TARGET, a), reduction="none", delta=0.7, weight=_like(t, _ELEMENT_WEIGHT, a)
        ),
    ),
    OpCase(
        "huber_loss_mean_weighted",
        lambda a: F.huber_loss(2 * a, _TARGET, delta=0.7, weight=_ELEMENT_WEIGHT),
        ((4, 5),),
        torch=lambda t, a: _tf(t).huber_loss(
            2 * a, _like(t, _TARGET, a), delta=0.7, weight=_like(t, _ELEMENT_WEIGHT, a)
        ),
    ),
    OpCase(
        "mse_loss_weighted",
        lambda a: F.mse_loss(a, _TARGET, weight=_ELEMENT_WEIGHT),
        ((4, 5),),
        torch=lambda t, a: _tf(t).mse_loss(a, _like(t, _TARGET, a), weight=_like(t, _ELEMENT_WEIGHT, a)),
    ),
    OpCase(
        "l1_loss_weighted",
        lambda a: F.l1_loss(a, _TARGET, weight=ag.tensor(_ELEMENT_WEIGHT).to(a.dtype)),
        ((4, 5),),
        torch=lambda t, a: _tf(t).l1_loss(a, _like(t, _TARGET, a), weight=_like(t, _ELEMENT_WEIGHT, a)),
    ),
    # distributions
    OpCase(
        "kl_div_batchmean",
        lambda a: F.kl_div(ag.log_softmax(a, dim=1), _PROBS, reduction="batchmean"),
        ((4, 5),),
        torch=lambda t, a: _tf(t).kl_div(t.log_softmax(a, dim=1), _like(t, _PROBS, a), reduction="batchmean"),
    ),
    OpCase(
        "kl_div_learned_target_none",
        lambda a, b: F.kl_div(ag.log_softmax(a, dim=1), ag.softmax(b, dim=1), reduction="none"),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).kl_div(t.log_softmax(a, dim=1), t.softmax(b, dim=1), reduction="none"),
    ),
    OpCase(
        "kl_div_log_target_sum",
        lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).kl_div(a, b, reduction="sum", log_target=True),
    ),
    OpCase(
        "poisson_nll_loss",
        lambda a: F.poisson_nll_loss(a, _COUNTS),
        ((4, 5),),
        torch=lambda t, a: _tf(t).poisson_nll_loss(a, _like(t, _COUNTS, a)),
    ),
    OpCase(
        "poisson_nll_loss_rates_full",
        lambda a, b: F.poisson_nll_loss(a, 3 * b, log_input=False, full=True, reduction="none"),
        ((4, 5), (4, 5)),
        "positive",
        torch=lambda t, a, b: _tf(t).poisson_nll_loss(a, 3 * b, log_input=False, full=True, reduction="none"),
    ),
    OpCase(
        "gaussian_nll_loss",
        lambda a, v: F.gaussian_nll_loss(a, _TARGET, v),
        ((4, 5), (4, 5)),
        ("real", "positive"),
        torch=lambda t, a, v: _tf(t).gaussian_nll_loss(a, _like(t, _TARGET, a), v),
    ),
    OpCase(
        "gaussian_nll_loss_one_variance_full",
        lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=True, reduction="sum"),
        ((4, 5), (4, 5), (4,)),
        ("real", "real", "positive"),
        torch=lambda t, a, b, v: _tf(t).gaussian_nll_loss(a, b, v, full=True, reduction="sum"),
    ),
    # margins
    OpCase(
        "cosine_embedding_loss",
        lambda a, b: F.cosine_embedding_loss(a, b, _SIGNS_4, margin=0.2),
        ((4, 5), (4, 5)),
        torch=lambda t, a, b: _tf(t).cosine_embedding_loss(a, b, _long(t, _SIGNS_4), margin=0.2),
    ),
    OpCase(
        "cosine_embedding_loss_vectors",
        lambda a, b: F.cosine_embedding_loss(a, b, np.array(-1), margin=-0.5, reduction="none"),
        ((5,), (5,)),
        torch=lambda t, a, b: _tf(t).cosine_embedding_loss(a, b, t.tensor(-1), margin=-0.5, reduction="none"),
    ),
    OpCase(
        "margin_ranking_loss",
        lambda a, b: F.margin_ranking_loss(a, b, _SIGNS_6, margin=0.3),
        ((6,), (6,)),
        torch=lambda t, a, b: _tf(t).margin_ranking_loss(a, b, _like(t, _SIGNS_6, a), margin=0.3),
    ),
    OpCase(
        "margin_ranking_loss_learned_target",
        lambda a, b, y: F.margin_ranking_loss(a, b, ag.tanh(y), reduction="none"),
        ((6,), (6,), (6,)),
        torch=lambda t, a, b, y: _tf(t).margin_ranking_loss(a, b, t.tanh(y), reduction="none"),
    ),
    OpCase(
        "hinge_embedding_loss",
        lambda a: F.hinge_embedding_loss(a, _SIGNS_6, margin=1.5),
        ((6,),),
        torch=lambda t, a: _tf(t).hinge_embedding_loss(a, _like(t, _SIGNS_6, a), margin=1.5),
    ),
    OpCase(
        "soft_margin_loss",
        lambda a: F.soft_margin_loss(3 * a, _SIGNS),
        ((4, 5),),
        torch=lambda t, a: _tf(t).soft_margin_loss(3 * a, _like(t, _SIGNS, a)),
    ),
    OpCase(
        "multilabel_soft_margin_loss",
        lambda a: F.multilabel_soft_margin_loss(3 * a, _BINARY, weight=_CLASS_WEIGHT, reduction="none"),
        ((4, 5),),
        torch=lambda t, a: _tf(t).multilabel_soft_margin_loss(
            3 * a, _like(t, _BINARY, a), weight=_like(t, _CLASS_WEIGHT, a), reduction="none"
        ),
    ),
    OpCase(
        "multi_margin_unbatched",
        lambda a: F.multi_margin_loss(a, np.array(2), p=2, weight=_CLASS_WEIGHT),
        ((5,),),
        torch=lambda t, a: _tf(t).multi_margin_loss(a, t.tensor(2), p=2, weight=_like(t, _CLASS_WEIGHT, a)),
    ),
    OpCase(
        "triplet_margin_loss",
        F.triplet_margin_loss,
        ((4, 5), (4, 5), (4, 5)),
        torch=lambda t, *x: _tf(t).triplet_margin_loss(*x),
    ),
    OpCase(
        "triplet_margin_loss_swap_p1",
        lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True, reduction="none"),
        ((4, 5), (4, 5), (4, 5)),
        torch=lambda t, a, p, n: _tf(t).triplet_margin_loss(
            a, p, n, margin=2.0, p=1, swap=True, reduction="none"
        ),
    ),
    # CTC through a log_softmax: its gradient is the logits' one (see functional/ctc.py)
    OpCase(
        "ctc_loss",
        lambda a: F.ctc_loss(F.log_softmax(a, 2), _CTC_TARGETS, [7, 5], [3, 2]),
        ((7, 2, 4),),
        torch=lambda t, a: _tf(t).ctc_loss(_tf(t).log_softmax(a, 2), _long(t, _CTC_TARGETS), [7, 5], [3, 2]),
    ),
)
