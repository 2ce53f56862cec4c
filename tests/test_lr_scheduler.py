"""Tests of numbagrad.optim.lr_scheduler: lr sequences vs PyTorch's, state dicts, plateau logic."""
import math
import warnings

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.optim as optim
from numbagrad.nn.parameter import Parameter
from numbagrad.optim import lr_scheduler as sched

N_STEPS = 30


def _ng_optimizer(kind="SGD"):
    a, b = Parameter(ng.zeros(2)), Parameter(ng.zeros(3))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return optim.SGD(groups, lr=0.1, momentum=0.9)
    return optim.Adam(groups, lr=0.1)


def _torch_optimizer(torch, kind="SGD"):
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.1)


def _lambda(epoch):
    return 0.95 ** epoch


SCHEDULERS = [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("LambdaLR", dict(lr_lambda=_lambda)),
    ("LambdaLR", dict(lr_lambda=[_lambda, lambda e: 1.0 / (e + 1)])),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=8)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=12)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=N_STEPS + 1)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=N_STEPS + 1, anneal_strategy="linear",
                        three_phase=True)),
]


def _sequence(opt, scheduler, n=N_STEPS):
    lrs = [list(scheduler.get_last_lr())]
    momenta = [[g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]]
    for _ in range(n):
        opt.step()
        scheduler.step()
        lrs.append(list(scheduler.get_last_lr()))
        momenta.append([g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs, momenta


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("case", SCHEDULERS, ids=[c[0] for c in SCHEDULERS])
def test_lr_sequence_matches_torch(case, kind):
    torch = pytest.importorskip("torch")
    name, kwargs = case
    opt, t_opt = _ng_optimizer(kind), _torch_optimizer(torch, kind)
    ours = getattr(sched, name)(opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    our_lrs, our_m = _sequence(opt, ours)
    their_lrs, their_m = _sequence(t_opt, theirs)
    np.testing.assert_allclose(our_lrs, their_lrs, rtol=1e-12, atol=0)
    np.testing.assert_allclose(our_m, their_m, rtol=1e-12, atol=0)
    assert ours.last_epoch == theirs.last_epoch == N_STEPS
    assert [g["initial_lr"] for g in opt.param_groups] == \
        [g["initial_lr"] for g in t_opt.param_groups]


@pytest.mark.parametrize("case", [c for c in SCHEDULERS if c[0] != "OneCycleLR"],
                         ids=[c[0] for c in SCHEDULERS if c[0] != "OneCycleLR"])
def test_closed_form_step_with_epoch_matches_torch(case):
    torch = pytest.importorskip("torch")
    name, kwargs = case
    opt, t_opt = _ng_optimizer(), _torch_optimizer(torch)
    ours = getattr(sched, name)(opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 9, 4, 15]:
            opt.step()
            t_opt.step()
            ours.step(epoch)
            theirs.step(epoch)
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)


def test_step_lr_values():
    opt = _ng_optimizer()
    s = sched.StepLR(opt, step_size=2, gamma=0.1)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    seen = []
    for _ in range(5):
        seen.append(s.get_last_lr()[0])
        opt.step()
        s.step()
    np.testing.assert_allclose(seen, [0.1, 0.1, 0.01, 0.01, 0.001])


def test_cosine_closed_form_values():
    opt = _ng_optimizer()
    s = sched.CosineAnnealingLR(opt, T_max=10, eta_min=0.0)
    for epoch in range(1, 11):
        opt.step()
        s.step()
        assert s.get_last_lr()[0] == pytest.approx(0.05 * (1 + math.cos(math.pi * epoch / 10)),
                                                   rel=1e-12)


@pytest.mark.parametrize("case", SCHEDULERS, ids=[c[0] for c in SCHEDULERS])
def test_scheduler_state_dict_round_trip(case):
    name, kwargs = case
    opt = _ng_optimizer()
    s = getattr(sched, name)(opt, **kwargs)
    for _ in range(10):
        opt.step()
        s.step()
    saved_sched, saved_opt = s.state_dict(), opt.state_dict()
    assert "optimizer" not in saved_sched and saved_sched["last_epoch"] == 10
    if name == "LambdaLR":
        assert saved_sched["lr_lambdas"] == [None] * 2  # functions are not saved
    opt2 = _ng_optimizer()
    s2 = getattr(sched, name)(opt2, **kwargs)
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved_sched)
    assert s2.last_epoch == 10 and s2.get_last_lr() == s.get_last_lr()
    first, second = [], []
    for _ in range(10):
        opt.step()
        s.step()
        first.append(s.get_last_lr())
        opt2.step()
        s2.step()
        second.append(s2.get_last_lr())
    assert first == second


def test_scheduler_state_dict_matches_torch_keys():
    torch = pytest.importorskip("torch")
    for name, kwargs in SCHEDULERS:
        opt, t_opt = _ng_optimizer(), _torch_optimizer(torch)
        ours = getattr(sched, name)(opt, **kwargs)
        theirs = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
        opt.step(), t_opt.step(), ours.step(), theirs.step()
        assert set(ours.state_dict()) == set(theirs.state_dict()), name


def test_lambda_lr_saves_callable_object_state():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = _ng_optimizer()
    s = sched.LambdaLR(opt, [Warmup(5), Warmup(5)])
    state = s.state_dict()
    assert state["lr_lambdas"] == [{"n": 5}, {"n": 5}]
    state["lr_lambdas"] = [{"n": 2}, {"n": 2}]
    s.load_state_dict(state)
    assert s.lr_lambdas[0].n == 2 and "lr_lambdas" in state


def test_lr_scheduler_validation():
    opt = _ng_optimizer()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sched.LambdaLR(opt, [_lambda])
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        sched.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="You must define either total_steps"):
        sched.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode foo is unknown"):
        sched.ReduceLROnPlateau(opt, mode="foo")
    s = sched.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    opt.step()
    s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s.step()
    assert sched._LRScheduler.__mro__[1] is sched.LRScheduler


