"""Index updates: a copy of a tensor with whole slices along `dim`, named by a 1-D index,
added to (index_add), replaced (index_copy) or filled (index_fill). Each mirrors the `torch`
function of the same name, its Tensor method and its in-place form (`Tensor.index_add_`, ...).

Indices are checked in Python, with PyTorch's exception and message (PyTorch is not consistent
between these three: the checks follow each), before anything is written. The nodes keep a copy
of the index, so an in-place change to the index tensor after the forward cannot make backward
read elsewhere.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._positions import check_range, index_array, scalar_type_name
from ._util import check_tensor, wrap_dim, as_operand
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _as_1d(shape):
    return shape if shape else (1,)


def _dtype_name(t):
    return scalar_type_name(t._data)


# ---- index_add, index_copy, index_fill: whole slices along dim ---------------------------------
def _moved(a, d):
    """a (0-d read as 1-d) with dim d first: a view, so writes land in a."""
    return np.moveaxis(a.reshape(_as_1d(a.shape)), d, 0)


class IndexAdd(ArrayFunction):
    """out = x with source's slices along dim added (times alpha) at the slices idx names."""
    backward_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, x, source, d, idx, alpha):
        out = np.array(x, order="C")
        values = _moved(source, d)
        with np.errstate(**_ERRSTATE):
            if alpha != 1:
                values = values * np.asarray(alpha, dtype=out.dtype)
            np.add.at(_moved(out, d), idx, values)
        ctx.d, ctx.idx, ctx.alpha, ctx.source_shape = d, idx, alpha, source.shape
        return out

    @staticmethod
    def backward(ctx, g):
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = np.moveaxis(_moved(g, ctx.d)[ctx.idx], 0, ctx.d)
            if ctx.alpha != 1:
                gsrc = gsrc * ctx.alpha
            gsrc = gsrc.reshape(ctx.source_shape)
        return g, gsrc, None, None, None


def _check_slice_shapes(op, x, source, d):
    xs, ss = x._data.shape, source._data.shape
    if len(xs) != len(ss) or any(a != b for k, (a, b) in enumerate(zip(xs, ss)) if k != d):
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(xs)} source.shape = {list(ss)}")


def _index_add_ref(dim, alpha=1.0):
    def ref(x, src):
        out = np.array(x, dtype=np.float64)
        idx = _INDEX_ADD_IDX[:src.shape[dim]]
        for k, i in enumerate(idx):
            sl = [slice(None)] * out.ndim
            sl[dim] = i
            ssl = [slice(None)] * out.ndim
            ssl[dim] = k
            out[tuple(sl)] += alpha * src[tuple(ssl)]
        return out
    return ref


_INDEX_ADD_IDX = [0, 2, 0, 1]


@register("index_add", method=True, inplace="index_add_", dtype="same",
          samples=[
              Sample(lambda m, x, s, **kw: m.index_add(x, 0, m.tensor(_INDEX_ADD_IDX), s, **kw), _index_add_ref(0),
                     ((3, 2), (4, 2)), label="index_add_repeats"),
              Sample(lambda m, x, s: x.index_add(1, m.tensor(_INDEX_ADD_IDX[:3], dtype=m.int32), s, alpha=-2.5),
                     _index_add_ref(1, -2.5), ((2, 3, 2), (2, 3, 2)), label="index_add_dim1_alpha_int32"),
              Sample(lambda m, x, s: m.index_add(x, -1, m.zeros(0, dtype=m.int64), s), _index_add_ref(1),
                     ((2, 3), (2, 0)), label="index_add_empty"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.index_add(x[:2], 0, m.tensor([1, 1]), x[2:] * 2),
                               [1.0, np.inf, -np.inf, np.nan])],
          errors=[
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([5]), m.ones(1, 3)), RuntimeError,
                        "index 5 is out of bounds for dimension 0 with size 5"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([-1]), m.ones(1, 3)), RuntimeError,
                        "out of bounds"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([0.0]), m.ones(1, 3)), RuntimeError,
                        "int32/int64"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([[0]]), m.ones(1, 3)), IndexError,
                        "vector"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([0, 1]), m.ones(3, 3)), RuntimeError,
                        "Number of indices"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([0]), m.ones(1, 2)), RuntimeError,
                        "shape must match"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 0, m.tensor([0]), m.ones(1, 3, dtype=m.float64)),
                        RuntimeError, "same scalar type"),
              ErrorCase(lambda m: m.index_add(m.zeros(5, 3), 2, m.tensor([0]), m.ones(1, 3)), IndexError,
                        "Dimension out of range"),
          ])
