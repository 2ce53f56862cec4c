"""Code generation: the Python source of a compiled step's module.

The module binds its kernels (one a fused group, see fusion.py), each `@njit(cache=True)` in a
file of its own named by the hash of its canonical source (`_canonical`, cache.kernel: the same
kernel generated twice is one file, compiled once), and holds a plain Python function
`run(A, E, X, B, SH, N)`, the driver:

    A   the call's positional arguments        E   the external tensors (parameters, buffers)
    X   guarded Python objects (modules, optimizers, the function's globals and closure cells)
    B   this specialisation's preallocated buffers
    SH  this specialisation's shapes           N   its size-dependent numbers (element counts)

The driver's prologue checks every guard and fetches every array the step touches, with no side
effect: on a failed guard it returns None (the caller tries another specialisation or captures
again); on labels out of range it returns `EAGER` (the call runs eagerly and raises PyTorch's
error). Then it allocates the arrays handed to the user, runs the GEMMs (NumPy's BLAS into
preallocated outputs) and the kernels in order (a fused elementwise loop over at least
PARALLEL_MIN_ELEMENTS elements as its twin with a parallel outer loop, as eager's ReLU), writes
`.grad`s and version counters, and returns the output arrays and tensors.

No size appears in the source (sizes come from SH and N), so one module, and numba's cache of
its machine code, serves every batch size.
"""
import re

from ..kernels.activation import PARALLEL_MIN_ELEMENTS  # eager's ReLU goes parallel from there too
from .fusion import Group
from .ir import Gemm, Map, Py, SumAll, SumLead, Update
from .optim_lowering import update_call
from .cache import source_hash
from .templates import TEMPLATES, helpers

_T = {"float32": "_f4", "float64": "_f8", "int64": "_i8"}

HEADER = '''"""A training step compiled by numbagrad.compile (generated source: do not edit; the file is
regenerated from the IR when missing, and its name is the hash of its source).

Contract of the kernels `run` calls (the `kernel_<hash>.py` files of the cache folder, bound below,
and the eager kernels' loops for cross-entropy and the optimizer updates: `_nn._...`,
`_optim._...`): they are called only by `run`, after its prologue has verified the shapes,
dtypes, contiguity and writability of every argument, parameter, gradient and optimizer state
array they read or write, and the range of every class label they index with - the one cheap
check in front of the step. The kernels themselves check nothing (numba does not check bounds),
except the class labels, which are checked again as they are read.
"""
import numpy as np

from numbagrad import random as _random
from numbagrad.kernels import nn_kernels as _nn, optim_kernels as _optim, pool as _pool, softmax as _softmax
from numbagrad.kernels.parallel_region import PARALLEL_REGION as _PARALLEL_REGION
from numbagrad.ops import conv_arrays as _conv
from numbagrad.ops.matmul_arrays import matmul as _matmul
from numbagrad.tensor import Tensor
from numbagrad.compiler.cache import kernel as _kernel
from numbagrad.compiler.runtime import EAGER, grad_enabled as _grad_enabled, grad_tensor as _grad_tensor
from numbagrad.compiler.runtime import anomaly_enabled as _anomaly_enabled, result_tensor as _result

_f4 = np.float32
_f8 = np.float64
_i8 = np.int64
_nan = np.nan
_inf = np.inf
_DT_float32 = np.dtype(np.float32)
_DT_float64 = np.dtype(np.float64)
_DT_int64 = np.dtype(np.int64)
_EMPTY_float32 = np.empty(0, np.float32)
_EMPTY_float64 = np.empty(0, np.float64)
_MISSING = object()
'''

KERNEL_HEADER = '''"""A kernel of steps compiled by numbagrad.compile (generated source: do not edit; its name is
the hash of its source, and every step module whose code needs this kernel loads this file).
Called only by the steps' drivers, after their prologue has checked its arguments (see the
docstring of a step module): it checks nothing itself.
"""
import math

import numpy as np
from numba import njit, prange

_f4 = np.float32
_f8 = np.float64
_i8 = np.int64
_nan = np.nan
_inf = np.inf

'''


class Generated:
    """The source and what a specialisation needs to call it: the concrete shapes (SH), numbers
    (N) and temporary buffers (B, allocated from `temps`)."""

    def __init__(self, source, shapes, numbers, temps, kernels):
        self.source, self.shapes, self.numbers, self.temps = source, shapes, numbers, temps
        self.kernels = kernels  # {hash: source} of the kernel files the module loads


