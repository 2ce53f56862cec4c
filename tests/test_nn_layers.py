"""Layers against PyTorch with the same weights: outputs and gradients in float64 and float32,
plus gradcheck (float64) and layer-specific behaviour (BatchNorm stats, Dropout, Embedding)."""
import math

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn as nn
from numbagrad.autograd.gradcheck import gradcheck

torch = pytest.importorskip("torch")

TOL = {ng.float64: dict(rtol=1e-7, atol=1e-9), ng.float32: dict(rtol=1e-5, atol=1e-5)}
TDT = {ng.float64: torch.float64, ng.float32: torch.float32}


def _sync(ours, theirs, dtype):
    """Same weights and buffers in both modules (numbagrad's copied into torch's)."""
    ours.to(dtype)
    theirs.to(TDT[dtype])
    state = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def _compare(ours, theirs, x_np, dtype, int_input=False):
    x = ng.tensor(x_np) if int_input else ng.tensor(x_np.astype(dtype.numpy), requires_grad=True)
    tx = torch.from_numpy(x_np.copy()) if int_input else torch.tensor(x_np.astype(dtype.numpy), requires_grad=True)
    out, tout = ours(x), theirs(tx)
    tol = TOL[dtype]
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype.numpy)
    out.backward(ng.tensor(g))
    tout.backward(torch.from_numpy(g))
    if not int_input:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        if p.requires_grad:
            np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), **tol, err_msg=name)
    tbufs = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), tbufs[name].numpy(), **tol, err_msg=name)


rng = np.random.default_rng(0)
CASES = [
    ("linear", lambda: (nn.Linear(5, 3), torch.nn.Linear(5, 3)), (4, 5)),
    ("linear_batch_dims", lambda: (nn.Linear(5, 3), torch.nn.Linear(5, 3)), (2, 3, 5)),
    ("linear_1d", lambda: (nn.Linear(5, 3), torch.nn.Linear(5, 3)), (5,)),
    ("linear_nobias", lambda: (nn.Linear(5, 3, bias=False), torch.nn.Linear(5, 3, bias=False)), (4, 5)),
    ("identity", lambda: (nn.Identity(), torch.nn.Identity()), (3, 2)),
    ("flatten", lambda: (nn.Flatten(), torch.nn.Flatten()), (2, 3, 4)),
    ("unflatten", lambda: (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))), (4, 6)),
    ("relu", lambda: (nn.ReLU(), torch.nn.ReLU()), (4, 5)),
    ("leaky_relu", lambda: (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)), (4, 5)),
    ("elu", lambda: (nn.ELU(0.7), torch.nn.ELU(0.7)), (4, 5)),
    ("gelu", lambda: (nn.GELU(), torch.nn.GELU()), (4, 5)),
    ("gelu_tanh", lambda: (nn.GELU("tanh"), torch.nn.GELU("tanh")), (4, 5)),
    ("silu", lambda: (nn.SiLU(), torch.nn.SiLU()), (4, 5)),
    ("sigmoid", lambda: (nn.Sigmoid(), torch.nn.Sigmoid()), (4, 5)),
    ("tanh", lambda: (nn.Tanh(), torch.nn.Tanh()), (4, 5)),
    ("softplus", lambda: (nn.Softplus(2.0, 1.0), torch.nn.Softplus(2.0, 1.0)), (4, 5)),
    ("softmax", lambda: (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (4, 5)),
    ("log_softmax", lambda: (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)), (4, 5)),
    ("batchnorm_2d", lambda: (nn.BatchNorm1d(5), torch.nn.BatchNorm1d(5)), (6, 5)),
    ("batchnorm_3d", lambda: (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)), (4, 3, 7)),
    ("batchnorm_noaffine", lambda: (nn.BatchNorm1d(5, affine=False), torch.nn.BatchNorm1d(5, affine=False)), (6, 5)),
    ("batchnorm_nostats", lambda: (nn.BatchNorm1d(5, track_running_stats=False),
                                   torch.nn.BatchNorm1d(5, track_running_stats=False)), (6, 5)),
    ("layernorm", lambda: (nn.LayerNorm(5), torch.nn.LayerNorm(5)), (4, 5)),
    ("layernorm_2dims", lambda: (nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4))), (2, 3, 4)),
    ("layernorm_nobias", lambda: (nn.LayerNorm(5, bias=False), torch.nn.LayerNorm(5, bias=False)), (4, 5)),
    ("layernorm_noaffine", lambda: (nn.LayerNorm(5, elementwise_affine=False),
                                    torch.nn.LayerNorm(5, elementwise_affine=False)), (4, 5)),
    ("mlp", lambda: (nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(1)),
                     torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                         torch.nn.Linear(8, 3), torch.nn.LogSoftmax(1))), (7, 6)),
]


