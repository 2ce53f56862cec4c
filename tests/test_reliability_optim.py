"""Reliability of the optimizers and of state-dict loading (issue 12).

Optimizer state that does not fit its parameter -- loaded from a state dict, or left behind when
the parameter was replaced through `.data` or cast to another dtype -- must never reach an update
kernel: it raises (RuntimeError for a shape, KeyError for a missing key, TypeError for a value
that is no tensor) or it is used correctly, as in PyTorch.

The corruption matrix (every optimizer configuration x every kind of corruption, at load time
and at step time) runs in ONE child process, with a spy in front of every update kernel that
checks the kernel's contract and refuses a call that breaks it; a crash in the child fails the
cases it did not finish, not the test run. Each case is compared with PyTorch (run here) where
torch is installed: the same exception type where PyTorch raises the same kind of error, the
same parameters (NaN-aware) where both succeed. Deliberate differences are listed in `DIFFERS`.
"""
import copy
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import optim
from numbagrad.nn import Parameter
from numbagrad.tensor import _wrap

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

CHILD_FLAG = "--optim-child"
SHAPES = [(3, 4), (2, 3)]
TARGET = 1  # the corrupted parameter: messages must name index 1
_rng = np.random.default_rng(12)
INIT = [_rng.normal(size=s).astype(np.float32) for s in SHAPES]
GRADS = [[_rng.normal(size=s) + 0.1 for s in SHAPES] for _ in range(5)]

# name -> (optimizer, kwargs, kernel state keys, keys a non-empty state must hold)
CONFIGS = {
    "SGD": ("SGD", dict(lr=0.1), (), ()),
    "SGD-momentum": ("SGD", dict(lr=0.1, momentum=0.9), ("momentum_buffer",), ()),
    "SGD-nesterov-wd": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                        ("momentum_buffer",), ()),
    "Adam": ("Adam", dict(lr=0.01), ("exp_avg", "exp_avg_sq"), ("step", "exp_avg", "exp_avg_sq")),
    "Adam-amsgrad": ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1),
                     ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                     ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
    "AdamW": ("AdamW", dict(lr=0.01), ("exp_avg", "exp_avg_sq"), ("step", "exp_avg", "exp_avg_sq")),
    "RMSprop": ("RMSprop", dict(lr=0.01), ("square_avg",), ("step", "square_avg")),
    "RMSprop-centered-momentum": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True),
                                  ("square_avg", "momentum_buffer", "grad_avg"),
                                  ("step", "square_avg", "momentum_buffer", "grad_avg")),
    "Adagrad": ("Adagrad", dict(lr=0.1, lr_decay=0.01), ("sum",), ("step", "sum")),
    "Adadelta": ("Adadelta", dict(lr=0.5, weight_decay=0.1), ("square_avg", "acc_delta"),
                 ("step", "square_avg", "acc_delta")),
    "Adamax": ("Adamax", dict(lr=0.01), ("exp_avg", "exp_inf"), ("step", "exp_avg", "exp_inf")),
    "NAdam": ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              ("exp_avg", "exp_avg_sq"), ("step", "mu_product", "exp_avg", "exp_avg_sq")),
    "RAdam": ("RAdam", dict(lr=0.01), ("exp_avg", "exp_avg_sq"), ("step", "exp_avg", "exp_avg_sq")),
    "ASGD": ("ASGD", dict(lr=0.01, t0=1), ("ax",), ("step", "eta", "mu", "ax")),
}
# The states PyTorch updates with `lerp_(grad)`, which refuses a gradient of another dtype; every
# other dtype mix is computed.
LERP_STATES = {"exp_avg", "grad_avg"}
SAME_DTYPE = {"Adam", "Adam-amsgrad", "AdamW", "RMSprop-centered-momentum", "Adamax", "NAdam",
              "RAdam"}  # configs with one
# State the step creates when it is missing (PyTorch: SGD only; the others raise KeyError).
LAZY = {"momentum_buffer", "grad_avg", "max_exp_avg_sq"}


# ---- building blocks shared by the child (numbagrad) and the parent (torch) --------------------
def _is_torch(lib):
    return lib.__name__ == "torch"


def _from_np(lib, arr):
    return lib.from_numpy(arr) if _is_torch(lib) else _wrap(arr)


def _np_dtype(p):
    return np.dtype(str(p.dtype).split(".")[-1])


