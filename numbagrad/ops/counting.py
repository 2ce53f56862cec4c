"""Counting values: unique, bincount, histc. Each mirrors the `torch` function of the same name
(and its Tensor method).

None of them has a gradient in PyTorch. Where PyTorch still records a node (unique's values,
bincount's weighted counts) numbagrad does too, and its backward raises PyTorch's error, so that
a script relying on a gradient fails loudly in both; histc's result never requires grad.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import _wrap
from ._positions import scalar_type_name
from ._util import check_tensor, wrap_dim
from .registry import ErrorCase, Sample, register


class _NotDifferentiable(ArrayFunction):
    """A node whose forward returns precomputed arrays and whose backward raises `error`."""
    error = (NotImplementedError, "")

    @staticmethod
    def forward(ctx, x, *outputs):
        return outputs if len(outputs) > 1 else outputs[0]

    @classmethod
    def backward(cls, ctx, *grads):
        kind, message = cls.error
        raise kind(message)


class Unique2(_NotDifferentiable):
    backward_name = "Unique2Backward0"
    error = (NotImplementedError, "the derivative for '_unique2' is not implemented.")


class UniqueDim(_NotDifferentiable):
    backward_name = "UniqueDimBackward0"
    error = (NotImplementedError, "the derivative for 'unique_dim' is not implemented.")


class Bincount(_NotDifferentiable):
    backward_name = "BincountBackward0"
    error = (RuntimeError, "derivative for aten::bincount is not implemented")


def _unique_ref(return_inverse=False, return_counts=False, axis=None):
    def ref(x):
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
        out = (values,) + ((inverse.reshape(x.shape if axis is None else -1),) if return_inverse else ()) \
            + ((counts,) if return_counts else ())
        return out if len(out) > 1 else out[0]
    return ref


def _few_values(rng, shape):
    return rng.integers(-2, 3, shape).astype(np.float64) * 0.5


@register("unique", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.unique(x), _unique_ref(), ((4, 5),), (_few_values,), grad=(False,)),
              Sample(lambda m, x: x.unique(return_inverse=True, return_counts=True), _unique_ref(True, True),
                     ((3, 4),), (_few_values,), grad=(False,), out_dtype=("same", np.int64, np.int64),
                     label="unique_inverse_counts"),
              Sample(lambda m, x: m.unique(x, sorted=False, return_counts=True, dim=1),
                     _unique_ref(False, True, 1), ((2, 6),), (lambda rng, s: rng.integers(0, 2, s).astype(float),),
                     grad=(False,), out_dtype=("same", np.int64), label="unique_dim"),
              Sample(lambda m, x: m.unique(x, return_inverse=True), _unique_ref(True), ((),), (_few_values,),
                     grad=(False,), out_dtype=("same", np.int64), label="unique_0d"),
              Sample(lambda m, x: m.unique(x, return_counts=True), _unique_ref(False, True), ((5,),),
                     (lambda rng, s: rng.integers(0, 3, s),), out_dtype=np.int64, label="unique_int"),
          ],
          errors=[
              ErrorCase(lambda m: m.unique(m.zeros(2, 3), dim=2), IndexError, "Dimension out of range"),
              ErrorCase(lambda m: m.unique(m.zeros(0, 3), dim=1), RuntimeError, "0 sized dimensions"),
              ErrorCase(lambda m: m.unique(m.tensor([1.0, 1.0], requires_grad=True)).sum().backward(),
                        NotImplementedError, "not implemented"),
          ])
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Mirrors `torch.unique(input, sorted=True, return_inverse=False, return_counts=False,
    dim=None)`: the distinct values (or, with dim, the distinct slices along dim) in ascending
    order, and optionally the index of each element's value in them (`inverse`, int64, in
    input's shape) and how often each occurs (`counts`, int64). NaNs are all distinct, as in
    PyTorch. The result is sorted whatever `sorted` says (PyTorch's CPU result is sorted too).
    Not differentiable: backward raises, as PyTorch's."""
    x = check_tensor(input, "unique")
    a = x._data
    if dim is None:
        values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inverse = inverse.reshape(a.shape)
        node = Unique2
    else:
        d = wrap_dim(dim, a.ndim, "unique")
        if any(n == 0 for k, n in enumerate(a.shape) if k != d):
            raise RuntimeError("unique(): There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                               "applied")
        values, inverse, counts = np.unique(a.reshape(a.shape or (1,)), return_inverse=True, return_counts=True,
                                            axis=d)
        inverse = inverse.reshape(-1)
        node = UniqueDim
    values = node.apply(x, np.ascontiguousarray(values).astype(a.dtype, copy=False))
    extras = ((_wrap(inverse.astype(np.int64)),) if return_inverse else ()) + \
        ((_wrap(counts.astype(np.int64)),) if return_counts else ())
    return (values,) + extras if extras else values


_WEIGHTS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@register("bincount", method=True, dtype="any", out=False,
          samples=[
              Sample(lambda m, i: m.bincount(i), np.bincount, ((7,),), (lambda rng, s: rng.integers(0, 5, s),),
                     out_dtype=np.int64),
              Sample(lambda m, i, w: i.bincount(w, minlength=9), lambda i, w: np.bincount(i, w, minlength=9),
                     ((6,), (6,)), (lambda rng, s: rng.integers(0, 4, s), "real"), grad=(False, False),
                     label="bincount_weights"),
              Sample(lambda m, i: m.bincount(i, minlength=3), lambda i: np.zeros(3, np.int64), ((0,),),
                     (lambda rng, s: rng.integers(0, 4, s),), out_dtype=np.int64, label="bincount_empty"),
          ],
          errors=[
              ErrorCase(lambda m: m.bincount(m.tensor([-1])), RuntimeError, "non-negative"),
              ErrorCase(lambda m: m.bincount(m.tensor([[1]])), RuntimeError, "1-d"),
              ErrorCase(lambda m: m.bincount(m.tensor(1)), RuntimeError, "1-d"),
              ErrorCase(lambda m: m.bincount(m.tensor([1.0])), NotImplementedError, "Float"),
              ErrorCase(lambda m: m.bincount(m.tensor([True])), NotImplementedError, "Bool"),
              ErrorCase(lambda m: m.bincount(m.tensor([1]), minlength=-1), RuntimeError, "minlength"),
              ErrorCase(lambda m: m.bincount(m.tensor([1, 2]), m.tensor([1.0])), RuntimeError, "same length"),
              ErrorCase(lambda m: m.bincount(m.tensor([1]), m.tensor([1.0], requires_grad=True)).sum().backward(),
                        RuntimeError, "not implemented"),
          ])
def bincount(input, weights=None, minlength=0):
    """Mirrors `torch.bincount(input, weights=None, minlength=0)`: how often each value
    0..max(input) occurs in a 1-D non-negative integer tensor (int64), or the sum of `weights`
    at each value (float32 for float32 weights, float64 for any other dtype), at least
    `minlength` long."""
    x = check_tensor(input, "bincount")
    a = x._data
    if a.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{scalar_type_name(a)}'")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount(): bincount only supports 1-d non-negative integral inputs.")
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)):
        raise TypeError(f"bincount(): argument 'minlength' must be int, not {type(minlength).__name__}")
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0 (got {minlength})")
    from ._util import allocate
    size = max(int(a.max()) + 1 if a.size else 0, int(minlength))
    if weights is None:
        return _wrap(allocate("bincount", (size,), np.int64, lambda: np.bincount(a, minlength=size).astype(np.int64)))
    w = check_tensor(weights, "bincount", "weights")
    if w._data.ndim != 1 or w._data.shape[0] != a.shape[0]:
        raise RuntimeError("bincount(): weights should be 1-d and have the same length as input")
    dtype = w._data.dtype if w._data.dtype in _WEIGHTS_DTYPES else np.dtype(np.float64)
    counts = allocate("bincount", (size,), dtype,
                      lambda: np.bincount(a, w._data.astype(np.float64), minlength=size).astype(dtype))
    return Bincount.apply(w, counts)


