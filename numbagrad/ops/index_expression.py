"""PyTorch's reading of an index expression `x[index]`: which elements it selects and where the
dims of advanced indices go (mirrors torch/csrc/autograd/python_variable_indexing.cpp).

PyTorch applies an index in two steps:
1. basic indexing, left to right: an int (or a 0-d integer tensor) selects and removes its dim, a
   slice slices, None inserts a dim of size 1, Ellipsis skips the dims nothing else names, a bool
   scalar (True, False, a 0-d bool or uint8 tensor) inserts a dim of size 1 and indexes it with
   [0] or []; an index tensor or list keeps its dims (a bool mask all of its dims) for step 2;
2. advanced indexing of that result by the index tensors, by NumPy's rule: their broadcast dims
   replace the indexed dims in place when the tensors are adjacent, else go first.
Ints are gone after step 1, so they never separate index tensors: `x[1, :, t]` keeps t's dims in
place, where NumPy (which counts the int among the advanced indices) puts them first.

A non-tuple sequence containing a sequence, slice, tensor, None or Ellipsis (and shorter than 32)
is read as a tuple, with PyTorch's deprecation warning; lists become int64 index tensors unless
they hold only bools (a mask); NumPy arrays keep their dtype (uint8 and bool are masks).
"""
import operator
import warnings

import numpy as np

from ..tensor import Tensor
from .registry import user_stacklevel

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_INDEX_DTYPES = "long, int, byte or bool"


class IndexExpression:
    """An index read as PyTorch reads it: `basic`, the NumPy basic index of step 1 (ints, slices,
    None); `advanced`, the NumPy index of step 2 (slice(None) and index arrays; None when there is
    no index array); `sources`, the Tensors whose arrays `advanced` holds (the nodes version-check
    them); `name`, PyTorch's grad_fn name for the result."""
    __slots__ = ("basic", "advanced", "sources", "name")

    def __init__(self, basic, advanced, sources, name):
        self.basic, self.advanced, self.sources, self.name = basic, advanced, sources, name


def parse_index(index, shape):
    """The `IndexExpression` of `x[index]` for a tensor of `shape`; PyTorch's exception for an
    index it refuses (IndexError, TypeError, ValueError)."""
    ndim = len(shape)
    # the common single-item forms first (PyTorch's fast paths, with their names and errors)
    if type(index) is int:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert a 0-dim "
                             "tensor to a number")
        return IndexExpression((_checked_int(index),), None, (), "SelectBackward0")
    if type(index) is slice:
        if ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        return IndexExpression((_checked_slice(index),), None, (), "SliceBackward0")
    if index is None:
        return IndexExpression((None,), None, (), "UnsqueezeBackward0")
    if index is Ellipsis:
        return IndexExpression((), None, (), "AliasBackward0")
    if isinstance(index, Tensor):
        a = index._data
        if a.ndim and (a.dtype == np.int64 or a.dtype == np.int32 or a.dtype.kind == "b") and a.ndim <= ndim:
            return IndexExpression((), (a,), (index,), "IndexBackward0")  # x[index tensor], x[mask]
    if type(index) is tuple:
        if len(index) <= ndim and all(type(i) is int or type(i) is slice for i in index):
            return _ints_and_slices(index, shape)
        items = index
    elif _reads_as_tuple(index):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
                      "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
                      "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error "
                      "or a different result", UserWarning, stacklevel=user_stacklevel())
        items = tuple(index)
    else:
        items = (index,)
    return _Walk(shape).run(items)


def _ints_and_slices(index, shape):
    """The expression of a tuple of ints and slices only (a view; the common case)."""
    basic, name = [], "AliasBackward0"
    for it, size in zip(index, shape):
        if type(it) is int:
            basic.append(_checked_int(it))
            name = "SelectBackward0"
        else:
            s = _checked_slice(it)
            basic.append(s)
            if s.indices(size) != (0, size, 1):  # PyTorch skips a slice that keeps everything
                name = "SliceBackward0"
    return IndexExpression(tuple(basic), None, (), name)


