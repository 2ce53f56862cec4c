"""`matmul`: the matrix products of the ops (linear, matmul, the convolutions' GEMMs) on NumPy
arrays. Products large enough for NumPy's OpenBLAS to run on several threads are computed in
numba's thread pool instead (`numbagrad.kernels.gemm` says why: one thread pool, not two
spinning against each other); the rest, and whatever the pool's kernel cannot take, through
NumPy's `np.matmul`, which then stays on the calling thread.

`POOL_MIN_WORK` is where NumPy's OpenBLAS (0.3.31) starts its second thread: measured on 2 cores,
float32, by the CPU time of its worker thread over 3,000 products, M * N * K = 819,200 ran on one
thread and 2,097,152 on two.

Measured with the pool's kernel (2 cores, float32, wall ms, medians; the machine is shared, so
+-15%): the MNIST CNN's conv2 GEMMs at batch 64 (64 x 288 @ 288 x 36,864 and its two gradients)
took 12.5-13.4 / 16.2-19.5 / 11.5-12.2 ms against NumPy's 10.9-11.5 / 15.5-18.7 / 10.4-10.5 alone,
but inside a training step, where NumPy's spinning threads slowed every numba kernel that
followed, the steps got faster: LeNet-5 at batch 256 18.5-22.4 against 23.2-28.4 ms, and numba's
kernels in the step ran on two threads again (the MLP's eager steps: within noise either way).
"""
import numpy as np

from ..kernels import gemm as K

POOL_MIN_WORK = 1 << 20
# False where the pool's BLAS cannot load: every product then goes through NumPy
IN_THREAD_POOL = K.AVAILABLE
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _blas_ready(x):
    """x, or a C-contiguous copy when its matrices (last two axes) are neither row- nor
    column-major with a leading dimension at least their extent, which BLAS needs."""
    size = x.itemsize
    rows, cols = x.shape[-2:]
    row_stride, col_stride = x.strides[-2:]
    if col_stride == size and row_stride >= cols * size and row_stride % size == 0:
        return x
    if row_stride == size and col_stride >= rows * size and col_stride % size == 0:
        return x
    return np.ascontiguousarray(x)


def matmul(a, b, out=None):
    """np.matmul(a, b, out=out) for NumPy arrays. a and b of 2 or 3 dims (a 2-D operand is shared
    by every matrix of the other) of one float dtype, each matrix at least POOL_MIN_WORK
    multiply-adds: computed in numba's thread pool; anything else: np.matmul itself."""
    if (not IN_THREAD_POOL or a.dtype != b.dtype or a.dtype not in _FLOATS or a.ndim not in (2, 3)
            or b.ndim not in (2, 3) or (a.ndim == 3 and b.ndim == 3 and a.shape[0] != b.shape[0])):
        return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.shape[-2] != k or m * n * k < POOL_MIN_WORK:
        return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    count = a.shape[0] if a.ndim == 3 else b.shape[0] if b.ndim == 3 else 0
    shape = (count, m, n) if count else (m, n)
    if (out is None or out.shape != shape or out.dtype != a.dtype or not out.flags.c_contiguous
            or np.may_share_memory(out, a) or np.may_share_memory(out, b)):
        result = np.empty(shape, dtype=a.dtype)
    else:
        result = out
    a, b = _blas_ready(a), _blas_ready(b)
    if not count:
        K.gemm(a, b, result)
    for i in range(count):
        K.gemm(a[i] if a.ndim == 3 else a, b[i] if b.ndim == 3 else b, result[i])
    if out is not None and result is not out:
        out[...] = result
        return out
    return result
