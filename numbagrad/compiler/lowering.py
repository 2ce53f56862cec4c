"""Lowering: a Trace becomes a Program (the IR), event by event, in the order they happened.

- op records: the node class's entry in `op_lowerings` emits its forward instructions;
- backward records: `autodiff.lower_backward` walks the graph as the engine does and emits each
  node's backward instructions, then the accumulation into the leaves' `.grad`;
- optimizer steps and zero_grad: `optim_lowering`;
- BatchNorm modules in training: their `num_batches_tracked` increment.

The `Lowerer` keeps what the driver needs around the instructions: the tensor slots (the
function's tensor arguments and the external tensors, each read at every call), the shapes table
`SH` (sizes never appear in the generated source), the objects guarded (modules, optimizers), and
the symbolic state of every leaf's `.grad` through the call (None, the `.grad` found at entry, or
a fresh array made by this call), from which the `.grad` writes of the epilogue follow.
"""
import numpy as np

from .errors import Unsupported
from .ir import Buf, Map, Program, Py


class Slot:
    """A tensor the step reads at every call: argument `index` ("arg") or external `index` ("ext").
    `written`: the step updates its array in place; `grad_entry`: the step reads its `.grad` as
    found at entry."""

    def __init__(self, n, kind, index, tensor):
        self.n = n
        self.kind = kind
        self.index = index
        self.tensor = tensor
        self.shape = tuple(tensor._data.shape)
        self.dtype = tensor._data.dtype
        self.requires_grad = bool(tensor.requires_grad)
        self.data_buf = None
        self.written = False
        self.grad_entry = None       # Buf of the .grad array found at entry, when the step reads it
        self.grad_none_at_entry = False  # the step relies on .grad being None at entry
        self.version_delta = 0
        self.name = f"t{n}"

    def __repr__(self):
        return f"Slot({self.n}, {self.kind}{self.index}, {self.shape})"


class Lowerer:
    def __init__(self, trace, entry_versions):
        self.trace = trace
        self.entry_versions = entry_versions
        self.program = Program()
        self.shapes = []
        self.slots = []
        self.slot_of = {}
        self.value_buf = {}
        self.objects = []
        self.object_index = {}
        self.grad_state = {}      # slot.n -> None (no .grad) | ["entry"|"fresh", Buf, bumps]
        self.record_of = {}       # id(graph node) -> OpRecord
        self.value_of_tensor = {}
        self.fresh_grads = set()  # ids of Bufs handed to a .grad (never handed to two)
        self.exported = []        # (Value, Buf) of outputs whose graph stays alive (see export.py)
        self.can_export = not any(type(e).__name__ != "OpRecord" for e in trace.events)
        for v in trace.values:
            self.value_of_tensor.setdefault(id(v.tensor), v)

    # ---- buffers --------------------------------------------------------------------------------
    def buf(self, shape, dtype, role="temp", **kw):
        b = Buf(len(self.program.bufs), shape, dtype, role, **kw)
        self.program.bufs.append(b)
        return b

    def const(self, value, shape, dtype):
        return self.buf(shape, dtype, "const", value=float(value))

    def num(self, value):
        """A number that depends on the sizes (an element count): passed to the kernels at run
        time, so the generated source serves every batch size."""
        return self.buf((), np.float64, "num", value=float(value))

    def view(self, base, shape):
        if tuple(shape) == base.shape:
            return base
        return self.buf(shape, base.dtype, "view", base=base)

    def shape_index(self, shape):
        self.shapes.append(tuple(shape))
        return len(self.shapes) - 1

    def emit(self, prim):
        self.program.prims.append(prim)
        return prim

    def map(self, expr, ins, shape, dtype, out=None):
        """Emit `out = expr(ins)` (a new temp when out is None) and return out."""
        if out is None:
            out = self.buf(shape, dtype)
        self.emit(Map(out, expr, ins))
        return out

    # ---- tensors --------------------------------------------------------------------------------
    def slot(self, tensor, kind=None, index=None):
        s = self.slot_of.get(id(tensor))
        if s is None:
            if kind is None:
                kind = "ext"
            if kind == "ext":
                index = sum(1 for x in self.slots if x.kind == "ext")
            s = Slot(len(self.slots), kind, index, tensor)
            self.slots.append(s)
            self.slot_of[id(tensor)] = s
        return s

    def slot_for_value(self, value):
        if value.kind == "input":
            return self.slot(value.tensor, "arg", value.index)
        if value.kind == "external":
            return self.slot(value.tensor)
        if value.kind == "alias":
            return self.slot_for_value(value.base)
        raise Unsupported(f"internal: no slot for {value.describe()}")

    def slot_data(self, slot):
        if slot.data_buf is None:
            slot.data_buf = self.buf(slot.shape, slot.dtype, "data", ref=slot)
        return slot.data_buf

    def data(self, value):
        """The Buf holding a traced value's array."""
        if value.kind == "op":
            b = self.value_buf.get(value.vid)
            if b is None:
                raise Unsupported(f"internal: {value.describe()} used before it was lowered")
            return b
        if value.kind == "alias":
            return self.data(value.base)
        if value.kind == "grad":
            state = self.grad_state.get(self.slot_for_value(value.base).n)
            if not state:
                raise Unsupported("a .grad read inside the function has no compiled form")
            return state[1]
        return self.slot_data(self.slot_for_value(value))

    def obj(self, o, strong=False):
        """Index of a guarded Python object (module, optimizer) in the driver's `X`. The
        specialisation holds it weakly, unless `strong` (dicts and cells cannot be weakly held)."""
        i = self.object_index.get(id(o))
        if i is None:
            i = self.object_index[id(o)] = len(self.objects)
            self.objects.append((o, strong))
        return i

    def obj_strong(self, o):
        return self.obj(o, strong=True)

    # ---- .grad of the leaves ----------------------------------------------------------------------
    def current_grad(self, slot):
        """The symbolic `.grad` of a leaf now: None, or [origin, Buf, version bumps]."""
        if slot.n in self.grad_state:
            return self.grad_state[slot.n]
        g = slot.tensor.grad
        if g is None:
            slot.grad_none_at_entry = True
            self.grad_state[slot.n] = None
            return None
        if g.grad_fn is not None or g._data.dtype != slot.dtype or g._data.shape != slot.shape:
            raise Unsupported("a .grad that is not a plain tensor of its parameter's shape and dtype")
        slot.grad_entry = self.buf(slot.shape, slot.dtype, "grad", ref=slot)
        state = self.grad_state[slot.n] = ["entry", slot.grad_entry, 0]
        return state

    def accumulate_leaf(self, slot, g):
        """The engine's `_accumulate`: a new `.grad` array, or `acc += g` in place."""
        state = self.current_grad(slot)
        if state is None:
            if g.role == "temp" and id(g) not in self.fresh_grads and g.shape == slot.shape:
                g.role = "fresh"
                fresh = g
            else:
                fresh = self.map("{0}", [g], slot.shape, slot.dtype)
                fresh.role = "fresh"
            self.fresh_grads.add(id(fresh))
            self.grad_state[slot.n] = ["fresh", fresh, 0]
        else:
            acc = state[1]
            self.emit(Map(acc, "{T}({0} + {1})", [acc, g]))
            state[2] += 1

    def zero_grad(self, slot, set_to_none):
        if set_to_none:
            self.grad_state[slot.n] = None  # whatever .grad was at entry: not read
            return
        state = self.current_grad(slot)
        if state is None:
            return
        if set_to_none:
            self.grad_state[slot.n] = None
        else:
            self.emit(Map(state[1], "{T}(0)", []))
            state[2] += 1

    # ---- the end of the step ---------------------------------------------------------------------
    def finish(self):
        from .output import lower_outputs
        lower_outputs(self)
        if self.exported:
            from .export import lower_export
            lower_export(self)
        epi = self.program.epilogue
        for slot in self.slots:
            if slot.n not in self.grad_state:
                continue
            state = self.grad_state[slot.n]
            # `_grad` as the engine writes it: the setter's checks hold by construction
            if state is None:
                epi.append(f"{slot.name}._grad = None")
            elif state[0] == "fresh":
                epi.append(f"{slot.name}._grad = _grad_tensor({{{state[1].id}}}, {state[2]})")
            elif state[2]:
                epi.append(f"{slot.name}.grad._version[0] += {state[2]}")
        seen_counters = set()
        for slot in self.slots:
            t = slot.tensor
            if id(t._version) in seen_counters:
                continue
            seen_counters.add(id(t._version))
            delta = t._version[0] - self.entry_versions.get(id(t), t._version[0])
            if delta:
                epi.append(f"{slot.name}._version[0] += {delta}")


