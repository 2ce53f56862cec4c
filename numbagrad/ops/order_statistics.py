"""Order statistics: median, nanmedian, kthvalue, mode, quantile, nanquantile, aminmax. Each
mirrors the `torch` function of the same name.

Forms with a dim return PyTorch's `(values, indices)` namedtuples, and the gradient goes to the
index; the full-tensor median and aminmax share it evenly between tied elements, as PyTorch.
Indices of ties: median and kthvalue take the k-th element of a stable sort (NaN last), mode the
last occurrence of the smallest most frequent value. PyTorch's median and mode agree with this on
the cases tried; its kthvalue picks ties by its selection algorithm, so with ties the index (and
where the gradient goes) may differ.
"""
from collections import namedtuple

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ._util import check_tensor, wrap_dim
from .norms import reduce_axes
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")

MedianResult = namedtuple("median", ["values", "indices"])
NanMedianResult = namedtuple("nanmedian", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])
_NAN = float("nan")


def _isnan(a):
    return np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, dtype=bool)


# ---- nodes --------------------------------------------------------------------------------------------
class SelectAlongDim(ArrayFunction):
    """(values, indices) given the indices chosen along `axis` (computed before): the values
    are gathered there and the gradient is scattered back to them."""

    @staticmethod
    def forward(ctx, x, index, axis, keepdim):
        values = np.take_along_axis(x, index, axis=axis)
        ctx.index, ctx.axis, ctx.shape, ctx.keepdim = index, axis, x.shape, keepdim
        if not keepdim:
            values, index = np.squeeze(values, axis), np.squeeze(index, axis)
        return values, index.copy()  # the output is the user's; backward reads ctx.index

    @staticmethod
    def backward(ctx, g, g_index):
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axis)
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.index, g, axis=ctx.axis)
        return gx, None, None, None


