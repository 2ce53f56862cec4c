"""F.interpolate / nn.Upsample, F.unfold / F.fold (nn.Unfold, nn.Fold), F.group_norm /
nn.GroupNorm against PyTorch in float64: values and input gradients; errors as PyTorch."""
import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F

torch = pytest.importorskip("torch")


def check(call, *arrays):
    ng = [numbagrad.tensor(a, requires_grad=True) for a in arrays]
    th = [torch.tensor(a, requires_grad=True) for a in arrays]
    a, b = call(F, *ng), call(torch.nn.functional, *th)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-13)
    g = np.random.default_rng(2).standard_normal(tuple(b.shape))
    a.backward(numbagrad.tensor(g))
    b.backward(torch.tensor(g))
    for p, q in zip(ng, th):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-11, atol=1e-12)


SIZES_2D = [dict(scale_factor=2), dict(scale_factor=3), dict(size=(8, 11)), dict(size=(3, 4)),
            dict(scale_factor=1.5), dict(scale_factor=(0.7, 2.3)),
            dict(scale_factor=1.5, recompute_scale_factor=True), dict(size=1)]
MODES_2D = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True)]


@pytest.mark.parametrize("mode,align", MODES_2D)
@pytest.mark.parametrize("kw", SIZES_2D, ids=[str(k) for k in SIZES_2D])
def test_interpolate_2d_matches_torch(kw, mode, align):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    check(lambda m, t: m.interpolate(t, mode=mode, align_corners=align, **kw), x)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("linear", False), ("linear", True)])
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=11), dict(size=4), dict(scale_factor=1.7)])
def test_interpolate_1d_matches_torch(kw, mode, align):
    x = np.random.default_rng(0).standard_normal((2, 3, 7))
    check(lambda m, t: m.interpolate(t, mode=mode, align_corners=align, **kw), x)


def test_interpolate_float32_unbatched_ranks_and_layers():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 6)).astype(np.float32)
    a = F.interpolate(numbagrad.tensor(x), scale_factor=2, mode="bilinear")
    assert a.dtype == numbagrad.float32
    np.testing.assert_allclose(a.numpy(), torch.nn.functional.interpolate(
        torch.tensor(x), scale_factor=2, mode="bilinear").numpy(), rtol=1e-5, atol=1e-6)
    pairs = [(nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(3, 9), mode="bilinear", align_corners=True),
              torch.nn.Upsample(size=(3, 9), mode="bilinear", align_corners=True)),
             (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
             (nn.UpsamplingBilinear2d(size=7), torch.nn.UpsamplingBilinear2d(size=7))]
    for ng, th in pairs:
        assert repr(ng) == repr(th)
        np.testing.assert_allclose(ng(numbagrad.tensor(x)).numpy(), th(torch.tensor(x)).numpy(),
                                   rtol=1e-5, atol=1e-6)


# F.interpolate's errors as PyTorch: the error cases of its registry entry (numbagrad/ops/interpolation.py).


# ---- unfold / fold -------------------------------------------------------------------------------
FOLD = [((2, 3), (1, 2), 1, (2, 1)), (2, 1, 0, 1), (3, 2, 2, 3), (1, 1, 0, 2)]


@pytest.mark.parametrize("kernel,dilation,padding,stride", FOLD)
def test_unfold_and_fold_match_torch(kernel, dilation, padding, stride):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    check(lambda m, t: m.unfold(t, kernel, dilation, padding, stride), x)
    cols = torch.nn.functional.unfold(torch.tensor(x), kernel, dilation, padding, stride)
    check(lambda m, c: m.fold(c, (7, 8), kernel, dilation, padding, stride), rng.standard_normal(tuple(cols.shape)))


def test_unfold_fold_unbatched_and_layers():
    rng = np.random.default_rng(0)
    check(lambda m, t: m.unfold(t, 2), rng.standard_normal((3, 5, 4)))
    check(lambda m, c: m.fold(c, (4, 5), 2), rng.standard_normal((8, 12)))
    for ng, th in ((nn.Unfold(3, padding=1), torch.nn.Unfold(3, padding=1)),
                   (nn.Fold((4, 4), 2), torch.nn.Fold((4, 4), 2))):
        assert repr(ng) == repr(th)
    x = rng.standard_normal((2, 2, 4, 4))
    np.testing.assert_allclose(nn.Unfold(3, padding=1)(numbagrad.tensor(x)).numpy(),
                               torch.nn.Unfold(3, padding=1)(torch.tensor(x)).numpy(), rtol=1e-12)


