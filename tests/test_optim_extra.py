"""LBFGS, Rprop, ASGD and swa_utils match torch.optim step for step: parameters, losses and state
(float64 to ~1e-12, float32 to ~1e-5), state_dict round trips, and the errors PyTorch raises."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
import deepstep.optim as optim
from deepstep import nn
from deepstep.optim import swa_utils


def _same_state(mine, theirs, rtol, atol):
    """One parameter's state: the same keys, numbers and arrays (lists of them included)."""
    assert set(mine) == set(theirs)
    for key, value in theirs.items():
        ours = mine[key]
        if isinstance(value, list):
            assert isinstance(ours, list) and len(ours) == len(value), key
            pairs = list(zip(ours, value, strict=True))
        else:
            pairs = [(ours, value)]
        for a, b in pairs:
            if b is None:
                assert a is None, key
            elif isinstance(a, np.ndarray):
                assert a.dtype == b.numpy().dtype, key
                np.testing.assert_allclose(a, b.numpy(), rtol=rtol, atol=atol, err_msg=key)
            else:  # 0-d tensors in torch, Python numbers here
                b = b.item() if isinstance(b, torch.Tensor) else b
                assert a == pytest.approx(b, rel=rtol, abs=atol), key


# ----- L-BFGS -----------------------------------------------------------------------------------------
def _rosenbrock(x):
    """f(x, y) = (1 − x)² + 100(y − x²)²: the curved valley where gradient descent crawls."""
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _lbfgs_rosenbrock(lib, kwargs, dtype, steps, start=(-1.5, 2.0)):
    x = lib.tensor(np.array(start, dtype=dtype), requires_grad=True)
    opt = lib.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(x)
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return x, opt, losses


# (settings, steps, rtol): lr = 1 without a line search overshoots along the valley, so that its
# iterates, as chaotic as Rosenbrock's map makes them, amplify rounding (torch's fused multiply-adds
# against NumPy's separate ones: 1e-13 after one step, 7e-7 after three); it is compared for two steps
LBFGS_CONFIGS = [
    ({}, 2, 1e-9),
    ({"line_search_fn": "strong_wolfe"}, 6, 1e-10),
    ({"lr": 0.002, "max_iter": 7, "history_size": 3}, 6, 1e-10),
    ({"line_search_fn": "strong_wolfe", "max_iter": 6, "history_size": 2}, 6, 1e-6),
    ({"line_search_fn": "strong_wolfe", "max_iter": 30, "max_eval": 12}, 6, 1e-8),
    ({"lr": 0.5, "line_search_fn": "strong_wolfe", "tolerance_change": 1e-5}, 6, 1e-10),
]


@pytest.mark.parametrize(("kwargs", "steps", "rtol"), LBFGS_CONFIGS, ids=str)
def test_lbfgs_on_rosenbrock_matches_torch_float64(kwargs, steps, rtol):
    ours, opt_ours, losses_ours = _lbfgs_rosenbrock(ds, kwargs, np.float64, steps)
    theirs, opt_theirs, losses_theirs = _lbfgs_rosenbrock(torch, kwargs, np.float64, steps)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol / 100)
    np.testing.assert_allclose(losses_ours, losses_theirs, rtol=rtol, atol=1e-14)
    saved_ours, saved_theirs = opt_ours.state_dict(), opt_theirs.state_dict()
    _same_state(saved_ours["state"][0], saved_theirs["state"][0], rtol=1000 * rtol, atol=rtol)
    assert saved_ours["param_groups"] == saved_theirs["param_groups"]


def test_lbfgs_with_strong_wolfe_solves_rosenbrock():
    """From (−1.5, 2) the line search reaches the minimum (1, 1) within 6 steps of 20 iterations,
    where fixed steps of lr = 0.002 have not left the valley's far side."""
    x, _, losses = _lbfgs_rosenbrock(ds, {"line_search_fn": "strong_wolfe"}, np.float64, 6)
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-4)
    assert losses[-1] < 1e-8
    y, _, _ = _lbfgs_rosenbrock(ds, {"lr": 0.002}, np.float64, 6)
    assert _rosenbrock(y).item() > 1.0