def index_add(input, dim, index, source, *, alpha=1):
    """Mirrors `torch.index_add(input, dim, index, source, *, alpha=1)`: a copy of input with
    `alpha * source.select(dim, k)` added to the slice `index[k]` along dim; repeated indices
    accumulate. On integer tensors alpha is truncated to an integer, as PyTorch does."""
    op = "index_add"
    x = check_tensor(input, op)
    source = check_tensor(source, op, "source")
    d = wrap_dim(dim, x._data.ndim, op)
    idx = index_array(index, op, ("int32", "int64"),
                      "index_add_(): Expected dtype int32/int64 for index but got: {got}")
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{scalar_type_name(idx)} and size: {list(idx.shape)}")
    if source._data.dtype != x._data.dtype:
        raise RuntimeError(f"index_add_(): self ({_dtype_name(x)}) and source ({_dtype_name(source)}) must have "
                           "the same scalar type")
    source_shape = _as_1d(source._data.shape)
    n_source = source_shape[d] if d < len(source_shape) else 1
    if idx.size != n_source:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({n_source}), for dim: {d}")
    _check_slice_shapes("index_add_", x, source, d)
    idx = idx.reshape(-1).astype(np.intp)
    check_range(idx, _as_1d(x._data.shape)[d], d, "index_add_(): ")
    if x._data.dtype.kind in "iub":
        alpha = int(alpha)
    return IndexAdd.apply(x, source, d, idx, alpha)


class IndexCopy(ArrayFunction):
    """out = x with the slices idx names along dim replaced by source's slices."""
    backward_name = "IndexCopyBackward0"

    @staticmethod
    def forward(ctx, x, source, d, idx):
        out = np.array(x, order="C")
        _moved(out, d)[idx] = _moved(source, d) if source.ndim else source
        ctx.d, ctx.idx, ctx.source_shape = d, idx, source.shape
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = np.array(g, order="C")
            _moved(gx, ctx.d)[ctx.idx] = 0
        if ctx.needs_input_grad[1]:
            gsrc = np.moveaxis(_moved(g, ctx.d)[ctx.idx], 0, ctx.d).reshape(ctx.source_shape)
        return gx, gsrc, None, None


@register("index_copy", method=True, inplace="index_copy_", dtype="same",
          samples=[
              Sample(lambda m, x, s, **kw: m.index_copy(x, 0, m.tensor([3, 0]), s, **kw),
                     lambda x, s: _set_rows(x, [3, 0], s, 0), ((4, 3), (2, 3)), label="index_copy"),
              Sample(lambda m, x, s: x.index_copy(-1, m.tensor([1]), s),
                     lambda x, s: _set_rows(x, [1], s, 2), ((2, 2, 3), (2, 2, 1)), label="index_copy_last_dim"),
              Sample(lambda m, x, s: m.index_copy(x, 0, m.tensor(1), s),
                     lambda x, s: _set_rows(x, [1], s[None], 0), ((3,), ()), label="index_copy_0d_source"),
          ],
          errors=[
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([5, 1]), m.ones(2, 3)), IndexError,
                        "index 5 is out of bounds for dimension 0 with size 5"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([-1, 1]), m.ones(2, 3)), IndexError,
                        "out of bounds"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([0, 1], dtype=m.int32), m.ones(2, 3)),
                        RuntimeError, "long tensor"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([0, 1]), m.ones(3, 3)), IndexError,
                        "Number of indices"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([[0, 1]]), m.ones(2, 3)), IndexError,
                        "dimension 1 or 0"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([0, 1]), m.ones(2, 3, dtype=m.float64)),
                        RuntimeError, "same dtype"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([0, 1]), m.ones(2, 2)), RuntimeError,
                        "slice shape"),
              ErrorCase(lambda m: m.index_copy(m.zeros(5, 3), 0, m.tensor([0, 1]), m.ones(2)), IndexError,
                        "dimensionality must match"),
          ])
def index_copy(input, dim, index, source):
    """Mirrors `torch.index_copy(input, dim, index, source)`: a copy of input whose slice
    `index[k]` along dim is `source.select(dim, k)`. Where index repeats, which slice lands is
    unspecified, as in PyTorch (here: the last)."""
    op = "index_copy_"
    x = check_tensor(input, "index_copy")
    source = check_tensor(source, "index_copy", "source")
    d = wrap_dim(dim, x._data.ndim, "index_copy")
    idx = index_array(index, "index_copy", ("int64",),
                      "index_copy_(): Expected a long tensor for index, but got {got}")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index should have dimension 1 or 0 (got {idx.ndim})")
    xs, ss = x._data.shape, source._data.shape
    if ss and xs and len(xs) != len(ss):
        raise IndexError(f"{op}(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(ss)}), destination dimensionality ({len(xs)})")
    n_source = ss[d] if ss else 1
    if idx.size != n_source:
        raise IndexError(f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim) ({n_source})")
    if ss and xs:
        for k, (a, b) in enumerate(zip(xs, ss)):
            if k != d and a != b:
                raise RuntimeError(f"{op}(): Source/destination tensor must have same slice shapes. Destination "
                                   f"slice shape: {a} at dimension {k} and source slice shape: {b} at dimension {k}.")
    if source._data.dtype != x._data.dtype:
        raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got (self) "
                           f"{_dtype_name(x)} and (source) {_dtype_name(source)}")
    idx = idx.reshape(-1).astype(np.intp)
    check_range(idx, _as_1d(xs)[d], d, f"{op}(): ", IndexError)
    return IndexCopy.apply(x, source, d, idx)


