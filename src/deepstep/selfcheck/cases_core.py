"""The catalogue's first cases: arithmetic, elementary functions, reductions, shapes,
activations, layers, convolution and pooling, batch normalisation and losses."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .. import functional as F
from .case import OpCase

_MASK = np.random.default_rng(1).random((3, 4)) > 0.5
_LABELS = np.array([2, 0, 4, 1])
_PICK = np.array([0, 2, 2, 1, 0])  # repeats: their gradients must add up
_TARGET = np.random.default_rng(2).standard_normal((4, 5))  # regression targets
_BINARY = (np.random.default_rng(3).random((4, 5)) > 0.5).astype(np.float64)
_SOFT = np.random.default_rng(4).dirichlet(np.ones(5), size=4)  # rows are distributions
_CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 0.25, 3.0])
_POS_WEIGHT = np.array([0.5, 1.0, 2.0, 3.0, 1.5])
_RUNNING_MEAN = np.array([0.2, -0.1, 0.5])
_RUNNING_VAR = np.array([1.5, 0.7, 2.0])


def _like(torch, array: np.ndarray, x):
    """A constant of the catalogue as a torch tensor of x's dtype."""
    return torch.from_numpy(array).to(x.dtype)


CASES: tuple[OpCase, ...] = (
    # arithmetic, with broadcasting
    OpCase("add", lambda a, b: a + b, ((3, 4), (4,)), torch=lambda t, a, b: a + b),
    OpCase("add_broadcast_both", lambda a, b: a + b, ((2, 1, 3), (4, 1)), torch=lambda t, a, b: a + b),
    OpCase("sub", lambda a, b: a - b, ((3, 1), (1, 4)), torch=lambda t, a, b: a - b),
    OpCase("mul", lambda a, b: a * b, ((2, 3, 4), (3, 1)), torch=lambda t, a, b: a * b),
    OpCase("div", lambda a, b: a / b, ((3, 4), (4,)), "positive", torch=lambda t, a, b: a / b),
    OpCase("pow_tensor", lambda a, b: a**b, ((3, 4), (3, 4)), "positive", torch=lambda t, a, b: a**b),
    OpCase("pow_scalar", lambda a: a**3, ((3, 4),), torch=lambda t, a: a**3),
    OpCase("rpow", lambda a: 2.0**a, ((3, 4),), torch=lambda t, a: 2.0**a),
    OpCase("neg", lambda a: -a, ((3, 4),), torch=lambda t, a: -a),
    OpCase("matmul", lambda a, b: a @ b, ((3, 4), (4, 5)), torch=lambda t, a, b: a @ b),
    OpCase("matmul_batched", lambda a, b: a @ b, ((2, 3, 4), (4, 5)), torch=lambda t, a, b: a @ b),
    OpCase("matmul_vector_left", lambda a, b: a @ b, ((4,), (4, 3)), torch=lambda t, a, b: a @ b),
    OpCase("matmul_vector_right", lambda a, b: a @ b, ((3, 4), (4,)), torch=lambda t, a, b: a @ b),
    # functions of one variable
    OpCase("exp", ag.exp, ((3, 4),), torch=lambda t, *x: t.exp(*x)),
    OpCase("log", ag.log, ((3, 4),), "positive", torch=lambda t, *x: t.log(*x)),
    OpCase("sqrt", ag.sqrt, ((3, 4),), "positive", torch=lambda t, *x: t.sqrt(*x)),
    OpCase("abs", ag.abs, ((3, 4),), "nonzero", torch=lambda t, *x: t.abs(*x)),
    OpCase("sin", ag.sin, ((3, 4),), torch=lambda t, *x: t.sin(*x)),
    OpCase("cos", ag.cos, ((3, 4),), torch=lambda t, *x: t.cos(*x)),
    OpCase("maximum", ag.maximum, ((3, 4), (4,)), torch=lambda t, *x: t.maximum(*x)),
    OpCase("minimum", ag.minimum, ((3, 4), (3, 1)), torch=lambda t, *x: t.minimum(*x)),
    OpCase("clip", lambda a: ag.clip(a, -0.5, 0.7), ((4, 5),), torch=lambda t, a: t.clamp(a, -0.5, 0.7)),
    OpCase(
        "where",
        lambda a, b: ag.where(_MASK, a, b),
        ((3, 4), (4,)),
        torch=lambda t, a, b: t.where(t.from_numpy(_MASK), a, b),
    ),
    # reductions
    OpCase("sum", lambda a: a.sum(), ((3, 4),), torch=lambda t, a: a.sum()),
    OpCase(
        "sum_axis_keepdims",
        lambda a: a.sum(axis=(0, 2), keepdims=True),
        ((2, 3, 4),),
        torch=lambda t, a: a.sum(dim=(0, 2), keepdim=True),
    ),
    OpCase("mean", lambda a: a.mean(axis=1), ((3, 4),), torch=lambda t, a: a.mean(dim=1)),
    OpCase(
        "max", lambda a: a.max(dim=-1).values, ((3, 4),), "distinct", torch=lambda t, a: a.max(dim=-1).values
    ),
    OpCase("max_all", lambda a: a.max(), ((3, 4),), torch=lambda t, a: a.max()),
    OpCase(
        "min",
        lambda a: a.amin(axis=0, keepdims=True),
        ((3, 4),),
        torch=lambda t, a: a.amin(dim=0, keepdim=True),
    ),
    OpCase("var", lambda a: a.var(axis=1, ddof=0), ((3, 4),), torch=lambda t, a: a.var(dim=1, correction=0)),
    OpCase(
        "var_ddof1", lambda a: a.var(axis=0, ddof=1), ((3, 4),), torch=lambda t, a: a.var(dim=0, correction=1)
    ),
    OpCase("logsumexp", lambda a: a.logsumexp(axis=1), ((3, 4),), torch=lambda t, a: t.logsumexp(a, dim=1)),
    # shapes
    OpCase(
        "reshape",
        lambda a: a.reshape(4, 3) * ag.arange(12.0, dtype=a.dtype).reshape(4, 3),
        ((3, 4),),
        torch=lambda t, a: a.reshape(4, 3) * t.arange(12.0, dtype=a.dtype).reshape(4, 3),
    ),
    OpCase("transpose", lambda a: a.transpose(2, 0, 1), ((2, 3, 4),), torch=lambda t, a: a.permute(2, 0, 1)),
    OpCase("transpose_swap", lambda a: a.transpose(0, 2), ((2, 3, 4),), torch=lambda t, a: a.transpose(0, 2)),
    OpCase("transpose_2d", lambda a: a.transpose(0, 1), ((3, 4),), torch=lambda t, a: a.transpose(0, 1)),
    OpCase("T", lambda a: a.T, ((3, 4),), torch=lambda t, a: a.T),
    OpCase("flatten", lambda a: a.flatten(1), ((2, 3, 4),), torch=lambda t, a: a.flatten(1)),
    OpCase("squeeze", lambda a: a.squeeze(1), ((3, 1, 4),), torch=lambda t, a: a.squeeze(1)),
    OpCase("unsqueeze", lambda a: a.unsqueeze(1), ((3, 4),), torch=lambda t, a: a.unsqueeze(1)),
    OpCase("expand", lambda a: a.expand(2, 3, 4), ((3, 1),), torch=lambda t, a: a.expand(2, 3, 4)),
    OpCase(
        "concatenate",
        lambda a, b: ag.concatenate([a, b], axis=1),
        ((3, 2), (3, 4)),
        torch=lambda t, a, b: t.cat([a, b], dim=1),
    ),
    OpCase(
        "stack",
        lambda a, b: ag.stack([a, b], axis=1),
        ((3, 4), (3, 4)),
        torch=lambda t, a, b: t.stack([a, b], dim=1),
    ),
    OpCase(
        "split",
        lambda a: ag.split(a, [1, 2, 2], dim=1)[1] * 2,
        ((3, 5),),
        torch=lambda t, a: t.split(a, [1, 2, 2], dim=1)[1] * 2,
    ),
    OpCase("getitem_slice", lambda a: a[1:, ::2], ((3, 4),), torch=lambda t, a: a[1:, ::2]),
    OpCase("getitem_int_array", lambda a: a[_PICK], ((3, 4),), torch=lambda t, a: a[t.from_numpy(_PICK)]),
    OpCase("getitem_bool_mask", lambda a: a[_MASK], ((3, 4),), torch=lambda t, a: a[t.from_numpy(_MASK)]),
    OpCase(
        "getitem_mixed", lambda a: a[_PICK, 1:3], ((3, 4),), torch=lambda t, a: a[t.from_numpy(_PICK), 1:3]
    ),
    # activations
    OpCase("sigmoid", ag.sigmoid, ((3, 4),), torch=lambda t, *x: t.sigmoid(*x)),
    OpCase("tanh", ag.tanh, ((3, 4),), torch=lambda t, *x: t.tanh(*x)),
    OpCase("relu", ag.relu, ((3, 4),), "nonzero", torch=lambda t, *x: t.relu(*x)),
    OpCase(
        "leaky_relu",
        lambda a: ag.leaky_relu(a, 0.1),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: t.nn.functional.leaky_relu(a, 0.1),
    ),
    OpCase("softplus", ag.softplus, ((3, 4),), torch=lambda t, *x: t.nn.functional.softplus(*x)),
    OpCase("softmax", lambda a: ag.softmax(a, axis=1), ((3, 4),), torch=lambda t, a: t.softmax(a, dim=1)),
    OpCase(
        "log_softmax",
        lambda a: ag.log_softmax(a, axis=0),
        ((3, 4),),
        torch=lambda t, a: t.log_softmax(a, dim=0),
    ),
    # layers
    OpCase("linear", F.linear, ((5, 4), (3, 4), (3,)), torch=lambda t, *x: t.nn.functional.linear(*x)),
    OpCase(
        "linear_batched_no_bias",
        F.linear,
        ((2, 5, 4), (3, 4)),
        torch=lambda t, *x: t.nn.functional.linear(*x),
    ),
    # convolutional layers (NCHW)
    OpCase(
        "conv2d",
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0)),
        ((2, 3, 7, 6), (4, 3, 3, 2), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=(1, 0)),
    ),
    OpCase(
        "conv2d_same",
        lambda x, w: F.conv2d(x, w, padding=1),
        ((2, 2, 5, 5), (3, 2, 3, 3)),
        torch=lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1),
    ),
    OpCase(
        "conv2d_one_channel",
        lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1),
        ((2, 1, 6, 7), (3, 1, 3, 2), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=(1, 2), padding=1),
    ),
    OpCase(
        "conv_transpose2d",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        ((2, 3, 4, 3), (3, 2, 3, 3), (2,)),
        torch=lambda t, x, w, b: t.nn.functional.conv_transpose2d(
            x, w, b, stride=2, padding=1, output_padding=1
        ),
    ),
    OpCase(
        "conv_transpose2d_plain",
        F.conv_transpose2d,
        ((1, 2, 3, 3), (2, 3, 2, 2)),
        torch=lambda t, *x: t.nn.functional.conv_transpose2d(*x),
    ),
    OpCase(
        "max_pool2d",
        lambda x: F.max_pool2d(x, 2),
        ((2, 3, 6, 6),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 2),
    ),
    OpCase(
        "max_pool2d_ragged",
        lambda x: F.max_pool2d(x, (2, 3)),
        ((2, 2, 7, 8),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, (2, 3)),
    ),
    OpCase(
        "max_pool2d_overlap",
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
        ((2, 2, 7, 7),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=2, padding=1),
    ),
    OpCase(
        "relu_max_pool2d",
        lambda x: F.relu_max_pool2d(x, 2),
        ((2, 3, 6, 6),),
        torch=lambda t, x: t.nn.functional.max_pool2d(t.nn.functional.relu(x), 2),
    ),
    OpCase(
        "relu_max_pool2d_overlap",
        lambda x: F.relu_max_pool2d(x, 3, stride=2, padding=1),
        ((2, 2, 7, 7),),
        torch=lambda t, x: t.nn.functional.max_pool2d(t.nn.functional.relu(x), 3, stride=2, padding=1),
    ),
    OpCase(
        "avg_pool2d",
        lambda x: F.avg_pool2d(x, 2),
        ((2, 3, 6, 6),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 2),
    ),
    OpCase(
        "avg_pool2d_padded",
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
        ((2, 2, 7, 7),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 3, stride=2, padding=1),
    ),
    OpCase(
        "upsample_nearest",
        lambda x: F.upsample_nearest(x, scale_factor=2),
        ((2, 3, 3, 4),),
        torch=lambda t, x: t.nn.functional.interpolate(x, scale_factor=2, mode="nearest"),
    ),
    OpCase(
        "batch_norm_2d_train",
        lambda x, w, b: F.batch_norm(x, np.zeros(3), np.ones(3), w, b, training=True),
        ((4, 3, 3, 2), (3,), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.batch_norm(
            x, t.zeros(3, dtype=x.dtype), t.ones(3, dtype=x.dtype), w, b, training=True
        ),
    ),
    OpCase(
        "batch_norm_1d_eval",
        lambda x, w, b: F.batch_norm(x, _RUNNING_MEAN, _RUNNING_VAR, w, b, training=False),
        ((5, 3), (3,), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.batch_norm(
            x, _like(t, _RUNNING_MEAN, x), _like(t, _RUNNING_VAR, x), w, b, training=False
        ),
    ),
    # losses
    OpCase(
        "cross_entropy",
        lambda a: F.cross_entropy(a, _LABELS),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.cross_entropy(a, t.from_numpy(_LABELS)),
    ),
    OpCase(
        "cross_entropy_none",
        lambda a: F.cross_entropy(a, _LABELS, reduction="none"),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.cross_entropy(a, t.from_numpy(_LABELS), reduction="none"),
    ),
    OpCase(
        "cross_entropy_weighted",
        lambda a: F.cross_entropy(a, _LABELS, weight=_CLASS_WEIGHT),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.cross_entropy(
            a, t.from_numpy(_LABELS), weight=_like(t, _CLASS_WEIGHT, a)
        ),
    ),
    OpCase(
        "cross_entropy_probs",
        lambda a: F.cross_entropy(a, _SOFT),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.cross_entropy(a, _like(t, _SOFT, a)),
    ),
    OpCase(
        "nll_loss",
        lambda a: F.nll_loss(ag.log_softmax(a, dim=-1), _LABELS, reduction="sum"),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.nll_loss(
            t.log_softmax(a, dim=-1), t.from_numpy(_LABELS), reduction="sum"
        ),
    ),
    OpCase(
        "nll_loss_weighted",
        lambda a: F.nll_loss(a, _LABELS, weight=_CLASS_WEIGHT),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.nll_loss(
            a, t.from_numpy(_LABELS), weight=_like(t, _CLASS_WEIGHT, a)
        ),
    ),
    OpCase(
        "mse_loss",
        lambda a: F.mse_loss(a, _TARGET),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.mse_loss(a, _like(t, _TARGET, a)),
    ),
    OpCase(
        "l1_loss",
        lambda a: F.l1_loss(a, _TARGET, reduction="sum"),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.l1_loss(a, _like(t, _TARGET, a), reduction="sum"),
    ),
    OpCase(
        "huber_loss",
        lambda a: F.huber_loss(3 * a, _TARGET, delta=1.5),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.huber_loss(3 * a, _like(t, _TARGET, a), delta=1.5),
    ),
    OpCase(
        "bce",
        lambda a: F.binary_cross_entropy(ag.sigmoid(a), _BINARY),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.binary_cross_entropy(t.sigmoid(a), _like(t, _BINARY, a)),
    ),
    OpCase(
        "bce_with_logits",
        lambda a: F.binary_cross_entropy_with_logits(a, _BINARY),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.binary_cross_entropy_with_logits(a, _like(t, _BINARY, a)),
    ),
    OpCase(
        "bce_with_logits_pos_weight",
        lambda a: F.binary_cross_entropy_with_logits(a, _SOFT, pos_weight=_POS_WEIGHT, reduction="none"),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.binary_cross_entropy_with_logits(
            a, _like(t, _SOFT, a), pos_weight=_like(t, _POS_WEIGHT, a), reduction="none"
        ),
    ),
    OpCase(
        "multi_margin",
        lambda a: F.multi_margin_loss(a, _LABELS),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.multi_margin_loss(a, t.from_numpy(_LABELS)),
    ),
    OpCase(
        "multi_margin_squared",
        lambda a: F.multi_margin_loss(2 * a, _LABELS, p=2, margin=0.5),
        ((4, 5),),
        torch=lambda t, a: t.nn.functional.multi_margin_loss(2 * a, t.from_numpy(_LABELS), p=2, margin=0.5),
    ),
    OpCase(
        "l1_penalty",
        lambda a, b: F.l1_penalty([a, b]),
        ((3, 4), (4,)),
        "nonzero",
        torch=lambda t, a, b: a.abs().sum() + b.abs().sum(),
    ),
)
