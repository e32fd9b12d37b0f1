"""Activations, distances and dropouts of `functional`, and their nn modules, against PyTorch: what
the op catalogue cannot say (kinks, |x| = 1e4, integer inputs, in-place variants, exception types,
randomness, module constructors, reprs and state dicts)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepstep as ds
import deepstep.functional as F
import deepstep.nn as nn

TF = torch.nn.functional

#: name → (deepstep's function, PyTorch's), each of one tensor; the kinks of each are in KINKS
ELEMENTWISE = {
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "elu": (lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7)),
    "selu": (F.selu, TF.selu),
    "celu": (lambda x: F.celu(x, 1.5), lambda x: TF.celu(x, 1.5)),
    "hardtanh": (lambda x: F.hardtanh(x, -2.0, 3.0), lambda x: TF.hardtanh(x, -2.0, 3.0)),
    "relu6": (F.relu6, TF.relu6),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "hardswish": (F.hardswish, TF.hardswish),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "softsign": (F.softsign, TF.softsign),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
    "softshrink": (lambda x: F.softshrink(x, 0.5), lambda x: TF.softshrink(x, 0.5)),
    "hardshrink": (lambda x: F.hardshrink(x, 0.5), lambda x: TF.hardshrink(x, 0.5)),
    "threshold": (lambda x: F.threshold(x, 1.0, -2.0), lambda x: TF.threshold(x, 1.0, -2.0)),
    "rrelu": (F.rrelu, TF.rrelu),
    "prelu": (
        lambda x: F.prelu(x, np.array([0.3], x.dtype)),
        lambda x: TF.prelu(x, torch.tensor([0.3], dtype=x.dtype)),
    ),
}
KINKS = [-1e4, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 1e4, -88.0, 88.0, 30.0, -30.0]


def _pair(data, grad=True):
    return ds.Tensor(data, requires_grad=grad), torch.tensor(data, requires_grad=grad)


def _assert_same(ours, theirs, rtol=1e-6, atol=1e-12):
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _raises_like(ours, theirs):
    """ours() raises an exception of the type PyTorch's theirs() raises (deepstep's may be a subclass)."""
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(expected.type):
        ours()


# ----- values and gradients at the kinks and in the far tails --------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_kinks_and_extremes_equal_torch_and_stay_finite(name, dtype):
    ours_fn, torch_fn = ELEMENTWISE[name]
    x, tx = _pair(np.array(KINKS, dtype=dtype))
    y, ty = ours_fn(x), torch_fn(tx)
    tolerance = {"rtol": 1e-6, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    _assert_same(y, ty, **tolerance)
    y.backward(np.ones(y.shape, dtype=dtype))
    ty.backward(torch.ones_like(ty))
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy()))
    _assert_same(x.grad, tx.grad, **tolerance)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_nan_and_infinity_follow_torch(name):
    ours_fn, torch_fn = ELEMENTWISE[name]
    x, tx = _pair(np.array([np.nan, np.inf, -np.inf, 0.0]))
    with np.errstate(all="ignore"):  # inf − inf and 0·inf are NaN, which NumPy reports
        y = ours_fn(x)
        y.backward(np.ones(4))
    ty = torch_fn(tx)
    ty.backward(torch.ones(4))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy())  # NaN where PyTorch has NaN
    # softsign's slope 1/(1 + |x|)² is 0 at ±∞, where PyTorch's composed formula gives ∞/∞ = NaN
    expected = tx.grad.numpy() if name != "softsign" else np.array([np.nan, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), expected)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(ELEMENTWISE)),
    data=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
        elements=st.floats(-50, 50, allow_nan=False),
    ),
)
def test_elementwise_activations_match_torch_on_any_shape(name, data):
    ours_fn, torch_fn = ELEMENTWISE[name]
    x, tx = _pair(data)
    y, ty = ours_fn(x), torch_fn(tx)
    _assert_same(y, ty)
    upstream = np.linspace(-1, 1, y.data.size).reshape(y.shape)
    y.backward(upstream)
    ty.backward(torch.from_numpy(upstream))
    _assert_same(x.grad, tx.grad)


@pytest.mark.parametrize("name", ["hardtanh", "relu6", "threshold", "softsign", "tanhshrink"])
def test_integer_inputs_keep_torchs_dtype(name):
    ours_fn, torch_fn = ELEMENTWISE[name]
    data = np.array([-3, 0, 2, 7])
    _assert_same(ours_fn(ds.tensor(data)), torch_fn(torch.tensor(data)))


def test_integer_inputs_that_torch_refuses_give_the_default_float():
    assert F.gelu(ds.tensor([1, 2])).dtype == np.float32
    np.testing.assert_allclose(F.elu(ds.tensor([-1, 2])).numpy(), TF.elu(torch.tensor([-1.0, 2.0])).numpy())


# ----- in place -------------------------------------------------------------------------------
INPLACE = {
    "elu": (lambda x: F.elu(x, 0.5, inplace=True), lambda x: TF.elu(x, 0.5, inplace=True)),
    "elu_": (lambda x: F.elu_(x, 0.5), lambda x: TF.elu_(x, 0.5)),
    "selu": (lambda x: F.selu(x, inplace=True), lambda x: TF.selu(x, inplace=True)),
    "celu_": (lambda x: F.celu_(x, 2.0), lambda x: TF.celu_(x, 2.0)),
    "silu": (lambda x: F.silu(x, inplace=True), lambda x: TF.silu(x, inplace=True)),
    "mish": (lambda x: F.mish(x, inplace=True), lambda x: TF.mish(x, inplace=True)),
    "hardtanh_": (lambda x: F.hardtanh_(x, -0.5, 0.5), lambda x: TF.hardtanh_(x, -0.5, 0.5)),
    "relu6": (lambda x: F.relu6(4 * x, inplace=True), lambda x: TF.relu6(4 * x, inplace=True)),
    "hardsigmoid": (
        lambda x: F.hardsigmoid(4 * x, inplace=True),
        lambda x: TF.hardsigmoid(4 * x, inplace=True),
    ),
    "hardswish": (lambda x: F.hardswish(4 * x, inplace=True), lambda x: TF.hardswish(4 * x, inplace=True)),
    "threshold_": (lambda x: F.threshold_(x, 0.2, 9.0), lambda x: TF.threshold_(x, 0.2, 9.0)),
    "rrelu_": (F.rrelu_, TF.rrelu_),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_variants_write_into_the_input_and_backpropagate_like_torch(name):
    ours_fn, torch_fn = INPLACE[name]
    data = np.random.default_rng(0).standard_normal((3, 4))
    leaf, tleaf = _pair(data)
    x, tx = leaf * 1.0, tleaf * 1.0  # in-place ops need a tensor that is not a leaf
    y, ty = ours_fn(x), torch_fn(tx)
    if name not in ("relu6", "hardsigmoid", "hardswish"):  # those act on 4·x, a new tensor
        assert y is x
    _assert_same(y, ty)
    y.backward(np.arange(12.0).reshape(3, 4))
    ty.backward(torch.arange(12.0, dtype=torch.float64).reshape(3, 4))
    _assert_same(leaf.grad, tleaf.grad)


def test_inplace_on_a_leaf_that_requires_grad_raises_like_torch():
    leaf, tleaf = _pair(np.ones(3))
    _raises_like(lambda: F.elu(leaf, inplace=True), lambda: TF.elu(tleaf, inplace=True))
    _raises_like(lambda: F.hardtanh_(leaf), lambda: TF.hardtanh_(tleaf))


# ----- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: F.gelu(x, approximate="exact"), lambda x: TF.gelu(x, approximate="exact")),
        (lambda x: F.hardtanh(x, 1.0, -1.0), lambda x: TF.hardtanh(x, 1.0, -1.0)),
        (lambda x: F.softshrink(x, -0.5), lambda x: TF.softshrink(x, -0.5)),
        (lambda x: F.celu(x, alpha=0.0), lambda x: TF.celu(x, alpha=0.0)),
        (lambda x: F.glu(x), lambda x: TF.glu(x)),  # an odd last dim
        (lambda x: F.glu(x[0, 0]), lambda x: TF.glu(x[0, 0])),
        (lambda x: F.glu(x, dim=2), lambda x: TF.glu(x, dim=2)),
        (lambda x: F.prelu(x, np.ones(2)), lambda x: TF.prelu(x, torch.ones(2, dtype=x.dtype))),
        (lambda x: F.prelu(x, np.ones((3, 1))), lambda x: TF.prelu(x, torch.ones(3, 1, dtype=x.dtype))),
        (lambda x: F.rrelu(x, 0.5, 0.1), lambda x: TF.rrelu(x, 0.5, 0.1)),
        (lambda x: F.softmin(x, dim=2), lambda x: TF.softmin(x, dim=2)),
        (lambda x: F.normalize(x, dim=3), lambda x: TF.normalize(x, dim=3)),
        (lambda x: F.cosine_similarity(x, x[:, :2]), lambda x: TF.cosine_similarity(x, x[:, :2])),
        (lambda x: F.cosine_similarity(x, x, dim=2), lambda x: TF.cosine_similarity(x, x, dim=2)),
        (lambda x: F.cdist(x, x, p=-1), lambda x: torch.cdist(x, x, p=-1)),
        (lambda x: F.cdist(x[0], x[0]), lambda x: torch.cdist(x[0], x[0])),
        (lambda x: F.cdist(x, x[:, :2]), lambda x: torch.cdist(x, x[:, :2])),
        (lambda x: F.pdist(x[None]), lambda x: TF.pdist(x[None])),
        (lambda x: F.pdist(x, p=-1), lambda x: TF.pdist(x, p=-1)),
        (lambda x: F.dropout(x, 1.5), lambda x: TF.dropout(x, 1.5)),
        (lambda x: F.dropout1d(x[None, None]), lambda x: TF.dropout1d(x[None, None])),
        (lambda x: F.alpha_dropout(x, -0.1), lambda x: TF.alpha_dropout(x, -0.1)),
        (lambda x: nn.Softmax2d()(x), lambda x: torch.nn.Softmax2d()(x)),
        (lambda x: nn.Unflatten(1, (2, 2))(x), lambda x: torch.nn.Unflatten(1, (2, 2))(x)),
    ],
)
def test_errors_have_torchs_exception_types(ours, theirs):
    data = np.random.default_rng(0).standard_normal((2, 3))
    _raises_like(lambda: ours(ds.tensor(data)), lambda: theirs(torch.tensor(data)))


def test_unflatten_size_must_be_a_tuple_of_ints():
    _raises_like(lambda: nn.Unflatten(1, 5), lambda: torch.nn.Unflatten(1, 5))


# ----- softmin and the implicit softmax dim -----------------------------------------------------
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_family_without_dim_picks_torchs_dim_and_warns(shape):
    data = np.random.default_rng(0).standard_normal(shape)
    for ours, theirs in (
        (nn.Softmin(), torch.nn.Softmin()),
        (nn.Softmax(), torch.nn.Softmax()),
        (nn.LogSoftmax(), torch.nn.LogSoftmax()),
    ):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            out = ours(ds.tensor(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _assert_same(out, theirs(torch.tensor(data)))
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        F.softmin(ds.tensor(data))


def test_softmin_casts_to_dtype_first():
    data = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    _assert_same(
        F.softmin(ds.tensor(data), dim=1, dtype=np.float64),
        TF.softmin(torch.tensor(data), dim=1, dtype=torch.float64),
    )


# ----- distances at their edges ------------------------------------------------------------------
def _compare_grads(ours_fn, torch_fn, *arrays, rtol=1e-6, atol=1e-12):
    pairs = [_pair(a) for a in arrays]
    out = ours_fn(*[p[0] for p in pairs])
    ref = torch_fn(*[p[1] for p in pairs])
    _assert_same(out, ref, rtol, atol)
    upstream = np.random.default_rng(1).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for mine, theirs in pairs:  # PyTorch leaves None where the gradient is 0 (p = 0)
        expected = torch.zeros_like(theirs) if theirs.grad is None else theirs.grad
        _assert_same(mine.grad, expected, rtol, atol)


def test_cosine_similarity_clamps_each_norm_in_the_value_only_as_torch():
    rng = np.random.default_rng(0)
    tiny = 1e-3 * rng.standard_normal((3, 4))
    tiny[1] = 0  # a zero vector: cosine 0, and a gradient that stays finite
    _compare_grads(
        lambda a, b: F.cosine_similarity(a, b, eps=0.01),
        lambda a, b: TF.cosine_similarity(a, b, eps=0.01),
        tiny,
        rng.standard_normal((3, 4)),
    )


def test_distances_of_inputs_as_large_as_1e4_are_finite_and_equal_torch():
    rng = np.random.default_rng(0)
    a, b = (
        (1e4 * rng.choice([-1, 1], (3, 4))).astype(np.float32),
        rng.standard_normal((3, 4)).astype(np.float32),
    )
    for ours, theirs in (
        (F.cosine_similarity, TF.cosine_similarity),
        (F.pairwise_distance, TF.pairwise_distance),
        (F.cdist, torch.cdist),
        (lambda x, y: F.normalize(x - y), lambda x, y: TF.normalize(x - y)),
    ):
        _compare_grads(ours, theirs, a, b, rtol=1e-5, atol=1e-6)


def test_norm_based_functions_have_torchs_gradient_at_zero():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    x[2] = 0
    _compare_grads(F.normalize, TF.normalize, x)
    _compare_grads(lambda a: F.normalize(a, p=1), lambda a: TF.normalize(a, p=1), x)
    twins = np.concatenate([x, x[:2]])  # rows 0 and 4, 1 and 5 coincide: distance 0
    _compare_grads(F.pdist, TF.pdist, twins)
    _compare_grads(F.cdist, torch.cdist, twins, x)
    _compare_grads(
        lambda a, b: F.pairwise_distance(a, b, eps=0.0),
        lambda a, b: TF.pairwise_distance(a, b, eps=0.0),
        x,
        x,
    )


@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 4, math.inf])
def test_pairwise_distance_for_every_p(p):
    rng = np.random.default_rng(0)
    _compare_grads(
        lambda a, b: F.pairwise_distance(a, b, p=p, keepdim=True),
        lambda a, b: TF.pairwise_distance(a, b, p=p, keepdim=True),
        rng.standard_normal((3, 5)),
        rng.standard_normal((5,)),
    )


def test_distances_of_zero_dimensional_and_empty_inputs_match_torch():
    _compare_grads(F.pairwise_distance, TF.pairwise_distance, np.array(1.0), np.array(3.0))
    _assert_same(F.pdist(ds.zeros(1, 3)), TF.pdist(torch.zeros(1, 3)))
    _assert_same(F.pdist(ds.zeros(3, 0)), TF.pdist(torch.zeros(3, 0)))
    _assert_same(
        F.pairwise_distance(ds.tensor([[1, 2]]), ds.tensor([[1, 0]])),
        TF.pairwise_distance(torch.tensor([[1, 2]]), torch.tensor([[1, 0]])),
    )


# ----- randomness: rrelu and the dropouts -------------------------------------------------------
def test_rrelu_training_draws_seeded_slopes_in_range():
    x = ds.Tensor(-np.ones((50, 40)) * np.arange(1, 41), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True, seed=3)
    slopes = y.numpy() / x.numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.04
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True, seed=3).numpy(), y.numpy())
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)  # ∂y/∂x is the slope drawn
    positive = ds.tensor([1.0, 2.0])
    np.testing.assert_array_equal(F.rrelu(positive, training=True).numpy(), positive.numpy())


def _channel_masks(y: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The per-channel masks of a channel-wise dropout of ones: each channel all 0 or all 1/(1 − p)."""
    flat = y.reshape(shape[0], -1) if len(shape) else y
    assert np.all(flat.min(axis=1) == flat.max(axis=1)), "a channel was partly dropped"
    return flat[:, 0]


