"""What a capture records: the tensors it saw (`Value`) and, in order, the events of one eager call
of the user's function (`OpRecord`, `BackwardRecord`, `StepRecord`, `ZeroGradRecord`).

A trace is a description of one call, with concrete shapes; `lowering` turns it into the IR.
It holds strong references to the tensors of that call until it is lowered, then is dropped.
"""
import numpy as np


class Value:
    """One tensor as the capture saw it.

    kind: "input" (argument `index` of the function), "external" (a tensor that existed before the
    call: a parameter, a buffer, a constant held by the model), "op" (output `index` of the op
    record `producer`), "alias" (a new Tensor object on the array of value `base`, e.g. `.data` or
    `detach()`), or "grad" (the `.grad` of leaf `base` after a backward).
    """

    __slots__ = ("vid", "kind", "index", "tensor", "array", "shape", "dtype", "requires_grad",
                 "producer", "base", "version", "snapshot")

    def __init__(self, vid, kind, tensor, index=None, producer=None, base=None):
        self.vid = vid
        self.kind = kind
        self.index = index
        self.tensor = tensor
        self.array = tensor._data
        self.shape = tuple(tensor._data.shape)
        self.dtype = tensor._data.dtype
        self.requires_grad = bool(tensor.requires_grad)
        self.producer = producer
        self.base = base
        self.version = tensor._version[0]
        self.snapshot = None

    def take_snapshot(self):
        """Remember the array's contents, so that a later change made behind the capture's back
        (through `.data`, NumPy, an in-place op) is noticed."""
        self.snapshot = np.array(self.array, copy=True)
        self.version = self.tensor._version[0]

    def unchanged(self):
        """True when the tensor still holds the same array object, version and contents."""
        t = self.tensor
        if t._data is not self.array or t._version[0] != self.version:
            return False
        if self.snapshot is None:
            return True
        return np.array_equal(self.array, self.snapshot, equal_nan=self.array.dtype.kind in "fc")

    def describe(self):
        what = {"input": f"argument {self.index}", "external": "a tensor held outside the function",
                "op": "an intermediate tensor", "alias": "a detached alias", "grad": "a gradient"}
        return f"{what.get(self.kind, self.kind)} of shape {tuple(self.shape)} ({self.dtype})"

    def __repr__(self):
        return f"Value({self.vid}, {self.kind}, {self.shape}, {self.dtype})"


class ArrayArg:
    """A NumPy array passed to an op's forward that is not a Tensor's own array object: `value`
    is the traced tensor whose memory it shares (or None when it comes from nowhere the capture
    knows, e.g. random draws)."""

    __slots__ = ("array", "value")

    def __init__(self, array, value):
        self.array = array
        self.value = value


class OpRecord:
    """One `ArrayFunction.apply`: the node class, its positional inputs and its keyword parameters
    (Values, ArrayArgs or plain Python values), its outputs (Values), the graph node it recorded
    (or None), and where the user's code called it. A lowering's backward returns one gradient
    per positional input, as the node's does."""

    __slots__ = ("cls", "args", "params", "outputs", "node", "needs", "where", "module", "lowered")

    def __init__(self, cls, args, where, module, params=None):
        self.cls = cls
        self.args = args
        self.params = params or {}
        self.outputs = []
        self.node = None
        self.needs = (False,) * len(args)
        self.where = where
        self.module = module
        self.lowered = None  # what the lowering of the forward keeps for the backward

    @property
    def name(self):
        return getattr(self.cls, "backward_name", None) or self.cls.__name__


class BackwardRecord:
    """`tensor.backward()` (or `autograd.backward`) on `roots` (Values); `averages`: the
    DistributedDataParallel modules whose gradient averaging ran at its end."""

    __slots__ = ("roots", "where", "averages")

    def __init__(self, roots, where):
        self.roots = roots
        self.where = where
        self.averages = []


class StepRecord:
    """`optimizer.step()`."""

    __slots__ = ("optimizer", "where")

    def __init__(self, optimizer, where):
        self.optimizer = optimizer
        self.where = where


class ZeroGradRecord:
    """`optimizer.zero_grad(set_to_none)` or `module.zero_grad(set_to_none)` over `params`."""

    __slots__ = ("params", "set_to_none", "where")

    def __init__(self, params, set_to_none, where):
        self.params = params
        self.set_to_none = set_to_none
        self.where = where


class Trace:
    """Everything one capture saw, in order."""

    def __init__(self):
        self.values = []
        self.events = []
        self.modules = []          # modules called during the capture, in first-call order
        self.optimizers = []       # optimizers stepped or zeroed, in first-use order
        self.result = None         # what the function returned
        self.args = ()             # the function's positional arguments
        self.bn_calls = []         # (module, OpRecord) of BatchNorm modules called in training
        self.ddp_sync = {}         # id(DistributedDataParallel) -> its require_backward_grad_sync then
