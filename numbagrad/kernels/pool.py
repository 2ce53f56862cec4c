"""Pooling kernels over (P, H, W) stacks of planes (P = N * C): max pooling with argmax indices and
its gradient scatter, average pooling and its gradient.

Windows are given per output row and column, so one kernel serves the fixed windows of
`max_pool2d` / `avg_pool2d` (padding, dilation, ceil_mode) and the variable ones of the adaptive
pools: output (oh, ow) pools input rows hs[oh], hs[oh] + step_h, ... below he[oh] and columns
ws[ow], ..., below we[ow] (empty when hs[oh] >= he[oh]). Positions outside the input never appear:
the op layer clips the windows to [0, H) x [0, W) before the call (padding is never materialised).

Parallel over planes (`prange`): each iteration owns one output plane (forward) or one input-
gradient plane (backward), so the results do not depend on the thread count.

Contracts (checked by the public wrappers): planes 3-D, C-contiguous, of one float dtype; window
arrays int64, one entry per output row / column, within [0, H] / [0, W]; steps >= 1; argmax
indices int64 of the output's shape; outputs writable. Indices read back by the max-pool gradient
are checked in the loop as they are read: an index outside its plane is counted, never followed.
"""
import numpy as np
from numba import njit, prange

from .contract import KernelContractError, check_float_array
from .parallel_region import PARALLEL_REGION


def _check_windows(kernel, size, starts, ends, count, step, axis):
    for name, a in ((f"{axis}_starts", starts), (f"{axis}_ends", ends)):
        if (type(a) is not np.ndarray or a.dtype != np.int64 or a.ndim != 1 or a.shape[0] != count
                or not a.flags.c_contiguous):
            raise KernelContractError(f"kernel {kernel}: '{name}' must be a 1-D C-contiguous int64 "
                                      f"array of size {count}")
        if count and (a.min() < 0 or a.max() > size):
            raise KernelContractError(f"kernel {kernel}: '{name}' must lie in [0, {size}]")
    if type(step) is not int or step < 1:
        raise KernelContractError(f"kernel {kernel}: the {axis} step must be an int >= 1, got {step!r}")


def _check_pool(kernel, x, out, windows, x_written):
    check_float_array(kernel, "x", x, 3, writable=x_written)
    check_float_array(kernel, "out", out, 3, x.dtype, writable=not x_written)
    hs, he, ws, we, step_h, step_w = windows
    p, h, w = x.shape
    if out.shape[0] != p:
        raise KernelContractError(f"kernel {kernel}: x has {p} planes, out has {out.shape[0]}")
    _check_windows(kernel, h, hs, he, out.shape[1], step_h, "h")
    _check_windows(kernel, w, ws, we, out.shape[2], step_w, "w")


def _check_indices(kernel, indices, shape):
    if (type(indices) is not np.ndarray or indices.dtype != np.int64 or indices.shape != shape
            or not indices.flags.c_contiguous):
        raise KernelContractError(f"kernel {kernel}: 'indices' must be a C-contiguous int64 array of "
                                  f"shape {shape}")


@njit(cache=True, parallel=True, error_model="numpy")
def _max_pool(x, hs, he, ws, we, step_h, step_w, out, indices):
    p_n, h_n, w_n = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    for p in prange(p_n):
        for oh in range(oh_n):
            for ow in range(ow_n):
                best = -np.inf
                where = hs[oh] * w_n + ws[ow]
                for h in range(hs[oh], he[oh], step_h):
                    for w in range(ws[ow], we[ow], step_w):
                        v = x[p, h, w]
                        # NaN wins (the last NaN's index), as PyTorch; selects, not branches
                        # (30% faster on random data, whose comparisons a branch cannot predict)
                        take = (v > best) | (v != v)
                        best = v if take else best
                        where = h * w_n + w if take else where
                out[p, oh, ow] = best
                indices[p, oh, ow] = where


