"""Two array computations of a stride-1 convolution through the wide-row kernels of
`numbagrad.kernels.conv_wide`: the forward and the weight gradient. (`conv_arrays` decides when
they beat im2col + GEMM; the input gradient always takes GEMM or the direct loops, since the wide
forward kernel run on the padded output gradient with flipped weights measured slower.)

Here the input is copied once into a zero-padded flat buffer (with the kernels' tail), the weights
are packed into the kernels' blocks, and each tap gets its offset in the padded planes. The
forward returns its padded input so that the weight gradient reuses it.

Arrays are NCHW and C-contiguous; `geometry` is (sh, sw, ph, pw, dh, dw) with sh = sw = 1. The
op layer has validated every shape before anything here runs.
"""
import functools
from collections import namedtuple

import numpy as np

from ..kernels import conv_wide as K

PaddedInput = namedtuple("PaddedInput", "flat dims")
PaddedInput.__doc__ = """A zero-padded NCHW input held flat (with the kernels' tail) and its (N, C, Hp, Wp)."""


def applies(geometry):
    """True when the wide-row kernels can compute this convolution: stride 1."""
    return geometry[0] == 1 and geometry[1] == 1


def can_take_weight_grad(x):
    """True when weight_grad may run on x: x is finite. The wide planes' extra positions multiply a
    zero output gradient by real input values that no output of that tap reads, and 0 * inf or
    0 * nan would be NaN where the true gradient is finite; conv_arrays then takes im2col + GEMM."""
    return bool(np.isfinite(x).all())


def padded(x, ph, pw):
    """x (N, C, H, W) zero-padded by ph rows and pw columns on each side, as a PaddedInput."""
    n, c, h, w = x.shape
    dims = (n, c, h + 2 * ph, w + 2 * pw)
    size = n * c * dims[2] * dims[3]
    flat = np.empty(size + K.TAIL, dtype=x.dtype)
    flat[size:] = 0
    planes = flat[:size].reshape(dims)
    if ph or pw:
        planes[:, :, :ph] = 0
        planes[:, :, ph + h:] = 0
        planes[:, :, ph:ph + h, :pw] = 0
        planes[:, :, ph:ph + h, pw + w:] = 0
    planes[:, :, ph:ph + h, pw:pw + w] = x
    return PaddedInput(flat, dims)


@functools.lru_cache(maxsize=64)
def _tap_offsets(group_channels, kernel_size, dilation, dims):
    """The offset of every tap (c, kh, kw) in a group's padded planes, zeros up to a multiple of
    TAPS; cached (read-only) per convolution shape."""
    kh, kw = kernel_size
    hp, wp = dims[2], dims[3]
    c, i, j = np.meshgrid(np.arange(group_channels), np.arange(kh), np.arange(kw), indexing="ij")
    taps = group_channels * kh * kw
    offsets = np.zeros(-(-taps // K.TAPS) * K.TAPS, dtype=np.int64)
    offsets[:taps] = ((c * hp + i * dilation[0]) * wp + j * dilation[1]).ravel()
    offsets.flags.writeable = False
    return offsets


def _packed(weight, groups, block, taps):
    """weight (O, C / groups, KH, KW) as (groups, O / groups rounded up to `block`, taps), zero-filled."""
    og = weight.shape[0] // groups
    packed = np.zeros((groups, -(-og // block) * block, taps), dtype=weight.dtype)
    packed[:, :og, :weight[0].size] = weight.reshape(groups, og, -1)
    return packed


def forward(x, weight, bias, groups, geometry, out):
    """Fill out (N, O, OH, OW) with the convolution of x by weight (+ bias); returns the padded
    input, which weight_grad can take."""
    _, _, ph, pw, dh, dw = geometry
    source = padded(x, ph, pw)
    offsets = _tap_offsets(weight.shape[1], weight.shape[2:], (dh, dw), source.dims)
    packed = _packed(weight, groups, K.FORWARD_CHANNELS, offsets.size)
    if bias is None:
        bias = np.zeros(weight.shape[0], dtype=weight.dtype)
    K.wide_conv_forward(source.flat, source.dims, packed, offsets, bias, out)
    return source


def weight_grad(source, g, groups, geometry, w_shape):
    """The gradient with respect to the weight (w_shape) of the output gradient g, given the
    PaddedInput `source` that forward returned, of an input for which can_take_weight_grad."""
    n, o, oh, ow = g.shape
    wp = source.dims[3]
    offsets = _tap_offsets(w_shape[1], w_shape[2:], geometry[4:], source.dims)
    span = (oh - 1) * wp + ow
    row = max(-(-span // K.LANES) * K.LANES, oh * wp)  # the kernel reads whole vectors
    gwide = np.zeros((n, o, row), dtype=g.dtype)
    gwide[:, :, :oh * wp].reshape(n, o, oh, wp)[..., :ow] = g
    og = o // groups
    packed = np.empty((groups, -(-og // K.GRAD_CHANNELS) * K.GRAD_CHANNELS, offsets.size), dtype=g.dtype)
    K.wide_conv_weight_grad(source.flat, source.dims, gwide, (oh, ow), offsets, packed)
    taps = w_shape[1] * w_shape[2] * w_shape[3]
    return np.ascontiguousarray(packed[:, :og, :taps]).reshape(w_shape)
