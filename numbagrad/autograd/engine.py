"""The backward engine: walks the recorded graph in reverse creation order, iteratively.

Mirrors `torch.autograd.backward` and `torch.autograd.grad`. Each node has a sequence number
given when it was recorded; a node's inputs were always recorded before it, so visiting the
reachable nodes from the highest number down sees every node after all of its consumers. No
recursion: graphs of any depth work. Gradients meeting at a node (diamonds, reused tensors) are
summed in its buffer before it runs. Broadcasting is undone here, in `unbroadcast`, for every op.
"""
import threading

import numpy as np

from ..tensor import Tensor, _wrap, legacy_type_name
from .function import Function, _anomaly


class _FinalCallbacks(threading.local):
    """Per thread: the callbacks queued during the backward pass running in this thread (None
    when no backward runs)."""
    queue = None


_final_callbacks = _FinalCallbacks()


def queue_callback(callback):
    """Mirrors `torch.autograd.Variable._execution_engine.queue_callback`: run `callback()` once
    the current backward pass (in this thread) has finished, after every `.grad` was written.
    Callable only during a backward pass, e.g. from a tensor hook. DistributedDataParallel
    averages the gradients this way."""
    queue = _final_callbacks.queue
    if queue is None:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    queue.append(callback)


def unbroadcast(grad, shape, node=None):
    """Sum `grad` over the axes that broadcasting added or stretched, giving an array of `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra >= 0:
        axes = tuple(range(extra)) + tuple(
            i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
        if axes:
            grad = grad.sum(axis=axes)
        if grad.size == int(np.prod(shape)) and grad.shape != shape:
            grad = grad.reshape(shape)
    if grad.shape != shape:
        # Built-in ops may return a gradient that still needs broadcasting up (a view is cheaper);
        # a user Function must return the input's shape or one that sums down to it, as in PyTorch.
        user_function = node is not None and node._tensor_mode
        try:
            if user_function:
                raise ValueError
            grad = np.broadcast_to(grad, shape)
        except ValueError:
            who = node.name() if node is not None else "backward"
            raise RuntimeError(
                f"Function {who} returned an invalid gradient: got shape {list(grad.shape)} but "
                f"expected shape compatible with {list(shape)}") from None
    return grad


def _root_grads(tensors, grad_tensors):
    roots = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward: expected Tensors to differentiate, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        g = grad_tensors[i] if grad_tensors is not None else None
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (backward of a tensor of "
                    f"shape {tuple(t.shape)}: pass gradient= with that shape)")
            g = np.ones_like(t._data)
        else:
            g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=t._data.dtype)
            if g.shape != t._data.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {tuple(g.shape)} but the tensor has shape "
                    f"{tuple(t._data.shape)}")
            if g.dtype != t._data.dtype:
                g = g.astype(t._data.dtype)
        roots.append((t, g))
    return roots


def run_backward(tensors, grad_tensors=None, retain_graph=False, inputs=None, capture=False):
    """Backpropagate from `tensors`. Accumulates into leaves' `.grad` (only those in `inputs`
    when given), or with `capture=True` returns the gradients of `inputs` instead.
    NumPy's floating-point warnings are off for the walk: nan and inf propagate as in PyTorch.
    Callbacks queued during the walk (`queue_callback`) run after it, in order; an error in the
    walk drops them."""
    outer = _final_callbacks.queue
    queue = _final_callbacks.queue = []
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            result = _run_backward(tensors, grad_tensors, retain_graph, inputs, capture)
        while queue:  # a callback may queue another
            queue.pop(0)()
    finally:
        _final_callbacks.queue = outer
    return result


def _run_backward(tensors, grad_tensors, retain_graph, inputs, capture):
    roots = _root_grads(tensors, grad_tensors)
    buffers = {}  # node -> list of gradient arrays, one per output
    leaf_grads = {}  # id(leaf) -> [leaf, summed gradient]
    wanted = None
    captured = {}
    if inputs is not None:
        wanted = {}
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"backward: inputs must be Tensors, got {type(t).__name__}")
            if not t.requires_grad:
                raise RuntimeError(f"backward: inputs[{i}] does not require grad (a tensor of shape "
                                   f"{tuple(t._data.shape)}); only tensors that require grad can "
                                   "receive a gradient")
            key = (t.grad_fn, t._output_nr) if t.grad_fn is not None else id(t)
            wanted[key] = t

    def send(target, nr, g):
        if isinstance(target, Function):
            buf = buffers.get(target)
            if buf is None:
                buf = buffers[target] = [None] * len(target._out_meta)
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        else:
            entry = leaf_grads.get(id(target))
            if entry is None:
                leaf_grads[id(target)] = [target, g]
            else:
                entry[1] = entry[1] + g

    for t, g in roots:
        send(t.grad_fn if t.grad_fn is not None else t, t._output_nr, g)

    for node in _reverse_topological(t.grad_fn for t, _ in roots):
        grads = buffers.pop(node, None)
        if grads is None:
            continue
        if node._pre_hooks:
            grads = _run_pre_hooks(node, grads)
        if wanted is not None:
            for nr, g in enumerate(grads):
                if (node, nr) in wanted and g is not None:
                    captured[(node, nr)] = g
        for nr, g in enumerate(grads):
            if g is None:
                shape, dtype = node._out_meta[nr]
                grads[nr] = np.zeros(shape, dtype)
        input_grads = node._run_backward(grads)
        if len(input_grads) != len(node._edges):
            raise RuntimeError(
                f"function {node.name()} returned an incorrect number of gradients (expected "
                f"{len(node._edges)}, got {len(input_grads)})")
        if _anomaly["enabled"]:
            from .anomaly import check_backward
            check_backward(node, input_grads)
        if not retain_graph:
            node._release()
        for edge, g in zip(node._edges, input_grads):
            if edge is None or g is None:
                continue
            target, nr, shape, dtype = edge
            if type(g) is not np.ndarray:
                g = np.asarray(g)
            if g.shape != shape:
                g = unbroadcast(g, shape, node)
            if g.dtype != dtype:
                g = g.astype(dtype)
            if isinstance(target, Function):
                buf = buffers.get(target)
                if buf is None:
                    buf = buffers[target] = [None] * len(target._out_meta)
                buf[nr] = g if buf[nr] is None else buf[nr] + g
            else:
                send(target, nr, g)

    if capture:
        result = []
        for t in inputs:
            if t.grad_fn is not None:
                result.append(captured.get((t.grad_fn, t._output_nr)))
            else:
                entry = leaf_grads.get(id(t))
                result.append(None if entry is None else _run_leaf_hooks(t, entry[1]))
        return result

    given = set()
    for leaf, g in leaf_grads.values():
        if wanted is not None and id(leaf) not in wanted:
            continue
        g = _run_leaf_hooks(leaf, g)
        _accumulate(leaf, g, given)
    return None


def _reverse_topological(root_nodes):
    seen = set()
    stack = [n for n in root_nodes if n is not None]
    nodes = []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        nodes.append(node)
        for edge in node._edges:
            if edge is not None and isinstance(edge[0], Function) and edge[0] not in seen:
                stack.append(edge[0])
    nodes.sort(key=_seq_of, reverse=True)
    return nodes


def _seq_of(node):
    return node._seq


def _run_pre_hooks(node, grads):
    """Run the hooks registered on the node's outputs (Tensor.register_hook on non-leaves), then
    keep the resulting gradient of outputs that called retain_grad (after every hook, as PyTorch)."""
    grads = list(grads)
    retains = getattr(node, "_retains", None)
    for nr, hooks in node._pre_hooks.items():
        g = grads[nr]
        if g is None:
            continue
        for hook in list(hooks.values()):
            g = _call_hook(hook, g)
        grads[nr] = g
        if retains and nr in retains:
            _retain(retains[nr](), g)
    return grads


def _run_leaf_hooks(leaf, g):
    hooks = leaf._hooks
    if hooks:
        for hook in list(hooks.values()):
            g = _call_hook(hook, g)
    return g


def _call_hook(hook, g):
    """hook(grad) -> the gradient to use: the hook's Tensor of the same size and dtype, or g when
    it returns None. Anything else raises as PyTorch does."""
    out = hook(_wrap(g))
    if out is None:
        return g
    if not isinstance(out, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(out).__name__}'")
    new = out._data
    if new.shape != g.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value (was "
                           f"{list(g.shape)} got {list(new.shape)})")
    if new.dtype != g.dtype:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was "
                           f"{legacy_type_name(g.dtype)} got {legacy_type_name(new.dtype)})")
    return new


def _hook_name(hook):
    return getattr(hook, "__name__", None) or type(hook).__name__


def _retain(tensor, g):
    """Add g into the `.grad` of a non-leaf that called retain_grad (if it is still alive)."""
    if tensor is None:
        return
    if tensor._grad is None:
        tensor._grad = _wrap(np.array(g, copy=True))
    else:
        tensor._grad = _wrap(tensor._grad._data + g)


def _accumulate(leaf, g, given):
    """Add g into leaf.grad. A new .grad gets its own contiguous, writable array. A leaf whose
    requires_grad was turned off after it was used gets nothing, as in PyTorch."""
    if not leaf.requires_grad:
        return
    if g.shape != leaf._data.shape:
        raise RuntimeError(
            f"backward: the gradient of shape {tuple(g.shape)} does not match the leaf tensor of "
            f"shape {tuple(leaf._data.shape)} (was its .data replaced after it was used?)")
    grad = leaf._grad
    if grad is None:
        if (id(g) in given or not g.flags.c_contiguous or not g.flags.writeable
                or not g.flags.owndata):
            g = np.array(g, order="C", copy=True)
        if g.dtype != leaf._data.dtype:
            g = g.astype(leaf._data.dtype)
        given.add(id(g))
        leaf._grad = _wrap(g)
    else:
        acc = grad._data
        if acc.shape != g.shape:
            raise RuntimeError(
                f"backward: cannot accumulate a gradient of shape {tuple(g.shape)} into .grad of "
                f"shape {tuple(acc.shape)}")
        np.add(acc, g, out=acc, casting="unsafe")
        grad._version[0] += 1


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Mirrors `torch.autograd.backward`. `create_graph=True` (double backward) is not supported."""
    if create_graph:
        raise NotImplementedError("backward: create_graph=True (higher-order gradients) is not supported")
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    if isinstance(grad_tensors, Tensor) or grad_tensors is None:
        grad_tensors = None if grad_tensors is None else (grad_tensors,)
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    run_backward(list(tensors), grad_tensors, bool(retain_graph), inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """Mirrors `torch.autograd.grad`: returns the gradients of `outputs` w.r.t. `inputs` without
    touching any `.grad`. `create_graph=True` is not supported."""
    if create_graph:
        raise NotImplementedError("autograd.grad: create_graph=True (higher-order gradients) is not supported")
    single_input = isinstance(inputs, Tensor)
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if single_input else tuple(inputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad")
    grads = run_backward(list(outputs), grad_outputs, bool(retain_graph), inputs=inputs, capture=True)
    result = []
    for i, (t, g) in enumerate(zip(inputs, grads)):
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {i} was not used in the graph; pass allow_unused=True "
                    "to get None for it")
        result.append(None if g is None else _wrap(np.array(g, copy=True)))
    return tuple(result)
