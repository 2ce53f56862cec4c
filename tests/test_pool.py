"""Pooling (max, avg, adaptive, unpool; 1-D and 2-D; functions and layers) against PyTorch in
float64: values, indices and gradients, over a table of configurations including ceil_mode,
padding, dilation, ties, NaN and infinities (their errors are the registry entries' error cases)."""
import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F

torch = pytest.importorskip("torch")


def _values(kind, shape, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "ties":
        return rng.integers(0, 3, shape).astype(np.float64)
    x = rng.standard_normal(shape)
    if kind == "special":
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, 6, replace=False)] = [np.nan, np.inf, -np.inf, np.nan, -np.inf, -np.inf]
    if kind == "all_neg_inf":
        x[...] = -np.inf
    return x


def check(call, x, rtol=1e-12):
    """call(m, tensor) with m = numbagrad.nn.functional or torch.nn.functional: same values (NaN
    where PyTorch has NaN), same indices, same input gradient."""
    xn, xt = numbagrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a, b = call(F, xn), call(torch.nn.functional, xt)
    if isinstance(b, tuple):
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy(), err_msg="indices")
        assert a[1].dtype == numbagrad.int64
        a, b = a[0], b[0]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-14)
    g = np.random.default_rng(5).standard_normal(tuple(b.shape))
    a.backward(numbagrad.tensor(g))
    b.backward(torch.tensor(g))
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=1e-14)


# (name, input shape, kernel, stride, padding, dilation, ceil_mode)
MAX2D = [
    ("k2", (2, 3, 8, 8), 2, None, 0, 1, False),
    ("k3s2p1", (2, 2, 9, 7), 3, 2, 1, 1, False),
    ("k3s2p1_ceil", (2, 2, 9, 7), 3, 2, 1, 1, True),
    ("odd_ceil", (1, 2, 7, 5), 2, 2, 0, 1, True),
    ("rect_dilated", (2, 2, 11, 10), (3, 2), (2, 3), (1, 1), (2, 3), False),
    ("rect_dilated_ceil", (2, 2, 11, 10), (3, 2), (2, 3), (1, 1), (2, 3), True),
    ("stride1_overlap", (1, 3, 6, 6), 3, 1, 1, 1, False),
    ("k1", (2, 2, 5, 4), 1, 2, 0, 1, True),
    ("whole_plane", (2, 3, 4, 5), (4, 5), 1, 0, 1, False),
    ("batch1", (1, 1, 6, 6), 2, 2, 1, 1, False),
    ("unbatched", (3, 6, 7), 2, 2, 0, 1, True),
]


@pytest.mark.parametrize("values", ["normal", "ties", "special"])
@pytest.mark.parametrize("case", MAX2D, ids=[c[0] for c in MAX2D])
def test_max_pool2d_matches_torch(case, values):
    _, shape, k, s, p, d, ceil = case
    check(lambda m, x: m.max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=True),
          _values(values, shape))


def test_max_pool2d_all_minus_infinity_picks_the_first_position():
    check(lambda m, x: m.max_pool2d(x, 2, 2, 1, return_indices=True), _values("all_neg_inf", (1, 2, 4, 4)))


def test_max_pool1d_matches_torch():
    for args in [(3, 2, 1, 1, False), (2, None, 0, 2, True), (4, 1, 2, 1, True)]:
        check(lambda m, x: m.max_pool1d(x, *args[:4], ceil_mode=args[4], return_indices=True),
              _values("ties", (2, 3, 11)))
    check(lambda m, x: m.max_pool1d(x, 2), _values("normal", (3, 8)))  # unbatched


# (name, input shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG2D = [
    ("k2", (2, 3, 8, 8), 2, None, 0, False, True, None),
    ("k3s2p1", (2, 2, 9, 7), 3, 2, 1, False, True, None),
    ("k3s2p1_exclude_pad", (2, 2, 9, 7), 3, 2, 1, False, False, None),
    ("ceil_include_pad", (2, 2, 9, 7), 3, 2, 1, True, True, None),
    ("ceil_exclude_pad", (2, 2, 9, 7), 3, 2, 1, True, False, None),
    ("rect", (1, 2, 7, 10), (2, 4), (3, 2), (1, 2), True, True, None),
    ("divisor_override", (2, 2, 6, 6), 3, 2, 1, True, True, 5),
    ("negative_divisor", (1, 2, 6, 6), 2, 2, 1, False, False, -3),
    ("unbatched", (3, 6, 7), 2, 2, 1, True, False, None),
]


@pytest.mark.parametrize("case", AVG2D, ids=[c[0] for c in AVG2D])
def test_avg_pool2d_matches_torch(case):
    _, shape, k, s, p, ceil, include, divisor = case
    check(lambda m, x: m.avg_pool2d(x, k, s, p, ceil, include, divisor), _values("normal", shape))


def test_avg_pool1d_matches_torch():
    for args in [(3, 2, 1, False, True), (3, 2, 1, True, False), (2, None, 0, True, True)]:
        check(lambda m, x: m.avg_pool1d(x, *args), _values("normal", (2, 3, 10)))


@pytest.mark.parametrize("out", [1, 2, 3, (4, 3), (5, None), (7, 6), (9, 8)])
def test_adaptive_pools_2d_match_torch(out):
    x = _values("ties", (2, 3, 7, 6))
    check(lambda m, t: m.adaptive_avg_pool2d(t, out), x)
    check(lambda m, t: m.adaptive_max_pool2d(t, out, return_indices=True), x)


