"""Indexing: `x[index]` and `x[index] = value` (ints, slices with steps, None, Ellipsis, bool
scalars, integer and bool tensors, lists, NumPy arrays), read as PyTorch reads an index (see
index_expression.py: ints are applied before advanced indices are placed); masked_fill, nonzero.

Every index is validated in Python (NumPy's indexing checks bounds and raises IndexError) before
anything reads memory with it; index arrays a backward reads are saved, so changing their tensor
in place after the forward raises at backward, as in PyTorch.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap, legacy_type_name
from ._util import check_tensor, as_operand, named
from .index_expression import parse_index
from .pointwise import _checked_scalar
from .registry import EdgeCase, ErrorCase, Sample, register
from .shape import _view_of

S = (3, 4)
S3 = (2, 3, 4)
_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
_FINITE_MAX = {2: 65504.0, 4: 3.4028234663852886e38, 8: float("inf")}  # by itemsize: float16, 32, 64


def _index_error(e, shape):
    return IndexError(f"index out of range for tensor of shape {tuple(shape)}: {e}")


def _recorded_index_error(op, e):
    return RuntimeError(f"{op} backward: the recorded index no longer fits the tensor ({e}); was the "
                        "index changed through .data or .numpy() after the forward?")


def _sources_of(sources):
    """The index tensors' own arrays, saved beside the index so they are version-checked even when
    the index holds a converted copy (a uint8 mask as bool)."""
    return tuple(s._data for s in sources)


class GetItem(ArrayFunction):
    """x[index]: step 1 a view by the basic index, step 2 (advanced indices) a copy. `sources`:
    the index tensors the advanced index holds."""

    @staticmethod
    def forward(ctx, x, sources, *, basic, advanced):
        ctx.in_shape, ctx.basic, ctx.has_advanced = x.shape, basic + (Ellipsis,), advanced is not None
        if advanced is None:
            return x[ctx.basic]  # a view (Ellipsis: a 0-d array, not a NumPy scalar, for all-int indices)
        ctx.save_for_backward(advanced, _sources_of(sources))
        return (x[ctx.basic] if basic else x)[advanced]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        region = gx[ctx.basic] if len(ctx.basic) > 1 else gx
        if not ctx.has_advanced:
            region[...] = g
            return gx, None
        advanced = ctx.saved_tensors[0]
        try:
            np.add.at(region, advanced, g)  # repeated indices accumulate
        except (IndexError, ValueError) as e:
            raise _recorded_index_error("index", e) from None
        return gx, None


def get_region(x, basic):
    """`x[basic]` for a NumPy basic index (ints, slices, None), recorded as a view (in-place ops on
    views use it)."""
    return GetItem.apply(x, (), basic=basic, advanced=None)


def _getitem_ref(index):
    def reference(x):
        return x[index]
    return reference


_D = np.random.default_rng(0).integers(0, 5, (2, 1, 1, 5, 1, 1))  # the index of issue 11


@register("getitem", method=False, dtype="same", out=False,
          samples=[Sample(lambda m, x: x[1], lambda x: x[1], (S3,), label="getitem_int"),
                   Sample(lambda m, x: x[-1, 2], lambda x: x[-1, 2], (S3,), label="getitem_neg_int"),
                   Sample(lambda m, x: x[1, 2, 3], lambda x: x[1, 2, 3], (S3,), label="getitem_scalar"),
                   Sample(lambda m, x: x[:, 1:3], lambda x: x[:, 1:3], (S3,), label="getitem_slice"),
                   Sample(lambda m, x: x[..., ::2], lambda x: x[..., ::2], (S3,), label="getitem_step"),
                   Sample(lambda m, x: x[None, :, None, 1], lambda x: x[None, :, None, 1], (S3,), label="getitem_none"),
                   Sample(lambda m, x: x[..., 1], lambda x: x[..., 1], (S3,), label="getitem_ellipsis"),
                   Sample(lambda m, x: x[m.tensor([0, 2, 0, 2])], lambda x: x[[0, 2, 0, 2]], (S,),
                          label="getitem_int_tensor_repeat"),
                   Sample(lambda m, x: x[:, [2, 0, 0]], lambda x: x[:, [2, 0, 0]], (S3,), label="getitem_list"),
                   Sample(lambda m, x: x[m.tensor([0, 2, 2]), m.tensor([1, 3, 1])], lambda x: x[[0, 2, 2], [1, 3, 1]],
                          (S,),
                          label="getitem_two_index_tensors"),
                   Sample(lambda m, x, i: x[i], lambda x, i: x[i], (S, (5,)),
                          ("real", lambda rng, s: rng.integers(0, 3, s)), label="getitem_index_tensor_input"),
                   Sample(lambda m, x, mask: x[mask], lambda x, mask: x[mask], (S, S), ("real", "bool"),
                          label="getitem_mask"),
                   Sample(lambda m, x: x[m.tensor([True, False, True])], lambda x: x[[True, False, True]], (S,),
                          label="getitem_mask_rows"),
                   Sample(lambda m, x: x[1, :, 3:11:2, m.tensor(_D), 0:2],
                          lambda x: x[1][:, 3:11:2][:, :, _D, 0:2], ((2, 5, 6, 5, 3, 4),),
                          label="getitem_int_separates_nothing"),
                   Sample(lambda m, x: x[m.tensor([1, 0]), :, 0], lambda x: x[[1, 0]][:, :, 0], (S3,),
                          label="getitem_tensor_slice_int"),
                   Sample(lambda m, x: x[m.tensor([[0], [1]]), None, m.tensor([2, 0, 1])],
                          lambda x: x[[[0], [1]], None, [2, 0, 1]], (S3,), label="getitem_separated_by_none"),
                   Sample(lambda m, x: x[True, 1], lambda x: x[None, 1], (S3,), label="getitem_true"),
                   Sample(lambda m, x: x[..., m.tensor(1)], lambda x: x[..., 1], (S3,),
                          label="getitem_0d_index_tensor"),
                   Sample(lambda m, x: x[()], lambda x: x, ((),), label="getitem_0d_empty_tuple"),
                   Sample(lambda m, x: x[None, ...], lambda x: x[None], ((),), label="getitem_0d_none"),
                   Sample(lambda m, x: x[m.tensor(True)], lambda x: x[None], ((),), label="getitem_0d_mask"),
                   Sample(lambda m, x: x[((0,),)], lambda x: x[[0]], (S,), label="getitem_tuple_in_tuple"),
                   Sample(lambda m, x: x[:, m.tensor([], dtype=m.int64)], lambda x: x[:, []], (S,),
                          label="getitem_empty")],
          edge_cases=[EdgeCase(lambda m, x: x[x > 0] * 2, [1.0, -1.0, 2.0]),
                      EdgeCase(lambda m, x: x[m.tensor([[0, 0], [1, 0]])], [1.0, 2.0]),
                      EdgeCase(lambda m, x: x[m.tensor([1, 1, -2]), None] * x[0], [3.0, 5.0])],
          errors=[ErrorCase(lambda m: m.ones(2, 3)[2], IndexError, "out of"),
                  ErrorCase(lambda m: m.ones(2, 3)[0, 0, 0], IndexError, "too many indices"),
                  ErrorCase(lambda m: m.ones(())[0], IndexError, "0-dim"),
                  ErrorCase(lambda m: m.ones(())[0:1], IndexError, "0-dim"),
                  ErrorCase(lambda m: m.ones(2)["a"], TypeError, "str"),
                  ErrorCase(lambda m: m.ones(2)[1.0], IndexError, "valid indices"),
                  ErrorCase(lambda m: m.ones(2)[2 ** 63], ValueError, "Overflow"),
                  ErrorCase(lambda m: m.ones(2)[m.tensor([0.0])], IndexError, "long, int, byte or bool"),
                  ErrorCase(lambda m: m.ones(2)[m.tensor([0], dtype=m.int16)], IndexError, "long, int, byte or bool"),
                  ErrorCase(lambda m: m.ones(2, 3)[m.tensor([True, False, True])], IndexError, "mask|boolean"),
                  ErrorCase(lambda m: m.ones(2, 3)[m.tensor([0, 1]), m.tensor([0, 1, 2])], IndexError,
                            "shape mismatch"),
                  ErrorCase(lambda m: m.ones(2)[::-1], ValueError, "step"),
                  ErrorCase(lambda m: m.ones(2)[::0], ValueError, "zero")])
def getitem(input, index):
    """Mirrors `Tensor.__getitem__` (`x[index]`): basic indexing (ints, slices, None, Ellipsis)
    gives a view; index tensors, lists and bool masks a copy, their dims placed as PyTorch places
    them."""
    x = check_tensor(input, "getitem")
    expression = parse_index(index, x._data.shape)
    try:
        out = GetItem.apply(x, expression.sources, basic=expression.basic, advanced=expression.advanced)
    except IndexError as e:
        raise _index_error(e, x._data.shape) from None
    if expression.advanced is None:
        out = _view_of(out, x)
        if out._base is x:
            out._view_index = expression.basic  # lets an in-place op on the view be recorded on its base
    return named(out, expression.name)


class SetItem(ArrayFunction):
    """`x[index] = value`, out of place (the in-place machinery writes the result into x): the
    overwritten elements pass no gradient to the old x; the value gets the gradient of the
    region it was written to, summed over the dims it was broadcast along."""

    @staticmethod
    def forward(ctx, x, value, sources, *, basic, advanced):
        ctx.basic, ctx.has_advanced = basic + (Ellipsis,), advanced is not None
        ctx.value_shape = np.shape(value)
        out = x.copy()
        if advanced is not None:
            ctx.save_for_backward(advanced, _sources_of(sources))
        _write(out[ctx.basic], Ellipsis if advanced is None else advanced, value)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g.copy()
        region = gx[ctx.basic]
        advanced = ctx.saved_tensors[0] if ctx.has_advanced else Ellipsis
        try:
            # a copy: the region is zeroed next (advanced indexing copies anyway; Ellipsis gives a view)
            gv = _sum_to(np.array(region[advanced]), ctx.value_shape) if ctx.needs_input_grad[1] else None
            region[advanced] = 0
        except (IndexError, ValueError) as e:
            raise _recorded_index_error("setitem", e) from None
        return gx, gv, None


def _write(region, index, value):
    """region[index] = value; a tensor of another dtype is cast as PyTorch casts it (out-of-range
    values become inf or wrap), without NumPy's warning (numbers were checked already)."""
    if isinstance(value, np.ndarray) and value.dtype != region.dtype:
        with np.errstate(**_ERRSTATE):
            region[index] = value
    else:
        region[index] = value


