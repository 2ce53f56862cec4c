"""Pooling: `max_pool1d/2d`, `avg_pool1d/2d`, `adaptive_avg_pool1d/2d`, `adaptive_max_pool1d/2d`
and `max_unpool1d/2d`, mirroring `torch.nn.functional`.

Every pool is computed on a stack of (H, W) planes by the kernels of `numbagrad.kernels.pool`,
given its windows per output row and column (`pool_windows.py`). 1-D pools are the 2-D ones over a
unit height; unbatched inputs are single-batch ones. Max pooling keeps its argmax indices for the
gradient (a private copy: the indices returned by `return_indices=True` may be changed freely).

Difference from PyTorch: integer inputs are refused (PyTorch max-pools them on the CPU).
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ..kernels import pool as K
from .conv_arguments import check_float_input, size_list
from . import pool_windows as PW
from . import cnn_references as R
from .registry import EdgeCase, ErrorCase, Sample, register

SEP = "separated"  # distinct values: no ties, so the maxima are smooth under finite differences
INDICES = ("same", np.int64)


def _F(m):
    return m.nn.functional


def _x(m, *shape):
    return m.ones(*shape)


def _unbatched(ref):
    def unbatched(x, *rest):
        out = ref(x[None], *rest)
        return tuple(o[0] for o in out) if isinstance(out, tuple) else out[0]
    return unbatched


class MaxPool(ArrayFunction):
    """The max-pool output (computed with its argmax indices before the node is recorded)."""

    @staticmethod
    def forward(ctx, x, *, out, indices):
        ctx.indices = indices
        ctx.x_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, g):
        indices = ctx.indices
        p, oh, ow = indices.shape
        h, w = ctx.x_shape[-2], ctx.x_shape[-1]
        gx = np.empty((p, h, w), dtype=g.dtype)
        K.max_pool_backward(np.ascontiguousarray(g).reshape(p, oh, ow), indices, gx)
        return gx.reshape(ctx.x_shape)


class AvgPool(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, windows, divisor):
        planes = np.ascontiguousarray(x).reshape((-1,) + x.shape[-2:])
        out = np.empty((planes.shape[0], len(windows[0]), len(windows[2])), dtype=x.dtype)
        K.avg_pool(planes, windows, divisor, out)
        ctx.meta = (x.shape, windows, divisor)
        return out.reshape(x.shape[:-2] + out.shape[1:])

    @staticmethod
    def backward(ctx, g):
        shape, windows, divisor = ctx.meta
        planes = np.ascontiguousarray(g).reshape((-1,) + g.shape[-2:])
        gx = np.empty((planes.shape[0],) + shape[-2:], dtype=g.dtype)
        K.avg_pool_backward(planes, windows, divisor, gx)
        return gx.reshape(shape)


# ---- shared checks ----------------------------------------------------------------------------
def _as_planes(op, input, dims):
    """input viewed as (..., H, W) with H = 1 for 1-D pools; checks rank and empty dims."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = input._data
    if x.ndim not in (dims + 1, dims + 2) or any(s == 0 for s in x.shape[x.ndim - dims - 1:]):
        if dims == 1:
            raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{size_list(x.shape)}")
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{size_list(x.shape)}")
    check_float_input(op, input)
    return input if dims == 2 else input.unsqueeze(-2)


def _half_to_float(fn, input, *args):
    """float16 pools run in float32 and are rounded back (no half-precision kernels)."""
    from .pointwise import to_dtype
    result = fn(to_dtype(input, dtypes.float32), *args)
    if isinstance(result, tuple):
        return (to_dtype(result[0], dtypes.float16),) + tuple(result[1:])
    return to_dtype(result, dtypes.float16)


def _drop_height(t, dims):
    return t if dims == 2 else t.squeeze(-2)


def _max_pool(x, dims, windows, return_indices):
    """Max-pool the planes of x (..., H, W) over `windows`; (values, indices) or values."""
    data = np.ascontiguousarray(x._data)
    planes = data.reshape((-1,) + data.shape[-2:])
    out = np.empty((planes.shape[0], len(windows[0]), len(windows[2])), dtype=data.dtype)
    indices = np.empty(out.shape, dtype=np.int64)
    K.max_pool(planes, windows, out, indices)
    shape = data.shape[:-2] + out.shape[1:]
    returned = indices.reshape(shape).copy() if return_indices else None
    # A window can miss the input entirely (padding with dilation): its output is -inf and its
    # index PyTorch's nominal one, outside the plane; the gradient skips it (index -1).
    empty = (windows[0] >= windows[1])[:, None] | (windows[2] >= windows[3])[None, :]
    if empty.any():
        indices[:, empty] = -1
    result = _drop_height(MaxPool.apply(x, out=out.reshape(shape), indices=indices), dims)
    if not return_indices:
        return result
    return result, _drop_height(_wrap(returned), dims)


