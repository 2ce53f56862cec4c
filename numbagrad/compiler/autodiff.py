"""The backward pass, lowered: the engine's walk (`autograd/engine.py`) replayed symbolically.

Same order, same sums, same casts as the engine, so the compiled gradients are the eager ones
bit for bit where the instructions are: nodes reachable from the root, visited by decreasing
sequence number; gradients meeting at a node summed in arrival order (`buf + g`); a missing
output gradient is zeros; each input gradient is summed back to the input's shape
(`unbroadcast`) and cast to its dtype; leaves' gradients summed in arrival order, then
accumulated into `.grad` in first-arrival order.
"""
from .errors import Unsupported
from .ir import Py, SumAll, SumLead


def lower_backward(L, rec):
    """A `backward()` inside the function: the walk, then the engine's accumulation into `.grad`."""
    if len(rec.roots) != 1:
        raise Unsupported("backward of several tensors at once has no compiled form yet", rec.where)
    root = rec.roots[0]
    root_node = root.producer.node
    if root_node is None or root.tensor.grad_fn is not root_node:
        raise Unsupported("backward() of a tensor that is not the output of a recorded op", rec.where)
    leaf_grads = walk(L, [(root, L.const(1.0, root.shape, root.dtype))], rec.where)
    for slot, g in leaf_grads:
        if slot.tensor._hooks:
            raise Unsupported("a gradient hook on a leaf has no compiled form", rec.where)
        L.accumulate_leaf(slot, g)
    for ddp in rec.averages:
        _average_over_ranks(L, ddp, rec.where)


def _average_over_ranks(L, ddp, where):
    """DistributedDataParallel's averaging at the end of backward: the driver hands the gradient
    buffers of its parameters to `ddp._average_gradients` (the eager buckets and allreduces);
    each `.grad` gets one version bump, as eager's in-place division gives it."""
    states = [L.current_grad(L.slot(p)) for p in ddp._params]
    if any(state is None for state in states):
        raise Unsupported("DistributedDataParallel with a parameter that gets no gradient in the "
                          "step has no compiled form yet", where)
    k = L.obj(ddp)  # its flags are guarded (lowering.lower)
    grads = {f"g{j}": state[1] for j, state in enumerate(states)}
    L.emit(Py([f"X[{k}]._average_gradients([" + ", ".join("{g%d}" % j for j in range(len(states))) + "])"],
              grads, reads=tuple(grads.values()), writes=tuple(grads.values())))
    for state in states:
        state[2] += 1


def walk(L, roots, where, outside=None):
    """The engine's walk from `roots` ((Value, gradient Buf) pairs): returns [(slot, summed
    gradient Buf)] for the leaves, in first-arrival order. `outside` maps (id(node), output_nr)
    of graph nodes recorded before the call (an argument's grad_fn) to the argument's slot: the
    gradient sent there is returned like a leaf's."""
    from ..autograd.function import Function
    from .op_lowerings import lowering_for

    buffers = {}
    leaf_grads = {}

    def send_node(node, nr, g):
        buf = buffers.get(id(node))
        if buf is None:
            buf = buffers[id(node)] = [None] * len(node._out_meta)
        if buf[nr] is None:
            buf[nr] = g
        else:
            buf[nr] = _add(L, buf[nr], g)

    def send_slot(slot, g):
        entry = leaf_grads.get(slot.n)
        if entry is None:
            leaf_grads[slot.n] = [slot, g]
        else:
            entry[1] = _add(L, entry[1], g)

    def send_leaf(tensor, g):
        v = L.value_of_tensor.get(id(tensor))
        if v is None:
            raise Unsupported("a gradient reaches a tensor the capture did not see", where)
        slot = L.slot_for_value(v)
        if slot.tensor is not tensor:
            raise Unsupported("a gradient reaches a detached alias (x.detach().requires_grad_()) "
                              "of a traced tensor; no compiled form", where)
        send_slot(slot, g)

    root_nodes = []
    for value, g in roots:
        node = value.producer.node
        send_node(node, value.index, g)
        root_nodes.append(node)
    stop = {k[0] for k in outside} if outside else set()
    for node in _reverse_topological(root_nodes, stop):
        grads = buffers.pop(id(node), None)
        if grads is None:
            continue
        op = L.record_of.get(id(node))
        if op is None:
            raise Unsupported(f"backward reaches {node.name()}, an op recorded outside the function "
                              "(its graph was built before the call)", where)
        for nr, g in enumerate(grads):
            if g is None:
                shape, dtype = node._out_meta[nr]
                grads[nr] = L.const(0.0, shape, dtype)
        low = lowering_for(op.cls)
        input_grads = low.backward(L, op, grads)
        if len(input_grads) != len(node._edges):
            raise Unsupported(f"internal: {op.name} lowered {len(input_grads)} gradients for "
                              f"{len(node._edges)} inputs", op.where)
        for edge, g in zip(node._edges, input_grads):
            if edge is None or g is None:
                continue
            target, nr, shape, dtype = edge
            if g.shape != tuple(shape):
                g = unbroadcast(L, g, tuple(shape), op)
            if g.dtype != dtype:
                g = L.map("{T}({0})", [g], g.shape, dtype)
            if outside is not None and (id(target), nr) in outside:
                send_slot(outside[(id(target), nr)], g)
            elif isinstance(target, Function):
                send_node(target, nr, g)
            else:
                send_leaf(target, g)
    return [(slot, g) for slot, g in leaf_grads.values()]


def _add(L, a, b):
    return L.map("{T}({0} + {1})", [a, b], a.shape if a.ndim >= b.ndim else b.shape, a.dtype)


def unbroadcast(L, g, shape, op):
    """The engine's `unbroadcast`: sum `g` over the axes broadcasting added or stretched."""
    extra = g.ndim - len(shape)
    if extra < 0:
        raise Unsupported(f"{op.name}: a gradient smaller than its input has no compiled form", op.where)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape)
                                       if n == 1 and g.shape[i + extra] != 1)
    if not axes:
        return L.view(g, shape)
    if axes == tuple(range(g.ndim)):
        out = L.buf((), g.dtype)
        L.emit(SumAll(out, g, g.dtype))
        return L.view(out, shape)
    if axes == tuple(range(len(axes))):
        out = L.buf(g.shape[len(axes):], g.dtype)
        L.emit(SumLead(out, g, len(axes)))
        return L.view(out, shape)
    raise Unsupported(f"{op.name}: broadcasting over inner axes (gradient {g.shape} to {shape}) has "
                      "no compiled form yet", op.where)


def _reverse_topological(root_nodes, stop=frozenset()):
    from ..autograd.function import Function
    seen = set(stop)
    stack = list(root_nodes)
    nodes = []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for edge in node._edges:
            if edge is not None and isinstance(edge[0], Function) and id(edge[0]) not in seen:
                stack.append(edge[0])
    nodes.sort(key=lambda n: n._seq, reverse=True)
    return nodes
