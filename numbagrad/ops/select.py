"""Selection by mask or index into new tensors: masked_select, masked_scatter, take,
take_along_dim. Each mirrors the `torch` function of the same name (and its Tensor method;
`Tensor.masked_scatter_` too).

Masks and indices are checked in Python, with PyTorch's exception and message, before they are
used. The nodes keep positions derived from them (new arrays), so an in-place change to a mask or
an index after the forward cannot make backward read elsewhere.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._positions import along_dim_positions, check_range, index_array, scalar_type_name
from ._util import broadcast_error, check_tensor, wrap_dim
from .registry import EdgeCase, ErrorCase, Sample, register


def _bool_mask(mask, op, message):
    m = check_tensor(mask, op, "mask")
    if m._data.dtype.kind != "b":
        raise RuntimeError(message.format(got=scalar_type_name(m._data)))
    return m._data


def _broadcast_shape(op, a, b, ta, tb):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(op, ta, tb) from None


class MaskedSelect(ArrayFunction):
    """The elements of x (broadcast with the mask) where the mask is true, as a 1-D array."""
    backward_name = "MaskedSelectBackward0"

    @staticmethod
    def forward(ctx, x, mask, shape):
        selected = np.broadcast_to(mask, shape)
        ctx.pos, ctx.shape = np.flatnonzero(selected), shape
        return np.broadcast_to(x, shape)[selected]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx.reshape(-1)[ctx.pos] = g
        return gx, None, None  # summed back to x's shape by the engine


@register("masked_select", method=True, dtype="same",
          samples=[
              Sample(lambda m, x, k: m.masked_select(x, k), lambda x, k: x[k], ((3, 4), (3, 4)), ("real", "bool")),
              Sample(lambda m, x, k: x.masked_select(k), lambda x, k: np.broadcast_to(x, (2, 3, 4))[np.broadcast_to(k, (2, 3, 4))],
                     ((3, 1), (2, 1, 4)), ("real", "bool"), label="masked_select_broadcast"),
              Sample(lambda m, x, k: m.masked_select(x, k), lambda x, k: x.reshape(1)[k.reshape(1)], ((), ()),
                     ("real", "bool"), label="masked_select_0d"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.masked_select(x, m.tensor([True, False, True, True])),
                               [np.nan, 1.0, -np.inf, -0.0])],
          errors=[
              ErrorCase(lambda m: m.masked_select(m.zeros(3), m.tensor([1, 0, 1])), RuntimeError, "BoolTensor"),
              ErrorCase(lambda m: m.masked_select(m.zeros(3), m.tensor([1, 0, 1], dtype=m.uint8)), RuntimeError,
                        "BoolTensor"),
              ErrorCase(lambda m: m.masked_select(m.zeros(3), m.tensor([True, False])), RuntimeError,
                        "must match the size"),
              ErrorCase(lambda m: m.masked_select(m.zeros(3), [True, False, True]), TypeError, "Tensor"),
          ])
def masked_select(input, mask):
    """Mirrors `torch.masked_select(input, mask)`: the elements of input where the bool mask is
    true (input and mask broadcast together), as a 1-D tensor in row-major order."""
    x = check_tensor(input, "masked_select")
    m = _bool_mask(mask, "masked_select", "masked_select: expected BoolTensor for mask (got {got})")
    shape = _broadcast_shape("masked_select", x._data, m, x, mask)
    return MaskedSelect.apply(x, m, shape)


class MaskedScatter(ArrayFunction):
    """x (broadcast with the mask) with the first k elements of source written, in row-major
    order, where the mask is true (k = the number of true elements)."""
    backward_name = "MaskedScatterBackward0"

    @staticmethod
    def forward(ctx, x, source, mask, shape):
        pos = np.flatnonzero(np.broadcast_to(mask, shape))
        out = np.array(np.broadcast_to(x, shape), order="C")
        out.reshape(-1)[pos] = source.reshape(-1)[:pos.size]
        ctx.pos, ctx.source_shape = pos, source.shape
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gsrc = None
        flat = np.ascontiguousarray(g).reshape(-1)
        if ctx.needs_input_grad[0]:
            gx = flat.copy()
            gx[ctx.pos] = 0
            gx = gx.reshape(g.shape)
        if ctx.needs_input_grad[1]:
            gsrc = np.zeros(int(np.prod(ctx.source_shape, dtype=np.int64)), dtype=g.dtype)
            gsrc[:ctx.pos.size] = flat[ctx.pos]
            gsrc = gsrc.reshape(ctx.source_shape)
        return gx, gsrc, None, None


def _masked_scatter_ref(x, k, s):
    out = np.array(np.broadcast_to(x, np.broadcast_shapes(x.shape, k.shape)), dtype=np.float64)
    out[np.broadcast_to(k, out.shape)] = s.reshape(-1)[:int(np.broadcast_to(k, out.shape).sum())]
    return out


@register("masked_scatter", method=True, inplace="masked_scatter_", dtype="same", out=False,
          samples=[
              Sample(lambda m, x, k, s: m.masked_scatter(x, k, s), _masked_scatter_ref, ((3, 4), (3, 4), (2, 7)),
                     ("real", "bool", "real")),
              Sample(lambda m, x, k, s: x.masked_scatter(k, s), _masked_scatter_ref, ((4,), (3, 4), (13,)),
                     ("real", "bool", "real"), label="masked_scatter_broadcast"),
              Sample(lambda m, x, k, s: m.masked_scatter(x, k, s), _masked_scatter_ref, ((), (), (2,)),
                     ("real", lambda rng, s: np.ones(s, bool), "real"), grad=(True, False, True),
                     label="masked_scatter_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.masked_scatter(m.zeros(2, 3), m.ones(2, 3, dtype=m.bool), m.ones(5)),
                        RuntimeError, "Number of elements of source"),
              ErrorCase(lambda m: m.masked_scatter(m.zeros(3), m.ones(3, dtype=m.bool), m.ones(3, dtype=m.int64)),
                        RuntimeError, "same dtypes"),
              ErrorCase(lambda m: m.masked_scatter(m.zeros(3), m.ones(3, dtype=m.int64), m.ones(3)), RuntimeError,
                        "boolean masks"),
              ErrorCase(lambda m: m.zeros(3).masked_scatter_(m.ones(2, 3, dtype=m.bool), m.ones(6)), RuntimeError,
                        "shape"),
          ])
def masked_scatter(input, mask, source):
    """Mirrors `torch.masked_scatter(input, mask, source)`: a copy of input (broadcast with the
    bool mask) whose elements where the mask is true are, in row-major order, the first elements
    of source."""
    x = check_tensor(input, "masked_scatter")
    m = _bool_mask(mask, "masked_scatter", "masked_scatter_ only supports boolean masks, but got mask with dtype {got}")
    source = check_tensor(source, "masked_scatter", "source")
    if source._data.dtype != x._data.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got "
                           f"{scalar_type_name(x._data)} and {scalar_type_name(source._data)}")
    shape = _broadcast_shape("masked_scatter", x._data, m, x, mask)
    count = int(np.count_nonzero(np.broadcast_to(m, shape)))
    if source._data.size < count:
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in mask "
                           f"({source._data.size} < {count})")
    return MaskedScatter.apply(x, source, m, shape)


class Take(ArrayFunction):
    """x read as 1-D at the positions `pos` (in range), in the index's shape."""
    backward_name = "TakeBackward0"

    @staticmethod
    def forward(ctx, x, pos):
        ctx.pos, ctx.in_shape = pos, x.shape
        return np.ascontiguousarray(x).reshape(-1)[pos]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(int(np.prod(ctx.in_shape, dtype=np.int64)), dtype=g.dtype)
        np.add.at(gx, ctx.pos.reshape(-1), np.ascontiguousarray(g).reshape(-1))
        return gx.reshape(ctx.in_shape), None


