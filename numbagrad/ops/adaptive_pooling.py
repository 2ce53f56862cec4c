"""Adaptive pooling: `adaptive_avg_pool1d/2d` and `adaptive_max_pool1d/2d`, mirroring
`torch.nn.functional`: output cell i of a dim of size S out of O pools inputs floor(i * S / O) to
ceil((i + 1) * S / O), computed by the pooling nodes of `pooling.py` over those windows."""
import numpy as np

from ..tensor import Tensor, _wrap
from .conv_arguments import check_float_input, size_list
from . import cnn_references as R
from . import pool_windows as PW
from .pooling import INDICES, SEP, AvgPool, as_planes, drop_height, half_to_float, max_pool_planes
from .registry import EdgeCase, ErrorCase, Sample, register


def _F(m):
    return m.nn.functional


def _x(m, *shape):
    return m.ones(*shape)


def _adaptive(op, dims, input, output_size, kind, return_indices=False):
    if isinstance(input, Tensor) and input._data.dtype == np.float16:
        return half_to_float(lambda t: _adaptive(op, dims, t, output_size, kind, return_indices), input)
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
    x = as_planes(op, input, dims) if x.shape[x.ndim - dims - 1] else None
    sizes = PW.adaptive_sizes(op, dims, output_size, input._data.shape[-dims:])
    if x is None:  # zero channels: an empty result of the right shape
        shape = input._data.shape[:-dims] + sizes
        empty = _wrap(np.empty(shape, dtype=input._data.dtype))
        return (empty, _wrap(np.empty(shape, dtype=np.int64))) if return_indices else empty
    windows = PW.adaptive_windows(tuple(x.shape[-2:]), ((1,) + sizes) if dims == 1 else sizes)
    if kind == "max":
        return max_pool_planes(x, dims, windows, return_indices)
    divisor = np.outer(windows[1] - windows[0], windows[3] - windows[2]).astype(np.float64)
    return drop_height(AvgPool.apply(x, windows=windows, divisor=divisor), dims)


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
                          R.unbatched(lambda x: R.adaptive_pool(x, 2, 1, _mean)), ((2, 4, 4),),
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
                          R.unbatched(lambda x: R.adaptive_pool(x, 1, 7, _mean)), ((2, 5),),
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
                          R.unbatched(lambda x: R.adaptive_pool(x, 2, (None, 3), _max)), ((2, 4, 5),), (SEP,),
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
