"""Helpers shared by the ops: argument checks, dtype promotion, dims, allocation errors."""
import math

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap, _wrap_dim

_NUMBER = (int, float, bool, np.number, np.bool_)


def wrap_dim(dim, ndim, op):
    """A dim in [0, ndim), or IndexError naming the op, as PyTorch's dim wrapping."""
    return _wrap_dim(dim, ndim, op)


def wrap_dims(dim, ndim, op):
    """A sorted tuple of dims from an int, a tuple/list of ints, or None (all dims)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(_wrap_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (_wrap_dim(dim, ndim, op),)


def check_tensor(x, op, name="input"):
    """x itself when it is a Tensor, else PyTorch's TypeError naming the op and the argument."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def as_operand(x, op):
    """A Tensor or a Python/NumPy scalar, as PyTorch's binary ops accept (OverflowError for an
    int beyond 64 bits, as PyTorch)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, _NUMBER):
        if isinstance(x, (np.number, np.bool_)):
            x = x.item()
        if type(x) is int and not -0x8000000000000000 <= x <= 0xFFFFFFFFFFFFFFFF:
            dtypes.check_int64(x, op)
        return x
    if isinstance(x, np.ndarray):
        return _wrap(x)
    raise TypeError(f"{op}(): unsupported operand type {type(x).__name__}; expected a Tensor or a number")


def cast(x, d):
    """x (Tensor) as dtype d, differentiably; x itself when it already is."""
    if x._data.dtype == d.numpy:
        return x
    from .pointwise import to_dtype
    return to_dtype(x, d)


def promote(a, b, op):
    """(a, b, result dtype) with integer/bool tensors cast up to a floating result, as PyTorch."""
    a = as_operand(a, op)
    b = as_operand(b, op)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype:
                return a, b, None
        elif a._data.dtype.kind == "f" and not isinstance(b, bool):
            return a, b, None
    elif isinstance(b, Tensor) and b._data.dtype.kind == "f" and not isinstance(a, bool):
        return a, b, None
    result = dtypes.result_type(a, b)
    if result._category == 1:
        if not isinstance(a, Tensor):
            a = _int_scalar_operand(a, b, result, op)
        elif not isinstance(b, Tensor):
            b = _int_scalar_operand(b, a, result, op)
    if isinstance(a, Tensor) and a._data.dtype != result.numpy:
        a = cast(a, result)
    if isinstance(b, Tensor) and b._data.dtype != result.numpy:
        b = cast(b, result)
    return a, b, result


def _int_scalar_operand(value, other, result, op):
    """A Python int operand of an integer op, wrapped into the result dtype as PyTorch does
    (NumPy 2 raises OverflowError instead): int8 * 1000 multiplies by -24, int32 | 0xFFFFFFFF
    ors with -1. An int in [2**63, 2**64) is a uint64 to PyTorch, which no bool tensor promotes with."""
    if type(value) is not int:
        return value
    if value > 0x7FFFFFFFFFFFFFFF and isinstance(other, Tensor) and other._data.dtype.kind == "b":
        raise RuntimeError(f"{op}: Promotion for uint16, uint32, uint64 types is not supported, attempted "
                           f"to promote Bool and UInt64 (the Python int {value} does not fit in int64)")
    return dtypes.wrap_int(value, result)


def broadcast_error(op, a, b):
    """PyTorch's RuntimeError for shapes that do not broadcast, naming the first bad dim."""
    sa = tuple(np.shape(a._data if isinstance(a, Tensor) else a))
    sb = tuple(np.shape(b._data if isinstance(b, Tensor) else b))
    ra, rb = sa[::-1], sb[::-1]
    for i in range(min(len(ra), len(rb))):
        if ra[i] != rb[i] and ra[i] != 1 and rb[i] != 1:
            dim = max(len(sa), len(sb)) - 1 - i
            return RuntimeError(
                f"{op}: The size of tensor a ({ra[i]}) must match the size of tensor b ({rb[i]}) at "
                f"non-singleton dimension {dim} (shapes {sa} and {sb})")
    return RuntimeError(f"{op}: shapes {sa} and {sb} cannot be broadcast together")


