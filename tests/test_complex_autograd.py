"""Autograd on complex tensors, held to PyTorch's convention: for a real loss L, z.grad = ∂L/∂Re z +
i·∂L/∂Im z, so a holomorphic f passes back g·conj(f′(z)) (Function.holomorphic and chain_rule), and
the functions that are not holomorphic (abs, angle, real, imag, conj, sgn) have their own formulas.

Each op is run on random complex inputs (and real ones mixed in, whose gradient stays real) through a
real loss as PyTorch users build one, L = Σ (Re out)² + 3·Im out or Σ |out|, and z.grad is compared
with torch's: to 1e-10 in complex128, 1e-4 in complex64. The whole op catalogue is swept the same way;
finite differences on the real and imaginary parts check the gradients without torch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd.function import Function
from deepstep.errors import DTypeError, DTypeNotImplementedError, ShapeError
from deepstep.selfcheck import CASES, make_inputs

TOLERANCE = {np.complex128: 1e-10, np.complex64: 1e-4}
REAL_OF = {np.complex128: np.float64, np.complex64: np.float32}
DTYPES = list(TOLERANCE)


def _complex(rng, shape, dtype=np.complex128, domain="plane"):
    """Random complex numbers: anywhere near 0 ('plane'), or with a real part in [0.5, 2] ('right':
    away from the branch cuts of log, sqrt and the inverse functions, and from 0)."""
    if domain == "right":
        z = rng.uniform(0.5, 2.0, shape) + 1j * rng.uniform(-1.0, 1.0, shape)
    elif domain == "small":
        z = rng.uniform(-0.5, 0.5, shape) + 1j * rng.uniform(-0.5, 0.5, shape)
    else:
        z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return z.astype(dtype)


def _parts_loss(out):
    """L = Σ (Re out)² + 3·Im out for a complex out, Σ out² for a real one."""
    if out.is_complex():
        return (out.real**2 + 3 * out.imag).sum()
    return (out**2).sum()


def _abs_loss(out):
    """L = Σ |out|: the loss of the defect report, (z·w).abs().sum()."""
    return out.abs().sum()


def _numpy(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


def _close(got, expected, tol, what):
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale, err_msg=what)


def _check(torch, fn, *arrays, loss=_parts_loss, tol=None):
    """fn(lib, *tensors) in deepstep and in torch: the same values and dtypes, and the same gradient of
    loss(out) for every floating or complex input (real inputs get real gradients)."""
    dtype = next(a.dtype.type for a in arrays if a.dtype.kind == "c")
    tol = TOLERANCE[dtype] if tol is None else tol
    ours = [ds.tensor(a, requires_grad=a.dtype.kind in "fc") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind in "fc") for a in arrays]
    out, ref = fn(ds, *ours), fn(torch, *theirs)
    assert out.shape == tuple(ref.shape)
    assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
    _close(out.numpy(), _numpy(ref), tol, "values")
    loss(out).backward()
    loss(ref).backward()
    for i, (mine, oracle) in enumerate(zip(ours, theirs, strict=True)):
        if not oracle.requires_grad:
            continue
        expected = np.zeros(oracle.shape, arrays[i].dtype) if oracle.grad is None else _numpy(oracle.grad)
        assert mine.grad is not None, f"input {i} got no gradient"
        assert mine.grad.dtype == mine.dtype, f"input {i}: gradient {mine.grad.dtype} for a {mine.dtype}"
        _close(mine.grad.numpy(), expected, tol, f"gradient of input {i}")


# ----- the defect as reported ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_reported_loss_abs_of_a_product(dtype, torch):
    rng = np.random.default_rng(0)
    z, w = _complex(rng, (3, 4), dtype), _complex(rng, (3, 4), dtype)
    _check(torch, lambda t, a, b: a * b, z, w, loss=_abs_loss)
    _check(torch, lambda t, a, b: (a * b) ** 2 / b + a.exp(), z, w, loss=_abs_loss)


# ----- holomorphic functions of one variable ----------------------------------------------------
UNARY = {
    "exp": ("plane", lambda t, a: t.exp(a)),
    "log": ("right", lambda t, a: t.log(a)),
    "sin": ("plane", lambda t, a: t.sin(a)),
    "cos": ("plane", lambda t, a: a.cos()),
    "tan": ("small", lambda t, a: t.tan(a)),
    "tanh": ("small", lambda t, a: t.tanh(a)),
    "sigmoid": ("plane", lambda t, a: t.sigmoid(a)),
    "sqrt": ("right", lambda t, a: t.sqrt(a)),
    "rsqrt": ("right", lambda t, a: t.rsqrt(a)),
    "reciprocal": ("right", lambda t, a: t.reciprocal(a)),
    "square": ("plane", lambda t, a: t.square(a)),
    "neg": ("plane", lambda t, a: -a),
    "exp2": ("plane", lambda t, a: t.exp2(a)),
    "expm1": ("plane", lambda t, a: t.expm1(a)),
    "log2": ("right", lambda t, a: t.log2(a)),
    "log10": ("right", lambda t, a: a.log10()),
    "log1p": ("right", lambda t, a: t.log1p(a)),
    "sinh": ("plane", lambda t, a: t.sinh(a)),
    "cosh": ("plane", lambda t, a: t.cosh(a)),
    "asin": ("small", lambda t, a: t.asin(a)),
    "acos": ("small", lambda t, a: t.acos(a)),
    "atan": ("small", lambda t, a: t.atan(a)),
    "asinh": ("small", lambda t, a: t.asinh(a)),
    "acosh": ("right", lambda t, a: t.acosh(a + 1)),
    "atanh": ("small", lambda t, a: t.atanh(a)),
    "pow_2": ("plane", lambda t, a: a**2),
    "pow_3": ("plane", lambda t, a: t.pow(a, 3)),
    "pow_half": ("right", lambda t, a: a**0.5),
    "pow_minus_one": ("right", lambda t, a: a**-1),
    "pow_2.5": ("right", lambda t, a: a**2.5),
    "pow_complex_exponent": ("right", lambda t, a: a ** (1.5 - 0.5j)),
    "rpow": ("plane", lambda t, a: 2.0**a),
    "float_power": ("right", lambda t, a: t.float_power(a, 1.5)),
    "tanhshrink": ("small", lambda t, a: t.nn.functional.tanhshrink(a)),
    "softsign": ("plane", lambda t, a: t.nn.functional.softsign(a)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_functions_of_one_variable_equal_torch(name, dtype, torch):
    domain, fn = UNARY[name]
    rng = np.random.default_rng(1)
    for shape in [(3, 4), (), (0, 2)]:
        _check(torch, fn, _complex(rng, shape, dtype, domain))
    _check(torch, fn, _complex(rng, (5,), dtype, domain), loss=_abs_loss)


# ----- functions that are not holomorphic -------------------------------------------------------
NOT_HOLOMORPHIC = {
    "abs": lambda t, a: a.abs(),
    "angle": lambda t, a: t.angle(a),
    "angle_method": lambda t, a: a.angle() * a.abs(),
    "real": lambda t, a: a.real * a.imag,
    "real_function": lambda t, a: t.real(a) + 2 * t.imag(a),
    "conj": lambda t, a: a.conj() * a.exp(),
    "conj_physical": lambda t, a: t.conj_physical(a),
    "resolve_conj": lambda t, a: a.conj().resolve_conj(),
    "sgn": lambda t, a: t.sgn(a) * a.exp(),
    "view_as_real": lambda t, a: t.view_as_real(a) ** 3,
    "view_as_complex": lambda t, a: t.view_as_complex(t.view_as_real(a) * 2).exp(),
    "mH": lambda t, a: a.mH @ a,
    "adjoint": lambda t, a: a.adjoint() * 2j,
    "vdot": lambda t, a: t.vdot(a[0], a[1]),
    "var": lambda t, a: a.var(0),
    "std": lambda t, a: a.std(dim=1, correction=0),
    "norm": lambda t, a: a.norm(),
    "vector_norm_1": lambda t, a: t.linalg.vector_norm(a, 1, dim=0),
    "vector_norm_3": lambda t, a: t.linalg.vector_norm(a, 3),
    "vector_norm_inf": lambda t, a: t.linalg.vector_norm(a, float("inf"), dim=1),
    "vecdot": lambda t, a: t.linalg.vecdot(a, a.exp()),
    "dist": lambda t, a: t.dist(a, a.exp()),
    "cov": lambda t, a: t.cov(a),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(NOT_HOLOMORPHIC))
def test_functions_that_are_not_holomorphic_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(2)
    fn = NOT_HOLOMORPHIC[name]
    _check(torch, fn, _complex(rng, (2, 4), dtype))
    _check(torch, fn, _complex(rng, (2, 4), dtype), loss=_abs_loss)


def test_the_gradients_of_real_imag_and_conj_are_pytorchs(torch):
    """real: g + 0i; imag: 0 + g·i; conj: ḡ; abs: g·z/|z|; angle: g·i·z/|z|² (0 at 0)."""
    z = ds.tensor([1 + 2j, -3 + 0.5j, 0j], dtype=ds.complex128, requires_grad=True)
    g = np.array([2.0, -1.0, 0.5])
    z.real.backward(g)
    np.testing.assert_array_equal(z.grad.numpy(), g + 0j)
    z.grad = None
    z.imag.backward(g)
    np.testing.assert_array_equal(z.grad.numpy(), 1j * g)
    z.grad = None
    z.conj().backward(g * (1 + 1j))
    np.testing.assert_array_equal(z.grad.numpy(), g * (1 - 1j))
    z.grad = None
    z.angle().backward(g)
    tz = torch.tensor(z.numpy(), requires_grad=True)
    tz.angle().backward(torch.tensor(g))
    np.testing.assert_allclose(z.grad.numpy(), tz.grad.numpy(), rtol=1e-14, atol=0)
    assert z.grad.numpy()[2] == 0


def test_complex_and_polar_build_differentiable_complex_tensors(torch):
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        re, im = rng.standard_normal((3, 1)).astype(dtype), rng.standard_normal((4,)).astype(dtype)
        # complex() broadcasts; each real part gets the real and imaginary part of the gradient
        z = np.zeros((1,), {np.float64: np.complex128, np.float32: np.complex64}[dtype])
        _check(torch, lambda t, z, a, b: t.complex(a, b) * (2 - 1j) + z, z, re, im)
        r = rng.uniform(0.5, 2, (4,)).astype(dtype)
        _check(torch, lambda t, z, a, b: t.polar(a, b).exp() + z, z, r, im)


def test_angle_of_real_tensors_is_0_or_pi_with_a_zero_gradient(torch):
    x = np.array([-2.0, -0.0, 0.0, 3.0, np.nan])
    ours, theirs = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(ds.angle(ours).numpy(), torch.angle(theirs).detach().numpy())
    ds.angle(ours).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), np.zeros(5))
    assert (
        ds.angle(ds.tensor([1, -2])).dtype == np.float32 == torch.angle(torch.tensor([1, -2])).numpy().dtype
    )


# ----- binary ops, complex with complex and with real ---------------------------------------------
# where and lerp take operands of one dtype in torch (its where cannot send a complex gradient to a
# real operand), so only the others are also run with a real operand
ONE_DTYPE = {"where", "lerp", "lerp_tensor_weight"}
BINARY = {
    "add": lambda t, a, b: a + b,
    "add_alpha": lambda t, a, b: t.add(a, b, alpha=2 - 3j) if a.is_complex() else t.add(a, b, alpha=2),
    "sub": lambda t, a, b: a - b,
    "rsub": lambda t, a, b: t.rsub(a, b),
    "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / b,
    "rdiv": lambda t, a, b: b / (a + 3),
    "pow": lambda t, a, b: (a + 3) ** b,
    "where": lambda t, a, b: t.where(t.tensor([True, False, True, False]), a, b),
    "lerp": lambda t, a, b: t.lerp(a, b, 0.3),
    "lerp_tensor_weight": lambda t, a, b: t.lerp(a, b, b),
    "addcmul": lambda t, a, b: t.addcmul(a, a, b, value=0.5),
    "addcdiv": lambda t, a, b: t.addcdiv(b, a, b + 3, value=2),
    "number_left": lambda t, a, b: (1 + 2j) * a + (3 - 1j) / (b + 3) - 2j,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_ops_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(4)
    fn = BINARY[name]
    real = REAL_OF[dtype]
    a, b = _complex(rng, (3, 4), dtype, "right"), _complex(rng, (4,), dtype, "right")
    _check(torch, fn, a, b)  # both complex, b broadcast
    _check(torch, fn, a, b, loss=_abs_loss)
    if name in ONE_DTYPE:
        return
    # mixed: the real operand's gradient is real (the real part of its complex one), as in torch
    _check(torch, fn, a, rng.uniform(0.5, 2, (4,)).astype(real))
    _check(torch, fn, rng.uniform(0.5, 2, (3, 4)).astype(real), b)


def test_a_real_operand_of_a_complex_op_gets_a_real_gradient_without_a_warning(torch):
    x = ds.tensor([1.0, 2.0], dtype=ds.float64, requires_grad=True)
    w = ds.tensor([1 + 1j, 2 - 3j], dtype=ds.complex128)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning from casting the gradient to the real dtype
        (x * w).abs().sum().backward()
    assert x.grad.dtype == np.float64
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tx * torch.tensor(w.numpy())).abs().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-14)


# ----- reductions -----------------------------------------------------------------------------------
REDUCTIONS = {
    "sum": lambda t, a: a.sum(),
    "sum_dim": lambda t, a: a.sum(1, keepdim=True),
    "mean": lambda t, a: a.mean(0),
    "prod": lambda t, a: a.prod(),
    "prod_dim": lambda t, a: t.prod(a, 1),
    "cumsum": lambda t, a: t.cumsum(a, 1),
    "cumprod": lambda t, a: t.cumprod(a, 0),
    "logsumexp": lambda t, a: t.logsumexp(a, 1),
    "trace": lambda t, a: t.trace(a[:, :3]),
    "weighted_sum": lambda t, a: (a * t.tensor([1.0, -2.0, 0.5, 3.0], dtype=a.dtype)).sum(),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reductions_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(5)
    _check(torch, REDUCTIONS[name], _complex(rng, (3, 4), dtype, "small"))
    _check(torch, REDUCTIONS[name], _complex(rng, (3, 4), dtype, "small"), loss=_abs_loss)


def test_prod_with_a_zero_passes_the_product_of_the_others(torch):
    a = _complex(np.random.default_rng(6), (2, 4))
    a[0, 1] = 0
    _check(torch, lambda t, x: x.prod(1), a)


# ----- products of matrices ------------------------------------------------------------------------
PRODUCTS = {
    "matmul": ((3, 4), (4, 2), lambda t, a, b: a @ b),
    "matmul_batched_broadcast": ((2, 3, 4), (4, 5), lambda t, a, b: t.matmul(a, b)),
    "matmul_vector_left": ((4,), (2, 4, 3), lambda t, a, b: a @ b),
    "matmul_vector_right": ((3, 4), (4,), lambda t, a, b: a @ b),
    "dot": ((4,), (4,), lambda t, a, b: t.dot(a, b)),
    "vdot": ((4,), (4,), lambda t, a, b: t.vdot(a, b)),
    "mm": ((3, 4), (4, 2), lambda t, a, b: t.mm(a, b)),
    "bmm": ((2, 3, 4), (2, 4, 5), lambda t, a, b: t.bmm(a, b)),
    "mv": ((3, 4), (4,), lambda t, a, b: t.mv(a, b)),
    "outer": ((3,), (4,), lambda t, a, b: t.outer(a, b)),
    "einsum": ((2, 3, 4), (4, 5), lambda t, a, b: t.einsum("bij,jk->bki", a, b)),
    "einsum_trace": ((3, 3), (3,), lambda t, a, b: t.einsum("ii,i->", a, b)),
    "tensordot": ((2, 3, 4), (3, 4, 2), lambda t, a, b: t.tensordot(a, b, dims=2)),
    "kron": ((2, 2), (2, 3), lambda t, a, b: t.kron(a, b)),
    "addmm": ((3, 2), (3, 4), lambda t, a, b: t.addmm(a, b, b.mT[:, :2], beta=0.5, alpha=2)),
    "linear": ((3, 4), (2, 4), lambda t, a, b: t.nn.functional.linear(a, b)),
    "cross": ((2, 3), (2, 3), lambda t, a, b: t.linalg.cross(a, b)),
    "solve": ((3, 3), (3, 2), lambda t, a, b: t.linalg.solve(a + 3 * t.eye(3), b)),
    "det": ((3, 3), (3,), lambda t, a, b: t.linalg.det(a) * b),
    "inv": ((3, 3), (3,), lambda t, a, b: t.linalg.inv(a + 3 * t.eye(3)) * b),
    "slogdet": ((3, 3), (3,), lambda t, a, b: t.linalg.slogdet(a).logabsdet * b),
    "logdet": ((3, 3), (3,), lambda t, a, b: t.logdet(a + 3 * t.eye(3)) * b),
    "matrix_exp": ((3, 3), (3,), lambda t, a, b: t.linalg.matrix_exp(a / 2) * b),
    "pinv": ((3, 2), (2,), lambda t, a, b: t.linalg.pinv(a) * b[:, None]),
    "svdvals": ((3, 2), (2,), lambda t, a, b: t.linalg.svdvals(a) * b),
    "eigvalsh": ((3, 3), (3,), lambda t, a, b: t.linalg.eigvalsh(a + a.mH) * b),
    "conv1d": ((1, 2, 6), (3, 2, 3), lambda t, a, b: t.nn.functional.conv1d(a, b)),
    "conv2d": ((1, 2, 4, 4), (3, 2, 2, 2), lambda t, a, b: t.nn.functional.conv2d(a, b)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(PRODUCTS))
def test_products_of_matrices_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(7)
    shape_a, shape_b, fn = PRODUCTS[name]
    tol = 1e-9 if dtype == np.complex128 else 1e-3  # the decompositions lose a few digits
    a, b = _complex(rng, shape_a, dtype), _complex(rng, shape_b, dtype)
    _check(torch, fn, a, b, tol=tol)
    _check(torch, fn, a, b, loss=_abs_loss, tol=tol)


# ----- shapes, indexing, joining ----------------------------------------------------------------------
SHAPES = {
    "reshape": lambda t, a: a.reshape(4, 6).exp(),
    "view": lambda t, a: a.view(-1) * a.view(-1).flip(0),
    "transpose": lambda t, a: a.transpose(0, 2) ** 2,
    "permute": lambda t, a: a.permute(2, 0, 1) * (1 + 1j),
    "mT": lambda t, a: a.mT @ a,
    "squeeze_unsqueeze": lambda t, a: a.unsqueeze(1).squeeze(1).sin(),
    "expand": lambda t, a: a[:, :1].expand(2, 3, 4) * a,
    "flatten": lambda t, a: a.flatten(1) ** 2,
    "getitem_slices": lambda t, a: a[1, ::2, 1:] ** 2,
    "getitem_advanced": lambda t, a: a[[1, 0, 1], :, [0, 2, 2]] * a[0, 0, 0],
    "getitem_mask": lambda t, a: a[a.real > 0] ** 2,
    "index_select": lambda t, a: t.index_select(a, 2, t.tensor([3, 0, 3])) ** 2,
    "gather": lambda t, a: t.gather(a, 1, t.tensor([[[0, 2, 1, 0]], [[2, 2, 0, 1]]])) ** 2,
    "masked_fill": lambda t, a: a.masked_fill(a.real > 0, 1 - 2j) ** 2,
    "cat": lambda t, a: t.cat([a, a.exp(), a[:, :1]], dim=1) ** 2,
    "stack": lambda t, a: t.stack([a, a * a], dim=-1).sum(0) * a[0, 0, 0],
    "split_chunk": lambda t, a: t.chunk(a, 2, dim=2)[1] * t.split(a, [1, 3], dim=2)[1][..., :2],
    "unbind": lambda t, a: t.unbind(a, 1)[2] ** 3,
    "flip_roll": lambda t, a: t.roll(t.flip(a, [1]), 1, 2) * a,
    "narrow": lambda t, a: a.narrow(2, 1, 2) ** 2,
    "diagonal": lambda t, a: t.diagonal(a, 0, 1, 2) ** 2,
    "tril": lambda t, a: t.tril(a) ** 2,
    "repeat": lambda t, a: a.repeat(1, 2, 1) * a.repeat(1, 2, 1).exp(),
    "clone_contiguous": lambda t, a: a.transpose(1, 2).contiguous().clone() ** 2,
    "type_cast": lambda t, a: a.to(t.complex64).exp(),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SHAPES))
def test_shapes_indexing_and_joining_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(9)
    tol = TOLERANCE[dtype] if name != "type_cast" else 1e-5
    _check(torch, SHAPES[name], _complex(rng, (2, 3, 4), dtype), tol=tol)


def test_in_place_ops_on_complex_tensors_equal_torch(torch):
    rng = np.random.default_rng(10)

    def fn(t, a, b):
        c = a * 1
        c.mul_(b)
        c[0] = c[0].exp()
        c.add_(a, alpha=2j)
        return c.conj_physical_()

    _check(torch, fn, _complex(rng, (2, 3)), _complex(rng, (2, 3)))


# ----- the whole catalogue, complexified -------------------------------------------------------------
# Catalogue ops whose complex gradient deepstep refuses, with the error (PyTorch computes them): the
# formulas through singular vectors, QR and Cholesky factors are written for real matrices.
UNSUPPORTED = {
    **dict.fromkeys(
        ["svd_tall", "svd_wide", "svd_full_matrices", "svd_square_batched"], DTypeNotImplementedError
    ),
    **dict.fromkeys(
        ["qr_tall", "qr_square", "qr_wide", "qr_wide_complete", "qr_batched", "qr_q", "qr_torch_r"],
        DTypeNotImplementedError,
    ),
    **dict.fromkeys(["cholesky", "cholesky_upper", "cholesky_torch"], DTypeNotImplementedError),
}
# Cases whose two spellings differ for complex input: the catalogue's torch twins of these losses cast
# their fixed float64 targets and weights to the input's dtype, while deepstep's promote a complex64
# input against them (to complex128, or float64 after abs).
DIFFERENT = {
    "l1_loss",
    "l1_loss_weighted",
    "mse_loss_weighted",
    "poisson_nll_loss",
    "smooth_l1_loss_beta0",
}


def _complexified(case, dtype):
    """The case's inputs with a small imaginary part added to each floating one (|Im| ≤ 0.3·(|Re| +
    0.1), so that inputs drawn away from a kink or a branch cut stay away from it)."""
    rng = np.random.default_rng(7)
    out = []
    for a in make_inputs(case, 0):
        if a.dtype.kind == "f":
            a = (a + 1j * rng.uniform(-0.3, 0.3, a.shape) * (np.abs(a) + 0.1)).astype(dtype)
        out.append(a)
    return out


def _torch_runs(torch, case, arrays):
    """torch's output for the complexified case, or None where torch refuses complex input there."""
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "c") for a in arrays]
    try:
        ref = case.torch(torch, *theirs)
        _parts_loss(ref).backward()
    except (RuntimeError, NotImplementedError, TypeError, ValueError):
        return None
    return theirs, ref


