"""Activations, distances and their nn Modules beyond what the registry's sample table covers:
Modules (construction, repr, forward vs the functional form, PReLU's learned weight, RReLU's
training randomness), integer and float16 inputs, in-place forms, warnings, and gradients at
special points checked against PyTorch on inputs long enough for PyTorch's vectorised kernels."""
import warnings

import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F

NAN, INF = float("nan"), float("inf")
SPECIAL = [NAN, 0.0, -0.0, INF, -INF, 6.0, -3.0, 3.0, 0.5, -0.5, 1e-300, 800.0, -800.0, 2.5, -2.5, 0.25]


def _torch():
    return pytest.importorskip("torch")


# ---- every elementwise activation, values and gradients at special points, vs PyTorch -------------------
ELEMENTWISE = {
    "celu": lambda F_, x: F_.celu(x, 0.5),
    "celu_alpha_3": lambda F_, x: F_.celu(x, 3.0),
    "selu": lambda F_, x: F_.selu(x),
    "relu6": lambda F_, x: F_.relu6(x),
    "hardtanh": lambda F_, x: F_.hardtanh(x, -3.0, 0.5),
    "hardswish": lambda F_, x: F_.hardswish(x),
    "logsigmoid": lambda F_, x: F_.logsigmoid(x),
    "mish": lambda F_, x: F_.mish(x),
    "softsign": lambda F_, x: F_.softsign(x),
    "tanhshrink": lambda F_, x: F_.tanhshrink(x),
    "softshrink": lambda F_, x: F_.softshrink(x, 0.5),
    "hardshrink": lambda F_, x: F_.hardshrink(x, 0.5),
    "threshold": lambda F_, x: F_.threshold(x, 0.5, -7.0),
    "rrelu_eval": lambda F_, x: F_.rrelu(x, 0.1, 0.3),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@pytest.mark.parametrize("length", [16, 48])
def test_special_values_and_gradients_match_torch(name, length):
    torch = _torch()
    values = (SPECIAL * 3)[:length]
    results = []
    for m in (numbagrad, torch):
        x = m.tensor(values, dtype=m.float64, requires_grad=True)
        y = ELEMENTWISE[name](m.nn.functional, x)
        up = m.tensor(np.linspace(0.5, 2.0, length), dtype=m.float64)
        y.backward(up)
        results.append((y.detach().numpy(), x.grad.numpy()))
    (y_ng, g_ng), (y_th, g_th) = results
    np.testing.assert_allclose(y_ng, y_th, rtol=1e-12, atol=0, err_msg=f"{name} values")
    # celu with alpha 3: PyTorch rounds 1/alpha to float32 in the gradient (relative 1e-8)
    np.testing.assert_allclose(g_ng, g_th, rtol=1e-7 if name == "celu_alpha_3" else 1e-12, atol=0,
                               err_msg=f"{name} gradient")


def test_hardsigmoid_gradient_inside_the_ramp_is_exact_one_sixth():
    """PyTorch rounds 1/6 to float32 even for float64; numbagrad's float64 gradient is exact."""
    torch = _torch()
    x = numbagrad.tensor([-2.0, 0.0, 1.5], dtype=numbagrad.float64, requires_grad=True)
    F.hardsigmoid(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 1.0 / 6.0))
    t = torch.tensor([-2.0, 0.0, 1.5], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.hardsigmoid(t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-7)


def test_no_numpy_warning_reaches_the_user():
    x = numbagrad.tensor(SPECIAL, dtype=numbagrad.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in ELEMENTWISE.values():
            y = fn(F, x)
            y.backward(numbagrad.ones(len(SPECIAL), dtype=numbagrad.float64))
        F.glu(x, 0).sum().backward()
        numbagrad.linalg.vector_norm(x, 0.5).backward()
        numbagrad.cdist(x.reshape(4, 4), x.reshape(4, 4), 0.3).sum().backward()
        F.cosine_similarity(x.reshape(4, 4), x.reshape(4, 4)).sum().backward()


# ---- dtypes ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softsign", "tanhshrink"])
def test_integer_input_gives_the_default_float(name):
    torch = _torch()
    values = [-4, 0, 2, 7]
    ng = getattr(F, name)(numbagrad.tensor(values))
    th = getattr(torch.nn.functional, name)(torch.tensor(values))
    assert ng.dtype == numbagrad.float32
    np.testing.assert_allclose(ng.numpy(), th.numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", [lambda F_, x: F_.relu6(x), lambda F_, x: F_.hardtanh(x, -1.5, 2.5),
                                lambda F_, x: F_.threshold(x, 1.5, -2.5)], ids=["relu6", "hardtanh", "threshold"])
def test_integer_clamps_keep_the_dtype_like_torch(fn):
    torch = _torch()
    values = [-4, -1, 0, 1, 2, 3, 7]
    ng = fn(F, numbagrad.tensor(values))
    th = fn(torch.nn.functional, torch.tensor(values))
    assert ng.dtype == numbagrad.int64
    np.testing.assert_array_equal(ng.numpy(), th.numpy())


def test_float16_is_computed_in_float32_and_rounded():
    x = numbagrad.tensor([-2.0, -0.5, 0.25, 3.0], dtype=numbagrad.float16, requires_grad=True)
    y = F.mish(x)
    assert y.dtype == numbagrad.float16
    ref = numbagrad.tensor([-2.0, -0.5, 0.25, 3.0], dtype=numbagrad.float32)
    np.testing.assert_allclose(y.detach().numpy().astype(np.float32),
                               F.mish(ref).numpy().astype(np.float16).astype(np.float32))
    y.sum().backward()
    assert x.grad.dtype == numbagrad.float16


# ---- in-place forms ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [lambda x: F.celu_(x), lambda x: F.selu_(x), lambda x: F.hardtanh_(x),
                                  lambda x: F.threshold_(x, 0.0, 1.0), lambda x: F.rrelu_(x),
                                  lambda x: F.relu6(x, inplace=True), lambda x: F.mish(x, inplace=True),
                                  lambda x: numbagrad.celu_(x), lambda x: numbagrad.threshold_(x, 0.0, 1.0)])
