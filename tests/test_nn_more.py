"""nn's additions against PyTorch: the init schemes orthogonal_, trunc_normal_, eye_, dirac_ and
sparse_ (their laws and properties, the random streams being NumPy's), the padding layers, and
nn.utils' parameters_to_vector / vector_to_parameters, weight_norm and spectral_norm (as
parametrizations and as the older hooks: the same values, gradients, power-iteration buffers and
state_dict keys as PyTorch's)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
import deepstep.nn as nn
from deepstep.nn import init
from deepstep.nn.utils import parametrizations, parametrize
from torch_oracle import same_error as _same_error


def _param(shape, dtype=np.float64) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape, dtype=dtype))


# ----- nn.init -------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (7, 3), (6, 2, 3, 3), (2, 3, 2, 2), (5, 1)])
def test_orthogonal_is_torch_s_qr_of_the_same_normal_matrix(shape, torch):
    w = init.orthogonal_(_param(shape), gain=1.5, seed=4)
    rows, cols = shape[0], math.prod(shape[1:])
    a = np.random.default_rng(4).standard_normal((rows, cols))  # what seed=4 draws
    a = torch.from_numpy(a.T.copy() if rows < cols else a)
    q, r = torch.linalg.qr(a)
    q = q * torch.diag(r).sign()
    expected = 1.5 * (q.T if rows < cols else q).numpy()
    np.testing.assert_allclose(w.data.reshape(rows, cols), expected, rtol=1e-10, atol=1e-12)
    flat = w.data.reshape(rows, cols) / 1.5
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-6)


def test_orthogonal_float32_and_its_errors(torch):
    w = init.orthogonal_(_param((16, 40), np.float32), seed=0)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.data @ w.data.T, np.eye(16), atol=1e-6)
    _same_error(lambda: init.orthogonal_(_param(5)), lambda: torch.nn.init.orthogonal_(torch.zeros(5)))
    empty = init.orthogonal_(_param((0, 3)))
    assert empty.shape == (0, 3)
    a = init.orthogonal_(_param((3, 3)), seed=np.random.default_rng(1)).data
    b = init.orthogonal_(_param((3, 3)), generator=np.random.default_rng(1)).data
    np.testing.assert_array_equal(a, b)


def _truncated_moments(mean, std, a, b):
    pdf = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift**2
    return mean + std * shift, std * math.sqrt(var)


@pytest.mark.parametrize(
    "mean, std, a, b",
    [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 1.0, 1.5, 3.0), (1.0, 0.5, -1.0, 0.8)],
    ids=["default", "wide", "tail", "mean-above-b"],
)
def test_trunc_normal_stays_in_bounds_with_the_truncated_law(mean, std, a, b):
    w = init.trunc_normal_(_param((400, 500), np.float32), mean, std, a, b, seed=3).data
    assert w.dtype == np.float32 and w.min() >= np.float32(a) and w.max() <= np.float32(b)
    expected_mean, expected_std = _truncated_moments(mean, std, a, b)
    assert abs(w.mean() - expected_mean) < 5e-3 * std and abs(w.std() - expected_std) < 5e-3 * std
    histogram, _ = np.histogram(w, bins=4, range=(a, b))  # the density's shape, not just 2 moments
    cdf = lambda x: 0.5 * (1 + math.erf((x - mean) / (std * math.sqrt(2))))  # noqa: E731
    edges = np.linspace(a, b, 5)
    mass = np.array([cdf(hi) - cdf(lo) for lo, hi in itertools.pairwise(edges)])
    np.testing.assert_allclose(histogram / w.size, mass / mass.sum(), atol=3e-3)


def test_trunc_normal_warns_as_torch_when_the_mean_is_far(torch):
    with pytest.warns(UserWarning, match="more than 2 std"):
        torch.nn.init.trunc_normal_(torch.zeros(10), mean=5.0, a=-1.0, b=1.0)
    with pytest.warns(UserWarning, match="more than 2 std"):
        w = init.trunc_normal_(_param(10), mean=5.0, a=-1.0, b=1.0, seed=0)
    assert w.data.min() >= -1 and w.data.max() <= 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(_param(10), seed=0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 1)])
def test_eye_equals_torch(shape, torch):
    ours = init.eye_(_param(shape, np.float32))
    theirs = torch.nn.init.eye_(torch.empty(shape))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype == np.float32


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4)])
def test_eye_rejects_other_ranks_as_torch(shape, torch):
    _same_error(lambda: init.eye_(_param(shape)), lambda: torch.nn.init.eye_(torch.empty(shape)))


@pytest.mark.parametrize(
    "shape, groups",
    [
        ((4, 4, 3), 1),
        ((6, 3, 3, 3), 1),
        ((3, 6, 5, 4), 1),
        ((6, 2, 3, 3), 3),
        ((4, 4, 3, 3, 3), 2),
        ((2, 5, 2), 1),
    ],
)
def test_dirac_equals_torch(shape, groups, torch):
    ours = init.dirac_(_param(shape), groups)
    theirs = torch.nn.init.dirac_(torch.empty(shape, dtype=torch.float64), groups)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("dims", [1, 2])
def test_dirac_convolution_passes_the_input_through(dims):
    x = ds.tensor(np.random.default_rng(0).standard_normal((2, 4) + (7,) * dims))
    w = init.dirac_(_param((4, 4) + (3,) * dims))
    conv = F.conv1d if dims == 1 else F.conv2d
    np.testing.assert_array_equal(conv(x, w, padding=1).data, x.data)
    grouped = init.dirac_(_param((4, 2) + (3,) * dims), groups=2)  # each group of 2 channels
    np.testing.assert_array_equal(conv(x, grouped, padding=1, groups=2).data, x.data)


@pytest.mark.parametrize("shape, groups", [((3, 3), 1), ((3, 3, 3, 3, 3, 3), 1), ((5, 2, 3), 2)])
def test_dirac_errors_as_torch(shape, groups, torch):
    _same_error(
        lambda: init.dirac_(_param(shape), groups), lambda: torch.nn.init.dirac_(torch.empty(shape), groups)
    )


@pytest.mark.parametrize(
    "rows, cols, sparsity", [(10, 6, 0.1), (7, 5, 0.5), (9, 4, 1 / 3), (5, 3, 0.0), (4, 2, 1)]
)
def test_sparse_zeroes_the_count_torch_does_in_every_column(rows, cols, sparsity, torch):
    ours = init.sparse_(_param((rows, cols)), sparsity, std=0.5, seed=2).data
    theirs = torch.nn.init.sparse_(torch.empty(rows, cols, dtype=torch.float64), sparsity, std=0.5).numpy()
    np.testing.assert_array_equal((ours == 0).sum(0), (theirs == 0).sum(0))
    assert ((ours == 0).sum(0) == math.ceil(sparsity * rows)).all()
    zero_rows = [tuple(np.flatnonzero(ours[:, j] == 0)) for j in range(cols)]
    if 0 < sparsity < 1:
        assert len(set(zero_rows)) > 1 or cols == 1  # each column draws its own rows


def test_sparse_values_and_errors(torch):
    w = init.sparse_(_param((2000, 50), np.float32), 0.2, std=0.03, seed=0).data
    assert w.dtype == np.float32
    assert abs(w[w != 0].std() - 0.03) < 5e-4 and abs(w[w != 0].mean()) < 5e-4
    for shape in [(5,), (2, 3, 4)]:
        _same_error(
            lambda shape=shape: init.sparse_(_param(shape), 0.1),
            lambda shape=shape: torch.nn.init.sparse_(torch.empty(shape), 0.1),
        )
    np.testing.assert_array_equal(
        init.sparse_(_param((6, 4)), 0.5, seed=9).data, init.sparse_(_param((6, 4)), 0.5, seed=9).data
    )


# ----- padding layers ------------------------------------------------------------------------------
PADDINGS = {
    1: [2, (1, 3), (0, 2), (-1, 2)],
    2: [1, (1, 2, 0, 3), (2, 1)],
    3: [1, (1, 0, 2, 1, 0, 2)],
}
KINDS = ["Zero", "Constant", "Reflection", "Replication", "Circular"]


def _layers(kind, dims, padding):
    name = f"{kind}Pad{dims}d"
    args = (padding, 1.5) if kind == "Constant" else (padding,)
    return getattr(nn, name)(*args), getattr(__import__("torch").nn, name)(*args)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("batched", [True, False])
def test_padding_layers_equal_torch(kind, dims, batched, torch):
    rng = np.random.default_rng(dims)
    shape = ((2,) if batched else ()) + (3,) + (5, 4, 6)[:dims]
    for padding in PADDINGS[dims]:
        if kind in ("Reflection", "Circular") and isinstance(padding, tuple) and min(padding) < 0:
            continue
        ours, theirs = _layers(kind, dims, padding)
        assert repr(ours) == repr(theirs)
        x = rng.standard_normal(shape)
        a, b = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        try:
            z = theirs(b)
        except Exception:  # a short tuple on a batched input: the same refusal
            _same_error(lambda ours=ours, a=a: ours(a), lambda theirs=theirs, b=b: theirs(b))
            continue
        y = ours(a)
        assert y.shape == tuple(z.shape) and y.dtype == np.float64
        np.testing.assert_array_equal(y.data, z.detach().numpy())
        upstream = rng.standard_normal(y.shape)
        (y * ds.tensor(upstream)).sum().backward()
        (z * torch.tensor(upstream)).sum().backward()
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "kind, dims, padding, shape",
    [
        ("Circular", 2, 1, (4, 4)),
        ("Circular", 1, 1, (1, 2, 3, 4)),
        ("Reflection", 1, 3, (2, 3)),
        ("Reflection", 2, 1, (5,)),
        ("Circular", 1, 4, (2, 3)),
    ],
)
def test_padding_layers_refuse_what_torch_refuses(kind, dims, padding, shape, torch):
    ours, theirs = _layers(kind, dims, padding)
    x = np.zeros(shape, dtype=np.float32)
    _same_error(lambda: ours(ds.tensor(x)), lambda: theirs(torch.tensor(x)))


def test_padding_layers_keep_dtype_and_sit_in_sequential():
    model = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(2, 3, 3, seed=0))
    x = ds.tensor(np.ones((1, 2, 5, 5), dtype=np.float32))
    assert model(x).shape == (1, 3, 5, 5) and model(x).dtype == np.float32
    assert nn.ZeroPad2d((1, 2)).padding == (1, 2) and list(nn.ZeroPad1d(1).parameters()) == []


# ----- parameters as one vector --------------------------------------------------------------------
def _twins(torch):
    ours = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Conv1d(4, 2, 3, dtype=np.float64))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Conv1d(4, 2, 3)).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def test_parameters_to_vector_equals_torch_and_passes_gradients(torch):
    ours, theirs = _twins(torch)
    vec, ref = (
        nn.utils.parameters_to_vector(ours.parameters()),
        torch.nn.utils.parameters_to_vector(theirs.parameters()),
    )
    np.testing.assert_array_equal(vec.data, ref.detach().numpy())
    weights = np.arange(vec.shape[0], dtype=np.float64)
    (vec * ds.tensor(weights)).sum().backward()
    (ref * torch.tensor(weights)).sum().backward()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())
    mixed = nn.utils.parameters_to_vector([ds.tensor(1.0), ds.ones(2, dtype=np.float64)])
    assert mixed.dtype == np.float64 and mixed.shape == (3,)
    _same_error(lambda: nn.utils.parameters_to_vector([]), lambda: torch.nn.utils.parameters_to_vector([]))


def test_vector_to_parameters_views_the_vector_as_torch(torch):
    ours, theirs = _twins(torch)
    n = sum(p.numel() for p in ours.parameters())
    values = np.linspace(-1, 1, n + 3)  # a longer vector is fine, as in PyTorch
    vec = ds.tensor(values)
    nn.utils.vector_to_parameters(vec, ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(values), theirs.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.detach().numpy())
        assert np.shares_memory(p.data, vec.data)
    p = nn.Parameter(np.zeros((2, 3), dtype=np.float32))
    nn.utils.vector_to_parameters(ds.tensor(np.arange(6.0)), [p])
    assert p.dtype == np.float64  # the vector's dtype, as PyTorch's .data assignment gives
    q = torch.nn.Parameter(torch.zeros(2, 3))
    _same_error(
        lambda: nn.utils.vector_to_parameters([1.0], [p]),
        lambda: torch.nn.utils.vector_to_parameters([1.0], [q]),
    )
    _same_error(
        lambda: nn.utils.vector_to_parameters(ds.tensor(np.arange(3.0)), [p]),
        lambda: torch.nn.utils.vector_to_parameters(torch.arange(3.0), [q]),
    )
    _same_error(
        lambda: nn.utils.vector_to_parameters(ds.tensor(np.arange(6)), [p]),
        lambda: torch.nn.utils.vector_to_parameters(torch.arange(6), [q]),
    )


# ----- weight norm ---------------------------------------------------------------------------------
def _layer_pair(kind, torch, dtype=np.float64):
    builders = {
        "linear": (lambda: nn.Linear(5, 4, dtype=dtype), lambda: torch.nn.Linear(5, 4), (3, 5)),
        "conv": (lambda: nn.Conv2d(3, 4, 3, dtype=dtype), lambda: torch.nn.Conv2d(3, 4, 3), (2, 3, 6, 6)),
        "convT": (
            lambda: nn.ConvTranspose2d(3, 2, 3, dtype=dtype),
            lambda: torch.nn.ConvTranspose2d(3, 2, 3),
            (2, 3, 4, 4),
        ),
    }
    ours, theirs, shape = builders[kind]
    theirs = theirs().to(torch.float64 if dtype == np.float64 else torch.float32)
    return ours(), theirs, shape


def _load(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())


def _compare_step(ours, theirs, x, rtol):
    """Forward and backward on both; outputs and every parameter's gradient equal."""
    a, b = ds.tensor(x), __import__("torch").tensor(x)
    y, z = ours(a), theirs(b)
    np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=rtol, atol=rtol)
    upstream = np.cos(np.arange(y.data.size)).reshape(y.shape).astype(x.dtype)
    (y * ds.tensor(upstream)).sum().backward()
    (z * __import__("torch").tensor(upstream)).sum().backward()
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, named[name].grad.numpy(), rtol=rtol, atol=rtol, err_msg=name)


