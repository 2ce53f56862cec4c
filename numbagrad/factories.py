"""Tensor factories: `tensor`, `from_numpy`, `as_tensor`, `zeros`, `ones`, `full`, `empty`,
`arange`, `linspace`, `eye`, `rand`, `randn`, `randint`, `randperm`, `*_like`.

Each mirrors the `torch` function of the same name. `device=` and `pin_memory=` behave as in
PyTorch's CPU-only build: "cpu" (or None with the default device the CPU) works, any other device
raises PyTorch's error before anything is allocated, and so does `pin_memory=True`.
"""
import math

import numpy as np

from . import dtypes
from .random import numpy_generator
from .device import check_tensor_device, _state as _default_device
from .tensor import Tensor, Size, _wrap, _sizes, _unwrap_nested
from .ops._util import allocate


def _allocate(op, sizes, dtype, make):
    """Run `make()`, which allocates a tensor of `sizes` and NumPy `dtype`: an impossible size
    raises PyTorch's RuntimeError (TypeError beyond int64) naming the op and the bytes, never
    NumPy's MemoryError (see `ops._util.allocate`)."""
    return allocate(op, sizes, dtype, make)


def _with_out(name, result, out):
    """`result`, or `out` with result written into it (PyTorch's `out=`, see `registry.write_out`)."""
    if out is None:
        return result
    from .ops.registry import write_out
    return write_out(name, result, out)


def _check_placement(device, pin_memory=False, moving=False):
    """Before anything is allocated: PyTorch's CPU-only build's errors for a tensor on another
    device (`device=None` is the default device, see `numbagrad.set_default_device`) or in
    pinned memory. `moving`: the data exists and is copied there (`tensor(data, device=...)`)."""
    if device is not None or _default_device.default is not None:
        check_tensor_device(device, moving)
    if pin_memory:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no pinned memory "
                           "allocator is available on this system (numbagrad runs on the CPU only).")


def _like_device(device):
    """The device of a `*_like` result: the input's (the CPU) unless given; the default device
    does not apply, as in PyTorch."""
    return "cpu" if device is None else device


def _finish(data, requires_grad=False):
    t = _wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or dtypes.get_default_dtype()).numpy
    return dtypes.to_dtype(dtype).numpy


