"""numbagrad.compile: a compiled training step leaves exactly the state eager mode leaves.

Each test runs the same step twice from the same seed - once eagerly, once compiled - and compares
everything observable afterwards: parameters, `.grad`s, the optimizer's `state_dict()`, BatchNorm's
buffers, version counters, numbagrad's RNG state, and the losses returned at every step. The
compiled step is bit-identical to eager for every configuration here (the lowering mirrors eager's
arithmetic, see docs/compiler.md), so the comparisons are exact.

Compiled code runs numba kernels without bounds checks, so these tests run in a child pytest
(`test_compile_in_subprocess`): a crash fails that test instead of killing the run.
"""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.nn.functional as F
import numbagrad.optim as optim
from numbagrad.compiler import CompileError, CompileFallbackWarning

CHILD = os.environ.get("NUMBAGRAD_COMPILE_CHILD") == "1"
child = pytest.mark.skipif(not CHILD, reason="runs inside test_compile_in_subprocess")

ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu,
               "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu,
               "elu": F.elu, "leaky_relu": lambda x: F.leaky_relu(x, 0.1), "softplus": F.softplus}


class Net(nn.Module):
    def __init__(self, extra=None, act="relu", dtype=None, classes=5):
        super().__init__()
        self.fc1 = nn.Linear(20, 16, dtype=dtype)
        self.fc2 = nn.Linear(16, 12, dtype=dtype)
        self.fc3 = nn.Linear(12, classes, dtype=dtype)
        self.extra = extra
        if extra == "dropout":
            self.ex = nn.Dropout(0.3)
        elif extra == "batchnorm":
            self.ex = nn.BatchNorm1d(16, dtype=dtype)
        elif extra == "layernorm":
            self.ex = nn.LayerNorm(16, dtype=dtype)
        self.act = ACTIVATIONS[act]

    def forward(self, x):
        h = self.fc1(x)
        if self.extra is not None:
            h = self.ex(h)
        h = self.act(h)
        h = self.act(self.fc2(h))
        return self.fc3(h)


OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.05),
    "sgd_momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "sgd_nesterov_wd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "sgd_dampening_maximize": lambda p: optim.SGD(p, lr=0.01, momentum=0.5, dampening=0.3, maximize=True),
    "adam": lambda p: optim.Adam(p, lr=1e-2),
    "adam_wd": lambda p: optim.Adam(p, lr=1e-2, weight_decay=1e-2),
    "adamw_amsgrad": lambda p: optim.AdamW(p, lr=1e-2, amsgrad=True),
    "rmsprop": lambda p: optim.RMSprop(p, lr=1e-2),
    "rmsprop_centered_momentum": lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True,
                                                         weight_decay=1e-3),
}


class Setup:
    """A model, optimizer, loss and step function built from one seed."""

    def __init__(self, opt="sgd_momentum", extra=None, act="relu", dtype=None, scheduler=False,
                 loss="ce", seed=0):
        torch.manual_seed(seed)
        self.model = Net(extra, act, dtype)
        self.opt = OPTIMIZERS[opt](self.model.parameters())
        self.crit = nn.MSELoss() if loss == "mse" else nn.CrossEntropyLoss()
        self.sched = optim.lr_scheduler.StepLR(self.opt, 1, gamma=0.98) if scheduler else None

        def step(x, y):
            self.opt.zero_grad()
            loss = self.crit(self.model(x), y)
            loss.backward()
            self.opt.step()
            return loss
        self.step = step


def batches(n_batches=10, batch=16, last=7, dtype=np.float32, loss="ce", seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_batches):
        n = last if (i == n_batches - 1 and last) else batch
        x = rng.standard_normal((n, 20)).astype(dtype)
        y = rng.integers(0, 5, n) if loss == "ce" else rng.standard_normal((n, 5)).astype(dtype)
        out.append((torch.from_numpy(x), torch.from_numpy(y)))
    return out