# ---- max / avg pooling -------------------------------------------------------------------------
def _max_poolnd(op, dims, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    if isinstance(input, Tensor) and input._data.dtype == np.float16:
        return _half_to_float(lambda t: _max_poolnd(op, dims, t, kernel_size, stride, padding, dilation,
                                                    ceil_mode, return_indices), input)
    x = _as_planes(op, input, dims)
    geometry = PW.pool_geometry(op, dims, kernel_size, stride, padding, dilation)
    windows = PW.max_pool_windows(op, tuple(x.shape), geometry, ceil_mode)
    return _max_pool(x, dims, windows, return_indices)


@register("max_pool2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).max_pool2d(x, 2), lambda x: R.max_pool(x, 2, 2), ((2, 3, 6, 6),), (SEP,),
                          label="max_pool2d"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
                          lambda x: R.max_pool(x, 2, 3, 2, 1, 1, True, True), ((1, 2, 7, 8),), (SEP,),
                          out_dtype=INDICES, label="max_pool2d_ceil_mode_indices"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, (2, 3), (1, 2), (1, 1), (2, 1), True, True),
                          lambda x: R.max_pool(x, 2, (2, 3), (1, 2), (1, 1), (2, 1), True, True), ((2, 2, 7, 7),),
                          (SEP,), out_dtype=INDICES, label="max_pool2d_tuples_dilation"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, 3, 1, 1), _unbatched(lambda x: R.max_pool(x, 2, 3, 1, 1)),
                          ((3, 5, 4),), (SEP,), label="max_pool2d_unbatched_overlapping"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, 2, return_indices=True),
                          lambda x: R.max_pool(x, 2, 2, return_indices=True), ((0, 2, 4, 4),), out_dtype=INDICES,
                          label="max_pool2d_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.max_pool2d(x.reshape(1, 1, 3, 3), 2, 1),
                               [1.0, 2.0, 2.0, 2.0, 2.0, 1.0, 0.0, 2.0, 2.0]),
                      EdgeCase(lambda m, x: m.nn.functional.max_pool2d(x.reshape(1, 2, 2), 2, 1, 1),
                               [float("-inf")] * 4),
                      EdgeCase(lambda m, x: m.nn.functional.max_pool2d(x.reshape(1, 2, 3), (2, 2), 1, (0, 1)),
                               [float("nan"), 1.0, float("inf"), 0.0, float("inf"), float("nan")])],
          errors=[ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 5, 5), 0, 1), RuntimeError,
                            "kernel size should be greater than zero"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 5, 5), 2, 0), RuntimeError, "stride should not be zero"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 5, 5), 2, dilation=0), RuntimeError,
                            "dilation should be greater"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 5, 5), 2, padding=2), RuntimeError,
                            "pad should be at most half"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 5, 5), 2, padding=-1), RuntimeError,
                            "pad must be non-negative"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 1, 1), 2), RuntimeError, "Output size is too small"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 5, 5), 2), RuntimeError, "3D or 4D"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 0, 4, 4), 2), RuntimeError, "3D or 4D"),
                  ErrorCase(lambda m: _F(m).max_pool2d(_x(m, 1, 2, 5, 5), (2, 2, 2)), RuntimeError,
                            "kernel_size must either"),
                  ErrorCase(lambda m: _F(m).max_pool2d([1.0, 2.0], 2), TypeError, "must be Tensor")])
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Mirrors `torch.nn.functional.max_pool2d(input, kernel_size, stride=None, padding=0,
    dilation=1, ceil_mode=False, return_indices=False)` on (N, C, H, W) or (C, H, W): stride
    defaults to kernel_size; padding counts as -inf; NaN propagates; with return_indices, also the
    flat index h * W + w of each maximum in its plane (the first of ties)."""
    return _max_poolnd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


@register("max_pool1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).max_pool1d(x, 2), lambda x: R.max_pool(x, 1, 2), ((2, 3, 8),), (SEP,),
                          label="max_pool1d"),
                   Sample(lambda m, x: _F(m).max_pool1d(x, 3, 2, 1, 2, True, True),
                          lambda x: R.max_pool(x, 1, 3, 2, 1, 2, True, True), ((1, 2, 9),), (SEP,),
                          out_dtype=INDICES, label="max_pool1d_dilation_ceil_mode_indices"),
                   Sample(lambda m, x: _F(m).max_pool1d(x, 3, 1, return_indices=True),
                          _unbatched(lambda x: R.max_pool(x, 1, 3, 1, return_indices=True)), ((3, 7),), (SEP,),
                          out_dtype=INDICES, label="max_pool1d_unbatched_indices")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.max_pool1d(x.reshape(1, 1, -1), 3, 1),
                               [1.0, 1.0, 2.0, 2.0, 2.0, 0.0, -1.0, -1.0]),
                      EdgeCase(lambda m, x: m.nn.functional.max_pool1d(x.reshape(1, -1), 2, 1, 1),
                               [float("nan"), 1.0, float("inf"), float("inf"), float("-inf"), 0.0])],
          errors=[ErrorCase(lambda m: _F(m).max_pool1d(_x(m, 1, 3, 5, 5), 2), RuntimeError, "2D or 3D"),
                  ErrorCase(lambda m: _F(m).max_pool1d(_x(m, 1, 3, 5), 0), RuntimeError, "greater than zero"),
                  ErrorCase(lambda m: _F(m).max_pool1d(_x(m, 1, 3, 5), 2, padding=2), RuntimeError,
                            "pad should be at most half"),
                  ErrorCase(lambda m: _F(m).max_pool1d(_x(m, 1, 3, 1), 2), RuntimeError, "Output size is too small")])
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Mirrors `torch.nn.functional.max_pool1d` on (N, C, L) or (C, L)."""
    return _max_poolnd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def _avg_poolnd(op, dims, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    if isinstance(input, Tensor) and input._data.dtype == np.float16:
        return _half_to_float(lambda t: _avg_poolnd(op, dims, t, kernel_size, stride, padding,
                                                    ceil_mode, count_include_pad, divisor_override), input)
    if dims == 2 and isinstance(input, Tensor) and input._data.ndim < 3:  # PyTorch indexes dim -3 first
        ndim = max(input._data.ndim, 1)
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but "
                         f"got -3)")
    x = _as_planes(op, input, dims)
    geometry = PW.pool_geometry(op, dims, kernel_size, stride, padding, 1)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, (int, np.integer)):
            raise TypeError(f"{op}(): divisor_override must be an int, got {type(divisor_override).__name__}")
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    windows, divisor = PW.avg_pool_windows(op, tuple(x.shape), geometry, ceil_mode, count_include_pad,
                                           divisor_override)
    return _drop_height(AvgPool.apply(x, windows=windows, divisor=divisor), dims)


