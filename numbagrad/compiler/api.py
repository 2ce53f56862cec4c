"""`numbagrad.compile`: mirrors `torch.compile`'s name and call forms.

A compiled function runs its first call (and any call no specialisation fits) eagerly while the
capture records it; from the next call on it runs the generated code of a matching
specialisation. Anything that cannot be captured exactly makes the function run eagerly for
good, with one warning naming the reason and the line (an error with `fullgraph=True`).
"""
import functools
import inspect
import threading
import warnings

from ..autograd.grad_mode import is_grad_enabled
from ..nn.module import Module
from .capture import Capture, active_capture
from .errors import CompileError, CompileFallbackWarning, Unsupported

RECOMPILE_LIMIT = 8  # as torch._dynamo.config.recompile_limit


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """Mirrors `torch.compile(model=None, *, fullgraph=False, dynamic=None, backend='inductor',
    mode=None, options=None, disable=False)`: use as `compile(fn)`, `@compile`,
    `@compile(fullgraph=True)`, or `compile(module)` (its forward is compiled; a Module is
    returned whose other attributes are the original's).

    The whole function is captured: forward, loss, `backward()`, the optimizer's `step` and
    `zero_grad`, as generated numba code (see docs/compiler.md). `fullgraph=True` raises
    `CompileError` where the function would otherwise fall back to eager (after the eager call
    that found the reason has run). `disable=True` returns the function unchanged. `dynamic`,
    `backend`, `mode` and `options` are accepted and ignored (numbagrad has one backend; its
    generated code serves every batch size, and a new shape only costs a new capture).
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if disable:
        return model
    if not callable(model):
        raise TypeError(f"compile(): expected a function or a Module, got {type(model).__name__}")
    if isinstance(model, Module):
        return CompiledModule(model, fullgraph)
    return CompiledFunction(model, fullgraph)


class CompiledFunction:
    """A function compiled by `numbagrad.compile`; call it as the function."""

    def __init__(self, fn, fullgraph=False):
        self.fn = fn
        self.fullgraph = fullgraph
        self.specialisations = []
        self.captures = 0
        self.eager_reason = None
        self._signature = None
        self._lock = threading.RLock()  # the specialisations' buffers are shared: one call at a time
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        if kwargs:
            args = self._positional(args, kwargs)
        if self.eager_reason is not None or active_capture() is not None:
            return self.fn(*args)
        with self._lock:
            specs = self.specialisations
            for i, spec in enumerate(specs):
                outputs = spec(args)
                if outputs is None:
                    continue
                if outputs is _EAGER:
                    return self.fn(*args)
                if i:
                    specs.insert(0, specs.pop(i))
                return spec.result(outputs)
            return self._capture(args)

    def _positional(self, args, kwargs):
        if self._signature is None:
            self._signature = inspect.signature(self.fn)
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        if bound.kwargs:
            self._fall_back(Unsupported("keyword-only arguments have no compiled form yet"))
        return tuple(bound.args)

    def _capture(self, args):
        if self.captures >= RECOMPILE_LIMIT:
            self._fall_back(Unsupported(
                f"no compiled form matched the call {RECOMPILE_LIMIT} times (the shapes, dtypes or "
                "requires_grad of the arguments, the training mode, the parameters or the "
                "optimizer's configuration keep changing): recompile limit reached"))
            return self.fn(*args)
        capture = Capture()
        result = capture.run(self.fn, args)
        self.captures += 1
        if capture.unsupported is not None:
            self._fall_back(capture.unsupported)
            return result
        try:
            spec = build(capture, self.fn, args)
        except Unsupported as e:
            self._fall_back(e)
            return result
        self.specialisations.insert(0, spec)
        return result

    def _fall_back(self, reason):
        self.eager_reason = reason
        self.specialisations = []
        name = getattr(self.fn, "__qualname__", None) or type(self.fn).__name__
        message = f"numbagrad.compile: {name} runs eagerly from now on: {reason.message()}"
        if self.fullgraph:
            raise CompileError(message)
        warnings.warn(message, CompileFallbackWarning, stacklevel=4)


class CompiledModule(Module):
    """`numbagrad.compile(module)`: calls run the module's compiled forward. As PyTorch's
    OptimizedModule, the original is the submodule `_orig_mod` (so `state_dict()` keys start with
    "_orig_mod.") and other attributes are looked up on it."""

    def __init__(self, module, fullgraph=False):
        super().__init__()
        self._orig_mod = module
        # one compiled function per grad mode: a forward under grad mode whose output's graph
        # must stay alive falls back to eager without turning off compiled inference
        self.__dict__["_compiled"] = (CompiledFunction(module, fullgraph),
                                      CompiledFunction(module, fullgraph))

    def __call__(self, *args, **kwargs):
        return self.__dict__["_compiled"][is_grad_enabled()](*args, **kwargs)

    def forward(self, *args, **kwargs):
        return self(*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)


def build(capture, fn, args):
    """The Specialisation of a successful capture (raises Unsupported)."""
    from . import cache
    from .codegen import Codegen
    from .fusion import fuse
    from .guards import arg_values, make_guards
    from .lowering import lower
    from .runtime import Specialisation

    L = lower(capture.trace, capture.entry_versions)
    program = L.program
    if getattr(program, "export_edges", None):
        steps = (fuse(program, program.prims[:program.split]), fuse(program, program.prims[program.split:]))
    else:
        steps = fuse(program)
    guards = make_guards(L, len(args), capture.grad_enabled, fn, arg_values(args))
    generated = Codegen(L, steps, guards).generate()
    module, h = cache.load(generated.source, generated.kernels)
    externals = [s.tensor for s in sorted((s for s in L.slots if s.kind == "ext"), key=lambda s: s.index)]
    spec = Specialisation(module.run, externals, L.objects, generated.temps, generated.shapes,
                          generated.numbers, program.result_template, h)
    if getattr(program, "export_edges", None):
        spec.run_backward = module.run_backward
        spec.export_meta = [(v.shape, v.dtype) for v, _ in L.exported]
    return spec


from .runtime import EAGER as _EAGER  # noqa: E402
