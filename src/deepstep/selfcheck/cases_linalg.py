"""Catalogue cases: linear algebra: einsum, the matrix products (mm, bmm, mv, dot, inner, outer,
addmm, tensordot), the diagonal family (trace, diag, diagonal, diag_embed, tril, triu), norms, and
deepstep.linalg (matrix norms, svdvals, det, inv, solve)."""

from __future__ import annotations

import math

import numpy as np

from .. import autograd as ag
from .. import linalg as LA
from .case import OpCase

_SHIFT = 3 * np.eye(3)  # added to random matrices that are inverted: keeps them well conditioned
_LOOSE = {"rtol": 1e-6, "atol": 1e-9}  # LAPACK's route differs from PyTorch's: round-off near 0


def _shifted(a):
    return a + _SHIFT.astype(a.dtype)


def _torch_shifted(t, a):
    return a + t.from_numpy(_SHIFT).to(a.dtype)


def _einsum_case(name, equation, shapes, **kwargs):
    return OpCase(
        name,
        lambda *x: ag.einsum(equation, *x),
        shapes,
        torch=lambda t, *x: t.einsum(equation, *x),
        **kwargs,
    )


CASES: tuple[OpCase, ...] = (
    # einsum: products, traces and diagonals, ellipses and broadcasting
    _einsum_case("einsum_matmul", "ij,jk->ik", ((3, 4), (4, 5))),
    _einsum_case("einsum_implicit", "ij,jk", ((3, 4), (4, 5))),
    _einsum_case("einsum_batched", "bij,bjk->bik", ((2, 3, 4), (2, 4, 5))),
    _einsum_case("einsum_trace", "ii", ((4, 4),)),
    _einsum_case("einsum_diagonal", "ii->i", ((4, 4),)),
    _einsum_case("einsum_repeated_batch", "iij->ji", ((3, 3, 2),)),
    _einsum_case("einsum_outer", "i,j->ij", ((3,), (4,))),
    _einsum_case("einsum_transpose", "ij->ji", ((3, 4),)),
    _einsum_case("einsum_sum_alone", "ij,k->i", ((2, 3), (4,))),
    _einsum_case("einsum_ellipsis", "...ij,...jk->...ik", ((5, 2, 3), (2, 1, 3, 4))),
    _einsum_case("einsum_ellipsis_implicit", "b...,b...", ((3, 2, 4), (3, 4))),
    _einsum_case("einsum_size_one", "ij,ij->ij", ((2, 3), (1, 3))),
    _einsum_case("einsum_three", "ij,jk,kl->il", ((2, 3), (3, 4), (4, 5))),
    _einsum_case("einsum_bilinear", "bn,anm,bm->ba", ((2, 3), (4, 3, 5), (2, 5))),
    _einsum_case("einsum_scalar", "i,,i->", ((3,), (), (3,))),
    _einsum_case("einsum_empty", "ij,jk->ik", ((2, 0), (0, 3))),
    OpCase(
        "einsum_sublists",
        lambda a, b: ag.einsum(a, [0, Ellipsis, 1], b, [1, 2], [Ellipsis, 0, 2]),
        ((2, 5, 3), (3, 4)),
        torch=lambda t, a, b: t.einsum(a, [0, Ellipsis, 1], b, [1, 2], [Ellipsis, 0, 2]),
    ),
    # matrix products
    OpCase("mm", ag.mm, ((3, 4), (4, 2)), torch=lambda t, *x: t.mm(*x)),
    OpCase("mm_empty", ag.mm, ((2, 0), (0, 3)), torch=lambda t, *x: t.mm(*x)),
    OpCase("bmm", lambda a, b: a.bmm(b), ((2, 3, 4), (2, 4, 2)), torch=lambda t, a, b: a.bmm(b)),
    OpCase("mv", ag.mv, ((3, 4), (4,)), torch=lambda t, *x: t.mv(*x)),
    OpCase("dot", lambda a, b: a.dot(b), ((4,), (4,)), torch=lambda t, a, b: a.dot(b)),
    OpCase("vdot", ag.vdot, ((4,), (4,)), torch=lambda t, *x: t.vdot(*x)),
    OpCase("inner", ag.inner, ((2, 3), (4, 3)), torch=lambda t, *x: t.inner(*x)),
    OpCase("inner_vectors", ag.inner, ((3,), (3,)), torch=lambda t, *x: t.inner(*x)),
    OpCase("inner_scalar", ag.inner, ((), (4, 3)), torch=lambda t, *x: t.inner(*x)),
    OpCase("outer", ag.outer, ((2,), (4,)), torch=lambda t, *x: t.outer(*x)),
    OpCase("ger", lambda a, b: a.ger(b), ((3,), (2,)), torch=lambda t, a, b: a.outer(b)),
    OpCase(
        "matmul_broadcast_batches", ag.matmul, ((2, 1, 3, 4), (5, 4, 2)), torch=lambda t, *x: t.matmul(*x)
    ),
    OpCase(
        "addmm",
        lambda c, a, b: ag.addmm(c, a, b, beta=0.5, alpha=2.0),
        ((3,), (2, 4), (4, 3)),
        torch=lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=2.0),
    ),
    OpCase("addmm_plain", ag.addmm, ((2, 1), (2, 4), (4, 3)), torch=lambda t, *x: t.addmm(*x)),
    OpCase(
        "addmm_beta_zero",
        lambda c, a, b: c.addmm(a, b, beta=0),
        ((2, 3), (2, 4), (4, 3)),
        torch=lambda t, c, a, b: c.addmm(a, b, beta=0),
    ),
    OpCase(
        "baddbmm",
        lambda c, a, b: ag.baddbmm(c, a, b, beta=2.0, alpha=-1.0),
        ((2, 1, 3), (2, 2, 4), (2, 4, 3)),
        torch=lambda t, c, a, b: t.baddbmm(c, a, b, beta=2.0, alpha=-1.0),
    ),
    OpCase("tensordot", ag.tensordot, ((2, 3, 4), (3, 4, 5)), torch=lambda t, *x: t.tensordot(*x)),
    OpCase(
        "tensordot_lists",
        lambda a, b: ag.tensordot(a, b, ([1, -1], [1, 0])),
        ((2, 3, 4), (4, 3, 5)),
        torch=lambda t, a, b: t.tensordot(a, b, ([1, -1], [1, 0])),
    ),
    OpCase(
        "tensordot_outer",
        lambda a, b: ag.tensordot(a, b, 0),
        ((2, 3), (4,)),
        torch=lambda t, a, b: t.tensordot(a, b, 0),
    ),
    # the diagonal family
    OpCase("trace", ag.trace, ((3, 3),), torch=lambda t, a: t.trace(a)),
    OpCase("trace_rectangular", lambda a: a.trace(), ((3, 5),), torch=lambda t, a: a.trace()),
    OpCase("diag_vector", lambda a: ag.diag(a, -2), ((3,),), torch=lambda t, a: t.diag(a, -2)),
    OpCase("diag_matrix", lambda a: a.diag(1), ((3, 4),), torch=lambda t, a: a.diag(1)),
    OpCase("diag_matrix_below", lambda a: ag.diag(a, -1), ((4, 3),), torch=lambda t, a: t.diag(a, -1)),
    OpCase("diagonal", lambda a: a.diagonal(), ((3, 4),), torch=lambda t, a: a.diagonal()),
    OpCase(
        "diagonal_dims",
        lambda a: ag.diagonal(a, 1, -1, 0),
        ((3, 2, 4),),
        torch=lambda t, a: t.diagonal(a, 1, -1, 0),
    ),
    OpCase("diagonal_out_of_range", lambda a: a.diagonal(5), ((3, 4),), torch=lambda t, a: a.diagonal(5)),
    OpCase("diag_embed", ag.diag_embed, ((2, 3),), torch=lambda t, a: t.diag_embed(a)),
    OpCase(
        "diag_embed_dims",
        lambda a: a.diag_embed(-1, 2, 0),
        ((2, 3),),
        torch=lambda t, a: a.diag_embed(-1, 2, 0),
    ),
    OpCase("tril", lambda a: a.tril(), ((3, 4),), torch=lambda t, a: a.tril()),
    OpCase("tril_empty", lambda a: a.tril(1), ((2, 0, 3),), torch=lambda t, a: a.tril(1)),
    OpCase("trace_empty", ag.trace, ((0, 3),), torch=lambda t, a: t.trace(a)),
    OpCase(
        "diagonal_empty",
        lambda a: a.diagonal(0, -2, -1),
        ((2, 0, 3),),
        torch=lambda t, a: a.diagonal(0, -2, -1),
    ),
    OpCase("tril_batched", lambda a: ag.tril(a, -1), ((2, 3, 4),), torch=lambda t, a: t.tril(a, -1)),
    OpCase("triu", lambda a: a.triu(1), ((4, 3),), torch=lambda t, a: a.triu(1)),
    OpCase(
        "triu_batched",
        lambda a: ag.triu(a, diagonal=-1),
        ((2, 3, 3),),
        torch=lambda t, a: t.triu(a, diagonal=-1),
    ),
    # norms
    OpCase("norm", lambda a: a.norm(), ((3, 4),), torch=lambda t, a: a.norm()),
    OpCase("norm_dim", lambda a: a.norm(dim=1), ((3, 4),), torch=lambda t, a: a.norm(dim=1)),
    OpCase(
        "norm_p1",
        lambda a: a.norm(1, dim=0, keepdim=True),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: a.norm(1, dim=0, keepdim=True),
    ),
    OpCase("norm_p3", lambda a: ag.norm(a, 3, (0, 2)), ((3, 4, 2),), torch=lambda t, a: t.norm(a, 3, (0, 2))),
    OpCase(
        "norm_p_half",
        lambda a: a.norm(0.5, dim=-1),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: a.norm(0.5, dim=-1),
    ),
    OpCase(
        "norm_p_negative",
        lambda a: a.norm(-1, dim=-1),
        ((3, 4),),
        "nonzero",
        torch=lambda t, a: a.norm(-1, dim=-1),
    ),
    OpCase(
        "norm_inf",
        lambda a: a.norm(math.inf, dim=1),
        ((3, 4),),
        "distinct",
        torch=lambda t, a: a.norm(math.inf, dim=1),
    ),
    OpCase(
        "norm_minus_inf",
        lambda a: a.norm(-math.inf),
        ((3, 4),),
        "distinct",
        torch=lambda t, a: a.norm(-math.inf),
    ),
    OpCase(
        "norm_fro_dims",
        lambda a: a.norm("fro", dim=(0, 1)),
        ((3, 4, 2),),
        torch=lambda t, a: a.norm("fro", dim=(0, 1)),
    ),
    OpCase("norm_nuc", lambda a: a.norm("nuc"), ((3, 4),), torch=lambda t, a: a.norm("nuc"), **_LOOSE),
    OpCase("norm_empty", lambda a: a.norm(dim=0), ((0, 3),), torch=lambda t, a: a.norm(dim=0)),
    OpCase(
        "vector_norm_dtype",
        lambda a: LA.vector_norm(a, 2, -1, dtype=np.float64),
        ((3, 4),),
        torch=lambda t, a: t.linalg.vector_norm(a, 2, -1, dtype=t.float64),
    ),
    *(
        OpCase(
            f"matrix_norm_{label}",
            lambda a, order=order: LA.matrix_norm(a, order, dim=(0, 2)),
            ((3, 2, 4),),
            "distinct",
            torch=lambda t, a, order=order: t.linalg.matrix_norm(a, order, dim=(0, 2)),
            **_LOOSE,
        )
        for label, order in (
            ("fro", "fro"),
            ("nuc", "nuc"),
            ("1", 1),
            ("minus_1", -1),
            ("2", 2),
            ("minus_2", -2),
            ("inf", math.inf),
            ("minus_inf", -math.inf),
        )
    ),
    OpCase(
        "matrix_norm_keepdim",
        lambda a: LA.matrix_norm(a, 2, keepdim=True),
        ((2, 3, 4),),
        torch=lambda t, a: t.linalg.matrix_norm(a, 2, keepdim=True),
        **_LOOSE,
    ),
    OpCase("linalg_norm", LA.norm, ((2, 3, 4),), torch=lambda t, a: t.linalg.norm(a)),
    OpCase(
        "linalg_norm_matrix",
        lambda a: LA.norm(a, math.inf),
        ((3, 4),),
        "distinct",
        torch=lambda t, a: t.linalg.norm(a, math.inf),
    ),
    OpCase(
        "linalg_norm_dim",
        lambda a: LA.norm(a, 3, dim=1),
        ((3, 4),),
        torch=lambda t, a: t.linalg.norm(a, 3, dim=1),
    ),
    # deepstep.linalg
    OpCase("svdvals", LA.svdvals, ((2, 3, 4),), torch=lambda t, a: t.linalg.svdvals(a), **_LOOSE),
    OpCase("det", LA.det, ((2, 3, 3),), torch=lambda t, a: t.linalg.det(a), **_LOOSE),
    OpCase("det_one", LA.det, ((1, 1),), torch=lambda t, a: t.linalg.det(a)),
    OpCase(
        "inv",
        lambda a: LA.inv(_shifted(a)),
        ((2, 3, 3),),
        torch=lambda t, a: t.linalg.inv(_torch_shifted(t, a)),
        **_LOOSE,
    ),
    OpCase(
        "solve",
        lambda a, b: LA.solve(_shifted(a), b),
        ((2, 3, 3), (3, 2)),
        torch=lambda t, a, b: t.linalg.solve(_torch_shifted(t, a), b),
        **_LOOSE,
    ),
    OpCase(
        "solve_vectors",
        lambda a, b: LA.solve(_shifted(a), b),
        ((2, 3, 3), (2, 3)),
        torch=lambda t, a, b: t.linalg.solve(_torch_shifted(t, a), b),
        **_LOOSE,
    ),
    OpCase(
        "solve_right",
        lambda a, b: LA.solve(_shifted(a), b, left=False),
        ((3, 3), (4, 3)),
        torch=lambda t, a, b: t.linalg.solve(_torch_shifted(t, a), b, left=False),
        **_LOOSE,
    ),
    OpCase(
        "vecdot",
        lambda a, b: LA.vecdot(a, b, dim=0),
        ((3, 4), (3, 1)),
        torch=lambda t, a, b: t.linalg.vecdot(a, b, dim=0),
    ),
    OpCase(
        "multi_dot",
        lambda a, b, c: LA.multi_dot([a, b, c]),
        ((3,), (3, 4), (4, 2)),
        torch=lambda t, a, b, c: t.linalg.multi_dot([a, b, c]),
    ),
)