def _sum_to(g, shape):
    """g summed over the dims a value of `shape` was broadcast along (leading 1s included)."""
    stripped = _strip_leading_ones(shape)
    lead = g.ndim - len(stripped)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(stripped) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape)


def _strip_leading_ones(shape):
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return tuple(shape[k:])


def set_region(x, value, basic):
    """`x` with `x[basic] = value` for a NumPy basic index, recorded (in-place ops on views use it)."""
    return SetItem.apply(x, value, (), basic=basic, advanced=None)


def _value_of(input, value, advanced):
    """The value to write, as PyTorch takes it: a number converted to the tensor's dtype (checked),
    a tensor with its leading 1s stripped (and of the tensor's dtype when the index is advanced)."""
    if isinstance(value, Tensor):
        if advanced and value._data.dtype != input._data.dtype:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                               f"{_torch_name(input)} for the destination and {_torch_name(value)} for the source.")
        return value
    if isinstance(value, (complex, np.complexfloating)):
        raise RuntimeError(f"value cannot be converted to type {input.dtype.name} without overflow: {value}")
    if type(value) is float and input._data.dtype.kind == "f" and (
            abs(value) <= _FINITE_MAX[input._data.dtype.itemsize] or value != value):
        return value  # the common case, in range (inf too); others are checked below
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        value = value.item() if isinstance(value, (np.number, np.bool_)) else value
        return _checked_scalar(value, input.dtype, "setitem")
    raise TypeError(f"can't assign a {type(value).__name__} to a {legacy_type_name(input._data.dtype)}")


