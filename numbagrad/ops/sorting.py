"""sort, argsort, topk, each mirroring the `torch` function of the same name."""
from collections import namedtuple

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import _wrap
from ._util import check_tensor, wrap_dim

SortResult = namedtuple("sort", ["values", "indices"])
TopKResult = namedtuple("topk", ["values", "indices"])


class TakeAlong(ArrayFunction):
    """values = x gathered along `axis` at `idx`; the gradient is scattered back (no repeats)."""

    @staticmethod
    def forward(ctx, x, idx, axis):
        ctx.in_shape, ctx.idx, ctx.axis = x.shape, idx, axis
        return np.take_along_axis(x, idx, axis=axis)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.idx, g, axis=ctx.axis)
        return gx, None, None


def _order(data, axis, descending):
    """Stable argsort along axis; NaN counts as the largest value, as in PyTorch."""
    if not descending:
        keys = data  # NumPy sorts NaN last
    elif data.dtype.kind == "f":
        keys = np.where(np.isnan(data), -np.inf, -data)
    elif data.dtype.kind == "b":
        keys = ~data
    else:
        keys = -data.astype(np.int64)
    return np.argsort(keys, axis=axis, kind="stable")


def sort(input, dim=-1, descending=False, stable=False):
    """Mirrors `torch.sort(input, dim=-1, descending=False)`: a (values, indices) namedtuple.
    The sort is always stable."""
    x = check_tensor(input, "sort")
    wrap_dim(dim, x._data.ndim, "sort")  # a 0-d tensor takes dim 0 and -1 only
    if x._data.ndim == 0:
        return SortResult(x.clone(), _wrap(np.zeros((), np.int64)))
    axis = wrap_dim(dim, x._data.ndim, "sort")
    idx = _order(x._data, axis, descending)
    return SortResult(TakeAlong.apply(x, idx, axis), _wrap(idx.astype(np.int64)))


def argsort(input, dim=-1, descending=False, stable=False):
    """Mirrors `torch.argsort` (stable)."""
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """Mirrors `torch.topk(input, k, dim=-1, largest=True, sorted=True)`: (values, indices)."""
    x = check_tensor(input, "topk")
    nd = x._data.ndim
    axis = wrap_dim(dim, nd, "topk")
    n = x._data.shape[axis] if nd else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {n}")
    if nd == 0:
        return TopKResult(x.clone(), _wrap(np.zeros((), np.int64)))
    idx = np.take(_order(x._data, axis, largest), np.arange(k), axis=axis)
    return TopKResult(TakeAlong.apply(x, idx, axis), _wrap(idx.astype(np.int64)))
