"""`default_collate` and `default_convert`: mirror `torch.utils.data.default_collate` / `default_convert`.

What a batch becomes depends on its first element, as in PyTorch:
- tensors are stacked along a new first dimension (dtypes promoted as `torch.stack` does);
  NumPy arrays are turned into tensors and stacked the same way;
- Python ints and bools, NumPy scalars: one tensor whose dtype is inferred over the whole batch as
  `torch.tensor(batch)` does (`[1, 2.5]` gives float32, never a truncated int64); Python floats:
  a float64 tensor;
- strings (and bytes) stay a list; dicts, namedtuples and sequences are collated field by field
  (a tuple of fields gives a list, as in PyTorch).

Mixed batches raise the exception type PyTorch raises, with a message that names the element:
a non-tensor among tensors, a string among numbers, a sequence among numbers: TypeError; tensors
or arrays of different shapes, sequences of different lengths: RuntimeError; None or another
object among ints: RuntimeError (PyTorch: "Could not infer dtype"); a dict without the first
dict's key: KeyError. An empty batch raises IndexError.

Differences from PyTorch: complex numbers and dtypes numbagrad lacks (uint16, ...) raise
TypeError; a NumPy bool among ints is accepted as a bool; namedtuples of different lengths raise
RuntimeError (PyTorch silently truncates to the shortest).
"""
import collections.abc

import numpy as np

from ...tensor import Tensor, _wrap
from ... import dtypes

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
_CONVERT_ERR = "default_convert: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
_INT64 = np.iinfo(np.int64)


def _check_np_dtype(dtype, msg):
    if dtype.kind in "OUSV" or dtype.kind not in "biuf":
        raise TypeError(msg.format(dtype))
    dtypes.from_numpy_dtype(dtype)


def _type_name(x):
    t = type(x)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def empty_batch_error():
    """The IndexError PyTorch's `default_collate` raises (as "list index out of range") for []."""
    return IndexError("default_collate: the batch is empty (a batch sampler yielded an empty batch?)")


# ---- tensors and arrays ---------------------------------------------------------------------
def _collate_tensors(batch, what="tensor"):
    for i, b in enumerate(batch):
        if not isinstance(b, Tensor):
            raise TypeError(f"default_collate: expected Tensor as element {i} in argument 0, but got "
                            f"{_type_name(b)} (element 0 is a {what})")
    if any(b.requires_grad for b in batch):
        from ... import stack
        return stack(batch)
    first = batch[0].shape
    dtype = batch[0].dtype
    for i, b in enumerate(batch):
        if b.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(b.shape)} at entry {i}")
        if b.dtype is not dtype:
            dtype = dtypes.promote_types(dtype, b.dtype)
    return _wrap(np.stack([b._data for b in batch]).astype(dtype.numpy, copy=False))


def _array_as_tensor(b):
    """`torch.as_tensor(b)` for an element of a batch whose first element is a NumPy array."""
    if isinstance(b, Tensor):
        return b
    if isinstance(b, np.ndarray):
        _check_np_dtype(b.dtype, _ERR)
        return _wrap(b)
    if isinstance(b, (str, bytes)):
        raise TypeError(f"default_collate: cannot collate a {type(b).__name__} with NumPy arrays")
    from ...factories import as_tensor
    return as_tensor(b)


# ---- numbers --------------------------------------------------------------------------------
def _number_dtype(x):
    """The dtype `torch.tensor([x])` infers for a scalar `x`, or None when `x` is not a real scalar."""
    if isinstance(x, np.generic):  # first: np.float64 is also a Python float
        return dtypes.from_numpy_dtype(x.dtype) if x.dtype.kind in "biuf" else None
    if isinstance(x, bool):
        return dtypes.bool_
    if isinstance(x, int):
        return dtypes.int64
    if isinstance(x, float):
        return dtypes.get_default_dtype()
    if isinstance(x, Tensor) and x.numel() == 1:
        return x.dtype
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biuf":
        return dtypes.from_numpy_dtype(x.dtype)
    return None


def _not_a_number(x, i, elem, forced):
    where = f"element {i} of the batch is {_type_name(x)}, but element 0 is a number ({_type_name(elem)})"
    if isinstance(x, Tensor):
        return ValueError(f"default_collate: {where}; only one-element tensors can be collated with numbers")
    if isinstance(x, np.ndarray):
        return TypeError(f"default_collate: {where}; only 0-dimensional arrays can be collated with numbers")
    if isinstance(x, (str, bytes, complex, np.complexfloating)) or forced is not None or (
            isinstance(x, collections.abc.Sequence)):
        return TypeError(f"default_collate: {where}; expected a real number")
    return RuntimeError(f"default_collate: could not infer dtype of {_type_name(x)} ({where})")


def _collate_numbers(batch, forced=None):
    """One tensor from a batch of scalars: dtype `forced`, or inferred as `torch.tensor(batch)`."""
    elem = batch[0]
    dtype = forced
    for i, x in enumerate(batch):
        d = _number_dtype(x)
        if d is None:
            raise _not_a_number(x, i, elem, forced)
        if forced is None:
            dtype = d if dtype is None else dtypes.promote_types(dtype, d)
    values = [x._data.reshape(()) if isinstance(x, Tensor) else x for x in batch]
    if dtype is dtypes.int64:
        for i, x in enumerate(values):
            if isinstance(x, int) and not _INT64.min <= x <= _INT64.max:
                raise ValueError(f"default_collate: element {i} of the batch, {x}, does not fit int64")
    return _wrap(np.array(values, dtype=dtype.numpy))


# ---- the entry points -----------------------------------------------------------------------
def default_collate(batch):
    """Mirrors `torch.utils.data.default_collate`: a list of samples -> one batch (see module doc)."""
    if not len(batch):
        raise empty_batch_error()
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, np.ndarray):
        _check_np_dtype(elem.dtype, _ERR)
        return _collate_tensors([_array_as_tensor(b) for b in batch], "NumPy array")
    if isinstance(elem, (np.bool_, np.number)):
        _check_np_dtype(elem.dtype, _ERR)
        return _collate_numbers(batch)
    if isinstance(elem, float):
        if all(type(x) is float for x in batch):
            return _wrap(np.array(batch, dtype=np.float64))
        return _collate_numbers(batch, dtypes.float64)
    if isinstance(elem, int):
        if all(type(x) is int for x in batch):
            try:
                return _wrap(np.array(batch, dtype=np.int64))
            except OverflowError:
                pass
        return _collate_numbers(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        if type(elem) is dict:
            return collated
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(samples) for samples in zip(*batch)]
        if _is_namedtuple(elem):
            return type(elem)(*transposed)
        if isinstance(elem, tuple) or type(elem) is list:
            return transposed
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Mirrors `torch.utils.data.default_convert` (used when `batch_size=None`): NumPy arrays and
    NumPy scalars become tensors, containers are converted element-wise (a tuple gives a list, as
    in PyTorch), everything else is returned unchanged."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "OUSV":
            return data
        _check_np_dtype(data.dtype, _CONVERT_ERR)
        return _wrap(data)
    if isinstance(data, np.generic) and data.dtype.kind in "biuf":
        return _wrap(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        if type(data) is dict:
            return converted
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple) or type(data) is list:
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
