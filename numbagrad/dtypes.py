"""dtype objects (`numbagrad.float32`, ...) and PyTorch's type-promotion rules.

Mirrors `torch.dtype`. Each dtype wraps a NumPy dtype; tensors store NumPy arrays of that dtype.
"""
import math

import numpy as np


class dtype:
    """Mirrors `torch.dtype`: `numbagrad.float32` prints as `numbagrad.float32`."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name, numpy_dtype, category):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = category == 2
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize
        self._category = category  # 0 bool, 1 integer, 2 floating

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "numbagrad." + self.name

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64,
                 "int": int32, "short": int16})

_default_float = float32


def get_default_dtype():
    """Mirrors `torch.get_default_dtype`."""
    return _default_float


def set_default_dtype(d):
    """Mirrors `torch.set_default_dtype`: only float32 and float64 are accepted."""
    global _default_float
    d = to_dtype(d)
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(np_dtype):
    """The numbagrad dtype of a NumPy dtype; TypeError for unsupported ones (complex, object...)."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype) if _is_np_dtype(np_dtype) else np_dtype}. "
            "The only supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def _is_np_dtype(x):
    try:
        np.dtype(x)
        return True
    except TypeError:
        return False


def to_dtype(d):
    """Accept a numbagrad dtype, a NumPy dtype/type, a Python type (float, int, bool) or a name.
    As in PyTorch, the Python type `float` is float64 whatever the default dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"expected a numbagrad dtype, got {d!r}") from None


def _python_scalar_category(x):
    if isinstance(x, (bool, np.bool_)):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    return 2


def _category_default(category):
    return (bool_, int64, _default_float)[category]


def promote_types(a, b):
    """Mirrors `torch.promote_types` for the supported dtypes."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 1 and a.is_signed != b.is_signed:
        # uint8 with a signed integer: the smallest signed type holding both.
        signed = a if a.is_signed else b
        return int16 if signed.itemsize == 1 else signed
    return a if a.itemsize >= b.itemsize else b


def result_type(*operands):
    """Mirrors `torch.result_type`: the dtype of an op over tensors and Python scalars.

    Dimensioned tensors decide first; a zero-dim tensor or a scalar only moves the result up to a
    higher category (bool < integer < floating), as in PyTorch.
    """
    dim_type = zero_type = None
    scalar_cat = -1
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim_type = d if dim_type is None else promote_types(dim_type, d)
            else:
                zero_type = d if zero_type is None else promote_types(zero_type, d)
        else:
            scalar_cat = max(scalar_cat, _python_scalar_category(x))
    result = dim_type
    if zero_type is not None and (result is None or zero_type._category > result._category):
        result = zero_type
    if scalar_cat >= 0 and (result is None or scalar_cat > result._category):
        result = _category_default(scalar_cat)
    return result


# ---- Python scalars against a dtype's range ---------------------------------------------------
INT64_MIN, UINT64_MAX = -(1 << 63), (1 << 64) - 1


def check_int64(value, op):
    """OverflowError, as PyTorch's scalar parsing, for a Python int that fits neither int64 nor
    uint64 (PyTorch reads [2**63, 2**64) as uint64 and wraps it)."""
    if not INT64_MIN <= value <= UINT64_MAX:
        raise OverflowError(f"{op}: int too big to convert: {value} does not fit in 64 bits")
    return value


def wrap_int(value, d):
    """A Python int wrapped into integer dtype d's range modulo 2**bits, as PyTorch casts a Python
    scalar operand to an integer tensor's dtype (uint8 + 300 adds 44)."""
    bits = 8 * d.itemsize
    if d.is_signed:
        half = 1 << (bits - 1)
        return (value + half) % (1 << bits) - half
    return value % (1 << bits)


def check_scalar_fits(value, d, op):
    """`value` itself, or RuntimeError when PyTorch's checked conversion of a Python scalar to
    dtype d overflows (fill_, full, clamp bounds, where, an integer pow exponent, alpha).

    As in PyTorch (c10::overflows): integers must lie in d's range, except that an unsigned dtype
    also takes negatives down to -max (they wrap); floats converted to an integer dtype must lie
    in its range and not be NaN or inf; floats converted to float16/float32 must not exceed its
    finite range (inf and NaN are kept)."""
    if isinstance(value, (bool, np.bool_)) or d is bool_:
        return value
    if isinstance(value, (int, np.integer)):
        value = int(value)
        check_int64(value, op)
        if d._category == 2:
            return value
        info = np.iinfo(d.numpy)
        low = -int(info.max) if not d.is_signed else int(info.min)
        bad = value < low or value > int(info.max)
    else:
        v = float(value)
        if d._category == 2:
            bad = d is not float64 and math.isfinite(v) and abs(v) > float(np.finfo(d.numpy).max)
        else:
            info = np.iinfo(d.numpy)
            bad = not (info.min <= v <= info.max)  # False for NaN too
    if bad:
        raise RuntimeError(f"{op}: value {value} cannot be converted to type {d.name} without overflow")
    return value