def test_inplace_forms_write_into_the_tensor_and_refuse_leaves(call):
    x = numbagrad.tensor([-2.0, 0.5, 3.0])
    out = call(x)
    assert out is x
    leaf = numbagrad.tensor([-2.0, 0.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        call(leaf)


def test_inplace_activation_gradient_flows_through_the_graph():
    torch = _torch()
    grads = []
    for m in (numbagrad, torch):
        x = m.tensor([-2.0, -0.5, 0.5, 4.0], dtype=m.float64, requires_grad=True)
        y = x * 2
        m.nn.functional.hardswish(y, inplace=True)
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


# ---- rrelu, prelu -----------------------------------------------------------------------------------------
def test_rrelu_training_draws_slopes_in_range_and_backward_uses_them():
    numbagrad.manual_seed(3)
    x = numbagrad.tensor(-np.linspace(0.5, 3.0, 200), dtype=numbagrad.float64, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = (y / x).detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and np.unique(slopes).size > 100
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-12)
    numbagrad.manual_seed(3)
    again = F.rrelu(x.detach(), 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())


def test_rrelu_positive_inputs_pass_unchanged_in_training():
    x = numbagrad.tensor([0.5, 2.0, 1e-9], requires_grad=True)
    y = F.rrelu(x, training=True)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3, np.float32))


def test_rrelu_uses_a_given_generator():
    g = numbagrad.Generator().manual_seed(7)
    a = numbagrad.rrelu(-numbagrad.ones(50), training=True, generator=g)
    g.manual_seed(7)
    b = numbagrad.rrelu(-numbagrad.ones(50), training=True, generator=g)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_prelu_module_learns_one_slope_per_channel_like_torch():
    torch = _torch()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5))
    up = rng.standard_normal((4, 3, 5))
    results = []
    for m in (numbagrad, torch):
        layer = m.nn.PReLU(3, init=0.1).double()
        inp = m.tensor(x, requires_grad=True)
        out = layer(inp)
        out.backward(m.tensor(up))
        results.append((out.detach().numpy(), inp.grad.numpy(), layer.weight.grad.numpy()))
        assert tuple(layer.weight.shape) == (3,)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"


