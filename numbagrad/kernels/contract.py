"""The contracts of the kernels, checked in Python in front of every kernel call.

numba does not check bounds: a kernel handed an `out` shorter than its input, a 0-d state array
or a class index past the end reads or writes memory it does not own, and the interpreter
crashes (or, worse, a number is silently wrong). So each public kernel of this package is a plain
Python function that states its contract in its docstring, checks it with the helpers below, and
only then calls the jitted loop, which is private (a leading underscore) and never called from
outside its module. `tests/test_kernel_contracts.py` holds every public kernel to this.

The checks are cheap comparisons of shapes, dtypes and flags (about a microsecond a call), never
copies. Indices read by a kernel (class labels) are also checked inside the loop, at the moment
they are read, so that an index changed after the op layer validated it still cannot escape.

A failed check means the caller — numbagrad's own op layer, which validates the user's input
first and raises PyTorch's errors — broke the contract: `KernelContractError`, a RuntimeError.
"""
import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class KernelContractError(RuntimeError):
    """A kernel was called with arrays that break its stated contract (a bug in the caller)."""


def _describe(a):
    if not isinstance(a, np.ndarray):
        return type(a).__name__
    layout = "C-contiguous" if a.flags.c_contiguous else "non-contiguous"
    return f"{a.dtype} array of shape {a.shape}, {layout}{'' if a.flags.writeable else ', read-only'}"


def _fail(kernel, name, a, expected):
    raise KernelContractError(
        f"kernel {kernel}: argument '{name}' must be {expected}, got {_describe(a)}")


def check_float_array(kernel, name, a, ndim, dtype=None, writable=False):
    """`a` is a C-contiguous float32/float64 array with `ndim` dims (and `dtype` when given)."""
    if (type(a) is not np.ndarray or a.ndim != ndim or not a.flags.c_contiguous
            or a.dtype not in FLOAT_DTYPES or (dtype is not None and a.dtype != dtype)
            or (writable and not a.flags.writeable)):
        what = f"a {ndim}-D C-contiguous {dtype if dtype is not None else 'float32/float64'} array"
        _fail(kernel, name, a, what + (" (writable)" if writable else ""))


def check_same_flat(kernel, names, arrays, writable=()):
    """Every array is 1-D, C-contiguous, of the first one's float dtype and size; the arrays
    named in `writable` are writable."""
    if not _all_alike(arrays, 1, names, writable):
        _explain_alike(kernel, names, arrays, 1, writable)


def check_same_matrices(kernel, names, arrays, writable=()):
    """Every array is 2-D, C-contiguous, of the first one's float dtype and shape; the arrays
    named in `writable` are writable."""
    if not _all_alike(arrays, 2, names, writable):
        _explain_alike(kernel, names, arrays, 2, writable)


def _all_alike(arrays, ndim, names, writable):
    """The fast yes/no of check_same_flat and check_same_matrices (a few attribute reads each)."""
    first = arrays[0]
    if type(first) is not np.ndarray or first.dtype not in FLOAT_DTYPES or first.ndim != ndim:
        return False
    shape, dtype = first.shape, first.dtype
    for name, a in zip(names, arrays):
        if type(a) is not np.ndarray or a.shape != shape or a.dtype != dtype:
            return False
        flags = a.flags
        if not flags.c_contiguous or (name in writable and not flags.writeable):
            return False
    return True


def _explain_alike(kernel, names, arrays, ndim, writable):
    """Raise the KernelContractError naming the first argument that is not like the first."""
    first = arrays[0]
    check_float_array(kernel, names[0], first, ndim, writable=names[0] in writable)
    for name, a in zip(names[1:], arrays[1:]):
        check_float_array(kernel, name, a, ndim, first.dtype, writable=name in writable)
        if a.shape != first.shape:
            _fail(kernel, name, a, f"of shape {first.shape} (the shape of '{names[0]}')")


def check_vector(kernel, name, a, size, dtype, writable=False):
    """`a` is a 1-D C-contiguous array of `dtype` with `size` elements."""
    if (type(a) is not np.ndarray or a.ndim != 1 or a.shape[0] != size or a.dtype != dtype
            or not a.flags.c_contiguous or (writable and not a.flags.writeable)):
        _fail(kernel, name, a, f"a 1-D C-contiguous {np.dtype(dtype)} array of size {size}"
              + (" (writable)" if writable else ""))


def check_state(kernel, name, a, used, size, dtype):
    """An optimizer state array: writable with `size` elements of `dtype` when the configuration
    `used` it, else any 1-D C-contiguous array of that dtype (the kernel does not touch it)."""
    if used:
        check_vector(kernel, name, a, size, dtype, writable=True)
    else:
        check_float_array(kernel, name, a, 1, dtype)
