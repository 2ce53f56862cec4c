"""The windows of the pooling functions: argument checks with PyTorch's messages, output sizes
(ceil_mode included) and, per output row and column, the input range each window covers - the
`windows` tuple (hs, he, ws, we, step_h, step_w) of `numbagrad.kernels.pool`.

1-D pools are 2-D ones over a unit height: their geometry is given with kernel 1, stride 1,
padding 0 and dilation 1 in the height.
"""
import functools

import numpy as np


def _ints(op, value, dims, name):
    """An int or a sequence of `dims` ints (1 or `dims` for 2-D pools, as PyTorch)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * dims
    if isinstance(value, (tuple, list)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        if len(value) == dims or (dims == 2 and len(value) == 1):
            return tuple(int(v) for v in value) * (dims // len(value))
    if dims == 2:
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of two ints")
    raise RuntimeError(f"{op}() {name} must be an int, list of ints or tuple of ints of size 1 but "
                       f"got {value!r}")


def pool_geometry(op, dims, kernel_size, stride, padding, dilation):
    """((kh, kw), (sh, sw), (ph, pw), (dh, dw)) after PyTorch's checks; stride None or empty
    means kernel_size."""
    kernel = _ints(op, kernel_size, dims, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        _ints(op, stride, dims, "stride")
    padding = _ints(op, padding, dims, "padding")
    dilation = _ints(op, dilation, dims, "dilation")
    if any(k <= 0 for k in kernel):
        if dims == 1:
            raise RuntimeError(f"{op}() kernel_size must be greater than zero, but got {kernel[0]}")
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} "
                           f"kW: {kernel[1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[-1]}")
    for p in padding:
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    for p, k, d in zip(padding, kernel, dilation):
        if p > k // 2:  # PyTorch's pool2d_shape_check: the kernel size, not the dilated one
            if d == 1:
                raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                                   f"pad={p}, kernel_size={k} and dilation={d}")
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                               f"padW = {padding[-1]}, padH = {padding[0]}, kW = {kernel[-1]}, "
                               f"kH = {kernel[0]}")
    if dims == 1:
        return (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation
    return kernel, stride, padding, dilation


def pooled_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's `pooling_output_shape`: with ceil_mode the last window must start inside the
    input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _output_sizes(x_shape, geometry, ceil_mode):
    kernel, stride, padding, dilation = geometry
    sizes = tuple(pooled_size(s, k, st, p, d, ceil_mode) for s, k, st, p, d in
                  zip(x_shape[-2:], kernel, stride, padding, dilation))
    if sizes[0] < 1 or sizes[1] < 1:
        channels = x_shape[-3]
        raise RuntimeError(f"Given input size: ({channels}x{x_shape[-2]}x{x_shape[-1]}). Calculated "
                           f"output size: ({channels}x{sizes[0]}x{sizes[1]}). Output size is too small")
    return sizes


@functools.lru_cache(maxsize=64)
def max_pool_windows(op, x_shape, geometry, ceil_mode):
    """The windows of max pooling: the first tap inside the input (skipping the padding by whole
    dilation steps, as PyTorch) up to the last tap inside it, stepping by the dilation. Cached
    per call signature (a training loop pools the same shapes every step): the arrays are
    read-only."""
    sizes = _output_sizes(x_shape, geometry, ceil_mode)
    kernel, stride, padding, dilation = geometry
    windows = []
    for size, out, k, s, p, d in zip(x_shape[-2:], sizes, kernel, stride, padding, dilation):
        start = np.arange(out, dtype=np.int64) * s - p
        first = np.where(start < 0, start + (-start + d - 1) // d * d, start)
        end = np.minimum(start + (k - 1) * d + 1, size)
        windows += [np.minimum(first, size), np.maximum(end, 0)]
    for a in windows:
        a.flags.writeable = False
    return windows[0], windows[1], windows[2], windows[3], dilation[0], dilation[1]


def are_2x2_stride_2(windows, hw):
    """True when the windows are those of kernel 2, stride 2, no padding and dilation 1, each
    inside the (H, W) input: the windows `kernels.pool.max_pool_2x2` computes."""
    hs, he, ws, we, step_h, step_w = windows
    return (step_h == 1 and step_w == 1 and len(hs) == hw[0] // 2 and len(ws) == hw[1] // 2
            and np.array_equal(hs, np.arange(0, 2 * len(hs), 2)) and np.array_equal(he, hs + 2)
            and np.array_equal(ws, np.arange(0, 2 * len(ws), 2)) and np.array_equal(we, ws + 2))


def avg_pool_windows(op, x_shape, geometry, ceil_mode, count_include_pad, divisor_override):
    """(windows, divisor (OH, OW) float64) of average pooling, as PyTorch's CPU kernel: the
    divisor is the window's size clipped to the padded input (count_include_pad), or to the
    input, or divisor_override."""
    sizes = _output_sizes(x_shape, geometry, ceil_mode)
    kernel, stride, padding, _ = geometry
    windows, padded, inside = [], [], []
    for size, out, k, s, p in zip(x_shape[-2:], sizes, kernel, stride, padding):
        start = np.arange(out, dtype=np.int64) * s - p
        end = np.minimum(start + k, size + p)
        padded.append(end - start)
        lo, hi = np.clip(start, 0, size), np.clip(end, 0, size)
        windows += [lo, hi]
        inside.append(np.maximum(hi - lo, 0))
    if divisor_override is not None:
        divisor = np.full(sizes, float(divisor_override))
    elif count_include_pad:
        divisor = np.outer(padded[0], padded[1]).astype(np.float64)
    else:
        divisor = np.outer(inside[0], inside[1]).astype(np.float64)
    return (windows[0], windows[1], windows[2], windows[3], 1, 1), divisor


def adaptive_sizes(op, dims, output_size, input_sizes):
    """The output sizes of an adaptive pool: an int, or a tuple whose None entries keep the
    input's size."""
    if output_size is None or isinstance(output_size, (int, np.integer)):
        values = (output_size,) * dims
    elif isinstance(output_size, (tuple, list)):
        values = tuple(output_size)
        if len(values) != dims:
            raise RuntimeError(f"{op}: output_size must be {dims}")
    else:
        raise TypeError(f"{op}(): output_size must be an int or a tuple of ints, not "
                        f"{type(output_size).__name__}")
    sizes = []
    for v, s in zip(values, input_sizes):
        if v is None:
            v = s
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}(): output_size must contain ints or None, got {v!r}")
        sizes.append(int(v))
    if any(v < 0 for v in sizes):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{', '.join(str(v) for v in sizes)}}}")
    return tuple(sizes)


