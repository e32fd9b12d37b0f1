"""Optimizers and schedules match torch.optim step for step (float64, 100 steps)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.optim as optim

STEPS = 100

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.9}),  # the notes' m ← βm + (1 − β)g
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.05}),
]


def _run_both(name, kwargs, schedule=None):
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (3,)]
    start = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(STEPS)]

    ours = [ds.Tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt_ours = getattr(optim, name)(ours, **kwargs)
    opt_theirs = getattr(torch.optim, name)(theirs, **kwargs)
    sched_ours = sched_theirs = None
    if schedule is not None:
        sched_ours, sched_theirs = schedule(opt_ours, opt_theirs)
    for step in range(STEPS):
        for p, q, g in zip(ours, theirs, grads[step], strict=True):
            p.grad = ds.Tensor(g.copy())
            q.grad = torch.from_numpy(g.copy())
        opt_ours.step()
        opt_theirs.step()
        if schedule is not None:
            sched_ours.step()
            sched_theirs.step()
            assert sched_ours.get_last_lr() == pytest.approx(sched_theirs.get_last_lr(), rel=1e-12)
    return ours, theirs


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=lambda c: str(c))
def test_optimizer_matches_torch(name, kwargs):
    ours, theirs = _run_both(name, kwargs)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-9)


SCHEDULES = {
    "StepLR": lambda a, b: (optim.StepLR(a, 7, 0.5), torch.optim.lr_scheduler.StepLR(b, 7, 0.5)),
    "ExponentialLR": lambda a, b: (
        optim.ExponentialLR(a, 0.97),
        torch.optim.lr_scheduler.ExponentialLR(b, 0.97),
    ),
    "CosineAnnealingLR": lambda a, b: (
        optim.CosineAnnealingLR(a, T_max=30, eta_min=1e-4),
        torch.optim.lr_scheduler.CosineAnnealingLR(b, T_max=30, eta_min=1e-4),
    ),
    "InverseTimeLR": lambda a, b: (
        optim.InverseTimeLR(a, decay=0.1),
        torch.optim.lr_scheduler.LambdaLR(b, lambda t: 1 / (1 + 0.1 * t)),
    ),
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_schedules_match_torch(schedule, name):
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.05}
    ours, theirs = _run_both(name, kwargs, SCHEDULES[schedule])
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-9)


def test_inverse_time_meets_the_stochastic_approximation_conditions():
    opt = optim.SGD([ds.zeros(1, requires_grad=True)], lr=1.0)
    schedule = optim.InverseTimeLR(opt, decay=1.0)
    rates = []
    for _ in range(100_000):
        rates.append(schedule.get_last_lr()[0])
        schedule.step()
    rates = np.array(rates)
    # Σε grows like log t without bound; Σε² stays below π²/6
    assert rates.sum() > math.log(100_000) and (rates**2).sum() < math.pi**2 / 6


def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(7) * 5]
    ours = [ds.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    for p, q, a in zip(ours, theirs, arrays, strict=True):
        p.grad, q.grad = ds.Tensor(a.copy()), torch.from_numpy(a.copy())
    for norm_type in (2.0, 1.0, float("inf")):
        total = optim.clip_grad_norm_(ours, 1.5, norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
        assert total.item() == pytest.approx(expected.item(), rel=1e-9)
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9)


def test_parameter_groups_and_state_dict_round_trip():
    w, b = ds.randn(3, requires_grad=True, seed=0), ds.randn(1, requires_grad=True, seed=1)
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.01)
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.5]
    for _ in range(3):
        w.grad, b.grad = ds.ones(3), ds.ones(1)
        opt.step()
    saved = opt.state_dict()
    w2, b2 = ds.Tensor(w.numpy().copy(), requires_grad=True), ds.Tensor(b.numpy().copy(), requires_grad=True)
    opt2 = optim.Adam([{"params": [w2]}, {"params": [b2], "lr": 0.5}], lr=0.01)
    opt2.load_state_dict(saved)
    for p, q in ((w, w2), (b, b2)):
        p.grad = q.grad = ds.ones(p.shape)
    opt.step()
    opt2.step()
    np.testing.assert_array_equal(w.numpy(), w2.numpy())
    np.testing.assert_array_equal(b.numpy(), b2.numpy())


def test_bad_optimizer_arguments():
    p = ds.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([ds.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))


def test_zero_grad():
    p = ds.zeros(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_state_that_decays_into_subnormal_floats_is_flushed_to_zero(name):
    p = ds.Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    kwargs = {"lr": 1e-3, "momentum": 0.5} if name == "SGD" else {"lr": 1e-3}
    opt = getattr(optim, name)([p], **kwargs)
    p.grad = ds.Tensor(np.full(4, 1e-3, dtype=np.float32))
    opt.step()
    p.grad = ds.Tensor(np.zeros(4, dtype=np.float32))  # from now on the averages only decay
    tiny = np.finfo(np.float32).tiny
    for _ in range(3000):
        opt.step()
        for value in opt.state[id(p)].values():
            if isinstance(value, np.ndarray) and opt._steps % opt.flush_every == 0:
                assert not np.any((np.abs(value) < tiny) & (value != 0))


# ----- the compiled update ----------------------------------------------------------------------------
COMPILED_CONFIGS = [
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True}),
]


def _train(name, kwargs, dtype, steps=30):
    """Parameters after `steps` steps on fixed random gradients (several shapes, a scalar's among them,
    one parameter strided: that one stays on the NumPy path)."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((4, 3), (3,), (2, 2, 2), ())]
    arrays.append(rng.standard_normal((3, 4)).astype(dtype).T)
    params = [ds.Tensor(a, requires_grad=True) for a in arrays]
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            p.grad = ds.Tensor(rng.standard_normal(p.shape).astype(dtype))
        opt.step()
    return [p.numpy().copy() for p in params]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), COMPILED_CONFIGS, ids=lambda c: str(c))
def test_compiled_update_equals_the_numpy_path_bit_for_bit(monkeypatch, name, kwargs, dtype):
    from deepstep.optim import kernels
    from kernel_paths import numpy_paths

    if kernels.kernels() is None:
        pytest.skip("numba is not installed")
    compiled = _train(name, kwargs, dtype)
    numpy_paths(monkeypatch)
    reference = _train(name, kwargs, dtype)
    for a, b in zip(compiled, reference, strict=True):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)


def test_adams_shared_constants_follow_each_groups_settings_and_each_step():
    """Adam makes its per-step constants once for all the parameters that share them: two groups that
    differ in their learning rates only (one a tensor written in place between steps) each move by
    their own, step after step."""
    lr = ds.tensor(0.1)
    groups = [ds.nn.Parameter(ds.tensor(np.ones(3, np.float32))) for _ in range(4)]
    opt = ds.optim.Adam([{"params": groups[:2], "lr": lr}, {"params": groups[2:], "lr": 0.02}])
    for rate in (0.1, 0.0, 0.05):
        lr.data[...] = rate
        before = [p.data.copy() for p in groups]
        for p in groups:
            p.grad = ds.tensor(np.ones(3, np.float32))  # (a constant gradient: Adam moves by lr)
        opt.step()
        for p, old, expected in zip(groups, before, (rate, rate, 0.02, 0.02), strict=True):
            np.testing.assert_allclose(old - p.data, expected, rtol=1e-4, atol=1e-7)
