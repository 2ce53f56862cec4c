"""Convolutions (F.conv1d, F.conv2d, F.conv_transpose1d/2d and their layers) against PyTorch in
float64 - values and the gradients of input, weight and bias - over a table of configurations;
gradcheck on small cases; PyTorch's exceptions for bad arguments; the layers' parameters,
initialisation and repr; saved tensors changed in place refused at backward."""
import math

import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F
from numbagrad.ops import conv_arrays
import conv_reference as R

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def _pair_tensors(arrays, grad=True):
    ng = [numbagrad.tensor(a, requires_grad=grad) if a is not None else None for a in arrays]
    th = [torch.tensor(a, requires_grad=grad) if a is not None else None for a in arrays]
    return ng, th


def check_against_torch(call, arrays, rtol=1e-10, atol=1e-12):
    """call(m, *tensors) with m = numbagrad.nn.functional or torch.nn.functional: same values, and
    the same gradient for every input under a random upstream gradient."""
    ng, th = _pair_tensors(arrays)
    out_ng = call(F, *ng)
    out_th = call(torch.nn.functional, *th)
    assert tuple(out_ng.shape) == tuple(out_th.shape)
    assert out_ng.dtype == numbagrad.float64
    np.testing.assert_allclose(out_ng.detach().numpy(), out_th.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(1).standard_normal(tuple(out_th.shape))
    out_ng.backward(numbagrad.tensor(g))
    out_th.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(ng, th)):
        if b is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {i}")


# (name, input shape, weight shape, bias, stride, padding, dilation, groups)
CONV2D = [
    ("basic", (2, 3, 7, 7), (4, 3, 3, 3), True, 1, 0, 1, 1),
    ("batch1_odd", (1, 2, 9, 5), (3, 2, 3, 3), True, 1, 0, 1, 1),
    ("stride2_pad1", (2, 3, 8, 8), (5, 3, 3, 3), True, 2, 1, 1, 1),
    ("stride_pad_dil_tuples", (2, 2, 11, 10), (3, 2, 3, 2), False, (2, 3), (1, 2), (2, 1), 1),
    ("dilation3", (1, 3, 12, 12), (2, 3, 3, 3), True, 1, 2, 3, 1),
    ("one_by_one", (3, 5, 4, 6), (7, 5, 1, 1), True, 1, 0, 1, 1),
    ("one_by_one_strided", (2, 4, 7, 7), (3, 4, 1, 1), True, 2, 1, 1, 1),
    ("seven_by_seven", (1, 2, 13, 11), (3, 2, 7, 7), True, 2, 3, 1, 1),
    ("kernel_equals_input", (2, 3, 4, 5), (2, 3, 4, 5), True, 1, 0, 1, 1),
    ("rectangular_kernel", (2, 3, 6, 9), (4, 3, 1, 5), True, (1, 2), (0, 2), 1, 1),
    ("groups2", (2, 4, 6, 6), (6, 2, 3, 3), True, 1, 1, 1, 2),
    ("groups3_strided", (1, 6, 9, 7), (3, 2, 2, 3), True, (2, 1), 1, (1, 2), 3),
    ("depthwise", (2, 4, 8, 8), (4, 1, 3, 3), True, 1, 1, 1, 4),
    ("depthwise_multiplier", (2, 3, 7, 6), (6, 1, 3, 3), False, 2, 1, 1, 3),
    ("same", (2, 3, 7, 6), (4, 3, 3, 3), True, 1, "same", 1, 1),
    ("same_even_kernel", (2, 3, 7, 6), (4, 3, 4, 2), True, 1, "same", 1, 1),
    ("same_dilated", (1, 2, 9, 9), (2, 2, 3, 2), True, 1, "same", (2, 3), 1),
    ("valid", (2, 3, 7, 6), (4, 3, 3, 3), True, 1, "valid", 1, 1),
    ("even_sizes", (2, 2, 8, 6), (3, 2, 2, 2), True, 2, 0, 1, 1),
    ("pad_larger_than_kernel", (1, 1, 3, 3), (1, 1, 2, 2), True, 1, 3, 1, 1),
    ("unbatched", (3, 6, 6), (2, 3, 3, 3), True, 1, 1, 1, 1),
]


