"""Capture: run the user's function once, eagerly, with instrumentation installed, and record
what it did into a `Trace`.

Nothing in the rest of numbagrad knows about the capture: for the duration of one call, and for
the calling thread only, a few class attributes are wrapped (`ArrayFunction.apply`,
`Function.apply`, the backward engine's `run_backward`, every optimizer's `step` and
`zero_grad`, `Module.__call__`, `Module.zero_grad`, `Module.__setattr__` and the Tensor methods
that read values: `item`, `tolist`, `numpy`, `__bool__`, ...). The wrappers record and then call
the original, so the capture call computes exactly what an eager call computes; its result is
returned to the user as is.

Anything the trace could not replay exactly is noted as the first `Unsupported` reason (the op
or construct, and the user's line); the call still completes eagerly.

Checks that make a trace trustworthy (each failure is an `Unsupported` reason):
- every tensor an op reads is an argument of the function, the output of a recorded op, or a
  tensor that existed before the call (a parameter, a buffer, a constant): a tensor made inside
  the function by anything else (a factory, `torch.tensor(x.tolist())`, an integer op) is not;
- no tensor the trace saw changes behind its back: each has a snapshot of its contents, compared
  when it is next used and at the end (only the optimizer's step and BatchNorm's running
  statistics may change what they change);
- the random numbers drawn during the call are exactly dropout's draws, in order (replayed from
  the generator's state at entry and compared);
- no hooks, no anomaly mode, no `autograd.grad`, no `retain_graph`, no closure passed to step.
"""
import copy
import gc
import threading
import zlib

import numpy as np

from ..tensor import Tensor
from .errors import Unsupported, user_location
from .trace import (ArrayArg, BackwardRecord, OpRecord, StepRecord, Trace, Value,
                    ZeroGradRecord)

_active = None  # the Capture running now (one at a time in the process), or None

_VALUE_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__",
                "__array__", "__repr__", "__format__", "__iter__")


def active_capture():
    """The Capture running in this thread, if any (a compiled function called while another
    function is being captured runs eagerly, so that its ops join the outer trace)."""
    cap = _active
    if cap is not None and cap.thread == threading.get_ident():
        return cap
    return None


def _recording():
    """The Capture to record into: running in this thread, not inside an op or an engine walk
    the capture does not look into, and not already given up."""
    cap = _active
    if (cap is not None and cap.depth == 0 and cap.unsupported is None
            and cap.thread == threading.get_ident()):
        return cap
    return None


def _is_ddp(module):
    from ..nn.parallel.distributed import DistributedDataParallel
    return isinstance(module, DistributedDataParallel)


def _only_ddp_hooks(node):
    """Whether every pre-hook of `node` is DistributedDataParallel's output hook, which only
    queues the gradient averaging at the end of backward: the compiled step does that averaging
    itself (see lower_backward)."""
    if not node._pre_hooks:
        return True
    from ..nn.parallel.distributed import DistributedDataParallel
    return all(getattr(hook, "__func__", None) is DistributedDataParallel._output_grad_hook
               for hooks in node._pre_hooks.values() for hook in hooks.values())


def _pointer_key(a):
    return (a.__array_interface__["data"][0], a.nbytes)


class _Patches:
    """Class attributes replaced for the capture, restored afterwards."""

    _MISSING = object()

    def __init__(self):
        self._saved = []

    def set(self, owner, name, value):
        self._saved.append((owner, name, owner.__dict__.get(name, self._MISSING)))
        setattr(owner, name, value)

    def restore(self):
        for owner, name, old in reversed(self._saved):
            if old is self._MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        self._saved.clear()


