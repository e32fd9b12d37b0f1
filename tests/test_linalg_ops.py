"""Linear algebra against PyTorch, beyond the catalogue: exception types and messages, integer and
bool dtypes, norms' gradients at zero and at ties, singular matrices, einsum's spellings, and a
hypothesis check of einsum on random equations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepstep as ds
import deepstep.linalg
from torch_oracle import same_error as _same_error


def _pairs(torch, *shapes, dtype=np.float64, seed=0):
    """The same random data as deepstep and torch tensors, one pair per shape."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return [ds.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


ERRORS = [
    pytest.param([(3,), (3, 2)], lambda lib, a, b: lib.mm(a, b), id="mm_vector"),
    pytest.param([(2, 3), (4, 2)], lambda lib, a, b: lib.mm(a, b), id="mm_inner"),
    pytest.param([(2, 3, 4), (2, 3, 5)], lambda lib, a, b: lib.bmm(a, b), id="bmm_inner"),
    pytest.param([(2, 3, 4), (1, 4, 5)], lambda lib, a, b: lib.bmm(a, b), id="bmm_batch"),
    pytest.param([(2, 3, 4), (4, 5)], lambda lib, a, b: lib.bmm(a, b), id="bmm_2d"),
    pytest.param([(2, 3), (4,)], lambda lib, a, b: lib.mv(a, b), id="mv_size"),
    pytest.param([(2, 3), (3, 1)], lambda lib, a, b: lib.mv(a, b), id="mv_matrix"),
    pytest.param([(3,), (4,)], lambda lib, a, b: lib.dot(a, b), id="dot_size"),
    pytest.param([(3, 1), (3,)], lambda lib, a, b: lib.dot(a, b), id="dot_2d"),
    pytest.param([(2, 3), (4, 2)], lambda lib, a, b: lib.inner(a, b), id="inner_last_dim"),
    pytest.param([(3, 1), (4,)], lambda lib, a, b: lib.outer(a, b), id="outer_2d"),
    pytest.param([(3,), (4,)], lambda lib, a, b: lib.matmul(a, b), id="matmul_vectors"),
    pytest.param([(2, 3), (4, 5)], lambda lib, a, b: lib.matmul(a, b), id="matmul_inner"),
    pytest.param([(), (3,)], lambda lib, a, b: lib.matmul(a, b), id="matmul_0d"),
    pytest.param([(2, 2, 3), (3, 3, 5)], lambda lib, a, b: lib.matmul(a, b), id="matmul_batch"),
    pytest.param([(4,), (2, 4), (4, 3)], lambda lib, c, a, b: lib.addmm(c, a, b), id="addmm_input"),
    pytest.param([(2, 3, 4), (3, 4, 5)], lambda lib, a, b: lib.tensordot(a, b, 3), id="tensordot_many"),
    pytest.param([(2, 3, 4), (4, 3, 5)], lambda lib, a, b: lib.tensordot(a, b, -1), id="tensordot_negative"),
    pytest.param(
        [(2, 3, 4), (4, 3, 5)], lambda lib, a, b: lib.tensordot(a, b, ([1], [0])), id="tensordot_sizes"
    ),
    pytest.param(
        [(2, 3, 4), (4, 3, 5)], lambda lib, a, b: lib.tensordot(a, b, ([1], [1, 0])), id="tensordot_lengths"
    ),
    pytest.param([(3,)], lambda lib, a: lib.einsum("ij", a), id="einsum_dims"),
    pytest.param([(3,)], lambda lib, a: lib.einsum("i,i", a), id="einsum_operands"),
    pytest.param([(3,)], lambda lib, a: lib.einsum("i->ii", a), id="einsum_output_repeated"),
    pytest.param([(3,)], lambda lib, a: lib.einsum("i->j", a), id="einsum_output_unknown"),
    pytest.param([(3, 3)], lambda lib, a: lib.einsum("i1", a), id="einsum_character"),
    pytest.param([(2, 3), (2, 2)], lambda lib, a, b: lib.einsum("ij,ij->ij", a, b), id="einsum_sizes"),
    pytest.param([(3, 4)], lambda lib, a: lib.einsum("ii", a), id="einsum_diagonal_sizes"),
    pytest.param([()], lambda lib, a: lib.einsum("i->", a), id="einsum_0d"),
    pytest.param([(3,)], lambda lib, a: lib.trace(a), id="trace_vector"),
    pytest.param([()], lambda lib, a: lib.diag(a), id="diag_0d"),
    pytest.param([(2, 3, 4)], lambda lib, a: lib.diag(a), id="diag_3d"),
    pytest.param([(2, 3, 4)], lambda lib, a: lib.diagonal(a, 0, 1, 1), id="diagonal_same_dims"),
    pytest.param([(2, 3, 4)], lambda lib, a: lib.diagonal(a, 0, 3, 1), id="diagonal_dim"),
    pytest.param([()], lambda lib, a: lib.diag_embed(a), id="diag_embed_0d"),
    pytest.param([(3,)], lambda lib, a: lib.tril(a), id="tril_vector"),
    pytest.param([(3,)], lambda lib, a: lib.triu(a), id="triu_vector"),
    pytest.param([(3, 4)], lambda lib, a: a.norm(p="nuc", dim=1), id="norm_nuc_dim"),
    pytest.param([(3, 4)], lambda lib, a: a.norm(p="abc"), id="norm_order"),
    pytest.param([(3, 4, 2)], lambda lib, a: a.norm(p="fro", dim=(0, 1, 2)), id="norm_fro_three_dims"),
    pytest.param([(0, 3)], lambda lib, a: lib.linalg.vector_norm(a, math.inf), id="vector_norm_empty_inf"),
    pytest.param(
        [(0, 3)], lambda lib, a: lib.linalg.vector_norm(a, -1, dim=0), id="vector_norm_empty_negative"
    ),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.vector_norm(a, 2, dim=(0, 0)), id="vector_norm_dims"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.vector_norm(a, "fro"), id="vector_norm_string"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.matrix_norm(a, 3), id="matrix_norm_order"),
    pytest.param([(3,)], lambda lib, a: lib.linalg.matrix_norm(a), id="matrix_norm_vector"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.matrix_norm(a, dim=(0, 0)), id="matrix_norm_dims"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.matrix_norm(a, dim=(0,)), id="matrix_norm_one_dim"),
    pytest.param([(2, 3, 4)], lambda lib, a: lib.linalg.norm(a, 2), id="linalg_norm_3d"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.norm(a, None, (0, 1, 1)), id="linalg_norm_dims"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.det(a), id="det_rectangular"),
    pytest.param([(3,)], lambda lib, a: lib.linalg.inv(a), id="inv_vector"),
    pytest.param([(3, 3), (4,)], lambda lib, a, b: lib.linalg.solve(a, b), id="solve_sizes"),
    pytest.param([(3, 4)], lambda lib, a: lib.linalg.svdvals(a[0]), id="svdvals_vector"),
    pytest.param([(3,), (3, 4), (5,)], lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), id="multi_dot"),
]


