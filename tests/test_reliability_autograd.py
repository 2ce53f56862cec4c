"""Autograd reliability (issue 12): no gradient is silently wrong, no backward can crash.

- Saved values: an in-place change of anything a backward reads (float inputs and outputs,
  integer indices, bool masks, loss targets and class weights; directly, through a view) raises
  RuntimeError at backward as PyTorch; a change PyTorch does not report leaves the gradient
  exactly as it was (backward reads a private copy). Changes through `.data` are not tracked (as
  PyTorch), but can never make a backward read out of bounds: that runs in a child process.
  A structural audit checks every graph node of the op table: each array a node keeps that
  shares memory with a tensor is version-checked against that tensor.
- Hooks returning another size, dtype or a non-Tensor raise as PyTorch (leaves, non-leaves,
  retain_grad, autograd.grad); retain_grad keeps the gradient after all hooks.
- Grad mode and inference mode are per thread; anomaly mode is process-wide (both as PyTorch).
- A leaf whose requires_grad was turned off after use gets no .grad.
- Assigning .grad of another size, dtype or type is refused as PyTorch.
"""
import contextlib
import os
import subprocess
import sys
import textwrap
import threading
import warnings
import zlib

import numpy as np
import pytest

import numbagrad
import numbagrad.nn.functional as NF
from helpers import as_list, make_input
from op_table import OPS

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

VERSION_ERROR = "modified by an inplace operation"


# ---- the saved-value cases: each builds (output, {name: tensor}) in numbagrad or torch -------------
X = np.array([[0.3, -1.2, 2.0], [1.5, 0.1, -0.4], [-2.2, 0.9, 0.6], [0.0, 1.1, -0.7]])


def _f(m, a, requires_grad=True):
    t = m.tensor(np.asarray(a, dtype=np.float64))
    return t.requires_grad_(True) if requires_grad else t


def _i(m, a, dtype=np.int64):
    return m.tensor(np.asarray(a, dtype=dtype))


def _softmax(m, F):
    x = _f(m, X)
    y = F.softmax(x, dim=1)
    return y, {"x": x, "y": y}


def _log_softmax(m, F):
    x = _f(m, X)
    y = F.log_softmax(x, dim=0)
    return y, {"x": x, "y": y}


def _softmax_3d(m, F):
    x = _f(m, X.reshape(2, 2, 3))
    y = m.softmax(x, 1)
    return y, {"x": x, "y": y}


def _std_all(m, F):
    x = _f(m, X) * 1
    y = x.std()
    return y, {"x": x, "y": y}


def _std_dim(m, F):
    x = _f(m, X) * 1
    y = x.std(1, keepdim=True)
    return y, {"x": x, "y": y}


def _var_dim(m, F):
    x = _f(m, X) * 1
    y = x.var(0)
    return y, {"x": x, "y": y}


def _gather(m, F):
    x = _f(m, X)
    idx = _i(m, [[0, 2], [1, 1], [2, 0], [0, 0]])
    y = x.gather(1, idx)
    return y, {"x": x, "idx": idx, "y": y}


def _index_select(m, F):
    x = _f(m, X)
    idx = _i(m, [3, 0, 3])
    y = m.index_select(x, 0, idx)
    return y, {"x": x, "idx": idx, "y": y}


def _embedding(m, F):
    w = _f(m, X)
    idx = _i(m, [[0, 3, 3], [1, 2, 0]])
    y = F.embedding(idx, w)
    return y, {"w": w, "idx": idx, "y": y}


def _embedding_int32(m, F):
    w = _f(m, X)
    idx = _i(m, [2, 3, 2], np.int32)
    y = F.embedding(idx, w)
    return y, {"w": w, "idx": idx, "y": y}


def _getitem_index(m, F):
    x = _f(m, X)
    idx = _i(m, [3, 1, 3])
    y = x[idx]
    return y, {"x": x, "idx": idx, "y": y}


def _getitem_two_index(m, F):
    x = _f(m, X)
    i, j = _i(m, [0, 3]), _i(m, [2, 2])
    y = x[i, j]
    return y, {"x": x, "i": i, "j": j, "y": y}


def _getitem_mask(m, F):
    x = _f(m, X)
    mask = m.tensor(X > 0)
    y = x[mask]
    return y, {"x": x, "mask": mask, "y": y}


def _masked_fill(m, F):
    x = _f(m, X)
    mask = m.tensor(X[0] > 0)
    y = x.masked_fill(mask, -1.0)
    return y, {"x": x, "mask": mask, "y": y}


def _setitem_index(m, F):
    v = _f(m, [[1.0, 2.0, 3.0]])
    idx = _i(m, [2, 0])
    y = _f(m, X) * 1
    y[idx] = v
    return y, {"v": v, "idx": idx}


