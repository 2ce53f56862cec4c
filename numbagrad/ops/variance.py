"""Spread over dims: var, std (mirror `torch.var` / `torch.std` with `correction`, the legacy
`unbiased`, `keepdim`), with PyTorch's gradient conventions where the degrees of freedom
N - correction are <= 0 and where the std is 0, and its warning for N - correction <= 0.
float16 inputs are computed in float32 and rounded back, as PyTorch's CPU kernels do.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, named
from .reduction import all_dims, count, expand_back, reduce_axes, warn_no_degrees_of_freedom
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
S3 = (2, 3, 4)
_NAN, _INF = float("nan"), float("inf")


class Var(ArrayFunction):
    """var, or std with `take_sqrt`. `full`: a reduction over every dim (PyTorch's gradient with
    no degrees of freedom differs there)."""

    @staticmethod
    def forward(ctx, x, *, axes, correction, keepdim, full, take_sqrt):
        n = count(x.shape, axes)
        denom = n - correction if n > correction else 0
        work = x.astype(np.float32) if x.dtype == np.float16 else x
        with np.errstate(**_ERRSTATE):  # an empty slice: NaN, without NumPy's warning
            centered = work - np.sum(work, axis=axes, keepdims=True) / np.asarray(n, dtype=work.dtype)
            out = np.asarray(np.sum(centered * centered, axis=axes, keepdims=keepdim)
                             / np.asarray(denom, dtype=work.dtype))
            if take_sqrt:
                out = np.sqrt(out)
            out = out.astype(x.dtype, copy=False)
        # x too: backward does not read it, but PyTorch reports an in-place change of it
        ctx.save_for_backward(x, centered.astype(x.dtype, copy=False), out if take_sqrt else None)
        ctx.axes, ctx.keepdim, ctx.denom, ctx.full, ctx.take_sqrt = axes, keepdim, denom, full, take_sqrt
        return out

    @staticmethod
    def backward(ctx, g):
        _, centered, std = ctx.saved_tensors
        if ctx.take_sqrt:
            with np.errstate(**_ERRSTATE):
                # PyTorch's std_backward: var_backward of g / (2 std), taken as 0 where std == 0.
                g = np.where(std == 0, np.zeros((), std.dtype), g / (std + std)).astype(g.dtype, copy=False)
        g = expand_back(g, centered.shape, ctx.axes, ctx.keepdim)
        return _var_backward(ctx, g, centered)


def _var_backward(ctx, g, centered):
    """PyTorch's var_backward: 2 g (x - mean) / (n - correction). With no degrees of freedom
    over all dims it is g * (NaN where x equals the mean, else inf), as in PyTorch."""
    dt = centered.dtype
    with np.errstate(**_ERRSTATE):
        if ctx.denom == 0 and ctx.full:
            return g * np.where(centered == 0, np.asarray(np.nan, dt), np.asarray(np.inf, dt))
        scale = np.asarray(2.0 / ctx.denom if ctx.denom else np.inf, dtype=dt)
        return (g * centered * scale).astype(dt, copy=False)


def _correction(unbiased, correction, op):
    if correction is not None:
        if unbiased is not None:
            raise TypeError(f"{op}(): received an invalid combination of arguments: cannot pass both correction "
                            "and unbiased")
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _variance(input, dim, unbiased, keepdim, correction, take_sqrt, op):
    x = check_tensor(input, op)
    if isinstance(dim, bool):  # var(x, False): the old positional `unbiased`
        dim, unbiased = None, dim
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): input dtype should be floating point, got {x.dtype.name}")
    correction = _correction(unbiased, correction, op)
    axes = reduce_axes(x, dim, op)
    out_numel = count(x._data.shape, [a for a in range(x._data.ndim) if a not in axes])
    n = x._data.size // out_numel if out_numel else 0  # PyTorch's "reduction factor"
    if n - correction <= 0:
        warn_no_degrees_of_freedom(op)
    out = Var.apply(x, axes=axes, correction=correction, keepdim=keepdim,
                    full=all_dims(dim) or x._data.ndim == 0, take_sqrt=take_sqrt)
    return named(out, "StdBackward0") if take_sqrt else out


_EDGES = [[2.0, 2.0, 2.0], [1.0, _NAN, 3.0], [1.0, 1e300, -1e300], [1.0, _INF, 2.0]]


@register("var", method=True, dtype="float_only",
          samples=[Sample(lambda m, x: m.var(x), lambda x: x.var(ddof=1), (S3,), label="var_all"),
                   Sample(lambda m, x: x.var(1), lambda x: x.var(1, ddof=1), (S3,), label="var_dim"),
                   Sample(lambda m, x: m.var(x, dim=(0, 2), keepdim=True),
                          lambda x: x.var((0, 2), ddof=1, keepdims=True),
                          (S3,), label="var_dims_keepdim"),
                   Sample(lambda m, x: x.var(1, unbiased=False), lambda x: x.var(1), (S3,), label="var_unbiased_false"),
                   Sample(lambda m, x: x.var(False), lambda x: x.var(), ((5,),), label="var_positional_unbiased"),
                   Sample(lambda m, x: m.var(x, -1, correction=2.5), lambda x: x.var(-1, ddof=2.5), ((2, 6),),
                          label="var_fractional_correction"),
                   Sample(lambda m, x: m.var(x, axis=0, keepdims=True, correction=0),
                          lambda x: x.var(0, keepdims=True), ((3, 2),), label="var_axis_keepdims"),
                   Sample(lambda m, x: m.var(x, 0, correction=0), lambda x: 0 * x, ((),), label="var_0d")],
          edge_cases=[EdgeCase(lambda m, x: x.var(), v) for v in _EDGES]
          + [EdgeCase(lambda m, x: x.var(0, correction=3), [1.0, 2.0, 1.0]),
             EdgeCase(lambda m, x: x.var(correction=3), [1.0, 2.0, 4.0]),
             EdgeCase(lambda m, x: x.var(), [5.0])],
          errors=[ErrorCase(lambda m: m.var(m.ones(3, dtype=m.int64)), RuntimeError, "floating point"),
                  ErrorCase(lambda m: m.var(m.ones(3), 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.var(m.ones(3), 0, True, correction=1), TypeError, "cannot pass both")])
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Mirrors `torch.var(input, dim=None, *, correction=1, keepdim=False)` and the legacy
    `unbiased` (also positional: `var(x, False)`)."""
    return _variance(input, dim, unbiased, keepdim, correction, False, "var")


