"""Adadelta, Adamax, NAdam, RAdam and ASGD against PyTorch (60-step trajectories in float64 and
float32, state, state dicts, defaults, argument checks), their kernels against NumPy twins, the
shared step skeleton, and the one-element states (NAdam's mu_product, ASGD's eta and mu).
LBFGS has its own file (test_lbfgs.py)."""
import inspect

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.optim as optim
from numbagrad.kernels import optim_kernels as K
from numbagrad.nn.parameter import Parameter
from numbagrad.tensor import _wrap

SHAPES = [(3, 4), (5,), ()]
N_STEPS = 60
NEW = ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"]


def _problem(dtype, n=N_STEPS, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(n)]
    return init, grads


def _grid(**axes):
    combos = [{}]
    for key, values in axes.items():
        combos = [dict(c, **{key: v}) for c in combos for v in values]
    return combos


CASES = (
    [("Adadelta", c) for c in _grid(lr=[1.0, 0.3], rho=[0.9, 0.4], weight_decay=[0.0, 0.1],
                                    maximize=[False, True])]
    + [("Adamax", c) for c in _grid(lr=[0.05], betas=[(0.9, 0.999), (0.3, 0.5)],
                                    weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("NAdam", c) for c in _grid(lr=[0.05], betas=[(0.9, 0.999), (0.4, 0.6)],
                                   weight_decay=[0.0, 0.1], momentum_decay=[4e-3, 0.05],
                                   decoupled_weight_decay=[False, True], maximize=[False, True])]
    + [("RAdam", c) for c in _grid(lr=[0.05], betas=[(0.9, 0.999), (0.5, 0.6)],
                                   weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                                   maximize=[False, True])]
    + [("ASGD", c) for c in _grid(lr=[0.05], lambd=[1e-4, 0.05], alpha=[0.75, 0.5],
                                  t0=[1e6, 5.0], weight_decay=[0.0, 0.1],
                                  maximize=[False, True])]
    + [(name, {}) for name in NEW]  # PyTorch's defaults
)


def _case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _run_both(torch, name, kwargs, dtype, check_each_step, rtol, atol):
    init, grads = _problem(dtype)
    ours = [Parameter(_wrap(a.copy())) for a in init]
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in init]
    opt = getattr(optim, name)(ours, **kwargs)
    t_opt = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    for step_grads in grads:
        for p, tp, g in zip(ours, theirs, step_grads):
            p.grad = _wrap(g.copy())
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        t_opt.step()
        if check_each_step:
            for p, tp in zip(ours, theirs):
                np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=rtol, atol=atol)
    return opt, ours, t_opt, theirs


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch_float64(case):
    torch = pytest.importorskip("torch")
    name, kwargs = case
    opt, ours, t_opt, theirs = _run_both(torch, name, kwargs, np.float64, True, 1e-11, 1e-13)
    for p, tp in zip(ours, theirs):
        state, t_state = opt.state[p], t_opt.state[tp]
        assert list(state) == list(t_state)  # PyTorch's keys, in PyTorch's order
        for key, value in t_state.items():
            assert state[key]._data.dtype == value.numpy().dtype, key
            assert state[key].shape == tuple(value.shape), key
            np.testing.assert_allclose(state[key]._data, value.numpy(), rtol=1e-11, atol=1e-13,
                                       err_msg=key)


FLOAT32_CASES = [("Adadelta", {}), ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1,
                                                     maximize=True)),
                 ("Adamax", {}), ("Adamax", dict(lr=0.05, betas=(0.3, 0.5), weight_decay=0.1)),
                 ("NAdam", {}), ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
                 ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
                 ("RAdam", {}), ("RAdam", dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.1,
                                               decoupled_weight_decay=True)),
                 ("ASGD", {}), ("ASGD", dict(lr=0.05, t0=5, lambd=0.01, alpha=0.6,
                                             weight_decay=0.1))]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=[_case_id(c) for c in FLOAT32_CASES])
