"""softmax and log_softmax along a dim, mirroring `torch.softmax` / `F.softmax` and
`torch.log_softmax` / `F.log_softmax`. Rows go through the kernels in `numbagrad.kernels.softmax`.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..kernels import softmax as K
from ._util import check_tensor, wrap_dim, cast, run_in_float32_if_half


def _as_rows(x, dim):
    """(2-D contiguous rows along `dim`, function restoring the original layout)."""
    moved = np.moveaxis(x, dim, -1)
    rows = np.ascontiguousarray(moved).reshape(-1, x.shape[dim] if x.ndim else 1)
    shape = moved.shape

    def restore(a):
        return np.moveaxis(a.reshape(shape), -1, dim)
    return rows, restore


def _rowwise_forward(kernel, ctx, x, dim):
    if x.size == 0:  # nothing to normalise (an empty dim, or no rows): an empty result, as PyTorch
        ctx.empty = True
        return np.empty_like(x)
    ctx.empty = False
    ctx.scalar = x.ndim == 0
    if ctx.scalar:
        x = x.reshape(1)
    rows, restore = _as_rows(x, dim)
    out = np.empty_like(rows)
    kernel(rows, out)
    ctx.dim = dim
    ctx.save_for_backward(out)
    result = restore(out)
    return result.reshape(()) if ctx.scalar else result


def _rowwise_backward(kernel, ctx, g):
    if ctx.empty:
        return np.zeros_like(g), None
    (y_rows,) = ctx.saved_tensors
    if ctx.scalar:
        g = g.reshape(1)
    g_rows, restore = _as_rows(g.astype(y_rows.dtype, copy=False), ctx.dim)
    out = np.empty_like(y_rows)
    kernel(g_rows, y_rows, out)
    result = restore(out)
    return (result.reshape(()) if ctx.scalar else result), None


class Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        return _rowwise_forward(K.softmax_rows, ctx, x, dim)

    @staticmethod
    def backward(ctx, g):
        return _rowwise_backward(K.softmax_rows_backward, ctx, g)


class LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        return _rowwise_forward(K.log_softmax_rows, ctx, x, dim)

    @staticmethod
    def backward(ctx, g):
        return _rowwise_backward(K.log_softmax_rows_backward, ctx, g)


def _prepare(input, dim, dtype, op):
    x = check_tensor(input, op)
    if dim is None:
        raise TypeError(f"{op}() missing required argument 'dim' (implicit dim is deprecated in PyTorch)")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor, got {x.dtype.name}")
    return x, wrap_dim(dim, x._data.ndim, op)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Mirrors `torch.softmax(input, dim, dtype=None)` / `F.softmax` (dim is required)."""
    x, d = _prepare(input, dim, dtype, "softmax")
    return run_in_float32_if_half(Softmax, x, d)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Mirrors `torch.log_softmax(input, dim, dtype=None)` / `F.log_softmax` (dim is required)."""
    x, d = _prepare(input, dim, dtype, "log_softmax")
    return run_in_float32_if_half(LogSoftmax, x, d)
