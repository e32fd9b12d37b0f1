"""Catalogue cases: activations and distances of `functional`.

Functions with kinks take inputs scaled to straddle them (3·a for hardtanh's ±1, 4·a for the hard
sigmoid's ±3), drawn away from the kinks themselves by the "nonzero" domain where the kink is at 0.
"""

from __future__ import annotations

import math

from .. import functional as F
from .case import OpCase


def _f(name: str):
    """PyTorch's functional `name`, for the twins."""
    return lambda t, *x, **kw: getattr(t.nn.functional, name)(*x, **kw)


CASES: tuple[OpCase, ...] = (
    # smooth gates
    OpCase("gelu", F.gelu, ((3, 4),), torch=_f("gelu")),
    OpCase(
        "gelu_tanh",
        lambda a: F.gelu(3 * a, approximate="tanh"),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.gelu(3 * a, approximate="tanh"),
    ),
    OpCase("gelu_empty", F.gelu, ((0, 3),), torch=_f("gelu")),
    OpCase("silu", lambda a: F.silu(3 * a), ((3, 4),), torch=lambda t, a: t.nn.functional.silu(3 * a)),
    OpCase("mish", lambda a: F.mish(3 * a), ((3, 4),), torch=lambda t, a: t.nn.functional.mish(3 * a)),
    # the ELU family
    OpCase("elu", F.elu, ((3, 4),), "nonzero", torch=_f("elu")),
    OpCase(
        "elu_alpha",
        lambda a: F.elu(a, alpha=0.5),
        ((2, 3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.elu(a, alpha=0.5),
    ),
    OpCase("selu", F.selu, ((3, 4),), "nonzero", torch=_f("selu")),
    OpCase(
        "celu",
        lambda a: F.celu(a, alpha=2.0),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.celu(a, alpha=2.0),
    ),
    # piecewise linear
    OpCase(
        "hardtanh", lambda a: F.hardtanh(3 * a), ((3, 4),), torch=lambda t, a: t.nn.functional.hardtanh(3 * a)
    ),
    OpCase(
        "hardtanh_bounds",
        lambda a: F.hardtanh(2 * a, -0.5, 2.0),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.hardtanh(2 * a, -0.5, 2.0),
    ),
    OpCase(
        "relu6", lambda a: F.relu6(5 * a + 2), ((3, 4),), torch=lambda t, a: t.nn.functional.relu6(5 * a + 2)
    ),
    OpCase(
        "hardsigmoid",
        lambda a: F.hardsigmoid(4 * a),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.hardsigmoid(4 * a),
    ),
    OpCase(
        "hardswish",
        lambda a: F.hardswish(4 * a),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.hardswish(4 * a),
    ),
    OpCase(
        "logsigmoid",
        lambda a: F.logsigmoid(5 * a),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.logsigmoid(5 * a),
    ),
    OpCase(
        "softmin",
        lambda a: F.softmin(a, dim=0),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.softmin(a, dim=0),
    ),
    OpCase(
        "softmin_last",
        lambda a: F.softmin(a, dim=-1),
        ((2, 3, 4),),
        torch=lambda t, a: t.nn.functional.softmin(a, dim=-1),
    ),
    OpCase(
        "softsign", lambda a: F.softsign(3 * a), ((3, 4),), torch=lambda t, a: t.nn.functional.softsign(3 * a)
    ),
    OpCase("tanhshrink", F.tanhshrink, ((3, 4),), torch=_f("tanhshrink")),
    OpCase(
        "softshrink",
        lambda a: F.softshrink(a, 0.3),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.softshrink(a, 0.3),
    ),
    OpCase(
        "hardshrink",
        lambda a: F.hardshrink(a, 0.4),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.hardshrink(a, 0.4),
    ),
    OpCase(
        "threshold",
        lambda a: F.threshold(a, 0.1, -1.5),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.threshold(a, 0.1, -1.5),
    ),
    # gates and slopes
    OpCase("glu", F.glu, ((3, 4),), torch=_f("glu")),
    OpCase(
        "glu_dim0", lambda a: F.glu(a, dim=0), ((4, 3),), torch=lambda t, a: t.nn.functional.glu(a, dim=0)
    ),
    OpCase("prelu", F.prelu, ((2, 3, 4), (3,)), ("nonzero", "positive"), torch=_f("prelu")),
    OpCase("prelu_shared", F.prelu, ((5, 3), (1,)), ("nonzero", "positive"), torch=_f("prelu")),
    OpCase("prelu_vector", F.prelu, ((5,), (1,)), ("nonzero", "positive"), torch=_f("prelu")),
    OpCase("rrelu_eval", F.rrelu, ((3, 4),), "nonzero", torch=_f("rrelu")),
    OpCase(
        "rrelu_eval_bounds",
        lambda a: F.rrelu(a, 0.2, 0.5),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.rrelu(a, 0.2, 0.5),
    ),
    # lengths and distances
    OpCase("normalize", F.normalize, ((3, 4),), torch=_f("normalize")),
    OpCase(
        "normalize_p1_dim0",
        lambda a: F.normalize(a, p=1, dim=0),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.normalize(a, p=1, dim=0),
    ),
    OpCase(
        "normalize_inf",
        lambda a: F.normalize(a, p=math.inf, dim=-1),
        ((2, 3, 4),),
        "distinct",
        torch=lambda t, a: t.nn.functional.normalize(a, p=math.inf, dim=-1),
    ),
    OpCase(
        "normalize_p3",
        lambda a: F.normalize(a, p=3),
        ((3, 4),),
        torch=lambda t, a: t.nn.functional.normalize(a, p=3),
    ),
    OpCase("cosine_similarity", F.cosine_similarity, ((3, 4), (3, 4)), torch=_f("cosine_similarity")),
    OpCase(
        "cosine_similarity_broadcast",
        lambda a, b: F.cosine_similarity(a, b, dim=-1),
        ((3, 1, 4), (2, 4)),
        torch=lambda t, a, b: t.nn.functional.cosine_similarity(a, b, dim=-1),
    ),
    OpCase(
        "cosine_similarity_vectors",
        lambda a, b: F.cosine_similarity(a, b, dim=0),
        ((5,), (5,)),
        torch=lambda t, a, b: t.nn.functional.cosine_similarity(a, b, dim=0),
    ),
    OpCase("pairwise_distance", F.pairwise_distance, ((3, 4), (3, 4)), torch=_f("pairwise_distance")),
    OpCase(
        "pairwise_distance_p1_keepdim",
        lambda a, b: F.pairwise_distance(a, b, p=1, keepdim=True),
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p=1, keepdim=True),
    ),
    OpCase(
        "pairwise_distance_inf",
        lambda a, b: F.pairwise_distance(a, b, p=math.inf),
        ((2, 3, 4), (3, 4)),
        torch=lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p=math.inf),
    ),
    OpCase(
        "pairwise_distance_p3",
        lambda a, b: F.pairwise_distance(a, b, p=3, eps=0.0),
        ((3, 4), (3, 4)),
        torch=lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p=3, eps=0.0),
    ),
    OpCase("cdist", F.cdist, ((3, 4), (2, 4)), torch=lambda t, *x: t.cdist(*x)),
    OpCase(
        "cdist_batched_p1",
        lambda a, b: F.cdist(a, b, p=1),
        ((2, 3, 4), (2, 5, 4)),
        torch=lambda t, a, b: t.cdist(a, b, p=1),
    ),
    OpCase(
        "cdist_inf",
        lambda a, b: F.cdist(a, b, p=math.inf),
        ((3, 2), (4, 2)),
        torch=lambda t, a, b: t.cdist(a, b, p=math.inf),
    ),
    OpCase("pdist", F.pdist, ((4, 3),), torch=_f("pdist")),
    OpCase(
        "pdist_p1", lambda a: F.pdist(a, p=1), ((5, 2),), torch=lambda t, a: t.nn.functional.pdist(a, p=1)
    ),
)
