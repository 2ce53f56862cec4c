"""Selection along one dim by an index tensor: gather, index_select (mirror the `torch` functions
of the same names). As in PyTorch, indices must lie in [0, size): negative indices are refused,
not wrapped. A 0-d input counts as one element along dim 0 (dim 0 and -1 allowed)."""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim
from .registry import EdgeCase, ErrorCase, Sample, register

S = (3, 4)
S3 = (2, 3, 4)


def _recorded_index_error(op, e):
    return RuntimeError(f"{op} backward: the recorded index no longer fits the tensor ({e}); was the "
                        "index changed through .data or .numpy() after the forward?")


def _out_of_bounds(idx, size):
    """The first index outside [0, size), or None."""
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        return int(idx[(idx < 0) | (idx >= size)].reshape(-1)[0])
    return None


class Gather(ArrayFunction):
    """out[..., j, ...] = x[..., index[..., j, ...], ...] along `dim`. The index tensor is saved
    (version-checked), and x too (backward does not read it, but PyTorch saves it), so an in-place
    change of either raises at backward as in PyTorch."""

    @staticmethod
    def forward(ctx, x, index, *, dim):
        ctx.in_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index, x)
        if x.ndim == 0:  # one element: every index is 0
            return np.broadcast_to(x, index.shape).copy()
        region = x[tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))]
        return np.take_along_axis(region, index.astype(np.intp, copy=False), axis=dim)

    @staticmethod
    def backward(ctx, g):
        index = ctx.saved_tensors[0]
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        if gx.ndim == 0:
            return np.asarray(np.sum(g), dtype=g.dtype), None
        grid = list(np.indices(index.shape, sparse=True))
        grid[ctx.dim] = index
        try:
            np.add.at(gx, tuple(grid), g)
        except (IndexError, ValueError) as e:
            raise _recorded_index_error("gather", e) from None
        return gx, None


def _gather_ref(dim):
    def reference(x, i):
        return np.take_along_axis(x, i, axis=dim)
    return reference


def _indices(high):
    def draw(rng, shape):
        return rng.integers(0, high, shape)
    return draw


@register("gather", method=True, dtype="same",
          samples=[Sample(lambda m, x, i: m.gather(x, 1, i), _gather_ref(1), (S, (3, 6)), ("real", _indices(4)),
                          label="gather"),
                   Sample(lambda m, x, i: x.gather(0, i), _gather_ref(0), (S3, (2, 3, 4)), ("real", _indices(2)),
                          label="gather_method_dim0"),
                   Sample(lambda m, x, i: x.t().gather(1, i), lambda x, i: _gather_ref(1)(x.T, i), (S, (4, 2)),
                          ("real", _indices(3)), label="gather_transposed"),
                   Sample(lambda m, x, i: m.gather(x, -1, i), lambda x, i: np.take_along_axis(x[:2, :2], i, -1),
                          (S3, (2, 2, 5)), ("real", _indices(4)), label="gather_smaller_index"),
                   Sample(lambda m, x, i: m.gather(x, axis=1, index=i), _gather_ref(1), (S, (3, 2)),
                          ("real", _indices(4)),
                          label="gather_axis"),
                   Sample(lambda m, x, i: m.gather(x, 0, i), lambda x, i: np.broadcast_to(x, i.shape), ((), (3,)),
                          ("real", _indices(1)), label="gather_0d_input"),
                   Sample(lambda m, x, i: m.gather(x, -1, i), lambda x, i: x, ((), ()), ("real", _indices(1)),
                          label="gather_0d_input_0d_index"),
                   Sample(lambda m, x, i: m.gather(x, 1, i), _gather_ref(1), (S, (3, 0)), ("real", _indices(4)),
                          label="gather_empty_index")],
          edge_cases=[EdgeCase(lambda m, x: m.gather(x, 0, m.tensor([1, 1, 0, 1])), [2.0, float("nan")])],
          errors=[ErrorCase(lambda m: m.gather(m.ones(3, 2), 1, m.tensor([[0], [2], [1]])), RuntimeError,
                            "out of bounds"),
                  ErrorCase(lambda m: m.gather(m.ones(3, 2), 1, m.tensor([[0], [-1], [1]])), RuntimeError,
                            "out of bounds"),
                  ErrorCase(lambda m: m.gather(m.ones(3, 2), 1, m.tensor([0, 1])), RuntimeError,
                            "same number of dimensions"),
                  ErrorCase(lambda m: m.gather(m.ones(3, 2), 1, m.zeros(4, 1, dtype=m.int64)), RuntimeError,
                            "no larger than"),
                  ErrorCase(lambda m: m.gather(m.ones(3, 2), 1, m.zeros(3, 1)), RuntimeError, "dtype"),
                  ErrorCase(lambda m: m.gather(m.ones(()), 0, m.tensor([1])), RuntimeError, "out of bounds"),
                  ErrorCase(lambda m: m.gather(m.ones(()), 1, m.tensor([0])), IndexError, "out of range"),
                  ErrorCase(lambda m: m.gather(m.ones(3), 1, m.tensor([0])), IndexError, "out of range")])
