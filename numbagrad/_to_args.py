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
from .tensor import Tensor  # (imported by tensor.py once the class exists)

_KEYWORDS = frozenset(("device", "dtype", "non_blocking", "copy", "memory_format"))
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
    if len(args) == 1 and (not kwargs or kwargs.keys() <= _FLAGS):
        kind = type(args[0])  # the common calls, x.to(device) and x.to(dtype), in a few comparisons
        if kind is str or kind is _device:
            return args[0], None, bool(kwargs.get("non_blocking")), bool(kwargs.get("copy"))
        if kind is dtypes.dtype:
            return None, args[0], bool(kwargs.get("non_blocking")), bool(kwargs.get("copy"))
    return _parse_general(args, kwargs, what)


_FLAGS = frozenset(("non_blocking", "copy", "memory_format"))


def _parse_general(args, kwargs, what):
    for k in kwargs:
        if k not in _KEYWORDS:
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
    if len(positional) > 2:
        raise _invalid(args, kwargs, what)
    for k, p in enumerate(positional):
        if type(p) is not builtins.bool or ("non_blocking", "copy")[k] in kwargs:
            raise _invalid(args, kwargs, what)
        flags[k] = p
    if dtype is not None and not _is_dtype(dtype):
        raise _invalid(args, kwargs, what)
    if dev is not None and not _is_device(dev):
        raise _invalid(args, kwargs, what)
    return dev, (None if dtype is None else dtypes.to_dtype(dtype)), builtins.bool(flags[0]), builtins.bool(flags[1])
