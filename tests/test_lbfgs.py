"""LBFGS against PyTorch: trajectories (fixed step and strong-Wolfe line search, float64 and
float32), closure counts, state layout, state dicts, the closure idiom with a model, and hostile
state. The loss and gradients come from one NumPy function shared by both libraries, so any
difference is the optimizer's."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad.nn.parameter import Parameter
from numbagrad.tensor import _wrap

_rng = np.random.default_rng(5)
A = _rng.standard_normal((20, 10))
B = _rng.standard_normal(20)


def smooth_convex(arrays):
    """0.5 |A x - b|^2 + sum(softplus(x)) over the concatenated parameters: loss and gradients
    in the parameters' dtype."""
    x = np.concatenate([a.reshape(-1) for a in arrays])
    a, b = A.astype(x.dtype), B.astype(x.dtype)
    r = a @ x - b
    loss = 0.5 * r.dot(r) + np.sum(np.log1p(np.exp(x)))
    g = a.T @ r + 1 / (1 + np.exp(-x))
    return x.dtype.type(loss), _split(g, arrays)


def rosenbrock(arrays):
    x = np.concatenate([a.reshape(-1) for a in arrays])
    loss = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return x.dtype.type(loss), _split(g, arrays)


def _split(flat, arrays):
    out, offset = [], 0
    for a in arrays:
        out.append(flat[offset:offset + a.size].reshape(a.shape).astype(a.dtype))
        offset += a.size
    return out


def _init(dtype, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, (2, 3)).astype(dtype), rng.uniform(-1.5, 1.5, 4).astype(dtype)]


class Pair:
    """The same problem in numbagrad and torch, with closures that count their calls."""

    def __init__(self, torch, fn, dtype, **kwargs):
        init = _init(dtype)
        self.fn = fn
        self.ours = [Parameter(_wrap(a.copy())) for a in init]
        self.theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in init]
        self.opt = optim.LBFGS(self.ours, **kwargs)
        self.t_opt = torch.optim.LBFGS(self.theirs, **kwargs)
        self.torch = torch
        self.calls = [0, 0]

    def closure(self):
        self.calls[0] += 1
        loss, grads = self.fn([p._data for p in self.ours])
        for p, g in zip(self.ours, grads):
            p.grad = _wrap(g)
        return ng.tensor(loss)

    def t_closure(self):
        self.calls[1] += 1
        loss, grads = self.fn([p.detach().numpy() for p in self.theirs])
        for p, g in zip(self.theirs, grads):
            p.grad = self.torch.from_numpy(g)
        return self.torch.tensor(loss)

    def step(self):
        ours, theirs = self.opt.step(self.closure), self.t_opt.step(self.t_closure)
        return float(ours), float(theirs)

    def assert_close(self, rtol, atol):
        for p, tp in zip(self.ours, self.theirs):
            np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=rtol, atol=atol)


CONFIGS = [
    dict(lr=0.05),
    dict(line_search_fn="strong_wolfe"),
    dict(history_size=3, line_search_fn="strong_wolfe", max_iter=7),
    dict(history_size=3, max_iter=7, lr=0.1),
    dict(max_iter=5, max_eval=6, lr=0.1),
    dict(tolerance_grad=1e-3, tolerance_change=1e-4, line_search_fn="strong_wolfe"),
]


