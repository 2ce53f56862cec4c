"""Scans beyond cumsum/cumprod (`scan.py`): cummax, cummin (running extremes with their indices)
and logcumsumexp (a stable log of the running sum of exponentials). Mirror the `torch` functions
of the same names.
"""
from collections import namedtuple

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import _wrap
from ._util import check_tensor, wrap_dim
from .norms import _torch_name
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")

CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])


def running_extreme_indices(x, axis, is_max):
    """For each position along `axis`, the index of the running maximum (minimum): the latest
    index holding it (PyTorch compares with >=), and the latest NaN once a NaN has been seen."""
    n = x.shape[axis]
    moved = np.moveaxis(x, axis, -1)
    positions = np.broadcast_to(np.arange(n), moved.shape)
    if moved.dtype.kind == "f":
        nan = np.isnan(moved)
        has_nan = nan.any()
    else:
        has_nan = False
    extreme = (np.maximum if is_max else np.minimum).accumulate(moved, axis=-1) if n else moved
    # the latest position whose value equals the running extreme at its own step; a NaN always
    # does (the extreme is NaN from there on, so later values never hold it again)
    holds = moved == extreme
    if has_nan:
        holds = holds | nan
    candidate = np.where(holds, positions, -1)
    index = np.maximum.accumulate(candidate, axis=-1) if n else candidate
    return np.moveaxis(index.astype(np.int64), -1, axis)


class CumulativeExtreme(ArrayFunction):
    """cummax / cummin: (values, indices); the gradient of each output goes to its index."""

    @staticmethod
    def forward(ctx, x, axis, is_max):
        index = running_extreme_indices(x, axis, is_max)
        values = np.take_along_axis(x, index, axis=axis)
        ctx.index, ctx.axis, ctx.shape = index, axis, x.shape
        return values, index.copy()  # the output is the user's; backward reads ctx.index

    @staticmethod
    def backward(ctx, g, g_index):
        if g.size == 0:
            return np.zeros(ctx.shape, g.dtype), None, None
        n = ctx.shape[ctx.axis]
        index = np.moveaxis(ctx.index, ctx.axis, -1).reshape(-1, n)
        moved = np.zeros(index.shape, dtype=g.dtype)
        rows = np.arange(index.shape[0])[:, None]
        np.add.at(moved, (rows, index), np.moveaxis(g, ctx.axis, -1).reshape(-1, n))
        gx = np.moveaxis(moved.reshape(np.moveaxis(ctx.index, ctx.axis, -1).shape), -1, ctx.axis)
        return gx, None, None


def _cumulative_extreme(input, dim, is_max, op, result):
    x = check_tensor(input, op)
    axis = wrap_dim(dim, x._data.ndim, op)
    if x._data.ndim == 0:
        return result(x.clone(), _wrap(np.zeros((), np.int64)))
    values, index = CumulativeExtreme.apply(x, axis, is_max)
    return result(values, index)


def _first_index_ref(fn, axis):
    """A NumPy twin of the indices for distinct values: the argmax/argmin of each prefix."""
    def reference(x):
        moved = np.moveaxis(x, axis, -1)
        arg = np.argmax if fn is np.maximum else np.argmin
        index = np.stack([arg(moved[..., :j + 1], axis=-1) for j in range(moved.shape[-1])], axis=-1)
        return fn.accumulate(x, axis=axis), np.moveaxis(index, -1, axis).astype(np.int64)
    return reference


_TIES = [1.0, 3.0, 3.0, 2.0, float("nan"), 5.0, float("nan"), 1.0]


@register("cummax", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.cummax(x, 1), _first_index_ref(np.maximum, 1), ((3, 5),),
                          out_dtype=("same", np.int64), label="cummax"),
                   Sample(lambda m, x: x.cummax(dim=-3), _first_index_ref(np.maximum, 0), ((4, 2, 3),),
                          out_dtype=("same", np.int64), label="cummax_negative_dim"),
                   Sample(lambda m, x: m.cummax(x, 0), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="cummax_0d"),
                   Sample(lambda m, x: m.cummax(x, 1), lambda x: (x, np.zeros(x.shape, np.int64)), ((2, 0),),
                          out_dtype=("same", np.int64), label="cummax_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.cummax(x, 0).values, _TIES),
                      EdgeCase(lambda m, x: m.cummax(x, 0).values, [2.0, 2.0, 1.0, 2.0, float("inf"), float("inf")])],
          errors=[ErrorCase(lambda m: m.cummax(m.ones(2), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.cummax([1.0], 0), TypeError, "must be Tensor")])
