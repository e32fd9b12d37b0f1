"""deepstep.optim.lr_scheduler against torch.optim.lr_scheduler: the same rates (and cycled momenta)
step by step on two parameter groups, the same compositions, state-dict round trips mid-run, and the
same exceptions for bad arguments. One factory builds both sides: the classes share their signatures."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import deepstep as ds
from deepstep.optim import lr_scheduler

STEPS = 40
REL = 1e-12


def _optimizers(kind: str = "sgd"):
    """A deepstep and a torch optimizer over two parameter groups with different rates."""
    ours = [ds.zeros(3, requires_grad=True), ds.zeros(2, requires_grad=True)]
    theirs = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    if kind == "sgd":
        return tuple(
            module.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)
            for module, (a, b) in ((ds.optim, ours), (torch.optim, theirs))
        )
    return tuple(
        module.Adam([{"params": [a]}, {"params": [b], "lr": 0.002}], lr=0.01, betas=(0.9, 0.99))
        for module, (a, b) in ((ds.optim, ours), (torch.optim, theirs))
    )


def _record(optimizer, scheduler) -> list[float]:
    """Everything a scheduler sets: get_last_lr(), the groups' rates and momenta or β₁."""
    row = [float(lr) for lr in scheduler.get_last_lr()]
    for group in optimizer.param_groups:
        row.append(float(group["lr"]))
        row.append(float(group["betas"][0] if "betas" in group else group["momentum"]))
    return row


def _assert_close(ours, theirs) -> None:
    assert np.shape(ours) == np.shape(theirs)
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(theirs, float), rtol=REL, atol=0)


def _drive(opt, scheduler, steps: int = STEPS, stepper=None) -> list[list[float]]:
    rows = [_record(opt, scheduler)]
    for t in range(steps):
        opt.step()
        (stepper or (lambda s, _t: s.step()))(scheduler, t)
        rows.append(_record(opt, scheduler))
    return rows


def _both(make, kind: str = "sgd", steps: int = STEPS):
    """The rows of deepstep's and torch's scheduler, made by make(module, optimizer)."""
    ours_opt, torch_opt = _optimizers(kind)
    ours = make(lr_scheduler, ours_opt)
    theirs = make(torch.optim.lr_scheduler, torch_opt)
    return _drive(ours_opt, ours, steps), _drive(torch_opt, theirs, steps), ours, theirs


class Halves:
    """A callable object: its attribute travels in the state dict, unlike a lambda."""

    def __init__(self) -> None:
        self.rate = 0.5

    def __call__(self, t: int) -> float:
        return self.rate ** (t // 10)


SCHEDULES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda t: 1 / (1 + 0.3 * t)),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda t: 0.9**t, lambda t: 1 + math.sin(t)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda t: 0.95 if t % 3 else 1.02),
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=11),
    "LinearLR-down": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=30),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=25, power=2.0),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),  # over 2 periods
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=6, eta_min=1e-3),
    "CosineAnnealingWarmRestarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS),
    "OneCycleLR-linear": lambda m, o: m.OneCycleLR(
        o, max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=10, anneal_strategy="linear", pct_start=0.25
    ),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, total_steps=STEPS, three_phase=True, div_factor=10.0, final_div_factor=100.0
    ),
    "OneCycleLR-fixed-momentum": lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, total_steps=45, cycle_momentum=False, base_momentum=[0.8, 0.7]
    ),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3, step_size_down=5, mode="triangular2"
    ),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.97, max_momentum=0.95
    ),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(
        o,
        0.01,
        0.1,
        step_size_up=4,
        scale_fn=lambda x: 1 / (1 + x),
        scale_mode="iterations",
        cycle_momentum=False,
    ),
}


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_rates_and_momenta_match_torch(name, kind):
    ours, theirs, ours_sched, theirs_sched = _both(SCHEDULES[name], kind)
    _assert_close(ours, theirs)
    assert ours_sched.last_epoch == theirs_sched.last_epoch == STEPS
    _assert_close(ours_sched.base_lrs, theirs_sched.base_lrs)


def test_every_torch_scheduler_is_here_under_its_name():
    for name in torch.optim.lr_scheduler.__all__:
        assert getattr(ds.optim.lr_scheduler, name) is getattr(ds.optim, name), name
    assert ds.optim.lr_scheduler.InverseTimeLR is ds.optim.InverseTimeLR