def _steps(lib, params, opt, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = _from_np(lib, np.ascontiguousarray(g, dtype=_np_dtype(p)))
        opt.step()


def _build(lib, config, dtype=np.float32, steps=2):
    cls, kwargs, _, _ = CONFIGS[config]
    params = [lib.nn.Parameter(_from_np(lib, a.astype(dtype))) for a in INIT]
    opt = getattr(lib.optim, cls)(params, **kwargs)
    _steps(lib, params, opt, GRADS[:steps])
    return params, opt


def _values(params):
    return [p.detach().numpy().astype(np.float64).tolist() for p in params]


DELETE = object()
SHAPE = SHAPES[TARGET]
STATE_VALUES = {  # replacement for one kernel state tensor of parameter TARGET
    "0-d": lambda lib: lib.tensor(1.0),
    "other-shape-same-size": lambda lib: _from_np(lib, np.zeros(SHAPE[::-1], np.float32)),
    "other-size": lambda lib: _from_np(lib, np.zeros(7, np.float32)),
    "extra-dim": lambda lib: _from_np(lib, np.zeros((1,) + SHAPE, np.float32)),
    "empty": lambda lib: _from_np(lib, np.zeros(0, np.float32)),
    "float64": lambda lib: _from_np(lib, np.full(SHAPE, 0.5)),
    "float16": lambda lib: _from_np(lib, np.full(SHAPE, 0.5, np.float16)),
    "int64": lambda lib: _from_np(lib, np.ones(SHAPE, np.int64)),
    "bool": lambda lib: _from_np(lib, np.ones(SHAPE, np.bool_)),
    "non-contiguous": lambda lib: _from_np(lib, np.full(SHAPE[::-1], 0.25, np.float32)).T,
    "nan": lambda lib: _from_np(lib, np.full(SHAPE, np.nan, np.float32)),
    "numpy-array": lambda lib: np.full(SHAPE, 0.5, np.float32),
    "complex": lambda lib: _from_np(lib, np.ones(SHAPE, np.complex64)),
    "object-array": lambda lib: np.full(SHAPE, None, object),
    "str": lambda lib: "abc",
    "list": lambda lib: [[0.5] * SHAPE[1]] * SHAPE[0],
    "float": lambda lib: 1.5,
    "None": lambda lib: None,
    "missing": lambda lib: DELETE,
}
STEP_VALUES = {  # replacement for the `step` counter of parameter TARGET
    "float64-0-d": lambda lib: _from_np(lib, np.array(3.0)),
    "shape-1": lambda lib: lib.tensor([2.0]),
    "int-tensor": lambda lib: lib.tensor(2),
    "python-int": lambda lib: 2,
    "nan": lambda lib: float("nan"),
    "negative": lambda lib: -1.0,
    "inf": lambda lib: _from_np(lib, np.array(np.inf, np.float32)),
    "two-elements": lambda lib: lib.tensor([1.0, 2.0]),
    "str": lambda lib: "2",
    "None": lambda lib: None,
    "missing": lambda lib: DELETE,
}


def _mutate_structure(lib, sd, kind):
    if kind == "entry-not-dict":
        sd["state"][TARGET] = "abc"
    elif kind == "state-not-dict":
        sd["state"] = [1]
    elif kind == "empty-entry":
        sd["state"][TARGET] = {}
    elif kind == "orphan-index":
        sd["state"][7] = {"exp_avg": "junk", "step": "x"}
    elif kind == "extra-keys":
        sd["state"].setdefault(TARGET, {})
        sd["state"][TARGET]["junk"] = "x"
        sd["state"][TARGET]["junk_tensor"] = lib.zeros(9)
    elif kind == "fewer-groups":
        sd["param_groups"] = []
    elif kind == "group-size":
        sd["param_groups"][0]["params"] = [0]
    elif kind == "group-no-params":
        del sd["param_groups"][0]["params"]
    elif kind == "group-not-dict":
        sd["param_groups"] = ["x"]
    elif kind == "params-not-list":
        sd["param_groups"][0]["params"] = 0
    else:
        raise AssertionError(kind)


STRUCTURES = ["entry-not-dict", "state-not-dict", "empty-entry", "orphan-index", "extra-keys",
              "fewer-groups", "group-size", "group-no-params", "group-not-dict", "params-not-list"]


def _run_load_case(lib, config, what, kind):
    """Train 2 steps, corrupt the state dict, load it into a fresh optimizer, train 2 more."""
    params, opt = _build(lib, config)
    sd = opt.state_dict()
    sd = {"state": {i: dict(s) for i, s in sd["state"].items()},
          "param_groups": copy.deepcopy(sd["param_groups"])}
    if what == "structure":
        _mutate_structure(lib, sd, kind)
    else:
        value = (STEP_VALUES if what == "step" else STATE_VALUES)[kind](lib)
        if value is DELETE:
            del sd["state"][TARGET][what]
        else:
            sd["state"][TARGET][what] = value
    fresh = [lib.nn.Parameter(p.detach().clone()) for p in params]
    cls, kwargs, _, _ = CONFIGS[config]
    opt2 = getattr(lib.optim, cls)(fresh, **kwargs)
    opt2.load_state_dict(sd)
    _steps(lib, fresh, opt2, GRADS[2:4])
    return _values(fresh)


LIVE_PARAM_CASES = ["data-other-size", "data-and-grad-other-size", "data-other-shape-same-size",
                    "grad-non-contiguous", "param-float64", "param-float16", "grad-0-d"]
LIVE_STATE_CASES = ["0-d", "other-size", "other-shape-same-size", "str", "None", "int64",
                    "float64", "float16", "non-contiguous", "read-only", "missing"]
LIVE_STEP_CASES = ["str", "two-elements", "missing"]


def _run_live_case(lib, config, what, kind):
    """Train 2 steps, then corrupt the live optimizer state or parameter, and step again."""
    params, opt = _build(lib, config)
    p = params[TARGET]
    g = GRADS[2][TARGET]
    if what == "param":
        if kind == "data-other-size":
            p.data = lib.zeros(7)
        elif kind == "data-and-grad-other-size":
            p.data = lib.zeros(7)
            p.grad = lib.ones(7)
        elif kind == "data-other-shape-same-size":
            p.data = lib.zeros(SHAPE[::-1])
        elif kind == "grad-non-contiguous":
            p.grad = _from_np(lib, np.ascontiguousarray(g.T, dtype=np.float32)).T
        elif kind in ("param-float64", "param-float16"):
            dtype = np.float64 if kind == "param-float64" else np.float16
            p.data = _from_np(lib, p.detach().numpy().astype(dtype))
            p.grad = _from_np(lib, g.astype(dtype))
        elif kind == "grad-0-d":
            p.grad = lib.tensor(1.0)
        else:
            raise AssertionError(kind)
        opt.step()  # data-other-size / -shape: the old gradient stays
        return _values(params)
    pstate = opt.state[p]
    if what == "step":
        value = {"str": lambda: "x", "two-elements": lambda: lib.tensor([1.0, 2.0]),
                 "missing": lambda: DELETE}[kind]()
    elif kind == "read-only":
        value = _from_np(lib, pstate[what].detach().numpy().copy())
        if not _is_torch(lib):
            value._data.setflags(write=False)
    else:
        value = STATE_VALUES[kind](lib)
    if value is DELETE:
        del pstate[what]
    else:
        pstate[what] = value
    _steps(lib, params, opt, GRADS[2:3])
    return _values(params)


def _cases():
    cases = []
    for config, (_, _, kernel_keys, _) in CONFIGS.items():
        for key in kernel_keys:
            cases += [("load", config, key, kind) for kind in STATE_VALUES]
        if not config.startswith("SGD"):  # every optimizer with a step counter
            cases += [("load", config, "step", kind) for kind in STEP_VALUES]
            cases += [("live", config, "step", kind) for kind in LIVE_STEP_CASES]
        cases += [("load", config, "structure", kind) for kind in STRUCTURES]
        for key in kernel_keys:
            cases += [("live", config, key, kind) for kind in LIVE_STATE_CASES]
        cases += [("live", config, "param", kind) for kind in LIVE_PARAM_CASES]
    return cases


CASES = _cases()


def _case_id(case):
    return "-".join(case)


def _outcome(lib, case):
    stage, config, what, kind = case
    run = _run_load_case if stage == "load" else _run_live_case
    try:
        return {"exc": None, "values": run(lib, config, what, kind)}
    except Exception as exc:  # noqa: BLE001  (the outcome is what is tested)
        return {"exc": type(exc).__name__, "msg": str(exc)}


# ---- the kernel spy --------------------------------------------------------------------------
class ContractViolation(Exception):
    """Raised by the spy instead of calling a kernel with arguments that break its contract."""


def _used(name, args):
    """Indices of the array arguments a kernel reads or writes in this configuration."""
    if name == "sgd_step":
        return [0, 1] + ([2] if args[4] != 0.0 else [])
    if name == "adam_step":
        return [0, 1, 2, 3] + ([4] if args[12] else [])
    if name == "rmsprop_step":
        return [0, 1, 2] + ([3] if args[10] else []) + ([4] if args[9] > 0 else [])
    if name in ("adadelta_step", "adamax_step", "nadam_step", "radam_step"):
        return [0, 1, 2, 3]
    return [0, 1, 2]  # adagrad_step, asgd_step


def contract_problems(name, args):
    """What is wrong with a kernel call: the contract of numbagrad.kernels.optim_kernels."""
    arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    param = args[0]
    problems = []
    if param.dtype not in (np.float32, np.float64):
        problems.append(f"param dtype {param.dtype}")
    for i in arrays:
        a = args[i]
        if a.ndim != 1 or not a.flags.c_contiguous or a.dtype != param.dtype:
            problems.append(f"arg {i}: ndim {a.ndim}, dtype {a.dtype}, contiguous "
                            f"{a.flags.c_contiguous}")
    for i in _used(name, args):
        a = args[i]
        if a.size != param.size:
            problems.append(f"arg {i} has {a.size} elements, param {param.size}")
        if i != 1 and not a.flags.writeable:
            problems.append(f"arg {i} is read-only")
    return problems


KERNEL_MODULES = {"sgd_step": "numbagrad.optim.sgd", "adam_step": "numbagrad.optim.adam",
                  "rmsprop_step": "numbagrad.optim.rmsprop",
                  "adagrad_step": "numbagrad.optim.adagrad",
                  "adadelta_step": "numbagrad.optim.adadelta",
                  "adamax_step": "numbagrad.optim.adamax", "nadam_step": "numbagrad.optim.nadam",
                  "radam_step": "numbagrad.optim.radam", "asgd_step": "numbagrad.optim.asgd"}


def install_spy(calls):
    """Put a contract-checking spy in front of each optimizer kernel; `calls` collects
    `(kernel name, args)`. Returns a function that removes the spies."""
    originals = {}
    for name, module_name in KERNEL_MODULES.items():
        module = sys.modules[module_name]
        real = getattr(module, name)
        originals[name] = (module, real)

        def spy(*args, _name=name, _real=real):
            calls.append((_name, args))
            problems = contract_problems(_name, args)
            if problems:
                raise ContractViolation(f"{_name}: {problems}")
            return _real(*args)
        setattr(module, name, spy)

    def remove():
        for name, (module, real) in originals.items():
            setattr(module, name, real)
    return remove


def _child_main():
    import warnings
    warnings.simplefilter("ignore")
    install_spy([])
    for case in CASES:
        print("START " + _case_id(case), flush=True)
        print("RESULT " + json.dumps({"id": _case_id(case), **_outcome(ng, case)}), flush=True)


# ---- the matrix ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def child_results():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), CHILD_FLAG],
                          capture_output=True, text=True, env=env, cwd=root, timeout=900)
    results, last = {}, None
    for line in proc.stdout.splitlines():
        if line.startswith("START "):
            last = line[6:]
        elif line.startswith("RESULT "):
            record = json.loads(line[7:])
            results[record["id"]] = record
    return {"results": results, "returncode": proc.returncode, "last": last,
            "stderr": proc.stderr[-3000:]}