def max_pool(x, windows, out, indices):
    """out[p, oh, ow] = the maximum of x[p] over the window (hs[oh]:he[oh]:step_h,
    ws[ow]:we[ow]:step_w), indices[p, oh, ow] its flat position h * W + w in the plane (the first
    maximum; the last NaN when the window holds NaN; -inf and the window's first position when
    the window is empty). Mirrors the CPU kernel of `torch.nn.functional.max_pool2d`.

    Contract: x (P, H, W) and out (P, OH, OW) of one float dtype, indices int64 (P, OH, OW), both
    writable; windows = (hs, he, ws, we, step_h, step_w) as in the module docstring."""
    _check_pool("max_pool", x, out, windows, x_written=False)
    _check_indices("max_pool", indices, out.shape)
    if not indices.flags.writeable:
        raise KernelContractError("kernel max_pool: 'indices' must be writable")
    with PARALLEL_REGION:
        _max_pool(x, *windows, out, indices)


@njit(cache=True, parallel=True, error_model="numpy")
def _max_pool_2x2(x, out, indices):
    w_n = x.shape[2]
    for p in prange(x.shape[0]):
        for oh in range(out.shape[1]):
            top = 2 * oh
            for ow in range(out.shape[2]):
                # the window in PyTorch's scan order; NaN wins as in _max_pool
                left = 2 * ow
                best = x[p, top, left]
                where = top * w_n + left
                v = x[p, top, left + 1]
                take = (v > best) | (v != v)
                best = v if take else best
                where = top * w_n + left + 1 if take else where
                v = x[p, top + 1, left]
                take = (v > best) | (v != v)
                best = v if take else best
                where = (top + 1) * w_n + left if take else where
                v = x[p, top + 1, left + 1]
                take = (v > best) | (v != v)
                best = v if take else best
                where = (top + 1) * w_n + left + 1 if take else where
                out[p, oh, ow] = best
                indices[p, oh, ow] = where


