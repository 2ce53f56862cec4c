"""Graph nodes: `Function` (user-defined ops, on Tensors) and `ArrayFunction` (built-in ops, on arrays).

Mirrors `torch.autograd.Function`. Calling `SomeFunction.apply(*inputs)` runs `forward(ctx, ...)`
and, when an input requires grad and grad mode is on, records `ctx` as the node that produced the
outputs. `ctx` is an instance of the Function subclass: it holds what `forward` saved, the edges to
the inputs' nodes, and `needs_input_grad`; the engine later calls `backward(ctx, *grad_outputs)`.

Built-in ops subclass `ArrayFunction`: their forward and backward see NumPy arrays, not Tensors,
which keeps the per-op Python work small. User code subclasses `Function`, exactly as in PyTorch.
"""
import itertools

import numpy as np

from . import grad_mode
from ..tensor import Tensor, _wrap

_modes = grad_mode._state  # per thread; `_modes.enabled` is the grad mode
_sequence = itertools.count()
_anomaly = {"enabled": False, "check_nan": True}


class Function:
    """Mirrors `torch.autograd.Function`: subclass it with static `forward(ctx, *args)` and
    `backward(ctx, *grad_outputs)`, then call `YourFunction.apply(*args)`.

    `ctx.save_for_backward(*tensors)`, `ctx.saved_tensors`, `ctx.needs_input_grad` and
    `ctx.mark_non_differentiable(*outputs)` work as in PyTorch. Differences: `forward` may not take
    keyword arguments through `apply`, and double backward (`create_graph=True`) is not supported.
    """

    _tensor_mode = True  # forward/backward see Tensors; ArrayFunction flips this

    # ---- recording -------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Mirrors `Function.apply`: run forward (under no_grad) and record the node."""
        ctx = cls.__new__(cls)
        ctx._saved = ()
        ctx._pre_hooks = None
        ctx._non_differentiable = ()
        if _modes.enabled:
            needs = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
        else:
            needs = (False,) * len(args)
        ctx.needs_input_grad = needs
        with grad_mode.no_grad():
            outputs = cls.forward(ctx, *args)
        single = type(outputs) is not tuple
        wrapped = tuple([_as_output_tensor(o, cls, args) for o in ((outputs,) if single else outputs)])
        if True in needs:
            _record(ctx, args, needs, wrapped)
        return wrapped[0] if single else wrapped

    def save_for_backward(self, *tensors):
        """Mirrors `ctx.save_for_backward`: keep tensors (or arrays, in built-in ops) for backward."""
        self._saved = tensors

    @property
    def saved_tensors(self):
        """Mirrors `ctx.saved_tensors`; raises RuntimeError if the graph was freed or a saved tensor
        was modified in place since it was saved."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if you "
                "need to access saved tensors after calling backward.")
        if self._saved_versions:
            self._check_versions()
        return saved

    def _check_versions(self):
        """RuntimeError, as PyTorch's, when a tensor whose memory backward reads changed in place."""
        for counter, version, array in self._saved_versions:
            if counter[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{array.dtype} tensor of shape {list(array.shape)}], saved by "
                    f"{self.name()}, is at version {counter[0]}; expected version {version} instead. "
                    "Hint: the tensor (or a view of it) was changed in place after the op used it; "
                    "use the out-of-place op, or .clone() the tensor before changing it.")

    def mark_non_differentiable(self, *outputs):
        """Mirrors `ctx.mark_non_differentiable`: these outputs never require grad."""
        self._non_differentiable = tuple(id(o) for o in outputs)

    def mark_dirty(self, *tensors):
        """Accepted for compatibility; in-place user Functions are not tracked specially."""

    def set_materialize_grads(self, value):
        """Accepted for compatibility; missing output grads are always materialised as zeros."""

    # ---- graph introspection ----------------------------------------------------------------
    def name(self):
        return getattr(self, "backward_name", None) or type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self):
        """Mirrors `grad_fn.next_functions`: (node, output_nr) per input; leaves appear as tensors."""
        return tuple((None, 0) if e is None else (e[0], e[1]) for e in self._edges)

    def register_hook(self, hook):
        raise NotImplementedError("grad_fn.register_hook is not supported; use Tensor.register_hook")

    # ---- backward ---------------------------------------------------------------------------
    def _run_backward(self, grads):
        """Call the user's backward with Tensors, return arrays (one per input, or None; the engine
        checks the count)."""
        with grad_mode.no_grad():
            result = type(self).backward(self, *[_wrap(g) for g in grads])
        result = result if isinstance(result, tuple) else (result,)
        return tuple(r._data if isinstance(r, Tensor) else r for r in result)

    def _release(self):
        if self._saved:  # a node that saved nothing can run again, as in PyTorch
            self._saved = None
        self._saved_versions = ()
        self._backward_ran = True  # numbagrad.compile tells a used graph from a live one by it


