"""Comparisons and logical ops (no gradient): eq ne lt le gt ge, logical_*, bitwise_*, isnan,
isinf, isfinite, equal, allclose, isclose. Each mirrors the `torch` function of the same name."""
import numpy as np

from ..tensor import Tensor, _wrap
from ._util import promote, broadcast_error, check_tensor


def _values(a, b, op):
    a, b, _ = promote(a, b, op)
    av = a._data if isinstance(a, Tensor) else a
    bv = b._data if isinstance(b, Tensor) else b
    return a, b, av, bv


def _compare(np_fn, a, b, op):
    a, b, av, bv = _values(a, b, op)
    try:
        return _wrap(np.asarray(np_fn(av, bv)))
    except ValueError:
        raise broadcast_error(op, a, b) from None


def eq(input, other):
    """Mirrors `torch.eq` (also `==`)."""
    return _compare(np.equal, input, other, "eq")


def ne(input, other):
    """Mirrors `torch.ne` (also `!=`)."""
    return _compare(np.not_equal, input, other, "ne")


def lt(input, other):
    """Mirrors `torch.lt` (also `<`)."""
    return _compare(np.less, input, other, "lt")


def le(input, other):
    """Mirrors `torch.le` (also `<=`)."""
    return _compare(np.less_equal, input, other, "le")


def gt(input, other):
    """Mirrors `torch.gt` (also `>`)."""
    return _compare(np.greater, input, other, "gt")


def ge(input, other):
    """Mirrors `torch.ge` (also `>=`)."""
    return _compare(np.greater_equal, input, other, "ge")


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_and(input, other):
    """Mirrors `torch.logical_and`."""
    return _compare(np.logical_and, input, other, "logical_and")


def logical_or(input, other):
    """Mirrors `torch.logical_or`."""
    return _compare(np.logical_or, input, other, "logical_or")


def logical_xor(input, other):
    """Mirrors `torch.logical_xor`."""
    return _compare(np.logical_xor, input, other, "logical_xor")


def logical_not(input):
    """Mirrors `torch.logical_not`."""
    return _wrap(np.logical_not(check_tensor(input, "logical_not")._data))


def _bitwise(np_fn, a, b, op):
    a, b, av, bv = _values(a, b, op)
    for v in (av, bv):
        if np.asarray(v).dtype.kind == "f":
            raise TypeError(f"{op}: bitwise ops are only defined for integer and bool tensors")
    try:
        return _wrap(np.asarray(np_fn(av, bv)))
    except ValueError:
        raise broadcast_error(op, a, b) from None


def bitwise_and(input, other):
    """Mirrors `torch.bitwise_and` (also `&`)."""
    return _bitwise(np.bitwise_and, input, other, "bitwise_and")


def bitwise_or(input, other):
    """Mirrors `torch.bitwise_or` (also `|`)."""
    return _bitwise(np.bitwise_or, input, other, "bitwise_or")


def bitwise_xor(input, other):
    """Mirrors `torch.bitwise_xor` (also `^`)."""
    return _bitwise(np.bitwise_xor, input, other, "bitwise_xor")


def bitwise_not(input):
    """Mirrors `torch.bitwise_not` (also `~`)."""
    x = check_tensor(input, "bitwise_not")
    if x._data.dtype.kind == "f":
        raise TypeError("bitwise_not: only integer and bool tensors are supported")
    return _wrap(np.invert(x._data))


def isnan(input):
    """Mirrors `torch.isnan`."""
    return _wrap(np.isnan(check_tensor(input, "isnan")._data))


def isinf(input):
    """Mirrors `torch.isinf`."""
    return _wrap(np.isinf(check_tensor(input, "isinf")._data))


def isfinite(input):
    """Mirrors `torch.isfinite`."""
    return _wrap(np.isfinite(check_tensor(input, "isfinite")._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Mirrors `torch.isclose`."""
    a, b, av, bv = _values(input, other, "isclose")
    return _wrap(np.isclose(av, bv, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Mirrors `torch.allclose`: a Python bool."""
    return bool(np.all(isclose(input, other, rtol, atol, equal_nan)._data))


def equal(input, other):
    """Mirrors `torch.equal`: same shape and same values (a Python bool)."""
    a = check_tensor(input, "equal")
    b = check_tensor(other, "equal", "other")
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))