def _expected(case):
    """The exception type numbagrad must raise for `case`, or None when it must succeed."""
    stage, config, what, kind = case
    _, _, kernel_keys, required = CONFIGS[config]
    if what == "structure":
        return {"entry-not-dict": TypeError, "state-not-dict": TypeError, "empty-entry": None,
                "orphan-index": None, "extra-keys": None, "fewer-groups": ValueError,
                "group-size": ValueError, "group-no-params": KeyError,
                "group-not-dict": TypeError, "params-not-list": TypeError}[kind]
    if what == "step":
        return {"float64-0-d": None, "shape-1": None, "int-tensor": None, "python-int": None,
                "nan": ValueError, "negative": ValueError, "inf": ValueError,
                "two-elements": RuntimeError, "str": TypeError, "None": TypeError,
                "missing": KeyError}[kind]
    if what == "param":
        mixed = RuntimeError if config in SAME_DTYPE else None
        return {"data-other-size": RuntimeError,
                "data-and-grad-other-size": RuntimeError if kernel_keys else None,
                "data-other-shape-same-size": RuntimeError, "grad-non-contiguous": None,
                "param-float64": mixed, "param-float16": mixed, "grad-0-d": RuntimeError}[kind]
    if stage == "live":
        if kind == "missing":
            return None if what in LAZY else KeyError
        if kind == "None":
            return None if what in LAZY else TypeError
        if kind in ("float64", "float16"):
            return RuntimeError if what in LERP_STATES else None
        return {"0-d": RuntimeError, "other-size": RuntimeError,
                "other-shape-same-size": RuntimeError, "str": TypeError, "int64": RuntimeError,
                "non-contiguous": None, "read-only": RuntimeError}[kind]
    if kind in ("None", "missing"):
        return (TypeError if kind == "None" else KeyError) if what in required else None
    return {"0-d": RuntimeError, "other-shape-same-size": RuntimeError, "other-size": RuntimeError,
            "extra-dim": RuntimeError, "empty": RuntimeError, "float64": None, "float16": None,
            "int64": None, "bool": None, "non-contiguous": None, "nan": None,
            "numpy-array": None, "complex": TypeError, "object-array": TypeError,
            "str": TypeError, "list": TypeError, "float": TypeError}[kind]