def gather(input, dim, index, *, sparse_grad=False):
    """Mirrors `torch.gather(input, dim, index, *, sparse_grad=False)`: out[i][j] = input[index[i][j]][j]
    for dim 0 (and so on). `index` (int64 or int32) has input's number of dims and is no larger than
    input apart from `dim`; its entries lie in [0, input.size(dim)). `sparse_grad` is accepted
    (the gradient is dense)."""
    x = check_tensor(input, "gather")
    index = check_tensor(index, "gather", "index")
    idx = index._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"gather(): Expected dtype int32/int64 for index (got {index.dtype.name})")
    nd = x._data.ndim
    d = wrap_dim(dim, nd, "gather")
    if idx.ndim != nd and not (nd == 0 and idx.ndim <= 1) and not (nd == 1 and idx.ndim == 0):
        raise RuntimeError(f"gather(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index shape {idx.shape}, input shape {x._data.shape})")
    for k in range(min(idx.ndim, nd)):
        if k != d and idx.shape[k] > x._data.shape[k]:
            raise RuntimeError(f"gather(): Size does not match at dimension {k} expected index {list(idx.shape)} "
                               f"to be no larger than self {list(x._data.shape)} apart from dimension {d}")
    size = x._data.shape[d] if nd else 1
    bad = _out_of_bounds(idx, size)
    if bad is not None:
        raise RuntimeError(f"gather(): index {bad} is out of bounds for dimension {d} with size {size}")
    if nd == 1 and idx.ndim == 0:
        return Gather.apply(x, index.reshape(1), dim=0).reshape(())
    return Gather.apply(x, index, dim=d)


class IndexSelect(ArrayFunction):
    """The index tensor (a vector, or one element of any shape) is saved, so version-checked."""

    @staticmethod
    def forward(ctx, x, index, *, dim):
        ctx.in_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        if x.ndim == 0:
            return x.copy()
        return np.take(x, index.reshape(-1), axis=dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        if g.ndim == 0:
            return g, None
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        try:
            np.add.at(gx, (slice(None),) * ctx.dim + (index.reshape(-1),), g)
        except (IndexError, ValueError) as e:
            raise _recorded_index_error("index_select", e) from None
        return gx, None


@register("index_select", method=True, dtype="same",
          samples=[Sample(lambda m, x, i: m.index_select(x, 1, i), lambda x, i: x[:, i], (S, (5,)),
                          ("real", _indices(4)),
                          label="index_select"),
                   Sample(lambda m, x, i: x.index_select(0, i), lambda x, i: x[i], (S3, (3,)), ("real", _indices(2)),
                          label="index_select_method_repeats"),
                   Sample(lambda m, x, i: m.index_select(x, -1, i), lambda x, i: x[..., i.reshape(1)], (S3, ()),
                          ("real", _indices(4)), label="index_select_0d_index"),
                   Sample(lambda m, x, i: m.index_select(x, axis=0, index=i), lambda x, i: x[i], (S, (0,)),
                          ("real", _indices(3)), label="index_select_empty_axis"),
                   Sample(lambda m, x, i: m.index_select(x, 0, i), lambda x, i: x, ((), (1,)), ("real", _indices(1)),
                          label="index_select_0d_input")],
          errors=[ErrorCase(lambda m: m.index_select(m.ones(3, 2), 0, m.tensor([3])), IndexError, "index_select"),
                  ErrorCase(lambda m: m.index_select(m.ones(3, 2), 0, m.tensor([-1])), IndexError, "out of range"),
                  ErrorCase(lambda m: m.index_select(m.ones(3, 2), 1, m.tensor([2])), RuntimeError, "out of"),
                  ErrorCase(lambda m: m.index_select(m.ones(3, 2), 1, m.tensor([[0]])), IndexError, "vector"),
                  ErrorCase(lambda m: m.index_select(m.ones(3, 2), 1, m.tensor([0], dtype=m.int16)), RuntimeError,
                            "int32 or int64"),
                  ErrorCase(lambda m: m.index_select(m.ones(()), 0, m.tensor([0, 0])), RuntimeError, "only 1 value"),
                  ErrorCase(lambda m: m.index_select(m.ones(()), 0, m.tensor([1])), IndexError, "out of range"),
                  ErrorCase(lambda m: m.index_select(m.ones(()), 1, m.tensor([0])), IndexError, "out of range")])
def index_select(input, dim, index):
    """Mirrors `torch.index_select(input, dim, index)`: the slices of `input` along `dim` at the
    entries of `index` (a vector or a single element, int64 or int32, each in [0, size))."""
    x = check_tensor(input, "index_select")
    index = check_tensor(index, "index_select", "index")
    idx = index._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_select(): Expected dtype int32 or int64 for index (got {index.dtype.name})")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = x._data.ndim
    d = wrap_dim(dim, nd, "index_select")
    if nd == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    size = x._data.shape[d] if nd else 1
    bad = _out_of_bounds(idx, size)
    if bad is not None:
        # PyTorch's own two messages: IndexError along the first dim, RuntimeError along the others
        if d == 0:
            raise IndexError(f"index_select(): index out of range in self (index {bad}, dimension 0 of size {size})")
        raise RuntimeError(f"index_select(): INDICES element is out of DATA bounds, id={bad} axis_dim={size} "
                           f"(dimension {d})")
    return IndexSelect.apply(x, index, dim=d)
