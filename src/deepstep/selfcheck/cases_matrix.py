"""Catalogue cases: the decompositions (svd, eigh, qr, cholesky, slogdet, pinv, matrix_exp) and
torch.*'s linear algebra built on them (det, inverse, logdet, matrix_power, cross, kron, addmv, addr,
addbmm, dist, renorm, mT).

Singular vectors and eigenvectors are unique only up to sign, and NumPy's LAPACK call need not pick
PyTorch's signs: the cases compare functions of them that do not depend on the sign (U·diag(w)·Vh,
V·diag(w)·Vᵀ, UUᵀ). Symmetric inputs are made symmetric inside the case (A + Aᵀ), since eigh and
cholesky read one triangle and their gradients are the symmetric ones, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from .. import autograd as ag
from .. import linalg as LA
from .case import OpCase

_LOOSE = {"rtol": 1e-6, "atol": 1e-9}  # LAPACK's route differs from PyTorch's: round-off near 0
_W = np.array([0.3, -1.2, 2.0, 0.7, 1.1])  # weights that make a function of the singular vectors


def _t_eye(t, n, a):
    return t.eye(n, dtype=a.dtype)


def _usv(r, k, w):
    """U[:, :k]·diag(w)·Vh[:k]: unchanged when a singular pair flips its sign together."""
    return (r[0][..., :k] * w[:k]) @ r[2][..., :k, :]


def _svd_case(name, shape, full):
    k = min(shape[-2:])
    return OpCase(
        name,
        lambda a: _usv(LA.svd(a, full), k, ag.tensor(_W.astype(a.dtype))) + (LA.svd(a, full).S ** 2).sum(),
        (shape,),
        torch=lambda t, a: (
            _usv(t.linalg.svd(a, full), k, t.from_numpy(_W).to(a.dtype))
            + (t.linalg.svd(a, full).S ** 2).sum()
        ),
        **_LOOSE,
    )


def _spd(a):
    """A·Aᵀ + I: symmetric positive-definite."""
    return a @ a.mT + np.eye(a.shape[-1], dtype=a.dtype)


CASES: tuple[OpCase, ...] = (
    # svd: the singular values, and sign-free functions of the singular vectors
    _svd_case("svd_tall", (4, 3), False),
    _svd_case("svd_wide", (3, 5), False),
    _svd_case("svd_full_matrices", (2, 4, 3), True),
    _svd_case("svd_square_batched", (2, 3, 3), False),
    OpCase(
        "svd_projector",
        lambda a: LA.svd(a, False).U @ LA.svd(a, False).U.mT,
        ((5, 3),),
        torch=lambda t, a: t.linalg.svd(a, False).U @ t.linalg.svd(a, False).U.mT,
        **_LOOSE,
    ),
    OpCase(
        "svd_torch_values",
        lambda a: ag.svd(a).S,
        ((3, 4),),
        torch=lambda t, a: t.svd(a).S,
        **_LOOSE,
    ),
    OpCase(
        "svd_torch_v",
        lambda a: (lambda r: (r.U * ag.tensor(_W[:3].astype(a.dtype))) @ r.V.mT)(ag.svd(a)),
        ((4, 3),),
        torch=lambda t, a: (lambda r: (r.U * t.from_numpy(_W[:3]).to(a.dtype)) @ r.V.mT)(t.svd(a)),
        **_LOOSE,
    ),
    OpCase(
        "svd_no_uv",
        lambda a: ag.svd(a, compute_uv=False).S,
        ((2, 3, 4),),
        torch=lambda t, a: t.svd(a, compute_uv=False).S,
        **_LOOSE,
    ),
    # eigh and eigvalsh, of A + Aᵀ
    OpCase(
        "eigh",
        lambda a: (
            (lambda r: (r.eigenvectors * ag.tensor(_W[:4].astype(a.dtype))) @ r.eigenvectors.mT)(
                LA.eigh(a + a.mT)
            )
            + LA.eigh(a + a.mT).eigenvalues.sum()
        ),
        ((2, 4, 4),),
        torch=lambda t, a: (
            (lambda r: (r.eigenvectors * t.from_numpy(_W[:4]).to(a.dtype)) @ r.eigenvectors.mT)(
                t.linalg.eigh(a + a.mT)
            )
            + t.linalg.eigh(a + a.mT).eigenvalues.sum()
        ),
        **_LOOSE,
    ),
    OpCase(
        "eigh_upper",
        lambda a: LA.eigh(a + a.mT, "U").eigenvalues,
        ((3, 3),),
        torch=lambda t, a: t.linalg.eigh(a + a.mT, "U").eigenvalues,
        **_LOOSE,
    ),
    OpCase(
        "eigvalsh",
        lambda a: LA.eigvalsh(a + a.mT),
        ((2, 3, 3),),
        torch=lambda t, a: t.linalg.eigvalsh(a + a.mT),
        **_LOOSE,
    ),
    # qr: Q and R are unique for full-rank A (R's diagonal sign is LAPACK's in both)
    *(
        OpCase(
            f"qr_{label}",
            lambda a, mode=mode: (lambda r: r.Q.sum() * 2 + (r.R**2).sum() + (r.Q**3).sum())(LA.qr(a, mode)),
            (shape,),
            torch=lambda t, a, mode=mode: (lambda r: r.Q.sum() * 2 + (r.R**2).sum() + (r.Q**3).sum())(
                t.linalg.qr(a, mode)
            ),
            **_LOOSE,
        )
        for label, shape, mode in (
            ("tall", (4, 3), "reduced"),
            ("square", (3, 3), "reduced"),
            ("wide", (3, 5), "reduced"),
            ("wide_complete", (2, 3, 4), "complete"),
            ("batched", (2, 4, 2), "reduced"),
        )
    ),
    OpCase("qr_q", lambda a: LA.qr(a).Q, ((4, 3),), torch=lambda t, a: t.linalg.qr(a).Q, **_LOOSE),
    OpCase("qr_torch_r", lambda a: ag.qr(a).R, ((3, 4),), torch=lambda t, a: t.qr(a).R, **_LOOSE),
    # cholesky of A·Aᵀ + I
    OpCase(
        "cholesky",
        lambda a: LA.cholesky(_spd(a)),
        ((2, 3, 3),),
        torch=lambda t, a: t.linalg.cholesky(a @ a.mT + _t_eye(t, 3, a)),
        **_LOOSE,
    ),
    OpCase(
        "cholesky_upper",
        lambda a: LA.cholesky(_spd(a), upper=True),
        ((3, 3),),
        torch=lambda t, a: t.linalg.cholesky(a @ a.mT + _t_eye(t, 3, a), upper=True),
        **_LOOSE,
    ),
    OpCase(
        "cholesky_torch",
        lambda a: ag.cholesky(_spd(a)),
        ((4, 4),),
        torch=lambda t, a: t.cholesky(a @ a.mT + _t_eye(t, 4, a)),
        **_LOOSE,
    ),
    # determinants
    OpCase(
        "slogdet",
        lambda a: LA.slogdet(a).logabsdet,
        ((2, 3, 3),),
        torch=lambda t, a: t.linalg.slogdet(a).logabsdet,
        **_LOOSE,
    ),
    OpCase(
        "slogdet_sign",
        lambda a: ag.slogdet(a).sign,
        ((2, 3, 3),),
        torch=lambda t, a: t.slogdet(a).sign,
        differentiable=False,
    ),
    OpCase(
        "logdet",
        lambda a: ag.logdet(_spd(a)),
        ((2, 3, 3),),
        torch=lambda t, a: t.logdet(a @ a.mT + _t_eye(t, 3, a)),
        **_LOOSE,
    ),
    OpCase("det_torch", lambda a: a.det(), ((2, 3, 3),), torch=lambda t, a: a.det(), **_LOOSE),
    OpCase(
        "inverse",
        lambda a: ag.inverse(_spd(a)),
        ((2, 3, 3),),
        torch=lambda t, a: t.inverse(a @ a.mT + _t_eye(t, 3, a)),
        **_LOOSE,
    ),
    # pinv
    OpCase("pinv_wide", LA.pinv, ((3, 5),), torch=lambda t, a: t.linalg.pinv(a), **_LOOSE),
    OpCase("pinv_tall_batched", LA.pinv, ((2, 5, 3),), torch=lambda t, a: t.linalg.pinv(a), **_LOOSE),
    OpCase(
        "pinv_hermitian",
        lambda a: LA.pinv(a + a.mT, hermitian=True),
        ((4, 4),),
        torch=lambda t, a: t.linalg.pinv(a + a.mT, hermitian=True),
        **_LOOSE,
    ),
    OpCase("pinverse", lambda a: a.pinverse(), ((4, 2),), torch=lambda t, a: a.pinverse(), **_LOOSE),
    # matrix functions
    OpCase("matrix_exp", LA.matrix_exp, ((2, 3, 3),), torch=lambda t, a: t.linalg.matrix_exp(a), **_LOOSE),
    OpCase(
        "matrix_exp_large",
        lambda a: (a * 4).matrix_exp(),
        ((4, 4),),
        torch=lambda t, a: (a * 4).matrix_exp(),
        **_LOOSE,
    ),
    OpCase("matrix_exp_empty", LA.matrix_exp, ((0, 0),), torch=lambda t, a: t.linalg.matrix_exp(a)),
    OpCase(
        "matrix_power_3",
        lambda a: a.matrix_power(3),
        ((2, 3, 3),),
        torch=lambda t, a: a.matrix_power(3),
        **_LOOSE,
    ),
    OpCase(
        "matrix_power_6",
        lambda a: ag.matrix_power(a, 6),
        ((3, 3),),
        torch=lambda t, a: t.matrix_power(a, 6),
        **_LOOSE,
    ),
    OpCase(
        "matrix_power_negative",
        lambda a: LA.matrix_power(_spd(a), -2),
        ((3, 3),),
        torch=lambda t, a: t.linalg.matrix_power(a @ a.mT + _t_eye(t, 3, a), -2),
        **_LOOSE,
    ),
    OpCase("matrix_power_0", lambda a: a.matrix_power(0), ((2, 3, 3),), torch=lambda t, a: a.matrix_power(0)),
    # products
    OpCase(
        "cross", lambda a, b: LA.cross(a, b), ((4, 3), (4, 3)), torch=lambda t, a, b: t.linalg.cross(a, b)
    ),
    OpCase(
        "cross_dim_broadcast",
        lambda a, b: a.cross(b, dim=1),
        ((2, 3, 4), (1, 3, 4)),
        torch=lambda t, a, b: a.cross(b, dim=1),
    ),
    OpCase("kron", ag.kron, ((2, 3), (4, 2)), torch=lambda t, a, b: t.kron(a, b)),
    OpCase("kron_ranks", lambda a, b: a.kron(b), ((2, 3, 2), (3, 2)), torch=lambda t, a, b: a.kron(b)),
    OpCase(
        "kron_int",
        ag.kron,
        ((2, 2), (3,)),
        ("int", "int"),
        torch=lambda t, a, b: t.kron(a, b),
        differentiable=False,
    ),
    OpCase(
        "addmv",
        lambda c, a, v: ag.addmv(c, a, v, beta=0.5, alpha=2.0),
        ((3,), (3, 4), (4,)),
        torch=lambda t, c, a, v: t.addmv(c, a, v, beta=0.5, alpha=2.0),
    ),
    OpCase(
        "addmv_broadcast",
        lambda c, a, v: c.addmv(a, v),
        ((1,), (3, 4), (4,)),
        torch=lambda t, c, a, v: c.addmv(a, v),
    ),
    OpCase(
        "addr",
        lambda c, a, b: ag.addr(c, a, b, beta=2.0, alpha=-1.0),
        ((3, 1), (3,), (4,)),
        torch=lambda t, c, a, b: t.addr(c, a, b, beta=2.0, alpha=-1.0),
    ),
    OpCase(
        "addbmm",
        lambda c, a, b: c.addbmm(a, b, beta=0.5),
        ((3, 5), (2, 3, 4), (2, 4, 5)),
        torch=lambda t, c, a, b: c.addbmm(a, b, beta=0.5),
    ),
    OpCase(
        "chain_matmul",
        ag.chain_matmul,
        ((2, 3), (3, 4), (4, 2)),
        torch=lambda t, a, b, c: t.linalg.multi_dot([a, b, c]),
    ),
    # distances and norms
    OpCase("dist", ag.dist, ((3, 4), (4,)), torch=lambda t, a, b: t.dist(a, b)),
    OpCase("dist_p3", lambda a, b: a.dist(b, 3), ((2, 3), (2, 3)), torch=lambda t, a, b: a.dist(b, 3)),
    OpCase(
        "dist_inf",
        lambda a, b: ag.dist(a, b, float("inf")),
        ((5,), (5,)),
        "distinct",
        torch=lambda t, a, b: t.dist(a, b, float("inf")),
    ),
    OpCase("renorm", lambda a: a.renorm(2, 0, 1.5), ((3, 4),), torch=lambda t, a: a.renorm(2, 0, 1.5)),
    OpCase(
        "renorm_p1_dim",
        lambda a: ag.renorm(a, 1, -1, 2.0),
        ((2, 3, 4),),
        torch=lambda t, a: t.renorm(a, 1, -1, 2.0),
    ),
    OpCase("mT", lambda a: a.mT, ((2, 3, 4),), torch=lambda t, a: a.mT),
    OpCase("mH", lambda a: a.mH * 2, ((3, 4),), torch=lambda t, a: a.mH * 2),
    OpCase("H", lambda a: a.H, ((3, 4),), torch=lambda t, a: a.H),
    OpCase("adjoint", lambda a: a.adjoint(), ((2, 3, 4),), torch=lambda t, a: a.adjoint()),
)