class Capture:
    """One instrumented eager call of `fn(*args)`; `run` returns the function's result, and
    `trace` / `unsupported` say what was recorded."""

    def __init__(self):
        self.trace = Trace()
        self.thread = threading.get_ident()
        self.depth = 0
        self.unsupported = None
        self.by_tensor = {}
        self.by_array = {}
        self.by_pointer = {}
        self.module_stack = []
        self.ledger = {}          # id(tensor) -> [tensor, array, version, snapshot] of module state
        self.explained = set()    # ids of ledger tensors whose contents a recorded event changed
        self.grad_values = {}     # id(leaf tensor) -> Value of its .grad made by a recorded backward
        self.dropout_draws = []   # the uniform arrays dropout drew, in order
        self._preexisting = None
        self._preexisting_arrays = None
        self._keep = None

    # ---- running ------------------------------------------------------------------------------
    def run(self, fn, args):
        global _active
        from ..optim.optimizer import Optimizer
        # one pass, a set lookup per live object: about twice as fast as issubclass
        wanted = set(_subclasses(Tensor)) | set(_subclasses(Optimizer))
        found = [o for o in gc.get_objects() if type(o) in wanted]
        tensors = [o for o in found if isinstance(o, Tensor)]
        self._optimizers = [o for o in found if not isinstance(o, Tensor)]
        del found
        self._keep = tensors  # keeps ids unique while the capture runs
        self._preexisting = {id(t) for t in tensors}
        self.entry_versions = {id(t): t._version[0] for t in tensors}
        self.grad_expect = {id(t): (t.grad, _fingerprint(t.grad)) for t in tensors
                            if t.grad is not None}
        from ..autograd.grad_mode import is_grad_enabled
        self.grad_enabled = is_grad_enabled()
        self._preexisting_arrays = {}
        for t in tensors:
            self._preexisting_arrays.setdefault(id(t._data), t)
        from .. import random as _random
        gen = _random.default_generator
        self.rng_owner = gen
        self.rng_np = gen.np
        self.rng_state = copy.deepcopy(gen.np.bit_generator.state)
        from ..autograd.anomaly import is_anomaly_enabled
        if is_anomaly_enabled():
            self.note("anomaly detection is on", None)
        self.trace.args = args
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if id(a) in self.by_tensor:
                    self.note(f"argument {i} is the same tensor as an earlier argument", None)
                else:
                    self._new(Value(len(self.trace.values), "input", a, index=i))
        patches = _Patches()
        self._install(patches)
        _active = self
        try:
            result = fn(*args)
        finally:
            _active = None
            patches.restore()
            self._keep = None
        self.trace.result = result
        if self.unsupported is None:
            self._finish(result)
        return result

    def check_grad(self, t, where):
        """`t.grad` must be what the recorded events left (object and contents)."""
        g = t.grad
        expected, fingerprint = self.grad_expect.get(id(t), (None, None))
        if g is not expected or (g is not None and _fingerprint(g) != fingerprint):
            self.note("a .grad was set, replaced or modified by code the compiler does not capture "
                      "(a manual p.grad = ..., p.grad.zero_(), clip_grad_norm_, ...)", where)

    def expect_grad(self, t):
        g = t.grad
        self.grad_expect[id(t)] = (g, _fingerprint(g))

    def note(self, what, where="here"):
        """Remember the first reason the trace cannot be compiled."""
        if self.unsupported is None:
            self.unsupported = Unsupported(what, user_location() if where == "here" else where)

    # ---- values -------------------------------------------------------------------------------
    def _new(self, value):
        self.trace.values.append(value)
        self.by_tensor[id(value.tensor)] = value
        self.by_array.setdefault(id(value.array), value)
        self.by_pointer.setdefault(_pointer_key(value.array), value)
        value.take_snapshot()
        return value

    def value_of(self, t):
        """The Value of tensor `t`, met as an op's input."""
        v = self.by_tensor.get(id(t))
        if v is not None:
            if not v.unchanged():
                self.note(f"{v.describe()} was modified in place (or through .data) after the "
                          "capture saw it; in-place ops have no compiled form yet")
            return v
        base = self.by_array.get(id(t._data))
        if base is not None:
            return self._new(Value(len(self.trace.values), "alias", t, base=base))
        if id(t) in self._preexisting:
            return self._new(Value(len(self.trace.values), "external", t))
        owner = self._preexisting_arrays.get(id(t._data))
        if owner is not None:
            base = self._new(Value(len(self.trace.values), "external", owner))
            return self._new(Value(len(self.trace.values), "alias", t, base=base))
        self.note(f"a tensor of shape {tuple(t._data.shape)} ({t._data.dtype}) was made inside the "
                  "function by something other than a traced op (a factory such as torch.zeros or "
                  "torch.tensor, an integer or comparison op, .numpy()); it has no compiled form")
        return self._new(Value(len(self.trace.values), "external", t))

    def array_arg(self, a):
        v = self.by_array.get(id(a))
        if v is None:
            owner = self._preexisting_arrays.get(id(a))
            if owner is not None:
                v = self.by_tensor.get(id(owner)) or self._new(
                    Value(len(self.trace.values), "external", owner))
            else:
                v = self.by_pointer.get(_pointer_key(a))
        return ArrayArg(a, v)

    # ---- events -------------------------------------------------------------------------------
    def _traced(self, a):
        if isinstance(a, Tensor):
            return self.value_of(a)
        if isinstance(a, np.ndarray):
            return self.array_arg(a)
        return a

    def record_op(self, original, cls, args, params):
        where = user_location()
        ins = [self._traced(a) for a in args]
        traced_params = {name: self._traced(value) for name, value in params.items()}
        rec = OpRecord(cls, ins, where, self.module_stack[-1] if self.module_stack else None,
                       traced_params)
        if cls.__name__ == "Dropout" and isinstance(params.get("u"), np.ndarray):
            self.dropout_draws.append(params["u"])
        self.depth += 1
        try:
            out = original(cls, *args, **params)
        finally:
            self.depth -= 1
        outs = out if type(out) is tuple else (out,)
        for o in outs:
            if o.grad_fn is not None:
                rec.node = o.grad_fn
                rec.needs = tuple(o.grad_fn.needs_input_grad)
                break
        for i, o in enumerate(outs):
            rec.outputs.append(self._new(Value(len(self.trace.values), "op", o, index=i, producer=rec)))
        for a in ins + list(traced_params.values()):
            v = a.value if isinstance(a, ArrayArg) else (a if isinstance(a, Value) else None)
            if v is not None and v.snapshot is not None and not np.array_equal(
                    v.array, v.snapshot, equal_nan=True):
                if cls.__name__ == "BatchNorm":
                    v.take_snapshot()  # the running statistics, updated by the op itself
                    self.explained.add(id(v.tensor))
                else:
                    self.note(f"{rec.name} changed its input {v.describe()} in place", where)
        self.trace.events.append(rec)
        return out

    def record_backward(self, original, tensors, grad_tensors, retain_graph, inputs, capture):
        where = user_location()
        if capture:
            self.note("autograd.grad inside the function has no compiled form yet", where)
        elif inputs is not None:
            self.note("backward(inputs=...) has no compiled form yet", where)
        elif retain_graph:
            self.note("backward(retain_graph=True) has no compiled form yet", where)
        elif grad_tensors is not None and any(g is not None for g in grad_tensors):
            self.note("backward(gradient=...) has no compiled form yet", where)
        roots = []
        for t in tensors:
            v = self.by_tensor.get(id(t)) if isinstance(t, Tensor) else None
            if v is None or v.kind != "op":
                self.note("backward() of a tensor the capture did not see being computed", where)
            roots.append(v)
        self._check_hooks(where)
        rec = BackwardRecord(roots, where)
        ddps = [m for m in self.trace.modules if _is_ddp(m)]
        averages_before = [m._averages_done for m in ddps]
        leaves = [v.tensor for v in self.trace.values
                  if v.kind in ("input", "external") and v.tensor.requires_grad]
        for t in leaves:
            self.check_grad(t, where)
        self.depth += 1
        try:
            result = original(tensors, grad_tensors, retain_graph, inputs, capture)
        finally:
            self.depth -= 1
        for t in leaves:
            self.expect_grad(t)
        for m, before in zip(ddps, averages_before):
            if m._averages_done == before + 1:
                rec.averages.append(m)  # its hook ran: the gradients were averaged at the end
            elif m._averages_done != before:
                self.note("DistributedDataParallel averaged gradients more than once in one "
                          "backward; no compiled form", where)
        if self.unsupported is None:
            for v in list(self.trace.values):
                g = v.tensor.grad if v.kind in ("input", "external") else None
                if g is not None:
                    gv = Value(len(self.trace.values), "grad", g, base=v)
                    self.trace.values.append(gv)
                    gv.take_snapshot()
                    self.grad_values[id(v.tensor)] = gv
            self.trace.events.append(rec)
        return result

    def _check_hooks(self, where):
        for v in self.trace.values:
            t = v.tensor
            if t._hooks:
                self.note("a gradient hook (register_hook / retain_grad) has no compiled form", where)
                return
            node = t.grad_fn
            if node is not None and (getattr(node, "_retains", None) or not _only_ddp_hooks(node)):
                self.note("a gradient hook (register_hook / retain_grad) has no compiled form", where)
                return

    def record_step(self, original, optimizer, closure):
        where = user_location()
        if closure is not None:
            self.note("optimizer.step(closure) has no compiled form", where)
        for group in optimizer.param_groups:
            for p in group["params"]:
                self.check_grad(p, where)
                gv = self.grad_values.get(id(p))
                if gv is not None and (p.grad is not gv.tensor or not gv.unchanged()):
                    self.note("a gradient was changed between backward() and step() by code the "
                              "compiler does not capture (clip_grad_norm_, a manual edit)", where)
                self._ledger_add(p)
        if optimizer not in self.trace.optimizers:
            self.trace.optimizers.append(optimizer)
        self.depth += 1
        try:
            result = original(optimizer, closure)
        finally:
            self.depth -= 1
        for group in optimizer.param_groups:
            for p in group["params"]:
                self._ledger_refresh(p)
                v = self.by_tensor.get(id(p))
                if v is not None:
                    v.take_snapshot()
        self.trace.events.append(StepRecord(optimizer, where))
        return result

    def record_zero_grad(self, original, owner, set_to_none, params):
        where = user_location()
        for p in params:
            self.check_grad(p, where)
        self.depth += 1
        try:
            result = original(owner, set_to_none)
        finally:
            self.depth -= 1
        for p in params:
            self.expect_grad(p)
        if owner.__class__.__module__.startswith("numbagrad.optim") and owner not in self.trace.optimizers:
            self.trace.optimizers.append(owner)
        self.trace.events.append(ZeroGradRecord(list(params), bool(set_to_none), where))
        return result

    def enter_module(self, module):
        if module._forward_hooks or module._forward_pre_hooks:
            self.note(f"forward hooks on {type(module).__name__} have no compiled form")
        if _is_ddp(module) and module not in self.trace.modules:
            if module.forward_sync_buffers and any(True for _ in module.module.buffers()):
                self.note("DistributedDataParallel broadcasting buffers in forward has no compiled "
                          "form yet (forward_sync_buffers=False, or a model without buffers, has)")
            self.trace.ddp_sync[id(module)] = module.require_backward_grad_sync
        if module not in self.trace.modules:
            self.trace.modules.append(module)
            for t in list(module._parameters.values()) + list(module._buffers.values()):
                if t is not None:
                    self._ledger_add(t)
        self.module_stack.append(module)

    def exit_module(self, module):
        self.module_stack.pop()
        from ..nn.layers.batchnorm import BatchNorm1d
        if isinstance(module, BatchNorm1d) and module.training and module.track_running_stats:
            self.trace.bn_calls.append(module)
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                t = getattr(module, name)
                if t is not None:
                    self.explained.add(id(t))
                    self._ledger_refresh(t)

    def _ledger_add(self, t):
        if id(t) not in self.ledger:
            self.ledger[id(t)] = [t, t._data, t._version[0], np.array(t._data, copy=True)]

    def _ledger_refresh(self, t):
        entry = self.ledger.get(id(t))
        if entry is not None:
            entry[3] = np.array(t._data, copy=True)
            self.explained.add(id(t))

    # ---- the end of the call ------------------------------------------------------------------
    def _finish(self, result):
        if self.unsupported is not None:
            return
        self._check_rng()
        self._check_hooks(None)
        for v in self.trace.values:
            if v.kind in ("input", "external", "op", "alias") and not v.unchanged():
                if not (v.kind == "external" and id(v.tensor) in self.explained
                        and v.tensor._data is v.array):
                    self.note(f"{v.describe()} was modified in place by code the compiler does not "
                              "capture", None)
                    return
        for t, array, version, snap in self.ledger.values():
            if t._data is not array:
                self.note(f"a parameter or buffer of shape {tuple(array.shape)} was replaced "
                          "(through .data or assignment) inside the function", None)
                return
            if not np.array_equal(t._data, snap, equal_nan=True):
                self.note(f"a parameter or buffer of shape {tuple(array.shape)} was modified in "
                          "place by code the compiler does not capture", None)
                return
        for v in self.trace.values:
            if v.kind in ("input", "external") and v.tensor.requires_grad:
                self.check_grad(v.tensor, None)
        for opt in self.trace.optimizers:
            for group in opt.param_groups:
                for p in group["params"]:
                    self.check_grad(p, None)
        if self.unsupported is not None:
            return
        for v in self.grad_values.values():
            if v.base.tensor.grad is v.tensor and not v.unchanged():
                self.note("a gradient was modified in place after backward() by code the compiler "
                          "does not capture (clip_grad_norm_, a manual edit)", None)
                return

    def _check_rng(self):
        """The call's random draws must be exactly dropout's, in order, from the default generator."""
        from .. import random as _random
        gen = _random.default_generator
        if gen.np is not self.rng_np:
            self.note("the default generator was reseeded or replaced inside the function", None)
            return
        replay = np.random.Generator(np.random.PCG64())
        replay.bit_generator.state = self.rng_state
        for u in self.dropout_draws:
            again = replay.random(u.size, dtype=u.dtype)
            if not np.array_equal(again, u):
                self.note("random numbers were drawn inside the function by an op without a "
                          "compiled form (torch.rand, randn, randperm, ...)", None)
                return
        if replay.bit_generator.state != gen.np.bit_generator.state:
            self.note("random numbers were drawn inside the function by an op without a compiled "
                      "form (torch.rand, randn, randperm, ...)", None)

    # ---- instrumentation ----------------------------------------------------------------------
    def _install(self, patches):
        from ..autograd import engine, function
        from ..nn.module import Module
        from ..optim.optimizer import Optimizer

        array_apply = function.ArrayFunction.__dict__["apply"].__func__

        def apply(cls, *args, **params):
            cap = _recording()
            if cap is None:
                return array_apply(cls, *args, **params)
            return cap.record_op(array_apply, cls, args, params)
        patches.set(function.ArrayFunction, "apply", classmethod(apply))

        user_apply = function.Function.__dict__["apply"].__func__

        def user_function_apply(cls, *args):
            cap = _recording()
            if cap is not None:
                cap.note(f"the user autograd.Function {cls.__name__} has no compiled form")
            return user_apply(cls, *args)
        patches.set(function.Function, "apply", classmethod(user_function_apply))

        run_backward = engine.run_backward

        def backward(tensors, grad_tensors=None, retain_graph=False, inputs=None, capture=False):
            cap = _recording()
            if cap is None:
                return run_backward(tensors, grad_tensors, retain_graph, inputs, capture)
            return cap.record_backward(run_backward, tensors, grad_tensors, retain_graph, inputs,
                                       capture)
        patches.set(engine, "run_backward", backward)

        for cls in _subclasses(Optimizer):
            if "step" in cls.__dict__:
                patches.set(cls, "step", _step_wrapper(cls.__dict__["step"]))
            if "zero_grad" in cls.__dict__:
                patches.set(cls, "zero_grad", _zero_grad_wrapper(cls.__dict__["zero_grad"], True))
        for opt in self._optimizers:
            if "step" in opt.__dict__:  # an instance's own step (e.g. an LR scheduler's wrapper)
                patches.set(opt, "step", _instance_step_wrapper(opt, opt.__dict__["step"]))
        patches.set(Module, "zero_grad", _zero_grad_wrapper(Module.__dict__["zero_grad"], False))

        module_call = Module.__dict__["__call__"]

        def call(module, *args, **kwargs):
            cap = _recording()
            if cap is None:
                return module_call(module, *args, **kwargs)
            cap.enter_module(module)
            try:
                return module_call(module, *args, **kwargs)
            finally:
                cap.exit_module(module)
        patches.set(Module, "__call__", call)

        module_setattr = Module.__dict__["__setattr__"]

        def setattr_(module, name, value):
            cap = _recording()
            if cap is not None and module.__dict__.get(name, _NOTHING) is not value:
                current = module.__dict__.get(name, _NOTHING)
                if not (type(current) in (bool, int, float, str) and type(current) is type(value)
                        and current == value):
                    cap.note(f"assigning {type(module).__name__}.{name} inside the function is a "
                             "Python side effect the compiled step would not repeat")
            return module_setattr(module, name, value)
        patches.set(Module, "__setattr__", setattr_)

        for name in _VALUE_READS:
            patches.set(Tensor, name, _value_read_wrapper(name, Tensor.__dict__[name]))
        for name in _inplace_methods():
            patches.set(Tensor, name, _inplace_wrapper(name, getattr(Tensor, name)))


