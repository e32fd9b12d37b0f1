"""Catalogue cases: indexing: t[index] and t[index] = v with PyTorch's reading of the index, index_put,
gather and scatter (every reduction), index_select/add/copy/fill, take, take_along_dim, masked ops.

Index arrays repeat entries wherever the op allows it, so a gradient that assigns where it must add
shows. Writing ops work on `a * 1`, so the catalogue's inputs stay untouched."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd as ag
from .case import OpCase

_MASK = np.random.default_rng(11).random((3, 4)) > 0.5
_ROW_MASK = np.array([True, False, True, True])
_COLUMN_MASK = np.array([[True], [False], [True]])
_BIG_MASK = np.random.default_rng(12).random((2, 3, 4)) > 0.5
_PAIRS = np.array([[0, 2, 2], [3, 3, 1]])  # 2-d integer index with a repeat
_EMPTY = np.zeros(0, np.int64)
_ROWS, _COLS = np.array([0, 2, 1]), np.array([3, 0, 1])
_REPEATS = np.array([0, 2, 0])
_GATHER0 = np.array([[0, 1, 2, 0], [2, 2, 1, 0]])  # gather along dim 0 of (3, 4): repeats down columns
_GATHER1 = np.array([[3, 0, 3, 1, 1], [0, 0, 2, 2, 1], [1, 3, 0, 0, 2]])  # along dim 1, longer than a
_SMALL = np.array([[1, 1], [0, 3]])
_GATHER3D = np.random.default_rng(13).integers(0, 3, (2, 5, 4))
_SCATTER0 = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # every target position once: a write is deterministic
_SCATTER_LAST = np.array([[3, 0], [1, 2], [2, 0]])
_ADD0 = np.array([[0, 0, 1, 2], [0, 2, 2, 2]])  # repeats: the values add up
_ADD3D = np.random.default_rng(14).integers(0, 4, (2, 3, 3))
_SELECT = np.array([2, 0, 2, 1])
_TAKE = np.array([[0, -1, 5], [5, 11, -12]])
_ALONG = np.array([[2], [0], [3]])  # broadcast along dim 1's partner dims
_ALONG_ROWS = np.array([[2, 0, 1, 2]])


def _for_torch(torch: Any, index: Any) -> Any:
    """The same index for PyTorch: NumPy arrays become tensors, everything else stays."""
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    if isinstance(index, tuple):
        return tuple(_for_torch(torch, i) for i in index)
    return index


def _getitem(name: str, index: Any, shape: tuple[int, ...]) -> OpCase:
    return OpCase(name, lambda a: a[index], (shape,), torch=lambda t, a: a[_for_torch(t, index)])


def _assigned(a: Any, index: Any, value: Any) -> Any:
    out = a * 1
    out[index] = value
    return out


def _setitem(name: str, index: Any, shape: tuple[int, ...], value_shape: tuple[int, ...]) -> OpCase:
    return OpCase(
        name,
        lambda a, v: _assigned(a, index, v),
        (shape, value_shape),
        torch=lambda t, a, v: _assigned(a, _for_torch(t, index), v),
    )


def _scatter_reduce(reduce: str, include_self: bool) -> OpCase:
    return OpCase(
        f"scatter_reduce_{reduce}{'' if include_self else '_without_self'}",
        lambda a, s: a.scatter_reduce(0, _ADD0, s, reduce, include_self=include_self),
        ((3, 4), (2, 4)),
        "distinct" if reduce in ("amax", "amin") else "nonzero",
        torch=lambda t, a, s: a.scatter_reduce(0, t.from_numpy(_ADD0), s, reduce, include_self=include_self),
    )


CASES: tuple[OpCase, ...] = (
    # t[index]: PyTorch's reading (integers first, then the advanced indices)
    _getitem("getitem_negative_int", -1, (3, 4)),
    _getitem("getitem_steps", (slice(None, None, 2), slice(1, None, 2)), (3, 4)),
    _getitem("getitem_int_before_slice_and_list", (0, slice(None), [0, 1]), (2, 3, 4)),
    _getitem("getitem_int_then_two_slices", (0, slice(None), slice(None), [1, 2]), (2, 3, 4, 5)),
    _getitem("getitem_tuple_repeated", (slice(None), (1, 1)), (3, 4)),
    _getitem("getitem_separated_lists", ([0, 1, 1], slice(None), [1, 2, -1]), (2, 3, 4)),
    _getitem("getitem_adjacent_lists", (slice(None), [0, 2, 2], [1, 0, -1]), (2, 3, 4)),
    _getitem("getitem_list_int_list", ([1, 0], 1, [2, 2]), (2, 3, 4)),
    _getitem("getitem_none_ellipsis", (None, Ellipsis, 1), (3, 4)),
    _getitem("getitem_ellipsis_repeats", (Ellipsis, [0, 0, 1]), (2, 3, 4)),
    _getitem("getitem_bool_scalar", (slice(None), True, [0, 2]), (3, 4)),
    _getitem("getitem_mask_2d", _MASK, (3, 4, 2)),
    _getitem("getitem_mask_after_slice", (slice(1, None), _ROW_MASK), (3, 4)),
    _getitem("getitem_index_2d", _PAIRS, (4, 3)),
    _getitem("getitem_two_arrays_broadcast", (_PAIRS[:, :1] % 3, _PAIRS[0]), (3, 4)),
    _getitem("getitem_empty_index", _EMPTY, (3, 4)),
    _getitem("getitem_0d_array", (slice(None), np.array(1)), (3, 4)),
    # t[index] = v (value broadcast after dropping its leading axes of length 1)
    _setitem("setitem_basic", (0, slice(1, 3)), (3, 4), (2,)),
    _setitem("setitem_broadcast_rows", slice(1, None), (3, 4), (4,)),
    _setitem("setitem_leading_ones", 0, (3, 4), (1, 1, 4)),
    _setitem("setitem_rows", ([0, 2],), (3, 4), (2, 4)),
    _setitem("setitem_pytorch_order", (0, slice(None), [0, 1]), (2, 3, 4), (3, 2)),
    _setitem("setitem_separated", ([0, 1], slice(None), [1, 2]), (2, 3, 4), (2, 3)),
    _setitem("setitem_mask_scalar", _MASK, (3, 4), ()),
    # index_put
    OpCase(
        "index_put",
        lambda a, v: a.index_put((_ROWS, _COLS), v),
        ((3, 4), (3,)),
        torch=lambda t, a, v: a.index_put((t.from_numpy(_ROWS), t.from_numpy(_COLS)), v),
    ),
    OpCase(
        "index_put_accumulate",
        lambda a, v: a.index_put((_REPEATS,), v, accumulate=True),
        ((3, 4), (3, 4)),
        torch=lambda t, a, v: a.index_put((t.from_numpy(_REPEATS),), v, accumulate=True),
    ),
    OpCase(
        "index_put_accumulate_mask_broadcast",
        lambda a, v: a.index_put((_MASK,), v, accumulate=True),
        ((3, 4), (1,)),
        torch=lambda t, a, v: a.index_put((t.from_numpy(_MASK),), v, accumulate=True),
    ),
    OpCase(
        "index_put_inplace",
        lambda a, v: (a * 1).index_put_((_ROWS[:2], _COLS[:2]), v),
        ((3, 4), ()),
        torch=lambda t, a, v: (a * 1).index_put_((t.from_numpy(_ROWS[:2]), t.from_numpy(_COLS[:2])), v),
    ),
    # gather: each element of the input gets the sum of the gradients of the places that picked it
    OpCase(
        "gather_dim0",
        lambda a: a.gather(0, _GATHER0),
        ((3, 4),),
        torch=lambda t, a: a.gather(0, t.from_numpy(_GATHER0)),
    ),
    OpCase(
        "gather_negative_dim_long_index",
        lambda a: ag.gather(a, -1, _GATHER1),
        ((3, 4),),
        torch=lambda t, a: t.gather(a, -1, t.from_numpy(_GATHER1)),
    ),
    OpCase(
        "gather_smaller_index",
        lambda a: a.gather(1, _SMALL),
        ((3, 4),),
        torch=lambda t, a: a.gather(1, t.from_numpy(_SMALL)),
    ),
    OpCase(
        "gather_3d",
        lambda a: a.gather(1, _GATHER3D),
        ((2, 3, 4),),
        torch=lambda t, a: a.gather(1, t.from_numpy(_GATHER3D)),
    ),
    OpCase(
        "gather_empty_index",
        lambda a: a.gather(1, _EMPTY.reshape(3, 0)),
        ((3, 4),),
        torch=lambda t, a: a.gather(1, t.from_numpy(_EMPTY.reshape(3, 0))),
    ),
    # scatter, scatter_add, scatter_reduce
    OpCase(
        "scatter_src",
        lambda a, s: a.scatter(0, _SCATTER0, s),
        ((3, 4), (2, 4)),
        torch=lambda t, a, s: a.scatter(0, t.from_numpy(_SCATTER0), s),
    ),
    OpCase(
        "scatter_value",
        lambda a: ag.scatter(a, 0, _SCATTER0, value=2.5),
        ((3, 4),),
        torch=lambda t, a: t.scatter(a, 0, t.from_numpy(_SCATTER0), value=2.5),
    ),
    OpCase(
        "scatter_negative_dim",
        lambda a, s: a.scatter(-1, _SCATTER_LAST, s),
        ((3, 4), (3, 2)),
        torch=lambda t, a, s: a.scatter(-1, t.from_numpy(_SCATTER_LAST), s),
    ),
    OpCase(
        "scatter_inplace",
        lambda a, s: (a * 1).scatter_(0, _SCATTER0, s),
        ((3, 4), (2, 4)),
        torch=lambda t, a, s: (a * 1).scatter_(0, t.from_numpy(_SCATTER0), s),
    ),
    OpCase(
        "scatter_add_repeats",
        lambda a, s: a.scatter_add(0, _ADD0, s),
        ((3, 4), (2, 4)),
        torch=lambda t, a, s: a.scatter_add(0, t.from_numpy(_ADD0), s),
    ),
    OpCase(
        "scatter_add_3d_negative_dim",
        lambda a, s: ag.scatter_add(a, -1, _ADD3D, s),
        ((2, 3, 4), (2, 3, 3)),
        torch=lambda t, a, s: t.scatter_add(a, -1, t.from_numpy(_ADD3D), s),
    ),
    OpCase(
        "scatter_add_inplace",
        lambda a, s: (a * 1).scatter_add_(0, _ADD0, s),
        ((3, 4), (2, 4)),
        torch=lambda t, a, s: (a * 1).scatter_add_(0, t.from_numpy(_ADD0), s),
    ),
    *(_scatter_reduce(r, s) for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)),
    OpCase(
        "scatter_reduce_inplace",
        lambda a, s: (a * 1).scatter_reduce_(0, _ADD0, s, "mean"),
        ((3, 4), (2, 4)),
        torch=lambda t, a, s: (a * 1).scatter_reduce_(0, t.from_numpy(_ADD0), s, "mean"),
    ),
    # index_select, index_add, index_copy, index_fill
    OpCase(
        "index_select_repeats",
        lambda a: a.index_select(0, _SELECT[:3]),
        ((3, 4),),
        torch=lambda t, a: a.index_select(0, t.from_numpy(_SELECT[:3])),
    ),
    OpCase(
        "index_select_negative_dim",
        lambda a: ag.index_select(a, -1, _SELECT),
        ((2, 3, 4),),
        torch=lambda t, a: t.index_select(a, -1, t.from_numpy(_SELECT)),
    ),
    OpCase(
        "index_select_empty",
        lambda a: a.index_select(1, _EMPTY),
        ((3, 4),),
        torch=lambda t, a: a.index_select(1, t.from_numpy(_EMPTY)),
    ),
    OpCase(
        "index_select_0d_index",
        lambda a: a.index_select(1, np.array(2)),
        ((3, 4),),
        torch=lambda t, a: a.index_select(1, t.tensor(2)),
    ),
    OpCase(
        "index_add_alpha",
        lambda a, s: a.index_add(1, _SELECT, s, alpha=2.0),
        ((3, 4), (3, 4)),
        torch=lambda t, a, s: a.index_add(1, t.from_numpy(_SELECT), s, alpha=2.0),
    ),
    OpCase(
        "index_add_inplace",
        lambda a, s: (a * 1).index_add_(0, _REPEATS, s),
        ((3, 4), (3, 4)),
        torch=lambda t, a, s: (a * 1).index_add_(0, t.from_numpy(_REPEATS), s),
    ),
    OpCase(
        "index_copy",
        lambda a, s: a.index_copy(0, np.array([2, 0]), s),
        ((3, 4), (2, 4)),
        torch=lambda t, a, s: a.index_copy(0, t.tensor([2, 0]), s),
    ),
    OpCase(
        "index_copy_inplace",
        lambda a, s: (a * 1).index_copy_(-1, np.array([3, 1]), s),
        ((3, 4), (3, 2)),
        torch=lambda t, a, s: (a * 1).index_copy_(-1, t.tensor([3, 1]), s),
    ),
    OpCase(
        "index_fill_number",
        lambda a: a.index_fill(1, np.array([0, -1]), -2.0),
        ((3, 4),),
        torch=lambda t, a: a.index_fill(1, t.tensor([0, -1]), -2.0),
    ),
    OpCase(
        "index_fill_tensor_repeats",
        lambda a, v: a.index_fill(0, np.array([2, 2, 0]), v),
        ((3, 4), ()),
        torch=lambda t, a, v: a.index_fill(0, t.tensor([2, 2, 0]), v),
    ),
    OpCase(
        "index_fill_inplace",
        lambda a, v: (a * 1).index_fill_(-1, np.array([1]), v),
        ((3, 4), ()),
        torch=lambda t, a, v: (a * 1).index_fill_(-1, t.tensor([1]), v),
    ),
    # take, take_along_dim
    OpCase("take", lambda a: a.take(_TAKE), ((3, 4),), torch=lambda t, a: a.take(t.from_numpy(_TAKE))),
    OpCase(
        "take_along_dim_broadcast",
        lambda a: a.take_along_dim(_ALONG, 1),
        ((3, 4),),
        torch=lambda t, a: a.take_along_dim(t.from_numpy(_ALONG), 1),
    ),
    OpCase(
        "take_along_dim_broadcast_input",
        lambda a: ag.take_along_dim(a, _ALONG_ROWS.repeat(2, 0), 0),
        ((3, 1),),
        torch=lambda t, a: t.take_along_dim(a, t.from_numpy(_ALONG_ROWS.repeat(2, 0)), 0),
    ),
    OpCase(
        "take_along_dim_negative",
        lambda a: a.take_along_dim(-1 - _ALONG, -1),
        ((3, 4),),
        torch=lambda t, a: a.take_along_dim(t.from_numpy(-1 - _ALONG), -1),
    ),
    OpCase(
        "take_along_dim_flat",
        lambda a: ag.take_along_dim(a, _TAKE % 12),
        ((3, 4),),
        torch=lambda t, a: t.take_along_dim(a, t.from_numpy(_TAKE % 12)),
    ),
    # masks
    OpCase(
        "masked_fill_row_mask",
        lambda a: a.masked_fill(_ROW_MASK, -1.5),
        ((3, 4),),
        torch=lambda t, a: a.masked_fill(t.from_numpy(_ROW_MASK), -1.5),
    ),
    OpCase(
        "masked_fill_tensor_value",
        lambda a, v: ag.masked_fill(a, _COLUMN_MASK, v),
        ((3, 4), ()),
        torch=lambda t, a, v: t.masked_fill(a, t.from_numpy(_COLUMN_MASK), v),
    ),
    OpCase(
        "masked_fill_bigger_mask",
        lambda a: a.masked_fill(_BIG_MASK, 0.5),
        ((3, 4),),
        torch=lambda t, a: a.masked_fill(t.from_numpy(_BIG_MASK), 0.5),
    ),
    OpCase(
        "masked_fill_inplace",
        lambda a, v: (a * 1).masked_fill_(_MASK, v),
        ((3, 4), ()),
        torch=lambda t, a, v: (a * 1).masked_fill_(t.from_numpy(_MASK), v),
    ),
    OpCase(
        "masked_select",
        lambda a: a.masked_select(_MASK),
        ((3, 4),),
        torch=lambda t, a: a.masked_select(t.from_numpy(_MASK)),
    ),
    OpCase(
        "masked_select_broadcast",
        lambda a: ag.masked_select(a, _BIG_MASK),
        ((3, 1),),
        torch=lambda t, a: t.masked_select(a, t.from_numpy(_BIG_MASK)),
    ),
    OpCase(
        "masked_scatter",
        lambda a, s: a.masked_scatter(_MASK, s),
        ((3, 4), (4, 4)),
        torch=lambda t, a, s: a.masked_scatter(t.from_numpy(_MASK), s),
    ),
    OpCase(
        "masked_scatter_inplace",
        lambda a, s: (a * 1).masked_scatter_(_ROW_MASK, s),
        ((3, 4), (12,)),
        torch=lambda t, a, s: (a * 1).masked_scatter_(t.from_numpy(_ROW_MASK), s),
    ),
    # where the nonzero elements are (no gradient)
    OpCase(
        "nonzero",
        lambda a: a.nonzero(),
        ((3, 4),),
        "int",
        torch=lambda t, a: a.nonzero(),
        differentiable=False,
    ),
    OpCase(
        "nonzero_as_tuple",
        lambda a: ag.nonzero(a, as_tuple=True)[1],
        ((2, 3, 4),),
        "int",
        torch=lambda t, a: t.nonzero(a, as_tuple=True)[1],
        differentiable=False,
    ),
    OpCase("argwhere_0d", ag.argwhere, ((),), "int", torch=lambda t, a: t.argwhere(a), differentiable=False),
)