def _where(m, F):
    a, b = _f(m, X), _f(m, -X)
    cond = m.tensor(X > 0.2)
    y = m.where(cond, a, b)
    return y, {"cond": cond, "a": a, "b": b, "y": y}


def _clamp_tensor_bounds(m, F):
    x = _f(m, X)
    lo, hi = _f(m, [-1.0, 0.0, -0.5], False), _f(m, [1.0, 1.0, 0.5], False)
    y = m.clamp(x, min=lo, max=hi)
    return y, {"x": x, "lo": lo, "hi": hi, "y": y}


def _cross_entropy(m, F):
    x = _f(m, X) * 1
    t = _i(m, [0, 2, 1, 2])
    y = F.cross_entropy(x, t)
    return y, {"x": x, "t": t, "y": y}


def _cross_entropy_weighted(m, F):
    x = _f(m, X) * 1
    t = _i(m, [0, 2, -100, 2])
    w = _f(m, [0.5, 2.0, 1.0], False)
    y = F.cross_entropy(x, t, weight=w, label_smoothing=0.1)
    return y, {"x": x, "t": t, "w": w, "y": y}


def _cross_entropy_3d(m, F):
    x = _f(m, X.reshape(2, 3, 2)) * 1
    t = _i(m, [[0, 2], [1, 1]])
    y = F.cross_entropy(x, t, reduction="none")
    return y, {"x": x, "t": t, "y": y}


def _cross_entropy_probs(m, F):
    x = _f(m, X) * 1
    p = m.softmax(_f(m, X[::-1].copy(), False), 1)
    w = _f(m, [0.5, 2.0, 1.0], False)
    y = F.cross_entropy(x, p, weight=w)
    return y, {"x": x, "p": p, "w": w, "y": y}


def _nll_loss(m, F):
    lp = _f(m, X) * 1
    t = _i(m, [1, 0, 2, 2])
    w = _f(m, [0.5, 2.0, 1.0], False)
    y = F.nll_loss(lp, t, weight=w)
    return y, {"lp": lp, "t": t, "w": w, "y": y}


def _mse_loss(m, F):
    x, tg = _f(m, X), _f(m, -X)
    y = F.mse_loss(x, tg)
    return y, {"x": x, "tg": tg, "y": y}


def _l1_loss(m, F):
    x, tg = _f(m, X), _f(m, X[::-1].copy(), False)
    y = F.l1_loss(x, tg)
    return y, {"x": x, "tg": tg, "y": y}


def _smooth_l1_loss(m, F):
    x, tg = _f(m, X), _f(m, -X, False)
    y = F.smooth_l1_loss(x, tg, beta=0.5)
    return y, {"x": x, "tg": tg, "y": y}


def _huber_loss(m, F):
    x, tg = _f(m, X), _f(m, -X, False)
    y = F.huber_loss(x, tg, delta=0.7)
    return y, {"x": x, "tg": tg, "y": y}


def _binary_cross_entropy(m, F):
    p = _f(m, 1 / (1 + np.exp(-X)))
    tg, w = _f(m, (X > 0) * 1.0, False), _f(m, [0.5, 2.0, 1.0], False)
    y = F.binary_cross_entropy(p, tg, weight=w)
    return y, {"p": p, "tg": tg, "w": w, "y": y}


def _bce_with_logits(m, F):
    x, tg = _f(m, X), _f(m, (X > 0) * 1.0, False)
    w, pw = _f(m, [0.5, 2.0, 1.0], False), _f(m, [3.0, 1.0, 0.2], False)
    y = F.binary_cross_entropy_with_logits(x, tg, weight=w, pos_weight=pw)
    return y, {"x": x, "tg": tg, "w": w, "pw": pw, "y": y}


def _linear(m, F):
    x, w, b = _f(m, X), _f(m, X[:2]), _f(m, [0.1, -0.2])
    y = F.linear(x, w, b)
    return y, {"x": x, "w": w, "b": b, "y": y}


def _layer_norm(m, F):
    x, w, b = _f(m, X), _f(m, [1.0, 2.0, 0.5]), _f(m, [0.0, 0.1, 0.2])
    y = F.layer_norm(x, (3,), w, b)
    return y, {"x": x, "w": w, "b": b, "y": y}


def _batch_norm(m, F):
    x, w, b = _f(m, X), _f(m, [1.0, 2.0, 0.5]), _f(m, [0.0, 0.1, 0.2])
    y = F.batch_norm(x, None, None, w, b, training=True)
    return y, {"x": x, "w": w, "b": b, "y": y}


def _max_dim(m, F):
    x = _f(m, X)
    v, i = x.max(1)
    return v, {"x": x, "v": v, "i": i}


def _sort(m, F):
    x = _f(m, X)
    v, i = m.sort(x, 1)
    return v, {"x": x, "v": v, "i": i}


