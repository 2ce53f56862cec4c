"""Reductions: sum, mean, prod, max, min, amax, amin, argmax, argmin, var, std, logsumexp,
norm, all, any. Each mirrors the `torch` function of the same name (`dim` an int or a tuple,
`keepdim`). `max(x, dim)` / `min(x, dim)` return `(values, indices)` as a namedtuple.
"""
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ._util import check_tensor, wrap_dims, wrap_dim, cast, named, torch_sign

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _expand_back(g, in_shape, axes, keepdim):
    """The gradient of a reduction over `axes`, broadcast back to the input's shape (a view;
    a new array for a reduction over everything, which is cheaper to make)."""
    if g.ndim == 0:
        return np.full(in_shape, g, dtype=g.dtype)
    if not keepdim and axes:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(in_shape)))
    return np.broadcast_to(g, in_shape)


def _reduce_args(x, dim, op):
    """The reduced axes: all for dim None or (); a 0-d tensor takes dim 0 and -1 (IndexError for
    others, as PyTorch) and reduces over nothing."""
    nd = x._data.ndim
    if dim is None:
        return tuple(range(nd))
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return tuple(range(nd))
    axes = wrap_dims(dim, nd, op)
    return axes if nd else ()


def _check_identityless(x, axes, full, op):
    """A reduction without an identity (max, min, inf-norms) over an empty slice: PyTorch's
    RuntimeError when reducing everything, IndexError naming an empty reduced dim."""
    if x._data.size:
        return
    if full:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                           f"Specify the reduction dim with the 'dim' argument (input shape {tuple(x.shape)}).")
    for a in axes:
        if x._data.shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size "
                             f"(input shape {tuple(x.shape)}).")