# F.unfold's and F.fold's errors as PyTorch: the error cases of their registry entries (numbagrad/ops/fold.py).


# ---- group norm ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,groups", [((2, 6, 4, 5), 3), ((2, 6, 5), 2), ((3, 4), 4), ((2, 4, 3, 3), 1)])
def test_group_norm_matches_torch(shape, groups):
    rng = np.random.default_rng(0)
    c = shape[1]
    check(lambda m, x, w, b: m.group_norm(x, groups, w, b, 1e-4), rng.standard_normal(shape) * 3 + 1,
          rng.standard_normal(c), rng.standard_normal(c))
    check(lambda m, x: m.group_norm(x, groups), rng.standard_normal(shape))


def test_group_norm_layer_matches_torch():
    ng, th = nn.GroupNorm(2, 6, dtype=numbagrad.float64), torch.nn.GroupNorm(2, 6).double()
    assert repr(ng) == repr(th)
    assert repr(nn.GroupNorm(2, 4, affine=False)) == repr(torch.nn.GroupNorm(2, 4, affine=False))
    assert [n for n, _ in ng.named_parameters()] == [n for n, _ in th.named_parameters()]
    x = np.random.default_rng(1).standard_normal((3, 6, 4, 4))
    xa, xb = numbagrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ng(xa).square().sum().backward()
    th(xb).square().sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ng.weight.grad.numpy(), th.weight.grad.numpy(), rtol=1e-10)


# F.group_norm's errors: the error cases of its registry entry (numbagrad/ops/group_norm.py).
GN_ERRORS = [
    ("layer_not_divisible", lambda m: m.nn.GroupNorm(2, 3), ValueError, "must be divisible by num_groups"),
]


@pytest.mark.parametrize("call,error,match", [e[1:] for e in GN_ERRORS], ids=[e[0] for e in GN_ERRORS])
def test_group_norm_errors_match_torch(call, error, match):
    with pytest.raises(error, match=match):
        call(numbagrad)
    with pytest.raises(error):
        call(torch)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_interpolate_nan_and_inf_reach_only_their_taps(mode):
    # each output reads one or two inputs, so an inf in the input (or a NaN in the gradient)
    # spoils only the outputs (inputs) next to it, as in PyTorch
    x = np.array([[[[1.0, np.inf, 2.0, 3.0, 5.0]]]])
    g = np.array([[[[1.0, np.nan, 0, 0, 0, 0, 0, 0, 1.0]]]])
    results = []
    for m in (numbagrad, torch):
        t = m.tensor(x, requires_grad=True)
        y = m.nn.functional.interpolate(t, size=(1, 9), mode=mode)
        y.backward(m.tensor(g))
        results.append((y.detach().numpy(), t.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, equal_nan=True)
    assert np.isfinite(results[0][0]).any() and np.isfinite(results[0][1]).any()


@pytest.mark.parametrize("size", [(2, 5), (4, 3), (2, 3)])
@pytest.mark.parametrize("align", [False, True])
def test_bilinear_with_an_unchanged_dim_treats_nan_and_inf_as_torch(size, align):
    x = np.array([[[[0.1, 0.2, 0.3], [np.nan, -np.inf, 0.5]]]])
    a = F.interpolate(numbagrad.tensor(x), size=size, mode="bilinear", align_corners=align).numpy()
    b = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode="bilinear", align_corners=align).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("args", [dict(kernel_size=2), dict(kernel_size=(2, 3), padding=1, stride=2),
                                  dict(kernel_size=2, dilation=2)])
def test_unfold_and_fold_of_bool_tensors_as_pytorch(args):
    # PyTorch's CPU kernels take bool: unfold copies, fold ORs the values that overlap
    rng = np.random.default_rng(5)
    x = rng.random((2, 3, 6, 7)) > 0.5
    got = F.unfold(numbagrad.from_numpy(x), **args)
    want = torch.nn.functional.unfold(torch.from_numpy(x), **args)
    assert got.dtype == numbagrad.bool
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    cols = rng.random(tuple(want.shape)) > 0.6
    got = F.fold(numbagrad.from_numpy(cols), (6, 7), **args)
    want = torch.nn.functional.fold(torch.from_numpy(cols), (6, 7), **args)
    assert got.dtype == numbagrad.bool and want.dtype == torch.bool
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert want.sum() < want.numel()  # some outputs stay False: the OR is not trivially all True
    for fn, a in ((F.unfold, x.astype(np.int64)), (F.fold, cols.astype(np.int64))):
        with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
            fn(numbagrad.from_numpy(a), *(() if fn is F.unfold else ((6, 7),)), **args)
