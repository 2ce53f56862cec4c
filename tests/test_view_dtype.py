"""`view_dtype` (the dtype form of `Tensor.view`) against PyTorch: values, shapes, shared
memory, and the conditions under which a reinterpretation is refused."""
import numpy as np
import pytest

import numbagrad
from numbagrad.ops.reinterpret import view_dtype


def _both(make, dtype_name):
    torch = pytest.importorskip("torch")
    ours = view_dtype(make(numbagrad), getattr(numbagrad, dtype_name))
    theirs = make(torch).view(getattr(torch, dtype_name))
    return ours.numpy(), theirs.numpy()


CASES = [
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "int32"),
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "float64"),
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "int16"),
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]).t(), "int32"),
    (lambda m: m.tensor([1, 0, 2], dtype=m.uint8), "bool"),
    (lambda m: m.tensor([1, 0, 2], dtype=m.uint8), "int8"),
    (lambda m: m.tensor(1.0), "int32"),
    (lambda m: m.zeros(0, 2), "float64"),
    (lambda m: m.zeros(3, 1), "int16"),
    (lambda m: m.arange(12.0).reshape(3, 4)[:, :2], "float64"),
    (lambda m: m.arange(6, dtype=m.int64).reshape(2, 3), "float64"),
]


def _bytes(a):
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


@pytest.mark.parametrize("k", range(len(CASES)))
def test_view_dtype_matches_torch(k):
    make, dtype_name = CASES[k]
    ours, theirs = _both(make, dtype_name)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(_bytes(ours), _bytes(theirs))


REFUSED = [
    (lambda m: m.tensor(1.0), "int16", "dim"),
    (lambda m: m.tensor(1.0), "float64", "dim"),
    (lambda m: m.zeros(3), "float64", "divisible by 2"),
    (lambda m: m.zeros(2, 2).t(), "float64", "stride"),
    (lambda m: m.zeros(2, 2).t(), "int16", "stride"),
    (lambda m: m.zeros(3, 4)[:, ::2], "float64", "stride"),
]


@pytest.mark.parametrize("k", range(len(REFUSED)))
def test_view_dtype_refuses_like_torch(k):
    torch = pytest.importorskip("torch")
    make, dtype_name, match = REFUSED[k]
    with pytest.raises(RuntimeError, match=match):
        view_dtype(make(numbagrad), getattr(numbagrad, dtype_name))
    with pytest.raises(RuntimeError):
        make(torch).view(getattr(torch, dtype_name))


def test_view_dtype_shares_memory_and_version_and_has_no_gradient():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    assert not view_dtype(x, numbagrad.int32).requires_grad
    assert not view_dtype(x, numbagrad.float32).requires_grad
    base = numbagrad.tensor([1.0, 2.0])
    v = view_dtype(base, numbagrad.int32)
    assert v._version is base._version
    v[0] = 0
    assert base[0].item() == 0.0 and base._version[0] == 1