def _torch_name(t):
    from .norms import _torch_name as name
    return name(t._data.dtype)


def _shape_error(value, input, e):
    return RuntimeError(f"setitem: shape mismatch: value of shape {list(np.shape(value))} cannot be broadcast to "
                        f"the indexed region of a tensor of shape {list(input._data.shape)} ({e})")


def _set_ref(index, region=None):
    """The NumPy reference of `x[index] = v` (`region(x)`: the view written to, when NumPy's index
    differs from PyTorch's)."""
    def reference(x, v):
        out = x.copy()
        if region is None:
            out[index] = v
        else:
            region(out)[index] = v
        return out
    return reference


def _set_ref_number(index, number):
    def reference(x):
        out = x.copy()
        out[index] = number
        return out
    return reference


@register("setitem", method=False, dtype="same", out=False,
          samples=[Sample(lambda m, x, v: _set(x * 1, (1, slice(None), m.tensor([0, 2])), v),
                          _set_ref((slice(None), [0, 2]), lambda o: o[1]), (S3, (3, 2)),
                          label="setitem_int_slice_tensor"),
                   Sample(lambda m, x, v: _set(x * 1, (m.tensor([1, 0]), slice(None), 0), v),
                          _set_ref(([1, 0], slice(None)), lambda o: o[..., 0]), (S3, (3,)),
                          label="setitem_separated_broadcast"),
                   Sample(lambda m, x, v: _set(x * 1, (Ellipsis, slice(1, None, 2)), v),
                          _set_ref((Ellipsis, slice(1, None, 2))),
                          (S3, (1, 1, 2)), label="setitem_slice_leading_ones"),
                   Sample(lambda m, x, v: _set(x * 1, 1, v), _set_ref(1), (S3, (4,)), label="setitem_row_broadcast"),
                   Sample(lambda m, x, v: _set(x * 1, (m.tensor([0, 0, 1]), m.tensor([1, 2, 2])), v),
                          _set_ref(([0, 0, 1], [1, 2, 2])), (S3, (3, 4)), label="setitem_two_index_tensors"),
                   Sample(lambda m, x, v: _set(x * 1, x > 0, v), lambda x, v: np.where(x > 0, v, x), (S3, ()),
                          label="setitem_mask_0d_value"),
                   Sample(lambda m, x: _set(x * 1, (slice(None), [True, False, True]), 2.5),
                          _set_ref_number((slice(None), [True, False, True]), 2.5), (S3,), label="setitem_number")],
          edge_cases=[EdgeCase(lambda m, x: _set(x * 1, (Ellipsis, 0), x[..., 1] * 3), [[1.0, 2.0], [3.0, 4.0]])],
          errors=[ErrorCase(lambda m: _set(m.ones(2, 3), m.tensor([0]), m.ones(3, dtype=m.float64)), RuntimeError,
                            "dtypes match"),
                  ErrorCase(lambda m: _set(m.ones(2, 3), 0, m.ones(2)), RuntimeError, "shape mismatch"),
                  ErrorCase(lambda m: _set(m.ones(2, 3), m.tensor([0]), m.ones(2, 3, 3)), RuntimeError,
                            "shape mismatch"),
                  ErrorCase(lambda m: _set(m.ones(2, dtype=m.uint8), 0, 300), RuntimeError, "overflow"),
                  ErrorCase(lambda m: _set(m.ones(2), 0, "a"), TypeError, "can't assign"),
                  ErrorCase(lambda m: _set(m.ones(2), 0, [1.0]), TypeError, "can't assign"),
                  ErrorCase(lambda m: _set(m.ones(2), 2, 1.0), IndexError, "out of"),
                  ErrorCase(lambda m: _set(m.ones(2, requires_grad=True), 0, 1.0), RuntimeError, "leaf")])