# ---- Modules -----------------------------------------------------------------------------------------------
MODULES = [
    ("CELU", (0.5,), lambda x: F.celu(x, 0.5)), ("SELU", (), F.selu), ("ReLU6", (), F.relu6),
    ("Hardtanh", (-0.5, 2.0), lambda x: F.hardtanh(x, -0.5, 2.0)), ("Hardsigmoid", (), F.hardsigmoid),
    ("Hardswish", (), F.hardswish), ("LogSigmoid", (), F.logsigmoid), ("Mish", (), F.mish),
    ("Softsign", (), F.softsign), ("Tanhshrink", (), F.tanhshrink), ("Softshrink", (0.3,), lambda x: F.softshrink(x, 0.3)),
    ("Hardshrink", (0.3,), lambda x: F.hardshrink(x, 0.3)), ("Threshold", (0.1, 20.0), lambda x: F.threshold(x, 0.1, 20.0)),
    ("GLU", (0,), lambda x: F.glu(x, 0)), ("Softmin", (1,), lambda x: F.softmin(x, 1)),
    ("RReLU", (0.1, 0.3), lambda x: F.rrelu(x, 0.1, 0.3)),
]


@pytest.mark.parametrize("name,args,functional", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_functional_and_torch_repr(name, args, functional):
    x = numbagrad.tensor(np.random.default_rng(1).standard_normal((4, 6)))
    layer = getattr(nn, name)(*args)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), functional(x).numpy())
    assert list(layer.parameters()) == []
    torch = pytest.importorskip("torch")
    assert repr(layer) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("name,kwargs", [("CELU", {"inplace": True}), ("SELU", {"inplace": True}),
                                         ("ReLU6", {"inplace": True}), ("Mish", {"inplace": True}),
                                         ("Hardtanh", {"min_val": -2.0, "inplace": True}),
                                         ("Threshold", {"threshold": 0.0, "value": 1.0, "inplace": True}),
                                         ("RReLU", {"inplace": True}), ("Softmin", {}),
                                         ("CosineSimilarity", {"dim": 0, "eps": 0.1}),
                                         ("PairwiseDistance", {"p": 1.0, "keepdim": True})])
def test_module_repr_matches_torch(name, kwargs):
    torch = _torch()
    assert repr(getattr(nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))


def test_distance_modules_match_functional():
    rng = np.random.default_rng(2)
    a, b = (numbagrad.tensor(rng.standard_normal((3, 5))) for _ in range(2))
    np.testing.assert_array_equal(nn.CosineSimilarity(dim=0)(a, b).numpy(),
                                  F.cosine_similarity(a, b, dim=0).numpy())
    np.testing.assert_array_equal(nn.PairwiseDistance(p=3.0, keepdim=True)(a, b).numpy(),
                                  F.pairwise_distance(a, b, 3.0, keepdim=True).numpy())


def test_rrelu_module_is_random_in_training_and_fixed_in_eval():
    layer = nn.RReLU(0.1, 0.3)
    x = -numbagrad.ones(100)
    numbagrad.manual_seed(0)
    train = layer(x).numpy()
    assert np.unique(train).size > 50
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), np.full(100, -0.2, np.float32), rtol=1e-6)


def test_hardtanh_module_refuses_inverted_bounds():
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.warns(FutureWarning, match="min_value"):
        assert nn.Hardtanh(min_value=-2.0).min_val == -2.0


def test_softmin_without_dim_warns_and_picks_torchs_dim():
    torch = _torch()
    x = np.random.default_rng(3).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        ng = F.softmin(numbagrad.tensor(x))
    with pytest.warns(UserWarning):
        th = torch.nn.functional.softmin(torch.tensor(x))
    np.testing.assert_allclose(ng.numpy(), th.numpy(), rtol=1e-12)