def _checked_int(i):
    i = int(i)
    if not _INT64_MIN <= i <= _INT64_MAX:
        raise ValueError(f"Overflow when unpacking long long: the index {i} does not fit in int64")
    return i


def _checked_slice(s):
    parts = []
    for v in (s.start, s.stop, s.step):
        if v is None:
            parts.append(None)
            continue
        if isinstance(v, Tensor):
            v = v.item() if v._data.ndim == 0 and v._data.dtype.kind in "iu" else v
        try:
            parts.append(operator.index(v))
        except TypeError:
            raise TypeError("slice indices must be integers or None or have an __index__ method") from None
    start, stop, step = parts
    if step is not None:
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")
    return slice(start, stop, step)


def _is_sequence(value):
    return isinstance(value, (list, tuple, range, np.ndarray, str))


def _reads_as_tuple(index):
    """PyTorch's (and old NumPy's) heuristic: a short non-tuple sequence holding a sequence, a
    slice, a tensor, None or Ellipsis is a tuple of indices. NumPy arrays never are."""
    if not isinstance(index, (list, range, str)) or len(index) >= 32:
        return False
    return any(isinstance(i, (Tensor, slice)) or i is None or i is Ellipsis or _is_sequence(i) for i in index)


def _specified_dims(items):
    """PyTorch's count of the dims an index names (what an Ellipsis leaves out): a bool or uint8
    tensor names its dims, every other item but None, Ellipsis, True and False one."""
    count = 0
    for it in items:
        if isinstance(it, Tensor):
            count += it._data.ndim if it._data.dtype.kind == "b" or it._data.dtype == np.uint8 else 1
        elif not (it is None or it is Ellipsis or it is True or it is False):
            count += 1
    return count


def sequence_to_index_array(seq):
    """A list (or other sequence) as PyTorch's indexing tensor: bool when it holds only bools,
    uint8 when it is a uint8 array, int64 otherwise (floats truncated, as PyTorch); PyTorch's
    ValueError for a ragged sequence, TypeError for strings."""
    if isinstance(seq, np.ndarray):
        a = seq.copy()  # the node keeps it: a later change by the user must not reach it
    else:
        if isinstance(seq, str) or _holds_string(seq):
            raise TypeError(f"new(): invalid data type 'str' in the index {seq!r}")
        try:
            a = np.array(_arrays_of(seq))
        except ValueError as e:
            raise ValueError(f"expected a rectangular sequence as an index: {e}") from None
    if a.dtype.kind == "b" or a.dtype == np.uint8:
        return a
    if a.dtype.kind not in "biuf":
        raise TypeError(f"an index sequence must hold numbers or bools, got dtype {a.dtype}")
    if a.dtype.kind == "u" and a.size and a.max() > _INT64_MAX or a.dtype.kind == "f" and a.size and (
            np.abs(a).max() >= 2.0 ** 63):
        raise ValueError("Overflow when unpacking long long: an index does not fit in int64")
    return a.astype(np.int64)


def _holds_string(seq):
    return any(isinstance(i, str) or (isinstance(i, (list, tuple)) and _holds_string(i)) for i in seq)


def _arrays_of(seq):
    """Nested sequences with Tensors (and ints beyond int64 refused) as NumPy can read them."""
    out = []
    for i in seq:
        if isinstance(i, Tensor):
            out.append(i._data)
        elif isinstance(i, (list, tuple, range)):
            out.append(_arrays_of(i))
        elif type(i) is int and not _INT64_MIN <= i <= _INT64_MAX:
            raise ValueError(f"Overflow when unpacking long long: the index {i} does not fit in int64")
        else:
            out.append(i)
    return out