def _infer_dtype(arr):
    """PyTorch's inference from Python data: floats -> default float, ints -> int64, bools -> bool."""
    kind = arr.dtype.kind
    if kind == "f":
        return dtypes.get_default_dtype().numpy if arr.dtype == np.float64 else arr.dtype
    if kind in "iu":
        return np.int64
    if kind == "b":
        return np.bool_
    raise TypeError(f"tensor(): could not infer a dtype from data of NumPy type {arr.dtype}")


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.tensor`: always copies `data` (nested lists, numbers, arrays or tensors)."""
    _check_placement(device, pin_memory, moving=True)
    if isinstance(data, Tensor):
        arr = np.array(data._data, dtype=_np_dtype(dtype, data.dtype), copy=True)
    elif isinstance(data, (np.ndarray, np.generic)):
        dtypes.from_numpy_dtype(data.dtype)
        arr = np.array(data, dtype=dtypes.to_dtype(dtype).numpy if dtype else data.dtype, copy=True)
    else:
        try:
            raw = np.array(_unwrap_nested(data))
        except ValueError as e:
            raise ValueError(f"tensor(): data has an irregular (ragged) shape: {e}") from None
        target = dtypes.to_dtype(dtype) if dtype else None
        if raw.dtype == object or raw.dtype == np.uint64 or (
                raw.dtype == np.float64 and raw.size and not np.all(np.abs(raw) < 2.0 ** 63)):
            raw = _python_ints_beyond_int64(raw, target, data)
        if raw.dtype == object or raw.dtype.kind in "USV":
            raise TypeError(f"tensor(): could not convert data of type {type(data).__name__} to a tensor")
        if target is not None and target._category == 1 and raw.size:
            _check_python_data_fits(raw, target)
        arr = np.array(raw, dtype=target.numpy if target else _infer_dtype(raw))
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")
    return _finish(arr, requires_grad)


def _python_ints_beyond_int64(raw, target, data):
    """Python data holding an int outside int64 (NumPy made it uint64 or object): as PyTorch,
    floating data (a float dtype given, or a float among the values) takes it as a float, any other
    raises ValueError. Object arrays of something else are returned for the TypeError."""
    values = list(_leaves(_unwrap_nested(data)))
    if not all(isinstance(v, (int, float)) for v in values):
        return raw
    big = [v for v in values if type(v) is int and not dtypes.INT64_MIN <= v < (1 << 63)]
    if not big:
        return raw
    floating = (target is not None and target.is_floating_point) or (
        target is None and any(isinstance(v, float) for v in values))
    if not floating:
        raise ValueError(f"tensor(): Overflow when unpacking long long: the Python int {big[0]} does not "
                         "fit in int64")
    try:
        return np.array(values, dtype=np.float64).reshape(raw.shape)
    except OverflowError:
        raise OverflowError(f"tensor(): int too large to convert to float: {big[0]}") from None


def _leaves(data):
    """The scalars of nested Python data (lists, tuples, NumPy scalars as Python numbers)."""
    if isinstance(data, (list, tuple)):
        for d in data:
            yield from _leaves(d)
    elif isinstance(data, (np.generic, np.ndarray)):
        yield from np.asarray(data).reshape(-1).tolist()
    else:
        yield data


def _check_python_data_fits(raw, target):
    """PyTorch's checked conversion of Python numbers to an integer dtype: RuntimeError for values
    out of range (an unsigned dtype also takes negatives down to -max), NaN and inf."""
    info = np.iinfo(target.numpy)
    low = -int(info.max) if not target.is_signed else int(info.min)
    if raw.dtype.kind == "f":
        bad = ~((raw >= info.min) & (raw <= info.max))
    elif raw.dtype.kind in "iu":
        bad = (raw < low) | (raw > info.max)
    else:
        return
    if bad.any():
        value = raw[bad].reshape(-1)[0].item()
        raise RuntimeError(f"tensor(): value {value} cannot be converted to type {target.name} without overflow")


def from_numpy(ndarray):
    """Mirrors `torch.from_numpy`: zero-copy, the tensor shares memory with the array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


def as_tensor(data, dtype=None, device=None):
    """Mirrors `torch.as_tensor`: shares memory with a tensor or an array when no conversion is needed."""
    if isinstance(data, Tensor):
        _check_placement(_like_device(device))
        return data if dtype is None else data.to(dtype)
    _check_placement(device)
    if isinstance(data, np.ndarray):
        if dtype is None or dtypes.to_dtype(dtype).numpy == data.dtype:
            return from_numpy(data)
        return from_numpy(data.astype(dtypes.to_dtype(dtype).numpy))
    return tensor(data, dtype=dtype, device=device)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, pin_memory=False):
    """Mirrors `torch.zeros`."""
    _check_placement(device, pin_memory)
    sizes = _sizes(size)
    d = _np_dtype(dtype)
    data = _allocate("zeros", sizes, d, lambda: np.zeros(sizes, d))
    return _with_out("zeros", _finish(data, requires_grad), out)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, pin_memory=False):
    """Mirrors `torch.ones`."""
    _check_placement(device, pin_memory)
    sizes = _sizes(size)
    d = _np_dtype(dtype)
    data = _allocate("ones", sizes, d, lambda: np.ones(sizes, d))
    return _with_out("ones", _finish(data, requires_grad), out)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, memory_format=None, pin_memory=False):
    """Mirrors `torch.empty`."""
    _check_placement(device, pin_memory)
    sizes = _sizes(size)
    d = _np_dtype(dtype)
    data = _allocate("empty", sizes, d, lambda: np.empty(sizes, d))
    return _with_out("empty", _finish(data, requires_grad), out)


def full(size, fill_value, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.full`: the dtype is inferred from fill_value when not given."""
    _check_placement(device, pin_memory)
    if dtype is None:
        dtype = dtypes.result_type(fill_value)
    fill_value = _checked_fill(fill_value, dtypes.to_dtype(dtype), "full")
    sizes = _sizes((size,) if isinstance(size, int) else (tuple(size),))
    d = _np_dtype(dtype)
    data = _allocate("full", sizes, d, lambda: np.full(sizes, fill_value, d))
    return _finish(data, requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Mirrors `torch.zeros_like`."""
    _check_placement(_like_device(device), pin_memory)
    d = _np_dtype(dtype, input.dtype)
    return _finish(_allocate("zeros_like", tuple(input.shape), d, lambda: np.zeros(input.shape, d)),
                   requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Mirrors `torch.ones_like`."""
    _check_placement(_like_device(device), pin_memory)
    d = _np_dtype(dtype, input.dtype)
    return _finish(_allocate("ones_like", tuple(input.shape), d, lambda: np.ones(input.shape, d)),
                   requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Mirrors `torch.empty_like`."""
    _check_placement(_like_device(device), pin_memory)
    d = _np_dtype(dtype, input.dtype)
    return _finish(_allocate("empty_like", tuple(input.shape), d, lambda: np.empty(input.shape, d)),
                   requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Mirrors `torch.full_like`."""
    _check_placement(_like_device(device), pin_memory)
    d = dtypes.to_dtype(dtype) if dtype is not None else input.dtype
    fill_value = _checked_fill(fill_value, d, "full_like")
    return _finish(_allocate("full_like", tuple(input.shape), d.numpy,
                             lambda: np.full(input.shape, fill_value, d.numpy)), requires_grad)


def _checked_fill(value, d, op):
    """fill_value converted as PyTorch's full does: RuntimeError when it overflows d (a float16
    fill keeps its inf), an integer wrapped into d's range (-1 for uint8 is 255)."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, (np.number, np.bool_)):
        value = value.item()
    if d is dtypes.float16 and isinstance(value, float):
        return value
    dtypes.check_scalar_fits(value, d, op)
    if d._category == 1 and type(value) is int:
        return dtypes.wrap_int(value, d)
    return value


def _float_dtype(dtype, op):
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating point dtype, got {d}")
    return d


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.rand`: uniform on [0, 1) (1 excluded also after rounding to float32/float16)."""
    _check_placement(device, pin_memory)
    d = _float_dtype(dtype, "rand")
    sizes = _sizes(size)
    data = _allocate("rand", sizes, d.numpy,
                     lambda: numpy_generator(generator).random(sizes, dtype=np.float64).astype(d.numpy))
    if d.numpy != np.float64:  # float64 draws just below 1 round up to 1.0 in a narrower dtype
        np.minimum(data, np.nextafter(np.ones((), d.numpy), 0), out=data)
    return _finish(data, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.randn`: standard normal."""
    _check_placement(device, pin_memory)
    d = _float_dtype(dtype, "randn")
    sizes = _sizes(size)
    data = _allocate("randn", sizes, d.numpy, lambda: numpy_generator(generator).standard_normal(sizes).astype(d.numpy))
    return _finish(data, requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Mirrors `torch.rand_like`."""
    _check_placement(_like_device(device), pin_memory)
    return rand(*input.shape, dtype=dtype or input.dtype, device="cpu", requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Mirrors `torch.randn_like`."""
    _check_placement(_like_device(device), pin_memory)
    return randn(*input.shape, dtype=dtype or input.dtype, device="cpu", requires_grad=requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.randint(low=0, high, size)`: integers in [low, high), int64 by default."""
    _check_placement(device, pin_memory)
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list, Size)):
            raise TypeError("randint() missing required argument 'size' (a tuple)")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    for bound in (low, high):
        if isinstance(bound, (int, np.integer)) and not dtypes.INT64_MIN <= int(bound) < (1 << 63):
            raise ValueError(f"randint(): Overflow when unpacking long long: {bound} does not fit in int64")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.int64
    if d._category == 1:
        info = np.iinfo(d.numpy)
        if low < info.min:
            raise RuntimeError(f"randint: from is out of bounds for {d.name} (from={low})")
        if high - 1 > info.max:
            raise RuntimeError(f"randint: to - 1 is out of bounds for {d.name} (to={high})")
    sizes = _sizes(tuple(size))
    data = _allocate("randint", sizes, d.numpy,
                     lambda: numpy_generator(generator).integers(low, high, size=sizes, dtype=np.int64))
    return _finish(data.astype(_np_dtype(dtype, dtypes.int64)), requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.randint_like`."""
    _check_placement(_like_device(device), pin_memory)
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device="cpu")


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.randperm`: a random permutation of 0..n-1 (int64)."""
    _check_placement(device, pin_memory)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    data = _allocate("randperm", (int(n),), np.int64, lambda: numpy_generator(generator).permutation(int(n)))
    return _finish(data.astype(_np_dtype(dtype, dtypes.int64)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.arange`: int64 when start, end and step are integers, else the default float."""
    _check_placement(device, pin_memory)
    if end is None:
        start, end = 0, start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    for x in (start, end, step):
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            dtypes.check_scalar_fits(int(x), dtypes.int64, "arange")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        all_int = all(isinstance(x, (int, np.integer)) for x in (start, end, step))
        dtype = dtypes.int64 if all_int else dtypes.get_default_dtype()
    d = dtypes.to_dtype(dtype)
    if d.numpy.kind == "b":
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    n = max(0, math.ceil((end - start) / step))
    data = _allocate("arange", (n,), d.numpy,
                     lambda: start + np.arange(n, dtype=np.float64 if d.is_floating_point else np.int64) * step)
    return _finish(data.astype(d.numpy), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.linspace`."""
    _check_placement(device, pin_memory)
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if d.numpy.kind == "b":
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    steps = int(steps)
    data = _allocate("linspace", (steps,), d.numpy, lambda: np.linspace(start, end, steps).astype(d.numpy))
    return _finish(data, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Mirrors `torch.eye`."""
    _check_placement(device, pin_memory)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    d = _np_dtype(dtype)
    return _finish(_allocate("eye", (n, n if m is None else m), d, lambda: np.eye(n, m, dtype=d)), requires_grad)