class ArrayFunction(Function):
    """Base of the built-in ops: `Node.apply(*inputs, **params)` calls `forward(ctx, *arrays,
    **params)` with NumPy arrays for the tensor inputs (positional arguments other than tensors
    are passed as given) and the non-tensor parameters as keywords; forward returns an array or a
    tuple of arrays. `backward(ctx, *grads)` receives arrays and returns exactly one gradient
    array (or None) per positional input — keyword parameters get none, and the engine checks
    the count. Gradients may have the broadcast shape: the engine sums them back to each input's
    shape in one place. Integer and bool outputs never require grad. Tensors (and tuples of
    tensors, such as an index) are always positional, so that they are recorded as inputs.

    Saved values: every array backward reads is either private to the node (made in forward and
    shared with no tensor) or passed to `ctx.save_for_backward` (an array, or a tuple of arrays such
    as an index). At recording, each saved array is matched by memory (the array owning its data,
    found through `.base`) to the tensors it may come from: the outputs, the Tensor arguments and
    the Tensors inside tuple arguments. Before backward runs, each matched tensor's version counter
    must be unchanged, else RuntimeError, as in PyTorch. So an op hands forward the tensors whose
    memory backward reads (an index, a mask, class weights), never bare `._data` arrays, and
    saves the argument arrays whose in-place change PyTorch reports even when backward reads a
    private copy of them."""

    _tensor_mode = False

    @classmethod
    def apply(cls, *args, **params):
        """Run forward on the arrays of the tensor arguments; record ctx when a gradient is needed."""
        ctx = cls.__new__(cls)
        ctx._saved = ()
        ctx._pre_hooks = None
        if _modes.enabled:
            needs = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
        else:
            needs = (False,) * len(args)
        ctx.needs_input_grad = needs
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        try:
            outputs = cls.forward(ctx, *arrays, **params)
        except MemoryError as error:  # an op on a huge (expanded) input: PyTorch's RuntimeError
            raise _memory_error(cls, error) from None
        except ValueError as error:
            if "too big" not in str(error):
                raise
            raise _memory_error(cls, error) from None
        if type(outputs) is tuple:
            wrapped = tuple([_wrap(o if type(o) is np.ndarray else _as_array(ctx, o)) for o in outputs])
            if True in needs:
                _record(ctx, args, needs, wrapped, arrays)
            return wrapped
        out = _wrap(outputs if type(outputs) is np.ndarray else _as_array(ctx, outputs))
        if True in needs:
            _record(ctx, args, needs, (out,), arrays)
        return out

    @property
    def saved_tensors(self):
        """The saved arrays; `_run_backward` has already checked their versions."""
        return self._saved

    def _run_backward(self, grads):
        if self._saved is None:
            Function.saved_tensors.fget(self)  # raises: the graph was freed
        if self._saved_versions:
            self._check_versions()
        result = type(self).backward(self, *grads)
        return result if isinstance(result, tuple) else (result,)