@pytest.mark.parametrize("shapes, call", ERRORS)
def test_errors_have_pytorchs_type(torch, shapes, call):
    ours, theirs = _pairs(torch, *shapes)
    _same_error(lambda: call(ds, *ours), lambda: call(torch, *theirs))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda lib, a, b: lib.mm(a, b), id="mm"),
        pytest.param(lambda lib, a, b: lib.dot(a[0], b[:, 0]), id="dot"),
        pytest.param(lambda lib, a, b: lib.inner(a, b.T), id="inner"),
        pytest.param(lambda lib, a, b: lib.tensordot(a, b, 1), id="tensordot"),
        pytest.param(lambda lib, a, b: lib.einsum("ij,jk", a, b), id="einsum"),
        pytest.param(lambda lib, a, b: lib.addmm(b[:2, :2], a, a.T), id="addmm"),
    ],
)
def test_products_refuse_mixed_dtypes_as_pytorch_does(torch, call):
    a, b = np.ones((2, 3), np.float32), np.ones((3, 2), np.float64)
    _same_error(
        lambda: call(ds, ds.tensor(a), ds.tensor(b)), lambda: call(torch, torch.tensor(a), torch.tensor(b))
    )


def test_product_errors_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2x3 and 4x2\)"):
        ds.mm(ds.zeros(2, 3), ds.zeros(4, 2))
    with pytest.raises(RuntimeError, match="shapes"):
        ds.zeros(2, 3) @ ds.zeros(4, 5)
    with pytest.raises(RuntimeError, match="size 3 in dim 1 and second has size 4 in dim 0"):
        ds.tensordot(ds.zeros(2, 3, 4), ds.zeros(4, 3, 5), ([1], [0]))
    with pytest.raises(RuntimeError, match="does not broadcast with previously seen size 3"):
        ds.einsum("ij,ij->ij", ds.zeros(2, 3), ds.zeros(2, 2))