def _set_rows(x, rows, values, dim):
    out = np.array(x, dtype=np.float64)
    for k, r in enumerate(rows):
        sl = [slice(None)] * out.ndim
        sl[dim] = r
        vsl = [slice(None)] * values.ndim
        vsl[dim] = k
        out[tuple(sl)] = values[tuple(vsl)]
    return out


class IndexFill(ArrayFunction):
    """out = x with the slices idx names along dim set to the value (a number, or a 0-d tensor
    that receives the sum of the gradient over the filled elements)."""
    backward_name = "IndexFillBackward0"

    @staticmethod
    def forward(ctx, x, value, d, idx):
        out = np.array(x, order="C")
        _moved(out, d)[idx] = value
        ctx.d, ctx.idx = d, idx
        return out

    @staticmethod
    def backward(ctx, g):
        gx = np.array(g, order="C")
        filled = _moved(gx, ctx.d)
        gvalue = None
        if ctx.needs_input_grad[1]:
            gvalue = np.asarray(filled[np.unique(ctx.idx)].sum(), dtype=g.dtype)
        filled[ctx.idx] = 0
        return gx, gvalue, None, None


@register("index_fill", method=True, inplace="index_fill_", dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.index_fill(x, 1, m.tensor([0, 2, 0]), -1.5),
                     lambda x: _fill_cols(x, [0, 2], -1.5, 1), ((2, 3),), label="index_fill"),
              Sample(lambda m, x, v: x.index_fill(0, m.tensor([1]), v),
                     lambda x, v: _fill_cols(x, [1], v, 0), ((3, 2), ()), label="index_fill_tensor_value"),
              Sample(lambda m, x: m.index_fill(x, 0, m.tensor(0), 2.0), lambda x: np.array(2.0), ((),),
                     label="index_fill_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.index_fill(m.zeros(5, 3), 1, m.tensor([3]), 1.0), IndexError,
                        "index 3 is out of bounds for dimension 1 with size 3"),
              ErrorCase(lambda m: m.index_fill(m.zeros(5, 3), 1, m.tensor([0], dtype=m.int32), 1.0), IndexError,
                        "int64"),
              ErrorCase(lambda m: m.index_fill(m.zeros(5, 3), 1, m.tensor([[0]]), 1.0), RuntimeError,
                        "vector/scalar"),
              ErrorCase(lambda m: m.index_fill(m.zeros(5, 3), 1, m.tensor([0]), m.tensor([1.0])), RuntimeError,
                        "0-dimensional value"),
          ])
def index_fill(input, dim, index, value):
    """Mirrors `torch.index_fill(input, dim, index, value)`: a copy of input with the slices
    `index` along dim set to value (a number or a 0-d tensor; negative indices count from the
    end, as in PyTorch)."""
    x = check_tensor(input, "index_fill")
    d = wrap_dim(dim, x._data.ndim, "index_fill")
    idx = index_array(index, "index_fill", ("int64",), "index_fill_(): Expected dtype int64 for index.", IndexError)
    if idx.ndim > 1:
        raise RuntimeError("index_fill_(): Index has to be a vector/scalar")
    size = _as_1d(x._data.shape)[d]
    check_range(idx, size, d, "index_fill_(): ", IndexError, negative=True)
    idx = np.where(idx < 0, idx + size, idx).reshape(-1).astype(np.intp)
    value = as_operand(value, "index_fill")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        if value._data.dtype != x._data.dtype:
            value = value.to(x.dtype) if value.requires_grad and x._data.dtype.kind == "f" else \
                value._data.astype(x._data.dtype)
        return IndexFill.apply(x, value, d, idx)
    return IndexFill.apply(x, np.asarray(value).astype(x._data.dtype), d, idx)


def _fill_cols(x, cols, value, dim):
    out = np.array(x, dtype=np.float64)
    for c in cols:
        sl = [slice(None)] * out.ndim
        sl[dim] = c
        out[tuple(sl)] = value
    return out
