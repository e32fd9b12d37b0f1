"""Catalogue cases: normalisation layers and embedding."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..functional.embedding import embedding, embedding_bag
from .case import OpCase

_RUNNING_MEAN = np.array([0.3, -0.2, 0.1])
_RUNNING_VAR = np.array([0.8, 1.5, 1.1])
_IDS = np.array([[1, 4, 0], [4, 4, 2]])  # repeats: their gradients must add up
_IDS_INT32 = np.array([5, 0, 3, 3], dtype=np.int32)
_IDS_SCALAR = np.array(2)
_IDS_EMPTY = np.zeros((0, 2), dtype=np.int64)
# The padding row gets no gradient by convention, though the output depends on it: the padding cases
# mask the positions that look it up, so that the numerical gradient agrees (tests/test_embedding.py
# holds the convention itself to PyTorch's, and scale_grad_by_freq, which is no gradient at all).
_NOT_PADDING = (_IDS != 4)[..., None].astype(np.float64)


_BAG_IDS = np.array([1, 2, 4, 5, 4, 3, 2, 5, 0])
_BAG_OFFSETS = np.array([0, 2, 2, 5])  # the second bag is empty


def _like(torch, array: np.ndarray, x):
    """A constant of the catalogue as a torch tensor of x's dtype."""
    return torch.from_numpy(array).to(x.dtype)


def _ids(torch, ids: np.ndarray):
    return torch.from_numpy(ids)


