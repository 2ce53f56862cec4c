"""Each activation and softmax kernel against its plain-NumPy twin, in float32 and float64.

(The cross-entropy, dropout and optimizer kernels have their twins in test_nn_functional.py and
test_optim.py.)"""
import math

import numpy as np
import pytest

from numbagrad.kernels import activation as A
from numbagrad.kernels import softmax as S

RNG = np.random.default_rng(0)
X64 = np.concatenate([RNG.normal(0, 3, 997), [0.0, -0.0, 40.0, -40.0, 800.0, -800.0]])
G64 = RNG.normal(0, 1, X64.size)
ERF = np.vectorize(math.erf)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


TWINS = {
    # name: (kernel call(x, g, out), numpy twin(x, g))
    "relu_forward": (lambda x, g, o: A.relu_forward(x, o), lambda x, g: np.maximum(x, 0)),
    "relu_forward_parallel": (lambda x, g, o: A.relu_forward_parallel(x, o), lambda x, g: np.maximum(x, 0)),
    "relu_backward": (lambda x, g, o: A.relu_backward(g, np.maximum(x, 0), o), lambda x, g: np.where(x > 0, g, 0)),
    "relu_backward_parallel": (lambda x, g, o: A.relu_backward_parallel(g, np.maximum(x, 0), o),
                               lambda x, g: np.where(x > 0, g, 0)),
    "leaky_relu_forward": (lambda x, g, o: A.leaky_relu_forward(x, 0.1, o), lambda x, g: np.where(x > 0, x, 0.1 * x)),
    "leaky_relu_backward": (lambda x, g, o: A.leaky_relu_backward(g, x, 0.1, o), lambda x, g: np.where(x > 0, g, 0.1 * g)),
    "sigmoid_forward": (lambda x, g, o: A.sigmoid_forward(x, o), lambda x, g: _sigmoid(x)),
    "sigmoid_backward": (lambda x, g, o: A.sigmoid_backward(g, _sigmoid(x).astype(x.dtype), o),
                         lambda x, g: g * _sigmoid(x) * (1 - _sigmoid(x))),
    "gelu_forward": (lambda x, g, o: A.gelu_forward(x, False, o), lambda x, g: 0.5 * x * (1 + ERF(x / np.sqrt(2)))),
    "gelu_forward_tanh": (lambda x, g, o: A.gelu_forward(x, True, o),
                          lambda x, g: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "gelu_backward": (lambda x, g, o: A.gelu_backward(g, x, False, o),
                      lambda x, g: g * (0.5 * (1 + ERF(x / np.sqrt(2))) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi))),
    "softplus_forward": (lambda x, g, o: A.softplus_forward(x, 1.0, 20.0, o),
                         lambda x, g: np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))),
    "softplus_backward": (lambda x, g, o: A.softplus_backward(g, x, 1.0, 20.0, o),
                          lambda x, g: np.where(x > 20, g, g * _sigmoid(x))),
    "elu_forward": (lambda x, g, o: A.elu_forward(x, 1.5, o), lambda x, g: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0)))),
    "elu_backward": (lambda x, g, o: A.elu_backward(g, x, 1.5, o), lambda x, g: np.where(x > 0, g, g * 1.5 * np.exp(np.minimum(x, 0)))),
    "silu_forward": (lambda x, g, o: A.silu_forward(x, o), lambda x, g: x * _sigmoid(x)),
    "silu_backward": (lambda x, g, o: A.silu_backward(g, x, o),
                      lambda x, g: g * _sigmoid(x) * (1 + x * (1 - _sigmoid(x)))),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(TWINS))
def test_activation_kernel_matches_numpy_twin(name, dtype):
    kernel, twin = TWINS[name]
    x, g = X64.astype(dtype), G64.astype(dtype)
    out = np.empty_like(x)
    kernel(x, g, out)
    expected = twin(X64, G64)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol * 1e-2)


def test_relu_kernels_keep_nan():
    x = np.array([np.nan, -1.0, 2.0], dtype=np.float32)
    for kernel in (A.relu_forward, A.relu_forward_parallel):
        out = np.empty_like(x)
        kernel(x, out)
        assert np.isnan(out[0]) and out[1] == 0 and out[2] == 2


def _softmax(x):
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_kernels_match_numpy_twins(dtype):
    x64 = RNG.normal(0, 4, (37, 11))
    x64[3] = 1e4 * RNG.normal(size=11)  # exact at large magnitudes
    g64 = RNG.normal(size=x64.shape)
    x, g = x64.astype(dtype), g64.astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    y = np.empty_like(x)
    S.softmax_rows(x, y)
    np.testing.assert_allclose(y, _softmax(x64), rtol=rtol, atol=1e-7)
    logy = np.empty_like(x)
    S.log_softmax_rows(x, logy)
    log_twin = x64 - x64.max(axis=1, keepdims=True)
    log_twin = log_twin - np.log(np.exp(log_twin).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(logy, log_twin, rtol=rtol, atol=rtol)
    gx = np.empty_like(x)
    S.softmax_rows_backward(g, y, gx)
    p = _softmax(x64)
    np.testing.assert_allclose(gx, p * (g64 - (g64 * p).sum(axis=1, keepdims=True)), rtol=rtol * 10, atol=1e-6)
    S.log_softmax_rows_backward(g, logy, gx)
    np.testing.assert_allclose(gx, g64 - p * g64.sum(axis=1, keepdims=True), rtol=rtol * 10, atol=1e-5)


def test_softmax_of_an_all_minus_inf_row_is_nan():
    x = np.array([[-np.inf, -np.inf], [0.0, 1.0]])
    y = np.empty_like(x)
    S.softmax_rows(x, y)
    assert np.isnan(y[0]).all() and np.allclose(y[1], _softmax(x[1:]))
