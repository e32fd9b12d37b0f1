"""Catalogue cases: the rest of the shape family (tensor_split, hsplit, vsplit, dsplit,
split_with_sizes, rot90, diagflat, cartesian_prod, vander, sum_to_size, unravel_index), writing into
parts of a tensor (select_scatter, slice_scatter, diagonal_scatter, put, put_, index_reduce,
index_reduce_, fill_diagonal_, tril_, triu_), and the identities of complex views (real, conj…).

A function that returns several pieces is compared through their concatenation."""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .case import OpCase

_PUT = np.array([0, -1, 7])
_PUT_REPEATED = np.array([[0, 7], [7, 3]])
_SLOTS = np.array([0, 2, 0, 1, 2, 2])
_FLAT = np.array([[0, 5], [23, -1], [30, 7]])


def _joined(pieces):
    return ag.cat([p.reshape(-1) for p in pieces])


def _torch_joined(t, pieces):
    return t.cat([p.reshape(-1) for p in pieces])


def _pieces_case(name, split, shape):
    return OpCase(
        name, lambda a: _joined(split(ag, a)), (shape,), torch=lambda t, a: _torch_joined(t, split(t, a))
    )


def _index_reduce_case(reduce, include_self):
    return OpCase(
        f"index_reduce_{reduce}{'' if include_self else '_exclude_self'}",
        lambda a, s: ag.index_reduce(a, 1, ag.tensor(_SLOTS), s, reduce, include_self=include_self),
        ((3, 3, 2), (3, 6, 2)),
        "nonzero",
        torch=lambda t, a, s: t.index_reduce(
            a, 1, t.from_numpy(_SLOTS), s, reduce, include_self=include_self
        ),
    )