def _differs(case):
    """Why numbagrad deliberately differs from PyTorch on `case` (None: it must agree, same
    exception type or same parameters)."""
    stage, config, what, kind = case
    _, _, _, required = CONFIGS[config]
    if (config, what, kind) in (("RAdam", "exp_avg_sq", "extra-dim"), ("ASGD", "ax", "extra-dim")):
        return ("a state of another shape is refused at load; PyTorch broadcasts it (ASGD's ax) "
                "or does not read it yet (RAdam's exp_avg_sq while rho_t <= 5)")
    if (stage, config, what, kind) == ("live", "ASGD", "ax", "int64"):
        return "an integer state is refused; PyTorch's ASGD copies the parameter into it, " \
               "truncated, while mu == 1"
    if stage == "load" and what not in ("step", "structure"):
        if kind == "numpy-array":
            return "numbagrad loads NumPy arrays; PyTorch keeps them and fails at step"
        if kind == "complex":
            return "numbagrad refuses complex state; PyTorch drops the imaginary part (warning)"
        if kind in ("str", "list", "float", "object-array") or (kind == "None" and
                                                                what in required):
            return "TypeError at load; PyTorch fails at step (AttributeError or TypeError)"
    if stage == "load" and what == "step":
        if kind in ("nan", "negative", "inf"):
            return "a step that is not a finite count >= 0 is refused (PyTorch: NaN parameters)"
        if kind == "str":
            return "TypeError at load (PyTorch: ValueError from float() at step)"
        if kind == "two-elements" and config.startswith(("RMSprop", "Adadelta")):
            return "the step must be one number (PyTorch's RMSprop and Adadelta never read it)"
    if stage == "load" and kind in ("entry-not-dict", "state-not-dict"):
        return "TypeError at load (PyTorch: AttributeError, or nothing when the state is unused)"
    if stage == "load" and kind == "empty-entry" and config == "Adagrad":
        return "an empty Adagrad state starts afresh (PyTorch: KeyError at step)"
    if stage == "live":
        if kind in ("str", "read-only") or (kind == "None" and what not in LAZY):
            return "TypeError for a non-tensor state (PyTorch: AttributeError or TypeError)"
        if what == "step" and kind == "two-elements" and config.startswith(("RMSprop",
                                                                                 "Adadelta")):
            return "the step must be one number (PyTorch's RMSprop and Adadelta never read it)"
        if what in LAZY and kind in ("missing", "None") and not config.startswith("SGD"):
            return "momentum_buffer/grad_avg/max_exp_avg_sq are (re)created as zeros when "\
                   "missing (PyTorch: KeyError, or AttributeError for None)"
    return None


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_corrupted_state_never_reaches_a_kernel(child_results, case):
    record = child_results["results"].get(_case_id(case))
    assert record is not None, (
        f"the child process died (return code {child_results['returncode']}) in or before "
        f"{child_results['last']}\n{child_results['stderr']}")
    assert record["exc"] != "ContractViolation", record["msg"]
    expected = _expected(case)
    if expected is None:
        assert record["exc"] is None, f"{record['exc']}: {record.get('msg')}"
        assert [np.shape(v) for v in record["values"]] == [(7,) if "other-size" in case[3]
                                                          and i == TARGET else s
                                                          for i, s in enumerate(SHAPES)]
    else:
        assert record["exc"] == expected.__name__, f"{record['exc']}: {record.get('msg')}"
        stage, _, what, kind = case
        if kind == "grad-0-d":  # refused on assignment, as PyTorch, before any step
            assert "assign a gradient" in record["msg"], record["msg"]
        elif expected is RuntimeError and what not in ("structure",):
            assert "parameter 1" in record["msg"], record["msg"]
        if what not in ("structure", "param") and kind != "missing":
            assert f"'{what}'" in record["msg"], record["msg"]
    if torch is None:
        return
    theirs = _outcome(torch, case)
    if _differs(case) is not None:
        return  # numbagrad's side was checked above
    if theirs["exc"] is None:
        assert record["exc"] is None, f"torch succeeds, numbagrad raised {record['exc']}"
        for ours, ref in zip(record["values"], theirs["values"]):
            np.testing.assert_allclose(np.array(ours, dtype=float), np.array(ref, dtype=float),
                                       rtol=2e-3 if "float16" in case[3] else 1e-5,
                                       atol=2e-3 if "float16" in case[3] else 1e-6)
    else:
        assert record["exc"] == theirs["exc"], (
            f"torch raised {theirs['exc']}: {theirs['msg']}\nnumbagrad: {record['exc']}")


