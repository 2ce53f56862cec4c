"""The three array computations of a convolution - forward, input gradient, weight gradient - each
choosing between im2col + BLAS GEMM, the direct numba loops of `numbagrad.kernels.conv` and, for
stride 1, the wide-row kernels of `numbagrad.kernels.conv_wide` (through `conv_wide_arrays`).

All arrays are NCHW and C-contiguous; `geometry` is (sh, sw, ph, pw, dh, dw). The op layer
(`convolution.py`) has validated every shape before anything here runs.

The choice (`use_gemm`), measured on 2 cores (numba 0.68, NumPy 2.4 + OpenBLAS, float32, batch
64, CPU time of one thread, forward | input + weight gradient in ms):

| convolution                         | GEMM        | direct       |
|-------------------------------------|-------------|--------------|
| MNIST CNN conv1 (1 -> 32, 3x3, 28)  | 0.5 / 0.8   | 1.3 / 4.1    |
| MNIST CNN conv2 (32 -> 64, 3x3, 26) | 20 / 45     | 58 / 222     |
| LeNet-5 conv2 (6 -> 16, 5x5, 14)    | 2.4 / 2.6   | 3.3 / 9.1    |
| 32 -> 32, 3x3, 16, groups=8         | 5.4 / 6.8   | 5.2 / 8.8    |
| 32 -> 32, 3x3, 16, groups=16        | 3.4 / 5.7   | 1.8 / 5.1    |
| 32 -> 32, 3x3, 16, groups=32 (dw)   | 3.6 / 9.8   | 1.0 / 3.4    |

GEMM wins as soon as each group's weight matrix has a few rows and columns; the direct loops win
when each group maps at most 4 input-output channel pairs (depthwise convolutions and their
neighbours), where the GEMMs degenerate into matrix-vector products: that is the crossover
`DIRECT_MAX_CHANNEL_PAIRS`.

Among the other convolutions, those of stride 1 with at most `WIDE_MAX_TAPS` taps per group
(C / groups * KH * KW) take the wide rows for the forward and, in training, for the weight
gradient too (the forward keeps its padded input for it) - unless the GEMM path's columns, which
the weight gradient would reuse, are small (`WIDE_MIN_KEPT_COLUMN_BYTES`) and the group has more
than one input channel. The input gradient always takes GEMM (or the direct loops): the wide
forward kernel run on the padded output gradient with flipped weights measured slower for it
(LeNet-5's conv2: 1.9 against 1.0 ms; the MNIST CNN's conv2 at batch 64: 30 against 29 ms on one
thread, 25 against 22 on two). Where the GEMMs run in numba's pool, the input gradient's GEMM and
col2im go sample by sample (`kernels/conv_by_sample.py`), each sample's columns staying in cache
instead of the whole batch's passing through memory.

Where the GEMMs cannot run in numba's thread pool (`matmul_arrays.IN_THREAD_POOL` is False: they
go through NumPy's OpenBLAS, whose threads then spin for a while waiting for more work), numba's
parallel kernels that follow a GEMM get one core: the MNIST CNN's conv2 at batch 64 with both
gradients took 48 ms on 2 threads all-GEMM and 63 ms with wide rows for the forward and weight
gradient (74 against 79 ms on one thread, where nothing spins). There the wide rows serve only
the layers whose input needs no gradient (the first convolution of a network). With the GEMMs
in numba's pool, wide rows in every layer measured faster in whole training steps (2 threads,
medians of 9 alternating blocks: the MNIST CNN at batch 64 60 against 64 ms, LeNet-5 at batch
256 20.6 against 24.2 ms). Measured on 2 cores, one thread, float32, CPU ms, ranges over 2-3 runs
(the machine is shared), forward | forward + weight gradient:

| convolution                          | GEMM (columns kept)    | wide rows              |
|--------------------------------------|------------------------|------------------------|
| MNIST CNN conv1 (1 -> 32, 3x3), b64  | 1.4-2.1 / 4.7          | 1.3-1.4 / 3.0-3.6      |
| MNIST CNN conv2 (32 -> 64, 3x3), b64 | 28-32 / 49-53          | 19 / 42-46             |
| LeNet-5 conv1 (1 -> 6, 5x5), b64     | 1.3-1.9 / 2.7-3.0      | 0.7-0.8 / 1.4-1.6      |
| LeNet-5 conv2 (6 -> 16, 5x5), b64    | 1.0-1.2 / 1.7-1.9      | 1.0-1.1 / 2.2-2.7      |
| LeNet-5 conv1, b256                  | 7.8-8.6 / 13-15        | 2.2-2.7 / 4.4-5.3      |
| LeNet-5 conv2, b256                  | 7.4 / 11-12            | 3.7-4.5 / 9.8-10       |
| 16 -> 32, 3x3, pad 1, 16x16, b32     | 2.3-2.5 / 3.1-4.5      | 1.4-1.8 / 3.4          |
| 64 -> 64, 3x3, pad 1, 8x8, b32       | 2.7-3.1 / 4.8-5.4      | 2.9-5.2 / -            |

The wide rows lose where the GEMM's summed dim is long and the planes are small (the last row),
and in training where the kept columns are small (LeNet-5's conv2 at batch 64, 3.8 MB of
columns: `WIDE_MIN_KEPT_COLUMN_BYTES` is 8 MB).

The GEMM path lays the columns of the whole batch side by side (C * KH * KW, N * OH * OW), so
each of the forward, the input gradient and the weight gradient is ONE BLAS call per group: 64
small per-sample GEMMs on 2 threads spent most of their time synchronising the BLAS threads
(measured: 160-340 ms of wall time for the MNIST CNN's conv2 forward on a busy machine, against
62 ms for one GEMM plus the 1.3 ms transpose of its (O, N, P) result to NCHW). The forward's
columns are kept for the weight gradient (up to `KEEP_COLUMNS_BYTES`; beyond, they are
recomputed), and the input gradient writes its columns into that same buffer. Neither path
depends on the thread count: OpenBLAS splits a GEMM over its output, not over the summed dim.

A forward that keeps no columns (inference, or no weight gradient needed) runs in chunks of
samples whose columns fit in about `CHUNK_COLUMN_BYTES`, so that the GEMM reads them from the
cache and memory stays small: the MNIST CNN's conv2 at batch 1000, one thread, took 566 ms of
CPU and 1.2 GB of peak memory in one piece, 438 ms and 0.4 GB in chunks (LeNet-5's conv2 at batch
256: 6.2 -> 3.7 ms). Training keeps the one-piece forward: chunking the weight and input
gradients too measured slower (69 -> 117 ms for the MNIST CNN's conv2 at batch 64), since their
GEMMs then sum over a short dim.
"""
import numpy as np