# name: (builder, the tensors whose in-place change must raise at backward)
CASES = {
    "softmax": (_softmax, {"y"}),
    "log_softmax": (_log_softmax, {"y"}),
    "softmax_3d": (_softmax_3d, {"y"}),
    "std_all": (_std_all, {"x", "y"}),
    "std_dim": (_std_dim, {"x", "y"}),
    "var_dim": (_var_dim, {"x"}),
    "gather": (_gather, {"x", "idx"}),
    "index_select": (_index_select, {"idx"}),
    "embedding": (_embedding, {"idx"}),
    "embedding_int32": (_embedding_int32, {"idx"}),
    "getitem_index": (_getitem_index, {"idx"}),
    "getitem_two_index": (_getitem_two_index, {"i", "j"}),
    "getitem_mask": (_getitem_mask, {"mask"}),
    "masked_fill": (_masked_fill, {"mask"}),
    "setitem_index": (_setitem_index, {"idx"}),
    "where": (_where, {"cond"}),
    "clamp_tensor_bounds": (_clamp_tensor_bounds, {"x", "lo", "hi"}),
    "cross_entropy": (_cross_entropy, {"x", "t"}),
    "cross_entropy_weighted": (_cross_entropy_weighted, {"x", "t", "w"}),
    "cross_entropy_3d": (_cross_entropy_3d, {"t"}),
    "cross_entropy_probs": (_cross_entropy_probs, {"p", "w"}),
    "nll_loss": (_nll_loss, {"lp", "t", "w"}),
    "mse_loss": (_mse_loss, {"x", "tg"}),
    "l1_loss": (_l1_loss, {"x", "tg"}),
    "smooth_l1_loss": (_smooth_l1_loss, {"x", "tg"}),
    "huber_loss": (_huber_loss, {"x", "tg"}),
    "binary_cross_entropy": (_binary_cross_entropy, {"p", "tg", "w"}),
    "bce_with_logits": (_bce_with_logits, {"x", "tg", "w", "pw"}),
    "linear": (_linear, {"x", "w"}),
    "layer_norm": (_layer_norm, {"w"}),
    "batch_norm": (_batch_norm, {"w"}),
    "max_dim": (_max_dim, set()),
    "sort": (_sort, set()),
}

# Where numbagrad deliberately differs from PyTorch 2.13 on whether a change raises:
# stricter ones raise where PyTorch computes from a private copy; looser ones keep a private copy
# (the gradient stays exact, test_unreported_change_leaves_gradient_exact proves it).
STRICTER_THAN_TORCH = {
    ("cross_entropy", "x"), ("cross_entropy_weighted", "x"),  # the fused kernel re-reads the logits
    ("l1_loss", "x"), ("l1_loss", "tg"),  # one node for |x - y|: saves x and y
}
LOOSER_THAN_TORCH = {
    ("layer_norm", "x"), ("layer_norm", "b"), ("batch_norm", "x"),  # backward reads private xhat
    ("max_dim", "i"), ("sort", "i"),  # backward reads a private copy of the indices
}


def _ids(table):
    return [(name, tensor) for name, (build, _) in table.items()
            for tensor in build(numbagrad, NF)[1]]


def _mutate(m, t, how):
    """Change t's values in place: directly, through a view, or through .data."""
    if how == "data":
        target = t.data
        grad_ctx = contextlib.nullcontext()
    else:
        leaf = t.requires_grad and t.grad_fn is None
        grad_ctx = m.no_grad() if leaf else contextlib.nullcontext()
    with grad_ctx:
        if how == "view":
            target = t[...]
        elif how == "inplace":
            target = t
        if target.dtype.is_floating_point:
            target.add_(0.25)
        elif target.dtype == m.bool:
            target.copy_(~target.detach())
        else:
            target.copy_(target.detach() * 0)  # index 0 / class 0 is valid everywhere


def _torch_or_none():
    try:
        import torch
    except ImportError:  # pragma: no cover
        return None
    return torch


def _functional(m):
    return NF if m is numbagrad else m.nn.functional


def _libraries():
    """numbagrad, and torch when it is installed."""
    torch = _torch_or_none()
    return [numbagrad] if torch is None else [numbagrad, torch]


def _leaf_grads(m, case, mutation=None):
    """Run the case, apply mutation (tensor name, how), backward; the leaves' gradients, or the
    RuntimeError raised."""
    y, tensors = case(m, _functional(m))
    if mutation is not None:
        _mutate(m, tensors[mutation[0]], mutation[1])
    leaves = {k: t for k, t in tensors.items() if t.requires_grad and t.grad_fn is None}
    try:
        y.backward(m.ones_like(y))
    except RuntimeError as e:
        return e
    return {k: None if t.grad is None else np.array(t.grad.detach().numpy()) for k, t in leaves.items()}


