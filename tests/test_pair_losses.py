"""The ranking and likelihood losses and their Modules against PyTorch: every reduction, the
legacy size_average/reduce arguments, gradients of every differentiable argument (targets and
variances included), edge values (zero targets, zero variances, zero vectors), warnings."""
import warnings

import numpy as np
import pytest

import numbagrad

NAN = float("nan")


def _torch():
    return pytest.importorskip("torch")


def _compare(make_loss, arrays, grad=None, rtol=1e-10):
    """make_loss(m, *tensors) in both libraries; the loss and the gradient of each input agree."""
    torch = _torch()
    grad = grad or [True] * len(arrays)
    results = []
    for m in (numbagrad, torch):
        inputs = [m.tensor(a, requires_grad=g) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else
                  (m.tensor(a) if isinstance(a, np.ndarray) else a) for a, g in zip(arrays, grad)]
        loss = make_loss(m, *inputs)
        loss.backward(m.tensor(np.linspace(0.5, 1.5, loss.numel()).reshape(tuple(loss.shape)), dtype=loss.dtype))
        results.append([loss.detach().numpy()] + [t.grad.numpy() if isinstance(t, m.Tensor) and t.grad is not None
                                                  else None for t in inputs])
    for k, (a, b) in enumerate(zip(*results)):
        if b is None:
            assert a is None, f"input {k - 1}: numbagrad has a gradient, PyTorch none"
            continue
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=f"output {k}")


RNG = np.random.default_rng(0)
X, Y, Z = (RNG.standard_normal((4, 3)) for _ in range(3))
SIGNS = np.array([1.0, -1.0, -1.0, 1.0])
REDUCTIONS = ["none", "mean", "sum"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_matches_torch(reduction):
    _compare(lambda m, a, b, y: m.nn.MarginRankingLoss(0.3, reduction=reduction)(a, b, y),
             [X[:, 0], Y[:, 0], SIGNS])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4, -0.5])
def test_cosine_embedding_matches_torch(reduction, margin):
    target = np.array([1.0, -1.0, 0.0, -1.0])  # 0: neither similar nor dissimilar, loss 0
    x1 = X.copy()
    x1[1] = 0.0  # a zero vector
    # the gradient at the zero vector is ~1/sqrt(1e-12): compared to 1e-7
    _compare(lambda m, a, b, y: m.nn.CosineEmbeddingLoss(margin, reduction=reduction)(a, b, y), [x1, Y, target],
             grad=[True, True, False], rtol=1e-7)


def test_cosine_embedding_accepts_integer_targets():
    _compare(lambda m, a, b, y: m.nn.functional.cosine_embedding_loss(a, b, y), [X, Y, np.array([1, -1, 1, -1])],
             grad=[True, True, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, True), (3.0, True), (float("inf"), False)])
def test_triplet_margin_matches_torch(reduction, p, swap):
    _compare(lambda m, a, b, c: m.nn.TripletMarginLoss(margin=1.5, p=p, swap=swap, reduction=reduction)(a, b, c),
             [X, Y, Z])


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch_including_zero_targets(reduction, log_target):
    target = np.abs(Y)
    target[0, 0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _compare(lambda m, x, t: m.nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, t),
                 [X, target if not log_target else Y])


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        numbagrad.nn.functional.kl_div(numbagrad.zeros(2, 2), numbagrad.ones(2, 2))


@pytest.mark.parametrize("log_input,full", [(True, False), (True, True), (False, False), (False, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_matches_torch(log_input, full, reduction):
    counts = np.array([[0.0, 1.0, 3.0], [2.0, 5.0, 0.5], [1.5, 0.0, 7.0], [4.0, 1.0, 2.0]])
    inputs = X if log_input else np.abs(X) + 0.1
    _compare(lambda m, x, t: m.nn.PoissonNLLLoss(log_input=log_input, full=full, reduction=reduction)(x, t),
             [inputs, counts], grad=[True, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3)])
def test_gaussian_nll_matches_torch_with_variance_gradients(reduction, var_shape):
    var = np.abs(RNG.standard_normal(var_shape)) + 0.1
    var.reshape(-1)[0] = 1e-9  # below eps: clamped outside the graph
    _compare(lambda m, x, t, v: m.nn.GaussianNLLLoss(full=True, reduction=reduction)(x, t, v), [X, Y, var])


def test_gaussian_nll_takes_a_float_variance():
    _compare(lambda m, x, t: m.nn.functional.gaussian_nll_loss(x, t, 0.5), [X, Y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_matches_torch_with_weights(reduction):
    labels = (RNG.random((4, 3)) < 0.5).astype(np.float64)
    weight = np.array([0.5, 2.0, 1.0])
    _compare(lambda m, x, t: m.nn.MultiLabelSoftMarginLoss(weight=m.tensor(weight), reduction=reduction)(x, t),
             [X * 30, labels], grad=[True, False])


@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_legacy_size_average_and_reduce_match_torch(size_average, reduce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(lambda m, a, b, y: m.nn.functional.margin_ranking_loss(a, b, y, size_average=size_average,
                                                                        reduce=reduce), [X[:, 0], Y[:, 0], SIGNS])
        _compare(lambda m, x, t: m.nn.functional.poisson_nll_loss(x, t, size_average=size_average, reduce=reduce),
                 [X, np.abs(Y)], grad=[True, False])


@pytest.mark.parametrize("name,args", [("KLDivLoss", {}), ("PoissonNLLLoss", {"full": True}),
                                       ("GaussianNLLLoss", {"eps": 0.1}), ("MultiLabelSoftMarginLoss", {}),
                                       ("MarginRankingLoss", {"margin": 0.5}), ("CosineEmbeddingLoss", {}),
                                       ("TripletMarginLoss", {"swap": True})])
def test_modules_repr_and_reduction_checks(name, args):
    torch = _torch()
    assert repr(getattr(numbagrad.nn, name)(**args)) == repr(getattr(torch.nn, name)(**args))
    with pytest.raises(ValueError):
        getattr(numbagrad.nn, name)(reduction="avg")
    assert getattr(numbagrad.nn, name)(reduction="sum").reduction == "sum"


def test_kldivloss_module_accepts_batchmean():
    loss = numbagrad.nn.KLDivLoss(reduction="batchmean")
    x = numbagrad.tensor([[-1.0, -2.0]])
    t = numbagrad.tensor([[0.5, 0.5]])
    expected = float(np.sum(0.5 * np.log(0.5) - np.array([0.5, 0.5]) * np.array([-1.0, -2.0])))
    np.testing.assert_allclose(loss(x, t).item(), expected, rtol=1e-6)


def test_triplet_module_refuses_non_positive_margin():
    with pytest.raises(ValueError, match="margin"):
        numbagrad.nn.TripletMarginLoss(margin=0.0)


def test_losses_refuse_non_tensors():
    F = numbagrad.nn.functional
    with pytest.raises(TypeError, match="must be Tensor"):
        F.kl_div([1.0], numbagrad.ones(1))
    with pytest.raises(TypeError, match="must be Tensor"):
        F.margin_ranking_loss(numbagrad.ones(1), numbagrad.ones(1), 1.0)