@pytest.mark.filterwarnings("ignore::UserWarning")  # casts that discard Im (both warn), torch's deprecations
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_catalogue_op_that_torch_runs_on_complex_input_gives_torchs_gradient(dtype, torch):
    checked, wrong, refused = 0, [], {}
    for case in CASES:
        if not case.differentiable or case.name in DIFFERENT:
            continue
        arrays = _complexified(case, dtype)
        if not any(a.dtype.kind == "c" for a in arrays):
            continue
        ran = _torch_runs(torch, case, arrays)
        if ran is None:
            continue
        theirs, ref = ran
        ours = [ds.tensor(a, requires_grad=a.dtype.kind == "c") for a in arrays]
        try:
            out = case.fn(*ours)
            _parts_loss(out).backward()
        except Exception as error:  # which ones refuse, and how, is the point
            refused[case.name] = type(error)
            continue
        checked += 1
        tol = TOLERANCE[dtype] * (1e3 if case.rtol > 1e-6 else 1)  # the catalogue's loose cases
        try:
            assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
            _close(out.numpy(), _numpy(ref), tol, "values")
            for mine, oracle in zip(ours, theirs, strict=True):
                if oracle.requires_grad:
                    expected = np.zeros(oracle.shape, dtype) if oracle.grad is None else _numpy(oracle.grad)
                    got = np.zeros(oracle.shape, dtype) if mine.grad is None else mine.grad.numpy()
                    _close(got, expected, tol, "gradient")
        except AssertionError as error:
            wrong.append(f"{case.name}: {str(error).strip().splitlines()[0]}")
    assert wrong == []
    assert set(refused) == set(UNSUPPORTED), "the cases deepstep refuses on complex input changed"
    for name, kind in refused.items():
        assert issubclass(kind, UNSUPPORTED[name]), name
    assert checked > 500