@pytest.mark.parametrize(
    ("fn", "shape", "channels"),
    [
        (F.dropout1d, (40, 50, 3), (40, 50)),
        (F.dropout1d, (50, 3), (50,)),
        (F.dropout2d, (40, 50, 2, 3), (40, 50)),
        (F.dropout3d, (40, 50, 2, 2, 2), (40, 50)),
        (F.dropout3d, (50, 2, 2, 2), (50,)),
    ],
)
def test_channel_dropout_drops_whole_channels(fn, shape, channels):
    x = ds.ones(*shape, requires_grad=True)
    y = fn(x, 0.3, seed=0)
    masks = _channel_masks(y.numpy(), (math.prod(channels), *shape[len(channels) :]))
    assert set(np.unique(masks)) == {0.0, np.float32(1 / 0.7)}
    assert (masks == 0).mean() == pytest.approx(0.3, abs=0.06)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    np.testing.assert_array_equal(fn(x, 0.3, seed=0).numpy(), y.numpy())
    assert fn(x, 0.3, training=False) is x


def test_dropout2d_of_3d_input_is_channel_wise_1d_with_torchs_warning():
    x = ds.ones(30, 40, 5)
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        y = F.dropout2d(x, 0.5, seed=0)
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        TF.dropout2d(torch.ones(30, 40, 5), 0.5)
    _channel_masks(y.numpy(), (1200, 5))