class EvenlyShared(ArrayFunction):
    """A value picked out of the whole tensor (computed before); its gradient is shared evenly
    between the elements equal to it (between the NaNs when it is NaN), as PyTorch's
    `evenly_distribute_backward`."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.save_for_backward(x)
        ctx.value = value
        return np.asarray(value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        value = ctx.value
        hit = _isnan(x) if np.isnan(value) else (x == value)
        with np.errstate(**_ERRSTATE):
            return (hit * (g / hit.sum())).astype(g.dtype, copy=False), None


class ExtremesShared(ArrayFunction):
    """aminmax: (min, max) over `axes`, the gradient of each shared evenly between its ties
    (NaN over a slice whose extreme is NaN, as PyTorch)."""
    backward_name = "AminmaxBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        low = np.min(x, axis=axes, keepdims=True)
        high = np.max(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x)
        ctx.state = (low, high, axes, keepdim)
        squeeze = (lambda a: a) if keepdim or not axes else (lambda a: np.squeeze(a, axes))
        return squeeze(low).copy(), squeeze(high).copy()  # backward reads its own low and high

    @staticmethod
    def backward(ctx, g_low, g_high):
        (x,) = ctx.saved_tensors
        low, high, axes, keepdim = ctx.state
        gx = np.zeros(x.shape, dtype=g_low.dtype)
        with np.errstate(**_ERRSTATE):
            for g, extreme in ((g_low, low), (g_high, high)):
                if not keepdim and axes:
                    g = np.expand_dims(g, axes)
                hit = x == extreme  # as PyTorch: a NaN extreme matches nothing, giving NaN gradients
                gx = gx + hit * (g / hit.sum(axis=axes, keepdims=True))
        return gx.astype(g_low.dtype, copy=False), None, None


# ---- median, nanmedian ----------------------------------------------------------------------------------
def _kth_of_sorted(x, axis, k_of_row):
    """Indices (keepdim) of the element at sorted position k_of_row (an int array broadcast over
    the reduced shape, or an int) of a stable sort along `axis` (NaN last)."""
    order = np.argsort(x, axis=axis, kind="stable")
    k = np.broadcast_to(np.asarray(k_of_row, dtype=np.int64), np.take(order, [0], axis=axis).shape)
    return np.take_along_axis(order, k, axis=axis)


def _median_position(x, axis, ignore_nan):
    """The sorted position of the (lower) median in each slice along `axis` (keepdim shape)."""
    n = x.shape[axis]
    nan_count = _isnan(x).sum(axis=axis, keepdims=True)
    if ignore_nan:
        valid = n - nan_count
        return np.where(valid > 0, (valid - 1) // 2, 0)
    return np.where(nan_count > 0, n - nan_count, (n - 1) // 2)


def _median_all(x, ignore_nan, op):
    data = x._data
    if data.size == 0:  # NaN (for integers PyTorch returns NaN cast to int64: its minimum)
        if data.dtype.kind == "f":
            return EvenlyShared.apply(x, np.nan)
        return _wrap(np.asarray(np.iinfo(np.int64).min).astype(data.dtype))
    flat = data.reshape(-1)
    nan = _isnan(flat)
    if nan.any() and not (ignore_nan and not nan.all()):
        value = np.nan
    else:
        values = flat[~nan] if ignore_nan else flat
        value = np.partition(values, (values.size - 1) // 2)[(values.size - 1) // 2]
    if data.dtype.kind != "f":
        return _wrap(np.asarray(value, dtype=data.dtype))
    return EvenlyShared.apply(x, value)


def _median(input, dim, keepdim, ignore_nan, op, result):
    x = check_tensor(input, op)
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"{op}(): \"{op}_cpu\" not implemented for 'Bool'")
    if dim is None:
        return _median_all(x, ignore_nan, op)
    axis = wrap_dim(dim, x._data.ndim, op)
    if x._data.ndim == 0:
        return result(x.clone(), _wrap(np.zeros((), np.int64)))
    if x._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")
    index = _kth_of_sorted(x._data, axis, _median_position(x._data, axis, ignore_nan))
    values, index = SelectAlongDim.apply(x, index, axis, keepdim)
    return result(values, index)


def _median_ref(ignore_nan, axis=None, keepdims=False):
    def reference(x):
        if axis is None:
            flat = np.sort(x.reshape(-1))
            return flat[(flat.size - 1) // 2]
        position = _median_position(x, axis, ignore_nan)
        index = _kth_of_sorted(x, axis, position)
        values = np.take_along_axis(x, index, axis=axis)
        if not keepdims:
            values, index = np.squeeze(values, axis), np.squeeze(index, axis)
        return values, index.copy()  # the output is the user's; backward reads ctx.index
    return reference


_TIED = [1.0, 2.0, 2.0, 3.0, 2.0, 0.5]
_WITH_NAN = [1.0, _NAN, 2.0, _NAN, 3.0, 0.5]


@register("median", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.median(x), _median_ref(False), ((3, 5),), label="median_all"),
                   Sample(lambda m, x: x.median(1), _median_ref(False, 1), ((3, 4),), out_dtype=("same", np.int64),
                          label="median_dim_even"),
                   Sample(lambda m, x: m.median(x, -1, keepdim=True), _median_ref(False, -1, True), ((2, 3, 5),),
                          out_dtype=("same", np.int64), label="median_keepdim"),
                   Sample(lambda m, x: m.median(x, 0), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="median_0d"),
                   Sample(lambda m, x: m.median(x), lambda x: np.asarray(np.nan), ((0,),), label="median_empty"),
                   Sample(lambda m, x: m.median(x, 0), _median_ref(False, 0), ((5, 2),),
                          (lambda rng, s: rng.integers(-3, 3, s),), out_dtype=(np.int64, np.int64),
                          label="median_int")],
          edge_cases=[EdgeCase(lambda m, x: m.median(x), _TIED), EdgeCase(lambda m, x: m.median(x), _WITH_NAN),
                      EdgeCase(lambda m, x: m.median(x, 0).values, _TIED),
                      EdgeCase(lambda m, x: m.median(x.reshape(2, 3), 1).values, _WITH_NAN)],
          errors=[ErrorCase(lambda m: m.median(m.ones(0, 3), 0), IndexError, "non-zero size"),
                  ErrorCase(lambda m: m.median(m.ones(3), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.median(m.ones(3, dtype=m.bool)), NotImplementedError, "not implemented")])
def median(input, dim=None, keepdim=False):
    """Mirrors `torch.median`: `median(input)` the lower median of all elements (NaN if any is
    NaN; the gradient shared between elements equal to it), `median(input, dim, keepdim=False)`
    a `(values, indices)` namedtuple."""
    return _median(input, dim, keepdim, False, "median", MedianResult)


@register("nanmedian", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.nanmedian(x), lambda x: np.sort(x.reshape(-1))[(x.size - 1) // 2], ((3, 4),),
                          label="nanmedian_all"),
                   Sample(lambda m, x: x.nanmedian(0), _median_ref(True, 0), ((5, 3),),
                          (lambda rng, s: np.where(rng.random(s) < 0.3, np.nan, rng.uniform(-2, 2, s)),), (True,),
                          out_dtype=("same", np.int64), label="nanmedian_dim_with_nans")],
          edge_cases=[EdgeCase(lambda m, x: m.nanmedian(x), _WITH_NAN),
                      EdgeCase(lambda m, x: m.nanmedian(x), [_NAN, _NAN]),
                      EdgeCase(lambda m, x: m.nanmedian(x.reshape(3, 2), 1).values, [_NAN, _NAN, 1.0, _NAN, 2.0, 1.0])],
          errors=[ErrorCase(lambda m: m.nanmedian(m.ones(0, 3), 0), IndexError, "non-zero size")])
def nanmedian(input, dim=None, keepdim=False):
    """Mirrors `torch.nanmedian`: the median ignoring NaN (NaN where a slice is all NaN)."""
    return _median(input, dim, keepdim, True, "nanmedian", NanMedianResult)


# ---- kthvalue, mode -----------------------------------------------------------------------------------
def _reduced_dim(input, dim, op):
    x = check_tensor(input, op)
    axis = wrap_dim(dim, x._data.ndim, op)
    if x._data.ndim and x._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")
    return x, axis


@register("kthvalue", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.kthvalue(x, 2), lambda x: _kth_ref(x, 2, -1, False), ((3, 5),),
                          out_dtype=("same", np.int64), label="kthvalue"),
                   Sample(lambda m, x: x.kthvalue(4, 0, True), lambda x: _kth_ref(x, 4, 0, True), ((4, 3),),
                          out_dtype=("same", np.int64), label="kthvalue_dim_keepdim"),
                   Sample(lambda m, x: m.kthvalue(x, 1), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="kthvalue_0d")],
          edge_cases=[EdgeCase(lambda m, x: m.kthvalue(x, 6).values, [_NAN, 1.0, 2.0, -1.0, 5.0, 7.0]),
                      EdgeCase(lambda m, x: m.kthvalue(x, 2).values, [3.0, 1.0, 2.0, 1.5])],
          errors=[ErrorCase(lambda m: m.kthvalue(m.ones(3), 4), RuntimeError, "out of range"),
                  ErrorCase(lambda m: m.kthvalue(m.ones(3), 0), RuntimeError, "out of range"),
                  ErrorCase(lambda m: m.kthvalue(m.ones(0, 2), 1, 0), IndexError, "non-zero size")])
def kthvalue(input, k, dim=-1, keepdim=False):
    """Mirrors `torch.kthvalue(input, k, dim=-1, keepdim=False)`: the k-th smallest element
    (1-based; NaN sorts last) along `dim` as a `(values, indices)` namedtuple."""
    x, axis = _reduced_dim(input, dim, "kthvalue")
    n = x._data.shape[axis] if x._data.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    if x._data.ndim == 0:
        return KthvalueResult(x.clone(), _wrap(np.zeros((), np.int64)))
    index = _kth_of_sorted(x._data, axis, k - 1)
    values, index = SelectAlongDim.apply(x, index, axis, keepdim)
    return KthvalueResult(values, index)


def _kth_ref(x, k, axis, keepdims):
    index = _kth_of_sorted(x, axis, k - 1)
    values = np.take_along_axis(x, index, axis=axis)
    if not keepdims:
        values, index = np.squeeze(values, axis), np.squeeze(index, axis)
    return values, index


def _mode_index(x, axis):
    """Indices (keepdim) of the mode along `axis`: the smallest of the most frequent values, at its
    last occurrence."""
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = np.argsort(rows, axis=-1, kind="stable")
    ordered = np.take_along_axis(rows, order, axis=-1)
    index = np.empty(rows.shape[0], dtype=np.int64)
    for r in range(rows.shape[0]):  # one pass over each sorted row: runs of equal values
        values = ordered[r]
        ends = np.flatnonzero(np.concatenate([values[1:] != values[:-1], [True]]))
        lengths = np.diff(np.concatenate([[-1], ends]))
        best = ends[np.argmax(lengths)]  # argmax: the first (smallest) of the longest runs
        index[r] = order[r, best]
    return np.moveaxis(index.reshape(moved.shape[:-1] + (1,)), -1, axis)


@register("mode", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.mode(x), lambda x: _mode_ref(x, -1, False), ((3, 6),),
                          (lambda rng, s: rng.integers(-2, 3, s).astype(np.float64),), (False,),
                          out_dtype=("same", np.int64), label="mode"),
                   Sample(lambda m, x: m.mode(x, 1), lambda x: _mode_ref(x, 1, False), ((3, 4),),
                          out_dtype=("same", np.int64), label="mode_distinct_values"),
                   Sample(lambda m, x: x.mode(0, True), lambda x: _mode_ref(x, 0, True), ((7, 2),),
                          (lambda rng, s: rng.integers(0, 3, s).astype(np.float64),), (False,),
                          out_dtype=("same", np.int64), label="mode_dim_keepdim"),
                   Sample(lambda m, x: m.mode(x, 0), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="mode_0d"),
                   Sample(lambda m, x: m.mode(x, 1), lambda x: _mode_ref(x, 1, False), ((2, 5),),
                          (lambda rng, s: rng.integers(0, 2, s),), out_dtype=(np.int64, np.int64), label="mode_int")],
          edge_cases=[EdgeCase(lambda m, x: m.mode(x).values, [1.0, 2.0, 2.0, 3.0, 2.0]),
                      EdgeCase(lambda m, x: m.mode(x).values, [7.0, 3.0, 7.0, 3.0, 3.0, 7.0])],
          errors=[ErrorCase(lambda m: m.mode(m.ones(0)), IndexError, "non-zero size"),
                  ErrorCase(lambda m: m.mode(m.ones(3), 1), IndexError, "out of range")])
def mode(input, dim=-1, keepdim=False):
    """Mirrors `torch.mode(input, dim=-1, keepdim=False)`: the most frequent value along `dim`
    (the smallest of equally frequent ones) and the index of its last occurrence. Difference:
    NaNs count as equal to each other (PyTorch's result with NaN depends on its sort)."""
    x, axis = _reduced_dim(input, dim, "mode")
    if x._data.ndim == 0:
        return ModeResult(x.clone(), _wrap(np.zeros((), np.int64)))
    index = _mode_index(x._data, axis)
    values, index = SelectAlongDim.apply(x, index, axis, keepdim)
    return ModeResult(values, index)


def _mode_ref(x, axis, keepdims):
    moved = np.moveaxis(x, axis, -1)
    vals = np.empty(moved.shape[:-1], x.dtype)
    idx = np.empty(moved.shape[:-1], np.int64)
    for pos in np.ndindex(*moved.shape[:-1]):
        row = moved[pos]
        uniq, counts = np.unique(row, return_counts=True)
        v = uniq[np.argmax(counts)]
        vals[pos], idx[pos] = v, np.flatnonzero(row == v)[-1]
    vals, idx = np.moveaxis(vals[..., None], -1, axis), np.moveaxis(idx[..., None], -1, axis)
    if not keepdims:
        vals, idx = np.squeeze(vals, axis), np.squeeze(idx, axis)
    return vals, idx


# ---- aminmax ----------------------------------------------------------------------------------------------
@register("aminmax", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.aminmax(x), lambda x: (np.min(x), np.max(x)), ((3, 4),), label="aminmax"),
                   Sample(lambda m, x: x.aminmax(dim=1, keepdim=True),
                          lambda x: (np.min(x, 1, keepdims=True), np.max(x, 1, keepdims=True)), ((3, 4),),
                          label="aminmax_dim"),
                   Sample(lambda m, x: m.aminmax(x, dim=0), lambda x: (x, x), ((),), label="aminmax_0d"),
                   Sample(lambda m, x: m.aminmax(x, dim=0), lambda x: (np.min(x, 0), np.max(x, 0)), ((4,),),
                          (lambda rng, s: rng.integers(-3, 3, s),), out_dtype=np.int64, label="aminmax_int")],
          edge_cases=[EdgeCase(lambda m, x: m.aminmax(x)[0] + 2 * m.aminmax(x)[1], [1.0, 3.0, 3.0, 0.0, 0.0]),
                      EdgeCase(lambda m, x: sum(m.aminmax(x.reshape(2, 2), dim=1)), [1.0, _NAN, 2.0, 3.0])],
          errors=[ErrorCase(lambda m: m.aminmax(m.ones(0)), RuntimeError, "empty"),
                  ErrorCase(lambda m: m.aminmax(m.ones(0, 2), dim=0), IndexError, "non-zero size")])