@pytest.mark.parametrize("how", ["inplace", "view"])
@pytest.mark.parametrize("case,tensor", _ids(CASES), ids=lambda v: str(v))
def test_inplace_change_of_saved_value_raises_else_gradient_exact(case, tensor, how):
    build, saved = CASES[case]
    before = _leaf_grads(numbagrad, build)
    assert isinstance(before, dict)
    after = _leaf_grads(numbagrad, build, (tensor, how))
    if tensor in saved:
        assert isinstance(after, RuntimeError) and VERSION_ERROR in str(after), (case, tensor, after)
    else:
        assert isinstance(after, dict), (case, tensor, after)
        for k, g in before.items():
            np.testing.assert_array_equal(after[k], g, err_msg=f"{case}: gradient of {k} changed")


@pytest.mark.parametrize("how", ["inplace", "view", "data"])
@pytest.mark.parametrize("case,tensor", _ids(CASES), ids=lambda v: str(v))
def test_saved_value_checks_match_torch(case, tensor, how):
    torch = pytest.importorskip("torch")
    build, _ = CASES[case]

    def version_error(result):
        return isinstance(result, RuntimeError) and VERSION_ERROR in str(result)
    ours = version_error(_leaf_grads(numbagrad, build, (tensor, how)))
    theirs_raised = version_error(_leaf_grads(torch, build, (tensor, how)))
    if how == "data":  # not tracked, in both (a changed mask may fail otherwise, in both)
        assert not ours and not theirs_raised
        return
    if (case, tensor) in STRICTER_THAN_TORCH:
        assert ours and not theirs_raised
    elif (case, tensor) in LOOSER_THAN_TORCH:
        assert not ours and theirs_raised
    else:
        assert ours == theirs_raised, f"{case}: change of {tensor}: numbagrad raises {ours}, torch {theirs_raised}"


@pytest.mark.parametrize("case", list(CASES))
def test_unchanged_cases_match_torch_gradients(case):
    torch = pytest.importorskip("torch")
    build, _ = CASES[case]
    ours, theirs = _leaf_grads(numbagrad, build), _leaf_grads(torch, build)
    assert ours.keys() == theirs.keys()
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-10, atol=1e-12, err_msg=f"{case}: {k}")


def test_version_error_names_the_node_shape_and_versions():
    x = numbagrad.tensor(X, requires_grad=True)
    y = numbagrad.softmax(x, 1)
    y[1].mul_(3)
    y[2].mul_(3)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    msg = str(info.value)
    assert VERSION_ERROR in msg and "SoftmaxBackward0" in msg and "[4, 3]" in msg
    assert "is at version 2; expected version 0" in msg


def test_detach_shares_the_version_counter_as_torch():
    for m in _libraries():
        x = m.tensor(X, requires_grad=True)
        y = m.softmax(x, 1)
        y.detach().mul_(2)
        with pytest.raises(RuntimeError, match=VERSION_ERROR):
            y.sum().backward()


def test_user_function_saved_index_is_version_checked():
    class Pick(numbagrad.autograd.Function):
        @staticmethod
        def forward(ctx, x, idx):
            ctx.save_for_backward(idx)
            ctx.n = x.shape[0]
            return x[idx]

        @staticmethod
        def backward(ctx, g):
            (idx,) = ctx.saved_tensors
            gx = numbagrad.zeros(ctx.n, dtype=g.dtype)
            gx[idx] = g
            return gx, None

    x = numbagrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = numbagrad.tensor([2, 0])
    Pick.apply(x, idx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])
    y = Pick.apply(x, idx)
    idx[0] = 1
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        y.sum().backward()


def test_labels_changed_through_data_do_not_change_the_gradient():
    """Changes through .data are not tracked (as PyTorch); the backward of cross_entropy and
    nll_loss then uses the labels of the forward (PyTorch would read the new ones)."""
    for loss in (NF.cross_entropy, lambda x, t: NF.nll_loss(NF.log_softmax(x, 1), t)):
        x = numbagrad.tensor(X, requires_grad=True)
        t = numbagrad.tensor([0, 2, 1, 2])
        loss(x, t).backward()
        expected = x.grad.numpy().copy()
        x.grad = None
        value = loss(x, t)
        t.data.copy_(numbagrad.tensor([1, 1, 1, 1]))
        value.backward()
        np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_backward_through_freed_graph_raises_only_for_nodes_that_saved():
    x = numbagrad.tensor(X, requires_grad=True)
    y = (x + 1).sum()  # add and sum save nothing: a second backward works, as in PyTorch
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2.0)
    t = numbagrad.tensor([0, 1, 2, 0])
    loss = NF.cross_entropy(x, t)
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


