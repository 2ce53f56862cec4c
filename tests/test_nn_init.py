"""nn.init: gains equal to PyTorch's, distributions (bounds, mean, std) on large tensors, errors,
reproducibility through numbagrad's generator."""
import math

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn as nn
from numbagrad.nn import init

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",),
                                  ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",)])
def test_gain_equals_torch(args):
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


def test_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fan_in_fan_out():
    assert init._calculate_fan_in_and_fan_out(ng.empty(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(ng.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ng.empty(5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ng.empty(5))
    with pytest.raises(ValueError, match="Mode fan_foo not supported"):
        init.kaiming_uniform_(ng.empty(3, 3), mode="fan_foo")


def _stats(t):
    v = t.numpy().astype(np.float64)
    return v.min(), v.max(), v.mean(), v.std()


SHAPE = (300, 400)  # fan_in 400, fan_out 300


def test_uniform_normal_constant():
    t = ng.empty(*SHAPE)
    assert init.uniform_(t, -2, 3) is t
    lo, hi, mean, std = _stats(t)
    assert -2 <= lo and hi <= 3 and abs(mean - 0.5) < 0.02 and abs(std - 5 / math.sqrt(12)) < 0.02
    v0 = t._version[0]
    init.normal_(t, 1.0, 0.5)
    assert t._version[0] > v0
    _, _, mean, std = _stats(t)
    assert abs(mean - 1) < 0.005 and abs(std - 0.5) < 0.005
    init.constant_(t, 0.3)
    assert np.all(t.numpy() == np.float32(0.3))
    init.zeros_(t), init.ones_(t)
    assert np.all(t.numpy() == 1)
    e = ng.empty(3, 4)
    np.testing.assert_array_equal(init.eye_(e).numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(ng.empty(2, 2, 2))
    d = init.dirac_(ng.empty(4, 2, 3))
    td = torch.nn.init.dirac_(torch.empty(4, 2, 3))
    np.testing.assert_array_equal(d.numpy(), td.numpy())


@pytest.mark.parametrize("fn,kwargs,kind,scale", [
    (init.xavier_uniform_, {"gain": 2.0}, "uniform", 2.0 * math.sqrt(6 / 700)),
    (init.xavier_normal_, {"gain": 0.5}, "normal", 0.5 * math.sqrt(2 / 700)),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, "uniform", math.sqrt(3) * math.sqrt(2 / 6) / math.sqrt(400)),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, "uniform", math.sqrt(6 / 300)),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, "normal", math.sqrt(2 / 400)),
    (init.kaiming_normal_, {"mode": "fan_out", "a": 0.1}, "normal", math.sqrt(2 / 1.01) / math.sqrt(300)),
])
def test_scaled_distributions(fn, kwargs, kind, scale):
    t = fn(ng.empty(*SHAPE), **kwargs)
    lo, hi, mean, std = _stats(t)
    if kind == "uniform":  # U(-scale, scale)
        assert -scale <= lo and hi <= scale and hi > 0.99 * scale
        assert abs(std - scale / math.sqrt(3)) < 0.01 * scale
    else:  # N(0, scale)
        assert abs(std - scale) < 0.01 * scale
    assert abs(mean) < 0.01 * scale


def test_trunc_normal_and_orthogonal():
    t = init.trunc_normal_(ng.empty(*SHAPE), mean=0.5, std=1.0, a=-0.5, b=1.0)
    lo, hi, mean, _ = _stats(t)
    assert lo >= -0.5 and hi <= 1.0
    # mean of N(0.5, 1) truncated to [-0.5, 1]
    from math import erf, exp, pi, sqrt
    alpha, beta = -1.0, 0.5
    phi = lambda z: exp(-z * z / 2) / sqrt(2 * pi)
    cdf = lambda z: 0.5 * (1 + erf(z / sqrt(2)))
    expected = 0.5 + (phi(alpha) - phi(beta)) / (cdf(beta) - cdf(alpha))
    assert abs(mean - expected) < 0.01
    for shape in ((6, 4), (4, 6), (3, 2, 2)):
        q = init.orthogonal_(ng.empty(*shape, dtype=ng.float64), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ng.empty(4))


def test_reproducible_and_generator():
    ng.manual_seed(11)
    a = init.normal_(ng.empty(5)).numpy().copy()
    ng.manual_seed(11)
    np.testing.assert_array_equal(a, init.normal_(ng.empty(5)).numpy())
    g1, g2 = ng.Generator().manual_seed(3), ng.Generator().manual_seed(3)
    np.testing.assert_array_equal(init.uniform_(ng.empty(4), generator=g1).numpy(),
                                  init.uniform_(ng.empty(4), generator=g2).numpy())


def test_init_on_parameter_records_no_graph():
    lin = nn.Linear(3, 3)
    init.xavier_uniform_(lin.weight)
    assert lin.weight.grad_fn is None and lin.weight.requires_grad and isinstance(lin.weight, nn.Parameter)