def _sgd(ours, theirs, lr=0.1):
    import torch

    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            p.data -= lr * p.grad.data
            q -= lr * q.grad
            p.grad, q.grad = None, None


@pytest.mark.parametrize(
    "kind, dim",
    [("linear", 0), ("linear", 1), ("linear", None), ("conv", 0), ("conv", -2), ("conv", 1), ("convT", 0)],
)
def test_weight_norm_parametrization_equals_torch(kind, dim, torch):
    ours, theirs, shape = _layer_pair(kind, torch)
    parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert type(ours).__name__ == type(theirs).__name__
    _load(ours, theirs)
    g = ours.parametrizations.weight.original0
    assert g.shape == tuple(theirs.parametrizations.weight.original0.shape)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
    x = np.random.default_rng(0).standard_normal(shape)
    for _ in range(3):
        _compare_step(ours, theirs, x, 1e-10)
        _sgd(ours, theirs)
    # the state_dict goes back into PyTorch
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})


def test_weight_norm_at_registration_keeps_the_weight_and_float32(torch):
    ours = nn.Linear(6, 3, seed=0)
    before = ours.weight.data.copy()
    parametrizations.weight_norm(ours)
    np.testing.assert_allclose(ours.weight.data, before, rtol=1e-6)
    np.testing.assert_allclose(
        ours.parametrizations.weight.original0.data[:, 0], np.linalg.norm(before, axis=1), rtol=1e-6
    )
    assert ours.weight.dtype == np.float32 and ours.parametrizations.weight.original1.dtype == np.float32
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(6, 3))
    _load(ours, theirs)
    _compare_step(ours, theirs, np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32), 1e-5)


