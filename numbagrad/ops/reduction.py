"""Sums and products over dims: sum, mean, prod, logsumexp, norm (each mirrors the `torch`
function of the same name: `dim` an int or a tuple, `keepdim`), and the helpers every reduction
shares (which axes a `dim` names, the gradient broadcast back to the input's shape).

float16 inputs are accumulated in float32 and rounded back, as PyTorch's CPU kernels do.
"""
import warnings

import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dims, wrap_dim, cast, named, torch_sign
from .registry import EdgeCase, ErrorCase, Sample, register, user_stacklevel

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
S3 = (2, 3, 4)
SEP, POS = "separated", "positive"
_NAN, _INF = float("nan"), float("inf")


# ---- shared by the reductions -----------------------------------------------------------------------
def expand_back(g, in_shape, axes, keepdim):
    """The gradient of a reduction over `axes`, broadcast back to the input's shape (a view;
    a new array for a reduction over everything, which is cheaper to make)."""
    if g.ndim == 0:
        return np.full(in_shape, g, dtype=g.dtype)
    if not keepdim and axes:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(in_shape)))
    return np.broadcast_to(g, in_shape)


def reduce_axes(x, dim, op):
    """The axes reduced over for `dim`: all for None or (); an int or a tuple of ints otherwise
    (IndexError when out of range, RuntimeError when repeated). A 0-d tensor takes dim 0 and -1
    (and reduces over nothing), as PyTorch."""
    nd = x._data.ndim
    if dim is None:
        return tuple(range(nd))
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return tuple(range(nd))
    axes = wrap_dims(dim, nd, op)
    return axes if nd else ()


def all_dims(dim):
    """Whether `dim` names every dim (None or an empty tuple)."""
    return dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)


def count(shape, axes):
    """The number of elements a reduction over `axes` combines."""
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def check_identityless(x, axes, full, op):
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


def cast_quietly(x, dtype):
    """x cast to `dtype` (a `dtype=` argument), differentiably; values out of the new dtype's range
    become inf (or wrap), as in PyTorch, without NumPy's warning."""
    with np.errstate(**_ERRSTATE):
        return cast(x, dtypes.to_dtype(dtype))


def _accumulator(dtype):
    """The dtype a float reduction accumulates in: float32 for float16 (PyTorch's acc_type)."""
    return np.float32 if dtype == np.float16 else None


def _logsumexp_ref(axis=None, keepdims=False):
    def reference(x):
        if x.size == 0:
            return np.full(np.sum(x, axis=axis, keepdims=keepdims).shape, -np.inf)
        return np.logaddexp.reduce(x, axis=axis, keepdims=keepdims)
    return reference


# ---- sum ----------------------------------------------------------------------------------------------
class Sum(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, axes, keepdim, dtype):
        ctx.in_shape, ctx.in_dtype, ctx.axes, ctx.keepdim = x.shape, x.dtype, axes, keepdim
        with np.errstate(**_ERRSTATE):  # inf - inf is NaN, 1e308 + 1e308 is inf: no NumPy warning
            if dtype is None and x.dtype == np.float16:
                return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=np.float32)).astype(np.float16)
            return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        return expand_back(g.astype(ctx.in_dtype, copy=False), ctx.in_shape, ctx.axes, ctx.keepdim)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtypes.to_dtype(dtype).numpy
    if x._data.dtype.kind in "biu":
        return np.int64
    return None