def test_inverse_time_is_a_closed_form_lambda():
    ours, theirs, *_ = _both(
        lambda m, o: (
            m.InverseTimeLR(o, decay=0.3) if m is lr_scheduler else m.LambdaLR(o, lambda t: 1 / (1 + 0.3 * t))
        )
    )
    _assert_close(ours, theirs)


# ----- compositions: where the chainable form matters -------------------------------------------
class _Both:
    """Two schedulers on one optimizer, stepped one after the other, as PyTorch allows."""

    def __init__(self, first, second) -> None:
        self.first, self.second = first, second

    def step(self) -> None:
        self.first.step()
        self.second.step()

    def get_last_lr(self):
        return self.second.get_last_lr()


COMPOSITIONS = {
    "two-schedulers": lambda m, o: _Both(m.ExponentialLR(o, 0.9), m.StepLR(o, 5, 0.5)),
    "cosine-and-multistep": lambda m, o: _Both(
        m.CosineAnnealingLR(o, T_max=8, eta_min=0.01), m.MultiStepLR(o, [6, 13], 0.5)
    ),
    "linear-and-polynomial": lambda m, o: _Both(
        m.LinearLR(o, 0.1, total_iters=6), m.PolynomialLR(o, 30, 1.5)
    ),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)], milestones=[5]
    ),
    "SequentialLR-three": lambda m, o: m.SequentialLR(
        o,
        [m.ConstantLR(o, 0.5, total_iters=4), m.ExponentialLR(o, 0.9), m.StepLR(o, 3, 0.7)],
        milestones=[6, 20],
    ),
    "SequentialLR-multiplicative": lambda m, o: m.SequentialLR(
        o, [m.MultiplicativeLR(o, lambda t: 0.9), m.PolynomialLR(o, 15, 2.0)], milestones=[10]
    ),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=3), m.ExponentialLR(o, gamma=0.9)]
    ),
    "ChainedScheduler-with-SequentialLR": lambda m, o: m.ChainedScheduler(
        [
            m.SequentialLR(o, [m.LinearLR(o, 0.2, total_iters=4), m.ExponentialLR(o, 0.95)], [4]),
            m.MultiStepLR(o, [10, 25], 0.5),
        ],
        optimizer=o,
    ),
}


@pytest.mark.parametrize("name", sorted(COMPOSITIONS))
def test_compositions_match_torch(name):
    ours, theirs, *_ = _both(COMPOSITIONS[name])
    _assert_close(ours, theirs)


def test_sequential_lr_keeps_last_epoch_as_torch():
    *_, ours_sched, theirs_sched = _both(COMPOSITIONS["SequentialLR-three"])
    assert ours_sched.last_epoch == theirs_sched.last_epoch
    assert [s.last_epoch for s in ours_sched._schedulers] == [s.last_epoch for s in theirs_sched._schedulers]


# ----- step(epoch): the closed forms, and fractional epochs for warm restarts ----------------------
@pytest.mark.parametrize(
    "name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "LambdaLR"]
)
def test_step_with_an_epoch_uses_the_closed_form(name):
    epochs = [3, 17, 4, 29, 29, 0, 11]

    def jump(scheduler, t):
        with pytest.warns(UserWarning, match="epoch parameter"):
            scheduler.step(epochs[t])

    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers(), strict=True):
        rows.append(_drive(opt, SCHEDULES[name](module, opt), len(epochs), jump))
    _assert_close(*rows)


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_at_fractional_epochs(T_mult):
    epochs = [0.5, 1.0, 1.7, 2.99, 3.0, 12.3, 4.25, 40.5, 0.0, 7.75, 21.0, 2.0]

    def at(scheduler, t):
        scheduler.step(epochs[t])

    rows, schedulers = [], []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers(), strict=True):
        schedulers.append(module.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=T_mult, eta_min=0.001))
        rows.append(_drive(opt, schedulers[-1], len(epochs), at))
    _assert_close(*rows)
    ours, theirs = schedulers
    assert (ours.last_epoch, ours.T_i) == (theirs.last_epoch, theirs.T_i)
    assert ours.T_cur == pytest.approx(theirs.T_cur, rel=REL)