CASES: tuple[OpCase, ...] = (
    _pieces_case("tensor_split_sections", lambda lib, a: lib.tensor_split(a, 3, 1), (3, 4, 2)),
    _pieces_case("tensor_split_indices", lambda lib, a: a.tensor_split([1, -1, 7], 2), (2, 3, 5)),
    _pieces_case("hsplit", lambda lib, a: lib.hsplit(a, 2), (3, 4)),
    _pieces_case("hsplit_vector", lambda lib, a: a.hsplit([1, 3]), (5,)),
    _pieces_case("vsplit", lambda lib, a: lib.vsplit(a, [2]), (3, 4)),
    _pieces_case("dsplit", lambda lib, a: a.dsplit(2), (2, 3, 4)),
    _pieces_case("split_with_sizes", lambda lib, a: a.split_with_sizes([1, 3], 1), (2, 4)),
    *(
        OpCase(
            f"rot90_{k}",
            lambda a, k=k: ag.rot90(a, k, [2, 0]),
            ((2, 3, 4),),
            torch=lambda t, a, k=k: t.rot90(a, k, [2, 0]),
        )
        for k in (-1, 0, 1, 2, 3)
    ),
    OpCase("rot90_method", lambda a: a.rot90(), ((3, 4),), torch=lambda t, a: a.rot90()),
    OpCase("diagflat", lambda a: a.diagflat(-1), ((2, 2),), torch=lambda t, a: a.diagflat(-1)),
    OpCase("cartesian_prod", ag.cartesian_prod, ((2,), (3,), (2,)), torch=lambda t, *x: t.cartesian_prod(*x)),
    OpCase("cartesian_prod_one", ag.cartesian_prod, ((3,),), torch=lambda t, *x: t.cartesian_prod(*x)),
    # torch.vander's backward fails in PyTorch 2.13 (an in-place op in its formula): values only here,
    # its gradient is gradchecked in the tests
    OpCase("vander", ag.vander, ((4,),), torch=lambda t, a: t.vander(a), differentiable=False),
    OpCase(
        "vander_increasing",
        lambda a: ag.vander(a, 5, True),
        ((3,),),
        torch=lambda t, a: t.vander(a, 5, True),
        differentiable=False,
    ),
    OpCase(
        "vander_int",
        lambda a: ag.vander(a, 3),
        ((4,),),
        "int",
        torch=lambda t, a: t.vander(a, 3),
        differentiable=False,
    ),
    OpCase(
        "sum_to_size", lambda a: a.sum_to_size(4, 1), ((3, 4, 5),), torch=lambda t, a: a.sum_to_size(4, 1)
    ),
    OpCase(
        "sum_to_size_keep",
        lambda a: a.sum_to_size((1, 4, 5)),
        ((3, 4, 5),),
        torch=lambda t, a: a.sum_to_size((1, 4, 5)),
    ),
    OpCase(
        "unravel_index",
        lambda a: ag.stack(ag.unravel_index(ag.tensor(_FLAT), (3, 4, 2))),
        ((1,),),
        torch=lambda t, a: t.stack(t.unravel_index(t.from_numpy(_FLAT), (3, 4, 2))),
        differentiable=False,
    ),
    # writing into parts
    OpCase(
        "select_scatter",
        lambda a, s: ag.select_scatter(a, s, 1, -2),
        ((3, 4, 5), (3, 5)),
        torch=lambda t, a, s: t.select_scatter(a, s, 1, -2),
    ),
    OpCase(
        "slice_scatter",
        lambda a, s: a.slice_scatter(s, 2, 1, None, 2),
        ((3, 4, 5), (3, 4, 2)),
        torch=lambda t, a, s: a.slice_scatter(s, 2, 1, None, 2),
    ),
    OpCase(
        "diagonal_scatter",
        lambda a, s: ag.diagonal_scatter(a, s, 1, 0, 2),
        ((3, 4, 5), (4, 3)),
        torch=lambda t, a, s: t.diagonal_scatter(a, s, 1, 0, 2),
    ),
    OpCase(
        "diagonal_scatter_below",
        lambda a, s: a.diagonal_scatter(s, -1),
        ((4, 3), (3,)),
        torch=lambda t, a, s: a.diagonal_scatter(s, -1),
    ),
    OpCase(
        "put",
        lambda a, s: a.put(ag.tensor(_PUT), s),
        ((3, 4), (3,)),
        torch=lambda t, a, s: a.put(t.from_numpy(_PUT), s),
    ),
    OpCase(
        "put_accumulate",
        lambda a, s: ag.put(a, ag.tensor(_PUT_REPEATED), s, accumulate=True),
        ((3, 4), (2, 2)),
        torch=lambda t, a, s: t.put(a, t.from_numpy(_PUT_REPEATED), s, accumulate=True),
    ),
    OpCase(
        "put_inplace",
        lambda a, s: (a * 1).put_(ag.tensor(_PUT), s),
        ((2, 5), (3,)),
        torch=lambda t, a, s: (a * 1).put_(t.from_numpy(_PUT), s),
    ),
    *(
        _index_reduce_case(reduce, include)
        for reduce in ("prod", "mean", "amax", "amin")
        for include in (True, False)
    ),
    OpCase(
        "index_reduce_inplace",
        lambda a, s: (a * 1).index_reduce_(0, ag.tensor(np.array([1, 1, 0])), s, "amax"),
        ((2, 3), (3, 3)),
        "distinct",
        torch=lambda t, a, s: (a * 1).index_reduce_(0, t.tensor([1, 1, 0]), s, "amax"),
    ),
    OpCase(
        "fill_diagonal_",
        lambda a: (a * 1).fill_diagonal_(3.0),
        ((3, 3, 3),),
        torch=lambda t, a: (a * 1).fill_diagonal_(3.0),
    ),
    OpCase(
        "fill_diagonal_wrap",
        lambda a: (a * 1).fill_diagonal_(-1.0, wrap=True),
        ((7, 2),),
        torch=lambda t, a: (a * 1).fill_diagonal_(-1.0, wrap=True),
    ),
    OpCase("tril_inplace", lambda a: (a * 1).tril_(1), ((2, 3, 4),), torch=lambda t, a: (a * 1).tril_(1)),
    OpCase("triu_inplace", lambda a: (a * 1).triu_(-1), ((4, 3),), torch=lambda t, a: (a * 1).triu_(-1)),
    # the identities of complex and lazy views on real tensors
    OpCase("real", lambda a: a.real * 2, ((3,),), torch=lambda t, a: a.real * 2),
    OpCase("conj", lambda a: ag.conj(a) * 2, ((3,),), torch=lambda t, a: t.conj(a) * 2),
    OpCase("resolve_conj", lambda a: a.resolve_conj() * 2, ((3,),), torch=lambda t, a: a.resolve_conj() * 2),
    OpCase("resolve_neg", lambda a: ag.resolve_neg(a) * 2, ((3,),), torch=lambda t, a: t.resolve_neg(a) * 2),
)
