"""deepstep.fft against torch.fft: values, dtypes, shapes and gradients of every transform over shapes,
dims, n/s (padding and cropping), the three norms, float and complex inputs; gradcheck in float64
(complex inputs through a two-real-input wrapper); PyTorch's exception types; fftfreq, rfftfreq,
fftshift and ifftshift."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd.function import Function

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
TWO_D = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"]
REAL_INPUT_ONLY = {"rfft", "ihfft", "rfftn", "ihfftn", "rfft2", "ihfft2"}
NORMS = [None, "backward", "ortho", "forward"]
DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def _cases(names):
    return [
        pytest.param(name, dtype, id=f"{name}-{np.dtype(dtype).name}")
        for name in names
        for dtype in DTYPES
        if not (name in REAL_INPUT_ONLY and np.dtype(dtype).kind == "c")
    ]


def _draw(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _numpy(t):
    return t.detach().resolve_conj().numpy()


def _loss(out, seed, torch=None):
    """A real loss of the output with a gradient in every direction: Σ w·|z + c| for a complex z (z + c
    keeps |·| away from its kink at 0), Σ w·z for a real one."""
    rng = np.random.default_rng(seed)
    shape = tuple(out.shape)
    w = rng.standard_normal(shape)
    complex_out = out.is_complex() if torch is not None else out.dtype.kind == "c"
    if complex_out:
        c = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        if torch is not None:
            return ((out + torch.from_numpy(c)).abs() * torch.from_numpy(w)).sum()
        return ((out + c).abs() * w).sum()
    if torch is not None:
        return (out * torch.from_numpy(w).to(out.dtype)).sum()
    return (out * w.astype(out.dtype)).sum()


def _compare(torch, name, a, seed=0, **kwargs):
    """The transform `name` of a with kwargs: value, dtype, shape and gradient equal to torch's."""
    x, tx = ds.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = getattr(ds.fft, name)(x, **kwargs), getattr(torch.fft, name)(tx, **kwargs)
    where = f"{name}{tuple(a.shape)} {a.dtype} {kwargs}"
    assert out.shape == tuple(ref.shape), where
    assert str(out.dtype) == str(ref.dtype).removeprefix("torch."), where
    tol = 1e-12 if a.dtype in (np.float64, np.complex128) else 1e-5
    expected = _numpy(ref)
    np.testing.assert_allclose(out.numpy(), expected, rtol=tol, atol=tol * max(1, np.abs(expected).max()))
    _loss(out, seed).backward()
    _loss(ref, seed, torch).backward()
    assert x.grad.dtype == x.dtype, where
    expected = _numpy(tx.grad)
    np.testing.assert_allclose(
        x.grad.numpy(), expected, rtol=tol, atol=tol * max(1, np.abs(expected).max()), err_msg=where
    )


@pytest.mark.parametrize(("name", "dtype"), _cases(ONE_D))
def test_one_dim_transforms_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(0)
    configs = itertools.product([(8,), (5,), (3, 6), (2, 5, 4)], [-1, 0, 1], [None, 1, 4, 9])
    for i, (shape, dim, n) in enumerate(configs):
        if dim >= len(shape):
            continue
        _compare(torch, name, _draw(rng, shape, dtype), seed=i, n=n, dim=dim, norm=NORMS[i % 4])


@pytest.mark.parametrize(("name", "dtype"), _cases(N_D))
def test_n_dim_transforms_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(1)
    i = 0
    for shape in [(4, 6), (2, 5, 4), (3, 1, 3)]:
        k_all = len(shape)
        for dim in [None, (-1,), (0,), tuple(range(k_all))[::-1], (0, -1), (-1, 0)]:
            k = k_all if dim is None else len(dim)
            for s in [None, (3,) * k, tuple(range(4, 4 + k)), (-1,) * k]:
                i += 1
                a = _draw(rng, shape, dtype)
                _compare(torch, name, a, seed=i, s=s, dim=dim, norm=NORMS[i % 4])
        _compare(torch, name, _draw(rng, shape, dtype), s=(5,) * (k_all - 1))  # s alone: the last dims


