"""Scatter ops: a copy of a tensor with values written (or combined) at positions given by an
index shaped like the source (one target position per source element, along `dim`): scatter,
scatter_add, scatter_reduce. Each mirrors the `torch` function of the same name, its Tensor
method and its in-place form (`Tensor.scatter_`, ...). index_add, index_copy and index_fill,
which write whole slices, are in index_update.py.

Indices are checked in Python, with PyTorch's exception and message, before anything is written.
The nodes keep positions derived from the index (new arrays), never the index tensor itself, so
an in-place change to the index after the forward cannot make backward read elsewhere.
"""
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._positions import along_dim_positions, check_range, index_array, scalar_type_name
from ._util import check_tensor, wrap_dim, as_operand
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _as_1d(shape):
    return shape if shape else (1,)


def _dtype_name(t):
    return scalar_type_name(t._data)


# ---- scatter, scatter_add, scatter_reduce: one target position per index element ----------------
def _scatter_target(op, input, dim, index, src):
    """Checks of the scatter family (PyTorch's order and messages); returns (x, dim, flat
    positions, region of src read, shape of index)."""
    x = check_tensor(input, op)
    d = wrap_dim(dim, x._data.ndim, op)
    idx = index_array(index, op, ("int32", "int64"), f"{op}(): Expected dtype int32/int64 for index")
    x_shape, i_shape = _as_1d(x._data.shape), _as_1d(idx.shape)
    if len(i_shape) != len(x_shape):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self tensor "
                           f"(index shape {list(idx.shape)}, self shape {list(x._data.shape)})")
    s_shape = None
    if isinstance(src, Tensor):
        s_shape = _as_1d(src._data.shape)
        if len(i_shape) != len(s_shape):
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor "
                               f"(index shape {list(idx.shape)}, src shape {list(src._data.shape)})")
        if src._data.dtype != x._data.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype "
                               f"(got {_dtype_name(x)} and {_dtype_name(src)})")
    for k, n in enumerate(i_shape):
        if (k != d and n > x_shape[k]) or (s_shape is not None and n > s_shape[k]):
            also = f" and to be no larger size than src {list(src._data.shape)}" if s_shape is not None else ""
            raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(x._data.shape)} apart from dimension {d}{also}")
    idx = idx.reshape(i_shape)
    check_range(idx, x_shape[d], d, f"{op}(): ")
    region = tuple(slice(0, n) for n in i_shape)
    return x, d, along_dim_positions(x_shape, d, idx), region, i_shape


def _src_values(src, region):
    """The source elements a scatter reads, in the index's C order."""
    return src.reshape(_as_1d(src.shape))[region].reshape(-1)


def _src_gradient(values_grad, src_shape, region, i_shape, dtype):
    g = np.zeros(_as_1d(src_shape), dtype=dtype)
    g[region] = values_grad.reshape(i_shape)
    return g.reshape(src_shape)


class Scatter(ArrayFunction):
    """out = x, then at the flat positions `pos` the values (src[region], or the scalar `src`)
    are written (mode "set"), added ("add") or, in the deprecated `reduce=` forms, added or
    multiplied without a gradient ("legacy_add", "legacy_multiply")."""
    backward_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, src, pos, region, i_shape, mode):
        out = np.array(x, order="C")
        flat = out.reshape(-1)
        values = _src_values(src, region) if region is not None else src
        with np.errstate(**_ERRSTATE):
            if mode == "set":
                flat[pos] = values
            elif mode in ("add", "legacy_add"):
                np.add.at(flat, pos, values)
            else:
                np.multiply.at(flat, pos, values)
        ctx.pos, ctx.region, ctx.i_shape, ctx.mode = pos, region, i_shape, mode
        ctx.src_shape = np.shape(src)
        return out

    @staticmethod
    def backward(ctx, g):
        if ctx.mode.startswith("legacy"):
            raise RuntimeError("derivative for aten::scatter is not implemented (scatter with reduce=)")
        need_x, need_src = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        gx = gsrc = None
        if need_x:
            if ctx.mode == "set":
                gx = np.array(g, order="C")
                gx.reshape(-1)[ctx.pos] = 0
            else:
                gx = g
        if need_src:
            values_grad = np.ascontiguousarray(g).reshape(-1)[ctx.pos]
            gsrc = _src_gradient(values_grad, ctx.src_shape, ctx.region, ctx.i_shape, g.dtype)
        return gx, gsrc, None, None, None, None