@register("avg_pool2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).avg_pool2d(x, 2), lambda x: R.avg_pool(x, 2, 2), ((2, 3, 6, 6),),
                          label="avg_pool2d"),
                   Sample(lambda m, x: _F(m).avg_pool2d(x, 3, 2, 1, ceil_mode=True),
                          lambda x: R.avg_pool(x, 2, 3, 2, 1, True), ((1, 2, 7, 8),),
                          label="avg_pool2d_ceil_mode_count_include_pad"),
                   Sample(lambda m, x: _F(m).avg_pool2d(x, 3, 2, 1, True, count_include_pad=False),
                          lambda x: R.avg_pool(x, 2, 3, 2, 1, True, False), ((2, 2, 7, 6),),
                          label="avg_pool2d_ceil_mode_exclude_pad"),
                   Sample(lambda m, x: _F(m).avg_pool2d(x, (2, 3), (1, 2), (1, 0), divisor_override=4),
                          lambda x: R.avg_pool(x, 2, (2, 3), (1, 2), (1, 0), divisor_override=4), ((1, 3, 5, 7),),
                          label="avg_pool2d_tuples_divisor_override"),
                   Sample(lambda m, x: _F(m).avg_pool2d(x, 3, 1, 1), _unbatched(lambda x: R.avg_pool(x, 2, 3, 1, 1)),
                          ((2, 5, 4),), label="avg_pool2d_unbatched"),
                   Sample(lambda m, x: _F(m).avg_pool2d(x, 2), lambda x: R.avg_pool(x, 2, 2), ((0, 2, 4, 4),),
                          label="avg_pool2d_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.avg_pool2d(x.reshape(1, 2, 3), 2, 1, 1),
                               [float("inf"), float("-inf"), 1.0, 2.0, float("nan"), 0.0])],
          errors=[ErrorCase(lambda m: _F(m).avg_pool2d(_x(m, 1, 2, 5, 5), 2, padding=2), RuntimeError,
                            "pad should be at most half"),
                  ErrorCase(lambda m: _F(m).avg_pool2d(_x(m, 1, 2, 5, 5), 2, divisor_override=0), RuntimeError,
                            "divisor must be not zero"),
                  ErrorCase(lambda m: _F(m).avg_pool2d(_x(m, 1, 2, 1, 1), 2), RuntimeError, "Output size is too small"),
                  ErrorCase(lambda m: _F(m).avg_pool2d(_x(m, 1, 2, 5, 5), 2, 0), RuntimeError, "stride should not be zero"),
                  ErrorCase(lambda m: _F(m).avg_pool2d(_x(m, 2, 5), 2), IndexError, "Dimension out of range"),
                  ErrorCase(lambda m: _F(m).avg_pool2d(_x(m, 1, 1, 2, 5, 5), 2), RuntimeError, "3D or 4D")])
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mirrors `torch.nn.functional.avg_pool2d(input, kernel_size, stride=None, padding=0,
    ceil_mode=False, count_include_pad=True, divisor_override=None)` on (N, C, H, W) or
    (C, H, W): the divisor counts the zero padding (count_include_pad) or only the input pixels,
    or is divisor_override."""
    return _avg_poolnd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


@register("avg_pool1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).avg_pool1d(x, 3, 2, 1, True, False),
                          lambda x: R.avg_pool(x, 1, 3, 2, 1, True, False), ((2, 3, 8),),
                          label="avg_pool1d_ceil_mode_exclude_pad"),
                   Sample(lambda m, x: _F(m).avg_pool1d(x, 2), _unbatched(lambda x: R.avg_pool(x, 1, 2)), ((3, 7),),
                          label="avg_pool1d_unbatched")],
          errors=[ErrorCase(lambda m: _F(m).avg_pool1d(_x(m, 1, 2, 5, 5), 2), RuntimeError, "2D or 3D"),
                  ErrorCase(lambda m: _F(m).avg_pool1d(_x(m, 1, 2, 5), 2, padding=2), RuntimeError,
                            "pad should be at most half")])
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mirrors `torch.nn.functional.avg_pool1d` on (N, C, L) or (C, L)."""
    return _avg_poolnd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, None)


