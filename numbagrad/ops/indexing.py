"""Indexing: `x[index]` (ints, slices, None, Ellipsis, integer tensors/lists, bool masks),
`x[index] = value`, gather, index_select, masked_fill, nonzero.

Each mirrors PyTorch. Every index is validated in Python (NumPy's indexing checks bounds and
raises IndexError) before anything reads memory with it.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap
from ._util import check_tensor, wrap_dim, as_operand, named
from .shape import _view_of


def _convert_index(index):
    """A NumPy index from a PyTorch one: (index, is_basic, sources), where basic means the result
    is a view and sources are the Tensors whose arrays the index holds (backward reads them, so
    they are version-checked). Lists and NumPy arrays are copied, as PyTorch turns them into new
    tensors: changing them later cannot change a recorded index."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    sources = []
    basic = True
    for it in items:
        if isinstance(it, Tensor):
            arr = it._data
            if arr.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors "
                                 f"(got {it.dtype})")
            if arr.dtype.kind == "b" or arr.ndim > 0:
                basic = False
                out.append(arr)
                sources.append(it)
            else:
                out.append(int(arr))
        elif isinstance(it, (list, np.ndarray)):
            arr = np.array(it)
            if arr.dtype.kind not in "biu":
                raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (got {arr.dtype})")
            basic = False
            out.append(arr)
        elif isinstance(it, bool):
            basic = False
            out.append(it)
        elif it is None or it is Ellipsis or isinstance(it, (int, np.integer, slice)):
            if isinstance(it, slice) and it.step is not None and it.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(it)
        else:
            raise IndexError(f"only integers, slices, None, Ellipsis, and integer or boolean tensors "
                             f"are valid indices (got {type(it).__name__})")
    return tuple(out), basic, tuple(sources)


def _scatter_index_error(op, e):
    return RuntimeError(f"{op} backward: the recorded index no longer fits the tensor ({e}); was the "
                        "index changed through .data or .numpy() after the forward?")


class GetItem(ArrayFunction):
    """`sources`: the index tensors held by an advanced index (saved, so version-checked)."""

    @staticmethod
    def forward(ctx, x, index, basic, sources):
        ctx.in_shape, ctx.basic = x.shape, basic
        if basic:
            ctx.index = index  # ints, slices, None, Ellipsis only
        else:
            ctx.save_for_backward(index)
        out = x[index]
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        if ctx.basic:
            gx[ctx.index] = g
        else:
            try:
                np.add.at(gx, ctx.saved_tensors[0], g)  # repeated indices accumulate
            except (IndexError, ValueError) as e:
                raise _scatter_index_error("index", e) from None
        return gx, None, None, None


def getitem(input, index):
    """`x[index]`: basic indexing gives a view; integer and bool tensor indexing a copy."""
    index, basic, sources = _convert_index(index)
    try:
        out = GetItem.apply(input, index, basic, sources)
    except IndexError as e:
        raise IndexError(f"index out of range for tensor of shape {tuple(input.shape)}: {e}") from None
    if not basic:
        return named(out, "IndexBackward0")
    kind = ("SelectBackward0" if any(isinstance(i, (int, np.integer)) for i in index) else
            "SliceBackward0" if any(isinstance(i, slice) for i in index) else "GetItemBackward0")
    out = _view_of(out, input)
    if out._base is input:
        out._view_index = index  # lets an in-place op on the view be recorded on its base
    return named(out, kind)


class SetItem(ArrayFunction):
    """The graph node of `x[index] = value`: the overwritten elements pass no gradient to the old
    x; the value gets the gradient of the region it was written to."""

    @staticmethod
    def forward(ctx, x, index, value, sources):
        if any(type(i) is np.ndarray for i in index):
            ctx.index = None
            ctx.save_for_backward(index)  # index arrays: version-checked against `sources`
        else:
            ctx.index = index
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        index = ctx.index if ctx.index is not None else ctx.saved_tensors[0]
        gx = g.copy()
        try:
            gx[index] = 0
            gv = g[index] if ctx.needs_input_grad[2] else None
        except (IndexError, ValueError) as e:
            raise _scatter_index_error("setitem", e) from None
        return gx, None, gv, None


def setitem(input, index, value):
    """`x[index] = value` (a number or a broadcastable tensor), as PyTorch. On a tensor in an
    autograd graph (or with a value that requires grad) the assignment is recorded and
    differentiable; on a leaf that requires grad it raises, as PyTorch, unless under no_grad()."""
    if isinstance(value, Tensor):
        records = value.requires_grad and grad_mode.is_grad_enabled()
    elif isinstance(value, (int, float, bool, np.number, np.bool_, np.ndarray)):
        records = False
    else:
        raise TypeError(f"can't assign a {type(value).__name__} to a tensor")
    np_index, _, sources = _convert_index(index)
    if not input._data.flags.writeable:
        raise RuntimeError("setitem: unsupported operation: the tensor is an expanded (read-only) "
                           "view; call .clone() first")
    if records or (input.requires_grad and grad_mode.is_grad_enabled()):
        from .inplace import apply_inplace
        try:
            apply_inplace(input, "setitem", SetItem.apply, np_index, value, sources)
        except IndexError as e:
            raise IndexError(f"index out of range for tensor of shape {tuple(input.shape)}: {e}") from None
        except ValueError as e:
            raise RuntimeError(f"setitem: shape mismatch: value of shape {tuple(np.shape(value))} cannot "
                               f"be assigned to the indexed region of a tensor of shape "
                               f"{tuple(input.shape)} ({e})") from None
        return
    try:
        input._data[np_index] = value._data if isinstance(value, Tensor) else value
    except IndexError as e:
        raise IndexError(f"index out of range for tensor of shape {tuple(input.shape)}: {e}") from None
    except ValueError as e:
        raise RuntimeError(f"setitem: shape mismatch: value of shape {tuple(np.shape(value))} cannot be "
                           f"assigned to the indexed region of a tensor of shape {tuple(input.shape)} ({e})") from None
    input._version[0] += 1


