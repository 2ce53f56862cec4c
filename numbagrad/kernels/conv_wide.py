"""Stride-1 convolution kernels on "wide rows": the forward and the weight gradient.

The trick: with stride 1, output pixel (oh, ow) reads input pixel (oh + kh * dh, ow + kw * dw) of
the zero-padded input (Hp, Wp). Number the output pixels as if the output were Wp wide,
p = oh * Wp + ow; then every kernel tap reads the padded input plane at p + offset(tap), one
constant offset per tap (c * Hp * Wp + kh * dh * Wp + kw * dw). So one tap of a whole output
plane is one long contiguous multiply-add, `acc[p] += w * x[p + offset]`, which LLVM vectorises;
the Wp - OW columns past each output row are computed and thrown away. The wide length of a plane
is `span` = (OH - 1) * Wp + OW, rounded up to a multiple of `LANES` so that the vector loop has
no scalar remainder; the input buffer carries `TAIL` extra elements so that the rounded loop of
the last plane stays inside it.

Register blocking, so that each value loaded feeds several multiply-adds: the forward computes
`FORWARD_CHANNELS` output channels at once over `TAPS` taps at once (4 input loads and 8
accumulator updates for 32 multiply-adds per vector of pixels); the weight gradient computes
`GRAD_CHANNELS` x `TAPS` weights at once as 16 dot products over every sample's wide plane.
Weights are packed per group into blocks of those sizes (zero rows and taps fill the last block).

Measured against im2col + OpenBLAS GEMM (float32, CPU time on one thread) in the table of
`numbagrad/ops/conv_arrays.py`, which also says when each is used.

Parallel over numba's threads: the forward over (sample, group, block of output channels), each
iteration owning those output planes; the weight gradient over (group, block of channels, run of
up to TAP_RUN blocks of taps), each iteration taking the samples in order and, for each, adding
the 16 dot products of each of its tap blocks to that block's sums. No iteration writes where
another does, so the results do not depend on the thread count. `fastmath` allows only contraction
into fused multiply-adds and, in the weight gradient, reassociation of the dot products (so that
they vectorise): the order is fixed by the compiled code, not by the threads.

Contracts (checked by the public wrappers): arrays C-contiguous, of one float dtype; the input a
flat buffer holding the padded (N, C, Hp, Wp) input followed by `TAIL` more elements;
offsets int64, one per packed tap, each leaving room for a whole wide plane inside its group's
channels; outputs writable.
"""
import numpy as np
from numba import njit, prange, uint64

from .contract import KernelContractError, check_float_array
from .parallel_region import PARALLEL_REGION

LANES = 16
TAIL = LANES
FORWARD_CHANNELS = 8
GRAD_CHANNELS = 4
TAPS = 4
# the weight gradient's iterations each take up to this many blocks of TAPS taps: for each sample
# their four gradient rows are read once, from L1, for the whole run (MNIST CNN's conv2 at batch
# 64, 2 threads: 13.6-18.7 ms with one tap block per iteration, 10.4-10.9 with runs of 18, 14.9
# with one run of all 72; LeNet-5's conv1 at batch 256: 0.68-0.91 -> 0.58-0.66 ms)
TAP_RUN = 16


def _check_dims(kernel, xflat, x_dims):
    """xflat is a flat float buffer holding x_dims = (N, C, Hp, Wp) and the TAIL; returns x_dims."""
    check_float_array(kernel, "xflat", xflat, 1)
    if type(x_dims) is not tuple or len(x_dims) != 4 or any(type(v) is not int or v < 1 for v in x_dims):
        raise KernelContractError(f"kernel {kernel}: x_dims must be a tuple of 4 ints >= 1, got {x_dims!r}")
    n, c, hp, wp = x_dims
    if xflat.size != n * c * hp * wp + TAIL:
        raise KernelContractError(f"kernel {kernel}: xflat holds {xflat.size} elements, not the "
                                  f"{n * c * hp * wp} of {x_dims} plus the tail of {TAIL}")
    return x_dims