def setitem(input, index, value):
    """Mirrors `Tensor.__setitem__` (`x[index] = value`): value a number (converted to the
    tensor's dtype, RuntimeError when it does not fit) or a tensor broadcastable to the indexed
    region (leading 1s ignored; of the tensor's dtype when the index is advanced). In an autograd
    graph (or with a value that requires grad) the assignment is recorded and differentiable; on a
    leaf that requires grad it raises, as PyTorch, unless under no_grad()."""
    x = check_tensor(input, "setitem")
    if index is False:  # PyTorch writes nothing and checks nothing
        return
    expression = parse_index(index, x._data.shape)
    basic, advanced = expression.basic, expression.advanced
    value = _value_of(x, value, advanced is not None)
    if not x._data.flags.writeable:
        raise RuntimeError("setitem: unsupported operation: the tensor is an expanded (read-only) "
                           "view; call .clone() first")
    array = value._data if isinstance(value, Tensor) else value  # NumPy ignores its leading 1s, as PyTorch
    records = isinstance(value, Tensor) and value.requires_grad and grad_mode.is_grad_enabled()
    if records or (x.requires_grad and grad_mode.is_grad_enabled()):
        from .inplace import apply_inplace

        def assign(previous, v):
            return named(SetItem.apply(previous, v, expression.sources, basic=basic, advanced=advanced),
                         "IndexPutBackward0" if advanced is not None else "CopySlices")
        try:
            apply_inplace(x, "setitem", assign, value)
        except IndexError as e:
            raise _index_error(e, x._data.shape) from None
        except ValueError as e:
            raise _shape_error(array, x, e) from None
        return
    try:
        if advanced is None:
            _write(x._data, basic, array)
        else:
            _write(x._data[basic + (Ellipsis,)] if basic else x._data, advanced, array)
    except IndexError as e:
        raise _index_error(e, x._data.shape) from None
    except ValueError as e:
        raise _shape_error(array, x, e) from None
    x._version[0] += 1