def max_pool_2x2(x, out, indices):
    """max_pool with the windows of kernel 2, stride 2 and no padding, every one inside x: the
    same results, faster, for the most common pooling of CNNs. The value and the index are chosen
    by two separate selects: one select of the pair (`best, where = (v, i) if take else ...`)
    measured 2-2.4x slower (ms, 1 | 2 threads: LeNet-5's first pool at batch 64, (384, 28, 28),
    0.45 -> 0.22 | 0.23 -> 0.11; the MNIST CNN's at batch 64, (4096, 24, 24), 3.7 -> 1.6 |
    1.9 -> 0.78), and that version was itself 2-3x faster than the generic window loop.

    Contract: x (P, H, W) and out (P, H // 2, W // 2) of one float dtype, indices int64 of out's
    shape, both writable."""
    check_float_array("max_pool_2x2", "x", x, 3)
    check_float_array("max_pool_2x2", "out", out, 3, x.dtype, writable=True)
    _check_indices("max_pool_2x2", indices, out.shape)
    if not indices.flags.writeable:
        raise KernelContractError("kernel max_pool_2x2: 'indices' must be writable")
    if out.shape != (x.shape[0], x.shape[1] // 2, x.shape[2] // 2):
        raise KernelContractError(f"kernel max_pool_2x2: out has shape {out.shape}, expected "
                                  f"{(x.shape[0], x.shape[1] // 2, x.shape[2] // 2)} for x {x.shape}")
    with PARALLEL_REGION:
        _max_pool_2x2(x, out, indices)


@njit(cache=True, parallel=True, error_model="numpy")
def _max_pool_backward(g, indices, gx, bad):
    p_n, h_n, w_n = gx.shape
    oh_n, ow_n = g.shape[1], g.shape[2]
    size = h_n * w_n
    for p in prange(p_n):
        plane = gx[p].reshape(size)
        plane[:] = 0
        wrong = 0
        for oh in range(oh_n):
            for ow in range(ow_n):
                j = indices[p, oh, ow]
                if j >= 0 and j < size:
                    plane[j] += g[p, oh, ow]
                elif j != -1:
                    wrong += 1
        bad[p] = wrong


def max_pool_backward(g, indices, gx):
    """gx = 0, then gx[p].flat[indices[p, oh, ow]] += g[p, oh, ow] for every output: the gradient
    of max_pool scattered through its argmax indices (-1: an output that read no input).

    Contract: g (P, OH, OW) and gx (P, H, W) of one float dtype, gx writable; indices int64 of g's
    shape, each -1 or in [0, H * W); any other raises KernelContractError after the loop (never
    written)."""
    check_float_array("max_pool_backward", "g", g, 3)
    check_float_array("max_pool_backward", "gx", gx, 3, g.dtype, writable=True)
    _check_indices("max_pool_backward", indices, g.shape)
    if gx.shape[0] != g.shape[0]:
        raise KernelContractError(f"kernel max_pool_backward: g has {g.shape[0]} planes, gx has "
                                  f"{gx.shape[0]}")
    bad = np.zeros(g.shape[0], dtype=np.int64)
    with PARALLEL_REGION:
        _max_pool_backward(g, indices, gx, bad)
    if bad.any():
        raise KernelContractError(f"kernel max_pool_backward: {int(bad.sum())} indices outside their "
                                  f"plane of {gx.shape[1]} x {gx.shape[2]}")


@njit(cache=True, parallel=True, error_model="numpy")
def _avg_pool(x, hs, he, ws, we, divisor, out):
    p_n = x.shape[0]
    oh_n, ow_n = out.shape[1], out.shape[2]
    for p in prange(p_n):
        for oh in range(oh_n):
            for ow in range(ow_n):
                total = 0.0
                for h in range(hs[oh], he[oh]):
                    for w in range(ws[ow], we[ow]):
                        total += x[p, h, w]
                out[p, oh, ow] = total / divisor[oh, ow] if he[oh] > hs[oh] and we[ow] > ws[ow] else 0.0


def avg_pool(x, windows, divisor, out):
    """out[p, oh, ow] = sum of x[p, hs[oh]:he[oh], ws[ow]:we[ow]] / divisor[oh, ow] (0 for an
    empty window). Mirrors the CPU kernels of `avg_pool2d` and `adaptive_avg_pool2d`, whose
    divisors (count_include_pad, divisor_override) the op layer computes.

    Contract: x (P, H, W), out (P, OH, OW) of one float dtype, out writable; windows as in the
    module docstring with both steps 1; divisor (OH, OW) float64."""
    _check_pool("avg_pool", x, out, windows, x_written=False)
    _check_divisor("avg_pool", divisor, windows, out.shape[1:])
    with PARALLEL_REGION:
        _avg_pool(x, *windows[:4], divisor, out)


def _check_divisor(kernel, divisor, windows, shape):
    if windows[4] != 1 or windows[5] != 1:
        raise KernelContractError(f"kernel {kernel}: average pooling windows have step 1")
    if (type(divisor) is not np.ndarray or divisor.dtype != np.float64 or divisor.shape != shape
            or not divisor.flags.c_contiguous):
        raise KernelContractError(f"kernel {kernel}: 'divisor' must be a C-contiguous float64 array "
                                  f"of shape {shape}")


@njit(cache=True, parallel=True, error_model="numpy")
def _avg_pool_backward(g, hs, he, ws, we, divisor, gx):
    p_n = gx.shape[0]
    oh_n, ow_n = g.shape[1], g.shape[2]
    for p in prange(p_n):
        gx[p] = 0
        for oh in range(oh_n):
            for ow in range(ow_n):
                v = g[p, oh, ow] / divisor[oh, ow]
                for h in range(hs[oh], he[oh]):
                    for w in range(ws[ow], we[ow]):
                        gx[p, h, w] += v


def avg_pool_backward(g, windows, divisor, gx):
    """gx = 0, then every g[p, oh, ow] / divisor[oh, ow] is added over its window: the gradient of
    avg_pool.

    Contract: as avg_pool, with g in out's place and gx (written) in x's."""
    _check_pool("avg_pool_backward", gx, g, windows, x_written=True)
    _check_divisor("avg_pool_backward", divisor, windows, g.shape[1:])
    with PARALLEL_REGION:
        _avg_pool_backward(g, *windows[:4], divisor, gx)