@pytest.mark.parametrize("kwargs", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_trajectory_matches_torch_float64(kwargs):
    torch = pytest.importorskip("torch")
    pair = Pair(torch, smooth_convex, np.float64, **kwargs)
    for _ in range(6):
        ours, theirs = pair.step()
        assert ours == pytest.approx(theirs, rel=1e-12)
        pair.assert_close(1e-10, 1e-12)
        assert pair.calls[0] == pair.calls[1]  # the same closure evaluations
    state, t_state = pair.opt.state[pair.ours[0]], pair.t_opt.state[pair.theirs[0]]
    assert set(state) == set(t_state)
    assert state["func_evals"] == t_state["func_evals"] and state["n_iter"] == t_state["n_iter"]
    assert len(state["old_dirs"]) == len(t_state["old_dirs"])
    for key in ("d", "prev_flat_grad", "H_diag"):
        np.testing.assert_allclose(state[key]._data, t_state[key].numpy(), rtol=1e-8, atol=1e-10)
    if isinstance(t_state["t"], torch.Tensor):  # a 0-d tensor after a line search, else lr
        assert isinstance(state["t"], ng.Tensor) and state["t"].shape == ()
    else:
        assert type(state["t"]) is type(t_state["t"]) and state["t"] == t_state["t"]


def test_sixty_single_iteration_steps_match_torch():
    """`max_iter=1`: sixty steps of one L-BFGS iteration each, float64 and float32."""
    torch = pytest.importorskip("torch")
    for dtype, rtol, atol in ((np.float64, 1e-12, 1e-13), (np.float32, 1e-4, 1e-5)):
        pair = Pair(torch, smooth_convex, dtype, max_iter=1, lr=0.02)
        for _ in range(60):
            pair.step()
            pair.assert_close(rtol, atol)
        assert pair.ours[0]._data.dtype == dtype


def test_strong_wolfe_on_rosenbrock_float64():
    torch = pytest.importorskip("torch")
    pair = Pair(torch, rosenbrock, np.float64, line_search_fn="strong_wolfe")
    for _ in range(5):
        pair.step()
        pair.assert_close(1e-8, 1e-9)
    assert pair.calls[0] == pair.calls[1]
    np.testing.assert_allclose(np.concatenate([p._data.ravel() for p in pair.ours]), 1.0,
                               atol=1e-5)  # the minimum of Rosenbrock


@pytest.mark.parametrize("kwargs", [dict(lr=0.05), dict(line_search_fn="strong_wolfe", max_iter=12),
                                    dict(history_size=3, max_iter=7, lr=0.1)])
def test_float32_matches_torch_to_rounding(kwargs):
    """In float32 both follow the same path to rounding while far from the minimum (near it, the
    tolerance tests on float32 losses may stop either a step earlier)."""
    torch = pytest.importorskip("torch")
    pair = Pair(torch, smooth_convex, np.float32, **kwargs)
    pair.step()
    pair.assert_close(1e-4, 1e-5)
    assert pair.calls[0] == pair.calls[1]
    state, t_state = pair.opt.state[pair.ours[0]], pair.t_opt.state[pair.theirs[0]]
    assert state["d"]._data.dtype == np.float32
    assert state["H_diag"]._data.dtype == t_state["H_diag"].numpy().dtype


def test_returns_the_first_loss_and_stops_at_an_optimum():
    p = Parameter(ng.tensor([3.0, -1.0]))
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe")
    calls = []

    def closure():
        opt.zero_grad()
        loss = ((p - ng.tensor([1.0, 2.0])) ** 2).sum()
        loss.backward()
        calls.append(float(loss))
        return loss
    first = opt.step(closure)
    assert float(first) == calls[0] == pytest.approx(13.0)
    np.testing.assert_allclose(p._data, [1.0, 2.0], atol=1e-5)
    n = len(calls)
    opt.step(closure)  # at the optimum: one evaluation, then return
    assert len(calls) == n + 1


def test_closure_idiom_with_a_model_matches_torch():
    """The tutorial idiom: a model, a loss, `def closure(): zero_grad; loss; backward; return`."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 5))
    y = x @ rng.standard_normal((5, 1)) + 0.1 * rng.standard_normal((32, 1))
    ng.set_default_dtype(ng.float64)
    try:
        model = nn.Linear(5, 1)
        t_model = torch.nn.Linear(5, 1).double()
        with torch.no_grad():
            t_model.weight.copy_(torch.from_numpy(model.weight._data.copy()))
            t_model.bias.copy_(torch.from_numpy(model.bias._data.copy()))
        opt = optim.LBFGS(model.parameters(), lr=1, line_search_fn="strong_wolfe")
        t_opt = torch.optim.LBFGS(t_model.parameters(), lr=1, line_search_fn="strong_wolfe")
        xs, ys = ng.tensor(x), ng.tensor(y)
        txs, tys = torch.from_numpy(x), torch.from_numpy(y)

        def closure():
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xs), ys)
            loss.backward()
            return loss

        def t_closure():
            t_opt.zero_grad()
            loss = torch.nn.functional.mse_loss(t_model(txs), tys)
            loss.backward()
            return loss
        for _ in range(3):
            ours, theirs = opt.step(closure), t_opt.step(t_closure).detach()
            assert float(ours) == pytest.approx(theirs.item(), rel=1e-10)
        np.testing.assert_allclose(model.weight._data, t_model.weight.detach().numpy(),
                                   rtol=1e-8, atol=1e-10)
    finally:
        ng.set_default_dtype(ng.float32)


def test_state_dict_round_trip_continues_identically(tmp_path):
    init = _init(np.float32)
    straight = [Parameter(_wrap(a.copy())) for a in init]
    resumed = [Parameter(_wrap(a.copy())) for a in init]

    def closure_for(params):
        def closure():
            loss, grads = smooth_convex([p._data for p in params])
            for p, g in zip(params, grads):
                p.grad = _wrap(g)
            return ng.tensor(loss)
        return closure
    kwargs = dict(history_size=4, max_iter=3, line_search_fn="strong_wolfe")
    opt = optim.LBFGS(straight, **kwargs)
    for _ in range(4):
        opt.step(closure_for(straight))
    first = optim.LBFGS(resumed, **kwargs)
    for _ in range(2):
        first.step(closure_for(resumed))
    ng.save(first.state_dict(), tmp_path / "lbfgs.ckpt")
    second = optim.LBFGS(resumed, **kwargs)
    second.load_state_dict(ng.load(tmp_path / "lbfgs.ckpt"))
    for _ in range(2):
        second.step(closure_for(resumed))
    for p, q in zip(straight, resumed):
        np.testing.assert_array_equal(p._data, q._data)


def test_torch_state_dict_loads_and_continues_like_torch():
    torch = pytest.importorskip("torch")
    pair = Pair(torch, smooth_convex, np.float64, history_size=5, max_iter=4)
    pair.step()
    fresh = [Parameter(_wrap(tp.detach().numpy().copy())) for tp in pair.theirs]
    opt = optim.LBFGS(fresh, history_size=5, max_iter=4)
    opt.load_state_dict(pair.t_opt.state_dict())
    pair.ours, pair.opt = fresh, opt
    for _ in range(3):
        pair.step()
        pair.assert_close(1e-10, 1e-12)


# ---- arguments and hostile state --------------------------------------------------------------
def test_one_group_only_and_closure_required():
    p, q = Parameter(ng.ones(2)), Parameter(ng.ones(2))
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [q]}])
    opt = optim.LBFGS([p])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [q]})
    with pytest.raises(TypeError, match="requires a closure"):
        opt.step()


def test_unknown_line_search_raises_at_step_like_torch():
    torch = pytest.importorskip("torch")
    tp = torch.nn.Parameter(torch.ones(2))
    t_opt = torch.optim.LBFGS([tp], line_search_fn="armijo")

    def t_closure():
        tp.grad = torch.ones(2)
        return torch.tensor(1.0)
    with pytest.raises(RuntimeError) as theirs:
        t_opt.step(t_closure)
    p = Parameter(ng.ones(2))
    opt = optim.LBFGS([p], line_search_fn="armijo")

    def closure():
        p.grad = ng.ones(2)
        return ng.tensor(1.0)
    with pytest.raises(RuntimeError) as ours:
        opt.step(closure)
    assert str(ours.value) == str(theirs.value)


def _trained():
    params = [Parameter(_wrap(a.copy())) for a in _init(np.float32)]
    opt = optim.LBFGS(params, history_size=4, max_iter=3)

    def closure():
        loss, grads = smooth_convex([p._data for p in params])
        for p, g in zip(params, grads):
            p.grad = _wrap(g)
        return ng.tensor(loss)
    opt.step(closure)
    return params, opt, closure


HOSTILE = {
    "d-other-size": (lambda s: s.__setitem__("d", ng.zeros(7)), RuntimeError, "'d'"),
    "d-0-d": (lambda s: s.__setitem__("d", ng.tensor(1.0)), RuntimeError, "'d'"),
    "d-missing": (lambda s: s.pop("d"), KeyError, "'d'"),
    "d-str": (lambda s: s.__setitem__("d", "x"), TypeError, "'d'"),
    "d-int": (lambda s: s.__setitem__("d", ng.zeros(10, dtype=ng.int64)), TypeError, "'d'"),
    "prev-grad-2d": (lambda s: s.__setitem__("prev_flat_grad", ng.zeros(2, 5)), RuntimeError,
                     "'prev_flat_grad'"),
    "old-dirs-entry-short": (lambda s: s["old_dirs"].__setitem__(0, ng.zeros(3)), RuntimeError,
                             "'old_dirs'"),
    "old-dirs-not-list": (lambda s: s.__setitem__("old_dirs", ng.zeros(10)), TypeError,
                          "'old_dirs'"),
    "ro-extra": (lambda s: s["ro"].append(ng.tensor(1.0)), RuntimeError, "'ro'"),
    "ro-vector": (lambda s: s["ro"].__setitem__(0, ng.zeros(3)), TypeError, "'ro'"),
    "h-diag-str": (lambda s: s.__setitem__("H_diag", "x"), TypeError, "'H_diag'"),
    "t-missing": (lambda s: s.pop("t"), KeyError, "'t'"),
    "n-iter-float": (lambda s: s.__setitem__("n_iter", 1.5), TypeError, "'n_iter'"),
    "n-iter-negative": (lambda s: s.__setitem__("n_iter", -1), TypeError, "'n_iter'"),
    "history-too-long": (lambda s: [s[k].extend([s[k][0]] * 5) for k in ("old_dirs", "old_stps",
                                                                      "ro")],
                         RuntimeError, "history_size"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_state_raises_before_anything_changes(kind):
    params, opt, closure = _trained()
    corrupt, exc, name = HOSTILE[kind]
    state = opt.state[params[0]]
    if kind in ("old-dirs-entry-short", "ro-vector", "history-too-long") and not state["old_dirs"]:
        pytest.fail("the warm-up step should have stored curvature pairs")
    corrupt(state)
    before = [p._data.copy() for p in params]
    calls = []

    def counting():
        calls.append(1)
        return closure()
    with pytest.raises(exc, match=name):
        opt.step(counting)
    assert calls == []  # refused before the first evaluation
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p._data, b)


def test_hostile_state_through_load_state_dict():
    params, opt, closure = _trained()
    sd = opt.state_dict()
    sd["state"][0]["d"] = ng.zeros(3)
    fresh = optim.LBFGS(params, history_size=4, max_iter=3)
    fresh.load_state_dict(sd)
    with pytest.raises(RuntimeError, match=r"'d' is a tensor of shape \(3,\).*10 elements"):
        fresh.step(closure)


def test_parameter_replaced_through_data_is_refused():
    params, opt, closure = _trained()
    params[1].data = ng.zeros(6)

    def closure2():
        for p in params:
            p.grad = ng.ones(p.shape)
        return ng.tensor(1.0)
    with pytest.raises(RuntimeError, match="'d'.*12 elements"):
        opt.step(closure2)


def test_empty_parameters_and_nan_loss():
    p = Parameter(ng.zeros(0))
    opt = optim.LBFGS([p])

    def closure():
        p.grad = ng.zeros(0)
        return ng.tensor(0.0)
    with pytest.raises(RuntimeError, match="no elements"):
        opt.step(closure)
    q = Parameter(ng.ones(2))
    opt = optim.LBFGS([q], max_iter=3)

    def nan_closure():
        q.grad = ng.tensor([float("nan"), 1.0])
        return ng.tensor(float("nan"))
    assert np.isnan(float(opt.step(nan_closure)))  # no crash; NaN propagates as in PyTorch