def aminmax(input, *, dim=None, keepdim=False):
    """Mirrors `torch.aminmax(input, *, dim=None, keepdim=False)`: a `(min, max)` namedtuple over
    `dim` (all elements when None); NaN propagates; gradients shared evenly between ties."""
    x = check_tensor(input, "aminmax")
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        axes = tuple(range(x._data.ndim))
    else:
        axes = reduce_axes(x, dim, "aminmax")
        if axes and x._data.shape[axes[0]] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {axes[0]} to have non-zero size.")
    low, high = ExtremesShared.apply(x, axes, keepdim)
    return AminmaxResult(low, high)


# ---- quantile, nanquantile --------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _lerp(start, end, weight):
    """PyTorch's lerp formula (exact at both ends)."""
    return np.where(weight < 0.5, start + weight * (end - start), end - (end - start) * (1 - weight))


class Quantile(ArrayFunction):
    """forward(ctx, x, q, axis, keepdim, interpolation, ignore_nan), PyTorch's algorithm: sort
    (NaN last), ranks q * (n - 1) (over the non-NaN count for nanquantile; the last rank where a
    NaN makes quantile NaN), rounded per `interpolation`, and a lerp between the neighbours. The
    gradient goes to the two sorted neighbours, weights 1 - w and w; a tensor q gets the lerp's
    gradient through w = rank - floor(rank) ('linear' only: the other modes round the rank)."""

    @staticmethod
    def forward(ctx, x, q, axis, keepdim, interpolation, ignore_nan):
        if axis is None:
            rows = x.reshape(1, -1) if x.size else x.reshape(1, 0)
        else:
            rows = np.moveaxis(x, axis, -1)
            rows = rows.reshape(-1, rows.shape[-1])
        order = np.argsort(rows, axis=-1, kind="stable")
        ordered = np.take_along_axis(rows, order, axis=-1)
        n = rows.shape[-1]
        nan = np.isnan(ordered)
        qs = q.reshape(-1, 1, 1)  # (nq, 1, 1) against (rows, 1)
        if ignore_nan:
            scale = (~nan).sum(-1, keepdims=True) - 1
            ranks = qs * scale
            scale = np.where(ranks < 0, 0, scale)
            ranks = np.where(ranks < 0, 0, ranks)
        else:
            has_nan = nan.any(-1, keepdims=True)
            scale = np.where(has_nan, 0, n - 1)
            ranks = np.where(has_nan, n - 1, qs * (n - 1))
        if interpolation == "lower":
            ranks = np.floor(ranks)
        elif interpolation == "higher":
            ranks = np.ceil(ranks)
        elif interpolation == "nearest":
            ranks = np.round(ranks)  # half to even, as torch.round
        below = ranks.astype(np.int64)
        rows_b = np.broadcast_to(ordered, (qs.shape[0],) + ordered.shape)
        values = np.take_along_axis(rows_b, below, axis=-1)
        above = below
        weights = np.zeros(ranks.shape, dtype=x.dtype)
        spread = None
        if interpolation in ("linear", "midpoint"):
            if interpolation == "midpoint":
                weights = np.full(ranks.shape, 0.5, x.dtype)
            else:
                weights = (ranks - below).astype(x.dtype)
            above = np.ceil(ranks).astype(np.int64)
            values_above = np.take_along_axis(rows_b, above, axis=-1)
            with np.errstate(**_ERRSTATE):
                if interpolation == "linear":
                    spread = (values_above - values) * scale
                values = _lerp(values, values_above, weights)
        ctx.state = (order, below, above, weights, x.shape, axis, keepdim, rows.shape, spread, q.shape)
        return _quantile_shape(values[..., 0].astype(x.dtype, copy=False), q, x.shape, axis, keepdim)

    @staticmethod
    def backward(ctx, g):
        order, below, above, weights, shape, axis, keepdim, rows_shape, spread, q_shape = ctx.state
        nq = below.shape[0]
        g = g.reshape((nq, rows_shape[0], 1))
        gq = None
        if ctx.needs_input_grad[1]:
            with np.errstate(**_ERRSTATE):
                gq = np.zeros(q_shape, g.dtype) if spread is None else (g * spread).sum(axis=(1, 2)).reshape(q_shape)
            gq = gq.astype(g.dtype, copy=False)
        g_sorted = np.zeros(rows_shape, dtype=g.dtype)
        row_index = np.broadcast_to(np.arange(rows_shape[0])[None, :, None], below.shape)
        np.add.at(g_sorted, (row_index, below), g * (1 - weights))
        np.add.at(g_sorted, (row_index, above), g * weights)
        g_rows = np.zeros(rows_shape, dtype=g.dtype)
        np.put_along_axis(g_rows, order, g_sorted, axis=-1)
        if axis is None:
            return g_rows.reshape(shape), gq, None, None, None, None
        moved = list(shape[:axis]) + list(shape[axis + 1:]) + [shape[axis]]
        return np.moveaxis(g_rows.reshape(moved), -1, axis), gq, None, None, None, None