def _check_index_tensor(index, op):
    index = check_tensor(index, op, "index")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index (got {index.dtype})")
    return index._data


def _check_bounds(idx, size, dim, op, error=IndexError):
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx[(idx < -size) | (idx >= size)].reshape(-1)[0]
        raise error(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}")


class Gather(ArrayFunction):
    """idx: the index with negative entries wrapped (the index's own array when it has none);
    index: the index tensor. Both are saved, and x too (backward does not read it, but PyTorch
    saves it), so an in-place change of any of them raises at backward as in PyTorch."""

    @staticmethod
    def forward(ctx, x, dim, idx, index):
        ctx.in_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(idx, index, x)
        region = x[tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(idx.shape))]
        return np.take_along_axis(region, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        idx = ctx.saved_tensors[0]
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        grid = list(np.indices(idx.shape, sparse=True))
        grid[ctx.dim] = idx
        try:
            np.add.at(gx, tuple(grid), g)
        except (IndexError, ValueError) as e:
            raise _scatter_index_error("gather", e) from None
        return gx, None, None, None


def gather(input, dim, index, *, sparse_grad=False):
    """Mirrors `torch.gather(input, dim, index)`: out[i][j] = input[index[i][j]][j] (dim 0)."""
    x = check_tensor(input, "gather")
    idx = _check_index_tensor(index, "gather")
    nd = x._data.ndim
    d = wrap_dim(dim, nd, "gather")
    if idx.ndim != max(nd, 1) and not (nd == 0 and idx.ndim <= 1):
        raise RuntimeError(f"gather(): Index tensor must have the same number of dimensions as input "
                           f"tensor (index shape {idx.shape}, input shape {x._data.shape})")
    for k in range(idx.ndim):
        if k != d and idx.shape[k] > x._data.shape[k]:
            raise RuntimeError(f"gather(): Size does not match at dimension {k} expected index "
                               f"{idx.shape} to be smaller than self {x._data.shape} apart from dimension {d}")
    _check_bounds(idx, x._data.shape[d] if nd else 1, d, "gather", RuntimeError)
    idx = np.where(idx < 0, idx + x._data.shape[d], idx) if idx.size and idx.min() < 0 else idx
    return Gather.apply(x, d, idx.astype(np.intp, copy=False), index)


class IndexSelect(ArrayFunction):
    """index: the index tensor (any shape of one element or a vector); saved, so version-checked."""

    @staticmethod
    def forward(ctx, x, dim, index):
        idx = index.reshape(-1)
        ctx.in_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(idx)
        return np.take(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        try:
            np.add.at(gx, (slice(None),) * ctx.dim + (idx,), g)
        except (IndexError, ValueError) as e:
            raise _scatter_index_error("index_select", e) from None
        return gx, None, None


def index_select(input, dim, index):
    """Mirrors `torch.index_select(input, dim, index)` (index 1-D)."""
    x = check_tensor(input, "index_select")
    idx = _check_index_tensor(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, x._data.ndim, "index_select")
    _check_bounds(idx, x._data.shape[d], d, "index_select")
    return IndexSelect.apply(x, d, index)


class MaskedFill(ArrayFunction):
    """mask: the mask tensor's array, saved (version-checked)."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return np.where(mask, np.zeros((), g.dtype), g), None, None


def masked_fill(input, mask, value):
    """Mirrors `torch.masked_fill(input, mask, value)` (mask bool, broadcastable to input)."""
    x = check_tensor(input, "masked_fill")
    m = check_tensor(mask, "masked_fill", "mask")
    if m._data.dtype.kind != "b":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype.name}")
    try:
        np.broadcast_shapes(m._data.shape, x._data.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: mask of shape {m._data.shape} is not broadcastable to "
                           f"input of shape {x._data.shape}") from None
    value = as_operand(value, "masked_fill")
    if isinstance(value, Tensor):
        value = value.item()
    from .pointwise import _checked_scalar
    value = _checked_scalar(value, x.dtype, "masked_fill")  # PyTorch's overflow check; -1 is 255 in uint8
    return MaskedFill.apply(x, m, value)


def nonzero(input, *, as_tuple=False):
    """Mirrors `torch.nonzero`: (n, ndim) int64 indices, or a tuple of 1-D tensors."""
    x = check_tensor(input, "nonzero")
    idx = np.nonzero(x._data)
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in idx)
    return _wrap(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))
