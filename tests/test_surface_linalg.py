"""torch.*'s linear algebra and the decompositions, beyond the catalogue: result types and fields,
exception types against PyTorch, in-place forms (addmm_…), singular and degenerate inputs, the
gradients through singular vectors and eigenvectors, and hypothesis checks of the factorizations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepstep as ds
import deepstep.linalg as LA
from torch_oracle import same_error as _same_error


def _pair(torch, array, grad=False):
    return ds.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad)


ERRORS = [
    pytest.param(lambda lib: lib.linalg.svd(lib.ones(3)), id="svd_1d"),
    pytest.param(lambda lib: lib.linalg.svd(lib.ones(3, 3, dtype=lib.int64)), id="svd_int"),
    pytest.param(lambda lib: lib.linalg.eigh(lib.ones(3, 4)), id="eigh_not_square"),
    pytest.param(lambda lib: lib.linalg.eigh(lib.ones(3, 3), UPLO="X"), id="eigh_uplo"),
    pytest.param(lambda lib: lib.linalg.qr(lib.ones(3, 3), mode="x"), id="qr_mode"),
    pytest.param(lambda lib: lib.linalg.cholesky(-lib.eye(3)), id="cholesky_not_pd"),
    pytest.param(lambda lib: lib.linalg.cholesky(lib.ones(2, 3)), id="cholesky_not_square"),
    pytest.param(lambda lib: lib.inverse(lib.zeros(2, 2)), id="inverse_singular"),
    pytest.param(lambda lib: lib.det(lib.ones(2, 2, dtype=lib.int64)), id="det_int"),
    pytest.param(lambda lib: lib.slogdet(lib.ones(2, 3)), id="slogdet_not_square"),
    pytest.param(lambda lib: lib.matrix_power(lib.ones(3, 4), 2), id="matrix_power_not_square"),
    pytest.param(lambda lib: lib.matrix_power(lib.ones(3), 2), id="matrix_power_1d"),
    pytest.param(lambda lib: lib.linalg.matrix_exp(lib.ones(2, 2, dtype=lib.int64)), id="matrix_exp_int"),
    pytest.param(lambda lib: lib.linalg.cross(lib.ones(2, 4), lib.ones(2, 4)), id="cross_size"),
    pytest.param(lambda lib: lib.linalg.cross(lib.ones(2, 1, 3), lib.ones(4, 3)), id="cross_ndim"),
    pytest.param(lambda lib: lib.linalg.cross(lib.ones(3), lib.ones(3), dim=1), id="cross_dim"),
    pytest.param(lambda lib: lib.cross(lib.ones(2, 4), lib.ones(2, 4)), id="torch_cross_no_3"),
    pytest.param(lambda lib: lib.chain_matmul(), id="chain_matmul_none"),
    pytest.param(lambda lib: lib.chain_matmul(lib.ones(3), lib.ones(3, 4)), id="chain_matmul_1d"),
    pytest.param(lambda lib: lib.dist(lib.arange(3), lib.arange(3)), id="dist_int"),
    pytest.param(lambda lib: lib.renorm(lib.ones(3, 4), 0, 0, 1.0), id="renorm_p0"),
    pytest.param(lambda lib: lib.renorm(lib.ones(3, 4), 2, 0, -1.0), id="renorm_maxnorm"),
    pytest.param(lambda lib: lib.renorm(lib.ones(3), 2, 0, 1.0), id="renorm_1d"),
    pytest.param(lambda lib: lib.renorm(lib.ones(3, 4), 2, 2, 1.0), id="renorm_dim"),
    pytest.param(lambda lib: lib.addmv(lib.ones(2, 3), lib.ones(3, 4), lib.ones(4)), id="addmv_input"),
    pytest.param(
        lambda lib: lib.addbmm(lib.ones(3, 5), lib.ones(2, 3, 4), lib.ones(3, 4, 5)), id="addbmm_batch"
    ),
    pytest.param(lambda lib: lib.ones(3).mT, id="mT_1d"),
    pytest.param(lambda lib: lib.ones(3).mH, id="mH_1d"),
    pytest.param(lambda lib: lib.ones(2, 3, 4).H, id="H_3d"),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_have_torch_types(call, torch):
    _same_error(lambda: call(ds), lambda: call(torch))


def test_linalg_errors_are_linalg_errors(torch):
    with pytest.raises(LA.LinAlgError) as caught:
        LA.cholesky(-ds.eye(3))
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, np.linalg.LinAlgError)
    assert "positive-definite" in str(caught.value)
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.cholesky(-torch.eye(3))


def _fields(result) -> tuple[str, ...]:
    """The field names of a named tuple or of one of torch.return_types."""
    return type(result).__match_args__


def test_result_types_name_their_fields_as_torch(torch):
    a = np.random.default_rng(0).standard_normal((4, 3))
    ours, theirs = _pair(torch, a)
    for name in ("svd", "qr"):
        assert _fields(getattr(LA, name)(ours)) == _fields(getattr(torch.linalg, name)(theirs))
    assert _fields(ds.svd(ours)) == _fields(torch.svd(theirs)) == ("U", "S", "V")
    assert _fields(ds.qr(ours)) == _fields(torch.qr(theirs))
    square, square_t = ours[:3] @ ours[:3].mT, theirs[:3] @ theirs[:3].mT
    assert _fields(LA.eigh(square)) == _fields(torch.linalg.eigh(square_t))
    assert _fields(ds.slogdet(square)) == _fields(torch.slogdet(square_t))
    sign, logabsdet = ds.slogdet(ours[:3])
    ref = torch.slogdet(theirs[:3])
    np.testing.assert_allclose([sign.item(), logabsdet.item()], [ref.sign.item(), ref.logabsdet.item()])


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_svd_reconstructs_and_shapes_equal_torch(shape, full, torch):
    a = np.random.default_rng(1).standard_normal(shape)
    u, s, vh = LA.svd(ds.tensor(a), full_matrices=full)
    ref = torch.linalg.svd(torch.tensor(a), full_matrices=full)
    assert (u.shape, s.shape, vh.shape) == tuple(tuple(x.shape) for x in ref)
    k = min(shape[-2:])
    np.testing.assert_allclose((u.data[..., :k] * s.data[..., None, :]) @ vh.data[..., :k, :], a, atol=1e-12)
    np.testing.assert_allclose(s.data, ref.S.numpy(), rtol=1e-12)


def test_torch_svd_some_and_compute_uv(torch):
    a = np.random.default_rng(2).standard_normal((2, 4, 3))
    for kwargs in ({}, {"some": False}, {"compute_uv": False}):
        ours, theirs = ds.svd(ds.tensor(a), **kwargs), torch.svd(torch.tensor(a), **kwargs)
        assert [x.shape for x in ours] == [tuple(x.shape) for x in theirs]
    no_uv = ds.svd(ds.tensor(a), compute_uv=False)
    assert not no_uv.U.data.any() and not no_uv.V.data.any()


def test_qr_mode_r_and_its_backward_refusal(torch):
    a = np.random.default_rng(3).standard_normal((4, 3))
    ours = LA.qr(ds.tensor(a, requires_grad=True), mode="r")
    theirs = torch.linalg.qr(torch.tensor(a, requires_grad=True), mode="r")
    assert ours.Q.shape == tuple(theirs.Q.shape) == (0,)
    np.testing.assert_allclose(np.abs(ours.R.data), np.abs(theirs.R.detach().numpy()), rtol=1e-12)
    _same_error(lambda: ours.R.sum().backward(), lambda: theirs.R.sum().backward())
    complete = LA.qr(ds.tensor(a, requires_grad=True), mode="complete")
    reference = torch.linalg.qr(torch.tensor(a, requires_grad=True), mode="complete")
    _same_error(lambda: complete.Q.sum().backward(), lambda: reference.Q.sum().backward())


def test_eigh_gradient_is_symmetric_and_equals_torch_on_the_lower_triangle(torch):
    """eigh reads one triangle; its gradient, as PyTorch's, is the symmetric one."""
    a = np.random.default_rng(4).standard_normal((4, 4))
    ours, theirs = _pair(torch, a, grad=True)
    w = np.array([0.5, -1.0, 2.0, 0.3])
    r = LA.eigh(ours)
    ((r.eigenvectors * w) @ r.eigenvectors.mT).sum().backward()
    q = torch.linalg.eigh(theirs)
    ((q.eigenvectors * torch.tensor(w)) @ q.eigenvectors.mT).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.grad.data, ours.grad.data.T, atol=1e-12)