MATMUL_MISMATCHES = [
    ((3,), (4,)),
    ((3,), (4, 5)),
    ((2, 3), (4,)),
    ((2, 3), (4, 5)),
    ((0, 3), (4, 5)),
    ((7, 2, 3), (4,)),
    ((7, 2, 3), (4, 5)),
    ((2, 3), (7, 4, 5)),
    ((3,), (7, 4, 5)),
    ((7, 2, 3), (7, 4, 5)),
    ((1, 2, 3), (5, 4, 5)),
    ((2, 5, 2, 3), (5, 4, 6)),
    ((7, 2, 3), (6, 3, 5)),
    ((2, 7, 2, 3), (3, 6, 3, 5)),
    ((4, 7, 2, 3), (3, 1, 4, 5)),
]


@pytest.mark.parametrize("spelling", ["@", "matmul", "Tensor.matmul"])
@pytest.mark.parametrize(("left", "right"), MATMUL_MISMATCHES, ids=str)
def test_matmul_shape_errors_are_pytorchs(torch, spelling, left, right):
    """PyTorch's RuntimeError and words (mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)),
    not NumPy's gufunc signature."""
    call = {
        "@": lambda lib, a, b: a @ b,
        "matmul": lambda lib, a, b: lib.matmul(a, b),
        "Tensor.matmul": lambda lib, a, b: a.matmul(b),
    }[spelling]
    ours, theirs = _pairs(torch, left, right)
    error = _same_error(lambda: call(ds, *ours), lambda: call(torch, *theirs))
    with pytest.raises(RuntimeError) as expected:
        call(torch, *theirs)
    assert str(error) == str(expected.value).splitlines()[0]
    assert "gufunc" not in str(error)


def test_bool_products_are_refused():
    with pytest.raises(RuntimeError):
        ds.mm(ds.ones(2, 2, dtype=bool), ds.ones(2, 2, dtype=bool))
    with pytest.raises(RuntimeError):
        ds.trace(ds.ones(2, 2, dtype=bool))


# ----- dtypes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda lib, a: lib.mm(a, a.T), id="mm"),
        pytest.param(lambda lib, a: lib.einsum("ij,kj->ik", a, a), id="einsum"),
        pytest.param(lambda lib, a: lib.einsum("ii", a[:, :2]), id="einsum_trace"),
        pytest.param(lambda lib, a: lib.tensordot(a, a, ([1], [1])), id="tensordot"),
        pytest.param(lambda lib, a: lib.outer(a[0], a[1]), id="outer"),
        pytest.param(lambda lib, a: lib.trace(a), id="trace"),
        pytest.param(lambda lib, a: lib.diag(a[0]), id="diag"),
        pytest.param(lambda lib, a: lib.diagonal(a, 1), id="diagonal"),
        pytest.param(lambda lib, a: lib.diag_embed(a), id="diag_embed"),
        pytest.param(lambda lib, a: lib.tril(a, -1), id="tril"),
        pytest.param(lambda lib, a: lib.triu(a, 1), id="triu"),
    ],
)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32])
def test_integer_and_float32_dtypes_as_in_pytorch(torch, call, dtype):
    data = np.random.default_rng(0).integers(-3, 4, (2, 3)).astype(dtype)
    ours, theirs = call(ds, ds.tensor(data)), call(torch, torch.tensor(data))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_tril_and_triu_of_bool_masks(torch):
    mask = np.ones((3, 4), bool)
    assert ds.tril(ds.tensor(mask)).numpy().tolist() == torch.tril(torch.tensor(mask)).tolist()
    assert ds.triu(ds.tensor(mask), 2).dtype == np.bool_


def test_norms_refuse_integers(torch):
    x = np.arange(3)
    _same_error(lambda: ds.tensor(x).norm(), lambda: torch.tensor(x).norm())
    _same_error(
        lambda: ds.linalg.vector_norm(ds.tensor(x.astype(float)), dtype=np.int64),
        lambda: torch.linalg.vector_norm(torch.tensor(x.astype(float)), dtype=torch.int64),
    )


