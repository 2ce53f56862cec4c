"""Fused kernels of `numbagrad.nn.functional`: cross-entropy from logits and dropout.

Pure functions on C-contiguous NumPy arrays, serial (per-row work of the sizes we train at is
cheaper than starting a parallel region). Indices reaching these kernels were validated in Python.
"""
import math

from numba import njit


@njit(cache=True, error_model="numpy")
def cross_entropy_forward(x, target, weight, ignore_index, smoothing, loss, lse, wt):
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
        w_t = weight[t]
        wt[i] = w_t
        value = (1.0 - smoothing) * w_t * (log_s - (x[i, t] - m))
        if smoothing != 0.0:
            acc = 0.0
            for j in range(c):
                acc += weight[j] * (log_s - (x[i, j] - m))
            value += smoothing / c * acc
        loss[i] = value


@njit(cache=True, error_model="numpy")
def cross_entropy_backward(x, target, weight, ignore_index, smoothing, weight_sum, lse, gscale, out):
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
        g = gscale[i]
        a = (1.0 - smoothing) * weight[t]
        b = smoothing / c
        li = lse[i]
        for j in range(c):
            p = math.exp(x[i, j] - li)
            out[i, j] = g * (a * p + b * (weight_sum * p - weight[j]))
        out[i, t] -= g * a


@njit(cache=True, error_model="numpy")
def dropout_forward(x, u, p, scale, out, mask):
    """Inverted dropout on flat arrays: keep x[i] where the uniform draw u[i] >= p, scaled by
    `scale` = 1 / (1 - p). mask[i] is scale where kept and 0 where dropped (backward: g * mask)."""
    for i in range(x.shape[0]):
        if u[i] >= p:
            mask[i] = scale
            out[i] = x[i] * scale
        else:
            mask[i] = 0.0
            out[i] = x[i] * 0.0
