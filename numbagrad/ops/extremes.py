"""The largest and smallest elements: max, min (over everything, or along a dim with their
indices), amax, amin (over dims, ties sharing the gradient), argmax, argmin. Each mirrors the
`torch` function of the same name; NaN counts as larger and smaller than every number (it
propagates, and its index is the one reported), as in PyTorch.
"""
from collections import namedtuple

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ._util import check_tensor, wrap_dim, named
from .reduction import all_dims, check_identityless, expand_back, reduce_axes
from .registry import EdgeCase, ErrorCase, Sample, register

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])
S3 = (2, 3, 4)
SEP = "separated"
_NAN, _INF = float("nan"), float("inf")


class ExtremeAll(ArrayFunction):
    """max/min/amax/amin over dims: the gradient is shared evenly between tied extremes.

    `nan_picks`: max()/min() over everything (PyTorch's evenly_distribute_backward), where a NaN
    result gives the gradient to the NaN elements. Otherwise (amax/amin, PyTorch's
    scale_grad_by_count) no element equals a NaN result and the slice's gradient is NaN."""

    @staticmethod
    def forward(ctx, x, *, axes, keepdim, is_max, nan_picks):
        out = np.asarray((np.max if is_max else np.min)(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim, ctx.nan_picks = axes, keepdim, nan_picks
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        if ctx.nan_picks and out.dtype.kind == "f" and np.isnan(out).any():
            hit = np.isnan(x) | (x == expand_back(out, x.shape, axes, keepdim))
        else:
            hit = x == expand_back(out, x.shape, axes, keepdim)
        count = np.sum(hit, axis=axes, keepdims=True).astype(g.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            gx = (expand_back(g, x.shape, axes, keepdim) / count) * hit
        return gx.astype(x.dtype, copy=False)


def _first_index(x, axis, is_max):
    """The index of the first maximum (minimum) along `axis`, keepdims; the first NaN where the
    slice has one (PyTorch's rule)."""
    idx = (np.argmax if is_max else np.argmin)(x, axis=axis, keepdims=True)
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        if nan.any():
            idx = np.where(np.any(nan, axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


class ExtremeDim(ArrayFunction):
    """max/min along one dim returning (values, indices); the gradient goes to the index."""

    @staticmethod
    def forward(ctx, x, *, axis, keepdim, is_max):
        idx = _first_index(x, axis, is_max)
        values = np.take_along_axis(x, idx, axis=axis)
        ctx.idx, ctx.axis, ctx.in_shape, ctx.keepdim = idx, axis, x.shape, keepdim
        if not keepdim:
            values = np.squeeze(values, axis)
            idx = np.squeeze(idx, axis)
        return values, idx.astype(np.int64)  # a copy: backward reads ctx.idx

    @staticmethod
    def backward(ctx, g, g_idx):
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axis)
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.idx, g, axis=ctx.axis)
        return gx


def _extreme(input, dim, keepdim, is_max, op, result_type):
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(input, dim)
    x = check_tensor(input, op)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return named(ExtremeAll.apply(x, axes=tuple(range(x._data.ndim)), keepdim=False, is_max=is_max,
                                      nan_picks=True), "MaxBackward1" if is_max else "MinBackward1")
    axis = wrap_dim(dim, x._data.ndim, op)
    if x._data.ndim == 0:
        return result_type(ExtremeAll.apply(x, axes=(), keepdim=keepdim, is_max=is_max, nan_picks=True),
                           _wrap(np.zeros((), np.int64)))
    if x._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")
    values, idx = ExtremeDim.apply(x, axis=axis, keepdim=keepdim, is_max=is_max)
    return result_type(named(values, "MaxBackward0" if is_max else "MinBackward0"), idx)


def _with_index(result):
    """An edge-case view of a (values, indices) result: both in one float tensor."""
    return result.values + result.indices * 10.0


@register("max", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.max(x), np.max, (S3,), (SEP,), label="max_all"),
                   Sample(lambda m, x: m.max(x, 1).values, lambda x: x.max(1), (S3,), (SEP,), label="max_dim_values"),
                   Sample(lambda m, x: m.max(x, 1).indices, lambda x: x.argmax(1), (S3,), (SEP,), grad=(False,),
                          out_dtype=np.int64, label="max_dim_indices"),
                   Sample(lambda m, x: x.max(dim=-1, keepdim=True),
                          lambda x: (x.max(-1, keepdims=True), x.argmax(-1)[..., None]), (S3,), (SEP,),
                          out_dtype=("same", np.int64), label="max_dim_tuple"),
                   Sample(lambda m, x: x.max(axis=0, keepdims=True),
                          lambda x: (x.max(0, keepdims=True), x.argmax(0)[None]), ((3, 2),), (SEP,),
                          out_dtype=("same", np.int64), label="max_axis_keepdims"),
                   Sample(lambda m, x: x.t().max(1).values, lambda x: x.T.max(1), ((3, 4),), (SEP,),
                          label="max_transposed"),
                   Sample(lambda m, x, y: m.max(x, y), np.maximum, ((3, 4), (4,)), (SEP, SEP), label="max_binary"),
                   Sample(lambda m, x: m.max(x, 0), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="max_0d_dim"),
                   Sample(lambda m, x: m.max(x, -1, True), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="max_0d_dim_keepdim"),
                   Sample(lambda m, x: m.max(x, 0), lambda x: (x.max(0), x.argmax(0)), ((3, 0),),
                          out_dtype=("same", np.int64), label="max_empty_slices"),
                   Sample(lambda m, i: m.max(i, 0), lambda i: (i.max(0), i.argmax(0)), ((4, 2),),
                          (lambda rng, s: rng.integers(-5, 5, s),), out_dtype=(np.int64, np.int64), label="max_int")],
          edge_cases=[EdgeCase(lambda m, x: m.max(x), [[1.0, 3.0, 3.0], [0.0, 3.0, 2.0]]),
                      EdgeCase(lambda m, x: m.max(x, 1).values, [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
                      EdgeCase(lambda m, x: _with_index(m.max(x, 1)), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
                      EdgeCase(lambda m, x: _with_index(m.max(x, 1)), [[1.0, _NAN, 3.0, _NAN], [_INF, 2.0, _INF, 0.0]]),
                      EdgeCase(lambda m, x: m.max(x), [1.0, _NAN, 3.0, _NAN]),
                      EdgeCase(lambda m, x: m.max(x), [-_INF, -_INF])],
          errors=[ErrorCase(lambda m: m.max(m.ones(0, 2)), RuntimeError, "numel"),
                  ErrorCase(lambda m: m.max(m.ones(2, 0), 1), IndexError, "non-zero size"),
                  ErrorCase(lambda m: m.max(m.ones(2), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.max(m.ones(()), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.max(m.ones(2, 2), (0,)), TypeError, "must be an int")])
def max(input, dim=None, keepdim=False):
    """Mirrors `torch.max`: `max(x)` the largest value (the gradient shared between ties),
    `max(x, dim, keepdim=False)` a `(values, indices)` namedtuple (the first index of the maximum;
    the gradient goes to it), `max(x, other)` the elementwise maximum."""
    return _extreme(input, dim, keepdim, True, "max", MaxResult)


@register("min", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.min(x), np.min, (S3,), (SEP,), label="min_all_fn"),
                   Sample(lambda m, x: x.min(), np.min, (S3,), (SEP,), label="min_all"),
                   Sample(lambda m, x: x.min(0)[0], lambda x: x.min(0), (S3,), (SEP,), label="min_dim_values"),
                   Sample(lambda m, x: m.min(x, 2)[1], lambda x: x.argmin(2), (S3,), (SEP,), grad=(False,),
                          out_dtype=np.int64, label="min_dim_indices"),
                   Sample(lambda m, x: m.min(x, axis=1, keepdims=True),
                          lambda x: (x.min(1, keepdims=True), x.argmin(1)[:, None]), ((2, 3),), (SEP,),
                          out_dtype=("same", np.int64), label="min_axis_keepdims"),
                   Sample(lambda m, x, y: x.min(y), np.minimum, ((3, 4), (3, 1)), (SEP, SEP), label="min_binary"),
                   Sample(lambda m, x: m.min(x, -1), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="min_0d_dim")],
          edge_cases=[EdgeCase(lambda m, x: x.min(), [[1.0, 1.0], [3.0, 1.0]]),
                      EdgeCase(lambda m, x: _with_index(m.min(x, 0)), [[1.0, 2.0], [1.0, _NAN], [0.0, -_INF]]),
                      EdgeCase(lambda m, x: m.min(x), [1.0, _NAN, -_INF])],
          errors=[ErrorCase(lambda m: m.min(m.ones(0)), RuntimeError, "numel"),
                  ErrorCase(lambda m: m.ones(3).min(-2), IndexError, "out of range")])
def min(input, dim=None, keepdim=False):
    """Mirrors `torch.min` (see `max`)."""
    return _extreme(input, dim, keepdim, False, "min", MinResult)


def _amax_amin(input, dim, keepdim, is_max, op):
    x = check_tensor(input, op)
    axes = reduce_axes(x, dim, op)
    check_identityless(x, axes, all_dims(dim), op)
    return named(ExtremeAll.apply(x, axes=axes, keepdim=keepdim, is_max=is_max, nan_picks=False),
                 "AmaxBackward0" if is_max else "AminBackward0")


@register("amax", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.amax(x, 1), lambda x: x.max(1), (S3,), (SEP,), label="amax"),
                   Sample(lambda m, x: m.amax(x), np.max, (S3,), (SEP,), label="amax_all"),
                   Sample(lambda m, x: x.amax(axis=(0, 2), keepdims=True), lambda x: x.max((0, 2), keepdims=True),
                          (S3,), (SEP,), label="amax_axis_keepdims"),
                   Sample(lambda m, x: m.amax(x, 0), lambda x: x, ((),), label="amax_0d"),
                   Sample(lambda m, x: m.amax(x, 0), lambda x: x.max(0), ((3, 0),), label="amax_empty_slices")],
          edge_cases=[EdgeCase(lambda m, x: m.amax(x, 1), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
                      EdgeCase(lambda m, x: m.amax(x, 1), [[1.0, _NAN, 3.0], [_INF, 2.0, _INF]]),
                      EdgeCase(lambda m, x: m.amax(x), [[1.0, 3.0], [3.0, 3.0]])],
          errors=[ErrorCase(lambda m: m.amax(m.ones(0, 2)), RuntimeError, "numel"),
                  ErrorCase(lambda m: m.amax(m.ones(2, 0), 1), IndexError, "non-zero size"),
                  ErrorCase(lambda m: m.amax(m.ones(2, 2), (0, 0)), RuntimeError, "multiple times")])
def amax(input, dim=(), keepdim=False):
    """Mirrors `torch.amax(input, dim=(), keepdim=False)`: the gradient is shared evenly between
    ties (and is NaN for a slice whose maximum is NaN)."""
    return _amax_amin(input, dim, keepdim, True, "amax")


@register("amin", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.amin(x, -1), lambda x: x.min(-1), (S3,), (SEP,), label="amin_fn"),
                   Sample(lambda m, x: x.amin((0, 2), keepdim=True), lambda x: x.min((0, 2), keepdims=True),
                          (S3,), (SEP,), label="amin_dims"),
                   Sample(lambda m, x: m.amin(x, axis=1), lambda x: x.min(1), ((3, 2),), (SEP,), label="amin_axis"),
                   Sample(lambda m, x: m.amin(x, (-1,), keepdim=True), lambda x: x, ((),), label="amin_0d")],
          edge_cases=[EdgeCase(lambda m, x: m.amin(x, 0), [[1.0, 3.0], [1.0, 2.0]]),
                      EdgeCase(lambda m, x: m.amin(x), [1.0, -_INF, -_INF, _NAN])],
          errors=[ErrorCase(lambda m: m.amin(m.ones(0)), RuntimeError, "numel")])
def amin(input, dim=(), keepdim=False):
    """Mirrors `torch.amin(input, dim=(), keepdim=False)` (see `amax`)."""
    return _amax_amin(input, dim, keepdim, False, "amin")


def _arg_extreme(input, dim, keepdim, is_max, op):
    x = check_tensor(input, op)
    data = x._data
    if data.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                               f"(input shape {tuple(x.shape)}).")
        idx = _first_index(data.reshape(-1), 0, is_max).astype(np.int64)
        return _wrap(idx.reshape((1,) * data.ndim if keepdim else ()))
    axis = wrap_dim(dim, data.ndim, op)
    if data.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    check_identityless(x, (axis,), False, op)
    idx = _first_index(data, axis, is_max)
    return _wrap((idx if keepdim else np.squeeze(idx, axis)).astype(np.int64))