def assert_same_state(a, b):
    """Everything observable after a step: parameters, grads, versions, optimizer state, buffers."""
    for (name, p), q in zip(a.model.named_parameters(), b.model.parameters()):
        assert np.array_equal(p._data, q._data), name
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert np.array_equal(p.grad._data, q.grad._data), name
            assert p.grad._version[0] == q.grad._version[0], name
            assert q.grad.grad_fn is None and not q.grad.requires_grad
        assert p._version[0] == q._version[0], name
    for (name, u), v in zip(a.model.named_buffers(), b.model.buffers()):
        assert np.array_equal(u._data, v._data) and u._data.dtype == v._data.dtype, name
        assert u._version[0] == v._version[0], name
    sa, sb = a.opt.state_dict(), b.opt.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    assert sa["state"].keys() == sb["state"].keys()
    for k in sa["state"]:
        assert sa["state"][k].keys() == sb["state"][k].keys()
        for key, value in sa["state"][k].items():
            other = sb["state"][k][key]
            assert np.array_equal(value._data, other._data) and value._data.dtype == other._data.dtype, key


def run_both(eager, compiled_setup, data, steps, compiled_fn=None):
    """Run eager and compiled side by side from the same RNG state; returns the compiled function."""
    fn = compiled_fn or torch.compile(compiled_setup.step)
    for i in range(steps):
        x, y = data[i % len(data)]
        state = torch.get_rng_state()
        l1 = eager.step(x, y)
        after = torch.get_rng_state()
        torch.set_rng_state(state)
        l2 = fn(x, y)
        assert np.array_equal(torch.get_rng_state().numpy(), after.numpy()), f"RNG state, step {i}"
        assert l1._data.dtype == l2._data.dtype and np.array_equal(l1._data, l2._data), f"loss, step {i}"
        assert l2.requires_grad and l2.grad_fn.name() == l1.grad_fn.name()
        for s in (eager, compiled_setup):
            if s.sched is not None:
                s.sched.step()
    return fn


CONFIGS = (
    [dict(opt=o) for o in OPTIMIZERS]
    + [dict(extra=e) for e in ("dropout", "batchnorm", "layernorm")]
    + [dict(act=a) for a in ACTIVATIONS if a != "relu"]
    + [dict(opt="adam", dtype=torch.float64), dict(extra="batchnorm", dtype=torch.float64),
       dict(extra="layernorm", opt="rmsprop", dtype=torch.float64),
       dict(extra="dropout", opt="adamw_amsgrad", dtype=torch.float64),
       dict(scheduler=True), dict(opt="adam", scheduler=True), dict(loss="mse"),
       dict(loss="mse", dtype=torch.float64, opt="adam")]
)


def _config_id(c):
    return "-".join(f"{v}" if k != "dtype" else str(v).split(".")[-1] for k, v in c.items())


@child
@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_compiled_matches_eager_for_200_steps(config):
    dtype = np.float64 if config.get("dtype") == torch.float64 else np.float32
    data = batches(dtype=dtype, loss=config.get("loss", "ce"))
    eager, comp = Setup(**config), Setup(**config)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        fn = run_both(eager, comp, data, 200)
    assert fn.eager_reason is None
    assert fn.captures == 2  # the full batch and the last, smaller one: one capture each
    assert len({s.source_hash for s in fn.specialisations}) == 1  # one source serves both sizes
    assert_same_state(eager, comp)