@pytest.mark.parametrize(("name", "dtype"), _cases(TWO_D))
def test_two_dim_transforms_equal_torch(name, dtype, torch):
    rng = np.random.default_rng(2)
    configs = itertools.product([(4, 6), (2, 5, 4)], [(-2, -1), (0, -1), (-1, 0)], [None, (3, 7), (6, 2)])
    for i, (shape, dim, s) in enumerate(configs):
        _compare(torch, name, _draw(rng, shape, dtype), seed=i, s=s, dim=dim, norm=NORMS[i % 4])


# ----- gradient checks ---------------------------------------------------------------------------
class _Complex(Function):
    """z = re + i·im;  ∂L/∂re = Re g, ∂L/∂im = Im g (g = ∂L/∂Re z + i·∂L/∂Im z, PyTorch's convention).
    It lets gradcheck, which perturbs real inputs, reach a transform's complex input."""

    saved_inputs = ()

    def forward(self, re, im):
        return re + 1j * im

    def backward(self, g):
        return self.to_inputs(np.ascontiguousarray(g.real), np.ascontiguousarray(g.imag))


def _readout(out):
    """A real function of a transform's output with a gradient in every direction."""
    if out.dtype.kind != "c":
        return out
    c = np.random.default_rng(7).standard_normal((*out.shape, 2)) @ np.array([1, 1j])
    return (out + c).abs()


GRADCHECKS = [
    ("fft", {"n": 7, "norm": "ortho"}),
    ("fft", {"n": 3, "dim": 0}),
    ("ifft", {"n": 6, "norm": "forward"}),
    ("rfft", {}),
    ("rfft", {"n": 8, "dim": 0}),
    ("rfft", {"n": 3, "norm": "forward"}),
    ("irfft", {}),
    ("irfft", {"n": 7, "norm": "ortho"}),
    ("irfft", {"n": 4, "dim": 0, "norm": "forward"}),
    ("hfft", {"n": 9}),
    ("hfft", {"n": 4, "dim": 0, "norm": "forward"}),
    ("ihfft", {"n": 6, "norm": "ortho"}),
    ("ihfft", {"dim": 0}),
    ("fftn", {"s": (3, 7), "norm": "forward"}),
    ("ifftn", {"dim": (1, 0)}),
    ("rfftn", {"s": (6, 4)}),
    ("rfftn", {"dim": (1, 0), "norm": "ortho"}),
    ("irfftn", {"s": (3, 6)}),
    ("irfftn", {"s": (6, 5), "dim": (1, 0), "norm": "forward"}),
    ("hfftn", {"s": (4, 4), "norm": "ortho"}),
    ("ihfftn", {"s": (3, 7)}),
    ("fft2", {}),
    ("ifft2", {"s": (2, 8)}),
    ("rfft2", {"norm": "forward"}),
    ("irfft2", {}),
    ("hfft2", {"s": (5, 5)}),
    ("ihfft2", {"norm": "ortho"}),
]


@pytest.mark.parametrize(("name", "kwargs"), GRADCHECKS, ids=lambda v: str(v))
def test_gradcheck_in_float64(name, kwargs):
    rng = np.random.default_rng(3)
    f = getattr(ds.fft, name)
    re, im = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    assert ds.gradcheck(lambda a: _readout(f(a, **kwargs)), re)
    if name not in REAL_INPUT_ONLY:
        assert ds.gradcheck(lambda a, b: _readout(f(_Complex()(a, b), **kwargs)), re, im)


# ----- what else PyTorch does --------------------------------------------------------------------
def test_round_trips():
    x = np.random.default_rng(4).standard_normal((3, 8))
    t = ds.tensor(x)
    np.testing.assert_allclose(ds.fft.ifft(ds.fft.fft(t)).numpy(), x, atol=1e-14)
    np.testing.assert_allclose(ds.fft.irfft(ds.fft.rfft(t), n=8).numpy(), x, atol=1e-14)
    np.testing.assert_allclose(ds.fft.irfft(ds.fft.rfft(t[:, :7]), n=7).numpy(), x[:, :7], atol=1e-14)
    np.testing.assert_allclose(ds.fft.hfft(ds.fft.ihfft(t), n=8).numpy(), x, atol=1e-14)
    np.testing.assert_allclose(ds.fft.irfftn(ds.fft.rfftn(t), s=t.shape).numpy(), x, atol=1e-14)
    np.testing.assert_allclose(ds.fft.ifftshift(ds.fft.fftshift(t)).numpy(), x)