def test_weight_norm_assignment_and_removal_as_torch(torch):
    ours, theirs, _ = _layer_pair("linear", torch)
    parametrizations.weight_norm(ours)
    torch.nn.utils.parametrizations.weight_norm(theirs)
    _load(ours, theirs)
    w = np.random.default_rng(3).standard_normal((4, 5))
    ours.weight = w
    with torch.no_grad():
        theirs.weight = torch.tensor(w)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), rtol=1e-12)
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(ours) is nn.Linear and repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
    assert isinstance(ours.weight, nn.Parameter) and not parametrize.is_parametrized(ours)


def test_parametrize_errors_as_torch(torch):
    _same_error(
        lambda: parametrizations.weight_norm(nn.Linear(2, 3), name="foo"),
        lambda: torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 3), name="foo"),
    )
    _same_error(
        lambda: parametrize.remove_parametrizations(nn.Linear(2, 3), "weight"),
        lambda: torch.nn.utils.parametrize.remove_parametrizations(torch.nn.Linear(2, 3), "weight"),
    )
    ours = parametrizations.weight_norm(nn.Linear(2, 3))
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 3))
    _same_error(
        lambda: parametrize.remove_parametrizations(ours, "weight", leave_parametrized=False),
        lambda: torch.nn.utils.parametrize.remove_parametrizations(
            theirs, "weight", leave_parametrized=False
        ),
    )


