"""What a compiled step needs at run time: the specialisation (the generated driver with its
buffers, shapes and references), and the helpers the generated code calls."""
import weakref

import numpy as np

from ..autograd.function import Function, _sequence
from ..autograd.grad_mode import is_grad_enabled as grad_enabled  # noqa: F401  (generated code)
from ..autograd.anomaly import is_anomaly_enabled as anomaly_enabled  # noqa: F401  (generated code)
from ..tensor import _wrap

EAGER = object()  # the driver's answer when this call must run eagerly (bad labels: eager raises)


def grad_tensor(array, bumps):
    """A new `.grad` tensor on `array`, its version counter at `bumps` (the in-place additions
    eager mode made to it after creating it)."""
    t = _wrap(array)
    if bumps:
        t._version[0] = bumps
    return t


class FreedNode(Function):
    """The `grad_fn` of a tensor returned by a compiled step: the graph it stood for was freed by
    the step's backward pass, as eager's would be. Named like the eager node."""

    def __init__(self, name, shape, dtype):
        self.backward_name = name
        self._saved = None
        self._saved_versions = ()
        self._pre_hooks = None
        self._edges = []
        self._out_meta = [(shape, dtype)]
        self._seq = next(_sequence)
        self.needs_input_grad = ()

    def _run_backward(self, grads):
        self.saved_tensors  # raises: backward through the graph a second time
        return ()


def result_tensor(array, requires_grad, node_name):
    """A tensor returned by a compiled step (see output.py)."""
    t = _wrap(array)
    if requires_grad:
        t.requires_grad = True
        if node_name is not None:
            t.grad_fn = FreedNode(node_name, array.shape, array.dtype)
    return t


class Specialisation:
    """One compiled form of a function: the generated `run`, called with this specialisation's
    external tensors and guarded objects (held weakly: a dead one fails the guards), buffers,
    shapes and numbers."""

    def __init__(self, run, externals, objects, temps, shapes, numbers, template, source_hash):
        self.run = run
        self.externals = [weakref.ref(t) for t in externals]
        self.objects = [(lambda o=o: o) if strong else weakref.ref(o) for o, strong in objects]
        self.buffers = tuple(np.full(b.shape, b.value, b.dtype) if b.value is not None
                             else np.empty(b.shape, b.dtype) for b in temps)
        self.shapes = shapes
        self.numbers = numbers
        self.template = template
        self.source_hash = source_hash

    def __call__(self, args):
        """The outputs (a tuple), None when a guard fails, or EAGER."""
        return self.run(args, [r() for r in self.externals], [r() for r in self.objects],
                        self.buffers, self.shapes, self.numbers)

    run_backward = None
    export_meta = None

    def result(self, outputs):
        if self.run_backward is not None:
            outputs = self._export(outputs)
        return _fill(self.template, outputs)

    def _export(self, outputs):
        """Wrap the exported outputs around one CompiledGraphNode (see export.py)."""
        from .export import CompiledGraphNode
        *outs, saved, edge_tensors, version_tensors = outputs
        node = CompiledGraphNode(self, saved, edge_tensors, version_tensors, self.export_meta)
        result = []
        k = 0
        for o in outs:
            if type(o) is np.ndarray:
                t = _wrap(o)
                t.requires_grad = True
                t.grad_fn = node
                t._output_nr = k
                k += 1
                result.append(t)
            else:
                result.append(o)
        return result


def _fill(template, outputs):
    from .output import OutRef
    if isinstance(template, OutRef):
        return outputs[template.index]
    if isinstance(template, (tuple, list)):
        return type(template)(_fill(t, outputs) for t in template)
    if isinstance(template, dict):
        return {k: _fill(t, outputs) for k, t in template.items()}
    return template