def _scatter_samples(op_call, combine=None):
    return [
        Sample(lambda m, x, i, s, **kw: op_call(m)(x, 0, i, s, **kw), _scatter_ref(0, combine),
               ((3, 4), (2, 4), (2, 4)), ("real", _distinct(3, 0), "real"), label=f"{op_call.__name__}_dim0"),
        # PyTorch's backward fails when src is larger than index (its gradient has index's shape)
        Sample(lambda m, x, i, s: op_call(m)(x, -1, i, s), _scatter_ref(-1, combine), ((2, 5), (2, 3), (3, 4)),
               ("real", _distinct(5, 1), "real"), torch=False, label=f"{op_call.__name__}_dim_neg_small_index"),
        Sample(lambda m, x, i, s: op_call(m)(x, -1, i, s), _scatter_ref(-1, combine), ((2, 5), (2, 3), (2, 3)),
               ("real", _distinct(5, 1), "real"), label=f"{op_call.__name__}_dim_neg"),
    ]


def _distinct(high, axis):
    """A domain of int64 indices in [0, high), distinct along `axis` (scatter's duplicates are
    unspecified in PyTorch, so value tests avoid them)."""
    def draw(rng, shape):
        shape = tuple(shape)
        moved = (shape[axis],) + shape[:axis] + shape[axis + 1:]
        columns = int(np.prod(moved[1:], dtype=np.int64))
        out = np.stack([rng.permutation(high)[:moved[0]] for _ in range(columns)], axis=-1)
        return np.moveaxis(out.reshape(moved), 0, axis).astype(np.int64)
    return draw


def _repeating(high):
    def draw(rng, shape):
        return rng.integers(0, high, shape).astype(np.int64)
    return draw


def _scatter_ref(dim, combine=None):
    """A loop over the index: the reference of scatter (combine None) and scatter_add (np.add)."""
    def ref(x, idx, src):
        out = np.array(x, dtype=np.float64)
        d = dim % out.ndim
        for pos in np.ndindex(*idx.shape):
            target = list(pos)
            target[d] = idx[pos]
            target = tuple(target)
            out[target] = src[pos] if combine is None else combine(out[target], src[pos])
        return out
    return ref


def _scatter_call(m):
    return m.scatter


def _scatter_add_call(m):
    return m.scatter_add


_scatter_call.__name__ = "scatter"
_scatter_add_call.__name__ = "scatter_add"


@register("scatter", method=True, inplace="scatter_", dtype="same",
          samples=_scatter_samples(_scatter_call) + [
              Sample(lambda m, x, i: m.scatter(x, 1, i, 2.5), lambda x, i: _scatter_ref(1)(x, i, np.full(i.shape, 2.5)),
                     ((3, 4), (3, 2)), ("real", _distinct(4, 1)), label="scatter_value"),
              Sample(lambda m, x, i: m.scatter(x, 0, i, value=-1.0),
                     lambda x, i: _scatter_ref(0)(x, i, np.full(i.shape, -1.0)),
                     ((4,), (2,)), ("real", _distinct(4, 0)), label="scatter_value_keyword"),
              Sample(lambda m, x, i, s: m.scatter(x, 0, i, s), lambda x, i, s: np.array(s),
                     ((), (), ()), ("real", lambda rng, s: np.zeros(s, np.int64), "real"), label="scatter_0d"),
              Sample(lambda m, x, i, s: x.scatter(0, i, s), _scatter_ref(0), ((3, 2), (0, 2), (0, 2)),
                     ("real", _repeating(3), "real"), label="scatter_empty_index"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.scatter(x[:3] * 1.0, 0, m.tensor([2, 0]), x[3:]),
                               [1.0, np.nan, np.inf, -0.0, 5.0])],
          errors=[
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.tensor([[3]]), m.ones(2, 4)), RuntimeError,
                        "index 3 is out of bounds for dimension 0 with size 3"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.tensor([[-1]]), m.ones(2, 4)), RuntimeError,
                        "out of bounds"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.tensor([[0.0]]), m.ones(2, 4)), RuntimeError,
                        "int32/int64"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.tensor([[0]], dtype=m.int16), m.ones(2, 4)),
                        RuntimeError, "int32/int64"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.tensor([0]), m.ones(2, 4)), RuntimeError,
                        "same number of dimensions as self"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.zeros(3, 4, dtype=m.int64), m.ones(2, 4)),
                        RuntimeError, "no larger"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.zeros(1, 5, dtype=m.int64), m.ones(1, 5)),
                        RuntimeError, "no larger than self"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 0, m.zeros(1, 4, dtype=m.int64),
                                            m.ones(2, 4, dtype=m.float64)), RuntimeError, "dtype"),
              ErrorCase(lambda m: m.scatter(m.zeros(3, 4), 2, m.zeros(1, 4, dtype=m.int64), m.ones(2, 4)),
                        IndexError, "Dimension out of range"),
              ErrorCase(lambda m: m.scatter(m.zeros(3), 0, m.tensor([0]), 1.0, reduce="mean"),
                        RuntimeError, "add or multiply"),
              ErrorCase(lambda m: m.scatter(m.zeros(3), 0, [0], m.ones(1)), TypeError, "Tensor"),
          ])
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Mirrors `torch.scatter(input, dim, index, src)` / `(input, dim, index, value)`: a copy of
    input with `out[index[i][j]][j] = src[i][j]` (dim 0; likewise for other dims), or the number
    `value` at those places. `reduce="add"/"multiply"` combines instead (deprecated in PyTorch,
    not differentiable, as there). Where index repeats a position, which value lands is
    unspecified, as in PyTorch (here: the last)."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): expected exactly one of 'src' (a Tensor) or 'value' (a number)")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply. (got {reduce!r})")
    source = as_operand(src if src is not None else value, "scatter")
    x, d, pos, region, i_shape = _scatter_target("scatter", input, dim, index, source)
    if isinstance(source, Tensor):
        if reduce is not None:
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                          "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                          "reduction options.", UserWarning, stacklevel=2)
        mode = "set" if reduce is None else f"legacy_{reduce}"
        return Scatter.apply(x, source, pos, region, i_shape, mode)
    mode = "set" if reduce is None else f"legacy_{reduce}"
    return Scatter.apply(x, np.asarray(source).astype(x._data.dtype), pos, None, i_shape, mode)