def test_dropout_edges_and_inplace():
    x = ds.ones(3, 4)
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0) and np.all(
        F.dropout2d(ds.ones(2, 3, 2, 2), 1.0).numpy() == 0
    )
    leaf = ds.ones(200, 50, requires_grad=True)
    hidden = leaf * 1.0
    y = F.dropout(hidden, 0.5, inplace=True, seed=1)
    assert y is hidden
    y.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), y.numpy())


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_keeps_mean_and_variance_and_torchs_two_values(feature):
    x = ds.Tensor(np.random.default_rng(0).standard_normal((400, 300, 1)))
    ours = (F.feature_alpha_dropout if feature else F.alpha_dropout)(x, 0.2, training=True, seed=0)
    assert ours.numpy().mean() == pytest.approx(0.0, abs=0.02)
    assert ours.numpy().std() == pytest.approx(1.0, abs=0.02)
    zeros = np.zeros((50, 40, 1))
    ours_zero = (F.feature_alpha_dropout if feature else F.alpha_dropout)(zeros, 0.2, training=True, seed=0)
    theirs_zero = (TF.feature_alpha_dropout if feature else TF.alpha_dropout)(
        torch.tensor(zeros), 0.2, training=True
    )
    np.testing.assert_allclose(np.unique(ours_zero.numpy()), np.unique(theirs_zero.numpy()), rtol=1e-12)
    assert (F.alpha_dropout(x, 0.2) is x) and (F.alpha_dropout(x, 0.0, training=True) is x)