def test_slogdet_and_logdet_of_singular_and_negative_matrices(torch):
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    negative = np.array([[1.0, 2.0], [3.0, 4.0]])
    for a in (singular, negative):
        ours, theirs = _pair(torch, a, grad=True)
        out, ref = ds.logdet(ours), torch.logdet(theirs)
        np.testing.assert_equal(out.item(), ref.item())
        out.backward()
        ref.backward()
        if not np.isinf(ref.item()):
            np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())
    sign, logabsdet = ds.slogdet(ds.tensor(singular))
    assert sign.item() == 0 and logabsdet.item() == -math.inf


def test_matrix_power_zero_is_the_identity_with_a_zero_gradient(torch):
    a = np.random.default_rng(5).standard_normal((2, 3, 3))
    ours, theirs = _pair(torch, a, grad=True)
    ds.matrix_power(ours, 0).sum().backward()
    torch.matrix_power(theirs, 0).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())
    np.testing.assert_array_equal(ds.matrix_power(ours, 0).data, np.broadcast_to(np.eye(3), (2, 3, 3)))


def test_matrix_exp_of_known_matrices():
    rotation = ds.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=np.float64)
    np.testing.assert_allclose(
        LA.matrix_exp(rotation).data, [[math.cos(1), -math.sin(1)], [math.sin(1), math.cos(1)]], atol=1e-15
    )
    nilpotent = ds.tensor([[0.0, 3.0], [0.0, 0.0]], dtype=np.float64)
    np.testing.assert_array_equal(LA.matrix_exp(nilpotent).data, [[1.0, 3.0], [0.0, 1.0]])
    big = np.diag([30.0, -30.0])
    np.testing.assert_allclose(np.diag(LA.matrix_exp(ds.tensor(big)).data), np.exp([30.0, -30.0]), rtol=1e-13)


