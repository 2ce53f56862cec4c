"""masked_select, masked_scatter, take, take_along_dim: what the registry's table cannot say
(integer and bool tensors, masks and indices changed after the forward, PyTorch's modulo rule of
take_along_dim, the in-place form)."""
import numpy as np
import pytest

import numbagrad


def _both(fn):
    torch = pytest.importorskip("torch")
    return [np.asarray(fn(m).detach().numpy()) for m in (numbagrad, torch)]


@pytest.mark.parametrize("dtype", ["int64", "int16", "uint8", "bool", "float16"])
def test_integer_and_bool_tensors_match_torch(dtype):
    def run(m):
        d = getattr(m, dtype)
        x = m.tensor([[1, 0, 1], [0, 1, 1]]).to(d)
        mask = m.tensor([[True, False, True], [False, True, True]])
        return m.cat([m.masked_select(x, mask), m.masked_scatter(x, ~mask, x.flip(0).reshape(-1)).reshape(-1),
                      m.take(x, m.tensor([5, -6, 2])),
                      m.take_along_dim(x, m.tensor([[2], [0]]), dim=1).reshape(-1)])
    ours, theirs = _both(run)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("index", [3, 4, 7, 100, -1, -4, -7])
def test_take_along_dim_takes_indices_modulo_the_size_like_torch(index):
    ours, theirs = _both(lambda m: m.take_along_dim(m.arange(6.0).reshape(2, 3), m.tensor([[index], [1]]), dim=1))
    np.testing.assert_array_equal(ours, theirs)


def test_mask_and_index_changed_after_forward_do_not_change_backward():
    x = numbagrad.randn(3, 4, dtype=numbagrad.float64, requires_grad=True)
    src = numbagrad.randn(12, dtype=numbagrad.float64, requires_grad=True)
    mask = numbagrad.tensor(np.random.default_rng(0).random((3, 4)) < 0.5)
    idx = numbagrad.tensor([[0, 3], [2, 1], [1, 1]])
    flat = numbagrad.tensor([0, 11, -1])

    def run(mask, idx, flat):
        return (numbagrad.masked_select(x, mask).sum() + (numbagrad.masked_scatter(x, mask, src) ** 2).sum()
                + (numbagrad.take(x, flat) * 3).sum() + (numbagrad.take_along_dim(x, idx, 1) ** 3).sum())

    run(mask.clone(), idx.clone(), flat.clone()).backward()
    expected = x.grad.numpy().copy(), src.grad.numpy().copy()
    x.grad = src.grad = None
    y = run(mask, idx, flat)
    mask.fill_(True)
    idx.fill_(2 ** 40)
    flat.fill_(-(2 ** 40))
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected[0])
    np.testing.assert_array_equal(src.grad.numpy(), expected[1])


def test_masked_scatter_inplace_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        x = m.zeros(2, 3, dtype=m.float64, requires_grad=True)
        src = m.arange(10.0, dtype=m.float64).reshape(2, 5).requires_grad_()
        y = x * 1
        y.masked_scatter_(m.tensor([[True, False, True], [False, False, True]]), src)
        y.backward(m.arange(6.0, dtype=m.float64).reshape(2, 3) + 1)
        grads.append((y.detach().numpy(), x.grad.numpy(), src.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_empty_inputs():
    ours, theirs = _both(lambda m: m.masked_select(m.zeros(0, 3), m.zeros(0, 3, dtype=m.bool)))
    assert ours.shape == theirs.shape == (0,)
    ours, theirs = _both(lambda m: m.take(m.zeros(0), m.zeros(0, dtype=m.int64)))
    assert ours.shape == theirs.shape == (0,)
    ours, theirs = _both(lambda m: m.take_along_dim(m.zeros(2, 3), m.zeros(2, 0, dtype=m.int64), dim=1))
    assert ours.shape == theirs.shape == (2, 0)