# ---- adaptive pooling --------------------------------------------------------------------------
def _adaptive(op, dims, input, output_size, kind, return_indices=False):
    if isinstance(input, Tensor) and input._data.dtype == np.float16:
        return _half_to_float(lambda t: _adaptive(op, dims, t, output_size, kind, return_indices), input)
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    check_float_input(op, input)
    x = input._data
    if x.ndim not in (dims + 1, dims + 2) or any(s == 0 for s in x.shape[x.ndim - dims:]):
        raise RuntimeError(f"{op}(): Expected {dims + 1}D or {dims + 2}D tensor with non-zero sizes "
                           f"for non-batch dimensions, but input has sizes {size_list(x.shape)}")
    if kind == "max" and x.shape[x.ndim - dims - 1] == 0:
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                           f"input has sizes {size_list(x.shape)} with dimension {x.ndim - dims - 1} "
                           "being empty")
    x = _as_planes(op, input, dims) if x.shape[x.ndim - dims - 1] else None
    sizes = PW.adaptive_sizes(op, dims, output_size, input._data.shape[-dims:])
    if x is None:  # zero channels: an empty result of the right shape
        shape = input._data.shape[:-dims] + sizes
        empty = _wrap(np.empty(shape, dtype=input._data.dtype))
        return (empty, _wrap(np.empty(shape, dtype=np.int64))) if return_indices else empty
    windows = PW.adaptive_windows(tuple(x.shape[-2:]), ((1,) + sizes) if dims == 1 else sizes)
    if kind == "max":
        return _max_pool(x, dims, windows, return_indices)
    divisor = np.outer(windows[1] - windows[0], windows[3] - windows[2]).astype(np.float64)
    return _drop_height(AvgPool.apply(x, windows=windows, divisor=divisor), dims)


