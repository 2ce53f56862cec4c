"""Convolution kernels over NCHW arrays: im2col / col2im (for the BLAS GEMM path) and direct
loops (forward, input gradient, weight gradient).

Geometry, shared by every kernel: input x (N, C, H, W), weight (O, C // groups, KH, KW), output
(N, O, OH, OW) with OH = (H + 2 * ph - dh * (KH - 1) - 1) // sh + 1 (OW alike); output pixel
(oh, ow) reads input pixel (oh * sh + kh * dh - ph, ow * sw + kw * dw - pw), zero outside the
input (zero padding is never materialised). The columns of im2col are (C * KH * KW, N, OH * OW): row
(c * KH + kh) * KW + kw holds, for each sample and output pixel, the input value under kernel tap
(c, kh, kw), so that one GEMM convolves the whole batch (`torch.nn.functional.unfold` is its
(N, C * KH * KW, OH * OW) transpose).

Parallel over numba's threads (`prange`), each iteration owning a disjoint slice of the output:
(channel, block of samples) for im2col / col2im (the column rows of that channel for those
samples, or their input planes), (n, c) input planes for the input gradient, (n, o) output
planes for the forward, (o, c) weight slices for the weight gradient. No iteration writes where another one
does and every sum runs in a fixed order, so results are bit-identical for any thread count.

The inner loops index flat views with unsigned offsets computed from clipped ranges: numba then
emits no negative-index wraparound test and LLVM vectorises them (about 5x faster than indexing
4-D arrays with signed offsets, measured on the convolutions of the MNIST CNN and LeNet-5).

Contracts (checked by `_check_geometry` in every public wrapper): arrays 4-D, C-contiguous, of
one float dtype; channel counts and output sizes consistent with the geometry; strides and
dilations >= 1, paddings >= 0, groups >= 1 dividing both channel counts; outputs writable.
"""
import numpy as np
from numba import njit, prange, uint64

from .contract import KernelContractError, check_float_array, check_vector
from .parallel_region import PARALLEL_REGION


