"""Catalogue cases: shape and layout ops: reshape and views, permutations, squeeze/unsqueeze, expand
and broadcasting, slicing along a dim, split/chunk/unbind, joining, flip, roll, repeat, tile,
repeat_interleave, unfold and pad.

Ops that return several tensors (split, chunk, unbind, meshgrid, broadcast_tensors) are joined
again with a different weight per piece, so a gradient sent to the wrong piece shows."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .. import functional as F
from .case import OpCase

_COUNTS = np.array([2, 0, 3])  # repeat_interleave: a zero count drops an element


def _weighted(pieces, join):
    """The pieces joined again, piece k scaled by k + 1."""
    return join([p * (k + 1) for k, p in enumerate(pieces)])


def _ds_cat(dim):
    return lambda pieces: ag.cat(pieces, dim)


def _torch_cat(t, dim):
    return lambda pieces: t.cat(pieces, dim)


CASES: tuple[OpCase, ...] = (
    # reshape, view, flatten
    OpCase("reshape_infer", lambda a: a.reshape(-1, 6), ((2, 3, 4),), torch=lambda t, a: a.reshape(-1, 6)),
    OpCase(
        "reshape_of_transposed",
        lambda a: a.transpose(0, 1).reshape(-1),
        ((3, 4),),
        torch=lambda t, a: a.transpose(0, 1).reshape(-1),
    ),
    OpCase("reshape_empty", lambda a: a.reshape(3, 0, 2), ((0, 6),), torch=lambda t, a: a.reshape(3, 0, 2)),
    OpCase("reshape_0d", lambda a: a.reshape(1, 1), ((),), torch=lambda t, a: a.reshape(1, 1)),
    OpCase("view_tuple", lambda a: a.view((4, 3)), ((2, 6),), torch=lambda t, a: a.view((4, 3))),
    OpCase("flatten_range", lambda a: a.flatten(1, -2), ((2, 3, 4, 5),), torch=lambda t, a: a.flatten(1, -2)),
    OpCase("flatten_0d", lambda a: a.flatten(), ((),), torch=lambda t, a: a.flatten()),
    OpCase("ravel", lambda a: a.ravel(), ((2, 3, 4),), torch=lambda t, a: a.ravel()),
    OpCase(
        "unflatten",
        lambda a: a.unflatten(-1, (3, -1)),
        ((2, 12),),
        torch=lambda t, a: a.unflatten(-1, (3, -1)),
    ),
    # squeeze, unsqueeze
    OpCase("squeeze_all", lambda a: a.squeeze(), ((1, 3, 1, 2),), torch=lambda t, a: a.squeeze()),
    OpCase(
        "squeeze_tuple", lambda a: a.squeeze((0, -1)), ((1, 3, 1),), torch=lambda t, a: a.squeeze((0, -1))
    ),
    OpCase("squeeze_not_one", lambda a: a.squeeze(1), ((2, 3),), torch=lambda t, a: a.squeeze(1)),
    OpCase("unsqueeze_negative", lambda a: a.unsqueeze(-1), ((3, 4),), torch=lambda t, a: a.unsqueeze(-1)),
    OpCase("unsqueeze_0d", lambda a: a.unsqueeze(0), ((),), torch=lambda t, a: a.unsqueeze(0)),
    # permutations
    OpCase(
        "permute_negative",
        lambda a: a.permute(-1, 0, 1),
        ((2, 3, 4),),
        torch=lambda t, a: a.permute(-1, 0, 1),
    ),
    OpCase("swapaxes", lambda a: a.swapaxes(0, -1), ((2, 3, 4),), torch=lambda t, a: a.swapaxes(0, -1)),
    OpCase("swapdims", lambda a: a.swapdims(1, 2), ((2, 3, 4),), torch=lambda t, a: a.swapdims(1, 2)),
    OpCase("movedim", lambda a: a.movedim(0, -1), ((2, 3, 4),), torch=lambda t, a: a.movedim(0, -1)),
    OpCase(
        "movedim_tuple",
        lambda a: ag.movedim(a, (0, 1), (2, 0)),
        ((2, 3, 4),),
        torch=lambda t, a: t.movedim(a, (0, 1), (2, 0)),
    ),
    OpCase(
        "moveaxis", lambda a: ag.moveaxis(a, -1, 1), ((2, 3, 4),), torch=lambda t, a: t.moveaxis(a, -1, 1)
    ),
    OpCase("t_matrix", ag.t, ((3, 4),), torch=lambda t, a: t.t(a)),
    OpCase("t_vector", ag.t, ((3,),), torch=lambda t, a: t.t(a)),
    # expand and broadcasting
    OpCase("expand_keep", lambda a: a.expand(2, -1, 4), ((3, 1),), torch=lambda t, a: a.expand(2, -1, 4)),
    OpCase("expand_0d", lambda a: a.expand(3, 2), ((),), torch=lambda t, a: a.expand(3, 2)),
    OpCase(
        "broadcast_to",
        lambda a: ag.broadcast_to(a, (2, 3, 4)),
        ((3, 1),),
        torch=lambda t, a: t.broadcast_to(a, (2, 3, 4)),
    ),
    OpCase(
        "broadcast_tensors",
        lambda a, b: _weighted(ag.broadcast_tensors(a, b), ag.stack),
        ((3, 1), (4,)),
        torch=lambda t, a, b: _weighted(t.broadcast_tensors(a, b), t.stack),
    ),
    OpCase(
        "meshgrid_ij",
        lambda a, b: _weighted(ag.meshgrid(a, b, indexing="ij"), ag.stack),
        ((3,), (4,)),
        torch=lambda t, a, b: _weighted(t.meshgrid(a, b, indexing="ij"), t.stack),
    ),
    OpCase(
        "meshgrid_xy",
        lambda a, b, c: _weighted(ag.meshgrid(a, b, c, indexing="xy"), ag.stack),
        ((3,), (4,), (2,)),
        torch=lambda t, a, b, c: _weighted(t.meshgrid(a, b, c, indexing="xy"), t.stack),
    ),
    OpCase("atleast_1d", ag.atleast_1d, ((),), torch=lambda t, a: t.atleast_1d(a)),
    OpCase("atleast_2d", ag.atleast_2d, ((3,),), torch=lambda t, a: t.atleast_2d(a)),
    OpCase("atleast_3d", ag.atleast_3d, ((2, 3),), torch=lambda t, a: t.atleast_3d(a)),
    OpCase("atleast_3d_vector", ag.atleast_3d, ((3,),), torch=lambda t, a: t.atleast_3d(a)),
    # one dim sliced
    OpCase("narrow", lambda a: a.narrow(1, 1, 2), ((2, 4, 3),), torch=lambda t, a: a.narrow(1, 1, 2)),
    OpCase(
        "narrow_negative", lambda a: a.narrow(-1, -3, 2), ((2, 4, 3),), torch=lambda t, a: a.narrow(-1, -3, 2)
    ),
    OpCase("select", lambda a: a.select(1, 2), ((2, 4, 3),), torch=lambda t, a: a.select(1, 2)),
    OpCase(
        "select_negative",
        lambda a: ag.select(a, -1, -1),
        ((2, 4, 3),),
        torch=lambda t, a: t.select(a, -1, -1),
    ),
    # split, chunk, unbind (each piece weighted differently, then joined back)
    OpCase(
        "split_size",
        lambda a: _weighted(a.split(2, 1), _ds_cat(1)),
        ((3, 5),),
        torch=lambda t, a: _weighted(a.split(2, 1), _torch_cat(t, 1)),
    ),
    OpCase(
        "split_sections",
        lambda a: _weighted(ag.split(a, [1, 0, 3], dim=-1), _ds_cat(-1)),
        ((3, 4),),
        torch=lambda t, a: _weighted(t.split(a, [1, 0, 3], dim=-1), _torch_cat(t, -1)),
    ),
    OpCase(
        "chunk_fewer",
        lambda a: _weighted(a.chunk(4), _ds_cat(0)),
        ((6, 2),),
        torch=lambda t, a: _weighted(a.chunk(4), _torch_cat(t, 0)),
    ),
    OpCase(
        "chunk_uneven",
        lambda a: _weighted(a.chunk(3, dim=-1), _ds_cat(-1)),
        ((2, 7),),
        torch=lambda t, a: _weighted(a.chunk(3, dim=-1), _torch_cat(t, -1)),
    ),
    OpCase(
        "unbind",
        lambda a: _weighted(a.unbind(1), ag.stack),
        ((2, 3, 4),),
        torch=lambda t, a: _weighted(a.unbind(1), t.stack),
    ),
    # joining
    OpCase(
        "cat_negative_dim",
        lambda a, b: ag.cat([a, b], -1),
        ((2, 3), (2, 4)),
        torch=lambda t, a, b: t.cat([a, b], -1),
    ),
    OpCase(
        "cat_skips_1d_empty",
        lambda a, b: ag.cat([a, b, a]),
        ((2, 3), (0,)),
        torch=lambda t, a, b: t.cat([a, b, a]),
    ),
    OpCase(
        "cat_empty", lambda a, b: ag.cat([a, b], 1), ((2, 0), (2, 3)), torch=lambda t, a, b: t.cat([a, b], 1)
    ),
    OpCase(
        "cat_promotes",
        lambda a, b: ag.concat([a, b]),
        ((2, 3), (1, 3)),
        ("real", "int"),
        torch=lambda t, a, b: t.concat([a, b]),
    ),
    OpCase(
        "stack_last",
        lambda a, b: ag.stack([a, b], 2),
        ((3, 4), (3, 4)),
        torch=lambda t, a, b: t.stack([a, b], 2),
    ),
    OpCase(
        "stack_negative",
        lambda a, b: ag.stack([a, b], -3),
        ((3, 4), (3, 4)),
        torch=lambda t, a, b: t.stack([a, b], -3),
    ),
    OpCase(
        "hstack", lambda a, b: ag.hstack([a, b]), ((3, 2), (3, 4)), torch=lambda t, a, b: t.hstack([a, b])
    ),
    OpCase(
        "hstack_vectors", lambda a, b: ag.hstack([a, b]), ((3,), ()), torch=lambda t, a, b: t.hstack([a, b])
    ),
    OpCase("vstack", lambda a, b: ag.vstack([a, b]), ((3,), (2, 3)), torch=lambda t, a, b: t.vstack([a, b])),
    OpCase(
        "row_stack",
        lambda a, b: ag.row_stack([a, b]),
        ((3,), (3,)),
        torch=lambda t, a, b: t.row_stack([a, b]),
    ),
    OpCase("dstack", lambda a, b: ag.dstack([a, b]), ((3,), (1, 3)), torch=lambda t, a, b: t.dstack([a, b])),
    OpCase(
        "column_stack",
        lambda a, b: ag.column_stack([a, b]),
        ((3,), (3, 2)),
        torch=lambda t, a, b: t.column_stack([a, b]),
    ),
    # flip, roll
    OpCase("flip", lambda a: a.flip(0, -1), ((2, 3, 4),), torch=lambda t, a: a.flip(0, -1)),
    OpCase("flip_tuple", lambda a: ag.flip(a, (1,)), ((2, 3, 4),), torch=lambda t, a: t.flip(a, (1,))),
    OpCase("flip_empty", lambda a: a.flip(0), ((0, 3),), torch=lambda t, a: a.flip(0)),
    OpCase("fliplr", lambda a: a.fliplr(), ((3, 4),), torch=lambda t, a: a.fliplr()),
    OpCase("flipud", lambda a: ag.flipud(a), ((3, 4),), torch=lambda t, a: t.flipud(a)),
    OpCase(
        "roll_dims",
        lambda a: a.roll((1, -2), (0, 2)),
        ((2, 3, 4),),
        torch=lambda t, a: a.roll((1, -2), (0, 2)),
    ),
    OpCase("roll_flat", lambda a: a.roll(5), ((2, 3, 4),), torch=lambda t, a: a.roll(5)),
    OpCase("roll_empty", lambda a: a.roll(1, 0), ((0, 3),), torch=lambda t, a: a.roll(1, 0)),
    OpCase("roll_negative_dim", lambda a: ag.roll(a, 7, -1), ((2, 3),), torch=lambda t, a: t.roll(a, 7, -1)),
    # repeat, tile, repeat_interleave
    OpCase("repeat", lambda a: a.repeat(2, 1, 3), ((3, 2),), torch=lambda t, a: a.repeat(2, 1, 3)),
    OpCase("repeat_zero", lambda a: a.repeat(0, 2), ((3, 2),), torch=lambda t, a: a.repeat(0, 2)),
    OpCase("repeat_0d", lambda a: a.repeat(3), ((),), torch=lambda t, a: a.repeat(3)),
    OpCase("repeat_empty", lambda a: a.repeat(2, 3), ((0, 2),), torch=lambda t, a: a.repeat(2, 3)),
    OpCase(
        "unfold_empty_batch", lambda a: a.unfold(1, 2, 1), ((0, 3),), torch=lambda t, a: a.unfold(1, 2, 1)
    ),
    OpCase("tile", lambda a: a.tile(2), ((3, 2),), torch=lambda t, a: a.tile(2)),
    OpCase("tile_more", lambda a: ag.tile(a, (2, 1, 2)), ((3, 2),), torch=lambda t, a: t.tile(a, (2, 1, 2))),
    OpCase(
        "repeat_interleave",
        lambda a: a.repeat_interleave(2, dim=1),
        ((3, 2),),
        torch=lambda t, a: a.repeat_interleave(2, dim=1),
    ),
    OpCase(
        "repeat_interleave_counts",
        lambda a: a.repeat_interleave(ag.tensor(_COUNTS), dim=0),
        ((3, 2),),
        torch=lambda t, a: a.repeat_interleave(t.from_numpy(_COUNTS), dim=0),
    ),
    OpCase(
        "repeat_interleave_flat",
        lambda a: ag.repeat_interleave(a, 3),
        ((2, 2),),
        torch=lambda t, a: t.repeat_interleave(a, 3),
    ),
    # unfold: sliding windows as a strided view
    OpCase("unfold_overlap", lambda a: a.unfold(1, 3, 1), ((2, 5, 3),), torch=lambda t, a: a.unfold(1, 3, 1)),
    OpCase("unfold_step", lambda a: a.unfold(-1, 2, 2), ((2, 7),), torch=lambda t, a: a.unfold(-1, 2, 2)),
    OpCase("unfold_wide_step", lambda a: a.unfold(0, 2, 3), ((8,),), torch=lambda t, a: a.unfold(0, 2, 3)),
    # pad
    OpCase(
        "pad_constant",
        lambda a: F.pad(a, (1, 2)),
        ((2, 3, 4),),
        torch=lambda t, a: t.nn.functional.pad(a, (1, 2)),
    ),
    OpCase(
        "pad_constant_value_crop",
        lambda a: F.pad(a, (2, -1, 0, 1, 1, 1), value=0.5),
        ((2, 3, 4),),
        torch=lambda t, a: t.nn.functional.pad(a, (2, -1, 0, 1, 1, 1), value=0.5),
    ),
    OpCase(
        "pad_reflect",
        lambda a: F.pad(a, (2, 1, 1, 3), mode="reflect"),
        ((2, 3, 4, 5),),
        torch=lambda t, a: t.nn.functional.pad(a, (2, 1, 1, 3), mode="reflect"),
    ),
    OpCase(
        "pad_reflect_1d",
        lambda a: F.pad(a, (3, -1), mode="reflect"),
        ((2, 5),),
        torch=lambda t, a: t.nn.functional.pad(a, (3, -1), mode="reflect"),
    ),
    OpCase(
        "pad_replicate",
        lambda a: F.pad(a, (1, 2, 0, 1, 2, 1), mode="replicate"),
        ((1, 2, 3, 2, 4),),
        torch=lambda t, a: t.nn.functional.pad(a, (1, 2, 0, 1, 2, 1), mode="replicate"),
    ),
    OpCase(
        "pad_circular",
        lambda a: F.pad(a, (4, 1, -1, 2), mode="circular"),
        ((2, 3, 4),),
        torch=lambda t, a: t.nn.functional.pad(a, (4, 1, -1, 2), mode="circular"),
    ),
)