# ---- norms and distances: behaviour beyond the table ------------------------------------------------------------
def test_vector_norm_of_order_zero_leaves_no_gradient_as_torch():
    x = numbagrad.tensor([1.0, 0.0, -2.0], requires_grad=True)
    y = numbagrad.linalg.vector_norm(x, 0)
    assert y.item() == 2.0 and y.requires_grad
    y.backward()
    assert x.grad is None


@pytest.mark.parametrize("coincident", [False, True])
def test_cdist_paths_agree_with_torch(coincident):
    """Coincident points (distance 0) are checked on the direct paths only: through the GEMM
    the distance there is rounding noise in both libraries."""
    torch = _torch()
    rng = np.random.default_rng(4)
    a = rng.standard_normal((30, 3))
    b = np.concatenate([a[:5] if coincident else rng.standard_normal((5, 3)), rng.standard_normal((4, 3))])
    for p, mode in [(2.0, "use_mm_for_euclid_dist_if_necessary"), (2.0, "donot_use_mm_for_euclid_dist"),
                    (1.0, None), (0.5, None), (3.0, None), (INF, None), (0.0, None)]:
        if coincident and mode == "use_mm_for_euclid_dist_if_necessary":
            continue
        kwargs = {"compute_mode": mode} if mode else {}
        results = []
        for m in (numbagrad, torch):
            x1, x2 = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
            d = m.cdist(x1, x2, p, **kwargs)
            d.backward(m.tensor(np.linspace(-1, 1, d.numel()).reshape(tuple(d.shape))))
            results.append((d.detach().numpy(), x1.grad.numpy(), x2.grad.numpy()))
        for k, (u, v) in enumerate(zip(*results)):
            np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-7, err_msg=f"cdist p={p} {mode} output {k}")


def test_cosine_similarity_zero_vectors_and_broadcasting_match_torch():
    torch = _torch()
    a = [[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]]
    b = [[1.0, 0.0, 0.0]]
    results = []
    for m in (numbagrad, torch):
        x1 = m.tensor(a, dtype=m.float64, requires_grad=True)
        x2 = m.tensor(b, dtype=m.float64, requires_grad=True)
        y = m.cosine_similarity(x1, x2, dim=1)
        y.backward(m.tensor([1.0, -2.0], dtype=m.float64))
        results.append((y.detach().numpy(), x1.grad.numpy(), x2.grad.numpy()))
    for u, v in zip(*results):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-300)


def test_normalize_out_writes_without_a_graph():
    x = numbagrad.tensor([[3.0, 4.0]], requires_grad=True)
    out = numbagrad.empty(0)
    result = F.normalize(x, out=out)
    assert result is out and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8]], rtol=1e-6)


def test_matrix_norm_spectral_gradient_matches_torch_batched():
    torch = _torch()
    a = np.random.default_rng(5).standard_normal((2, 4, 3))
    for ord_ in ("nuc", 2, -2, "fro", 1, -1, INF, -INF):
        grads = []
        for m in (numbagrad, torch):
            x = m.tensor(a, requires_grad=True)
            y = m.linalg.matrix_norm(x, ord_)
            y.backward(m.tensor([1.0, -0.5], dtype=m.float64))
            grads.append((y.detach().numpy(), x.grad.numpy()))
        np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10, err_msg=str(ord_))
        np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-8, atol=1e-12, err_msg=str(ord_))


def test_matrix_norm_of_empty_matrices_is_zero_like_torch():
    torch = _torch()
    for shape in [(0, 3), (3, 0)]:
        for ord_ in ("fro", "nuc", 2, 1, INF):
            ng = numbagrad.linalg.matrix_norm(numbagrad.ones(*shape), ord_)
            th = torch.linalg.matrix_norm(torch.ones(*shape), ord_)
            assert tuple(ng.shape) == tuple(th.shape)
            np.testing.assert_array_equal(ng.numpy(), th.numpy())