def _mean(block):
    return block.mean(axis=-1)


def _max(block):
    return block.max(axis=-1)


@register("adaptive_avg_pool2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).adaptive_avg_pool2d(x, (3, 2)),
                          lambda x: R.adaptive_pool(x, 2, (3, 2), _mean), ((2, 3, 7, 5),),
                          label="adaptive_avg_pool2d"),
                   Sample(lambda m, x: _F(m).adaptive_avg_pool2d(x, (None, 4)),
                          lambda x: R.adaptive_pool(x, 2, (None, 4), _mean), ((1, 2, 5, 6),),
                          label="adaptive_avg_pool2d_none_keeps_size"),
                   Sample(lambda m, x: _F(m).adaptive_avg_pool2d(x, (5, 4)),
                          lambda x: R.adaptive_pool(x, 2, (5, 4), _mean), ((1, 2, 3, 3),),
                          label="adaptive_avg_pool2d_larger_output"),
                   Sample(lambda m, x: _F(m).adaptive_avg_pool2d(x, 1),
                          _unbatched(lambda x: R.adaptive_pool(x, 2, 1, _mean)), ((2, 4, 4),),
                          label="adaptive_avg_pool2d_unbatched_global")],
          errors=[ErrorCase(lambda m: _F(m).adaptive_avg_pool2d(_x(m, 1, 2, 5, 5), -1), RuntimeError,
                            "greater than or equal to 0"),
                  ErrorCase(lambda m: _F(m).adaptive_avg_pool2d(_x(m, 1, 2, 5, 5), (2, 2, 2)), RuntimeError,
                            "output_size must be 2"),
                  ErrorCase(lambda m: _F(m).adaptive_avg_pool2d(_x(m, 1, 2, 0, 5), 2), RuntimeError, "non-zero sizes")])
def adaptive_avg_pool2d(input, output_size):
    """Mirrors `torch.nn.functional.adaptive_avg_pool2d(input, output_size)`: output cell i of a
    dim of size S out of O averages input rows floor(i * S / O) to ceil((i + 1) * S / O);
    None in output_size keeps the input's size."""
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size, "avg")


@register("adaptive_avg_pool1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).adaptive_avg_pool1d(x, 3), lambda x: R.adaptive_pool(x, 1, 3, _mean),
                          ((2, 3, 7),), label="adaptive_avg_pool1d"),
                   Sample(lambda m, x: _F(m).adaptive_avg_pool1d(x, 7),
                          _unbatched(lambda x: R.adaptive_pool(x, 1, 7, _mean)), ((2, 5),),
                          label="adaptive_avg_pool1d_unbatched_larger_output")],
          errors=[ErrorCase(lambda m: _F(m).adaptive_avg_pool1d(_x(m, 1, 2, 5), (2, 2)), RuntimeError,
                            "output_size must be 1"),
                  ErrorCase(lambda m: _F(m).adaptive_avg_pool1d(_x(m, 1, 2, 5, 5), 2), RuntimeError, "2D or 3D")])
def adaptive_avg_pool1d(input, output_size):
    """Mirrors `torch.nn.functional.adaptive_avg_pool1d(input, output_size)`."""
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size, "avg")


