"""The arguments of `Tensor.to(...)` and `Module.to(...)`, parsed as PyTorch parses them.

The forms (PyTorch's three overloads): `to(dtype, non_blocking=False, copy=False)`,
`to(device=None, dtype=None, non_blocking=False, copy=False)` and
`to(other, non_blocking=False, copy=False)`, each with the keyword `memory_format` (accepted; every
numbagrad result is C-contiguous or a view). A device is a `numbagrad.device`, a device string, an
int (an accelerator index) or None; a dtype is a numbagrad dtype or a Python type
(`float`, `int`, `bool`), as PyTorch accepts them.
"""
import builtins

from . import dtypes
from .device import device as _device

_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format")
_PYTHON_TYPES = (builtins.float, builtins.int, builtins.bool)


def _is_dtype(obj):
    return isinstance(obj, dtypes.dtype) or any(obj is t for t in _PYTHON_TYPES)


def _is_device(obj):
    return isinstance(obj, (str, _device)) or (isinstance(obj, builtins.int) and not isinstance(obj, builtins.bool))


def _invalid(args, kwargs, what):
    got = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return TypeError(f"{what}() received an invalid combination of arguments - got ({', '.join(got)}), but "
                     "expected one of: (device=None, dtype=None, non_blocking=False, copy=False), "
                     "(dtype, non_blocking=False, copy=False), (Tensor other, non_blocking=False, copy=False)")


def parse_to(args, kwargs, what="to"):
    """(device or None, dtype or None, non_blocking, copy) of a `.to(*args, **kwargs)` call;
    `device` is what was named (not yet checked), `dtype` a numbagrad dtype. TypeError for any
    other combination, as PyTorch."""
    from .tensor import Tensor
    unknown = [k for k in kwargs if k not in _KEYWORDS]
    if unknown:
        raise _invalid(args, kwargs, what)
    dev, dtype = kwargs.get("device"), kwargs.get("dtype")
    flags = [kwargs.get("non_blocking", False), kwargs.get("copy", False)]
    positional = list(args)
    if positional and isinstance(positional[0], Tensor):
        if "device" in kwargs or "dtype" in kwargs:
            raise _invalid(args, kwargs, what)
        other = positional.pop(0)
        dev, dtype = other.device, other.dtype
    elif positional and _is_dtype(positional[0]):
        if "device" in kwargs or "dtype" in kwargs:
            raise _invalid(args, kwargs, what)
        dtype = positional.pop(0)
    elif positional and (positional[0] is None or _is_device(positional[0])):
        if "device" in kwargs:
            raise _invalid(args, kwargs, what)
        dev = positional.pop(0)
        if positional and (positional[0] is None or _is_dtype(positional[0])):
            if "dtype" in kwargs:
                raise _invalid(args, kwargs, what)
            dtype = positional.pop(0)
    if len(positional) > 2 or not all(isinstance(p, builtins.bool) for p in positional):
        raise _invalid(args, kwargs, what)
    for k, p in enumerate(positional):
        if ("non_blocking", "copy")[k] in kwargs:
            raise _invalid(args, kwargs, what)
        flags[k] = p
    if dtype is not None and not _is_dtype(dtype):
        raise _invalid(args, kwargs, what)
    if dev is not None and not _is_device(dev):
        raise _invalid(args, kwargs, what)
    return dev, (None if dtype is None else dtypes.to_dtype(dtype)), builtins.bool(flags[0]), builtins.bool(flags[1])
