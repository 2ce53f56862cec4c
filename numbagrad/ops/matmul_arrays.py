"""`matmul`: the matrix products of the ops (linear, matmul, the convolutions' GEMMs) on NumPy
arrays, through BLAS: large ones in numba's thread pool once numba's threads are at work, the
others through NumPy's `np.matmul`.

NumPy's OpenBLAS runs a product of M * N * K >= about 2^20 on its own threads, which then spin for
about 0.1 s waiting for the next one (`numbagrad.kernels.gemm` says more). In a step that also
runs numba's parallel kernels (a CNN's convolutions and pooling), they took a core from numba's
threads, and then its kernels ran no faster on two threads than on one. Such products are
therefore computed in numba's pool (`kernels/gemm.py`) when

- they are at least `POOL_MIN_WORK` multiply-adds, where NumPy's OpenBLAS (0.3.31) starts its
  second thread (measured on 2 cores, float32, by its worker's CPU time over 3,000 products:
  M * N * K = 819,200 ran on one thread, 2,097,152 on two), and
- a parallel numba kernel has run in this process (`PARALLEL_REGION.started`), or the caller
  says that its own kernels are parallel (the convolutions: `in_pool=True`).

A process that never runs a parallel kernel (an MLP: its elementwise kernels are serial at its
sizes) keeps NumPy's BLAS threads, which have its workers awake and share packed panels between
threads: the MLP's eager step at batch 1024 took 4.2-4.7 ms that way and 7.2-7.5 ms in the pool,
where numba's worker thread slept between products and woke too late to take its band. In a CNN
step the pool wins: LeNet-5 at batch 256 16.5 against 23.2 ms with its linear layers on NumPy, the
MNIST CNN at batch 64 54 against 88 ms (2 cores, medians of 11 alternating blocks).

So the last bits of a large product can depend on whether a parallel kernel ran earlier in the
process (the two BLAS paths round differently); the same program gives the same numbers every run.
"""
import numpy as np

from ..kernels import gemm as K
from ..kernels.parallel_region import PARALLEL_REGION

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


def matmul(a, b, out=None, in_pool=False):
    """np.matmul(a, b, out=out) for NumPy arrays. a and b of 2 or 3 dims (a 2-D operand is shared
    by every matrix of the other) of one float dtype, each matrix at least POOL_MIN_WORK
    multiply-adds, once a parallel kernel has run (or with in_pool=True): computed in numba's
    thread pool; anything else: np.matmul itself."""
    if (not IN_THREAD_POOL or not (in_pool or PARALLEL_REGION.started)
            or a.dtype != b.dtype or a.dtype not in _FLOATS or a.ndim not in (2, 3) or b.ndim not in (2, 3)
            or (a.ndim == 3 and b.ndim == 3 and a.shape[0] != b.shape[0])):
        return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.shape[-2] != k or m * n * k < POOL_MIN_WORK:
        return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    batched = a.ndim == 3 or b.ndim == 3
    count = a.shape[0] if a.ndim == 3 else b.shape[0] if b.ndim == 3 else 1
    shape = (count, m, n) if batched else (m, n)
    if out is not None and (out.shape != shape or out.dtype != a.dtype):
        return np.matmul(a, b, out=out)  # NumPy's checks and errors
    if (out is None or not out.flags.c_contiguous or not out.flags.writeable
            or np.may_share_memory(out, a) or np.may_share_memory(out, b)):
        result = np.empty(shape, dtype=a.dtype)
    else:
        result = out
    a, b = _blas_ready(a), _blas_ready(b)
    if not batched:
        K.gemm(a, b, result)
    else:
        for i in range(count):
            K.gemm(a[i] if a.ndim == 3 else a, b[i] if b.ndim == 3 else b, result[i])
    if out is not None and result is not out:
        out[...] = result
        return out
    return result