class Codegen:
    def __init__(self, L, steps, guard_lines):
        self.L = L
        self.steps = steps
        self.guard_lines = guard_lines
        self.shapes = []
        self.numbers = []
        self.temps = []
        self.kernels = {}  # kernel file hash -> (driver name, source)
        self.call_args = {}
        self._num_index = {}

    # ---- names --------------------------------------------------------------------------------
    def sh(self, shape):
        self.shapes.append(tuple(shape))
        return len(self.shapes) - 1

    def name(self, b):
        """The driver's (and kernels') name of a Buf, or a literal for a constant."""
        if b.role == "const":
            return f"{_T[str(b.dtype)]}({b.value!r})" if b.value == b.value else f"{_T[str(b.dtype)]}(_nan)"
        if b.role == "data":
            return f"d{b.ref.n}"
        if b.role == "grad":
            return f"gr{b.ref.n}"
        if b.role == "state":
            return b.name
        # ("num", not "n": the kernels' loop bounds are n0, n1, ...)
        prefix = {"temp": "b", "fresh": "f", "view": "v", "num": "num", "local": "x", "saved": "s",
                  "gin": "gi", "object": "o"}[b.role]
        return f"{prefix}{b.id}"

    # ---- the module ----------------------------------------------------------------------------
    def generate(self):
        driver = self._driver()
        if "_labels_ok(" in driver:
            self._share(helpers("_labels_ok("), "_labels_ok", "_labels_ok")
        binds = "".join(f"{name} = _kernel({h!r}{'' if entry == 'kernel' else ', ' + repr(entry)})\n"
                        for h, (name, entry, _) in self.kernels.items())
        src = HEADER + binds + "\n\n" + driver
        files = {h: source for h, (_, _, source) in self.kernels.items()}
        return Generated(src, tuple(self.shapes), tuple(self.numbers), self.temps, files)

    def _share(self, code, name, entry="kernel"):
        """The driver's name of the kernel file holding `code` (one file per distinct source)."""
        source = KERNEL_HEADER + code
        h = source_hash(source)
        if h not in self.kernels:
            self.kernels[h] = (name, entry, source)
        return self.kernels[h][0]

    def _driver(self):
        L = self.L
        prog = L.program
        bufs = prog.bufs
        export = bool(getattr(prog, "export_edges", None))
        fwd_steps, bwd_steps = self.steps if export else (self.steps, [])
        lines = ["def run(A, E, X, B, SH, N):"]
        body = list(self.guard_lines(self))
        for labels, c, ignore in prog.label_checks:
            k = self.sh((c,))
            body += [f"if not _labels_ok({self.name(labels)}, SH[{k}][0], {ignore}):", "    return EAGER"]
        self.temps = [b for b in bufs if b.role == "temp"]
        body += self._setup(fwd_steps, allocate=("fresh", "saved"))
        body += self._steps(fwd_steps)
        for line in prog.epilogue:
            body.append(re.sub(r"\{(\d+)\}", lambda m: self.name(bufs[int(m.group(1))]), line))
        outs = []
        for spec in prog.outputs:
            if spec.kind == "slot":
                outs.append(spec.slot.name)
            elif spec.kind == "grad":
                outs.append(f"{spec.slot.name}.grad")
            elif spec.kind == "export":
                outs.append(self.name(spec.buf))
            else:
                outs.append(f"_result({self.name(spec.buf)}, {spec.requires_grad}, {spec.node_name!r})")
        if export:
            saved = [self.name(b) for b in prog.saved]
            versioned = [b.ref.name for b in prog.saved if b.role == "data"]
            outs.append("(" + "".join(n + ", " for n in saved) + ")")
            outs.append("(" + "".join(slot.name + ", " for slot, _ in prog.export_edges) + ")")
            outs.append("(" + "".join(n + ", " for n in versioned) + ")")
        body.append("return (" + "".join(o + ", " for o in outs) + ")")
        text = "\n".join(lines + ["    " + line for line in body]) + "\n"
        if export:
            text += "\n\n" + self._backward_driver(bwd_steps)
        return text

    def _backward_driver(self, steps):
        prog = self.L.program
        body = []
        if prog.saved:
            body.append("(" + ", ".join(self.name(b) for b in prog.saved) + ",) = S")
        for b in prog.bufs:
            if b.role == "gin":
                # np.require, not np.ascontiguousarray, which makes a 0-d gradient 1-d
                body.append(f"{self.name(b)} = np.require(G[{b.ref}], {_T[str(b.dtype)]}, 'C')")
        body += self._setup(steps, allocate=("fresh",))
        body += self._steps(steps)
        body.append("return (" + "".join(self.name(g) + ", " for _, g in prog.export_edges) + ")")
        return "def run_backward(S, G, B, SH, N):\n" + "\n".join("    " + line for line in body) + "\n"

    def _setup(self, steps, allocate):
        """Bind the temporaries and numbers; allocate the per-call arrays these steps write;
        make the views they use."""
        bufs = self.L.program.bufs
        used = set()
        for step in steps:
            for p in (step.prims if isinstance(step, Group) else [step]):
                for b in list(p.reads) + list(p.writes):
                    used.add(id(b))
                    while b.role == "view":
                        b = b.base
                        used.add(id(b))
                if isinstance(p, Py):
                    for b in p.bufs.values():
                        used.add(id(b))
        for spec in self.L.program.outputs:
            if spec.buf is not None and "saved" in allocate:
                used.add(id(spec.buf))
        body = []
        if self.temps:
            body.append("(" + ", ".join(self.name(b) for b in self.temps) + ",) = B")
        for b in bufs:
            if b.role == "num":
                k = self._num_index.get(id(b))
                if k is None:
                    self.numbers.append(b.value)
                    k = self._num_index[id(b)] = len(self.numbers) - 1
                body.append(f"{self.name(b)} = N[{k}]")
            elif b.role in allocate and id(b) in used:
                written_here = any(b in (p.writes if not isinstance(p, Py) else p.writes)
                                   for step in steps
                                   for p in (step.prims if isinstance(step, Group) else [step]))
                if written_here or b.role == "saved":
                    body.append(f"{self.name(b)} = np.empty(SH[{self.sh(b.shape)}], {_T[str(b.dtype)]})")
        for b in bufs:
            if b.role == "view" and id(b) in used:
                body.append(f"{self.name(b)} = {self.name(b.base)}.reshape(SH[{self.sh(b.shape)}])")
        return body

    def _steps(self, steps):
        body = []
        for step in steps:
            if isinstance(step, Gemm):
                a = self.name(step.a) + (".T" if step.trans_a else "")
                c = self.name(step.b) + (".T" if step.trans_b else "")
                # eager's products go through matmul_arrays too: the same BLAS path, the same bits
                body.append(f"_matmul({a}, {c}, out={self.name(step.out)})")
            elif isinstance(step, Update):
                body.append(update_call(step, {k: self.name(b) for k, b in step.arrays.items()}))
            elif isinstance(step, SumAll):
                dtype = "" if step.acc == step.src.dtype else f"dtype={_T[str(step.acc)]}"
                body.append(f"{self.name(step.out)}[()] = {self.name(step.src)}.sum({dtype})")
            elif isinstance(step, Py):
                for line in step.lines:
                    body.append(line.format(**{k: self.name(b) for k, b in step.bufs.items()}))
            else:
                body += self._kernel(step)
        return body

    # ---- kernels ---------------------------------------------------------------------------------
    def _kernel(self, group):
        """The driver lines calling the kernel of `group`: a loop nest of elementwise maps over
        at least PARALLEL_MIN_ELEMENTS runs a twin whose outer loop is a prange, inside the
        parallel region lock as eager's parallel kernels (every element is computed by the same
        expression either way: the same bits)."""
        shape_src = None
        if group.kind == "loop":
            params, body, shape_src = self._loop(group)
        else:
            params, body = self._template(group.prims[0])
        args = ", ".join(self.call_args.get(p, p) for p in params)
        call = f"{self._kernel_file(params, body, parallel=False)}({args})"
        if shape_src is None or not all(isinstance(p, Map) for p in group.prims):
            return [call]
        # a Map-only nest: body[0] reads the sizes, body[1] opens the outer loop
        body = body[:1] + [body[1].replace("for i0 in range(n0):", "for i0 in prange(n0):")] + body[2:]
        twin = self._kernel_file(params, body, parallel=True)
        return [f"if {shape_src}.size >= {PARALLEL_MIN_ELEMENTS}:",
                "    with _PARALLEL_REGION:",
                f"        {twin}({args})",
                "else:",
                f"    {call}"]

    def _kernel_file(self, params, body, parallel):
        options = ', parallel=True' if parallel else ''
        code = (f'@njit(cache=True, error_model="numpy"{options})\n'
                f"def kernel({', '.join(params)}):\n" + "\n".join("    " + line for line in body) + "\n")
        code = _canonical(code, params)
        return self._share(helpers(code) + "\n" + code, f"_k{len(self.kernels)}")

    def _loop(self, group):
        domain = group.domain
        r = len(domain)
        params, seen = [], set()

        def use(b):
            if b.role in ("const", "local"):
                return
            n = self.name(b)
            if n not in seen:
                seen.add(n)
                params.append(n)

        for p in group.prims:
            for b in p.reads:
                use(b)
            for b in p.writes:
                use(b)
        shape_src = None
        for p in group.prims:
            for b in list(p.writes) + list(p.reads):
                if b.role not in ("const", "local", "num") and b.shape == domain:
                    shape_src = self.name(b)
                    break
            if shape_src:
                break
        body = []
        if r:
            if shape_src is None:
                params.append("dims")
                self.call_args["dims"] = f"SH[{self.sh(domain)}]"
                shape_src = "dims"
            body.append(", ".join(f"n{i}" for i in range(r)) + f", = {shape_src}.shape"
                        if shape_src != "dims" else ", ".join(f"n{i}" for i in range(r)) + ", = dims")
        for p in group.prims:
            if isinstance(p, SumLead):
                body.append(f"{self.name(p.out)}[...] = 0")
        inner = []
        loaded = {}
        for p in group.prims:
            if isinstance(p, Map):
                operands = []
                for b in p.ins:
                    operands.append(self._operand(b, domain, inner, loaded))
                expr = p.expr.replace("{T}", _T[str(p.out.dtype)])
                expr = re.sub(r"\{(\d+)\}", lambda m: operands[int(m.group(1))], expr)
                x = f"x{p.out.id}" if p.out.role == "local" else f"y{p.out.id}"
                inner.append(f"{x} = {expr}")
                if p.out.role != "local":
                    inner.append(f"{self.name(p.out)}[{self._index(p.out, domain)}] = {x}")
                    loaded[id(p.out)] = x
            else:
                src = self._operand(p.src, domain, inner, loaded)
                inner.append(f"{self.name(p.out)}[{self._index(p.out, domain)}] += {src}")
                loaded.pop(id(p.out), None)
        if r:
            indent = ""
            for i in range(r):
                body.append(f"{indent}for i{i} in range(n{i}):")
                indent += "    "
            body += [indent + line for line in inner]
        else:
            body += inner
        # a driver expression for an array of the loop's domain (its size picks the twin)
        return params, body, (self.call_args.get(shape_src, shape_src) if r and shape_src != "dims" else None)

    def _operand(self, b, domain, inner, loaded):
        if b.role == "const":
            return self.name(b)
        if b.role == "local":
            return f"x{b.id}"
        if b.role == "num":
            return self.name(b)
        if id(b) in loaded:
            return loaded[id(b)]
        var = f"l{b.id}_{len(inner)}"
        inner.append(f"{var} = {self.name(b)}[{self._index(b, domain)}]")
        loaded[id(b)] = var
        return var

    @staticmethod
    def _index(b, domain):
        r, R = len(b.shape), len(domain)
        if r == 0:
            return "()"
        parts = []
        for d in range(r):
            D = d + R - r
            parts.append("0" if b.shape[d] == 1 and domain[D] != 1 else f"i{D}")
        return ", ".join(parts)

    def _template(self, p):
        names, params = [], []
        for a in p.args:
            if a is None:
                names.append("None")
            elif a.role in ("const",):
                names.append(repr(a.value))
            else:
                n = self.name(a)
                names.append(n)
                if n not in params:
                    params.append(n)
        dtypes = [a.dtype if a is not None else None for a in p.args]
        return params, TEMPLATES[p.template](names, p.options, dtypes)


_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
_LOCAL = re.compile(r"[xyl]\d+(_\d+)?")


def _canonical(code, params):
    """`code` with its parameters renamed a0, a1, ... and the loop's scalars t0, t1, ... in order
    of appearance, so that the same kernel generated for two layers (or two steps) has the same
    source, and so the same file and the same machine code."""
    names = {p: f"a{j}" for j, p in enumerate(params)}

    def rename(m):
        n = m.group(0)
        if n not in names and _LOCAL.fullmatch(n):
            names[n] = f"t{sum(1 for v in names.values() if v[0] == 't')}"
        return names.get(n, n)

    return _NAME.sub(rename, code)
