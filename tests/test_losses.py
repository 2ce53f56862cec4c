"""Losses against PyTorch: every reduction and option, values and gradients; label and shape
errors; gradcheck in float64."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn as nn
import numbagrad.nn.functional as F
from numbagrad.autograd.gradcheck import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]
TOL = {np.float64: dict(rtol=1e-7, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-6)}


def _run(ours_fn, torch_fn, arrays, grad_idx, dtype=np.float64):
    """Evaluate both on the same arrays; compare value and gradients of the inputs in grad_idx."""
    ours_in, torch_in = [], []
    for i, a in enumerate(arrays):
        if a is None:
            ours_in.append(None), torch_in.append(None)
            continue
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        ours_in.append(ng.tensor(a, requires_grad=i in grad_idx))
        torch_in.append(torch.tensor(a, requires_grad=i in grad_idx))
    out, tout = ours_fn(*ours_in), torch_fn(*torch_in)
    tol = TOL[dtype]
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    if not grad_idx:
        return
    g = np.random.default_rng(2).uniform(0.5, 1.5, out.shape).astype(dtype)
    out.backward(ng.tensor(g))
    tout.backward(torch.from_numpy(g))
    for i in grad_idx:
        np.testing.assert_allclose(ours_in[i].grad.numpy(), torch_in[i].grad.numpy(), **tol)


rng = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"ignore_index": 1}, {"label_smoothing": 0.2},
                                  {"weight": True, "ignore_index": 2, "label_smoothing": 0.1}],
                         ids=["plain", "weight", "ignore", "smooth", "all"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (2, 4, 3, 2), (4,)], ids=["2d", "3d", "4d", "unbatched"])
def test_cross_entropy_indices(shape, opts, reduction, dtype):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = rng.standard_normal(shape) * 3
    t_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, c, t_shape).astype(np.int64)
    w = rng.uniform(0.2, 2.0, c) if opts.get("weight") else None
    kw = {k: v for k, v in opts.items() if k != "weight"}
    _run(lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=reduction, **kw),
         lambda x, t, w: TF.cross_entropy(x, t, weight=w, reduction=reduction, **kw),
         [x, t, w], grad_idx=[0], dtype=dtype)
    mod = nn.CrossEntropyLoss(weight=None if w is None else ng.tensor(w.astype(dtype)), reduction=reduction, **kw)
    tmod = torch.nn.CrossEntropyLoss(weight=None if w is None else torch.tensor(w.astype(dtype)), reduction=reduction, **kw)
    _run(mod, tmod, [x, t], grad_idx=[0], dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"label_smoothing": 0.3}])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
def test_cross_entropy_probabilities(shape, opts, reduction):
    x = rng.standard_normal(shape)
    y = rng.uniform(0, 1, shape)
    y /= y.sum(axis=1, keepdims=True)
    w = rng.uniform(0.5, 2, shape[1]) if opts.get("weight") else None
    kw = {k: v for k, v in opts.items() if k != "weight"}
    _run(lambda x, y, w: F.cross_entropy(x, y, weight=w, reduction=reduction, **kw),
         lambda x, y, w: TF.cross_entropy(x, y, weight=w, reduction=reduction, **kw),
         [x, y, w], grad_idx=[0, 1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"ignore_index": 0}])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (4,)])
def test_nll_loss(shape, opts, reduction):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = rng.standard_normal(shape)
    t = rng.integers(0, c, (shape[0],) + shape[2:] if len(shape) > 1 else ()).astype(np.int64)
    w = rng.uniform(0.2, 2.0, c) if opts.get("weight") else None
    kw = {k: v for k, v in opts.items() if k != "weight"}
    _run(lambda x, t, w: F.nll_loss(x, t, weight=w, reduction=reduction, **kw),
         lambda x, t, w: TF.nll_loss(x, t, weight=w, reduction=reduction, **kw), [x, t, w], grad_idx=[0])
    _run(nn.NLLLoss(reduction=reduction, **kw), torch.nn.NLLLoss(reduction=reduction, **kw), [x, t], grad_idx=[0])


PAIRS = [
    ("mse", F.mse_loss, TF.mse_loss, nn.MSELoss, torch.nn.MSELoss, {}),
    ("l1", F.l1_loss, TF.l1_loss, nn.L1Loss, torch.nn.L1Loss, {}),
    ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss, nn.SmoothL1Loss, torch.nn.SmoothL1Loss, {"beta": 0.7}),
    ("smooth_l1_b0", F.smooth_l1_loss, TF.smooth_l1_loss, nn.SmoothL1Loss, torch.nn.SmoothL1Loss, {"beta": 0.0}),
    ("huber", F.huber_loss, TF.huber_loss, nn.HuberLoss, torch.nn.HuberLoss, {"delta": 0.6}),
    ("bce_logits", F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
     nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,f,tf,M,TM,kw", PAIRS, ids=[p[0] for p in PAIRS])
def test_elementwise_losses(name, f, tf, M, TM, kw, reduction, dtype):
    x = rng.standard_normal((4, 5)) * 2
    y = rng.uniform(0, 1, (4, 5)) if "bce" in name else rng.standard_normal((4, 5)) * 2
    _run(lambda a, b: f(a, b, reduction=reduction, **kw), lambda a, b: tf(a, b, reduction=reduction, **kw),
         [x, y], grad_idx=[0, 1], dtype=dtype)
    _run(M(reduction=reduction, **kw), TM(reduction=reduction, **kw), [x, y], grad_idx=[0], dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_and_weights(reduction):
    x = rng.uniform(0.05, 0.95, (4, 3))
    y = (rng.uniform(0, 1, (4, 3)) > 0.5).astype(np.float64)
    w = rng.uniform(0.5, 2, (3,))
    _run(lambda a, b, w: F.binary_cross_entropy(a, b, weight=w, reduction=reduction),
         lambda a, b, w: TF.binary_cross_entropy(a, b, weight=w, reduction=reduction), [x, y, w], grad_idx=[0, 1])
    _run(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), [x, y], grad_idx=[0])
    # log clamped at -100: inputs exactly 0 and 1
    edge = np.array([0.0, 1.0, 0.0, 1.0])
    lab = np.array([1.0, 0.0, 0.0, 1.0])
    _run(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
         lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), [edge, lab], grad_idx=[])
    pw = rng.uniform(0.5, 3, (3,))
    _run(lambda a, b, w, p: F.binary_cross_entropy_with_logits(a, b, weight=w, pos_weight=p, reduction=reduction),
         lambda a, b, w, p: TF.binary_cross_entropy_with_logits(a, b, weight=w, pos_weight=p, reduction=reduction),
         [x * 40 - 20, y, w, pw], grad_idx=[0, 1])


def test_bce_with_logits_is_stable():
    x = ng.tensor([1000.0, -1000.0, 50.0], dtype=ng.float64, requires_grad=True)
    y = ng.tensor([0.0, 1.0, 1.0], dtype=ng.float64)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 1000.0, np.log1p(np.exp(-50.0))])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, -np.exp(-50.0) / (1 + np.exp(-50.0))], rtol=1e-12, atol=1e-15)


def test_mse_broadcast_warns_and_matches_torch():
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((3,))
    with pytest.warns(UserWarning, match="different to the input size"):
        _run(lambda a, b: F.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b), [x, y], grad_idx=[0, 1])
    with pytest.raises(RuntimeError, match="must match the size"):
        with pytest.warns(UserWarning):
            F.mse_loss(ng.zeros(4, 3), ng.zeros(2))


def test_loss_errors():
    x = ng.randn(3, 4)
    for bad in ([0, 1, 5], [0, -3, 1]):
        with pytest.raises(IndexError, match=f"Target {bad[1] if bad[1] < 0 else 5} is out of bounds.*4 classes"):
            F.cross_entropy(x, ng.tensor(bad))
        with pytest.raises(IndexError, match="out of bounds"):
            F.nll_loss(x, ng.tensor(bad))
    F.cross_entropy(x, ng.tensor([0, -100, 1]))  # ignore_index is not a bad label
    with pytest.raises(RuntimeError, match="expected scalar type Long"):
        F.cross_entropy(x, ng.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="Long or Byte"):
        F.cross_entropy(x, ng.tensor([0, 1, 2], dtype=ng.int32))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        F.cross_entropy(x, ng.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="Expected target size"):
        F.cross_entropy(ng.randn(2, 3, 4), ng.tensor([[0, 1, 2], [0, 1, 2]]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(x, ng.tensor([0, 1, 2]), weight=ng.ones(3))
    for fn in (lambda r: nn.CrossEntropyLoss(reduction=r), lambda r: nn.MSELoss(reduction=r),
               lambda r: F.l1_loss(x, x, reduction=r), lambda r: F.cross_entropy(x, ng.tensor([0, 1, 2]), reduction=r)):
        with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
            fn("avg")
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(ng.rand(3, 1), ng.rand(3))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(ng.rand(3, 1), ng.rand(3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ng.tensor([1.5]), ng.tensor([1.0]))


def test_all_ignored_mean_is_nan_like_torch():
    x = ng.randn(2, 3)
    out = F.cross_entropy(x, ng.tensor([-100, -100]))
    tout = TF.cross_entropy(torch.from_numpy(x.numpy()), torch.tensor([-100, -100]))
    assert np.isnan(out.item()) and np.isnan(tout.item())


GRADCHECK = [
    ("ce", lambda x: F.cross_entropy(x, ng.tensor([0, 2, 1]), weight=ng.tensor([0.5, 1.0, 2.0], dtype=ng.float64),
                                     label_smoothing=0.1), [(3, 3)]),
    ("ce_nd", lambda x: F.cross_entropy(x, ng.tensor([[0, 2], [1, 1]]), reduction="none"), [(2, 3, 2)]),
    ("ce_probs", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), [(3, 4), (3, 4)]),
    ("nll", lambda x: F.nll_loss(x, ng.tensor([0, 2, 1]), reduction="sum"), [(3, 3)]),
    ("mse", lambda x, y: F.mse_loss(x, y), [(3, 4), (3, 4)]),
    ("l1", lambda x, y: F.l1_loss(x, y), [(3, 4), (3, 4)]),
    ("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), [(3, 4), (3, 4)]),
    ("huber", lambda x, y: F.huber_loss(x, y, delta=0.5), [(3, 4), (3, 4)]),
    ("bce", lambda x, y: F.binary_cross_entropy(F.sigmoid(x), y), [(3, 4), (3, 4)]),
    ("bce_logits", lambda x, y: F.binary_cross_entropy_with_logits(
        x, y, pos_weight=ng.tensor([1.0, 2.0, 3.0, 0.5], dtype=ng.float64)), [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck_losses(name, fn, shapes):
    inputs = [ng.tensor(rng.uniform(0.1, 0.9, s) if i else rng.standard_normal(s), requires_grad=True)
              for i, s in enumerate(shapes)]
    assert gradcheck(fn, inputs)
