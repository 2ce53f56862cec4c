"""F.pad (every mode) and the padding layers, nn.BatchNorm2d and F.dropout1d/dropout2d
(nn.Dropout1d/2d), against PyTorch: values, gradients, running statistics, errors."""
import warnings

import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F

torch = pytest.importorskip("torch")


def _both(x):
    return numbagrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _check(a, b, xa, xb):
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(3).standard_normal(tuple(b.shape))
    a.backward(numbagrad.tensor(g))
    b.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-12, atol=1e-14)


PADS = [
    ("constant", (1, 2), (2, 3, 5, 6)), ("constant", (2, 1, 0, 3, 1, 1), (2, 3, 5, 6)),
    ("constant", (-1, 2, 3, -2), (2, 3, 5, 6)), ("constant", (1, 1, 1, 1, 1, 1, 1, 1), (2, 3, 4, 5)),
    ("constant", (0, 0), (3,)),
    ("reflect", (2, 1), (2, 3, 5)), ("reflect", (3, 1, 2, 4), (2, 3, 5, 6)), ("reflect", (1, 1, 2, 0), (3, 5, 6)),
    ("reflect", (-1, 2, 1, -2), (1, 2, 5, 6)), ("reflect", (1, 1, 1, 1, 1, 1), (1, 2, 3, 4, 5)),
    ("replicate", (3, 0), (2, 4)), ("replicate", (2, 5, 1, 3), (2, 3, 4, 5)), ("replicate", (-2, 3, 0, 1), (1, 2, 4, 5)),
    ("circular", (2, 3), (2, 3, 5)), ("circular", (5, 5, 1, 2), (1, 2, 4, 5)), ("circular", (-1, 2, 2, -1), (1, 2, 4, 5)),
]


@pytest.mark.parametrize("mode,pad,shape", PADS, ids=[f"{m}-{p}" for m, p, _ in PADS])
def test_pad_matches_torch(mode, pad, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    xa, xb = _both(x)
    _check(F.pad(xa, pad, mode), torch.nn.functional.pad(xb, pad, mode), xa, xb)


def test_pad_constant_value_and_integers():
    x = np.arange(12).reshape(3, 4)
    a = F.pad(numbagrad.tensor(x), (1, 2, 0, 1), value=7)
    b = torch.nn.functional.pad(torch.tensor(x), (1, 2, 0, 1), value=7)
    assert a.dtype == numbagrad.int64
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    a = F.pad(numbagrad.tensor(x * 1.0), (1, 1), value=float("-inf"))
    np.testing.assert_array_equal(a.numpy(), torch.nn.functional.pad(torch.tensor(x * 1.0), (1, 1),
                                                                      value=float("-inf")).numpy())


# F.pad's errors as PyTorch: the error cases of its registry entry (numbagrad/ops/padding.py).


@pytest.mark.parametrize("make", [
    lambda m: m.nn.ZeroPad2d(1), lambda m: m.nn.ZeroPad2d((1, 2, 3, 4)), lambda m: m.nn.ZeroPad1d(2),
    lambda m: m.nn.ConstantPad1d((1, 2), 3.5), lambda m: m.nn.ConstantPad2d(1, -1.0),
    lambda m: m.nn.ReflectionPad1d(2), lambda m: m.nn.ReflectionPad2d((1, 0, 2, 1)),
    lambda m: m.nn.ReplicationPad1d((0, 3)), lambda m: m.nn.ReplicationPad2d(2),
    lambda m: m.nn.CircularPad1d(1), lambda m: m.nn.CircularPad2d((1, 2, 0, 1)),
])
def test_padding_layers_match_torch(make):
    a, b = make(numbagrad), make(torch)
    assert repr(a) == repr(b)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6) if "2d" in repr(b).lower().split("(")[0]
                                                   else (2, 3, 6))
    np.testing.assert_allclose(a(numbagrad.tensor(x)).numpy(), b(torch.tensor(x)).numpy(), rtol=1e-12)