@register("adaptive_max_pool2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).adaptive_max_pool2d(x, (3, 2), True),
                          lambda x: (R.adaptive_pool(x, 2, (3, 2), _max), R.max_pool(x, 2, (3, 3), (2, 2), 0, 1, False,
                                                                                      True)[1]),
                          ((2, 3, 7, 5),), (SEP,), out_dtype=INDICES, label="adaptive_max_pool2d_indices"),
                   Sample(lambda m, x: _F(m).adaptive_max_pool2d(x, (None, 3)),
                          _unbatched(lambda x: R.adaptive_pool(x, 2, (None, 3), _max)), ((2, 4, 5),), (SEP,),
                          label="adaptive_max_pool2d_unbatched_none")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.adaptive_max_pool2d(x.reshape(1, 3, 3), 2),
                               [2.0, 2.0, 1.0, 2.0, 2.0, 2.0, 0.0, 2.0, 2.0])],
          errors=[ErrorCase(lambda m: _F(m).adaptive_max_pool2d(_x(m, 1, 2, 0, 5), 2), RuntimeError, "non-zero size"),
                  ErrorCase(lambda m: _F(m).adaptive_max_pool2d(_x(m, 1, 2, 5, 5), -2), RuntimeError,
                            "greater than or equal to 0")])
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Mirrors `torch.nn.functional.adaptive_max_pool2d(input, output_size, return_indices=False)`
    (windows as adaptive_avg_pool2d)."""
    return _adaptive("adaptive_max_pool2d", 2, input, output_size, "max", return_indices)


@register("adaptive_max_pool1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).adaptive_max_pool1d(x, 3, return_indices=True),
                          lambda x: (R.adaptive_pool(x, 1, 3, _max), R.max_pool(x, 1, 3, 2, 0, 1, False, True)[1]),
                          ((2, 3, 7),), (SEP,), out_dtype=INDICES, label="adaptive_max_pool1d_indices"),
                   Sample(lambda m, x: _F(m).adaptive_max_pool1d(x, (7,)),
                          lambda x: R.adaptive_pool(x, 1, 7, _max), ((1, 2, 5),), (SEP,),
                          label="adaptive_max_pool1d_larger_output")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.adaptive_max_pool1d(x.reshape(1, -1), 3),
                               [3.0, 3.0, 1.0, 3.0, float("nan")])],
          errors=[ErrorCase(lambda m: _F(m).adaptive_max_pool1d(_x(m, 1, 0, 5), 2), RuntimeError, "non-zero size"),
                  ErrorCase(lambda m: _F(m).adaptive_max_pool1d(_x(m, 5), 2), RuntimeError, "2D or 3D")])
def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Mirrors `torch.nn.functional.adaptive_max_pool1d(input, output_size, return_indices=False)`."""
    return _adaptive("adaptive_max_pool1d", 1, input, output_size, "max", return_indices)


# ---- max_unpool --------------------------------------------------------------------------------
class MaxUnpool(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, indices, out_hw):
        planes = x.reshape(-1, x.shape[-2] * x.shape[-1])
        flat = indices.reshape(planes.shape)
        out = np.zeros((planes.shape[0], out_hw[0] * out_hw[1]), dtype=x.dtype)
        rows = np.arange(planes.shape[0])[:, None]
        out[rows, flat] = planes
        ctx.meta = (rows, flat, x.shape)
        return out.reshape(x.shape[:-2] + tuple(out_hw))

    @staticmethod
    def backward(ctx, g):
        rows, flat, shape = ctx.meta
        planes = g.reshape(g.shape[:-2] + (-1,)).reshape(rows.shape[0], -1)
        return planes[rows, flat].reshape(shape)


def _max_unpoolnd(op, dims, input, indices, kernel_size, stride, padding, output_size):
    x = _as_planes(op, input, dims)
    if not isinstance(indices, Tensor) or indices._data.dtype != np.int64:
        raise RuntimeError(f"{op}: expected indices to be an int64 tensor, got "
                           f"{type(indices).__name__ if not isinstance(indices, Tensor) else indices.dtype}")
    idx = indices._data if dims == 2 else indices._data[..., None, :]
    if idx.shape != x._data.shape:
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input tensor "
                           f"({size_list(input.shape)}) but got indices tensor with shape: "
                           f"{size_list(indices.shape)}")
    kernel = PW.pool_geometry(op, dims, kernel_size, stride, padding, 1)
    hw = PW.unpool_size(op, dims, tuple(x.shape), kernel, output_size)
    limit = hw[0] * hw[1]
    if idx.size and (idx.min() < 0 or idx.max() >= limit):
        bad = idx.max() if idx.max() >= limit else idx.min()
        raise RuntimeError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                           f"{hw[0]}x{hw[1]})" if dims == 2 else
                           f"Found an invalid max index: {int(bad)} (output volumes are of size {hw[1]})")
    out = MaxUnpool.apply(x, indices=np.ascontiguousarray(idx).copy(), out_hw=hw)
    return _drop_height(out, dims)


def _unpool_ref(dims, kernel, stride=None, padding=0, size=None):
    def ref(x):
        out, indices = R.max_pool(x, dims, kernel, stride, padding, return_indices=True)
        default = [(i - 1) * (stride or kernel) - 2 * padding + kernel for i in out.shape[2:]]
        return R.max_unpool(out, indices, size or default)
    return ref