@register("argmax", method=True, dtype="int64",
          samples=[Sample(lambda m, x: m.argmax(x, 1), lambda x: x.argmax(1), (S3,), (SEP,), grad=(False,),
                          out_dtype=np.int64, label="argmax"),
                   Sample(lambda m, x: x.argmax(), lambda x: np.int64(x.argmax()), (S3,), (SEP,), grad=(False,),
                          out_dtype=np.int64, label="argmax_all"),
                   Sample(lambda m, x: x.argmax(keepdim=True), lambda x: np.int64(x.argmax()).reshape(1, 1),
                          ((2, 3),), (SEP,), grad=(False,), out_dtype=np.int64, label="argmax_all_keepdim"),
                   Sample(lambda m, x: m.argmax(x, axis=0, keepdims=True), lambda x: x.argmax(0)[None], ((3, 2),),
                          (SEP,), grad=(False,), out_dtype=np.int64, label="argmax_axis_keepdims"),
                   Sample(lambda m, x: m.argmax(x, 0), lambda x: np.int64(0), ((),), grad=(False,),
                          out_dtype=np.int64, label="argmax_0d")],
          edge_cases=[EdgeCase(lambda m, x: x.argmax(1)[:, None] * 1.0 + x, [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
                      EdgeCase(lambda m, x: x.argmax(1)[:, None] * 1.0 + x, [[_INF, _NAN, 1.0], [_NAN, _NAN, _INF]])],
          errors=[ErrorCase(lambda m: m.argmax(m.ones(0)), IndexError, "numel"),
                  ErrorCase(lambda m: m.argmax(m.ones(2, 0), 1), IndexError, "non-zero size"),
                  ErrorCase(lambda m: m.argmax(m.ones(2, dtype=m.bool)), RuntimeError, "bool"),
                  ErrorCase(lambda m: m.argmax(m.ones(2, 2), (0,)), TypeError, "must be an int")])
def argmax(input, dim=None, keepdim=False):
    """Mirrors `torch.argmax(input, dim=None, keepdim=False)`: the first index of the maximum; NaN
    counts as the maximum. Bool inputs raise, as PyTorch."""
    return _arg_extreme(input, dim, keepdim, True, "argmax")


@register("argmin", method=True, dtype="int64",
          samples=[Sample(lambda m, x: m.argmin(x, dim=0, keepdim=True), lambda x: x.argmin(0)[None], (S3,), (SEP,),
                          grad=(False,), out_dtype=np.int64, label="argmin_keepdim"),
                   Sample(lambda m, x: x.argmin(axis=-1), lambda x: x.argmin(-1), (S3,), (SEP,), grad=(False,),
                          out_dtype=np.int64, label="argmin_axis"),
                   Sample(lambda m, i: i.argmin(), lambda i: np.int64(i.argmin()), ((6,),),
                          (lambda rng, s: rng.integers(-2, 2, s),), out_dtype=np.int64, label="argmin_int_ties")],
          edge_cases=[EdgeCase(lambda m, x: x.argmin(0) * 1.0 + x, [-_INF, _NAN, -_INF])],
          errors=[ErrorCase(lambda m: m.argmin(m.ones((), dtype=m.bool)), RuntimeError, "bool"),
                  ErrorCase(lambda m: m.argmin(m.ones(3), 1), IndexError, "out of range")])
def argmin(input, dim=None, keepdim=False):
    """Mirrors `torch.argmin(input, dim=None, keepdim=False)` (see `argmax`)."""
    return _arg_extreme(input, dim, keepdim, False, "argmin")
