"""ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR (with momentum cycling),
SequentialLR, ChainedScheduler and swa_utils (SWALR, AveragedModel with SWA and EMA, update_bn)
against PyTorch: lr and momentum sequences, state dicts (keys, round trips, torch <-> numbagrad),
argument checks."""
import copy
import warnings

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad.nn.parameter import Parameter
from numbagrad.optim import lr_scheduler as sched
from numbagrad.optim import swa_utils

N_STEPS = 100


def _optimizer(lib, kind):
    a, b = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(3))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return getattr(lib.optim, kind)(groups, lr=0.1)


class _Scale:
    """A callable object as a custom CyclicLR scale_fn: its __dict__ goes into the state dict."""

    def __init__(self, base):
        self.base = base

    def __call__(self, x):
        return self.base ** x


def _half(x):
    return 0.5 ** x


def _build(lib, spec, opt):
    """Build a scheduler from a nested spec: (name, kwargs) or ("SequentialLR"/"ChainedScheduler",
    [specs], kwargs)."""
    name = spec[0]
    module = sched if lib is ng else lib.optim.lr_scheduler
    if name == "SWALR":
        return (swa_utils if lib is ng else lib.optim.swa_utils).SWALR(opt, **spec[1])
    if name == "SequentialLR":
        members = [_build(lib, s, opt) for s in spec[1]]
        return module.SequentialLR(opt, members, **spec[2])
    if name == "ChainedScheduler":
        members = [_build(lib, s, opt) for s in spec[1]]
        return module.ChainedScheduler(members, **spec[2])
    kwargs = dict(spec[1])
    if kwargs.get("scale_fn") == "object":
        kwargs["scale_fn"] = _Scale(0.8)
    return getattr(module, name)(opt, **kwargs)


SPECS = [
    ("ConstantLR", {}),
    ("ConstantLR", dict(factor=0.5, total_iters=7)),
    ("PolynomialLR", {}),
    ("PolynomialLR", dict(total_iters=40, power=2.0)),
    ("PolynomialLR", dict(total_iters=13, power=0.5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=10)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4, step_size_down=7,
                      mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=_half,
                      scale_mode="iterations")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn="object")),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=4, cycle_momentum=False)),
    ("SequentialLR", [("LinearLR", dict(start_factor=0.1, total_iters=5)),
                      ("CosineAnnealingLR", dict(T_max=30))], dict(milestones=[5])),
    ("SequentialLR", [("ConstantLR", dict(factor=0.3, total_iters=4)),
                      ("ExponentialLR", dict(gamma=0.95)),
                      ("StepLR", dict(step_size=7, gamma=0.5))], dict(milestones=[4, 30])),
    ("SequentialLR", [("PolynomialLR", dict(total_iters=10)),
                      ("CosineAnnealingWarmRestarts", dict(T_0=8, T_mult=2))],
     dict(milestones=[12])),
    ("ChainedScheduler", [("ConstantLR", dict(factor=0.5, total_iters=5)),
                          ("ExponentialLR", dict(gamma=0.97))], {}),
    ("ChainedScheduler", [("LinearLR", dict(start_factor=0.2, total_iters=10)),
                          ("CosineAnnealingLR", dict(T_max=20)),
                          ("StepLR", dict(step_size=15, gamma=0.5))], {}),
    ("SWALR", dict(swa_lr=0.05)),
    ("SWALR", dict(swa_lr=[0.02, 0.3], anneal_epochs=5, anneal_strategy="linear")),
    ("SWALR", dict(swa_lr=0.05, anneal_epochs=0)),
]


def _spec_id(spec):
    if spec[0] in ("SequentialLR", "ChainedScheduler"):
        return spec[0] + "[" + "+".join(s[0] for s in spec[1]) + "]"
    return spec[0] + "-" + ",".join(f"{k}={v}" for k, v in spec[1].items())


def _group_momenta(opt):
    return [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]


def _sequence(opt, scheduler, n=N_STEPS):
    lrs, momenta = [list(scheduler.get_last_lr())], [_group_momenta(opt)]
    for _ in range(n):
        opt.step()
        scheduler.step()
        lrs.append([float(x) for x in scheduler.get_last_lr()])
        momenta.append(_group_momenta(opt))
    return lrs, momenta