@pytest.mark.parametrize("case", CONV2D, ids=[c[0] for c in CONV2D])
def test_conv2d_matches_torch(case):
    _, xs, ws, bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0]) if bias else None]
    check_against_torch(lambda m, x, w, b: m.conv2d(x, w, b, stride, padding, dilation, groups), arrays)


CONV1D = [
    ("basic", (2, 3, 9), (4, 3, 3), True, 1, 0, 1, 1),
    ("strided_padded_dilated", (2, 2, 15), (3, 2, 3), True, 2, 2, 2, 1),
    ("groups", (1, 4, 8), (4, 2, 2), False, 1, 1, 1, 2),
    ("same", (2, 3, 10), (2, 3, 4), True, 1, "same", 1, 1),
    ("unbatched", (3, 9), (4, 3, 3), True, 1, 0, 1, 1),
]


@pytest.mark.parametrize("case", CONV1D, ids=[c[0] for c in CONV1D])
def test_conv1d_matches_torch(case):
    _, xs, ws, bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0]) if bias else None]
    check_against_torch(lambda m, x, w, b: m.conv1d(x, w, b, stride, padding, dilation, groups), arrays)


# (name, input shape, weight shape, bias, stride, padding, output_padding, groups, dilation)
CONV_T2D = [
    ("basic", (2, 3, 5, 5), (3, 4, 3, 3), True, 1, 0, 0, 1, 1),
    ("stride2_outpad1", (2, 3, 4, 5), (3, 2, 3, 3), True, 2, 1, 1, 1, 1),
    ("groups", (1, 4, 4, 4), (4, 3, 2, 3), True, (2, 1), (1, 0), 0, 2, 1),
    ("outpad_at_least_stride", (2, 2, 4, 4), (2, 3, 3, 3), True, 1, 0, 2, 1, 3),
    ("dilated", (1, 2, 5, 4), (2, 2, 3, 2), False, 2, 2, (1, 0), 1, 2),
    ("unbatched", (3, 4, 4), (3, 2, 3, 3), True, 2, 0, 0, 1, 1),
]


@pytest.mark.parametrize("case", CONV_T2D, ids=[c[0] for c in CONV_T2D])
def test_conv_transpose2d_matches_torch(case):
    _, xs, ws, bias, stride, padding, output_padding, groups, dilation = case
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws),
              rng.standard_normal(ws[1] * groups) if bias else None]
    check_against_torch(lambda m, x, w, b: m.conv_transpose2d(x, w, b, stride, padding, output_padding,
                                                              groups, dilation), arrays)


def test_conv_transpose1d_matches_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 4, 6)), rng.standard_normal((4, 3, 3)), rng.standard_normal(3)]
    check_against_torch(lambda m, x, w, b: m.conv_transpose1d(x, w, b, 3, 1, 2), arrays)


def test_conv2d_without_bias_and_partial_grads():
    # only the weight requires grad: the input gradient is not computed, the weight's is right
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    wn, wt = numbagrad.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    F.conv2d(numbagrad.tensor(x), wn, stride=2).sum().backward()
    torch.nn.functional.conv2d(torch.tensor(x), wt, stride=2).sum().backward()
    np.testing.assert_allclose(wn.grad.numpy(), wt.grad.numpy(), rtol=1e-10)


def test_conv2d_float32_matches_float64():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 9, 9)), rng.standard_normal((5, 3, 3, 3)), rng.standard_normal(5)
    out = {}
    for dtype in (numbagrad.float32, numbagrad.float64):
        ts = [numbagrad.tensor(a, dtype=dtype, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*ts, padding=1)
        assert y.dtype == dtype
        y.square().sum().backward()
        out[dtype] = [y.detach().numpy()] + [t.grad.numpy() for t in ts]
        assert all(a.dtype == dtype.numpy for a in out[dtype])
    for a, b in zip(out[numbagrad.float32], out[numbagrad.float64]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


def test_conv2d_float16_is_computed_in_float32():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    y = F.conv2d(numbagrad.tensor(x).half(), numbagrad.tensor(w).half())
    assert y.dtype == numbagrad.float16
    ref = torch.nn.functional.conv2d(torch.tensor(x).float(), torch.tensor(w).float()).half()
    np.testing.assert_allclose(y.float().numpy(), ref.float().numpy(), rtol=2e-3, atol=2e-3)


def test_conv2d_propagates_nan_and_inf_like_torch():
    x = np.ones((1, 1, 4, 4))
    x[0, 0, 1, 1] = np.nan
    x[0, 0, 3, 3] = np.inf
    w = np.ones((1, 1, 2, 2))
    a = F.conv2d(numbagrad.tensor(x), numbagrad.tensor(w)).numpy()
    b = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w)).numpy()
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_array_equal(a[~np.isnan(a)], b[~np.isnan(b)])