def test_warm_restarts_batch_by_batch_then_by_epoch():
    """The SGDR loop: step(epoch + i / batches) after each batch, then plain step()s."""
    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers(), strict=True):
        scheduler = module.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        for epoch in range(5):
            for i in range(4):
                opt.step()
                scheduler.step(epoch + i / 4)
        rows.append(_drive(opt, scheduler, 10))
    _assert_close(*rows)


# ----- ReduceLROnPlateau -------------------------------------------------------------------------
METRICS = [
    1.0, 0.9, 0.8999, 0.91, 0.95, 0.9, 0.92, 0.93, 0.85, 0.86,
    0.87, 0.88, 0.849, 0.86, 0.87, 0.84, 0.8, 0.9, 0.9, 0.9,
    0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
]  # fmt: skip

PLATEAUS = {
    "min-rel": {"patience": 2},
    "min-rel-threshold": {"patience": 1, "threshold": 0.05},
    "min-abs-cooldown": {"patience": 1, "threshold_mode": "abs", "threshold": 0.01, "cooldown": 2},
    "max-rel": {"mode": "max", "patience": 0, "factor": 0.5},
    "max-abs": {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.02, "factor": 0.3},
    "min_lr-per-group": {"patience": 0, "factor": 0.5, "min_lr": [0.02, 0.004]},
    "min_lr-eps": {"patience": 0, "factor": 0.5, "min_lr": 0.011, "eps": 1e-3},
}


@pytest.mark.parametrize("name", sorted(PLATEAUS))
def test_reduce_on_plateau_matches_torch(name):
    rows, schedulers = [], []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers(), strict=True):
        schedulers.append(module.ReduceLROnPlateau(opt, **PLATEAUS[name]))
        rows.append(_drive(opt, schedulers[-1], len(METRICS), lambda s, t: s.step(METRICS[t])))
    _assert_close(*rows)
    assert len({tuple(row[:2]) for row in rows[0]}) > 2, "the rate was never reduced twice"
    ours, theirs = schedulers
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours, key) == getattr(theirs, key), key


def test_reduce_on_plateau_reaches_min_lr_and_stays():
    opt, _ = _optimizers()
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5, min_lr=[0.02, 0.004])
    for _ in range(20):
        scheduler.step(ds.tensor(1.0))  # a 0-d tensor, as a loss is
    assert scheduler.get_last_lr() == [0.02, 0.004]


def test_reduce_on_plateau_takes_the_new_groups_default_min_lr():
    opt, torch_opt = _optimizers()
    ours = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=0.001)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, patience=0, min_lr=0.001)
    opt.add_param_group({"params": [ds.zeros(1, requires_grad=True)], "lr": 0.5})
    torch_opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
    for metric in (1.0, 2.0, 3.0):
        ours.step(metric)
        theirs.step(metric)
    _assert_close(ours.get_last_lr(), theirs.get_last_lr())


# ----- state dicts: a scheduler resumed mid-run continues identically -------------------------------
RESUMABLE = {
    **SCHEDULES,
    **{name: COMPOSITIONS[name] for name in ("SequentialLR", "SequentialLR-three", "ChainedScheduler")},
    "ReduceLROnPlateau": lambda m, o: m.ReduceLROnPlateau(o, patience=1, cooldown=1, factor=0.5),
}


def _step(scheduler, t):
    if isinstance(scheduler, (lr_scheduler.ReduceLROnPlateau, torch.optim.lr_scheduler.ReduceLROnPlateau)):
        scheduler.step(METRICS[t % len(METRICS)])
    else:
        scheduler.step()


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_state_dict_round_trip_mid_run(name, kind):
    make, split = RESUMABLE[name], 15
    opt, torch_opt = _optimizers(kind)
    whole = _drive(opt, make(lr_scheduler, opt), STEPS, _step)
    theirs = _drive(torch_opt, make(torch.optim.lr_scheduler, torch_opt), STEPS, _step)
    _assert_close(whole, theirs)

    opt, _ = _optimizers(kind)
    first = make(lr_scheduler, opt)
    head = _drive(opt, first, split, _step)
    saved_optimizer, saved_scheduler = opt.state_dict(), first.state_dict()
    resumed_opt, _ = _optimizers(kind)
    resumed = make(lr_scheduler, resumed_opt)  # made first, then loaded, as PyTorch advises
    resumed_opt.load_state_dict(saved_optimizer)
    resumed.load_state_dict(saved_scheduler)
    tail = _drive(resumed_opt, resumed, STEPS - split, lambda s, t: _step(s, t + split))
    assert head + tail[1:] == whole