def test_trajectory_matches_torch_float32(case):
    torch = pytest.importorskip("torch")
    name, kwargs = case
    opt, ours, t_opt, theirs = _run_both(torch, name, kwargs, np.float32, True, 1e-5, 1e-6)
    for p, tp in zip(ours, theirs):
        assert p._data.dtype == np.float32
        for key, value in t_opt.state[tp].items():
            assert opt.state[p][key]._data.dtype == value.numpy().dtype, key
            np.testing.assert_allclose(opt.state[p][key]._data, value.numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=key)


def test_float64_default_dtype_gives_float64_scalar_state():
    """With the default dtype float64, step/mu_product/eta/mu are float64, as in PyTorch."""
    ng.set_default_dtype(ng.float64)
    try:
        p = Parameter(ng.zeros(3))
        for cls in (optim.NAdam, optim.ASGD):
            opt = cls([p])
            p.grad = ng.ones(3)
            opt.step()
            for key, value in opt.state[p].items():
                assert value._data.dtype == np.float64, (cls.__name__, key)
    finally:
        ng.set_default_dtype(ng.float32)


# ---- kernels vs their NumPy twins -------------------------------------------------------------
def _lerp(a, b, w):
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)


def np_adadelta(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    square_avg[...] = square_avg * rho + (1 - rho) * g * g
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
    acc_delta[...] = acc_delta * rho + (1 - rho) * delta * delta
    param -= lr * delta


def np_adamax(param, grad, exp_avg, exp_inf, beta1, beta2, eps, weight_decay, neg_clr, maximize):
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    exp_avg[...] = _lerp(exp_avg, g, 1 - beta1)
    exp_inf[...] = np.maximum(exp_inf * beta2, np.abs(g) + eps)
    param += neg_clr * exp_avg / exp_inf


def np_nadam(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
             bias_correction2, grad_coef, avg_coef, maximize, decoupled):
    g = -grad if maximize else grad
    if weight_decay:
        if decoupled:
            param *= decay_factor
        else:
            g = g + weight_decay * param
    exp_avg[...] = _lerp(exp_avg, g, 1 - beta1)
    exp_avg_sq[...] = exp_avg_sq * beta2 + (1 - beta2) * g * g
    denom = np.sqrt(exp_avg_sq / bias_correction2) + eps
    param += grad_coef * g / denom
    param += avg_coef * exp_avg / denom


def np_radam(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor, lr,
             bias_correction1, bias_correction2_sqrt, rect, rectified, maximize, decoupled):
    g = -grad if maximize else grad
    if weight_decay:
        if decoupled:
            param *= decay_factor
        else:
            g = g + weight_decay * param
    exp_avg[...] = _lerp(exp_avg, g, 1 - beta1)
    exp_avg_sq[...] = exp_avg_sq * beta2 + (1 - beta2) * g * g
    step = exp_avg / bias_correction1 * lr
    if rectified:
        step = step * bias_correction2_sqrt / (np.sqrt(exp_avg_sq) + eps) * rect
    param -= step


def np_asgd(param, grad, ax, decay, neg_eta, mu, weight_decay, maximize):
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    param *= decay
    param += neg_eta * g
    ax[...] = param if mu == 1 else ax + (param - ax) * mu


TWINS = {
    "adadelta_step": (np_adadelta, 2, [(0.7, 0.9, 1e-6, 0.0, False), (1.0, 0.3, 1e-3, 0.1, True)]),
    "adamax_step": (np_adamax, 2, [(0.9, 0.999, 1e-8, 0.0, -0.01, False),
                                   (0.2, 0.5, 1e-3, 0.1, -0.3, True)]),
    "nadam_step": (np_nadam, 2, [(0.9, 0.999, 1e-8, 0.0, 1.0, 0.3, -0.01, -0.02, False, False),
                                 (0.3, 0.6, 1e-3, 0.1, 0.99, 0.7, -0.1, -0.2, True, False),
                                 (0.3, 0.6, 1e-3, 0.1, 0.99, 0.7, -0.1, -0.2, False, True)]),
    "radam_step": (np_radam, 2, [(0.9, 0.999, 1e-8, 0.0, 1.0, 0.01, 0.3, 0.2, 1.0, False, False,
                                  False),
                                 (0.3, 0.6, 1e-3, 0.1, 0.99, 0.1, 0.5, 0.7, 0.8, True, True,
                                  False),
                                 (0.3, 0.6, 1e-3, 0.1, 0.99, 0.1, 0.5, 0.7, 0.8, True, False,
                                  True)]),
    "asgd_step": (np_asgd, 1, [(0.999, -0.01, 1.0, 0.0, False), (0.9, -0.1, 0.25, 0.1, True)]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(TWINS))
def test_kernel_matches_numpy_twin(name, dtype):
    twin, n_state, configs = TWINS[name]
    rng = np.random.default_rng(3)
    for args in configs:
        arrays = [rng.standard_normal(13).astype(dtype) for _ in range(2 + n_state)]
        for i in {"adadelta_step": (2, 3), "asgd_step": ()}.get(name, (3,)):
            arrays[i] = np.abs(arrays[i]) + dtype(0.5)  # second moments / norms are positive
        arrays[1][:2] = 0  # zero gradients too
        ours = [a.copy() for a in arrays]
        ref = [a.copy() for a in arrays]
        getattr(K, name)(*ours, *args)
        twin(*ref, *args)
        tol = 1e-12 if dtype == np.float64 else 2e-5
        for a, b in zip(ours, ref):
            assert a.dtype == dtype
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_adamax_propagates_nan_like_torch_maximum():
    """`exp_inf = max(beta2 * exp_inf, |g| + eps)`: a NaN on either side gives NaN."""
    torch = pytest.importorskip("torch")
    g = np.array([np.nan, 1.0, 0.0, np.inf], np.float32)
    for opt_cls, t_cls in ((optim.Adamax, torch.optim.Adamax),):
        p = Parameter(ng.zeros(4))
        tp = torch.nn.Parameter(torch.zeros(4))
        opt, t_opt = opt_cls([p]), t_cls([tp])
        for _ in range(2):
            p.grad = _wrap(g.copy())
            tp.grad = torch.from_numpy(g.copy())
            opt.step()
            t_opt.step()
        np.testing.assert_array_equal(np.isnan(p._data), np.isnan(tp.detach().numpy()))
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-6)


# ---- constructor, defaults, repr --------------------------------------------------------------
@pytest.mark.parametrize("name", NEW + ["LBFGS"])
def test_defaults_and_signature_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([Parameter(ng.zeros(2))])
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))])
    assert ours.defaults == theirs.defaults
    assert ours.param_groups[0].keys() == theirs.param_groups[0].keys()
    ours_sig = inspect.signature(getattr(optim, name))
    theirs_sig = inspect.signature(getattr(torch.optim, name))
    assert [(p.name, p.default, p.kind) for p in ours_sig.parameters.values()] == \
        [(p.name, p.default, p.kind) for p in theirs_sig.parameters.values()]
    assert repr(ours) == repr(theirs)


