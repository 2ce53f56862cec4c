"""Argument helpers shared by the convolution, pooling and padding functions: PyTorch's int-or-tuple
arguments, its size formatting and the dtype rules of the convolution family."""
import numpy as np

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_SCALAR_NAMES = {np.dtype(np.float16): "Half", np.dtype(np.float32): "Float",
                 np.dtype(np.float64): "Double", np.dtype(np.int64): "Long", np.dtype(np.int32): "Int",
                 np.dtype(np.int16): "Short", np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
                 np.dtype(np.bool_): "Bool"}


def ntuple(value, n, name):
    """`value` as a tuple of `n` ints: an int is repeated, a sequence must have 1 or `n` ints
    (PyTorch's `_pair` / `_single` with its errors)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)):
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
        if len(value) == 1:
            return (int(value[0]),) * n
        if len(value) == n:
            return tuple(int(v) for v in value)
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to "
                           f"match the convolution dimensions, but got {name}={list(value)}")
    raise TypeError(f"{name} must be an int or a tuple of ints, not {type(value).__name__}")


def size_list(shape):
    """PyTorch's way of printing a size in messages: [2, 3, 5, 5]."""
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def check_conv_dtypes(op, input, weight, bias=None):
    """Floating input, and weight and bias of the input's dtype (RuntimeError otherwise)."""
    d = input._data.dtype
    if d not in _FLOATS:
        raise RuntimeError(f"{op}: expected a floating point input (float16, float32 or float64), "
                           f"got {input.dtype}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.dtype != d:
            raise RuntimeError(f"{op}: expected scalar type {_SCALAR_NAMES.get(d, d)} but found "
                               f"{_SCALAR_NAMES.get(t._data.dtype, t._data.dtype)} ({name} is "
                               f"{t.dtype}, input is {input.dtype})")


def check_float_input(op, input, kernel=None):
    """A floating input: otherwise PyTorch's NotImplementedError naming its CPU `kernel` when
    PyTorch has no integer kernel either, else a RuntimeError naming the op."""
    if input._data.dtype not in _FLOATS:
        if kernel is not None:
            d = input._data.dtype
            raise NotImplementedError(f"{op}: \"{kernel}\" not implemented for '{_SCALAR_NAMES.get(d, d)}'")
        raise RuntimeError(f"{op}: expected a floating point input (float16, float32 or float64), "
                           f"got {input.dtype}")