# ---- audit: every array a node keeps that shares memory with a tensor is version-checked ----------
def _arrays_in(value, depth=0):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)) and depth < 3:
        for v in value:
            yield from _arrays_in(v, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for v in value.values():
            yield from _arrays_in(v, depth + 1)


def _graph_nodes(outputs):
    seen, stack = [], [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if any(node is s for s in seen):
            continue
        seen.append(node)
        stack.extend(e[0] for e in node._edges
                     if e is not None and isinstance(e[0], numbagrad.autograd.Function))
    return seen


def _audit(tensors, outputs):
    problems = []
    for node in _graph_nodes(outputs):
        checked = [rec[0] for rec in node._saved_versions]
        kept = {k: v for k, v in vars(node).items()
                if k not in ("_saved_versions", "_edges", "_out_meta", "needs_input_grad")}
        for key, value in kept.items():
            for array in _arrays_in(value):
                for name, t in tensors.items():
                    if np.shares_memory(array, t._data) and not any(c is t._version for c in checked):
                        problems.append(f"{node.name()}.{key} reads the memory of {name} unchecked")
    return problems


def _op_table_inputs(op):
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    tensors = []
    for slot, (shape, domain) in enumerate(zip(op.shapes, op.domains)):
        a = np.asarray(make_input(rng, domain, shape, slot))
        t = numbagrad.tensor(a.astype(np.float64) if a.dtype.kind == "f" else a)
        tensors.append(t.requires_grad_(True) if op.grad[slot] else t)
    return tensors


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_audit_op_table_nodes_check_every_tensor_they_read(op):
    inputs = _op_table_inputs(op)
    outputs = as_list(op.fn(numbagrad, *inputs))
    tensors = {f"input {i}": t for i, t in enumerate(inputs)}
    tensors.update({f"output {i}": t for i, t in enumerate(outputs)})
    assert _audit(tensors, outputs) == []


@pytest.mark.parametrize("case", list(CASES))
def test_audit_case_nodes_check_every_tensor_they_read(case):
    y, tensors = CASES[case][0](numbagrad, NF)
    assert _audit(tensors, [y]) == []


# ---- labels, indices and masks changed behind autograd's back never crash a kernel ----------------
_CHILD_SCRIPT = r"""
import numpy as np, numbagrad, numbagrad.nn.functional as F

def long(values):
    return numbagrad.tensor(np.array(values, dtype=np.int64))

def setitem(x, t):
    y = x * 1
    y[t] = 1.0
    return y.sum()

# name: (input shape, index, loss of (input, index)); the index is valid when the loss is made.
CASES = {
    "ce": ((6, 5), long([0, 1, 2, 3, 4, 0]), F.cross_entropy),
    "ce_weight_smoothing_ignore": ((6, 5), long([0, 3, 2, 3, 4, 0]), lambda x, t: F.cross_entropy(
        x, t, weight=numbagrad.linspace(0.5, 2.0, 5), label_smoothing=0.2, ignore_index=3)),
    "ce_3d": ((2, 5, 3), long([[0, 1, 4], [2, 2, 3]]), F.cross_entropy),
    "ce_1d": ((5,), long(3), F.cross_entropy),
    "ce_uint8": ((3, 5), numbagrad.tensor(np.array([0, 4, 2], np.uint8)), F.cross_entropy),
    "nll": ((6, 5), long([0, 1, 2, 3, 4, 0]), lambda x, t: F.nll_loss(x, t, weight=numbagrad.linspace(0.5, 2.0, 5))),
    "gather": ((4, 5), long([[0], [1], [4], [2]]), lambda x, t: x.gather(1, t).sum()),
    "index_select": ((4, 5), long([0, 3, 3]), lambda x, t: numbagrad.index_select(x, 0, t).sum()),
    "embedding": ((4, 5), long([[0, 3], [3, 1]]), lambda w, t: F.embedding(t, w).sum()),
    "embedding_freq": ((4, 5), long([0, 3, 3]), lambda w, t: F.embedding(t, w, scale_grad_by_freq=True).sum()),
    "getitem": ((4, 5), long([0, 3, 3]), lambda x, t: x[t].sum()),
    "setitem": ((4, 5), long([0, 3]), setitem),
    "getitem_mask": ((4, 5), numbagrad.tensor(np.eye(4, 5, dtype=bool)), lambda x, m: x[m].sum()),
    "masked_fill": ((4, 5), numbagrad.tensor(np.eye(4, 5, dtype=bool)), lambda x, m: x.masked_fill(m, 0.0).sum()),
}

for bad in (10**12, -7, 200):
    for name, (shape, index, loss_fn) in CASES.items():
        x = numbagrad.randn(*shape, requires_grad=True)
        t = index.clone()
        loss_fn(x, t.clone()).backward()
        expected = x.grad.numpy().copy()
        x.grad = None
        loss = loss_fn(x, t)
        if t.dtype == numbagrad.bool:
            t.numpy()[...] = True
        else:  # behind autograd's back: no version change
            t.numpy().reshape(-1)[0] = np.array(bad).astype(t.numpy().dtype)
        try:
            loss.backward()
        except (RuntimeError, IndexError) as e:
            print(name, bad, "RAISED", type(e).__name__)
            continue
        same = np.allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-6)
        print(name, bad, "OK" if same else "CHANGED")
print("DONE")
"""


def test_indices_changed_behind_autograd_never_crash_child_process():
    env = dict(os.environ, NUMBA_BOUNDSCHECK="0")
    proc = subprocess.run([sys.executable, "-c", _CHILD_SCRIPT], capture_output=True, text=True,
                          timeout=600, env=env, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert proc.returncode == 0, f"child crashed or failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    lines = proc.stdout.split("\n")
    assert "DONE" in lines
    results = [ln for ln in lines if ln.endswith((" OK", " CHANGED")) or " RAISED " in ln]
    assert len(results) == 3 * 14, proc.stdout
    # cross_entropy and nll_loss read a private copy of the labels validated in forward: the
    # gradient of the loss as computed. The others re-read the changed index through NumPy's
    # checked indexing: a RuntimeError naming the op, never a read out of bounds. masked_fill
    # re-reads the mask as PyTorch does (all-True still fits its shape).
    for ln in results:
        if ln.startswith(("ce", "nll")):
            assert ln.endswith(" OK"), ln
        elif ln.startswith("masked_fill"):
            assert ln.endswith(" CHANGED"), ln
        else:
            assert ln.endswith(" RAISED RuntimeError"), ln


# ---- gradient hooks ---------------------------------------------------------------------------------
def _hooked(m, where, hook):
    w = m.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    y = w * 2
    target = w if where == "leaf" else y
    if where == "retain":
        y.retain_grad()
    target.register_hook(hook)
    return w, y


_BAD_HOOKS = {
    "smaller": (lambda m: (lambda g: m.zeros(2, dtype=g.dtype)), RuntimeError, "has changed the size of value"),
    "broadcastable": (lambda m: (lambda g: m.zeros(1, dtype=g.dtype)), RuntimeError, "has changed the size of value"),
    "more dims": (lambda m: (lambda g: g[None]), RuntimeError, "has changed the size of value"),
    "float32": (lambda m: (lambda g: g.float()), RuntimeError, "has changed the type of value"),
    "int64": (lambda m: (lambda g: g.long()), RuntimeError, "has changed the type of value"),
    "list": (lambda m: (lambda g: [0.0, 0.0, 0.0]), TypeError, "expected Variable, but hook returned 'list'"),
    "float": (lambda m: (lambda g: 1.0), TypeError, "expected Variable, but hook returned 'float'"),
}


@pytest.mark.parametrize("where", ["leaf", "nonleaf", "retain"])
@pytest.mark.parametrize("bad", list(_BAD_HOOKS))
def test_hook_changing_size_type_or_kind_raises(bad, where):
    make, error, message = _BAD_HOOKS[bad]
    w, y = _hooked(numbagrad, where, make(numbagrad))
    with pytest.raises(error, match=message):
        y.sum().backward()
    assert w.grad is None


@pytest.mark.parametrize("where", ["leaf", "nonleaf"])
@pytest.mark.parametrize("bad", list(_BAD_HOOKS))
def test_hook_errors_match_torch(bad, where):
    torch = pytest.importorskip("torch")
    make, error, message = _BAD_HOOKS[bad]
    w, y = _hooked(torch, where, make(torch))
    with pytest.raises(error, match=message.replace("(", r"\(")):
        y.sum().backward()


def test_hook_error_names_the_hook_and_the_types():
    def halve(g):
        return g.float() / 2
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True, dtype=numbagrad.float64)
    w.register_hook(halve)
    with pytest.raises(RuntimeError, match=r"hook 'halve' has changed the type of value \(was "
                                           r"torch.DoubleTensor got torch.FloatTensor\)"):
        (w * 3).sum().backward()


def test_hook_in_autograd_grad_is_checked():
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: numbagrad.zeros(3))
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        numbagrad.autograd.grad((w * 2).sum(), w)


def test_valid_hooks_still_replace_the_gradient():
    w = numbagrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = w * 2
    y.register_hook(lambda g: g * 10)
    w.register_hook(lambda g: g + 1)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [21.0, 21.0, 21.0])


