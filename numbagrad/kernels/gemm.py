"""Matrix products inside numba's thread pool: `gemm`, one BLAS call per band of the output's rows
or columns, the bands shared out over numba's threads, each call single-threaded.

Why not NumPy's `@`: NumPy's OpenBLAS runs a large product on its own threads, which then spin
for about 0.1 s waiting for the next one. A CNN step interleaves GEMMs with numba's parallel
kernels, so after every GEMM numba's second thread shared a core with a spinning BLAS thread,
and two threads ran a LeNet-5 or MNIST CNN step no faster than one (measured per kernel inside
LeNet-5's step at batch 256: max pooling 2.7 ms with NumPy's GEMMs, 1.6 ms with these). PyTorch
has one OpenMP pool for both. Here numba's pool is the one pool, so no other thread pool wakes
up. (`numbagrad.ops.matmul_arrays` decides which products come here.)

The BLAS is a private copy of OpenBLAS, the `scipy-openblas32` wheel's (the same builds NumPy and
SciPy ship), loaded here and held at one thread, so NumPy's own copy keeps its threads for the
user's code. Its Fortran `?gemm_` takes every argument by address; the addresses reach the jitted
loop as integers and the symbols are registered with LLVM by name, so the loop is cached on disk
like every other kernel. `AVAILABLE` is False where the wheel cannot load; callers then use
NumPy (`numbagrad.ops.matmul_arrays`).

Contract (checked by `gemm`): a (M, K), b (K, N) and out (M, N) of one float dtype; a and b each
with unit stride along one axis (row- or column-major, any leading dimension), out C-contiguous
and writable; every dimension and leading dimension below 2**31 (the library's 32-bit integers);
out does not overlap a or b.
"""
import ctypes
import os

import llvmlite.binding
import numba
import numpy as np
from numba import njit, prange, types

from .contract import FLOAT_DTYPES, KernelContractError
from .parallel_region import PARALLEL_REGION

_INT32_LIMIT = 2 ** 31
# the threads numba can run (the pool's size, fixed at startup, not the current count)
POOL_SIZE = numba.config.NUMBA_NUM_THREADS
# bands per thread: with two, a thread that finishes first takes over work (measured on 2 cores,
# float32, ms: the MLP's 1024 x 784 @ 784 x 128 1.42 with NumPy, 1.42 in one band per thread,
# 1.23 in two; 64 x 784 @ 784 x 128 0.115 / 0.172 / 0.134; LeNet-5's 16 x 150 @ 150 x 6400
# 0.27 / 0.41 / 0.26)
BANDS_PER_THREAD = 2
# a band keeps at least this many rows or columns of the product
MIN_BAND = 16
# products of fewer multiply-adds run in one BLAS call on the calling thread: waking numba's
# worker costs more than it saves (NumPy's OpenBLAS, on its own threads, keeps such products on
# one thread too: measured, it starts its second from M * N * K = 2**19 to 2**21 by layout)
PARALLEL_MIN_WORK = 1 << 20


def _load_private_openblas():
    """The scipy-openblas32 library, held at one thread, with its ?gemm_ registered for the jitted
    loops; None when it is not installed or does not load."""
    try:
        import scipy_openblas32
        folder = scipy_openblas32.get_lib_dir()
        name = next(f for f in sorted(os.listdir(folder))
                    if f.startswith("libscipy_openblas") and f.endswith((".so", ".dylib", ".dll")))
        library = ctypes.CDLL(os.path.join(folder, name))
        prefix = "scipy_"
        sgemm = getattr(library, prefix + "sgemm_")
        dgemm = getattr(library, prefix + "dgemm_")
        set_threads = getattr(library, prefix + "openblas_set_num_threads")
        get_threads = getattr(library, prefix + "openblas_get_num_threads")
    except (ImportError, OSError, AttributeError, StopIteration):
        return None
    get_threads.restype = ctypes.c_int
    set_threads(1)
    llvmlite.binding.add_symbol("numbagrad_sgemm", ctypes.cast(sgemm, ctypes.c_void_p).value)
    llvmlite.binding.add_symbol("numbagrad_dgemm", ctypes.cast(dgemm, ctypes.c_void_p).value)
    return library, set_threads, get_threads


