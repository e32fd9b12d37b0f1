"""Catalogue cases: convolution (1-D, 2-D, 3-D, transposed; groups, dilation, 'same'), fold/unfold and
pooling (ceil_mode, dilation, indices, count_include_pad, divisor_override, adaptive, unpooling, LP).
Resampling is in cases_resampling.py."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .case import OpCase

# indices of a 2×2 max pooling of a (2, 3, 4, 6) batch (each block's top-left corner, moved down and
# right at random), for max_unpool2d with the indices held fixed
_RNG = np.random.default_rng(5)
_UNPOOL_INDEX = (2 * np.arange(2)[:, None] + _RNG.integers(0, 2, (2, 3, 2, 3))) * 6 + (
    2 * np.arange(3) + _RNG.integers(0, 2, (2, 3, 2, 3))
)


CASES: tuple[OpCase, ...] = (
    # ---- convolution ---------------------------------------------------------------------------
    OpCase(
        "conv1d",
        lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
        ((2, 3, 9), (4, 3, 3), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.conv1d(x, w, b, stride=2, padding=1),
    ),
    OpCase(
        "conv1d_groups_dilation",
        lambda x, w: F.conv1d(x, w, dilation=2, groups=2),
        ((2, 4, 10), (6, 2, 3)),
        torch=lambda t, x, w: t.nn.functional.conv1d(x, w, dilation=2, groups=2),
    ),
    OpCase(
        "conv1d_same_dilated",
        lambda x, w, b: F.conv1d(x, w, b, padding="same", dilation=3),
        ((2, 2, 9), (3, 2, 4), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.conv1d(x, w, b, padding="same", dilation=3),
    ),
    OpCase(
        "conv1d_unbatched",
        lambda x, w: F.conv1d(x, w, padding=2),
        ((3, 7), (2, 3, 3)),
        torch=lambda t, x, w: t.nn.functional.conv1d(x, w, padding=2),
    ),
    OpCase(
        "conv2d_groups",
        lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
        ((2, 4, 5, 6), (6, 2, 3, 3), (6,)),
        torch=lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, padding=1, groups=2),
    ),
    OpCase(
        "conv2d_depthwise",
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), groups=3),
        ((2, 3, 7, 5), (6, 1, 3, 2), (6,)),
        torch=lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=(2, 1), groups=3),
    ),
    OpCase(
        "conv2d_dilation",
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=2, dilation=2),
        ((2, 3, 9, 8), (4, 3, 3, 3), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=2, padding=2, dilation=2),
    ),
    OpCase(
        "conv2d_dilation_groups_rect",
        lambda x, w: F.conv2d(x, w, stride=(1, 2), padding=(0, 1), dilation=(2, 1), groups=2),
        ((1, 4, 8, 7), (2, 2, 2, 3)),
        torch=lambda t, x, w: t.nn.functional.conv2d(
            x, w, stride=(1, 2), padding=(0, 1), dilation=(2, 1), groups=2
        ),
    ),
    OpCase(
        "conv2d_same_dilated",
        lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(2, 3)),
        ((2, 2, 7, 8), (3, 2, 3, 2), (3,)),
        torch=lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, padding="same", dilation=(2, 3)),
    ),
    OpCase(
        "conv2d_valid_unbatched",
        lambda x, w: F.conv2d(x, w, padding="valid"),
        ((2, 5, 6), (3, 2, 2, 3)),
        torch=lambda t, x, w: t.nn.functional.conv2d(x, w, padding="valid"),
    ),
    OpCase(
        "conv_transpose2d_groups",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2),
        ((2, 4, 3, 4), (4, 3, 3, 3), (6,)),
        torch=lambda t, x, w, b: t.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2),
    ),
    OpCase(
        "conv_transpose2d_dilation",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, output_padding=1, dilation=2),
        ((2, 3, 4, 3), (3, 2, 3, 2), (2,)),
        torch=lambda t, x, w, b: t.nn.functional.conv_transpose2d(
            x, w, b, stride=2, output_padding=1, dilation=2
        ),
    ),
    OpCase(
        "conv_transpose2d_op_dilated",
        lambda x, w: F.conv_transpose2d(x, w, padding=(1, 0), output_padding=(1, 2), dilation=(2, 3)),
        ((1, 2, 3, 4), (2, 3, 3, 2)),
        torch=lambda t, x, w: t.nn.functional.conv_transpose2d(
            x, w, padding=(1, 0), output_padding=(1, 2), dilation=(2, 3)
        ),
    ),
    OpCase(
        "conv_transpose2d_unbatched",
        lambda x, w: F.conv_transpose2d(x, w, stride=(1, 2)),
        ((2, 3, 3), (2, 2, 2, 2)),
        torch=lambda t, x, w: t.nn.functional.conv_transpose2d(x, w, stride=(1, 2)),
    ),
    OpCase(
        "conv_transpose1d",
        lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2),
        ((2, 3, 5), (3, 4, 4), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.conv_transpose1d(
            x, w, b, stride=3, padding=1, output_padding=2
        ),
    ),
    OpCase(
        "conv_transpose1d_groups_dilation",
        lambda x, w: F.conv_transpose1d(x, w, groups=3, dilation=2),
        ((2, 6, 4), (6, 1, 3)),
        torch=lambda t, x, w: t.nn.functional.conv_transpose1d(x, w, groups=3, dilation=2),
    ),
    OpCase(
        "unfold",
        lambda x: F.unfold(x, (2, 3), padding=1, stride=(2, 1)),
        ((2, 3, 5, 4),),
        torch=lambda t, x: t.nn.functional.unfold(x, (2, 3), padding=1, stride=(2, 1)),
    ),
    OpCase(
        "unfold_dilation_unbatched",
        lambda x: F.unfold(x, 2, dilation=2),
        ((2, 5, 6),),
        torch=lambda t, x: t.nn.functional.unfold(x, 2, dilation=2),
    ),
    OpCase(
        "fold",
        lambda x: F.fold(x, (4, 5), 2),
        ((2, 12, 12),),
        torch=lambda t, x: t.nn.functional.fold(x, (4, 5), 2),
    ),
    OpCase(
        "fold_strided_padded",
        lambda x: F.fold(x, (5, 4), (3, 2), padding=1, stride=2, dilation=(1, 2)),
        ((1, 12, 6),),
        torch=lambda t, x: t.nn.functional.fold(x, (5, 4), (3, 2), padding=1, stride=2, dilation=(1, 2)),
    ),
    # ---- max pooling ---------------------------------------------------------------------------
    OpCase(
        "max_pool2d_ceil_mode",
        lambda x: F.max_pool2d(x, 3, stride=2, ceil_mode=True),
        ((2, 3, 8, 7),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=2, ceil_mode=True),
    ),
    OpCase(
        "max_pool2d_ceil_mode_padded",
        lambda x: F.max_pool2d(x, (2, 3), stride=2, padding=1, ceil_mode=True),
        ((2, 2, 6, 7),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, (2, 3), stride=2, padding=1, ceil_mode=True),
    ),
    OpCase(
        "max_pool2d_dilation",
        lambda x: F.max_pool2d(x, 2, stride=1, dilation=2),
        ((2, 3, 6, 5),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 2, stride=1, dilation=2),
    ),
    OpCase(
        "max_pool2d_dilation_padding",
        lambda x: F.max_pool2d(x, 3, stride=(2, 1), padding=1, dilation=(2, 1)),
        ((1, 2, 7, 6),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=(2, 1), padding=1, dilation=(2, 1)),
    ),
    OpCase(
        "max_pool2d_unbatched",
        lambda x: F.max_pool2d(x, 2),
        ((3, 5, 4),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 2),
    ),
    OpCase(
        "max_pool2d_indices",
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[1],
        ((2, 2, 7, 6),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[1],
        differentiable=False,
    ),
    OpCase(
        "max_pool2d_indices_tiled",
        lambda x: F.max_pool2d(x, 2, return_indices=True)[1],
        ((2, 3, 4, 6),),
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 2, return_indices=True)[1],
        differentiable=False,
    ),
    OpCase(
        "max_pool2d_int_padded",
        lambda x: F.max_pool2d(x, 3, stride=1, padding=1),
        ((2, 2, 5, 4),),
        "int",
        torch=lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=1, padding=1),
        differentiable=False,
    ),
    OpCase(
        "max_pool1d",
        lambda x: F.max_pool1d(x, 3, stride=2, padding=1),
        ((2, 3, 9),),
        torch=lambda t, x: t.nn.functional.max_pool1d(x, 3, stride=2, padding=1),
    ),
    OpCase(
        "max_pool1d_dilation_ceil",
        lambda x: F.max_pool1d(x, 2, stride=2, dilation=2, ceil_mode=True),
        ((2, 2, 8),),
        torch=lambda t, x: t.nn.functional.max_pool1d(x, 2, stride=2, dilation=2, ceil_mode=True),
    ),
    OpCase(
        "max_pool1d_indices_unbatched",
        lambda x: F.max_pool1d(x, 2, return_indices=True)[1],
        ((3, 7),),
        torch=lambda t, x: t.nn.functional.max_pool1d(x, 2, return_indices=True)[1],
        differentiable=False,
    ),
    # ---- average and LP pooling ----------------------------------------------------------------
    OpCase(
        "avg_pool2d_ceil_mode",
        lambda x: F.avg_pool2d(x, 3, stride=2, ceil_mode=True),
        ((2, 3, 8, 7),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 3, stride=2, ceil_mode=True),
    ),
    OpCase(
        "avg_pool2d_padding_ceil",
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
        ((2, 2, 6, 7),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    ),
    OpCase(
        "avg_pool2d_exclude_pad",
        lambda x: F.avg_pool2d(x, (3, 2), stride=(2, 1), padding=1, count_include_pad=False),
        ((2, 2, 7, 5),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(
            x, (3, 2), stride=(2, 1), padding=1, count_include_pad=False
        ),
    ),
    OpCase(
        "avg_pool2d_exclude_pad_ceil",
        lambda x: F.avg_pool2d(x, 2, padding=1, ceil_mode=True, count_include_pad=False),
        ((1, 2, 6, 5),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(
            x, 2, padding=1, ceil_mode=True, count_include_pad=False
        ),
    ),
    OpCase(
        "avg_pool2d_divisor_override",
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, divisor_override=4),
        ((2, 2, 7, 6),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 3, stride=2, padding=1, divisor_override=4),
    ),
    OpCase(
        "avg_pool2d_unbatched",
        lambda x: F.avg_pool2d(x, 2, stride=1),
        ((3, 4, 5),),
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 2, stride=1),
    ),
    OpCase(
        "avg_pool2d_int_padded",
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
        ((2, 2, 5, 6),),
        "int",
        torch=lambda t, x: t.nn.functional.avg_pool2d(x, 3, stride=2, padding=1),
        differentiable=False,
    ),
    OpCase(
        "avg_pool1d",
        lambda x: F.avg_pool1d(x, 3, stride=2, padding=1),
        ((2, 3, 9),),
        torch=lambda t, x: t.nn.functional.avg_pool1d(x, 3, stride=2, padding=1),
    ),
    OpCase(
        "avg_pool1d_exclude_pad_ceil",
        lambda x: F.avg_pool1d(x, 4, stride=3, padding=2, ceil_mode=True, count_include_pad=False),
        ((2, 2, 10),),
        torch=lambda t, x: t.nn.functional.avg_pool1d(
            x, 4, stride=3, padding=2, ceil_mode=True, count_include_pad=False
        ),
    ),
    OpCase(
        "lp_pool2d",
        lambda x: F.lp_pool2d(x, 2, 2),
        ((2, 3, 4, 6),),
        torch=lambda t, x: t.nn.functional.lp_pool2d(x, 2, 2),
    ),
    OpCase(
        "lp_pool1d_p3",
        lambda x: F.lp_pool1d(x, 3, 3, stride=2),
        ((2, 2, 9),),
        "positive",
        torch=lambda t, x: t.nn.functional.lp_pool1d(x, 3, 3, stride=2),
    ),
    # ---- adaptive pooling, unpooling -----------------------------------------------------------
    OpCase(
        "adaptive_avg_pool2d",
        lambda x: F.adaptive_avg_pool2d(x, (3, 4)),
        ((2, 3, 7, 9),),
        torch=lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (3, 4)),
    ),
    OpCase(
        "adaptive_avg_pool2d_tiles",
        lambda x: F.adaptive_avg_pool2d(x, 2),
        ((2, 3, 6, 4),),
        torch=lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, 2),
    ),
    OpCase(
        "adaptive_avg_pool2d_none_larger",
        lambda x: F.adaptive_avg_pool2d(x, (None, 7)),
        ((3, 4, 5),),
        torch=lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (None, 7)),
    ),
    OpCase(
        "adaptive_avg_pool1d",
        lambda x: F.adaptive_avg_pool1d(x, 4),
        ((2, 3, 10),),
        torch=lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, 4),
    ),
    OpCase(
        "adaptive_max_pool2d",
        lambda x: F.adaptive_max_pool2d(x, (3, 4)),
        ((2, 3, 7, 9),),
        torch=lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (3, 4)),
    ),
    OpCase(
        "adaptive_max_pool2d_indices",
        lambda x: F.adaptive_max_pool2d(x, (4, 3), return_indices=True)[1],
        ((2, 2, 5, 7),),
        torch=lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (4, 3), return_indices=True)[1],
        differentiable=False,
    ),
    OpCase(
        "adaptive_max_pool2d_tiles_3d",
        lambda x: F.adaptive_max_pool2d(x, (2, 3)),
        ((2, 4, 6),),
        torch=lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (2, 3)),
    ),
    OpCase(
        "adaptive_max_pool1d",
        lambda x: F.adaptive_max_pool1d(x, 3),
        ((2, 3, 8),),
        torch=lambda t, x: t.nn.functional.adaptive_max_pool1d(x, 3),
    ),
    OpCase(
        "max_unpool2d",
        lambda x: F.max_unpool2d(x, _UNPOOL_INDEX, 2),
        ((2, 3, 2, 3),),
        torch=lambda t, x: t.nn.functional.max_unpool2d(x, t.from_numpy(_UNPOOL_INDEX), 2),
    ),
    OpCase(
        "max_unpool2d_of_max_pool2d",
        # (windows that do not overlap: a maximum shared by two windows would be put back once but
        # receive both windows' gradients, in PyTorch as here)
        lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=(7, 7)),
        ((2, 2, 7, 7),),
        torch=lambda t, x: t.nn.functional.max_unpool2d(
            *t.nn.functional.max_pool2d(x, 2, return_indices=True), 2, output_size=(7, 7)
        ),
    ),
    OpCase(
        "max_unpool1d_of_max_pool1d",
        lambda x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2),
        ((2, 3, 8),),
        torch=lambda t, x: t.nn.functional.max_unpool1d(
            *t.nn.functional.max_pool1d(x, 2, return_indices=True), 2
        ),
    ),
    # ---- volumes (N, C, D, H, W) ---------------------------------------------------------------
    OpCase(
        "conv3d_groups_dilation",
        lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2),
        ((2, 4, 5, 5, 4), (6, 2, 2, 3, 2), (6,)),
        torch=lambda t, x, w, b: t.nn.functional.conv3d(
            x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2
        ),
    ),
    OpCase(
        "conv3d_same_unbatched",
        lambda x, w: F.conv3d(x, w, padding="same"),
        ((2, 4, 3, 5), (3, 2, 3, 3, 1)),
        torch=lambda t, x, w: t.nn.functional.conv3d(x, w, padding="same"),
    ),
    OpCase(
        "conv_transpose3d_groups",
        lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=(1, 0, 1), output_padding=1, groups=2),
        ((2, 4, 2, 3, 2), (4, 2, 3, 2, 3), (4,)),
        torch=lambda t, x, w, b: t.nn.functional.conv_transpose3d(
            x, w, b, stride=2, padding=(1, 0, 1), output_padding=1, groups=2
        ),
    ),
    OpCase(
        "max_pool3d_ceil_mode_dilation",
        lambda x: F.max_pool3d(x, (2, 3, 2), stride=2, padding=1, dilation=(1, 1, 2), ceil_mode=True),
        ((2, 2, 5, 6, 7),),
        torch=lambda t, x: t.nn.functional.max_pool3d(
            x, (2, 3, 2), stride=2, padding=1, dilation=(1, 1, 2), ceil_mode=True
        ),
    ),
    OpCase(
        "max_pool3d_indices",
        lambda x: F.max_pool3d(x, 3, stride=2, padding=1, return_indices=True)[1],
        ((2, 2, 5, 4, 5),),
        torch=lambda t, x: t.nn.functional.max_pool3d(x, 3, stride=2, padding=1, return_indices=True)[1],
        differentiable=False,
    ),
    OpCase(
        "avg_pool3d_exclude_pad_ceil",
        lambda x: F.avg_pool3d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        ((2, 2, 6, 5, 4),),
        torch=lambda t, x: t.nn.functional.avg_pool3d(
            x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False
        ),
    ),
    OpCase(
        "avg_pool3d_divisor_override",
        lambda x: F.avg_pool3d(x, (2, 1, 2), divisor_override=3),
        ((3, 4, 3, 5),),
        torch=lambda t, x: t.nn.functional.avg_pool3d(x, (2, 1, 2), divisor_override=3),
    ),
    OpCase(
        "adaptive_avg_pool3d",
        lambda x: F.adaptive_avg_pool3d(x, (2, None, 3)),
        ((2, 3, 5, 4, 7),),
        torch=lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (2, None, 3)),
    ),
)
