"""float16 tensors through the kernel-backed ops: computed in float32, rounded back to float16,
gradients flowing to the float32 source; optimizers step float16 parameters in float32."""
import numpy as np
import pytest

import numbagrad
import numbagrad.nn.functional as F

TARGET = numbagrad.tensor([0, 1, 2, 0])
OPS = {
    "relu": lambda t: numbagrad.relu(t),
    "relu_inplace": lambda t: F.relu(t * 1, inplace=True),
    "leaky_relu": lambda t: F.leaky_relu(t, 0.2),
    "sigmoid": lambda t: t.sigmoid(),
    "gelu": lambda t: F.gelu(t),
    "softplus": lambda t: F.softplus(t),
    "elu": lambda t: F.elu(t),
    "silu": lambda t: F.silu(t),
    "softmax": lambda t: t.softmax(1),
    "log_softmax": lambda t: F.log_softmax(t, 1),
    "cross_entropy": lambda t: F.cross_entropy(t, TARGET),
    "nll_loss": lambda t: F.nll_loss(t, TARGET),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_half_input_matches_float32_rounded(name):
    data = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float16)
    x32 = numbagrad.tensor(data.astype(np.float32), requires_grad=True)
    out_half = OPS[name](x32.half())
    assert out_half.dtype == numbagrad.float16
    reference = OPS[name](numbagrad.tensor(data.astype(np.float32))).numpy().astype(np.float16)
    np.testing.assert_allclose(out_half.detach().numpy().astype(np.float32), reference, rtol=2e-3, atol=2e-3)
    out_half.float().sum().backward()
    assert x32.grad is not None and x32.grad.dtype == numbagrad.float32
    assert np.isfinite(x32.grad.numpy()).all()


def test_half_dropout_keeps_dtype_and_scales():
    numbagrad.manual_seed(0)
    out = F.dropout(numbagrad.ones(1000).half(), p=0.5)
    assert out.dtype == numbagrad.float16
    assert set(np.unique(out.numpy())) <= {0.0, 2.0}


def test_optimizers_step_half_parameters_in_float32_and_round_back():
    p = numbagrad.nn.Parameter(numbagrad.tensor([1.0, -2.0, 0.5]).half())
    opt = numbagrad.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = numbagrad.tensor([0.3, 0.3, -1.0]).half()
    opt.step()
    expected = (np.array([1.0, -2.0, 0.5], np.float32)
                - np.float32(0.1) * np.array([0.3, 0.3, -1.0], np.float16).astype(np.float32))
    assert p.dtype == numbagrad.float16
    np.testing.assert_array_equal(p.detach().numpy(), expected.astype(np.float16))
    assert opt.state[p]["momentum_buffer"].dtype == numbagrad.float16