CASES: tuple[OpCase, ...] = (
    # layer normalisation: over the last dims, with and without γ, β
    OpCase(
        "layer_norm",
        lambda x, w, b: F.layer_norm(x, (4,), w, b),
        ((3, 5, 4), (4,), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.layer_norm(x, (4,), w, b),
    ),
    OpCase(
        "layer_norm_two_dims",
        lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-3),
        ((2, 3, 4), (3, 4), (3, 4)),
        torch=lambda t, x, w, b: t.nn.functional.layer_norm(x, (3, 4), w, b, eps=1e-3),
    ),
    OpCase(
        "layer_norm_no_affine",
        lambda x: F.layer_norm(x, (5,)),
        ((4, 5),),
        torch=lambda t, x: t.nn.functional.layer_norm(x, (5,)),
    ),
    OpCase(
        "layer_norm_weight_only",
        lambda x, w: F.layer_norm(x, 6, w),
        ((6,), (6,)),
        torch=lambda t, x, w: t.nn.functional.layer_norm(x, (6,), w),
    ),
    OpCase(
        "layer_norm_bias_only",
        lambda x, b: F.layer_norm(x, (2, 3), bias=b),
        ((4, 2, 3), (2, 3)),
        torch=lambda t, x, b: t.nn.functional.layer_norm(x, (2, 3), bias=b),
    ),
    OpCase(
        "layer_norm_empty",
        lambda x, w, b: F.layer_norm(x, (4,), w, b),
        ((0, 4), (4,), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.layer_norm(x, (4,), w, b),
    ),
    # RMS normalisation
    OpCase(
        "rms_norm",
        lambda x, w: F.rms_norm(x, (4,), w),
        ((3, 5, 4), (4,)),
        torch=lambda t, x, w: t.nn.functional.rms_norm(x, (4,), w),
    ),
    OpCase(
        "rms_norm_two_dims_eps",
        lambda x: F.rms_norm(x, (3, 4), eps=0.01),
        ((2, 3, 4),),
        torch=lambda t, x: t.nn.functional.rms_norm(x, (3, 4), eps=0.01),
    ),
    # group normalisation: groups of channels, with positions or without
    OpCase(
        "group_norm",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        ((3, 6, 4, 2), (6,), (6,)),
        torch=lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b),
    ),
    OpCase(
        "group_norm_no_affine",
        lambda x: F.group_norm(x, 3, eps=1e-3),
        ((2, 6, 5),),
        torch=lambda t, x: t.nn.functional.group_norm(x, 3, eps=1e-3),
    ),
    OpCase(
        "group_norm_channels_only",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        ((5, 4), (4,), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b),
    ),
    OpCase(
        "group_norm_one_group",
        lambda x, w: F.group_norm(x, 1, w),
        ((2, 3, 2, 2), (3,)),
        torch=lambda t, x, w: t.nn.functional.group_norm(x, 1, w),
    ),
    OpCase(
        "group_norm_empty_batch",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        ((0, 4, 3), (4,), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b),
    ),
    # instance normalisation: statistics of the input (running ones updated), or the running ones
    OpCase(
        "instance_norm",
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        ((2, 3, 5), (3,), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b),
    ),
    OpCase(
        "instance_norm_2d_tracking",
        lambda x: F.instance_norm(x, np.zeros(3), np.ones(3), momentum=0.2),
        ((2, 3, 3, 4),),
        torch=lambda t, x: t.nn.functional.instance_norm(
            x, t.zeros(3, dtype=x.dtype), t.ones(3, dtype=x.dtype), momentum=0.2
        ),
    ),
    OpCase(
        "instance_norm_running_stats",
        lambda x, w, b: F.instance_norm(x, _RUNNING_MEAN, _RUNNING_VAR, w, b, use_input_stats=False),
        ((2, 3, 4), (3,), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.instance_norm(
            x, _like(t, _RUNNING_MEAN, x), _like(t, _RUNNING_VAR, x), w, b, use_input_stats=False
        ),
    ),
    # local response normalisation across channels
    OpCase(
        "local_response_norm",
        lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0),
        ((2, 5, 4),),
        torch=lambda t, x: t.nn.functional.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0),
    ),
    OpCase(
        "local_response_norm_even_size_2d",
        lambda x: F.local_response_norm(x, 4, alpha=0.3, beta=0.6, k=2.0),
        ((2, 6, 3, 2),),
        torch=lambda t, x: t.nn.functional.local_response_norm(x, 4, alpha=0.3, beta=0.6, k=2.0),
    ),
    OpCase(
        "local_response_norm_wide_3d",
        lambda x: F.local_response_norm(x, 7, alpha=0.2),
        ((1, 3, 2, 2, 3),),
        torch=lambda t, x: t.nn.functional.local_response_norm(x, 7, alpha=0.2),
    ),
    # embedding: the rows the ids pick; gradients of repeated ids add up
    OpCase(
        "embedding",
        lambda w: embedding(_IDS, w),
        ((6, 3),),
        torch=lambda t, w: t.nn.functional.embedding(_ids(t, _IDS), w),
    ),
    OpCase(
        "embedding_int32_ids",
        lambda w: embedding(_IDS_INT32, w),
        ((6, 4),),
        torch=lambda t, w: t.nn.functional.embedding(_ids(t, _IDS_INT32), w),
    ),
    OpCase(
        "embedding_padding_idx",
        lambda w: embedding(_IDS, w, padding_idx=4) * _NOT_PADDING.astype(w.dtype),
        ((5, 2),),
        torch=lambda t, w: (
            t.nn.functional.embedding(_ids(t, _IDS), w, padding_idx=4) * _like(t, _NOT_PADDING, w)
        ),
    ),
    OpCase(
        "embedding_negative_padding_idx",
        lambda w: embedding(_IDS, w, padding_idx=-2) * _NOT_PADDING.astype(w.dtype),  # row 4 of 6
        ((6, 3),),
        torch=lambda t, w: (
            t.nn.functional.embedding(_ids(t, _IDS), w, padding_idx=-2) * _like(t, _NOT_PADDING, w)
        ),
    ),
    OpCase(
        "embedding_scalar_id",
        lambda w: embedding(_IDS_SCALAR, w),
        ((4, 3),),
        torch=lambda t, w: t.nn.functional.embedding(_ids(t, _IDS_SCALAR), w),
    ),
    OpCase(
        "embedding_empty_ids",
        lambda w: embedding(_IDS_EMPTY, w),
        ((4, 3),),
        torch=lambda t, w: t.nn.functional.embedding(_ids(t, _IDS_EMPTY), w),
    ),
    # bags of embeddings: sums, means (padding left out of the count) and maxima
    OpCase(
        "embedding_bag_sum_offsets",
        lambda w: embedding_bag(_BAG_IDS, w, _BAG_OFFSETS, mode="sum"),
        ((6, 3),),
        torch=lambda t, w: t.nn.functional.embedding_bag(
            _ids(t, _BAG_IDS), w, _ids(t, _BAG_OFFSETS), mode="sum"
        ),
    ),
    OpCase(
        "embedding_bag_mean_padding",
        lambda w: embedding_bag(_BAG_IDS.reshape(3, 3), w, mode="mean", padding_idx=4),
        ((6, 2),),
        torch=lambda t, w: t.nn.functional.embedding_bag(
            _ids(t, _BAG_IDS.reshape(3, 3)), w, mode="mean", padding_idx=4
        ),
    ),
    OpCase(
        "embedding_bag_max",
        lambda w: embedding_bag(_BAG_IDS, w, _BAG_OFFSETS, mode="max"),
        ((6, 4),),
        torch=lambda t, w: t.nn.functional.embedding_bag(
            _ids(t, _BAG_IDS), w, _ids(t, _BAG_OFFSETS), mode="max"
        ),
    ),
    OpCase(
        "embedding_bag_per_sample_weights",
        lambda w, p: embedding_bag(_BAG_IDS, w, _BAG_OFFSETS, mode="sum", per_sample_weights=p),
        ((6, 3), (9,)),
        torch=lambda t, w, p: t.nn.functional.embedding_bag(
            _ids(t, _BAG_IDS), w, _ids(t, _BAG_OFFSETS), mode="sum", per_sample_weights=p
        ),
    ),
)