def test_the_spy_catches_a_contract_violation():
    """The matrix is only as good as its spy: a bad call must be flagged."""
    calls = []
    remove = install_spy(calls)
    try:
        import numbagrad.optim.sgd as sgd_module
        bad = (np.zeros(4, np.float32), np.zeros(4, np.float32), np.zeros(0, np.float32),
               0.1, 0.9, 1.0, 0.0, False, False, False)
        with pytest.raises(ContractViolation, match="arg 2 has 0 elements"):
            sgd_module.sgd_step(*bad)
        strided = np.zeros(8, np.float32)[::2]
        with pytest.raises(ContractViolation, match="contiguous False"):
            sgd_module.sgd_step(strided, strided, strided, 0.1, 0.9, 1.0, 0.0, False, False, False)
    finally:
        remove()


def test_fast_path_hands_the_kernels_the_tensors_own_memory():
    """Valid state costs a shape/dtype/flags comparison, not a copy: the kernel updates the
    parameter and its state in place."""
    for config, (_, _, kernel_keys, _) in CONFIGS.items():
        params, opt = _build(ng, config)
        calls = []
        remove = install_spy(calls)
        try:
            _steps(ng, params, opt, GRADS[2:3])
        finally:
            remove()
        assert len(calls) == len(params)
        for (name, args), p in zip(calls, params):
            assert np.shares_memory(args[0], p._data), config
            state_arrays = [opt.state[p][k]._data for k in kernel_keys]
            for i in _used(name, args)[2:]:
                assert any(np.shares_memory(args[i], s) for s in state_arrays), (config, i)


# ---- valid state round-trips ------------------------------------------------------------------
@pytest.mark.parametrize("config", list(CONFIGS))
def test_resume_from_saved_state_equals_uninterrupted_training(config, tmp_path):
    params, opt = _build(ng, config, steps=5)
    resumed, opt_a = _build(ng, config, steps=2)
    path = tmp_path / "opt.ckpt"
    ng.save({"params": [p.detach() for p in resumed], "optimizer": opt_a.state_dict()}, path)
    ckpt = ng.load(path)
    fresh = [Parameter(t.clone()) for t in ckpt["params"]]
    cls, kwargs, _, _ = CONFIGS[config]
    opt_b = getattr(optim, cls)(fresh, lr=123.0)  # hyperparameters come from the checkpoint
    opt_b.load_state_dict(ckpt["optimizer"])
    _steps(ng, fresh, opt_b, GRADS[2:5])
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p._data, q._data)
    assert opt_b.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