@register("histc", method=True, dtype="same",
          samples=[
              Sample(lambda m, x, **kw: m.histc(x, bins=4, min=-1, max=1, **kw),
                     lambda x: np.histogram(x, 4, (-1, 1))[0].astype(x.dtype), ((5, 6),), grad=(False,)),
              Sample(lambda m, x: x.histc(7), lambda x: np.histogram(x, 7, (x.min(), x.max()))[0].astype(x.dtype),
                     ((40,),), grad=(False,), label="histc_data_range"),
              Sample(lambda m, x: m.histc(x, 3), lambda x: np.array([0.0, 0.0, 0.0]), ((0,),), grad=(False,),
                     label="histc_empty"),
          ],
          errors=[
              ErrorCase(lambda m: m.histc(m.tensor([1, 2]), bins=4), NotImplementedError, "Long"),
              ErrorCase(lambda m: m.histc(m.zeros(3), bins=0), RuntimeError, "bins must be > 0"),
              ErrorCase(lambda m: m.histc(m.zeros(3), bins=4, min=3, max=1), RuntimeError, "max must be larger than min"),
              ErrorCase(lambda m: m.histc(m.tensor([1.0, float("nan")]), bins=4), RuntimeError, "not finite"),
              ErrorCase(lambda m: m.histc(m.tensor([1.0, float("inf")]), bins=4), RuntimeError, "not finite"),
          ])
def histc(input, bins=100, min=0, max=0):
    """Mirrors `torch.histc(input, bins=100, min=0, max=0)`: the counts (in input's float dtype)
    of the elements in `bins` equal-width bins over [min, max] (the data's range when min ==
    max; widened by 1 on each side when that range is one value). Elements outside the range
    (and NaNs) are not counted; max itself falls in the last bin. Bins are computed as PyTorch
    does, `(x - min) * bins / (max - min)` in input's dtype, so elements on a bin edge land in
    the same bin. Not differentiable (the result never requires grad, as in PyTorch)."""
    x = check_tensor(input, "histc")
    a = x._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_type_name(a)}'")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    if low == high and a.size:
        with np.errstate(invalid="ignore"):
            low, high = float(a.min()), float(a.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low:g}, {high:g}] is not finite")
    if not low < high:
        raise RuntimeError("torch.histc: max must be larger than min")
    dtype = a.dtype.type
    left, right = dtype(low), dtype(high)
    values = a.reshape(-1)
    with np.errstate(invalid="ignore"):
        inside = values[(values >= left) & (values <= right)]
    with np.errstate(over="ignore"):
        position = ((inside - left) * dtype(bins) / (right - left)).astype(np.int64)
    position[position == bins] = bins - 1
    from ._util import allocate
    return _wrap(allocate("histc", (bins,), a.dtype, lambda: np.bincount(position, minlength=bins).astype(a.dtype)))