def _logistic_data(dtype, n=64, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(dtype)
    w = rng.standard_normal((d, 1))
    y = (x @ w + 0.5 * rng.standard_normal((n, 1)) > 0).astype(dtype)
    return x, y


def _lbfgs_logistic(lib, kwargs, dtype, steps, resume_at=None):
    """A logistic regression (weight and bias: two parameters, one flat vector) fitted by L-BFGS."""
    x, y = _logistic_data(dtype)
    weight = lib.tensor(np.full((1, x.shape[1]), 0.1, dtype=dtype), requires_grad=True)
    bias = lib.tensor(np.zeros(1, dtype=dtype), requires_grad=True)
    functional = F if lib is ds else torch.nn.functional
    xs, ys = lib.tensor(x), lib.tensor(y)
    opt = lib.optim.LBFGS([weight, bias], **kwargs)
    losses = []
    for step in range(steps):
        if step == resume_at:  # a resumed run: new parameters and optimizer, the saved state
            saved = opt.state_dict()
            weight = lib.tensor(weight.detach().numpy().copy(), requires_grad=True)
            bias = lib.tensor(bias.detach().numpy().copy(), requires_grad=True)
            opt = lib.optim.LBFGS([weight, bias], **kwargs)
            opt.load_state_dict(saved)

        def closure(opt=opt, weight=weight, bias=bias):
            opt.zero_grad()
            loss = functional.binary_cross_entropy_with_logits(xs @ weight.T + bias, ys)
            loss.backward()
            return loss

        losses.append(float(opt.step(closure).detach()))
    return [weight, bias], opt, losses


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lbfgs_on_logistic_regression_matches_torch(line_search_fn, dtype):
    """float32: one step of five iterations. Each curvature pair divides by sᵀy, which magnifies
    the loss's last-bit differences from torch's (2e-8 after one iteration, 3e-6 after five)."""
    kwargs = {"max_iter": 5, "history_size": 4, "line_search_fn": line_search_fn}
    steps, rtol = (4, 1e-10) if dtype == np.float64 else (1, 1e-4)
    ours, opt_ours, losses_ours = _lbfgs_logistic(ds, kwargs, dtype, steps)
    theirs, opt_theirs, losses_theirs = _lbfgs_logistic(torch, kwargs, dtype, steps)
    for p, q in zip(ours, theirs, strict=True):
        assert p.dtype == q.detach().numpy().dtype
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(losses_ours, losses_theirs, rtol=rtol)
    _same_state(opt_ours.state[id(ours[0])], opt_theirs.state[theirs[0]], rtol=100 * rtol, atol=rtol)
    if dtype == np.float64:
        assert losses_ours[-1] < 0.5 * losses_ours[0]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_state_dict_round_trip_continues_identically(line_search_fn):
    kwargs = {"max_iter": 3, "history_size": 4, "line_search_fn": line_search_fn}
    straight, _, losses = _lbfgs_logistic(ds, kwargs, np.float64, 5)
    resumed, _, losses_resumed = _lbfgs_logistic(ds, kwargs, np.float64, 5, resume_at=2)
    for a, b in zip(straight, resumed, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert losses == losses_resumed


def test_lbfgs_state_dict_is_a_copy():
    _, opt, _ = _lbfgs_logistic(ds, {"max_iter": 3}, np.float64, 2)
    saved = opt.state_dict()["state"][0]
    saved["old_dirs"][0][...] = 0
    saved["old_dirs"].clear()
    assert len(opt.state[id(opt.param_groups[0]["params"][0])]["old_dirs"]) > 0
    assert np.abs(opt.state[id(opt.param_groups[0]["params"][0])]["old_dirs"][0]).max() > 0


def test_lbfgs_stops_at_once_at_a_stationary_point():
    """A zero gradient: the first evaluation returns, and the state holds only the counters (torch's)."""
    for lib in (ds, torch):
        x = lib.tensor(np.array([1.0, 1.0]), requires_grad=True)
        opt = lib.optim.LBFGS([x])

        def closure(opt=opt, x=x):
            opt.zero_grad()
            loss = _rosenbrock(x)
            loss.backward()
            return loss

        assert float(opt.step(closure).detach()) == 0.0
        state = opt.state_dict()["state"][0]
        assert {k: int(v) for k, v in state.items()} == {"func_evals": 1, "n_iter": 0}


def test_lbfgs_errors_are_torchs():
    for lib in (ds, torch):
        a = lib.zeros(2, requires_grad=True)
        b = lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError):
            lib.optim.LBFGS([a], lr=-1.0)
        with pytest.raises(ValueError):
            lib.optim.LBFGS([a], lr=math.nan)
        with pytest.raises(ValueError):
            lib.optim.LBFGS([{"params": [a]}, {"params": [b], "lr": 0.1}])
        opt = lib.optim.LBFGS([a], line_search_fn="armijo")

        def closure(opt=opt, a=a):
            opt.zero_grad()
            loss = ((a - 1) ** 2).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError):
            opt.step(closure)
        with pytest.raises(TypeError):
            opt.step()


