"""Checking and casting one parameter's state on `Optimizer.load_state_dict`.

PyTorch copies a loaded state dict in as it is and fails at the next `step()` when a state tensor
does not fit its parameter (or, with a state of the right size and the wrong shape, sometimes
not at all). Here every state entry the update kernel will read is checked when it is loaded:

- a tensor-like value (numbagrad Tensor, NumPy array, anything with `__array__` such as a
  torch.Tensor) of a real dtype (bool, integer, float) is copied and cast to its parameter's
  dtype, as PyTorch casts floating state (`step` keeps its own dtype);
- a kernel state of another shape than its parameter raises RuntimeError; one that is not a
  tensor (a str, list, number, None where the configuration needs it) or has a non-real dtype
  (object, str, bytes, complex) raises TypeError; a missing one raises KeyError (PyTorch's
  error at its next step); a `step` that is not one finite number >= 0 raises.
- a one-element state the update reads in Python (NAdam's `mu_product`, ASGD's `eta`, `mu`)
  must be one finite number (a tensor or a Python number); it is cast to the parameter's dtype,
  as PyTorch casts it.
- keys the optimizer does not use are kept; their tensors are copied and cast as in PyTorch.
"""
import math
from collections.abc import Mapping
from numbers import Number, Real

import numpy as np

from ..tensor import Tensor, _wrap

_STEP_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def to_array(value):
    """The NumPy array behind a tensor-like state value, else None.

    Accepts numbagrad Tensors, NumPy arrays and objects with `__array__` (e.g. torch tensors);
    an `__array__` that fails (e.g. a bfloat16 torch tensor) raises TypeError."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (Number, np.generic, str, bytes, Mapping, list, tuple)) or \
            not hasattr(value, "__array__"):
        return None
    try:
        return np.asarray(value)
    except Exception as exc:  # noqa: BLE001  (whatever the foreign type raises)
        raise TypeError(f"cannot read {type(value).__name__} as an array: {exc}") from None


def _where(name, index, param, key):
    data = param._data
    return (f"{name}: state '{key}' of parameter {index} (shape {tuple(data.shape)}, "
            f"{data.dtype})")


def _describe(value, arr):
    if arr is not None:
        return f"{type(value).__name__} of shape {tuple(arr.shape)}, {arr.dtype}"
    return f"a {type(value).__name__}"


def load_param_state(name, index, param, saved, required, kernel_keys, scalar_dtype,
                     scalar_keys=()):
    """The checked, copied state of one parameter from its entry `saved` in a state dict.

    `name` prefixes messages (e.g. "Adam.load_state_dict"), `index` is the parameter's key in
    the state dict, `required` the keys a non-empty state must have, `kernel_keys` the keys whose
    tensors the update kernel reads (they must have the parameter's shape), `scalar_dtype` the
    dtype given to a `step` loaded from a Python number, `scalar_keys` the one-element states.
    """
    if not isinstance(saved, Mapping):
        raise TypeError(f"{name}: the state of parameter {index} is a {type(saved).__name__}, "
                        "expected a dict")
    if saved:
        for key in required:
            if key not in saved:
                raise KeyError(f"{name}: the state of parameter {index} has no '{key}' "
                               f"(it has {sorted(map(str, saved))})")
    out = {}
    for key, value in saved.items():
        if key == "step":
            out[key] = _load_step(name, index, param, value, scalar_dtype)
        elif key in scalar_keys:
            out[key] = _load_scalar(name, index, param, key, value, scalar_dtype)
        elif key in kernel_keys:
            if value is None and key not in required:
                out[key] = None
            else:
                out[key] = _load_kernel_state(name, index, param, key, value)
        else:
            out[key] = cast_like_torch(param, value)
    return out


def _load_kernel_state(name, index, param, key, value):
    arr = to_array(value)
    target = param._data
    if arr is None:
        raise TypeError(f"{_where(name, index, param, key)} is {_describe(value, arr)}, "
                        "expected a tensor of the parameter's shape")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{_where(name, index, param, key)} has dtype {arr.dtype}, expected a "
                        "real (bool, integer or float) dtype")
    if arr.shape != target.shape:
        raise RuntimeError(f"{_where(name, index, param, key)} has shape {tuple(arr.shape)}; it "
                           "must have the parameter's shape")
    with np.errstate(over="ignore", invalid="ignore"):
        return _wrap(np.array(arr, dtype=target.dtype, order="C"))


def _load_step(name, index, param, value, scalar_dtype):
    if isinstance(value, Real):
        count, dtype = float(value), scalar_dtype
    else:
        arr = to_array(value)
        if arr is None or arr.dtype.kind not in "biuf":
            raise TypeError(f"{_where(name, index, param, 'step')} is {_describe(value, arr)}, "
                            "expected a number or a one-element tensor")
        if arr.size != 1:
            raise RuntimeError(f"{_where(name, index, param, 'step')} has {arr.size} elements, "
                               "expected one")
        count = float(arr.reshape(-1)[0])
        dtype = arr.dtype if arr.dtype in _STEP_DTYPES else scalar_dtype
    if not (math.isfinite(count) and count >= 0):
        raise ValueError(f"{_where(name, index, param, 'step')} is {count}, expected a finite "
                         "count >= 0")
    return _wrap(np.array(count, dtype=dtype))


def _load_scalar(name, index, param, key, value, scalar_dtype):
    """A Python number becomes a 0-d tensor of `scalar_dtype` (PyTorch's `__setstate__`), a
    tensor is cast to the parameter's dtype (PyTorch's load policy)."""
    if isinstance(value, Real):
        arr = np.array(float(value), dtype=scalar_dtype)
    else:
        arr = to_array(value)
        if arr is None or arr.dtype.kind not in "biuf":
            raise TypeError(f"{_where(name, index, param, key)} is {_describe(value, arr)}, "
                            "expected a number or a one-element tensor")
        if arr.size != 1:
            raise RuntimeError(f"{_where(name, index, param, key)} has {arr.size} elements, "
                               "expected one")
    if not math.isfinite(float(arr.reshape(-1)[0])):
        raise ValueError(f"{_where(name, index, param, key)} is {float(arr.reshape(-1)[0])}, "
                         "expected a finite number")
    dtype = arr.dtype if isinstance(value, Real) else param._data.dtype
    return _wrap(np.array(arr, dtype=dtype, order="C"))


def cast_like_torch(param, value):
    """PyTorch's treatment of a state value the optimizer does not check: real tensors are copied
    and cast to the parameter's dtype, dicts/lists/tuples are walked, the rest is kept as is."""
    if isinstance(value, Mapping):
        return {k: cast_like_torch(param, v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(cast_like_torch(param, v) for v in value)
    arr = to_array(value)
    if arr is None or arr.dtype.kind not in "biuf":
        return value
    with np.errstate(over="ignore", invalid="ignore"):
        return _wrap(np.array(arr, dtype=param._data.dtype, order="C"))