def torch_sign(a):
    """PyTorch's sign of an array: -1, 0 or 1 in a's dtype, and 0 at NaN (NumPy gives NaN).

    It is also the derivative PyTorch uses for abs, l1-type losses and the 1-norm, so a NaN input
    gets a zero gradient there, as in PyTorch."""
    s = np.sign(a)
    if a.dtype.kind == "f":
        s = np.where(s != s, np.zeros((), a.dtype), s) + np.zeros((), a.dtype)  # NaN -> 0, -0.0 -> 0
    return s


def to_float(x):
    """x cast to a floating dtype when it is integer or bool (for exp, sqrt, mean, ...)."""
    if x._data.dtype.kind == "f":
        return x
    return cast(x, dtypes.get_default_dtype())


def shape_arg(args, op):
    """Normalise `f(2, 3)` / `f((2, 3))` / `f([2, 3])` / `f(Size)` to a tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}(): shape must be a sequence of ints, got {type(a).__name__}")
        out.append(int(a))
    return tuple(out)


def named(out, name):
    """Give `out`'s graph node the name PyTorch prints for this op (when there is a node)."""
    if out.grad_fn is not None:
        out.grad_fn.backward_name = name
    return out


def run_in_float32_if_half(op_class, x, *args, **params):
    """`op_class.apply(x, *args, **params)`; a float16 x is computed in float32 and rounded back,
    as the numba kernels have no half-precision loops (PyTorch's CPU kernels upcast half too)."""
    if x._data.dtype != np.float16:
        return op_class.apply(x, *args, **params)
    from .pointwise import to_dtype
    return to_dtype(op_class.apply(to_dtype(x, dtypes.float32), *args, **params), dtypes.float16)


# ---- allocations of user-given sizes ---------------------------------------------------------------
_INT64_LIMIT = 1 << 63


def _human_bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.2f} {unit}"
        n /= 1024


def out_of_memory(op, shape, dtype):
    """PyTorch's RuntimeError for an allocation that cannot be made, naming the op, the shape, the
    dtype and the bytes asked for (PyTorch: '... DefaultCPUAllocator: not enough memory ...')."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    return RuntimeError(f"{op}: not enough memory: you tried to allocate {nbytes} bytes "
                        f"({_human_bytes(nbytes)}) for a tensor of shape {list(shape)} and dtype {dtype}")


def check_allocation(op, shape, dtype, user_sizes=True):
    """Cheap checks of a shape before anything is allocated: TypeError for a size given by the
    user that does not fit int64 (PyTorch cannot parse it) and RuntimeError when the bytes overflow
    int64 (PyTorch's 'Storage size calculation overflowed')."""
    for s in shape:
        if s >= _INT64_LIMIT and user_sizes:
            raise TypeError(f"{op}(): argument 'size' failed to unpack: {s} does not fit in int64 "
                            f"(size {list(shape)})")
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes >= _INT64_LIMIT:
        raise RuntimeError(f"{op}: storage size calculation overflowed: a tensor of shape {list(shape)} "
                           f"and dtype {np.dtype(dtype)} needs {nbytes} bytes")


def allocate(op, shape, dtype, make):
    """`make()` (which allocates an array of `shape` and `dtype`), with NumPy's MemoryError and its
    'array is too big' errors turned into PyTorch's errors naming the op and the bytes (see
    `check_allocation`, run only once NumPy has failed, so the success path is a bare call).
    The one place user-given sizes are allocated (factories, repeat, copies of expanded views)."""
    try:
        return make()
    except MemoryError:
        raise out_of_memory(op, shape, dtype) from None
    except (ValueError, OverflowError) as e:
        check_allocation(op, shape, dtype)
        if isinstance(e, ValueError) and is_too_big(e):
            raise out_of_memory(op, shape, dtype) from None
        raise


def is_too_big(error):
    """Whether a ValueError from NumPy means an array too big to allocate."""
    return "too big" in str(error) or "Maximum allowed dimension" in str(error)


def memory_error(op, error):
    """The RuntimeError for a NumPy MemoryError raised while computing `op` (NumPy names the shape
    and dtype it failed to allocate)."""
    shape = getattr(error, "shape", None)
    dtype = getattr(error, "dtype", None)
    if shape is None or dtype is None:
        return RuntimeError(f"{op}: not enough memory: {error}")
    return out_of_memory(op, tuple(shape), dtype)