def cummax(input, dim):
    """Mirrors `torch.cummax(input, dim)`: a `(values, indices)` namedtuple of the running
    maximum along `dim`. Ties take the latest index; once a NaN is met the values are NaN and the
    index is the latest NaN's, as PyTorch."""
    return _cumulative_extreme(input, dim, True, "cummax", CummaxResult)


@register("cummin", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.cummin(x, 0), _first_index_ref(np.minimum, 0), ((5, 3),),
                          out_dtype=("same", np.int64), label="cummin"),
                   Sample(lambda m, x: x.cummin(-1), _first_index_ref(np.minimum, -1), ((2, 3, 4),),
                          out_dtype=("same", np.int64), label="cummin_method")],
          edge_cases=[EdgeCase(lambda m, x: m.cummin(x, 0).values, _TIES),
                      EdgeCase(lambda m, x: m.cummin(x, 0).values, [2.0, 2.0, 3.0, 2.0, -float("inf"), 0.0])],
          errors=[ErrorCase(lambda m: m.cummin(m.ones(2, 2), 2), IndexError, "out of range")])
def cummin(input, dim):
    """Mirrors `torch.cummin(input, dim)` (see `cummax`)."""
    return _cumulative_extreme(input, dim, False, "cummin", CumminResult)


# ---- logcumsumexp ---------------------------------------------------------------------------------------
def _logcumsumexp(x, axis):
    with np.errstate(**_ERRSTATE):
        return np.logaddexp.accumulate(x, axis=axis) if x.shape[axis] else x.copy()


def _reverse_logcumsumexp(x, axis):
    return np.flip(_logcumsumexp(np.flip(x, axis), axis), axis)


class LogCumSumExp(ArrayFunction):
    """Forward: np.logaddexp.accumulate. Backward as PyTorch's: the positive and negative parts
    of the gradient are accumulated in log space, so large inputs do not overflow."""
    backward_name = "LogcumsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axis):
        out = _logcumsumexp(x, axis)
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        lowest = np.finfo(g.dtype).min
        with np.errstate(**_ERRSTATE):
            log_abs = np.log(np.abs(g))
            positive = np.where(g > 0, log_abs, lowest)
            negative = np.where(g < 0, log_abs, lowest)
            gx = (np.exp(_reverse_logcumsumexp(positive - out, axis) + x)
                  - np.exp(_reverse_logcumsumexp(negative - out, axis) + x))
        return gx.astype(g.dtype, copy=False), None


def _logcumsumexp_ref(axis):
    def reference(x):
        return np.log(np.cumsum(np.exp(x), axis=axis))
    return reference


@register("logcumsumexp", method=True, dtype="float_only",
          samples=[Sample(lambda m, x: m.logcumsumexp(x, 1), _logcumsumexp_ref(1), ((3, 5),), label="logcumsumexp"),
                   Sample(lambda m, x: x.logcumsumexp(0), _logcumsumexp_ref(0), ((4,),), label="logcumsumexp_method"),
                   Sample(lambda m, x: m.logcumsumexp(x, -1), lambda x: x, ((),), label="logcumsumexp_0d"),
                   Sample(lambda m, x: m.logcumsumexp(x, 0), lambda x: np.logaddexp.accumulate(x, axis=0), ((4, 2),),
                          (lambda rng, s: rng.uniform(-600.0, 600.0, s),), (True,), label="logcumsumexp_large"),
                   Sample(lambda m, x: m.logcumsumexp(x, 0), _logcumsumexp_ref(0), ((0, 2),),
                          label="logcumsumexp_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.logcumsumexp(x, 0), [1000.0, 1000.0, -float("inf"), 0.0]),
                      EdgeCase(lambda m, x: m.logcumsumexp(x, 0), [-float("inf"), -float("inf"), 2.0]),
                      EdgeCase(lambda m, x: m.logcumsumexp(x, 0), [-1000.0, 1000.0, float("nan"), 1.0])],
          errors=[ErrorCase(lambda m: m.logcumsumexp(m.ones(2, dtype=m.int64), 0), NotImplementedError,
                            "not implemented"),
                  ErrorCase(lambda m: m.logcumsumexp(m.ones(2), 1), IndexError, "out of range")])
def logcumsumexp(input, dim):
    """Mirrors `torch.logcumsumexp(input, dim)`: log(cumsum(exp(input))) along `dim`, without
    overflow; floating inputs only."""
    x = check_tensor(input, "logcumsumexp")
    axis = wrap_dim(dim, x._data.ndim, "logcumsumexp")
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp(): \"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_torch_name(x._data.dtype)}'")
    if x._data.ndim == 0:
        return x.clone()
    return LogCumSumExp.apply(x, axis)