@register("sum", method=True, dtype="any",
          samples=[Sample(lambda m, x: m.sum(x), np.sum, (S3,), label="sum_all"),
                   Sample(lambda m, x: x.sum(1), lambda x: x.sum(1), (S3,), label="sum_dim"),
                   Sample(lambda m, x: x.sum(dim=-1), lambda x: x.sum(-1), (S3,), label="sum_dim_neg"),
                   Sample(lambda m, x: m.sum(x, dim=(0, 2), keepdim=True), lambda x: x.sum((0, 2), keepdims=True),
                          (S3,), label="sum_dims_keepdim"),
                   Sample(lambda m, x: m.sum(x, axis=[2, 0], keepdims=True), lambda x: x.sum((0, 2), keepdims=True),
                          (S3,), label="sum_axis_keepdims"),
                   Sample(lambda m, x: x.t().sum(0), lambda x: x.T.sum(0), ((3, 4),), label="sum_transposed"),
                   Sample(lambda m, x: x.sum(), np.sum, ((),), label="sum_0d"),
                   Sample(lambda m, x: m.sum(x, -1, keepdim=True), lambda x: x.reshape(()), ((),), label="sum_0d_dim"),
                   Sample(lambda m, x: x.sum(0), lambda x: x.sum(0), ((0, 3),), label="sum_empty"),
                   Sample(lambda m, x: m.sum(x, None, True), lambda x: x.sum(keepdims=True), ((2, 3),),
                          label="sum_none_keepdim"),
                   Sample(lambda m, x: m.sum(x, 1, dtype=m.float64), lambda x: x.sum(1), ((2, 3),),
                          out_dtype=np.float64, label="sum_dtype"),
                   Sample(lambda m, b: m.sum(b, 0), lambda b: b.sum(0).astype(np.int64), ((3, 2),), ("bool",),
                          out_dtype=np.int64, label="sum_bool")],
          edge_cases=[EdgeCase(lambda m, x: x.sum(), [1.0, _INF, -_INF]),
                      EdgeCase(lambda m, x: x.sum(0), [[_NAN, 1.0], [2.0, 3.0]])],
          errors=[ErrorCase(lambda m: m.sum(m.ones(2, 3), 2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.ones(2, 3).sum((0, 0)), RuntimeError, "multiple times"),
                  ErrorCase(lambda m: m.ones(()).sum(1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.ones(2).sum(True), TypeError, "must be an int"),
                  ErrorCase(lambda m: m.sum(m.ones(2), dim=0, axis=0), TypeError, "alias"),
                  ErrorCase(lambda m: m.sum([1.0]), TypeError, "Tensor")])
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.sum(input, dim=None, keepdim=False, *, dtype=None)`: integer and bool inputs
    sum to int64 unless `dtype` is given."""
    x = check_tensor(input, "sum")
    axes = reduce_axes(x, dim, "sum")
    return named(Sum.apply(x, axes=axes, keepdim=keepdim, dtype=_sum_dtype(x, dtype)),
                 "SumBackward0" if dim is None else "SumBackward1")


# ---- mean ---------------------------------------------------------------------------------------------
class Mean(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, axes, keepdim):
        ctx.in_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = n = count(x.shape, axes)
        with np.errstate(**_ERRSTATE):  # the mean of nothing is nan, without NumPy's warning
            total = np.sum(x, axis=axes, keepdims=keepdim, dtype=_accumulator(x.dtype))
            return np.asarray(total / np.asarray(n, dtype=total.dtype)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):
            scaled = g / np.asarray(ctx.n, dtype=g.dtype)
        return expand_back(scaled, ctx.in_shape, ctx.axes, ctx.keepdim)


@register("mean", method=True, dtype="float_only",
          samples=[Sample(lambda m, x: m.mean(x), np.mean, (S3,), label="mean_all"),
                   Sample(lambda m, x: m.mean(x, 1), lambda x: x.mean(1), (S3,), label="mean_dim"),
                   Sample(lambda m, x: x.mean((0, -1), keepdim=True), lambda x: x.mean((0, 2), keepdims=True),
                          (S3,), label="mean_dims_keepdim"),
                   Sample(lambda m, x: x.mean(axis=-2, keepdims=True), lambda x: x.mean(1, keepdims=True), (S3,),
                          label="mean_axis_keepdims"),
                   Sample(lambda m, x: x.permute(1, 2, 0).mean(-1), lambda x: x.transpose(1, 2, 0).mean(-1),
                          (S3,), label="mean_permuted"),
                   Sample(lambda m, x: m.mean(x, 0), lambda x: x, ((),), label="mean_0d"),
                   Sample(lambda m, x: m.mean(x, 1), lambda x: np.full(x.shape[:1], np.nan), ((2, 0),),
                          label="mean_empty"),
                   Sample(lambda m, x: m.mean(x, dtype=m.float64), np.mean, ((3,),), out_dtype=np.float64,
                          label="mean_dtype")],
          edge_cases=[EdgeCase(lambda m, x: x.mean(0), [[1.0, _INF], [2.0, -_INF], [_NAN, 0.0]])],
          errors=[ErrorCase(lambda m: m.mean(m.ones(3, dtype=m.int64)), RuntimeError, "dtype"),
                  ErrorCase(lambda m: m.ones(2, 2).mean(2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.ones(()).mean(-2), IndexError, "out of range")])
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.mean(input, dim=None, keepdim=False, *, dtype=None)`: floating inputs only
    (RuntimeError for integer input, as PyTorch); the mean over nothing is NaN."""
    x = check_tensor(input, "mean")
    if dtype is not None:
        x = cast_quietly(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype.name}")
    return named(Mean.apply(x, axes=reduce_axes(x, dim, "mean"), keepdim=keepdim),
                 "MeanBackward0" if dim is None else "MeanBackward1")


# ---- prod ---------------------------------------------------------------------------------------------
class Prod(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, axes, keepdim, full):
        with np.errstate(**_ERRSTATE):
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
            return g
        axes, keepdim = ctx.axes, ctx.keepdim
        zeros = int(np.count_nonzero(x == 0))
        gb = expand_back(g, x.shape, axes, keepdim)
        if zeros == 0:
            with np.errstate(**_ERRSTATE):
                return gb * (expand_back(out, x.shape, axes, keepdim) / x)
        if ctx.full and zeros > 1:
            return np.zeros_like(x)
        return gb * _products_of_others(x, axes)


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


@register("prod", method=True, dtype="any",
          samples=[Sample(lambda m, x: m.prod(x), np.prod, ((3, 4),), (POS,), label="prod_all"),
                   Sample(lambda m, x: x.prod(1), lambda x: x.prod(1), (S3,), (SEP,), label="prod_dim"),
                   Sample(lambda m, x: x.prod(-1, keepdim=True), lambda x: x.prod(-1, keepdims=True), (S3,), (SEP,),
                          label="prod_dim_keepdim"),
                   Sample(lambda m, x: m.prod(x, axis=0, keepdims=True), lambda x: x.prod(0, keepdims=True),
                          ((3, 2),), (SEP,), label="prod_axis_keepdims"),
                   Sample(lambda m, x: m.prod(x, 0), lambda x: x, ((),), label="prod_0d"),
                   Sample(lambda m, x: m.prod(x, 0), lambda x: x.prod(0), ((0, 2),), label="prod_empty"),
                   Sample(lambda m, i: m.prod(i, 1), lambda i: i.prod(1), ((2, 3),),
                          (lambda rng, s: rng.integers(-3, 4, s),),
                          out_dtype=np.int64, label="prod_int")],
          edge_cases=[EdgeCase(lambda m, x: x.prod(), [0.0, 2.0, 3.0]),
                      EdgeCase(lambda m, x: x.prod(), [0.0, 2.0, 0.0]),
                      EdgeCase(lambda m, x: x.prod(1), [[0.0, 2.0], [1.0, 3.0]]),
                      EdgeCase(lambda m, x: x.prod(1), [[0.0, 0.0, 2.0], [_NAN, 1.0, 0.0]]),
                      EdgeCase(lambda m, x: x.prod(), [_INF, 2.0, -1.0]),
                      EdgeCase(lambda m, x: x.prod(0), [[_NAN, 2.0], [3.0, _INF]])],
          errors=[ErrorCase(lambda m: m.prod(m.ones(2, 2), (0, 1)), TypeError, "int"),
                  ErrorCase(lambda m: m.ones(2).prod(1), IndexError, "out of range")])
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.prod(input, dim=None, keepdim=False, *, dtype=None)`; `dim` is one int, as
    in PyTorch. Integer and bool inputs multiply in int64."""
    x = check_tensor(input, "prod")
    if dtype is not None:
        x = cast_quietly(x, dtype)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is not None:
        wrap_dim(dim, x._data.ndim, "prod")
    if x._data.dtype.kind in "bui":
        axis = None if dim is None or x._data.ndim == 0 else wrap_dim(dim, x._data.ndim, "prod")
        return Prod.apply(cast(x, dtypes.int64), axes=tuple(range(x._data.ndim)) if axis is None else (axis,),
                          keepdim=keepdim, full=dim is None)
    return named(Prod.apply(x, axes=reduce_axes(x, dim, "prod"), keepdim=keepdim, full=dim is None),
                 "ProdBackward0" if dim is None else "ProdBackward1")


# ---- logsumexp ----------------------------------------------------------------------------------------
class LogSumExp(ArrayFunction):
    backward_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, *, axes, keepdim):
        work = x.astype(np.float32) if x.dtype == np.float16 else x
        m = np.max(work, axis=axes, keepdims=True) if work.size else np.zeros((1,) * x.ndim, work.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(**_ERRSTATE):
            out = (np.log(np.sum(np.exp(work - m), axis=axes, keepdims=True)) + m).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axes)
        with np.errstate(**_ERRSTATE):
            return g * np.exp(x - out)


@register("logsumexp", method=True, dtype="float",
          samples=[Sample(lambda m, x: m.logsumexp(x, 1), _logsumexp_ref(1), (S3,), label="logsumexp"),
                   Sample(lambda m, x: x.logsumexp((0, 2), keepdim=True), _logsumexp_ref((0, 2), True), (S3,),
                          label="logsumexp_keepdim"),
                   Sample(lambda m, x: x.t().logsumexp(1), lambda x: _logsumexp_ref(1)(x.T), ((3, 4),),
                          label="logsumexp_transposed"),
                   Sample(lambda m, x: m.logsumexp(x, axis=-1, keepdims=True), _logsumexp_ref(-1, True), ((2, 3),),
                          label="logsumexp_axis_keepdims"),
                   Sample(lambda m, x: m.logsumexp(x, 0), lambda x: x, ((),), label="logsumexp_0d"),
                   Sample(lambda m, x: m.logsumexp(x, 1), _logsumexp_ref(1), ((2, 0),), label="logsumexp_empty"),
                   Sample(lambda m, x: m.logsumexp(x, 0), _logsumexp_ref(0), ((3, 2),),
                          (lambda rng, s: rng.uniform(700.0, 800.0, s),), label="logsumexp_large")],
          edge_cases=[EdgeCase(lambda m, x: x.logsumexp(0), [-_INF, 0.0]),
                      EdgeCase(lambda m, x: x.logsumexp(0), [-_INF, -_INF]),
                      EdgeCase(lambda m, x: x.logsumexp(0), [_INF, 1.0]),
                      EdgeCase(lambda m, x: x.logsumexp(1), [[_NAN, 1.0], [1000.0, 1000.0]])],
          errors=[ErrorCase(lambda m: m.logsumexp(m.ones(2, 2)), TypeError, "dim"),
                  ErrorCase(lambda m: m.logsumexp(m.ones(2), 1), IndexError, "out of range")])
def logsumexp(input, dim, keepdim=False):
    """Mirrors `torch.logsumexp(input, dim, keepdim=False)`: log(sum(exp(x))) over `dim`, without
    overflow; integer inputs give the default float dtype."""
    x = check_tensor(input, "logsumexp")
    if x._data.dtype.kind != "f":
        x = cast(x, dtypes.get_default_dtype())
    return LogSumExp.apply(x, axes=reduce_axes(x, dim, "logsumexp"), keepdim=keepdim)


# ---- norm ---------------------------------------------------------------------------------------------
class Norm(ArrayFunction):
    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, *, p, axes, keepdim):
        work = x.astype(np.float32) if x.dtype == np.float16 else x
        a = np.abs(work)
        with np.errstate(**_ERRSTATE):
            if p == np.inf:
                out = np.max(a, axis=axes, keepdims=True) if a.size else np.zeros((1,) * x.ndim, work.dtype)
            elif p == -np.inf:
                out = np.min(a, axis=axes, keepdims=True)
            elif p == 0:
                out = np.sum(a != 0, axis=axes, keepdims=True).astype(work.dtype)
            elif p == 1:
                out = np.sum(a, axis=axes, keepdims=True)
            elif p == 2:
                out = np.sqrt(np.sum(work * work, axis=axes, keepdims=True))
            else:
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
            return None
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
        return gx.astype(x.dtype, copy=False)


