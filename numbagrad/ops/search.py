"""Binary search in sorted tensors: searchsorted, bucketize. Each mirrors the `torch` function of
the same name. Not differentiable (the results are indices).

The search is PyTorch's: the left insertion point is the first i with `boundary[i] >= value`
(`>` for the right one), found by bisection. With NaNs this differs from NumPy's searchsorted (which orders NaN last):
no comparison with NaN holds, so a NaN value goes to the end, and a NaN boundary is passed over.
The bisection runs vectorised over all values at once, about log2(n) NumPy steps.
"""
import numpy as np

from ..tensor import Tensor, _wrap
from ._positions import scalar_type_name
from ._util import check_tensor
from .registry import ErrorCase, Sample, register


def _bisect(boundaries, values, right):
    """The insertion points of `values` (shape (rows, m)) in the sorted rows of `boundaries`
    (shape (rows, n)), PyTorch's comparisons, as int64 of values' shape."""
    rows, n = boundaries.shape
    low = np.zeros(values.shape, dtype=np.int64)
    high = np.full(values.shape, n, dtype=np.int64)
    row = np.arange(rows).reshape(-1, 1)
    with np.errstate(invalid="ignore"):
        while True:
            active = low < high
            if not active.any():
                return low
            mid = low + ((high - low) >> 1)
            middle = boundaries[row, np.minimum(mid, n - 1)]
            below = ~(middle > values) if right else ~(middle >= values)
            low = np.where(active & below, mid + 1, low)
            high = np.where(active & ~below, mid, high)


def _search(op, boundaries, values, right, out_int32):
    b = boundaries._data
    scalar = not isinstance(values, Tensor)
    v = np.asarray(values) if scalar else values._data
    for a in (b, v):
        if a.dtype.kind == "b":
            raise NotImplementedError(f"\"searchsorted_out_cpu\" not implemented for 'Bool'")
    if scalar:  # a number is compared in the sequence's dtype, or as float64 beside integers
        common = np.float64 if isinstance(values, (float, np.floating)) and b.dtype.kind != "f" else b.dtype
    else:
        common = np.result_type(b, v)
    b, v = b.astype(common, copy=False), v.astype(common, copy=False)
    rows = int(np.prod(b.shape[:-1], dtype=np.int64))  # 1 for a 1-D sequence, whose row every value searches
    found = _bisect(b.reshape(rows, b.shape[-1]), v.reshape(rows, v.size // rows if rows else 0), right)
    return _wrap(found.reshape(v.shape).astype(np.int32 if out_int32 else np.int64))


def _check_side(op, right, side):
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.{op}(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError(f"torch.{op}(): side and right can't be set to opposites, got side of left while right "
                           "was True")
    return side == "right"


def _sorted_domain(rng, shape):
    return np.sort(rng.uniform(-2.0, 2.0, shape), axis=-1)


def _ref(right):
    def ref(b, v):
        if b.ndim == 1:
            return np.searchsorted(b, v, side="right" if right else "left")
        return np.stack([np.searchsorted(r, w, side="right" if right else "left") for r, w in zip(b, v)])
    return ref


def _ties(rng, shape):
    return rng.integers(-2, 3, shape).astype(np.float64)


@register("searchsorted", dtype="int64",
          samples=[
              Sample(lambda m, b, v, **kw: m.searchsorted(b, v, **kw), _ref(False), ((6,), (3, 4)),
                     (lambda rng, s: np.sort(_ties(rng, s)), _ties), grad=(False, False), out_dtype=np.int64),
              Sample(lambda m, b, v: m.searchsorted(b, v, right=True), _ref(True), ((6,), (3, 4)),
                     (lambda rng, s: np.sort(_ties(rng, s)), _ties), grad=(False, False), out_dtype=np.int64,
                     label="searchsorted_right"),
              Sample(lambda m, b, v: m.searchsorted(b, v, side="right", out_int32=True), _ref(True), ((3, 5), (3, 2)),
                     (_sorted_domain, "real"), grad=(False, False), out_dtype=np.int32, label="searchsorted_rows"),
              Sample(lambda m, b: m.searchsorted(b, 0.25), lambda b: np.searchsorted(b, 0.25), ((5,),),
                     (_sorted_domain,), grad=(False,), out_dtype=np.int64, label="searchsorted_scalar"),
              Sample(lambda m, b, v: m.searchsorted(b, v, sorter=m.argsort(b)),
                     lambda b, v: np.searchsorted(b, v, sorter=np.argsort(b, kind="stable")), ((6,), (4,)),
                     ("separated", "real"), grad=(False, False), out_dtype=np.int64, label="searchsorted_sorter"),
          ],
          errors=[
              ErrorCase(lambda m: m.searchsorted(m.zeros(3), m.zeros(2), side="middle"), RuntimeError, "side"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(3), m.zeros(2), right=True, side="left"), RuntimeError,
                        "opposites"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(2, 2), m.zeros(1, 1)), RuntimeError, "boundaries tensor"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(2, 2), m.zeros(2)), RuntimeError, "boundaries tensor"),
              ErrorCase(lambda m: m.searchsorted(m.tensor(1.0), m.zeros(2)), RuntimeError, "positive dimension"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(3), m.zeros(2), sorter=m.tensor([1, 5, 0])), RuntimeError,
                        "sorter index out of range"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(3), m.zeros(2), sorter=m.tensor([0])), RuntimeError,
                        "same size"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(3), m.zeros(2), sorter=m.tensor([0, 1, 2], dtype=m.int32)),
                        RuntimeError, "long dtype"),
              ErrorCase(lambda m: m.searchsorted(m.tensor([False, True]), m.tensor([True])), NotImplementedError,
                        "Bool"),
              ErrorCase(lambda m: m.searchsorted(m.zeros(3), [1.0]), TypeError, "Tensor"),
          ])