@register("max_unpool2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).max_unpool2d(*_F(m).max_pool2d(x, 2, return_indices=True), 2),
                          _unpool_ref(2, 2), ((2, 3, 6, 6),), (SEP,), label="max_unpool2d"),
                   # windows that do not overlap: an index found twice would be written once, read twice
                   Sample(lambda m, x: _F(m).max_unpool2d(*_F(m).max_pool2d(x, 2, 3, 1, return_indices=True), 2, 3, 1,
                                                          output_size=(7, 8)),
                          _unpool_ref(2, 2, 3, 1, (7, 8)), ((1, 2, 7, 8),), (SEP,),
                          label="max_unpool2d_stride_padding_output_size"),
                   Sample(lambda m, x: _F(m).max_unpool2d(*_F(m).max_pool2d(x, 2, return_indices=True), 2,
                                                          output_size=(1, 3, 5, 5)),
                          _unbatched(_unpool_ref(2, 2, size=(5, 5))), ((3, 5, 5),), (SEP,),
                          label="max_unpool2d_unbatched_full_output_size")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.max_unpool2d(
                          *m.nn.functional.max_pool2d(x.reshape(1, 2, 4), 2, return_indices=True), 2),
                          [1.0, 1.0, 2.0, 0.0, 1.0, 1.0, 2.0, 2.0])],
          errors=[ErrorCase(lambda m: _F(m).max_unpool2d(_x(m, 1, 2, 2, 2), m.full((1, 2, 2, 2), 100, dtype=m.int64), 2),
                            RuntimeError, "Found an invalid max index: 100"),
                  ErrorCase(lambda m: _F(m).max_unpool2d(_x(m, 1, 2, 2, 2), m.full((1, 2, 2, 2), -1, dtype=m.int64), 2),
                            RuntimeError, "Found an invalid max index"),
                  ErrorCase(lambda m: _F(m).max_unpool2d(_x(m, 1, 2, 5, 5), m.zeros(1, 2, 4, 4, dtype=m.int64), 2),
                            RuntimeError, "Expected shape of indices"),
                  ErrorCase(lambda m: _F(m).max_unpool2d(_x(m, 1, 2, 2, 2), _x(m, 1, 2, 2, 2), 2), RuntimeError, "int64"),
                  ErrorCase(lambda m: _F(m).max_unpool2d(_x(m, 1, 2, 2, 2), m.zeros(1, 2, 2, 2, dtype=m.int64), 2,
                                                         output_size=(9, 9)), ValueError, "invalid output_size"),
                  ErrorCase(lambda m: _F(m).max_unpool2d(_x(m, 1, 2, 2, 2), m.zeros(1, 2, 2, 2, dtype=m.int64), 2,
                                                         output_size=(1, 4, 4)), ValueError, "2 or 4 elements")])
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Mirrors `torch.nn.functional.max_unpool2d(input, indices, kernel_size, stride=None,
    padding=0, output_size=None)`: zeros with each input value at its index (the indices of
    max_pool2d); indices outside the output raise RuntimeError."""
    return _max_unpoolnd("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


@register("max_unpool1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).max_unpool1d(*_F(m).max_pool1d(x, 2, return_indices=True), 2),
                          _unpool_ref(1, 2), ((2, 3, 8),), (SEP,), label="max_unpool1d"),
                   Sample(lambda m, x: _F(m).max_unpool1d(*_F(m).max_pool1d(x, 2, 3, 1, return_indices=True), 2, 3, 1),
                          _unbatched(_unpool_ref(1, 2, 3, 1)), ((2, 9),), (SEP,),
                          label="max_unpool1d_unbatched_stride_padding")],
          errors=[ErrorCase(lambda m: _F(m).max_unpool1d(_x(m, 1, 2, 2), m.full((1, 2, 2), 9, dtype=m.int64), 2),
                            RuntimeError, "Found an invalid max index: 9"),
                  ErrorCase(lambda m: _F(m).max_unpool1d(_x(m, 1, 2, 2), m.zeros(1, 2, 2, dtype=m.int64), 2,
                                                         output_size=(9,)), ValueError, "invalid output_size")])
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Mirrors `torch.nn.functional.max_unpool1d`."""
    return _max_unpoolnd("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)
