"""Cumulative sums and products along a dim: cumsum, cumprod (mirror `torch.cumsum`/`cumprod`)."""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim, cast

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


class CumSum(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        # Each input element feeds every later output: the gradient is the reversed cumsum.
        return np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis), None


def cumsum(input, dim, *, dtype=None):
    """Mirrors `torch.cumsum(input, dim, dtype=None)`: integer and bool inputs give int64."""
    x = check_tensor(input, "cumsum")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    elif x._data.dtype.kind in "biu":
        x = cast(x, dtypes.int64)
    axis = wrap_dim(dim, x._data.ndim, "cumsum")  # a 0-d tensor takes dim 0 and -1
    if x._data.ndim == 0:
        return x.clone()
    return CumSum.apply(x, axis)


class CumProd(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axis):
        out = np.cumprod(x, axis=axis)
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if x.size <= 1 or x.shape[axis] == 1:
            return g, None
        with np.errstate(**_ERRSTATE):
            if not np.any(x == 0):
                return _reversed_cumsum(out * g, axis) / x, None
            return _cumprod_backward_with_zeros(g, x, out, axis), None


def _reversed_cumsum(a, axis):
    return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis)


def _cumprod_backward_with_zeros(g, x, out, axis):
    """PyTorch's O(n) cumprod_backward for inputs with zeros (its NaN/inf results follow from
    the order of its operations, so they are reproduced step by step): before the first zero of a
    slice, the reversed cumsum of out * g over x; at the first zero, the exact sum of the products
    up to the second zero; after it, 0."""
    zero = np.zeros((), g.dtype)
    zeros_so_far = np.cumsum(x == 0, axis=axis)
    before = zeros_so_far == 0
    gx = np.where(before, _reversed_cumsum(np.where(before, out * g, zero), axis) / x, zero)
    up_to_second = zeros_so_far == 1
    first = np.argmax(up_to_second, axis=axis, keepdims=True)
    first_mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(first_mask, first, True, axis=axis)
    first_mask &= up_to_second
    between = up_to_second & ~first_mask
    products = np.cumprod(np.where(between, x, np.ones((), x.dtype)), axis=axis)
    total = np.sum(products * np.where(up_to_second, g, zero), axis=axis, keepdims=True)
    before_first = np.take_along_axis(out, np.maximum(first - 1, 0), axis=axis)
    before_first = np.where(first == 0, np.ones((), out.dtype), before_first)
    return np.where(first_mask, total * before_first, gx)


def cumprod(input, dim, *, dtype=None):
    """Mirrors `torch.cumprod(input, dim, dtype=None)`."""
    x = check_tensor(input, "cumprod")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    elif x._data.dtype.kind in "biu":
        x = cast(x, dtypes.int64)
    axis = wrap_dim(dim, x._data.ndim, "cumprod")
    if x._data.ndim == 0:
        return x.clone()
    return CumProd.apply(x, axis)