def test_a_chain_of_parametrizations_and_the_cache():
    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).T

    class Double(nn.Module):
        calls = 0

        def forward(self, x):
            Double.calls += 1
            return 2 * x

    layer = nn.Linear(3, 3, seed=0)
    w = layer.weight.data.copy()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    parametrize.register_parametrization(layer, "weight", Double())
    expected = 2 * (np.triu(w) + np.triu(w, 1).T)
    np.testing.assert_allclose(layer.weight.data, expected)
    assert len(layer.parametrizations.weight) == 2
    before = Double.calls
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert Double.calls == before + 1
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    with pytest.raises(ValueError, match="shape"):
        parametrize.register_parametrization(
            layer, "bias", type("Cut", (nn.Module,), {"forward": lambda s, x: x[:1]})()
        )


# ----- spectral norm -------------------------------------------------------------------------------
def _copy_state(ours, theirs):
    _load(ours, theirs)
    for name, value in theirs.named_buffers():
        assert np.array_equal(dict(ours.named_buffers())[name], value.numpy())


def _compare_buffers(ours, theirs, rtol):
    mine = dict(ours.named_buffers())
    for name, value in theirs.named_buffers():
        np.testing.assert_allclose(mine[name], value.numpy(), rtol=rtol, atol=rtol, err_msg=name)


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_parametrization_equals_torch(kind, n_power_iterations, torch):
    torch.manual_seed(0)
    ours, theirs, shape = _layer_pair(kind, torch)
    parametrizations.spectral_norm(ours, n_power_iterations=n_power_iterations, seed=0)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=n_power_iterations)
    assert ours.parametrizations.weight[0].dim == theirs.parametrizations.weight[0].dim
    _copy_state(ours, theirs)
    x = np.random.default_rng(0).standard_normal(shape)
    for _ in range(4):  # training: u and v move at each forward, as PyTorch's
        _compare_step(ours, theirs, x, 1e-9)
        _compare_buffers(ours, theirs, 1e-9)
        _sgd(ours, theirs)
    ours.eval()
    theirs.eval()
    frozen = {name: value.copy() for name, value in ours.named_buffers()}
    for _ in range(2):
        _compare_step(ours, theirs, x, 1e-9)
        _sgd(ours, theirs)
    for name, value in ours.named_buffers():
        np.testing.assert_array_equal(value, frozen[name])
    _compare_buffers(ours, theirs, 1e-9)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})


