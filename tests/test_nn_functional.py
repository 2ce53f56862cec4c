"""nn.functional: fused kernels against NumPy twins, cross-entropy exactness at huge logits,
linear layouts, dropout, one_hot, embedding/norm argument checks."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F
from numbagrad.kernels import nn_kernels as K


# ---- NumPy twins of the kernels ---------------------------------------------------------------
def ce_forward_twin(x, t, w, ignore, s):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    log_s = np.log(np.exp(x - m).sum(axis=1))
    nll_all = log_s[:, None] - (x - m)  # lse - x_c, per class
    valid = t != ignore
    safe = np.where(valid, t, 0)
    wt = w[safe] * valid
    loss = (1 - s) * wt * nll_all[np.arange(len(t)), safe] + s / x.shape[1] * (nll_all * w).sum(axis=1) * valid
    return loss, (m[:, 0] + log_s), wt


def ce_backward_twin(x, t, w, ignore, s, lse, gscale):
    p = np.exp(x - lse[:, None])
    valid = t != ignore
    safe = np.where(valid, t, 0)
    onehot = np.eye(x.shape[1])[safe]
    a = ((1 - s) * w[safe])[:, None]
    g = a * (p - onehot) + s / x.shape[1] * (w.sum() * p - w[None, :])
    return g * (gscale * valid)[:, None]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_kernels_vs_numpy(dtype, smoothing):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 5)) * 4).astype(dtype)
    t = np.array([0, 4, 2, -100, 1, 3, 3], dtype=np.int64)
    w = rng.uniform(0.5, 2, 5).astype(dtype)
    loss, lse, wt = np.empty(7), np.empty(7), np.empty(7)
    K.cross_entropy_forward(x, t, w, -100, smoothing, loss, lse, wt)
    l2, lse2, wt2 = ce_forward_twin(x, t, w.astype(np.float64), -100, smoothing)
    np.testing.assert_allclose(loss, l2, rtol=1e-6 if dtype == np.float32 else 1e-13)
    np.testing.assert_allclose(lse, lse2, rtol=1e-6 if dtype == np.float32 else 1e-13)
    np.testing.assert_allclose(wt, wt2)
    gscale = rng.uniform(0.5, 1.5, 7)
    out = np.empty_like(x)
    K.cross_entropy_backward(x, t, w, -100, smoothing, float(w.sum()), lse, gscale, out)
    np.testing.assert_allclose(out, ce_backward_twin(x.astype(np.float64), t, w.astype(np.float64), -100,
                                                     smoothing, lse, gscale),
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_kernel_vs_numpy(dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(1000).astype(dtype)
    u = rng.random(1000).astype(dtype)
    out, mask = np.empty_like(x), np.empty_like(x)
    K.dropout_forward(x, u, 0.3, 1 / 0.7, out, mask)
    keep = u >= 0.3
    np.testing.assert_array_equal(mask, np.where(keep, dtype(1 / 0.7), 0))
    np.testing.assert_array_equal(out, np.where(keep, (x.astype(np.float64) * (1 / 0.7)).astype(dtype), 0))


def test_cross_entropy_exact_at_huge_logits():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (6, 10)) * 1e4
    t = rng.integers(0, 10, 6)
    xt = ng.tensor(x, requires_grad=True)
    loss = F.cross_entropy(xt, ng.tensor(t), reduction="none")
    m = x.max(axis=1, keepdims=True)
    logp = (x - m) - np.log(np.exp(x - m).sum(axis=1, keepdims=True))
    expected = -logp[np.arange(6), t]
    assert np.all(np.isfinite(loss.detach().numpy()))
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-15, atol=0)
    loss.sum().backward()
    grad = np.exp(logp) - np.eye(10)[t]
    np.testing.assert_allclose(xt.grad.numpy(), grad, rtol=1e-15, atol=1e-300)
    # float32 at 1e4 still finite and matching PyTorch
    torch = pytest.importorskip("torch")
    x32 = x.astype(np.float32)
    ours = F.cross_entropy(ng.tensor(x32), ng.tensor(t)).item()
    theirs = torch.nn.functional.cross_entropy(torch.from_numpy(x32), torch.from_numpy(t)).item()
    assert np.isfinite(ours) and abs(ours - theirs) <= 1e-5 * abs(theirs) + 1e-3


def test_linear_layouts_and_grads():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((5, 4))
    b = rng.standard_normal(5)
    xt, wt, bt = (ng.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.linear(xt, wt, bt)
    np.testing.assert_allclose(out.detach().numpy(), x @ w.T + b, rtol=1e-14)
    g = rng.standard_normal((2, 3, 5))
    out.backward(ng.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), g @ w, rtol=1e-13)
    np.testing.assert_allclose(wt.grad.numpy(), g.reshape(-1, 5).T @ x.reshape(-1, 4), rtol=1e-13)
    np.testing.assert_allclose(bt.grad.numpy(), g.reshape(-1, 5).sum(0), rtol=1e-13)
    # non-contiguous input (a transposed view)
    xs = ng.tensor(rng.standard_normal((4, 6))).T
    np.testing.assert_allclose(F.linear(xs, ng.tensor(w)).numpy(), xs.numpy() @ w.T, rtol=1e-13)
    # only the inputs that need a gradient get one
    x2 = ng.tensor(x)
    F.linear(x2, wt).sum().backward()
    assert x2.grad is None
    with pytest.raises(RuntimeError, match="input has 3 features but weight expects 4"):
        F.linear(ng.zeros(2, 3, dtype=ng.float64), wt)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(ng.zeros(2, 4), wt)


def test_dropout_functional():
    x = ng.ones(10000, dtype=ng.float64)
    ng.manual_seed(0)
    y = F.dropout(x, 0.2)
    v = y.numpy()
    assert set(np.unique(v)) <= {0.0, 1.25} and abs((v == 0).mean() - 0.2) < 0.02
    assert F.dropout(x, 0.2, training=False) is x
    with pytest.raises(ValueError, match="has to be between 0 and 1"):
        F.dropout(x, 2.0)
    ng.manual_seed(0)
    z = x.clone()
    assert F.dropout(z, 0.2, inplace=True) is z
    np.testing.assert_array_equal(z.numpy(), v)


def test_one_hot():
    torch = pytest.importorskip("torch")
    t = np.array([[0, 2], [1, 3]])
    np.testing.assert_array_equal(F.one_hot(ng.tensor(t)).numpy(),
                                  torch.nn.functional.one_hot(torch.from_numpy(t)).numpy())
    out = F.one_hot(ng.tensor([1, 0]), num_classes=4)
    assert out.dtype == ng.int64 and out.shape == (2, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ng.tensor([5]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ng.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ng.tensor([1.0]), 3)


def test_norm_argument_errors():
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 3\]"):
        F.layer_norm(ng.zeros(3, 4), (3,))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(ng.zeros(1, 3), ng.zeros(3), ng.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements"):
        F.batch_norm(ng.zeros(2, 3), ng.zeros(4), ng.ones(3), training=False)


def test_reexports():
    for name in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softplus", "elu", "silu",
                 "softmax", "log_softmax"):
        assert callable(getattr(F, name))
    x = ng.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.numpy().tolist() == [0.0, 2.0]
    assert not hasattr(F, "flatten") and not hasattr(F, "unflatten")  # as torch.nn.functional