@pytest.mark.parametrize("retain_first", [True, False])
def test_retain_grad_keeps_the_gradient_after_all_hooks(retain_first):
    for m in _libraries():
        w = m.tensor([1.0, 2.0], requires_grad=True)
        y = w * 2
        if retain_first:
            y.retain_grad()
        y.register_hook(lambda g: g * 10)
        if not retain_first:
            y.retain_grad()
        y.sum().backward(retain_graph=True)
        np.testing.assert_array_equal(y.grad.numpy(), [10.0, 10.0])
        np.testing.assert_array_equal(w.grad.numpy(), [20.0, 20.0])
        (y * 1).sum().backward()  # a second pass accumulates into the retained grad
        np.testing.assert_array_equal(y.grad.numpy(), [20.0, 20.0])


def test_retain_grad_does_not_keep_the_tensor_alive():
    import gc
    import weakref
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    y.retain_grad()
    z = y.sum()
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None
    z.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])


# ---- grad mode per thread ---------------------------------------------------------------------------
def _in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - reported in the main thread
            box["error"] = e
    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.mark.parametrize("mode", ["no_grad", "set_grad_enabled", "inference_mode"])
def test_new_thread_starts_with_grad_enabled(mode):
    def enter():
        if mode == "no_grad":
            return numbagrad.no_grad()
        if mode == "set_grad_enabled":
            return numbagrad.set_grad_enabled(False)
        return numbagrad.inference_mode()
    with enter():
        assert not numbagrad.is_grad_enabled()
        seen = _in_thread(lambda: (numbagrad.is_grad_enabled(), numbagrad.is_inference_mode_enabled(),
                                   (numbagrad.ones(2, requires_grad=True) * 2).requires_grad))
        assert not numbagrad.is_grad_enabled()
    assert seen == (True, False, True)
    assert numbagrad.is_grad_enabled() and not numbagrad.is_inference_mode_enabled()


