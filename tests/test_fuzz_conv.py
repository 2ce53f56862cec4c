"""Fuzzing the convolution, pooling, padding, fold and interpolation functions (which feed the
numba kernels of kernels/conv.py and kernels/pool.py) in a child process, so that a crash inside
a kernel fails a test instead of killing the run.

Arguments are drawn at random, hostile ones included: zero-size and tiny dims, kernels larger
than the input, negative or zero strides, paddings and dilations, groups that do not divide,
mismatched dtypes, integer and bool inputs, non-contiguous layouts, NaN and infinities. Every call
either raises one of PyTorch's exception types, or returns what PyTorch returns (values NaN-aware,
and the input gradient); where PyTorch raises, numbagrad must raise too.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

import numbagrad  # noqa: E402
import numbagrad.nn.functional as F  # noqa: E402

ALLOWED = (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError)
CHILD = os.environ.get("NUMBAGRAD_FUZZ_CHILD") == "1"
_N = os.environ.get("NUMBAGRAD_FUZZ_EXAMPLES")
fuzz = settings(max_examples=int(_N)) if _N else settings()
pytestmark = pytest.mark.filterwarnings("ignore")
child_only = pytest.mark.skipif(not CHILD, reason="runs inside test_conv_ops_in_subprocess")


@st.composite
def images(draw, ndim=4):
    """An array of rank `ndim` (sometimes one less or more) with small, possibly zero, dims,
    a random dtype and layout, and some NaN / inf values."""
    ndim = draw(st.sampled_from([ndim, ndim, ndim, ndim - 1, ndim + 1]))
    shape = tuple(draw(st.integers(0, 6)) if i < 2 else draw(st.integers(0, 9)) for i in range(ndim))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32, np.int64, np.bool_]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    a = rng.standard_normal(shape)
    if a.size and draw(st.booleans()):
        a.reshape(-1)[rng.integers(0, a.size, 2)] = rng.choice([np.nan, np.inf, -np.inf], 2)
    a = a.astype(dtype) if dtype != np.bool_ else a > 0
    if ndim and draw(st.booleans()):  # a non-contiguous view of the same values
        a = np.ascontiguousarray(a[..., ::-1])[..., ::-1]
        a = np.repeat(a, 2, axis=-1)[..., ::2]
    return a


small = st.integers(-1, 4)


def _both(call_ng, call_th, arrays, grad=True):
    """Run the call in both libraries; compare outcomes, values and the first input's gradient."""
    import torch
    ng_in = [numbagrad.tensor(a) for a in arrays]
    th_in = [torch.tensor(a) for a in arrays]
    differentiable = grad and arrays[0].dtype.kind == "f" and arrays[0].dtype == np.float64
    if differentiable:
        ng_in[0].requires_grad_(True)
        th_in[0].requires_grad_(True)
    try:
        expected = call_th(*th_in)
    except Exception:
        expected = None
    try:
        got = call_ng(*ng_in)
    except ALLOWED:
        return  # refusing is allowed (numbagrad refuses integer inputs where PyTorch computes)
    assert expected is not None, "numbagrad computed a call that PyTorch refuses"
    got = got[0] if isinstance(got, tuple) else got
    expected = expected[0] if isinstance(expected, tuple) else expected
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy().astype(np.float64),
                               expected.detach().numpy().astype(np.float64),
                               rtol=1e-4, atol=1e-5, equal_nan=True)
    if differentiable and expected.requires_grad and expected.numel():
        g = np.random.default_rng(0).standard_normal(tuple(expected.shape))
        got.backward(numbagrad.tensor(g))
        expected.backward(torch.tensor(g))
        if th_in[0].grad is not None:
            np.testing.assert_allclose(ng_in[0].grad.numpy(), th_in[0].grad.numpy(), rtol=1e-6,
                                       atol=1e-8, equal_nan=True)