@pytest.mark.parametrize("config", list(CONFIGS))
def test_torch_state_dict_loads_and_continues_like_torch(config):
    pytest.importorskip("torch")
    trained, trained_opt = _build(torch, config, dtype=np.float64)
    cls, kwargs, _, _ = CONFIGS[config]
    # torch loads the state dict too: loading casts state to the parameters' dtype (NAdam's
    # float32 mu_product becomes float64), which changes the rounding of what follows
    t_params = [torch.nn.Parameter(p.detach().clone()) for p in trained]
    t_opt = getattr(torch.optim, cls)(t_params, **kwargs)
    t_opt.load_state_dict(trained_opt.state_dict())
    ours = [Parameter(_wrap(p.detach().numpy().copy())) for p in trained]
    opt = getattr(optim, cls)(ours, **kwargs)
    opt.load_state_dict(trained_opt.state_dict())
    _steps(ng, ours, opt, GRADS[2:5])
    _steps(torch, t_params, t_opt, GRADS[2:5])
    for p, tp in zip(ours, t_params):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-12, atol=1e-12)
    # and back: our state dict, as torch tensors, into torch
    back = opt.state_dict()
    back["state"] = {i: {k: torch.from_numpy(v._data.copy()) for k, v in s.items()}
                     for i, s in back["state"].items()}
    t_opt.load_state_dict(back)
    _steps(ng, ours, opt, GRADS[:1])
    _steps(torch, t_params, t_opt, GRADS[:1])
    for p, tp in zip(ours, t_params):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_refused_load_leaves_the_optimizer_unchanged():
    params, opt = _build(ng, "Adam")
    before_state = {p: dict(s) for p, s in opt.state.items()}
    before_groups = opt.param_groups
    sd = opt.state_dict()
    sd = {"state": {i: dict(s) for i, s in sd["state"].items()},
          "param_groups": [dict(g, lr=5.0) for g in sd["param_groups"]]}
    sd["state"][1]["exp_avg_sq"] = ng.zeros(7)
    with pytest.raises(RuntimeError, match=r"'exp_avg_sq' of parameter 1 \(shape \(2, 3\), "
                                           r"float32\) has shape \(7,\)"):
        opt.load_state_dict(sd)
    assert opt.param_groups is before_groups and opt.param_groups[0]["lr"] == 0.01
    for p, s in before_state.items():
        assert all(opt.state[p][k] is v for k, v in s.items())
    reference, ref_opt = _build(ng, "Adam", steps=3)
    _steps(ng, params, opt, GRADS[2:3])
    for p, q in zip(params, reference):
        np.testing.assert_array_equal(p._data, q._data)


def test_loaded_state_is_cast_to_the_parameter_dtype_and_copied():
    p = Parameter(ng.zeros(3))
    opt = optim.Adam([p])
    saved = {"exp_avg": _wrap(np.ones(3)), "exp_avg_sq": _wrap(np.ones(3, np.int64)),
             "step": _wrap(np.array(4, np.int64))}
    opt.load_state_dict({"state": {0: saved}, "param_groups": opt.state_dict()["param_groups"]})
    state = opt.state[p]
    assert state["exp_avg"]._data.dtype == np.float32
    assert state["exp_avg_sq"]._data.dtype == np.float32
    assert not np.shares_memory(state["exp_avg"]._data, saved["exp_avg"]._data)
    assert state["step"]._data.shape == () and state["step"].item() == 4.0


def test_refused_first_sgd_step_leaves_no_unfilled_momentum_buffer():
    """SGD fills its buffer with the first gradient; a first step refused before the kernel must
    not leave an unfilled buffer that the next step would take for a running average."""
    p = Parameter(ng.ones(3))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ng.ones(3)
    p.data = ng.ones(4)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(3,\) for parameter 0 "
                                           r"\(shape \(4,\), float32\)"):
        opt.step()
    assert "momentum_buffer" not in opt.state[p]
    np.testing.assert_array_equal(p._data, 1.0)
    p.grad = ng.full((4,), 2.0)
    opt.step()
    opt.step()
    # buffer = 2, then 0.9 * 2 + 2 = 3.8: p = 1 - 0.1 * 2 - 0.1 * 3.8
    np.testing.assert_allclose(p._data, 1 - 0.2 - 0.38, rtol=1e-6)


# ---- float16 and dtype changes ----------------------------------------------------------------
@pytest.mark.parametrize("config", list(CONFIGS))
def test_float16_parameters_step_like_torch(config):
    """float16 parameters are updated in float32 and rounded back; PyTorch computes in float16.
    With gradients away from zero (where PyTorch's eps underflows to 0 in float16 and gives NaN)
    the two stay within a few float16 ulps."""
    pytest.importorskip("torch")
    ours, opt = _build(ng, config, dtype=np.float16, steps=5)
    theirs, t_opt = _build(torch, config, dtype=np.float16, steps=5)
    for p, tp in zip(ours, theirs):
        assert p.dtype == ng.float16
        np.testing.assert_allclose(p._data.astype(np.float32), tp.detach().float().numpy(),
                                   rtol=4e-3, atol=4e-3)
    for p, tp in zip(ours, theirs):
        for key, value in opt.state[p].items():
            assert value._data.dtype == t_opt.state[tp][key].numpy().dtype, key


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_float16_zero_gradient_does_not_give_nan(name):
    """Deliberate difference: PyTorch computes in float16, where eps (1e-8, 1e-10) rounds to 0,
    so a zero gradient gives 0/0 = NaN parameters; numbagrad's float32 update leaves them."""
    p = Parameter(ng.tensor([1.0, -1.0]).half())
    opt = getattr(optim, name)([p])
    p.grad = ng.zeros(2).half()
    opt.step()
    np.testing.assert_array_equal(p._data, np.array([1.0, -1.0], np.float16))
    if torch is not None:
        tp = torch.nn.Parameter(torch.tensor([1.0, -1.0]).half())
        t_opt = getattr(torch.optim, name)([tp])
        tp.grad = torch.zeros(2).half()
        t_opt.step()
        assert torch.isnan(tp).all()


