"""Catalogue cases: resampling (interpolate's modes, pixel shuffle) and sampling at grid points
(affine_grid and grid_sample)."""

from __future__ import annotations

from .. import functional as F
from .case import OpCase

CASES: tuple[OpCase, ...] = (
    # ---- resampling ----------------------------------------------------------------------------
    OpCase(
        "interpolate_nearest_size",
        lambda x: F.interpolate(x, size=(8, 4)),
        ((2, 3, 5, 7),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(8, 4)),
    ),
    OpCase(
        "interpolate_nearest_scale",
        lambda x: F.interpolate(x, scale_factor=(1.7, 0.6)),
        ((2, 2, 5, 7),),
        torch=lambda t, x: t.nn.functional.interpolate(x, scale_factor=(1.7, 0.6)),
    ),
    OpCase(
        "interpolate_nearest_integer_scale",
        lambda x: F.interpolate(x, scale_factor=(3, 2)),
        ((2, 2, 3, 4),),
        torch=lambda t, x: t.nn.functional.interpolate(x, scale_factor=(3, 2)),
    ),
    OpCase(
        "interpolate_nearest_1d_recompute",
        lambda x: F.interpolate(x, scale_factor=1.7, recompute_scale_factor=True),
        ((2, 3, 5),),
        torch=lambda t, x: t.nn.functional.interpolate(x, scale_factor=1.7, recompute_scale_factor=True),
    ),
    OpCase(
        "interpolate_nearest_exact",
        lambda x: F.interpolate(x, size=(7, 3), mode="nearest-exact"),
        ((2, 2, 5, 7),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(7, 3), mode="nearest-exact"),
    ),
    OpCase(
        "interpolate_nearest_3d",
        lambda x: F.interpolate(x, size=(3, 5, 2)),
        ((1, 2, 2, 3, 4),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(3, 5, 2)),
    ),
    OpCase(
        "interpolate_bilinear",
        lambda x: F.interpolate(x, size=(7, 5), mode="bilinear"),
        ((2, 3, 4, 6),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(7, 5), mode="bilinear"),
    ),
    OpCase(
        "interpolate_bilinear_align_corners",
        lambda x: F.interpolate(x, size=(7, 5), mode="bilinear", align_corners=True),
        ((2, 3, 4, 6),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(7, 5), mode="bilinear", align_corners=True),
    ),
    OpCase(
        "interpolate_bilinear_scale",
        lambda x: F.interpolate(x, scale_factor=(2.5, 0.7), mode="bilinear"),
        ((2, 2, 4, 7),),
        torch=lambda t, x: t.nn.functional.interpolate(x, scale_factor=(2.5, 0.7), mode="bilinear"),
    ),
    OpCase(
        "interpolate_bilinear_one_pixel",
        lambda x: F.interpolate(x, size=(1, 4), mode="bilinear", align_corners=True),
        ((1, 2, 3, 1),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(1, 4), mode="bilinear", align_corners=True),
    ),
    OpCase(
        "interpolate_linear",
        lambda x: F.interpolate(x, scale_factor=2.3, mode="linear"),
        ((2, 3, 5),),
        torch=lambda t, x: t.nn.functional.interpolate(x, scale_factor=2.3, mode="linear"),
    ),
    OpCase(
        "interpolate_linear_corners_down",
        lambda x: F.interpolate(x, size=4, mode="linear", align_corners=True),
        ((2, 2, 9),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=4, mode="linear", align_corners=True),
    ),
    OpCase(
        "interpolate_bicubic",
        lambda x: F.interpolate(x, size=(6, 5), mode="bicubic"),
        ((2, 2, 4, 7),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(6, 5), mode="bicubic"),
    ),
    OpCase(
        "interpolate_bicubic_align_corners",
        lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True),
        ((1, 2, 4, 5),),
        torch=lambda t, x: t.nn.functional.interpolate(
            x, scale_factor=1.5, mode="bicubic", align_corners=True
        ),
    ),
    OpCase(
        "interpolate_trilinear",
        lambda x: F.interpolate(x, size=(3, 4, 5), mode="trilinear"),
        ((1, 2, 2, 3, 4),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(3, 4, 5), mode="trilinear"),
    ),
    OpCase(
        "interpolate_area",
        lambda x: F.interpolate(x, size=(3, 4), mode="area"),
        ((2, 2, 7, 9),),
        torch=lambda t, x: t.nn.functional.interpolate(x, size=(3, 4), mode="area"),
    ),
    OpCase(
        "pixel_shuffle",
        lambda x: F.pixel_shuffle(x, 2),
        ((2, 8, 3, 2),),
        torch=lambda t, x: t.nn.functional.pixel_shuffle(x, 2),
    ),
    OpCase(
        "pixel_unshuffle",
        lambda x: F.pixel_unshuffle(x, 3),
        ((2, 2, 3, 6),),
        torch=lambda t, x: t.nn.functional.pixel_unshuffle(x, 3),
    ),
    # sampling at grid points (spatial transformers): gradients for the image and the grid
    OpCase(
        "grid_sample_bilinear",
        lambda x, g: F.grid_sample(x, g, align_corners=False),
        ((2, 3, 4, 5), (2, 3, 2, 2)),
        domain=("real", "unit"),
        torch=lambda t, x, g: t.nn.functional.grid_sample(x, g, align_corners=False),
    ),
    OpCase(
        "grid_sample_bicubic_reflection",
        lambda x, g: F.grid_sample(x, g * 1.5, "bicubic", "reflection", align_corners=True),
        ((1, 2, 4, 5), (1, 3, 2, 2)),
        domain=("real", "unit"),
        torch=lambda t, x, g: t.nn.functional.grid_sample(
            x, g * 1.5, "bicubic", "reflection", align_corners=True
        ),
    ),
    OpCase(
        "grid_sample_trilinear_border",
        lambda x, g: F.grid_sample(x, g * 1.3, padding_mode="border", align_corners=False),
        ((1, 2, 3, 4, 3), (1, 2, 2, 2, 3)),
        domain=("real", "unit"),
        torch=lambda t, x, g: t.nn.functional.grid_sample(
            x, g * 1.3, padding_mode="border", align_corners=False
        ),
    ),
    OpCase(
        "affine_grid",
        lambda theta: F.affine_grid(theta, (2, 1, 3, 4), align_corners=False),
        ((2, 2, 3),),
        torch=lambda t, theta: t.nn.functional.affine_grid(theta, (2, 1, 3, 4), align_corners=False),
    ),
)
