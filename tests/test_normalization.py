"""Layer, RMS, group, instance and local response normalisation: the written-out backward against
the same formula composed of autograd ops, the modules against torch.nn (forward, backward, train and
eval, state_dict), running statistics, and exception types against PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepstep as ds
import deepstep.functional as F
from deepstep import nn
from deepstep.functional import normalization
from deepstep.functional.normalization_kernels import kernels


@pytest.fixture(params=["compiled", "numpy"])
def path(request, monkeypatch):
    """Each test with this fixture runs twice: with the numba kernels and with the NumPy path."""
    if request.param == "compiled" and kernels() is None:
        pytest.skip("numba is not installed")
    if request.param == "numpy":
        monkeypatch.setattr(normalization, "kernels", lambda: None)
    return request.param


# ----- the composed formulas: the autograd oracle of the written-out backward ---------------------
def composed_layer_norm(x, shape, weight=None, bias=None, eps=1e-5):
    """x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β, built from autograd ops over the last len(shape) axes."""
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    y = centred / ds.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def composed_rms_norm(x, shape, weight=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    y = x / ds.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


def composed_group_norm(x, groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    per_channel = (1, c) + (1,) * (x.ndim - 2)
    y = composed_layer_norm(x.reshape(n, groups, -1), (x.numel() // (n * groups),), eps=eps).reshape(x.shape)
    return y * weight.reshape(per_channel) + bias.reshape(per_channel)


def _grads(fn, arrays):
    tensors = [ds.Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    upstream = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
    out.backward(upstream)
    return out.numpy(), [np.zeros(t.shape, t.dtype) if t.grad is None else t.grad.numpy() for t in tensors]


@pytest.mark.parametrize(
    ("op", "oracle", "shapes"),
    [
        (
            lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
            lambda x, w, b: composed_layer_norm(x, (3, 4), w, b),
            [(5, 3, 4), (3, 4), (3, 4)],
        ),
        (lambda x: F.layer_norm(x, (6,)), lambda x: composed_layer_norm(x, (6,)), [(2, 3, 6)]),
        (
            lambda x, w: F.rms_norm(x, (4,), w, eps=1e-5),
            lambda x, w: composed_rms_norm(x, (4,), w),
            [(3, 2, 4), (4,)],
        ),
        (
            lambda x, w, b: F.group_norm(x, 3, w, b),
            lambda x, w, b: composed_group_norm(x, 3, w, b),
            [(2, 6, 2, 3), (6,), (6,)],
        ),
        (
            lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
            lambda x, w, b: composed_group_norm(x, 4, w, b),
            [(3, 4, 5), (4,), (4,)],
        ),
    ],
)
def test_written_out_backward_equals_the_composed_formula(op, oracle, shapes, rng, path):
    arrays = [rng.standard_normal(shape) * 2 + 0.5 for shape in shapes]
    out, grads = _grads(op, arrays)
    expected_out, expected_grads = _grads(oracle, arrays)
    np.testing.assert_allclose(out, expected_out, rtol=1e-10, atol=1e-12)
    for got, expected in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "op",
    [
        lambda x, w, b: F.layer_norm(x, (6,), w, b),
        lambda x, w, b: F.layer_norm(x.reshape(4, 3, 2, 6), (2, 6)),
        lambda x, w, b: F.rms_norm(x, (6,), w),
        lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: F.group_norm(x.reshape(4, 6, 6), 3, w, b),
        lambda x, w, b: F.group_norm(x.reshape(24, 6), 2, bias=b),  # one position per channel
        lambda x, w, b: F.instance_norm(x, weight=w),
    ],
)
def test_compiled_kernels_equal_the_numpy_path(op, dtype, rng, monkeypatch):
    if kernels() is None:
        pytest.skip("numba is not installed")
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in ((4, 6, 6), (6,), (6,))]
    arrays[0] = np.asfortranarray(arrays[0] * 3 + 1)  # strided memory: the kernels get a copy
    compiled_out, compiled_grads = _grads(op, arrays)
    monkeypatch.setattr(normalization, "kernels", lambda: None)
    numpy_out, numpy_grads = _grads(op, arrays)
    tolerance = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    assert compiled_out.dtype == numpy_out.dtype == dtype
    np.testing.assert_allclose(compiled_out, numpy_out, **tolerance)
    for compiled, reference in zip(compiled_grads, numpy_grads, strict=True):
        assert compiled.dtype == dtype
        np.testing.assert_allclose(compiled, reference, **tolerance)


def test_float16_runs_on_the_numpy_path(rng):
    x = ds.Tensor(rng.standard_normal((3, 8)).astype(np.float16), requires_grad=True)
    y = F.layer_norm(x, 8, ds.Tensor(np.ones(8, np.float16)))
    assert y.dtype == np.float16
    y.sum().backward()
    assert x.grad.dtype == np.float16


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 4),
    features=st.integers(2, 9),
    scale=st.floats(1e-2, 1e3),
    shift=st.floats(-1e3, 1e3),
    seed=st.integers(0, 2**16),
)
def test_layer_norm_rows_have_zero_mean_unit_variance_whatever_their_scale(
    batch, features, scale, shift, seed
):
    x = np.random.default_rng(seed).standard_normal((batch, features)) * scale + shift
    y = F.layer_norm(ds.Tensor(x), features, eps=0.0).numpy()
    np.testing.assert_allclose(y.mean(1), 0, atol=1e-9)
    np.testing.assert_allclose(y.var(1), 1, rtol=1e-7)
    # and the gradient of any function of y is orthogonal to 1 and to x̂ in each row (y is invariant
    # to shifting and scaling x)
    t = ds.Tensor(x, requires_grad=True)
    (F.layer_norm(t, features, eps=0.0) ** 3).sum().backward()
    np.testing.assert_allclose(t.grad.numpy().sum(1) * scale, 0, atol=1e-6)
    np.testing.assert_allclose((t.grad.numpy() * y).sum(1) * scale, 0, atol=1e-6)


def test_float32_stays_float32_and_matches_torch_on_a_transformer_sized_input(torch, rng, path):
    x = rng.standard_normal((4, 16, 32)).astype(np.float32)
    w, b = (rng.standard_normal(32).astype(np.float32) for _ in range(2))
    ours = [ds.Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.layer_norm(ours[0], (32,), ours[1], ours[2])
    ref = torch.nn.functional.layer_norm(theirs[0], (32,), theirs[1], theirs[2])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for mine, oracle in zip(ours, theirs, strict=True):
        assert mine.grad.dtype == np.float32
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_rms_norm_keeps_the_input_dtype_and_its_default_eps_is_the_machine_epsilon(torch, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32) * 1e-4
    w = rng.standard_normal(4)  # float64, as PyTorch allows: the result has the input's dtype
    ours = F.rms_norm(ds.Tensor(x), (4,), ds.Tensor(w))
    theirs = torch.nn.functional.rms_norm(torch.from_numpy(x), (4,), torch.from_numpy(w))
    assert ours.dtype == np.float32 and str(theirs.dtype) == "torch.float32"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


def test_normalised_output_may_be_changed_in_place_as_in_torch(torch, rng, path):
    """Without γ and β the output is x̂ itself; changing it in place must not corrupt the backward."""
    x = rng.standard_normal((3, 5))
    results = []
    for lib in (ds, torch):
        t = lib.tensor(x, requires_grad=True) if lib is torch else ds.Tensor(x, requires_grad=True)
        y = lib.nn.functional.layer_norm(t, (5,)) if lib is torch else F.layer_norm(t, (5,))
        y.mul_(2.0)
        (y * y * y).sum().backward()
        results.append(t.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


# ----- exception types, as PyTorch's ------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.layer_norm(x, (5,)),  # the last dim is 4
        lambda lib, x: lib.layer_norm(x, (1, 2, 3, 4)),  # more dims than the input has
        lambda lib, x: lib.layer_norm(x, []),  # nothing to normalise over
        lambda lib, x: lib.layer_norm(x, (4,), weight=x.new_ones(5)),
        lambda lib, x: lib.layer_norm(x, (4,), bias=x.new_ones((2, 2))),
        lambda lib, x: lib.layer_norm(x, (4,), weight=x.new_ones(4).double()),  # mixed dtypes
        lambda lib, x: lib.layer_norm(x.long(), (4,)),  # integers
        lambda lib, x: lib.rms_norm(x, (3,)),
        lambda lib, x: lib.rms_norm(x, (4,), x.new_ones(3)),
        lambda lib, x: lib.group_norm(x, 2),  # 3 channels
        lambda lib, x: lib.group_norm(x, 3, x.new_ones(4)),
        lambda lib, x: lib.group_norm(x[0, 0], 1),  # 1-d input
        lambda lib, x: lib.group_norm(x.long(), 3),
        lambda lib, x: lib.instance_norm(x, use_input_stats=False),  # no running statistics to use
        lambda lib, x: lib.instance_norm(x, x.new_zeros(2), x.new_ones(2)),  # 3 channels
    ],
)
def test_errors_that_torch_raises_as_runtime_error(call, torch, rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.raises(RuntimeError):
        call(torch.nn.functional, torch.from_numpy(x))
    with pytest.raises(RuntimeError):
        call(F, ds.Tensor(x))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.instance_norm(x[:, :, :1]),  # one position: no variance
        lambda lib, x: lib.instance_norm(x[0]),  # (N, C) input: no positions
        lambda lib, x: lib.instance_norm(x, running_mean=x.new_zeros(3)),  # one running statistic
        lambda lib, x: lib.local_response_norm(x[0], 2),  # 2-d input
    ],
)
def test_errors_that_torch_raises_as_value_error(call, torch, rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.raises(ValueError):
        call(torch.nn.functional, torch.from_numpy(x))
    with pytest.raises(ValueError):
        call(F, ds.Tensor(x))


def test_group_norm_with_zero_groups_divides_by_zero_as_in_torch(torch):
    with pytest.raises(ZeroDivisionError):
        torch.nn.functional.group_norm(torch.ones(2, 4, 3), 0)
    with pytest.raises(ZeroDivisionError):
        F.group_norm(ds.ones((2, 4, 3)), 0)


def test_module_argument_errors_as_torch(torch):
    with pytest.raises(ValueError, match="divisible"):
        torch.nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    for lib, zeros in ((torch.nn, torch.zeros), (nn, ds.zeros)):
        with pytest.raises(ValueError, match="expected 2D or 3D input"):
            lib.InstanceNorm1d(3)(zeros((2, 3, 4, 5)))
        with pytest.raises(ValueError, match="to match num_features"):
            lib.InstanceNorm1d(4, affine=True)(zeros((2, 3, 5)))
        with pytest.warns(UserWarning, match="does not match num_features"):
            lib.InstanceNorm1d(4)(zeros((2, 3, 5)))


# ----- modules against torch.nn -----------------------------------------------------------------
MODULES = [
    ("LayerNorm", lambda lib: lib.LayerNorm(4), (3, 5, 4)),
    ("LayerNorm_2d_no_bias", lambda lib: lib.LayerNorm((5, 4), eps=1e-3, bias=False), (3, 5, 4)),
    ("LayerNorm_no_affine", lambda lib: lib.LayerNorm([4], elementwise_affine=False), (2, 4)),
    ("RMSNorm", lambda lib: lib.RMSNorm(4), (3, 5, 4)),
    ("RMSNorm_eps_no_affine", lambda lib: lib.RMSNorm((5, 4), eps=1e-2, elementwise_affine=False), (3, 5, 4)),
    ("GroupNorm", lambda lib: lib.GroupNorm(3, 6), (2, 6, 4, 3)),
    ("GroupNorm_no_bias", lambda lib: lib.GroupNorm(2, 4, bias=False), (3, 4, 5)),
    ("GroupNorm_no_affine", lambda lib: lib.GroupNorm(1, 4, affine=False), (3, 4)),
    ("InstanceNorm1d", lambda lib: lib.InstanceNorm1d(3), (2, 3, 6)),
    ("InstanceNorm1d_unbatched", lambda lib: lib.InstanceNorm1d(3, affine=True), (3, 6)),
    (
        "InstanceNorm1d_tracking",
        lambda lib: lib.InstanceNorm1d(3, momentum=0.3, affine=True, track_running_stats=True),
        (4, 3, 6),
    ),
    ("InstanceNorm2d_tracking", lambda lib: lib.InstanceNorm2d(2, track_running_stats=True), (3, 2, 4, 5)),
    (
        "InstanceNorm2d_no_momentum",
        lambda lib: lib.InstanceNorm2d(2, momentum=None, affine=True, track_running_stats=True),
        (3, 2, 4, 4),
    ),
    (
        "InstanceNorm3d",
        lambda lib: lib.InstanceNorm3d(2, affine=True, track_running_stats=True),
        (2, 2, 3, 2, 3),
    ),
    ("LocalResponseNorm", lambda lib: lib.LocalResponseNorm(3, alpha=0.1, beta=0.7, k=1.5), (2, 5, 4)),
]


@pytest.mark.parametrize(("name", "make", "shape"), MODULES, ids=[m[0] for m in MODULES])
def test_module_equals_torch_in_train_and_eval_after_loading_its_state_dict(
    name, make, shape, torch, rng, path
):
    ours, theirs = make(nn), make(torch.nn)
    with torch.no_grad():  # parameters away from 1 and 0, running statistics away from 0 and 1
        for value in theirs.state_dict().values():
            if value.dtype.is_floating_point:
                value.copy_(torch.rand_like(value) + 0.5)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    for mode in ("train", "eval", "train"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x = rng.standard_normal(shape).astype(np.float32) * 2 + 1
        mine, oracle = ds.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = ours(mine), theirs(oracle)
        assert out.dtype == np.float32 and out.shape == tuple(ref.shape)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-5)
        upstream = rng.standard_normal(ref.shape).astype(np.float32)
        out.backward(upstream)
        ref.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-4, atol=1e-4)
        for (our_name, p), (their_name, q) in zip(
            ours.named_parameters(), theirs.named_parameters(), strict=True
        ):
            assert our_name == their_name
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4)
            p.grad, q.grad = None, None
        for key, value in theirs.state_dict().items():  # running statistics moved alike
            np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-5, atol=1e-6)


def test_module_dtype_and_double(rng):
    norm = nn.LayerNorm(3, dtype=np.float64)
    assert norm.weight.dtype == np.float64
    assert norm(ds.Tensor(rng.standard_normal((2, 3)))).dtype == np.float64
    group = nn.GroupNorm(1, 2).double()
    assert group(ds.Tensor(rng.standard_normal((2, 2, 3)))).dtype == np.float64


@pytest.mark.parametrize(
    ("module", "shape"),
    [
        (nn.LayerNorm((2, 3), eps=1e-3, bias=False), (4, 2, 3)),
        (nn.RMSNorm(3), (2, 3)),
        (nn.GroupNorm(2, 4, affine=False), (2, 4, 3)),
        (nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 2, 2)),
        (nn.LocalResponseNorm(2), (2, 3, 4)),
    ],
    ids=lambda m: type(m).__name__,
)
def test_modules_round_trip_through_save_and_load(module, shape, tmp_path, rng):
    for parameter in module.parameters():
        parameter.data = rng.standard_normal(parameter.shape).astype(parameter.dtype)
    module(ds.Tensor(rng.standard_normal(shape).astype(np.float32)))  # running statistics move
    loaded = ds.load(ds.save(module, tmp_path / "norm.npz"))
    assert type(loaded) is type(module)
    for key, value in module.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value)
    module.eval(), loaded.eval()
    x = ds.Tensor(rng.standard_normal(shape).astype(np.float32))
    np.testing.assert_array_equal(loaded(x).numpy(), module(x).numpy())