@child_only
@fuzz
@given(x=images(), data=st.data())
def test_child_conv2d(x, data):
    c = x.shape[1] if x.ndim == 4 else (x.shape[0] if x.ndim == 3 else 1)
    groups = data.draw(st.sampled_from([1, 1, 2, 3, 0]))
    o = data.draw(st.integers(0, 4))
    kh, kw = data.draw(st.integers(0, 4)), data.draw(st.integers(1, 4))
    cg = data.draw(st.sampled_from([max(c // max(groups, 1), 0), c, 1]))
    w = np.random.default_rng(1).standard_normal((o, cg, kh, kw)).astype(
        data.draw(st.sampled_from([np.float64, np.float32])))
    stride = data.draw(st.sampled_from([1, 2, (1, 3), 0]))
    padding = data.draw(st.sampled_from([0, 1, (2, 0), -1, "same", "valid"]))
    dilation = data.draw(st.sampled_from([1, 2, (1, 2), 0]))
    if c == 0 or cg == 0:  # PyTorch gives an empty channel dim here; numbagrad zeros (documented)
        try:
            F.conv2d(numbagrad.tensor(x), numbagrad.tensor(w), None, stride, padding, dilation, groups)
        except ALLOWED:
            pass
        return
    _both(lambda t, k: F.conv2d(t, k, None, stride, padding, dilation, groups),
          lambda t, k: __import__("torch").nn.functional.conv2d(t, k, None, stride, padding, dilation, groups),
          [x, w])


@child_only
@fuzz
@given(x=images(), data=st.data())
def test_child_conv_transpose2d(x, data):
    c = x.shape[1] if x.ndim == 4 else 1
    w = np.random.default_rng(1).standard_normal(
        (data.draw(st.sampled_from([c, c + 1])), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)),
         data.draw(st.integers(1, 3))))
    stride, padding = data.draw(st.sampled_from([1, 2, 3])), data.draw(st.sampled_from([0, 1, 2]))
    output_padding, dilation = data.draw(st.sampled_from([0, 1, 2])), data.draw(st.sampled_from([1, 2]))
    if c == 0:
        return
    _both(lambda t, k: F.conv_transpose2d(t, k, None, stride, padding, output_padding, 1, dilation),
          lambda t, k: __import__("torch").nn.functional.conv_transpose2d(t, k, None, stride, padding,
                                                                          output_padding, 1, dilation),
          [x, w])


@child_only
@fuzz
@given(x=images(), k=st.integers(-1, 4), s=st.sampled_from([None, 0, 1, 2, 3]), p=small,
       d=st.integers(0, 3), ceil=st.booleans(), which=st.sampled_from(["max", "avg", "max1d"]))
def test_child_pools(x, k, s, p, d, ceil, which):
    import torch
    if which == "max":
        _both(lambda t: F.max_pool2d(t, k, s, p, d, ceil, True),
              lambda t: torch.nn.functional.max_pool2d(t, k, s, p, d, ceil, True), [x])
    elif which == "avg":
        _both(lambda t: F.avg_pool2d(t, k, s, p, ceil, d % 2 == 0),
              lambda t: torch.nn.functional.avg_pool2d(t, k, s, p, ceil, d % 2 == 0), [x])
    else:
        x1 = x.reshape(x.shape[:-2] + (x.shape[-2] * x.shape[-1],)) if x.ndim >= 2 else x
        _both(lambda t: F.max_pool1d(t, k, s, p, d, ceil), lambda t: torch.nn.functional.max_pool1d(t, k, s, p, d, ceil),
              [x1])


@child_only
@fuzz
@given(x=images(), size=st.sampled_from([0, 1, 2, 3, (2, 5), (None, 1), 7]), kind=st.sampled_from(["avg", "max"]))
def test_child_adaptive_pools(x, size, kind):
    import torch
    name = f"adaptive_{kind}_pool2d"
    _both(lambda t: getattr(F, name)(t, size), lambda t: getattr(torch.nn.functional, name)(t, size), [x])


@child_only
@fuzz
@given(x=images(), data=st.data())
def test_child_unpool_fold_pad_interpolate(x, data):
    import torch
    # distinct indices within each plane (PyTorch leaves repeated indices unspecified), some of
    # them out of range
    plane = x.shape[-2] * x.shape[-1] if x.ndim >= 2 else 1
    step, offset = data.draw(st.integers(1, 3)), data.draw(st.integers(-2, 3))
    idx = (np.arange(x.size, dtype=np.int64) % max(plane, 1) * step + offset).reshape(x.shape)
    _both(lambda t, i: F.max_unpool2d(t, i, 2), lambda t, i: torch.nn.functional.max_unpool2d(t, i, 2),
          [x, idx], grad=False)
    k = data.draw(st.integers(0, 3))
    stride = data.draw(st.integers(0, 2))
    _both(lambda t: F.unfold(t, k, stride=stride), lambda t: torch.nn.functional.unfold(t, k, stride=stride), [x])
    cols = x.reshape(x.shape[0], x.shape[1] * x.shape[2], x.shape[3]) if x.ndim == 4 else x
    size = (data.draw(st.integers(0, 6)), data.draw(st.integers(0, 6)))
    _both(lambda t: F.fold(t, size, k), lambda t: torch.nn.functional.fold(t, size, k), [cols])
    pad = tuple(data.draw(st.lists(st.integers(-2, 4), min_size=0, max_size=6)))
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    _both(lambda t: F.pad(t, pad, mode), lambda t: torch.nn.functional.pad(t, pad, mode), [x])
    scale = data.draw(st.sampled_from([0.5, 1, 2, 2.5]))
    mode = data.draw(st.sampled_from(["nearest", "bilinear", "nearest-exact"]))
    _both(lambda t: F.interpolate(t, scale_factor=scale, mode=mode),
          lambda t: torch.nn.functional.interpolate(t, scale_factor=scale, mode=mode), [x])


def test_conv_ops_in_subprocess():
    """Run the test_child_* tests above in a child pytest: a crash shows as a failed test here."""
    pytest.importorskip("torch")
    env = dict(os.environ, NUMBAGRAD_FUZZ_CHILD="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", __file__, "-k", "test_child_"],
        capture_output=True, text=True, env=env, cwd=root, timeout=900)
    assert proc.returncode == 0, (
        f"child fuzz run failed (return code {proc.returncode}; negative = killed by signal)\n"
        f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