# ----- modules -------------------------------------------------------------------------------
MODULES = [
    ("GELU", ("tanh",)),
    ("GELU", ()),
    ("SiLU", ()),
    ("Mish", (True,)),
    ("ELU", (0.5,)),
    ("ELU", (0.5, True)),
    ("SELU", ()),
    ("CELU", (1.5,)),
    ("Hardtanh", (-2.0, 2.5)),
    ("Hardtanh", (-2, 3, True)),
    ("ReLU6", ()),
    ("ReLU6", (True,)),
    ("Hardsigmoid", ()),
    ("Hardswish", (True,)),
    ("LogSigmoid", ()),
    ("Softmin", (1,)),
    ("Softsign", ()),
    ("Tanhshrink", ()),
    ("Softshrink", (0.3,)),
    ("Hardshrink", ()),
    ("Threshold", (0.1, 20.0)),
    ("Threshold", (0.1, 20, True)),
    ("GLU", (-1,)),
    ("PReLU", ()),
    ("PReLU", (3, 0.1)),
    ("RReLU", (0.1, 0.3)),
    ("LogSoftmax", (1,)),
    ("Softmax", (-1,)),
    ("Softmax2d", ()),
    ("ReLU", ()),
    ("ReLU", (True,)),
    ("LeakyReLU", (0.2,)),
    ("LeakyReLU", (0.2, True)),
    ("Sigmoid", ()),
    ("Tanh", ()),
    ("Flatten", ()),
    ("Unflatten", (1, (3, 1))),
    ("Identity", ()),
    ("Dropout", (0.3,)),
    ("Dropout1d", ()),
    ("Dropout2d", (0.2, True)),
    ("Dropout3d", ()),
    ("AlphaDropout", (0.1,)),
    ("FeatureAlphaDropout", ()),
]