from ..kernels import conv as K, conv_by_sample
from . import conv_wide_arrays as W
from . import matmul_arrays
from .matmul_arrays import matmul

DIRECT_MAX_CHANNEL_PAIRS = 4
WIDE_MAX_TAPS = 300
WIDE_MIN_KEPT_COLUMN_BYTES = 8 << 20
KEEP_COLUMNS_BYTES = 256 << 20
CHUNK_COLUMN_BYTES = 2 << 20
# Column buffers this large come from fresh mmapped pages on every allocation (glibc's mmap
# threshold is at most 32 MB); the page faults cost 4 ms for the 42 MB columns of the MNIST CNN's
# conv2 at batch 64, so one released buffer per shape is kept for the next convolution.
SPARE_MIN_BYTES = 16 << 20
SPARE_MAX_BUFFERS = 4
_spare = {}


def _column_buffer(shape, dtype):
    """An uninitialised (C * KH * KW, N, OH * OW) buffer: a released one of that shape, or new."""
    buffer = _spare.pop((shape, np.dtype(dtype)), None)
    return buffer if buffer is not None else np.empty(shape, dtype=dtype)


def release_columns(cols):
    """Hand a column buffer nothing references any more to the next convolution of its shape."""
    if cols is not None and cols.nbytes >= SPARE_MIN_BYTES and len(_spare) < SPARE_MAX_BUFFERS:
        _spare[(cols.shape, cols.dtype)] = cols


