"""`max_unpool1d` and `max_unpool2d`, mirroring `torch.nn.functional`: zeros with each input value
written at its index (the indices `max_pool` returns), and the gradient read back from them."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .conv_arguments import size_list
from . import cnn_references as R
from . import pool_windows as PW
from .pooling import SEP, as_planes, drop_height
from .registry import EdgeCase, ErrorCase, Sample, register


def _F(m):
    return m.nn.functional


def _x(m, *shape):
    return m.ones(*shape)


class MaxUnpool(ArrayFunction):
    """forward(ctx, x, *, indices, out_hw): x (..., H, W) written at its flat `indices` of each
    (out_hw) plane."""
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
    x = as_planes(op, input, dims)
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
    return drop_height(out, dims)


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
                          R.unbatched(_unpool_ref(2, 2, size=(5, 5))), ((3, 5, 5),), (SEP,),
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
                          R.unbatched(_unpool_ref(1, 2, 3, 1)), ((2, 9),), (SEP,),
                          label="max_unpool1d_unbatched_stride_padding")],
          errors=[ErrorCase(lambda m: _F(m).max_unpool1d(_x(m, 1, 2, 2), m.full((1, 2, 2), 9, dtype=m.int64), 2),
                            RuntimeError, "Found an invalid max index: 9"),
                  ErrorCase(lambda m: _F(m).max_unpool1d(_x(m, 1, 2, 2), m.zeros(1, 2, 2, dtype=m.int64), 2,
                                                         output_size=(9,)), ValueError, "invalid output_size")])
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Mirrors `torch.nn.functional.max_unpool1d`."""
    return _max_unpoolnd("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)