def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Mirrors `torch.searchsorted(sorted_sequence, values, *, out_int32=False, right=False,
    side=None, sorter=None)`: for each value, the index where inserting it keeps the (last dim of
    the) sorted sequence sorted: before equal elements (left), or after them (`right=True` or
    `side="right"`). A N-D sequence searches each of its rows for the values of the matching row
    of `values`; a number as `values` gives a 0-d result; `sorter` sorts an unsorted sequence."""
    op = "searchsorted"
    seq = check_tensor(sorted_sequence, op, "sorted_sequence")
    if not isinstance(values, (Tensor, int, float, np.number)) or isinstance(values, bool):
        raise TypeError(f"searchsorted(): argument 'values' must be Tensor or Number, not {type(values).__name__}")
    right = _check_side(op, right, side)
    b = seq._data
    if b.ndim == 0:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if isinstance(values, Tensor) and b.ndim > 1 and (values._data.ndim != b.ndim or
                                                       values._data.shape[:-1] != b.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(b.shape)} and input value tensor {list(values._data.shape)}")
    if not isinstance(values, Tensor) and b.ndim > 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                           f"is 1, but we got boundaries tensor dim({b.ndim})")
    if sorter is not None:
        s = check_tensor(sorter, op, "sorter")._data
        if s.dtype != np.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{scalar_type_name(s)}")
        if s.shape != b.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(b.shape)}and got sorter tensor {list(s.shape)}")
        if s.size and (s.min() < 0 or s.max() >= b.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        seq = _wrap(np.take_along_axis(b, s, axis=-1))
    return _search(op, seq, values, right, out_int32)


@register("bucketize", dtype="int64",
          samples=[
              Sample(lambda m, v, b, **kw: m.bucketize(v, b, **kw), lambda v, b: np.searchsorted(b, v), ((3, 4), (6,)),
                     (_ties, lambda rng, s: np.sort(_ties(rng, s))), grad=(False, False), out_dtype=np.int64),
              Sample(lambda m, v, b: m.bucketize(v, b, right=True, out_int32=True),
                     lambda v, b: np.searchsorted(b, v, side="right"), ((5,), (6,)),
                     (_ties, lambda rng, s: np.sort(_ties(rng, s))), grad=(False, False), out_dtype=np.int32,
                     label="bucketize_right"),
              Sample(lambda m, b: m.bucketize(0.5, b), lambda b: np.searchsorted(b, 0.5), ((5,),), (_sorted_domain,),
                     grad=(False,), out_dtype=np.int64, label="bucketize_scalar"),
          ],
          errors=[
              ErrorCase(lambda m: m.bucketize(m.zeros(3), m.zeros(2, 2)), RuntimeError, "1 dimension"),
              ErrorCase(lambda m: m.bucketize(m.tensor([True]), m.tensor([False, True])), NotImplementedError, "Bool"),
          ])
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Mirrors `torch.bucketize(input, boundaries, *, out_int32=False, right=False)`: for each
    element of input (a tensor or a number), the index of its bucket among the sorted 1-D
    boundaries: `searchsorted(boundaries, input, right=right)`."""
    bounds = check_tensor(boundaries, "bucketize", "boundaries")
    if bounds._data.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim({bounds._data.ndim})")
    if not isinstance(input, (Tensor, int, float, np.number)) or isinstance(input, bool):
        raise TypeError(f"bucketize(): argument 'input' must be Tensor or Number, not {type(input).__name__}")
    return _search("bucketize", bounds, input, bool(right), out_int32)