def _kinds(spec):
    return ["SGD", "Adam"] if spec[0] == "CyclicLR" else ["SGD"]


CASES = [(spec, kind) for spec in SPECS for kind in _kinds(spec)]


@pytest.mark.parametrize("spec,kind", CASES, ids=[f"{_spec_id(s)}-{k}" for s, k in CASES])
def test_lr_and_momentum_sequences_match_torch(spec, kind):
    torch = pytest.importorskip("torch")
    opt, t_opt = _optimizer(ng, kind), _optimizer(torch, kind)
    ours, theirs = _build(ng, spec, opt), _build(torch, spec, t_opt)
    our_lrs, our_m = _sequence(opt, ours)
    their_lrs, their_m = _sequence(t_opt, theirs)
    assert our_lrs == their_lrs  # the same formulas in the same order: equal, not just close
    assert our_m == their_m
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
    assert getattr(ours, "last_epoch", None) == getattr(theirs, "last_epoch", None)


def _plain(value):
    """A state-dict value made comparable across the libraries."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "numpy"):
        return value.numpy().tolist()
    return value


@pytest.mark.parametrize("spec", SPECS, ids=[_spec_id(s) for s in SPECS])
def test_state_dict_matches_torch_and_round_trips(spec):
    torch = pytest.importorskip("torch")
    opt, t_opt = _optimizer(ng, "SGD"), _optimizer(torch, "SGD")
    ours, theirs = _build(ng, spec, opt), _build(torch, spec, t_opt)
    for _ in range(9):
        opt.step(), t_opt.step(), ours.step(), theirs.step()
    sd, t_sd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(t_sd)  # the same keys in the same order
    skip = {"_scale_fn_custom"}  # a function object on either side
    assert {k: _plain(v) for k, v in sd.items() if k not in skip} == \
        {k: _plain(v) for k, v in t_sd.items() if k not in skip}
    # resume from either state dict in a fresh numbagrad scheduler: the same lrs as torch's
    opt_sd = copy.deepcopy(opt.state_dict())
    their_next, _ = _sequence(t_opt, theirs, 15)
    for source in (sd, t_sd):
        opt2 = _optimizer(ng, "SGD")
        resumed = _build(ng, spec, opt2)
        opt2.load_state_dict(copy.deepcopy(opt_sd))
        resumed.load_state_dict(copy.deepcopy(source))
        our_next, _ = _sequence(opt2, resumed, 15)
        assert our_next == their_next


def test_constant_lr_factor_zero_fails_at_the_end_like_torch():
    """factor=0 is accepted; PyTorch's recursive form then divides by it at total_iters."""
    torch = pytest.importorskip("torch")
    for lib, module in ((ng, sched), (torch, torch.optim.lr_scheduler)):
        opt = _optimizer(lib, "SGD")
        s = module.ConstantLR(opt, factor=0.0, total_iters=3)
        assert s.get_last_lr() == [0.0, 0.0]
        opt.step(), s.step(), opt.step(), s.step()
        with pytest.raises(ZeroDivisionError):
            s.step()


def test_cyclic_lr_custom_object_scale_fn_state_is_saved():
    opt = _optimizer(ng, "SGD")
    scale = _Scale(0.8)
    s = sched.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=scale)
    sd = s.state_dict()
    assert sd["_scale_fn_custom"] == {"base": 0.8}
    scale.base = 0.1
    s.load_state_dict(sd)
    assert scale.base == 0.8
    assert sched.CyclicLR(opt, 0.01, 0.1, scale_fn=_half).state_dict()["_scale_fn_custom"] is None