_LIBRARY = _load_private_openblas()
AVAILABLE = _LIBRARY is not None

# Fortran ?gemm_(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc): thirteen addresses,
# declared as integers (the same registers as pointers in the C calling convention)
_GEMM_SIGNATURE = types.void(*([types.intp] * 13))
_sgemm = types.ExternalFunction("numbagrad_sgemm", _GEMM_SIGNATURE)
_dgemm = types.ExternalFunction("numbagrad_dgemm", _GEMM_SIGNATURE)

# Arguments passed by address, alive as long as the module: the letters 'N' and 'T', and
# (alpha, beta) = (1, 0) in each float type
_LETTERS = np.frombuffer(b"NT", dtype=np.uint8)
_ONE_ZERO = {np.dtype(np.float32): np.array([1.0, 0.0], dtype=np.float32),
             np.dtype(np.float64): np.array([1.0, 0.0], dtype=np.float64)}
_LETTERS_ADDRESS = _LETTERS.ctypes.data
_ONE_ZERO_ADDRESS = {dtype: values.ctypes.data for dtype, values in _ONE_ZERO.items()}


@njit(cache=True)
def _gemm_block(i, blocks, double, a, a_transposed, lda, b, b_transposed, ldb, c, ldc, m, n, k,
                split_rows, itemsize, letters, one_zero, dims):
    """Block i of `blocks` of the row-major product c (m, n) = op(a) (m, k) @ op(b) (k, n): a band
    of rows of c (split_rows) or of columns. BLAS is column-major, so it computes the transposed
    product c^T = op(b)^T op(a)^T, whose operands are b and a as stored."""
    if split_rows:
        first, last = i * m // blocks, (i + 1) * m // blocks
        a_step = 1 if a_transposed else lda  # elements from one row of op(a) to the next
        a = a + first * a_step * itemsize
        c = c + first * ldc * itemsize
        rows, cols = last - first, n
    else:
        first, last = i * n // blocks, (i + 1) * n // blocks
        b_step = ldb if b_transposed else 1  # elements from one column of op(b) to the next
        b = b + first * b_step * itemsize
        c = c + first * itemsize
        rows, cols = m, last - first
    if rows == 0 or cols == 0:
        return
    dims[i, 0] = cols
    dims[i, 1] = rows
    dims[i, 2] = k
    dims[i, 3] = ldb
    dims[i, 4] = lda
    dims[i, 5] = ldc
    d = dims.ctypes.data + i * dims.strides[0]
    transb = letters + (1 if b_transposed else 0)
    transa = letters + (1 if a_transposed else 0)
    alpha = one_zero
    beta = one_zero + itemsize
    if double:
        _dgemm(transb, transa, d, d + 4, d + 8, alpha, b, d + 12, a, d + 16, beta, c, d + 20)
    else:
        _sgemm(transb, transa, d, d + 4, d + 8, alpha, b, d + 12, a, d + 16, beta, c, d + 20)


@njit(cache=True, parallel=True)
def _gemm_parallel(bands, params, dims):
    """The bands of one product; params = (a, a_transposed, lda, b, b_transposed, ldb, c, ldc, m,
    n, k, split_rows, itemsize, letters, one_zero) as int64 (one array: a call with many scalar
    arguments costs microseconds to dispatch)."""
    for i in prange(bands):
        _gemm_block(i, bands, params[12] == 8, params[0], params[1] != 0, params[2], params[3],
                    params[4] != 0, params[5], params[6], params[7], params[8], params[9], params[10],
                    params[11] != 0, params[12], params[13], params[14], dims)


@njit(cache=True)
def _gemm_serial(params, dims):
    """The whole product in one block, on the calling thread; params as for `_gemm_parallel`."""
    _gemm_block(0, 1, params[12] == 8, params[0], params[1] != 0, params[2], params[3],
                params[4] != 0, params[5], params[6], params[7], params[8], params[9], params[10],
                params[11] != 0, params[12], params[13], params[14], dims)


