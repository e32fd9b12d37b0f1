"""Catalogue cases: functional's additions (bilinear, multilabel_margin_loss,
triplet_margin_with_distance_loss, relu_, leaky_relu_), the nn modules Softplus and Bilinear's
function, and the torch.* spellings of functional's activations and distances (torch.selu…)."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .. import functional as F
from .case import OpCase

_LABELS = np.array([[3, 0, -1, 1, 2], [1, 1, -1, 2, 0], [-1, 2, 3, 0, 0], [0, 1, 2, 3, 4]])
_WEIGHT = np.array([0.25])


def _cosine_distance(lib_f):
    return lambda u, v: 1 - lib_f.cosine_similarity(u, v)


def _top():
    """The deepstep package (for its torch.* spellings), imported when a case runs."""
    import deepstep

    return deepstep


CASES: tuple[OpCase, ...] = (
    OpCase(
        "bilinear",
        F.bilinear,
        ((2, 3), (2, 4), (5, 3, 4), (5,)),
        torch=lambda t, *x: t.nn.functional.bilinear(*x),
    ),
    OpCase(
        "bilinear_batched_no_bias",
        F.bilinear,
        ((3, 2, 3), (3, 2, 4), (2, 3, 4)),
        torch=lambda t, *x: t.nn.functional.bilinear(*x),
    ),
    *(
        OpCase(
            f"multilabel_margin_loss_{reduction}",
            lambda x, r=reduction: F.multilabel_margin_loss(x, ag.tensor(_LABELS), reduction=r),
            ((4, 5),),
            torch=lambda t, x, r=reduction: t.nn.functional.multilabel_margin_loss(
                x, t.from_numpy(_LABELS), reduction=r
            ),
        )
        for reduction in ("mean", "sum", "none")
    ),
    OpCase(
        "multilabel_margin_loss_vector",
        lambda x: F.multilabel_margin_loss(x, ag.tensor(_LABELS[0])),
        ((5,),),
        torch=lambda t, x: t.nn.functional.multilabel_margin_loss(x, t.from_numpy(_LABELS[0])),
    ),
    OpCase(
        "triplet_margin_with_distance_loss",
        F.triplet_margin_with_distance_loss,
        ((3, 5), (3, 5), (3, 5)),
        torch=lambda t, *x: t.nn.functional.triplet_margin_with_distance_loss(*x),
    ),
    OpCase(
        "triplet_margin_with_distance_loss_cosine_swap",
        lambda a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=_cosine_distance(F), margin=0.5, swap=True, reduction="none"
        ),
        ((3, 5), (3, 5), (3, 5)),
        torch=lambda t, a, p, n: t.nn.functional.triplet_margin_with_distance_loss(
            a,
            p,
            n,
            distance_function=_cosine_distance(t.nn.functional),
            margin=0.5,
            swap=True,
            reduction="none",
        ),
    ),
    OpCase(
        "relu_functional_inplace",
        lambda x: F.relu_(x * 1),
        ((3, 4),),
        "nonzero",
        torch=lambda t, x: t.nn.functional.relu_(x * 1),
    ),
    OpCase(
        "leaky_relu_functional_inplace",
        lambda x: F.leaky_relu_(x * 1, 0.2),
        ((3, 4),),
        "nonzero",
        torch=lambda t, x: t.nn.functional.leaky_relu_(x * 1, 0.2),
    ),
    OpCase("top_level_selu", lambda x: _top().selu(x), ((3, 4),), torch=lambda t, x: t.selu(x)),
    OpCase("top_level_celu", lambda x: _top().celu(x, 0.5), ((3, 4),), torch=lambda t, x: t.celu(x, 0.5)),
    OpCase(
        "top_level_threshold",
        lambda x: _top().threshold(x, 0.1, -2.0),
        ((3, 4),),
        "nonzero",
        torch=lambda t, x: t.threshold(x, 0.1, -2.0),
    ),
    OpCase(
        "top_level_hardshrink",
        lambda x: _top().hardshrink(x, 0.3),
        ((3, 4),),
        "nonzero",
        torch=lambda t, x: t.hardshrink(x, 0.3),
    ),
    OpCase(
        "top_level_prelu",
        lambda x: _top().prelu(x, ag.tensor(_WEIGHT).to(x.dtype)),
        ((3, 4),),
        "nonzero",
        torch=lambda t, x: t.prelu(x, t.from_numpy(_WEIGHT).to(x.dtype)),
    ),
    OpCase(
        "top_level_cdist", lambda *x: _top().cdist(*x), ((3, 4), (2, 4)), torch=lambda t, a, b: t.cdist(a, b)
    ),
    OpCase("top_level_pdist", lambda *x: _top().pdist(*x), ((4, 3),), torch=lambda t, a: t.pdist(a)),
    OpCase(
        "top_level_cosine_similarity",
        lambda *x: _top().cosine_similarity(*x),
        ((3, 4), (3, 4)),
        torch=lambda t, a, b: t.cosine_similarity(a, b),
    ),
    OpCase(
        "top_level_pairwise_distance",
        lambda *x: _top().pairwise_distance(*x),
        ((3, 4), (3, 4)),
        torch=lambda t, a, b: t.pairwise_distance(a, b),
    ),
)
