"""Each fused path gives the numbers of the unfused composition of generic ops (float32 rounding)."""
import numpy as np
import pytest

import numbagrad
import numbagrad.nn.functional as F

RNG = np.random.default_rng(7)


def _leaf(shape, scale=1.0):
    return numbagrad.tensor(RNG.normal(0, scale, shape).astype(np.float32), requires_grad=True)


def _values_and_grads(fn, leaves):
    for t in leaves:
        t.grad = None
    out = fn(*leaves)
    out.backward(numbagrad.from_numpy(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(out.shape)))
    return out.detach().numpy().copy(), [t.grad.numpy().copy() for t in leaves]


def _assert_same(fused, unfused, leaves):
    out_a, grads_a = _values_and_grads(fused, leaves)
    out_b, grads_b = _values_and_grads(unfused, leaves)
    np.testing.assert_allclose(out_a, out_b, rtol=1e-5, atol=1e-5)
    for ga, gb in zip(grads_a, grads_b):
        np.testing.assert_allclose(ga, gb, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("x_shape", [(16, 20), (3, 5, 20)])
def test_linear_equals_matmul_plus_bias(x_shape):
    leaves = [_leaf(x_shape), _leaf((7, 20)), _leaf((7,))]
    _assert_same(F.linear, lambda x, w, b: x @ w.t() + b, leaves)


def test_relu_kernel_equals_maximum():
    x = _leaf((33, 9))
    _assert_same(F.relu, lambda t: numbagrad.maximum(t, numbagrad.zeros(())), [x])


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_cross_entropy_equals_log_softmax_and_nll(scale):
    logits = _leaf((24, 10), scale)
    target = numbagrad.from_numpy(RNG.integers(0, 10, 24))
    weight = numbagrad.from_numpy(RNG.uniform(0.5, 2, 10).astype(np.float32))
    for kwargs in ({}, {"weight": weight}, {"reduction": "sum"}, {"ignore_index": int(target[0])}):
        _assert_same(lambda z: F.cross_entropy(z, target, **kwargs),
                     lambda z: F.nll_loss(F.log_softmax(z, dim=1), target, **kwargs), [logits])
        gathered = lambda z: -(F.log_softmax(z, dim=1).gather(1, target.unsqueeze(1))).mean()
        if not kwargs:
            _assert_same(lambda z: F.cross_entropy(z, target), gathered, [logits])


def test_dropout_kernel_equals_mask_times_scale():
    x = _leaf((40, 30))
    numbagrad.manual_seed(5)
    out = F.dropout(x, p=0.3, training=True)
    kept = out.detach().numpy() != 0
    np.testing.assert_allclose(out.detach().numpy(), np.where(kept, x.detach().numpy() / 0.7, 0), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.7, 0), rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