@register("std", method=True, dtype="float_only",
          samples=[Sample(lambda m, x: m.std(x), lambda x: x.std(ddof=1), (S3,), label="std_all_fn"),
                   Sample(lambda m, x: x.std(), lambda x: x.std(ddof=1), (S3,), label="std_all"),
                   Sample(lambda m, x: m.std(x, 2, keepdim=True), lambda x: x.std(2, ddof=1, keepdims=True), (S3,),
                          label="std_dim_keepdim"),
                   Sample(lambda m, x: x.std(axis=[0, 1], keepdims=True, correction=0),
                          lambda x: x.std((0, 1), keepdims=True), (S3,), label="std_axis_keepdims"),
                   Sample(lambda m, x: m.std(x, 1), lambda x: x.std(1, ddof=1), ((0, 3),), label="std_empty")],
          edge_cases=[EdgeCase(lambda m, x: x.std(), v) for v in _EDGES]
          + [EdgeCase(lambda m, x: x.std(1), [[1.0, 1.0], [1.0, 3.0]]),
             EdgeCase(lambda m, x: x.std(correction=0.5), [1.0, 2.0, 4.0]),
             EdgeCase(lambda m, x: x.std(0, correction=2), [3.0, 3.0])],
          errors=[ErrorCase(lambda m: m.std(m.ones(3, dtype=m.bool)), RuntimeError, "floating point")])
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Mirrors `torch.std` (the square root of `var`; the gradient is 0 where the std is 0, as
    PyTorch)."""
    return _variance(input, dim, unbiased, keepdim, correction, True, "std")
