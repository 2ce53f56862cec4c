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
