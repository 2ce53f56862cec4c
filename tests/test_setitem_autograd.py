"""`x[index] = value` inside the autograd graph: recorded like PyTorch's (CopySlices), so the
overwritten region passes no gradient to the old values and the value receives its region's."""
import numpy as np
import pytest

import numbagrad
from numbagrad.autograd import gradcheck


def _program(m, x, v):
    y = x * 2
    y[:, 1] = v
    y[y > 11] = 0.5
    y[0] = y[0] * 3
    return (y * m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=x.dtype)).sum()


def test_assignment_gradients_by_gradcheck():
    x = numbagrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]], dtype=numbagrad.float64, requires_grad=True)
    v = numbagrad.tensor([10.0, 20.0], dtype=numbagrad.float64, requires_grad=True)
    assert gradcheck(lambda a, b: _program(numbagrad, a, b), (x, v))


def test_assignment_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]])
    results = []
    for m in (numbagrad, torch):
        x = m.tensor(data, requires_grad=True)
        v = m.tensor([10.0, 20.0], dtype=x.dtype, requires_grad=True)
        out = _program(m, x, v)
        out.backward()
        results.append((out.item(), x.grad.numpy().copy(), v.grad.numpy().copy()))
    (a, ga, va), (b, gb, vb) = results
    assert a == pytest.approx(b)
    np.testing.assert_allclose(ga, gb)
    np.testing.assert_allclose(va, vb)


def test_assignment_into_a_leaf_that_requires_grad_raises_unless_no_grad():
    x = numbagrad.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 1.0
    with numbagrad.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_assignment_saved_for_backward_is_caught():
    x = numbagrad.ones(3, requires_grad=True)
    y = x * 2
    z = y.exp()  # saves its output
    z[0] = 0.0  # changes a saved tensor
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def _view_program(m, x, w):
    y = x * 1
    y[:, 0] *= 2           # getitem view, in-place, then assigned back
    y[1].add_(w)           # in-place op on a row view, with a tensor that requires grad
    y[0, 1:].relu_()
    plain = m.zeros(2, 3, dtype=x.dtype)
    plain[0].add_(w)       # a tensor outside the graph joins it through its view
    return (y * m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=x.dtype)).sum() + (plain * plain).sum()


def test_inplace_ops_on_index_views_by_gradcheck():
    x = numbagrad.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, 6.5]], dtype=numbagrad.float64, requires_grad=True)
    w = numbagrad.tensor([0.5, -1.5, 2.0], dtype=numbagrad.float64, requires_grad=True)
    assert gradcheck(lambda a, b: _view_program(numbagrad, a, b), (x, w))


def test_inplace_ops_on_index_views_match_pytorch():
    torch = pytest.importorskip("torch")
    results = []
    for m in (numbagrad, torch):
        x = m.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, 6.5]], dtype=m.float64, requires_grad=True)
        w = m.tensor([0.5, -1.5, 2.0], dtype=m.float64, requires_grad=True)
        out = _view_program(m, x, w)
        out.backward()
        results.append((out.item(), x.grad.numpy().copy(), w.grad.numpy().copy()))
    (a, ga, wa), (b, gb, wb) = results
    assert a == pytest.approx(b)
    np.testing.assert_allclose(ga, gb)
    np.testing.assert_allclose(wa, wb)


def test_inplace_on_other_views_in_the_graph_raises_clearly():
    x = numbagrad.ones(2, 3, requires_grad=True)
    y = x * 1
    with pytest.raises(RuntimeError, match="not on views made by view/reshape/transpose"):
        y.view(6).mul_(2)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0].add_(1)
