"""PyTorch's legacy tensor types: `numbagrad.FloatTensor`, `LongTensor`, ... and the type strings.

Mirrors `torch.FloatTensor` & co. (and `torch.cuda.FloatTensor` & co. of a CPU-only build):
- as constructors: `FloatTensor([1, 2])` copies data into the type's dtype, `LongTensor(3)` /
  `FloatTensor(2, 3)` / `FloatTensor(torch.Size([2, 3]))` allocate uninitialised memory of that
  size, `FloatTensor()` is empty, `FloatTensor(t)` of a tensor of that dtype is an alias of t
  (sharing memory, gradients flowing back); `device=` may only name the CPU;
- as `isinstance` targets: a tensor is an instance of the type of its dtype (not subclasses of
  `Tensor`: `issubclass(FloatTensor, Tensor)` is False, as in PyTorch);
- as targets of `x.type(FloatTensor)` / `x.type("torch.FloatTensor")`.

The type strings are PyTorch's: `x.type()` and `typename(x)` return "torch.FloatTensor", not
"numbagrad.FloatTensor", so that scripts comparing `x.type() == "torch.FloatTensor"` run
unchanged; `x.type()` accepts "numbagrad.FloatTensor" as well. The classes themselves live in
numbagrad (`repr(numbagrad.FloatTensor)` is "<class 'numbagrad.FloatTensor'>").
`torch.cuda.FloatTensor` & co. exist and fail when used, as in PyTorch's CPU-only build.
"""
import warnings

import numpy as np

from . import dtypes
from .device import as_device
from .tensor import Tensor, Size, _init, _wrap

# PyTorch's legacy name of each dtype numbagrad has.
_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
          "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
          "bool": "BoolTensor"}
_NOT_COMPILED = "Torch not compiled with CUDA enabled (numbagrad runs on the CPU only)"


def type_name(np_dtype):
    """PyTorch's legacy type string of a NumPy dtype: float32 -> "torch.FloatTensor"."""
    name = np.dtype(np_dtype).name
    return "torch." + _NAMES.get(name, name)


def typename(obj):
    """Mirrors `torch.typename(obj)`: "torch.FloatTensor" for a float32 tensor (and for the type
    `FloatTensor`), else the object's module-qualified class name ("int" for builtins)."""
    if isinstance(obj, Tensor):
        return type_name(obj._data.dtype)
    if isinstance(obj, LegacyTensorType):
        return obj.type_string
    cls = type(obj)
    module = cls.__module__
    if module in ("builtins", None):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


class LegacyTensorType(type):
    """The type of `FloatTensor` & co. (PyTorch's `torch.tensortype`): calling one constructs a
    tensor of its dtype; `isinstance(t, FloatTensor)` checks t's dtype."""

    def __call__(cls, *args, device=None, **kwargs):
        if cls.is_cuda:
            raise TypeError(f"type {cls.type_string} not available. {_NOT_COMPILED}")
        if kwargs:
            raise TypeError(f"{cls.__name__}(): unexpected keyword arguments {sorted(kwargs)}; the legacy "
                            "constructor takes data or sizes and only the keyword 'device'")
        if device is not None and as_device(device).type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{as_device(device).type} was passed")
        return legacy_new(cls.__name__, args, cls.dtype)

    def __instancecheck__(cls, obj):
        return not cls.is_cuda and isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.numpy

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"


def _make(name, dtype, is_cuda=False, module="numbagrad"):
    prefix = "torch.cuda." if is_cuda else "torch."
    doc = (f"Mirrors `{prefix}{name}`: " + (
        "exists, and fails when used, as in PyTorch's CPU-only build." if is_cuda else
        f"constructs {dtype.name} tensors (data, or sizes of uninitialised memory) and is the "
        f"isinstance target of {dtype.name} tensors (see numbagrad.legacy_types)."))
    return LegacyTensorType(name, (), {"__doc__": doc, "__module__": module, "dtype": dtype, "is_cuda": is_cuda,
                                       "is_sparse": False, "type_string": prefix + name})


