"""The IR of a compiled step: symbolic arrays (`Buf`) and the instructions that compute them.

A `Program` is a straight-line list of instructions in execution order:

- `Gemm`     out = op(a) @ op(b), op = transpose or not: `ops.matmul_arrays.matmul(..., out=)`,
             the BLAS path eager's products take;
- `Map`      out[idx] = expression of its inputs at idx (inputs broadcast to out's shape), the
             expression a Python expression over the placeholders {0}, {1}, ...; `{T}` is the
             output dtype's constructor: every op's result is rounded to its dtype, as eager
             rounds it when it stores an array;
- `SumLead`  out = src summed over its first `lead` axes, sequentially from 0 (NumPy's order
             for a C-contiguous array), accumulated in out's dtype;
- `SumAll`   out (shape ()) = the sum of every element of src, accumulated in `acc` dtype:
             NumPy's own `src.sum()` in the driver, as eager sums;
- `Kernel`   a row kernel from a template (`templates.py`: layer norm);
- `Update`   one optimizer's update of one parameter: the driver calls the eager kernel's loop
             (`optim_lowering.update_call`);
- `Py`       statements the Python driver runs (drawing dropout's uniforms, cross-entropy through
             the eager kernels' loops, convolutions and pooling through the eager array
             functions, version counters).

Buffers: `role` says where the array of a Buf comes from when the step runs:
"data" (the array of tensor slot `ref`: an argument or an external tensor), "grad" (the existing
`.grad` array of slot `ref`), "state" (an optimizer state array, `ref` = (optimizer, slot, key)),
"temp" (preallocated once per specialisation), "fresh" (allocated at each call: handed to the
user, as `.grad` or a returned tensor), "const" (the number `value` everywhere), "view" (`base`
reshaped), "local" (decided by fusion: never stored, a scalar inside a fused loop) and
"object" (no array: a Python object a `Py` instruction assigns, e.g. what a convolution's forward
keeps for its weight gradient; saved across drivers like an array).
Shapes are concrete (one specialisation), but code generation never writes a size into the
source: the same source serves every batch size.
"""
import numpy as np


class Buf:
    __slots__ = ("id", "shape", "dtype", "role", "ref", "value", "base", "name")

    def __init__(self, id, shape, dtype, role, ref=None, value=None, base=None):
        self.id = id
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.role = role
        self.ref = ref
        self.value = value
        self.base = base
        self.name = None

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    def __repr__(self):
        return f"Buf({self.id}, {self.role}, {self.shape}, {self.dtype})"


class Gemm:
    __slots__ = ("out", "a", "b", "trans_a", "trans_b")

    def __init__(self, out, a, b, trans_a, trans_b):
        self.out, self.a, self.b, self.trans_a, self.trans_b = out, a, b, trans_a, trans_b

    @property
    def reads(self):
        return (self.a, self.b)

    @property
    def writes(self):
        return (self.out,)


class Map:
    __slots__ = ("out", "expr", "ins")

    def __init__(self, out, expr, ins):
        self.out, self.expr, self.ins = out, expr, list(ins)

    @property
    def reads(self):
        return tuple(self.ins)

    @property
    def writes(self):
        return (self.out,)


class SumLead:
    __slots__ = ("out", "src", "lead")

    def __init__(self, out, src, lead):
        self.out, self.src, self.lead = out, src, lead

    @property
    def reads(self):
        return (self.src,)

    @property
    def writes(self):
        return (self.out,)


class SumAll:
    __slots__ = ("out", "src", "acc")

    def __init__(self, out, src, acc):
        self.out, self.src, self.acc = out, src, np.dtype(acc)

    @property
    def reads(self):
        return (self.src,)

    @property
    def writes(self):
        return (self.out,)


class Kernel:
    """A templated loop: `template` names it in `templates.TEMPLATES`; `args` are Bufs (arrays)
    or Python constants (baked into the source); `outs` are the Bufs it writes."""
    __slots__ = ("template", "args", "outs", "options")

    def __init__(self, template, args, outs, options=()):
        self.template, self.args, self.outs, self.options = template, list(args), list(outs), tuple(options)

    @property
    def reads(self):
        return tuple(a for a in self.args if isinstance(a, Buf))

    @property
    def writes(self):
        return tuple(self.outs)


class Update:
    """One parameter's optimizer update: `kind` ("sgd", "adam", "rmsprop"), `flags` (the
    configuration, baked into the source), `arrays` {name: Buf} (param, grad, state), `scalars`
    {name: driver expression} (hyperparameters read at each call)."""
    __slots__ = ("kind", "flags", "arrays", "scalars")

    def __init__(self, kind, flags, arrays, scalars):
        self.kind, self.flags, self.arrays, self.scalars = kind, tuple(flags), dict(arrays), dict(scalars)

    @property
    def reads(self):
        return tuple(self.arrays.values())

    @property
    def writes(self):
        return tuple(b for k, b in self.arrays.items() if k != "grad")


class Py:
    """Driver statements (a list of source lines); `{name}` fields are filled with the driver
    names of the Bufs in `bufs`."""
    __slots__ = ("lines", "bufs", "reads", "writes")

    def __init__(self, lines, bufs=None, reads=(), writes=()):
        self.lines, self.bufs, self.reads, self.writes = list(lines), dict(bufs or {}), tuple(reads), tuple(writes)


class Program:
    """The lowered step: buffers, instructions, and what the driver needs around them."""

    def __init__(self):
        self.bufs = []
        self.prims = []
        self.prologue = []       # driver lines: guards and fetches, before any side effect
        self.epilogue = []       # driver lines after the instructions: .grad, versions
        self.outputs = []        # how to build each output tensor (see lowering.Output)
        self.label_checks = []   # (labels Buf, classes Buf-or-dim, ignore_index): validated first