def lower(trace, entry_versions):
    """The Program of a trace (raises Unsupported for anything without a compiled form)."""
    from .autodiff import lower_backward
    from .op_lowerings import lowering_for
    from .optim_lowering import lower_step, lower_zero_grad
    from .trace import BackwardRecord, OpRecord, StepRecord, ZeroGradRecord

    L = Lowerer(trace, entry_versions)
    for rec in trace.events:
        if isinstance(rec, OpRecord):
            L.record_of[id(rec.node)] = rec
            low = lowering_for(rec.cls)
            if low is None:
                raise Unsupported(f"the op {rec.name} has no compiled form yet", rec.where)
            try:
                outs = low.forward(L, rec)
            except Unsupported as e:
                if e.where is None:
                    e.where = rec.where
                raise
            for v, b in zip(rec.outputs, outs):
                if b is not None and (b.shape != v.shape or b.dtype != v.dtype):
                    raise Unsupported(f"internal: {rec.name} lowered to {b.shape} {b.dtype}, eager "
                                      f"made {v.shape} {v.dtype}", rec.where)
                L.value_buf[v.vid] = b
        elif isinstance(rec, BackwardRecord):
            lower_backward(L, rec)
        elif isinstance(rec, StepRecord):
            lower_step(L, rec)
        elif isinstance(rec, ZeroGradRecord):
            lower_zero_grad(L, rec)
    for module in trace.bn_calls:
        _count_batch(L, module)
    for module in trace.modules:
        if id(module) in trace.ddp_sync:  # DistributedDataParallel: whether it averages, buffers
            k = L.obj(module)
            L.program.prologue += [
                f"if (X[{k}].require_backward_grad_sync is not {trace.ddp_sync[id(module)]!r}"
                f" or X[{k}].forward_sync_buffers is not {bool(module.forward_sync_buffers)!r}):",
                "    return None"]
    L.finish()
    return L


def _count_batch(L, module):
    """BatchNorm1d.forward in training adds 1 to num_batches_tracked (and bumps its version)."""
    t = module.num_batches_tracked
    if t is None:
        return
    slot = L.slot(t)
    slot.written = True
    L.emit(Py([f"{slot.name}._data[...] += 1"]))  # its version: from the capture's version deltas