_BY_DTYPE = {dtypes.to_dtype(np_name): name for np_name, name in _NAMES.items()}
CPU_TYPES = {name: _make(name, d) for d, name in _BY_DTYPE.items()}
CUDA_TYPES = {name: _make(name, d, is_cuda=True, module="numbagrad.cuda") for d, name in _BY_DTYPE.items()}
_BY_STRING = {t.type_string: t for t in list(CPU_TYPES.values()) + list(CUDA_TYPES.values())}
_BY_STRING.update({"numbagrad." + name: t for name, t in CPU_TYPES.items()})
_BY_STRING.update({"numbagrad.cuda." + name: t for name, t in CUDA_TYPES.items()})


# ---- the legacy constructor (also `numbagrad.Tensor(...)`) --------------------------------------------
def legacy_new(op, args, dtype):
    """A new tensor from the legacy constructor's arguments (see the module docstring)."""
    if not args:
        return _wrap(np.empty((0,), dtype=dtype.numpy))
    if len(args) == 1 and isinstance(args[0], Size) or all(_is_size(a) for a in args):
        return _uninitialised(op, args, dtype)
    if len(args) > 1:
        raise TypeError(f"{op}(): expected data (a sequence, array or tensor) or sizes (ints), got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    data = args[0]
    if isinstance(data, Tensor):
        if data._data.dtype != dtype.numpy:
            raise TypeError(f"{op}(): expected a tensor of dtype {dtype.name} (got {data.dtype.name})")
        return data.view_as(data)
    if isinstance(data, np.ndarray) or (isinstance(data, (list, tuple)) and not isinstance(data, Size)):
        from .factories import tensor
        return tensor(data, dtype=dtype)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")


def _is_size(a):
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _uninitialised(op, args, dtype):
    from .tensor import _sizes
    from .ops._util import allocate
    sizes = _sizes(args)
    return _wrap(allocate(op, sizes, dtype.numpy, lambda: np.empty(sizes, dtype=dtype.numpy)))


def init_tensor(t, args, dtype=None):
    """`numbagrad.Tensor(*args)`: fills `t` as the legacy constructor with the default dtype (or
    `dtype`) would build it; `Tensor(other)` makes t an alias of other, whatever its dtype."""
    if dtype is None and len(args) == 1 and isinstance(args[0], Tensor):
        made = args[0].view_as(args[0])
    else:
        made = legacy_new("Tensor", args, dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype())
    if type(made) is Tensor and made.grad_fn is None and made._base is None:
        _init(t, made._data)
        t._version = made._version
        return
    for slot in ("_data", "requires_grad", "_grad", "grad_fn", "_output_nr", "_version", "_base",
                 "_view_index", "_hooks"):
        setattr(t, slot, getattr(made, slot))


# ---- x.type(...) ------------------------------------------------------------------------------------
def tensor_type(t, dtype=None, non_blocking=False, **kwargs):
    """Mirrors `Tensor.type(dtype=None, non_blocking=False)`: without a target, t's type string
    ("torch.FloatTensor"); with one (a legacy type, its string, a dtype, `Tensor` or "torch.Tensor"),
    t itself when it already has that type, else a converted copy."""
    if kwargs:
        raise TypeError(f"type() got unexpected keyword arguments {sorted(kwargs)}")
    if dtype is None:
        return type_name(t._data.dtype)
    if isinstance(dtype, str):
        if dtype in ("torch.Tensor", "numbagrad.Tensor"):
            return t
        if dtype not in _BY_STRING:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _BY_STRING[dtype]
    if dtype is Tensor:
        return t
    if isinstance(dtype, LegacyTensorType):
        if dtype.is_cuda:
            raise RuntimeError(f"Cannot initialize CUDA: {_NOT_COMPILED}")
        dtype = dtype.dtype
    elif not isinstance(dtype, dtypes.dtype):
        if isinstance(dtype, type):
            raise ValueError(f"invalid type: '{dtype.__name__}'")
        raise TypeError("dtype must be a type, str, or dtype object")
    return t.to(dtype)


def set_default_tensor_type(t):
    """Mirrors the deprecated `torch.set_default_tensor_type(t)` (with its UserWarning): sets the
    default dtype from a floating legacy type or its string."""
    if isinstance(t, str):
        if t not in _BY_STRING:
            raise TypeError(f"invalid type: '{t}'")
        t = _BY_STRING[t]
    if not isinstance(t, LegacyTensorType):
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    if t.is_cuda:
        raise TypeError(f"type {t.type_string} not available. {_NOT_COMPILED}")
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    dtypes.set_default_dtype(t.dtype)