def _set(x, index, value):
    """`x[index] = value`, returning x (for samples and error cases)."""
    x[index] = value
    return x


# ---- masked_fill, nonzero ----------------------------------------------------------------------------
class MaskedFill(ArrayFunction):
    """mask: the mask tensor's array, saved (version-checked)."""

    @staticmethod
    def forward(ctx, x, mask, *, value):
        ctx.save_for_backward(mask)
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return np.where(mask, np.zeros((), g.dtype), g), None


@register("masked_fill", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x, mask: x.masked_fill(mask, 0.5), lambda x, mask: np.where(mask, 0.5, x), (S, S),
                          ("real", "bool"), label="masked_fill"),
                   Sample(lambda m, x, mask: m.masked_fill(x, mask, -1.0), lambda x, mask: np.where(mask, -1.0, x),
                          (S3, (4,)), ("real", "bool"), label="masked_fill_broadcast_mask"),
                   Sample(lambda m, x, mask: m.masked_fill(x, mask, m.tensor(2.0)), lambda x,
                          mask: np.where(mask, 2.0, x),
                          ((), ()), ("real", "bool"), label="masked_fill_0d_tensor_value"),
                   Sample(lambda m, i, mask: i.masked_fill(mask, -1), lambda i, mask: np.where(mask, -1, i), (S, S),
                          (lambda rng, s: rng.integers(0, 9, s), "bool"), out_dtype=np.int64, label="masked_fill_int")],
          edge_cases=[EdgeCase(lambda m, x: x.masked_fill(x > 1, float("nan")), [0.0, 2.0, float("inf")])],
          errors=[ErrorCase(lambda m: m.masked_fill(m.ones(2), m.ones(2), 0.0), RuntimeError, "boolean"),
                  ErrorCase(lambda m: m.masked_fill(m.ones(2), m.ones(3, dtype=m.bool), 0.0), RuntimeError,
                            "broadcast"),
                  ErrorCase(lambda m: m.ones(2, dtype=m.uint8).masked_fill(m.ones(2, dtype=m.bool), 300), RuntimeError,
                            "overflow")])
