"""Small torch.* utilities against torch: the dtype questions (result_type, promote_types, can_cast,
is_signed), tensors over existing memory (asarray, frombuffer, empty_strided, scalar_tensor), the
composed ops block_diag, combinations and gradient (values, dtypes, gradients, gradcheck), the print
options, and the global switches (deterministic algorithms, float32 matmul precision, default
device); PyTorch's exception types throughout."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import deepstep as ds

DTYPES = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
]


def _same_dtype(ours, theirs) -> bool:
    return str(np.dtype(ours)) == str(theirs).removeprefix("torch.")


def _raises_like(torch_call, ds_call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as expected:
            torch_call()
        with pytest.raises(expected.type):
            ds_call()


def _grad_close(ours, theirs, tol=1e-12):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


# ----- dtype questions -------------------------------------------------------------------------
@pytest.mark.parametrize(("a", "b"), list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_and_can_cast(torch, a, b):
    assert _same_dtype(
        ds.promote_types(getattr(ds, a), getattr(ds, b)),
        torch.promote_types(getattr(torch, a), getattr(torch, b)),
    )
    assert ds.can_cast(getattr(ds, a), getattr(ds, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


@pytest.mark.parametrize("name", DTYPES)
def test_is_signed(torch, name):
    t = torch.zeros(2, dtype=getattr(torch, name))
    x = ds.zeros(2, dtype=getattr(ds, name))
    assert ds.is_signed(x) == torch.is_signed(t) == x.is_signed() == t.is_signed()


def test_result_type(torch, rng):
    operands = [
        ("int32 tensor", lambda lib: lib.ones(2, dtype=lib.int32)),
        ("uint8 tensor", lambda lib: lib.ones(2, dtype=lib.uint8)),
        ("bool tensor", lambda lib: lib.ones(2, dtype=lib.bool)),
        ("float16 tensor", lambda lib: lib.ones(2, dtype=lib.float16)),
        ("float32 tensor", lambda lib: lib.ones(2, dtype=lib.float32)),
        ("float64 0-d", lambda lib: lib.ones((), dtype=lib.float64)),
        ("int64 0-d", lambda lib: lib.ones((), dtype=lib.int64)),
        ("complex128 0-d", lambda lib: lib.ones((), dtype=lib.complex128)),
        ("int", lambda lib: 3),
        ("float", lambda lib: 2.5),
        ("bool", lambda lib: True),
        ("complex", lambda lib: 1 + 2j),
    ]
    for (name_a, a), (name_b, b) in itertools.product(operands, operands):
        expected = torch.result_type(a(torch), b(torch))
        if expected == torch.complex32:
            continue  # NumPy, so deepstep, has no complex32 (a float16 with a complex number)
        assert _same_dtype(ds.result_type(a(ds), b(ds)), expected), (name_a, name_b)


def test_dtype_question_errors(torch):
    _raises_like(lambda: torch.promote_types(torch.int8, "float"), lambda: ds.promote_types(ds.int8, "float"))
    _raises_like(lambda: torch.can_cast(torch.int8, None), lambda: ds.can_cast(ds.int8, None))
    _raises_like(lambda: torch.is_signed(3), lambda: ds.is_signed(3))
    _raises_like(lambda: torch.result_type(torch.ones(2)), lambda: ds.result_type(ds.ones(2)))
    _raises_like(lambda: torch.result_type(torch.ones(2), "a"), lambda: ds.result_type(ds.ones(2), "a"))


# ----- asarray, frombuffer, empty_strided, scalar_tensor ---------------------------------------
def test_asarray_tensors(torch):
    x = ds.ones(3)
    assert ds.asarray(x) is x
    copied = ds.asarray(x, copy=True)
    assert copied is not x and not np.shares_memory(copied.numpy(), x.numpy())
    cast = ds.asarray(x, dtype=ds.float64)
    assert cast.dtype == np.float64 and not np.shares_memory(cast.numpy(), x.numpy())
    _raises_like(lambda: torch.asarray(torch.ones(3), dtype=torch.float64, copy=False),
                 lambda: ds.asarray(x, dtype=ds.float64, copy=False))  # fmt: skip
    # requires_grad= sets the flag on the tensor itself, as torch does
    t = torch.ones(3)
    assert torch.asarray(t, requires_grad=True) is t and t.requires_grad
    assert ds.asarray(x, requires_grad=True) is x and x.requires_grad
    # a copy of a tensor that requires grad stays on the graph; the gradient is torch's
    w, tw = ds.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    (ds.asarray(w, dtype=ds.float64) * 3).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note that requires_grad now follows obj's
        (torch.asarray(tw, dtype=torch.float64) * 3).sum().backward()
    _grad_close(w.grad, tw.grad)
    assert not ds.asarray(w * 2, requires_grad=False).requires_grad


def test_asarray_numpy_buffers_and_sequences(torch):
    a = np.arange(6.0).reshape(2, 3)
    for copy in (None, True):
        out, ref = ds.asarray(a, copy=copy), torch.asarray(a, copy=copy)
        assert np.shares_memory(out.numpy(), a) == np.shares_memory(ref.numpy(), a) == (copy is None)
        assert _same_dtype(out.dtype, ref.dtype)
    _raises_like(lambda: torch.asarray(a, dtype=torch.float32, copy=False),
                 lambda: ds.asarray(a, dtype=ds.float32, copy=False))  # fmt: skip
    buffer = bytearray(np.arange(4, dtype=np.int32).tobytes())
    for kwargs in ({}, {"dtype": "int32"}, {"dtype": "int16"}):
        out = ds.asarray(buffer, **{k: getattr(ds, v) for k, v in kwargs.items()})
        ref = torch.asarray(buffer, **{k: getattr(torch, v) for k, v in kwargs.items()})
        assert _same_dtype(out.dtype, ref.dtype)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    shared = ds.asarray(buffer, dtype=ds.int32)
    buffer[0] = 7
    assert shared[0].item() == 7  # a view of the buffer
    for data in ([1.0, 2.0], [1, 2], 3.5, True, [np.float64(1.0)], np.float64(2.0), [[1, 2], [3, 4]]):
        out, ref = ds.asarray(data), torch.asarray(data)
        assert _same_dtype(out.dtype, ref.dtype) and out.shape == tuple(ref.shape)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    out = ds.asarray([1.0, 2.0], dtype=ds.float64, requires_grad=True)
    assert out.requires_grad and out.is_leaf and out.dtype == np.float64
    _raises_like(lambda: torch.asarray([1.0, 2.0], copy=False), lambda: ds.asarray([1.0, 2.0], copy=False))
    _raises_like(lambda: torch.asarray(3.5, copy=False), lambda: ds.asarray(3.5, copy=False))
    _raises_like(lambda: torch.asarray("abc"), lambda: ds.asarray("abc"))
    _raises_like(lambda: torch.asarray(a, device="cuda"), lambda: ds.asarray(a, device="cuda"))


def test_asarray_shares_a_torch_tensor_through_dlpack(torch):
    t = torch.arange(4.0)
    x = ds.asarray(t)
    t[0] = 9.0
    assert x[0].item() == 9.0 and x.dtype == np.float32


def test_frombuffer(torch):
    raw = np.arange(8, dtype=np.int32).tobytes()
    cases = [
        {"dtype": "int32"},
        {"dtype": "int32", "count": 3, "offset": 4},
        {"dtype": "int16", "offset": 2},
        {"dtype": "float64", "count": -1},
        {"dtype": "uint8", "count": 5, "offset": 31},
    ]
    for kwargs in cases:
        dk = {k: getattr(ds, v) if k == "dtype" else v for k, v in kwargs.items()}
        tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        try:
            ref = torch.frombuffer(bytearray(raw), **tk)
        except Exception as error:
            with pytest.raises(type(error)):
                ds.frombuffer(bytearray(raw), **dk)
            continue
        out = ds.frombuffer(bytearray(raw), **dk)
        assert _same_dtype(out.dtype, ref.dtype)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    buffer = bytearray(raw)
    x = ds.frombuffer(buffer, dtype=ds.int32)
    buffer[4] = 42
    assert x[1].item() == 42  # shares the buffer's memory
    assert ds.frombuffer(bytearray(raw), dtype=ds.float32, requires_grad=True).requires_grad
    bad = [
        {"dtype": "int32", "count": 9},
        {"dtype": "int32", "offset": 32},
        {"dtype": "int32", "offset": -1},
        {"dtype": "int32", "count": 0},
        {"dtype": "float64", "offset": 2},
    ]
    for kwargs in bad:
        dk = {k: getattr(ds, v) if k == "dtype" else v for k, v in kwargs.items()}
        tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        _raises_like(
            lambda tk=tk: torch.frombuffer(bytearray(raw), **tk),
            lambda dk=dk: ds.frombuffer(bytearray(raw), **dk),
        )
    _raises_like(
        lambda: torch.frombuffer(bytearray(), dtype=torch.int32),
        lambda: ds.frombuffer(bytearray(), dtype=ds.int32),
    )
    _raises_like(
        lambda: torch.frombuffer([1, 2], dtype=torch.int32), lambda: ds.frombuffer([1, 2], dtype=ds.int32)
    )
    _raises_like(lambda: torch.frombuffer(bytearray(raw)), lambda: ds.frombuffer(bytearray(raw)))


def test_empty_strided(torch):
    for size, stride in [
        ((2, 3), (1, 2)),
        ((2, 3), (3, 1)),
        ((4,), (2,)),
        ((2, 3), (0, 0)),
        ((0, 5), (5, 1)),
        ((), ()),
    ]:
        for dtype in ("float32", "float64", "int64"):
            out = ds.empty_strided(size, stride, dtype=getattr(ds, dtype))
            ref = torch.empty_strided(size, stride, dtype=getattr(torch, dtype))
            assert out.shape == tuple(ref.shape) and out.stride() == ref.stride()
            assert _same_dtype(out.dtype, ref.dtype)
    assert ds.empty_strided((2,), (1,)).dtype == np.float32
    assert ds.empty_strided((2,), (1,), requires_grad=True).requires_grad
    for size, stride in [((2, 3), (3,)), ((2, -3), (3, 1)), ((2, 3), (-3, 1))]:
        _raises_like(
            lambda s=size, t=stride: torch.empty_strided(s, t),
            lambda s=size, t=stride: ds.empty_strided(s, t),
        )


def test_scalar_tensor(torch):
    for value in (3, 2.5, True, -7, np.float64(1.25), np.int32(4)):
        for kwargs in ({}, {"dtype": "int32"}, {"dtype": "float64"}, {"dtype": "bool"}):
            out = ds.scalar_tensor(value, **{k: getattr(ds, v) for k, v in kwargs.items()})
            ref = torch.scalar_tensor(value, **{k: getattr(torch, v) for k, v in kwargs.items()})
            assert out.shape == () and _same_dtype(out.dtype, ref.dtype)
            assert out.item() == ref.item()
    assert ds.scalar_tensor(torch.tensor(3.5).item()).item() == 3.5
    assert ds.scalar_tensor(ds.tensor(3.5)).item() == torch.scalar_tensor(torch.tensor(3.5)).item()
    assert ds.scalar_tensor(1.5, requires_grad=True).requires_grad
    _raises_like(lambda: torch.scalar_tensor(1 + 2j), lambda: ds.scalar_tensor(1 + 2j))
    _raises_like(lambda: torch.scalar_tensor("a"), lambda: ds.scalar_tensor("a"))
    _raises_like(lambda: torch.scalar_tensor(torch.ones(1)), lambda: ds.scalar_tensor(ds.ones(1)))


# ----- block_diag, combinations -------------------------------------------------------------------
def test_block_diag(torch, rng):
    shapes = [(2, 3), (), (4,), (1, 1), (3, 2), (0, 2), (2, 0)]
    dtypes = ["float64", "float64", "float32", "int32", "float64", "float64", "int64"]
    arrays = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes, strict=True)]
    xs = [ds.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, ref = ds.block_diag(*xs), torch.block_diag(*ts)
    assert out.shape == tuple(ref.shape) and _same_dtype(out.dtype, ref.dtype)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        if t.requires_grad:
            assert x.grad.dtype == x.dtype
            _grad_close(x.grad, t.grad, 1e-6)
    for pair in [("int32", "float16"), ("bool", "uint8"), ("complex64", "float64")]:
        a = [rng.standard_normal((2, 2)).astype(d) for d in pair]
        assert _same_dtype(
            ds.block_diag(*map(ds.tensor, a)).dtype, torch.block_diag(*map(torch.tensor, a)).dtype
        )
    zero_d = ds.block_diag(ds.tensor(2.0, dtype=ds.float64), ds.ones(2, dtype=ds.float32))
    assert _same_dtype(
        zero_d.dtype, torch.block_diag(torch.tensor(2.0, dtype=torch.float64), torch.ones(2)).dtype
    )
    empty, t_empty = ds.block_diag(), torch.block_diag()
    assert empty.shape == tuple(t_empty.shape) and _same_dtype(empty.dtype, t_empty.dtype)
    _raises_like(lambda: torch.block_diag(torch.ones(2, 2, 2)), lambda: ds.block_diag(ds.ones(2, 2, 2)))
    a, b = (
        ds.tensor(rng.standard_normal((2, 3)), requires_grad=True),
        ds.tensor(rng.standard_normal(3), requires_grad=True),
    )
    assert ds.gradcheck(ds.block_diag, a, b)


def test_combinations(torch, rng):
    a = rng.standard_normal(5)
    for r, replace in itertools.product([0, 1, 2, 3, 5, 6], [False, True]):
        x, t = ds.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out, ref = ds.combinations(x, r, replace), torch.combinations(t, r, with_replacement=replace)
        assert out.shape == tuple(ref.shape) and _same_dtype(out.dtype, ref.dtype), (r, replace)
        np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
        if ref.numel():
            w = rng.standard_normal(tuple(ref.shape))
            (out * w).sum().backward()
            (ref * torch.tensor(w)).sum().backward()
            _grad_close(x.grad, t.grad)
    ints = np.arange(4)
    np.testing.assert_array_equal(
        ds.combinations(ds.tensor(ints)).numpy(), torch.combinations(torch.tensor(ints)).numpy()
    )
    assert ds.gradcheck(
        lambda x: ds.combinations(x, 3, with_replacement=True), ds.tensor(a, requires_grad=True)
    )
    _raises_like(lambda: torch.combinations(torch.ones(2, 2)), lambda: ds.combinations(ds.ones(2, 2)))
    _raises_like(lambda: torch.combinations(torch.ones(3), r=-1), lambda: ds.combinations(ds.ones(3), r=-1))
    _raises_like(lambda: torch.combinations(torch.ones(())), lambda: ds.combinations(ds.ones(())))


# ----- gradient ----------------------------------------------------------------------------------
def _gradient_cases(torch):
    coords = (np.array([0.0, 1.0, 3.0, 3.5]), np.array([0.0, 0.5, 1.0, 2.0, 4.0]))
    return [
        {},
        {"spacing": 2.0},
        {"spacing": 3},
        {"spacing": [2.0, 0.5]},
        {"dim": 1},
        {"dim": -2, "spacing": 0.25},
        {"dim": [1, 0], "spacing": [1.5, 2.0]},
        {"edge_order": 2},
        {"edge_order": 2, "spacing": [0.5, 3.0]},
        {"spacing": coords},
        {"spacing": coords, "edge_order": 2},
        {"spacing": coords[1:], "dim": 1},
        {"spacing": (np.array([0, 1, 3, 4]), np.array([0, 2, 3, 5, 6])), "edge_order": 2},  # int coordinates
    ]


def _spacing_for(lib, kwargs):
    kwargs = dict(kwargs)
    spacing = kwargs.get("spacing")
    if isinstance(spacing, tuple):
        kwargs["spacing"] = tuple(lib.tensor(c) for c in spacing)
    return kwargs


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_gradient_matches_torch(torch, rng, dtype):
    a = (rng.standard_normal((4, 5)) * 10).astype(dtype)
    for kwargs in _gradient_cases(torch):
        differentiable = dtype != "int64"
        x, t = ds.tensor(a, requires_grad=differentiable), torch.tensor(a, requires_grad=differentiable)
        outs, refs = (
            ds.gradient(x, **_spacing_for(ds, kwargs)),
            torch.gradient(t, **_spacing_for(torch, kwargs)),
        )
        assert len(outs) == len(refs), kwargs
        tol = 1e-12 if dtype != "float32" else 1e-5
        for out, ref in zip(outs, refs, strict=True):
            assert out.shape == tuple(ref.shape) and _same_dtype(out.dtype, ref.dtype), kwargs
            np.testing.assert_allclose(
                out.numpy(), ref.detach().numpy(), rtol=tol, atol=tol * 100, err_msg=str(kwargs)
            )
        if differentiable:
            w = [rng.standard_normal(tuple(r.shape)) for r in refs]
            sum((o * wi.astype(dtype)).sum() for o, wi in zip(outs, w, strict=True)).backward()
            sum((r * torch.tensor(wi, dtype=r.dtype)).sum() for r, wi in zip(refs, w, strict=True)).backward()
            np.testing.assert_allclose(
                x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol * 100, err_msg=str(kwargs)
            )


def test_gradient_gradcheck_and_edges(torch, rng):
    x = ds.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    coords = ds.tensor([0.0, 0.5, 2.0, 2.5])
    for edge_order in (1, 2):
        assert ds.gradcheck(
            lambda x, e=edge_order: ds.gradient(
                x, spacing=(ds.tensor([0.0, 1.0, 3.0]), coords), edge_order=e
            )[0],
            x,
        )
        assert ds.gradcheck(lambda x, e=edge_order: ds.gradient(x, spacing=0.5, edge_order=e)[1], x)
    assert ds.gradient(ds.tensor(3.0)) == torch.gradient(torch.tensor(3.0)) == ()
    one_d, t_one_d = (
        ds.gradient(ds.tensor([1.0, 4.0, 9.0, 16.0])),
        torch.gradient(torch.tensor([1.0, 4.0, 9.0, 16.0])),
    )
    np.testing.assert_allclose(one_d[0].numpy(), t_one_d[0].numpy())


def test_gradient_errors(torch):
    a = np.arange(12.0).reshape(3, 4)
    cases = [
        {"edge_order": 3},
        {"spacing": [2.0]},
        {"dim": [0, 0]},
        {"dim": 2},
        {"spacing": "sp0d"},
    ]
    for kwargs in cases:
        if kwargs.get("spacing") == "sp0d":
            tk, dk = (
                {"spacing": [torch.tensor(2.0), torch.tensor(3.0)]},
                {"spacing": [ds.tensor(2.0), ds.tensor(3.0)]},
            )
        else:
            tk = dk = kwargs
        _raises_like(
            lambda tk=tk: torch.gradient(torch.tensor(a), **tk), lambda dk=dk: ds.gradient(ds.tensor(a), **dk)
        )
    _raises_like(
        lambda: torch.gradient(torch.tensor(a[:1]), dim=0), lambda: ds.gradient(ds.tensor(a[:1]), dim=0)
    )
    _raises_like(lambda: torch.gradient(torch.tensor(a[:2]), dim=0, edge_order=2),
                 lambda: ds.gradient(ds.tensor(a[:2]), dim=0, edge_order=2))  # fmt: skip
    _raises_like(lambda: torch.gradient(torch.tensor(a > 3)), lambda: ds.gradient(ds.tensor(a > 3)))


# ----- print options -------------------------------------------------------------------------------
@pytest.fixture
def print_defaults(torch):
    yield
    torch.set_printoptions(profile="default")
    ds.set_printoptions(profile="default")


def test_set_printoptions_changes_repr(torch, print_defaults):
    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal(5),
        rng.standard_normal((3, 4)) * 100,
        np.array([1e-6, 1.0, 3.0]),
        np.array([1.0, 2.0, 300.0]),
        np.arange(2000.0),
        rng.standard_normal((40, 40)),
        np.arange(30.0) + 0.5,
    ]
    settings = [
        {"precision": 2},
        {"precision": 6},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
        {"threshold": 10},
        {"threshold": 10, "edgeitems": 1},
        {"linewidth": 40},
        {"profile": "default"},
    ]
    for setting in settings:
        torch.set_printoptions(**setting)
        ds.set_printoptions(**setting)
        for a in arrays:
            if setting.get("profile") == "full" and a.size > 1000:
                continue  # 2000 numbers on one screen say nothing more
            wide = setting in ({"precision": 6}, {"sci_mode": True}, {"linewidth": 40})
            if wide and a.size > 1000:
                continue  # a summarised row too wide for one line wraps differently (NumPy's wrapping)
            ref = repr(torch.tensor(a, dtype=torch.float32))
            assert repr(ds.tensor(a, dtype=ds.float32)) == ref, (setting, a.shape)
        torch.set_printoptions(profile="default")
        ds.set_printoptions(profile="default")


# ----- global switches -------------------------------------------------------------------------
def _deterministic_state(lib):
    return (
        lib.are_deterministic_algorithms_enabled(),
        lib.is_deterministic_algorithms_warn_only_enabled(),
        lib.get_deterministic_debug_mode(),
    )


def test_deterministic_switches_follow_torch(torch):
    steps = [
        ("use", (True,), {}),
        ("use", (True,), {"warn_only": True}),
        ("use", (False,), {}),
        ("debug", ("warn",), {}),
        ("debug", ("error",), {}),
        ("debug", (1,), {}),
        ("debug", (0,), {}),
        ("debug", ("default",), {}),
    ]
    try:
        for which, args, kwargs in steps:
            name = "use_deterministic_algorithms" if which == "use" else "set_deterministic_debug_mode"
            getattr(torch, name)(*args, **kwargs)
            getattr(ds, name)(*args, **kwargs)
            assert _deterministic_state(ds) == _deterministic_state(torch), (which, args, kwargs)
        for bad in ("foo", 3, 1.0):
            _raises_like(
                lambda b=bad: torch.set_deterministic_debug_mode(b),
                lambda b=bad: ds.set_deterministic_debug_mode(b),
            )
        for bad in (1, "yes"):
            _raises_like(
                lambda b=bad: torch.use_deterministic_algorithms(b),
                lambda b=bad: ds.use_deterministic_algorithms(b),
            )
    finally:
        torch.use_deterministic_algorithms(False)
        ds.use_deterministic_algorithms(False)


def test_float32_matmul_precision_follows_torch(torch):
    try:
        for value in ("high", "medium", "HIGH", "foo", "highest"):
            with warnings.catch_warnings(record=True) as torch_warnings:
                warnings.simplefilter("always")
                torch.set_float32_matmul_precision(value)
            with warnings.catch_warnings(record=True) as ours:
                warnings.simplefilter("always")
                ds.set_float32_matmul_precision(value)
            assert ds.get_float32_matmul_precision() == torch.get_float32_matmul_precision(), value
            assert bool(ours) == any(issubclass(w.category, UserWarning) for w in torch_warnings), value
        _raises_like(
            lambda: torch.set_float32_matmul_precision(1), lambda: ds.set_float32_matmul_precision(1)
        )
    finally:
        torch.set_float32_matmul_precision("highest")
        ds.set_float32_matmul_precision("highest")


def test_default_device(torch):
    try:
        assert str(ds.get_default_device()) == str(torch.get_default_device()) == "cpu"
        for spec in ("cpu:0", "cpu", None):
            torch.set_default_device(spec)
            ds.set_default_device(spec)
            assert str(ds.get_default_device()) == str(torch.get_default_device())
        _raises_like(lambda: torch.set_default_device("foo"), lambda: ds.set_default_device("foo"))
        _raises_like(lambda: torch.set_default_device(3), lambda: ds.set_default_device(3))
        # torch accepts "cuda" and fails at the next use (AssertionError without CUDA); deepstep refuses it
        # at once with a DeviceError, which is that AssertionError too
        with pytest.raises(AssertionError):
            ds.set_default_device("cuda")
        assert str(ds.get_default_device()) == "cpu"
    finally:
        torch.set_default_device(None)
        ds.set_default_device(None)


def test_existing_mode_queries_match_torch(torch):
    assert ds.is_grad_enabled() == torch.is_grad_enabled()
    assert ds.is_inference_mode_enabled() == torch.is_inference_mode_enabled()
    with ds.inference_mode(), torch.inference_mode():
        assert ds.is_inference_mode_enabled() == torch.is_inference_mode_enabled() is True


def test_composed_ops_non_contiguous_and_empty(torch, rng):
    a = rng.standard_normal((5, 6))
    x, t = ds.tensor(a).T, torch.tensor(a).T  # non-contiguous
    np.testing.assert_array_equal(ds.block_diag(x, x[::2]).numpy(), torch.block_diag(t, t[::2]).numpy())
    for out, ref in zip(ds.gradient(x, spacing=0.5), torch.gradient(t, spacing=0.5), strict=True):
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ds.combinations(x[1]).numpy(), torch.combinations(t[1]).numpy())
    # empty ones
    assert ds.combinations(ds.zeros(0)).shape == tuple(torch.combinations(torch.zeros(0)).shape)
    assert ds.block_diag(ds.zeros(0, 0)).shape == tuple(torch.block_diag(torch.zeros(0, 0)).shape)
    (out,), (ref,) = ds.gradient(ds.zeros(0, 3), dim=1), torch.gradient(torch.zeros(0, 3), dim=1)
    assert out.shape == tuple(ref.shape)
    _raises_like(lambda: torch.gradient(torch.zeros(0, 3)), lambda: ds.gradient(ds.zeros(0, 3)))
