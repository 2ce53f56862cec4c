"""Index batches for the vectorized loading path: strict conversion and a bounds-checked gather.

PyTorch's `DataLoader` indexes the dataset once per element of a batch (`dataset[i]`), so what an
index means is decided by the dataset's indexing. The vectorized path gathers a whole batch with
one NumPy fancy-index instead; it may do so only for elements whose meaning is "this integer
position": Python ints (also int subclasses such as IntEnum, never bool), NumPy integer scalars,
and 0-d signed-integer tensors or arrays. Anything else -- floats, strings, bools, None, NumPy
floats, float or uint8 or bool tensors (masks in PyTorch), tensors with dimensions -- makes
`index_array` return None, and the caller indexes element by element, so the dataset raises (or
answers) exactly as it would in PyTorch. Nothing is ever truncated to an integer.
"""
import numpy as np

from ...tensor import Tensor

_INT64_MAX = np.iinfo(np.int64).max


def index_array(batch):
    """`batch` (a list, tuple, array or 1-d tensor of indices) as a 1-d int64 array, or None when
    some element is not an integer index (see the module docstring) or does not fit int64."""
    if isinstance(batch, np.ndarray):
        return _array_indices(batch, batch.ndim == 1 and batch.dtype.kind in "iu")
    if isinstance(batch, Tensor):  # its elements are 0-d tensors: integers only when signed
        return _array_indices(batch._data, batch.dim() == 1 and batch._data.dtype.kind == "i")
    if type(batch) is not list:
        batch = list(batch)
    if all(type(i) is int for i in batch):
        return _int_list(batch)
    converted = []
    for i in batch:
        value = _integer_value(i)
        if value is None:
            return None
        converted.append(value)
    return _int_list(converted)


def _array_indices(arr, integer):
    if not integer:
        return None
    if arr.dtype == np.uint64 and arr.size and arr.max() > _INT64_MAX:
        return None
    return arr.astype(np.int64)  # a copy: later changes to the caller's array cannot reach it


def _int_list(values):
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return None


def _integer_value(i):
    if isinstance(i, (int, np.integer)) and not isinstance(i, bool):
        return int(i)
    if isinstance(i, Tensor):
        i = i._data
    if isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind == "i":
        return int(i)
    return None


def gather(array, idx):
    """`array[idx]` along the first dimension; an index out of range raises IndexError with
    PyTorch's message ("index 10 is out of bounds for dimension 0 with size 10")."""
    try:
        return array[idx]
    except IndexError:
        size = array.shape[0]
        bad = idx[(idx >= size) | (idx < -size)]
        if bad.size == 0:
            raise
        raise IndexError(f"index {int(bad[0])} is out of bounds for dimension 0 with size {size}") from None