@pytest.mark.parametrize(("name", "args"), MODULES, ids=[f"{n}{a}" for n, a in MODULES])
def test_modules_equal_torch_nn_in_eval_and_repr(name, args):
    ours, theirs = getattr(nn, name)(*args).double(), getattr(torch.nn, name)(*args).double()
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    theirs.eval()
    data = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    if name.startswith("Dropout1d"):
        data = data[..., 0]
    if name.startswith("Dropout3d"):
        data = data[..., None]
    leaf, tleaf = _pair(data)
    x, tx = leaf * 1.0, tleaf * 1.0
    y, ty = ours(x), theirs(tx)
    _assert_same(y, ty)
    y.backward(np.ones(y.shape))
    ty.backward(torch.ones_like(ty))
    _assert_same(leaf.grad, tleaf.grad)
    for (name_, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert name_ == tname
        _assert_same(p.grad, tp.grad)


def test_distance_modules_equal_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    for ours, theirs in (
        (nn.CosineSimilarity(), torch.nn.CosineSimilarity()),
        (nn.CosineSimilarity(0, 0.1), torch.nn.CosineSimilarity(0, 0.1)),
        (nn.PairwiseDistance(), torch.nn.PairwiseDistance()),
        (nn.PairwiseDistance(1.0, 0.0, True), torch.nn.PairwiseDistance(1.0, 0.0, True)),
    ):
        assert repr(ours) == repr(theirs)
        _compare_grads(ours, theirs, a, b)


def test_prelu_trains_its_weight_like_torch_and_loads_its_state_dict():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.PReLU(3, 0.1), torch.nn.Flatten())
    ours = nn.Sequential(nn.Conv2d(2, 3, 1), nn.PReLU(3, 0.1), nn.Flatten())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 2, 3, 3)).astype(np.float32)
    y, ty = ours(x), theirs(torch.from_numpy(x))
    _assert_same(y, ty, rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    _assert_same(ours[1].weight.grad, theirs[1].weight.grad, rtol=1e-5, atol=1e-5)


def test_modules_with_parameters_round_trip_through_save_and_load(tmp_path):
    model = nn.Sequential(
        nn.Linear(3, 4), nn.PReLU(4, 0.2), nn.Linear(4, 2), nn.PReLU(), nn.Unflatten(1, (1, 2))
    )
    model[1].weight.data[:] = [0.1, 0.2, 0.3, 0.4]
    loaded = ds.load(model.save(tmp_path / "prelu.npz"))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert repr(loaded) == repr(model)


def test_rrelu_module_is_random_while_training_and_seeded():
    x = -ds.ones(100, 10)
    layer = nn.RReLU(seed=0)
    first = layer(x).numpy()
    assert first.std() > 0
    np.testing.assert_array_equal(nn.RReLU(seed=0)(x).numpy(), first)
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), -(1 / 8 + 1 / 3) / 2)


def test_dropout_modules_are_seeded_and_channel_wise():
    x = ds.ones(8, 6, 4, 4)
    layer = nn.Dropout2d(0.5, seed=0)
    _channel_masks(layer(x).numpy(), (48, 16))
    np.testing.assert_array_equal(nn.Dropout2d(0.5, seed=0)(x).numpy(), nn.Dropout2d(0.5, seed=0)(x).numpy())