def test_warm_restarts_fractional_epochs_match_torch():
    """The documented idiom: `scheduler.step(epoch + i / iters)` inside the batch loop."""
    torch = pytest.importorskip("torch")
    opt, t_opt = _optimizer(ng, "SGD"), _optimizer(torch, "SGD")
    ours = sched.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.01)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, T_0=2, T_mult=3,
                                                                  eta_min=0.01)
    iters = 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in range(12):
            for i in range(iters):
                opt.step(), t_opt.step()
                ours.step(epoch + i / iters)
                theirs.step(epoch + i / iters)
                assert ours.get_last_lr() == theirs.get_last_lr()
                assert ours.T_cur == theirs.T_cur and ours.T_i == theirs.T_i
        for epoch in (30, 0, 5.5):  # jumps, also backwards
            ours.step(epoch)
            theirs.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr()


def test_epoch_argument_closed_forms_match_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [("ConstantLR", dict(factor=0.4, total_iters=6)),
                         ("PolynomialLR", dict(total_iters=9, power=1.5))]:
        opt, t_opt = _optimizer(ng, "SGD"), _optimizer(torch, "SGD")
        ours = getattr(sched, name)(opt, **kwargs)
        theirs = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (2, 8, 3, 20, 0):
                ours.step(epoch)
                theirs.step(epoch)
                assert ours.get_last_lr() == theirs.get_last_lr(), (name, epoch)


BAD = [
    ("ConstantLR", dict(factor=1.5)), ("ConstantLR", dict(factor=-0.1)),
    ("CosineAnnealingWarmRestarts", dict(T_0=0)), ("CosineAnnealingWarmRestarts", dict(T_0=2.5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, eta_min="0")),
    ("CyclicLR", dict(base_lr=0.1, max_lr=1.0, mode="sawtooth")),
    ("CyclicLR", dict(base_lr=[0.1], max_lr=1.0)),
]


@pytest.mark.parametrize("name,kwargs", BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_bad_arguments_raise_like_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim.lr_scheduler, name)(_optimizer(torch, "SGD"), **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(sched, name)(_optimizer(ng, "SGD"), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_cyclic_momentum_needs_momentum_and_checks_types():
    torch = pytest.importorskip("torch")
    for lib, module in ((ng, sched), (torch, torch.optim.lr_scheduler)):
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            module.CyclicLR(_optimizer(lib, "Adagrad"), 0.01, 0.1)
        module.CyclicLR(_optimizer(lib, "Adagrad"), 0.01, 0.1, cycle_momentum=False)
        with pytest.raises(TypeError, match="is not an Optimizer"):
            module.CyclicLR(object(), 0.01, 0.1)


def test_composite_schedulers_check_their_members_like_torch():
    torch = pytest.importorskip("torch")
    for lib, module in ((ng, sched), (torch, torch.optim.lr_scheduler)):
        opt, other = _optimizer(lib, "SGD"), _optimizer(lib, "SGD")
        a = module.ExponentialLR(opt, 0.9)
        with pytest.raises(ValueError, match="expects at least one scheduler"):
            module.SequentialLR(opt, [], [])
        with pytest.raises(ValueError, match="expects at least one scheduler to be chained"):
            module.ChainedScheduler([])
        with pytest.raises(ValueError, match="number of milestones to be equal to 2"):
            module.SequentialLR(opt, [a, module.StepLR(opt, 3)], milestones=[1, 2])
        with pytest.raises(ValueError, match="to belong to the same optimizer"):
            module.SequentialLR(opt, [a, module.StepLR(other, 3)], milestones=[2])
        with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
            module.ChainedScheduler([a, module.ReduceLROnPlateau(opt)])
        with pytest.raises(TypeError, match="should have `optimizer` as its attribute"):
            module.ChainedScheduler([a, object()])


# ---- swa_utils: AveragedModel, update_bn ------------------------------------------------------
def _models(torch, seed=0, batchnorm=False):
    rng = np.random.default_rng(seed)
    ours = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)) \
        if batchnorm else nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                                 torch.nn.Linear(6, 2)) if batchnorm else \
        torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    with torch.no_grad():
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            values = rng.standard_normal(tuple(p.shape)).astype(np.float32)
            p._data[...] = values
            tp.copy_(torch.from_numpy(values))
    return ours, theirs


def _perturb(torch, ours, theirs, rng):
    with torch.no_grad():
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            delta = rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.1
            p._data[...] += delta
            tp.add_(torch.from_numpy(delta))