def test_lbfgs_defaults_are_torchs():
    ours = optim.LBFGS([ds.zeros(2, requires_grad=True)], max_iter=8).param_groups[0]
    theirs = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], max_iter=8).param_groups[0]
    assert {k: v for k, v in ours.items() if k != "params"} == {
        k: v for k, v in theirs.items() if k != "params"
    }
    assert ours["max_eval"] == 10


def test_lbfgs_closure_runs_with_gradients_on_inside_no_grad():
    x = ds.tensor(np.array([-1.0, 1.5]), requires_grad=True)
    opt = optim.LBFGS([x], max_iter=3)

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(x)
        loss.backward()
        return loss

    with ds.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(_rosenbrock(ds.tensor([-1.0, 1.5])).item())
    assert not np.array_equal(x.numpy(), [-1.0, 1.5])


# ----- Rprop and ASGD ---------------------------------------------------------------------------------
STEPS = 25
SHAPES = [(4, 3), (3,), ()]
CONFIGS = [
    ("Rprop", {}),
    ("Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.05, "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.1, "t0": 0, "maximize": True}),
]


def _run_both(name, kwargs, dtype, two_groups=False, closure=False):
    rng = np.random.default_rng(0)
    start = [np.array(rng.standard_normal(s), dtype=dtype) for s in SHAPES]
    # gradients that keep their sign for a while and flip sometimes, as Rprop's step sizes need
    grads = [[np.array(rng.standard_normal(s) + 0.5, dtype=dtype) for s in SHAPES] for _ in range(STEPS)]
    for step_grads in grads[::4]:
        step_grads[0] *= -1
    grads[3][1][...] = 0  # sign products of exactly 0
    ours = [ds.Tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]

    def groups(params):
        lr = kwargs.get("lr", 0.01)
        return [{"params": params[:2]}, {"params": params[2:], "lr": lr / 10}] if two_groups else params

    opt_ours = getattr(optim, name)(groups(ours), **kwargs)
    opt_theirs = getattr(torch.optim, name)(groups(theirs), **kwargs)
    for step_grads in grads:
        for p, q, g in zip(ours, theirs, step_grads, strict=True):
            p.grad = ds.Tensor(g.copy())
            q.grad = torch.from_numpy(g.copy())
        if closure:
            assert opt_ours.step(lambda: 1.5) == opt_theirs.step(lambda: 1.5) == 1.5
        else:
            assert opt_ours.step() is None
            opt_theirs.step()
    return ours, theirs, opt_ours, opt_theirs


def _assert_same(ours, theirs, opt_ours, opt_theirs, rtol, atol):
    for p, q in zip(ours, theirs, strict=True):
        assert p.dtype == q.detach().numpy().dtype
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=rtol, atol=atol)
        _same_state(opt_ours.state[id(p)], opt_theirs.state[q], rtol, atol)
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt_ours.param_groups]
    assert groups == [{k: v for k, v in g.items() if k != "params"} for g in opt_theirs.param_groups]