def _as_array(ctx, value):
    """A forward's non-array result (a NumPy scalar from a 0-d op) as an array; if forward saved
    that very object, the saved entry becomes the array, so it is version-checked as the output."""
    array = np.asarray(value)
    saved = ctx._saved
    if saved and any(s is value for s in saved):
        ctx._saved = tuple([array if s is value else s for s in saved])
    return array


def _memory_error(cls, error):
    from ..ops._util import memory_error
    return memory_error(cls.__name__.lower(), error)


def _as_output_tensor(o, cls, args):
    if isinstance(o, Tensor):
        if any(o is a for a in args):
            return _wrap(o._data)  # an input returned as is becomes a new tensor on the same data
        return o
    if isinstance(o, np.ndarray):
        return _wrap(o)
    raise TypeError(f"{cls.__name__}.forward must return Tensors, got {type(o).__name__}")


def _record(ctx, args, needs, outputs, arrays=None):
    """Link ctx into the graph: edges to the inputs, outputs pointing back at ctx."""
    ctx._edges = [None if not need else
                  (a.grad_fn if a.grad_fn is not None else a, a._output_nr, a._data.shape, a._data.dtype)
                  for a, need in zip(args, needs)]
    ctx._seq = next(_sequence)
    non_diff = getattr(ctx, "_non_differentiable", ())
    ctx._out_meta = [(o._data.shape, o._data.dtype) for o in outputs]
    for i, o in enumerate(outputs):
        if o._data.dtype.kind == "f" and (not non_diff or id(o) not in non_diff):
            o.requires_grad = True
            o.grad_fn = ctx
            o._output_nr = i
    saved = ctx._saved
    if not saved:
        ctx._saved_versions = ()
    elif arrays is None:
        ctx._saved_versions = [(t._version, t._version[0], t._data) for t in saved if isinstance(t, Tensor)]
    else:
        ctx._saved_versions = _array_version_records(saved, args, arrays, outputs)
    if _anomaly["enabled"]:
        from .anomaly import record_creation
        record_creation(ctx, outputs)


def _array_version_records(saved, args, arrays, outputs):
    """(counter, version, array) for each tensor whose memory a saved array may read.

    First by identity: the saved array is an output's array or the array an output is a view
    of, else a Tensor argument's array. Otherwise by memory owner (`memory_root`): every output,
    Tensor argument or Tensor inside a tuple argument whose array has the same owner (views,
    reshapes, and the index tensors of `x[index]`). A saved array matching nothing is private."""
    records = []
    for value in saved:
        if value is None:
            continue
        if type(value) is tuple:
            for item in value:
                if isinstance(item, np.ndarray):
                    _match(item, args, arrays, outputs, records)
        elif isinstance(value, np.ndarray):
            _match(value, args, arrays, outputs, records)
    return records


def _match(array, args, arrays, outputs, records):
    owner = None
    for t in outputs:
        d = t._data
        if d is array or d.base is array:
            owner = t
            break
    else:
        for i, d in enumerate(arrays):
            if d is array and isinstance(args[i], Tensor):
                owner = args[i]
                break
    if owner is None:
        root = memory_root(array)
        for t in _source_tensors(args, outputs):
            if memory_root(t._data) is root:
                _add_record(records, t)
        return
    counter = owner._version
    for rec in records:
        if rec[0] is counter:
            return
    records.append((counter, counter[0], owner._data))


def _add_record(records, t):
    counter = t._version
    for rec in records:
        if rec[0] is counter:
            return
    records.append((counter, counter[0], t._data))


def _source_tensors(args, outputs):
    sources = list(outputs)
    for a in args:
        if isinstance(a, Tensor):
            sources.append(a)
        elif type(a) is tuple:
            sources.extend([t for t in a if isinstance(t, Tensor)])
    return sources


def memory_root(array):
    """The array that owns `array`'s memory (following `.base` through views and reshapes)."""
    base = array.base
    while isinstance(base, np.ndarray):
        array, base = base, base.base
    return array
