"""The input gradient of a convolution computed sample by sample inside numba's thread pool: for
each sample, the columns W^T g[n] (one single-threaded BLAS call per group, `gemm.py`) go into
a buffer of the thread's own, and col2im adds them straight into gx[n].

Why: the batch-wide path (`conv_arrays.input_grad`) writes the columns of the whole batch to
memory with one GEMM and reads them back in col2im: 42 MB each way for the MNIST CNN's conv2 at
batch 64. One sample's columns (0.66 MB there) stay in the core's cache between the two steps,
and each thread keeps to its own samples. Measured on 2 cores, float32, 2 threads, wall ms, two
runs (batch-wide with NumPy's GEMM | by sample): the MNIST CNN's conv2 at batch 64 27.4, 17.7 |
18.0, 12.1; LeNet-5's conv2 at batch 256 5.0, 3.7 | 3.3, 2.5; at batch 64 0.71, 0.74 | 0.77, 0.78
(there the per-sample products are small: 150 x 16 @ 16 x 100).

The samples are cut into `gemm.POOL_SIZE` runs, one buffer each; which thread runs which does not
matter: every gx[n] is one sample's own sum, in the order of col2im (`conv._col2im_plane`), so the result
does not depend on the thread count (it equals the batch-wide path's bit for bit when OpenBLAS
takes the same register blocks).

Contract (checked by `conv2d_input_grad_by_sample`): that of `conv.conv2d_input_grad` (g, weight
and gx NCHW, C-contiguous, one float dtype, shapes consistent with groups and the geometry, gx
writable) and the BLAS's 32-bit sizes; `gemm.AVAILABLE`.
"""
import numpy as np
from numba import njit, prange, uint64

from .conv import _check_conv, _col2im_plane
from .contract import KernelContractError
from .gemm import AVAILABLE, POOL_SIZE, _LETTERS_ADDRESS, _ONE_ZERO_ADDRESS, _gemm_block, _hold_one_thread
from .parallel_region import PARALLEL_REGION

_INT32_LIMIT = 2 ** 31


@njit(cache=True, parallel=True, error_model="numpy")
def _conv2d_input_grad_by_sample(g, weight, groups, sh, sw, ph, pw, dh, dw, buffers, dims, letters,
                                 one_zero, gx):
    n_n, o_n, oh_n, ow_n = g.shape
    c_n, h_n, w_n = gx.shape[1], gx.shape[2], gx.shape[3]
    kh_n, kw_n = weight.shape[2], weight.shape[3]
    runs = buffers.shape[0]
    group_taps = (c_n // groups) * kh_n * kw_n
    group_outputs = o_n // groups
    plane = oh_n * ow_n
    itemsize = g.itemsize
    xf = gx.ravel()
    for t in prange(runs):
        columns = buffers[t]
        cf = columns.ravel()
        for n in range(t * n_n // runs, (t + 1) * n_n // runs):
            for group in range(groups):
                # the group's rows of columns (taps, plane) =
                #     weight[group]^T (taps, outputs) @ g[n, group] (outputs, plane)
                w_group = weight.ctypes.data + group * group_outputs * group_taps * itemsize
                g_group = g.ctypes.data + (n * o_n + group * group_outputs) * plane * itemsize
                c_group = columns.ctypes.data + group * group_taps * plane * itemsize
                _gemm_block(0, 1, itemsize == 8, w_group, True, group_taps, g_group, False, plane, c_group,
                            plane, group_taps, plane, group_outputs, True, itemsize, letters, one_zero,
                            dims[t:t + 1])
            for c in range(c_n):
                _col2im_plane(xf, cf, uint64((n * c_n + c) * h_n * w_n), c, kh_n, kw_n, oh_n, ow_n, h_n, w_n,
                              sh, sw, ph, pw, dh, dw)


def conv2d_input_grad_by_sample(g, weight, groups, geometry, gx):
    """gx = the gradient of a convolution's output g with respect to its input, as
    `conv.conv2d_input_grad` (PyTorch's `conv2d` input gradient), computed by per-sample BLAS
    products and col2im (see the module docstring); gx is overwritten.

    Contract: see the module docstring."""
    if not AVAILABLE:
        raise KernelContractError("kernel conv2d_input_grad_by_sample: the scipy-openblas32 library is "
                                  "not available")
    _check_conv("conv2d_input_grad_by_sample", gx, weight, g, groups, geometry, names=("gx", "weight", "g"),
                written=0)
    taps = weight.shape[1] * weight.shape[2] * weight.shape[3]
    plane = g.shape[2] * g.shape[3]
    if max(taps, plane, g.shape[1]) >= _INT32_LIMIT:
        raise KernelContractError("kernel conv2d_input_grad_by_sample: a product dimension is 2**31 or more")
    if g.shape[0] == 0:
        return
    _hold_one_thread()
    buffers = np.empty((POOL_SIZE, taps * groups, plane), dtype=g.dtype)
    dims = np.empty((POOL_SIZE, 6), dtype=np.int32)
    with PARALLEL_REGION:
        _conv2d_input_grad_by_sample(g, weight, groups, *geometry, buffers, dims, _LETTERS_ADDRESS,
                                     _ONE_ZERO_ADDRESS[g.dtype], gx)