def test_spectral_norm_float32_and_the_largest_singular_value(torch):
    ours = parametrizations.spectral_norm(nn.Linear(8, 6, seed=1), seed=1)
    assert ours.weight.dtype == np.float32 and ours.parametrizations.weight[0]._u.dtype == np.float32
    # 15 + 1 power iterations at registration: σ(W_SN) is 1 to within the estimate
    assert abs(np.linalg.svd(ours.weight.data, compute_uv=False)[0] - 1) < 1e-2
    theirs = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(8, 6))
    _copy_state(ours, theirs)
    x = np.random.default_rng(2).standard_normal((3, 8)).astype(np.float32)
    for _ in range(3):
        _compare_step(ours, theirs, x, 1e-5)
        _compare_buffers(ours, theirs, 1e-5)
        _sgd(ours, theirs)
    a = parametrizations.spectral_norm(nn.Linear(4, 3, seed=0), seed=5).parametrizations.weight[0]._u
    b = parametrizations.spectral_norm(nn.Linear(4, 3, seed=0), seed=5).parametrizations.weight[0]._u
    np.testing.assert_array_equal(a, b)


def test_spectral_norm_of_a_vector_and_its_errors(torch):
    ours = parametrizations.spectral_norm(nn.LayerNorm(4), name="bias")
    ours.parametrizations.bias.original.data = np.array([3.0, 4.0, 0.0, 0.0], dtype=np.float32)
    np.testing.assert_allclose(ours.bias.data, [0.6, 0.8, 0, 0])
    for kwargs in [{"n_power_iterations": 0}, {"dim": 2}, {"dim": -3}, {"name": "foo"}]:
        _same_error(
            lambda kwargs=kwargs: parametrizations.spectral_norm(nn.Linear(2, 3), **kwargs),
            lambda kwargs=kwargs: torch.nn.utils.parametrizations.spectral_norm(
                torch.nn.Linear(2, 3), **kwargs
            ),
        )