def use_gemm(channels, out_channels, groups):
    """True when im2col + GEMM or the wide rows beat the direct loops (see the module docstring)."""
    return (channels // groups) * (out_channels // groups) > DIRECT_MAX_CHANNEL_PAIRS


def use_wide(x_shape, dtype, w_shape, groups, geometry, weight_grad_follows, input_grad_follows):
    """True when the wide-row kernels compute the forward of an x_shape input and, when one
    follows, the weight gradient (see the module docstring)."""
    n, c = x_shape[:2]
    if not W.applies(geometry) or (c // groups) * w_shape[2] * w_shape[3] > WIDE_MAX_TAPS:
        return False
    if not weight_grad_follows:
        return True
    if input_grad_follows and not matmul_arrays.IN_THREAD_POOL:
        # NumPy's GEMM of the input gradient leaves OpenBLAS's threads spinning against the wide
        # kernels: all-GEMM measured faster
        return False
    # the GEMM path's columns would serve the weight gradient: worth keeping unless they are large
    out_h, out_w = output_shape(x_shape, w_shape, geometry)[2:]
    return (c // groups == 1
            or c * w_shape[2] * w_shape[3] * n * out_h * out_w * np.dtype(dtype).itemsize > WIDE_MIN_KEPT_COLUMN_BYTES)


def needs_channels_first(x_shape, dtype, w_shape, groups, geometry, need_x, need_w):
    """True when a GEMM of the backward of this convolution wants the output gradient as
    `channels_first(g)`."""
    return use_gemm(x_shape[1], w_shape[0], groups) and (
        (need_x and not matmul_arrays.IN_THREAD_POOL)
        or (need_w and not use_wide(x_shape, dtype, w_shape, groups, geometry, True, need_x)))


def output_size(size, kernel, stride, padding, dilation):
    """The output length of a convolution along one axis (may be <= 0)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def output_shape(x_shape, w_shape, geometry):
    """(N, O, OH, OW) of the convolution of x_shape by w_shape."""
    sh, sw, ph, pw, dh, dw = geometry
    return (x_shape[0], w_shape[0], output_size(x_shape[2], w_shape[2], sh, ph, dh),
            output_size(x_shape[3], w_shape[3], sw, pw, dw))


def columns(x, kernel_size, geometry, out_hw):
    """im2col of x: (C * KH * KW, N, OH * OW)."""
    cols = _column_buffer((x.shape[1] * kernel_size[0] * kernel_size[1], x.shape[0], out_hw[0] * out_hw[1]),
                          x.dtype)
    K.im2col(x, kernel_size, geometry, cols)
    return cols


def forward(x, weight, bias, groups, geometry, keep_for_weight_grad=False, input_grad_follows=False,
            out=None):
    """(out, saved): the convolution of x with weight (+ bias), NCHW, into `out` when given (a
    C-contiguous array of the output's shape and x's dtype; the compiled step passes its buffer);
    `saved` is what weight_grad reuses when asked to keep it (the columns of the GEMM path, the
    padded input of the wide-row path), else None. `input_grad_follows` says whether the backward
    will also need input_grad (it steers the choice of path)."""
    shape = output_shape(x.shape, weight.shape, geometry)
    n, o, oh, ow = shape
    if out is None:
        out = np.empty(shape, dtype=x.dtype)
    if x.size == 0 or weight.size == 0:
        out[...] = 0
        if bias is not None:
            out += bias.reshape(1, o, 1, 1)
        return out, None
    if not use_gemm(x.shape[1], o, groups):
        b = bias if bias is not None else np.zeros(o, dtype=x.dtype)
        K.conv2d_forward(x, weight, b, groups, geometry, out)
        return out, None
    if use_wide(x.shape, x.dtype, weight.shape, groups, geometry, keep_for_weight_grad, input_grad_follows):
        source = W.forward(x, weight, bias, groups, geometry, out)
        return out, source if keep_for_weight_grad and W.can_take_weight_grad(x) else None
    ckk = x.shape[1] * weight.shape[2] * weight.shape[3]
    sample_bytes = ckk * oh * ow * x.itemsize
    if not keep_for_weight_grad and n * sample_bytes > CHUNK_COLUMN_BYTES:
        step = max(1, CHUNK_COLUMN_BYTES // sample_bytes)
        chunk_cols = np.empty((ckk, step, oh * ow), dtype=x.dtype)
        for start in range(0, n, step):
            stop = min(n, start + step)
            cols = chunk_cols if stop - start == step else np.empty((ckk, stop - start, oh * ow), dtype=x.dtype)
            _gemm_forward(x[start:stop], weight, bias, groups, geometry, cols, out[start:stop])
        return out, None
    cols = _column_buffer((ckk, n, oh * ow), x.dtype)
    _gemm_forward(x, weight, bias, groups, geometry, cols, out)
    if keep_for_weight_grad and cols.nbytes <= KEEP_COLUMNS_BYTES:
        return out, cols
    release_columns(cols)
    return out, None


def _gemm_forward(x, weight, bias, groups, geometry, cols, out):
    """out (N, O, OH, OW) = the convolution of x with weight (+ bias): im2col of x into `cols`
    (C * KH * KW, N, OH * OW), then one GEMM per group."""
    n, o, oh, ow = out.shape
    K.im2col(x, weight.shape[2:], geometry, cols)
    w = weight.reshape(groups, o // groups, -1)
    # (groups, O / groups, N * P)
    product = matmul(w, cols.reshape(groups, -1, n * oh * ow), in_pool=True)
    by_channel = product.reshape(o, n, oh * ow).transpose(1, 0, 2)
    if bias is not None:
        np.add(by_channel, bias.reshape(1, o, 1), out=out.reshape(n, o, oh * ow))
    else:
        out.reshape(n, o, oh * ow)[...] = by_channel


def channels_first(g):
    """g (N, O, OH, OW) as (O, N * OH * OW), the layout of the backward GEMMs (a copy)."""
    n, o = g.shape[:2]
    return np.ascontiguousarray(g.reshape(n, o, -1).transpose(1, 0, 2)).reshape(o, -1)


def input_grad(g, weight, groups, geometry, x_shape, saved=None, g_by_channel=None, out=None):
    """The gradient with respect to the input (of shape x_shape) of forward's output gradient g,
    into `out` when given (C-contiguous, of x_shape and g's dtype). `saved` is what forward kept:
    a column buffer is overwritten and released (its last use); `g_by_channel` is
    `channels_first(g)` when the caller has it."""
    gx = np.empty(x_shape, dtype=g.dtype) if out is None else out
    if gx.size == 0:
        return gx
    if g.size == 0 or weight.size == 0:
        gx[...] = 0
        return gx
    n, o, oh, ow = g.shape
    if not use_gemm(x_shape[1], o, groups):
        K.conv2d_input_grad(g, weight, groups, geometry, gx)
        return gx
    if matmul_arrays.IN_THREAD_POOL:
        release_columns(saved if isinstance(saved, np.ndarray) else None)
        conv_by_sample.conv2d_input_grad_by_sample(g, weight, groups, geometry, gx)
        return gx
    if g_by_channel is None:
        g_by_channel = channels_first(g)
    w = weight.reshape(groups, o // groups, -1)
    ckk = x_shape[1] * weight.shape[2] * weight.shape[3]
    cols = saved
    if not isinstance(cols, np.ndarray) or cols.shape != (ckk, n, oh * ow) or cols.dtype != g.dtype:
        cols = _column_buffer((ckk, n, oh * ow), g.dtype)
    matmul(w.transpose(0, 2, 1), g_by_channel.reshape(groups, o // groups, -1),
           out=cols.reshape(groups, ckk // groups, -1), in_pool=True)
    K.col2im(cols, weight.shape[2:], geometry, gx)
    release_columns(cols)
    return gx


def weight_grad(x, g, groups, geometry, w_shape, saved=None, g_by_channel=None):
    """The gradient with respect to the weight (of shape w_shape) of forward's output gradient g;
    `saved` is what forward kept for it, if anything; `g_by_channel` as in input_grad."""
    gw = np.empty(w_shape, dtype=g.dtype)
    if gw.size == 0:
        return gw
    if g.size == 0 or x.size == 0:
        gw[...] = 0
        return gw
    n, o, oh, ow = g.shape
    if not use_gemm(x.shape[1], o, groups):
        K.conv2d_weight_grad(x, g, groups, geometry, gw)
        return gw
    if isinstance(saved, W.PaddedInput):
        return W.weight_grad(saved, g, groups, geometry, w_shape)
    if (saved is None and use_wide(x.shape, x.dtype, w_shape, groups, geometry, True, False)
            and W.can_take_weight_grad(x)):
        return W.weight_grad(W.padded(x, geometry[2], geometry[3]), g, groups, geometry, w_shape)
    cols = saved
    own = cols is None
    if own:
        cols = columns(x, w_shape[2:], geometry, (oh, ow))
    if g_by_channel is None:
        g_by_channel = channels_first(g)
    # (columns @ g^T)^T rather than g @ columns^T: with the long summed dim (N * OH * OW) and
    # few output channels, OpenBLAS on 2 threads took 100 ms of wall time for the latter and 35 ms
    # for the former (MNIST CNN conv2, batch 64; 20 ms either way on one thread)
    product = matmul(cols.reshape(groups, -1, n * oh * ow),
                     g_by_channel.reshape(groups, o // groups, -1).transpose(0, 2, 1), in_pool=True)
    gw.reshape(groups, o // groups, -1)[...] = product.transpose(0, 2, 1)
    if own:
        release_columns(cols)
    return gw