def test_state_dict_keeps_a_callable_objects_attributes():
    opt, _ = _optimizers()
    halves = Halves()
    scheduler = lr_scheduler.LambdaLR(opt, [halves, lambda t: 1.0])
    halves.rate = 0.25
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.25}, None]
    fresh = Halves()
    lr_scheduler.LambdaLR(_optimizers()[0], [fresh, lambda t: 1.0]).load_state_dict(state)
    assert fresh.rate == 0.25
    assert state["lr_lambdas"] == [{"rate": 0.25}, None]  # loading leaves the dict as it was


def test_resuming_with_last_epoch_matches_torch():
    """Made with last_epoch = k over groups that hold "initial_lr" (a loaded optimizer), as PyTorch."""
    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers(), strict=True):
        for group in opt.param_groups:
            group["initial_lr"], group["lr"] = group["lr"], group["lr"] * 0.3
        rows.append(
            [
                _drive(opt, make(module, opt), 12)
                for make in (
                    lambda m, o: m.StepLR(o, 4, 0.5, last_epoch=9),
                    lambda m, o: m.ExponentialLR(o, 0.9, last_epoch=9),
                    lambda m, o: m.CosineAnnealingLR(o, 15, last_epoch=9),
                    lambda m, o: m.CosineAnnealingWarmRestarts(o, 4, 2, last_epoch=9),
                    lambda m, o: m.LambdaLR(o, lambda t: 0.95**t, last_epoch=9),
                )
            ]
        )
    _assert_close(*rows)


# ----- a scheduler put at an epoch by hand, as LearningRateScheduler does --------------------------
@pytest.mark.parametrize(
    "name", ["StepLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "SequentialLR"]
)
def test_last_epoch_set_by_hand_gives_that_epochs_rate(name):
    """last_epoch = e − 1, step(): the rate of epoch e, whatever epoch the scheduler was at."""
    make = {**SCHEDULES, **COMPOSITIONS}[name]
    _, torch_opt = _optimizers()
    expected = _drive(torch_opt, make(torch.optim.lr_scheduler, torch_opt), 30)
    opt, _ = _optimizers()
    scheduler = make(lr_scheduler, opt)
    for epoch in [0, 1, 1, 2, 7, 3, 20, 21, 5, 29]:
        scheduler.last_epoch = epoch - 1
        scheduler.step()
        _assert_close(scheduler.get_last_lr(), expected[epoch][:2])
        scheduler.step()  # and the next step goes on from there by the chainable form
        _assert_close(scheduler.get_last_lr(), expected[epoch + 1][:2])


def test_an_optim_scheduler_in_fit_keeps_its_epochs():
    X, y = ds.datasets.blobs(64, seed=0)
    model = ds.nn.Sequential(ds.nn.Linear(2, 3, seed=0))
    opt = ds.optim.SGD(model.parameters(), lr=0.5)
    model.compile(optimizer=opt, loss="cross_entropy")
    schedule = lr_scheduler.SequentialLR(
        opt, [lr_scheduler.LinearLR(opt, 0.5, total_iters=2), lr_scheduler.ExponentialLR(opt, 0.5)], [2]
    )
    history = model.fit(X, y, epochs=5, verbose=0, callbacks=[ds.train.LearningRateScheduler(schedule)])
    assert history.history["lr"] == pytest.approx([0.25, 0.375, 0.5, 0.25, 0.125], rel=REL)


def test_reduce_on_plateau_in_fit_follows_the_validation_loss():
    """LearningRateScheduler steps ReduceLROnPlateau with each epoch's val_loss (the loss without
    validation data): the rates equal torch's scheduler stepped with the same metrics, and a fit runs."""
    losses = [1.0, 0.9, 0.95, 0.97, 0.96, 0.99, 0.8, 0.85, 0.86, 0.9]
    opt = ds.optim.SGD([ds.zeros(1, requires_grad=True)], lr=1.0)
    callback = ds.train.LearningRateScheduler(lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1))
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, factor=0.5, patience=1)
    for epoch, loss in enumerate(losses):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {"loss": 5.0, "val_loss": loss})
        theirs.step(loss)
        assert opt.param_groups[0]["lr"] == theirs_opt.param_groups[0]["lr"]
    X, y = ds.datasets.blobs(64, seed=0)
    model = ds.nn.Sequential(ds.nn.Linear(2, 3, seed=0))
    model.compile(optimizer="sgd", loss="cross_entropy")
    schedule = lr_scheduler.ReduceLROnPlateau(model.optimizer, patience=0)
    model.fit(X, y, epochs=3, verbose=0, callbacks=[ds.train.LearningRateScheduler(schedule)])
    assert schedule.best < np.inf  # stepped with the training loss


