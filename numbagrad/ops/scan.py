"""Cumulative sums and products along a dim: cumsum, cumprod (mirror `torch.cumsum`/`cumprod`)."""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim, cast


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
    if x._data.ndim == 0:
        return x.clone()
    return CumSum.apply(x, wrap_dim(dim, x._data.ndim, "cumsum"))


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
        if np.any(x == 0):
            # Exact where inputs are zero: d out_j / d x_i = prod_{k<=j, k!=i} x_k, summed over j >= i.
            xm = np.moveaxis(x, axis, -1)
            gm = np.moveaxis(g, axis, -1)
            n = xm.shape[-1]
            gx = np.zeros_like(xm)
            for i in range(n):
                others = xm.copy()
                others[..., i] = 1
                prods = np.cumprod(others, axis=-1)
                gx[..., i] = np.sum((gm * prods)[..., i:], axis=-1)
            return np.moveaxis(gx, -1, axis), None
        with np.errstate(divide="ignore", invalid="ignore"):
            rev = np.flip(np.cumsum(np.flip(g * out, axis), axis=axis), axis)
            return rev / x, None


def cumprod(input, dim, *, dtype=None):
    """Mirrors `torch.cumprod(input, dim, dtype=None)`."""
    x = check_tensor(input, "cumprod")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    elif x._data.dtype.kind in "biu":
        x = cast(x, dtypes.int64)
    if x._data.ndim == 0:
        return x.clone()
    return CumProd.apply(x, wrap_dim(dim, x._data.ndim, "cumprod"))