def adaptive_windows(input_hw, output_hw):
    """Output cell i of a dim of size S out of O covers inputs floor(i * S / O) to
    ceil((i + 1) * S / O), as PyTorch's adaptive pools."""
    windows = []
    for size, out in zip(input_hw, output_hw):
        i = np.arange(out, dtype=np.int64)
        windows += [(i * size) // out, -((-(i + 1) * size) // out)] if out else \
            [np.empty(0, np.int64), np.empty(0, np.int64)]
    return windows[0], windows[1], windows[2], windows[3], 1, 1


def unpool_size(op, dims, x_shape, geometry, output_size):
    """(H, W) of max_unpool: (in - 1) * stride - 2 * padding + kernel, or output_size (its last
    dims), which must lie within one stride of that."""
    kernel, stride, padding, _ = geometry
    default = tuple((i - 1) * s - 2 * p + k for i, s, p, k in
                    zip(x_shape[-2:], stride, padding, kernel))
    if output_size is None:
        return default
    size = tuple(output_size)
    if len(size) == dims + 2:
        size = size[2:]
    if len(size) != dims:
        raise ValueError(f"output_size should be a sequence containing {dims} or {dims + 2} "
                         f"elements, but it has a length of '{len(tuple(output_size))}'")
    size = ((1,) + size) if dims == 1 else size
    for d, (want, base, s) in enumerate(zip(size, default, stride)):
        if dims == 1 and d == 0:
            continue
        if not base - s < want < base + s:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d - (2 - dims)} must '
                             f"be between {base - s} and {base + s})")
    return tuple(int(v) for v in size)