@pytest.mark.parametrize("dtype", [ng.float64, ng.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_torch(name, make, shape, dtype):
    ours, theirs = make()
    _sync(ours, theirs, dtype)
    x = rng.standard_normal(shape) * 2
    _compare(ours, theirs, x, dtype)
    if any(True for _ in ours.buffers()):  # second step in train mode, then eval mode
        ours.zero_grad(), theirs.zero_grad()
        _compare(ours, theirs, x + 0.5, dtype)
        ours.eval(), theirs.eval()
        ours.zero_grad(), theirs.zero_grad()
        _compare(ours, theirs, x - 0.3, dtype)


@pytest.mark.parametrize("dtype", [ng.float64, ng.float32], ids=["f64", "f32"])
def test_embedding_matches_torch(dtype):
    for kwargs in ({}, {"padding_idx": 1}, {"scale_grad_by_freq": True}, {"max_norm": 1.0}):
        ours, theirs = nn.Embedding(6, 3, **kwargs), torch.nn.Embedding(6, 3, **kwargs)
        _sync(ours, theirs, dtype)
        idx = np.array([[0, 1, 1], [5, 2, 1]], dtype=np.int64)
        _compare(ours, theirs, idx, dtype, int_input=True)
        if "max_norm" in kwargs:  # the looked-up rows were renormalised in place in both
            np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), **TOL[dtype])


def test_embedding_init_and_errors():
    e = nn.Embedding(50, 40, padding_idx=-1)
    assert e.padding_idx == 49 and np.all(e.weight.detach().numpy()[49] == 0)
    w = e.weight.detach().numpy()[:49]
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05
    with pytest.raises(IndexError, match="50"):
        e(ng.tensor([0, 50]))
    with pytest.raises(IndexError, match="-1"):
        e(ng.tensor([-1]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        e(ng.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    pre = nn.Embedding.from_pretrained(ng.ones(4, 2))
    assert not pre.weight.requires_grad and pre(ng.tensor([3])).shape == (1, 2)


def test_linear_init_distribution_and_errors():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert w.dtype == np.float32 and w.shape == (300, 400)
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.98 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert b.min() >= -bound and b.max() <= bound
    assert nn.Linear(3, 2, dtype=ng.float64).weight.dtype == ng.float64
    with pytest.raises(RuntimeError, match="784 features but weight expects 128"):
        nn.Linear(128, 10)(ng.zeros(64, 784))
    ng.manual_seed(3)
    a = nn.Linear(4, 4).weight.detach().numpy().copy()
    ng.manual_seed(3)
    np.testing.assert_array_equal(a, nn.Linear(4, 4).weight.detach().numpy())


def test_batchnorm_running_stats_and_errors():
    bn, tbn = nn.BatchNorm1d(4, momentum=None), torch.nn.BatchNorm1d(4, momentum=None)
    _sync(bn, tbn, ng.float64)
    for k in range(3):
        x = rng.standard_normal((5, 4)) * (k + 1) + k
        bn(ng.tensor(x)), tbn(torch.from_numpy(x))
    assert bn.num_batches_tracked.item() == 3 and bn.num_batches_tracked.dtype == ng.int64
    np.testing.assert_allclose(bn.running_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(ng.zeros(1, 4, dtype=ng.float64))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(ng.zeros(2, 4, 3, 1, dtype=ng.float64))
    bn.eval()
    assert bn(ng.zeros(1, 4, dtype=ng.float64)).shape == (1, 4)
    sd = bn.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_dropout_module():
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)
    d = nn.Dropout(0.25)
    x = ng.ones(200, 100, requires_grad=True)
    y = d(x)
    v = y.detach().numpy()
    assert set(np.unique(v)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((v == 0).mean() - 0.25) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # d/dx = mask * scale = y for x = 1
    d.eval()
    assert d(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).detach().numpy(), 0)
    ng.manual_seed(7)
    a = nn.Dropout()(ng.ones(50)).numpy().copy()
    ng.manual_seed(7)
    np.testing.assert_array_equal(a, nn.Dropout()(ng.ones(50)).numpy())
    z = ng.ones(1000)
    out = nn.Dropout(0.5, inplace=True)(z)
    assert out is z and (z.numpy() == 0).any() and z._version[0] > 0


F = nn.functional
GRADCHECK = [
    ("linear", lambda x, w, b: F.linear(x, w, b), [(2, 3, 4), (3, 4), (3,)]),
    ("linear_nobias", lambda x, w: F.linear(x, w), [(5, 4), (3, 4)]),
    ("batchnorm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(5, 3), (3,), (3,)]),
    ("batchnorm_3d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3, 2), (3,), (3,)]),
    ("batchnorm_eval", lambda x, w, b: F.batch_norm(x, ng.tensor(np.arange(3.0)), ng.tensor(np.arange(1.0, 4.0)), w, b),
     [(4, 3, 2), (3,), (3,)]),
    ("layernorm", lambda x, w, b: F.layer_norm(x, (2, 3), w, b), [(4, 2, 3), (2, 3), (2, 3)]),
    ("layernorm_plain", lambda x: F.layer_norm(x, (3,)), [(4, 3)]),
    ("dropout", lambda x: (ng.manual_seed(5), F.dropout(x, 0.3))[1], [(4, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck_layers(name, fn, shapes):
    inputs = [ng.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)


def test_gradcheck_embedding():
    e = nn.Embedding(5, 3).double()  # (padding_idx zeroes a gradient on purpose: not a true derivative)
    idx = ng.tensor([[1, 0, 3], [3, 3, 4]])
    w = ng.tensor(e.weight.detach().numpy().copy(), requires_grad=True)
    assert gradcheck(lambda w: nn.functional.embedding(idx, w), (w,))