# ---- sum, mean, prod ------------------------------------------------------------------------------
class Sum(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype):
        ctx.in_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.sum`: integer and bool inputs sum to int64 unless `dtype` is given."""
    x = check_tensor(input, "sum")
    axes = _reduce_args(x, dim, "sum")
    if dtype is not None:
        np_dtype = dtypes.to_dtype(dtype).numpy
    elif x._data.dtype.kind in "biu":
        np_dtype = np.int64
    else:
        np_dtype = None
    return Sum.apply(x, axes, keepdim, np_dtype)


class Mean(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.in_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        ctx.n = n
        with np.errstate(**_ERRSTATE):  # the mean of nothing is nan, without NumPy's warning
            return np.asarray(np.sum(x, axis=axes, keepdims=keepdim) / np.asarray(n, dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):
            scaled = g / np.asarray(ctx.n, dtype=g.dtype)
        return _expand_back(scaled, ctx.in_shape, ctx.axes, ctx.keepdim), None, None


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.mean`: floating inputs only (RuntimeError for integer input, as PyTorch)."""
    x = check_tensor(input, "mean")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype.name}")
    return Mean.apply(x, _reduce_args(x, dim, "mean"), keepdim)


class Prod(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axes, keepdim, full):
        out = np.asarray(np.prod(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim, ctx.full = axes, keepdim, full
        return out

    @staticmethod
    def backward(ctx, g):
        # PyTorch's prod_backward, branch for branch (its NaN/inf results depend on the branch):
        # no zero in the input: g * out / x; a full reduction with two or more zeros: 0;
        # otherwise the exact product of all other elements of each slice.
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g, None, None, None
        axes, keepdim = ctx.axes, ctx.keepdim
        zeros = int(np.count_nonzero(x == 0))
        gb = _expand_back(g, x.shape, axes, keepdim)
        if zeros == 0:
            with np.errstate(**_ERRSTATE):
                return gb * (_expand_back(out, x.shape, axes, keepdim) / x), None, None, None
        if ctx.full and zeros > 1:
            return np.zeros_like(x), None, None, None
        return gb * _products_of_others(x, axes), None, None, None


def _products_of_others(x, axes):
    """For each element, the product of the other elements of its slice over `axes` (exclusive
    products from both ends, exact with zeros; PyTorch's prod_safe_zeros_backward)."""
    tail = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, tail)
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    with np.errstate(**_ERRSTATE):
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = (left * right).reshape(moved.shape)
    return np.moveaxis(others, tail, axes)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.prod(input, dim=None, keepdim=False)`; `dim` must be an int when given."""
    x = check_tensor(input, "prod")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    if x._data.dtype.kind in "bui" and dtype is None:
        return _wrap(np.asarray(np.prod(x._data, axis=None if dim is None else wrap_dim(dim, x.ndim, "prod"),
                                        keepdims=keepdim, dtype=np.int64)))
    return Prod.apply(x, _reduce_args(x, dim, "prod"), keepdim, dim is None)


# ---- max, min, argmax, argmin ------------------------------------------------------------------------
class ExtremeAll(ArrayFunction):
    """max/min/amax/amin over dims: the gradient is shared evenly between tied extremes.

    `nan_picks`: max()/min() over everything (PyTorch's evenly_distribute_backward), where a NaN
    result gives the gradient to the NaN elements. Otherwise (amax/amin, PyTorch's
    scale_grad_by_count) no element equals a NaN result and the slice's gradient is NaN."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, is_max, nan_picks):
        out = np.asarray((np.max if is_max else np.min)(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim, ctx.nan_picks = axes, keepdim, nan_picks
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        if ctx.nan_picks and out.dtype.kind == "f" and np.isnan(out).any():
            hit = np.isnan(x) | (x == _expand_back(out, x.shape, axes, keepdim))
        else:
            hit = x == _expand_back(out, x.shape, axes, keepdim)
        count = np.sum(hit, axis=axes, keepdims=True).astype(g.dtype)
        with np.errstate(**_ERRSTATE):
            gx = (_expand_back(g, x.shape, axes, keepdim) / count) * hit
        return gx.astype(x.dtype, copy=False), None, None, None, None


class ExtremeDim(ArrayFunction):
    """max/min along one dim returning (values, indices); the gradient goes to the index."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, is_max):
        idx = (np.argmax if is_max else np.argmin)(x, axis=axis, keepdims=True)
        if x.dtype.kind == "f":
            # PyTorch propagates NaN: a NaN in the slice is the result and its index.
            nan_idx = np.argmax(np.isnan(x), axis=axis, keepdims=True)
            has_nan = np.any(np.isnan(x), axis=axis, keepdims=True)
            idx = np.where(has_nan, nan_idx, idx)
        values = np.take_along_axis(x, idx, axis=axis)
        ctx.idx, ctx.axis, ctx.in_shape, ctx.keepdim = idx, axis, x.shape, keepdim
        if not keepdim:
            values = np.squeeze(values, axis)
            idx = np.squeeze(idx, axis)
        return values, idx.astype(np.int64)

    @staticmethod
    def backward(ctx, g, g_idx):
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axis)
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.idx, g, axis=ctx.axis)
        return gx, None, None, None


def _extreme(input, dim, keepdim, is_max, op, result_type):
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(input, dim)
    x = check_tensor(input, op)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return named(ExtremeAll.apply(x, tuple(range(x._data.ndim)), False, is_max, True),
                     "MaxBackward1" if is_max else "MinBackward1")
    axis = wrap_dim(dim, x._data.ndim, op)
    if x._data.ndim == 0:
        return result_type(ExtremeAll.apply(x, (), keepdim, is_max, True), _wrap(np.zeros((), np.int64)))
    if x._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")
    values, idx = ExtremeDim.apply(x, axis, keepdim, is_max)
    return result_type(named(values, "MaxBackward0" if is_max else "MinBackward0"), idx)


def max(input, dim=None, keepdim=False):
    """Mirrors `torch.max`: `max(x)` the largest value, `max(x, dim, keepdim=False)` a
    `(values, indices)` namedtuple, `max(x, other)` the elementwise maximum."""
    return _extreme(input, dim, keepdim, True, "max", MaxResult)


def min(input, dim=None, keepdim=False):
    """Mirrors `torch.min` (see `max`)."""
    return _extreme(input, dim, keepdim, False, "min", MinResult)


def amax(input, dim=(), keepdim=False):
    """Mirrors `torch.amax`: the gradient is shared evenly between ties."""
    x = check_tensor(input, "amax")
    axes = _reduce_args(x, dim, "amax")
    _check_identityless(x, axes, _all_dims(dim), "amax")
    return named(ExtremeAll.apply(x, axes, keepdim, True, False), "AmaxBackward0")


def amin(input, dim=(), keepdim=False):
    """Mirrors `torch.amin`."""
    x = check_tensor(input, "amin")
    axes = _reduce_args(x, dim, "amin")
    _check_identityless(x, axes, _all_dims(dim), "amin")
    return named(ExtremeAll.apply(x, axes, keepdim, False, False), "AminBackward0")


def _arg_extreme(input, dim, keepdim, is_max, op):
    x = check_tensor(input, op)
    data = x._data
    if dim is None and data.size == 0:
        raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                         f"(input shape {tuple(x.shape)}).")
    fn = np.argmax if is_max else np.argmin
    if data.dtype.kind == "f" and np.isnan(data).any():
        data = np.where(np.isnan(data), np.inf if is_max else -np.inf, data)
    if dim is None:
        idx = np.asarray(fn(data.reshape(-1)))
        if keepdim:
            idx = idx.reshape((1,) * data.ndim)
        return _wrap(idx.astype(np.int64))
    axis = wrap_dim(dim, data.ndim, op)
    if data.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    _check_identityless(x, (axis,), False, op)
    return _wrap(np.asarray(fn(data, axis=axis, keepdims=keepdim)).astype(np.int64))


def argmax(input, dim=None, keepdim=False):
    """Mirrors `torch.argmax` (the first index of the maximum; NaN counts as the maximum)."""
    return _arg_extreme(input, dim, keepdim, True, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Mirrors `torch.argmin`."""
    return _arg_extreme(input, dim, keepdim, False, "argmin")


# ---- var, std ---------------------------------------------------------------------------------------
class Var(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, all_dims):
        n = 1
        for a in axes:
            n *= x.shape[a]
        denom = n - correction if n > correction else 0
        with np.errstate(**_ERRSTATE):  # an empty slice: NaN, without NumPy's warning
            centered = x - np.sum(x, axis=axes, keepdims=True) / np.asarray(n, dtype=x.dtype)
            out = np.asarray(np.sum(centered * centered, axis=axes, keepdims=keepdim)
                             / np.asarray(denom, dtype=x.dtype))
        ctx.save_for_backward(centered, x)  # x too: PyTorch reports an in-place change of it
        ctx.axes, ctx.keepdim, ctx.denom, ctx.all_dims = axes, keepdim, denom, all_dims
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        centered = ctx.saved_tensors[0]
        return _var_backward(ctx, _expand_back(g, centered.shape, ctx.axes, ctx.keepdim), centered), None, None, None, None


def _var_backward(ctx, g, centered):
    """PyTorch's var_backward: 2 g (x - mean) / (n - correction). With no degrees of freedom
    over all dims it is g * (NaN where x equals the mean, else inf), as in PyTorch."""
    dt = centered.dtype
    with np.errstate(**_ERRSTATE):
        if ctx.denom == 0 and ctx.all_dims:
            return g * np.where(centered == 0, np.asarray(np.nan, dt), np.asarray(np.inf, dt))
        scale = np.asarray(2.0 / ctx.denom if ctx.denom else np.inf, dtype=dt)
        return (g * centered * scale).astype(dt, copy=False)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Mirrors `torch.var(input, dim=None, *, correction=1, keepdim=False)`; `unbiased` as well."""
    x = check_tensor(input, "var")
    if isinstance(dim, bool):  # var(x, False): the old positional `unbiased`
        dim, unbiased = None, dim
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"var(): input dtype should be floating point, got {x.dtype.name}")
    return Var.apply(x, _reduce_args(x, dim, "var"), _correction(unbiased, correction), keepdim,
                     _all_dims(dim) or x._data.ndim == 0)


class Std(ArrayFunction):
    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, all_dims):
        out = np.asarray(np.sqrt(Var.forward(ctx, x, axes, correction, keepdim, all_dims)))
        ctx.save_for_backward(*ctx.saved_tensors, out)  # the output too: backward reads it
        return out

    @staticmethod
    def backward(ctx, g):
        centered, _, std = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            # PyTorch's std_backward: var_backward of g / (2 std), taken as 0 where std == 0.
            g_var = np.where(std == 0, np.zeros((), std.dtype), g / (std + std))
        g_var = _expand_back(g_var.astype(centered.dtype, copy=False), centered.shape, ctx.axes, ctx.keepdim)
        return _var_backward(ctx, g_var, centered), None, None, None, None


def _all_dims(dim):
    return dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Mirrors `torch.std` (the square root of `var`; gradient 0 where the std is 0, as PyTorch)."""
    x = check_tensor(input, "std")
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"std(): input dtype should be floating point, got {x.dtype.name}")
    return Std.apply(x, _reduce_args(x, dim, "std"), _correction(unbiased, correction), keepdim,
                     _all_dims(dim) or x._data.ndim == 0)


# ---- logsumexp, norm -----------------------------------------------------------------------------------
class LogSumExp(ArrayFunction):
    backward_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(**_ERRSTATE):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axes)
        with np.errstate(**_ERRSTATE):
            return g * np.exp(x - out), None, None


def logsumexp(input, dim, keepdim=False):
    """Mirrors `torch.logsumexp(input, dim, keepdim=False)`: stable log(sum(exp(x)))."""
    x = check_tensor(input, "logsumexp")
    if x._data.dtype.kind != "f":
        x = cast(x, dtypes.get_default_dtype())
    return LogSumExp.apply(x, _reduce_args(x, dim, "logsumexp"), keepdim)


class Norm(ArrayFunction):
    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        a = np.abs(x)
        if p == np.inf:
            out = np.max(a, axis=axes, keepdims=True) if a.size else np.zeros((1,) * x.ndim, x.dtype)
        elif p == -np.inf:
            out = np.min(a, axis=axes, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=axes, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = np.sum(a, axis=axes, keepdims=True)
        elif p == 2:
            out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        else:
            with np.errstate(**_ERRSTATE):
                out = np.power(np.sum(np.power(a, p), axis=axes, keepdims=True), 1.0 / p)
        out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, g):
        # PyTorch's norm_backward, case by case: sgn(x) (0 at NaN) for p = 1 and inf; terms
        # taken as 0 where the norm (or, for p < 1, x) is 0; no gradient at all for p = 0.
        x, out = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return None, None, None, None
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axes)
        zero = np.zeros((), x.dtype)
        with np.errstate(**_ERRSTATE):
            if p == 1:
                gx = g * torch_sign(x)
            elif p == 2:
                gx = g * np.where(out == 0, zero, x / out)
            elif p in (np.inf, -np.inf):
                hit = (np.abs(x) == out) | np.isnan(x)
                gx = torch_sign(x) * ((g / np.sum(hit, axis=ctx.axes, keepdims=True)) * hit)
            elif p < 1:
                scaled = torch_sign(x) * np.where(x == 0, zero, np.power(np.abs(x), p - 1))
                gx = scaled * g * np.power(out, 1 - p)
            elif p < 2:
                gx = torch_sign(x) * np.power(np.abs(x), p - 1) * np.where(out == 0, zero, g / np.power(out, p - 1))
            else:
                gx = x * np.power(np.abs(x), p - 2) * np.where(out == 0, zero, g / np.power(out, p - 1))
        return gx.astype(x.dtype, copy=False), None, None, None


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Mirrors `torch.norm(input, p='fro', dim=None, keepdim=False)` for vector norms
    (p a number, inf, -inf, 'fro' = 2 over the given dims). Nuclear norms are not supported."""
    x = check_tensor(input, "norm")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be floating point, got {x.dtype.name}")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): p='{p}' is not supported (use a number, inf or 'fro')")
    axes = _reduce_args(x, dim, "norm")
    if x._data.size == 0 and float(p) in (np.inf, -np.inf) and (
            _all_dims(dim) or 0 in [x._data.shape[a] for a in axes]):
        raise RuntimeError(f"norm: cannot compute the {float(p)} norm over an empty dimension: the operation "
                           f"has no identity (input shape {tuple(x.shape)}, dim {dim})")
    return Norm.apply(x, float(p), axes, keepdim)


# ---- all, any (no gradient) ---------------------------------------------------------------------
def all(input, dim=None, keepdim=False):
    """Mirrors `torch.all`: bool result."""
    x = check_tensor(input, "all")
    axes = None if dim is None else _reduce_args(x, dim, "all")
    return _wrap(np.asarray(np.all(x._data, axis=axes, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    """Mirrors `torch.any`: bool result."""
    x = check_tensor(input, "any")
    axes = None if dim is None else _reduce_args(x, dim, "any")
    return _wrap(np.asarray(np.any(x._data, axis=axes, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    """Mirrors `torch.count_nonzero`."""
    x = check_tensor(input, "count_nonzero")
    axes = None if dim is None else _reduce_args(x, dim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(x._data, axis=axes)).astype(np.int64))

