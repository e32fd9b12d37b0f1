"""deepstep.signal against torch: the window functions (torch.*_window and torch.signal.windows) in
values, dtypes and edge lengths; stft and istft in values, dtypes, shapes and gradients (with respect
to the signal and the window) over n_fft, hop, win_length, center, pad modes, normalized, onesided
and float/complex inputs, gradcheck in float64, and PyTorch's exception types for bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds

TORCH_WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
SIGNAL_WINDOWS = [
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
]


def _dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _assert_close(out, ref, tol):
    expected = ref.detach().resolve_conj().numpy()
    assert out.shape == tuple(ref.shape)
    assert str(out.dtype) == _dtype_name(ref.dtype)
    np.testing.assert_allclose(
        out.numpy(), expected, rtol=tol, atol=tol * max(1.0, np.abs(expected).max(initial=0.0))
    )


# ----- windows ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TORCH_WINDOWS)
@pytest.mark.parametrize("n", [0, 1, 2, 5, 8, 33])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_torch_windows_match(torch, name, n, periodic, dtype):
    out = getattr(ds, name)(n, periodic, dtype=getattr(ds, dtype))
    ref = getattr(torch, name)(n, periodic, dtype=getattr(torch, dtype))
    # deepstep rounds the float64 window once; torch computes in the dtype (float16 drifts by ~1e-3)
    _assert_close(out, ref, {"float64": 1e-12, "float32": 1e-6, "float16": 2e-3}[dtype])


def test_window_defaults_and_parameters(torch):
    _assert_close(ds.hann_window(10), torch.hann_window(10), 1e-6)  # periodic, default float
    _assert_close(
        ds.hamming_window(9, False, 0.6, 0.3, dtype=ds.float64),
        torch.hamming_window(9, False, 0.6, 0.3, dtype=torch.float64),
        1e-12,
    )
    for beta in (0.0, 3.5, -3.5, 20.0):
        _assert_close(
            ds.kaiser_window(12, True, beta, dtype=ds.float64),
            torch.kaiser_window(12, True, beta, dtype=torch.float64),
            1e-12,
        )
    w = ds.bartlett_window(6, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    ds.set_default_dtype(np.float64)
    try:
        assert ds.blackman_window(4).dtype == np.float64
    finally:
        ds.set_default_dtype(np.float32)


@pytest.mark.parametrize("name", TORCH_WINDOWS)
def test_torch_window_errors(torch, name):
    cases = [
        ((-1,), {}),  # negative length
        ((4,), {"dtype": "int64"}),  # not a floating dtype
        ((4,), {"dtype": "complex64"}),  # complex: arange is not implemented for it
        ((4.0,), {}),  # a float length
        ((True,), {}),  # a bool length
    ]
    for args, kwargs in cases:
        dtype = kwargs.get("dtype")
        with pytest.raises(Exception) as expected:
            getattr(torch, name)(*args, **({"dtype": getattr(torch, dtype)} if dtype else {}))
        with pytest.raises(expected.type):
            getattr(ds, name)(*args, **({"dtype": getattr(ds, dtype)} if dtype else {}))


@pytest.mark.parametrize("name", SIGNAL_WINDOWS)
@pytest.mark.parametrize("m", [0, 1, 2, 7, 10])
@pytest.mark.parametrize("sym", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_signal_windows_match(torch, name, m, sym, dtype):
    out = getattr(ds.signal.windows, name)(m, sym=sym, dtype=getattr(ds, dtype))
    ref = getattr(torch.signal.windows, name)(m, sym=sym, dtype=getattr(torch, dtype))
    _assert_close(out, ref, 1e-12 if dtype == "float64" else 2e-6)


def test_signal_window_parameters(torch):
    W, TW = ds.signal.windows, torch.signal.windows
    f64 = {"dtype": ds.float64}, {"dtype": torch.float64}
    for std in (0.5, 2.0):
        _assert_close(W.gaussian(9, std=std, **f64[0]), TW.gaussian(9, std=std, **f64[1]), 1e-12)
    _assert_close(W.exponential(8, tau=2.5, **f64[0]), TW.exponential(8, tau=2.5, **f64[1]), 1e-12)
    _assert_close(
        W.exponential(8, center=2.0, sym=False, **f64[0]),
        TW.exponential(8, center=2.0, sym=False, **f64[1]),
        1e-12,
    )
    _assert_close(W.kaiser(11, beta=4.0, **f64[0]), TW.kaiser(11, beta=4.0, **f64[1]), 1e-12)
    _assert_close(
        W.general_hamming(7, alpha=0.7, **f64[0]), TW.general_hamming(7, alpha=0.7, **f64[1]), 1e-12
    )
    a = [0.4, 0.3, 0.2, 0.1]
    _assert_close(W.general_cosine(10, a=a, **f64[0]), TW.general_cosine(10, a=a, **f64[1]), 1e-12)
    _assert_close(
        W.general_cosine(10, a=a, sym=False, **f64[0]), TW.general_cosine(10, a=a, sym=False, **f64[1]), 1e-12
    )


def test_signal_window_errors(torch):
    W, TW = ds.signal.windows, torch.signal.windows
    cases = [
        ("hann", (-1,), {}),
        ("hann", (4,), {"dtype": "int64"}),
        ("hann", (4,), {"dtype": "float16"}),
        ("gaussian", (4,), {"std": -1.0}),
        ("gaussian", (4,), {"std": 0.0}),
        ("exponential", (4,), {"center": 1.0}),  # center with sym=True
        ("exponential", (4,), {"tau": 0.0}),
        ("kaiser", (4,), {"beta": -1.0}),
        ("general_cosine", (4,), {"a": []}),
        ("general_cosine", (4,), {"a": 0.5}),
        ("general_cosine", (4,), {}),  # a is required
    ]
    for name, args, kwargs in cases:
        tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        dk = {k: getattr(ds, v) if k == "dtype" else v for k, v in kwargs.items()}
        with pytest.raises(Exception) as expected:
            getattr(TW, name)(*args, **tk)
        with pytest.raises(expected.type):
            getattr(W, name)(*args, **dk)


# ----- stft ------------------------------------------------------------------------------------
def _draw(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _loss(out, seed, torch=None):
    """Σ w·|z + c| of a complex output (c keeps |·| off its kink), Σ w·z of a real one."""
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


def _tol(dtype) -> float:
    return 1e-10 if np.dtype(dtype) in (np.float64, np.complex128) else 2e-5


def _compare(torch, fn_name, a, window, seed=0, **kwargs):
    """fn_name(a, window=window, **kwargs) in both libraries: values, dtype, shape, and the gradients
    of a loss with respect to the input and the window."""
    x, tx = ds.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = tw = None
    if window is not None:
        w, tw = ds.tensor(window, requires_grad=True), torch.tensor(window, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(ds, fn_name)(x, window=w, **kwargs)
        ref = getattr(torch, fn_name)(tx, window=tw, **kwargs)
    tol = _tol(a.dtype)
    _assert_close(out, ref, tol)
    _loss(out, seed).backward()
    _loss(ref, seed, torch).backward()
    assert x.grad.dtype == x.dtype
    np.testing.assert_allclose(
        x.grad.numpy(),
        tx.grad.resolve_conj().numpy(),
        rtol=tol,
        atol=tol * max(1.0, tx.grad.abs().max().item()),
    )
    if window is not None:
        np.testing.assert_allclose(
            w.grad.numpy(),
            tw.grad.resolve_conj().numpy(),
            rtol=tol,
            atol=tol * max(1.0, tw.grad.abs().max().item()),
        )


STFT_CASES = [
    {"n_fft": 8},
    {"n_fft": 8, "hop_length": 3},
    {"n_fft": 16, "hop_length": 4, "win_length": 10},
    {"n_fft": 9, "hop_length": 2, "win_length": 9},
    {"n_fft": 8, "center": False},
    {"n_fft": 8, "pad_mode": "constant"},
    {"n_fft": 8, "pad_mode": "replicate"},
    {"n_fft": 8, "pad_mode": "circular"},
    {"n_fft": 8, "normalized": True},
    {"n_fft": 8, "onesided": False},
    {"n_fft": 12, "win_length": 8, "hop_length": 2, "center": False, "align_to_window": True},
    {"n_fft": 12, "win_length": 7, "hop_length": 2, "center": False, "align_to_window": False},
]


@pytest.mark.parametrize("kwargs", STFT_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("windowed", [False, True])
def test_stft_matches_torch(torch, rng, kwargs, dtype, batched, windowed):
    if np.dtype(dtype).kind == "c" and kwargs.get("onesided") is not False:
        kwargs = {**kwargs, "onesided": False}  # a complex signal has no one-sided spectrum
    a = _draw(rng, (3, 37) if batched else (37,), dtype)
    win_length = kwargs.get("win_length", kwargs["n_fft"])
    window = rng.uniform(0.1, 1.0, win_length).astype(np.real(np.zeros(0, dtype)).dtype) if windowed else None
    _compare(torch, "stft", a, window, return_complex=True, **kwargs)


def test_stft_window_promotes_and_complex_window(torch, rng):
    a = _draw(rng, (30,), np.float32)
    _compare(torch, "stft", a, rng.uniform(0.1, 1, 8), n_fft=8, return_complex=True)  # float64 window
    cw = (rng.standard_normal(8) + 1j * rng.standard_normal(8)).astype(np.complex64)
    _compare(torch, "stft", a, cw, n_fft=8, return_complex=True)  # complex window: two-sided, complex64


def test_stft_return_complex_false_is_view_as_real(torch, rng):
    a = _draw(rng, (2, 40), np.float64)
    with pytest.warns(UserWarning):
        out = ds.stft(ds.tensor(a), 8, return_complex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = torch.stft(torch.tensor(a), 8, return_complex=False)
    _assert_close(out, ref, 1e-12)
    assert ds.Tensor.stft is ds.stft and ds.tensor(a).stft(8, return_complex=True).shape == (2, 5, 21)


def test_stft_gradcheck():
    rng = np.random.default_rng(3)
    x = ds.tensor(rng.standard_normal(20), requires_grad=True)
    w = ds.tensor(rng.uniform(0.2, 1.0, 6), requires_grad=True)
    assert ds.gradcheck(lambda x, w: ds.stft(x, 8, 3, 6, w, return_complex=True).abs().sum(), x, w)
    z = ds.tensor(rng.standard_normal(20) + 1j * rng.standard_normal(20), requires_grad=True)
    assert ds.gradcheck(lambda z: ds.stft(z, 6, 2, normalized=True, return_complex=True), z)


def _raises_like(torch, fn_name, a, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as expected:
            getattr(torch, fn_name)(torch.tensor(a), **kwargs.get("torch", kwargs.get("both", {})))
        with pytest.raises(expected.type):
            getattr(ds, fn_name)(ds.tensor(a), **kwargs.get("ds", kwargs.get("both", {})))


def test_stft_errors(torch, rng):
    a = rng.standard_normal(20)
    cases = [
        {"both": {"n_fft": 8}},  # real input without return_complex
        {"both": {"n_fft": 8, "hop_length": 0, "return_complex": True}},
        {"both": {"n_fft": 30, "center": False, "return_complex": True}},  # n_fft longer than the signal
        {"both": {"n_fft": 0, "return_complex": True}},
        {"both": {"n_fft": 8, "win_length": 9, "return_complex": True}},
        {"both": {"n_fft": 8, "win_length": 0, "return_complex": True}},
        {"both": {"n_fft": 8, "return_complex": True, "pad_mode": "foo"}},
        {"both": {"n_fft": 8, "return_complex": True, "align_to_window": True}},  # needs center=False
        {"both": {"n_fft": 8, "return_complex": True, "onesided": True, "window": None}, "complex": True},
        {"torch": {"n_fft": 8, "window": torch.ones(7), "return_complex": True},
         "ds": {"n_fft": 8, "window": ds.ones(7), "return_complex": True}},
        {"torch": {"n_fft": 8, "window": torch.ones(8, 8), "return_complex": True},
         "ds": {"n_fft": 8, "window": ds.ones(8, 8), "return_complex": True}},
    ]  # fmt: skip
    for case in cases:
        _raises_like(torch, "stft", a + 0j if case.get("complex") else a, case)
    for bad in (a.astype(np.int64), a.astype(np.float16), a.reshape(2, 2, 5), np.float64(1.0)):
        _raises_like(torch, "stft", bad, {"both": {"n_fft": 4, "return_complex": True}})


# ----- istft -----------------------------------------------------------------------------------
ISTFT_CASES = [
    {"n_fft": 8, "window": "hann"},
    {"n_fft": 8, "window": None},
    {"n_fft": 8, "hop_length": 3, "window": "hann"},
    {"n_fft": 16, "hop_length": 4, "win_length": 10, "window": "hann"},
    {"n_fft": 9, "hop_length": 2, "window": "hann", "normalized": True},
    {"n_fft": 8, "window": "hann", "length": 30},
    {"n_fft": 8, "window": "hann", "length": 50},  # longer than the frames cover: zeros at the end
    {"n_fft": 8, "window": None, "center": False},
    {"n_fft": 8, "window": "hann", "onesided": False},
    {"n_fft": 8, "window": "hann", "onesided": False, "return_complex": True},
]


@pytest.mark.parametrize("kwargs", ISTFT_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("batched", [False, True])
def test_istft_matches_torch(torch, rng, kwargs, dtype, batched):
    kwargs = dict(kwargs)
    n_fft = kwargs["n_fft"]
    win_length = kwargs.get("win_length", n_fft)
    real = np.float64 if dtype == np.complex128 else np.float32
    window = None
    if kwargs.pop("window") == "hann":
        window = ds.hann_window(win_length, dtype=real).numpy() + 0.1  # nonzero at the ends: NOLA holds
    stft_args = {k: v for k, v in kwargs.items() if k in ("n_fft", "hop_length", "win_length", "center")}
    signal = _draw(rng, (2, 41) if batched else (41,), dtype if kwargs.get("onesided") is False else real)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = torch.stft(
            torch.tensor(signal),
            window=None if window is None else torch.tensor(window),
            onesided=kwargs.get("onesided"),
            return_complex=True,
            **stft_args,
        )
    _compare(torch, "istft", spec.numpy(), window, **kwargs)


def test_istft_inverts_stft(rng):
    x = ds.tensor(rng.standard_normal((2, 64)))
    w = ds.hann_window(16, dtype=ds.float64)
    spec = x.stft(16, 4, window=w, return_complex=True)
    np.testing.assert_allclose(spec.istft(16, 4, window=w, length=64).numpy(), x.numpy(), atol=1e-12)


def test_istft_gradcheck():
    rng = np.random.default_rng(5)
    spec = ds.tensor(rng.standard_normal((5, 7)) + 1j * rng.standard_normal((5, 7)), requires_grad=True)
    w = ds.tensor(rng.uniform(0.3, 1.0, 8), requires_grad=True)
    assert ds.gradcheck(lambda s, w: ds.istft(s, 8, 2, window=w), spec, w)


def test_istft_errors(torch, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = torch.stft(torch.tensor(rng.standard_normal(20)), 8, return_complex=True).numpy()
    hann = (
        {"window": torch.hann_window(8, dtype=torch.float64)},
        {"window": ds.hann_window(8, dtype=ds.float64)},
    )
    cases = [
        (spec.real.copy(), {"both": {"n_fft": 8}}),  # a real input
        (spec[:, :0], {"both": {"n_fft": 8}}),  # empty
        (spec[None, None], {"both": {"n_fft": 8}}),  # 4-D
        (spec, {"both": {"n_fft": 10}}),  # frequency bins do not fit n_fft
        (spec, {"both": {"n_fft": 8, "onesided": False}}),
        (spec, {"both": {"n_fft": 8, "return_complex": True}}),  # a one-sided spectrum cannot give complex
        (spec, {"both": {"n_fft": 8, "hop_length": 9}}),  # hop longer than the window
        (spec, {"both": {"n_fft": 8, "win_length": 9}}),
        (
            spec,
            {
                "torch": {"n_fft": 8, "center": False, **hann[0]},
                "ds": {"n_fft": 8, "center": False, **hann[1]},
            },
        ),
        (spec, {"torch": {"n_fft": 8, "window": torch.ones(7)}, "ds": {"n_fft": 8, "window": ds.ones(7)}}),
    ]
    for a, kwargs in cases:
        _raises_like(torch, "istft", a, kwargs)


def test_stft_istft_non_contiguous_and_empty(torch, rng):
    base = rng.standard_normal((40, 3))
    # a transposed (non-contiguous) batch of signals, and every other sample of one signal
    for a in (base.T, base[::2, 0]):
        assert not a.flags.c_contiguous
        x = ds.tensor(base).T if a.ndim == 2 else ds.tensor(base)[::2, 0]
        ref = torch.stft(
            torch.tensor(a), 8, 2, window=torch.hann_window(8, dtype=torch.float64), return_complex=True
        )
        out = ds.stft(x, 8, 2, window=ds.hann_window(8, dtype=ds.float64), return_complex=True)
        _assert_close(out, ref, 1e-12)
        # a non-contiguous spectrum (a slice of the frames) through istft
        _assert_close(
            ds.istft(out[..., 1:], 8, 2, window=ds.hann_window(8, dtype=ds.float64)),
            torch.istft(ref[..., 1:], 8, 2, window=torch.hann_window(8, dtype=torch.float64)),
            1e-12,
        )
    for empty in (np.zeros(0), np.zeros((2, 0))):
        for center in (True, False):
            _raises_like(
                torch, "stft", empty, {"both": {"n_fft": 4, "return_complex": True, "center": center}}
            )