def _check_offsets(kernel, offsets, taps, group_channels, hp, wp, span):
    """offsets: int64, one per packed tap, each leaving a wide plane of `span` inside the group."""
    if (type(offsets) is not np.ndarray or offsets.dtype != np.int64 or offsets.ndim != 1
            or not offsets.flags.c_contiguous or offsets.size != taps or taps % TAPS):
        raise KernelContractError(f"kernel {kernel}: 'offsets' must be a 1-D C-contiguous int64 array "
                                  f"of the {taps} packed taps, a multiple of {TAPS}")
    if taps and (offsets.min() < 0 or offsets.max() > group_channels * hp * wp - span):
        raise KernelContractError(f"kernel {kernel}: a tap offset leaves the group's {group_channels} "
                                  f"planes of {hp} x {wp} for wide planes of {span}")


def _check_groups(kernel, groups, channels, out_channels, packed, block):
    if type(groups) is not int or groups < 1 or channels % groups or out_channels % groups:
        raise KernelContractError(f"kernel {kernel}: groups={groups!r} must divide {channels} input and "
                                  f"{out_channels} output channels")
    rows = -(-(out_channels // groups) // block) * block
    if packed.shape[:2] != (groups, rows):
        raise KernelContractError(f"kernel {kernel}: packed weights have shape {packed.shape}, expected "
                                  f"({groups}, {rows}, taps)")


@njit(cache=True, parallel=True, error_model="numpy", fastmath={"contract"})
def _wide_conv_forward(xflat, c_n, hp, wp, packed, offsets, bias, out):
    n_n, o_n, oh_n, ow_n = out.shape
    groups = packed.shape[0]
    cg_n = c_n // groups
    og_n = o_n // groups
    blocks = packed.shape[1] // 8
    taps = offsets.shape[0]
    length = ((oh_n - 1) * wp + ow_n + 15) // 16 * 16
    of = out.ravel()
    for t in prange(n_n * groups * blocks):
        n = t // (groups * blocks)
        grp = (t // blocks) % groups
        j0 = (t % blocks) * 8
        acc = np.zeros((8, length), dtype=out.dtype)
        a0, a1, a2, a3, a4, a5, a6, a7 = acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]
        w = packed[grp]
        xbase = (n * c_n + grp * cg_n) * hp * wp
        for k in range(0, taps, 4):
            p0 = uint64(xbase + offsets[k])
            p1 = uint64(xbase + offsets[k + 1])
            p2 = uint64(xbase + offsets[k + 2])
            p3 = uint64(xbase + offsets[k + 3])
            w00, w01, w02, w03 = w[j0, k], w[j0, k + 1], w[j0, k + 2], w[j0, k + 3]
            w10, w11, w12, w13 = w[j0 + 1, k], w[j0 + 1, k + 1], w[j0 + 1, k + 2], w[j0 + 1, k + 3]
            w20, w21, w22, w23 = w[j0 + 2, k], w[j0 + 2, k + 1], w[j0 + 2, k + 2], w[j0 + 2, k + 3]
            w30, w31, w32, w33 = w[j0 + 3, k], w[j0 + 3, k + 1], w[j0 + 3, k + 2], w[j0 + 3, k + 3]
            w40, w41, w42, w43 = w[j0 + 4, k], w[j0 + 4, k + 1], w[j0 + 4, k + 2], w[j0 + 4, k + 3]
            w50, w51, w52, w53 = w[j0 + 5, k], w[j0 + 5, k + 1], w[j0 + 5, k + 2], w[j0 + 5, k + 3]
            w60, w61, w62, w63 = w[j0 + 6, k], w[j0 + 6, k + 1], w[j0 + 6, k + 2], w[j0 + 6, k + 3]
            w70, w71, w72, w73 = w[j0 + 7, k], w[j0 + 7, k + 1], w[j0 + 7, k + 2], w[j0 + 7, k + 3]
            for i in range(uint64(length)):
                v0, v1, v2, v3 = xflat[p0 + i], xflat[p1 + i], xflat[p2 + i], xflat[p3 + i]
                a0[i] += w00 * v0 + w01 * v1 + w02 * v2 + w03 * v3
                a1[i] += w10 * v0 + w11 * v1 + w12 * v2 + w13 * v3
                a2[i] += w20 * v0 + w21 * v1 + w22 * v2 + w23 * v3
                a3[i] += w30 * v0 + w31 * v1 + w32 * v2 + w33 * v3
                a4[i] += w40 * v0 + w41 * v1 + w42 * v2 + w43 * v3
                a5[i] += w50 * v0 + w51 * v1 + w52 * v2 + w53 * v3
                a6[i] += w60 * v0 + w61 * v1 + w62 * v2 + w63 * v3
                a7[i] += w70 * v0 + w71 * v1 + w72 * v2 + w73 * v3
        for j in range(j0, min(j0 + 8, og_n)):
            o = grp * og_n + j
            b = bias[o]
            row = acc[j - j0]
            base = uint64((n * o_n + o) * oh_n * ow_n)
            for oh in range(oh_n):
                dst = base + uint64(oh * ow_n)
                src = uint64(oh * wp)
                for ow in range(uint64(ow_n)):
                    of[dst + ow] = row[src + ow] + b


def wide_conv_forward(xflat, x_dims, packed, offsets, bias, out):
    """out[n, o, oh, ow] = bias[o] + sum over packed taps k of packed[group, j, k] *
    x[n, group's first channel, (oh * Wp + ow) + offsets[k]], x the padded input held flat in
    `xflat` with dims x_dims = (N, C, Hp, Wp): a stride-1 convolution (`torch.nn.functional.conv2d`
    with stride 1 on an input already padded with zeros).

    Contract: xflat 1-D of exactly N * C * Hp * Wp + TAIL elements; packed (groups,
    ceil(O / groups / 8) * 8, taps) of xflat's dtype, taps = offsets.size a multiple of TAPS;
    offsets int64 in [0, (C / groups) * Hp * Wp - span]; bias (O,); out (N, O, OH, OW) writable,
    OH <= Hp, OW <= Wp; every array C-contiguous."""
    n, c, hp, wp = _check_dims("wide_conv_forward", xflat, x_dims)
    check_float_array("wide_conv_forward", "out", out, 4, xflat.dtype, writable=True)
    check_float_array("wide_conv_forward", "packed", packed, 3, xflat.dtype)
    check_float_array("wide_conv_forward", "bias", bias, 1, xflat.dtype)
    groups = packed.shape[0]
    _check_groups("wide_conv_forward", groups, c, out.shape[1], packed, FORWARD_CHANNELS)
    oh, ow = out.shape[2:]
    if out.shape[0] != n or not (1 <= oh <= hp and 1 <= ow <= wp) or bias.shape[0] != out.shape[1]:
        raise KernelContractError(f"kernel wide_conv_forward: out {out.shape} or bias {bias.shape} does "
                                  f"not fit input {x_dims}")
    _check_offsets("wide_conv_forward", offsets, packed.shape[2], c // groups, hp, wp, (oh - 1) * wp + ow)
    with PARALLEL_REGION:
        _wide_conv_forward(xflat, c, hp, wp, packed, offsets, bias, out)


@njit(cache=True, parallel=True, error_model="numpy", fastmath={"contract", "reassoc"})
def _wide_conv_weight_grad(xflat, c_n, hp, wp, gwide, length, offsets, packed):
    n_n, o_n, row = gwide.shape
    groups = packed.shape[0]
    cg_n = c_n // groups
    og_n = o_n // groups
    blocks = packed.shape[1] // 4
    tap_blocks = offsets.shape[0] // 4
    runs = (tap_blocks + TAP_RUN - 1) // TAP_RUN
    run = (tap_blocks + runs - 1) // runs  # runs of even length
    gf = gwide.ravel()
    zero = packed.dtype.type(0)
    for t in prange(groups * blocks * runs):
        grp = t // (blocks * runs)
        j0 = ((t // runs) % blocks) * 4
        first = (t % runs) * run
        last = min(first + run, tap_blocks)
        # the last block's missing channels repeat the group's last one; their sums are dropped
        o0 = grp * og_n + min(j0, og_n - 1)
        o1 = grp * og_n + min(j0 + 1, og_n - 1)
        o2 = grp * og_n + min(j0 + 2, og_n - 1)
        o3 = grp * og_n + min(j0 + 3, og_n - 1)
        sums = np.zeros((last - first, 16), dtype=packed.dtype)
        for n in range(n_n):
            xbase = (n * c_n + grp * cg_n) * hp * wp
            q0 = uint64((n * o_n + o0) * row)
            q1 = uint64((n * o_n + o1) * row)
            q2 = uint64((n * o_n + o2) * row)
            q3 = uint64((n * o_n + o3) * row)
            for kb in range(first, last):
                k = kb * 4
                p0 = uint64(xbase + offsets[k])
                p1 = uint64(xbase + offsets[k + 1])
                p2 = uint64(xbase + offsets[k + 2])
                p3 = uint64(xbase + offsets[k + 3])
                s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = zero
                s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = zero
                for i in range(uint64(length)):
                    v0, v1, v2, v3 = xflat[p0 + i], xflat[p1 + i], xflat[p2 + i], xflat[p3 + i]
                    h0, h1, h2, h3 = gf[q0 + i], gf[q1 + i], gf[q2 + i], gf[q3 + i]
                    s00 += h0 * v0
                    s01 += h0 * v1
                    s02 += h0 * v2
                    s03 += h0 * v3
                    s10 += h1 * v0
                    s11 += h1 * v1
                    s12 += h1 * v2
                    s13 += h1 * v3
                    s20 += h2 * v0
                    s21 += h2 * v1
                    s22 += h2 * v2
                    s23 += h2 * v3
                    s30 += h3 * v0
                    s31 += h3 * v1
                    s32 += h3 * v2
                    s33 += h3 * v3
                a = sums[kb - first]
                a[0] += s00
                a[1] += s01
                a[2] += s02
                a[3] += s03
                a[4] += s10
                a[5] += s11
                a[6] += s12
                a[7] += s13
                a[8] += s20
                a[9] += s21
                a[10] += s22
                a[11] += s23
                a[12] += s30
                a[13] += s31
                a[14] += s32
                a[15] += s33
        w = packed[grp]
        for kb in range(first, last):
            a = sums[kb - first]
            for jj in range(4):
                for kk in range(4):
                    w[j0 + jj, kb * 4 + kk] = a[jj * 4 + kk]


def wide_conv_weight_grad(xflat, x_dims, gwide, out_hw, offsets, packed):
    """packed[group, j, k] = sum over samples n and wide positions p of
    gwide[n, o, p] * x[n, group's first channel, p + offsets[k]] (o the group's channel j): the
    weight gradient of wide_conv_forward (`torch.nn.grad.conv2d_weight` with stride 1), packed
    as wide_conv_forward's weights but in blocks of GRAD_CHANNELS rows; every entry is written.

    Contract: xflat, x_dims and offsets as wide_conv_forward, for outputs of out_hw = (OH, OW);
    gwide (N, O, R) of xflat's dtype with R >= the span (OH - 1) * Wp + OW rounded up to a
    multiple of LANES, holding the output
    gradient g[n, o, oh, ow] at oh * Wp + ow and ZERO at every other position below
    that length (the caller builds it so; a nonzero there would be summed in), and the input
    finite (those zeros multiply real input values: 0 * inf is NaN); packed (groups,
    ceil(O / groups / 4) * 4, offsets.size) writable; every array C-contiguous."""
    n, c, hp, wp = _check_dims("wide_conv_weight_grad", xflat, x_dims)
    check_float_array("wide_conv_weight_grad", "gwide", gwide, 3, xflat.dtype)
    check_float_array("wide_conv_weight_grad", "packed", packed, 3, xflat.dtype, writable=True)
    if (type(out_hw) is not tuple or len(out_hw) != 2 or any(type(v) is not int for v in out_hw)
            or not (1 <= out_hw[0] <= hp and 1 <= out_hw[1] <= wp)):
        raise KernelContractError(f"kernel wide_conv_weight_grad: out_hw {out_hw!r} does not fit {x_dims}")
    oh, ow = out_hw
    length = ((oh - 1) * wp + ow + LANES - 1) // LANES * LANES
    groups = packed.shape[0]
    _check_groups("wide_conv_weight_grad", groups, c, gwide.shape[1], packed, GRAD_CHANNELS)
    if gwide.shape[0] != n or gwide.shape[2] < length:
        raise KernelContractError(f"kernel wide_conv_weight_grad: gwide {gwide.shape} does not fit input "
                                  f"{x_dims} and wide planes of {length}")
    _check_offsets("wide_conv_weight_grad", offsets, packed.shape[2], c // groups, hp, wp, (oh - 1) * wp + ow)
    with PARALLEL_REGION:
        _wide_conv_weight_grad(xflat, c, hp, wp, gwide, length, offsets, packed)
