"""The convolution and pooling kernels against their NumPy twins (tests/conv_reference.py), on
hypothesis-generated geometries, in float32 and float64; and their results are bit-identical
for any thread count (each parallel iteration owns its output, sums run in a fixed order)."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import numbagrad  # noqa: E402
from numbagrad.kernels import conv as KC, conv_by_sample as KS, conv_wide as KW, gemm, pool as KP  # noqa: E402
from numbagrad.ops import conv_arrays, conv_wide_arrays, matmul_arrays, pool_windows  # noqa: E402
import conv_reference as R  # noqa: E402

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg = draw(st.integers(1, 3))
    og = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 9))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 9))
    n = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2 ** 16))
    return (n, groups * cg, h, w, groups * og, cg, kh, kw, groups, (sh, sw, ph, pw, dh, dw), dtype, seed)


def _arrays(case):
    n, c, h, w, o, cg, kh, kw, groups, geometry, dtype, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((o, cg, kh, kw)).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype)
    out_shape = conv_arrays.output_shape(x.shape, weight.shape, geometry)
    g = rng.standard_normal(out_shape).astype(dtype)
    return x, weight, bias, g


@pytest.mark.skipif(not gemm.AVAILABLE, reason="scipy-openblas32 is not installed")
@given(conv_cases())
def test_input_grad_by_sample_matches_numpy(case):
    groups, geometry, dtype = case[8], case[9], case[10]
    x, weight, _, g = _arrays(case)
    gx = np.full(x.shape, np.nan, dtype)  # every element must be written
    KS.conv2d_input_grad_by_sample(g, weight, groups, geometry, gx)
    np.testing.assert_allclose(gx, R.conv2d_input_grad(g, weight, groups, geometry, x.shape), **TOL[dtype])


@pytest.mark.skipif(not gemm.AVAILABLE, reason="scipy-openblas32 is not installed")
@pytest.mark.parametrize("x_shape,w_shape,groups,geometry", [
    ((64, 32, 28, 28), (64, 32, 3, 3), 1, (1, 1, 0, 0, 1, 1)),   # the MNIST CNN's conv2
    ((9, 6, 14, 14), (16, 3, 5, 5), 2, (2, 1, 2, 1, 1, 2)),      # groups, stride, padding, dilation
    ((3, 4, 7, 7), (4, 4, 1, 1), 1, (1, 1, 0, 0, 1, 1)),         # 1x1
])
def test_input_grad_by_sample_matches_the_batch_gemm_path(monkeypatch, x_shape, w_shape, groups, geometry):
    rng = np.random.default_rng(5)
    weight = rng.standard_normal(w_shape).astype(np.float32)
    g = rng.standard_normal(conv_arrays.output_shape(x_shape, w_shape, geometry)).astype(np.float32)
    by_sample = conv_arrays.input_grad(g, weight, groups, geometry, x_shape)
    monkeypatch.setattr(matmul_arrays, "IN_THREAD_POOL", False)
    batch = conv_arrays.input_grad(g, weight, groups, geometry, x_shape)
    np.testing.assert_allclose(by_sample, batch, rtol=1e-5, atol=1e-4)
    assert np.abs(by_sample - batch).max() <= 1e-5 * np.abs(batch).max()


@given(conv_cases())
def test_direct_conv_kernels_match_numpy(case):
    groups, geometry, dtype = case[8], case[9], case[10]
    x, weight, bias, g = _arrays(case)
    out = np.empty(g.shape, dtype)
    KC.conv2d_forward(x, weight, bias, groups, geometry, out)
    np.testing.assert_allclose(out, R.conv2d(x, weight, bias, groups, geometry), **TOL[dtype])
    gx = np.full(x.shape, np.nan, dtype)  # every element must be written
    KC.conv2d_input_grad(g, weight, groups, geometry, gx)
    np.testing.assert_allclose(gx, R.conv2d_input_grad(g, weight, groups, geometry, x.shape), **TOL[dtype])
    gw = np.full(weight.shape, np.nan, dtype)
    KC.conv2d_weight_grad(x, g, groups, geometry, gw)
    np.testing.assert_allclose(gw, R.conv2d_weight_grad(x, g, groups, geometry, weight.shape), **TOL[dtype])


@given(conv_cases())
def test_im2col_and_col2im_match_numpy(case):
    geometry, dtype = case[9], case[10]
    x, weight, _, g = _arrays(case)
    ks = weight.shape[2:]
    cols = np.full((x.shape[1] * ks[0] * ks[1], x.shape[0], g.shape[2] * g.shape[3]), np.nan, dtype)
    KC.im2col(x, ks, geometry, cols)
    unfolded = cols.transpose(1, 0, 2)  # the kernel's (C * KH * KW, N, P) layout as unfold's
    np.testing.assert_array_equal(unfolded, R.im2col(x, ks, geometry).astype(dtype))
    back = np.full(x.shape, np.nan, dtype)
    KC.col2im(cols, ks, geometry, back)
    np.testing.assert_allclose(back, R.col2im(unfolded.astype(np.float64), ks, geometry, x.shape), **TOL[dtype])


@given(conv_cases())
def test_gemm_and_direct_paths_agree(case):
    # conv_arrays picks a path by the channel counts: both must compute the same convolution
    groups, geometry, dtype = case[8], case[9], case[10]
    x, weight, bias, g = _arrays(case)
    gemm_out, cols = conv_arrays.forward(x, weight, bias, groups, geometry, keep_for_weight_grad=True)
    ref = R.conv2d(x, weight, bias, groups, geometry)
    np.testing.assert_allclose(gemm_out, ref, **TOL[dtype])
    gw = conv_arrays.weight_grad(x, g, groups, geometry, weight.shape, cols)
    gx = conv_arrays.input_grad(g, weight, groups, geometry, x.shape, cols)
    np.testing.assert_allclose(gw, R.conv2d_weight_grad(x, g, groups, geometry, weight.shape), **TOL[dtype])
    np.testing.assert_allclose(gx, R.conv2d_input_grad(g, weight, groups, geometry, x.shape), **TOL[dtype])


@given(conv_cases())
def test_wide_row_kernels_match_numpy(case):
    # stride 1 of every drawn geometry: the forward and weight gradient of the wide rows, called
    # directly (conv_arrays only picks them for some shapes)
    groups, (_, _, ph, pw, dh, dw), dtype = case[8], case[9], case[10]
    geometry = (1, 1, ph, pw, dh, dw)
    case = case[:9] + (geometry,) + case[10:]
    x, weight, bias, g = _arrays(case)
    out = np.full(g.shape, np.nan, dtype)  # every element must be written
    source = conv_wide_arrays.forward(x, weight, bias, groups, geometry, out)
    np.testing.assert_allclose(out, R.conv2d(x, weight, bias, groups, geometry), **TOL[dtype])
    gw = conv_wide_arrays.weight_grad(source, g, groups, geometry, weight.shape)
    np.testing.assert_allclose(gw, R.conv2d_weight_grad(x, g, groups, geometry, weight.shape), **TOL[dtype])
    no_bias = np.empty_like(out)
    conv_wide_arrays.forward(x, weight, None, groups, geometry, no_bias)
    np.testing.assert_allclose(no_bias, R.conv2d(x, weight, None, groups, geometry), **TOL[dtype])


def test_wide_weight_grad_ignores_nothing_outside_the_outputs():
    # the wide planes' extra columns hold garbage in the forward; the weight gradient's gwide must
    # be zero there. Large values in x's padding columns would show any leak.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 9, 7)) * 1e3
    weight = rng.standard_normal((5, 4, 3, 2))
    g = rng.standard_normal((3, 5, 7, 6))
    source = conv_wide_arrays.padded(x, 0, 0)
    gw = conv_wide_arrays.weight_grad(source, g, 1, (1, 1, 0, 0, 1, 1), weight.shape)
    np.testing.assert_allclose(gw, R.conv2d_weight_grad(x, g, 1, (1, 1, 0, 0, 1, 1), weight.shape), rtol=1e-12)


@given(conv_cases(), st.sampled_from(["x", "weight", "g"]), st.sampled_from([np.inf, -np.inf, np.nan]),
       st.integers(0, 2 ** 16), st.booleans())
def test_conv_arrays_with_non_finite_values_match_numpy(case, where, value, seed, stride_one):
    # inf and nan anywhere, through whatever path conv_arrays picks (stride 1 reaches the wide rows
    # when the group has enough channels), against the float64 NumPy twin. Not an inf/nan weight or
    # output gradient meeting zero padding: the direct loops skip the padding, the other paths read
    # it as zeros (0 * inf = NaN), and PyTorch itself differs by backend there (its depthwise and
    # oneDNN kernels give a finite value, its im2col path NaN)
    groups, geometry, dtype = case[8], case[9], case[10]
    if stride_one:
        geometry = (1, 1) + geometry[2:]
    if where != "x":
        geometry = geometry[:2] + (0, 0) + geometry[4:]
    case = case[:9] + (geometry,) + case[10:]
    n, c, h, w, o, cg, kh, kw = case[:8]
    if conv_arrays.output_size(h, kh, geometry[0], 0, geometry[4]) < 1 or \
            conv_arrays.output_size(w, kw, geometry[1], 0, geometry[5]) < 1:
        return  # without its padding the input is smaller than the kernel
    x, weight, bias, g = _arrays(case)
    target = {"x": x, "weight": weight, "g": g}[where]
    target.reshape(-1)[np.random.default_rng(seed).integers(0, target.size)] = value
    out, saved = conv_arrays.forward(x, weight, bias, groups, geometry, keep_for_weight_grad=True)
    np.testing.assert_allclose(out, R.conv2d(x, weight, bias, groups, geometry), **TOL[dtype])
    gw = conv_arrays.weight_grad(x, g, groups, geometry, weight.shape, saved)
    np.testing.assert_allclose(gw, R.conv2d_weight_grad(x, g, groups, geometry, weight.shape), **TOL[dtype])
    gx = conv_arrays.input_grad(g, weight, groups, geometry, x.shape, saved)
    np.testing.assert_allclose(gx, R.conv2d_input_grad(g, weight, groups, geometry, x.shape), **TOL[dtype])


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_wide_weight_grad_is_not_taken_for_a_non_finite_input(value):
    # the wide planes' extra positions multiply a zero gradient by input values no output of that
    # tap reads: an inf in the last column turned finite weight gradients into NaN before the check
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 7))
    x[0, 0, 2, 6] = value
    weight = np.ones((8, 1, 3, 3))
    geometry = (1, 1, 0, 0, 1, 1)
    out, saved = conv_arrays.forward(x, weight, None, 1, geometry, keep_for_weight_grad=True)
    assert saved is None
    g = np.ones(out.shape)
    for kept in (saved, None):
        gw = conv_arrays.weight_grad(x, g, 1, geometry, weight.shape, kept)
        want = R.conv2d_weight_grad(x, g, 1, geometry, weight.shape)
        assert np.isfinite(want[:, :, :, :2]).all()  # the taps that never read column 6
        np.testing.assert_allclose(gw, want, rtol=1e-12)
    finite = np.random.default_rng(1).standard_normal(x.shape)
    assert isinstance(conv_arrays.forward(finite, weight, None, 1, geometry, keep_for_weight_grad=True)[1],
                      conv_wide_arrays.PaddedInput)


@pytest.mark.parametrize("x_shape,w_shape,padding,weight_grad,input_grad,wide", [
    ((64, 1, 28, 28), (6, 1, 5, 5), 2, True, False, True),       # LeNet-5 conv1: one input channel
    ((64, 6, 14, 14), (16, 6, 5, 5), 0, True, False, False),     # LeNet-5 conv2: its columns are kept
    ((64, 6, 14, 14), (16, 6, 5, 5), 0, False, False, True),     # ... unless no weight gradient follows
    ((64, 32, 26, 26), (64, 32, 3, 3), 0, True, False, True),    # MNIST CNN conv2: columns of 42 MB
    ((64, 32, 26, 26), (64, 32, 3, 3), 0, True, True, True),     # ... its input gradient too (GEMM)
    ((8, 64, 8, 8), (64, 64, 3, 3), 1, False, False, False),     # 576 taps: GEMM
])
def test_conv_arrays_picks_the_measured_path(x_shape, w_shape, padding, weight_grad, input_grad, wide):
    geometry = (1, 1, padding, padding, 1, 1)
    assert conv_arrays.use_wide(x_shape, np.float32, w_shape, 1, geometry, weight_grad, input_grad) is wide
    assert conv_arrays.use_wide(x_shape, np.float32, w_shape, 1, (2, 2, padding, padding, 1, 1), weight_grad,
                                input_grad) is False


def test_conv_arrays_keeps_layers_with_an_input_gradient_on_gemm_when_blas_has_its_own_threads(monkeypatch):
    # without the thread pool's BLAS, NumPy's OpenBLAS threads spin against the wide kernels
    monkeypatch.setattr(matmul_arrays, "IN_THREAD_POOL", False)
    geometry = (1, 1, 0, 0, 1, 1)
    assert conv_arrays.use_wide((64, 32, 26, 26), np.float32, (64, 32, 3, 3), 1, geometry, True, True) is False
    assert conv_arrays.use_wide((64, 32, 26, 26), np.float32, (64, 32, 3, 3), 1, geometry, True, False) is True


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph = draw(st.integers(0, ((kh - 1) * dh + 1) // 2))
    pw = draw(st.integers(0, ((kw - 1) * dw + 1) // 2))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 9))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 9))
    ceil_mode = draw(st.booleans())
    values = draw(st.sampled_from(["normal", "ties", "special"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2 ** 16))
    return ((kh, kw), (sh, sw), (ph, pw), (dh, dw)), (h, w), ceil_mode, values, dtype, seed


def _planes(hw, values, dtype, seed):
    rng = np.random.default_rng(seed)
    shape = (3,) + hw
    if values == "ties":
        return rng.integers(0, 3, shape).astype(dtype)
    x = rng.standard_normal(shape)
    if values == "special":
        x.reshape(-1)[rng.integers(0, x.size, 4)] = rng.choice([np.nan, np.inf, -np.inf], 4)
    return x.astype(dtype)


@given(pool_cases())
def test_max_pool_kernels_match_numpy(case):
    geometry, hw, ceil_mode, values, dtype, seed = case
    planes = _planes(hw, values, dtype, seed)
    windows = pool_windows.max_pool_windows("max_pool2d", (3,) + hw, geometry, ceil_mode)
    out = np.empty((3, len(windows[0]), len(windows[2])), dtype)
    idx = np.empty(out.shape, np.int64)
    KP.max_pool(planes, windows, out, idx)
    ref, ref_idx = R.max_pool(planes.astype(np.float64), windows)
    np.testing.assert_array_equal(out, ref.astype(dtype))
    np.testing.assert_array_equal(idx, ref_idx)
    g = np.random.default_rng(seed + 1).standard_normal(out.shape).astype(dtype)
    gx = np.full(planes.shape, np.nan, dtype)
    KP.max_pool_backward(g, idx, gx)
    np.testing.assert_allclose(gx, R.max_pool_backward(g.astype(np.float64), idx, hw), **TOL[dtype])


@given(pool_cases(), st.booleans(), st.sampled_from([None, 1, 3]))
def test_avg_pool_kernels_match_numpy(case, count_include_pad, divisor_override):
    geometry, hw, ceil_mode, values, dtype, seed = case
    (kh, kw), stride, (ph, pw), _ = geometry
    geometry = ((kh, kw), stride, (min(ph, kh // 2), min(pw, kw // 2)), (1, 1))
    planes = _planes(hw, "normal" if values == "special" else values, dtype, seed)
    try:
        windows, divisor = pool_windows.avg_pool_windows("avg_pool2d", (3,) + hw, geometry, ceil_mode,
                                                         count_include_pad, divisor_override)
    except RuntimeError:  # output too small for this geometry
        return
    out = np.empty((3, len(windows[0]), len(windows[2])), dtype)
    KP.avg_pool(planes, windows, divisor, out)
    np.testing.assert_allclose(out, R.avg_pool(planes.astype(np.float64), windows, divisor), **TOL[dtype])
    g = np.random.default_rng(seed + 1).standard_normal(out.shape).astype(dtype)
    gx = np.full(planes.shape, np.nan, dtype)
    KP.avg_pool_backward(g, windows, divisor, gx)
    np.testing.assert_allclose(gx, R.avg_pool_backward(g.astype(np.float64), windows, divisor, hw),
                               **TOL[dtype])


@given(st.integers(2, 9), st.integers(2, 9), st.sampled_from(["normal", "ties", "special"]),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 2 ** 16))
def test_max_pool_2x2_matches_numpy(h, w, values, dtype, seed):
    planes = _planes((h, w), values, dtype, seed)
    windows = pool_windows.max_pool_windows("max_pool2d", (3, h, w), ((2, 2), (2, 2), (0, 0), (1, 1)), False)
    assert pool_windows.are_2x2_stride_2(windows, (h, w))
    out = np.full((3, h // 2, w // 2), np.nan, dtype)
    idx = np.full(out.shape, -7, np.int64)
    KP.max_pool_2x2(planes, out, idx)
    ref, ref_idx = R.max_pool(planes.astype(np.float64), windows)
    np.testing.assert_array_equal(out, ref.astype(dtype))
    np.testing.assert_array_equal(idx, ref_idx)


def test_only_full_2x2_stride_2_windows_take_the_2x2_kernel():
    def windows(hw, kernel, stride, padding, ceil_mode):
        geometry = ((kernel, kernel), (stride, stride), (padding, padding), (1, 1))
        return pool_windows.max_pool_windows("max_pool2d", (1,) + hw, geometry, ceil_mode)
    assert pool_windows.are_2x2_stride_2(windows((6, 7), 2, 2, 0, False), (6, 7))
    assert not pool_windows.are_2x2_stride_2(windows((6, 7), 2, 2, 0, True), (6, 7))  # clipped last column
    assert not pool_windows.are_2x2_stride_2(windows((6, 6), 2, 2, 1, False), (6, 6))
    assert not pool_windows.are_2x2_stride_2(windows((6, 6), 2, 1, 0, False), (6, 6))
    assert not pool_windows.are_2x2_stride_2(windows((6, 6), 3, 2, 0, False), (6, 6))


def test_max_pool_backward_refuses_indices_outside_the_plane():
    g = np.ones((2, 1, 1))
    gx = np.zeros((2, 2, 2))
    for bad in (4, -2, 2 ** 40):
        idx = np.array([0, bad], dtype=np.int64).reshape(2, 1, 1)
        with pytest.raises(KC.KernelContractError, match="outside their plane"):
            KP.max_pool_backward(g, idx, gx)
        assert gx[1].sum() == 0  # the bad plane wrote nothing


# ---- determinism across thread counts -----------------------------------------------------------
def _all_kernel_results(dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 8, 13, 11)).astype(dtype)
    results = []
    for groups, cg in ((1, 8), (8, 1), (2, 4)):
        weight = rng.standard_normal((8, cg, 3, 3)).astype(dtype)
        geometry = (2, 1, 1, 2, 1, 2)
        out, cols = conv_arrays.forward(x, weight, None, groups, geometry, keep_for_weight_grad=True)
        g = rng.standard_normal(out.shape).astype(dtype)
        results += [out, conv_arrays.weight_grad(x, g, groups, geometry, weight.shape, cols),
                    conv_arrays.input_grad(g, weight, groups, geometry, x.shape, cols)]
    # the MNIST CNN's conv2 at batch 64: GEMMs large enough for BLAS to use every thread
    x2 = rng.standard_normal((64, 32, 26, 26)).astype(dtype)
    w2 = rng.standard_normal((64, 32, 3, 3)).astype(dtype)
    out, cols = conv_arrays.forward(x2, w2, None, 1, (1, 1, 0, 0, 1, 1), keep_for_weight_grad=True)
    g = rng.standard_normal(out.shape).astype(dtype)
    results += [out, conv_arrays.weight_grad(x2, g, 1, (1, 1, 0, 0, 1, 1), w2.shape, cols),
                conv_arrays.input_grad(g, w2, 1, (1, 1, 0, 0, 1, 1), x2.shape, cols)]
    # the wide rows: forward and weight gradient, grouped and dilated, float32 big enough to split
    for groups, cg in ((1, 8), (2, 4)):
        weight = rng.standard_normal((8, cg, 3, 3)).astype(dtype)
        geometry = (1, 1, 1, 2, 1, 2)
        out = np.empty(conv_arrays.output_shape(x.shape, weight.shape, geometry), dtype)
        source = conv_wide_arrays.forward(x, weight, None, groups, geometry, out)
        g = rng.standard_normal(out.shape).astype(dtype)
        results += [out, conv_wide_arrays.weight_grad(source, g, groups, geometry, weight.shape)]
    planes = x.reshape(-1, 13, 11)
    pooled = np.empty((planes.shape[0], 6, 5), dtype)
    pooled_idx = np.empty(pooled.shape, np.int64)
    KP.max_pool_2x2(planes, pooled, pooled_idx)
    results += [pooled, pooled_idx]
    windows = pool_windows.max_pool_windows("max_pool2d", planes.shape, ((3, 3), (2, 2), (1, 1), (1, 1)), True)
    out = np.empty((planes.shape[0], len(windows[0]), len(windows[2])), dtype)
    idx = np.empty(out.shape, np.int64)
    KP.max_pool(planes, windows, out, idx)
    gx = np.empty_like(planes)
    KP.max_pool_backward(out, idx, gx)
    results += [out, idx, gx]
    return results


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_do_not_depend_on_the_thread_count(dtype):
    before = numbagrad.get_num_threads()
    try:
        numbagrad.set_num_threads(1)
        one = _all_kernel_results(dtype)
        numbagrad.set_num_threads(2)
        two = _all_kernel_results(dtype)
    finally:
        numbagrad.set_num_threads(before)
    for a, b in zip(one, two):
        assert a.tobytes() == b.tobytes()


# ---- hostile arguments the contracts refuse (before any write) -----------------------------------
def _conv_args():
    x = np.ones((2, 4, 6, 6))
    return x, np.ones((4, 2, 3, 3)), np.zeros(4), 2, (1, 1, 0, 0, 1, 1), np.zeros((2, 4, 4, 4))


@pytest.mark.parametrize("change,match", [
    (dict(groups=3), "inconsistent shapes"),          # 4 channels in 3 groups
    (dict(groups=0), "groups"),
    (dict(groups=2.0), "groups"),
    (dict(geometry=(0, 1, 0, 0, 1, 1)), "strides and dilations"),
    (dict(geometry=(1, 1, -1, 0, 1, 1)), "paddings"),
    (dict(geometry=(1, 1, 0, 0, 1, 0)), "dilations"),
    (dict(geometry=(1, 1, 0, 0, 1)), "6 ints"),
    (dict(geometry=(1, 1, 0.5, 0, 1, 1)), "6 ints"),
    (dict(geometry=(1, 1, 1, 1, 1, 1)), "inconsistent shapes"),  # out would be 6x6, not 4x4
    (dict(weight=np.ones((4, 2, 7, 7))), "inconsistent shapes"),  # kernel larger than the input
])
def test_conv_kernel_refuses_inconsistent_geometry(change, match):
    x, weight, bias, groups, geometry, out = _conv_args()
    args = dict(x=x, weight=weight, bias=bias, groups=groups, geometry=geometry, out=out)
    args.update(change)
    with pytest.raises(KC.KernelContractError, match=match):
        KC.conv2d_forward(**args)
    assert not out.any()


@pytest.mark.parametrize("windows,match", [
    ((np.array([0, 2]), np.array([3, 6]), np.array([0, 3]), np.array([3, 6]), 1, 1), "h_ends"),  # row 6 > 5
    ((np.array([-1, 2]), np.array([3, 5]), np.array([0, 3]), np.array([3, 6]), 1, 1), "h_starts"),
    ((np.array([0, 2]), np.array([3, 5]), np.array([0, 3]), np.array([3, 6]), 0, 1), "step"),
    ((np.array([0, 2]), np.array([3, 5]), np.array([0]), np.array([3]), 1, 1), "w_starts"),
    ((np.array([0, 2], np.int32), np.array([3, 5]), np.array([0, 3]), np.array([3, 6]), 1, 1), "int64"),
])
def test_pool_kernels_refuse_windows_outside_the_plane(windows, match):
    x = np.ones((4, 5, 6))
    out = np.zeros((4, 2, 2))
    with pytest.raises(KC.KernelContractError, match=match):
        KP.max_pool(x, windows, out, np.zeros((4, 2, 2), np.int64))
    with pytest.raises(KC.KernelContractError, match=match):
        KP.avg_pool(x, windows, np.ones((2, 2)), out)
    assert not out.any()