@register("take", method=True, dtype="same",
          samples=[
              Sample(lambda m, x, **kw: m.take(x, m.tensor([[0, 5], [-1, 11], [3, 3]]), **kw),
                     lambda x: x.reshape(-1)[[[0, 5], [-1, 11], [3, 3]]], ((3, 4),)),
              Sample(lambda m, x: x.t().take(m.tensor([1, 2, -12])), lambda x: x.T.reshape(-1)[[1, 2, -12]],
                     ((3, 4),), label="take_transposed"),
              Sample(lambda m, x: m.take(x, m.tensor(0)), lambda x: x.reshape(-1)[0], ((),), label="take_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.take(m.zeros(2, 3), m.tensor([6])), IndexError,
                        "out of range: tried to access index 6 on a tensor of 6 elements"),
              ErrorCase(lambda m: m.take(m.zeros(2, 3), m.tensor([-7])), IndexError, "index -7"),
              ErrorCase(lambda m: m.take(m.zeros(2, 3), m.tensor([1], dtype=m.int32)), RuntimeError, "long tensor"),
              ErrorCase(lambda m: m.take(m.zeros(0), m.tensor([0])), IndexError, "empty tensor"),
              ErrorCase(lambda m: m.take(m.zeros(3), [0]), TypeError, "Tensor"),
          ])
def take(input, index):
    """Mirrors `torch.take(input, index)`: input read as 1-D (row-major) at index (negative
    indices count from the end), in index's shape."""
    x = check_tensor(input, "take")
    idx = index_array(index, "take", ("int64",), "take(): Expected a long tensor for index, but got {got}")
    n = x._data.size
    if n == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.reshape(-1)[np.argmax(((idx < -n) | (idx >= n)).reshape(-1))]
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {n} elements.")
    pos = np.where(idx < 0, idx + n, idx).astype(np.intp)
    return Take.apply(x, pos)