def test_zero_batch_gives_an_empty_result_and_gradient():
    x = numbagrad.zeros(0, 3, 5, 5, requires_grad=True)
    w = numbagrad.ones(2, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert tuple(y.shape) == (0, 2, 5, 5) == tuple(torch.nn.functional.conv2d(
        torch.zeros(0, 3, 5, 5), torch.ones(2, 3, 3, 3), padding=1).shape)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 5, 5)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((2, 3, 3, 3), np.float32))


@pytest.mark.parametrize("direct", [False, True], ids=["gemm", "direct"])
def test_gradcheck(direct):
    rng = np.random.default_rng(3)
    groups = 4 if direct else 1  # 4 channels in 4 groups: the direct loops
    x = numbagrad.tensor(rng.standard_normal((2, 4, 5, 4)), requires_grad=True)
    w = numbagrad.tensor(rng.standard_normal((4, 4 // groups, 3, 2)), requires_grad=True)
    b = numbagrad.tensor(rng.standard_normal(4), requires_grad=True)
    assert conv_arrays.use_gemm(4, 4, groups) is not direct
    assert numbagrad.autograd.gradcheck(
        lambda x, w, b: F.conv2d(x, w, b, (2, 1), (1, 2), (1, 2), groups), (x, w, b))
    assert numbagrad.autograd.gradcheck(
        lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, groups), (x, w, b))


def test_second_backward_recomputes_the_columns():
    # the GEMM path reuses the forward's im2col buffer for the input gradient; retain_graph must
    # still give the same gradients the second time
    rng = np.random.default_rng(0)
    x = numbagrad.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = numbagrad.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y = F.conv2d(x, w, padding=1).sum()
    y.backward(retain_graph=True)
    first = (x.grad.numpy().copy(), w.grad.numpy().copy())
    x.grad = w.grad = None
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), first[0])
    np.testing.assert_array_equal(w.grad.numpy(), first[1])


def test_input_changed_in_place_before_backward_raises():
    x = numbagrad.ones(1, 2, 5, 5, requires_grad=True) * 1.0
    w = numbagrad.ones(3, 2, 3, 3, requires_grad=True)
    y = F.conv2d(x, w)
    x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_weight_changed_in_place_before_backward_raises():
    x = numbagrad.ones(1, 2, 5, 5, requires_grad=True)
    w = numbagrad.ones(3, 2, 3, 3, requires_grad=True)
    y = F.conv2d(x, w)
    with numbagrad.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_non_contiguous_inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 6, 3)).transpose(0, 3, 1, 2)  # NHWC memory
    w = rng.standard_normal((4, 3, 3, 3))[:, :, ::-1, :]
    check_against_torch(lambda m, x, w: m.conv2d(x, w, padding=1), [x, np.ascontiguousarray(w)])
    a = F.conv2d(numbagrad.tensor(x), numbagrad.tensor(w)).numpy()
    np.testing.assert_allclose(a, R.conv2d(x, w, None, 1, (1, 1, 0, 0, 1, 1)), rtol=1e-12)


# ---- errors, as PyTorch ------------------------------------------------------------------------
def _x(m, *shape):
    return m.ones(*shape)