def test_model_half_after_building_the_optimizer():
    """`model.half()` after the optimizer has state: SGD keeps stepping (its float32 buffer
    stays float32, as in PyTorch); Adam raises a RuntimeError naming float16, as PyTorch raises."""
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))]:
        model = ng.nn.Linear(3, 2)
        opt = getattr(optim, name)(model.parameters(), **kwargs)
        model(ng.randn(4, 3)).sum().backward()
        opt.step()
        opt.zero_grad()
        model.half()
        model(ng.randn(4, 3).half()).sum().backward()
        before = model.weight._data.copy()
        if name == "SGD":
            opt.step()
            assert model.weight.dtype == ng.float16
            assert opt.state[model.weight]["momentum_buffer"]._data.dtype == np.float32
            assert not np.array_equal(model.weight._data, before)
        else:
            with pytest.raises(RuntimeError, match="float16.*float32|float32.*float16"):
                opt.step()
            np.testing.assert_array_equal(model.weight._data, before)


def test_half_then_fresh_optimizer_matches_a_float32_step_rounded():
    model = ng.nn.Linear(4, 3).half()
    ref = {k: v._data.astype(np.float32) for k, v in model.state_dict().items()}
    opt = optim.SGD(model.parameters(), lr=0.5)
    x = ng.randn(5, 4).half()
    model(x).sum().backward()
    grads = {"weight": model.weight.grad._data.astype(np.float32),
             "bias": model.bias.grad._data.astype(np.float32)}
    opt.step()
    for key in ("weight", "bias"):
        expected = (ref[key] - np.float32(0.5) * grads[key]).astype(np.float16)
        np.testing.assert_array_equal(getattr(model, key)._data, expected)


# ---- hyperparameters ---------------------------------------------------------------------------
NAN = float("nan")
HYPER = [
    ("SGD", dict(lr=-1)), ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, dampening=0.1)),
    ("Adam", dict(lr=-1)), ("Adam", dict(lr=NAN)), ("Adam", dict(eps=-1)), ("Adam", dict(eps=NAN)),
    ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, 1.0))),
    ("Adam", dict(betas=(NAN, 0.9))), ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-1)), ("Adam", dict(weight_decay=NAN)),
    ("Adam", dict(betas=(0, 0.999))), ("Adam", dict(betas=(np.float32(0.9), 0.999))),
    ("AdamW", dict(lr=NAN)), ("AdamW", dict(betas=(0.9, NAN))), ("AdamW", dict(weight_decay=-0.1)),
    ("AdamW", dict(betas=(0.9, 1))),
    ("RMSprop", dict(lr=NAN)), ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(alpha=NAN)),
    ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=NAN)), ("RMSprop", dict(weight_decay=NAN)),
    ("Adagrad", dict(lr=NAN)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(lr_decay=NAN)),
    ("Adagrad", dict(weight_decay=-1)), ("Adagrad", dict(initial_accumulator_value=NAN)),
    ("Adagrad", dict(eps=NAN)),
]


@pytest.mark.parametrize("name,kwargs", HYPER, ids=[f"{n}-{k}" for n, k in HYPER])
def test_invalid_hyperparameters_raise_like_torch(name, kwargs):
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([Parameter(ng.zeros(2))], **kwargs)
    if torch is None:
        return
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_tensor_hyperparameters_follow_torch():
    pytest.importorskip("torch")
    for lib in (ng, torch):
        p = lib.nn.Parameter(lib.zeros(2))
        with pytest.raises(ValueError, match="lr as a Tensor is not supported"):
            lib.optim.Adam([p], lr=lib.tensor(0.01), foreach=True)
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            lib.optim.SGD([p], lr=lib.tensor([0.1, 0.2]))
        opt = lib.optim.Adam([p], betas=(lib.tensor(0.5), lib.tensor(0.9)), lr=lib.tensor(0.1))
        p.grad = lib.ones(2)
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), -0.1, rtol=1e-6)


@pytest.mark.parametrize("what", ["lr", "momentum", "weight_decay"])
def test_sgd_refuses_nan_where_torch_lets_it_poison_the_model(what):
    """Deliberate difference: PyTorch's SGD checks `x < 0`, so NaN passes and every parameter
    becomes NaN at the first step; numbagrad raises PyTorch's ValueError for NaN too."""
    kwargs = dict({"lr": 0.1}, **{what: NAN})
    with pytest.raises(ValueError, match=f"Invalid {'learning rate' if what == 'lr' else what}"):
        optim.SGD([Parameter(ng.zeros(2))], **kwargs)
    if torch is not None:
        p = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([p], **kwargs)
        for _ in range(2):
            p.grad = torch.ones(2)
            opt.step()
        assert torch.isnan(p).all()