def test_new_thread_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        with m.no_grad():
            with m.inference_mode():
                seen = _in_thread(lambda: (m.is_grad_enabled(), m.is_inference_mode_enabled()))
        assert seen == (True, False)


def test_threads_in_different_grad_modes_record_independently():
    """Two threads alternate ops in lock step (a Barrier forces the interleaving): the one under
    no_grad records nothing, the other records every op, and its gradient is exact."""
    rounds = 40
    barrier = threading.Barrier(2, timeout=60)
    results = {}

    def without_grad():
        x = numbagrad.ones(3, requires_grad=True)
        flags = []
        with numbagrad.no_grad():
            for _ in range(rounds):
                barrier.wait()
                flags.append((x * 2).requires_grad or numbagrad.is_grad_enabled())
                barrier.wait()
        return flags

    def with_grad():
        x = numbagrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x
        flags = []
        for _ in range(rounds):
            barrier.wait()
            y = y * 1.5
            flags.append(y.requires_grad and numbagrad.is_grad_enabled())
            barrier.wait()
        y.sum().backward()
        return flags, x.grad.numpy().copy()

    def run(name, fn):
        try:
            results[name] = fn()
        except BaseException as e:  # noqa: BLE001
            results[name] = e
            barrier.abort()
    threads = [threading.Thread(target=run, args=("off", without_grad)),
               threading.Thread(target=run, args=("on", with_grad))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results["off"] == [False] * rounds
    flags, grad = results["on"]
    assert flags == [True] * rounds
    np.testing.assert_allclose(grad, np.full(3, 1.5 ** rounds), rtol=1e-6)


def test_set_grad_enabled_in_a_thread_leaves_other_threads_alone():
    barrier = threading.Barrier(2, timeout=60)

    def switch_off():
        numbagrad.set_grad_enabled(False)
        barrier.wait()  # main checks its own mode while this thread has grad off
        barrier.wait()
        return numbagrad.is_grad_enabled()

    box = {}
    t = threading.Thread(target=lambda: box.setdefault("v", switch_off()))
    t.start()
    barrier.wait()
    assert numbagrad.is_grad_enabled()
    assert (numbagrad.ones(2, requires_grad=True) * 2).requires_grad
    barrier.wait()
    t.join(60)
    assert box["v"] is False


def test_one_no_grad_instance_shared_by_threads_and_nested():
    shared = numbagrad.no_grad()
    with shared:
        with shared:
            assert not numbagrad.is_grad_enabled()
        assert not numbagrad.is_grad_enabled()
    assert numbagrad.is_grad_enabled()
    barrier = threading.Barrier(2, timeout=60)

    def use(start_enabled):
        numbagrad.set_grad_enabled(start_enabled)
        barrier.wait()
        with shared:
            barrier.wait()  # both threads are inside the same instance now
            inside = numbagrad.is_grad_enabled()
        barrier.wait()
        return inside, numbagrad.is_grad_enabled()

    results = {}
    threads = [threading.Thread(target=lambda v=v: results.__setitem__(v, use(v))) for v in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {True: (False, True), False: (False, False)}


def test_anomaly_mode_is_process_wide_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with numbagrad.autograd.detect_anomaly():
            assert _in_thread(numbagrad.autograd.is_anomaly_enabled) is True
    assert _in_thread(numbagrad.autograd.is_anomaly_enabled) is False


def test_grad_mode_decorators_and_strict_set_grad_enabled():
    @numbagrad.no_grad
    def bare():
        return numbagrad.is_grad_enabled()

    @numbagrad.no_grad()
    def called():
        return numbagrad.is_grad_enabled()

    @numbagrad.inference_mode()
    def inference():
        return numbagrad.is_grad_enabled(), numbagrad.is_inference_mode_enabled()

    assert bare() is False and called() is False and inference() == (False, True)
    assert numbagrad.is_grad_enabled()
    with numbagrad.no_grad():
        with numbagrad.inference_mode(False):
            assert numbagrad.is_grad_enabled()  # as PyTorch
    for bad in (0, 1, None, np.bool_(True)):
        with pytest.raises(TypeError, match="set_grad_enabled"):
            numbagrad.set_grad_enabled(bad)
    assert numbagrad.is_grad_enabled()


# ---- requires_grad turned off after use --------------------------------------------------------------
def test_leaf_turned_off_after_use_gets_no_grad_others_do():
    for m in _libraries():
        w = m.tensor([1.0, 2.0], requires_grad=True)
        v = m.tensor([3.0, 4.0], requires_grad=True)
        ran = []
        w.register_hook(lambda g: ran.append(1))
        y = (w * v).sum()
        w.requires_grad_(False)
        y.backward()
        assert w.grad is None, m.__name__
        np.testing.assert_array_equal(v.grad.numpy(), [1.0, 2.0])
        assert ran == [1]  # the hook still runs, as in PyTorch


def test_leaf_turned_off_then_on_gets_its_grad():
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    y = (w * 2).sum()
    w.requires_grad = False
    w.requires_grad = True
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])


