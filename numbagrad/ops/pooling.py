"""Pooling: `max_pool1d/2d` and `avg_pool1d/2d`, mirroring `torch.nn.functional`, and the pooling
nodes and checks the adaptive pools (`adaptive_pooling.py`) and `max_unpool` (`max_unpool.py`) share.

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
INDICES = ("same", np.int64)  # the out_dtype of a sample returning (values, indices)


def _F(m):
    return m.nn.functional


def _x(m, *shape):
    return m.ones(*shape)



class MaxPool(ArrayFunction):
    """forward(ctx, x, *, windows, indices): the maximum of each window (`pool_windows.py`) of the
    (H, W) planes of x, its argmax written into `indices` (P, OH, OW), the caller's array, for
    `return_indices`. The gradient scatters through a copy in which the windows that miss the
    input entirely (padding with dilation; their output is -inf, their index PyTorch's nominal
    one, outside the plane) have index -1 and are skipped."""

    @staticmethod
    def forward(ctx, x, *, windows, indices):
        planes = np.ascontiguousarray(x).reshape((-1,) + x.shape[-2:])
        out = np.empty(indices.shape, dtype=x.dtype)
        if PW.are_2x2_stride_2(windows, planes.shape[1:]):
            K.max_pool_2x2(planes, out, indices)
        else:
            K.max_pool(planes, windows, out, indices)
        empty = (windows[0] >= windows[1])[:, None] | (windows[2] >= windows[3])[None, :]
        if empty.any():
            indices = indices.copy()
            indices[:, empty] = -1
        ctx.indices = indices
        ctx.x_shape = x.shape
        return out.reshape(x.shape[:-2] + out.shape[1:])

    @staticmethod
    def backward(ctx, g):
        indices = ctx.indices
        p, oh, ow = indices.shape
        h, w = ctx.x_shape[-2], ctx.x_shape[-1]
        gx = np.empty((p, h, w), dtype=g.dtype)
        K.max_pool_backward(np.ascontiguousarray(g).reshape(p, oh, ow), indices, gx)
        return gx.reshape(ctx.x_shape)


class AvgPool(ArrayFunction):
    """forward(ctx, x, *, windows, divisor): the sum of each window of the (H, W) planes of x over
    its divisor (OH, OW)."""
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
def as_planes(op, input, dims):
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


def half_to_float(fn, input, *args):
    """float16 pools run in float32 and are rounded back (no half-precision kernels)."""
    from .pointwise import to_dtype
    result = fn(to_dtype(input, dtypes.float32), *args)
    if isinstance(result, tuple):
        return (to_dtype(result[0], dtypes.float16),) + tuple(result[1:])
    return to_dtype(result, dtypes.float16)


def drop_height(t, dims):
    """A pool's result without the unit height a 1-D pool was computed with."""
    return t if dims == 2 else t.squeeze(-2)


def max_pool_planes(x, dims, windows, return_indices):
    """Max-pool the planes of x (..., H, W) over `windows`; (values, indices) or values."""
    shape = x._data.shape
    planes = int(np.prod(shape[:-2], dtype=np.int64))
    indices = np.empty((planes, len(windows[0]), len(windows[2])), dtype=np.int64)
    result = drop_height(MaxPool.apply(x, windows=windows, indices=indices), dims)
    if not return_indices:
        return result
    # a copy: the user may change the returned indices, the gradient scatters through these
    returned = indices.reshape(shape[:-2] + indices.shape[1:]).copy()
    return result, drop_height(_wrap(returned), dims)


# ---- max / avg pooling -------------------------------------------------------------------------
def _max_poolnd(op, dims, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    if isinstance(input, Tensor) and input._data.dtype == np.float16:
        return half_to_float(lambda t: _max_poolnd(op, dims, t, kernel_size, stride, padding, dilation,
                                                    ceil_mode, return_indices), input)
    x = as_planes(op, input, dims)
    geometry = PW.pool_geometry(op, dims, kernel_size, stride, padding, dilation)
    windows = PW.max_pool_windows(op, tuple(x.shape), geometry, ceil_mode)
    return max_pool_planes(x, dims, windows, return_indices)


@register("max_pool2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).max_pool2d(x, 2), lambda x: R.max_pool(x, 2, 2), ((2, 3, 6, 6),), (SEP,),
                          label="max_pool2d"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
                          lambda x: R.max_pool(x, 2, 3, 2, 1, 1, True, True), ((1, 2, 7, 8),), (SEP,),
                          out_dtype=INDICES, label="max_pool2d_ceil_mode_indices"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, (2, 3), (1, 2), (1, 1), (2, 1), True, True),
                          lambda x: R.max_pool(x, 2, (2, 3), (1, 2), (1, 1), (2, 1), True, True), ((2, 2, 7, 7),),
                          (SEP,), out_dtype=INDICES, label="max_pool2d_tuples_dilation"),
                   Sample(lambda m, x: _F(m).max_pool2d(x, 3, 1, 1), R.unbatched(lambda x: R.max_pool(x, 2, 3, 1, 1)),
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
                          R.unbatched(lambda x: R.max_pool(x, 1, 3, 1, return_indices=True)), ((3, 7),), (SEP,),
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
        return half_to_float(lambda t: _avg_poolnd(op, dims, t, kernel_size, stride, padding,
                                                    ceil_mode, count_include_pad, divisor_override), input)
    if dims == 2 and isinstance(input, Tensor) and input._data.ndim < 3:  # PyTorch indexes dim -3 first
        ndim = max(input._data.ndim, 1)
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but "
                         f"got -3)")
    x = as_planes(op, input, dims)
    geometry = PW.pool_geometry(op, dims, kernel_size, stride, padding, 1)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, (int, np.integer)):
            raise TypeError(f"{op}(): divisor_override must be an int, got {type(divisor_override).__name__}")
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    windows, divisor = PW.avg_pool_windows(op, tuple(x.shape), geometry, ceil_mode, count_include_pad,
                                           divisor_override)
    return drop_height(AvgPool.apply(x, windows=windows, divisor=divisor), dims)


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
                   Sample(lambda m, x: _F(m).avg_pool2d(x, 3, 1, 1), R.unbatched(lambda x: R.avg_pool(x, 2, 3, 1, 1)),
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
                   Sample(lambda m, x: _F(m).avg_pool1d(x, 2), R.unbatched(lambda x: R.avg_pool(x, 1, 2)), ((3, 7),),
                          label="avg_pool1d_unbatched")],
          errors=[ErrorCase(lambda m: _F(m).avg_pool1d(_x(m, 1, 2, 5, 5), 2), RuntimeError, "2D or 3D"),
                  ErrorCase(lambda m: _F(m).avg_pool1d(_x(m, 1, 2, 5), 2, padding=2), RuntimeError,
                            "pad should be at most half")])
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mirrors `torch.nn.functional.avg_pool1d` on (N, C, L) or (C, L)."""
    return _avg_poolnd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, None)