BAD_ARGS = [
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1.0)), ("Adadelta", dict(weight_decay=-1.0)),
    ("Adamax", dict(lr=-0.1)), ("Adamax", dict(eps=-1.0)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, -0.1))), ("Adamax", dict(weight_decay=-1.0)),
    ("NAdam", dict(lr=-0.1)), ("NAdam", dict(betas=(0.9, 1.0))), ("NAdam", dict(eps=-1e-8)),
    ("NAdam", dict(weight_decay=-1.0)), ("NAdam", dict(momentum_decay=-1.0)),
    ("RAdam", dict(lr=-0.1)), ("RAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(eps=-1.0)),
    ("RAdam", dict(weight_decay=-0.5)),
    ("ASGD", dict(lr=-0.1)), ("ASGD", dict(weight_decay=-0.1)),
    ("LBFGS", dict(lr=-1.0)),
]


@pytest.mark.parametrize("name,kwargs", BAD_ARGS, ids=[f"{n}-{k}" for n, k in BAD_ARGS])
def test_bad_arguments_raise_like_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([Parameter(ng.zeros(2))], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", NEW)
def test_tensor_lr_and_unsupported_options(name):
    p = Parameter(ng.zeros(2))
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        getattr(optim, name)([p], lr=ng.tensor([0.1, 0.2]))
    with pytest.raises(RuntimeError, match="differentiable=True is not supported"):
        getattr(optim, name)([p], differentiable=True)
    opt = getattr(optim, name)([p], lr=ng.tensor(0.01))  # a one-element tensor lr works
    p.grad = ng.ones(2)
    opt.step()
    assert np.all(np.isfinite(p._data)) and np.all(p._data != 0)


# ---- state dicts ------------------------------------------------------------------------------
STATE_CASES = [("Adadelta", dict(weight_decay=0.1)), ("Adamax", dict(lr=0.01)),
               ("NAdam", dict(decoupled_weight_decay=True, weight_decay=0.1)),
               ("RAdam", dict(weight_decay=0.1)), ("ASGD", dict(t0=2, lambd=0.01))]


def _train(name, kwargs, params, grads):
    opt = getattr(optim, name)(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = _wrap(g.copy())
        opt.step()
    return opt


@pytest.mark.parametrize("name,kwargs", STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_state_dict_round_trip_through_a_checkpoint(name, kwargs, tmp_path):
    init, grads = _problem(np.float32, n=8)
    straight = [Parameter(_wrap(a.copy())) for a in init]
    _train(name, kwargs, straight, grads)
    first = [Parameter(_wrap(a.copy())) for a in init]
    opt = _train(name, kwargs, first, grads[:3])
    ng.save({"opt": opt.state_dict(), "params": [p.detach() for p in first]}, tmp_path / "c.ckpt")
    ckpt = ng.load(tmp_path / "c.ckpt")
    resumed = [Parameter(t.clone()) for t in ckpt["params"]]
    opt2 = getattr(optim, name)(resumed, lr=123.0)
    opt2.load_state_dict(ckpt["opt"])
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for step_grads in grads[3:]:
        for p, g in zip(resumed, step_grads):
            p.grad = _wrap(g.copy())
        opt2.step()
    for p, q in zip(straight, resumed):
        np.testing.assert_array_equal(p._data, q._data)


@pytest.mark.parametrize("name,kwargs", STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_torch_state_dict_round_trip(name, kwargs):
    """A state dict moves from torch to numbagrad and back; both continue alike."""
    torch = pytest.importorskip("torch")
    init, grads = _problem(np.float64, n=10)
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in init]
    t_opt = getattr(torch.optim, name)(theirs, **kwargs)
    for step_grads in grads[:4]:
        for tp, g in zip(theirs, step_grads):
            tp.grad = torch.from_numpy(g.copy())
        t_opt.step()
    ours = [Parameter(_wrap(tp.detach().numpy().copy())) for tp in theirs]
    opt = getattr(optim, name)(ours, **kwargs)
    opt.load_state_dict(t_opt.state_dict())
    t_opt.load_state_dict(t_opt.state_dict())  # torch casts loaded state too (mu_product)
    back = opt.state_dict()
    assert back["param_groups"] == t_opt.state_dict()["param_groups"]
    for step_grads in grads[4:]:
        for p, tp, g in zip(ours, theirs, step_grads):
            p.grad = _wrap(g.copy())
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        t_opt.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-11, atol=1e-13)
    t_state = {i: {k: torch.from_numpy(v._data.copy()) for k, v in s.items()}
               for i, s in opt.state_dict()["state"].items()}
    t_opt.load_state_dict({"state": t_state, "param_groups": opt.state_dict()["param_groups"]})
    for tp, p in zip(theirs, ours):
        for key, value in t_opt.state[tp].items():
            np.testing.assert_array_equal(value.numpy(), opt.state[p][key]._data)


# ---- one-element states: NAdam's mu_product, ASGD's eta and mu --------------------------------
SCALAR_CASES = [("NAdam", "mu_product"), ("ASGD", "eta"), ("ASGD", "mu")]


@pytest.mark.parametrize("name,key", SCALAR_CASES)
@pytest.mark.parametrize("value,exc", [
    (ng.tensor([1.0, 2.0]), RuntimeError), (ng.zeros(0), RuntimeError), ("x", TypeError),
    (None, TypeError), (float("nan"), ValueError), (ng.tensor(float("inf")), ValueError),
    ([0.5], TypeError), (np.array(1.0 + 0j), TypeError), (np.array("0.5"), TypeError),
])
def test_bad_scalar_state_is_refused_at_load(name, key, value, exc):
    p = Parameter(ng.ones(3))
    opt = getattr(optim, name)([p])
    p.grad = ng.ones(3)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0] = dict(sd["state"][0], **{key: value})
    before = {k: v._data.copy() for k, v in opt.state[p].items()}
    with pytest.raises(exc, match=f"'{key}' of parameter 0"):
        opt.load_state_dict(sd)
    for k, v in opt.state[p].items():
        np.testing.assert_array_equal(v._data, before[k])


@pytest.mark.parametrize("name,key", SCALAR_CASES)
def test_scalar_state_loads_from_numbers_shapes_and_dtypes(name, key):
    p = Parameter(ng.ones(3, dtype=ng.float64))
    opt = getattr(optim, name)([p])
    p.grad = ng.ones(3, dtype=ng.float64)
    opt.step()
    sd = opt.state_dict()
    for value, dtype in ((0.5, np.float32), (ng.tensor([0.5]), np.float64),
                         (np.array(0.5, np.float16), np.float64)):
        sd["state"][0] = dict(sd["state"][0], **{key: value})
        opt.load_state_dict(sd)
        loaded = opt.state[p][key]
        assert loaded._data.dtype == dtype and float(loaded._data.reshape(-1)[0]) == 0.5
        opt.step()  # one element of any shape steps


@pytest.mark.parametrize("name,key", SCALAR_CASES)
@pytest.mark.parametrize("value,exc", [("x", TypeError), (ng.tensor([1.0, 2.0]), RuntimeError),
                                       (ng.tensor(3), RuntimeError), (None, TypeError)])
def test_bad_live_scalar_state_refuses_the_step_and_changes_nothing(name, key, value, exc):
    params = [Parameter(ng.ones(3)), Parameter(ng.ones(2))]
    opt = getattr(optim, name)(params)
    for p in params:
        p.grad = ng.ones(p.shape)
    opt.step()
    opt.state[params[1]][key] = value
    before = [p._data.copy() for p in params]
    steps = [float(opt.state[p]["step"]) for p in params]
    ax_or_avg = {k: v._data.copy() for k, v in opt.state[params[1]].items()
                 if isinstance(v, ng.Tensor)}
    with pytest.raises(exc, match=f"'{key}' of parameter 1"):
        opt.step()
    np.testing.assert_array_equal(params[1]._data, before[1])
    assert float(opt.state[params[1]]["step"]) == steps[1]
    for k, v in ax_or_avg.items():
        np.testing.assert_array_equal(opt.state[params[1]][k]._data, v)


def test_missing_scalar_state_raises_key_error_like_torch():
    torch = pytest.importorskip("torch")
    for name, key in SCALAR_CASES:
        p, tp = Parameter(ng.ones(3)), torch.nn.Parameter(torch.ones(3))
        opt, t_opt = getattr(optim, name)([p]), getattr(torch.optim, name)([tp])
        p.grad, tp.grad = ng.ones(3), torch.ones(3)
        opt.step()
        t_opt.step()
        del opt.state[p][key], t_opt.state[tp][key]
        with pytest.raises(KeyError):
            t_opt.step()
        with pytest.raises(KeyError):
            opt.step()


# ---- the shared step skeleton -----------------------------------------------------------------
@pytest.mark.parametrize("name", NEW + ["Adam", "RMSprop"])
def test_refused_first_step_leaves_no_state(name):
    """State made for a first step that is then refused (gradient of another shape) is taken
    back: the next valid step starts from scratch, as if the refused one never happened."""
    p = Parameter(ng.ones(3))
    opt = getattr(optim, name)([p])
    p.grad = ng.ones(3)
    p.data = ng.ones(4)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(3,\) for parameter 0"):
        opt.step()
    assert opt.state.get(p, {}) == {}
    np.testing.assert_array_equal(p._data, 1.0)
    q = Parameter(ng.ones(4))
    ref = getattr(optim, name)([q])
    p.grad = q.grad = ng.full((4,), 0.5)
    opt.step()
    ref.step()
    np.testing.assert_array_equal(p._data, q._data)


def test_a_new_optimizer_is_its_kernel_plus_a_few_lines():
    """The skeleton's contract, exercised by an optimizer written in a test: sign descent on the
    SGD kernel (sign of the gradient as the gradient)."""
    class SignDescent(optim.Optimizer):
        _counts_steps = False

        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def _init_group(self, group):
            return float(group["lr"])

        def _init_param(self, hyper, p, pstate, created):
            return ()

        def _update(self, lr, pstate, param, grad, states, step, fresh):
            K.sgd_step(param, np.sign(grad), np.empty(0, param.dtype), lr, 0.0, 1.0, 0.0, False,
                       False, False)

    p = Parameter(ng.tensor([1.0, -2.0, 0.0]))
    opt = SignDescent([p])
    p.grad = ng.tensor([3.0, -0.5, 0.0])
    version = p._version[0]
    opt.step()
    np.testing.assert_allclose(p._data, [0.9, -1.9, 0.0])
    assert p._version[0] == version + 1 and opt.state_dict()["state"] == {}


def test_user_optimizer_overriding_step_still_works():
    """Tutorials subclass Optimizer and write their own step(); the skeleton stays out of it."""
    class PlainSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.data.add_(p.grad, alpha=-group["lr"])

    p = Parameter(ng.ones(2))
    opt = PlainSGD([p])
    p.grad = ng.ones(2)
    opt.step()
    np.testing.assert_allclose(p._data, 0.9)

    class Unfinished(optim.Optimizer):
        pass
    with pytest.raises(NotImplementedError, match="Unfinished does not implement step"):
        Unfinished([p], {}).step()


@pytest.mark.parametrize("name", NEW)
def test_zero_size_and_0d_parameters(name):
    torch = pytest.importorskip("torch")
    arrays = [np.zeros((0, 3)), np.array(0.5)]
    ours = [Parameter(_wrap(a.copy())) for a in arrays]
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    opt, t_opt = getattr(optim, name)(ours), getattr(torch.optim, name)(theirs)
    for _ in range(3):
        for p, tp in zip(ours, theirs):
            p.grad = _wrap(np.ones(p.shape))
            tp.grad = torch.ones(tp.shape, dtype=torch.float64)
        opt.step()
        t_opt.step()
    for p, tp in zip(ours, theirs):
        assert p.shape == tuple(tp.shape)
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", NEW)
def test_model_half_then_step(name):
    """float16 parameters step (in float32, rounded back) close to PyTorch's float16 step."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3)).astype(np.float16)
    p, tp = Parameter(_wrap(a.copy())), torch.nn.Parameter(torch.from_numpy(a.copy()))
    opt, t_opt = getattr(optim, name)([p], lr=0.01), getattr(torch.optim, name)([tp], lr=0.01)
    for _ in range(4):
        g = (rng.standard_normal((4, 3)) + 0.5).astype(np.float16)
        p.grad, tp.grad = _wrap(g.copy()), torch.from_numpy(g.copy())
        opt.step()
        t_opt.step()
    assert p._data.dtype == np.float16
    np.testing.assert_allclose(p._data.astype(np.float32), tp.detach().float().numpy(),
                               rtol=4e-3, atol=4e-3)