def test_leaf_turned_off_keeps_an_existing_grad_unchanged():
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    (w * 2).sum().backward()
    y = (w * 5).sum()
    w.requires_grad = False
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])


def test_leaf_turned_off_refused_as_an_explicit_input():
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    y = (w * 2).sum()
    w.requires_grad_(False)
    with pytest.raises(RuntimeError):
        numbagrad.autograd.grad(y, w)
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward(inputs=[w])


# ---- .grad assignment ----------------------------------------------------------------------------------
_BAD_GRADS = {
    "smaller": (lambda m, p: m.zeros(2, dtype=p.dtype), RuntimeError, "gradient of size"),
    "0-d for (3,)": (lambda m, p: m.zeros((), dtype=p.dtype), RuntimeError, "gradient of size"),
    "transposed shape": (lambda m, p: m.zeros(3, 1, dtype=p.dtype), RuntimeError, "gradient of size"),
    "float64": (lambda m, p: m.zeros(3, dtype=m.float64), RuntimeError, "gradient with dtype"),
    "int64": (lambda m, p: m.zeros(3, dtype=m.int64), RuntimeError, "gradient with dtype"),
    "list": (lambda m, p: [0.0, 0.0, 0.0], TypeError, "assigned grad expected to be a Tensor or None"),
    "array": (lambda m, p: np.zeros(3, np.float32), TypeError, "assigned grad expected to be a Tensor or None"),
    "itself": (lambda m, p: p, RuntimeError, "can't assign Variable as its own grad"),
}


@pytest.mark.parametrize("bad", list(_BAD_GRADS))
def test_grad_assignment_refused(bad):
    make, error, message = _BAD_GRADS[bad]
    for p in (numbagrad.zeros(3, requires_grad=True), numbagrad.nn.Parameter(numbagrad.zeros(3))):
        good = numbagrad.ones(3)
        p.grad = good
        with pytest.raises(error, match=message):
            p.grad = make(numbagrad, p)
        assert p.grad is good


@pytest.mark.parametrize("bad", list(_BAD_GRADS))
def test_grad_assignment_errors_match_torch(bad):
    torch = pytest.importorskip("torch")
    make, error, _ = _BAD_GRADS[bad]
    p = torch.zeros(3, requires_grad=True)
    with pytest.raises(error):
        p.grad = make(torch, p)


def test_grad_assignment_accepted_forms_and_accumulation():
    p = numbagrad.zeros(2, 3, requires_grad=True)
    g = numbagrad.tensor(np.ones((3, 2), np.float32)).t()  # another layout, same shape
    p.grad = g
    assert p.grad is g
    p.grad = None
    assert p.grad is None
    del p.grad
    assert p.grad is None
    p.grad = numbagrad.ones(2, 3)
    (p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), 4.0)
    y = p * 2  # non-leaf: allowed, as PyTorch
    y.grad = numbagrad.zeros(2, 3)
    with pytest.raises(RuntimeError, match="gradient of size"):
        y.grad = numbagrad.zeros(3)
    q = numbagrad.zeros(3, dtype=numbagrad.float16)
    with pytest.raises(RuntimeError, match="gradient with dtype"):
        q.grad = numbagrad.zeros(3)


def test_leaf_data_replaced_with_another_shape_refuses_the_new_gradient():
    w = numbagrad.zeros(3, requires_grad=True)
    y = (w * 2).sum()
    w.data = numbagrad.zeros(4)
    with pytest.raises(RuntimeError, match="does not match the leaf"):
        y.backward()
    assert w.grad is None
