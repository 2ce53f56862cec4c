"""Row-wise softmax and log-softmax kernels (forward and backward) over C-contiguous 2-D arrays
(rows, classes). Each row is shifted by its maximum, so logits of any magnitude are exact.

Contract of every kernel here, checked by its public wrapper (`contract.py`): the arrays (x or
g, y, out) are 2-D, C-contiguous, of one dtype (float32 or float64) and one shape, and `out` is
writable. Each jitted loop is the underscore-named function just above its wrapper.
"""
import math

from numba import njit

from .contract import check_same_matrices


@njit(cache=True, error_model="numpy")
def _row_shift(x, r):
    """The row's maximum (0 for a row of -inf, so that it gives nan rather than inf - inf)."""
    m = -math.inf
    for c in range(x.shape[1]):
        if x[r, c] > m:
            m = x[r, c]
    return m if m != -math.inf else 0.0


@njit(cache=True, error_model="numpy")
def _softmax_rows(x, out):
    for r in range(x.shape[0]):
        m = _row_shift(x, r)
        total = 0.0
        for c in range(x.shape[1]):
            e = math.exp(x[r, c] - m)
            out[r, c] = e
            total += e
        for c in range(x.shape[1]):
            out[r, c] = out[r, c] / total


def softmax_rows(x, out):
    """out[r] = softmax(x[r]) for every row r."""
    check_same_matrices("softmax_rows", ("x", "out"), (x, out), writable=("out",))
    _softmax_rows(x, out)


@njit(cache=True, error_model="numpy")
def _log_softmax_rows(x, out):
    for r in range(x.shape[0]):
        m = _row_shift(x, r)
        total = 0.0
        for c in range(x.shape[1]):
            total += math.exp(x[r, c] - m)
        lse = m + math.log(total)
        for c in range(x.shape[1]):
            out[r, c] = x[r, c] - lse


def log_softmax_rows(x, out):
    """out[r] = log_softmax(x[r]) for every row r."""
    check_same_matrices("log_softmax_rows", ("x", "out"), (x, out), writable=("out",))
    _log_softmax_rows(x, out)


@njit(cache=True, error_model="numpy")
def _softmax_rows_backward(g, y, out):
    for r in range(g.shape[0]):
        dot = 0.0
        for c in range(g.shape[1]):
            dot += g[r, c] * y[r, c]
        for c in range(g.shape[1]):
            out[r, c] = y[r, c] * (g[r, c] - dot)


def softmax_rows_backward(g, y, out):
    """out = y * (g - sum(g * y, row)), y being the softmax output."""
    check_same_matrices("softmax_rows_backward", ("g", "y", "out"), (g, y, out), writable=("out",))
    _softmax_rows_backward(g, y, out)


@njit(cache=True, error_model="numpy")
def _log_softmax_rows_backward(g, y, out):
    for r in range(g.shape[0]):
        total = 0.0
        for c in range(g.shape[1]):
            total += g[r, c]
        for c in range(g.shape[1]):
            out[r, c] = g[r, c] - math.exp(y[r, c]) * total


def log_softmax_rows_backward(g, y, out):
    """out = g - exp(y) * sum(g, row), y being the log_softmax output."""
    check_same_matrices("log_softmax_rows_backward", ("g", "y", "out"), (g, y, out), writable=("out",))
    _log_softmax_rows_backward(g, y, out)