def test_the_refusals_say_what_is_missing():
    a = ds.tensor(_complex(np.random.default_rng(11), (3, 3)), requires_grad=True)
    u, s, _ = ds.linalg.svd(a)
    assert s.dtype == np.float64  # the values are computed, the singular values real as in torch
    with pytest.raises(DTypeNotImplementedError, match=r"derivative of linalg\.svd for complex"):
        u.abs().sum().backward()
    with pytest.raises(NotImplementedError, match=r"torch\.sgn"):
        ds.sign(a)


# ----- finite differences on the real and imaginary parts --------------------------------------------
GRADCHECKS = {
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "matmul": lambda a, b: a.reshape(2, 2) @ b.reshape(2, 2),
    "exp_log": lambda a, b: (a.exp() * b).log(),
    "sin_cos_tanh": lambda a, b: a.sin() * b.cos() + a.tanh(),
    "sqrt_reciprocal": lambda a, b: a.sqrt() + b.reciprocal(),
    "abs_angle": lambda a, b: a.abs() + b.angle(),
    "real_imag_conj": lambda a, b: a.real * b.imag + a.conj() * b,
    "sgn": lambda a, b: a.sgn() * b,
    "prod_cumprod": lambda a, b: a.prod() + b.cumprod(0),
    "var_norm": lambda a, b: a.var() + b.norm(),
    "einsum": lambda a, b: ds.einsum("i,j->ij", a, b),
    "det_inv": lambda a, b: ds.linalg.det(a.reshape(2, 2)) * ds.linalg.inv(b.reshape(2, 2)),
    "view_as_real": lambda a, b: ds.view_as_real(a * b),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_complex_gradients_equal_finite_differences_on_both_parts(name):
    rng = np.random.default_rng(12)
    for _ in range(2):
        a, b = _complex(rng, (4,), domain="right"), _complex(rng, (4,), domain="right")
        assert ds.gradcheck(GRADCHECKS[name], a, b)
        if name not in ("real_imag_conj", "einsum"):  # (b.imag of a real b; einsum takes one dtype)
            assert ds.gradcheck(GRADCHECKS[name], a, b.real.copy())  # a real operand


def test_numerical_grad_steps_the_real_and_imaginary_parts_separately():
    """L = Σ |z|² + Re z₀·Im z₁ has ∂L/∂Re z + i·∂L/∂Im z = 2z + (Im z₁, i·Re z₀)."""
    z = np.array([1.0 + 2.0j, -0.5 + 0.25j])
    expected = 2 * z + np.array([z[1].imag, 1j * z[0].real])
    numeric = ds.numerical_grad(lambda t: (t.abs() ** 2).sum() + t.real[0] * t.imag[1], z)
    np.testing.assert_allclose(numeric, expected, rtol=1e-8)
    x = ds.tensor(z, requires_grad=True)
    ((x.abs() ** 2).sum() + x.real[0] * x.imag[1]).backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_gradcheck_catches_a_complex_gradient_that_forgot_to_conjugate():
    class Forgetful(Function):
        """z = a·b with backward g·b (the real formula) but not declared holomorphic: wrong for complex."""

        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def backward(self, g):
            return g * self.b, g * self.a

    z = _complex(np.random.default_rng(13), (3,))
    assert ds.gradcheck(lambda a, b: Forgetful()(a, b), z.real.copy(), z.imag.copy())  # real: right
    with pytest.raises(ds.GradcheckError):
        ds.gradcheck(lambda a, b: Forgetful()(a, b), z, z[::-1].copy())

    class Declared(Forgetful):
        holomorphic = True  # the engine conjugates around the real formula

    assert ds.gradcheck(lambda a, b: Declared()(a, b), z, z[::-1].copy())


# ----- the engine's rules -------------------------------------------------------------------------------
def test_a_complex_output_is_no_loss(torch):
    z = ds.tensor([1 + 1j], requires_grad=True)
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        (z * 2).sum().backward()
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        ds.autograd.grad((z * 2).sum(), [z])
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        torch.tensor([1 + 1j], requires_grad=True).sum().backward()
    (z * 2).backward(np.array([1 - 1j]))  # with the gradient given, as in torch
    np.testing.assert_array_equal(z.grad.numpy(), [2 - 2j])


def test_real_and_imag_share_memory_as_before():
    z = ds.tensor([1 + 2j, 3 - 1j])
    with ds.no_grad():
        z.real[0] = 5.0
        z.imag[1] = 7.0
    np.testing.assert_array_equal(z.numpy(), [5 + 2j, 3 + 7j])
    x = ds.tensor([1.0])
    assert ds.real(x) is x
    with pytest.raises(DTypeError, match="non-complex"):
        _ = ds.tensor([1.0]).imag


def test_complex_and_the_views_refuse_what_torch_refuses(torch):
    f32, f64 = ds.ones(2), ds.ones(2, dtype=ds.float64)
    cases = [
        (lambda t, a, b: t.complex(a, b.double()), DTypeError),
        (lambda t, a, b: t.complex(a.int(), b.int()), DTypeError),
        (lambda t, a, b: t.view_as_real(a), DTypeError),
        (lambda t, a, b: t.view_as_complex(t.ones(3, 3)), ShapeError),
        (lambda t, a, b: t.view_as_complex(t.ones(2, 3).T), ShapeError),
    ]
    for fn, error in cases:
        with pytest.raises(error):
            fn(ds, f32, f64.float())
        with pytest.raises(RuntimeError):
            fn(torch, torch.ones(2), torch.ones(2))
    v = ds.view_as_complex(ds.tensor([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(v.numpy(), [1 + 2j, 3 + 4j])
    r = ds.view_as_real(v)
    assert r.shape == (2, 2)