def test_scheduler_before_optimizer_step_warns():
    opt = _ng_optimizer()
    s = sched.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


PLATEAU_CASES = [
    dict(mode="min", patience=2),
    dict(mode="min", patience=1, threshold_mode="abs", threshold=0.05, cooldown=2),
    dict(mode="max", patience=0, factor=0.5, cooldown=1),
    dict(mode="max", patience=1, threshold_mode="abs", threshold=0.1, min_lr=[0.02, 0.01]),
    dict(mode="min", patience=0, factor=0.5, min_lr=0.03, eps=1e-3),
]
METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
           1.1, 1.2, 1.2, 1.19, 1.3, 1.3, 1.3, 1.3, 1.3, 0.1, 0.1, 0.1, 0.1, 0.1]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=range(len(PLATEAU_CASES)))
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    opt, t_opt = _ng_optimizer(), _torch_optimizer(torch)
    ours = sched.ReduceLROnPlateau(opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    for m in METRICS:
        ours.step(m)
        theirs.step(torch.tensor(m, dtype=torch.float64))
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
            (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best)


def test_reduce_lr_on_plateau_min_mode_and_cooldown():
    opt = _ng_optimizer()
    s = sched.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1, cooldown=2)
    lrs = []
    for m in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        s.step(m)
        lrs.append(s.get_last_lr()[0])
    # bad epochs at 2, 3 -> reduce at 3; cooldown swallows 4, 5; bad 6, 7 -> reduce at 7
    assert lrs == [0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]
    assert s.in_cooldown


def test_reduce_lr_on_plateau_max_mode_and_state_dict():
    opt = _ng_optimizer()
    s = sched.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, min_lr=0.004)
    s.step(ng.tensor(1.0))  # a 0-d tensor metric works
    s.step(2.0)
    assert s.get_last_lr() == [0.1, 0.05]
    s.step(1.5)
    np.testing.assert_allclose(s.get_last_lr(), [0.01, 0.005])
    s.step(1.5)
    np.testing.assert_allclose(s.get_last_lr(), [0.004, 0.004])  # clamped by min_lr
    s.step(1.0)
    np.testing.assert_allclose(s.get_last_lr(), [0.004, 0.004])  # at min_lr: no change
    state = s.state_dict()
    s2 = sched.ReduceLROnPlateau(_ng_optimizer())
    s2.load_state_dict(state)
    assert (s2.mode, s2.best, s2.mode_worse, s2.last_epoch) == ("max", 2.0, -math.inf, 5)
