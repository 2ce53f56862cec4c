"""Index tensors turned into positions, for the scatter, index_* and take ops.

Each op checks its index here before anything reads or writes memory with it: dtype, shape and
range, raising the exception PyTorch raises for that op (PyTorch is not consistent: scatter says
RuntimeError where index_copy says IndexError, so the caller names the exception). The positions
returned are new arrays, so a node that keeps them for backward is unaffected by a later in-place
change to the index tensor.
"""
import numpy as np

from ..tensor import Tensor

_INT_NAMES = {"int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
              "bool": "Bool", "float16": "Half", "float32": "Float", "float64": "Double"}


def scalar_type_name(array):
    """PyTorch's name of an array's dtype as its messages print it (Long, Float, ...)."""
    return _INT_NAMES.get(array.dtype.name, array.dtype.name)


def index_array(index, op, allowed, message, error=RuntimeError, name="index"):
    """The NumPy array of `index`, a Tensor of one of the dtypes `allowed` (NumPy names), else
    `error(message)`; a non-Tensor index is PyTorch's TypeError."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(index).__name__}")
    array = index._data
    if array.dtype.name not in allowed:
        raise error(message.format(got=scalar_type_name(array)))
    return array


def check_range(idx, size, dim, op_prefix="", error=RuntimeError, negative=False):
    """Every index in [0, size) (in [-size, size) when `negative`), else PyTorch's "index i is out
    of bounds for dimension d with size n" naming the first offending index."""
    if not idx.size:
        return
    low = -size if negative else 0
    lo, hi = idx.min(), idx.max()
    if lo < low or hi >= size:
        bad = idx.reshape(-1)[np.argmax(((idx < low) | (idx >= size)).reshape(-1))]
        raise error(f"{op_prefix}index {bad} is out of bounds for dimension {dim} with size {size}")


def c_strides(shape):
    """The C-order strides of `shape`, in elements."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


def along_dim_positions(shape, dim, idx):
    """Flat (C-order) positions, in an array of `shape`, of the elements an index tensor of
    scatter/gather form addresses: element `i` of `idx` (an array of idx.ndim == len(shape), in
    range) stands for position `i` with coordinate `dim` replaced by `idx[i]`. One position per
    element of `idx`, in C order, as a new 1-D intp array."""
    strides = c_strides(shape)
    pos = idx.astype(np.intp) * strides[dim]
    for d in range(idx.ndim):
        if d != dim and idx.shape[d] > 1:
            step = np.arange(idx.shape[d], dtype=np.intp) * strides[d]
            pos += step.reshape((-1,) + (1,) * (idx.ndim - d - 1))
    return pos.reshape(-1)

