"""A compiled forward whose outputs stay differentiable (`torch.compile(model)` under grad mode).

When the function returns tensors whose graph is still alive (no backward inside it), the
compiled forward returns them with one graph node of its own, `CompiledGraphNode` (named
`CompiledFunctionBackward`, as PyTorch's), whose edges lead to the tensors the eager graph would
reach: the parameters, and each argument that requires grad (its own grad_fn when it has one, so
the compiled region joins an eager graph around it). When the engine reaches the node, it calls
the generated `run_backward` with the output gradients and the arrays the forward saved; the
node returns one gradient per edge and the engine accumulates them as usual (hooks included).

Lowering: the forward instructions come first; `lower_export` appends the backward pass
(`autodiff.walk` from the exported outputs, their gradients arriving as "gin" buffers) after
`program.split`. Every buffer the backward reads that the forward wrote is "saved": allocated at
each forward call (two forwards before one backward must not share it) and handed to the node;
so is every "object" (a Python object a Py instruction made, e.g. what a convolution's forward
keeps for its weight gradient).
"""
from ..autograd.function import Function, _sequence
from .autodiff import walk


def lower_export(L):
    program = L.program
    program.split = len(program.prims)
    roots = []
    for k, (value, buf) in enumerate(L.exported):
        roots.append((value, L.buf(value.shape, value.dtype, "gin", ref=k)))
    outside = {}
    for slot in L.slots:
        t = slot.tensor
        if slot.kind == "arg" and t.requires_grad and t.grad_fn is not None:
            outside[(id(t.grad_fn), t._output_nr)] = slot
    edges = []
    for slot, g in walk(L, roots, None, outside):
        if g.role == "temp" and id(g) not in L.fresh_grads:
            g.role = "fresh"
        else:
            g = L.map("{0}", [g], g.shape, g.dtype)
            g.role = "fresh"
        L.fresh_grads.add(id(g))
        edges.append((slot, g))
    program.export_edges = edges
    _mark_saved(program)


def _mark_saved(program):
    split = program.split
    fwd, bwd = program.prims[:split], program.prims[split:]
    in_forward = set()
    for p in fwd:
        for b in p.writes:
            in_forward.add(id(b))
    for b in program.bufs:
        if b.role == "data":
            in_forward.add(id(b))
    saved, seen = [], set()

    def need(b):
        while b.role == "view":
            b = b.base
        if id(b) in in_forward and id(b) not in seen and b.role in ("temp", "fresh", "data", "saved", "object"):
            seen.add(id(b))
            if b.role == "temp":
                b.role = "saved"
            saved.append(b)

    for p in bwd:
        for b in p.reads:
            need(b)
    program.saved = saved


class CompiledGraphNode(Function):
    """The graph node of a compiled forward's outputs (see the module docstring)."""

    backward_name = "CompiledFunctionBackward"

    def __init__(self, spec, saved, edge_tensors, version_tensors, out_meta):
        self._spec = spec
        self._saved = saved
        self._saved_versions = [(t._version, t._version[0], t._data) for t in version_tensors]
        self._pre_hooks = None
        self._edges = [(t.grad_fn if t.grad_fn is not None else t, t._output_nr,
                        t._data.shape, t._data.dtype) for t in edge_tensors]
        self._out_meta = out_meta
        self._seq = next(_sequence)
        self.needs_input_grad = (True,) * len(edge_tensors)

    def _run_backward(self, grads):
        saved = self.saved_tensors  # raises when freed or when a saved tensor changed in place
        spec = self._spec
        return spec.run_backward(saved, grads, spec.buffers, spec.shapes, spec.numbers)