def test_parametrized_modules_train_in_a_model():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x @ rng.standard_normal((4, 1))).astype(np.float32)
    model = nn.Sequential(
        parametrizations.weight_norm(nn.Linear(4, 16, seed=0)),
        nn.Tanh(),
        parametrizations.spectral_norm(nn.Linear(16, 1, seed=1), seed=0),
    )
    optimizer = ds.optim.Adam(model.parameters(), lr=0.02)
    first = None
    for _ in range(150):
        loss = F.mse_loss(model(ds.tensor(x)), ds.tensor(y))
        first = first if first is not None else float(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss.item()) < 0.2 * first
    model.eval()
    assert not model[2].parametrizations.weight[0].training


# ----- the older hooks: nn.utils.weight_norm and nn.utils.spectral_norm -----------------------------
@pytest.mark.parametrize("kind, dim", [("linear", 0), ("conv", 1), ("linear", None)])
def test_old_weight_norm_equals_torch(kind, dim, torch):
    ours, theirs, shape = _layer_pair(kind, torch)
    with pytest.warns(FutureWarning):
        nn.utils.weight_norm(ours, dim=dim)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(theirs, dim=dim)
    assert type(ours).__name__ == type(theirs).__name__ and repr(ours) == repr(theirs)
    _load(ours, theirs)
    x = np.random.default_rng(0).standard_normal(shape)
    for _ in range(3):
        _compare_step(ours, theirs, x, 1e-10)
        _sgd(ours, theirs)
    with pytest.raises(RuntimeError, match="two weight_norm"), pytest.warns(FutureWarning):
        nn.utils.weight_norm(ours, dim=dim)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
    _same_error(lambda: nn.utils.remove_weight_norm(ours), lambda: torch.nn.utils.remove_weight_norm(theirs))


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
def test_old_spectral_norm_equals_torch(kind, torch):
    torch.manual_seed(1)
    ours, theirs, shape = _layer_pair(kind, torch)
    nn.utils.spectral_norm(ours, n_power_iterations=2, seed=0)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_state(ours, theirs)
    x = np.random.default_rng(0).standard_normal(shape)
    for _ in range(4):
        _compare_step(ours, theirs, x, 1e-9)
        _compare_buffers(ours, theirs, 1e-9)
        _sgd(ours, theirs)
    ours.eval()
    theirs.eval()
    frozen = {name: value.copy() for name, value in ours.named_buffers()}
    _compare_step(ours, theirs, x, 1e-9)
    for name, value in ours.named_buffers():
        np.testing.assert_array_equal(value, frozen[name])
    _same_error(
        lambda: nn.utils.spectral_norm(ours, n_power_iterations=2),
        lambda: torch.nn.utils.spectral_norm(theirs),
    )
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-9)
    assert type(ours).__name__ == type(theirs).__name__