def _norm_ref(p, axis=None, keepdims=False):
    def reference(x):
        a = np.abs(x)
        if p == _INF:
            return a.max(axis=axis, keepdims=keepdims)
        if p == 0:
            return (a != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
        return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)
    return reference


@register("norm", method=True, dtype="float_only",
          samples=[Sample(lambda m, x: m.norm(x, dim=1), _norm_ref(2, 1), (S3,), label="norm_dim"),
                   Sample(lambda m, x: x.norm(), _norm_ref(2), (S3,), label="norm_all"),
                   Sample(lambda m, x: x.norm(p=1, dim=-1, keepdim=True), _norm_ref(1, -1, True), (S3,), (SEP,),
                          label="norm_p1"),
                   Sample(lambda m, x: m.norm(x, float("inf"), (0, 2)), _norm_ref(_INF, (0, 2)), (S3,), (SEP,),
                          label="norm_inf_dims"),
                   Sample(lambda m, x: m.norm(x, 3.5, 0), _norm_ref(3.5, 0), ((3, 2),), (SEP,), label="norm_p3_5"),
                   Sample(lambda m, x: m.norm(x, 0.5), _norm_ref(0.5), ((4,),), (SEP,), label="norm_p0_5"),
                   Sample(lambda m, x: m.norm(x, "fro", (0, 1)), _norm_ref(2, (0, 1)), ((3, 2),),
                          label="norm_fro_dims"),
                   Sample(lambda m, x: m.norm(x, 0, 1), _norm_ref(0, 1), ((2, 3),), (SEP,), grad=(False,),
                          label="norm_p0"),
                   Sample(lambda m, x: m.norm(x, dim=0), lambda x: np.abs(x), ((),), label="norm_0d"),
                   Sample(lambda m, x: m.norm(x, dim=1), _norm_ref(2, 1), ((2, 0),), label="norm_empty")],
          edge_cases=[EdgeCase(lambda m, x: x.norm(), [0.0, 0.0]),
                      EdgeCase(lambda m, x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]]),
                      EdgeCase(lambda m, x: x.norm(p=1), [0.0, -2.0, _NAN]),
                      EdgeCase(lambda m, x: x.norm(p=float("inf")), [3.0, -3.0, 1.0]),
                      EdgeCase(lambda m, x: x.norm(p=0.5), [0.0, 4.0, 1.0]),
                      EdgeCase(lambda m, x: x.norm(p=3), [0.0, 0.0, 0.0]),
                      EdgeCase(lambda m, x: x.norm(), [_INF, 1.0])],
          errors=[ErrorCase(lambda m: m.norm(m.ones(3, dtype=m.int64)), RuntimeError, "floating point"),
                  ErrorCase(lambda m: m.norm(m.ones(2, 2), dim=2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.norm(m.ones(0, 2), float("inf")), RuntimeError, "empty"),
                  ErrorCase(lambda m: m.norm(m.ones(2, 2, 2), "fro", (0, 1, 2)), RuntimeError, "at most 2 dims")])
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Mirrors `torch.norm(input, p='fro', dim=None, keepdim=False, dtype=None)` for vector norms
    (p a number, inf, -inf, or 'fro' over at most two dims). The nuclear norm is not supported
    (RuntimeError): use `numbagrad.linalg.matrix_norm(x, 'nuc')`."""
    x = check_tensor(input, "norm")
    if dtype is not None:
        x = cast_quietly(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be floating point, got {x.dtype.name}")
    if p == "fro" or p is None:
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"norm: the Frobenius norm takes at most 2 dims, got dim {tuple(dim)}")
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): p='{p}' is not supported (use a number, inf or 'fro'; the nuclear "
                           "norm is numbagrad.linalg.matrix_norm(x, 'nuc'))")
    axes = reduce_axes(x, dim, "norm")
    if x._data.size == 0 and float(p) in (np.inf, -np.inf) and (
            all_dims(dim) or 0 in [x._data.shape[a] for a in axes]):
        raise RuntimeError(f"norm: cannot compute the {float(p)} norm over an empty dimension: the operation "
                           f"has no identity (input shape {tuple(x.shape)}, dim {dim})")
    return Norm.apply(x, p=float(p), axes=axes, keepdim=keepdim)


def warn_no_degrees_of_freedom(op):
    """PyTorch's UserWarning when a variance has N - correction <= 0, pointing at the user's line."""
    warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                  "factor (input numel divided by output numel).", UserWarning, stacklevel=user_stacklevel())