def _quantile_shape(values, q, in_shape, axis, keepdim):
    """(nq, rows) values in PyTorch's output layout: q's dim first (absent for a scalar q), then
    the input's shape without `axis` (kept as 1 with keepdim; all dims reduced when axis is None)."""
    if axis is None:
        rest = (1,) * len(in_shape) if keepdim else ()
    else:
        rest = tuple(1 if i == axis else n for i, n in enumerate(in_shape)) if keepdim else \
            tuple(n for i, n in enumerate(in_shape) if i != axis)
    out = values.reshape((values.shape[0],) + rest)
    return out[0] if q.ndim == 0 else out


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, op):
    x = check_tensor(input, op)
    if x._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        if q._data.dtype != x._data.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
        q_array = q._data
        q_input = q
    elif isinstance(q, (int, float, np.number)) and not isinstance(q, bool):
        q_array = np.asarray(q, dtype=x._data.dtype)
        q_input = q_array
    else:
        raise TypeError(f"{op}(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
    if q_array.size and not ((q_array >= 0) & (q_array <= 1)).all():
        raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
    if x._data.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Found '{interpolation}'")
    axis = None if dim is None else wrap_dim(dim, x._data.ndim, op)
    if axis is not None and x._data.ndim == 0:
        axis = None
    return Quantile.apply(x, q_input, axis, keepdim, interpolation, ignore_nan)


def _quantile_ref(q, axis=None, keepdims=False, method="linear", nan=False):
    def reference(x, *q_arrays):
        qq = q_arrays[0] if q_arrays else q
        fn = np.nanquantile if nan else np.quantile
        return fn(x, qq, axis=axis, keepdims=keepdims, method=method)
    return reference


def _unit_q(rng, shape):
    return np.sort(rng.uniform(0.0, 1.0, shape))


@register("quantile", method=True, dtype="float_only",
          samples=[Sample(lambda m, x, q: m.quantile(x, q), _quantile_ref(None), ((3, 5), (3,)), ("real", _unit_q),
                          (True, True), label="quantile_q_tensor"),
                   Sample(lambda m, x: x.quantile(0.3, 1), _quantile_ref(0.3, 1), ((3, 5),), label="quantile_dim"),
                   Sample(lambda m, x: m.quantile(x, 0.75, 0, True), _quantile_ref(0.75, 0, True), ((4, 3),),
                          label="quantile_keepdim"),
                   Sample(lambda m, x: m.quantile(x, 0.4, -1, interpolation="lower"),
                          _quantile_ref(0.4, -1, method="lower"), ((3, 6),), label="quantile_lower"),
                   Sample(lambda m, x: m.quantile(x, 0.4, -1, interpolation="higher"),
                          _quantile_ref(0.4, -1, method="higher"), ((3, 6),), label="quantile_higher"),
                   Sample(lambda m, x: m.quantile(x, 0.35, 0, interpolation="midpoint"),
                          _quantile_ref(0.35, 0, method="midpoint"), ((5, 2),), label="quantile_midpoint"),
                   Sample(lambda m, x: m.quantile(x, 0.7, 0, interpolation="nearest"),
                          _quantile_ref(0.7, 0, method="nearest"), ((6, 2),), label="quantile_nearest"),
                   Sample(lambda m, x: m.quantile(x, 0.5, 0), lambda x: x, ((),), label="quantile_0d"),
                   Sample(lambda m, x, q: m.quantile(x, q, dim=1, keepdim=True), _quantile_ref(None, 1, True),
                          ((2, 4, 3), (2,)), ("real", _unit_q), (True, True), label="quantile_q_tensor_dim")],
          edge_cases=[EdgeCase(lambda m, x: m.quantile(x, 0.5), [1.0, 2.0, 2.0, 3.0]),
                      EdgeCase(lambda m, x: m.quantile(x, 0.25), [1.0, _NAN, 2.0, 3.0]),
                      EdgeCase(lambda m, x: m.quantile(x, 0.5, interpolation="nearest"), [4.0, 1.0, 3.0, 2.0]),
                      EdgeCase(lambda m, x: m.quantile(x, m.tensor([0.0, 1.0], dtype=m.float64)),
                               [3.0, -1.0, float("inf"), 2.0])],
          errors=[ErrorCase(lambda m: m.quantile(m.ones(3), 1.5), RuntimeError, "in the range"),
                  ErrorCase(lambda m: m.quantile(m.ones(3), m.ones(2, 2) * 0.5), RuntimeError, "scalar or 1D"),
                  ErrorCase(lambda m: m.quantile(m.ones(3), m.tensor([0.5], dtype=m.float64)), RuntimeError,
                            "same dtype"),
                  ErrorCase(lambda m: m.quantile(m.ones(3, dtype=m.int64), 0.5), RuntimeError, "float or double"),
                  ErrorCase(lambda m: m.quantile(m.ones(0), 0.5), RuntimeError, "non-empty"),
                  ErrorCase(lambda m: m.quantile(m.ones(3), 0.5, interpolation="foo"), RuntimeError,
                            "interpolation must be one of"),
                  ErrorCase(lambda m: m.quantile(m.ones(3), 0.5, 1), IndexError, "out of range")])
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """Mirrors `torch.quantile(input, q, dim=None, keepdim=False, *, interpolation='linear')`:
    q a float or a 0-/1-D tensor in [0, 1] (a 1-D q adds a leading dim); 'linear', 'lower',
    'higher', 'midpoint', 'nearest' (ties to even); NaN in a slice makes its quantile NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def _nan_rows(rng, shape):
    x = rng.uniform(-2, 2, shape)
    x[rng.random(shape) < 0.3] = np.nan
    return x


@register("nanquantile", method=True, dtype="float_only",
          samples=[Sample(lambda m, x, q: m.nanquantile(x, q, 1), _quantile_ref(None, 1, nan=True), ((4, 6), (3,)),
                          (_nan_rows, _unit_q), (True, True), label="nanquantile"),
                   Sample(lambda m, x: x.nanquantile(0.5), _quantile_ref(0.5, nan=True), ((3, 4),),
                          label="nanquantile_all")],
          edge_cases=[EdgeCase(lambda m, x: m.nanquantile(x, 0.25), [1.0, _NAN, 2.0, 3.0]),
                      EdgeCase(lambda m, x: m.nanquantile(x.reshape(2, 2), 0.5, 1), [_NAN, _NAN, 1.0, 2.0])],
          errors=[ErrorCase(lambda m: m.nanquantile(m.ones(3), -0.1), RuntimeError, "in the range")])
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """Mirrors `torch.nanquantile`: `quantile` ignoring NaN (NaN where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