# The F. functions' errors as PyTorch are the error cases of their registry entries
# (numbagrad/ops/convolution.py); here the layers'.
ERRORS = [
    ("layer_groups_in", lambda m: m.nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible"),
    ("layer_groups_out", lambda m: m.nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible"),
    ("layer_groups_zero", lambda m: m.nn.Conv2d(4, 4, 3, groups=0), ValueError, "positive integer"),
    ("layer_padding_mode", lambda m: m.nn.Conv2d(4, 4, 3, padding_mode="foo"), ValueError, "padding_mode must be one of"),
    ("layer_same_strided", lambda m: m.nn.Conv2d(4, 4, 3, stride=2, padding="same"), ValueError, "strided"),
    ("layer_bad_padding_string", lambda m: m.nn.Conv2d(4, 4, 3, padding="full"), ValueError, "Invalid padding string"),
    ("layer_wrong_channels", lambda m: m.nn.Conv2d(4, 4, 3)(_x(m, 1, 3, 5, 5)), RuntimeError, "to have 4 channels"),
    ("transpose_layer_padding_mode", lambda m: m.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), ValueError,
     "zeros"),
    ("transpose_layer_output_size", lambda m: m.nn.ConvTranspose2d(2, 2, 3, stride=2)(_x(m, 1, 2, 4, 4), output_size=(20, 20)),
     ValueError, "requested an output size of"),
]


@pytest.mark.parametrize("call,error,match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(call, error, match):
    with pytest.raises(error, match=match):
        call(numbagrad)
    with pytest.raises(error):
        call(torch)


# ---- layers ------------------------------------------------------------------------------------
def test_conv2d_layer_parameters_and_initialisation():
    numbagrad.manual_seed(0)
    layer = nn.Conv2d(16, 32, (3, 5), bias=True)
    assert tuple(layer.weight.shape) == (32, 16, 3, 5) and tuple(layer.bias.shape) == (32,)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    bound = 1 / math.sqrt(16 * 3 * 5)  # kaiming_uniform_(a=sqrt(5)) and the bias: U(-b, b)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.dtype == np.float32
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
        assert abs(values.std() - bound / math.sqrt(3)) < 0.15 * bound
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3) == tuple(torch.nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape)
    assert nn.Conv1d(2, 3, 4, bias=False).bias is None
    assert nn.Conv2d(2, 3, 3, dtype=numbagrad.float64).weight.dtype == numbagrad.float64


@pytest.mark.parametrize("make", [
    lambda m: m.nn.Conv2d(3, 8, 3),
    lambda m: m.nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, dilation=2, groups=1, bias=False),
    lambda m: m.nn.Conv2d(4, 8, 3, padding="same", groups=4, padding_mode="reflect"),
    lambda m: m.nn.Conv1d(3, 6, 5, padding=2, padding_mode="circular"),
    lambda m: m.nn.ConvTranspose2d(3, 6, 3, stride=2, output_padding=1),
    lambda m: m.nn.ConvTranspose1d(3, 6, 3),
])
def test_layer_repr_matches_torch(make):
    assert repr(make(numbagrad)) == repr(make(torch))


def _copy_params(ng_layer, th_layer):
    with numbagrad.no_grad():
        for (name, p), (_, q) in zip(ng_layer.named_parameters(), th_layer.named_parameters()):
            p.copy_(numbagrad.tensor(q.detach().numpy()))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_layer_padding_modes_match_torch(mode, padding):
    th = torch.nn.Conv2d(2, 3, 3, padding=padding, padding_mode=mode).double()
    ng = nn.Conv2d(2, 3, 3, padding=padding, padding_mode=mode, dtype=numbagrad.float64)
    _copy_params(ng, th)
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 5))
    xn, xt = numbagrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a, b = ng(xn), th(xt)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    a.square().sum().backward()
    b.square().sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ng.weight.grad.numpy(), th.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv1d_layer_padding_mode_matches_torch():
    th = torch.nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect").double()
    ng = nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect", dtype=numbagrad.float64)
    _copy_params(ng, th)
    x = np.random.default_rng(0).standard_normal((2, 2, 7))
    np.testing.assert_allclose(ng(numbagrad.tensor(x)).detach().numpy(),
                               th(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_conv_transpose_layer_output_size():
    th = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    ng = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=numbagrad.float64)
    _copy_params(ng, th)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    for size in (None, (8, 8), (7, 8), (1, 3, 8, 7)):
        a = ng(numbagrad.tensor(x), output_size=size)
        b = th(torch.tensor(x), output_size=size)
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_state_dict_keys_match_torch():
    def net(m):
        return m.nn.Sequential(m.nn.Conv2d(1, 4, 3), m.nn.BatchNorm2d(4), m.nn.ReLU(),
                               m.nn.MaxPool2d(2), m.nn.Conv2d(4, 2, 3, bias=False), m.nn.Flatten())
    a, b = net(numbagrad).state_dict(), net(torch).state_dict()
    assert list(a) == list(b)
    assert all(tuple(a[k].shape) == tuple(b[k].shape) for k in a)
