"""Plain NumPy references of the convolution-family ops, for their registry samples (the op tests
compare each sample's result with them). Written from PyTorch's documented formulas with loops over
kernel taps and output cells, sharing nothing with the kernels or the ops they check. Batched
input, float64; `dims` is the number of spatial dims (1 or 2)."""
import math

import numpy as np


def _n(value, dims):
    return tuple(value) * (dims // len(value)) if isinstance(value, (tuple, list)) else (value,) * dims


def unbatched(ref):
    """The reference `ref` of batched input applied to one unbatched input (and its other arguments)."""
    def of_one(x, *rest):
        out = ref(x[None], *rest)
        return tuple(o[0] for o in out) if isinstance(out, tuple) else out[0]
    return of_one


def _strided(size, start, count, step):
    return slice(start, start + (count - 1) * step + 1, step)


def conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """`torch.nn.functional.conv1d/conv2d` (padding an int, a tuple, 'valid' or 'same')."""
    dims = w.ndim - 2
    stride, dilation = _n(stride, dims), _n(dilation, dims)
    if padding == "same":
        totals = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
        pads = [(t // 2, t - t // 2) for t in totals]
    else:
        pads = [(p, p) for p in _n(0 if padding == "valid" else padding, dims)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    sizes = [(s - d * (k - 1) - 1) // st + 1 for s, d, k, st in zip(xp.shape[2:], dilation, w.shape[2:], stride)]
    n, c, o = x.shape[0], x.shape[1], w.shape[0]
    cg, og = c // groups, o // groups
    out = np.zeros((n, o) + tuple(sizes))
    for tap in np.ndindex(*w.shape[2:]):
        window = (slice(None), slice(None)) + tuple(_strided(s, t * d, size, st) for s, t, d, size, st in
                                                    zip(xp.shape[2:], tap, dilation, sizes, stride))
        patch = xp[window]
        for g in range(groups):
            taps = w[(slice(g * og, (g + 1) * og), slice(None)) + tap]
            out[:, g * og:(g + 1) * og] += np.einsum("nc...,oc->no...", patch[:, g * cg:(g + 1) * cg], taps)
    if b is not None:
        out += b.reshape((1, -1) + (1,) * dims)
    return out


def conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """`torch.nn.functional.conv_transpose1d/2d`: every input value scattered through the kernel,
    then `padding` cropped from both ends of each spatial dim."""
    dims = w.ndim - 2
    stride, padding, dilation = _n(stride, dims), _n(padding, dims), _n(dilation, dims)
    output_padding = _n(output_padding, dims)
    n, c = x.shape[:2]
    cg, og = c // groups, w.shape[1]
    full = [(i - 1) * s + d * (k - 1) + 1 + op for i, s, d, k, op in
            zip(x.shape[2:], stride, dilation, w.shape[2:], output_padding)]
    out = np.zeros((n, og * groups) + tuple(full))
    for tap in np.ndindex(*w.shape[2:]):
        window = (slice(None), slice(None)) + tuple(_strided(f, t * d, i, s) for f, t, d, i, s in
                                                    zip(full, tap, dilation, x.shape[2:], stride))
        for g in range(groups):
            taps = w[(slice(g * cg, (g + 1) * cg), slice(None)) + tap]
            contribution = np.einsum("nc...,co->no...", x[:, g * cg:(g + 1) * cg], taps)
            out[(slice(None), slice(g * og, (g + 1) * og)) + window[2:]] += contribution
    out = out[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
    if b is not None:
        out = out + b.reshape((1, -1) + (1,) * dims)
    return out


def _pooled_size(size, k, s, p, d, ceil_mode):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    return out - 1 if ceil_mode and (out - 1) * s >= size + p else out


def _pool_taps(x, dims, kernel, stride, padding, dilation, ceil_mode, fill):
    """(values (taps, N, C, *out), flat positions in the unpadded plane (taps, *out)) of every
    window tap, padding and positions past the input holding `fill`."""
    kernel, stride, padding, dilation = (_n(v, dims) for v in (kernel, stride or kernel, padding, dilation))
    spatial = x.shape[2:]
    sizes = [_pooled_size(*a, ceil_mode) for a in zip(spatial, kernel, stride, padding, dilation)]
    extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (i + 2 * p)) for o, s, d, k, i, p in
             zip(sizes, stride, dilation, kernel, spatial, padding)]
    pads = [(p, p + e) for p, e in zip(padding, extra)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads, constant_values=fill)
    flat = np.pad(np.arange(math.prod(spatial)).reshape(spatial), pads, constant_values=-1)
    values, positions = [], []
    for tap in np.ndindex(*kernel):
        window = tuple(_strided(0, t * d, o, s) for t, d, o, s in zip(tap, dilation, sizes, stride))
        values.append(xp[(slice(None), slice(None)) + window])
        positions.append(flat[window])
    return np.stack(values), np.stack(positions), kernel, padding, stride


def max_pool(x, dims, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """`torch.nn.functional.max_pool1d/2d`: the first maximum of each window, padding as -inf."""
    values, positions, *_ = _pool_taps(x, dims, kernel, stride, padding, dilation, ceil_mode, -np.inf)
    first = np.argmax(values, axis=0)
    out = np.take_along_axis(values, first[None], 0)[0]
    if not return_indices:
        return out
    indices = np.take_along_axis(np.broadcast_to(positions[:, None, None], values.shape), first[None], 0)[0]
    return out, indices.astype(np.int64)


def avg_pool(x, dims, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None):
    """`torch.nn.functional.avg_pool1d/2d`: the window's sum over its size clipped to the padded
    input (count_include_pad), or over the input pixels it covers, or over divisor_override."""
    values, _, kernel, padding, stride = _pool_taps(x, dims, kernel, stride, padding, 1, ceil_mode, 0.0)
    counts = np.ones(())
    for size, out, k, s, p in zip(x.shape[2:], values.shape[3:], kernel, stride, padding):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts = np.multiply.outer(counts, end - start)
    divisor = divisor_override if divisor_override is not None else counts
    return values.sum(axis=0) / divisor


def _adaptive_cells(size, out):
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def adaptive_pool(x, dims, output_size, reduce):
    """`torch.nn.functional.adaptive_{avg,max}_pool1d/2d`: output cell i of a dim of size S out of
    O reduces inputs floor(i * S / O) to ceil((i + 1) * S / O) (`reduce(block)` of the cell's block,
    which returns the value)."""
    sizes = _n(output_size, dims)
    sizes = tuple(s if s is not None else i for s, i in zip(sizes, x.shape[2:]))
    cells = [_adaptive_cells(i, o) for i, o in zip(x.shape[2:], sizes)]
    out = np.zeros(x.shape[:2] + sizes)
    for index in np.ndindex(*sizes):
        block = x[(slice(None), slice(None)) + tuple(slice(*cells[d][i]) for d, i in enumerate(index))]
        out[(slice(None), slice(None)) + index] = reduce(block.reshape(block.shape[:2] + (-1,)))
    return out


def max_unpool(x, indices, output_shape):
    """`torch.nn.functional.max_unpool1d/2d`: zeros with each value at its flat index of its plane."""
    out = np.zeros(x.shape[:2] + (math.prod(output_shape),))
    flat_x, flat_i = x.reshape(x.shape[:2] + (-1,)), indices.reshape(x.shape[:2] + (-1,))
    np.put_along_axis(out, flat_i, flat_x, axis=2)
    return out.reshape(x.shape[:2] + tuple(output_shape))


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x, amounts, mode="constant", value=0.0):
    """`torch.nn.functional.pad`: `amounts` (before, after) from the last dim backwards; negative
    amounts crop first."""
    if x.ndim == 0:
        return x.copy()
    k = len(amounts) // 2
    pairs = [(0, 0)] * (x.ndim - k) + [(amounts[2 * i], amounts[2 * i + 1]) for i in reversed(range(k))]
    x = x[tuple(slice(max(0, -a), s - max(0, -b)) for s, (a, b) in zip(x.shape, pairs))]
    pairs = [(max(0, a), max(0, b)) for a, b in pairs]
    if mode == "constant":
        return np.pad(x, pairs, mode="constant", constant_values=value)
    return np.pad(x, pairs, mode=_PAD_MODES[mode])


def _resample_matrix(mode, size, out, scale_factor, align_corners):
    """The (out, size) matrix of one dim of `interpolate`, from PyTorch's index rules."""
    matrix = np.zeros((out, size))
    for o in range(out):
        if mode in ("nearest", "nearest-exact"):
            scale = 1.0 / scale_factor if scale_factor else size / out
            shift = 0.5 if mode == "nearest-exact" else 0.0
            matrix[o, min(int(math.floor((o + shift) * scale)), size - 1)] = 1.0
            continue
        if align_corners:
            src = o * (size - 1) / (out - 1) if out > 1 else 0.0
        else:
            scale = 1.0 / scale_factor if scale_factor else size / out
            src = max((o + 0.5) * scale - 0.5, 0.0)
        low = min(int(math.floor(src)), size - 1)
        high = min(low + 1, size - 1)
        matrix[o, low] += 1.0 - (src - low)
        matrix[o, high] += src - low
    return matrix


def interpolate(x, sizes, mode="nearest", scale_factors=None, align_corners=False):
    """`torch.nn.functional.interpolate` for 'nearest', 'nearest-exact', 'linear', 'bilinear':
    one resampling matrix per spatial dim."""
    dims = x.ndim - 2
    scale_factors = scale_factors or (None,) * dims
    out = x
    for d in range(dims):
        matrix = _resample_matrix(mode, x.shape[2 + d], sizes[d], scale_factors[d], align_corners)
        out = np.moveaxis(np.tensordot(out, matrix, axes=([2 + d], [1])), -1, 2 + d)
    return out


def unfold(x, kernel, dilation=1, padding=0, stride=1):
    """`torch.nn.functional.unfold` of (N, C, H, W): (N, C * kH * kW, L)."""
    kernel, dilation, padding, stride = (_n(v, 2) for v in (kernel, dilation, padding, stride))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    sizes = [(s - d * (k - 1) - 1) // st + 1 for s, d, k, st in zip(xp.shape[2:], dilation, kernel, stride)]
    blocks = np.stack([xp[(slice(None), slice(None)) + tuple(
        _strided(0, t * d, o, s) for t, d, o, s in zip(tap, dilation, sizes, stride))]
        for tap in np.ndindex(*kernel)], axis=2)  # (N, C, taps, OH, OW)
    return blocks.reshape(x.shape[0], x.shape[1] * math.prod(kernel), sizes[0] * sizes[1])


def fold(cols, output_size, kernel, dilation=1, padding=0, stride=1):
    """`torch.nn.functional.fold` of (N, C * kH * kW, L): overlapping blocks summed."""
    kernel, dilation, padding, stride, output_size = (_n(v, 2) for v in (kernel, dilation, padding, stride,
                                                                        output_size))
    padded = [s + 2 * p for s, p in zip(output_size, padding)]
    sizes = [(s - d * (k - 1) - 1) // st + 1 for s, d, k, st in zip(padded, dilation, kernel, stride)]
    n = cols.shape[0]
    blocks = cols.reshape((n, cols.shape[1] // math.prod(kernel), math.prod(kernel)) + tuple(sizes))
    out = np.zeros((n, blocks.shape[1]) + tuple(padded))
    for t, tap in enumerate(np.ndindex(*kernel)):
        window = tuple(_strided(0, k * d, o, s) for k, d, o, s in zip(tap, dilation, sizes, stride))
        out[(slice(None), slice(None)) + window] += blocks[:, :, t]
    return out[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, output_size))]


def group_norm(x, groups, weight=None, bias=None, eps=1e-5):
    """`torch.nn.functional.group_norm`: each (sample, group) normalised by its biased variance."""
    grouped = x.reshape(x.shape[0], groups, math.prod(x.shape[1:]) // groups)
    mean = grouped.mean(axis=2, keepdims=True)
    var = grouped.var(axis=2, keepdims=True)
    out = ((grouped - mean) / np.sqrt(var + eps)).reshape(x.shape)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