# ---- BatchNorm2d -------------------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm2d_matches_torch(momentum, affine):
    ng = nn.BatchNorm2d(3, momentum=momentum, affine=affine, dtype=numbagrad.float64)
    th = torch.nn.BatchNorm2d(3, momentum=momentum, affine=affine).double()
    rng = np.random.default_rng(0)
    if affine:
        w, b = rng.standard_normal(3), rng.standard_normal(3)
        with numbagrad.no_grad():
            ng.weight.copy_(numbagrad.tensor(w))
            ng.bias.copy_(numbagrad.tensor(b))
        with torch.no_grad():
            th.weight.copy_(torch.tensor(w))
            th.bias.copy_(torch.tensor(b))
    for step in range(3):
        x = rng.standard_normal((4, 3, 5, 6)) * (step + 1) + step
        xa, xb = _both(x)
        _check(ng(xa), th(xb), xa, xb)
        if affine:
            np.testing.assert_allclose(ng.weight.grad.numpy(), th.weight.grad.numpy(), rtol=1e-10)
            np.testing.assert_allclose(ng.bias.grad.numpy(), th.bias.grad.numpy(), rtol=1e-10)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(ng, name).numpy(), getattr(th, name).numpy(), rtol=1e-12)
    ng.eval()
    th.eval()
    x = rng.standard_normal((2, 3, 4, 4))
    xa, xb = _both(x)
    _check(ng(xa), th(xb), xa, xb)
    assert repr(ng).startswith("BatchNorm2d(3, eps=1e-05")


def test_batchnorm2d_errors_match_torch():
    for m in (numbagrad, torch):
        with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
            m.nn.BatchNorm2d(3)(m.ones(3, 4, 4))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            m.nn.BatchNorm2d(3)(m.ones(1, 3, 1, 1))
        with pytest.raises(RuntimeError):
            m.nn.BatchNorm2d(3)(m.ones(2, 4, 3, 3))
    assert not isinstance(nn.BatchNorm2d(3), nn.BatchNorm1d)


# ---- Dropout1d / Dropout2d ---------------------------------------------------------------------
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    numbagrad.manual_seed(0)
    x = numbagrad.ones(64, 32, 3, 3, requires_grad=True)
    y = F.dropout2d(x, 0.25)
    values = y.detach().numpy()
    per_channel = values.reshape(64, 32, 9)
    assert np.all(per_channel == per_channel[:, :, :1])  # a channel is all kept or all dropped
    assert set(np.unique(values)) == {0.0, np.float32(1 / 0.75)}
    dropped = np.mean(per_channel[:, :, 0] == 0)
    assert 0.2 < dropped < 0.3  # 2048 channels, p = 0.25
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # gradient: the same mask


def test_dropout2d_eval_p0_p1_and_reproducibility():
    x = numbagrad.ones(2, 3, 4, 4)
    assert F.dropout2d(x, 0.5, training=False) is x
    assert F.dropout2d(x, 0.0) is x
    assert not F.dropout2d(x, 1.0).numpy().any()
    numbagrad.manual_seed(5)
    a = F.dropout2d(x, 0.5).numpy()
    numbagrad.manual_seed(5)
    np.testing.assert_array_equal(a, F.dropout2d(x, 0.5).numpy())
    layer = nn.Dropout2d(0.5)
    layer.eval()
    assert layer(x) is x
    assert repr(layer) == repr(torch.nn.Dropout2d(0.5))


def test_dropout2d_and_dropout1d_shapes_warnings_and_errors_match_torch():
    for m in (numbagrad, torch):
        with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
            y = m.nn.functional.dropout2d(m.ones(2, 3, 4), 0.5)
        assert tuple(y.shape) == (2, 3, 4)
        with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
            m.nn.functional.dropout2d(m.ones(2, 3, 4, 4, 4), 0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="at least 2 dimensions"):
                m.nn.functional.dropout2d(m.ones(5), 0.5)
        with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
            m.nn.functional.dropout1d(m.ones(2, 3, 4, 4), 0.5)
        with pytest.raises(ValueError, match="between 0 and 1"):
            m.nn.functional.dropout2d(m.ones(2, 3, 4, 4), 1.5)
        with pytest.raises(ValueError, match="between 0 and 1"):
            m.nn.Dropout2d(-0.1)
    y = F.dropout1d(numbagrad.ones(40, 30), 0.5)  # unbatched (C, L): whole rows
    rows = y.numpy()
    assert np.all(rows == rows[:, :1])