@register("scatter_add", method=True, inplace="scatter_add_", dtype="same",
          samples=_scatter_samples(_scatter_add_call, np.add) + [
              Sample(lambda m, x, i, s: m.scatter_add(x, 1, i, s), _scatter_ref(1, np.add),
                     ((3, 4), (3, 6), (3, 6)), ("real", _repeating(4), "real"), label="scatter_add_repeats"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.scatter_add(x[:2] * 1.0, 0, m.tensor([1, 1, 0]), x[2:]),
                               [1.0, np.inf, -np.inf, 2.0, np.nan])],
          errors=[
              ErrorCase(lambda m: m.scatter_add(m.zeros(3), 0, m.tensor([3]), m.ones(1)), RuntimeError,
                        "out of bounds"),
              ErrorCase(lambda m: m.scatter_add(m.zeros(3), 0, m.tensor([0]), 1.0), TypeError, "Tensor"),
              ErrorCase(lambda m: m.scatter_add(m.zeros(3), 0, m.tensor([0]), m.ones(1, dtype=m.int64)),
                        RuntimeError, "dtype"),
              ErrorCase(lambda m: m.scatter_add(m.zeros(3), 0, m.tensor([0]), m.ones(1, 1)), RuntimeError,
                        "src"),
          ])
def scatter_add(input, dim, index, src):
    """Mirrors `torch.scatter_add(input, dim, index, src)`: a copy of input with
    `out[index[i][j]][j] += src[i][j]` (dim 0; likewise for other dims); repeated positions
    accumulate."""
    check_tensor(src, "scatter_add", "src")
    x, d, pos, region, i_shape = _scatter_target("scatter_add", input, dim, index, src)
    return Scatter.apply(x, src, pos, region, i_shape, "add")


_REDUCTIONS = {"sum": "sum", "prod": "prod", "mean": "mean", "amax": "amax", "amin": "amin",
               "max": "amax", "min": "amin"}  # PyTorch also accepts max and min