def masked_fill(input, mask, value):
    """Mirrors `torch.masked_fill(input, mask, value)`: value where the bool mask (broadcastable to
    input) is true."""
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
    value = _checked_scalar(value, x.dtype, "masked_fill")  # PyTorch's overflow check; -1 is 255 in uint8
    return MaskedFill.apply(x, m, value=value)


@register("nonzero", method=True, dtype="int64",
          samples=[Sample(lambda m, x: m.nonzero(x), lambda x: np.argwhere(x), ((3, 4),),
                          (lambda rng, s: rng.integers(0, 2, s).astype(float),), grad=(False,), out_dtype=np.int64,
                          label="nonzero"),
                   Sample(lambda m, a: a.nonzero(as_tuple=True), lambda a: tuple(np.nonzero(a)), ((2, 3, 2),),
                          ("bool",),
                          out_dtype=np.int64, label="nonzero_as_tuple"),
                   Sample(lambda m, x: m.nonzero(x), lambda x: np.zeros((1 if x else 0, 0), np.int64), ((),),
                          (lambda rng, s: rng.integers(0, 2, s).astype(float),), grad=(False,), out_dtype=np.int64,
                          label="nonzero_0d"),
                   Sample(lambda m, x: m.nonzero(x * 0), lambda x: np.zeros((0, 0), np.int64), ((),), grad=(False,),
                          out_dtype=np.int64, label="nonzero_0d_zero"),
                   Sample(lambda m, x: m.nonzero(x, as_tuple=True), lambda x: (np.zeros(1 if x else 0, np.int64),),
                          ((),),
                          (lambda rng, s: rng.integers(0, 2, s).astype(float),), grad=(False,), out_dtype=np.int64,
                          label="nonzero_0d_as_tuple"),
                   Sample(lambda m, x: m.nonzero(x), lambda x: np.zeros((0, 2), np.int64), ((0, 3),), grad=(False,),
                          out_dtype=np.int64, label="nonzero_empty"),
                   Sample(lambda m, x: x.nonzero(), lambda x: np.argwhere(x), ((5,),),
                          (lambda rng, s: np.array([0.0, np.nan, -0.0, np.inf, 1.0])[rng.integers(0, 5, s)],),
                          grad=(False,), out_dtype=np.int64, label="nonzero_nan_inf")],
          errors=[ErrorCase(lambda m: m.nonzero([1]), TypeError, "Tensor")])
def nonzero(input, *, as_tuple=False):
    """Mirrors `torch.nonzero(input, *, as_tuple=False)`: the (n, ndim) int64 indices of the
    nonzero elements (a 0-d tensor gives shape (1, 0), or (0, 0) for a zero), or with `as_tuple` a
    tuple of one 1-D index tensor per dim (one for a 0-d tensor, as PyTorch)."""
    x = check_tensor(input, "nonzero")
    data = x._data
    if data.ndim == 0:
        hit = bool(data != 0)
        if as_tuple:
            return (_wrap(np.zeros(1 if hit else 0, np.int64)),)
        return _wrap(np.zeros((1 if hit else 0, 0), np.int64))
    idx = np.nonzero(data)
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in idx)
    return _wrap(np.stack(idx, axis=1).astype(np.int64))
