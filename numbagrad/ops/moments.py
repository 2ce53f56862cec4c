"""The variance (or standard deviation) and the mean in one pass: var_mean, std_mean (mirror
`torch.var_mean` / `torch.std_mean`, which return a plain `(var, mean)` / `(std, mean)` tuple).

Gradients are PyTorch's `var_backward` / `std_backward` plus the mean's, including its
conventions where the degrees of freedom N - correction are <= 0 (inf, or NaN where an element
equals the mean) and where the std is 0 (a 0 gradient).
"""
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor
from .norms import reduce_axes
from .registry import EdgeCase, ErrorCase, Sample, register, user_stacklevel

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _expand(g, shape, axes, keepdim):
    if not keepdim and axes:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class VarMean(ArrayFunction):
    """forward(ctx, x, axes, correction, keepdim, full, take_sqrt) -> (var or std, mean)."""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, full, take_sqrt):
        n = 1
        for a in axes:
            n *= x.shape[a]
        with np.errstate(**_ERRSTATE):
            mean = np.mean(x, axis=axes, keepdims=True) if n else np.full([1 if i in axes else s for i, s in
                                                                           enumerate(x.shape)], np.nan, x.dtype)
            centered = x - mean
            var = np.sum(centered * centered, axis=axes, keepdims=True) / np.asarray(max(0.0, n - correction),
                                                                                      dtype=x.dtype)
            spread = np.sqrt(var) if take_sqrt else var
        ctx.save_for_backward(x)
        ctx.state = (centered, mean, spread, n, axes, correction, keepdim, full, take_sqrt)
        squeeze = (lambda a: a) if keepdim or not axes else (lambda a: np.squeeze(a, axes))
        return squeeze(spread).astype(x.dtype), squeeze(mean).astype(x.dtype)  # copies: backward reads ctx.state

    @staticmethod
    def backward(ctx, g_spread, g_mean):
        (x,) = ctx.saved_tensors
        centered, mean, spread, n, axes, correction, keepdim, full, take_sqrt = ctx.state
        with np.errstate(**_ERRSTATE):
            gv = _expand(g_spread, x.shape, axes, keepdim)
            if take_sqrt:  # d std = d var / (2 std), 0 where the std is 0
                s = np.broadcast_to(spread, x.shape)
                gv = np.where(s == 0, 0, gv / (s * 2))
            dof = n - correction
            if full and dof <= 0:
                gx = gv * np.where(x == mean, np.nan, np.inf)
            else:
                gx = (2.0 / dof if dof else np.inf) * gv * centered
            gx = gx + _expand(g_mean, x.shape, axes, keepdim) / np.asarray(n, dtype=x.dtype)
        return gx.astype(x.dtype, copy=False), None, None, None, None, None


def _correction(unbiased, correction, op):
    if correction is not None:
        if unbiased is not None:
            raise TypeError(f"{op}(): received an invalid combination of arguments: cannot pass both correction "
                            "and unbiased")
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _moments(input, dim, unbiased, keepdim, correction, take_sqrt, op):
    x = check_tensor(input, op)
    if isinstance(dim, bool):  # the old positional `unbiased`: var_mean(x, False)
        dim, unbiased = None, dim
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op} only support floating point and complex dtypes (got {x.dtype.name})")
    correction = _correction(unbiased, correction, op)
    axes = reduce_axes(x, dim, op)
    n = 1
    for a in axes:
        n *= x._data.shape[a]
    if n - correction <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning,
                      stacklevel=user_stacklevel())
    full = dim is None or x._data.ndim == 0
    return VarMean.apply(x, axes, correction, keepdim, full, take_sqrt)


def _ref(take_sqrt, axis=None, ddof=1, keepdims=False):
    def reference(x):
        var = np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)
        return (np.sqrt(var) if take_sqrt else var), np.mean(x, axis=axis, keepdims=keepdims)
    return reference


_EDGES = [[2.0, 2.0, 2.0], [1.0, float("nan"), 3.0], [1.0, 1e300, -1e300]]


@register("var_mean", dtype="float_only",
          samples=[Sample(lambda m, x: m.var_mean(x), _ref(False), ((3, 4),), label="var_mean"),
                   Sample(lambda m, x: m.var_mean(x, 1, keepdim=True), _ref(False, 1, keepdims=True), ((3, 4),),
                          label="var_mean_dim_keepdim"),
                   Sample(lambda m, x: m.var_mean(x, (0, 2), correction=0), _ref(False, (0, 2), 0), ((2, 3, 4),),
                          label="var_mean_dims_correction0"),
                   Sample(lambda m, x: m.var_mean(x, -1, False), _ref(False, -1, 0), ((3, 4),),
                          label="var_mean_positional_unbiased"),
                   Sample(lambda m, x: m.var_mean(x, False), _ref(False, None, 0), ((5,),),
                          label="var_mean_unbiased_only"),
                   Sample(lambda m, x: m.var_mean(x, correction=2.5), _ref(False, None, 2.5), ((6,),),
                          label="var_mean_fractional_correction")],
          edge_cases=[EdgeCase(lambda m, x: sum(m.var_mean(x)), v) for v in _EDGES]
          + [EdgeCase(lambda m, x: sum(m.var_mean(x, correction=3)), [1.0, 2.0, 1.0]),
             EdgeCase(lambda m, x: sum(m.var_mean(x, 0, correction=3)), [1.0, 2.0, 4.0])],
          errors=[ErrorCase(lambda m: m.var_mean(m.ones(3, dtype=m.int64)), RuntimeError, "floating point"),
                  ErrorCase(lambda m: m.var_mean(m.ones(3), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.var_mean(m.ones(3), 0, True, correction=1), TypeError, "cannot pass both")])
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Mirrors `torch.var_mean(input, dim=None, *, correction=1, keepdim=False)` (and the legacy
    positional `unbiased`): a `(var, mean)` tuple over `dim`."""
    return _moments(input, dim, unbiased, keepdim, correction, False, "var_mean")


@register("std_mean", dtype="float_only",
          samples=[Sample(lambda m, x: m.std_mean(x), _ref(True), ((3, 4),), label="std_mean"),
                   Sample(lambda m, x: m.std_mean(x, dim=0, keepdim=True), _ref(True, 0, keepdims=True), ((3, 4),),
                          label="std_mean_dim_keepdim"),
                   Sample(lambda m, x: m.std_mean(x, [1, -1], correction=0), _ref(True, (1, 2), 0), ((2, 3, 4),),
                          label="std_mean_dims"),
                   Sample(lambda m, x: m.std_mean(x, 0, correction=0), lambda x: (0 * x, x), ((),),
                          label="std_mean_0d"),
                   Sample(lambda m, x: m.std_mean(x, 1), _ref(True, 1), ((0, 3),), label="std_mean_empty")],
          edge_cases=[EdgeCase(lambda m, x: sum(m.std_mean(x)), v) for v in _EDGES]
          + [EdgeCase(lambda m, x: sum(m.std_mean(x, correction=0.5)), [1.0, 2.0, 4.0])],
          errors=[ErrorCase(lambda m: m.std_mean(m.ones(3, dtype=m.int64)), RuntimeError, "floating point")])
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Mirrors `torch.std_mean(input, dim=None, *, correction=1, keepdim=False)` (and the legacy
    positional `unbiased`): a `(std, mean)` tuple over `dim`; the std's gradient is 0 where the
    std is 0, as PyTorch."""
    return _moments(input, dim, unbiased, keepdim, correction, True, "std_mean")