def test_pinv_of_a_rank_deficient_matrix_and_rcond(torch):
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    np.testing.assert_allclose(
        LA.pinv(ds.tensor(a)).data, torch.linalg.pinv(torch.tensor(a)).numpy(), atol=1e-14
    )
    b = np.diag([1.0, 1e-3])
    np.testing.assert_allclose(
        ds.pinverse(ds.tensor(b), rcond=1e-2).data, torch.pinverse(torch.tensor(b), rcond=1e-2).numpy()
    )
    np.testing.assert_allclose(
        LA.pinv(ds.tensor(b), atol=0.01).data, torch.linalg.pinv(torch.tensor(b), atol=0.01).numpy()
    )


def test_torch_cross_without_dim_warns_and_takes_the_first_dim_of_size_3(torch):
    a = np.random.default_rng(6).standard_normal((3, 3, 2))
    b = np.random.default_rng(7).standard_normal((3, 3, 2))
    with pytest.warns(UserWarning):
        ours = ds.cross(ds.tensor(a), ds.tensor(b))
    theirs = torch.cross(torch.tensor(a), torch.tensor(b))  # (PyTorch warns once per process)
    np.testing.assert_allclose(ours.data, theirs.numpy())


@pytest.mark.parametrize(
    "name, args",
    [
        ("addmm_", ((2, 4), (4, 3))),
        ("addmv_", ((3, 4), (4,))),
        ("addr_", ((3,), (4,))),
        ("baddbmm_", ((2, 2, 4), (2, 4, 3))),
        ("addbmm_", ((2, 3, 4), (2, 4, 4))),
        ("renorm_", None),
    ],
)
def test_in_place_products_equal_torch_and_keep_the_graph(name, args, torch):
    rng = np.random.default_rng(8)
    target_shape = {
        "addmm_": (2, 3),
        "addmv_": (3,),
        "addr_": (3, 4),
        "baddbmm_": (2, 2, 3),
        "addbmm_": (3, 4),
    }
    c = rng.standard_normal(target_shape.get(name, (3, 4)))
    operands = [rng.standard_normal(s) for s in args] if args else []
    extra = (2, 0, 1.5) if name == "renorm_" else ()
    kwargs = {} if name == "renorm_" else {"beta": 0.5, "alpha": 2.0}
    leaf, leaf_t = _pair(torch, c, grad=True)
    ins = [ds.tensor(x, requires_grad=True) for x in operands]
    ins_t = [torch.tensor(x, requires_grad=True) for x in operands]
    out = getattr(leaf * 1, name)(*ins, *extra, **kwargs)
    ref = getattr(leaf_t * 1, name)(*ins_t, *extra, **kwargs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    for mine, theirs in zip([leaf, *ins], [leaf_t, *ins_t], strict=True):
        np.testing.assert_allclose(mine.grad.data, theirs.grad.numpy(), rtol=1e-12)
    _same_error(
        lambda: getattr(leaf, name)(*ins, *extra, **kwargs),
        lambda: getattr(leaf_t, name)(*ins_t, *extra, **kwargs),
    )


def test_addr_promotes_as_torch(torch):
    a = ds.addr(ds.ones(3, 4), ds.arange(3), ds.arange(4))
    b = torch.addr(torch.ones(3, 4), torch.arange(3), torch.arange(4))
    assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
    integral = ds.addr(ds.arange(12).reshape(3, 4), ds.arange(3), ds.arange(4))
    assert integral.dtype == np.int64


def test_properties_are_views():
    a = ds.randn(2, 3, 4)
    assert a.mT.shape == (2, 4, 3) and np.shares_memory(a.mT.data, a.data)
    m = ds.randn(3, 4)
    assert m.H.shape == (4, 3) and m.mH.shape == (4, 3) and m.adjoint().shape == (4, 3)


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=5),
        elements=st.floats(-10, 10),
    )
)
def test_decompositions_reconstruct_random_matrices(a):
    q, r = LA.qr(ds.tensor(a))
    np.testing.assert_allclose((q @ r).data, a, atol=1e-9)
    u, s, vh = LA.svd(ds.tensor(a), full_matrices=False)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ vh).data, a, atol=1e-8)
    if a.shape[-1] == a.shape[-2]:
        symmetric = a + np.swapaxes(a, -1, -2)
        values, vectors = LA.eigh(ds.tensor(symmetric))
        np.testing.assert_allclose(((vectors * values.unsqueeze(-2)) @ vectors.mT).data, symmetric, atol=1e-8)
        spd = a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])
        lower = LA.cholesky(ds.tensor(spd))
        np.testing.assert_allclose((lower @ lower.mT).data, spd, rtol=1e-9, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(-3, 6), st.integers(0, 10_000))
def test_matrix_power_equals_repeated_products(n, power, seed):
    a = np.random.default_rng(seed).standard_normal((n, n)) + 2 * np.eye(n)
    expected = np.linalg.matrix_power(a, power)
    np.testing.assert_allclose(ds.matrix_power(ds.tensor(a), power).data, expected, rtol=1e-8, atol=1e-8)