AVERAGING = [
    ("swa", lambda m: m.AveragedModel, {}),
    ("ema-multi", lambda m: m.AveragedModel, dict(multi_avg_fn="ema_multi")),
    ("ema-avg-fn", lambda m: m.AveragedModel, dict(avg_fn="ema")),
    ("swa-avg-fn", lambda m: m.AveragedModel, dict(avg_fn="swa")),
    ("swa-multi", lambda m: m.AveragedModel, dict(multi_avg_fn="swa_multi")),
    ("ema-buffers", lambda m: m.AveragedModel, dict(multi_avg_fn="ema_multi", use_buffers=True)),
]


def _avg_kwargs(module, kwargs):
    makers = {"ema_multi": lambda: module.get_ema_multi_avg_fn(0.9),
              "swa_multi": module.get_swa_multi_avg_fn,
              "ema": lambda: module.get_ema_avg_fn(0.8), "swa": module.get_swa_avg_fn}
    return {k: (makers[v]() if isinstance(v, str) else v) for k, v in kwargs.items()}


@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("name,cls,kwargs", AVERAGING, ids=[a[0] for a in AVERAGING])
def test_averaged_model_matches_torch(name, cls, kwargs, batchnorm):
    torch = pytest.importorskip("torch")
    ours, theirs = _models(torch, batchnorm=batchnorm)
    avg = swa_utils.AveragedModel(ours, **_avg_kwargs(swa_utils, kwargs))
    t_avg = torch.optim.swa_utils.AveragedModel(theirs, **_avg_kwargs(torch.optim.swa_utils,
                                                                       kwargs))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    for _ in range(7):
        _perturb(torch, ours, theirs, rng)
        if batchnorm:  # moves the running statistics and num_batches_tracked
            ours(ng.tensor(x)), theirs(torch.from_numpy(x))
        avg.update_parameters(ours)
        t_avg.update_parameters(theirs)
    sd, t_sd = avg.state_dict(), t_avg.state_dict()
    assert list(sd) == list(t_sd)
    for key in t_sd:
        np.testing.assert_allclose(sd[key].numpy(), t_sd[key].numpy(), rtol=1e-6, atol=1e-7,
                                   err_msg=key)
        assert sd[key].numpy().dtype == t_sd[key].numpy().dtype, key
    assert int(avg.n_averaged) == 7
    out = avg(ng.tensor(x)).detach().numpy()
    np.testing.assert_allclose(out, t_avg(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_averaged_model_is_a_copy_and_refuses_two_functions():
    model = nn.Linear(3, 2)
    avg = swa_utils.AveragedModel(model)
    model.weight._data[...] = 5.0
    assert not np.any(avg.module.weight._data == 5.0)
    avg.update_parameters(model)
    np.testing.assert_array_equal(avg.module.weight._data, 5.0)  # the first update copies
    model.weight._data[...] = 1.0
    avg.update_parameters(model)
    np.testing.assert_array_equal(avg.module.weight._data, 3.0)  # mean of 5 and 1
    with pytest.raises(ValueError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for make in (swa_utils.get_ema_multi_avg_fn, swa_utils.get_ema_avg_fn):
        with pytest.raises(ValueError, match="Invalid decay value 1.5"):
            make(1.5)


def test_update_bn_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _models(torch, batchnorm=True)
    ours.eval(), theirs.eval()
    bn, t_bn = ours[1], theirs[1]
    bn.momentum = t_bn.momentum = 0.3
    rng = np.random.default_rng(2)
    batches = [rng.standard_normal((n, 4)).astype(np.float32) for n in (5, 8, 3)]
    loader = [(ng.tensor(b), ng.zeros(len(b))) for b in batches]
    t_loader = [(torch.from_numpy(b), torch.zeros(len(b))) for b in batches]
    swa_utils.update_bn(loader, ours)
    torch.optim.swa_utils.update_bn(t_loader, theirs)
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(bn, key).numpy(), getattr(t_bn, key).numpy(),
                                   rtol=1e-5, atol=1e-6)
    assert bn.momentum == 0.3 and not ours.training  # momentum and mode restored
    swa_utils.update_bn([ng.tensor(batches[0])], ours)  # bare tensors as batches work too
    swa_utils.update_bn(loader, nn.Linear(4, 2))  # nothing to do without batch norm


def test_swa_tutorial_loop_matches_torch():
    """The documented SWA recipe: CosineAnnealingLR, then SWALR and AveragedModel after
    swa_start, then update_bn -- the lr sequence and the averaged weights as in PyTorch."""
    torch = pytest.importorskip("torch")
    ours, theirs = _models(torch, batchnorm=True)
    opt = optim.SGD(ours.parameters(), lr=0.1)
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    swa_model, t_swa_model = swa_utils.AveragedModel(ours), \
        torch.optim.swa_utils.AveragedModel(theirs)
    scheduler = sched.CosineAnnealingLR(opt, T_max=20)
    t_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=20)
    swa_scheduler = swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3)
    t_swa_scheduler = torch.optim.swa_utils.SWALR(t_opt, swa_lr=0.05, anneal_epochs=3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 2)).astype(np.float32)
    lrs, t_lrs = [], []
    for epoch in range(12):
        for model, o, lib, xb, yb in ((ours, opt, ng, ng.tensor(x), ng.tensor(y)),
                                      (theirs, t_opt, torch, torch.from_numpy(x),
                                       torch.from_numpy(y))):
            o.zero_grad()
            loss = ((model(xb) - yb) ** 2).mean()
            loss.backward()
            o.step()
        if epoch > 5:
            swa_model.update_parameters(ours)
            t_swa_model.update_parameters(theirs)
            swa_scheduler.step()
            t_swa_scheduler.step()
        else:
            scheduler.step()
            t_scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
        t_lrs.append(t_opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, t_lrs, rtol=1e-12)
    swa_utils.update_bn([(ng.tensor(x), None)], swa_model)
    torch.optim.swa_utils.update_bn([(torch.from_numpy(x), None)], t_swa_model)
    for (key, v), (t_key, tv) in zip(swa_model.state_dict().items(),
                                     t_swa_model.state_dict().items()):
        assert key == t_key
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-4, atol=1e-5, err_msg=key)


