"""Cumulative sums and products along a dim: cumsum, cumprod (mirror `torch.cumsum` /
`torch.cumprod`; scans with indices and logcumsumexp are in cumulative.py). float16 inputs
accumulate in float32, as PyTorch's CPU kernels."""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim, cast
from .reduction import cast_quietly
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
_NAN, _INF = float("nan"), float("inf")
S3 = (2, 3, 4)


def _scanned(x, dim, dtype, op):
    """(x cast as the op computes it, the axis): integer and bool inputs in int64 unless `dtype`
    says otherwise; a 0-d tensor takes dim 0 and -1."""
    x = check_tensor(x, op)
    if dtype is not None:
        x = cast_quietly(x, dtype)
    elif x._data.dtype.kind in "biu":
        x = cast(x, dtypes.int64)
    return x, wrap_dim(dim, x._data.ndim, op)


class CumSum(ArrayFunction):
    backward_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, x, *, axis):
        ctx.axis = axis
        if x.ndim == 0:
            return x.copy()
        with np.errstate(**_ERRSTATE):
            if x.dtype == np.float16:
                return np.cumsum(x, axis=axis, dtype=np.float32).astype(np.float16)
            return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        # Each input element feeds every later output: the gradient is the reversed cumsum.
        if g.ndim == 0:
            return g
        with np.errstate(**_ERRSTATE):
            return _reversed_cumsum(g, ctx.axis)


@register("cumsum", method=True, dtype="any",
          samples=[Sample(lambda m, x: m.cumsum(x, 1), lambda x: np.cumsum(x, 1), (S3,), label="cumsum"),
                   Sample(lambda m, x: x.cumsum(-1), lambda x: np.cumsum(x, -1), ((3, 4),), label="cumsum_method_neg"),
                   Sample(lambda m, x: x.t().cumsum(dim=0), lambda x: np.cumsum(x.T, 0), ((3, 4),),
                          label="cumsum_transposed"),
                   Sample(lambda m, x: m.cumsum(x, axis=0), lambda x: np.cumsum(x, 0), ((4, 2),), label="cumsum_axis"),
                   Sample(lambda m, x: m.cumsum(x, 0), lambda x: x, ((),), label="cumsum_0d"),
                   Sample(lambda m, x: m.cumsum(x, 1), lambda x: x, ((2, 0),), label="cumsum_empty"),
                   Sample(lambda m, x: m.cumsum(x, 0, dtype=m.float64), lambda x: np.cumsum(x, 0), ((5,),),
                          out_dtype=np.float64, label="cumsum_dtype"),
                   Sample(lambda m, b: m.cumsum(b, 0), lambda b: np.cumsum(b, 0).astype(np.int64), ((5,),), ("bool",),
                          out_dtype=np.int64, label="cumsum_bool")],
          edge_cases=[EdgeCase(lambda m, x: x.cumsum(0), [1.0, _INF, -_INF, 2.0]),
                      EdgeCase(lambda m, x: x.cumsum(0), [_NAN, 1.0, 2.0])],
          errors=[ErrorCase(lambda m: m.cumsum(m.ones(()), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.cumsum(m.ones(2, 3), -3), IndexError, "out of range"),
                  ErrorCase(lambda m: m.cumsum(m.ones(2, 3)), TypeError, "dim")])
def cumsum(input, dim, *, dtype=None):
    """Mirrors `torch.cumsum(input, dim, *, dtype=None)`: integer and bool inputs give int64."""
    x, axis = _scanned(input, dim, dtype, "cumsum")
    return CumSum.apply(x, axis=axis)


class CumProd(ArrayFunction):
    backward_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, x, *, axis):
        if x.ndim == 0:
            out = x.copy()
        else:
            with np.errstate(**_ERRSTATE):
                out = np.cumprod(x, axis=axis)
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if x.size <= 1 or x.shape[axis] == 1:
            return g
        with np.errstate(**_ERRSTATE):
            if not np.any(x == 0):
                return _reversed_cumsum(out * g, axis) / x
            return _cumprod_backward_with_zeros(g, x, out, axis)


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


_CUMPROD_EDGES = [[1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 3.0], [_NAN, 1.0, 0.0, 2.0], [_INF, 0.0, 2.0],
                  [2.0, _INF, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 3.0, -2.0]]


@register("cumprod", method=True, dtype="any",
          samples=[Sample(lambda m, x: m.cumprod(x, 1), lambda x: np.cumprod(x, 1), (S3,), ("separated",),
                          label="cumprod"),
                   Sample(lambda m, x: x.cumprod(dim=-1), lambda x: np.cumprod(x, -1), ((3, 4),),
                          label="cumprod_method"),
                   Sample(lambda m, x: m.cumprod(x, axis=0), lambda x: np.cumprod(x, 0), ((4, 3),),
                          label="cumprod_axis"),
                   Sample(lambda m, x: m.cumprod(x, -1), lambda x: x, ((),), label="cumprod_0d"),
                   Sample(lambda m, x: m.cumprod(x, 0), lambda x: x, ((0, 3),), label="cumprod_empty"),
                   Sample(lambda m, x: m.cumprod(x, 0), lambda x: np.cumprod(x, 0), ((3, 4),),
                          (lambda rng, s: rng.integers(-1, 2, s).astype(float) * rng.uniform(0.5, 2.0, s),),
                          label="cumprod_with_zeros"),
                   Sample(lambda m, i: m.cumprod(i, 0), lambda i: np.cumprod(i, 0), ((5,),),
                          (lambda rng, s: rng.integers(-3, 4, s),), out_dtype=np.int64, label="cumprod_int")],
          edge_cases=[EdgeCase(lambda m, x: x.cumprod(0), v) for v in _CUMPROD_EDGES]
          + [EdgeCase(lambda m, x: x.cumprod(1), [[0.0, 2.0, 3.0], [4.0, 0.0, 0.0]])],
          errors=[ErrorCase(lambda m: m.cumprod(m.ones(()), -2), IndexError, "out of range")])
def cumprod(input, dim, *, dtype=None):
    """Mirrors `torch.cumprod(input, dim, *, dtype=None)`, with PyTorch's gradient at zeros."""
    x, axis = _scanned(input, dim, dtype, "cumprod")
    return CumProd.apply(x, axis=axis)
