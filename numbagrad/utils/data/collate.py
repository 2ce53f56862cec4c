"""`default_collate` and `default_convert`: mirror `torch.utils.data.default_collate` / `default_convert`.

Tensors are stacked along a new first dimension; NumPy arrays become tensors of their own dtype
and are stacked; Python ints give an int64 tensor, Python floats a float64 tensor, bools a bool
tensor; NumPy scalars keep their dtype; strings stay a list; dicts, namedtuples and sequences are
collated field by field (a tuple of fields gives a list, as in PyTorch).
"""
import collections.abc

import numpy as np

from ...tensor import Tensor, _wrap
from ... import dtypes

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
_CONVERT_ERR = "default_convert: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _check_np_dtype(dtype, msg):
    if dtype.kind in "OUSV" or dtype.kind not in "biuf":
        raise TypeError(msg.format(dtype))
    dtypes.from_numpy_dtype(dtype)


def _stack(arrays):
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(a.shape)} at entry {i}")
    return _wrap(np.stack(arrays))


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_collate(batch):
    """Mirrors `torch.utils.data.default_collate`: a list of samples -> one batch (see module doc)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(b.requires_grad for b in batch):
            from ... import stack
            return stack(batch)
        return _stack([b._data for b in batch])
    if isinstance(elem, np.ndarray):
        _check_np_dtype(elem.dtype, _ERR)
        if elem.ndim == 0:
            return _wrap(np.array([b for b in batch], dtype=elem.dtype))
        return _stack([np.asarray(b) for b in batch])
    if isinstance(elem, np.generic):
        _check_np_dtype(elem.dtype, _ERR)
        return _wrap(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return _wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return _wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return _wrap(np.array(batch, dtype=np.float64))
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
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
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