def _identity(reduce, dtype):
    """The value a reduction starts from where include_self=False."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _reduce_into(flat, pos, values, reduce, include_self):
    """flat, reduced in place with `values` at `pos` (mean: only summed; see ScatterReduce)."""
    if not include_self:
        flat[pos] = _identity(reduce, flat.dtype)
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    ufunc.at(flat, pos, values)


class ScatterReduce(ArrayFunction):
    """out = x reduced with src[region] at the flat positions `pos` (PyTorch's scatter_reduce).
    Gradients follow PyTorch's rules: mean divides by the count at each position, prod divides
    the product by each factor (exactly, also with zeros), amax/amin share the gradient evenly
    among the elements equal to the result."""
    backward_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, x, src, pos, region, i_shape, reduce, include_self):
        out = np.array(x, order="C")
        flat = out.reshape(-1)
        values = _src_values(src, region)
        with np.errstate(**_ERRSTATE):
            _reduce_into(flat, pos, values, reduce, include_self)
            if reduce == "mean":
                counts = np.bincount(pos, minlength=flat.size) + (1 if include_self else 0)
                counts[counts == 0] = 1
                if flat.dtype.kind == "f":
                    flat /= counts.astype(flat.dtype)
                else:
                    np.floor_divide(flat, counts.astype(flat.dtype), out=flat)
                ctx.counts = counts
        ctx.pos, ctx.region, ctx.i_shape, ctx.reduce, ctx.include_self = pos, region, i_shape, reduce, include_self
        ctx.src_shape = src.shape
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        pos, reduce = ctx.pos, ctx.reduce
        gflat = np.ascontiguousarray(g).reshape(-1)
        with np.errstate(**_ERRSTATE):
            if reduce == "sum":
                gx, gv = gflat.copy(), gflat[pos]
            elif reduce == "mean":
                gx = gflat / ctx.counts.astype(g.dtype)
                gv = gx[pos]
            else:
                x, src, result = ctx.saved_tensors
                xf = np.ascontiguousarray(x).reshape(-1)
                rf = result.reshape(-1)
                values = _src_values(src, ctx.region)
                if reduce == "prod":
                    gx, gv = _prod_grads(gflat, xf, rf, values, pos, ctx.include_self)
                else:
                    gx, gv = _extremum_grads(gflat, xf, rf, values, pos, ctx.include_self)
            if not ctx.include_self:
                gx[pos] = 0
        gsrc = _src_gradient(gv, ctx.src_shape, ctx.region, ctx.i_shape, g.dtype) if ctx.needs_input_grad[1] else None
        return (gx.reshape(g.shape) if ctx.needs_input_grad[0] else None), gsrc, None, None, None, None, None


def _prod_grads(g, xf, rf, values, pos, include_self):
    """PyTorch's gradients of a scatter product: each factor gets the product of the others,
    computed by division where the factor is not 0 and by recomputing the product without it
    where it is the only 0 at its position."""
    masked_self = np.where(xf == 0, 1, xf).astype(xf.dtype)
    product_without_self = masked_self.copy()
    _reduce_into(product_without_self, pos, values, "prod", include_self)
    gx = g * product_without_self / masked_self
    src_zero = values == 0
    zeros_at = np.bincount(pos, weights=src_zero, minlength=xf.size)[pos]
    single_zero = src_zero & (zeros_at == 1)
    product_without_zero = xf.copy()
    _reduce_into(product_without_zero, pos, np.where(single_zero, 1, values).astype(values.dtype), "prod", include_self)
    gv = np.where(single_zero, (g * product_without_zero)[pos],
                  (g * rf)[pos] / np.where(src_zero, 1, values))
    return gx, gv


def _extremum_grads(g, xf, rf, values, pos, include_self):
    """The gradients of a scatter amax/amin: shared evenly among the elements (of self, where it
    takes part, and of src) equal to the result. PyTorch also counts self where include_self=False
    when it equals the result, which halves the gradient of the src element there; here self does
    not take part there, so the src element gets all of it (as finite differences say)."""
    value = rf[pos]
    self_is_result = xf == rf
    if not include_self:
        self_is_result[pos] = False
    src_is_result = values == value
    share = self_is_result.astype(g.dtype)
    np.add.at(share, pos, src_is_result.astype(g.dtype))
    distributed = g / share
    return self_is_result * distributed, src_is_result * distributed[pos]


def _scatter_reduce_ref(reduce, include_self):
    def ref(x, idx, src):
        out = np.array(x, dtype=np.float64)
        groups = {}
        for p in np.ndindex(*idx.shape):
            target = (idx[p],) + p[1:]
            groups.setdefault(target, []).append(src[p])
        for target, vals in groups.items():
            vals = vals + ([out[target]] if include_self else [])
            out[target] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max,
                           "amin": np.min}[reduce](vals)
        return out
    return ref


def _between_grid(rng, shape):
    """Distinct values on the grid of the "separated" domain shifted by half a step, so they tie
    neither with each other nor with a "separated" input."""
    n = int(np.prod(shape, dtype=np.int64))
    return rng.permutation((np.arange(n) - n // 2) * 0.4 + 0.3).reshape(shape)


def _scatter_reduce_sample(reduce, include_self, src_shape=(5, 2)):
    return Sample(lambda m, x, i, s, **kw: m.scatter_reduce(x, 0, i, s, reduce, include_self=include_self, **kw),
                  _scatter_reduce_ref(reduce, include_self), ((3, 2), (5, 2), src_shape),
                  ("separated", _repeating(3), _between_grid), grad=(True, False, True), torch=src_shape == (5, 2),
                  label=f"scatter_reduce_{reduce}{'' if include_self else '_exclude_self'}"
                        f"{'' if src_shape == (5, 2) else '_large_src'}")


@register("scatter_reduce", method=True, inplace="scatter_reduce_", dtype="same",
          samples=[_scatter_reduce_sample(r, s) for r in ("sum", "prod", "mean", "amax", "amin")
                   for s in (True, False)] + [_scatter_reduce_sample("prod", False, (6, 3))],
          edge_cases=[
              EdgeCase(lambda m, x: m.scatter_reduce(x[:3], 0, m.tensor([0, 0, 1, 2]), x[3:], "amax"),
                       [2.0, 1.0, 5.0, 2.0, 2.0, 1.0, 0.0], label="amax_ties"),
              EdgeCase(lambda m, x: m.scatter_reduce(x[:3], 0, m.tensor([0, 0, 1, 2]), x[3:], "amin",
                                                     include_self=False),
                       [2.0, 1.0, 5.0, 3.0, 3.0, 4.0, 0.0], label="amin_ties_exclude_self"),
              EdgeCase(lambda m, x: m.scatter_reduce(x[:3], 0, m.tensor([0, 0, 1, 2]), x[3:], "amax"),
                       [2.0, np.nan, 5.0, np.nan, 3.0, 4.0, 0.0], label="amax_nan"),
              EdgeCase(lambda m, x: m.scatter_reduce(x[:3], 0, m.tensor([0, 0, 1, 1, 2]), x[3:], "prod"),
                       [2.0, 0.0, 3.0, 0.0, 4.0, 5.0, 6.0, 0.0], label="prod_zeros"),
              EdgeCase(lambda m, x: m.scatter_reduce(x[:3], 0, m.tensor([0, 0, 1, 1, 2]), x[3:], "prod",
                                                     include_self=False),
                       [2.0, 0.0, 3.0, 0.0, 0.0, 5.0, 6.0, 0.0], label="prod_zeros_exclude_self"),
              EdgeCase(lambda m, x: m.scatter_reduce(x[:3], 0, m.tensor([0, 0, 2]), x[3:], "mean",
                                                     include_self=False),
                       [2.0, 1.0, 5.0, 3.0, -1.0, np.inf], label="mean_exclude_self"),
          ],
          errors=[
              ErrorCase(lambda m: m.scatter_reduce(m.zeros(3), 0, m.tensor([0]), m.ones(1), "add"), RuntimeError,
                        "sum, prod, mean, amax or amin"),
              ErrorCase(lambda m: m.scatter_reduce(m.zeros(3), 0, m.tensor([0]), 1.0, "sum"), TypeError, "Tensor"),
              ErrorCase(lambda m: m.scatter_reduce(m.zeros(3), 0, m.tensor([4]), m.ones(1), "sum"), RuntimeError,
                        "out of bounds"),
              ErrorCase(lambda m: m.scatter_reduce(m.zeros(3, dtype=m.bool), 0, m.tensor([0]),
                                                   m.ones(1, dtype=m.bool), "mean"),
                        NotImplementedError, "Bool"),
          ])
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Mirrors `torch.scatter_reduce(input, dim, index, src, reduce, *, include_self=True)`: a
    copy of input where each position that index addresses becomes the reduction ("sum",
    "prod", "mean", "amax", "amin") of the src values sent there, together with input's own
    value unless include_self=False. Integer "mean" rounds down, as PyTorch."""
    check_tensor(src, "scatter_reduce", "src")
    if not isinstance(reduce, str) or reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, amax or amin, "
                           f"got {reduce}")
    reduce = _REDUCTIONS[reduce]
    x, d, pos, region, i_shape = _scatter_target("scatter_reduce", input, dim, index, src)
    if reduce == "mean" and x._data.dtype.kind == "b":
        raise NotImplementedError('"scatter_gather_tensor_cpu_reduce_mean" not implemented for \'Bool\'')
    return ScatterReduce.apply(x, src, pos, region, i_shape, reduce, bool(include_self))
