"""softmax and log_softmax along a dim, mirroring `torch.softmax` / `F.softmax` and
`torch.log_softmax` / `F.log_softmax`. Rows go through the kernels in `numbagrad.kernels.softmax`.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..kernels import softmax as K
from ._util import check_tensor, wrap_dim, cast, run_in_float32_if_half
from .registry import EdgeCase, ErrorCase, Sample, register

S3 = (2, 3, 4)
_NAN, _INF = float("nan"), float("inf")
_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _as_rows(x, dim):
    """(2-D contiguous rows along `dim`, function restoring the original layout)."""
    moved = np.moveaxis(x, dim, -1)
    rows = np.ascontiguousarray(moved).reshape(-1, x.shape[dim] if x.ndim else 1)
    shape = moved.shape

    def restore(a):
        return np.moveaxis(a.reshape(shape), -1, dim)
    return rows, restore


def _rowwise_forward(kernel, ctx, x, dim):
    if x.size == 0:  # nothing to normalise (an empty dim, or no rows): an empty result, as PyTorch
        ctx.empty = True
        return np.empty_like(x)
    ctx.empty = False
    ctx.scalar = x.ndim == 0
    if ctx.scalar:
        x = x.reshape(1)
    rows, restore = _as_rows(x, dim)
    out = np.empty_like(rows)
    kernel(rows, out)
    ctx.dim = dim
    ctx.save_for_backward(out)
    result = restore(out)
    return result.reshape(()) if ctx.scalar else result


def _rowwise_backward(kernel, ctx, g):
    if ctx.empty:
        return np.zeros_like(g)
    (y_rows,) = ctx.saved_tensors
    if ctx.scalar:
        g = g.reshape(1)
    g_rows, restore = _as_rows(g.astype(y_rows.dtype, copy=False), ctx.dim)
    out = np.empty_like(y_rows)
    kernel(g_rows, y_rows, out)
    result = restore(out)
    return result.reshape(()) if ctx.scalar else result


class Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, dim):
        return _rowwise_forward(K.softmax_rows, ctx, x, dim)

    @staticmethod
    def backward(ctx, g):
        return _rowwise_backward(K.softmax_rows_backward, ctx, g)


class LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, dim):
        return _rowwise_forward(K.log_softmax_rows, ctx, x, dim)

    @staticmethod
    def backward(ctx, g):
        return _rowwise_backward(K.log_softmax_rows_backward, ctx, g)


def _prepare(input, dim, dtype, op):
    x = check_tensor(input, op)
    if dim is None:
        raise TypeError(f"{op}() missing required argument 'dim' (implicit dim is deprecated in PyTorch)")
    if dtype is not None:
        x = cast(x, dtypes.to_dtype(dtype))
    if x._data.dtype.kind != "f":
        name = _TORCH_NAMES.get(x._data.dtype.name, x._data.dtype.name)
        raise NotImplementedError(f"\"{op}_lastdim_kernel_impl\" not implemented for '{name}' (an "
                                  f"{x._data.dtype.name} input of shape {tuple(x._data.shape)}); pass dtype= or a "
                                  "floating tensor")
    return x, wrap_dim(dim, x._data.ndim, op)


def _softmax_ref(dim):
    def reference(x):
        if x.size == 0:
            return x.copy()
        z = x - x.max(axis=dim, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=dim, keepdims=True)
    return reference


def _log_softmax_ref(dim):
    def reference(x):
        if x.size == 0:
            return x.copy()
        z = x - x.max(axis=dim, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return reference


def _samples(name, ref):
    """The call forms of softmax / log_softmax: torch., Tensor and F., dims, dtype=, 0-d and empty."""
    return [Sample(lambda m, x: getattr(m, name)(x, 1), ref(1), (S3,), label=name),
            Sample(lambda m, x: getattr(x, name)(dim=-1), ref(-1), (S3,), label=f"{name}_method"),
            Sample(lambda m, x: getattr(x, name)(0), ref(0), (S3,), label=f"{name}_dim0"),
            Sample(lambda m, x: getattr(x.transpose(0, 2), name)(-1), lambda x: ref(-1)(x.transpose(2, 1, 0)), (S3,),
                   label=f"{name}_transposed"),
            Sample(lambda m, x: getattr(m.nn.functional, name)(x, dim=1, dtype=m.float64), ref(1), ((3, 4),),
                   out_dtype=np.float64, label=f"{name}_functional_dtype"),
            Sample(lambda m, x: getattr(m, name)(x, 0), ref(0), ((),), label=f"{name}_0d"),
            Sample(lambda m, x: getattr(m, name)(x, -1), ref(-1), ((2, 0),), label=f"{name}_empty_dim"),
            Sample(lambda m, x: getattr(m, name)(x, 0), ref(0), ((0, 3),), label=f"{name}_no_rows")]


def _edges(name):
    # the upstream weights make the gradient nonzero (a plain sum of softmax has gradient 0)
    weights = [1.0, 2.0, -1.0, 0.5]
    return [EdgeCase(lambda m, x: getattr(x, name)(0) * m.tensor(weights[:2], dtype=m.float64), [1000.0, 0.0],
                     label=f"{name}_large"),
            EdgeCase(lambda m, x: getattr(x, name)(0) * m.tensor(weights, dtype=m.float64), [-_INF, 0.0, 1.0, -_INF],
                     label=f"{name}_with_minus_inf"),
            EdgeCase(lambda m, x: getattr(x, name)(-1) * m.tensor(weights[:2], dtype=m.float64),
                     [[1.0, 1.0], [-1e300, 1e300], [3.0, 3.0]], label=f"{name}_ties_and_huge"),
            EdgeCase(lambda m, x: getattr(x, name)(1), [[_NAN, 1.0], [_INF, 0.0], [-_INF, -_INF]],
                     label=f"{name}_nan_inf_rows")]


def _errors(name):
    return [ErrorCase(lambda m: getattr(m, name)(m.ones(3, dtype=m.int64), 0), NotImplementedError, "not implemented"),
            ErrorCase(lambda m: getattr(m, name)(m.ones(3), 1), IndexError, "out of range"),
            ErrorCase(lambda m: getattr(m, name)([1.0], 0), TypeError, "must be Tensor")]


@register("softmax", method=True, functional=True, dtype="float_only",
          samples=_samples("softmax", _softmax_ref), edge_cases=_edges("softmax"), errors=_errors("softmax"))
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Mirrors `torch.softmax(input, dim, dtype=None)` / `F.softmax` / `Tensor.softmax`. `dim` is
    required (PyTorch's F.softmax still guesses a dim with a deprecation warning; here a missing
    dim raises TypeError, as torch.softmax does); integer inputs need dtype=."""
    x, d = _prepare(input, dim, dtype, "softmax")
    return run_in_float32_if_half(Softmax, x, dim=d)


@register("log_softmax", method=True, functional=True, dtype="float_only",
          samples=_samples("log_softmax", _log_softmax_ref), edge_cases=_edges("log_softmax"),
          errors=_errors("log_softmax"))
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Mirrors `torch.log_softmax(input, dim, dtype=None)` / `F.log_softmax` /
    `Tensor.log_softmax` (dim is required, as for `softmax`)."""
    x, d = _prepare(input, dim, dtype, "log_softmax")
    return run_in_float32_if_half(LogSoftmax, x, dim=d)
