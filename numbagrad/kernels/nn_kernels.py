"""Fused kernels of `numbagrad.nn.functional`: cross-entropy from logits and dropout.

Pure functions on C-contiguous NumPy arrays, serial (per-row work of the sizes we train at is
cheaper than starting a parallel region). Each public kernel checks its stated contract
(`contract.py`) before its jitted loop (the underscore-named function above it) runs. Class
indices were validated by the op layer, and the loops check each one again as they read it, so a
label changed in place after validation raises IndexError instead of reading out of bounds.
"""
import math

import numpy as np
from numba import njit

from .contract import KernelContractError, check_float_array, check_same_flat, check_vector


@njit(cache=True, error_model="numpy")
def _cross_entropy_forward(x, target, weight, ignore_index, smoothing, loss, lse, wt):
    """Per-row cross-entropy of logits x (M, C) with class indices target (M,).

    loss[i] = (1 - s) * w[t] * (lse_i - x[i, t]) + (s / C) * sum_c w[c] * (lse_i - x[i, c]),
    0 for rows whose target is ignore_index. Writes the row's log-sum-exp into lse (float64, for
    the backward pass) and w[t] (0 when ignored) into wt (the denominator of 'mean').
    lse_i - x[i, c] is computed as log(sum exp(x - m)) - (x[i, c] - m), exact for huge logits.
    """
    m_rows, c = x.shape
    for i in range(m_rows):
        t = target[i]
        m = x[i, 0]
        for j in range(1, c):
            if x[i, j] > m:
                m = x[i, j]
        s = 0.0
        for j in range(c):
            s += math.exp(x[i, j] - m)
        log_s = math.log(s)
        lse[i] = m + log_s
        if t == ignore_index:
            loss[i] = 0.0
            wt[i] = 0.0
            continue
        if t < 0 or t >= c:
            raise IndexError("cross_entropy: a target class index is out of bounds")
        w_t = weight[t]
        wt[i] = w_t
        value = (1.0 - smoothing) * w_t * (log_s - (x[i, t] - m))
        if smoothing != 0.0:
            acc = 0.0
            for j in range(c):
                acc += weight[j] * (log_s - (x[i, j] - m))
            value += smoothing / c * acc
        loss[i] = value


def _check_cross_entropy_rows(kernel, x, target, weight):
    check_float_array(kernel, "x", x, 2)
    m_rows, c = x.shape
    if m_rows > 0 and c == 0:
        raise KernelContractError(f"kernel {kernel}: x has {m_rows} rows and no classes")
    check_vector(kernel, "target", target, m_rows, np.int64)
    check_vector(kernel, "weight", weight, c, x.dtype)


def cross_entropy_forward(x, target, weight, ignore_index, smoothing, loss, lse, wt):
    """Per-row cross-entropy (the jitted loop above says what it computes).

    Contract: x (M, C) float32/float64 with C >= 1 when M >= 1; target (M,) int64, each entry
    ignore_index or in [0, C) (an entry outside raises IndexError); weight (C,) of x's dtype;
    loss, lse, wt (M,) float64, writable. All C-contiguous.
    """
    _check_cross_entropy_rows("cross_entropy_forward", x, target, weight)
    for name, a in (("loss", loss), ("lse", lse), ("wt", wt)):
        check_vector("cross_entropy_forward", name, a, x.shape[0], np.float64, writable=True)
    _cross_entropy_forward(x, target, weight, ignore_index, smoothing, loss, lse, wt)


@njit(cache=True, error_model="numpy")
def _cross_entropy_backward(x, target, weight, ignore_index, smoothing, weight_sum, lse, gscale, out):
    """Gradient of the per-row losses above w.r.t. x, each row scaled by gscale[i]:
    out[i, c] = gscale[i] * ((1 - s) * w[t] * (p_c - [c == t]) + (s / C) * (W * p_c - w[c])),
    with p_c = exp(x[i, c] - lse_i) and W = sum(w); 0 for ignored rows."""
    m_rows, c = x.shape
    for i in range(m_rows):
        t = target[i]
        if t == ignore_index:
            for j in range(c):
                out[i, j] = 0.0
            continue
        if t < 0 or t >= c:
            raise IndexError("cross_entropy: a target class index is out of bounds")
        g = gscale[i]
        a = (1.0 - smoothing) * weight[t]
        b = smoothing / c
        li = lse[i]
        for j in range(c):
            p = math.exp(x[i, j] - li)
            out[i, j] = g * (a * p + b * (weight_sum * p - weight[j]))
        out[i, t] -= g * a


def cross_entropy_backward(x, target, weight, ignore_index, smoothing, weight_sum, lse, gscale, out):
    """Gradient of the per-row losses (the jitted loop above says what it computes).

    Contract: x, target, weight as in cross_entropy_forward; lse and gscale (M,) float64; out of
    x's shape and dtype, writable. All C-contiguous.
    """
    _check_cross_entropy_rows("cross_entropy_backward", x, target, weight)
    check_vector("cross_entropy_backward", "lse", lse, x.shape[0], np.float64)
    check_vector("cross_entropy_backward", "gscale", gscale, x.shape[0], np.float64)
    check_float_array("cross_entropy_backward", "out", out, 2, x.dtype, writable=True)
    if out.shape != x.shape:
        raise KernelContractError(f"kernel cross_entropy_backward: out has shape {out.shape}, "
                                  f"x has shape {x.shape}")
    _cross_entropy_backward(x, target, weight, ignore_index, smoothing, weight_sum, lse, gscale, out)


@njit(cache=True, error_model="numpy")
def _dropout_forward(x, u, p, scale, out, mask):
    """Inverted dropout on flat arrays: keep x[i] where the uniform draw u[i] >= p, scaled by
    `scale` = 1 / (1 - p). mask[i] is scale where kept and 0 where dropped (backward: g * mask)."""
    for i in range(x.shape[0]):
        if u[i] >= p:
            mask[i] = scale
            out[i] = x[i] * scale
        else:
            mask[i] = 0.0
            out[i] = x[i] * 0.0


def dropout_forward(x, u, p, scale, out, mask):
    """Inverted dropout (the jitted loop above says what it computes).

    Contract: x, u, out, mask 1-D, C-contiguous, of one dtype (float32/float64) and one size;
    out and mask writable.
    """
    check_same_flat("dropout_forward", ("x", "u", "out", "mask"), (x, u, out, mask),
                    writable=("out", "mask"))
    _dropout_forward(x, u, p, scale, out, mask)
