"""Volumes (N, C, D, H, W): conv3d, max/avg/adaptive-avg 3-D pooling, their modules, BatchNorm3d, against
torch on random configurations: values, dtypes, shapes, indices, exception types and gradients (float64
gradcheck and equality with torch's)."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
from deepstep import nn
from torch_oracle import same_error


def _conv_configs(count: int, seed: int) -> list[dict]:
    """Random conv3d configurations: stride, padding (ints, triples, 'same', 'valid'), dilation,
    groups, bias or not, float32 or float64."""
    rng = np.random.default_rng(seed)
    configs = []
    for i in range(count):
        groups = int(rng.choice([1, 2, 3]))
        triple = lambda low, high: tuple(int(v) for v in rng.integers(low, high, 3))  # noqa: E731
        padding = [triple(0, 3), int(rng.integers(0, 2)), "same", "valid"][i % 4]
        config = {
            "n": int(rng.integers(1, 3)),
            "c": groups * int(rng.integers(1, 3)),
            "f": groups * int(rng.integers(1, 3)),
            "size": triple(3, 7),
            "kernel": triple(1, 4),
            "stride": 1 if padding == "same" else triple(1, 3),
            "padding": padding,
            "dilation": triple(1, 3),
            "groups": groups,
            "bias": bool(i % 3),
            "dtype": [np.float64, np.float32][i % 2],
        }
        # keep the dilated kernel inside the padded input (the refusal is tested on its own)
        pads = (padding,) * 3 if isinstance(padding, int) else padding
        if not isinstance(pads, str):
            config["size"] = tuple(
                max(n, d * (k - 1) + 1 - 2 * p)
                for n, k, d, p in zip(config["size"], config["kernel"], config["dilation"], pads, strict=True)
            )
        else:
            config["size"] = tuple(
                max(n, d * (k - 1) + 1)
                for n, k, d in zip(config["size"], config["kernel"], config["dilation"], strict=True)
            )
        configs.append(config)
    return configs


def _conv_arrays(config: dict, rng: np.random.Generator) -> tuple:
    dtype = config["dtype"]
    x = rng.standard_normal((config["n"], config["c"], *config["size"])).astype(dtype)
    w = rng.standard_normal((config["f"], config["c"] // config["groups"], *config["kernel"])).astype(dtype)
    b = rng.standard_normal(config["f"]).astype(dtype) if config["bias"] else None
    return x, w, b


@pytest.mark.parametrize("config", _conv_configs(24, seed=0), ids=lambda c: str(sorted(c.items())))
def test_conv3d_matches_torch_values_and_gradients(torch, config):
    rng = np.random.default_rng(1)
    x, w, b = _conv_arrays(config, rng)
    args = (config["stride"], config["padding"], config["dilation"], config["groups"])
    ours = [ds.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    y = F.conv3d(*ours, *args)
    with warnings.catch_warnings():  # (torch warns where 'same' pads one side more)
        warnings.simplefilter("ignore")
        ty = torch.nn.functional.conv3d(*theirs, *args)
    assert y.dtype == np.dtype(config["dtype"]) and tuple(y.shape) == tuple(ty.shape)
    tol = {"rtol": 1e-4, "atol": 1e-4} if config["dtype"] == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = rng.standard_normal(ty.shape).astype(config["dtype"])
    y.backward(ds.tensor(g))
    ty.backward(torch.from_numpy(g))
    for a, ta, name in zip(ours, theirs, ("input", "weight", "bias"), strict=True):
        if a is not None:
            assert a.grad.dtype == a.dtype, name
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **tol, err_msg=name)


@pytest.mark.parametrize("config", _conv_configs(6, seed=2)[::2], ids=lambda c: str(sorted(c.items())))
def test_conv3d_gradcheck(config):
    config = {**config, "dtype": np.float64, "n": 1}
    x, w, b = _conv_arrays(config, np.random.default_rng(3))
    kwargs = {k: config[k] for k in ("stride", "padding", "dilation", "groups")}
    inputs = [ds.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    assert ds.gradcheck(lambda *t: F.conv3d(*t, **kwargs), *inputs)


def test_conv3d_unbatched_empty_and_non_contiguous(torch):
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4, 5, 3)), rng.standard_normal((3, 2, 2, 2, 2))
    ours, theirs = (
        F.conv3d(x, w, padding=1),
        torch.nn.functional.conv3d(torch.from_numpy(x), torch.from_numpy(w), padding=1),
    )
    assert tuple(ours.shape) == tuple(theirs.shape) == (3, 5, 6, 4)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    empty = F.conv3d(np.zeros((0, 2, 4, 4, 4)), w)
    assert tuple(empty.shape) == tuple(
        torch.nn.functional.conv3d(torch.zeros(0, 2, 4, 4, 4).double(), torch.from_numpy(w)).shape
    )
    strided = rng.standard_normal((2, 5, 6, 7, 4)).transpose(0, 4, 3, 1, 2)[:, ::2]  # (2, 2, 7, 5, 6)
    np.testing.assert_allclose(
        F.conv3d(strided, w, stride=(2, 1, 2)).numpy(),
        torch.nn.functional.conv3d(torch.from_numpy(strided), torch.from_numpy(w), stride=(2, 1, 2)).numpy(),
        rtol=1e-12,
    )


def test_conv3d_through_the_torch_spellings(torch):
    rng = np.random.default_rng(5)
    x, w, b = (
        rng.standard_normal((1, 4, 4, 5, 6)),
        rng.standard_normal((6, 2, 3, 1, 2)),
        rng.standard_normal(6),
    )
    theirs = torch.conv3d(*(torch.from_numpy(a) for a in (x, w, b)), 1, 1, 1, 2)
    np.testing.assert_allclose(ds.conv3d(x, w, b, 1, 1, 1, 2).numpy(), theirs.numpy(), rtol=1e-12)
    ours = ds.convolution(ds.tensor(x), ds.tensor(w), ds.tensor(b), [2], [1, 0, 1], [1], False, [0], 2)
    theirs = torch.convolution(*(torch.from_numpy(a) for a in (x, w, b)), [2], [1, 0, 1], [1], False, [0], 2)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


BAD_CONV_CALLS = [
    ((1, 2, 4, 4, 4), (3, 3, 2, 2, 2), {}),  # channels do not match
    ((1, 2, 4, 4, 4), (3, 2, 2, 2), {}),  # a 4-D weight
    ((2, 4, 4, 4), (3, 2, 2, 2, 2), {"groups": 1, "stride": 0}),  # stride 0
    ((1, 2, 4, 4, 4), (3, 2, 2, 2, 2), {"stride": 2, "padding": "same"}),
    ((1, 2, 4, 4, 4), (3, 2, 5, 2, 2), {}),  # the kernel larger than the input
    ((1, 2, 4, 4, 4), (3, 2, 2, 2, 2), {"padding": -1}),
    ((1, 2, 4, 4, 4), (3, 1, 2, 2, 2), {"groups": 2}),  # 3 filters in 2 groups
    ((1, 2, 4, 4, 4), (3, 2, 2, 2, 2), {"padding": "full"}),
    ((2, 4, 4), (3, 2, 2, 2, 2), {}),  # a 3-D input
    ((1, 2, 4, 4, 4), (3, 2, 2, 2, 2), {"stride": (1, 2)}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "kwargs"), BAD_CONV_CALLS)
def test_conv3d_refuses_what_torch_refuses(torch, x_shape, w_shape, kwargs):
    x, w = np.ones(x_shape), np.ones(w_shape)
    same_error(
        lambda: F.conv3d(x, w, **kwargs),
        lambda: torch.nn.functional.conv3d(torch.from_numpy(x), torch.from_numpy(w), **kwargs),
    )
    b = np.ones(4)  # a bias of the wrong length
    same_error(
        lambda: F.conv3d(np.ones((1, 2, 4, 4, 4)), np.ones((3, 2, 2, 2, 2)), b),
        lambda: torch.nn.functional.conv3d(
            torch.ones(1, 2, 4, 4, 4), torch.ones(3, 2, 2, 2, 2), torch.ones(4)
        ),
    )


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv3d_module_matches_torch(torch, padding_mode):
    torch.manual_seed(0)
    theirs = torch.nn.Conv3d(
        4, 6, (3, 2, 3), stride=(1, 2, 1), padding=(1, 1, 2), groups=2, padding_mode=padding_mode
    )
    theirs = theirs.double()
    ours = nn.Conv3d(
        4, 6, (3, 2, 3), stride=(1, 2, 1), padding=(1, 1, 2), groups=2, padding_mode=padding_mode
    )
    ours = ours.double()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((2, 4, 5, 6, 7))
    tx = torch.tensor(x, requires_grad=True)
    xs = ds.tensor(x, requires_grad=True)
    y, ty = ours(xs), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_conv3d_module_initialises_as_torch():
    layer = nn.Conv3d(3, 8, 3, seed=0)
    bound = 1 / np.sqrt(3 * 27)
    assert layer.weight.shape == (8, 3, 3, 3, 3) and layer.weight.dtype == np.float32
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.8 * bound  # uniform over the whole range
    same = nn.Conv3d(2, 2, 3, padding="same")
    assert tuple(same(np.ones((1, 2, 4, 5, 6), dtype=np.float32)).shape) == (1, 2, 4, 5, 6)
    with pytest.raises(ValueError):
        nn.Conv3d(3, 8, 3, groups=2)
    with pytest.raises(ValueError):
        nn.Conv3d(3, 8, 3, stride=2, padding="same")


def _pool_configs(count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    configs = []
    for i in range(count):
        kernel = tuple(int(v) for v in rng.integers(1, 4, 3))
        configs.append(
            {
                "kernel": kernel,
                "stride": [None, tuple(int(v) for v in rng.integers(1, 3, 3))][i % 2],
                "padding": tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel),
                "dilation": tuple(int(v) for v in rng.integers(1, 3, 3)),
                "ceil_mode": bool(i % 3 == 1),
                "count_include_pad": bool(i % 4),
                "divisor_override": [None, None, 3][i % 3],
                "dtype": [np.float64, np.float32][i % 2],
            }
        )
    return configs


@pytest.mark.parametrize("config", _pool_configs(20, seed=7), ids=lambda c: str(sorted(c.items())))
def test_max_pool3d_matches_torch(torch, config):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 5, 6, 7)).astype(config["dtype"])
    x[0, 0, :3, :3, :3] = -np.inf  # windows all -inf: their index is the first tap inside the input
    x[1, 1, 2, 2, 2] = np.nan  # NaN wins its windows
    x[1, 2, :, :, 1] = x[1, 2, :, :, 0]  # ties: the first maximum
    args = (config["kernel"], config["stride"], config["padding"], config["dilation"], config["ceil_mode"])
    xs, tx = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, index = F.max_pool3d(xs, *args, return_indices=True)
    ty, tindex = torch.nn.functional.max_pool3d(tx, *args, return_indices=True)
    assert y.dtype == x.dtype and index.dtype == np.int64 and tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())
    g = rng.standard_normal(ty.shape).astype(config["dtype"])
    y.backward(ds.tensor(g))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-5)
    assert xs.grad.dtype == x.dtype


@pytest.mark.parametrize("config", _pool_configs(20, seed=9), ids=lambda c: str(sorted(c.items())))
def test_avg_pool3d_matches_torch(torch, config):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 5, 6, 7)).astype(config["dtype"])
    args = (config["kernel"], config["stride"], config["padding"], config["ceil_mode"])
    kwargs = {
        "count_include_pad": config["count_include_pad"],
        "divisor_override": config["divisor_override"],
    }
    xs, tx = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = F.avg_pool3d(xs, *args, **kwargs)
    ty = torch.nn.functional.avg_pool3d(tx, *args, **kwargs)
    assert y.dtype == x.dtype and tuple(y.shape) == tuple(ty.shape)
    tol = {"rtol": 1e-5, "atol": 1e-6} if config["dtype"] == np.float32 else {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = rng.standard_normal(ty.shape).astype(config["dtype"])
    y.backward(ds.tensor(g))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), **tol)


def test_pool3d_integers_unbatched_and_gradcheck(torch):
    rng = np.random.default_rng(11)
    x = rng.integers(-50, 50, (3, 4, 5, 6))  # one (C, D, H, W) sample
    for ours, theirs in [
        (F.max_pool3d(x, 2, 1, 1), torch.nn.functional.max_pool3d(torch.from_numpy(x), 2, 1, 1)),
        (F.avg_pool3d(x, 3, 2, 1), torch.nn.functional.avg_pool3d(torch.from_numpy(x), 3, 2, 1)),
    ]:
        assert ours.dtype == np.int64 and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    xs = ds.tensor(rng.standard_normal((1, 2, 4, 5, 4)), requires_grad=True)
    assert ds.gradcheck(lambda t: F.max_pool3d(t, (2, 3, 2), (1, 2, 1), (1, 1, 0), (1, 1, 2), True), xs)
    assert ds.gradcheck(lambda t: F.avg_pool3d(t, 3, 2, 1, True, False), xs)
    assert ds.gradcheck(lambda t: F.adaptive_avg_pool3d(t, (3, 2, 3)), xs)


BAD_POOL_CALLS = [
    "max_pool3d(x, 2, padding=2)",  # padding over half the kernel
    "max_pool3d(x, 0)",
    "max_pool3d(x, 2, stride=0)",
    "max_pool3d(x, 2, dilation=0)",
    "max_pool3d(x, 7)",  # the output would be empty
    "max_pool3d(x4, 2)",
    "max_pool3d(flags, 2)",
    "avg_pool3d(x, 2, padding=2)",
    "avg_pool3d(x, 7)",
    "avg_pool3d(x, 2, divisor_override=0)",
    "avg_pool3d(flags, 2)",
    "adaptive_avg_pool3d(x, (2, 2))",
    "adaptive_avg_pool3d(x4, 2)",
    "adaptive_avg_pool3d(ints, 2)",
]


@pytest.mark.parametrize("call", BAD_POOL_CALLS)
def test_pool3d_refuses_what_torch_refuses(torch, call):
    arrays = {
        "x": np.ones((1, 2, 4, 4, 4)),
        "x4": np.ones((1, 1, 2, 4, 4, 4)),
        "flags": np.ones((1, 2, 4, 4, 4), dtype=bool),
        "ints": np.ones((1, 2, 4, 4, 4), dtype=np.int64),
    }
    ours = {
        **arrays,
        **{name: getattr(F, name) for name in ("max_pool3d", "avg_pool3d", "adaptive_avg_pool3d")},
    }
    theirs = {name: torch.from_numpy(a) for name, a in arrays.items()}
    theirs.update(
        {
            name: getattr(torch.nn.functional, name)
            for name in ("max_pool3d", "avg_pool3d", "adaptive_avg_pool3d")
        }
    )
    same_error(lambda: eval(call, ours), lambda: eval(call, theirs))


@pytest.mark.parametrize("output_size", [1, 3, (2, None, 4), (5, 6, 7), (7, 8, 9)])
def test_adaptive_avg_pool3d_matches_torch(torch, output_size):
    x = np.random.default_rng(12).standard_normal((2, 3, 5, 6, 7)).astype(np.float32)
    xs, tx = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = F.adaptive_avg_pool3d(xs, output_size), torch.nn.functional.adaptive_avg_pool3d(tx, output_size)
    assert y.dtype == np.float32 and tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_pool3d_modules_match_torch(torch):
    x = np.random.default_rng(13).standard_normal((2, 3, 6, 5, 7))
    pairs = [
        (nn.MaxPool3d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool3d(3, 2, 1, ceil_mode=True)),
        (nn.MaxPool3d((2, 1, 2), dilation=(1, 1, 2)), torch.nn.MaxPool3d((2, 1, 2), dilation=(1, 1, 2))),
        (
            nn.AvgPool3d(2, 1, 1, count_include_pad=False),
            torch.nn.AvgPool3d(2, 1, 1, count_include_pad=False),
        ),
        (nn.AvgPool3d((3, 2, 2), divisor_override=5), torch.nn.AvgPool3d((3, 2, 2), divisor_override=5)),
        (nn.AdaptiveAvgPool3d((2, 3, None)), torch.nn.AdaptiveAvgPool3d((2, 3, None))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(x).numpy(), theirs(torch.from_numpy(x)).numpy(), rtol=1e-12)
        assert repr(ours) == repr(theirs)
    _, index = nn.MaxPool3d(2, return_indices=True)(x)
    _, tindex = torch.nn.MaxPool3d(2, return_indices=True)(torch.from_numpy(x))
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())


def test_batch_norm3d_matches_torch_train_and_eval(torch):
    torch.manual_seed(0)
    theirs = torch.nn.BatchNorm3d(3, momentum=0.3).double()
    ours = nn.BatchNorm3d(3, momentum=0.3).double()
    rng = np.random.default_rng(14)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 2, 3, 5)) * 2 + 1
        xs, tx = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(xs), theirs(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs.state_dict()[name].numpy(), rtol=1e-10, err_msg=name)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 2, 2, 2))
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError):
        ours(np.ones((2, 3, 4, 4)))


def test_a_small_3d_network_matches_torch(torch):
    torch.manual_seed(1)
    layers = lambda m: [  # noqa: E731
        m.Conv3d(2, 4, 3, padding=1),
        m.BatchNorm3d(4),
        m.ReLU(),
        m.MaxPool3d(2),
        m.Conv3d(4, 4, 2, groups=2),
        m.AdaptiveAvgPool3d(1),
        m.Flatten(),
        m.Linear(4, 3),
    ]
    theirs = torch.nn.Sequential(*layers(torch.nn)).double()
    ours = nn.Sequential(*layers(nn)).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(15).standard_normal((3, 2, 6, 7, 6))
    labels = np.array([0, 2, 1])
    loss = F.cross_entropy(ours(x), labels)
    tloss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(labels))
    loss.backward()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=name)


def test_conv3d_complex_chunked_and_empty_batches(torch, monkeypatch):
    rng = np.random.default_rng(16)

    def check(x, w, b, tol, **kwargs):
        ours = [ds.tensor(a, requires_grad=True) for a in (x, w, b)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        y, ty = F.conv3d(*ours, **kwargs), torch.nn.functional.conv3d(*theirs, **kwargs)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = rng.standard_normal(ty.shape).astype(x.dtype)
        y.backward(ds.tensor(g))
        ty.backward(torch.from_numpy(g))
        for a, ta in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)

    def complex_normal(*shape):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    check(complex_normal(2, 2, 4, 4, 4), complex_normal(3, 2, 2, 2, 2), complex_normal(3), 1e-12, padding=1)
    check(np.zeros((0, 2, 4, 4, 4)), rng.standard_normal((3, 2, 2, 2, 2)), np.ones(3), 1e-12)
    # batches too large to build whole im2col matrices for: a few volumes at a time, in both passes
    monkeypatch.setattr(sys.modules["deepstep.functional.conv3d"], "WHOLE_IM2COL_BYTES", 0)
    monkeypatch.setattr(sys.modules["deepstep.functional.conv"], "CHUNK_BYTES", 1000)
    x, w, b = (
        rng.standard_normal((5, 4, 4, 5, 6)),
        rng.standard_normal((6, 2, 2, 3, 2)),
        rng.standard_normal(6),
    )
    check(x, w, b, 1e-12, stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2)


def _transpose_configs(count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    configs = []
    for i in range(count):
        stride = tuple(int(v) for v in rng.integers(1, 3, 3))
        dilation = tuple(int(v) for v in rng.integers(1, 3, 3))
        groups = int(rng.choice([1, 2]))
        configs.append(
            {
                "c": 2 * groups,
                "fg": int(rng.integers(1, 3)),
                "kernel": tuple(int(v) for v in rng.integers(1, 4, 3)),
                "stride": stride,
                "padding": tuple(int(v) for v in rng.integers(0, 2, 3)),
                "output_padding": tuple(
                    int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation, strict=True)
                ),
                "groups": groups,
                "dilation": dilation,
                "bias": bool(i % 2),
                "dtype": [np.float64, np.float32][i % 3 == 2],
            }
        )
    return configs


@pytest.mark.parametrize("config", _transpose_configs(16, seed=17), ids=lambda c: str(sorted(c.items())))
def test_conv_transpose3d_matches_torch(torch, config):
    rng = np.random.default_rng(18)
    dtype, groups = config["dtype"], config["groups"]
    x = rng.standard_normal((2, config["c"], 3, 4, 3)).astype(dtype)
    w = rng.standard_normal((config["c"], config["fg"], *config["kernel"])).astype(dtype)
    b = rng.standard_normal(config["fg"] * groups).astype(dtype) if config["bias"] else None
    args = (config["stride"], config["padding"], config["output_padding"], groups, config["dilation"])
    ours = [ds.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    try:
        ty = torch.nn.functional.conv_transpose3d(*theirs, *args)
    except RuntimeError:  # (padding that crops the whole output)
        same_error(
            lambda: F.conv_transpose3d(*ours, *args),
            lambda: torch.nn.functional.conv_transpose3d(*theirs, *args),
        )
        return
    y = F.conv_transpose3d(*ours, *args)
    assert y.dtype == dtype and tuple(y.shape) == tuple(ty.shape)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = rng.standard_normal(ty.shape).astype(dtype)
    y.backward(ds.tensor(g))
    ty.backward(torch.from_numpy(g))
    for a, ta, name in zip(ours, theirs, ("input", "weight", "bias"), strict=True):
        if a is not None:
            assert a.grad.dtype == dtype, name
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **tol, err_msg=name)


def test_conv_transpose3d_gradcheck_and_refusals(torch):
    rng = np.random.default_rng(19)
    x, w, b = (
        rng.standard_normal((1, 2, 2, 3, 2)),
        rng.standard_normal((2, 2, 2, 1, 2)),
        rng.standard_normal(4),
    )
    inputs = [ds.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert ds.gradcheck(
        lambda *t: F.conv_transpose3d(*t, stride=(2, 1, 2), padding=(0, 0, 1), groups=2), *inputs
    )
    unbatched = F.conv_transpose3d(x[0], w, b, 2, groups=2)
    theirs = torch.nn.functional.conv_transpose3d(*(torch.from_numpy(a) for a in (x[0], w, b)), 2, groups=2)
    np.testing.assert_allclose(unbatched.numpy(), theirs.numpy(), rtol=1e-12)
    bad = [
        ((1, 2, 2, 2, 2), (3, 2, 2, 2, 2), {}),  # channels do not match
        ((1, 2, 2, 2, 2), (2, 2, 2, 2, 2), {"output_padding": 1}),  # not below stride or dilation
        ((1, 2, 2, 2, 2), (2, 2, 2, 2, 2), {"padding": -1}),
        ((1, 2, 2, 2, 2), (2, 2, 2, 2), {}),
        ((1, 2, 1, 1, 1), (2, 2, 1, 1, 1), {"padding": 1}),  # cropped away
    ]
    for x_shape, w_shape, kwargs in bad:
        xs, ws = np.ones(x_shape), np.ones(w_shape)
        theirs_x, theirs_w = torch.from_numpy(xs), torch.from_numpy(ws)
        same_error(
            lambda xs=xs, ws=ws, kwargs=kwargs: F.conv_transpose3d(xs, ws, **kwargs),
            lambda x=theirs_x, w=theirs_w, kwargs=kwargs: torch.nn.functional.conv_transpose3d(
                x, w, **kwargs
            ),
        )


def test_conv_transpose3d_module_matches_torch(torch):
    torch.manual_seed(2)
    theirs = torch.nn.ConvTranspose3d(
        4, 6, (2, 3, 2), stride=2, padding=(1, 0, 1), groups=2, dilation=(1, 2, 1)
    )
    ours = nn.ConvTranspose3d(4, 6, (2, 3, 2), stride=2, padding=(1, 0, 1), groups=2, dilation=(1, 2, 1))
    theirs, ours = theirs.double(), ours.double()
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(20).standard_normal((2, 4, 3, 4, 3))
    xs, tx = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xs, output_size=(5, 12, 5)), theirs(tx, output_size=(5, 12, 5))
    assert tuple(y.shape) == tuple(ty.shape) == (2, 6, 5, 12, 5)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    same_error(lambda: ours(xs, output_size=(9, 9, 9)), lambda: theirs(tx, output_size=(9, 9, 9)))
    with pytest.raises(ValueError):
        nn.ConvTranspose3d(2, 2, 3, padding_mode="reflect")


def test_volume_layers_convert_to_torch_and_back(torch):
    from deepstep.interop.torch_convert import from_torch, to_torch

    model = nn.Sequential(
        nn.Conv3d(2, 4, 3, padding=1, padding_mode="replicate"),
        nn.BatchNorm3d(4),
        nn.ReLU(),
        nn.MaxPool3d(2, ceil_mode=True),
        nn.ConvTranspose3d(4, 2, 2, stride=2, groups=2),
        nn.AvgPool3d(2, padding=1, count_include_pad=False),
        nn.AdaptiveAvgPool3d((1, 2, None)),
    ).double()
    model.eval()
    twin = to_torch(model)
    x = np.random.default_rng(21).standard_normal((2, 2, 5, 6, 5))
    np.testing.assert_allclose(
        model(x).numpy(), twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-10, atol=1e-14
    )
    back = from_torch(twin)
    back.eval()
    assert repr(back) == repr(model)
    np.testing.assert_array_equal(back(x).numpy(), model(x).numpy())


def test_instance_norm3d_matches_torch(torch):
    x = np.random.default_rng(22).standard_normal((2, 3, 3, 4, 5))
    ours, theirs = (
        nn.InstanceNorm3d(3, affine=True).double(),
        torch.nn.InstanceNorm3d(3, affine=True).double(),
    )
    xs, tx = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xs), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y * y * y).sum().backward()
    (ty * ty * ty).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