class TakeAlongDim(ArrayFunction):
    """np.take_along_axis of x broadcast to `x_shape` with indices (in range) broadcast to
    `i_shape`; the gradient is accumulated at the same positions."""
    backward_name = "TakeAlongDimBackward0"

    @staticmethod
    def forward(ctx, x, idx, dim, x_shape):
        xb = np.broadcast_to(x, x_shape)
        ctx.pos, ctx.x_shape = along_dim_positions(x_shape, dim, idx), x_shape
        return np.take_along_axis(xb, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(int(np.prod(ctx.x_shape, dtype=np.int64)), dtype=g.dtype)
        np.add.at(gx, ctx.pos, np.ascontiguousarray(g).reshape(-1))
        return gx.reshape(ctx.x_shape), None, None, None  # summed back to x's shape by the engine


@register("take_along_dim", method=True, dtype="same",
          samples=[
              Sample(lambda m, x, i, **kw: m.take_along_dim(x, i, dim=1, **kw),
                     lambda x, i: np.take_along_axis(x, i, axis=1), ((3, 4), (3, 6)),
                     ("real", lambda rng, s: rng.integers(0, 4, s))),
              Sample(lambda m, x, i: x.take_along_dim(i, -3), lambda x, i: np.take_along_axis(
                  np.broadcast_to(x, (4, 2, 3)), np.broadcast_to(i, (2, 2, 3)), axis=0),
                     ((4, 1, 3), (2, 2, 1)), ("real", lambda rng, s: rng.integers(-4, 4, s)),
                     label="take_along_dim_broadcast_negative"),
              Sample(lambda m, x, i: m.take_along_dim(x, i), lambda x, i: x.reshape(-1)[i.reshape(-1)],
                     ((3, 4), (2, 5)), ("real", lambda rng, s: rng.integers(0, 12, s)), label="take_along_dim_flat"),
              Sample(lambda m, x, i: m.take_along_dim(x, i), lambda x, i: x.reshape(1), ((), ()),
                     ("real", lambda rng, s: np.zeros(s, np.int64)), label="take_along_dim_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([0]), dim=1), RuntimeError,
                        "same number of dimensions"),
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([[0]], dtype=m.int32), dim=1),
                        RuntimeError, "should be Long"),
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([[0]]), dim=2), IndexError,
                        "Dimension out of range"),
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 3), m.zeros(3, 2, dtype=m.int64), dim=1),
                        RuntimeError, "must match the size"),
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([6])), RuntimeError,
                        "index 6 is out of bounds for dimension 0 with size 6"),
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([-1])), RuntimeError, "out of bounds"),
              ErrorCase(lambda m: m.take_along_dim(m.tensor(1.0), m.tensor(0), dim=0), IndexError,
                        "no dimensions"),
              ErrorCase(lambda m: m.take_along_dim(m.zeros(2, 0), m.zeros(2, 1, dtype=m.int64), dim=1),
                        RuntimeError, "ZeroDivisionError"),
          ])
def take_along_dim(input, indices, dim=None):
    """Mirrors `torch.take_along_dim(input, indices, dim=None)`: `np.take_along_axis` with
    input and indices broadcast against each other outside dim. Without dim both are read as 1-D
    and every index must be in range. With dim, PyTorch 2.13 takes each index modulo the size of
    dim (so -1 is the last element and size + 1 the second); numbagrad does the same."""
    op = "take_along_dim"
    x = check_tensor(input, op)
    idx = index_array(indices, op, ("int64",),
                      "torch.take_along_dim(): dtype of indices should be Long but got {got}", name="indices")
    if dim is None:
        n = x._data.size
        flat = idx.reshape(-1)
        check_range(flat, n, 0, f"{op}(): ")
        return TakeAlongDim.apply(x.reshape(-1), flat.astype(np.intp), 0, (n,))
    if x._data.ndim == 0:
        raise IndexError(f"{op}(): Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, x._data.ndim, op)
    if idx.ndim != x._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {x._data.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    outer_x = tuple(1 if k == d else n for k, n in enumerate(x._data.shape))
    outer_i = tuple(1 if k == d else n for k, n in enumerate(idx.shape))
    try:
        outer = np.broadcast_shapes(outer_x, outer_i)
    except ValueError:
        raise broadcast_error(op, x, indices) from None
    size = x._data.shape[d]
    if size == 0 and idx.size:
        raise RuntimeError(f"{op}(): ZeroDivisionError: indices taken modulo the size of dim {d}, which is 0")
    x_shape = outer[:d] + (size,) + outer[d + 1:]
    i_shape = outer[:d] + (idx.shape[d],) + outer[d + 1:]
    wrapped = np.mod(np.broadcast_to(idx, i_shape), size) if size else np.zeros(i_shape, np.intp)
    return TakeAlongDim.apply(x, wrapped.astype(np.intp), d, x_shape)