def test_integer_and_bool_inputs_are_promoted_as_in_torch(torch):
    for a in (np.arange(6), np.array([True, False, True])):
        for name in ("fft", "rfft", "irfft", "hfft", "ihfft", "fftn"):
            out, ref = getattr(ds.fft, name)(ds.tensor(a)), getattr(torch.fft, name)(torch.tensor(a))
            assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
            np.testing.assert_allclose(out.numpy(), _numpy(ref), rtol=1e-5, atol=1e-5)


def test_strided_inputs_give_the_same_values_and_gradients():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((6, 10)) + 1j * rng.standard_normal((6, 10))
    for name, kwargs in [("fft", {"n": 7}), ("irfft", {"dim": 0}), ("fftn", {"s": (4, 4)}), ("hfft2", {})]:
        strided, dense = base[:, ::2].T, np.ascontiguousarray(base[:, ::2].T)
        before = strided.copy()
        x, y = ds.tensor(strided, requires_grad=True), ds.tensor(dense, requires_grad=True)
        f = getattr(ds.fft, name)
        out_x, out_y = f(x, **kwargs), f(y, **kwargs)
        np.testing.assert_allclose(out_x.numpy(), out_y.numpy(), rtol=1e-14, atol=1e-14)
        _loss(out_x, 0).backward()
        _loss(out_y, 0).backward()
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-14, atol=1e-14)
        np.testing.assert_array_equal(strided, before)


def test_empty_inputs(torch):
    # a transformed dim of length 0 zero-padded by n, as in PyTorch
    for name in ("fft", "rfft", "irfft", "ihfft"):
        out, ref = getattr(ds.fft, name)(ds.zeros(0), n=4), getattr(torch.fft, name)(torch.zeros(0), n=4)
        assert out.shape == tuple(ref.shape) and str(out.dtype) == str(ref.dtype).removeprefix("torch.")
    # an empty batch gives an empty result (torch's MKL build raises here; pocketfft builds do not)
    assert ds.fft.fft(ds.zeros((0, 5))).shape == (0, 5)
    assert ds.fft.rfft2(ds.zeros((0, 4, 6))).shape == (0, 4, 4)
    assert ds.fft.irfft(ds.zeros((2, 0, 5)), dim=-1).shape == (2, 0, 8)


def test_fftn_over_no_dims_is_the_input_as_complex(torch):
    a = np.random.default_rng(6).standard_normal((2, 3)).astype(np.float32)
    for kwargs in ({"dim": ()}, {"s": (), "dim": ()}):
        out, ref = ds.fft.fftn(ds.tensor(a), **kwargs), torch.fft.fftn(torch.tensor(a), **kwargs)
        assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(out.numpy(), _numpy(ref))
    out, ref = ds.fft.fftn(ds.tensor(2.5)), torch.fft.fftn(torch.tensor(2.5))
    assert out.shape == () and str(out.dtype) == str(ref.dtype).removeprefix("torch.")