def _hold_one_thread():
    """Put the private BLAS back to one thread if threadpoolctl (numbagrad.set_num_threads, or the
    user) raised it: each of numba's threads calls it on its own block."""
    if _LIBRARY is not None:
        _, set_threads, get_threads = _LIBRARY
        if get_threads() != 1:
            set_threads(1)


def _check_blas_operand(kernel, name, x, dtype):
    """(transposed, leading dimension) of a 2-D operand with unit stride along one axis."""
    if type(x) is not np.ndarray or x.ndim != 2 or x.dtype != dtype:
        raise KernelContractError(f"kernel {kernel}: argument '{name}' must be a 2-D {dtype} array, got "
                                  + (f"{x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray)
                                     else type(x).__name__))
    rows, cols = x.shape
    row_stride, col_stride = x.strides
    size = x.itemsize
    if x.size == 0:
        return False, max(cols, 1)
    if (col_stride == size or cols <= 1) and row_stride % size == 0 and row_stride >= max(cols, 1) * size:
        return False, row_stride // size
    if (row_stride == size or rows <= 1) and col_stride % size == 0 and col_stride >= max(rows, 1) * size:
        return True, col_stride // size
    raise KernelContractError(f"kernel {kernel}: argument '{name}' must have unit stride along one axis, "
                              f"got strides {x.strides} for shape {x.shape}")


def gemm(a, b, out):
    """out = a @ b (what `torch.mm` computes), in bands of out's rows or of its columns (whichever
    are more; BANDS_PER_THREAD per thread of the pool, each at least MIN_BAND wide), run in
    parallel on numba's threads, one single-threaded BLAS call each. A product of fewer than
    PARALLEL_MIN_WORK multiply-adds is one BLAS call on the calling thread.

    The bands depend on the shapes and the pool's size alone, never on the number of threads
    running them, so the result does not either (OpenBLAS may pick other register blocks for
    other band sizes, which changes the last bits).

    Contract: see the module docstring; AVAILABLE is True."""
    if not AVAILABLE:
        raise KernelContractError("kernel gemm: the scipy-openblas32 library is not available")
    if type(out) is not np.ndarray or out.dtype not in FLOAT_DTYPES or out.ndim != 2:
        raise KernelContractError("kernel gemm: argument 'out' must be a 2-D float32/float64 array")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise KernelContractError("kernel gemm: argument 'out' must be C-contiguous and writable")
    a_transposed, lda = _check_blas_operand("gemm", "a", a, out.dtype)
    b_transposed, ldb = _check_blas_operand("gemm", "b", b, out.dtype)
    m, k = a.shape
    if b.shape[0] != k or out.shape != (m, b.shape[1]):
        raise KernelContractError(f"kernel gemm: shapes {a.shape} @ {b.shape} -> {out.shape} do not match")
    n = b.shape[1]
    ldc = max(n, 1)
    if max(m, n, k, lda, ldb, ldc) >= _INT32_LIMIT:
        raise KernelContractError("kernel gemm: a dimension or leading dimension is 2**31 or more")
    if np.may_share_memory(out, a) or np.may_share_memory(out, b):
        raise KernelContractError("kernel gemm: 'out' overlaps an operand")
    if m == 0 or n == 0:
        return
    if k == 0:
        out[...] = 0
        return
    _hold_one_thread()
    split_rows = m >= n
    if m * n * k < PARALLEL_MIN_WORK:
        bands = 1
    else:
        bands = max(1, min(POOL_SIZE * BANDS_PER_THREAD, (m if split_rows else n) // MIN_BAND))
    params = np.array([a.__array_interface__["data"][0], a_transposed, max(lda, 1),
                       b.__array_interface__["data"][0], b_transposed, max(ldb, 1),
                       out.__array_interface__["data"][0], ldc, m, n, k, split_rows, out.itemsize,
                       _LETTERS_ADDRESS, _ONE_ZERO_ADDRESS[out.dtype]], dtype=np.int64)
    dims = np.empty((bands, 6), dtype=np.int32)
    if bands == 1:
        _gemm_serial(params, dims)
        return
    with PARALLEL_REGION:
        _gemm_parallel(bands, params, dims)