_NOTHING = object()


def _fingerprint(grad):
    """A checksum of a gradient's bytes (None for no gradient)."""
    if grad is None:
        return None
    a = grad._data
    return (a.shape, a.dtype.str, zlib.crc32(memoryview(a if a.flags.c_contiguous else a.copy())))


def _subclasses(cls):
    out, stack = [], [cls]
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.__subclasses__())
    return out


def _step_wrapper(original):
    def step(optimizer, closure=None):
        cap = _recording()
        if cap is None:
            return original(optimizer, closure)
        return cap.record_step(original, optimizer, closure)
    return step


def _instance_step_wrapper(optimizer, original):
    def step(closure=None):
        cap = _recording()
        if cap is None:
            return original(closure)
        return cap.record_step(lambda opt, c: original(c), optimizer, closure)
    step.__dict__.update(getattr(original, "__dict__", {}))
    return step


def _zero_grad_wrapper(original, is_optimizer):
    def zero_grad(owner, set_to_none=True):
        cap = _recording()
        if cap is None:
            return original(owner, set_to_none)
        if is_optimizer:
            params = [p for g in owner.param_groups for p in g["params"]]
        else:
            params = list(owner.parameters())
        return cap.record_zero_grad(original, owner, set_to_none, params)
    return zero_grad


def _inplace_methods():
    """Tensor's in-place methods (`add_`, `zero_`, `__iadd__`, `__setitem__`, ...)."""
    names = [n for n in dir(Tensor) if n.endswith("_") and not n.startswith("_")
             and callable(getattr(Tensor, n, None))]
    return names + ["__iadd__", "__isub__", "__imul__", "__itruediv__", "__setitem__"]


def _inplace_wrapper(name, original):
    def inplace(self, *args, **kwargs):
        cap = _recording()
        if cap is not None:
            cap.note(f"the in-place op Tensor.{name} has no compiled form yet")
        return original(self, *args, **kwargs)
    inplace.__name__ = name
    return inplace


def _value_read_wrapper(name, original):
    def read(self, *args, **kwargs):
        cap = _recording()
        if cap is not None:
            cap.note(f"Tensor.{name.strip('_')}() reads a tensor's value inside the function: the "
                     "Python code that uses the value cannot be compiled")
        return original(self, *args, **kwargs)
    read.__name__ = name
    return read