def test_old_spectral_norm_errors_as_torch(torch):
    for name, kwargs in [("foo", {}), ("weight", {"n_power_iterations": 0})]:
        _same_error(
            lambda name=name, kwargs=kwargs: nn.utils.spectral_norm(nn.Linear(2, 3), name, **kwargs),
            lambda name=name, kwargs=kwargs: torch.nn.utils.spectral_norm(
                torch.nn.Linear(2, 3), name, **kwargs
            ),
        )
    _same_error(
        lambda: nn.utils.spectral_norm(nn.Linear(2, 3, bias=False), "bias"),
        lambda: torch.nn.utils.spectral_norm(torch.nn.Linear(2, 3, bias=False), "bias"),
    )


def test_forward_pre_hooks_run_inside_sequential_and_replace_arguments(torch):
    """A pre-hook runs before forward even where Sequential would fuse the module with the next
    (Linear then ReLU), and what it returns replaces the arguments, as PyTorch's does."""
    for lib in (ds, torch):
        layer = lib.nn.Linear(3, 2)
        calls = []
        layer.register_forward_pre_hook(lambda module, args, calls=calls: calls.append(1) or (args[0] * 0,))
        out = lib.nn.Sequential(layer, lib.nn.ReLU())(lib.ones(4, 3))
        assert calls == [1]
        expected = np.maximum(np.asarray(layer.bias.tolist()), 0)
        np.testing.assert_allclose(np.asarray(out.tolist()), np.tile(expected, (4, 1)), rtol=1e-6)


def test_old_style_weight_norm_inside_sequential_uses_the_current_weight(torch):
    ds.manual_seed(0)
    layer = ds.nn.utils.weight_norm(ds.nn.Linear(3, 2))
    model = ds.nn.Sequential(layer, ds.nn.ReLU())
    x = ds.ones(4, 3)
    before = model(x).numpy().copy()
    with ds.no_grad():
        layer.weight_g.data *= 2  # the hook must rebuild weight from g and v at the next forward
    after = model(x).numpy()
    b = layer.bias.numpy()
    np.testing.assert_allclose(np.maximum(2 * (before - b) + b, 0)[before > 0], after[before > 0], rtol=1e-5)