ERRORS = {
    "dim out of range": lambda F, x: F.fft(x, dim=2),
    "negative dim out of range": lambda F, x: F.rfft(x, dim=-3),
    "a dim of fftn out of range": lambda F, x: F.fftn(x, dim=(0, 5)),
    "fft2 of a 1-D tensor": lambda F, x: F.fft2(x[0]),
    "fft of a 0-d tensor": lambda F, x: F.fft(x[0, 0]),
    "a dim that is not an int": lambda F, x: F.fft(x, dim=1.0),
    "bad norm": lambda F, x: F.fft(x, norm="bad"),
    "norm in the wrong case": lambda F, x: F.irfft2(x, norm="Ortho"),
    "bad norm of fftn": lambda F, x: F.ihfftn(x, norm="none"),
    "n = 0": lambda F, x: F.fft(x, n=0),
    "n < 0": lambda F, x: F.ihfft(x, n=-1),
    "n = 0 by default (irfft of one bin)": lambda F, x: F.irfft(x[:, :1]),
    "an s entry of 0": lambda F, x: F.fftn(x, s=(3, 0)),
    "an s entry below -1": lambda F, x: F.irfftn(x, s=(-2, 4)),
    "n not an int": lambda F, x: F.fft(x, n=3.0),
    "n a bool": lambda F, x: F.hfft(x, n=True),
    "a complex input to rfft": lambda F, x: F.rfft(x * 1j),
    "a complex input to ihfft": lambda F, x: F.ihfft(x * 1j),
    "a complex input to rfftn": lambda F, x: F.rfftn(x * 1j),
    "half precision": lambda F, x: F.fft(x.half()),
    "s and dim of different lengths": lambda F, x: F.fftn(x, s=(3,), dim=(0, 1)),
    "s longer than the dims": lambda F, x: F.fftn(x, s=(3, 4, 5)),
    "a dim twice": lambda F, x: F.fftn(x, dim=(0, 0)),
    "a dim twice, counted from the end": lambda F, x: F.rfft2(x, dim=(1, -1)),
    "rfftn over no dims": lambda F, x: F.rfftn(x, dim=()),
    "irfftn over no dims": lambda F, x: F.irfftn(x, dim=()),
    "hfftn over no dims": lambda F, x: F.hfftn(x, dim=()),
    "fftfreq of a negative n": lambda F, x: F.fftfreq(-1),
    "fftfreq of a float n": lambda F, x: F.fftfreq(4.0),
    "fftfreq with an integer dtype": lambda F, x: F.fftfreq(4, dtype=x.long().dtype),
    "rfftfreq with an integer dtype": lambda F, x: F.rfftfreq(4, dtype=x.int().dtype),
    "fftfreq with a complex dtype": lambda F, x: F.fftfreq(4, dtype=(x * 1j).dtype),
    "fftshift of a 0-d tensor": lambda F, x: F.fftshift(x[0, 0]),
    "fftshift over no dims": lambda F, x: F.ifftshift(x, dim=()),
    "fftshift dim out of range": lambda F, x: F.fftshift(x, dim=3),
}


@pytest.mark.parametrize("make", ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_torchs(make, torch):
    a = np.random.default_rng(8).standard_normal((4, 5)).astype(np.float32)
    with pytest.raises(Exception) as expected:
        make(torch.fft, torch.tensor(a))
    with pytest.raises(expected.type):
        make(ds.fft, ds.tensor(a))


# ----- frequencies and shifts --------------------------------------------------------------------
def test_fftfreq_and_rfftfreq_equal_torch(torch):
    for n, d, dtype in itertools.product(range(8), [1.0, 0.3, 2, 0.0], [None, "float64", "float32"]):
        kwargs = {} if dtype is None else {"dtype": getattr(torch, dtype)}
        ours_kwargs = {} if dtype is None else {"dtype": getattr(ds, dtype)}
        for name in ("fftfreq", "rfftfreq"):
            out, ref = getattr(ds.fft, name)(n, d, **ours_kwargs), getattr(torch.fft, name)(n, d, **kwargs)
            assert out.shape == tuple(ref.shape) and str(out.dtype) == str(ref.dtype).removeprefix("torch.")
            np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-7, equal_nan=True)
    freq = ds.fft.fftfreq(5, requires_grad=True, dtype=ds.float64)
    assert freq.requires_grad and freq.is_leaf
    assert ds.fft.rfftfreq(n=6, d=ds.tensor(0.5)).tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shifts_equal_torch_with_gradients(name, torch):
    rng = np.random.default_rng(9)
    for shape, dim in [((5,), None), ((4, 7), None), ((4, 7), 0), ((3, 4, 5), (0, -1)), ((3, 4, 5), (1, 1))]:
        a = rng.standard_normal(shape)
        x, tx = ds.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out, ref = getattr(ds.fft, name)(x, dim=dim), getattr(torch.fft, name)(tx, dim=dim)
        np.testing.assert_array_equal(out.numpy(), _numpy(ref))
        _loss(out, 1).backward()
        _loss(ref, 1, torch).backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    freq = ds.fft.fftshift(ds.fft.fftfreq(6))
    assert freq.tolist() == pytest.approx([-0.5, -1 / 3, -1 / 6, 0, 1 / 6, 1 / 3])


def test_the_namespace():
    assert set(ds.fft.__all__) >= {
        *ONE_D,
        *N_D,
        *TWO_D,
        "fftfreq",
        "rfftfreq",
        "fftshift",
        "ifftshift",
    }
    for name in ds.fft.__all__:
        assert getattr(ds.fft, name).__doc__, name