class _Walk:
    """Step 1 of PyTorch's indexing, item by item: `pos` is the dim of the result so far the next
    item applies to (PyTorch's dim pointer), `src` the next dim of the input."""

    def __init__(self, shape):
        self.shape, self.ndim = shape, len(shape)
        self.basic, self.recorded, self.sources = [], [], []
        self.pos = self.src = 0
        self.last_op = None

    def run(self, items):
        specified = _specified_dims(items)
        if specified > self.ndim:
            raise IndexError(f"too many indices for tensor of dimension {self.ndim} (shape {self.shape})")
        for it in items:
            self.item(it, specified)
        return IndexExpression(tuple(self.basic), self.advanced(), tuple(self.sources), self.name())

    def item(self, it, specified):
        if self.src > self.ndim:
            raise IndexError(f"index {it!r} is out of bounds: the Ellipses already covered every dim "
                             f"of the tensor of dimension {self.ndim}")
        if it is None:
            self.basic.append(None)
            self.pos += 1
            self.last_op = "UnsqueezeBackward0"
        elif it is Ellipsis:
            skip = self.ndim - specified
            self.basic.extend([slice(None)] * max(0, min(skip, self.ndim - self.src)))
            self.src += skip
            self.pos += skip
        elif it is True or it is False:
            self.bool_scalar(it)
        elif isinstance(it, (int, np.integer)) and not isinstance(it, (bool, np.bool_)):
            self.select(_checked_int(it))
        elif isinstance(it, slice):
            self.slice(_checked_slice(it))
        elif isinstance(it, Tensor):
            self.array(it._data, it)
        elif _is_sequence(it):
            self.array(sequence_to_index_array(it), None)
        else:
            try:
                value = operator.index(it)
            except TypeError:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                                 f"are valid indices (got {type(it).__name__})") from None
            self.select(_checked_int(value))

    def consume(self, n=1):
        if self.src + n > self.ndim:
            raise IndexError(f"too many indices for tensor of dimension {self.ndim} (shape {self.shape})")
        self.src += n

    def select(self, i):
        if self.ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert a 0-dim "
                             "tensor to a number")
        self.consume()
        self.basic.append(i)
        self.last_op = "SelectBackward0"

    def slice(self, s):
        self.consume()
        size = self.shape[self.src - 1]
        self.basic.append(s)
        self.pos += 1
        if s.indices(size) != (0, size, 1):  # PyTorch skips a slice that keeps everything
            self.last_op = "SliceBackward0"

    def bool_scalar(self, value):
        self.basic.append(None)
        self.recorded.append((self.pos, np.zeros(1 if value else 0, np.int64), 1))
        self.pos += 1

    def array(self, a, tensor):
        kind = a.dtype.kind
        if kind == "b" or a.dtype == np.uint8:
            if a.dtype == np.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                              "instead.", UserWarning, stacklevel=user_stacklevel())
            if a.ndim == 0:
                self.bool_scalar(bool(a))
                return
            mask = a if kind == "b" else a.astype(bool)
            self.consume(a.ndim)
            self.basic.extend([slice(None)] * a.ndim)
            self.record(mask, a.ndim, tensor)
            return
        if kind in "iu" and a.ndim == 0:
            self.select(_checked_int(a))
            return
        if kind not in "iu" or (tensor is not None and a.dtype not in (np.int64, np.int32)):
            raise IndexError(f"tensors used as indices must be {_INDEX_DTYPES} tensors (got {a.dtype})")
        self.consume()
        self.basic.append(slice(None))
        self.record(a, 1, tensor)

    def record(self, a, width, tensor):
        self.recorded.append((self.pos, a, width))
        self.pos += width
        if tensor is not None:
            self.sources.append(tensor)

    def advanced(self):
        if not self.recorded:
            return None
        index, cursor = [], 0
        for pos, a, width in self.recorded:
            index.extend([slice(None)] * (pos - cursor))
            index.append(a)
            cursor = pos + width
        return tuple(index)

    def name(self):
        if self.recorded:
            return "IndexBackward0"
        return self.last_op or "AliasBackward0"