def test_hooks_take_pytorchs_prepend_and_with_kwargs(torch):
    order: list[str] = []
    for lib in (ds, torch):
        order.clear()

        class Scale(lib.nn.Module):
            def forward(self, x, factor=1.0):
                return x * factor

        module = Scale()
        module.register_forward_pre_hook(lambda m, args: order.append("first"))
        module.register_forward_pre_hook(lambda m, args: order.append("prepended"), prepend=True)

        def double_factor(m, args, kwargs):
            order.append("with kwargs")
            return args, {**kwargs, "factor": kwargs.get("factor", 1.0) * 2}

        module.register_forward_pre_hook(double_factor, with_kwargs=True)
        handle = module.register_forward_hook(
            lambda m, args, kwargs, out: out + kwargs["factor"], with_kwargs=True
        )
        out = module(lib.ones(2), factor=3.0)
        assert order == ["prepended", "first", "with kwargs"]
        assert out.tolist() == [12.0, 12.0]  # 1·6, plus the factor the hook saw (6)
        handle.remove()
        assert module(lib.ones(2), factor=3.0).tolist() == [6.0, 6.0]
        module.register_forward_pre_hook(lambda m, args, kwargs: "wrong", with_kwargs=True)
        with pytest.raises(RuntimeError, match="must return None or a tuple"):
            module(lib.ones(2))


def _twin_convs(torch):
    ds.manual_seed(0)
    ours = ds.nn.Conv2d(2, 3, 3, padding=1)
    theirs = torch.nn.Conv2d(2, 3, 3, padding=1).double()
    theirs.load_state_dict({k: torch.tensor(np.asarray(v, np.float64)) for k, v in ours.state_dict().items()})
    return ours.to(ds.float64), theirs


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # (torch's, without an input's grad)
@pytest.mark.parametrize("input_wants_grad", [True, False])
def test_full_backward_hooks_see_and_replace_the_gradients_as_torchs(torch, input_wants_grad):
    """register_full_backward_hook: grad_output and grad_input at the module's boundary (None for an
    input that wants no gradient, as an image in Grad-CAM), a returned tuple replacing grad_input; a
    pre-hook replacing grad_output. Parameter gradients as PyTorch's; the hook runs inside Sequential."""
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    results = []
    for lib, conv in zip((ds, torch), _twin_convs(torch), strict=True):
        seen: dict = {}

        def pre_hook(module, grad_output, seen=seen):
            seen["pre"] = np.asarray(grad_output[0].tolist())
            return (grad_output[0] * 3,)

        def hook(module, grad_input, grad_output, seen=seen):
            seen["in"] = [None if g is None else np.asarray(g.tolist()) for g in grad_input]
            seen["out"] = np.asarray(grad_output[0].tolist())
            return None if grad_input[0] is None else (grad_input[0] * 2,)

        conv.register_full_backward_pre_hook(pre_hook)
        handle = conv.register_full_backward_hook(hook)
        image = lib.tensor(x, requires_grad=input_wants_grad)
        (lib.nn.Sequential(conv, lib.nn.ReLU())(image) ** 2).sum().backward()
        grads = [np.asarray(conv.weight.grad.tolist())]
        if input_wants_grad:
            grads.append(np.asarray(image.grad.tolist()))
        results.append((seen, grads))
        handle.remove()
        conv.weight.grad = None
        (conv(image) ** 2).sum().backward()  # the pre-hook alone now
        assert "pre" in seen
    (ours, our_grads), (theirs, their_grads) = results
    assert (ours["in"][0] is None) == (theirs["in"][0] is None) == (not input_wants_grad)
    for key in ("pre", "out"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-12)
    if input_wants_grad:
        np.testing.assert_allclose(ours["in"][0], theirs["in"][0], rtol=1e-12, atol=1e-12)
    for a, b in zip(our_grads, their_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_a_backward_hook_on_a_module_with_several_outputs_is_a_clear_error():
    lstm = ds.nn.LSTM(3, 4)
    lstm.register_full_backward_hook(lambda module, grad_input, grad_output: None)
    with pytest.raises(NotImplementedError, match="one tensor"):
        lstm(ds.randn(5, 2, 3))