# ---- Module.load_state_dict --------------------------------------------------------------------
class _Net(ng.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = ng.nn.Linear(3, 2)
        self.bn = ng.nn.BatchNorm1d(2)


def _torch_net():
    net = torch.nn.Module()
    net.fc = torch.nn.Linear(3, 2)
    net.bn = torch.nn.BatchNorm1d(2)
    return net


CASTS = {  # (key, value as NumPy): numbagrad and torch must end with the same values
    "float64": ("fc.weight", np.full((2, 3), 1.25)),
    "int64": ("fc.weight", np.full((2, 3), 3, np.int64)),
    "bool": ("fc.weight", np.ones((2, 3), np.bool_)),
    "float16": ("fc.weight", np.full((2, 3), 0.1, np.float16)),
    "uint8": ("fc.weight", np.full((2, 3), 255, np.uint8)),
    "huge-float64": ("fc.weight", np.full((2, 3), 1e300)),
    "nan": ("fc.weight", np.full((2, 3), np.nan, np.float32)),
    "non-contiguous": ("fc.weight", np.full((3, 2), 2.0, np.float32).T),
    "float-into-int": ("bn.num_batches_tracked", np.array(3.7)),
    "negative-float-into-int": ("bn.num_batches_tracked", np.array(-3.7)),
    "shape-1-into-0-d": ("bn.num_batches_tracked", np.array([5])),
    "int64-into-float": ("bn.running_mean", np.array([2**40, -3], np.int64)),
}


@pytest.mark.parametrize("case", list(CASTS))
def test_module_load_casts_like_torch_copy(case):
    key, value = CASTS[case]
    net = _Net()
    sd = net.state_dict()
    sd[key] = _wrap(value)
    net.load_state_dict(sd)
    ours = net.state_dict()[key]
    own_dtype = {"fc.weight": np.float32, "bn.num_batches_tracked": np.int64,
                 "bn.running_mean": np.float32}[key]
    assert ours._data.dtype == own_dtype
    with np.errstate(over="ignore"):
        expected = np.asarray(value).reshape(ours.shape).astype(own_dtype)
    np.testing.assert_array_equal(ours.numpy(), expected)
    if torch is None:
        return
    tnet = _torch_net()
    tsd = tnet.state_dict()
    tsd[key] = torch.from_numpy(np.ascontiguousarray(value))
    tnet.load_state_dict(tsd)
    theirs = tnet.state_dict()[key]
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


REFUSED = {  # value -> fragment of the message; every one raises RuntimeError
    "numpy-array": (lambda: np.ones((2, 3), np.float32), "received <class 'numpy.ndarray'>"),
    "list": (lambda: [[1.0] * 3] * 2, "received <class 'list'>"),
    "number": (lambda: 1.0, "received <class 'float'>"),
    "None": (lambda: None, "received <class 'NoneType'>"),
    "str": (lambda: "abc", "received <class 'str'>"),
    "other-shape": (lambda: ng.ones(3, 2), "size mismatch for fc.weight: copying a param with "
                    "shape numbagrad.Size([3, 2]) from checkpoint, the shape in current model "
                    "is numbagrad.Size([2, 3])."),
    "0-d": (lambda: ng.tensor(1.0), "size mismatch for fc.weight"),
    "complex": (lambda: _wrap(np.ones((2, 3), np.complex64)), "complex values of dtype complex64"),
    "object": (lambda: _wrap(np.full((2, 3), None, object)), "dtype object holds no numbers"),
    "unicode": (lambda: _wrap(np.full((2, 3), "a")), "holds no numbers"),
    "bytes": (lambda: _wrap(np.full((2, 3), b"a")), "holds no numbers"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_module_load_refuses_with_a_clear_error(case):
    make, fragment = REFUSED[case]
    net = _Net()
    before = net.fc.weight._data.copy()
    sd = net.state_dict()
    sd["fc.weight"] = make()
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd, strict=False)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for _Net:\n\t")
    assert fragment in message
    np.testing.assert_array_equal(net.fc.weight._data, before)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e30, 2.0**63, -1e19])
def test_module_load_refuses_floats_an_integer_buffer_cannot_hold(value):
    """Deliberate difference: PyTorch writes an undefined integer (INT64_MIN for NaN)."""
    net = _Net()
    sd = net.state_dict()
    sd["bn.num_batches_tracked"] = _wrap(np.array(value))
    with pytest.raises(RuntimeError, match="cannot be represented in int64"):
        net.load_state_dict(sd)
    assert net.bn.num_batches_tracked.item() == 0
    sd["bn.num_batches_tracked"] = _wrap(np.array(2.0**62))
    net.load_state_dict(sd)
    assert net.bn.num_batches_tracked.item() == 2**62


def test_module_load_non_string_keys_are_unexpected():
    net = _Net()
    sd = dict(net.state_dict())
    sd[3] = ng.ones(1)
    with pytest.raises(RuntimeError, match="Unexpected key\\(s\\) in state_dict: 3"):
        net.load_state_dict(sd)
    assert net.load_state_dict(sd, strict=False).unexpected_keys == [3]


def test_module_load_accepts_any_mapping_and_refuses_a_list():
    from types import MappingProxyType
    net = _Net()
    sd = {k: v.clone() + 1 for k, v in net.state_dict().items() if k != "bn.num_batches_tracked"}
    net.load_state_dict(MappingProxyType(sd), strict=False)
    np.testing.assert_array_equal(net.fc.bias._data, sd["fc.bias"]._data)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict(list(sd.items()))


def test_module_load_error_messages_match_torch():
    pytest.importorskip("torch")
    for value in (ng.ones(3, 2), np.ones((2, 3), np.float32), [1.0], None):
        net, tnet = _Net(), _torch_net()
        sd, tsd = net.state_dict(), tnet.state_dict()
        sd["fc.weight"] = value
        tsd["fc.weight"] = torch.ones(3, 2) if isinstance(value, ng.Tensor) else value
        with pytest.raises(RuntimeError) as ours:
            net.load_state_dict(sd)
        with pytest.raises(RuntimeError) as theirs:
            tnet.load_state_dict(tsd)
        expected = str(theirs.value).replace("torch.", "numbagrad.").replace("Module", "_Net")
        assert str(ours.value) == expected


if __name__ == "__main__" and CHILD_FLAG in sys.argv:
    _child_main()
