"""Reductions of truth values, without gradient: all, any, count_nonzero (mirror the `torch`
functions of the same names)."""
import numpy as np

from ..tensor import _wrap
from ._util import check_tensor, wrap_dims
from .reduction import reduce_axes
from .registry import ErrorCase, Sample, register


def _truth(input, dim, keepdim, reduce, op):
    x = check_tensor(input, op)
    data = x._data
    if dim is None:
        axes = tuple(range(data.ndim))
    else:  # an empty tuple reduces over no dim (PyTorch's all/any, unlike sum)
        axes = wrap_dims(dim, data.ndim, op)  # a 0-d tensor takes dim 0 and -1
        if data.ndim == 0:
            axes = ()
    out = np.asarray(reduce(data, axis=axes, keepdims=keepdim))
    return _wrap(out.astype(np.uint8) if data.dtype == np.uint8 else out)


@register("all", method=True, dtype="bool",
          samples=[Sample(lambda m, a: m.all(a), lambda a: np.bool_(a.all()), ((3, 4),), ("bool",), out_dtype=np.bool_,
                          label="all"),
                   Sample(lambda m, a: a.all(dim=1), lambda a: a.all(1), ((3, 4),), ("bool",), out_dtype=np.bool_,
                          label="all_dim"),
                   Sample(lambda m, x: m.all(x, (0, 2), keepdim=True), lambda x: (x != 0).all((0, 2), keepdims=True),
                          ((2, 3, 2),), (lambda rng, s: rng.integers(0, 3, s).astype(float),), out_dtype=np.bool_,
                          grad=(False,), label="all_float_dims"),
                   Sample(lambda m, a: m.all(a, ()), lambda a: a, ((2, 2),), ("bool",), out_dtype=np.bool_,
                          label="all_no_dims"),
                   Sample(lambda m, a: a.all(axis=0, keepdims=True), lambda a: a.all(0, keepdims=True), ((3, 2),),
                          ("bool",), out_dtype=np.bool_, label="all_axis_keepdims"),
                   Sample(lambda m, i: m.all(i, 1), lambda i: i.all(1).astype(np.uint8), ((3, 2),),
                          (lambda rng, s: rng.integers(0, 3, s).astype(np.uint8),), out_dtype=np.uint8,
                          label="all_uint8"),
                   Sample(lambda m, a: m.all(a, 0), lambda a: a, ((),), ("bool",), out_dtype=np.bool_, label="all_0d"),
                   Sample(lambda m, a: m.all(a, 1), lambda a: a.all(1), ((2, 0),), ("bool",), out_dtype=np.bool_,
                          label="all_empty")],
          errors=[ErrorCase(lambda m: m.all(m.ones(2, 2), (0, 0)), RuntimeError, "multiple times"),
                  ErrorCase(lambda m: m.all(m.ones(2), 1), IndexError, "out of range")])
def all(input, dim=None, keepdim=False):
    """Mirrors `torch.all(input, dim=None, keepdim=False)`: whether every element is nonzero (bool;
    uint8 for uint8 input, as PyTorch). `dim` may be a tuple; an empty tuple reduces nothing."""
    return _truth(input, dim, keepdim, np.all, "all")


@register("any", method=True, dtype="bool",
          samples=[Sample(lambda m, a: m.any(a, 0, keepdim=True), lambda a: a.any(0, keepdims=True), ((3, 4),),
                          ("bool",), out_dtype=np.bool_, label="any_dim_keepdim"),
                   Sample(lambda m, a: a.any(), lambda a: np.bool_(a.any()), ((3, 4),), ("bool",), out_dtype=np.bool_,
                          label="any"),
                   Sample(lambda m, x: x.any(axis=-1), lambda x: (x != 0).any(-1), ((3, 2),),
                          (lambda rng, s: rng.integers(0, 2, s) * np.array([np.nan, 1.0])[rng.integers(0, 2, s)],),
                          out_dtype=np.bool_, grad=(False,), label="any_float_nan_axis"),
                   Sample(lambda m, i: i.any(), lambda i: np.uint8(i.any()), ((4,),),
                          (lambda rng, s: rng.integers(0, 2, s).astype(np.uint8),), out_dtype=np.uint8,
                          label="any_uint8"),
                   Sample(lambda m, a: m.any(a, -1), lambda a: a, ((),), ("bool",), out_dtype=np.bool_, label="any_0d"),
                   Sample(lambda m, a: m.any(a), lambda a: np.bool_(False), ((0, 3),), ("bool",), out_dtype=np.bool_,
                          label="any_empty")],
          errors=[ErrorCase(lambda m: m.any(m.ones(()), 2), IndexError, "out of range")])
def any(input, dim=None, keepdim=False):
    """Mirrors `torch.any(input, dim=None, keepdim=False)`: whether some element is nonzero (see
    `all`)."""
    return _truth(input, dim, keepdim, np.any, "any")


@register("count_nonzero", method=True, dtype="int64", out=False,
          samples=[Sample(lambda m, x: m.count_nonzero(x), lambda x: np.int64(np.count_nonzero(x)), ((3, 4),),
                          (lambda rng, s: rng.integers(0, 2, s).astype(float),), out_dtype=np.int64, grad=(False,),
                          label="count_nonzero"),
                   Sample(lambda m, x: x.count_nonzero((0, 2)), lambda x: np.count_nonzero(x, (0, 2)), ((2, 3, 4),),
                          (lambda rng, s: rng.integers(0, 2, s).astype(float),), out_dtype=np.int64, grad=(False,),
                          label="count_nonzero_dims"),
                   Sample(lambda m, x: m.count_nonzero(x, axis=-1), lambda x: np.count_nonzero(x, -1), ((3, 4),),
                          (lambda rng, s: rng.integers(0, 2, s) * np.array([np.nan, 1.0])[rng.integers(0, 2, s)],),
                          out_dtype=np.int64, grad=(False,), label="count_nonzero_axis_nan"),
                   Sample(lambda m, a: m.count_nonzero(a, 0), lambda a: np.int64(a), ((),), ("bool",),
                          out_dtype=np.int64, label="count_nonzero_0d"),
                   Sample(lambda m, a: m.count_nonzero(a, 1), lambda a: np.count_nonzero(a, 1), ((2, 0),), ("bool",),
                          out_dtype=np.int64, label="count_nonzero_empty")],
          errors=[ErrorCase(lambda m: m.count_nonzero(m.ones(2, 2), (1, -1)), RuntimeError, "multiple times"),
                  ErrorCase(lambda m: m.count_nonzero(m.ones(2), 1), IndexError, "out of range")])
def count_nonzero(input, dim=None):
    """Mirrors `torch.count_nonzero(input, dim=None)`: the number of nonzero elements over `dim`
    (an int or a tuple; None or () for all), int64."""
    x = check_tensor(input, "count_nonzero")
    axes = reduce_axes(x, dim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(x._data, axis=axes)).astype(np.int64))