@pytest.mark.parametrize("out", [1, 3, 4, 10])
def test_adaptive_pools_1d_match_torch(out):
    x = _values("normal", (2, 3, 7))
    check(lambda m, t: m.adaptive_avg_pool1d(t, out), x)
    check(lambda m, t: m.adaptive_max_pool1d(t, out, return_indices=True), x)


def test_adaptive_avg_pool_zero_output_and_zero_channels_match_torch():
    for shape, out in [((1, 2, 4, 4), 0), ((1, 0, 4, 4), 2)]:
        a = F.adaptive_avg_pool2d(numbagrad.ones(*shape), out)
        b = torch.nn.functional.adaptive_avg_pool2d(torch.ones(*shape), out)
        assert tuple(a.shape) == tuple(b.shape)


def test_max_unpool_matches_torch():
    for shape, sizes in (((2, 3, 8, 6), (None, (9, 7))), ((2, 3, 8, 7), ((8, 7), (2, 3, 9, 7)))):
        x = _values("normal", shape)
        _, idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
        pooled = _values("normal", tuple(idx.shape), seed=1)
        for size in sizes:
            check(lambda m, t: m.max_unpool2d(t, m_index(m, idx), 2, output_size=size), pooled)
    x1 = _values("normal", (2, 3, 9))
    _, idx1 = torch.nn.functional.max_pool1d(torch.tensor(x1), 3, 2, return_indices=True)
    check(lambda m, t: m.max_unpool1d(t, m_index(m, idx1), 3, 2), _values("normal", tuple(idx1.shape), 2))


def m_index(m, idx):
    return idx if m is torch.nn.functional else numbagrad.tensor(idx.numpy())


def test_returned_indices_can_be_changed_without_breaking_the_gradient():
    x = numbagrad.tensor(_values("normal", (1, 1, 4, 4)), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    expected = idx.numpy().copy()
    idx.fill_(-7)  # the node kept its own indices
    y.sum().backward()
    grad = np.zeros(16)
    grad[expected.reshape(-1)] = 1
    np.testing.assert_array_equal(x.grad.numpy().reshape(-1), grad)


def test_float32_and_float16():
    x = _values("normal", (2, 3, 6, 6))
    for dtype in (numbagrad.float32, numbagrad.float16):
        t = numbagrad.tensor(x, dtype=dtype)
        for fn in (lambda m, t: m.max_pool2d(t, 2), lambda m, t: m.avg_pool2d(t, 3, 2, 1),
                   lambda m, t: m.adaptive_avg_pool2d(t, 4)):
            a = fn(F, t)
            b = fn(torch.nn.functional, torch.tensor(x).to(getattr(torch, dtype.name)).float())
            assert a.dtype == dtype
            np.testing.assert_allclose(a.float().numpy(), b.numpy(), rtol=2e-3, atol=2e-3)


def test_gradcheck():
    x = numbagrad.tensor(np.random.default_rng(0).permutation(48).reshape(1, 3, 4, 4) * 0.1,
                         requires_grad=True)  # distinct values: max pooling is smooth there
    for fn in (lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True), lambda t: F.avg_pool2d(t, 3, 2, 1, True, False),
               lambda t: F.adaptive_avg_pool2d(t, 3), lambda t: F.adaptive_max_pool2d(t, 3)):
        assert numbagrad.autograd.gradcheck(fn, (x,))


# ---- layers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda m: m.nn.MaxPool2d(2), lambda m: m.nn.MaxPool2d((3, 2), (2, 1), 1, 1, False, True),
    lambda m: m.nn.MaxPool1d(3, 2, 1), lambda m: m.nn.AvgPool2d(3, 2, 1), lambda m: m.nn.AvgPool1d(2),
    lambda m: m.nn.AdaptiveAvgPool2d((1, 1)), lambda m: m.nn.AdaptiveAvgPool1d(4),
    lambda m: m.nn.AdaptiveMaxPool2d(3), lambda m: m.nn.MaxUnpool2d(2), lambda m: m.nn.MaxUnpool1d(3, 2),
])
def test_pool_layer_repr_matches_torch(make):
    assert repr(make(numbagrad)) == repr(make(torch))


def test_pool_layers_compute_their_functions():
    x = _values("normal", (2, 3, 8, 8))
    pairs = [(nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.AvgPool2d(3, 2, 1, count_include_pad=False), torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
             (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
             (nn.AdaptiveMaxPool2d(3), torch.nn.AdaptiveMaxPool2d(3))]
    for a, b in pairs:
        np.testing.assert_allclose(a(numbagrad.tensor(x)).numpy(), b(torch.tensor(x)).numpy(), rtol=1e-12)
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    y, idx = pool(numbagrad.tensor(x))
    out = unpool(y, idx)
    tp, tu = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    np.testing.assert_array_equal(out.numpy(), tu(*tp(torch.tensor(x))).numpy())


# ---- errors, as PyTorch: the error cases of each pool's registry entry (numbagrad/ops/pooling.py),
# run by tests/test_registry.py ------------------------------------------------------------------
def test_integer_input_is_refused():
    # PyTorch max-pools integers on the CPU; numbagrad's kernels are float-only (documented)
    with pytest.raises(RuntimeError, match="floating point"):
        F.max_pool2d(numbagrad.ones(1, 2, 4, 4, dtype=numbagrad.int64), 2)