def _output_size(size, kernel, stride, padding, dilation):
    """The output length of a convolution or pooling window along one axis (may be <= 0)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _check_geometry(kernel, geometry):
    if len(geometry) != 6 or any(type(v) is not int for v in geometry):
        raise KernelContractError(f"kernel {kernel}: geometry must be 6 ints (sh, sw, ph, pw, dh, dw), "
                                  f"got {geometry!r}")
    sh, sw, ph, pw, dh, dw = geometry
    if sh < 1 or sw < 1 or dh < 1 or dw < 1 or ph < 0 or pw < 0:
        raise KernelContractError(f"kernel {kernel}: strides and dilations must be >= 1 and paddings "
                                  f">= 0, got {geometry}")


def _check_conv(kernel, x, weight, out, groups, geometry, names=("x", "weight", "out"), written=2):
    """The contract of the direct kernels: `x` (N, C, H, W), `weight` (O, C // groups, KH, KW),
    `out` (N, O, OH, OW) of one float dtype; the array at position `written` writable."""
    _check_geometry(kernel, geometry)
    arrays = (x, weight, out)
    for i, (name, a) in enumerate(zip(names, arrays)):
        check_float_array(kernel, name, a, 4, None if i == 0 else x.dtype, writable=(i == written))
    if type(groups) is not int or groups < 1:
        raise KernelContractError(f"kernel {kernel}: groups must be an int >= 1, got {groups!r}")
    n, c, h, w = x.shape
    o, cg, kh, kw = weight.shape
    sh, sw, ph, pw, dh, dw = geometry
    expected = (n, o, _output_size(h, kh, sh, ph, dh), _output_size(w, kw, sw, pw, dw))
    if (cg * groups != c or o % groups or kh < 1 or kw < 1 or out.shape != expected
            or expected[2] < 1 or expected[3] < 1):
        raise KernelContractError(
            f"kernel {kernel}: inconsistent shapes {names[0]} {x.shape}, {names[1]} {weight.shape}, "
            f"{names[2]} {out.shape} for groups={groups}, geometry {geometry} (expected {names[2]} "
            f"{expected}, with {c} channels = {cg} x {groups} groups)")


def _check_columns(kernel, x, cols, kernel_size, geometry, x_written):
    """The contract of im2col / col2im: x (N, C, H, W) and cols (C * KH * KW, N, OH * OW)."""
    _check_geometry(kernel, geometry)
    check_float_array(kernel, "x", x, 4, writable=x_written)
    check_float_array(kernel, "cols", cols, 3, x.dtype, writable=not x_written)
    if (len(kernel_size) != 2 or any(type(k) is not int or k < 1 for k in kernel_size)):
        raise KernelContractError(f"kernel {kernel}: kernel_size must be 2 ints >= 1, got {kernel_size!r}")
    n, c, h, w = x.shape
    kh, kw = kernel_size
    sh, sw, ph, pw, dh, dw = geometry
    oh, ow = _output_size(h, kh, sh, ph, dh), _output_size(w, kw, sw, pw, dw)
    if oh < 1 or ow < 1 or cols.shape != (c * kh * kw, n, oh * ow):
        raise KernelContractError(
            f"kernel {kernel}: cols has shape {cols.shape}, expected {(c * kh * kw, n, oh * ow)} for "
            f"x {x.shape}, kernel {kernel_size}, geometry {geometry}")


@njit(cache=True, error_model="numpy", inline="always")
def _valid_range(out_size, in_size, offset, stride):
    """[lo, hi): the output positions p whose input position p * stride + offset is in [0, in_size)."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = (in_size - 1 - offset) // stride + 1 if in_size - 1 - offset >= 0 else 0
    return lo, max(lo, min(hi, out_size))


# ---- im2col / col2im ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy", inline="always")
def _sample_blocks(n_n, c_n):
    """How many blocks of samples each channel is split into, so that there are at least 16
    parallel iterations (im2col and col2im iterate over (channel, block of samples))."""
    return min(n_n, max(1, (16 + c_n - 1) // c_n)) if n_n > 0 else 1


@njit(cache=True, parallel=True, error_model="numpy")
def _im2col(x, kh_n, kw_n, sh, sw, ph, pw, dh, dw, cols):
    n_n, c_n, h_n, w_n = x.shape
    oh_n = (h_n + 2 * ph - dh * (kh_n - 1) - 1) // sh + 1
    ow_n = (w_n + 2 * pw - dw * (kw_n - 1) - 1) // sw + 1
    xf = x.ravel()
    cf = cols.ravel()
    plane = oh_n * ow_n
    blocks = _sample_blocks(n_n, c_n)
    per = (n_n + blocks - 1) // blocks
    for t in prange(c_n * blocks):
        c = t // blocks
        n0 = (t % blocks) * per
        n1 = min(n_n, n0 + per)
        for kh in range(kh_n):
            oh_lo, oh_hi = _valid_range(oh_n, h_n, kh * dh - ph, sh)
            for kw in range(kw_n):
                ow_lo, ow_hi = _valid_range(ow_n, w_n, kw * dw - pw, sw)
                r = (c * kh_n + kh) * kw_n + kw
                count = uint64(ow_hi - ow_lo)
                s = uint64(sw)
                full = oh_lo == 0 and oh_hi == oh_n and ow_lo == 0 and ow_hi == ow_n
                for n in range(n0, n1):
                    row = uint64((r * n_n + n) * plane)
                    if not full:  # the tap reaches into the zero padding
                        for i in range(uint64(plane)):
                            cf[row + i] = 0
                    for oh in range(oh_lo, oh_hi):
                        dst = row + uint64(oh * ow_n + ow_lo)
                        src = uint64(((n * c_n + c) * h_n + oh * sh + kh * dh - ph) * w_n
                                     + ow_lo * sw + kw * dw - pw)
                        if sw == 1:
                            for i in range(count):
                                cf[dst + i] = xf[src + i]
                        else:
                            for i in range(count):
                                cf[dst + i] = xf[src + i * s]


def im2col(x, kernel_size, geometry, cols):
    """cols[(c * KH + kh) * KW + kw, n, oh * OW + ow] = x[n, c, oh * sh + kh * dh - ph,
    ow * sw + kw * dw - pw] (0 outside x): one row per kernel tap, all samples side by side, so
    that one GEMM with the (O, C * KH * KW) weight convolves the whole batch.

    Contract: x (N, C, H, W) float32/float64, cols (C * KH * KW, N, OH * OW) of x's dtype and
    writable, C-contiguous; kernel_size (KH, KW) ints >= 1; geometry (sh, sw, ph, pw, dh, dw)."""
    _check_columns("im2col", x, cols, kernel_size, geometry, x_written=False)
    with PARALLEL_REGION:
        _im2col(x, kernel_size[0], kernel_size[1], *geometry, cols)


@njit(cache=True, error_model="numpy", inline="always")
def _add_tap_rows(xf, cf, src_row, dst_plane, oh_lo, oh_hi, ow_lo, ow_hi, ow_n, w_n, sh, sw, row_offset,
                  col_offset):
    """col2im for one kernel tap of one sample: the flat input plane at dst_plane gains, at row
    oh * sh + row_offset and column ow * sw + col_offset, the column entry at
    src_row + oh * OW + ow, for oh in [oh_lo, oh_hi) and ow in [ow_lo, ow_hi) (`_valid_range`)."""
    count = uint64(ow_hi - ow_lo)
    step = uint64(sw)
    for oh in range(oh_lo, oh_hi):
        src = src_row + uint64(oh * ow_n + ow_lo)
        dst = dst_plane + uint64((oh * sh + row_offset) * w_n + ow_lo * sw + col_offset)
        if sw == 1:
            for i in range(count):
                xf[dst + i] += cf[src + i]
        else:
            for i in range(count):
                xf[dst + i * step] += cf[src + i]


@njit(cache=True, error_model="numpy", inline="always")
def _col2im_plane(xf, cf, dst_plane, c, kh_n, kw_n, oh_n, ow_n, h_n, w_n, sh, sw, ph, pw, dh, dw):
    """col2im of one input plane (one sample, channel c) at flat offset dst_plane from ONE sample's
    columns cf (C * KH * KW, OH * OW): zero the plane, then add every tap (c, kh, kw) onto the
    pixels it was read from, each pixel in (kh, kw) order as `_col2im`. (`_col2im` walks each tap
    across the whole batch instead: its columns are laid out (taps, N, OH * OW), and reading them
    plane by plane measured 2.8 -> 4.2 ms on 2 threads for the MNIST CNN's conv2 at batch 64.)"""
    plane = oh_n * ow_n
    for i in range(uint64(h_n * w_n)):
        xf[dst_plane + i] = 0
    for kh in range(kh_n):
        oh_lo, oh_hi = _valid_range(oh_n, h_n, kh * dh - ph, sh)
        for kw in range(kw_n):
            ow_lo, ow_hi = _valid_range(ow_n, w_n, kw * dw - pw, sw)
            _add_tap_rows(xf, cf, uint64(((c * kh_n + kh) * kw_n + kw) * plane), dst_plane,
                          oh_lo, oh_hi, ow_lo, ow_hi, ow_n, w_n, sh, sw, kh * dh - ph, kw * dw - pw)


@njit(cache=True, parallel=True, error_model="numpy")
def _col2im(cols, kh_n, kw_n, sh, sw, ph, pw, dh, dw, x):
    n_n, c_n, h_n, w_n = x.shape
    oh_n = (h_n + 2 * ph - dh * (kh_n - 1) - 1) // sh + 1
    ow_n = (w_n + 2 * pw - dw * (kw_n - 1) - 1) // sw + 1
    xf = x.ravel()
    cf = cols.ravel()
    plane = oh_n * ow_n
    blocks = _sample_blocks(n_n, c_n)
    per = (n_n + blocks - 1) // blocks
    for t in prange(c_n * blocks):
        c = t // blocks
        n0 = (t % blocks) * per
        n1 = min(n_n, n0 + per)
        for n in range(n0, n1):
            base = uint64((n * c_n + c) * h_n * w_n)
            for i in range(uint64(h_n * w_n)):
                xf[base + i] = 0
        for kh in range(kh_n):
            oh_lo, oh_hi = _valid_range(oh_n, h_n, kh * dh - ph, sh)
            for kw in range(kw_n):
                ow_lo, ow_hi = _valid_range(ow_n, w_n, kw * dw - pw, sw)
                r = (c * kh_n + kh) * kw_n + kw
                for n in range(n0, n1):
                    _add_tap_rows(xf, cf, uint64((r * n_n + n) * plane), uint64((n * c_n + c) * h_n * w_n),
                                  oh_lo, oh_hi, ow_lo, ow_hi, ow_n, w_n, sh, sw, kh * dh - ph, kw * dw - pw)


def col2im(cols, kernel_size, geometry, x):
    """The adjoint of im2col: x = 0, then every column entry is added back onto the input pixel it
    was read from (`torch.nn.functional.fold`, with im2col's layout of cols).

    Contract: as im2col, with x written (writable) and cols read."""
    _check_columns("col2im", x, cols, kernel_size, geometry, x_written=True)
    with PARALLEL_REGION:
        _col2im(cols, kernel_size[0], kernel_size[1], *geometry, x)


# ---- direct loops -------------------------------------------------------------------------------
@njit(cache=True, parallel=True, error_model="numpy")
def _conv2d_forward(x, weight, bias, groups, sh, sw, ph, pw, dh, dw, out):
    n_n, c_n, h_n, w_n = x.shape
    o_n, cg_n, kh_n, kw_n = weight.shape
    oh_n, ow_n = out.shape[2], out.shape[3]
    og_n = o_n // groups
    xf = x.ravel()
    of = out.ravel()
    for t in prange(n_n * o_n):
        n = t // o_n
        o = t % o_n
        base = uint64(t * oh_n * ow_n)
        b = bias[o]
        for i in range(uint64(oh_n * ow_n)):
            of[base + i] = b
        c0 = (o // og_n) * cg_n
        for cg in range(cg_n):
            xplane = (n * c_n + c0 + cg) * h_n
            for kh in range(kh_n):
                oh_lo, oh_hi = _valid_range(oh_n, h_n, kh * dh - ph, sh)
                for kw in range(kw_n):
                    ow_lo, ow_hi = _valid_range(ow_n, w_n, kw * dw - pw, sw)
                    wv = weight[o, cg, kh, kw]
                    count = uint64(ow_hi - ow_lo)
                    s = uint64(sw)
                    for oh in range(oh_lo, oh_hi):
                        dst = base + uint64(oh * ow_n + ow_lo)
                        src = uint64((xplane + oh * sh + kh * dh - ph) * w_n + ow_lo * sw + kw * dw - pw)
                        if sw == 1:
                            for i in range(count):
                                of[dst + i] += wv * xf[src + i]
                        else:
                            for i in range(count):
                                of[dst + i] += wv * xf[src + i * s]


def conv2d_forward(x, weight, bias, groups, geometry, out):
    """out[n, o] = bias[o] + sum over the group's channels and the kernel taps of
    weight[o, cg, kh, kw] * x[n, c, oh * sh + kh * dh - ph, ow * sw + kw * dw - pw].

    Contract: see the module docstring; bias (O,) of x's dtype (zeros for no bias)."""
    _check_conv("conv2d_forward", x, weight, out, groups, geometry)
    check_vector("conv2d_forward", "bias", bias, weight.shape[0], x.dtype)
    with PARALLEL_REGION:
        _conv2d_forward(x, weight, bias, groups, *geometry, out)


@njit(cache=True, parallel=True, error_model="numpy")
def _conv2d_input_grad(g, weight, groups, sh, sw, ph, pw, dh, dw, gx):
    n_n, c_n, h_n, w_n = gx.shape
    o_n, cg_n, kh_n, kw_n = weight.shape
    oh_n, ow_n = g.shape[2], g.shape[3]
    og_n = o_n // groups
    gf = g.ravel()
    xf = gx.ravel()
    for t in prange(n_n * c_n):
        n = t // c_n
        c = t % c_n
        base = uint64(t * h_n * w_n)
        for i in range(uint64(h_n * w_n)):
            xf[base + i] = 0
        grp = c // cg_n
        cg = c - grp * cg_n
        for o in range(grp * og_n, (grp + 1) * og_n):
            gplane = (n * o_n + o) * oh_n
            for kh in range(kh_n):
                oh_lo, oh_hi = _valid_range(oh_n, h_n, kh * dh - ph, sh)
                for kw in range(kw_n):
                    ow_lo, ow_hi = _valid_range(ow_n, w_n, kw * dw - pw, sw)
                    wv = weight[o, cg, kh, kw]
                    count = uint64(ow_hi - ow_lo)
                    s = uint64(sw)
                    for oh in range(oh_lo, oh_hi):
                        src = uint64((gplane + oh) * ow_n + ow_lo)
                        dst = base + uint64((oh * sh + kh * dh - ph) * w_n + ow_lo * sw + kw * dw - pw)
                        if sw == 1:
                            for i in range(count):
                                xf[dst + i] += wv * gf[src + i]
                        else:
                            for i in range(count):
                                xf[dst + i * s] += wv * gf[src + i]


def conv2d_input_grad(g, weight, groups, geometry, gx):
    """gx = the gradient of conv2d_forward's output g with respect to its input x (the transposed
    convolution of g): gx is overwritten.

    Contract: see the module docstring, with gx in x's place (written) and g in out's."""
    _check_conv("conv2d_input_grad", gx, weight, g, groups, geometry, names=("gx", "weight", "g"),
                written=0)
    with PARALLEL_REGION:
        _conv2d_input_grad(g, weight, groups, *geometry, gx)


@njit(cache=True, parallel=True, error_model="numpy")
def _conv2d_weight_grad(x, g, groups, sh, sw, ph, pw, dh, dw, gw):
    n_n, c_n, h_n, w_n = x.shape
    o_n, cg_n, kh_n, kw_n = gw.shape
    oh_n, ow_n = g.shape[2], g.shape[3]
    og_n = o_n // groups
    gf = g.ravel()
    xf = x.ravel()
    wf = gw.ravel()
    for t in prange(o_n * cg_n):
        o = t // cg_n
        cg = t % cg_n
        c = (o // og_n) * cg_n + cg
        acc = np.zeros(ow_n, dtype=gw.dtype)
        for kh in range(kh_n):
            oh_lo, oh_hi = _valid_range(oh_n, h_n, kh * dh - ph, sh)
            for kw in range(kw_n):
                ow_lo, ow_hi = _valid_range(ow_n, w_n, kw * dw - pw, sw)
                acc[:] = 0
                count = uint64(ow_hi - ow_lo)
                s = uint64(sw)
                for n in range(n_n):
                    for oh in range(oh_lo, oh_hi):
                        gsrc = uint64(((n * o_n + o) * oh_n + oh) * ow_n + ow_lo)
                        xsrc = uint64(((n * c_n + c) * h_n + oh * sh + kh * dh - ph) * w_n
                                      + ow_lo * sw + kw * dw - pw)
                        if sw == 1:
                            for i in range(count):
                                acc[i] += gf[gsrc + i] * xf[xsrc + i]
                        else:
                            for i in range(count):
                                acc[i] += gf[gsrc + i] * xf[xsrc + i * s]
                total = 0.0
                for i in range(count):
                    total += acc[i]
                wf[uint64((t * kh_n + kh) * kw_n + kw)] = total


def conv2d_weight_grad(x, g, groups, geometry, gw):
    """gw[o, cg, kh, kw] = sum over n, oh, ow of g[n, o, oh, ow] * x[n, c, oh * sh + kh * dh - ph,
    ow * sw + kw * dw - pw] (c the channel cg of o's group): overwritten.

    Contract: see the module docstring, with gw in weight's place (written) and g in out's."""
    _check_conv("conv2d_weight_grad", x, gw, g, groups, geometry, names=("x", "gw", "g"), written=1)
    with PARALLEL_REGION:
        _conv2d_weight_grad(x, g, groups, *geometry, gw)
