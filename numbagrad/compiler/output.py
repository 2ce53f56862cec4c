"""What a compiled call returns: the function's result rebuilt around new tensors.

The result's structure (a tensor, or tuples, lists and dicts of tensors and plain Python values)
is kept as a template with the tensors replaced by `OutRef`s. Each returned tensor is, as in
eager mode:
- an argument or an external tensor: the same object;
- an op's output: a new tensor on an array allocated by this call (never a buffer reused by the
  next call); when it requires grad, its `grad_fn` is a `FreedNode` named like the eager node,
  whose graph was freed by the backward pass of the step (`backward()` on it again raises
  PyTorch's "backward through the graph a second time" error, as eager's would);
- a `.grad`: the parameter's `.grad` after the call.
A returned tensor whose graph is still alive (requires grad, not freed by a backward inside the
function) has no compiled form: the caller could backpropagate through it later.
"""
from .errors import Unsupported


class OutRef:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class OutSpec:
    """kind: "slot" (the tensor of `slot`), "buf" (a new tensor on Buf `buf`), "grad" (the
    `.grad` of `slot`)."""

    def __init__(self, kind, slot=None, buf=None, requires_grad=False, node_name=None):
        self.kind, self.slot, self.buf = kind, slot, buf
        self.requires_grad, self.node_name = requires_grad, node_name


def lower_outputs(L):
    specs = L.program.outputs
    handed = set()
    by_array = {id(v.array): v for v in L.trace.values if v.kind == "op"}

    def convert(obj):
        from ..tensor import Tensor
        if isinstance(obj, Tensor):
            v = L.value_of_tensor.get(id(obj))
            if v is None:
                base = by_array.get(id(obj._data))
                if base is None or obj.requires_grad:
                    raise Unsupported("the function returns a tensor the capture did not see made")
                specs.append(OutSpec("buf", buf=_fresh(L, L.data(base), handed)))  # x.detach()
            else:
                specs.append(_spec(L, v, handed))
            return OutRef(len(specs) - 1)
        if isinstance(obj, tuple) and type(obj) is not tuple:
            raise Unsupported(f"the function returns a {type(obj).__name__}; no compiled form")
        if isinstance(obj, (tuple, list)):
            return type(obj)(convert(o) for o in obj)
        if isinstance(obj, dict):
            return {k: convert(o) for k, o in obj.items()}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        raise Unsupported(f"the function returns a {type(obj).__name__}; no compiled form")

    L.program.result_template = convert(L.trace.result)


def _spec(L, v, handed):
    if v.kind in ("input", "external"):
        return OutSpec("slot", slot=L.slot_for_value(v))
    if v.kind == "grad":
        return OutSpec("grad", slot=L.slot_for_value(v.base))
    if v.kind == "alias":
        base = v.base
        while base.kind == "alias":
            base = base.base
        if base.kind != "op":
            raise Unsupported("the function returns a detached alias of an argument or a parameter")
        buf = _fresh(L, L.data(base), handed)
        return OutSpec("buf", buf=buf)
    t = v.tensor
    node = t.grad_fn
    if node is not None and not getattr(node, "_backward_ran", False):
        if not L.can_export:
            raise Unsupported("the function returns a tensor whose graph is still alive (not freed "
                              "by a backward() inside it) and also runs a backward or an optimizer "
                              "step; no compiled form")
        buf = _fresh(L, L.data(v), handed)
        L.exported.append((v, buf))
        return OutSpec("export", buf=buf, requires_grad=True, node_name=len(L.exported) - 1)
    buf = _fresh(L, L.data(v), handed)
    return OutSpec("buf", buf=buf, requires_grad=bool(t.requires_grad),
                   node_name=node.name() if node is not None else None)


def _fresh(L, buf, handed):
    """A Buf allocated at every call holding `buf`'s values (buf itself when it can be)."""
    if buf.role == "temp" and id(buf) not in handed and buf.value is None:
        buf.role = "fresh"
    elif buf.role != "fresh" or id(buf) in handed or id(buf) in L.fresh_grads:
        buf = L.map("{0}", [buf], buf.shape, buf.dtype)
        buf.role = "fresh"
    handed.add(id(buf))
    return buf