def test_swalr_checks_arguments_like_torch():
    torch = pytest.importorskip("torch")
    for lib, module in ((ng, swa_utils), (torch, torch.optim.swa_utils)):
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
            module.SWALR(_optimizer(lib, "SGD"), 0.1, anneal_strategy="exp")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
            module.SWALR(_optimizer(lib, "SGD"), 0.1, anneal_epochs=-1)
        with pytest.raises(ValueError, match="swa_lr must have the same length"):
            module.SWALR(_optimizer(lib, "SGD"), [0.1, 0.2, 0.3])
    s = swa_utils.SWALR(_optimizer(ng, "SGD"), 0.1, anneal_strategy="linear")
    sd = s.state_dict()
    assert "anneal_func" not in sd and sd["_anneal_strategy"] == "linear"
    s2 = swa_utils.SWALR(_optimizer(ng, "SGD"), 0.1)
    s2.load_state_dict(sd)
    assert s2.anneal_func is swa_utils.SWALR._linear_anneal


def test_parameter_free_averaged_model_and_integer_buffers():
    """use_buffers=True averages integer buffers too (num_batches_tracked), truncating as torch."""
    torch = pytest.importorskip("torch")
    bn, t_bn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    avg = swa_utils.AveragedModel(bn, use_buffers=True)
    t_avg = torch.optim.swa_utils.AveragedModel(t_bn, use_buffers=True)
    rng = np.random.default_rng(4)
    for _ in range(5):
        x = rng.standard_normal((6, 3)).astype(np.float32)
        bn(ng.tensor(x)), t_bn(torch.from_numpy(x))
        avg.update_parameters(bn)
        t_avg.update_parameters(t_bn)
    for key, value in t_avg.state_dict().items():
        np.testing.assert_allclose(avg.state_dict()[key].numpy(), value.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=key)
        assert avg.state_dict()[key].numpy().dtype == value.numpy().dtype
