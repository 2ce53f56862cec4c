"""Reductions that skip NaN: nansum (NaN counted as 0) and nanmean (the mean of the non-NaN
elements). Mirror `torch.nansum` / `torch.nanmean`; gradients are 0 at NaN elements.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, cast
from .norms import reduce_axes, _torch_name
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _expand(g, shape, axes, keepdim):
    if not keepdim and axes:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class NanReduce(ArrayFunction):
    """forward(ctx, x, axes, keepdim, mean): the sum (or mean) of the non-NaN elements."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, mean):
        present = ~np.isnan(x)
        with np.errstate(**_ERRSTATE):
            total = np.sum(np.where(present, x, 0), axis=axes, keepdims=keepdim)
            if mean:
                count = np.sum(present, axis=axes, keepdims=keepdim)
                total = total / count.astype(x.dtype)
                ctx.count = count
        ctx.present, ctx.axes, ctx.keepdim, ctx.mean = present, axes, keepdim, mean
        return np.asarray(total).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):
            if ctx.mean:
                g = g / ctx.count.astype(g.dtype)
            gx = _expand(g, ctx.present.shape, ctx.axes, ctx.keepdim) * ctx.present
        return gx.astype(g.dtype, copy=False), None, None, None


def _nan_ref(fn, axis=None, keepdims=False):
    def reference(x):
        with np.errstate(**_ERRSTATE):
            return np.asarray(fn(x, axis=axis, keepdims=keepdims))
    return reference


def _with_nans(rng, shape):
    x = rng.uniform(-2, 2, shape)
    x[rng.random(shape) < 0.3] = np.nan
    return x


_NANS = [1.0, float("nan"), 2.0, float("nan"), -float("inf"), 3.0]


@register("nansum", method=True, dtype="any",
          samples=[Sample(lambda m, x: m.nansum(x), _nan_ref(np.nansum), ((3, 4),), label="nansum"),
                   Sample(lambda m, x: x.nansum(1, keepdim=True), _nan_ref(np.nansum, 1, True), ((3, 4),),
                          (_with_nans,), (True,), label="nansum_with_nans"),
                   Sample(lambda m, x: m.nansum(x, (0, -1)), _nan_ref(np.nansum, (0, 2)), ((2, 3, 4),),
                          (_with_nans,), (True,), label="nansum_dims"),
                   Sample(lambda m, x: m.nansum(x, dim=0), _nan_ref(np.nansum), ((),), label="nansum_0d"),
                   Sample(lambda m, x: m.nansum(x), lambda x: np.sum(x), ((3, 4),),
                          (lambda rng, s: rng.integers(-5, 5, s),), out_dtype=np.int64, label="nansum_int")],
          edge_cases=[EdgeCase(lambda m, x: m.nansum(x), _NANS),
                      EdgeCase(lambda m, x: m.nansum(x.reshape(2, 3), 0), _NANS)],
          errors=[ErrorCase(lambda m: m.nansum(m.ones(3), 1), IndexError, "out of range")])
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.nansum(input, dim=None, keepdim=False, *, dtype=None)`: the sum with NaN
    counted as 0 (integer and bool inputs sum to int64, as `sum`)."""
    x = check_tensor(input, "nansum")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    axes = reduce_axes(x, dim, "nansum")
    if x._data.dtype.kind != "f":
        from ..tensor import _wrap
        total = np.sum(x._data, axis=axes, keepdims=keepdim, dtype=np.int64 if dtype is None else None)
        return _wrap(np.asarray(total))
    return NanReduce.apply(x, axes, keepdim, False)


@register("nanmean", method=True, dtype="float_only",
          samples=[Sample(lambda m, x: m.nanmean(x), _nan_ref(np.nanmean), ((3, 4),), label="nanmean"),
                   Sample(lambda m, x: x.nanmean(0), _nan_ref(np.nanmean, 0), ((6, 4),), (_with_nans,), (True,),
                          label="nanmean_with_nans"),
                   Sample(lambda m, x: m.nanmean(x, (1,), keepdim=True), _nan_ref(np.nanmean, 1, True), ((3, 4),),
                          (_with_nans,), (True,), label="nanmean_keepdim"),
                   Sample(lambda m, x: m.nanmean(x, dtype=m.float64), _nan_ref(np.nanmean), ((3,),),
                          out_dtype=np.float64, label="nanmean_dtype"),
                   Sample(lambda m, x: m.nanmean(x, -1), _nan_ref(np.nanmean), ((),), label="nanmean_0d")],
          edge_cases=[EdgeCase(lambda m, x: m.nanmean(x), _NANS),
                      EdgeCase(lambda m, x: m.nanmean(x.reshape(3, 2), 1), _NANS),
                      EdgeCase(lambda m, x: m.nanmean(x), [float("nan"), float("nan")])],
          errors=[ErrorCase(lambda m: m.nanmean(m.ones(3, dtype=m.int64)), RuntimeError, "floating point")])
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.nanmean(input, dim=None, keepdim=False, *, dtype=None)`: the mean of the
    non-NaN elements (NaN where there are none); floating inputs only."""
    x = check_tensor(input, "nanmean")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_torch_name(x._data.dtype)}")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    return NanReduce.apply(x, reduce_axes(x, dim, "nanmean"), keepdim, True)
