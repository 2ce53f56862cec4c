"""Shared test helpers: input generation by domain, NumPy twins of autograd rules, conversions."""
import math

import numpy as np

import numbagrad

try:  # torch is optional: tests that need it call pytest.importorskip("torch")
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None


# ---- input domains -------------------------------------------------------------------------------
def separated(rng, shape, slot=0):
    """Distinct values on a grid of step 0.4 (offset 0.1 for slot 0, 0.3 for slot 1), shuffled.

    No value is within 0.1 of 0, of +-0.6 (the clamp bounds in the table) or of any value of the
    other slot, so ops with kinks (abs, relu, max, clamp, maximum) are smooth within any
    finite-difference step and ties never happen."""
    n = int(np.prod(shape, dtype=np.int64))
    grid = (np.arange(n) - n // 2) * 0.4 + (0.1 if slot % 2 == 0 else 0.3)
    return rng.permutation(grid).reshape(shape)


def make_input(rng, domain, shape, slot=0):
    """A float64 (or bool/int64 for non-float domains) NumPy array of `shape` drawn from `domain`."""
    if callable(domain):
        return domain(rng, shape)
    if domain == "real":
        return rng.uniform(-2.0, 2.0, shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "unit":  # strictly inside (-1, 1)
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "separated":
        return separated(rng, shape, slot)
    if domain == "bool":
        return rng.random(shape) < 0.5
    raise ValueError(f"unknown domain {domain!r}")


def index_domain(high):
    """A domain producing int64 indices in [0, high)."""
    def draw(rng, shape):
        return rng.integers(0, high, shape).astype(np.int64)
    return draw


# ---- conversions ---------------------------------------------------------------------------------
def as_list(out):
    """Op outputs as a list of tensors (ops may return a tensor, a tuple or a namedtuple)."""
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def to_numpy(t):
    """A NumPy array from a numbagrad or torch tensor (or number)."""
    if isinstance(t, numbagrad.Tensor):
        return np.asarray(t.detach()._data)
    if _torch is not None and isinstance(t, _torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t)


def ng_dtype(np_dtype):
    return numbagrad.dtypes.to_dtype(np.dtype(np_dtype))


# ---- NumPy twins of autograd rules ----------------------------------------------------------------
def unbroadcast(grad, shape):
    """Sum `grad` back to `shape` (independent of numbagrad's own unbroadcast)."""
    shape = tuple(shape)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and grad.shape[i] != 1:
            grad = grad.sum(axis=i, keepdims=True)
    return grad


def erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    z = x - m
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def logsumexp(x, axis, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def assert_close(actual, expected, rtol, atol, what=""):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != expected {expected.shape}"
    np.testing.assert_allclose(actual.astype(np.float64) if actual.dtype.kind == "f" else actual,
                               expected, rtol=rtol, atol=atol, err_msg=what)
