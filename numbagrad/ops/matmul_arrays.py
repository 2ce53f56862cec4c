"""`matmul`: the matrix products of the ops (linear, matmul, the convolutions' GEMMs) on NumPy
arrays, through BLAS: once numba's threads are at work, on a private single-threaded BLAS called
from numba's pool or the calling thread (`kernels/gemm.py`); otherwise through NumPy's `np.matmul`.

NumPy's OpenBLAS runs a product on its own threads from M * N * K = 2^18 (OpenBLAS's threshold,
65536 times GEMM_MULTITHREAD_THRESHOLD = 4; measured on 2 cores, float32, by the process's CPU
time over wall time across 160 shapes: the smallest that woke its second thread had 2^19
multiply-adds, and which do depends on the operands' layout), and those threads then spin for
about 0.1 s waiting for the next product. In a step that also runs numba's parallel kernels (a
CNN's convolutions and pooling), they took a core from numba's threads, whose kernels then ran
no faster on two threads than on one. So once a parallel numba kernel has run in this process
(`PARALLEL_REGION.started`), or when the caller says that its own kernels are parallel (the
convolutions: `in_pool=True`), every product of at least `NUMPY_THREADS_MIN_WORK` multiply-adds
goes to `kernels.gemm`, which splits those of at least `gemm.PARALLEL_MIN_WORK` over numba's pool
and runs the rest on the calling thread. Smaller products stay on `np.matmul`, the cheapest call,
which runs them on the calling thread.

One product was enough: LeNet-5's second linear layer (64 x 120 @ 120 x 84, 2^19.3 multiply-adds)
woke NumPy's thread, which then held a core for the whole step, and the step at batch 64 took
7.5 ms with it against 4.9 ms with all its products on the private BLAS (2 cores, medians of 7
alternating blocks).

A process that never runs a parallel kernel (an MLP: its elementwise kernels are serial at its
sizes) keeps NumPy's BLAS threads, which have its workers awake and share packed panels between
threads: the MLP's eager step at batch 1024 took 4.2-4.7 ms that way and 7.2-7.5 ms in the pool,
where numba's worker thread slept between products and woke too late to take its band. In a CNN
step the pool wins: LeNet-5 at batch 256 16.5 against 23.2 ms with its linear layers on NumPy, the
MNIST CNN at batch 64 54 against 88 ms (2 cores, medians of 11 alternating blocks).

So the last bits of a product can depend on whether a parallel kernel ran earlier in the process
(the two BLAS paths round differently); the same program gives the same numbers every run.
"""
import numpy as np

from ..kernels import gemm as K
from ..kernels.parallel_region import PARALLEL_REGION

NUMPY_THREADS_MIN_WORK = 1 << 18
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
    by every matrix of the other) of one float dtype, each matrix at least NUMPY_THREADS_MIN_WORK
    multiply-adds, once a parallel kernel has run (or with in_pool=True): computed by
    `kernels.gemm` (numba's pool, or the calling thread); anything else: np.matmul itself."""
    if (not IN_THREAD_POOL or not (in_pool or PARALLEL_REGION.started)
            or a.dtype != b.dtype or a.dtype not in _FLOATS or a.ndim not in (2, 3) or b.ndim not in (2, 3)
            or (a.ndim == 3 and b.ndim == 3 and a.shape[0] != b.shape[0])):
        return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.shape[-2] != k or m * n * k < NUMPY_THREADS_MIN_WORK:
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