@child
def test_registry_elementwise_op_is_fused_from_its_scalar_form():
    """Ops declared in the registry by a scalar form compile without a table entry of their own.
    numba evaluates libm's atan where NumPy uses its own vectorised code: equal to a few ulps."""
    def make():
        torch.manual_seed(0)
        lin = nn.Linear(6, 4)
        opt = optim.SGD(lin.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = ((torch.atan(lin(x)) - y) * torch.hypot(lin(x), y)).mean()
            loss.backward()
            opt.step()
            return loss
        return lin, step
    (l1, s1), (l2, s2) = make(), make()
    c2 = torch.compile(s2)
    rng = np.random.default_rng(0)
    x, y = (torch.from_numpy(rng.standard_normal(s).astype(np.float32)) for s in ((8, 6), (8, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        for _ in range(20):
            a, b = s1(x, y), c2(x, y)
            np.testing.assert_allclose(b.item(), a.item(), rtol=1e-5)
    assert c2.specialisations and c2.eager_reason is None
    for p, q in zip(l1.parameters(), l2.parameters()):
        np.testing.assert_allclose(q._data, p._data, rtol=1e-5, atol=1e-6)


# ---- fallbacks: one warning naming the reason and the line, then eager's results ----------------
class MyRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0).float()


def _fallback_steps():
    """name -> (step maker, text the warning names). Each maker gets a Setup."""
    def item(s):
        def step(x, y):
            s.opt.zero_grad()
            loss = s.crit(s.model(x), y)
            if loss.item() > 100:
                loss = loss * 0.5
            loss.backward()
            s.opt.step()
            return loss
        return step

    def user_function(s):
        def step(x, y):
            s.opt.zero_grad()
            loss = s.crit(s.model.fc3(MyRelu.apply(s.model.fc2(F.relu(s.model.fc1(x))))), y)
            loss.backward()
            s.opt.step()
            return loss
        return step

    def hook(s):
        def step(x, y):
            s.opt.zero_grad()
            h = F.relu(s.model.fc1(x))
            h.register_hook(lambda g: g * 2)
            loss = s.crit(s.model.fc3(F.relu(s.model.fc2(h))), y)
            loss.backward()
            s.opt.step()
            return loss
        return step

    def inplace_view(s):
        def step(x, y):
            s.opt.zero_grad()
            h = s.model.fc1(x)
            h[:, 0] *= 2
            loss = s.crit(s.model.fc3(F.relu(s.model.fc2(F.relu(h)))), y)
            loss.backward()
            s.opt.step()
            return loss
        return step

    def no_compiled_form(s):
        def step(x, y):
            s.opt.zero_grad()
            out = s.model(x)
            loss = F.nll_loss(torch.log(F.softmax(out, dim=1)), y)  # softmax has no lowering
            loss.backward()
            s.opt.step()
            return loss
        return step

    def random_draw(s):
        def step(x, y):
            s.opt.zero_grad()
            loss = s.crit(s.model(x + 0.01 * torch.randn(*x.shape)), y)
            loss.backward()
            s.opt.step()
            return loss
        return step

    def clip_grad(s):
        def step(x, y):
            s.opt.zero_grad()
            loss = s.crit(s.model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(s.model.parameters(), 0.01)
            s.opt.step()
            return loss
        return step

    def manual_grad_reset(s):
        def step(x, y):
            for p in s.model.parameters():
                p.grad = None
            loss = s.crit(s.model(x), y)
            loss.backward()
            s.opt.step()
            return loss
        return step

    def print_tensor(s):
        def step(x, y):
            s.opt.zero_grad()
            loss = s.crit(s.model(x), y)
            print(loss)
            loss.backward()
            s.opt.step()
            return loss
        return step

    return {"item": (item, "item"), "user_function": (user_function, "MyRelu"),
            "hook": (hook, "hook"), "inplace_view": (inplace_view, "in-place op Tensor.__imul__"),
            "no_compiled_form": (no_compiled_form, "no compiled form"),
            "random_draw": (random_draw, "factory"),
            "clip_grad": (clip_grad, "clip_grad_norm_"),
            "manual_grad_reset": (manual_grad_reset, "assigns grad"),
            "print_tensor": (print_tensor, "repr")}


@child
@pytest.mark.parametrize("name", sorted(_fallback_steps()))
def test_fallback_warns_once_and_gives_eager_results(name, capsys):
    maker, text = _fallback_steps()[name]
    eager, comp = Setup(), Setup()
    fn = torch.compile(maker(comp))
    eager.step = maker(eager)
    data = batches()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(6):
            x, y = data[i]
            state = torch.get_rng_state()
            l1 = eager.step(x, y)
            torch.set_rng_state(state)
            l2 = fn(x, y)
            assert np.array_equal(l1._data, l2._data)
    ours = [w for w in caught if issubclass(w.category, CompileFallbackWarning)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    message = str(ours[0].message)
    assert text in message and "test_compile.py" in message, message
    assert fn.eager_reason is not None and not fn.specialisations
    assert_same_state(eager, comp)


@child
def test_fullgraph_raises_instead_of_falling_back():
    s = Setup()

    def step(x, y):
        loss = s.crit(s.model(x), y)
        return loss, loss.item()
    fn = torch.compile(step, fullgraph=True)
    x, y = batches()[0]
    with pytest.raises(CompileError, match="item"):
        fn(x, y)


@child
def test_python_side_effect_in_the_function_falls_back():
    s = Setup()
    counter = {"n": 0}

    def step(x, y):
        s.opt.zero_grad()
        loss = s.crit(s.model(x), y)
        loss.backward()
        s.opt.step()
        counter["n"] += 1
        return loss
    fn = torch.compile(step)
    x, y = batches()[0]
    with pytest.warns(CompileFallbackWarning, match="STORE_SUBSCR"):
        fn(x, y)
    fn(x, y)
    assert counter["n"] == 2


# ---- guards, recompiles and state ------------------------------------------------------------------
@child
def test_learning_rate_edited_by_hand_is_read_at_every_call():
    eager, comp = Setup(opt="adam"), Setup(opt="adam")
    fn = torch.compile(comp.step)
    data = batches(last=0)
    for i in range(12):
        for s in (eager, comp):
            s.opt.param_groups[0]["lr"] = 0.02 / (i + 1)
            s.opt.param_groups[0]["betas"] = (0.9, 0.99 if i > 5 else 0.999)
        run_both(eager, comp, data[i % 10:i % 10 + 1], 1, fn)
    assert fn.captures == 1
    assert_same_state(eager, comp)


@child
@pytest.mark.parametrize("extra", ["dropout", "batchnorm"])
def test_eval_mode_switch_recompiles_and_matches_eager(extra):
    eager, comp = Setup(extra=extra), Setup(extra=extra)
    fn = torch.compile(comp.step)
    data = batches(last=0)
    for i in range(9):
        for s in (eager, comp):
            s.model.train(i % 3 != 2)
        run_both(eager, comp, data[i:i + 1], 1, fn)
    assert fn.captures == 2 and fn.eager_reason is None
    assert_same_state(eager, comp)


@child
def test_recompile_limit_falls_back_to_eager():
    eager, comp = Setup(), Setup()
    fn = torch.compile(comp.step)
    rng = np.random.default_rng(0)
    with pytest.warns(CompileFallbackWarning, match="recompile limit"):
        for n in range(2, 14):
            x = torch.from_numpy(rng.standard_normal((n, 20)).astype(np.float32))
            y = torch.from_numpy(rng.integers(0, 5, n))
            run_both(eager, comp, [(x, y)], 1, fn)
    assert fn.eager_reason is not None
    assert_same_state(eager, comp)


@child
def test_state_dict_loaded_between_calls_is_used():
    eager, comp = Setup(opt="adam"), Setup(opt="adam")
    fn = torch.compile(comp.step)
    data = batches(last=0)
    run_both(eager, comp, data, 3, fn)
    saved = eager.opt.state_dict()
    snapshot = {k: {kk: vv.clone() for kk, vv in v.items()} for k, v in saved["state"].items()}
    run_both(eager, comp, data, 3, fn)
    for s in (eager, comp):
        s.opt.load_state_dict({"state": snapshot, "param_groups": saved["param_groups"]})
    run_both(eager, comp, data, 3, fn)
    assert fn.captures == 1
    assert_same_state(eager, comp)


@child
def test_parameter_replaced_through_data_recompiles():
    eager, comp = Setup(), Setup()
    fn = torch.compile(comp.step)
    data = batches(last=0)
    run_both(eager, comp, data, 3, fn)
    for s in (eager, comp):
        s.model.fc3.weight.data = torch.zeros(5, 12)
        s.opt.state.clear()
    run_both(eager, comp, data, 3, fn)
    assert_same_state(eager, comp)


@child
def test_switching_between_compiled_and_eager_mid_training():
    eager, comp = Setup(opt="rmsprop_centered_momentum", extra="batchnorm"), \
        Setup(opt="rmsprop_centered_momentum", extra="batchnorm")
    fn = torch.compile(comp.step)
    data = batches(last=0)
    for block in range(4):
        step = fn if block % 2 == 0 else comp.step
        run_both(eager, comp, data, 4, step)
    assert_same_state(eager, comp)


@child
def test_bad_label_raises_eagers_error_with_eagers_state():
    eager, comp = Setup(), Setup()
    fn = torch.compile(comp.step)
    data = batches(last=0)
    run_both(eager, comp, data, 2, fn)
    x, y = data[0]
    bad = torch.from_numpy(np.where(np.arange(16) == 3, 7, y.numpy()))
    with pytest.raises(IndexError) as e1:
        eager.step(x, bad)
    with pytest.raises(IndexError) as e2:
        fn(x, bad)
    assert str(e1.value) == str(e2.value)
    assert_same_state(eager, comp)
    run_both(eager, comp, data, 2, fn)
    assert_same_state(eager, comp)


@child
def test_compiled_results_are_new_tensors_at_every_call():
    s = Setup()
    fn = torch.compile(s.step)
    data = batches(last=0)
    losses, grads = [], []
    for i in range(4):
        losses.append(fn(*data[i]))
        grads.append(s.model.fc1.weight.grad)
    assert len({id(t._data) for t in losses}) == 4
    assert len({id(g._data) for g in grads}) == 4
    assert not np.array_equal(losses[2]._data, losses[3]._data)
    with pytest.raises(RuntimeError, match="second time"):
        losses[3].backward()


@child
def test_gradient_accumulation_without_zero_grad():
    def make():
        s = Setup()

        def step(x, y):
            loss = s.crit(s.model(x), y)
            loss.backward()
            return loss
        s.step = step
        return s
    eager, comp = make(), make()
    data = batches(last=0)
    run_both(eager, comp, data, 5, torch.compile(comp.step))
    assert_same_state(eager, comp)


@child
def test_decorator_forms():
    s = Setup()

    @torch.compile
    def a(x, y):
        return s.crit(s.model(x), y)

    @torch.compile(fullgraph=False, mode="max-autotune", dynamic=True)
    def b(x, y):
        return s.crit(s.model(x), y)
    assert torch.compile(a.fn, disable=True) is a.fn
    x, y = batches()[0]
    with torch.no_grad():
        for f in (a, b):
            for _ in range(3):
                assert np.array_equal(f(x, y)._data, s.crit(s.model(x), y)._data)


@child
@pytest.mark.parametrize("extra", [None, "dropout", "batchnorm", "layernorm"])
def test_compiled_module_inference_equals_eager(extra):
    torch.manual_seed(0)
    model = Net(extra)
    model.eval()
    cm = torch.compile(model)
    data = batches()
    with torch.no_grad():
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileFallbackWarning)
            for x, _ in data + data:
                assert np.array_equal(cm(x)._data, model(x)._data)
    assert cm._compiled[False].specialisations
    assert [k for k in cm.state_dict()] == ["_orig_mod." + k for k in model.state_dict()]
    assert cm.fc1 is model.fc1


@child
@pytest.mark.parametrize("extra", [None, "dropout", "batchnorm", "layernorm"])
def test_compiled_module_trains_like_eager(extra):
    """torch.compile(model) under grad mode: the forward is compiled and its outputs carry one
    node whose backward is compiled too; the eager loss and optimizer around it see eager's values."""
    torch.manual_seed(0)
    m1 = Net(extra)
    torch.manual_seed(0)
    m2 = Net(extra)
    cm = torch.compile(m2)
    o1 = optim.SGD(m1.parameters(), lr=0.1, momentum=0.9)
    o2 = optim.SGD(m2.parameters(), lr=0.1, momentum=0.9)
    crit = nn.CrossEntropyLoss()
    data = batches(last=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        for i in range(12):
            x, y = data[i % len(data)]
            state = torch.get_rng_state()
            o1.zero_grad()
            l1 = crit(m1(x), y)
            l1.backward()
            o1.step()
            torch.set_rng_state(state)
            o2.zero_grad()
            out = cm(x)
            l2 = crit(out, y)
            l2.backward()
            o2.step()
            assert np.array_equal(l1._data, l2._data)
            assert i == 0 or out.grad_fn.name() == "CompiledFunctionBackward"
    for (name, p), q in zip(m1.named_parameters(), m2.parameters()):
        assert np.array_equal(p._data, q._data) and np.array_equal(p.grad._data, q.grad._data), name
    for u, v in zip(m1.buffers(), m2.buffers()):
        assert np.array_equal(u._data, v._data)
    assert cm._compiled[True].specialisations


@child
def test_compiled_module_inside_an_eager_graph():
    """Two compiled forwards before one backward, one of them after an eager layer whose
    gradient flows through the compiled region; backward twice and a saved parameter changed in
    place raise eager's errors."""
    rng = np.random.default_rng(0)
    x1, x2 = (torch.from_numpy(rng.standard_normal((16, 20)).astype(np.float32)) for _ in range(2))
    y = torch.from_numpy(rng.integers(0, 5, 16))
    crit = nn.CrossEntropyLoss()
    torch.manual_seed(0)
    m1 = Net()
    torch.manual_seed(0)
    m2 = Net()
    cm = torch.compile(m2)
    pre1, pre2 = nn.Linear(20, 20), nn.Linear(20, 20)
    pre2.load_state_dict(pre1.state_dict())
    for _ in range(3):
        l1 = crit(m1(pre1(x1)), y) + crit(m1(x2), y) * 0.5
        l2 = crit(cm(pre2(x1)), y) + crit(cm(x2), y) * 0.5
        l1.backward()
        l2.backward()
        assert np.array_equal(l1._data, l2._data)
        for p, q in zip(list(m1.parameters()) + list(pre1.parameters()),
                        list(m2.parameters()) + list(pre2.parameters())):
            assert np.array_equal(p.grad._data, q.grad._data)
    loss = crit(cm(x1), y)
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()
    loss = crit(cm(x1), y)
    with torch.no_grad():
        m2.fc2.weight.mul_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# ---- hostile but valid steps ---------------------------------------------------------------------------
def _small_data(n=8, features=6, classes=3, count=3, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [(torch.from_numpy(rng.standard_normal((n, features)).astype(dtype)),
             torch.from_numpy(rng.integers(0, classes, n))) for _ in range(count)]


def _compare(make, data, steps=6):
    """make() -> (step, tensors()); eager and compiled from the same seed must agree exactly on
    every returned tensor and on every tensor (and its .grad) listed."""
    torch.manual_seed(0)
    step_a, tensors_a = make()
    torch.manual_seed(0)
    step_b, tensors_b = make()
    fn = torch.compile(step_b)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        for i in range(steps):
            args = data[i % len(data)]
            state = torch.get_rng_state()
            r1 = step_a(*args)
            torch.set_rng_state(state)
            r2 = fn(*args)
            _assert_same_result(r1, r2)
    for t1, t2 in zip(tensors_a(), tensors_b()):
        assert np.array_equal(t1._data, t2._data, equal_nan=True)
        assert (t1.grad is None) == (t2.grad is None)
        if t1.grad is not None:
            assert np.array_equal(t1.grad._data, t2.grad._data, equal_nan=True)
    assert fn.specialisations and fn.eager_reason is None
    return fn


def _assert_same_result(r1, r2):
    if isinstance(r1, dict):
        assert r1.keys() == r2.keys()
        for k in r1:
            _assert_same_result(r1[k], r2[k])
    elif isinstance(r1, (tuple, list)):
        assert type(r1) is type(r2) and len(r1) == len(r2)
        for a, b in zip(r1, r2):
            _assert_same_result(a, b)
    elif isinstance(r1, torch.Tensor):
        assert r1._data.dtype == r2._data.dtype and r1.shape == r2.shape
        assert np.array_equal(r1._data, r2._data, equal_nan=True)
        assert r1.requires_grad == r2.requires_grad
    else:
        assert r1 == r2


def _mlp_step(model_fn, opt_fn, loss_fn=None):
    def make():
        model = model_fn()
        params = [p for p in model.parameters() if p.requires_grad]
        opt = opt_fn(params)
        crit = loss_fn or nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, lambda: list(model.parameters()) + list(model.buffers())
    return make


@child
def test_frozen_layer():
    def model():
        m = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
        m[0].weight.requires_grad_(False)
        return m
    _compare(_mlp_step(model, lambda p: optim.SGD(p, lr=0.1, momentum=0.9)), _small_data())


@child
def test_layer_used_twice_sums_its_gradients_in_engine_order():
    def make():
        l1, l2 = nn.Linear(6, 6), nn.Linear(6, 3)
        opt = optim.Adam(list(l1.parameters()) + list(l2.parameters()), lr=0.01)
        crit = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = crit(l2(F.relu(l1(F.relu(l1(x))))), y)
            loss.backward()
            opt.step()
            return loss
        return step, lambda: list(l1.parameters()) + list(l2.parameters())
    _compare(make, _small_data())


@child
def test_input_that_requires_grad_gets_its_grad():
    def make():
        lin = nn.Linear(6, 3)
        crit = nn.CrossEntropyLoss()

        def step(x, y):
            loss = crit(lin(x), y)
            loss.backward()
            return loss
        return step, lambda: list(lin.parameters())
    data_a = [(x.detach().clone().requires_grad_(), y) for x, y in _small_data(count=1)]
    data_b = [(x.detach().clone().requires_grad_(), y) for x, y in data_a]
    torch.manual_seed(0)
    step_a, _ = make()
    torch.manual_seed(0)
    step_b, _ = make()
    fn = torch.compile(step_b)
    for _ in range(4):
        step_a(*data_a[0])
        fn(*data_b[0])
        assert np.array_equal(data_a[0][0].grad._data, data_b[0][0].grad._data)
        assert data_a[0][0].grad._version[0] == data_b[0][0].grad._version[0]
    assert fn.specialisations


@child
def test_empty_batch_and_non_contiguous_input():
    make = _mlp_step(lambda: nn.Linear(6, 3), lambda p: optim.SGD(p, lr=0.1, momentum=0.5))
    _compare(make, [(torch.zeros(0, 6), torch.zeros(0, dtype=torch.int64))])
    rng = np.random.default_rng(0)
    wide = torch.from_numpy(rng.standard_normal((6, 16)).astype(np.float32))
    _compare(make, [(wide.t()[:8], torch.from_numpy(rng.integers(0, 3, 8)))])


@child
def test_nan_and_inf_inputs():
    make = _mlp_step(lambda: nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3)),
                     lambda p: optim.SGD(p, lr=0.1))
    x, y = _small_data(count=1)[0]
    x._data[0, 0] = np.nan
    x._data[1, :] = np.inf
    x._data[2, :] = -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _compare(make, [(x, y)])


@child
def test_cross_entropy_weights_smoothing_ignore_index_and_reductions():
    weight = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    crit = nn.CrossEntropyLoss(weight=weight, label_smoothing=0.1, ignore_index=1)
    make = _mlp_step(lambda: nn.Linear(6, 3, dtype=torch.float64), lambda p: optim.SGD(p, lr=0.1), crit)
    _compare(make, _small_data(dtype=np.float64))

    def make_reductions():
        lin = nn.Linear(6, 3)
        opt = optim.SGD(lin.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            out = lin(x)
            loss = F.cross_entropy(out, y, reduction="none").sum() + 0.1 * F.cross_entropy(out, y, reduction="sum")
            loss.backward()
            opt.step()
            return loss
        return step, lambda: list(lin.parameters())
    _compare(make_reductions, _small_data())


@child
def test_two_optimizers_and_a_dict_result():
    def make():
        l1, l2 = nn.Linear(6, 4), nn.Linear(4, 3)
        o1, o2 = optim.SGD(l1.parameters(), lr=0.1), optim.Adam(l2.parameters(), lr=0.01)
        crit = nn.CrossEntropyLoss()

        def step(x, y):
            o1.zero_grad()
            o2.zero_grad()
            hidden = torch.sigmoid(l1(x))
            loss = crit(l2(hidden), y)
            loss.backward()
            o1.step()
            o2.step()
            return {"loss": loss, "hidden": hidden.detach(), "weight": l1.weight}
        return step, lambda: list(l1.parameters()) + list(l2.parameters())
    _compare(make, _small_data())


@child
def test_python_number_arguments_and_globals_are_guarded():
    def make():
        lin = nn.Linear(6, 3)
        opt = optim.SGD(lin.parameters(), lr=0.1)
        crit = nn.CrossEntropyLoss()

        def step(x, y, scale):
            opt.zero_grad()
            loss = crit(lin(x), y) * scale * _SCALE
            loss.backward()
            opt.step()
            return loss
        return step, lambda: list(lin.parameters())
    global _SCALE
    data = [xy + (s,) for xy, s in zip(_small_data(count=3), (0.5, 0.5, 2.0))]
    _SCALE = 1.0
    fn = _compare(make, data, steps=3)
    assert fn.captures == 2
    torch.manual_seed(0)
    step_a, _ = make()
    torch.manual_seed(0)
    step_b, _ = make()
    fn = torch.compile(step_b)
    for i in range(4):
        if i == 2:
            _SCALE = 3.0
        assert np.array_equal(step_a(*data[0])._data, fn(*data[0])._data)
    assert fn.captures == 2


_SCALE = 1.0


@child
def test_inference_function_under_no_grad():
    def make():
        m = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.Dropout(0.2), nn.ReLU(), nn.Linear(4, 3))
        m.eval()

        def step(x, y):
            with torch.no_grad():
                out = m(x)
                return out, (out * 2).sum(), F.cross_entropy(out, y)
        return step, lambda: list(m.parameters()) + list(m.buffers())
    _compare(make, _small_data())


@child
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (2, 3, 4), (3, 4, 5, 2, 2)])
def test_sizes_passed_to_kernels_do_not_clash_with_loop_bounds(shape):
    """A mean over the leading dim of an N-D tensor passes its element count to a generated loop
    over N-1 dims; that count was once named like a loop bound (n2) and overwritten by it, so the
    compiled result was silently wrong. Also a 0-d output's gradient entering compiled backward
    (once made 1-d on the way in)."""
    rng = np.random.default_rng(0)
    values = rng.standard_normal(shape).astype(np.float32)

    def f(x):
        y = x.mean(0)
        return (y * y).sum()

    compiled = torch.compile(f, fullgraph=True)
    x_eager = torch.tensor(values, requires_grad=True)
    x_comp = torch.tensor(values, requires_grad=True)
    expected = f(x_eager)
    expected.backward()
    for _ in range(3):
        x_comp.grad = None
        got = compiled(x_comp)
        got.backward()
        np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-6)
        np.testing.assert_allclose(x_comp.grad.numpy(), x_eager.grad.numpy(), rtol=1e-6, atol=1e-7)


@child
@pytest.mark.parametrize("parallel_kernels_ran", [False, True])
def test_compiled_products_take_eagers_blas_path(monkeypatch, parallel_kernels_ran):
    # once numba's parallel kernels have run, eager's products of 2**18 multiply-adds or more go
    # to the private BLAS (ops/matmul_arrays.py); the compiled step's must go the same way, or
    # their last bits differ from eager's. 64 x 512 @ 512 x 256 is split over numba's pool,
    # 64 x 256 @ 256 x 32 one call on the calling thread, 64 x 32 @ 32 x 5 NumPy's.
    from numbagrad.kernels import parallel_region
    monkeypatch.setattr(parallel_region.PARALLEL_REGION, "started", parallel_kernels_ran)

    class Wide(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(512, 256), nn.Linear(256, 32), nn.Linear(32, 5)

        def forward(self, x):
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    setups = []
    for _ in range(2):
        setup = Setup()
        torch.manual_seed(0)
        setup.model = Wide()
        setup.opt = optim.SGD(setup.model.parameters(), lr=0.05, momentum=0.9)
        setups.append(setup)
    eager, comp = setups  # each step closure reads its setup's model and optimizer when called
    rng = np.random.default_rng(3)
    data = [(torch.from_numpy(rng.standard_normal((64, 512)).astype(np.float32)),
             torch.from_numpy(rng.integers(0, 5, 64))) for _ in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        fn = run_both(eager, comp, data, 6)
    assert fn.eager_reason is None
    from numbagrad.kernels import gemm
    calls = []
    real = gemm.gemm
    monkeypatch.setattr(gemm, "gemm", lambda a, b, out: calls.append(out.shape) or real(a, b, out))
    eager.step(*data[0])
    eager_calls, calls[:] = list(calls), []
    fn(*data[0])
    # fc1's forward and weight gradient, fc2's three products
    assert calls == eager_calls and len(calls) == (5 if parallel_kernels_ran else 0)
    assert_same_state(eager, comp)


def run_in_child(test_file):
    """Run test_file's compiled tests in a child pytest (NUMBAGRAD_COMPILE_CHILD=1): a crash of
    generated code (no bounds checks) fails the calling test instead of killing the run."""
    env = dict(os.environ, NUMBAGRAD_COMPILE_CHILD="1")
    env.setdefault("NUMBAGRAD_CACHE_DIR", os.path.join(_tmp(), "numbagrad-test-compile-cache"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file, "-k", "not subprocess"],
        capture_output=True, text=True, env=env, cwd=root, timeout=1800)
    assert proc.returncode == 0, (
        f"child run failed (return code {proc.returncode}; negative = killed by signal)\n"
        f"{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}")


@pytest.mark.skipif(CHILD, reason="this is the child run")
def test_compile_in_subprocess():
    """Run the compiled tests above in a child pytest: a crash shows as a failed test here."""
    run_in_child(__file__)


def _tmp():
    import tempfile
    return tempfile.gettempdir()