# ----- bad arguments: the exception torch raises -----------------------------------------------------
def _no_momentum_optimizers():
    class Plain(ds.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

    return Plain([ds.zeros(1, requires_grad=True)]), torch.optim.Adagrad([torch.zeros(1, requires_grad=True)])


def _steps(scheduler, n: int) -> None:
    for _ in range(n):
        scheduler.step()


BAD = {
    "not-an-optimizer": lambda m, o, other: m.StepLR([o], 3),
    "OneCycleLR-not-an-optimizer": lambda m, o, other: m.OneCycleLR("sgd", 0.1, 10),
    "plateau-not-an-optimizer": lambda m, o, other: m.ReduceLROnPlateau(None),
    "resume-without-initial_lr": lambda m, o, other: m.ExponentialLR(o, 0.9, last_epoch=3),
    "LambdaLR-too-few": lambda m, o, other: m.LambdaLR(o, [lambda t: 1.0]),
    "MultiplicativeLR-not-callable": lambda m, o, other: m.MultiplicativeLR(o, [0.9, 0.9]),
    "MultiplicativeLR-too-many": lambda m, o, other: m.MultiplicativeLR(o, [abs, abs, abs]),
    "ConstantLR-above-1": lambda m, o, other: m.ConstantLR(o, factor=1.5),
    "ConstantLR-negative": lambda m, o, other: m.ConstantLR(o, factor=-0.1),
    "LinearLR-start-0": lambda m, o, other: m.LinearLR(o, start_factor=0.0),
    "LinearLR-end-above-1": lambda m, o, other: m.LinearLR(o, end_factor=1.5),
    "warm-restarts-T_0-0": lambda m, o, other: m.CosineAnnealingWarmRestarts(o, T_0=0),
    "warm-restarts-T_0-float": lambda m, o, other: m.CosineAnnealingWarmRestarts(o, T_0=2.5),
    "warm-restarts-T_mult-0": lambda m, o, other: m.CosineAnnealingWarmRestarts(o, 3, T_mult=0),
    "warm-restarts-eta_min-str": lambda m, o, other: m.CosineAnnealingWarmRestarts(o, 3, eta_min="0"),
    "warm-restarts-negative-epoch": lambda m, o, other: m.CosineAnnealingWarmRestarts(o, 3).step(-1),
    "OneCycleLR-no-length": lambda m, o, other: m.OneCycleLR(o, 0.1),
    "OneCycleLR-epochs-only": lambda m, o, other: m.OneCycleLR(o, 0.1, epochs=3),
    "OneCycleLR-total-0": lambda m, o, other: m.OneCycleLR(o, 0.1, total_steps=0),
    "OneCycleLR-total-float": lambda m, o, other: m.OneCycleLR(o, 0.1, total_steps=10.0),
    "OneCycleLR-epochs-0": lambda m, o, other: m.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    "OneCycleLR-steps-negative": lambda m, o, other: m.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-3),
    "OneCycleLR-pct-above-1": lambda m, o, other: m.OneCycleLR(o, 0.1, 10, pct_start=1.5),
    "OneCycleLR-pct-int": lambda m, o, other: m.OneCycleLR(o, 0.1, 10, pct_start=1),
    "OneCycleLR-anneal": lambda m, o, other: m.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"),
    "OneCycleLR-max_lr-length": lambda m, o, other: m.OneCycleLR(o, [0.1], 10),
    "OneCycleLR-momentum-length": lambda m, o, other: m.OneCycleLR(o, 0.1, 10, max_momentum=[0.9] * 3),
    "OneCycleLR-no-momentum": lambda m, o, other: m.OneCycleLR(other, 0.1, 10),
    "OneCycleLR-past-the-end": lambda m, o, other: _steps(m.OneCycleLR(o, 0.1, total_steps=3), 4),
    "CyclicLR-mode": lambda m, o, other: m.CyclicLR(o, 0.01, 0.1, mode="sine"),
    "CyclicLR-base_lr-length": lambda m, o, other: m.CyclicLR(o, [0.01] * 3, 0.1),
    "CyclicLR-max_lr-length": lambda m, o, other: m.CyclicLR(o, 0.01, (0.1,)),
    "CyclicLR-no-momentum": lambda m, o, other: m.CyclicLR(other, 0.01, 0.1),
    "plateau-factor-1": lambda m, o, other: m.ReduceLROnPlateau(o, factor=1.0),
    "plateau-mode": lambda m, o, other: m.ReduceLROnPlateau(o, mode="lowest"),
    "plateau-threshold_mode": lambda m, o, other: m.ReduceLROnPlateau(o, threshold_mode="relative"),
    "plateau-min_lr-length": lambda m, o, other: m.ReduceLROnPlateau(o, min_lr=[0.1]),
    "SequentialLR-empty": lambda m, o, other: m.SequentialLR(o, [], []),
    "SequentialLR-milestones": lambda m, o, other: m.SequentialLR(
        o, [m.StepLR(o, 2), m.StepLR(o, 3)], [2, 4]
    ),
    "SequentialLR-plateau": lambda m, o, other: m.SequentialLR(
        o, [m.StepLR(o, 2), m.ReduceLROnPlateau(o)], [2]
    ),
    "SequentialLR-not-a-scheduler": lambda m, o, other: m.SequentialLR(o, [m.StepLR(o, 2), 0.1], [2]),
    "ChainedScheduler-empty": lambda m, o, other: m.ChainedScheduler([]),
    "ChainedScheduler-plateau": lambda m, o, other: m.ChainedScheduler([m.ReduceLROnPlateau(o)]),
    "ChainedScheduler-two-optimizers": lambda m, o, other: m.ChainedScheduler(
        [m.StepLR(o, 2), m.StepLR(other, 2)]
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_raise_what_torch_raises(name):
    ours_opt, torch_opt = _optimizers()
    ours_other, torch_other = _no_momentum_optimizers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warning about the order of the steps
        try:
            BAD[name](torch.optim.lr_scheduler, torch_opt, torch_other)
        except Exception as error:
            expected = type(error)
        else:
            pytest.fail("torch accepted these arguments")
        with pytest.raises(expected):
            BAD[name](lr_scheduler, ours_opt, ours_other)


def test_a_schedule_written_as_a_closed_form_alone():
    """A subclass that writes lr_at(base_lr, t) only: stepped, jumped, and composed."""

    class Halving(lr_scheduler.LRScheduler):
        def lr_at(self, base_lr, t):
            return base_lr / 2**t

    opt, torch_opt = _optimizers()
    ours = lr_scheduler.ChainedScheduler([Halving(opt), lr_scheduler.StepLR(opt, 3, 0.1)])
    theirs = torch.optim.lr_scheduler.ChainedScheduler(
        [
            torch.optim.lr_scheduler.LambdaLR(torch_opt, lambda t: 0.5**t),
            torch.optim.lr_scheduler.StepLR(torch_opt, 3, 0.1),
        ]
    )
    _assert_close(_drive(opt, ours, 10), _drive(torch_opt, theirs, 10))
    alone = Halving(_optimizers()[0])
    with pytest.warns(UserWarning, match="epoch parameter"):
        alone.step(5)
    assert alone.get_last_lr() == [0.1 / 32, 0.05 / 32]


def test_a_partial_state_dict_sets_what_it_holds():
    """{"last_epoch": k}, as `deepstep lm` loads where a resumed run stands: the next step is k + 1's."""
    opt, _ = _optimizers()
    scheduler = lr_scheduler.LambdaLR(opt, lambda t: 0.9**t)
    scheduler.load_state_dict({"last_epoch": 7})
    scheduler.step()
    assert scheduler.last_epoch == 8
    assert scheduler.get_last_lr() == pytest.approx([0.1 * 0.9**8, 0.05 * 0.9**8], rel=REL)