# ----- gradients at the awkward points ------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0.5, math.inf, -math.inf, 0, -1])
@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0], [0.0, 1.0, -2.0], [2.0, -2.0, 1.0]])
def test_vector_norm_gradient_at_zero_and_ties_as_in_pytorch(torch, p, values):
    x = ds.tensor(values, dtype=np.float64, requires_grad=True)
    y = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ours, theirs = ds.linalg.vector_norm(x, p), torch.linalg.vector_norm(y, p)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy())
    ours.backward()
    theirs.backward()
    expected = np.zeros(3) if y.grad is None else y.grad.numpy()
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_norm_of_zeros_has_gradient_zero(torch):
    x, y = ds.zeros(2, 3, requires_grad=True), torch.zeros(2, 3, requires_grad=True)
    x.norm().backward()
    y.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())


def test_det_gradient_of_a_singular_matrix_is_the_cofactor_matrix(torch):
    data = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]])
    x, y = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ds.linalg.det(x).backward()
    torch.linalg.det(y).backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), atol=1e-12)


def test_singular_matrices_raise_linalg_errors(torch):
    singular = np.ones((3, 3))
    error = _same_error(
        lambda: ds.linalg.inv(ds.tensor(singular)), lambda: torch.linalg.inv(torch.tensor(singular))
    )
    assert isinstance(error, ds.linalg.LinAlgError) and isinstance(error, np.linalg.LinAlgError)
    _same_error(
        lambda: ds.linalg.solve(ds.tensor(singular), ds.ones(3, 1, dtype=np.float64)),
        lambda: torch.linalg.solve(torch.tensor(singular), torch.ones(3, 1, dtype=torch.float64)),
    )


def test_addmm_with_beta_zero_ignores_nan_in_input(torch):
    (c, a, b), (tc, ta, tb) = _pairs(torch, (2, 3), (2, 4), (4, 3))
    c.numpy()[0, 0] = tc.numpy()[0, 0] = np.nan
    ours, theirs = ds.addmm(c, a, b, beta=0), torch.addmm(tc, ta, tb, beta=0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


# ----- einsum's spellings -------------------------------------------------------------------------
def test_einsum_spellings(torch):
    (a, b), (ta, tb) = _pairs(torch, (2, 3), (3, 4))
    pairs = [
        (ds.einsum("ij,jk", [a, b]), torch.einsum("ij,jk", [ta, tb])),
        (ds.einsum(" i j , j k -> k i ", a, b), torch.einsum(" i j , j k -> k i ", ta, tb)),
        (ds.einsum("Ba", a), torch.einsum("Ba", ta)),
        (ds.einsum("aB", a), torch.einsum("aB", ta)),
        (ds.einsum(a, [0, 1], b, [1, 2]), torch.einsum(ta, [0, 1], tb, [1, 2])),
        (ds.einsum(a, [30, 1], [1, 30]), torch.einsum(ta, [30, 1], [1, 30])),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_diagonal_is_a_view_sharing_the_version_counter(torch):
    (x,), (y,) = _pairs(torch, (3, 4))
    ours, theirs = x.diagonal(1), y.diagonal(1)
    x.add_(1.0)
    y.add_(1.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours._version == theirs._version == 1


# ----- hypothesis: einsum on random equations -----------------------------------------------------
@st.composite
def _equations(draw):
    """Two or three operands over the letters a–d (sizes 1–3, a letter may repeat inside an operand
    or be broadcast from size 1), with an explicit or implicit output, sometimes with '...'."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcd"}
    ellipsis = draw(st.lists(st.integers(1, 2), max_size=2))
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, 3))):
        term = draw(st.text("abcd", max_size=3))
        shape = [draw(st.sampled_from([sizes[c], 1])) if term.count(c) == 1 else sizes[c] for c in term]
        if draw(st.booleans()):
            width = draw(st.integers(0, len(ellipsis)))
            term, shape = "..." + term, ellipsis[len(ellipsis) - width :] + shape
        terms.append(term)
        shapes.append(tuple(shape))
    letters = sorted(set("".join(terms).replace(".", "")))
    output = draw(st.permutations(letters))[: draw(st.integers(0, len(letters)))]
    equation = ",".join(terms)
    if draw(st.booleans()):
        equation += "->" + ("..." if "..." in equation else "") + "".join(output)
    return equation, shapes


@settings(max_examples=80, deadline=None)
@given(_equations())
def test_einsum_values_and_gradients_match_pytorch(torch, equation_and_shapes):
    equation, shapes = equation_and_shapes
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [ds.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ds.einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    for x, y in zip(ours, theirs, strict=True):
        expected = np.zeros(y.shape) if y.grad is None else y.grad.numpy()
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10, atol=1e-12)