@pytest.mark.parametrize("two_groups", [False, True], ids=["one group", "two groups"])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=str)
def test_float64_matches_torch(name, kwargs, two_groups):
    _assert_same(*_run_both(name, kwargs, np.float64, two_groups), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=str)
def test_float32_matches_torch(name, kwargs):
    _assert_same(*_run_both(name, kwargs, np.float32), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_step_returns_the_closures_loss(name):
    _assert_same(*_run_both(name, {}, np.float64, closure=True), rtol=1e-12, atol=1e-14)


def test_asgd_scalars_are_kept_as_torch_keeps_them():
    """eta and mu live in float32 unless the default dtype is float64 (torch's scalar dtype)."""
    ours, theirs, opt_ours, opt_theirs = _run_both("ASGD", {"lr": 0.3, "t0": 3}, np.float64)
    state = opt_ours.state[id(ours[0])]
    assert state["eta"] == opt_theirs.state[theirs[0]]["eta"].item()
    assert state["eta"] == float(np.float32(state["eta"]))


def test_asgd_scalars_are_float64_under_a_float64_default():
    ds.set_default_dtype(np.float64)
    torch.set_default_dtype(torch.float64)
    try:
        ours, theirs, opt_ours, opt_theirs = _run_both("ASGD", {"lr": 0.3, "t0": 3}, np.float64)
    finally:
        ds.set_default_dtype(np.float32)
        torch.set_default_dtype(torch.float32)
    state = opt_ours.state[id(ours[0])]
    assert state["eta"] == opt_theirs.state[theirs[0]]["eta"].item()
    assert state["eta"] != float(np.float32(state["eta"]))
    _assert_same(ours, theirs, opt_ours, opt_theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=str)
def test_state_dict_round_trip_mid_run_continues_identically(name, kwargs):
    rng = np.random.default_rng(1)
    start = [np.array(rng.standard_normal(s)) for s in SHAPES]
    grads = [[np.array(rng.standard_normal(s)) for s in SHAPES] for _ in range(10)]

    def train(resume_at=None):
        params = [ds.Tensor(a.copy(), requires_grad=True) for a in start]
        opt = getattr(optim, name)(params, **kwargs)
        for step, step_grads in enumerate(grads):
            if step == resume_at:
                saved = opt.state_dict()
                params = [ds.Tensor(p.numpy().copy(), requires_grad=True) for p in params]
                opt = getattr(optim, name)(params, **kwargs)
                opt.load_state_dict(saved)
            for p, g in zip(params, step_grads, strict=True):
                p.grad = ds.Tensor(g.copy())
            opt.step()
        return [p.numpy() for p in params]

    for a, b in zip(train(), train(resume_at=5), strict=True):
        np.testing.assert_array_equal(a, b)


BAD = [
    ("Rprop", {"lr": -0.1}),
    ("Rprop", {"lr": math.nan}),
    ("Rprop", {"etas": (1.0, 1.2)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
    ("Rprop", {"etas": (0.5, 1.0)}),
    ("ASGD", {"lr": -0.1}),
    ("ASGD", {"weight_decay": -0.1}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD, ids=str)
def test_bad_arguments_raise_what_torch_raises(name, kwargs):
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError):
        getattr(optim, name)([ds.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_each_trains_a_small_regression(name):
    """Full-batch least squares on 64 points: 100 steps take the loss below a tenth of its start."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype=np.float32)
    model = nn.Linear(4, 1)
    opt = getattr(optim, name)(model.parameters(), lr=0.05)
    losses = []
    for _ in range(100):
        opt.zero_grad()
        loss = F.mse_loss(model(ds.Tensor(x)), ds.Tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0], losses[::10]


# ----- swa_utils ----------------------------------------------------------------------------------------
def _mlps(seed=0):
    """The same small MLP with batch norm in deepstep and in torch."""
    ours = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
    )
    _randomise(ours, theirs, np.random.default_rng(seed))
    return ours, theirs


def _randomise(ours, theirs, rng):
    """New random weights and batch-norm statistics, the same in both models (an epoch of training)."""
    state = {}
    for name, value in ours.state_dict().items():
        if value.dtype.kind == "f":
            value = rng.standard_normal(value.shape).astype(value.dtype)
            if name.endswith("running_var"):
                value = np.abs(value) + 0.1
        else:
            value = np.array(rng.integers(0, 50), dtype=value.dtype)
        state[name] = value
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})


def _same_models(ours, theirs, rtol=1e-6, atol=1e-7):
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(torchs)
    for key, value in torchs.items():
        assert mine[key].dtype == value.numpy().dtype, key
        np.testing.assert_allclose(mine[key], value.numpy(), rtol=rtol, atol=atol, err_msg=key)


AVERAGING = [
    ("swa", {}),
    ("swa buffers", {"use_buffers": True}),
    ("ema", {"avg_fn": "ema"}),
    ("ema multi buffers", {"multi_avg_fn": "ema multi", "use_buffers": True}),
    ("swa multi", {"multi_avg_fn": "swa multi"}),
]


def _functions(lib, kwargs):
    utils = swa_utils if lib is ds else torch.optim.swa_utils
    makers = {
        "ema": lambda: utils.get_ema_avg_fn(0.8),
        "ema multi": lambda: utils.get_ema_multi_avg_fn(0.8),
        "swa multi": utils.get_swa_multi_avg_fn,
    }
    return {k: makers[v]() if isinstance(v, str) else v for k, v in kwargs.items()}


@pytest.mark.parametrize(("label", "kwargs"), AVERAGING, ids=[a[0] for a in AVERAGING])
def test_averaged_model_matches_torch(label, kwargs):
    ours, theirs = _mlps()
    avg_ours = swa_utils.AveragedModel(ours, **_functions(ds, kwargs))
    avg_theirs = torch.optim.swa_utils.AveragedModel(theirs, **_functions(torch, kwargs))
    _same_models(avg_ours, avg_theirs)  # the copy, before any update
    rng = np.random.default_rng(1)
    for _ in range(5):
        avg_ours.update_parameters(ours)
        avg_theirs.update_parameters(theirs)
        _randomise(ours, theirs, rng)
    _same_models(avg_ours, avg_theirs)
    assert int(avg_ours.n_averaged) == 5
    x = np.random.default_rng(2).standard_normal((6, 4)).astype(np.float32)
    avg_ours.eval()
    avg_theirs.eval()
    with torch.no_grad():
        expected = avg_theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(avg_ours(ds.Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_averaged_model_is_a_copy_and_averages_uniformly():
    model = nn.Linear(3, 2)
    averaged = swa_utils.AveragedModel(model)
    assert averaged.module.weight is not model.weight
    seen = []
    for value in (1.0, 2.0, 6.0):
        model.weight.data[...] = value
        averaged.update_parameters(model)
        seen.append(value)
        np.testing.assert_allclose(averaged.module.weight.numpy(), np.mean(seen))
    loaded = swa_utils.AveragedModel(model)
    loaded.load_state_dict(averaged.state_dict())
    assert int(loaded.n_averaged) == 3


def test_averaging_function_errors_are_torchs():
    for utils, model in ((swa_utils, nn.Linear(2, 2)), (torch.optim.swa_utils, torch.nn.Linear(2, 2))):
        with pytest.raises(ValueError):
            utils.get_ema_avg_fn(1.5)
        with pytest.raises(ValueError):
            utils.get_ema_multi_avg_fn(-0.1)
        with pytest.raises(AssertionError):
            utils.AveragedModel(
                model, avg_fn=utils.get_swa_avg_fn(), multi_avg_fn=utils.get_swa_multi_avg_fn()
            )


@pytest.mark.parametrize("batches_as_tuples", [False, True])
def test_update_bn_matches_torch(batches_as_tuples):
    ours, theirs = _mlps()
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((n, 4)).astype(np.float32) * 3 + 1 for n in (5, 7, 4)]
    if batches_as_tuples:
        loader_ours = [(ds.Tensor(b), ds.zeros(len(b))) for b in batches]
        loader_theirs = [(torch.from_numpy(b), torch.zeros(len(b))) for b in batches]
    else:
        loader_ours = [ds.Tensor(b) for b in batches]
        loader_theirs = [torch.from_numpy(b) for b in batches]
    swa_utils.update_bn(loader_ours, ours)
    torch.optim.swa_utils.update_bn(loader_theirs, theirs)
    _same_models(ours, theirs, rtol=1e-5, atol=1e-6)
    assert not ours.training and not ours[1].training  # the mode is put back
    assert ours[1].momentum == theirs[1].momentum == 0.1
    assert int(ours[1].num_batches_tracked) == 3


def test_update_bn_on_an_averaged_model_after_swa_training():
    """The SWA recipe end to end: train, average, recompute the statistics, all as torch does."""
    ours, theirs = _mlps(seed=5)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = rng.standard_normal((32, 2)).astype(np.float32)
    avg_ours, avg_theirs = swa_utils.AveragedModel(ours), torch.optim.swa_utils.AveragedModel(theirs)
    opt_ours = optim.SGD(ours.parameters(), lr=0.05)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.05)
    sched_ours = swa_utils.SWALR(opt_ours, swa_lr=0.01, anneal_epochs=2)
    sched_theirs = torch.optim.swa_utils.SWALR(opt_theirs, swa_lr=0.01, anneal_epochs=2)
    for _ in range(4):
        for start in range(0, 32, 8):
            opt_ours.zero_grad()
            F.mse_loss(ours(ds.Tensor(x[start : start + 8])), ds.Tensor(y[start : start + 8])).backward()
            opt_ours.step()
            opt_theirs.zero_grad()
            torch.nn.functional.mse_loss(
                theirs(torch.from_numpy(x[start : start + 8])), torch.from_numpy(y[start : start + 8])
            ).backward()
            opt_theirs.step()
        avg_ours.update_parameters(ours)
        avg_theirs.update_parameters(theirs)
        sched_ours.step()
        sched_theirs.step()
        assert sched_ours.get_last_lr() == pytest.approx(sched_theirs.get_last_lr(), rel=1e-12)
    loader = [x[i : i + 8] for i in range(0, 32, 8)]
    swa_utils.update_bn([ds.Tensor(b) for b in loader], avg_ours)
    torch.optim.swa_utils.update_bn([torch.from_numpy(b) for b in loader], avg_theirs)
    _same_models(avg_ours, avg_theirs, rtol=1e-4, atol=1e-5)


def _swalr_rates(lib, kwargs, epochs=14, lrs=(0.5, 0.2)):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    opt = lib.optim.SGD([{"params": [params[0]], "lr": lrs[0]}, {"params": [params[1]], "lr": lrs[1]}])
    utils = swa_utils if lib is ds else torch.optim.swa_utils
    scheduler = utils.SWALR(opt, **kwargs)
    rates = [scheduler.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr())
    return rates, scheduler


SWALR_CONFIGS = [
    {"swa_lr": 0.05},
    {"swa_lr": 0.05, "anneal_strategy": "linear", "anneal_epochs": 4},
    {"swa_lr": [0.05, 0.3], "anneal_epochs": 3},
    {"swa_lr": 0.05, "anneal_epochs": 0},
    {"swa_lr": 0.05, "anneal_epochs": 1, "anneal_strategy": "linear"},
]


@pytest.mark.parametrize("kwargs", SWALR_CONFIGS, ids=str)
def test_swalr_matches_torch(kwargs):
    ours, scheduler = _swalr_rates(ds, kwargs)
    theirs, _ = _swalr_rates(torch, kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[-1] == pytest.approx(
        kwargs["swa_lr"] if isinstance(kwargs["swa_lr"], list) else [kwargs["swa_lr"]] * 2
    )
    saved = scheduler.state_dict()
    assert "anneal_func" not in saved and "optimizer" not in saved


def test_swalr_state_dict_round_trip():
    _, scheduler = _swalr_rates(ds, {"swa_lr": 0.05, "anneal_strategy": "linear"}, epochs=3)
    _, twin = _swalr_rates(ds, {"swa_lr": 0.05}, epochs=0)
    twin.load_state_dict(scheduler.state_dict())
    assert twin.anneal_func(0.25) == 0.25  # linear again, as saved
    assert twin.last_epoch == scheduler.last_epoch == 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": 0.05, "anneal_strategy": "exp"},
        {"swa_lr": 0.05, "anneal_epochs": -1},
        {"swa_lr": 0.05, "anneal_epochs": 2.5},
        {"swa_lr": [0.05]},
    ],
    ids=str,
)
def test_swalr_errors_are_torchs(kwargs):
    for lib in (ds, torch):
        utils = swa_utils if lib is ds else torch.optim.swa_utils
        params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
        opt = lib.optim.SGD([{"params": [params[0]]}, {"params": [params[1]]}], lr=0.1)
        with pytest.raises(ValueError):
            utils.SWALR(opt, **kwargs)


def test_batch_norm_with_momentum_none_keeps_torchs_cumulative_average():
    """momentum=None (what update_bn sets): the running statistics are the plain mean over batches."""
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    rng = np.random.default_rng(7)
    for n in (4, 6, 5):
        x = rng.standard_normal((n, 3)).astype(np.float32) * 2 + 1
        np.testing.assert_allclose(
            ours(ds.Tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
        )
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name).numpy(), rtol=1e-6)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(ds.Tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_lbfgs_counts_a_parameter_without_gradient_as_zero_gradient():
    """A parameter the loss does not use keeps its value, in deepstep as in torch."""
    results = []
    for lib in (ds, torch):
        used = lib.tensor(np.array([2.0, -1.0]), requires_grad=True)
        unused = lib.tensor(np.array([5.0]), requires_grad=True)
        opt = lib.optim.LBFGS([used, unused], line_search_fn="strong_wolfe")

        def closure(opt=opt, used=used):
            opt.zero_grad()
            loss = ((used - 3) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        results.append((used.detach().numpy().copy(), unused.detach().numpy().copy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][0], [3.0, 3.0], rtol=1e-9)
    assert results[0][1] == results[1][1] == 5.0


def test_complex_parameters_are_pairs_of_real_ones_as_in_torch():
    """Rprop and L-BFGS see a complex parameter as its (re, im) pairs (torch.view_as_real): Rprop's
    signs and step sizes, and L-BFGS's flat vector, are per real component."""
    rng = np.random.default_rng(8)
    start = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    target = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    for name, kwargs in (("Rprop", {"lr": 0.1}), ("LBFGS", {"line_search_fn": "strong_wolfe"})):
        results = []
        for lib in (ds, torch):
            z = lib.tensor(start.copy(), requires_grad=True)
            opt = getattr(lib.optim, name)([z], **kwargs)
            goal = lib.tensor(target)

            def closure(opt=opt, z=z, goal=goal):
                opt.zero_grad()
                diff = z - goal
                loss = (diff.real**2 + 3 * diff.imag**2).sum()
                loss.backward()
                return loss

            for _ in range(5):
                opt.step(closure)
            results.append((z.detach().numpy().copy(), opt))
        (ours, opt_ours), (theirs, opt_theirs) = results
        assert ours.dtype == theirs.dtype == np.complex128
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=name)
        mine = opt_ours.state_dict()["state"][0]
        _same_state(mine, opt_theirs.state_dict()["state"][0], rtol=1e-8, atol=1e-10)
        if name == "LBFGS":
            np.testing.assert_allclose(ours, target, atol=1e-4)  # to tolerance_change
            twin = optim.LBFGS([ds.tensor(ours, requires_grad=True)], **kwargs)
            twin.load_state_dict(opt_ours.state_dict())
            assert twin.state[id(twin.param_groups[0]["params"][0])]["d"].dtype == np.float64
