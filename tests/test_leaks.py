"""No leaks: resident memory stays flat over thousands of training steps; graphs and the tensors
they saved are freed after backward (or when the output is dropped without backward)."""
import gc
import weakref

import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F
import numbagrad.optim as optim
from numbagrad.utils.data import DataLoader, TensorDataset


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no VmRSS in /proc/self/status")


def _mlp():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))


def test_rss_flat_over_thousands_of_steps():
    numbagrad.manual_seed(0)
    model = _mlp()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = numbagrad.randn(512, 32)
    y = numbagrad.randint(0, 10, (512,))
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)

    def run(epochs):
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                loss.item()

    run(20)  # warm-up: kernels compiled, allocator pools filled (320 steps)
    gc.collect()
    before = rss_kib()
    run(150)  # 2400 steps; the per-step graph is ~100 KiB of arrays, so a leak shows in MiBs
    gc.collect()
    grown = rss_kib() - before
    assert grown < 8 * 1024, f"resident memory grew by {grown} KiB over 2400 steps"


def _graph(x):
    """A small graph whose nodes save tensors (exp, mul, matmul, softmax, cross-entropy)."""
    w = numbagrad.randn(8, 4, requires_grad=True)
    scale = numbagrad.tensor(2.0, requires_grad=True)  # a tensor, so that mul saves its array input
    h = (x @ w).exp() * scale
    return F.cross_entropy(F.log_softmax(h, dim=1), numbagrad.tensor([0, 1, 2])), h


def test_graph_freed_after_backward_and_del():
    x = numbagrad.randn(3, 8, requires_grad=True)
    loss, h = _graph(x)
    node_refs = [weakref.ref(loss.grad_fn), weakref.ref(h.grad_fn)]
    saved = [weakref.ref(a) for n in (loss.grad_fn, h.grad_fn) for a in n._saved
             if isinstance(a, np.ndarray)]
    assert saved
    loss.backward()
    del loss, h
    gc.disable()  # freed by reference counting alone: no cycles between nodes and tensors
    try:
        assert all(r() is None for r in node_refs)
        assert all(r() is None for r in saved)
    finally:
        gc.enable()
    assert x.grad is not None and x.grad_fn is None


def test_saved_tensors_released_by_backward_even_if_output_kept():
    x = numbagrad.randn(3, 8, requires_grad=True)
    loss, h = _graph(x)
    node = h.grad_fn
    # the intermediate activations it saved (2-D here; the 0-d `scale` is a live leaf's data)
    big = [weakref.ref(a) for a in node._saved if isinstance(a, np.ndarray) and a.base is None and a.ndim == 2]
    assert big
    loss.backward()
    assert node._saved is None  # freed by backward (retain_graph=False), as in PyTorch
    gc.collect()
    assert all(r() is None or r() is h._data for r in big)


def test_graph_freed_without_backward():
    x = numbagrad.randn(3, 8, requires_grad=True)
    loss, h = _graph(x)
    refs = [weakref.ref(loss.grad_fn), weakref.ref(h.grad_fn)]
    del loss, h
    assert all(r() is None for r in refs)


def test_retain_graph_keeps_then_frees():
    x = numbagrad.randn(3, 8, requires_grad=True)
    loss, h = _graph(x)
    ref = weakref.ref(h.grad_fn)
    loss.backward(retain_graph=True)
    assert ref() is not None and ref()._saved is not None
    loss.backward()
    del loss, h
    assert ref() is None


def test_no_grad_records_nothing():
    x = numbagrad.randn(3, 8, requires_grad=True)
    with numbagrad.no_grad():
        loss, h = _graph(x)
    assert loss.grad_fn is None and h.grad_fn is None


def test_optimizer_and_module_hold_no_graph():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    out = model(numbagrad.randn(4, 32))
    ref = weakref.ref(out.grad_fn)
    out.sum().backward()
    opt.step()
    del out
    assert ref() is None
    for p in model.parameters():
        assert p.grad.grad_fn is None and not p.grad.requires_grad
